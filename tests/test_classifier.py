"""Behaviour of ActivationMLPClassifier that users see."""

import io
import re
import warnings
from contextlib import redirect_stdout

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import special
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPClassifier

from skact import ActivationMLPClassifier, linear_equivalent
from skact._demo import make_circle

from _helpers import ACTIVATION_REFERENCES, assert_valid_proba


@pytest.fixture(scope="module")
def circle():
    return make_circle()


# -- the seed experiment -------------------------------------------------------


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "gelu"])
def test_seed_network_learns_the_circle(circle, activation):
    X, y = circle
    # max_iter far above the ~380 epochs sigmoid needs: stopping near the
    # limit or not depends on the BLAS kernel's rounding.
    clf = ActivationMLPClassifier(
        (16, 16),
        activation=activation,
        solver="adam",
        learning_rate_init=0.01,
        max_iter=2000,
        random_state=0,
    ).fit(X, y)
    assert clf.score(X, y) >= 0.95


def test_identity_network_is_a_linear_model_on_the_circle(circle):
    X, y = circle
    majority = max(np.mean(y), 1 - np.mean(y))
    clf = ActivationMLPClassifier(
        (16, 16),
        activation="identity",
        learning_rate_init=0.01,
        max_iter=500,
        random_state=0,
    ).fit(X, y)
    # A line cannot separate a disc from its surroundings: at best it cuts off
    # a sliver of the outside class.
    assert clf.score(X, y) <= majority + 0.02


def test_sklearn_logistic_mlp_fails_where_our_sigmoid_learns(circle):
    # The contrast the README states: scikit-learn's init for the logistic
    # activation stays at the majority class on this task.
    X, y = circle
    sk = MLPClassifier(
        (16, 16),
        activation="logistic",
        learning_rate_init=0.01,
        max_iter=500,
        random_state=0,
    ).fit(X, y)
    ours = ActivationMLPClassifier(  # needs ~380 epochs: headroom for rounding
        (16, 16),
        activation="logistic",
        learning_rate_init=0.01,
        max_iter=2000,
        random_state=0,
    ).fit(X, y)
    assert sk.score(X, y) < 0.85 < 0.95 <= ours.score(X, y)


def test_make_circle_matches_the_seed_recipe():
    np.random.seed(42)  # noqa: NPY002 - the recipe, as the articles wrote it
    X_ref = np.random.uniform(-1, 1, (500, 2))  # noqa: NPY002
    X, y = make_circle()
    assert_array_equal(X, X_ref)
    assert_array_equal(y, (np.sqrt((X_ref**2).sum(axis=1)) > 0.5).astype(int))


# -- the forward pass by hand --------------------------------------------------


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("activation", sorted(ACTIVATION_REFERENCES))
def test_predict_proba_is_the_forward_pass_by_hand(iris_raw, activation):
    X, y = iris_raw
    clf = ActivationMLPClassifier(
        (5, 4), activation=activation, solver="lbfgs", max_iter=20, random_state=0
    ).fit(X, y)
    f = ACTIVATION_REFERENCES[activation][0]  # forward
    a = X
    for W, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1]):
        a = f(a @ W + b)
    logits = a @ clf.coefs_[-1] + clf.intercepts_[-1]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    # Same operations in a different order: agreement to a few ulps.
    assert_allclose(clf.predict_proba(X), proba, rtol=1e-12, atol=1e-15)
    assert_allclose(clf.predict_log_proba(X), np.log(proba), rtol=1e-12, atol=1e-12)
    assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


# Convergence is not the point here.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_per_layer_activations_apply_in_order(iris_raw):
    X, y = iris_raw
    clf = ActivationMLPClassifier(
        (6, 5),
        activation=("tanh", "relu"),
        solver="lbfgs",
        max_iter=300,
        random_state=0,
    ).fit(X, y)
    h = np.tanh(X @ clf.coefs_[0] + clf.intercepts_[0])
    h = np.maximum(h @ clf.coefs_[1] + clf.intercepts_[1], 0)
    logits = h @ clf.coefs_[2] + clf.intercepts_[2]
    # Probabilities are floored at the smallest normal float (see output.rst).
    expected = np.maximum(special.softmax(logits, axis=1), np.finfo(float).tiny)
    assert_allclose(clf.predict_proba(X), expected, rtol=1e-12)


