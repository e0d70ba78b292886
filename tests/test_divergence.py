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

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from skact import ActivationMLPClassifier
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
    clf = ActivationMLPClassifier(
        (4,), activation=activation, solver="lbfgs", max_iter=500, random_state=0
    ).fit(X, y)
    for scale in [1e-300, 1e-8, 1e12, 1e100, 1e300]:
        assert_valid_proba(clf.predict_proba(X * scale), len(X), 3)
        assert np.isfinite(clf.predict_log_proba(X * scale)).all()
