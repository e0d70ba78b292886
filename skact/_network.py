"""The network engine: parameter layout, forward and backward passes, loss.

Pure NumPy (and scipy.sparse for the first layer's input). Nothing here
validates its inputs: the estimator does that once, at the boundary.

All weights and intercepts live in one flat buffer, coefficients first, then
intercepts (scikit-learn's packing order). ``coefs`` and ``intercepts`` are
views into it, so an optimizer updates the whole network with a few
vectorized operations, L-BFGS needs no packing, and the L2 penalty is a
single dot product over the leading block.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.sparse as sp
from scipy import special
from scipy.linalg import blas

from .activations import (
    ELU,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softplus,
    Tanh,
    _max_derivative,
    _row_max,
    _row_sum,
    log_softmax,
    softmax,
)


def _dot(X, W, out):
    """``out[...] = X @ W`` for dense or sparse ``X``."""
    if sp.issparse(X):
        out[...] = X @ W
    else:
        np.dot(X, W, out=out)
    return out


def _axpy(x, y, a):
    """``y += a * x`` in place, without a temporary (BLAS axpy); 1-d arrays."""
    if y.dtype == np.float64:
        blas.daxpy(x, y, a=a)
    elif y.dtype == np.float32:
        blas.saxpy(x, y, a=a)
    else:  # pragma: no cover - the engine runs in float32 or float64
        y += a * x


class Network:
    """Shapes and maths of a fully connected network.

    Parameters
    ----------
    layer_units : list of int
        Units per layer: ``[n_features, *hidden_layer_sizes, n_outputs]``.
    activations : list of activation objects
        One per hidden layer, as returned by
        :func:`skact.activations._engine_activation`: ``forward`` and
        ``derivative`` accept ``out``, and ``needs_z`` and ``init_bound`` exist.
    output : {"softmax", "logistic"}
        Softmax over the outputs with categorical cross-entropy, or one sigmoid
        per output with binary cross-entropy (multilabel).
    """

    def __init__(self, layer_units, activations, output):
        if len(activations) != len(layer_units) - 2:
            raise ValueError("one activation per hidden layer is needed")
        self.layer_units = list(layer_units)
        self.activations = list(activations)
        # Activations that can hand over their derivative while computing
        # their output in training (cheaper than two separate passes).
        self._fused = [
            getattr(a, "_forward_and_derivative", None) for a in self.activations
        ]
        self.output = output
        shapes = list(zip(self.layer_units[:-1], self.layer_units[1:]))
        self.coef_shapes = shapes
        sizes = [a * b for a, b in shapes] + self.layer_units[1:]
        ends = np.cumsum([0, *sizes])
        self._slices = [slice(a, b) for a, b in zip(ends[:-1], ends[1:])]
        self.n_layers = len(shapes)
        #: Weights of the largest layer: a product's work per row.
        self.largest_layer = max(a * b for a, b in shapes)
        self.n_coefs = int(ends[self.n_layers])
        self.n_params = int(ends[-1])

    # -- parameter buffer -------------------------------------------------
    def views(self, flat):
        """Per-layer ``(coefs, intercepts)`` views into a flat buffer."""
        L = self.n_layers
        coefs = [
            flat[s].reshape(shape) for s, shape in zip(self._slices, self.coef_shapes)
        ]
        intercepts = [flat[s] for s in self._slices[L:]]
        return coefs, intercepts

    def pack(self, coefs, intercepts, dtype):
        """A new flat buffer holding copies of ``coefs`` and ``intercepts``."""
        flat = np.empty(self.n_params, dtype=dtype)
        for view, value in zip(sum(self.views(flat), []), [*coefs, *intercepts]):
            view[...] = value
        return flat

    def initialize(self, random_state, dtype):
        """Random parameters, each layer's scale chosen by its activation.

        Weights and intercepts of layer ``i`` are drawn from ``U(-b, b)`` with
        ``b = activation.init_bound(fan_in, fan_out)``; the output layer uses
        Glorot's bound.
        """
        flat = np.empty(self.n_params, dtype=dtype)
        coefs, intercepts = self.views(flat)
        bounders = [*self.activations, Identity()]
        for act, W, b in zip(bounders, coefs, intercepts):
            fan_in, fan_out = W.shape
            bound = act.init_bound(fan_in, fan_out)
            # Draw in float64 so float32 and float64 fits start from the
            # same weights, as scikit-learn does.
            W[...] = random_state.uniform(-bound, bound, W.shape)
            b[...] = random_state.uniform(-bound, bound, b.shape)
        return flat

    # -- forward ----------------------------------------------------------
    def forward(self, coefs, intercepts, X, ws):
        """Logits for ``X``; hidden values are kept in the workspace ``ws``."""
        buf = ws.first(X.shape[0])
        z = _dot(X, coefs[0], buf.z[0])  # only the input may be sparse
        z += intercepts[0]
        for i in range(1, self.n_layers):
            fused = self._fused[i - 1] if ws.training else None
            if fused is None:
                a = self.activations[i - 1].forward(z, out=buf.a[i - 1])
            else:
                a = fused(z, buf.a[i - 1], buf.deriv[i - 1])
            z = np.dot(a, coefs[i], out=buf.z[i])
            z += intercepts[i]
        return z

    def output_proba(self, logits, out=None):
        """Probabilities from logits (softmax or elementwise sigmoid)."""
        if self.output == "softmax":
            return softmax(logits, out=out)
        return special.expit(logits, out=out)

    def output_log_proba(self, logits, out=None):
        if self.output == "softmax":
            return log_softmax(logits, out=out)
        return special.log_expit(logits, out=out)

    def sample_losses(self, logits, y):
        """Cross-entropy of each sample (no penalty); ``logits`` is unchanged."""
        if self.output == "softmax":
            return -log_softmax(logits)[np.arange(len(y)), y]
        # log(1 + e^z) - y z is the binary cross-entropy of sigmoid(z), finite
        # for any z.
        return (np.logaddexp(0, logits) - y * logits).sum(axis=1)

    # -- loss and gradient ------------------------------------------------
    def loss_grad(self, params, X, y, sample_weight, alpha, grad, ws, stats=None):
        """Objective and its gradient at ``params`` on one batch.

        The objective is scikit-learn's: the (sample-weighted) mean
        cross-entropy plus ``alpha / 2 * ||W||^2`` divided by the batch's total
        weight.

        Parameters
        ----------
        params, grad : ndarray of shape (n_params,)
            Flat parameters; ``grad`` is overwritten with the gradient.
        X : ndarray or sparse matrix of shape (n_samples, n_features)
        y : ndarray
            Class indices of shape (n_samples,) for softmax, a 0/1 matrix of
            shape (n_samples, n_outputs) for the logistic output.
        sample_weight : ndarray of shape (n_samples,) or None
        alpha : float
        ws : Workspace
            Buffers of at least ``n_samples`` rows.
        stats : LayerStatistics, default=None
            If given, the hidden layers' derivatives and the weight gradients'
            norms are added to it.

        Returns
        -------
        loss : float
        """
        n = X.shape[0]
        buf = ws.first(n)
        coefs, intercepts = ws.views(self, params)
        coef_grads, intercept_grads = ws.views(self, grad)
        logits = self.forward(coefs, intercepts, X, ws)
        total_weight = n if sample_weight is None else sample_weight.sum()

        # Output delta d(loss)/d(logits) written over the logits, for both
        # canonical pairs: (p - y) for softmax + cross-entropy and for
        # sigmoid + binary cross-entropy. It is divided by the total weight
        # here, on n x n_outputs values, so that every gradient computed
        # from it comes out as a mean: no pass over the whole gradient.
        if self.output == "softmax":
            # log p_y = (z_y - max z) - log sum exp(z - max z): the loss comes
            # from the shifted logits and the softmax's normaliser, both
            # needed for the delta anyway.
            # Each sample's true class as an index into the flattened logits
            # (a contiguous view): ~3 times cheaper than [rows, y] indexing.
            true_class = np.add(buf.offsets, y, out=buf.true_class)
            logits -= _row_max(logits, out=buf.row2)
            picked = logits.reshape(-1)[true_class]
            exp = np.exp(logits, out=logits)
            norm = _row_sum(exp, out=buf.row, ones=ws.ones_out)
            per_sample = np.log(norm, out=buf.row2).reshape(-1)
            per_sample -= picked
            norm *= total_weight
            exp /= norm
            delta = exp
            delta.reshape(-1)[true_class] -= 1.0 / total_weight
        else:
            per_sample = self.sample_losses(logits, y)
            delta = special.expit(logits, out=logits)
            delta -= y
            delta *= 1.0 / total_weight

        if sample_weight is None:
            loss = np.add.reduce(per_sample) / n
        else:
            loss = np.dot(sample_weight, per_sample) / total_weight
            delta *= sample_weight[:, None]
        W_all = params[: self.n_coefs]
        if alpha:
            loss += 0.5 * alpha * np.dot(W_all, W_all) / total_weight

        for i in range(self.n_layers - 1, 0, -1):
            a_prev = buf.a[i - 1]
            np.dot(a_prev.T, delta, out=coef_grads[i])
            np.dot(buf.ones_rows, delta, out=intercept_grads[i])
            coef_t = ws.coefs_t[i]
            if coef_t is not None:  # see Workspace
                np.copyto(coef_t, coefs[i].T)
            else:
                coef_t = coefs[i].T
            delta_prev = np.dot(delta, coef_t, out=buf.delta[i - 1])
            derivative = None
            if self._fused[i - 1] is not None:  # made by the forward pass
                derivative = buf.deriv[i - 1]
            else:
                act = self.activations[i - 1]
                if not isinstance(act, Identity):
                    z = buf.z[i - 1] if act.needs_z else None
                    derivative = act.derivative(z, a_prev, out=buf.deriv[i - 1])
            if derivative is not None:
                delta_prev *= derivative
            if stats is not None:
                stats.add_derivative(i - 1, derivative, n, buf.ones_rows)
            delta = delta_prev
        if sp.issparse(X):
            coef_grads[0][...] = X.T @ delta
        else:
            np.dot(X.T, delta, out=coef_grads[0])
        np.dot(buf.ones_rows, delta, out=intercept_grads[0])

        if alpha:
            _axpy(W_all, grad[: self.n_coefs], alpha / total_weight)
        if stats is not None:
            stats.add_gradient(grad)
        return float(loss)


#: Largest fan_out for which back-propagation uses a contiguous copy of W.T.
_SMALL_FAN_OUT = 32


class Workspace:
    """Per-call buffers for ``n_rows`` samples: the engine allocates nothing.

    ``z[i]`` holds layer ``i + 1``'s pre-activation, ``a[i]`` hidden layer
    ``i + 1``'s activation (the same buffer as ``z[i]`` when the activation's
    derivative does not need ``z``, or when ``training`` is False). With
    ``training``, ``delta`` and ``deriv`` hold back-propagated errors and
    activation derivatives of the hidden layers. :meth:`first` gives the same
    buffers cut to a batch's rows.

    A workspace belongs to one call: never share one between threads.
    """

    def __init__(self, network, n_rows, dtype, training=True):
        self.training = training
        self.n_rows = n_rows
        units = network.layer_units[1:]
        self.z = [np.empty((n_rows, u), dtype=dtype) for u in units]
        self.a = [
            np.empty_like(z) if training and act.needs_z else z
            for act, z in zip(network.activations, self.z)
        ]
        self.delta = self.deriv = []
        if training:
            self.delta = [np.empty_like(z) for z in self.z[:-1]]
            self.deriv = [np.empty_like(z) for z in self.z[:-1]]
            # Flat indices of each row's first logit (for the softmax's
            # true-class lookup), and ones with which BLAS sums along rows
            # (normalisers) and columns (intercept gradients) faster than
            # NumPy's reductions do.
            self.offsets = np.arange(n_rows) * units[-1]
            self.true_class = np.empty(n_rows, dtype=self.offsets.dtype)
            self.row = np.empty((n_rows, 1), dtype=dtype)
            self.row2 = np.empty((n_rows, 1), dtype=dtype)
            self.ones_rows = np.ones(n_rows, dtype=dtype)
            self.ones_out = np.ones((units[-1], 1), dtype=dtype)
            # Back-propagating through a layer with few outputs (delta @ W.T,
            # inner dimension fan_out) is up to twice as fast from a
            # contiguous copy of W.T as from the transposed view (OpenBLAS,
            # fan_out <= 32); the copy costs little at that size.
            self.coefs_t = [
                np.empty(shape[::-1], dtype=dtype)
                if i and shape[1] <= _SMALL_FAN_OUT
                else None
                for i, shape in enumerate(network.coef_shapes)
            ]
        self._views = {}
        self._firsts = {}

    def first(self, n):
        """Every buffer cut to its first ``n`` rows, made once per ``n``: a
        training loop asks for the same one or two batch sizes throughout."""
        if n == self.n_rows:
            return self
        cut = self._firsts.get(n)
        if cut is None:
            if len(self._firsts) > 8:  # a caller cycling through sizes
                self._firsts.clear()
            cut = self._firsts[n] = _Rows(self, n)
        return cut

    def views(self, network, flat):
        """``network.views(flat)``, made once per buffer: a training loop
        passes the same parameter and gradient buffers at every step."""
        key = id(flat)
        cached = self._views.get(key)
        if cached is None or cached[0] is not flat:
            cached = self._views[key] = (flat, network.views(flat))
        return cached[1]


class _Rows:
    """A workspace's buffers cut to their first ``n`` rows."""

    def __init__(self, ws, n):
        self.z = [z[:n] for z in ws.z]
        self.a = [a[:n] for a in ws.a]
        self.delta = [d[:n] for d in ws.delta]
        self.deriv = [d[:n] for d in ws.deriv]
        if ws.training:
            self.offsets = ws.offsets[:n]
            self.true_class = ws.true_class[:n]
            self.row = ws.row[:n]
            self.row2 = ws.row2[:n]
            self.ones_rows = ws.ones_rows[:n]


