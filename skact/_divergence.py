"""The divergence rule: when a training loss means the fit has blown up.

A training loss *diverged* when it is not finite, or when it is finite but
explodes: above ``EXPLOSION_SCALE ** power`` times a reference, where
``power`` is how the output's loss grows with the size of the outputs (2 for
the squared error, 1 for the cross-entropies, the absolute and quantile
losses and the Poisson deviance). In words: predictions a thousand times
further off than the reference's.

The reference is the largest of three losses, none of which is the model's
own past (a model that raised once must be trainable again, whatever it
recorded before):

- the loss of the best constant prediction on this call's training data
  (the class shares, the targets' mean): the scale of the data;
- the loss of the weights this call starts from, on its first batch: a
  model that starts far off (unscaled inputs, a loaded model) is not judged
  against a scale it never had;
- ``eps`` of the weights' dtype, so that the reference is never 0 (a
  one-row call, a perfect fit).

It is applied to every epoch (L-BFGS iteration) of a call and to the loss
of the weights a call ends with, on its last batch: the update that ends a
one-batch ``partial_fit`` is checked too.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np

from .exceptions import DivergenceError

#: How many times further off than the reference predictions must be for a
#: finite loss to count as an explosion.
EXPLOSION_SCALE = 1e3


class DivergenceCheck:
    """The divergence rule for one training call.

    Parameters
    ----------
    network : Network
        The network trained; its output says how its loss grows.
    data : tuple
        This call's training data, ``(X, target, sample_weight)``.
    settings : Settings
        For the error message (solver, learning rate).
    dtype : numpy dtype
        The weights' dtype (the reference's floor is its ``eps``).
    """

    def __init__(self, network, data, settings, dtype):
        self.network, self.settings = network, settings
        self.target, self.sample_weight = data[1], data[2]
        self.factor = EXPLOSION_SCALE**network.output.loss_power
        self.floor = float(np.finfo(dtype).eps)
        self.start_loss = None
        self._constant = None

    def start(self, loss):
        """Take the loss of the starting weights (the first batch's)."""
        if self.start_loss is None and loss is not None and math.isfinite(loss):
            self.start_loss = loss

    def reference(self):
        """The loss an explosion is measured against (see the module)."""
        if self._constant is None:
            # A pass over the targets: only computed when a loss looks large.
            self._constant = self.network.constant_loss(self.target, self.sample_weight)
        return max(self._constant, self.start_loss or 0.0, self.floor)

    def __call__(self, loss, n_iter, what="the training loss"):
        """Raise :class:`DivergenceError` if ``loss`` diverged in epoch
        (iteration) ``n_iter + 1``; ``what`` names the loss."""
        if not math.isfinite(loss):
            diverged(self.settings, f"{what} became non-finite ({loss})", n_iter)
        # The reference is at least the start loss and the floor: the usual
        # answer needs no pass over the targets.
        if loss <= self.factor * max(self.start_loss or 0.0, self.floor):
            return
        reference = self.reference()
        if loss > self.factor * reference:
            diverged(
                self.settings,
                f"{what} exploded to {loss:.3g}, over {self.factor:.0e} times "
                f"its reference ({reference:.3g}: the larger of a constant "
                "prediction's loss and the starting weights' loss)",
                n_iter,
            )


def diverged(settings, cause, n_iter):
    """Raise the :class:`DivergenceError` for ``cause`` in step ``n_iter + 1``."""
    lbfgs = settings.solver == "lbfgs"
    if lbfgs:
        hint = "Scale the inputs (e.g. with StandardScaler) or increase alpha."
    else:
        hint = (
            "Try a lower learning_rate_init (it is "
            f"{settings.learning_rate_init!r}), and scale the inputs (e.g. with "
            "StandardScaler)."
        )
    if "non-finite" in cause:  # scikit-learn's words, for code that reads them
        hint += (
            " Solver produced non-finite parameter weights. The input data may "
            "contain large values and need to be preprocessed."
        )
    raise DivergenceError(
        f"Training diverged: {cause} in {'iteration' if lbfgs else 'epoch'} "
        f"{n_iter + 1} of this call (solver={settings.solver!r}). {hint} The "
        "estimator is left as it was before this call."
    )