def test_fitted_attributes_match_sklearn_names_and_shapes(iris_raw):
    X, y = iris_raw
    clf = ActivationMLPClassifier((7, 3), max_iter=30, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    sk = MLPClassifier((7, 3), max_iter=30, random_state=0)
    with pytest.warns(ConvergenceWarning):
        sk.fit(X, y)
    for name in [
        "classes_",
        "coefs_",
        "intercepts_",
        "n_layers_",
        "n_outputs_",
        "out_activation_",
        "loss_",
        "loss_curve_",
        "best_loss_",
        "validation_scores_",
        "best_validation_score_",
        "n_iter_",
        "t_",
        "n_features_in_",
    ]:
        assert hasattr(clf, name) and hasattr(sk, name), name
    assert [c.shape for c in clf.coefs_] == [c.shape for c in sk.coefs_]
    assert (clf.n_layers_, clf.n_outputs_, clf.n_iter_, clf.t_) == (4, 3, 30, 4500)
    assert clf.out_activation_ == "softmax"
    assert len(clf.loss_curve_) == 30 and clf.loss_ == clf.loss_curve_[-1]
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.history_ == {"loss": clf.loss_curve_}


def test_same_parameters_and_defaults_as_sklearn():
    ours = ActivationMLPClassifier().get_params()
    theirs = MLPClassifier().get_params()
    assert ours.pop("class_weight") is None
    assert ours.pop("diagnostics") is False
    assert ours == theirs


def test_two_classes_get_two_softmax_units():
    X, y = make_classification(100, random_state=0)
    clf = ActivationMLPClassifier((4,), solver="lbfgs", random_state=0).fit(X, y)
    assert clf.coefs_[-1].shape == (4, 2) and clf.n_outputs_ == 2
    proba = clf.predict_proba(X)
    assert_valid_proba(proba, 100, 2)


def test_no_hidden_layer_is_softmax_regression(iris_raw):
    X, y = iris_raw
    clf = ActivationMLPClassifier((), solver="lbfgs", random_state=0).fit(X, y)
    assert clf.n_layers_ == 2 and len(clf.coefs_) == 1
    logits = X @ clf.coefs_[0] + clf.intercepts_[0]
    # Probabilities are floored at the smallest normal float (see output.rst).
    expected = np.maximum(special.softmax(logits, axis=1), np.finfo(float).tiny)
    assert_allclose(clf.predict_proba(X), expected, rtol=1e-12)
    assert clf.score(X, y) > 0.95


def test_log_proba_is_finite_where_proba_underflows(iris_raw):
    X, y = iris_raw
    clf = ActivationMLPClassifier((), solver="lbfgs", random_state=0).fit(X, y)
    # Logit gaps of ~2000 per unit of the first feature: exp underflows.
    clf.coefs_[0][0] = [1000.0, -1000.0, 0.0]
    proba = clf.predict_proba(X)
    log_proba = clf.predict_log_proba(X)
    tiny = np.finfo(float).tiny
    logits = X @ clf.coefs_[0] + clf.intercepts_[0]
    exact = special.log_softmax(logits, axis=1)
    assert (exact < np.log(tiny)).any()  # the case in question
    # Floored at the smallest normal float, never 0 or -inf, and consistent.
    assert proba.min() == tiny
    assert_array_equal(log_proba, np.log(proba))
    # Elsewhere the log of the rounded probability: relative error ~eps, or
    # ~eps absolute where p is near 1 (log p near 0).
    assert_allclose(log_proba, np.maximum(exact, np.log(tiny)), rtol=1e-12, atol=1e-15)


# -- training state: warm start, partial_fit, live weights -----------------------


def test_partial_fit_with_classes_on_every_call_equals_classes_once(iris_raw):
    # Later calls take a shortcut when `classes` equals `classes_`; it must
    # change nothing, whatever form the labels and classes are given in.
    X, y = iris_raw
    names = np.array(["setosa", "versicolor", "virginica"])
    chunks = np.array_split(np.random.default_rng(0).permutation(len(X)), 4)
    weights = []
    for labels, classes in [(y, [0, 1, 2]), (names[y], list(names))]:
        every, once = (ActivationMLPClassifier((5,), random_state=0) for _ in range(2))
        for i, rows in enumerate(chunks):
            every.partial_fit(X[rows], labels[rows], classes=np.asarray(classes))
            once.partial_fit(X[rows], labels[rows], classes=classes if i == 0 else None)
        weights += [
            [w.copy() for w in model.coefs_ + model.intercepts_]
            for model in (every, once)
        ]
        # Unsorted, repeated classes are the same classes.
        every.partial_fit(X[:5], labels[:5], classes=classes[::-1] * 2)
    for other in weights[1:]:  # string labels train the same network as 0, 1, 2
        for a, b in zip(weights[0], other):
            assert_array_equal(a, b)


def test_partial_fit_reseeds_an_integer_random_state_on_every_call(iris_raw):
    # As in scikit-learn, an integer seed starts each call's shuffling afresh:
    # the same as handing a new RandomState(seed) to every call.
    X, y = iris_raw
    chunks = np.array_split(np.arange(len(X)), 3)
    seeded = ActivationMLPClassifier((5,), batch_size=16, random_state=7)
    fresh = ActivationMLPClassifier((5,), batch_size=16)
    for rows in chunks:
        seeded.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
        fresh.set_params(random_state=np.random.RandomState(7))
        fresh.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
    for a, b in zip(seeded.coefs_, fresh.coefs_):
        assert_array_equal(a, b)


class _ComparedByIdentity(ActivationMLPClassifier):
    """A subclass with ``__eq__`` and so, in Python, no hash."""

    def __eq__(self, other):
        return self is other


def test_an_unhashable_subclass_trains_like_the_class(iris_raw):
    # The kept generator needs a hashable estimator; without one, training
    # still works, gives the same weights, and checks the parameters.
    X, y = iris_raw
    chunks = np.array_split(np.arange(len(X)), 3)
    ours = ActivationMLPClassifier((5,), batch_size=16, random_state=7)
    theirs = _ComparedByIdentity((5,), batch_size=16, random_state=7)
    for rows in chunks:
        for clf in (ours, theirs):
            clf.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert_array_equal(a, b)
    with pytest.raises(ValueError, match="'alpha' parameter"):
        theirs.set_params(alpha=-1.0).fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_assigned_weight_lists_are_used_by_predict_partial_fit_and_warm_start(iris_raw):
    X, y = iris_raw
    # SGD without momentum keeps no optimizer state: from the same weights,
    # one more epoch must give the same result for both models.
    params = dict(hidden_layer_sizes=(5,), solver="sgd", momentum=0, shuffle=False)
    clf = ActivationMLPClassifier(max_iter=20, random_state=0, **params).fit(X, y)
    other = ActivationMLPClassifier(max_iter=20, random_state=1, **params).fit(X, y)
    clf.coefs_ = [c.copy() for c in other.coefs_]
    clf.intercepts_ = [b.copy() for b in other.intercepts_]
    assert_array_equal(clf.predict_proba(X), other.predict_proba(X))
    clf.partial_fit(X, y)
    other.partial_fit(X, y)
    assert_array_equal(clf.predict_proba(X), other.predict_proba(X))
    for model in (clf, other):
        model.set_params(warm_start=True, max_iter=2).fit(X, y)
    assert_array_equal(clf.predict_proba(X), other.predict_proba(X))
    clf.coefs_ = clf.coefs_[:1]
    with pytest.raises(ValueError, match="coefs_ and intercepts_ do not fit"):
        clf.partial_fit(X, y)


def test_failed_fit_leaves_the_fitted_model_untouched(iris_raw):
    X, y = iris_raw
    clf = ActivationMLPClassifier((5,), solver="lbfgs", random_state=0).fit(X, y)
    proba = clf.predict_proba(X)
    state = dict(vars(clf))
    with pytest.raises(ValueError):
        clf.fit(X[:, :2], np.linspace(0, 1, len(X)))  # continuous target
    assert clf.n_features_in_ == 4
    assert vars(clf).keys() == state.keys()
    assert_array_equal(clf.predict_proba(X), proba)


# -- early stopping and history -------------------------------------------------


def test_early_stopping_records_validation_history_and_restores_best(iris_raw):
    X, y = iris_raw
    clf = ActivationMLPClassifier(
        (10,),
        early_stopping=True,
        validation_fraction=0.2,
        max_iter=200,
        n_iter_no_change=5,
        learning_rate_init=0.01,
        random_state=0,
    ).fit(X, y)
    h = clf.history_
    n = clf.n_iter_
    assert set(h) == {"loss", "val_loss", "val_score"}
    assert len(h["loss"]) == len(h["val_loss"]) == len(h["val_score"]) == n
    assert h["val_score"] is clf.validation_scores_
    assert clf.best_validation_score_ == max(h["val_score"])
    assert clf.best_loss_ is None
    assert all(v > 0 and np.isfinite(v) for v in h["val_loss"])
    # Stopped because n_iter_no_change epochs did not improve on the best.
    assert n < 200 and np.argmax(h["val_score"]) <= n - 5


def test_validation_loss_is_the_cross_entropy_on_held_out_data(iris_raw):
    # One epoch, then recompute the validation loss from the held-out split
    # the same random_state produces.
    from sklearn.model_selection import train_test_split

    X, y = iris_raw
    clf = ActivationMLPClassifier(
        (4,),
        early_stopping=True,
        max_iter=1,
        random_state=3,
        validation_fraction=0.3,
    )
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    rng = np.random.RandomState(3)
    rng.uniform(size=sum(c.size + b.size for c, b in zip(clf.coefs_, clf.intercepts_)))
    _, X_val, _, y_val = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=rng
    )
    log_proba = clf.predict_log_proba(X_val)
    expected = -np.mean(log_proba[np.arange(len(y_val)), y_val])
    assert clf.history_["val_loss"][0] == pytest.approx(expected, rel=1e-12)
    assert clf.history_["val_score"][0] == pytest.approx(clf.score(X_val, y_val))