class LayerStatistics:
    """Activation-health counts of the hidden layers, summed over batches.

    A hidden unit is *dead* if its activation derivative stayed below 1e-8
    for every sample added; a (sample, unit) pair is *saturated* if its
    derivative is at least 1e-8 but below 1% of the activation's largest
    derivative (absolute values). Exact zeros, a rectifier's off side, count
    towards dead units, not saturation. Also: the mean Frobenius norm of each
    weight matrix's gradient per batch, and the mean and standard deviation of
    the hidden activations when ``add_values`` is used.
    """

    dead_below = 1e-8
    # Shortcuts for built-ins: derivatives that are never negative need no
    # absolute value, and ReLU's, exactly 0 or 1, are never saturated.
    _NON_NEGATIVE = (Identity, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, Softplus)
    _ZERO_OR_ONE = (ReLU,)

    def __init__(self, network):
        self.layer_units = network.layer_units[1:-1]
        self.n_layers = network.n_layers
        acts = network.activations
        self.saturated_below = [0.01 * _max_derivative(a) for a in acts]
        self._non_negative = [type(a) in self._NON_NEGATIVE for a in acts]
        self._zero_or_one = [type(a) in self._ZERO_OR_ONE for a in acts]
        # Where each weight matrix starts in the flat gradient: one reduceat
        # gives all their squared norms.
        self._coef_starts = np.cumsum([0, *(a * b for a, b in network.coef_shapes)])
        self._n_coefs = network.n_coefs
        self._ones = {}
        # Per hidden unit, how many samples had |derivative| >= 1e-8: a view
        # per layer into one buffer, cleared in one call (with a full batch,
        # statistics are read and reset after every step).
        ends = np.cumsum([0, *self.layer_units])
        self._flowing = np.zeros(ends[-1])
        self.n_flowing = [self._flowing[a:b] for a, b in zip(ends[:-1], ends[1:])]
        self.grad_norm_sum = np.zeros(self.n_layers)
        self.reset()

    def reset(self):
        self._flowing.fill(0)
        # Per hidden layer, pairs with |derivative| < 1% of its maximum.
        self.n_small = [0] * len(self.layer_units)
        self.n_pairs = [0] * len(self.layer_units)
        self.grad_norm_sum.fill(0)
        self.n_batches = 0
        # Per layer: count, mean and sum of squared deviations of the
        # activation values, merged batch by batch (Chan et al.), which stays
        # accurate where sum-of-squares formulas cancel.
        self.moments = [(0, 0.0, 0.0)] * len(self.layer_units)

    def _ones_for(self, n_rows, dtype):
        ones = self._ones.get((n_rows, dtype))
        if ones is None:
            ones = self._ones[n_rows, dtype] = np.ones(n_rows, dtype)
        return ones

    def add_derivative(self, layer, derivative, n_rows, ones=None):
        """Add a batch's derivatives of hidden ``layer``; None means all ones.

        Overwrites ``derivative``: the engine's derivative buffer is rewritten
        on every batch and not read again after this. ``ones``, if given, is
        ``n_rows`` ones in the derivative's dtype.
        """
        self.n_pairs[layer] += n_rows * self.layer_units[layer]
        if derivative is None:  # identity: slope 1 everywhere
            self.n_flowing[layer] += n_rows
            return
        # Per-unit counts come from a product with ones: BLAS sums columns
        # far faster than NumPy reduces along short rows.
        if ones is None:
            ones = self._ones_for(n_rows, derivative.dtype)
        if self._zero_or_one[layer]:
            self.n_flowing[layer] += np.dot(ones, derivative)
            return
        magnitude = derivative
        if not self._non_negative[layer]:
            magnitude = np.abs(derivative, out=derivative)
        self.n_small[layer] += np.count_nonzero(magnitude < self.saturated_below[layer])
        flowing = np.greater_equal(
            magnitude, self.dead_below, out=magnitude, casting="unsafe"
        )
        self.n_flowing[layer] += np.dot(ones, flowing)

    def add_gradient(self, grad):
        """Add a batch's weight-gradient norms, from the flat gradient."""
        coefs = grad[: self._n_coefs]
        squares = np.add.reduceat(coefs * coefs, self._coef_starts[:-1])
        self.grad_norm_sum += np.sqrt(squares)
        self.n_batches += 1

    def add_values(self, layer, a):
        n_b = a.size
        mean_b = float(a.mean(dtype=np.float64))
        m2_b = float(np.square(a - mean_b, dtype=np.float64).sum())
        n_a, mean_a, m2_a = self.moments[layer]
        n = n_a + n_b
        shift = mean_b - mean_a
        self.moments[layer] = (
            n,
            mean_a + shift * n_b / n,
            m2_a + m2_b + shift * shift * n_a * n_b / n,
        )

    def dead_fraction(self):
        return [float((n.size - np.count_nonzero(n)) / n.size) for n in self.n_flowing]

    def saturated_fraction(self):
        # Pairs below 1% of the maximum, less those below 1e-8 (which
        # n_small may miss where 1% of the maximum is below 1e-8).
        return [
            0.0
            if zero_or_one
            else float(max(small - (pairs - flowing.sum()), 0) / max(pairs, 1))
            for small, pairs, flowing, zero_or_one in zip(
                self.n_small, self.n_pairs, self.n_flowing, self._zero_or_one
            )
        ]

    def grad_norm(self):
        n_batches = max(self.n_batches, 1)
        return [total / n_batches for total in self.grad_norm_sum.tolist()]

    def mean_std(self):
        return [(m, float(np.sqrt(m2 / max(n, 1)))) for n, m, m2 in self.moments]
