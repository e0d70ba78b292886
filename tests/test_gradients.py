"""Gradient and loss checks of the network engine and of the estimator.

``Network.loss_grad`` returns the whole training objective (weighted mean
cross-entropy or regression loss, plus the L2 penalty) and writes its
gradient. Here the gradient is compared with central finite differences of
the objective itself, and the classifier's objective with a forward pass
written by hand with NumPy and SciPy (the regressor's is compared with
scikit-learn's metrics in test_regressor_losses.py).
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy import special

from skact import ActivationMLPClassifier
from skact._engine_activation import engine_activation
from skact._losses import regression_loss
from skact._network import Network, Workspace
from skact.activations import ACTIVATIONS

from _helpers import ACTIVATION_REFERENCES, assert_same_model
from user_activations import BentIdentity

ACTIVATION_NAMES = [act.name for act in dict.fromkeys(ACTIVATIONS.values())]

# (output, number of output units): binary and multiclass single-label
# problems use a softmax over one unit per class; multilabel problems one
# sigmoid per label.
OUTPUTS = [
    pytest.param("softmax", 2, id="softmax2"),
    pytest.param("softmax", 4, id="softmax4"),
    pytest.param("logistic", 3, id="multilabel3"),
]

# (loss, number of outputs) of the regressor: each sample's loss is the mean
# over its outputs of a pointwise loss (see skact._losses).
REGRESSION_LOSSES = ["squared_error", "poisson", "absolute_error", "quantile"]
REGRESSION_OUTPUTS = [
    pytest.param(loss, k, id=f"{loss}{k}") for loss in REGRESSION_LOSSES for k in (1, 3)
]
NON_SMOOTH = {"absolute_error", "quantile"}
# For the properties of loss_grad that hold for any output.
ALL_OUTPUTS = OUTPUTS + [
    pytest.param(loss, 2, id=f"{loss}2") for loss in REGRESSION_LOSSES
]
QUANTILE = 0.3  # not 1/2, so that swapping q and 1 - q would show

N_FEATURES = 3
N_SAMPLES = 9
ALPHA = 0.3  # large enough that a mistake in the penalty term is visible

# Central differences with step H: the error is truncation h**2 / 6 * |L'''|
# (L''' is O(1) for these small nets and O(1) inputs, so ~1e-13) plus
# rounding: the objective is evaluated with an absolute error of at most a few
# tens of eps * max(1, |L|) (sums over samples and units), which the
# difference quotient divides by h: 50 * 2.2e-16 / 1e-6 ~ 1e-8. A wrong
# gradient term (a missing factor, a skipped layer, a wrong activation
# derivative) is off by far more than that.
H = 1e-6
FD_RTOL = 1e-6
FD_ATOL_PER_UNIT_LOSS = 50 * np.finfo(np.float64).eps / H  # ~1.1e-8


# -- building blocks ------------------------------------------------------------


def make_network(hidden, activations, output, n_outputs):
    if isinstance(activations, str):
        activations = [activations] * len(hidden)
    acts = [engine_activation(a) for a in activations]
    if output in REGRESSION_LOSSES:
        output = regression_loss(output, QUANTILE)
    return Network([N_FEATURES, *hidden, n_outputs], acts, output)


def make_data(output, n_outputs, seed, weighted, n=N_SAMPLES):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, N_FEATURES))
    if output == "softmax":
        y = rng.permutation(np.arange(n) % n_outputs)  # every class present
    elif output == "logistic":
        y = rng.integers(0, 2, size=(n, n_outputs)).astype(np.float64)
    elif output == "poisson":
        # Counts, zeros included (the deviance's 0 log 0 = 0).
        y = rng.poisson(1.5, size=(n, n_outputs)).astype(np.float64)
        y.flat[0] = 0.0
    else:
        y = rng.normal(size=(n, n_outputs))
    sw = rng.uniform(0.2, 3.0, size=n) if weighted else None
    return X, y, sw


def objective(network, X, y, sw, alpha, n_rows=None):
    """``params -> (loss, grad)`` through ``Network.loss_grad``."""
    ws = Workspace(network, X.shape[0] if n_rows is None else n_rows, np.float64)

    def f(params):
        grad = np.full_like(params, np.nan)  # loss_grad must overwrite it all
        loss = network.loss_grad(params, X, y, sw, alpha, grad, ws)
        return loss, grad

    return f


def numerical_gradient(f, params, indices, h=H):
    fd = np.empty(len(indices))
    for k, i in enumerate(indices):
        plus, minus = params.copy(), params.copy()
        plus[i] += h
        minus[i] -= h
        # Divide by the step actually taken (params[i] +- h is rounded).
        fd[k] = (f(plus)[0] - f(minus)[0]) / (plus[i] - minus[i])
    return fd


def check_gradient(network, X, y, sw, alpha, seed=0, max_params=None, params=None):
    if params is None:
        params = network.initialize(np.random.RandomState(seed), np.float64)
    before = params.copy()
    f = objective(network, X, y, sw, alpha)
    loss, grad = f(params)
    assert_array_equal(params, before)  # loss_grad does not move the params
    assert np.all(np.isfinite(grad)) and np.isfinite(loss)

    indices = np.arange(network.n_params)
    if max_params is not None and network.n_params > max_params:
        rng = np.random.default_rng(seed)
        indices = np.sort(rng.choice(network.n_params, max_params, replace=False))
    fd = numerical_gradient(f, params, indices)
    assert_allclose(
        grad[indices],
        fd,
        rtol=FD_RTOL,
        atol=FD_ATOL_PER_UNIT_LOSS * max(1.0, abs(loss)),
    )
    return loss, grad


# -- finite-difference checks of loss_grad -----------------------------------------


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("output, n_outputs", OUTPUTS)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_gradient_deep_net(activation, output, n_outputs, weighted):
    # Two hidden layers: units [3, 5, 4, n_outputs], every parameter checked.
    # Random initialisation puts no pre-activation within h of the kinks of
    # relu / leaky_relu / elu (almost surely; the seeds are fixed).
    network = make_network((5, 4), activation, output, n_outputs)
    X, y, sw = make_data(output, n_outputs, seed=1, weighted=weighted)
    check_gradient(network, X, y, sw, ALPHA)


@pytest.mark.parametrize("output, n_outputs", OUTPUTS)
@pytest.mark.parametrize("hidden", [(), (6,), (4, 3, 5, 2)], ids=str)
def test_gradient_depths(hidden, output, n_outputs):
    # No hidden layer (softmax / logistic regression), one, and four.
    network = make_network(hidden, "tanh", output, n_outputs)
    X, y, sw = make_data(output, n_outputs, seed=2, weighted=True)
    check_gradient(network, X, y, sw, ALPHA)


@pytest.mark.parametrize("output, n_outputs", OUTPUTS)
@pytest.mark.parametrize(
    "activations",
    [
        ("gelu", "sigmoid", "leaky_relu"),
        ("softplus", "relu", "tanh"),
        ("silu", "elu", "gelu_tanh"),
        ("identity", BentIdentity(), "logistic"),  # user object, alias
    ],
    ids=lambda acts: "-".join(getattr(a, "name", a) for a in acts),
)
def test_gradient_mixed_activations(activations, output, n_outputs):
    network = make_network((5, 4, 3), list(activations), output, n_outputs)
    X, y, sw = make_data(output, n_outputs, seed=3, weighted=True)
    check_gradient(network, X, y, sw, ALPHA)


def test_gradient_without_penalty():
    network = make_network((5, 4), "gelu", "softmax", 3)
    X, y, sw = make_data("softmax", 3, seed=4, weighted=True)
    check_gradient(network, X, y, sw, alpha=0.0)


def test_gradient_wide_net_random_subset():
    # Too many parameters to difference them all: check a random 50. A
    # fan_out above 32 (36) and one below (4) take both of the engine's ways
    # of back-propagating through a weight matrix.
    network = make_network((40, 36), ("silu", "tanh"), "softmax", 4)
    X, y, sw = make_data("softmax", 4, seed=5, weighted=True, n=20)
    assert network.n_params > 1000
    check_gradient(network, X, y, sw, ALPHA, max_params=50)


# -- finite-difference checks of the regressor's losses -------------------------------

# Absolute error and the pinball loss have a kink where a residual is 0: a
# central difference across it measures the mean of the two one-sided slopes,
# not the gradient. Their targets are therefore placed at least KINK_MARGIN
# away from the network's outputs at the parameters checked. A step of H in
# one parameter moves an output by |dz/dtheta| * H, where |dz/dtheta| is a
# product of O(1) weights and activations for these small nets with N(0, 1)
# inputs: ~1e-5 at most, far below the margin. make_regression_problem also
# checks that no step of the difference quotients crosses a kink.
KINK_MARGIN = 0.25


def network_outputs(network, params, X):
    coefs, intercepts = network.views(params)
    return network.predict(coefs, intercepts, X, 2**20).copy()  # the logits


def make_regression_problem(loss, hidden, activations, n_outputs, seed, n=N_SAMPLES):
    """Network, initial parameters and weighted data for a regression loss;
    for the non-smooth ones, targets at KINK_MARGIN or more from the outputs
    (above or below them at random)."""
    network = make_network(hidden, activations, loss, n_outputs)
    params = network.initialize(np.random.RandomState(seed), np.float64)
    X, y, sw = make_data(loss, n_outputs, seed, weighted=True, n=n)
    if loss in NON_SMOOTH:
        rng = np.random.default_rng(seed + 1000)
        z = network_outputs(network, params, X)
        offset = rng.uniform(KINK_MARGIN, 1.5, size=z.shape)
        y = z + rng.choice([-1.0, 1.0], size=z.shape) * offset
        for i in range(network.n_params):  # each step of numerical_gradient
            for step in (H, -H):
                moved = params.copy()
                moved[i] += step
                residual = network_outputs(network, moved, X) - y
                assert_array_equal(np.sign(residual), np.sign(z - y))
    return network, params, X, y, sw


@pytest.mark.parametrize("loss, n_outputs", REGRESSION_OUTPUTS)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_gradient_regression(activation, loss, n_outputs):
    # Units [3, 5, 4, k], every parameter checked, with sample weights and an
    # L2 penalty; k = 3 also checks the mean over outputs (a loss summed over
    # outputs, or a gradient not divided by k, is off by a factor of 3).
    network, params, X, y, sw = make_regression_problem(
        loss, (5, 4), activation, n_outputs, seed=21
    )
    check_gradient(network, X, y, sw, ALPHA, params=params)


@pytest.mark.parametrize("loss", REGRESSION_LOSSES)
@pytest.mark.parametrize(
    "hidden, activations",
    [
        ((), ()),  # no hidden layer: a linear model or a Poisson GLM
        ((5, 4, 3), ("gelu", BentIdentity(), "relu")),  # per layer, user object
    ],
    ids=["linear", "gelu-bent_identity-relu"],
)
def test_gradient_regression_depths(hidden, activations, loss):
    network, params, X, y, sw = make_regression_problem(
        loss, hidden, list(activations), 2, seed=22
    )
    check_gradient(network, X, y, sw, ALPHA, params=params)


@pytest.mark.parametrize("loss", REGRESSION_LOSSES)
def test_gradient_regression_without_penalty_or_weights(loss):
    network, params, X, y, _ = make_regression_problem(loss, (5, 4), "tanh", 3, seed=23)
    check_gradient(network, X, y, None, alpha=0.0, params=params)


@pytest.mark.parametrize("loss", ["absolute_error", "quantile"])
def test_subgradient_zero_at_zero_residual(loss):
    # Targets equal to the outputs, bit for bit: every residual is 0, where
    # the documented subgradient is 0. What is left is the penalty's
    # gradient, alpha * W / sum(w), exactly; and the loss is the penalty. (No
    # hidden layer: prediction and training then compute the outputs with
    # the same two operations, X @ W + b, so the residuals are exactly 0.)
    network = make_network((), [], loss, 2)
    params = network.initialize(np.random.RandomState(24), np.float64)
    X, _, sw = make_data(loss, 2, seed=24, weighted=True)
    y = network_outputs(network, params, X)
    loss_value, grad = objective(network, X, y, sw, ALPHA)(params)
    W_all = params[: network.n_coefs]
    expected = np.zeros_like(params)
    expected[: network.n_coefs] = ALPHA * W_all / sw.sum()
    assert_allclose(grad, expected, rtol=1e-14, atol=0)
    assert_allclose(loss_value, 0.5 * ALPHA * (W_all @ W_all) / sw.sum(), rtol=1e-14)


def test_poisson_loss_underflowed_prediction_finite():
    # exp(-800) underflows to 0: computed from z, the deviance stays finite,
    # y log y - y - y z (+ exp(z) = 0), and its gradient exp(z) - y = -y.
    network = make_network((), [], "poisson", 1)
    X = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    y = np.array([[2.0], [0.0]])
    params = network.pack([np.zeros((3, 1))], [np.array([-800.0])], np.float64)
    loss, grad = objective(network, X, y, None, 0.0)(params)
    expected = np.mean([2 * np.log(2) - 2 + 2 * 800, 0.0])
    assert_allclose(loss, expected, rtol=1e-14)
    Ws, bs = network.views(grad)
    assert_allclose(bs[0], [-1.0], rtol=1e-14)  # mean of (0 - 2, 0 - 0)
    assert_allclose(Ws[0][:, 0], [-1.0, 0, 0], rtol=1e-14)


# -- properties of loss_grad --------------------------------------------------------


@pytest.mark.parametrize("output, n_outputs", ALL_OUTPUTS)
def test_workspace_larger_than_batch(output, n_outputs):
    # The workspace only needs *at least* n_samples rows.
    network = make_network((5, 4), ("silu", "relu"), output, n_outputs)
    X, y, sw = make_data(output, n_outputs, seed=6, weighted=True)
    params = network.initialize(np.random.RandomState(0), np.float64)
    loss, grad = objective(network, X, y, sw, ALPHA)(params)
    loss_big, grad_big = objective(network, X, y, sw, ALPHA, n_rows=25)(params)
    assert loss_big == loss
    assert_array_equal(grad_big, grad)


@pytest.mark.parametrize("output, n_outputs", ALL_OUTPUTS)
def test_sparse_input_same_as_dense(output, n_outputs):
    network = make_network((5,), "gelu", output, n_outputs)
    X, y, sw = make_data(output, n_outputs, seed=7, weighted=True)
    X[np.abs(X) < 0.7] = 0.0
    params = network.initialize(np.random.RandomState(0), np.float64)
    loss, grad = objective(network, X, y, sw, ALPHA)(params)
    loss_sp, grad_sp = objective(network, sp.csr_matrix(X), y, sw, ALPHA)(params)
    assert_allclose(loss_sp, loss, rtol=1e-13)
    assert_allclose(grad_sp, grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("output, n_outputs", ALL_OUTPUTS)
def test_integer_weights_equal_repeated_samples(output, n_outputs):
    # Weight k must act as k copies of the sample: the weighted mean over
    # sum(w) samples and the penalty divided by sum(w) are then exactly the
    # unweighted objective on the repeated data.
    network = make_network((4,), "tanh", output, n_outputs)
    X, y, _ = make_data(output, n_outputs, seed=8, weighted=False)
    w = np.random.default_rng(8).integers(1, 4, size=len(X))
    params = network.initialize(np.random.RandomState(0), np.float64)
    loss_w, grad_w = objective(network, X, y, w.astype(float), ALPHA)(params)
    Xr, yr = np.repeat(X, w, axis=0), np.repeat(y, w, axis=0)
    loss_r, grad_r = objective(network, Xr, yr, None, ALPHA)(params)
    assert_allclose(loss_w, loss_r, rtol=1e-13)
    assert_allclose(grad_w, grad_r, rtol=1e-12, atol=1e-15)


def test_unit_weights_equal_no_weights():
    network = make_network((5, 4), "elu", "softmax", 3)
    X, y, _ = make_data("softmax", 3, seed=9, weighted=False)
    params = network.initialize(np.random.RandomState(0), np.float64)
    loss, grad = objective(network, X, y, None, ALPHA)(params)
    loss_1, grad_1 = objective(network, X, y, np.ones(len(X)), ALPHA)(params)
    assert_allclose(loss_1, loss, rtol=1e-14)
    assert_allclose(grad_1, grad, rtol=1e-13, atol=1e-16)


# -- parameter layout ---------------------------------------------------------------


def test_views_and_pack_layout():
    network = make_network((5, 4), "relu", "softmax", 3)
    rng = np.random.default_rng(10)
    coefs = [rng.normal(size=s) for s in [(3, 5), (5, 4), (4, 3)]]
    intercepts = [rng.normal(size=k) for k in (5, 4, 3)]
    flat = network.pack(coefs, intercepts, np.float64)
    # Documented order: all weight matrices (row-major) first, then intercepts.
    expected = np.concatenate([W.ravel() for W in coefs] + intercepts)
    assert_array_equal(flat, expected)
    assert network.n_coefs == sum(W.size for W in coefs)
    assert network.n_params == flat.size
    Ws, bs = network.views(flat)
    for view, value in zip(Ws + bs, coefs + intercepts):
        assert_array_equal(view, value)
        assert np.shares_memory(view, flat)  # views, not copies
    flat[network.n_coefs] = 123.0
    assert bs[0][0] == 123.0


# -- the objective against a hand-written forward pass -------------------------------


def hand_objective(coefs, intercepts, activations, output, X, y, sw, alpha):
    """Sample-weighted mean cross-entropy + alpha/2 ||W||^2 / sum(weights)."""
    a = X
    for W, b, name in zip(coefs[:-1], intercepts[:-1], activations):
        a = ACTIVATION_REFERENCES[name][0](a @ W + b)
    logits = a @ coefs[-1] + intercepts[-1]
    if output == "softmax":
        per_sample = -special.log_softmax(logits, axis=1)[np.arange(len(y)), y]
    else:  # binary cross-entropy of each sigmoid output, summed over labels
        log_p, log_1mp = special.log_expit(logits), special.log_expit(-logits)
        per_sample = -(y * log_p + (1 - y) * log_1mp).sum(axis=1)
    w = np.ones(len(X)) if sw is None else sw
    penalty = 0.5 * alpha * sum(np.sum(W**2) for W in coefs)
    return (np.sum(w * per_sample) + penalty) / np.sum(w)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("output, n_outputs", OUTPUTS)
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_loss_matches_hand_computation(activation, output, n_outputs, weighted):
    hidden = (5, 4)
    network = make_network(hidden, activation, output, n_outputs)
    X, y, sw = make_data(output, n_outputs, seed=11, weighted=weighted)
    rng = np.random.default_rng(12)
    units = [N_FEATURES, *hidden, n_outputs]
    coefs = [rng.normal(size=s) for s in zip(units[:-1], units[1:])]
    intercepts = [rng.normal(size=k) for k in units[1:]]
    params = network.pack(coefs, intercepts, np.float64)
    loss, _ = objective(network, X, y, sw, ALPHA)(params)
    expected = hand_objective(
        coefs, intercepts, [activation] * 2, output, X, y, sw, ALPHA
    )
    # Same maths, different evaluation order: a few ulps of the sum.
    assert_allclose(loss, expected, rtol=1e-12)


def test_loss_large_logits_finite():
    # Confident, wrong predictions: cross-entropy from log-softmax stays finite
    # (and large) instead of log(0) = -inf.
    network = make_network((), [], "softmax", 2)
    X = np.array([[100.0, 0.0, 0.0], [-100.0, 0.0, 0.0]])
    y = np.array([1, 0])
    coefs, intercepts = [np.array([[10.0, -10.0], [0, 0], [0, 0]])], [np.zeros(2)]
    params = network.pack(coefs, intercepts, np.float64)
    loss, grad = objective(network, X, y, None, 0.0)(params)
    assert_allclose(loss, 2000.0, rtol=1e-12)  # -log_softmax([1000, -1000])[1]
    assert np.all(np.isfinite(grad))


# -- the estimator: class weights are sample-weight multipliers ------------------


def _tiny_data(labels, n=40, seed=13):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = np.asarray(labels)[rng.permutation(np.arange(n) % len(labels))]
    return X, y


def _fit(X, y, **kwargs):
    sw = kwargs.pop("sample_weight", None)
    params = dict(
        hidden_layer_sizes=(5,),
        activation="tanh",
        solver="lbfgs",
        max_iter=5,
        alpha=1e-2,
        random_state=0,
    )
    return ActivationMLPClassifier(**params, **kwargs).fit(X, y, sample_weight=sw)


def _assert_differs(a, b):
    assert not np.allclose(a.coefs_[0], b.coefs_[0], rtol=1e-6)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_class_weight_equals_sample_weight_binary():
    X, y = _tiny_data([0, 1])
    class_weight = {0: 2.0, 1: 0.5}
    with_cw = _fit(X, y, class_weight=class_weight)
    sw = np.array([class_weight[label] for label in y])
    with_sw = _fit(X, y, sample_weight=sw)
    assert_same_model(with_cw, with_sw, rtol=1e-10, atol=1e-14)
    _assert_differs(with_cw, _fit(X, y))  # the weights did change the fit


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_class_weight_times_sample_weight_multiclass_string_labels():
    # Labels that are not 0..k-1, a dict that omits a class (weight 1), and
    # sample weights on top: the effective weight is the product.
    X, y = _tiny_data(["ant", "bee", "cat"])
    class_weight = {"cat": 3.0, "ant": 0.25}
    sw = np.random.default_rng(14).uniform(0.5, 2.0, size=len(y))
    with_cw = _fit(X, y, class_weight=class_weight, sample_weight=sw)
    product = sw * np.array([class_weight.get(label, 1.0) for label in y])
    with_sw = _fit(X, y, sample_weight=product)
    assert_same_model(with_cw, with_sw, rtol=1e-10, atol=1e-14)
    _assert_differs(with_cw, _fit(X, y, sample_weight=sw))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_class_weight_balanced_equals_sample_weight():
    # "balanced": n_samples / (n_classes * count(class)).
    rng = np.random.default_rng(15)
    X = rng.normal(size=(30, 4))
    y = np.array([0] * 20 + [1] * 7 + [2] * 3)
    with_cw = _fit(X, y, class_weight="balanced")
    counts = np.bincount(y)
    sw = (len(y) / (3 * counts))[y]
    assert_same_model(with_cw, _fit(X, y, sample_weight=sw), rtol=1e-10, atol=1e-14)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_estimator_loss_is_weighted_objective():
    # loss_ of an L-BFGS fit is the objective at the final weights: check it
    # against the hand-written objective with the class weights as sample
    # weights (labels 0/1 are also the class indices).
    X, y = _tiny_data([0, 1])
    class_weight = {0: 2.0, 1: 0.5}
    clf = _fit(X, y, class_weight=class_weight)
    sw = np.array([class_weight[label] for label in y])
    expected = hand_objective(
        clf.coefs_, clf.intercepts_, ["tanh"], "softmax", X, y, sw, clf.alpha
    )
    assert_allclose(clf.loss_, expected, rtol=1e-10)
