"""Output layers and their losses, each value beside its gradient.

The network's last layer gives *logits* ``z``; an output object turns them
into predictions and, in training, into the per-sample loss and the delta
``d(loss)/dz`` back-propagation starts from:

- :class:`SoftmaxCrossEntropy`: softmax over one unit per class, categorical
  cross-entropy ``-log p_y``;
- :class:`SigmoidBinaryCrossEntropy`: one sigmoid per label (multilabel),
  binary cross-entropy summed over labels;
- the regressor's :class:`SquaredError` (identity output) and
  :class:`PoissonDeviance` (log link), and the non-smooth
  :class:`AbsoluteError` and :class:`QuantileLoss` (identity output; their
  deltas are subgradients). Regression losses average over the outputs.

Where the output is the loss's canonical link (all but the last two), the
delta is simply ``prediction - target``.

The engine calls only ``loss_and_delta`` and ``sample_losses``, the
divergence check ``constant_logits`` (a constant prediction's logits: its
loss is the scale a training loss is compared with); the estimators call the
prediction methods. A new output (a regressor's) is a new
class with the same methods: no branch in the engine.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy import special

from ._numeric import row_max, row_sum

_TINY = np.finfo(np.float64).tiny


def softmax(z, out=None):
    """Softmax along the last axis: ``exp(z) / sum(exp(z))``, stably.

    Parameters
    ----------
    z : ndarray of shape (n_samples, n_classes)
        Logits.
    out : ndarray, default=None
        Where to write the result; may be ``z`` itself.

    Returns
    -------
    p : ndarray of shape (n_samples, n_classes)
        Rows are non-negative and sum to 1.

    Examples
    --------
    >>> import numpy as np
    >>> from skact.activations import softmax
    >>> softmax(np.array([[0.0, np.log(3.0)]]))
    array([[0.25, 0.75]])
    """
    # Subtracting the row maximum changes nothing mathematically and keeps
    # exp from overflowing.
    out = np.subtract(z, row_max(z), out=out)
    np.exp(out, out=out)
    out /= row_sum(out)
    return out


def log_softmax(z, out=None):
    """Log of :func:`softmax`, computed without forming the probabilities.

    Finite even where the probability underflows to 0.

    Parameters
    ----------
    z, out : ndarray of shape (n_samples, n_classes)
        The logits, and where to write ``log(softmax(z))`` (None: a new
        array; ``z`` itself works too), as for :func:`softmax`.

    Returns
    -------
    log_p : ndarray of shape (n_samples, n_classes)
        The log-probabilities, ``out`` if given.

    Examples
    --------
    >>> import numpy as np
    >>> from skact.activations import log_softmax
    >>> log_softmax(np.array([[0.0, 1000.0]]))
    array([[-1000.,     0.]])
    """
    out = np.subtract(z, row_max(z), out=out)
    out -= np.log(row_sum(np.exp(out)))
    return out


def _floored(proba):
    """Probabilities floored, in place, at the dtype's smallest normal number.

    A probability that underflows to 0 would have the log-probability -inf.
    Floored, every probability is positive and every log-probability, the log
    of the floored probability (as scikit-learn's ``predict_log_proba`` is the
    log of its ``predict_proba``), finite: at least -708.4 in float64, -87.3
    in float32. A row's sum moves by at most ``n_classes`` times that number
    (1e-307 in float64), far below rounding.
    """
    return np.maximum(proba, np.finfo(proba.dtype).tiny, out=proba)


class SoftmaxCrossEntropy:
    """Softmax output with categorical cross-entropy; targets are class indices.

    ``p = softmax(z)``, ``loss = -log p_y``, ``d(loss)/dz = p - onehot(y)``.
    """

    name = "softmax"
    #: The loss grows like the logits' size (see ``_divergence``).
    loss_power = 1

    def proba(self, logits, out=None):
        return _floored(softmax(logits, out=out))

    def log_proba(self, logits, out=None):
        return np.log(self.proba(logits, out=out), out=out)

    def sample_losses(self, logits, target):
        """Cross-entropy of each sample; ``logits`` is unchanged."""
        return -log_softmax(logits)[np.arange(len(target)), target]

    def constant_logits(self, target, n_outputs, sample_weight):
        """The logits of the best constant prediction: the class shares."""
        shares = np.bincount(target, weights=sample_weight, minlength=n_outputs)
        return np.log(np.maximum(shares / shares.sum(), _TINY))

    def loss_and_delta(self, logits, target, total_weight, buf):
        """Per-sample losses, and the delta divided by ``total_weight``
        written over ``logits`` (returned).

        Dividing here, on n x n_outputs values, makes every gradient computed
        from the delta come out as a mean: no pass over the whole gradient.
        ``buf`` holds the workspace's per-row scratch (see ``Workspace``).
        """
        # log p_y = (z_y - max z) - log sum exp(z - max z): the loss comes
        # from the shifted logits and the softmax's normaliser, both needed
        # for the delta anyway. Each sample's true class as an index into the
        # flattened logits (a contiguous view): ~3 times cheaper than
        # [rows, y] indexing.
        true_class = np.add(buf.offsets, target, out=buf.true_class)
        logits -= row_max(logits, out=buf.row2)
        picked = logits.reshape(-1)[true_class]
        exp = np.exp(logits, out=logits)
        norm = row_sum(exp, out=buf.row, ones=buf.ones_out)
        per_sample = np.log(norm, out=buf.row2).reshape(-1)
        per_sample -= picked
        norm *= total_weight
        exp /= norm
        exp.reshape(-1)[true_class] -= 1.0 / total_weight
        return per_sample, exp


class SigmoidBinaryCrossEntropy:
    """One sigmoid per output with binary cross-entropy; 0/1 target matrix.

    ``p = sigmoid(z)``, ``loss = sum_j log(1 + e^z_j) - y_j z_j``,
    ``d(loss)/dz = p - y``.
    """

    name = "logistic"
    loss_power = 1

    def proba(self, logits, out=None):
        return _floored(special.expit(logits, out=out))

    def log_proba(self, logits, out=None):
        return np.log(self.proba(logits, out=out), out=out)

    def sample_losses(self, logits, target):
        # log(1 + e^z) - y z is the binary cross-entropy of sigmoid(z), finite
        # for any z.
        return (np.logaddexp(0, logits) - target * logits).sum(axis=1)

    def constant_logits(self, target, n_outputs, sample_weight):
        """The logits of the best constant prediction: each label's share."""
        share = np.clip(np.average(target, axis=0, weights=sample_weight), _TINY, 1)
        return special.logit(np.minimum(share, 1 - 1e-16))

    def loss_and_delta(self, logits, target, total_weight, buf):
        per_sample = self.sample_losses(logits, target)
        delta = special.expit(logits, out=logits)
        delta -= target
        delta *= 1.0 / total_weight
        return per_sample, delta


