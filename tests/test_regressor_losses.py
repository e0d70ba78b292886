"""ActivationMLPRegressor: its losses against scikit-learn's metrics, its
forward pass against NumPy, the shapes of its predictions, and its errors.

A sample's loss is the mean over the outputs of a pointwise loss, the
objective its sample-weighted mean plus ``alpha / 2 * ||W||^2 / sum(w)``;
``loss_`` reports it. The references are scikit-learn's metrics: half the
mean squared error, half the mean Poisson deviance, the mean absolute error
and the mean pinball loss, each a (weighted) mean over samples and, for
several outputs, a plain mean over them. The validation score is the
fraction of that loss explained (R^2 for the squared error), against
scikit-learn's D^2 metrics; a quantile fit covers its quantile.
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import DataConversionWarning
from sklearn.linear_model import PoissonRegressor, Ridge
from sklearn.metrics import (
    d2_absolute_error_score,
    d2_pinball_score,
    d2_tweedie_score,
    mean_absolute_error,
    mean_pinball_loss,
    mean_poisson_deviance,
    mean_squared_error,
    r2_score,
)
from sklearn.neural_network import MLPRegressor
from sklearn.utils._param_validation import InvalidParameterError

from skact import ActivationMLPRegressor

from _helpers import ACTIVATION_REFERENCES, fitted_state
from user_activations import ScaledTanh

LOSSES = ["squared_error", "poisson", "absolute_error", "quantile"]
SMOOTH_LOSSES = ["squared_error", "poisson"]
QUANTILE = 0.3  # not 1/2: swapping q and 1 - q would show
ALPHA = 0.3  # large enough that a wrong penalty term shows
N_SAMPLES, N_FEATURES = 40, 3  # one minibatch: batch_size "auto" is 200
HIDDEN = (6, 5, 4)
ACTIVATIONS = ("relu", "gelu", ScaledTanh())  # per layer, one made by a user


def reference_loss(loss, y, prediction, sample_weight):
    """The mean loss from scikit-learn's metrics (independent of skact)."""
    if loss == "squared_error":
        return 0.5 * mean_squared_error(y, prediction, sample_weight=sample_weight)
    if loss == "poisson":
        # mean_poisson_deviance takes one output at a time; the weighted mean
        # over samples of the mean over outputs is the mean over outputs of
        # the weighted means.
        y2, p2 = y.reshape(len(y), -1), prediction.reshape(len(y), -1)
        return 0.5 * np.mean(
            [
                mean_poisson_deviance(y2[:, j], p2[:, j], sample_weight=sample_weight)
                for j in range(y2.shape[1])
            ]
        )
    if loss == "absolute_error":
        return mean_absolute_error(y, prediction, sample_weight=sample_weight)
    return mean_pinball_loss(y, prediction, alpha=QUANTILE, sample_weight=sample_weight)


