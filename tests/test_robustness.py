"""Nothing lost, nothing silently wrong.

Exploding but finite training is divergence (and no ordinary setting is
taken for it); interrupts at any point leave consistent records, no state of
an earlier fit and the BLAS threads as they were; zero and extreme sample
weights; inputs that overflow; user activations that return nonsense; networks
too large for the machine; tampered saved state; and the RandomState a failed
call must not advance.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import _thread
import itertools
import pickle
import sys
import threading
import time
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info

from skact import ActivationMLPClassifier, ActivationMLPRegressor
from skact.activations import ACTIVATIONS, Activation
from skact.exceptions import DivergenceError

from _helpers import assert_valid_proba, fitted_state, zero_weights_message

ACTIVATION_NAMES = sorted({a.name for a in ACTIVATIONS.values()})
quietly = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning",
    "ignore:Training interrupted by user:UserWarning",
)


def _regression_scaled():
    X, y = make_regression(200, 5, noise=5.0, random_state=0)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


# -- explosion is divergence ----------------------------------------------------


@quietly
def test_a_warm_start_that_explodes_is_refused_and_the_model_kept(iris_scaled):
    # The adversarial run's case: a good SGD model warm-started at
    # learning_rate_init=100 ended, silently, with a loss of 1e116.
    X, y = iris_scaled
    clf = ActivationMLPClassifier((16,), solver="sgd", learning_rate_init=0.05)
    clf.set_params(random_state=0).fit(X, y)
    score, state = clf.score(X, y), fitted_state(clf)
    assert score > 0.8
    clf.set_params(warm_start=True, learning_rate_init=100.0)
    with pytest.raises(DivergenceError, match="exploded"):
        clf.fit(X, y)
    assert fitted_state(clf) == state and clf.score(X, y) == score


@quietly
@pytest.mark.parametrize("make", [ActivationMLPClassifier, ActivationMLPRegressor])
def test_a_huge_learning_rate_is_divergence_not_a_model(iris_raw, make):
    # learning_rate_init=1e8 on iris: losses of 1e155 and chance accuracy
    # were accepted before.
    X, y = iris_raw
    est = make(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=1e8)
    with pytest.raises(DivergenceError, match="exploded|non-finite"):
        est.set_params(random_state=0, n_iter_no_change=np.inf).fit(X, y)
    assert not hasattr(est, "coefs_")


@quietly
def test_partial_fit_at_a_huge_learning_rate_is_divergence(iris_scaled):
    # dask-ml's Incremental calls partial_fit: each call is checked.
    X, y = iris_scaled
    clf = ActivationMLPClassifier((8,), solver="sgd", random_state=0)
    clf.partial_fit(X, y, classes=[0, 1, 2])
    clf.set_params(learning_rate_init=1e9)
    state = fitted_state(clf)
    with pytest.raises(DivergenceError):
        for _ in range(20):
            clf.partial_fit(X, y)
            state = fitted_state(clf)
    assert fitted_state(clf) == state
    assert np.isfinite(clf.loss_) and clf.loss_ < 1e6


@quietly
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_no_false_divergence_on_ordinary_settings(iris_scaled, activation):
    # Standardised data, learning rates up to 0.1, every solver: training may
    # be good or bad, but it is never called divergence.
    X, y = iris_scaled
    Xr, yr = _regression_scaled()
    for solver, rates in [("adam", (1e-3, 1e-2, 0.1)), ("sgd", (1e-3, 1e-2, 0.1))]:
        for rate in rates:
            for est, data in [
                (ActivationMLPClassifier((8,)), (X, y)),
                (ActivationMLPRegressor(hidden_layer_sizes=(8,)), (Xr, yr)),
            ]:
                est.set_params(
                    activation=activation,
                    solver=solver,
                    learning_rate_init=rate,
                    max_iter=40,
                    random_state=0,
                ).fit(*data)
                assert np.isfinite(est.loss_)
    for est, data in [
        (ActivationMLPClassifier((8, 8)), (X, y)),
        (ActivationMLPRegressor(hidden_layer_sizes=(8, 8)), (Xr, yr)),
    ]:
        est.set_params(activation=activation, solver="lbfgs", random_state=0)
        est.fit(*data)


@quietly
def test_a_loss_far_above_a_near_perfect_fit_is_not_divergence():
    # A linear model that fits its data exactly (loss ~1e-20) meets a batch
    # whose targets are the opposite: a loss 10,000 times higher, and more,
    # is new data, not an explosion, since it stays near a constant
    # prediction's loss (the reference's floor).
    X, y = _regression_scaled()
    y = X @ np.arange(1.0, 6.0)
    reg = ActivationMLPRegressor(hidden_layer_sizes=(), solver="lbfgs", alpha=0.0)
    reg.set_params(random_state=0, tol=1e-12).fit(X, y)
    assert reg.loss_ < 1e-8
    reg.set_params(solver="adam").partial_fit(X, -y)
    assert reg.loss_curve_[-1] > 1e4 * reg.loss_curve_[-2]


# -- interrupts ---------------------------------------------------------------


def _blas_threads():
    return [info["num_threads"] for info in threadpool_info()]


def _assert_consistent(est, n_features):
    if not hasattr(est, "coefs_"):
        return
    history = est.history_
    assert est.loss_curve_ is history["loss"]
    assert len({len(values) for values in history.values()}) == 1, history
    assert est.coefs_[0].shape[0] == est.n_features_in_
    if est.n_features_in_ == n_features:  # this call's model
        assert est.n_iter_ == len(est.loss_curve_)
        if est.validation_scores_ is not None:
            assert len(est.validation_scores_) == len(est.loss_curve_)
    assert all(np.isfinite(c).all() for c in est.coefs_ + est.intercepts_)


@quietly
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_interrupts_at_random_moments_leave_consistent_models(iris_scaled, solver):
    # Ctrl-C (interrupt_main) at 120 moments spread over a refit: of a model
    # fitted before, with early stopping, on other data with other features.
    # Whatever the moment, the model is either the old one, whole, or the new
    # one with consistent records; never a mix, and BLAS threads come back.
    X, y = iris_scaled
    X_old = np.hstack([X, X])
    threads = _blas_threads()
    rng = np.random.RandomState(0)
    est = ActivationMLPClassifier(
        (16,), solver=solver, early_stopping=solver != "lbfgs", max_iter=60
    ).set_params(random_state=0, diagnostics=True)
    start = time.perf_counter()
    est.fit(X, y)
    duration = time.perf_counter() - start
    outcomes = set()
    for _ in range(120):
        est.set_params(max_iter=30).fit(X_old, y)
        old = fitted_state(est)
        timer = threading.Timer(rng.uniform(0, 1.2 * duration), _thread.interrupt_main)
        try:
            timer.start()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                est.set_params(max_iter=60).fit(X, y)
            timer.join()
            time.sleep(0.002)  # an interrupt after fit lands here, not later
            # Any of the warnings: another may follow the interruption's.
            outcome = (
                "interrupted"
                if any("interrupted" in str(w.message) for w in caught)
                else "finished"
            )
        except KeyboardInterrupt:
            outcome = "raised"
            timer.join()
        outcomes.add(outcome)
        if outcome == "raised" and est.n_features_in_ == X_old.shape[1]:
            assert fitted_state(est) == old
        _assert_consistent(est, X.shape[1])
        assert _blas_threads() == threads
    assert len(outcomes) >= 2, outcomes  # the moments did vary


@pytest.mark.parametrize("call", range(4))
def test_an_interrupt_inside_the_thread_limiter_restores_the_threads(
    iris_scaled, monkeypatch, call
):
    # threadpoolctl's set_num_threads is where the limiter changes and
    # restores the threads; a KeyboardInterrupt on its first, second, ...
    # call must not leave the process on one thread.
    from threadpoolctl import ThreadpoolController

    X, y = iris_scaled
    threads = _blas_threads()
    lib_class = type(ThreadpoolController().select(user_api="blas").lib_controllers[0])
    original = lib_class.set_num_threads
    calls = []

    def flaky(self, n):
        calls.append(n)
        if len(calls) == call + 1:
            raise KeyboardInterrupt
        return original(self, n)

    monkeypatch.setattr(lib_class, "set_num_threads", flaky)
    clf = ActivationMLPClassifier((4,), max_iter=2, random_state=0)
    with pytest.raises(KeyboardInterrupt), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    monkeypatch.undo()
    assert _blas_threads() == threads
    assert not hasattr(clf, "coefs_")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)  # and later fits still work
    assert _blas_threads() == threads


def _interrupt_at_line(k, filename):
    """A tracer raising KeyboardInterrupt at the ``k``-th line executed in
    ``filename``, as a Ctrl-C landing there would; and the lines it saw."""
    seen = []

    def local(frame, event, arg):
        if event == "line":
            seen.append(frame.f_lineno)
            if len(seen) == k:
                raise KeyboardInterrupt
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code.co_filename == filename else None

    return tracer, seen


def _blas_threads_calls():
    from skact._threads import SINGLE_THREAD_MAX_WORK, blas_threads_for

    X, y = np.random.RandomState(0).randn(20, 3), np.arange(20) % 2

    def fit():
        ActivationMLPClassifier((4,), solver="lbfgs", max_iter=3).fit(X, y)

    def partial_fit():
        ActivationMLPRegressor(hidden_layer_sizes=(4,)).partial_fit(X, y)

    def small():
        with blas_threads_for(1):
            pass

    def large():
        with blas_threads_for(SINGLE_THREAD_MAX_WORK):
            pass

    def nested():
        # A second fit while one runs (as in another thread): the inner one
        # must neither restore the counts early nor keep them limited.
        with blas_threads_for(1):
            with blas_threads_for(SINGLE_THREAD_MAX_WORK):
                pass
            fit()

    def body_raises():
        with pytest.raises(ValueError), blas_threads_for(1):
            raise ValueError

    return dict(
        fit=fit,
        partial_fit=partial_fit,
        small=small,
        large=large,
        nested=nested,
        body_raises=body_raises,
    )


@quietly
@pytest.mark.parametrize("first_use", [False, True])
@pytest.mark.parametrize("call", sorted(_blas_threads_calls()))
def test_an_interrupt_at_any_line_of_the_thread_limiter_restores_the_threads(
    monkeypatch, call, first_use
):
    # Ctrl-C may land between any two lines of the limiter: on entering, on
    # leaving, in the middle of a restore. Whichever line it lands on, once
    # the interrupted call has ended the thread counts are back and the lock
    # is free, so the next fit neither runs on one thread nor deadlocks.
    from skact import _threads

    threads = _blas_threads()
    if max(threads) == 1:
        pytest.skip("the BLAS libraries run on one thread already")
    run = _blas_threads_calls()[call]
    run()  # what a call does when nothing interrupts it
    previous = sys.gettrace()
    lines = set()
    for k in itertools.count(1):
        if first_use:  # the libraries are inspected on first use
            monkeypatch.setattr(_threads, "_controllers", None)
        tracer, seen = _interrupt_at_line(k, _threads.__file__)
        sys.settrace(tracer)
        try:
            run()
        except KeyboardInterrupt:
            pass
        else:
            assert len(seen) < k, f"the interrupt at line {seen[-1]} was lost"
            break
        finally:
            sys.settrace(previous)
        lines.add(seen[-1])
        assert _blas_threads() == threads, f"interrupted at line {seen[-1]}"
        assert _threads._lock.acquire(timeout=10), f"line {seen[-1]} kept the lock"
        _threads._lock.release()
        run()  # and the next call works, and restores the counts too
        assert _blas_threads() == threads, f"after an interrupt at line {seen[-1]}"
    assert len(lines) >= 6  # the tracer did reach the limiter's lines


class _InterruptAfter(Activation):
    """tanh that raises KeyboardInterrupt on its ``n``-th forward call."""

    name = "tanh_then_interrupt"
    needs_z = False

    def __init__(self, n=10**9):
        self.n = n

    def forward(self, z):
        type(self).calls += 1
        if type(self).calls == self.n:
            raise KeyboardInterrupt
        return np.tanh(z)

    def derivative(self, z, a):
        return 1 - a * a


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_an_interrupted_fit_keeps_its_completed_iterations(iris_scaled, solver):
    # As documented (trust.rst): the stochastic solvers keep their completed
    # epochs, L-BFGS its completed iterations, with a warning.
    X, y = iris_scaled
    _InterruptAfter.calls = 0
    clf = ActivationMLPClassifier(
        (6,), activation=_InterruptAfter(25), solver=solver, batch_size=50
    ).set_params(random_state=0, max_iter=100)
    with pytest.warns(UserWarning, match="interrupted"):
        clf.fit(X, y)
    assert 0 < clf.n_iter_ == len(clf.loss_curve_) < 25
    assert np.isfinite(clf.loss_) and clf.loss_ == clf.loss_curve_[-1]
    assert_valid_proba(clf.predict_proba(X), len(X), 3)


# -- sample weights -----------------------------------------------------------


@quietly
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_zero_weight_minibatches_are_skipped_not_divergence(solver):
    # 2000 rows, 1% of them weighted: most batches of 16 weigh 0.
    rng = np.random.RandomState(0)
    X = rng.randn(2000, 3)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    sample_weight = np.zeros(2000)
    sample_weight[::100] = 1.0
    clf = ActivationMLPClassifier((8,), solver=solver, batch_size=16, max_iter=30)
    clf.set_params(random_state=0).fit(X, y, sample_weight=sample_weight)
    assert np.isfinite(clf.loss_curve_).all()
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]  # it learns from the 20


@pytest.mark.parametrize(
    "weights, message",
    [
        # scikit-learn >= 1.8's own check catches this one first.
        (np.zeros(150), zero_weights_message()),
        (np.full(150, 1e308), "sums to infinity"),
        (np.full(150, 1e-320), "as small as"),
    ],
)
def test_bad_input_sample_weights_get_a_clear_error(iris_scaled, weights, message):
    X, y = iris_scaled
    for est in (ActivationMLPClassifier((4,)), ActivationMLPRegressor()):
        with pytest.raises(ValueError, match=message):
            est.fit(X, y, sample_weight=weights)


def test_bad_input_early_stopping_split_without_weight_gets_a_clear_error(iris_scaled):
    X, y = iris_scaled
    weights = np.zeros(150)
    weights[:3] = 1.0
    clf = ActivationMLPClassifier((4,), early_stopping=True, random_state=0)
    with pytest.raises(ValueError, match="split has weight 0"):
        clf.fit(X, y, sample_weight=weights)


def test_bad_input_partial_fit_classes_that_are_no_classes(iris_scaled):
    X, y = iris_scaled
    clf = ActivationMLPClassifier((4,))
    with pytest.raises(ValueError, match="no class at all"):
        clf.partial_fit(X, y, classes=[])
    with pytest.raises(TypeError, match="1-d array-like.*got a set"):
        clf.partial_fit(X, y, classes={0, 1, 2})


def test_error_messages_show_a_few_labels_not_all(iris_scaled):
    X, y = iris_scaled
    clf = ActivationMLPClassifier((4,)).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError) as error:
        clf.partial_fit(X, y, classes=np.arange(150))
    assert "150 in all" in str(error.value) and "149" not in str(error.value)


# -- inputs that overflow -----------------------------------------------------


@quietly
@pytest.mark.parametrize("dtype, safe", [(np.float64, 1e300), (np.float32, 1e30)])
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_prediction_is_never_nan(activation, dtype, safe):
    # A model trained on standardised data gives finite probabilities for
    # inputs up to `safe` (docs/trust.rst); beyond, either still finite
    # probabilities or a ValueError saying the output overflowed.
    rng = np.random.RandomState(0)
    X = rng.randn(40, 3).astype(dtype)
    y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int) + (X[:, 2] > 0.8)
    clf = ActivationMLPClassifier((4,), activation=activation, solver="lbfgs")
    clf.set_params(random_state=0, max_iter=300).fit(X, y)
    biggest = np.finfo(dtype).max
    for scale in np.logspace(0, np.floor(np.log10(biggest)), 40):
        with np.errstate(over="ignore"):  # 3 x 1e308 is clipped to the max
            Xs = np.clip(X * scale, -biggest, biggest).astype(dtype)
        try:
            proba = clf.predict_proba(Xs)
        except ValueError as error:
            assert scale > safe, (scale, error)
            assert "output overflowed" in str(error)
            with pytest.raises(ValueError, match="output overflowed"):
                clf.predict(Xs)
            continue
        assert_valid_proba(proba, len(X), 3)
        assert np.isfinite(clf.predict_log_proba(Xs)).all()


def test_the_adversarial_run_s_huge_input(iris_scaled):
    X, y = iris_scaled
    clf = ActivationMLPClassifier((8,), solver="lbfgs", random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="output overflowed for 1 of 1"):
        clf.predict_proba(np.full((1, 4), 1e308))


# -- clear errors -------------------------------------------------------------


class _NaNAbove(Activation):
    """The identity, but NaN above 2: a user's bug."""

    def forward(self, z):
        return np.where(z > 2, np.nan, z)

    def derivative(self, z, a):
        return np.ones_like(z)