class _RegressionLoss:
    """Shared by the regression losses: ``target`` is an (n, k) float array,
    each sample's loss is the mean over its ``k`` outputs (scikit-learn's
    squared error convention), and the delta is the exact gradient of that
    mean, so loss and gradient agree for any ``k`` and every solver."""

    name = "identity"
    #: Whether the loss is differentiable everywhere (L-BFGS needs it).
    smooth = True
    #: How the loss grows with the size of the predictions, ``|p|**power``
    #: (see ``_divergence``): linearly, except the squared error.
    loss_power = 1

    def predict(self, logits, out=None):
        if out is None:
            return logits.copy()
        if out is not logits:
            np.copyto(out, logits)
        return out

    def sample_losses(self, logits, target):
        return self._pointwise(logits, target).mean(axis=1)

    def constant_logits(self, target, n_outputs, sample_weight):
        """The logits of a constant prediction: the targets' mean."""
        return np.average(target, axis=0, weights=sample_weight)

    def loss_and_delta(self, logits, target, total_weight, buf):
        per_sample = self.sample_losses(logits, target)
        delta = self._gradient(logits, target)
        delta *= 1.0 / (logits.shape[1] * total_weight)
        return per_sample, delta


class SquaredError(_RegressionLoss):
    """Half squared error, identity output: ``(p - y)^2 / 2``, gradient
    ``p - y``; ``p = z``."""

    loss_power = 2

    def _pointwise(self, logits, target):
        residual = logits - target
        residual *= residual
        residual *= 0.5
        return residual

    def _gradient(self, logits, target):
        return np.subtract(logits, target, out=logits)

    def loss_and_delta(self, logits, target, total_weight, buf):
        # The residual serves the loss and the delta: two passes fewer than
        # the generic pointwise-then-gradient way (measured ~10% of a step of
        # a 64-64 network on one output).
        n_outputs = logits.shape[1]
        residual = np.subtract(logits, target, out=logits)
        if n_outputs == 1:
            per_sample = np.multiply(residual, residual, out=buf.row).reshape(-1)
        else:
            per_sample = np.einsum("ij,ij->i", residual, residual)
        per_sample *= 0.5 / n_outputs
        residual *= 1.0 / (n_outputs * total_weight)
        return per_sample, residual


