"""Numeric helpers shared by the engine, the losses and the optimizers.

BLAS shortcuts, row reductions that beat NumPy's on short rows, batch slices
and the cast that refuses to overflow: arrays in, arrays out. Nothing here
knows about activations, estimators or scikit-learn.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.sparse as sp
from scipy.linalg import blas


def dot(X, W, out):
    """``out[...] = X @ W`` for dense or sparse ``X``."""
    if sp.issparse(X):
        out[...] = X @ W
    else:
        np.dot(X, W, out=out)
    return out


def axpy(x, y, a):
    """``y += a * x`` in place, without a temporary (BLAS axpy); 1-d arrays."""
    if y.dtype == np.float64:
        blas.daxpy(x, y, a=a)
    elif y.dtype == np.float32:
        blas.saxpy(x, y, a=a)
    else:  # pragma: no cover - the engine runs in float32 or float64
        y += a * x


def row_max(z, out=None):
    """Row maxima of ``z``, shape (n_rows, 1), written into ``out`` if given.

    NumPy's reduction along short rows runs one inner loop per row; for
    the few classes of a typical classifier a loop over columns is ~20 times
    faster.
    """
    if z.ndim != 2 or z.shape[1] > 16:
        return np.max(z, axis=-1, keepdims=True, out=out)
    return _by_columns(np.maximum, z, out)


def row_sum(z, out=None, ones=None):
    """Row sums of ``z``, shape (n_rows, 1), written into ``out`` if given.

    A few columns are added one by one; more make a matrix-vector product
    with ``ones`` (shape (n_columns, 1)), which BLAS does much faster than
    NumPy's reduction along short rows.
    """
    if z.ndim != 2:
        return z.sum(axis=-1, keepdims=True, out=out)
    if z.shape[1] <= 4:
        return _by_columns(np.add, z, out)
    if ones is None:
        ones = np.ones((z.shape[1], 1), dtype=z.dtype)
    return np.dot(z, ones, out=out)


def _by_columns(ufunc, z, out):
    """``ufunc.reduce`` along the rows of 2-d ``z`` as a loop over columns,
    on 1-d column views (long inner loops), into ``out`` of shape (n, 1)."""
    if out is None:
        out = np.empty((z.shape[0], 1), dtype=z.dtype)
    column = out[:, 0]
    if z.shape[1] == 1:
        np.copyto(column, z[:, 0])
        return out
    ufunc(z[:, 0], z[:, 1], out=column)
    for j in range(2, z.shape[1]):
        ufunc(column, z[:, j], out=column)
    return out


def batches(n, batch_size):
    """Slices of ``batch_size`` consecutive rows covering ``range(n)``.

    ``sklearn.utils.gen_batches`` without its per-call parameter validation,
    which costs more than a small network's whole batch.
    """
    return [slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]


def as_dtype(X, dtype):
    """``X`` in ``dtype``, refusing values that a cast to float32 would turn
    into infinity (a float32 model given float64 data)."""
    if X.dtype == dtype:
        return X
    data = X.data if sp.issparse(X) else X
    limit = np.finfo(dtype).max
    if data.size and (data.max() > limit or data.min() < -limit):
        raise ValueError(
            f"Input X contains a value too large for {np.dtype(dtype).name} "
            f"(beyond {limit:.3g}): this model was fitted in "
            f"{np.dtype(dtype).name}. Scale the data, or refit on float64 data."
        )
    return X.astype(dtype, copy=False)
