"""Helpers the test modules import (``from _helpers import fitted_state``).

Fixtures live in ``conftest.py``; this module holds plain functions and
tables, one of each:

:func:`over_both_estimators`
    Parametrises a test over the classifier and the regressor, each with
    its data set.
:data:`ACTIVATION_REFERENCES`
    An independent reference ``(f, f')`` for every built-in activation.
:func:`assert_same_model`
    Two fitted models hold the same weights (and the same training record).
:func:`fitted_state`
    A fingerprint of everything ``fit`` set on an estimator.
:func:`assert_valid_proba`
    Checks that an array is a set of class probabilities.
:data:`DIVERGING`
    Set-ups that diverge for sure, per solver.
:func:`prediction_outcome`
    What predicting does: warnings raised, or the error.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import special
from sklearn.utils.validation import _check_sample_weight

from skact import ActivationMLPClassifier, ActivationMLPRegressor

# -- both estimators -------------------------------------------------------------


def over_both_estimators(classifier_data, regressor_data):
    """Parametrise a test over both estimators, for behaviour they share.

    The test takes ``Estimator`` (the class) and ``dataset`` (the ``(X, y)``
    of the conftest fixture named here for that estimator)::

        @over_both_estimators("iris_raw", "wavy")
        def test_something(Estimator, dataset):
            X, y = dataset
    """
    return pytest.mark.parametrize(
        "Estimator, dataset",
        [
            pytest.param(ActivationMLPClassifier, classifier_data, id="classifier"),
            pytest.param(ActivationMLPRegressor, regressor_data, id="regressor"),
        ],
        indirect=["dataset"],
    )


# -- independent activation references -----------------------------------------
# Written from the textbook definitions (NumPy, ``math`` and
# ``scipy.special.erf``; never the expressions skact itself uses). Each entry:
# (f(z), f'(z)) for float64 z of moderate size (|z| <= 8, so the plain exp()
# below can neither overflow nor lose the answer to underflow).

_C = math.sqrt(2.0 / math.pi)  # GELU-tanh constant
_K = 0.044715


def leaky_relu_reference(slope=0.01):
    """Reference (f, f') of LeakyReLU(slope)."""
    return (
        lambda z: np.where(z > 0, z, slope * z),
        lambda z: np.where(z > 0, 1.0, slope),
    )


def elu_reference(alpha=1.0):
    """Reference (f, f') of ELU(alpha)."""
    return (
        lambda z: np.where(z > 0, z, alpha * (np.exp(z) - 1.0)),
        lambda z: np.where(z > 0, 1.0, alpha * np.exp(z)),
    )


def softplus_reference(beta=1.0):
    """Reference (f, f') of Softplus(beta)."""
    return (
        lambda z: np.log1p(np.exp(beta * z)) / beta,
        lambda z: 1.0 / (1.0 + np.exp(-beta * z)),
    )


def _gelu_tanh(z):
    # 0.5 (1 + tanh u) == 1 / (1 + exp(-2u)): same function, different formula.
    u = _C * (z + _K * z**3)
    # Far below 0, exp(-2u) overflows to inf and the quotient to the right
    # limit, -0: a forward pass by hand on raw features gets there.
    with np.errstate(over="ignore"):
        return z / (1.0 + np.exp(-2.0 * u))


def _gelu_tanh_prime(z):
    u = _C * (z + _K * z**3)
    du = _C * (1.0 + 3.0 * _K * z**2)
    return 0.5 * (1.0 + np.tanh(u)) + 0.5 * z * du / np.cosh(u) ** 2


#: Every built-in activation by its registry name: (forward, derivative).
ACTIVATION_REFERENCES = {
    "identity": (lambda z: z.copy(), np.ones_like),
    "sigmoid": (
        lambda z: 1.0 / (1.0 + np.exp(-z)),
        lambda z: np.exp(-z) / (1.0 + np.exp(-z)) ** 2,
    ),
    "tanh": (lambda z: np.sinh(z) / np.cosh(z), lambda z: 1.0 / np.cosh(z) ** 2),
    "relu": (lambda z: np.where(z > 0, z, 0.0), lambda z: np.where(z > 0, 1.0, 0.0)),
    "leaky_relu": leaky_relu_reference(0.01),
    "elu": elu_reference(1.0),
    "gelu": (
        lambda z: 0.5 * z * (1.0 + special.erf(z / math.sqrt(2.0))),
        lambda z: (
            0.5 * (1.0 + special.erf(z / math.sqrt(2.0)))
            + z * np.exp(-0.5 * z**2) / math.sqrt(2.0 * math.pi)
        ),
    ),
    "gelu_tanh": (_gelu_tanh, _gelu_tanh_prime),
    "silu": (
        lambda z: z / (1.0 + np.exp(-z)),
        lambda z: (1.0 + np.exp(-z) + z * np.exp(-z)) / (1.0 + np.exp(-z)) ** 2,
    ),
    "softplus": softplus_reference(1.0),
}


# -- fitted models ---------------------------------------------------------------


def assert_same_model(a, b, *, weights_only=False, **tolerance):
    """Two fitted models are the same.

    Their weights (``coefs_`` and ``intercepts_``) have the same dtypes and
    values: bit for bit, or within ``tolerance`` (``rtol``, ``atol`` of
    :func:`numpy.testing.assert_allclose`) when one is given. Unless
    ``weights_only`` (a model of another library, or a refit of a stored one),
    the record of training is the same too: ``n_iter_``, ``loss_``,
    ``loss_curve_`` and every column of ``history_`` (NaN-aware: validation
    entries are NaN where there was no split).
    """
    assert len(a.coefs_) == len(b.coefs_)
    for u, v in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert u.dtype == v.dtype
        if tolerance:
            assert_allclose(u, v, **tolerance)
        else:
            assert_array_equal(u, v)
    if weights_only:
        return
    assert a.n_iter_ == b.n_iter_
    if tolerance:
        assert_allclose(a.loss_, b.loss_, **tolerance)
        assert_allclose(a.loss_curve_, b.loss_curve_, **tolerance)
    else:
        assert a.loss_ == b.loss_
        assert a.loss_curve_ == b.loss_curve_
    assert a.history_.keys() == b.history_.keys()
    for key in a.history_:
        if tolerance:
            assert_allclose(a.history_[key], b.history_[key], **tolerance)
        else:
            assert_array_equal(a.history_[key], b.history_[key])


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
