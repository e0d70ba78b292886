"""skact: a scikit-learn MLP classifier whose activation functions you choose.

Public names:

- :class:`ActivationMLPClassifier`: the estimator, a drop-in replacement for
  scikit-learn's ``MLPClassifier`` with more activations, per-layer
  activations, user-made activations and ``class_weight``.
- :func:`linear_equivalent`: the logistic regression that a network without
  non-linear activations collapses into.
- :mod:`skact.activations`: the activation registry and protocol.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

from . import activations
from ._mlp import ActivationMLPClassifier
from .diagnostics import linear_equivalent

__version__ = "0.1.0.dev0"

__all__ = [
    "ActivationMLPClassifier",
    "__version__",
    "activations",
    "linear_equivalent",
]