def test_verbose_prints_one_line_per_epoch(iris_raw, capsys):
    X, y = iris_raw
    clf = ActivationMLPClassifier((4,), max_iter=3, verbose=True, early_stopping=True)
    buf = io.StringIO()
    with redirect_stdout(buf), pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    lines = buf.getvalue().strip().splitlines()
    assert len(lines) == 3
    pattern = (
        r"Iteration (\d) \(epoch \1/3\), loss = [\d.]+, validation score = "
        r"[\d.]+, validation loss = [\d.]+, time = [\d.]+s"
    )
    assert all(re.fullmatch(pattern, line) for line in lines), lines
    assert [line.split()[1] for line in lines] == ["1", "2", "3"]

    buf = io.StringIO()
    # L-BFGS needs about 4 iterations here: whether 3 are enough depends on
    # the BLAS kernel's rounding, and is not what this test is about.
    with redirect_stdout(buf), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.set_params(solver="lbfgs").fit(X, y)
    lines = buf.getvalue().strip().splitlines()
    assert lines and all(
        re.fullmatch(r"Iteration \d+/3, loss = [\d.]+, time = [\d.]+s", line)
        for line in lines
    ), lines


def test_convergence_stops_before_max_iter(iris_raw):
    X, y = iris_raw
    clf = ActivationMLPClassifier(
        (10,), learning_rate_init=0.01, max_iter=2000, random_state=0
    ).fit(X, y)
    assert clf.n_iter_ < 2000


