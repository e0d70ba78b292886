"""Training diagnostics (``diagnostics=True``) and ``activation_statistics``.

The expected values are computed here from the documented definitions, on
networks whose weights are set by hand so that every pre-activation is known.
"""

import warnings

import numpy as np
import pytest
from scipy import special
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from skact import ActivationMLPClassifier, activation_statistics
from skact.activations import ACTIVATIONS, get_activation

from user_activations import PlainReLU, ScaledTanh

DIAGNOSTIC_KEYS = ("grad_norm", "dead_fraction", "saturated_fraction")


def fit_quietly(clf, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X, y, **kwargs)


def hand_set(activation, W1, b1, n_classes=2):
    """A fitted one-hidden-layer network with first-layer weights ``W1``,
    ``b1`` (and arbitrary output weights)."""
    n_features, n_units = W1.shape
    X = np.random.RandomState(0).uniform(size=(4 * n_classes, n_features))
    y = np.arange(len(X)) % n_classes
    clf = ActivationMLPClassifier(
        (n_units,), activation=activation, solver="lbfgs", max_iter=1
    )
    fit_quietly(clf, X, y)
    clf.coefs_[0][...] = W1
    clf.intercepts_[0][...] = b1
    return clf


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_max_derivative_is_the_largest_slope(name):
    activation = ACTIVATIONS[name]
    z = np.linspace(-20, 20, 400_001)
    slope = np.abs(activation.derivative(z, activation.forward(z)))
    # The grid spacing is 1e-4; near a smooth maximum the slope is flat to
    # second order, so the grid maximum is within ~1e-8 of the true one.
    # Rectifiers approach their maximum only as z -> inf (softplus).
    assert slope.max() <= activation.max_derivative * (1 + 1e-12)
    assert slope.max() >= activation.max_derivative * (1 - 1e-6)


def test_history_has_no_diagnostics_by_default(moons_small):
    clf = fit_quietly(ActivationMLPClassifier((4,), max_iter=3), *moons_small)
    assert not set(DIAGNOSTIC_KEYS) & set(clf.history_)


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_diagnostics_are_recorded_per_epoch_and_layer(moons_small, solver):
    clf = ActivationMLPClassifier(
        (6, 5, 4),
        activation=("sigmoid", "relu", "gelu"),
        solver=solver,
        max_iter=7,
        diagnostics=True,
        random_state=0,
    )
    fit_quietly(clf, *moons_small)
    n_epochs = len(clf.loss_curve_)
    assert n_epochs == clf.n_iter_
    grad_norm = np.array(clf.history_["grad_norm"])
    assert grad_norm.shape == (n_epochs, 4)
    assert np.all(np.isfinite(grad_norm)) and np.all(grad_norm > 0)
    for key in DIAGNOSTIC_KEYS:  # plain floats, as in loss_curve_
        assert all(type(v) is float for epoch in clf.history_[key] for v in epoch)
    for key in ("dead_fraction", "saturated_fraction"):
        values = np.array(clf.history_[key])
        assert values.shape == (n_epochs, 3)
        assert np.all((values >= 0) & (values <= 1))


def test_grad_norm_is_the_norm_of_the_weight_gradient(moons_small):
    # Full-batch SGD without momentum moves each weight by -lr * gradient,
    # so one epoch's step reveals the gradient the record should hold.
    X, y = moons_small
    lr = 0.01
    clf = ActivationMLPClassifier(
        (5, 3),
        activation="tanh",
        solver="sgd",
        momentum=0.0,
        learning_rate_init=lr,
        batch_size=len(X),
        max_iter=1,
        alpha=0.1,
        diagnostics=True,
        random_state=0,
    )
    fit_quietly(clf, X, y)
    before = [W.copy() for W in clf.coefs_]
    clf.set_params(warm_start=True)
    fit_quietly(clf, X, y)
    expected = [np.linalg.norm(b - a) / lr for b, a in zip(before, clf.coefs_)]
    np.testing.assert_allclose(clf.history_["grad_norm"][-1], expected, rtol=1e-9)


def restored(X, y, weights, **params):
    """A network fitted for its structure, then given ``weights`` (a list of
    coefs and intercepts)."""
    clf = fit_quietly(ActivationMLPClassifier(**params), X, y)
    for mine, theirs in zip(clf.coefs_ + clf.intercepts_, weights):
        mine[...] = theirs
    return clf