class PoissonDeviance(_RegressionLoss):
    """Half Poisson deviance with a log link: ``p = exp(z)``,
    ``y log(y / p) - y + p`` (``0 log 0 = 0``), gradient with respect to
    ``z``: ``p - y``. Computed from ``z`` (``log p = z``) so that it never
    takes the log of a prediction that underflowed to 0."""

    name = "exp"

    def predict(self, logits, out=None):
        return np.exp(logits, out=out)

    def constant_logits(self, target, n_outputs, sample_weight):
        mean = np.average(target, axis=0, weights=sample_weight)
        return np.log(np.maximum(mean, _TINY))

    def _pointwise(self, logits, target):
        loss = np.exp(logits)
        loss -= target * logits
        loss += special.xlogy(target, target)
        loss -= target
        return loss

    def _gradient(self, logits, target):
        delta = np.exp(logits, out=logits)
        delta -= target
        return delta

    def loss_and_delta(self, logits, target, total_weight, buf):
        # One exp serves the loss and the delta (the generic way takes two).
        n_outputs = logits.shape[1]
        pointwise = special.xlogy(target, target)
        pointwise -= target
        pointwise -= target * logits
        predicted = np.exp(logits, out=logits)
        pointwise += predicted
        if n_outputs == 1:
            per_sample = pointwise.reshape(-1)
        else:
            per_sample = pointwise.mean(axis=1)
        predicted -= target
        predicted *= 1.0 / (n_outputs * total_weight)
        return per_sample, predicted


class AbsoluteError(_RegressionLoss):
    """Absolute error, identity output: ``|p - y|``, subgradient
    ``sign(p - y)``, taken as 0 at zero residual (where any value in
    [-1, 1] is a subgradient)."""

    smooth = False

    def _pointwise(self, logits, target):
        return np.abs(logits - target)

    def _gradient(self, logits, target):
        residual = np.subtract(logits, target, out=logits)
        return np.sign(residual, out=residual)


class QuantileLoss(_RegressionLoss):
    """Pinball loss of the ``quantile`` q, identity output: ``q (y - p)``
    where ``y >= p``, ``(1 - q) (p - y)`` where ``y < p``; subgradient
    ``-q`` below the target, ``1 - q`` above it, and 0 at zero residual
    (where any value in [-q, 1 - q] is a subgradient). Its minimiser is
    the q-quantile of ``y`` given ``x``."""

    smooth = False

    def __init__(self, quantile=0.5):
        self.quantile = quantile

    def _pointwise(self, logits, target):
        residual = logits - target
        return np.maximum((1 - self.quantile) * residual, -self.quantile * residual)

    def _gradient(self, logits, target):
        residual = np.subtract(logits, target, out=logits)
        above, below = residual > 0, residual < 0
        residual[...] = (1 - self.quantile) * above
        residual -= self.quantile * below
        return residual


def regression_loss(loss, quantile=0.5):
    """The loss object of an ``ActivationMLPRegressor(loss=...)``."""
    if loss == "quantile":
        return QuantileLoss(quantile)
    return {
        "squared_error": SquaredError,
        "poisson": PoissonDeviance,
        "absolute_error": AbsoluteError,
    }[loss]()


#: An output object per ``out_activation_`` name: what prediction needs (the
#: link from logits to predictions); training passes its own loss object.
OUTPUTS = {
    output.name: output
    for output in (
        SoftmaxCrossEntropy(),
        SigmoidBinaryCrossEntropy(),
        SquaredError(),
        PoissonDeviance(),
    )
}