# -- class and sample weights ---------------------------------------------------


# Convergence is not the point here.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_class_weight_balanced_shifts_predictions_to_the_minority():
    X, y = make_classification(
        400,
        n_features=5,
        weights=[0.9, 0.1],
        flip_y=0.1,
        class_sep=0.5,
        random_state=0,
    )
    params = dict(hidden_layer_sizes=(8,), solver="lbfgs", alpha=1.0, random_state=0)
    plain = ActivationMLPClassifier(**params).fit(X, y)
    balanced = ActivationMLPClassifier(class_weight="balanced", **params).fit(X, y)
    assert (balanced.predict(X) == 1).sum() > (plain.predict(X) == 1).sum()


def test_zero_weights_equal_dropping_the_samples(iris_raw):
    X, y = iris_raw
    keep = np.arange(len(y)) % 3 != 0
    # The same objective; only the order of summation differs, so a few
    # L-BFGS iterations agree to ~1e-15 relative, amplified by the iterations.
    params = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=5, random_state=0)
    with pytest.warns(ConvergenceWarning):
        a = ActivationMLPClassifier(**params).fit(X, y, sample_weight=keep * 1.0)
    with pytest.warns(ConvergenceWarning):
        b = ActivationMLPClassifier(**params).fit(X[keep], y[keep])
    assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-9)


def test_predict_before_fit_raises():
    with pytest.raises(NotFittedError):
        ActivationMLPClassifier().predict([[0.0]])


# -- linear collapse ---------------------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_linear_equivalent_matches_the_identity_network(n_classes, dtype):
    X, y = make_classification(
        150, n_features=6, n_informative=4, n_classes=n_classes, random_state=0
    )
    X = X.astype(dtype)
    net = ActivationMLPClassifier(
        (7, 5, 4), activation="identity", solver="lbfgs", random_state=0
    ).fit(X, y)
    lin = linear_equivalent(net)
    # The collapsed product is computed in float64; the network in `dtype`.
    # Rounding grows with depth and width by at most a few hundred ulps.
    rtol = 1e-10 if dtype == np.float64 else 1e-4
    assert_allclose(lin.predict_proba(X), net.predict_proba(X), rtol=rtol, atol=rtol)
    assert_array_equal(lin.classes_, net.classes_)


