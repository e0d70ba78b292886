"""Output layers and their losses, each value beside its gradient.

The network's last layer gives *logits* ``z``; an output object turns them
into predictions and, in training, into the per-sample loss and the delta
``d(loss)/dz`` back-propagation starts from. Each pair here is canonical (the
output function is the loss's link), so the delta is simply
``prediction - target``:

- :class:`SoftmaxCrossEntropy`: softmax over one unit per class, categorical
  cross-entropy ``-log p_y``;
- :class:`SigmoidBinaryCrossEntropy`: one sigmoid per label (multilabel),
  binary cross-entropy summed over labels.

The engine calls only :meth:`loss_and_delta` and :meth:`sample_losses`; the
estimators call the prediction methods. A new output (a regressor's) is a new
class with the same methods: no branch in the engine.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy import special

from ._numeric import row_max, row_sum


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

    Finite even where the probability underflows to 0. Takes the
    parameters of :func:`softmax` and returns ``log(softmax(z))``, an array
    of ``z``'s shape.

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


class SoftmaxCrossEntropy:
    """Softmax output with categorical cross-entropy; targets are class indices.

    ``p = softmax(z)``, ``loss = -log p_y``, ``d(loss)/dz = p - onehot(y)``.
    """

    name = "softmax"

    def proba(self, logits, out=None):
        return softmax(logits, out=out)

    def log_proba(self, logits, out=None):
        return log_softmax(logits, out=out)

    def sample_losses(self, logits, target):
        """Cross-entropy of each sample; ``logits`` is unchanged."""
        return -log_softmax(logits)[np.arange(len(target)), target]

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

    def proba(self, logits, out=None):
        return special.expit(logits, out=out)

    def log_proba(self, logits, out=None):
        return special.log_expit(logits, out=out)

    def sample_losses(self, logits, target):
        # log(1 + e^z) - y z is the binary cross-entropy of sigmoid(z), finite
        # for any z.
        return (np.logaddexp(0, logits) - target * logits).sum(axis=1)

    def loss_and_delta(self, logits, target, total_weight, buf):
        per_sample = self.sample_losses(logits, target)
        delta = special.expit(logits, out=logits)
        delta -= target
        delta *= 1.0 / total_weight
        return per_sample, delta


#: Output objects by their ``out_activation_`` name.
OUTPUTS = {
    output.name: output
    for output in (SoftmaxCrossEntropy(), SigmoidBinaryCrossEntropy())
}