def test_grad_norm_is_averaged_over_batches(moons_small):
    # Two batches, no shuffling: the record is the mean of the two gradients'
    # norms, each read off a momentum-free SGD step taken on one half alone.
    X, y = moons_small
    lr, half = 0.01, len(X) // 2
    params = dict(
        hidden_layer_sizes=(4,),
        solver="sgd",
        momentum=0.0,
        learning_rate_init=lr,
        shuffle=False,
        max_iter=1,
        warm_start=True,
        batch_size=half,
        random_state=0,
    )
    start = fit_quietly(ActivationMLPClassifier(**params), X, y)
    w0 = [w.copy() for w in start.coefs_ + start.intercepts_]

    norms, weights = [], w0
    for rows in (slice(0, half), slice(half, None)):
        one = fit_quietly(restored(X, y, weights, **params), X[rows], y[rows])
        norms.append([np.linalg.norm(a - b) / lr for a, b in zip(weights, one.coefs_)])
        weights = [w.copy() for w in one.coefs_ + one.intercepts_]

    diagnosed = restored(X, y, w0, diagnostics=True, **params)
    fit_quietly(diagnosed, X, y)
    np.testing.assert_allclose(
        diagnosed.history_["grad_norm"][-1], np.mean(norms, axis=0), rtol=1e-9
    )


def test_dead_units_are_counted_and_stay_dead(moons_small):
    # Unit 0 gets a large negative bias, so its input is negative for every
    # sample: it is dead, gets no gradient, and training cannot revive it.
    X, y = moons_small
    clf = ActivationMLPClassifier(
        (4,),
        activation="relu",
        solver="sgd",
        momentum=0.0,  # no velocity left from the first fit
        max_iter=1,
        random_state=0,
    )
    fit_quietly(clf, X, y)
    clf.coefs_[0][:, 0] = 0.0
    clf.intercepts_[0][0] = -10.0
    clf.coefs_[0][:, 1:] = [[1.0, -1.0, 0.5], [0.5, 1.0, -1.0]]
    clf.intercepts_[0][1:] = 0.1
    z = X @ clf.coefs_[0] + clf.intercepts_[0]
    assert np.all(z[:, 0] < 0) and np.all((z[:, 1:] > 0).any(axis=0))
    assert activation_statistics(clf, X)[0]["dead_fraction"] == 0.25

    clf.set_params(warm_start=True, diagnostics=True, max_iter=3)
    fit_quietly(clf, X, y)
    assert clf.intercepts_[0][0] == -10.0 and np.all(clf.coefs_[0][:, 0] == 0)
    assert all(epoch[0] >= 0.25 for epoch in clf.history_["dead_fraction"][-3:])


def test_saturation_follows_its_definition():
    # An identity first layer (W = I, b = 0) makes z = X, so the sigmoid's
    # derivative at each sample is known: saturated where below 1% of its
    # largest (1/4), exact zeros included.
    X = np.array([[0.0, 7.0], [1.0, -8.0], [-6.5, 20.0], [3.0, 0.5]])
    clf = hand_set("sigmoid", np.eye(2), np.zeros(2))
    s = special.expit(X)
    d = s * (1 - s)
    saturated = d < 0.01 * 0.25
    # z = 20's slope, 2e-9, counts: the unit is as flat there as can be.
    assert saturated.sum() == 4 and d[2, 1] < 1e-8
    (stats,) = activation_statistics(clf, X)
    assert stats["activation"] == "sigmoid"
    assert stats["saturated_fraction"] == saturated.mean()
    assert stats["dead_fraction"] == 0.0  # a sigmoid's output is never 0
    np.testing.assert_allclose(stats["mean"], s.mean(), rtol=1e-12)
    np.testing.assert_allclose(stats["std"], s.std(), rtol=1e-12)


def test_a_deeply_saturated_sigmoid_layer_is_saturated_not_dead(moons_small):
    # Weights scaled by 1e3 put every pre-activation far out on the flat
    # tails (|z| in the hundreds): saturated everywhere, dead nowhere.
    X, y = moons_small
    clf = fit_quietly(
        ActivationMLPClassifier((8,), activation="sigmoid", random_state=0), X, y
    )
    clf.coefs_[0] *= 1e3
    clf.intercepts_[0] *= 1e3
    z = X @ clf.coefs_[0] + clf.intercepts_[0]
    assert np.mean(np.abs(z) > 11) > 0.99  # sigmoid'(11) < 0.01 * 1/4
    (stats,) = activation_statistics(clf, X)
    assert stats["saturated_fraction"] == np.mean(np.abs(z) > np.log(400))
    assert stats["saturated_fraction"] > 0.99
    assert stats["dead_fraction"] == 0.0