def test_linear_equivalent_refuses_nonlinear_and_multilabel_networks(iris_raw):
    X, y = iris_raw
    # Seeded: from some starting points the relu layer dies and L-BFGS stops
    # early, without the warning.
    net = ActivationMLPClassifier(
        (4, 4), activation=("identity", "relu"), solver="lbfgs", max_iter=20
    ).set_params(random_state=0)
    with pytest.warns(ConvergenceWarning):
        net.fit(X, y)
    with pytest.raises(ValueError, match="layer 2: relu"):
        linear_equivalent(net)
    Y = np.c_[y == 0, y == 1].astype(int)
    ml = ActivationMLPClassifier(
        (3,), activation="identity", solver="lbfgs", max_iter=20
    )
    with pytest.warns(ConvergenceWarning):
        ml.fit(X, Y)
    with pytest.raises(ValueError, match="multilabel"):
        linear_equivalent(ml)
    with pytest.raises(NotFittedError):
        linear_equivalent(ActivationMLPClassifier())


def test_warnings_point_at_the_caller(iris_raw):
    X, y = iris_raw
    for solver in ["adam", "lbfgs"]:
        clf = ActivationMLPClassifier((3,), solver=solver, max_iter=1)
        with pytest.warns(ConvergenceWarning) as record:
            clf.fit(X, y)
        assert record[0].filename == __file__
    with pytest.warns(UserWarning) as record:
        ActivationMLPClassifier((3,), batch_size=1000, max_iter=1).fit(X, y)
    assert [str(w.message)[:20] for w in record] == [
        "Got batch_size=1000 ",
        "Stochastic Optimizer",
    ]
    assert {w.filename for w in record} == {__file__}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_history_stays_aligned_when_warm_start_toggles_early_stopping(iris_raw):
    X, y = iris_raw
    clf = ActivationMLPClassifier((4,), max_iter=3, warm_start=True, random_state=0)
    clf.fit(X, y)
    assert clf.validation_scores_ is None and set(clf.history_) == {"loss"}
    clf.set_params(early_stopping=True, n_iter_no_change=100).fit(X, y)
    h = clf.history_
    assert len(h["loss"]) == len(h["val_loss"]) == len(h["val_score"]) == 6
    assert np.isnan(h["val_score"][:3]).all() and np.isfinite(h["val_score"][3:]).all()
    assert clf.validation_scores_ is h["val_score"]
    assert clf.best_validation_score_ == max(h["val_score"][3:])
    assert clf.best_loss_ is None
    clf.set_params(early_stopping=False).fit(X, y)
    assert (
        len(clf.history_["val_score"]) == 9
        and np.isnan(clf.history_["val_score"][6:]).all()
    )
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    assert clf.best_loss_ == min(clf.loss_curve_)


def test_sparse_multilabel_target_equals_dense(iris_raw):
    import scipy.sparse as sp

    X, y = iris_raw
    Y = np.c_[y == 0, y == 1, y == 2].astype(int)
    params = dict(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=20, random_state=0)
    with pytest.warns(ConvergenceWarning):
        dense = ActivationMLPClassifier(**params).fit(X, Y)
    with pytest.warns(ConvergenceWarning):
        sparse = ActivationMLPClassifier(**params).fit(X, sp.csr_matrix(Y))
    assert_array_equal(dense.predict_proba(X), sparse.predict_proba(X))
    assert_array_equal(dense.predict(X), sparse.predict(X))


_GLOROT = np.sqrt(6 / (50 + 200))
_HE = np.sqrt(6 / 50)


@pytest.mark.parametrize(
    "name, bound",
    [("identity", _GLOROT), ("tanh", _GLOROT), ("sigmoid", 4 * _GLOROT)]
    + [(n, _HE) for n in ["relu", "leaky_relu", "elu", "gelu", "gelu_tanh", "silu"]]
    + [("softplus", _HE)],
)
def test_initial_weights_follow_the_activation(name, bound):
    from skact._engine_activation import engine_activation
    from skact._network import Network

    net = Network([50, 200, 3], [engine_activation(name)], "softmax")
    coefs, intercepts = net.views(net.initialize(np.random.RandomState(0), np.float64))
    # U(-b, b): every draw within b, the extremes close to b, std b / sqrt(3).
    # With 10,000 draws the sample std is within ~1% of its expectation.
    for values, b in [(coefs[0], bound), (coefs[1], np.sqrt(6 / (200 + 3)))]:
        assert np.abs(values).max() <= b
        assert np.abs(values).max() > 0.99 * b
    assert coefs[0].std() == pytest.approx(bound / np.sqrt(3), rel=0.03)
    assert np.abs(intercepts[0]).max() <= bound
