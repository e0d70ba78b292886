"""Training state shared by both estimators: warm start and partial_fit,
and weights edited by hand (one test per estimator: the edits differ).

Each test runs for the classifier (on iris) and the regressor (on ``wavy``
or its 3-output form); what only one of them does is tested in
tests/test_classifier.py or tests/test_regressor.py.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning

from skact import ActivationMLPClassifier, ActivationMLPRegressor

from _helpers import assert_same_model, over_both_estimators


@over_both_estimators("iris_raw", "wavy")
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_warm_start_keeps_optimizer_state(Estimator, dataset, solver):
    # With no shuffling and no early stop, 10 epochs in one call and 5 + 5
    # with warm_start agree: the second call continues Adam's moments (SGD's
    # velocity) instead of restarting them. Same arithmetic in the same
    # order, so equal to rounding.
    X, y = dataset
    params = dict(
        hidden_layer_sizes=(8,),
        solver=solver,
        shuffle=False,
        tol=0,
        n_iter_no_change=1000,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        once = Estimator(max_iter=10, **params).fit(X, y)
    twice = Estimator(max_iter=5, warm_start=True, **params)
    for _ in range(2):
        with pytest.warns(ConvergenceWarning):
            twice.fit(X, y)
    assert_same_model(once, twice, weights_only=True, rtol=1e-12, atol=1e-15)
    assert twice.loss_curve_ == pytest.approx(once.loss_curve_, rel=1e-12)
    assert twice.n_iter_ == 5 and twice.t_ == once.t_ == 10 * len(X)


@over_both_estimators("iris_raw", "wavy3")
def test_partial_fit_epochs_equal_fit_epochs(Estimator, dataset):
    X, y = dataset
    # The classifier learns its classes from the first call.
    first_call = {"classes": np.unique(y)} if is_classifier(Estimator()) else {}
    params = dict(hidden_layer_sizes=(8,), shuffle=False, tol=0, random_state=0)
    with pytest.warns(ConvergenceWarning):
        full = Estimator(max_iter=4, **params).fit(X, y)
    inc = Estimator(**params)
    for _ in range(4):
        inc.partial_fit(X, y, **first_call)
    assert_same_model(full, inc, weights_only=True, rtol=1e-12, atol=1e-15)
    assert inc.n_iter_ == 1 and inc.t_ == 4 * len(X)
    assert inc.loss_curve_ == pytest.approx(full.loss_curve_, rel=1e-12)


@over_both_estimators("iris_raw", "wavy")
def test_partial_fit_is_not_offered_for_lbfgs(Estimator, dataset):
    est = Estimator(solver="lbfgs")
    assert not hasattr(est, "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit") as excinfo:
        _ = est.partial_fit
    assert "stochastic solvers" in str(excinfo.value.__cause__)
    assert hasattr(Estimator(solver="sgd"), "partial_fit")


# -- weights edited by hand ----------------------------------------------------
# What the edit does to predictions differs (a class, a value): one test each.


# Convergence is not the point here.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_editing_classifier_coefs_in_place_changes_predictions_and_training(iris_raw):
    X, y = iris_raw
    clf = ActivationMLPClassifier((5,), random_state=0, max_iter=300).fit(X, y)
    before = clf.predict_proba(X)
    clf.coefs_[-1][:] = 0
    clf.intercepts_[-1][:] = [5, 0, 0]
    assert_array_equal(clf.predict(X), 0)
    assert not np.allclose(clf.predict_proba(X), before)
    # partial_fit continues from the edited weights, not from stale copies.
    clf.partial_fit(X, y)
    assert clf.coefs_[-1].any()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_editing_regressor_coefs_in_place_changes_predictions_and_training(wavy):
    X, y = wavy
    reg = ActivationMLPRegressor(
        hidden_layer_sizes=(5,), max_iter=30, random_state=0
    ).fit(X, y)
    reg.coefs_[-1][:] = 0
    reg.intercepts_[-1][:] = 3.0
    assert_array_equal(reg.predict(X), 3.0)
    # Assigning new lists of the same shapes works too.
    reg.coefs_ = [np.zeros_like(c) for c in reg.coefs_]
    reg.intercepts_ = [np.full_like(b, -1.0) for b in reg.intercepts_]
    assert_array_equal(reg.predict(X), -1.0)
    # partial_fit continues from the edited weights, not from stale copies:
    # one epoch is one Adam step (200 rows, batches of 200), which moves a
    # weight by at most lr (1 - beta_1) / sqrt(1 - beta_2) = 0.0032 (Kingma
    # & Ba, section 2.1), so from 0 the weights stay below 0.01, far below
    # the trained ones (of order 0.1 to 1).
    reg.partial_fit(X, y)
    assert reg.coefs_[-1].any()
    for coef in reg.coefs_:
        assert np.abs(coef).max() < 0.01
    reg.coefs_ = reg.coefs_[:1]
    with pytest.raises(ValueError, match="coefs_ and intercepts_ do not fit"):
        reg.partial_fit(X, y)