def test_a_dead_relu_layer_is_dead_not_saturated(moons_small):
    # Intercepts of -100 against inputs of order 1: every unit outputs 0 for
    # every sample.
    X, y = moons_small
    clf = fit_quietly(
        ActivationMLPClassifier((8,), activation="relu", random_state=0), X, y
    )
    clf.intercepts_[0][:6] = -100.0
    (stats,) = activation_statistics(clf, X)
    z = X @ clf.coefs_[0] + clf.intercepts_[0]
    assert stats["dead_fraction"] == np.mean(~(z > 0).any(axis=0)) == 6 / 8
    assert stats["saturated_fraction"] == 0.0


def test_user_activation_saturation_uses_its_largest_slope():
    # ScaledTanh has no max_derivative: it is found on a grid, which holds
    # z = 0 where its slope scale * slope is largest.
    act = ScaledTanh(scale=2.0, slope=0.5)
    X = np.linspace(-8, 8, 41)[:, None]
    clf = hand_set(act, np.eye(1), np.zeros(1))
    d = act.derivative(X, act.forward(X))
    expected = (d < 0.01 * 1.0).mean()
    assert 0 < expected < 1
    assert activation_statistics(clf, X)[0]["saturated_fraction"] == expected


@pytest.mark.parametrize("name", ["identity", "relu", "gelu", "elu", "softplus"])
def test_statistics_do_not_depend_on_chunking(moons_small, name):
    X, y = moons_small
    clf = fit_quietly(
        ActivationMLPClassifier((7, 3), activation=name, max_iter=20, random_state=0),
        X,
        y,
    )
    whole = activation_statistics(clf, X)
    with config_context(working_memory=1e-4):  # a few rows per chunk
        chunked = activation_statistics(clf, X)
    for a, b in zip(whole, chunked):
        assert a["activation"] == b["activation"] == name
        assert a["dead_fraction"] == b["dead_fraction"]
        assert a["saturated_fraction"] == b["saturated_fraction"]
        np.testing.assert_allclose(a["mean"], b["mean"], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(a["std"], b["std"], rtol=1e-12, atol=1e-15)


def test_statistics_match_a_hand_forward_pass(moons_small):
    X, y = moons_small
    clf = fit_quietly(
        ActivationMLPClassifier((5, 4), activation=("tanh", "elu"), random_state=0),
        X,
        y,
    )
    a1 = np.tanh(X @ clf.coefs_[0] + clf.intercepts_[0])
    z2 = a1 @ clf.coefs_[1] + clf.intercepts_[1]
    a2 = np.where(z2 > 0, z2, np.expm1(z2))
    stats = activation_statistics(clf, X)
    for s, a in zip(stats, (a1, a2)):
        np.testing.assert_allclose(s["mean"], a.mean(), rtol=1e-10)
        np.testing.assert_allclose(s["std"], a.std(), rtol=1e-10)
    d1 = 1 - a1**2
    assert stats[0]["saturated_fraction"] == (d1 < 0.01).mean()
    # ELU: slope alpha e^z < 1% of its largest (1) where z < log(0.01).
    assert stats[1]["saturated_fraction"] == (z2 < np.log(0.01)).mean()
    assert stats[1]["dead_fraction"] == np.mean(~(a2 != 0).any(axis=0))


def test_identity_layers_are_never_dead_or_saturated(moons_small):
    clf = ActivationMLPClassifier(
        (3, 3), activation="identity", diagnostics=True, max_iter=5, random_state=0
    )
    fit_quietly(clf, *moons_small)
    assert np.all(np.array(clf.history_["dead_fraction"]) == 0)
    assert np.all(np.array(clf.history_["saturated_fraction"]) == 0)
    for s in activation_statistics(clf, moons_small[0]):
        assert s["dead_fraction"] == s["saturated_fraction"] == 0


def test_turning_diagnostics_on_in_a_warm_start_keeps_epochs_aligned(moons_small):
    clf = ActivationMLPClassifier((4, 4), max_iter=3, warm_start=True, random_state=0)
    fit_quietly(clf, *moons_small)
    clf.set_params(diagnostics=True, max_iter=2)
    fit_quietly(clf, *moons_small)
    clf.set_params(diagnostics=False)
    fit_quietly(clf, *moons_small)
    h = clf.history_
    assert all(len(h[k]) == len(h["loss"]) == 7 for k in DIAGNOSTIC_KEYS)
    grad_norm = np.array(h["grad_norm"])
    assert grad_norm.shape == (7, 3)
    assert np.isnan(grad_norm[:3]).all() and np.isnan(grad_norm[5:]).all()
    assert np.isfinite(grad_norm[3:5]).all()
    assert np.array(h["dead_fraction"]).shape == (7, 2)


def test_partial_fit_records_one_entry_per_call(moons_small):
    X, y = moons_small
    clf = ActivationMLPClassifier((4,), diagnostics=True, random_state=0)
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1])
    assert len(clf.history_["grad_norm"]) == 3
    assert np.array(clf.history_["dead_fraction"]).shape == (3, 1)


