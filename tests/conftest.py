"""Fixtures shared by the test modules.

Fixtures (pytest finds them here; request them by name):

``iris_raw``
    Iris as :func:`sklearn.datasets.load_iris` gives it: ``X`` float64 of
    shape (150, 4), ``y`` int64 labels 0, 1, 2, sorted by class.
``iris_scaled``
    The same with ``X`` standardised by ``StandardScaler`` (each feature
    mean 0, standard deviation 1); ``y`` as in ``iris_raw``.
``moons_raw``
    :func:`sklearn.datasets.make_moons`, 200 rows, noise 0.15: ``X`` float64
    (200, 2), ``y`` int64 labels 0, 1.
``moons_scaled``
    The same with ``X`` standardised.
``moons_small``
    ``make_moons``, 120 rows, noise 0.2 (a quick binary problem).
``wavy``
    200 standard-normal rows of 4 features and a smooth non-linear target of
    unit scale: ``X`` float64 (200, 4), ``y`` float64 (200,).
``wavy3``
    The same rows with a 3-column target (three different functions).
``diabetes_raw``
    :func:`sklearn.datasets.load_diabetes` as loaded: ``X`` (442, 10),
    ``y`` the disease progression (25 to 346).
``diabetes_scaled``
    The same with ``X`` standardised; ``y`` as loaded.

``dataset``
    The data set fixture that a test parametrised with
    :func:`_helpers.over_both_estimators` names for its estimator.

Each data set is built once per session and shared by every test that asks for
them, so their arrays are read-only: a test that wants to change one works
on a copy (``X.copy()``, ``X * scale``, ``X[order]``, ...), and an accidental
in-place write raises instead of corrupting the data for later tests.

Helpers that tests import (plain functions and tables) live in
``_helpers.py``, not here.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris, make_moons
from sklearn.preprocessing import StandardScaler


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


@pytest.fixture(scope="session")
def moons_raw():
    """make_moons: 200 rows, noise 0.15; X float64 (200, 2), y int64."""
    X, y = make_moons(n_samples=200, noise=0.15, random_state=0)
    return _read_only(X, y)


@pytest.fixture(scope="session")
def moons_scaled():
    """moons_raw with X standardised (StandardScaler)."""
    X, y = make_moons(n_samples=200, noise=0.15, random_state=0)
    return _read_only(StandardScaler().fit_transform(X), y)


@pytest.fixture(scope="session")
def moons_small():
    """make_moons: 120 rows, noise 0.2; X float64 (120, 2), y int64."""
    X, y = make_moons(120, noise=0.2, random_state=0)
    return _read_only(X, y)


@pytest.fixture(scope="session")
def wavy():
    """200 standard-normal rows of 4 features and a smooth non-linear target
    of unit scale (std about 1.3), with noise of std 0.1."""
    rng = np.random.RandomState(0)
    X = rng.randn(200, 4)
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2 - X[:, 2] + 0.1 * rng.randn(200)
    return _read_only(X, y)


@pytest.fixture(scope="session")
def wavy3(wavy):
    """The same rows with a 3-column target: three different functions."""
    X, y = wavy
    Y = np.c_[y, np.tanh(X[:, 3] * X[:, 0]), X[:, 1] - 2 * X[:, 3]]
    return _read_only(X, Y)


@pytest.fixture(scope="session")
def diabetes_raw():
    """Diabetes as loaded: X float64 (442, 10), y float64."""
    X, y = load_diabetes(return_X_y=True)
    return _read_only(X, y)


@pytest.fixture(scope="session")
def diabetes_scaled():
    """Diabetes with X standardised (StandardScaler); y as loaded."""
    X, y = load_diabetes(return_X_y=True)
    return _read_only(StandardScaler().fit_transform(X), y)


@pytest.fixture
def dataset(request):
    """The data set fixture named by the test's ``dataset`` parameter (see
    ``_helpers.over_both_estimators``): each estimator gets its own data."""
    return request.getfixturevalue(request.param)
