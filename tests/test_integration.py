"""Integration tests: ActivationMLPClassifier inside the scikit-learn ecosystem.

Pipelines, model selection (GridSearchCV with worker processes), calibration,
ensembles, plotting, persistence, and the input kinds scikit-learn estimators
accept (DataFrames, sparse matrices, float32, any label type, multilabel).
The regressor's input kinds are here too: DataFrames in a test over both
estimators, sparse and float32 input next to the classifier's tests (their
checks differ: a regressor's float32 fit is compared with its float64 fit).

Data and networks are deliberately tiny so the whole module runs in seconds.
The project's pytest configuration turns warnings into errors; tests that
train for only a few epochs on purpose say so with an explicit
``filterwarnings`` mark for ``ConvergenceWarning``.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import io
import pickle

import joblib
import matplotlib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone, is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import make_multilabel_classification
from sklearn.ensemble import BaggingClassifier, VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skact import ActivationMLPClassifier, ActivationMLPRegressor
from skact.activations import LeakyReLU

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be set first)
from sklearn.inspection import DecisionBoundaryDisplay  # noqa: E402

from _helpers import (  # noqa: E402
    assert_same_model,
    assert_valid_proba,
    over_both_estimators,
    prediction_outcome,
)
from user_activations import BentIdentity, ScaledTanh  # noqa: E402

SOLVERS = ["adam", "sgd", "lbfgs"]

# Few epochs on purpose: the model need not converge for what these tests check.
short_training = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)
# scikit-learn's counterpart of each estimator.
SKLEARN_TWIN = {
    ActivationMLPClassifier: MLPClassifier,
    ActivationMLPRegressor: MLPRegressor,
}


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------
# ---------------------------------------------------------------------------
# Pipelines and cross-validation
# ---------------------------------------------------------------------------
def test_pipeline_cross_val_score_well_above_chance(iris_raw):
    X, y = iris_raw
    pipe = make_pipeline(
        StandardScaler(),
        ActivationMLPClassifier(
            (10,), activation="gelu", solver="lbfgs", max_iter=500, random_state=0
        ),
    )
    scores = cross_val_score(pipe, X, y, cv=5)
    assert scores.shape == (5,)
    # Iris has 3 balanced classes, so chance accuracy is 1/3; even a linear
    # model reaches about 0.95 in 5-fold CV. 0.85 in every fold (and 0.9 on
    # average) is far above chance yet leaves room for an unlucky fold of 30
    # samples (one error costs 0.033).
    assert scores.min() > 0.85, scores
    assert scores.mean() > 0.9, scores


def test_pipeline_cross_val_score_moons_nonlinear(moons_raw):
    X, y = moons_raw
    pipe = make_pipeline(
        StandardScaler(),
        ActivationMLPClassifier(
            (16,), activation="tanh", solver="lbfgs", max_iter=500, random_state=0
        ),
    )
    scores = cross_val_score(pipe, X, y, cv=3)
    linear = cross_val_score(LogisticRegression(), X, y, cv=3)
    # Two balanced classes: chance is 0.5, and a linear boundary gets only
    # about 0.85 on these moons (measured just above). The hidden layer must
    # bend the boundary: at least 5 points better than the linear model, and
    # above 0.92 in absolute terms (it reaches about 0.96).
    assert scores.mean() > 0.92, scores
    assert scores.mean() > linear.mean() + 0.05, (scores, linear)


# ---------------------------------------------------------------------------
# GridSearchCV over activations, including user-made ones, in worker processes
# ---------------------------------------------------------------------------
ACTIVATION_CANDIDATES = [
    "relu",
    ("tanh", "silu"),  # one per hidden layer
    ScaledTanh(),
    BentIdentity(),
    ("elu", ScaledTanh(scale=1.0, slope=1.0)),  # mixing names and objects
]


def test_grid_search_over_activations_n_jobs(iris_scaled):
    X, y = iris_scaled
    base = ActivationMLPClassifier((6, 6), solver="lbfgs", max_iter=300, random_state=0)
    grid = {"activation": ACTIVATION_CANDIDATES}
    search = GridSearchCV(base, grid, cv=3, n_jobs=2).fit(X, y)

    n_candidates = len(ACTIVATION_CANDIDATES)
    results = search.cv_results_
    assert len(results["params"]) == n_candidates
    assert results["mean_test_score"].shape == (n_candidates,)
    assert results["rank_test_score"].shape == (n_candidates,)
    # The candidates come back in grid order, user-made objects equal to ours.
    assert [p["activation"] for p in results["params"]] == ACTIVATION_CANDIDATES
    assert np.all(np.isfinite(results["mean_test_score"]))
    # Every candidate learned something (chance is 1/3).
    assert results["mean_test_score"].min() > 0.8, results["mean_test_score"]

    best = search.best_estimator_
    assert best.activation == search.best_params_["activation"]
    assert hasattr(best, "coefs_") and best.n_features_in_ == X.shape[1]
    pred = best.predict(X)
    assert pred.shape == y.shape
    assert np.mean(pred == y) > 0.9
    assert_valid_proba(search.predict_proba(X), len(y), 3)

    # Worker processes must compute exactly what the main process does: the
    # activations were pickled across and are deterministic.
    serial = GridSearchCV(base, grid, cv=3, n_jobs=1).fit(X, y)
    assert_array_equal(
        serial.cv_results_["mean_test_score"], results["mean_test_score"]
    )


@pytest.mark.parametrize(
    "activation", [ScaledTanh(scale=1.5, slope=0.5), BentIdentity()]
)
def test_user_activation_survives_clone(iris_scaled, activation):
    X, y = iris_scaled
    est = ActivationMLPClassifier(
        (5,), activation=activation, solver="lbfgs", max_iter=200, random_state=0
    )
    cloned = clone(est)
    # Equal, but an independent copy (clone deep-copies non-estimator params).
    assert cloned.activation == est.activation
    assert cloned.activation is not est.activation
    assert repr(cloned.activation) == repr(est.activation)

    # Equal behaviour: same weights after fitting with the same seed.
    est.fit(X, y)
    cloned.fit(X, y)
    for a, b in zip(est.coefs_, cloned.coefs_):
        assert_array_equal(a, b)
    assert_array_equal(est.predict_proba(X), cloned.predict_proba(X))

    # Independence: changing the clone's activation leaves the original alone.
    if isinstance(activation, ScaledTanh):
        cloned.activation.scale = 3.0
        assert est.activation.scale == 1.5
        assert cloned.activation != est.activation


@pytest.mark.parametrize(
    "activation", [ScaledTanh(), BentIdentity(), ("relu", BentIdentity())]
)
def test_pickle_fitted_model_with_user_activation(iris_scaled, activation):
    X, y = iris_scaled
    hidden = (5, 4) if isinstance(activation, tuple) else (5,)
    est = ActivationMLPClassifier(
        hidden, activation=activation, solver="lbfgs", max_iter=1000, random_state=0
    ).fit(X, y)  # needs ~190 iterations: headroom for the BLAS rounding
    restored = pickle.loads(pickle.dumps(est))
    assert restored.activation == est.activation
    assert_array_equal(restored.predict_proba(X), est.predict_proba(X))
    assert_array_equal(restored.predict(X), est.predict(X))


@pytest.mark.parametrize(
    "make_activation",
    [lambda: ScaledTanh(), lambda: LeakyReLU(negative_slope=0.1)],
    ids=["user-made", "built-in-instance"],
)
def test_fitted_model_independent_of_later_changes_to_activation(
    iris_scaled, make_activation
):
    # Fitted state belongs to the fitted model: like a pickled copy, it must
    # not change when the object passed as the ``activation`` hyper-parameter
    # is edited afterwards, e.g. to configure and fit a second model
    # (scikit-learn keeps fitted state apart from parameters, e.g.
    # GaussianProcessRegressor.kernel_ is a clone of kernel).
    X, y = iris_scaled
    activation = make_activation()
    est = ActivationMLPClassifier(
        (5,), activation=activation, solver="lbfgs", max_iter=1000, random_state=0
    ).fit(X, y)  # needs ~190 iterations: headroom for the BLAS rounding
    snapshot = pickle.loads(pickle.dumps(est))
    log_proba = est.predict_log_proba(X)

    if isinstance(activation, ScaledTanh):
        activation.scale = 5.0
    else:
        activation.negative_slope = 0.9

    assert_array_equal(est.predict_log_proba(X), log_proba)
    assert_array_equal(est.predict_log_proba(X), snapshot.predict_log_proba(X))


# ---------------------------------------------------------------------------
# Plotting
# ---------------------------------------------------------------------------
# Convergence does not matter here (SciPy < 1.15's L-BFGS-B needs more than
# 500 iterations on this network).
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_decision_boundary_display_binary_proba(moons_raw):
    X, y = moons_raw
    clf = ActivationMLPClassifier(
        (8,), activation="silu", solver="lbfgs", max_iter=500, random_state=0
    ).fit(X, y)
    try:
        disp = DecisionBoundaryDisplay.from_estimator(
            clf, X, response_method="predict_proba", grid_resolution=30
        )
        assert disp.surface_ is not None
        assert disp.ax_ is not None and disp.figure_ is disp.ax_.figure
        assert disp.response.shape == disp.xx0.shape == disp.xx1.shape
        # The binary surface is the probability of the positive class.
        grid = np.c_[disp.xx0.ravel(), disp.xx1.ravel()]
        assert_allclose(
            disp.response.ravel(), clf.predict_proba(grid)[:, 1], rtol=1e-12
        )
        assert disp.response.min() >= 0 and disp.response.max() <= 1
    finally:
        plt.close("all")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_decision_boundary_display_multiclass_predict(iris_raw):
    X, y = iris_raw
    X2 = X[:, 2:]  # petal length and width: the separable pair
    clf = ActivationMLPClassifier(
        (8,), activation="tanh", solver="lbfgs", max_iter=500, random_state=0
    ).fit(X2, y)
    fig, ax = plt.subplots()
    try:
        disp = DecisionBoundaryDisplay.from_estimator(
            clf, X2, response_method="predict", grid_resolution=30, ax=ax
        )
        assert disp.surface_ is not None
        assert disp.ax_ is ax
        assert disp.response.shape == (30, 30)
        assert set(np.unique(disp.response)) <= set(clf.classes_)
        # All three regions show up on a grid spanning the data.
        assert len(np.unique(disp.response)) == 3
    finally:
        plt.close(fig)


# ---------------------------------------------------------------------------
# Calibration and ensembles
# ---------------------------------------------------------------------------
def test_calibrated_classifier_cv(iris_scaled):
    X, y = iris_scaled
    base = ActivationMLPClassifier(
        (6,), activation="elu", solver="lbfgs", max_iter=300, random_state=0
    )
    cal = CalibratedClassifierCV(base, cv=3).fit(X, y)
    assert len(cal.calibrated_classifiers_) == 3
    assert_array_equal(cal.classes_, [0, 1, 2])
    proba = cal.predict_proba(X)
    assert_valid_proba(proba, len(y), 3)
    assert np.mean(cal.predict(X) == y) > 0.9


def test_voting_classifier_soft(iris_scaled):
    X, y = iris_scaled
    vote = VotingClassifier(
        [
            (
                "relu",
                ActivationMLPClassifier(
                    (6,), activation="relu", solver="lbfgs", random_state=0
                ),
            ),
            (
                "scaled_tanh",
                ActivationMLPClassifier(
                    (6,), activation=ScaledTanh(), solver="lbfgs", random_state=1
                ),
            ),
        ],
        voting="soft",
    ).fit(X, y)
    proba = vote.predict_proba(X)
    assert_valid_proba(proba, len(y), 3)
    # Soft voting averages the members' probabilities.
    members = [est.predict_proba(X) for est in vote.estimators_]
    assert_allclose(proba, np.mean(members, axis=0))
    assert np.mean(vote.predict(X) == y) > 0.9


def test_bagging_classifier(iris_scaled):
    X, y = iris_scaled
    bag = BaggingClassifier(
        ActivationMLPClassifier(
            (5,), activation="softplus", solver="lbfgs", max_iter=300
        ),
        n_estimators=4,
        random_state=0,
    ).fit(X, y)
    assert len(bag.estimators_) == 4
    proba = bag.predict_proba(X)
    assert_valid_proba(proba, len(y), 3)
    assert np.mean(bag.predict(X) == y) > 0.9


# ---------------------------------------------------------------------------
# Persistence
# ---------------------------------------------------------------------------
def _pickle_round_trip(est):
    return pickle.loads(pickle.dumps(est))


def _joblib_round_trip(est):
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


@short_training
@pytest.mark.parametrize("round_trip", [_pickle_round_trip, _joblib_round_trip])
@pytest.mark.parametrize("solver", SOLVERS)
def test_persistence_predicts_identically(iris_scaled, solver, round_trip):
    X, y = iris_scaled
    est = ActivationMLPClassifier(
        (6,), activation="gelu", solver=solver, max_iter=30, random_state=0
    ).fit(X, y)
    restored = round_trip(est)
    assert restored is not est
    assert_array_equal(restored.predict_proba(X), est.predict_proba(X))
    assert_array_equal(restored.predict(X), est.predict(X))
    for a, b in zip(restored.coefs_, est.coefs_):
        assert a.dtype == b.dtype
        assert_array_equal(a, b)
    assert restored.loss_curve_ == est.loss_curve_


@short_training
@pytest.mark.parametrize("round_trip", [_pickle_round_trip, _joblib_round_trip])
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_unpickled_model_continues_partial_fit_identically(
    iris_scaled, solver, round_trip
):
    X, y = iris_scaled
    est = ActivationMLPClassifier(
        (6,), activation="tanh", solver=solver, max_iter=20, random_state=0
    ).fit(X, y)
    restored = round_trip(est)
    # The optimizer's state (Adam's moments, SGD's velocity) must come along:
    # otherwise the next steps would differ.
    for _ in range(3):
        est.partial_fit(X, y)
        restored.partial_fit(X, y)
    for a, b in zip(restored.coefs_, est.coefs_):
        assert_array_equal(a, b)
    for a, b in zip(restored.intercepts_, est.intercepts_):
        assert_array_equal(a, b)
    assert restored.t_ == est.t_
    assert restored.loss_curve_ == est.loss_curve_
    assert_array_equal(restored.predict_proba(X), est.predict_proba(X))


@short_training
@over_both_estimators("iris_raw", "wavy")
def test_clone_of_fitted_estimator_is_unfitted_and_refits_the_same(Estimator, dataset):
    X, y = dataset
    # A parameter only the regressor has must be carried over too.
    own = {} if is_classifier(Estimator()) else {"loss": "quantile", "quantile": 0.3}
    est = Estimator(
        hidden_layer_sizes=(5, 4),
        activation=("relu", ScaledTanh(scale=1.5)),
        max_iter=10,
        random_state=42,
        **own,
    ).fit(X, y)
    twin = clone(est)
    assert not hasattr(twin, "coefs_")
    for name, value in own.items():
        assert twin.get_params()[name] == value
    assert twin.activation == est.activation and twin.activation is not est.activation
    assert_same_model(twin.fit(X, y), est, weights_only=True)
    assert twin.loss_curve_ == est.loss_curve_


@short_training
@pytest.mark.parametrize("solver", SOLVERS)
def test_clone_fit_is_deterministic(iris_scaled, solver):
    X, y = iris_scaled
    est = ActivationMLPClassifier(
        (6, 4),
        activation=("relu", ScaledTanh()),
        solver=solver,
        max_iter=30,
        random_state=42,
    )
    first = clone(est).fit(X, y)
    second = clone(est).fit(X, y)
    for a, b in zip(first.coefs_, second.coefs_):
        assert_array_equal(a, b)
    for a, b in zip(first.intercepts_, second.intercepts_):
        assert_array_equal(a, b)
    assert first.loss_curve_ == second.loss_curve_
    # The estimator handed to clone was left unfitted.
    assert not hasattr(est, "coefs_")


# ---------------------------------------------------------------------------
# pandas input and feature names
# ---------------------------------------------------------------------------


@short_training
@over_both_estimators("iris_scaled", "wavy")
def test_dataframe_feature_names_match_sklearn(Estimator, dataset):
    X, y = dataset
    X = pd.DataFrame(X, columns=["age", "dose", "weight", "height"])
    Sklearns = SKLEARN_TWIN[Estimator]
    params = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=300, random_state=0)
    ours = Estimator(**params).fit(X, y)
    theirs = Sklearns(**params).fit(X, y)

    assert_array_equal(ours.feature_names_in_, X.columns.to_numpy())
    assert_array_equal(ours.feature_names_in_, theirs.feature_names_in_)
    assert ours.n_features_in_ == 4
    # Same columns: no warning at all (warnings are errors here).
    assert ours.predict(X).shape == (len(X),)
    if is_classifier(ours):
        assert np.mean(ours.predict(X) == y) > 0.9

    renamed = X.rename(columns=str.upper)
    reordered = X[X.columns[::-1]]
    as_numpy = X.to_numpy()
    for X_pred in (as_numpy, renamed, reordered):
        assert prediction_outcome(ours, X_pred) == prediction_outcome(theirs, X_pred)

    # And what scikit-learn does, spelled out: numpy input warns, different
    # or reordered columns raise, in every method that takes X.
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        ours.predict(as_numpy)
    with pytest.raises(ValueError, match="feature names should match"):
        ours.predict(renamed)
    with pytest.raises(ValueError, match="feature names should match"):
        ours.score(reordered, y)
    if is_classifier(ours):
        with pytest.raises(ValueError, match="feature names should match"):
            ours.predict_proba(reordered)

    # Fitted on numpy, predicting on a DataFrame warns the other way round.
    ours_np = Estimator(**params).fit(as_numpy, y)
    theirs_np = Sklearns(**params).fit(as_numpy, y)
    assert not hasattr(ours_np, "feature_names_in_")
    assert prediction_outcome(ours_np, X) == prediction_outcome(theirs_np, X)
    with pytest.warns(UserWarning, match="X has feature names"):
        ours_np.predict(X)


# ---------------------------------------------------------------------------
# Sparse input
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sparse_data():
    rng = np.random.RandomState(0)
    X = rng.randn(80, 12)
    X[rng.rand(*X.shape) < 0.7] = 0.0  # mostly zeros
    y = (X[:, 0] + X[:, 1] - X[:, 2] > 0).astype(int) + (X[:, 3] > 0.5)
    return X, y


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_predict_matches_dense(sparse_data, fmt):
    X, y = sparse_data
    est = ActivationMLPClassifier(
        (7,), activation="elu", solver="lbfgs", max_iter=300, random_state=0
    ).fit(X, y)
    X_sparse = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    assert_allclose(est.predict_proba(X_sparse), est.predict_proba(X), rtol=1e-12)
    assert_array_equal(est.predict(X_sparse), est.predict(X))


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_fit_lbfgs_matches_dense(sparse_data, fmt):
    X, y = sparse_data
    X_sparse = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    params = dict(
        hidden_layer_sizes=(7,),
        activation="tanh",
        solver="lbfgs",
        max_iter=300,
        random_state=0,
    )
    dense = ActivationMLPClassifier(**params).fit(X, y)
    sparse = ActivationMLPClassifier(**params).fit(X_sparse, y)
    assert sparse.n_iter_ == dense.n_iter_
    for a, b in zip(sparse.coefs_, dense.coefs_):
        assert_allclose(a, b, rtol=0, atol=1e-10)
    for a, b in zip(sparse.intercepts_, dense.intercepts_):
        assert_allclose(a, b, rtol=0, atol=1e-10)
    assert_allclose(
        sparse.predict_proba(X_sparse), dense.predict_proba(X), rtol=0, atol=1e-10
    )


@short_training
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_regressor_sparse_input_equals_dense(wavy, fmt):
    X, y = wavy
    X = np.where(np.abs(X) > 0.5, X, 0.0)  # about 38% zeros
    X_sparse = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    params = dict(hidden_layer_sizes=(7,), activation="tanh", solver="lbfgs")
    dense = ActivationMLPRegressor(random_state=0, max_iter=30, **params).fit(X, y)
    sparse = ActivationMLPRegressor(random_state=0, max_iter=30, **params)
    sparse.fit(X_sparse, y)
    # Sparse and dense products sum in another order: rounding (1e-16),
    # which L-BFGS iterations amplify (measured: 6e-14 after 30, but 2e-8
    # after 100 on this non-convex, unconverged problem): 1e-10 after 30.
    assert sparse.n_iter_ == dense.n_iter_
    assert_same_model(sparse, dense, weights_only=True, rtol=0, atol=1e-10)
    assert_allclose(sparse.predict(X_sparse), dense.predict(X), rtol=0, atol=1e-10)
    # One model, sparse or dense input at predict time: a few ulps.
    assert_allclose(dense.predict(X_sparse), dense.predict(X), rtol=1e-12, atol=1e-13)


@short_training
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_sparse_fit_stochastic_matches_dense(sparse_data, solver):
    X, y = sparse_data
    params = dict(
        hidden_layer_sizes=(7,),
        solver=solver,
        batch_size=16,
        max_iter=5,
        random_state=0,
    )
    dense = ActivationMLPClassifier(**params).fit(X, y)
    sparse = ActivationMLPClassifier(**params).fit(sp.csr_matrix(X), y)
    for a, b in zip(sparse.coefs_, dense.coefs_):
        assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=1e-10)


# ---------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------
@short_training
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("solver", SOLVERS)
def test_dtype_is_preserved(iris_scaled, solver, dtype):
    X, y = iris_scaled
    X = X.astype(dtype)
    est = ActivationMLPClassifier(
        (6,), activation="gelu", solver=solver, max_iter=20, random_state=0
    ).fit(X, y)
    assert all(c.dtype == dtype for c in est.coefs_)
    assert all(b.dtype == dtype for b in est.intercepts_)
    proba = est.predict_proba(X)
    assert proba.dtype == dtype
    assert_valid_proba(proba, len(y), 3)
    assert est.predict_log_proba(X).dtype == dtype
    assert np.all(np.isfinite(est.loss_curve_))


@short_training
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_regressor_float32_is_kept(wavy, solver, loss):
    X, y = wavy
    X32 = X.astype(np.float32)
    y = np.exp(y / 2) if loss == "poisson" else y
    reg = ActivationMLPRegressor(
        loss, (6,), "gelu", solver=solver, max_iter=20, random_state=0
    ).fit(X32, y)
    assert all(w.dtype == np.float32 for w in reg.coefs_ + reg.intercepts_)
    prediction = reg.predict(X32)
    assert prediction.dtype == np.float32
    assert np.isfinite(prediction).all() and np.isfinite(reg.loss_curve_).all()
    # float64 input to a float32 model still predicts in float32.
    assert reg.predict(X).dtype == np.float32
    # Same initial weights, same data to float32 rounding: the float64 fit
    # ends close (20 steps grow relative differences of ~1e-7 to ~1e-5).
    reg64 = clone(reg).fit(X, y)
    assert_allclose(prediction, reg64.predict(X), rtol=1e-3, atol=1e-3)


@short_training
@pytest.mark.parametrize("solver", SOLVERS)
def test_float32_sparse_is_preserved(sparse_data, solver):
    X, y = sparse_data
    X32 = sp.csr_matrix(X.astype(np.float32))
    est = ActivationMLPClassifier((5,), solver=solver, max_iter=10, random_state=0)
    est.fit(X32, y)
    assert all(c.dtype == np.float32 for c in est.coefs_)
    assert est.predict_proba(X32).dtype == np.float32


# ---------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "labels",
    [
        np.array(["setosa", "versicolor", "virginica"]),
        np.array(["virginica", "setosa", "versicolor"]),  # not in sorted order
        np.array([3, 7, 10]),  # non-contiguous integers
        np.array([10, -3, 7]),  # ... not in sorted order
    ],
    ids=["str", "str-unsorted", "int", "int-unsorted"],
)
def test_labels_round_trip(iris_scaled, labels):
    X, y_idx = iris_scaled
    y = labels[y_idx]
    params = dict(
        hidden_layer_sizes=(6,),
        activation="relu",
        solver="lbfgs",
        max_iter=300,
        random_state=0,
    )
    est = ActivationMLPClassifier(**params).fit(X, y)
    assert_array_equal(est.classes_, np.sort(labels))
    pred = est.predict(X)
    assert pred.shape == y.shape
    assert pred.dtype == y.dtype
    assert set(pred) <= set(labels)
    assert np.mean(pred == y) > 0.9
    # predict_proba's columns follow classes_.
    proba = est.predict_proba(X)
    assert_array_equal(est.classes_[np.argmax(proba, axis=1)], pred)
    if np.array_equal(labels, np.sort(labels)):
        # Labels in the same order as 0, 1, 2 encode to the same targets, so
        # the fit is exactly the one on the plain labels.
        plain = ActivationMLPClassifier(**params).fit(X, y_idx)
        assert_array_equal(proba, plain.predict_proba(X))
        assert_array_equal(pred, labels[plain.predict(X)])


def test_binary_string_labels_two_softmax_columns(moons_raw):
    X, y = moons_raw
    y = np.where(y == 1, "yes", "no")
    est = ActivationMLPClassifier(
        (6,), activation="tanh", solver="lbfgs", max_iter=300, random_state=0
    ).fit(X, y)
    assert_array_equal(est.classes_, ["no", "yes"])
    assert est.out_activation_ == "softmax"
    assert est.n_outputs_ == 2
    assert_valid_proba(est.predict_proba(X), len(y), 2)
    assert np.mean(est.predict(X) == y) > 0.9


# ---------------------------------------------------------------------------
# Multilabel
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("solver", SOLVERS)
@short_training
def test_multilabel(solver):
    X, Y = make_multilabel_classification(
        n_samples=100, n_features=8, n_classes=4, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    est = ActivationMLPClassifier(
        (10,), activation="silu", solver=solver, max_iter=200, random_state=0
    ).fit(X, Y)
    assert est.out_activation_ == "logistic"
    assert est.n_outputs_ == 4
    assert_array_equal(est.classes_, np.arange(4))

    pred = est.predict(X)
    assert pred.shape == Y.shape
    assert set(np.unique(pred)) <= {0, 1}
    proba = est.predict_proba(X)
    assert_valid_proba(proba, *Y.shape, rows_sum_to_one=False)
    # Independent sigmoids: rows need not sum to 1 (they do not, here).
    assert not np.allclose(proba.sum(axis=1), 1.0)
    assert_array_equal(pred, (proba > 0.5).astype(int))
    # Better than predicting each label's majority value.
    baseline = np.maximum(Y.mean(axis=0), 1 - Y.mean(axis=0)).mean()
    assert np.mean(pred == Y) > baseline
