"""Numeric helpers shared by the engine, the losses and the optimizers.

BLAS shortcuts, row reductions that beat NumPy's on short rows, batch slices,
the cast that refuses to overflow, and the adapter that gives a user's
activation the engine's ``out=`` calling convention. Nothing here knows about
estimators or scikit-learn.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import math

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


def _result(out, like):
    """The array to write into: ``out`` if given, else a new one like ``like``."""
    return np.empty_like(like) if out is None else out


class OutAdapter:
    """A user's activation in the engine's calling convention.

    The engine calls ``forward(z, out=...)`` and ``derivative(z, a, out=...)``
    and reads the optional properties of the protocol (see
    :mod:`skact.activations`); this wrapper supplies ``out=`` and the
    defaults, and checks the shapes the user's methods return.
    """

    forward_and_derivative = None  # the built-ins' hook only

    def __init__(self, activation, name):
        self.activation = activation
        self.name = name
        self.needs_z = getattr(activation, "needs_z", True)
        self.init = getattr(activation, "init", None)
        self.non_negative_derivative = bool(
            getattr(activation, "non_negative_derivative", False)
        )
        self.binary_derivative = bool(getattr(activation, "binary_derivative", False))
        self._max_derivative = getattr(activation, "max_derivative", None)

    @property
    def max_derivative(self):
        if self._max_derivative is None:
            # The largest slope on a grid of [-10, 10], for an activation not
            # saying: only the diagnostics' "saturated" threshold reads it.
            z = np.linspace(-10.0, 10.0, 2001)
            slopes = self.derivative(z, self.forward(z))
            self._max_derivative = float(np.max(np.abs(slopes)))
        return self._max_derivative

    def __eq__(self, other):
        return type(other) is OutAdapter and self.activation == other.activation

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return repr(self.activation)

    def init_bound(self, fan_in, fan_out):
        bound = getattr(self.activation, "init_bound", None)
        if bound is None:  # Glorot's, as Activation's default
            return math.sqrt(6.0 / (fan_in + fan_out))
        return float(bound(fan_in, fan_out))

    def _store(self, method, result, inputs, out):
        # An array of the input's shape, or a scalar (a derivative may well be
        # a constant), of real numbers, finite wherever the inputs are;
        # stored in the input's dtype. A user's mistake is reported as such,
        # not later as a diverging fit.
        like = inputs[-1]
        result = np.asarray(result)
        if result.shape not in (like.shape, ()):
            raise ValueError(
                f"Activation {self.name!r}: {method} returned an array of shape "
                f"{result.shape} for an input of shape {like.shape}."
            )
        if result.dtype.kind not in "biuf":
            raise TypeError(
                f"Activation {self.name!r}: {method} returned {result.dtype} "
                "values; it must return real numbers (float)."
            )
        # Checked before writing: ``out`` may be the input itself.
        if not np.isfinite(result).all() and all(
            x is None or np.isfinite(x).all() for x in inputs
        ):
            raise ValueError(
                f"Activation {self.name!r}: {method} returned NaN or infinite "
                "values for finite inputs. Check its formula (e.g. guard exp "
                "and divisions against large or zero arguments)."
            )
        out = _result(out, like)
        out[...] = result
        return out

    def forward(self, z, out=None):
        return self._store("forward", self.activation.forward(z), (z,), out)

    def derivative(self, z, a, out=None):
        result = self.activation.derivative(z, a)
        return self._store("derivative", result, (z, a), out)
