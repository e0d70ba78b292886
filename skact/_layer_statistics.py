"""Activation-health counts of the hidden layers, for the diagnostics.

Filled by the engine during training (``diagnostics=True``) and by
:func:`skact.activation_statistics` on given data; read into ``history_``.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np


class LayerStatistics:
    """Activation-health counts of the hidden layers, summed over batches.

    Two ways a unit stops learning, counted apart:

    - a hidden unit is *dead* if its output was exactly 0 for every sample
      added, as happens to rectifiers (a ReLU whose input is always negative
      passes nothing and gets no gradient);
    - a (sample, unit) pair is *saturated* if the activation's derivative
      there is below 1% of its largest derivative (absolute values, exact
      zeros included): the flat regions of sigmoid, tanh,
      softplus's negative side, ELU's tail... An activation whose derivative
      is exactly 0 or 1 (ReLU, ``binary_derivative``) has no such region: its
      zero side is what ``dead`` counts, and it is never saturated.

    Also: the mean Frobenius norm of each weight matrix's gradient per batch,
    and the mean and standard deviation of the hidden activations when
    ``add_values`` is used.
    """

    def __init__(self, network):
        self.layer_units = network.layer_units[1:-1]
        self.n_layers = network.n_layers
        acts = network.activations
        # Each activation says whether its derivative needs no absolute value
        # (never negative), and whether it is exactly 0 or 1 (ReLU: never
        # saturated, and the counts are one product).
        self.saturated_below = [0.01 * a.max_derivative for a in acts]
        self._non_negative = [a.non_negative_derivative for a in acts]
        self._zero_or_one = [a.binary_derivative for a in acts]
        # Where each weight matrix starts in the flat gradient: one reduceat
        # gives all their squared norms.
        self._coef_starts = np.cumsum([0, *(a * b for a, b in network.coef_shapes)])
        self._n_coefs = network.n_coefs
        self._ones = {}
        # Per hidden unit, how many samples gave a non-zero output: a view
        # per layer into one buffer, cleared in one call (with a full batch,
        # statistics are read and reset after every step).
        ends = np.cumsum([0, *self.layer_units])
        self._nonzero = np.zeros(ends[-1])
        self.n_nonzero = [self._nonzero[a:b] for a, b in zip(ends[:-1], ends[1:])]
        self.grad_norm_sum = np.zeros(self.n_layers)
        self.reset()

    def reset(self):
        self._nonzero.fill(0)
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

    def add(self, layer, a, derivative, n_rows, ones=None, scratch=None):
        """Add a batch of hidden ``layer``: its outputs ``a`` and derivatives
        (None: the identity's, all 1).

        Overwrites ``derivative`` (or writes ``scratch``, an array like ``a``,
        when there is none): the engine's derivative buffer is rewritten on
        every batch and not read again after this. ``ones``, if given, is
        ``n_rows`` ones in ``a``'s dtype.
        """
        self.n_pairs[layer] += n_rows * self.layer_units[layer]
        # Per-unit counts come from a product with ones: BLAS sums columns
        # far faster than NumPy reduces along short rows.
        if ones is None:
            ones = self._ones_for(n_rows, a.dtype)
        if self._zero_or_one[layer]:
            # 1 exactly where the output is non-zero: one product counts it.
            self.n_nonzero[layer] += np.dot(ones, derivative)
            return
        if derivative is not None:
            magnitude = derivative
            if not self._non_negative[layer]:
                magnitude = np.abs(derivative, out=derivative)
            self.n_small[layer] += np.count_nonzero(
                magnitude < self.saturated_below[layer]
            )
            scratch = derivative
        if scratch is None:
            nonzero = a != 0
        else:
            nonzero = np.not_equal(a, 0, out=scratch, casting="unsafe")
        self.n_nonzero[layer] += np.dot(ones, nonzero)

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
        return [float((n.size - np.count_nonzero(n)) / n.size) for n in self.n_nonzero]

    def saturated_fraction(self):
        return [
            0.0 if zero_or_one else float(small / max(pairs, 1))
            for small, pairs, zero_or_one in zip(
                self.n_small, self.n_pairs, self._zero_or_one
            )
        ]

    def grad_norm(self):
        n_batches = max(self.n_batches, 1)
        return [total / n_batches for total in self.grad_norm_sum.tolist()]

    def mean_std(self):
        return [(m, float(np.sqrt(m2 / max(n, 1)))) for n, m, m2 in self.moments]
