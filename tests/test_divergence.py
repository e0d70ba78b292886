"""Training that blows up stops with a DivergenceError and changes nothing;
extreme but finite inputs never give NaN probabilities.

The diverging set-ups are chosen to overflow for sure, not by luck:

- SGD with ``learning_rate_init=1e6`` on an identity network and iris scaled
  by 1000: every step multiplies the weights by roughly ``lr * |X|^2``, so
  they pass 1e308 within a few dozen steps. ``n_iter_no_change=inf`` keeps the
  (ever worse) loss from stopping training first.
- Adam with ``learning_rate_init=1e200``: Adam's first step moves every weight
  by about the learning rate, so the logits (products of two layers of such
  weights) overflow at once.
- L-BFGS on iris scaled by 1e200: the loss is still finite, but its gradient
  (the inputs times the output error times the weights) overflows at the
  starting point.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import copy
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted

from skact import ActivationMLPClassifier, ActivationMLPRegressor
from skact._optimizers import Adam
from skact.activations import ACTIVATIONS
from skact.exceptions import DivergenceError

from _helpers import DIVERGING, assert_valid_proba, fitted_state

SOLVERS = ["adam", "sgd", "lbfgs"]
# One name per built-in activation (the registry also holds aliases).
ACTIVATION_NAMES = sorted({a.name for a in ACTIVATIONS.values()})

# Few epochs on purpose wherever a model is trained only to have one.
short_training = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)


def _diverging(solver, iris_raw):
    params, scale = DIVERGING[solver]
    X, y = iris_raw
    clf = ActivationMLPClassifier((8,), solver=solver, random_state=0, **params)
    return clf, X * scale, y


def _assert_clear_divergence_message(excinfo, solver):
    message = str(excinfo.value)
    assert "diverged" in message, message
    # Overflow to inf/NaN, or caught earlier as a finite loss exploding.
    assert "non-finite" in message or "exploded" in message, message
    assert f"solver={solver!r}" in message, message
    if solver == "lbfgs":
        # L-BFGS has no learning rate: scaling is the remedy.
        assert "Scale the inputs" in message, message
    else:
        assert "lower learning_rate_init" in message, message
    assert "left as it was before this call" in message, message


def test_divergence_error_is_a_value_error():
    # Code that catches scikit-learn's ValueError for bad fits catches it too.
    assert issubclass(DivergenceError, ValueError)


@pytest.mark.parametrize("solver", SOLVERS)
def test_divergence_raises_and_leaves_an_unfitted_model_unfitted(iris_raw, solver):
    clf, X, y = _diverging(solver, iris_raw)
    with pytest.raises(DivergenceError) as excinfo:
        clf.fit(X, y)
    _assert_clear_divergence_message(excinfo, solver)
    assert set(vars(clf)) == set(clf.get_params(deep=False))
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


@short_training
@pytest.mark.parametrize("solver", SOLVERS)
def test_divergence_leaves_a_fitted_model_as_it_was(iris_raw, solver):
    clf, X_bad, y = _diverging(solver, iris_raw)
    X = iris_raw[0]
    diverging_params = clf.get_params()
    clf.set_params(learning_rate_init=1e-3, n_iter_no_change=10, max_iter=20)
    clf.fit(X, y)
    proba, state = clf.predict_proba(X), fitted_state(clf)

    clf.set_params(**diverging_params)
    with pytest.raises(DivergenceError) as excinfo:
        clf.fit(X_bad, y)
    _assert_clear_divergence_message(excinfo, solver)
    assert fitted_state(clf) == state
    assert_array_equal(clf.predict_proba(X), proba)


@short_training
@pytest.mark.parametrize("solver", SOLVERS)
def test_diverging_warm_start_changes_nothing_and_training_goes_on(iris_raw, solver):
    clf, X_bad, y = _diverging(solver, iris_raw)
    X = iris_raw[0]
    diverging_params = clf.get_params()
    sane = dict(learning_rate_init=1e-3, n_iter_no_change=10, max_iter=10)
    clf.set_params(warm_start=True, **sane).fit(X, y)
    twin = copy.deepcopy(clf)
    state = fitted_state(clf)

    clf.set_params(**{**diverging_params, "warm_start": True})
    with pytest.raises(DivergenceError):
        clf.fit(X_bad, y)
    assert fitted_state(clf) == state

    # Continuing afterwards is exactly continuing without the failed call:
    # the weights, the histories and the optimizer's state were all kept.
    clf.set_params(**sane)
    clf.fit(X, y)
    twin.fit(X, y)
    for a, b in zip(clf.coefs_ + clf.intercepts_, twin.coefs_ + twin.intercepts_):
        assert_array_equal(a, b)
    assert clf.loss_curve_ == twin.loss_curve_
    assert clf.t_ == twin.t_


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_diverging_partial_fit_changes_nothing(iris_raw, solver):
    clf, X, y = _diverging(solver, iris_raw)
    for call in range(1, 101):
        state = fitted_state(clf) if call > 1 else None
        try:
            clf.partial_fit(X, y, classes=[0, 1, 2])
        except DivergenceError as e:
            assert "lower learning_rate_init" in str(e)
            break
    else:
        pytest.fail("partial_fit never diverged")
    if call == 1:
        assert set(vars(clf)) == set(clf.get_params(deep=False))
    else:
        # The same fitted state, the weights included, byte for byte.
        assert fitted_state(clf) == state
        assert len(clf.loss_curve_) == call - 1


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_a_partial_fit_that_succeeds_leaves_finite_probabilities(iris_raw, solver):
    # Every call that did not raise must leave a usable model: on the very
    # data it trained on, probabilities are finite (and no overflow warning).
    clf, X, y = _diverging(solver, iris_raw)
    for _ in range(100):
        try:
            clf.partial_fit(X, y, classes=[0, 1, 2])
        except DivergenceError:
            break
        assert_valid_proba(clf.predict_proba(X), len(X), 3)


def test_sgd_divergence_is_caught_after_some_epochs_not_only_at_the_start(iris_raw):
    # The SGD set-up trains for a while before overflowing: the check runs
    # during training, not just on the initial loss.
    clf, X, y = _diverging("sgd", iris_raw)
    with pytest.raises(DivergenceError, match=r"in epoch (\d\d|[2-9])"):
        clf.fit(X, y)


@pytest.mark.parametrize("interrupted", [False, True])
def test_a_parameter_gone_infinite_is_caught_even_while_the_loss_stays_finite(
    iris_raw, monkeypatch, interrupted
):
    # tanh saturates: an infinite first-layer weight (iris has no zero
    # feature) gives tanh(+-inf) = +-1, finite outputs and, with alpha=0, a
    # finite loss, and its gradient is 0, so the weight stays infinite. Only
    # the parameter check can see it: once per epoch, and once more at the
    # end when training was interrupted mid-epoch.
    X, y = iris_raw
    step = Adam.step
    calls = []

    def step_then_break(self, params, grad):
        step(self, params, grad)
        calls.append(None)
        if len(calls) == 3:  # mid-epoch: 150 samples are 10 batches
            params[0] = np.inf
            if interrupted:
                raise KeyboardInterrupt

    monkeypatch.setattr(Adam, "step", step_then_break)
    clf = ActivationMLPClassifier(
        (8,), activation="tanh", alpha=0.0, batch_size=15, max_iter=5, random_state=0
    )
    with (
        pytest.warns(UserWarning, match="interrupted")
        if interrupted
        else contextlib.nullcontext()
    ):
        with pytest.raises(DivergenceError, match="parameter became non-finite"):
            clf.fit(X, y)
    assert len(calls) == (3 if interrupted else 10)  # the first epoch, no more
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


# -- extreme but finite input ------------------------------------------------


def _small_problem():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 3)
    y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int) + (X[:, 2] > 0.8)
    return X, y


@short_training
@pytest.mark.parametrize("scale", [1e-8, 1e-3, 1e3, 1e8, 1e12])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_extreme_feature_scales_give_finite_probabilities(activation, solver, scale):
    # Unscaled data is a mistake users make. It may train badly, but the
    # model must still give probabilities (rather than NaN) on the data; or,
    # where SGD's steps (proportional to the features) blow the loss up by
    # orders of magnitude, refuse with a DivergenceError. Measured: SGD from
    # features of 1e8 for every activation but the saturating sigmoid and
    # tanh, whose gradients vanish instead.
    X, y = _small_problem()
    clf = ActivationMLPClassifier(
        (4,), activation=activation, solver=solver, max_iter=10, random_state=0
    )
    if solver == "sgd" and scale >= 1e8 and activation not in ("sigmoid", "tanh"):
        with pytest.raises(DivergenceError, match="exploded"):
            clf.fit(X * scale, y)
        assert set(vars(clf)) == set(clf.get_params(deep=False))
        return
    clf.fit(X * scale, y)
    assert_valid_proba(clf.predict_proba(X * scale), len(X), 3)
    assert np.isfinite(clf.predict_log_proba(X * scale)).all()


@short_training
@pytest.mark.parametrize("scale", [1e-8, 1e12])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_extreme_feature_scales_in_float32(activation, solver, scale):
    # float32 overflows past 3.4e38: features of 1e12 times gradients of
    # that order make SGD's steps overflow (measured: every activation but
    # sigmoid and tanh, whose gradients saturate). A DivergenceError that says
    # so is then the right answer; NaN probabilities never are.
    X, y = _small_problem()
    X = (X * scale).astype(np.float32)
    clf = ActivationMLPClassifier(
        (4,), activation=activation, solver=solver, max_iter=10, random_state=0
    )
    try:
        clf.fit(X, y)
    except DivergenceError as e:
        assert solver == "sgd" and scale == 1e12, e
        assert "scale the inputs" in str(e)
        assert set(vars(clf)) == set(clf.get_params(deep=False))
        return
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float32
    assert_valid_proba(proba, len(X), 3)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_extreme_input_at_predict_time_gives_finite_probabilities(activation):
    # A model trained on standardised data meets raw values far outside
    # its training range, up to near the float64 limit.
    X, y = _small_problem()
    # max_iter far above the ~370 iterations needed here: converging near the
    # limit or not depends on the BLAS kernel's rounding.
    clf = ActivationMLPClassifier(
        (4,), activation=activation, solver="lbfgs", max_iter=2000, random_state=0
    ).fit(X, y)
    for scale in [1e-300, 1e-8, 1e12, 1e100, 1e300]:
        assert_valid_proba(clf.predict_proba(X * scale), len(X), 3)
        assert np.isfinite(clf.predict_log_proba(X * scale)).all()


# -- the divergence rule: one step, lock-outs, first epochs -----------------
def _diabetes_scaled():
    from sklearn.datasets import load_diabetes
    from sklearn.preprocessing import StandardScaler

    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


@short_training
def test_one_destroying_step_raises_and_a_sane_call_trains_after_it():
    # partial_fit over one batch at lr=1e4: the loss was computed before the
    # update, so the wreck (R^2 about -1e16) used to be returned, and every
    # later call raised whatever its learning rate. The rule checks the
    # weights the call ends with, against references that do not depend on
    # the model's history.
    X, y = _diabetes_scaled()
    reg = ActivationMLPRegressor(random_state=0).fit(X, y)
    score, state = reg.score(X, y), fitted_state(reg)
    with pytest.raises(DivergenceError, match="after the last update"):
        reg.set_params(learning_rate_init=1e4).partial_fit(X[:200], y[:200])
    assert fitted_state(reg) == state
    reg.set_params(learning_rate_init=1e-3)
    for _ in range(3):
        reg.partial_fit(X[:200], y[:200])
    # Three sane Adam steps at 1e-3 move the fit only a little.
    assert reg.score(X, y) == pytest.approx(score, abs=0.05)


def _destruction_cases(n_cases, seed=0):
    """Random (estimator, solver, activation, loss, rate, how, rows): a
    continued call at a learning rate of 1e4 to 1e8, 10,000 or more times
    the largest ordinary one. One step of Adam moves every weight by about
    the rate; one of SGD by the rate times the gradient."""
    rng = np.random.RandomState(seed)
    for _ in range(n_cases):
        task = rng.choice(["classification", "regression"])
        loss = "squared_error"
        if task == "regression":
            loss = rng.choice(["squared_error", "absolute_error", "poisson"])
        yield (
            task,
            rng.choice(["sgd", "adam"]),
            rng.choice(["relu", "tanh", "logistic", "identity", "gelu"]),
            loss,
            10 ** rng.uniform(4, 8),
            rng.choice(["partial_fit", "warm_start"]),
            rng.randint(1, 150),
            rng.randint(2**31),
        )


def test_every_destroying_call_raises_and_leaves_the_model_trainable(iris_scaled):
    X_clf, y_clf = iris_scaled
    X_reg, y_reg = _diabetes_scaled()
    fitted = {}
    n_cases = 0
    for task, solver, activation, loss, rate, how, rows, seed in _destruction_cases(
        1100
    ):
        X, y = (X_clf, y_clf) if task == "classification" else (X_reg, y_reg)
        if loss == "poisson":
            y = np.exp(y)
        key = (task, solver, activation, loss)
        if key not in fitted:
            params = dict(
                hidden_layer_sizes=(8,),
                solver=solver,
                activation=activation,
                max_iter=30,
                random_state=0,
            )
            if task == "classification":
                model = ActivationMLPClassifier(**params)
            else:
                model = ActivationMLPRegressor(loss=loss, **params)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                fitted[key] = model.fit(X, y)
        model = copy.deepcopy(fitted[key])
        rows = np.random.RandomState(seed).choice(len(X), rows, replace=False)
        Xb, yb = X[rows], y[rows]
        if how == "warm_start":
            if task == "classification" and len(np.unique(yb)) < 3:
                continue  # a warm start needs every class
            model.set_params(warm_start=True, max_iter=1, batch_size=len(rows))
            step = model.fit
        else:
            step = model.partial_fit
        state = fitted_state(model)
        model.set_params(learning_rate_init=rate)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            with pytest.raises(DivergenceError):
                step(Xb, yb)
            assert fitted_state(model) == state
            # The next sane call trains: nothing of the failed one is kept.
            model.set_params(learning_rate_init=1e-3)
            step(Xb, yb)
        assert np.isfinite(model.loss_)
        n_cases += 1
    assert n_cases >= 1000


def test_a_one_row_stream_of_an_exact_fit_is_not_divergence():
    # A perfect linear fit makes the recent losses 0 (1e-32): a rule judged
    # against them called the next rounding error an explosion, and then
    # refused most later calls.
    rng = np.random.RandomState(0)
    X = rng.randn(3000, 3)
    y = X @ [1.0, -2.0, 0.5]
    reg = ActivationMLPRegressor(
        hidden_layer_sizes=(), solver="sgd", learning_rate_init=0.01, alpha=0
    )
    reg.set_params(random_state=0)
    for i in range(len(X)):
        reg.partial_fit(X[i : i + 1], y[i : i + 1])
    assert reg.loss_ < 1e-20
    assert_allclose(reg.coefs_[0].ravel(), [1.0, -2.0, 0.5], atol=1e-8)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_a_one_row_classifier_stream_is_not_divergence(iris_scaled, solver):
    X, y = iris_scaled
    order = np.random.RandomState(0).permutation(len(X))
    clf = ActivationMLPClassifier((16,), solver=solver, random_state=0)
    for _ in range(10):
        for i in order:
            clf.partial_fit(X[i : i + 1], y[i : i + 1], classes=[0, 1, 2])
    assert len(clf.loss_curve_) == 10 * len(X)


def test_an_explosion_in_the_first_epoch_is_caught():
    # Unscaled features with SGD, the commonest mistake: the loss explodes
    # within the first epoch (to 1e30 and beyond), which used to set the
    # scale for the next ones and end quietly with every unit dead.
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 60, (2000, 3))
    y = 50 * X[:, 0] ** 2
    reg = ActivationMLPRegressor(
        hidden_layer_sizes=(64,), solver="sgd", learning_rate_init=0.01
    )
    with pytest.raises(DivergenceError, match="epoch 1 of this call"):
        reg.set_params(random_state=0).fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(reg)
    # The remedy the message gives works.
    reg.set_params(learning_rate_init=1e-5, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X / 60, y)
    assert np.isfinite(reg.loss_)


#: Learning rates and batch sizes of the no-false-divergence grid, per solver.
#: Plain SGD at 0.1 with batches of one row is left out: on squared error it
#: is past the stability bound of gradient descent (lr < 2 / curvature, and
#: one standardised row of 10 features has |x|^2 = 10) and reaches inf, which
#: is divergence by any rule.
ORDINARY = {
    "adam": [(rate, batch) for rate in (1e-3, 1e-2, 0.1) for batch in (1, 16, 150)],
    "sgd": [(rate, batch) for rate in (1e-3, 1e-2) for batch in (1, 16, 150)]
    + [(0.1, 16), (0.1, 150)],
}


def _ordinary(loss):
    """The grid for ``loss``. With the Poisson deviance's exp link a step
    on one row at 0.01 or more overshoots to exp(tens) (a prediction of 1e6
    where the counts are below 10): those are left out too."""
    for solver, grid in ORDINARY.items():
        for rate, batch in grid:
            if loss != "poisson" or batch > 1 or rate < 0.01:
                yield solver, rate, batch


@short_training
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_no_false_divergence_on_the_grid_of_ordinary_settings(iris_scaled, activation):
    # Standardised data, every solver, loss and activation, batch sizes from
    # one row to all: training may be good or bad, never called divergence.
    X_clf, y_clf = iris_scaled
    X_reg, y_reg = _diabetes_scaled()
    X_reg, y_reg = X_reg[:150], y_reg[:150]
    problems = [(ActivationMLPClassifier(), X_clf, y_clf)] + [
        (ActivationMLPRegressor(loss), X_reg, y_reg)
        for loss in ("squared_error", "absolute_error", "quantile")
    ]
    # Counts with means from 0.2 to 7.
    problems.append((ActivationMLPRegressor("poisson"), X_reg, np.exp(y_reg / 2)))
    for model, X, y in problems:
        model.set_params(hidden_layer_sizes=(8,), activation=activation, random_state=0)
        for solver, rate, batch in _ordinary(getattr(model, "loss", "log_loss")):
            model.set_params(
                solver=solver, learning_rate_init=rate, batch_size=batch, max_iter=3
            ).fit(X, y)
            assert np.isfinite(model.loss_)
        if getattr(model, "loss", "log_loss") in (
            "log_loss",
            "squared_error",
            "poisson",
        ):
            model.set_params(solver="lbfgs", max_iter=50).fit(X, y)


# -- the regressor, with its losses -------------------------------------------


@short_training
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_divergence_raises_and_leaves_the_model_as_it_was(wavy, solver, loss):
    X, y = wavy
    y = np.exp(y / 2) if loss == "poisson" else y
    params, scale = DIVERGING[solver]
    reg = ActivationMLPRegressor(loss, (8,), solver=solver, random_state=0, **params)
    # Unfitted: stays unfitted.
    with pytest.raises(DivergenceError, match="left as it was") as excinfo:
        reg.fit(X * scale, y)
    assert f"solver={solver!r}" in str(excinfo.value)
    assert set(vars(reg)) == set(reg.get_params(deep=False))
    with pytest.raises(NotFittedError):
        check_is_fitted(reg)
    # Fitted: the same fitted state, byte for byte, and the same predictions.
    diverging = reg.get_params()
    reg.set_params(learning_rate_init=1e-3, n_iter_no_change=10, max_iter=10)
    reg.fit(X, y)
    state, prediction = fitted_state(reg), reg.predict(X)
    for warm_start in [False, True]:
        reg.set_params(**{**diverging, "warm_start": warm_start})
        with pytest.raises(DivergenceError):
            reg.fit(X * scale, y)
        assert fitted_state(reg) == state
        assert_array_equal(reg.predict(X), prediction)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_diverging_regressor_partial_fit_changes_nothing(wavy, solver):
    X, y = wavy
    params, scale = DIVERGING[solver]
    reg = ActivationMLPRegressor(
        hidden_layer_sizes=(8,), solver=solver, random_state=0, **params
    )
    for call in range(1, 101):
        state = fitted_state(reg) if call > 1 else None
        try:
            reg.partial_fit(X * scale, y)
        except DivergenceError:
            break
        assert np.isfinite(reg.predict(X * scale)).all()
    else:
        pytest.fail("partial_fit never diverged")
    if call == 1:
        assert set(vars(reg)) == set(reg.get_params(deep=False))
    else:
        assert fitted_state(reg) == state
        assert len(reg.loss_curve_) == call - 1
