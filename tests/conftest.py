"""Fixtures shared by the test modules.

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

Helpers that tests import (plain functions and tables) live in
``_helpers.py``, not here.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import pytest
from sklearn.datasets import load_iris
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