def make_data(loss, n_outputs, seed=0, n=N_SAMPLES):
    """``X``, ``y`` (1-d for ``n_outputs=None``) and positive sample weights;
    Poisson targets are counts, zeros included."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, N_FEATURES))
    shape = (n,) if n_outputs is None else (n, n_outputs)
    if loss == "poisson":
        y = rng.poisson(2.0, size=shape).astype(np.float64)
        y.flat[0] = 0.0
    else:
        y = rng.normal(size=shape)
    return X, y, rng.uniform(0.2, 3.0, size=n)


def random_weights(reg, seed, scale=0.7):
    """Random coefs_ and intercepts_ of reg's shapes; N(0, scale^2) drives
    the hidden units well into their non-linear ranges (ReLU's negative side,
    tanh's saturation) while keeping Poisson's exp(z) moderate."""
    rng = np.random.default_rng(seed)
    coefs = [scale * rng.normal(size=W.shape) for W in reg.coefs_]
    intercepts = [scale * rng.normal(size=b.shape) for b in reg.intercepts_]
    return coefs, intercepts


def penalty(coefs, sample_weight):
    return 0.5 * ALPHA * sum(np.sum(W**2) for W in coefs) / np.sum(sample_weight)


# -- the loss against scikit-learn's metrics -------------------------------------------

# Both sides sum the same n * k non-negative terms in different orders, each
# computed to a few ulps of its inputs' size (O(1) to O(10) here; Poisson's
# y log y - y - y z + e^z cancels to O(1) from terms of at most ~10): the
# relative difference is below ~100 * 1e-16 * 10 = 1e-13.
LOSS_RTOL = 1e-12


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("n_outputs", [None, 3], ids=["1d", "3outputs"])
@pytest.mark.parametrize("loss", LOSSES)
def test_loss_is_sklearn_metric_plus_penalty(loss, n_outputs, solver):
    # partial_fit on one minibatch reports, as loss_, the objective at the
    # weights it started from (the step comes after): set known weights,
    # predict with them, and compare.
    X, y, sw = make_data(loss, n_outputs)
    reg = ActivationMLPRegressor(
        loss,
        HIDDEN,
        ACTIVATIONS,
        solver=solver,
        alpha=ALPHA,
        quantile=QUANTILE,
        random_state=0,
    )
    reg.partial_fit(X, y, sample_weight=sw)
    reg.coefs_, reg.intercepts_ = random_weights(reg, seed=1)
    prediction = reg.predict(X)
    expected = reference_loss(loss, y, prediction, sw) + penalty(reg.coefs_, sw)
    reg.partial_fit(X, y, sample_weight=sw)
    assert_allclose(reg.loss_, expected, rtol=LOSS_RTOL)
    # The call did take its step: loss_ is the objective before it.
    assert not np.allclose(reg.predict(X), prediction, rtol=1e-9, atol=0)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("n_outputs", [None, 3], ids=["1d", "3outputs"])
@pytest.mark.parametrize("loss", SMOOTH_LOSSES)
def test_lbfgs_loss_is_objective_at_fitted_weights(loss, n_outputs):
    # L-BFGS's loss_ is the objective at its final weights, which predict
    # uses: the same numbers up to rounding (see LOSS_RTOL).
    X, y, sw = make_data(loss, n_outputs, seed=2)
    reg = ActivationMLPRegressor(
        loss, (5,), "tanh", solver="lbfgs", alpha=ALPHA, max_iter=15, random_state=0
    ).fit(X, y, sample_weight=sw)
    prediction = reg.predict(X)
    expected = reference_loss(loss, y, prediction, sw) + penalty(reg.coefs_, sw)
    assert_allclose(reg.loss_, expected, rtol=LOSS_RTOL)


# -- models whose optimum is known: no hidden layer ------------------------------------

# Without a hidden layer the objective J is strictly convex (alpha > 0) and
# has the same minimiser as a scikit-learn model. L-BFGS-B stops once an
# iteration improves J by less than ~2.2e-9 of it (SciPy's default factr,
# which skact, like scikit-learn, leaves as it is), so skact's J ends a little
# above the reference's: 0 <= gap <= 1e-8 J. (A gap below 0, beyond rounding,
# would mean skact minimises another objective.) J grows at least
# quadratically with the distance to the minimiser, J(t) - J* >=
# mu / 2 ||t - t*||^2 with mu the Hessian's smallest eigenvalue: the weights
# are then within sqrt(2 gap / mu) of the reference's (twice that for Poisson,
# whose Hessian, taken at the optimum, varies a little around it).
GAP_RTOL = 1e-8


def assert_near_optimum(reg, loss_at_reference, theta, theta_ref, hessian, slack):
    gap = reg.loss_ - loss_at_reference
    assert -1e-13 * loss_at_reference <= gap <= GAP_RTOL * loss_at_reference
    mu = np.linalg.eigvalsh(hessian).min()
    bound = slack * math.sqrt(2 * (max(gap, 0) + 1e-15) / mu)  # 1e-15: rounding
    assert np.linalg.norm(theta - theta_ref) <= bound


def with_ones(X):
    return np.hstack([X, np.ones((len(X), 1))])


@pytest.mark.parametrize("n_outputs", [None, 3], ids=["1d", "3outputs"])
def test_linear_squared_error_is_ridge(n_outputs):
    # sum_i w_i mean_j r_ij^2 / 2 + alpha / 2 ||W||^2, times 2 k: Ridge with
    # alpha * k, the number of outputs (the penalty is not averaged over
    # outputs, the loss is). Intercepts are unpenalised in both.
    X, y, sw = make_data("squared_error", n_outputs, seed=3, n=60)
    k = 1 if n_outputs is None else n_outputs
    reg = ActivationMLPRegressor(
        "squared_error", (), solver="lbfgs", alpha=ALPHA, tol=1e-12, max_iter=10_000
    ).fit(X, y, sample_weight=sw)
    ridge = Ridge(alpha=ALPHA * k, tol=1e-12).fit(X, y, sample_weight=sw)
    loss_at_ridge = reference_loss("squared_error", y, ridge.predict(X), sw) + penalty(
        [ridge.coef_], sw
    )
    # J's Hessian, the same for every output's (weights, intercept).
    X1 = with_ones(X)
    hessian = X1.T @ (sw[:, None] * X1) / (k * sw.sum())
    hessian[:N_FEATURES, :N_FEATURES] += ALPHA / sw.sum() * np.eye(N_FEATURES)
    theta = np.vstack([reg.coefs_[0], reg.intercepts_[0]])
    theta_ref = np.vstack(
        [ridge.coef_.T.reshape(N_FEATURES, k), np.reshape(ridge.intercept_, (1, k))]
    )
    assert_near_optimum(reg, loss_at_ridge, theta, theta_ref, hessian, slack=1)


def test_linear_poisson_is_poisson_glm():
    # (sum_i w_i dev_i / 2 + alpha / 2 ||W||^2) / sum(w) is PoissonRegressor's
    # objective, sum_i w_i dev_i / (2 sum(w)) + alpha_glm / 2 ||W||^2, with
    # alpha_glm = alpha / sum(w).
    X, y, sw = make_data("poisson", None, seed=4, n=60)
    reg = ActivationMLPRegressor(
        "poisson", (), solver="lbfgs", alpha=ALPHA, tol=1e-12, max_iter=10_000
    ).fit(X, y, sample_weight=sw)
    glm = PoissonRegressor(
        alpha=ALPHA / sw.sum(), solver="newton-cholesky", tol=1e-12, max_iter=1000
    ).fit(X, y, sample_weight=sw)
    mean = glm.predict(X)
    loss_at_glm = reference_loss("poisson", y, mean, sw) + penalty([glm.coef_], sw)
    # Half the deviance has second derivative exp(z) = mean in z.
    X1 = with_ones(X)
    hessian = X1.T @ ((sw * mean)[:, None] * X1) / sw.sum()
    hessian[:N_FEATURES, :N_FEATURES] += ALPHA / sw.sum() * np.eye(N_FEATURES)
    theta = np.r_[reg.coefs_[0][:, 0], reg.intercepts_[0]]
    theta_ref = np.r_[glm.coef_, glm.intercept_]
    assert_near_optimum(reg, loss_at_glm, theta, theta_ref, hessian, slack=2)


# -- the forward pass by hand ----------------------------------------------------------

HAND_ACTIVATIONS = {
    "relu": ACTIVATION_REFERENCES["relu"][0],
    "gelu": ACTIVATION_REFERENCES["gelu"][0],
    "scaled_tanh": lambda z: 1.7159 * np.tanh(2.0 / 3.0 * z),  # a user activation
}
HAND_LINKS = {"poisson": np.exp}  # the others: the identity


def hand_predict(coefs, intercepts, loss, X):
    a = X
    for W, b, act in zip(coefs[:-1], intercepts[:-1], ACTIVATIONS):
        a = HAND_ACTIVATIONS[getattr(act, "name", act)](a @ W + b)
    z = a @ coefs[-1] + intercepts[-1]
    return HAND_LINKS.get(loss, lambda t: t)(z)


@pytest.mark.parametrize("n_outputs", [None, 3], ids=["1d", "3outputs"])
@pytest.mark.parametrize("loss", LOSSES)
def test_predict_is_forward_pass_by_hand(loss, n_outputs):
    X, y, sw = make_data(loss, n_outputs, seed=5)
    reg = ActivationMLPRegressor(
        loss, HIDDEN, ACTIVATIONS, quantile=QUANTILE, random_state=0
    ).partial_fit(X, y, sample_weight=sw)
    reg.coefs_, reg.intercepts_ = random_weights(reg, seed=6)
    expected = hand_predict(reg.coefs_, reg.intercepts_, loss, X)
    if n_outputs is None:
        expected = expected[:, 0]
    prediction = reg.predict(X)
    assert prediction.shape == expected.shape == y.shape
    # The same products and functions in another order: each logit is a sum
    # of O(1)-sized terms, off by a few ulps of their size; exp turns that
    # absolute error of z into the same relative error of exp(z).
    assert_allclose(prediction, expected, rtol=1e-12, atol=1e-12)
    assert reg.out_activation_ == ("exp" if loss == "poisson" else "identity")


# -- the validation score: the loss's D^2 -------------------------------------------


def reference_score(loss, y, prediction, sample_weight):
    """R^2 for the squared error, else scikit-learn's D^2 of the loss, each a
    plain mean over the outputs."""
    if loss == "squared_error":
        return r2_score(y, prediction, sample_weight=sample_weight)
    if loss == "poisson":
        # d2_tweedie_score takes one output at a time.
        y2, p2 = y.reshape(len(y), -1), prediction.reshape(len(y), -1)
        return np.mean(
            [
                d2_tweedie_score(
                    y2[:, j], p2[:, j], power=1, sample_weight=sample_weight
                )
                for j in range(y2.shape[1])
            ]
        )
    if loss == "absolute_error":
        return d2_absolute_error_score(y, prediction, sample_weight=sample_weight)
    return d2_pinball_score(y, prediction, alpha=QUANTILE, sample_weight=sample_weight)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("n_outputs", [None, 3], ids=["1d", "3outputs"])
@pytest.mark.parametrize("loss", LOSSES)
def test_validation_score_is_the_loss_d2(loss, n_outputs):
    # The score early stopping maximises must agree with the loss trained:
    # R^2 rewards a quantile model for predicting the mean. With early
    # stopping the best epoch's weights are kept, so the best score is the
    # reference metric of what the fitted model predicts.
    X, y, sw = make_data(loss, n_outputs, seed=12)
    X_val, y_val, sw_val = make_data(loss, n_outputs, seed=13)
    reg = ActivationMLPRegressor(
        loss,
        HIDDEN,
        ACTIVATIONS,
        early_stopping=True,
        max_iter=8,
        quantile=QUANTILE,
        random_state=0,
    ).fit(X, y, sample_weight=sw, X_val=X_val, y_val=y_val, sample_weight_val=sw_val)
    expected = reference_score(loss, y_val, reg.predict(X_val), sw_val)
    # Both sides are 1 - (weighted sum of the same O(1)-sized terms) / (the
    # same for the best constant), summed in other orders (and, for Poisson,
    # from z rather than from exp(z)): a relative error of ~1e-14 in a ratio
    # of O(1), and of O(10) for a score of O(-10).
    assert_allclose(reg.best_validation_score_, expected, rtol=1e-12, atol=1e-12)
    assert reg.best_validation_score_ == max(reg.validation_scores_)
    assert reg.history_["val_score"] == reg.validation_scores_


# Heteroscedastic and skewed, with known conditional quantiles: x ~ U(-1, 1),
# y = x + (1.5 + x) E with E ~ Exp(1), so P(y < p | x) = 1 - exp(-(p - x) /
# (1.5 + x)) for p > x, and the q-quantile is x - (1.5 + x) log(1 - q), a
# line. Its mean, x + 1.5 + x, is not a quantile a 0.1 or 0.9 model may stop
# near.
N_COVERAGE = 4000


def exact_coverage(predict_on):
    """P(y < prediction), averaged over x ~ U(-1, 1) on a fine grid: exact for
    the fitted function, with no test-sample noise."""
    x = np.linspace(-1, 1, 2001)
    t = (predict_on(x[:, None]) - x) / (1.5 + x)
    return np.mean(np.where(t > 0, -np.expm1(-np.maximum(t, 0)), 0.0))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("quantile", [0.1, 0.9])
def test_quantile_fit_covers_its_quantile(quantile, early_stopping):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(N_COVERAGE, 1))
    y = x[:, 0] + (1.5 + x[:, 0]) * rng.exponential(size=N_COVERAGE)
    # Standardised, as losses.rst advises: quantiles commute with an
    # increasing affine map, and Adam moves each weight by about
    # learning_rate_init per step whatever the loss, so a target far from 0
    # takes many epochs to reach.
    mean, scale = y.mean(), y.std()
    reg = ActivationMLPRegressor(
        "quantile",
        (16,),
        quantile=quantile,
        early_stopping=early_stopping,
        tol=0,
        max_iter=300,
        random_state=0,
    ).fit(x, (y - mean) / scale)
    coverage = exact_coverage(lambda grid: mean + scale * reg.predict(grid))
    # The q-quantile of n samples covers, of fresh data, a Beta(nq, n(1 - q))
    # share: q with the binomial standard error sqrt(q (1 - q) / n). Fitting
    # the line's p = 2 coefficients multiplies the variance by p
    # (asymptotics of linear quantile regression: the mean over the data of
    # x' (X'X)^-1 x is p / n); 16 units fitting that line were measured at
    # most 2.0 of these standard errors off over 40 seeded fits (10 data
    # seeds, both quantiles, with and without early stopping). 5 of them
    # leave room for the network's extra freedom and the held-out tenth of
    # early stopping; a model stopped near the mean covers ~0.65 to 0.75 of
    # a 0.9 quantile, over 15 of them off.
    standard_error = math.sqrt(2 * quantile * (1 - quantile) / N_COVERAGE)
    assert abs(coverage - quantile) < 5 * standard_error


# -- shapes of y and of the predictions ------------------------------------------------


@pytest.mark.parametrize("loss", LOSSES)
def test_prediction_shapes(loss):
    X, y3, _ = make_data(loss, 3, seed=7)
    y1 = y3[:, 0]
    params = dict(loss=loss, hidden_layer_sizes=(4,), random_state=0)
    one = ActivationMLPRegressor(**params).partial_fit(X, y1)
    assert one.predict(X).shape == (N_SAMPLES,) and one.n_outputs_ == 1
    three = ActivationMLPRegressor(**params).partial_fit(X, y3)
    assert three.predict(X).shape == (N_SAMPLES, 3) and three.n_outputs_ == 3
    assert three.predict(X[:1]).shape == (1, 3)
    # A column vector trains exactly as the 1-d target and predicts 1-d.
    column = ActivationMLPRegressor(**params).partial_fit(X, y1[:, None])
    assert column.n_outputs_ == 1
    assert_array_equal(column.predict(X), one.predict(X))
    assert column.predict(X[:1]).shape == (1,)


def test_column_target_predicts_1d_like_sklearn():
    # scikit-learn's MLPRegressor ravels an (n, 1) target (with a
    # DataConversionWarning) and predicts 1-d; so does skact (silently: it
    # supports several outputs, so a column is a valid target).
    X, y, _ = make_data("squared_error", 1, seed=8)
    with pytest.warns(DataConversionWarning):
        sk = MLPRegressor(hidden_layer_sizes=(4,), random_state=0).partial_fit(X, y)
    ours = ActivationMLPRegressor(hidden_layer_sizes=(4,), random_state=0)
    ours.partial_fit(X, y)
    assert ours.predict(X).shape == sk.predict(X).shape == (N_SAMPLES,)
    assert ours.n_outputs_ == sk.n_outputs_ == 1


# -- clear errors ----------------------------------------------------------------------


@pytest.mark.parametrize("n_outputs", [None, 2], ids=["1d", "2outputs"])
def test_poisson_rejects_negative_targets(n_outputs):
    X, y, _ = make_data("poisson", n_outputs, seed=9)
    reg = ActivationMLPRegressor("poisson", (4,), random_state=0).partial_fit(X, y)
    before = fitted_state(reg)
    negative = y.copy()
    negative.flat[5] = -0.5
    for method in (reg.fit, reg.partial_fit):
        with pytest.raises(ValueError, match="non-negative"):
            method(X, negative)
        assert fitted_state(reg) == before  # a failed call changes nothing
    # Zeros are fine (counts): y.flat[0] is 0.
    reg.partial_fit(X, y)


@pytest.mark.parametrize("loss", ["absolute_error", "quantile"])
def test_lbfgs_rejects_non_smooth_losses(loss):
    X, y, _ = make_data(loss, None, seed=10)
    reg = ActivationMLPRegressor(loss, (4,), solver="lbfgs")
    with pytest.raises(ValueError, match=f"loss='{loss}'.*L-BFGS"):
        reg.fit(X, y)
    assert not hasattr(reg, "coefs_")


@pytest.mark.parametrize("quantile", [0, 1, 0.0, 1.0, -0.5, 1.5])
def test_quantile_outside_unit_interval(quantile):
    X, y, _ = make_data("quantile", None, seed=11)
    reg = ActivationMLPRegressor("quantile", (4,), quantile=quantile)
    with pytest.raises(InvalidParameterError, match="quantile"):
        reg.fit(X, y)
