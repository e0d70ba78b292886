"""Fixtures and helpers shared by the test modules.

Fixtures (pytest finds them here; request them by name):

``iris_raw``
    Iris as :func:`sklearn.datasets.load_iris` gives it: ``X`` float64 of
    shape (150, 4), ``y`` int64 labels 0, 1, 2, sorted by class.
``iris_scaled``
    The same with ``X`` standardised by ``StandardScaler`` (each feature
    mean 0, standard deviation 1); ``y`` as in ``iris_raw``.

Both are built once per session and shared by every test that asks for
them, so their arrays are read-only: a test that wants to change one works
on a copy (``X.copy()``, ``X * scale``, ``X[order]``, ...), and an accidental
in-place write raises instead of corrupting the data for later tests.

Helpers (plain functions: ``from conftest import fitted_state``):

:func:`fitted_state`
    A fingerprint of everything ``fit`` set on an estimator.
:func:`assert_valid_proba`
    Checks that an array is a set of class probabilities.
:func:`zero_weights_message`
    The error message for sample weights that are all 0.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import _check_sample_weight


def _read_only(*arrays):
    for array in arrays:
        array.flags.writeable = False
    return arrays


@pytest.fixture(scope="session")
def iris_raw():
    """Iris as loaded: X float64 (150, 4), y int64, sorted by class."""
    X, y = load_iris(return_X_y=True)
    return _read_only(X, y)


@pytest.fixture(scope="session")
def iris_scaled():
    """Iris with X standardised (StandardScaler); y as loaded."""
    X, y = load_iris(return_X_y=True)
    return _read_only(StandardScaler().fit_transform(X), y)


def fitted_state(clf):
    """A fingerprint of everything fit sets (not the parameters).

    The hash of every instance attribute that is not a constructor parameter,
    names and values: weights, optimizer state (moments included), history,
    counters. Two calls give the same value exactly when nothing that fit
    sets has changed in between.
    """
    params = clf.get_params(deep=False)
    return joblib.hash({k: v for k, v in vars(clf).items() if k not in params})


def assert_valid_proba(proba, n_samples, n_classes, *, rows_sum_to_one=True):
    """``proba`` has shape (n_samples, n_classes), finite entries in [0, 1]
    and, unless ``rows_sum_to_one=False`` (a multilabel model: independent
    per-label probabilities), rows that sum to 1 up to rounding.

    The tolerance is what floating-point rounding allows, in ``proba``'s own
    dtype (eps of float32 for a float32 model). A softmax ``e_j / sum(e)``
    rounds each quotient once (half an ulp) and the sum of the ``e_j`` at most
    ``n_classes - 1`` times: whatever the error of each exponential, the row
    then sums to 1 within ``n_classes`` half-ulps, and adding the row up here
    adds at most ``n_classes - 1`` more, ``(n_classes - 1/2) * eps`` in all.
    Twice ``n_classes * eps`` leaves room for averages of a few such models
    (soft voting, bagging, calibration folds): averaging ``m`` of them adds
    about ``m / 2 * eps``.
    """
    proba = np.asarray(proba)
    assert proba.shape == (n_samples, n_classes)
    assert np.isfinite(proba).all()
    assert ((proba >= 0) & (proba <= 1)).all()
    if rows_sum_to_one:
        eps = np.finfo(proba.dtype).eps
        assert_allclose(proba.sum(axis=1), 1, rtol=2 * n_classes * eps, atol=0)


#: Set-ups that diverge for sure (tests/test_divergence.py says why), per
#: solver: (parameters, factor the features are multiplied by). SGD at 1e6
#: on an identity network and inputs scaled by 1000 (each step multiplies the
#: weights by about lr * |X|^2), Adam at 1e200 (its first step moves every
#: weight by about the learning rate), L-BFGS on inputs of 1e200 (the
#: gradient overflows at the starting point).
DIVERGING = {
    # solver: (parameters, scale of the iris features)
    "sgd": (
        dict(
            activation="identity",
            learning_rate_init=1e6,
            n_iter_no_change=np.inf,
            max_iter=100,
        ),
        1e3,
    ),
    "adam": (dict(learning_rate_init=1e200, max_iter=20), 1.0),
    "lbfgs": (dict(max_iter=20), 1e200),
}


def prediction_outcome(est, X):
    """What predicting ``X`` does: warnings raised, or the error, with the
    estimator's class name neutralised so two estimators can be compared."""
    name = type(est).__name__
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.predict(X)
            error = None
        except Exception as e:  # recorded and compared, not swallowed
            error = (type(e), str(e).replace(name, "<estimator>"))
    warned = [(w.category, str(w.message).replace(name, "<estimator>")) for w in caught]
    return error, warned


def _sklearn_refuses_zero_weights():
    try:
        _check_sample_weight(np.zeros(2), np.ones((2, 1)))
    except ValueError:
        return True
    return False


_SKLEARN_REFUSES_ZERO_WEIGHTS = _sklearn_refuses_zero_weights()


def zero_weights_message(what="sample_weight"):
    """The start of the error for ``what`` (sample weights) all 0.

    scikit-learn >= 1.8 refuses such weights itself (its message prefixed
    with ``what`` for the validation data's weights); before, skact's own
    check does.
    """
    if not _SKLEARN_REFUSES_ZERO_WEIGHTS:
        return f"{what} sums to 0"
    message = "Sample weights must contain at least one non-zero number"
    return message if what == "sample_weight" else f"{what}: {message}"
