"""Property-based tests: for any data of any supported kind, fit and predict
either work or raise a clear ValueError.

Hypothesis draws the shape, the dtype (int, bool, float32, float64), dense or
sparse storage, the number of classes (one class included, which must be
refused), the label type, the hidden layers, activations and solver. Whatever
it draws, a fitted model's probabilities are finite, in [0, 1], and sum to 1,
its predictions are among ``classes_``, and nothing warns except the
ConvergenceWarning that a few epochs on purpose give.

The ``skact`` settings profile keeps the run short and reproducible (fixed
derandomised examples, no example database on disk); set the environment
variable ``SKACT_HYPOTHESIS_PROFILE=thorough`` for a long random search.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import os

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal

from skact import ActivationMLPClassifier
from skact.activations import ACTIVATIONS

from _helpers import assert_valid_proba

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

settings.register_profile(
    "skact",
    max_examples=20,
    deadline=None,  # fit times vary on shared CI machines
    derandomize=True,  # the same examples on every run: reproducible CI
    database=None,  # derandomised runs have nothing to replay; write nothing
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=1000, deadline=None, database=None)
PROFILE = settings.get_profile(os.environ.get("SKACT_HYPOTHESIS_PROFILE", "skact"))

ACTIVATION_NAMES = sorted({a.name for a in ACTIVATIONS.values()})
SOLVERS = ["adam", "sgd", "lbfgs"]

# A few epochs on purpose: the properties hold for any weights.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _elements(dtype):
    if dtype == np.bool_:
        return st.booleans()
    if dtype == np.int64:
        return st.integers(-1000, 1000)
    # Magnitudes up to 1e4, tiny ones below 2**-20 (about 1e-6), and exact
    # zeros (sparse data has many). The bounds are exact in float32 too.
    width = 32 if dtype == np.float32 else 64
    tiny = 2.0**-20
    return st.one_of(
        st.just(0.0),
        st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False, width=width),
        st.floats(-tiny, tiny, allow_nan=False, width=width),
    )


@st.composite
def features(draw, n_samples):
    n_features = draw(st.integers(1, 5))
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64, np.bool_]))
    X = draw(hnp.arrays(dtype, (n_samples, n_features), elements=_elements(dtype)))
    if draw(st.booleans()):
        X = draw(st.sampled_from([sp.csr_matrix, sp.csc_matrix]))(X)
    return X


@st.composite
def labels(draw, n_samples):
    n_classes = draw(st.integers(1, 4))
    codes = draw(
        hnp.arrays(np.int64, n_samples, elements=st.integers(0, n_classes - 1))
    )
    kind = draw(
        st.sampled_from(["int", "negative", "str", "float", "fraction", "bool"])
    )
    if kind == "negative":
        return codes * -3
    if kind == "str":
        return np.array(["cat", "dog", "emu", "gnu"])[codes]
    if kind == "float":
        return codes * 2.0 - 1.0
    if kind == "fraction":
        # 0.0, 0.5, 1.0, 1.5: scikit-learn reads these as a continuous
        # target (a regression problem) unless all happen to be integral.
        return codes / 2
    if kind == "bool":
        return codes % 2 == 1
    return codes


def _expected_error(y):
    """The message fragment of the error fitting ``y`` must raise, or None."""
    if y.dtype.kind == "f" and not np.array_equal(y, np.round(y)):
        return "Unknown label type: continuous"
    if len(np.unique(y)) < 2:
        return "at least 2 classes"
    return None


@st.composite
def networks(draw):
    hidden = tuple(draw(st.lists(st.integers(1, 6), max_size=2)))
    if hidden and draw(st.booleans()):
        activation = tuple(draw(st.sampled_from(ACTIVATION_NAMES)) for _ in hidden)
    else:
        activation = draw(st.sampled_from(ACTIVATION_NAMES))
    return dict(
        hidden_layer_sizes=hidden,
        activation=activation,
        solver=draw(st.sampled_from(SOLVERS)),
        max_iter=draw(st.integers(1, 5)),
        random_state=draw(st.integers(0, 2**31 - 1)),
    )


@st.composite
def problems(draw):
    n_samples = draw(st.integers(1, 30))
    return draw(features(n_samples)), draw(labels(n_samples)), draw(networks())


@PROFILE
@given(problems())
def test_fit_predict_works_or_refuses_clearly(problem):
    X, y, params = problem
    clf = ActivationMLPClassifier(**params)
    classes = np.unique(y)
    error = _expected_error(y)
    if error:
        with pytest.raises(ValueError, match=error):
            clf.fit(X, y)
        assert not hasattr(clf, "coefs_")
        return
    clf.fit(X, y)
    assert_array_equal(clf.classes_, classes)
    proba = clf.predict_proba(X)
    assert_valid_proba(proba, X.shape[0], len(classes))
    # float32 data trains and predicts in float32; everything else in float64.
    expected_dtype = np.float32 if X.dtype == np.float32 else np.float64
    assert proba.dtype == expected_dtype
    assert np.isfinite(clf.predict_log_proba(X)).all()
    predicted = clf.predict(X)
    assert predicted.shape == (X.shape[0],)
    assert np.isin(predicted, classes).all()


@PROFILE
@given(problems(), st.data())
def test_partial_fit_works_or_refuses_clearly(problem, data):
    X, y, params = problem
    params["solver"] = data.draw(st.sampled_from(["adam", "sgd"]))
    clf = ActivationMLPClassifier(**params)
    classes = np.unique(y)
    error = _expected_error(y)
    if error:
        with pytest.raises(ValueError, match=error):
            clf.partial_fit(X, y, classes=classes)
        assert not hasattr(clf, "coefs_")
        return
    clf.partial_fit(X, y, classes=classes)
    clf.partial_fit(X[::-1], y[::-1])
    assert_valid_proba(clf.predict_proba(X), X.shape[0], len(classes))
    assert np.isin(clf.predict(X), classes).all()


@PROFILE
@given(problems(), st.data())
def test_multilabel_targets_give_per_label_probabilities(problem, data):
    X, _, params = problem
    n_labels = data.draw(st.integers(1, 3))
    Y = data.draw(
        hnp.arrays(np.int64, (X.shape[0], n_labels), elements=st.integers(0, 1))
    )
    if n_labels == 1:
        # One column of 0/1 is a binary target, not a multilabel one.
        Y = np.c_[Y, 1 - Y]
        n_labels = 2
    clf = ActivationMLPClassifier(**params).fit(X, Y)
    proba = clf.predict_proba(X)
    assert_valid_proba(proba, X.shape[0], n_labels, rows_sum_to_one=False)
    assert np.isin(clf.predict(X), [0, 1]).all()


@PROFILE
@given(problems(), st.data())
def test_any_nan_or_infinity_is_refused(problem, data):
    X, y, params = problem
    X = X.toarray() if sp.issparse(X) else X
    X = X.astype(np.float64)
    row = data.draw(st.integers(0, X.shape[0] - 1))
    col = data.draw(st.integers(0, X.shape[1] - 1))
    X[row, col] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    clf = ActivationMLPClassifier(**params)
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        clf.fit(X, y)
    assert not hasattr(clf, "coefs_")