def test_activation_statistics_checks_its_input(moons_small):
    X, y = moons_small
    clf = ActivationMLPClassifier((3,))
    with pytest.raises(NotFittedError):
        activation_statistics(clf, X)
    fit_quietly(clf.set_params(max_iter=2), X, y)
    with pytest.raises(ValueError, match="features"):
        activation_statistics(clf, np.hstack([X, X]))
    no_hidden = fit_quietly(ActivationMLPClassifier((), max_iter=2), X, y)
    assert activation_statistics(no_hidden, X) == []


def test_get_activation_objects_have_max_derivative():
    assert get_activation("logistic").max_derivative == 0.25


@pytest.mark.parametrize("declared", [False, True])
def test_user_activation_properties_say_what_kind_of_activation_it_is(
    moons_small, declared
):
    # Declaring binary_derivative makes a user's ReLU report what the built-in
    # reports, in training and on data. Undeclared, its flat zero side counts
    # as saturated too (it might be a saturating activation); the dead units,
    # gradients and weights are the same.
    X, y = moons_small
    fitted = []
    for activation in ("relu", PlainReLU(declared)):
        clf = ActivationMLPClassifier(
            (6, 5), activation=activation, max_iter=5, random_state=0, diagnostics=True
        )
        fitted.append(fit_quietly(clf, X, y))
    builtin, user = fitted
    for key in ("dead_fraction", "grad_norm"):
        np.testing.assert_array_equal(builtin.history_[key], user.history_[key])
    ours, theirs = activation_statistics(builtin, X), activation_statistics(user, X)
    if declared:
        np.testing.assert_array_equal(
            builtin.history_["saturated_fraction"], user.history_["saturated_fraction"]
        )
        assert theirs == [{**layer, "activation": "PlainReLU"} for layer in ours]
        return
    a1 = np.maximum(X @ user.coefs_[0] + user.intercepts_[0], 0)
    assert theirs[0]["saturated_fraction"] == np.mean(a1 == 0) > 0
    assert theirs[0]["dead_fraction"] == ours[0]["dead_fraction"]


@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("hidden", [(), (8, 4)])
def test_linear_equivalent_of_a_regressor_predicts_the_same(n_outputs, hidden):
    from sklearn.datasets import make_regression
    from sklearn.linear_model import LinearRegression

    from skact import ActivationMLPRegressor, linear_equivalent

    X, y = make_regression(200, 5, n_targets=n_outputs, noise=1.0, random_state=0)
    deep = ActivationMLPRegressor(
        hidden_layer_sizes=hidden, activation="identity", solver="lbfgs"
    )
    deep = fit_quietly(deep.set_params(random_state=0), X, y)
    flat = linear_equivalent(deep)
    assert isinstance(flat, LinearRegression)
    # Targets of order 100 through a few products of 5-8 terms: a few ulps
    # of 100 each, far below 1e-10 relative.
    np.testing.assert_allclose(flat.predict(X), deep.predict(X), rtol=1e-10, atol=1e-9)
    assert flat.predict(X).shape == deep.predict(X).shape

    for bad in (
        ActivationMLPRegressor(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=5),
        ActivationMLPRegressor("poisson", (), solver="lbfgs", max_iter=5),
        ActivationMLPRegressor("absolute_error", (), max_iter=5),
    ):
        fit_quietly(bad, X, np.abs(y))
        with pytest.raises(ValueError, match="identity|squared_error"):
            linear_equivalent(bad)
