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

from ._losses import OUTPUTS
from ._numeric import as_dtype, axpy, batches, dot
from .activations import Identity

_GLOROT = Identity()  # its init_bound is Glorot's


class Network:
    """Shapes and maths of a fully connected network.

    Parameters
    ----------
    layer_units : list of int
        Units per layer: ``[n_features, *hidden_layer_sizes, n_outputs]``.
    activations : list of activation objects
        One per hidden layer, as returned by
        :func:`skact._engine_activation.engine_activation`.
    output : str or output object
        The output layer and its loss: an object of :mod:`skact._losses`, or
        the ``out_activation_`` name of one.
    """

    def __init__(self, layer_units, activations, output):
        if len(activations) != len(layer_units) - 2:
            raise ValueError("one activation per hidden layer is needed")
        self.layer_units = list(layer_units)
        self.activations = list(activations)
        # Activations that can hand over their derivative while computing
        # their output in training (cheaper than two separate passes).
        self._fused = [a.forward_and_derivative for a in self.activations]
        self.output = OUTPUTS[output] if isinstance(output, str) else output
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

    def initialize(self, random_state, dtype, he=True):
        """Random parameters, each layer's scale chosen by its activation.

        Weights and intercepts of layer ``i`` are drawn from ``U(-b, b)`` with
        ``b = activation.init_bound(fan_in, fan_out)``; the output layer uses
        Glorot's bound, and so does every layer whose activation asks for
        He's (``init = "he"``) when ``he`` is False.
        """
        flat = np.empty(self.n_params, dtype=dtype)
        coefs, intercepts = self.views(flat)
        bounders = [*self.activations, _GLOROT]
        for act, W, b in zip(bounders, coefs, intercepts):
            fan_in, fan_out = W.shape
            if not he and getattr(act, "init", None) == "he":
                act = _GLOROT
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
        z = dot(X, coefs[0], buf.z[0])  # only the input may be sparse
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

    def _chunk_rows(self, n, dtype, max_bytes, training):
        # Per row: the workspace's values of every layer (three times that
        # with room for derivatives), and the temporaries an activation may
        # allocate on the widest layer (up to three, ELU's forward).
        units = self.layer_units[1:]
        values = sum(units) * (3 if training else 1) + 3 * max(units[:-1], default=0)
        row_bytes = dtype.itemsize * values
        return int(min(n, max(1, max_bytes // max(row_bytes, 1))))

    def forward_chunks(self, coefs, intercepts, X, max_bytes, training=False):
        """Forward passes over consecutive chunks of ``X``'s rows.

        Yields ``(rows, logits, buffers)`` per chunk: the chunk's slice, its
        logits and the workspace cut to its rows (the hidden layers' values;
        with ``training``, also room for derivatives). Chunks are sized so
        that the buffers take at most ``max_bytes``, whatever the number of
        rows, and each chunk is cast to the weights' dtype on its own, never
        the whole of ``X``. The buffers are reused from chunk to chunk. The
        workspace is local: concurrent calls from several threads are safe.
        """
        n = X.shape[0]
        dtype = coefs[0].dtype
        chunk = self._chunk_rows(n, dtype, max_bytes, training)
        ws = Workspace(self, chunk, dtype, training=training)
        for rows in batches(n, chunk):
            Xc = as_dtype(X if chunk == n else X[rows], dtype)
            logits = self.forward(coefs, intercepts, Xc, ws)
            yield rows, logits, ws.first(Xc.shape[0])

    def predict(self, coefs, intercepts, X, max_bytes, transform=None):
        """Logits of ``X``, or ``transform(self.output, logits)``, chunk by
        chunk (see :meth:`forward_chunks`).

        ``transform`` maps a chunk's logits (which it may overwrite) to an
        array with one row per sample.
        """
        n = X.shape[0]
        dtype = coefs[0].dtype
        if self._chunk_rows(n, dtype, max_bytes, False) == n:
            # One chunk (every call on a few rows): no loop, and the chunk's
            # buffer is the answer.
            ws = Workspace(self, n, dtype, training=False)
            logits = self.forward(coefs, intercepts, as_dtype(X, dtype), ws)
            return logits if transform is None else transform(self.output, logits)
        out = None
        for rows, logits, _ in self.forward_chunks(coefs, intercepts, X, max_bytes):
            result = logits if transform is None else transform(self.output, logits)
            if out is None:
                out = np.empty((n, *result.shape[1:]), dtype=result.dtype)
            out[rows] = result
        if out is None:  # no rows
            out = np.empty((0, self.layer_units[-1]), dtype=dtype)
        return out

    # -- loss and gradient ------------------------------------------------
    def loss_grad(self, params, X, y, sample_weight, alpha, grad, ws, stats=None):
        """Objective and its gradient at ``params`` on one batch.

        The objective is scikit-learn's: the (sample-weighted) mean of the
        output's loss plus ``alpha / 2 * ||W||^2`` divided by the batch's total
        weight.

        Parameters
        ----------
        params, grad : ndarray of shape (n_params,)
            Flat parameters; ``grad`` is overwritten with the gradient.
        X : ndarray or sparse matrix of shape (n_samples, n_features)
        y : ndarray
            The target, encoded as the output object expects (class indices
            for softmax, a 0/1 matrix for one sigmoid per label).
        sample_weight : ndarray of shape (n_samples,) or None
        alpha : float
        ws : Workspace
            Buffers of at least ``n_samples`` rows.
        stats : LayerStatistics, default=None
            If given, the hidden layers' derivatives and the weight gradients'
            norms are added to it.

        Returns
        -------
        loss : float or None
            None when the batch's sample weights are all 0 (``grad`` is then
            not written).
        """
        n = X.shape[0]
        buf = ws.first(n)
        coefs, intercepts = ws.views(self, params)
        coef_grads, intercept_grads = ws.views(self, grad)
        logits = self.forward(coefs, intercepts, X, ws)
        total_weight = n if sample_weight is None else sample_weight.sum()
        if not total_weight:  # nothing to learn from: no loss, no gradient
            return None

        # d(loss)/d(logits), divided by the total weight, over the logits.
        per_sample, delta = self.output.loss_and_delta(logits, y, total_weight, buf)

        loss = self._objective(per_sample, sample_weight, total_weight, params, alpha)
        if sample_weight is not None:
            delta *= sample_weight[:, None]
        W_all = params[: self.n_coefs]

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
                stats.add(i - 1, a_prev, derivative, n, buf.ones_rows, buf.deriv[i - 1])
            delta = delta_prev
        if sp.issparse(X):
            coef_grads[0][...] = X.T @ delta
        else:
            np.dot(X.T, delta, out=coef_grads[0])
        np.dot(buf.ones_rows, delta, out=intercept_grads[0])

        if alpha:
            axpy(W_all, grad[: self.n_coefs], alpha / total_weight)
        if stats is not None:
            stats.add_gradient(grad)
        return float(loss)

    def loss(self, params, X, y, sample_weight, alpha, ws):
        """The objective of :meth:`loss_grad` alone (a forward pass), or None
        when the batch's sample weights are all 0."""
        total_weight = X.shape[0] if sample_weight is None else sample_weight.sum()
        if not total_weight:
            return None
        coefs, intercepts = ws.views(self, params)
        logits = self.forward(coefs, intercepts, X, ws)
        per_sample = self.output.sample_losses(logits, y)
        return float(
            self._objective(per_sample, sample_weight, total_weight, params, alpha)
        )

    def _objective(self, per_sample, sample_weight, total_weight, params, alpha):
        """The weighted mean of ``per_sample`` plus the L2 penalty, both
        divided by the batch's total weight (scikit-learn's objective)."""
        if sample_weight is None:
            loss = np.add.reduce(per_sample) / total_weight
        else:
            loss = np.dot(sample_weight, per_sample) / total_weight
        if alpha:
            W_all = params[: self.n_coefs]
            loss += 0.5 * alpha * np.dot(W_all, W_all) / total_weight
        return loss

    def constant_loss(self, target, sample_weight):
        """The mean loss of the best constant prediction of ``target`` (the
        class shares, the mean): the scale of a data set's loss."""
        n_outputs = self.layer_units[-1]
        logits = self.output.constant_logits(target, n_outputs, sample_weight)
        logits = np.broadcast_to(logits, (len(target), n_outputs))
        per_sample = self.output.sample_losses(logits, target)
        return float(np.average(per_sample, weights=sample_weight))


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
            self.ones_out = ws.ones_out