class _ComplexSlope(Activation):
    def forward(self, z):
        return z

    def derivative(self, z, a):
        return np.ones_like(z) + 0j


def test_user_activation_mistakes_name_the_activation(iris_raw):
    X, y = iris_raw
    # Seeded: whether some pre-activation exceeds 2 depends on the initial
    # weights (about 1 draw in 10 stays below it for 3 epochs).
    clf = ActivationMLPClassifier(
        (4,), activation=_NaNAbove(), max_iter=3, random_state=0
    )
    with pytest.raises(ValueError, match="'_NaNAbove': forward returned NaN"):
        clf.fit(X, y)
    clf = ActivationMLPClassifier((4,), activation=_ComplexSlope(), max_iter=3)
    with pytest.raises(TypeError, match="'_ComplexSlope': derivative returned complex"):
        clf.fit(X, y)


def test_a_network_too_large_for_memory_is_refused_up_front(iris_scaled):
    X, y = iris_scaled
    for est in (
        ActivationMLPClassifier(10**9),
        ActivationMLPRegressor("squared_error", 10**9),
    ):
        with pytest.raises(ValueError, match=r"needs about [\d.,]+ GiB"):
            est.fit(X, y)


# -- tampered state -----------------------------------------------------------


def _tampered(est, change):
    state = est.__getstate__()
    change(state)
    return state


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda s: s["coefs_"].__setitem__(0, s["coefs_"][0] + 0j), "float32 or"),
        (
            lambda s: s["coefs_"].__setitem__(1, s["coefs_"][1].astype(np.float32)),
            "float32 or",
        ),
        (lambda s: s["coefs_"][0].__setitem__((0, 0), np.nan), "NaN or infinite"),
        (lambda s: s.__setitem__("out_activation_", "foo"), "out_activation_='foo'"),
        (lambda s: s["coefs_"].__setitem__(1, s["coefs_"][1][:2]), "do not chain"),
        (lambda s: s.__setitem__("n_features_in_", 7), "n_features_in_=7"),
        (lambda s: s["intercepts_"].pop(), "as many arrays"),
    ],
)
def test_loading_an_impossible_state_is_refused(iris_scaled, change, message):
    X, y = iris_scaled
    clf = ActivationMLPClassifier((5,), solver="lbfgs", random_state=0).fit(X, y)
    state = _tampered(clf, change)
    fresh = ActivationMLPClassifier.__new__(ActivationMLPClassifier)
    with pytest.raises(ValueError, match="state is corrupt") as error:
        fresh.__setstate__(state)
    assert message in str(error.value)
    # Through pickle as well, which is how such a state arrives.
    clf.__dict__.update(state)
    with pytest.raises(ValueError, match="state is corrupt"):
        pickle.loads(pickle.dumps(clf))


def test_a_sound_state_still_loads(iris_scaled):
    X, y = iris_scaled
    reg = ActivationMLPRegressor("poisson", (5,), solver="lbfgs", random_state=0)
    reg.fit(X, np.abs(y))
    restored = pickle.loads(pickle.dumps(reg))
    assert_array_equal(restored.predict(X), reg.predict(X))


# -- random_state -------------------------------------------------------------


@pytest.mark.parametrize("failure", ["bad input", "divergence"])
def test_a_failed_call_does_not_advance_a_random_state_instance(iris_raw, failure):
    X, y = iris_raw
    generator = np.random.RandomState(0)
    before = generator.get_state()
    if failure == "bad input":
        clf = ActivationMLPClassifier((4,), random_state=generator)
        with pytest.raises(ValueError):
            clf.fit(X, y[:-1])
    else:
        clf = ActivationMLPClassifier(
            (8,), solver="sgd", learning_rate_init=1e8, random_state=generator
        )
        with pytest.raises(DivergenceError):
            clf.fit(X, y)
    after = generator.get_state()
    assert after[2:] == before[2:] and np.array_equal(after[1], before[1])
