"""skact: scikit-learn MLPs whose activation functions you choose.

Public names:

- :class:`ActivationMLPClassifier`, :class:`ActivationMLPRegressor`: drop-in
  replacements for scikit-learn's ``MLPClassifier`` and ``MLPRegressor`` with
  more activations, per-layer activations, user-made activations,
  ``class_weight`` and the absolute-error and quantile losses.
- :func:`linear_equivalent`: the linear model (logistic or least-squares
  regression) that a network without non-linear activations collapses into.
- :func:`activation_statistics`: dead and saturated units, mean and spread of
  each hidden layer on given data.
- :class:`ActivationDisplay`, :class:`TrainingHistoryDisplay`: plots of
  activation functions and their derivatives, and of the training history
  (loss, gradient norms, dead and saturated units); need matplotlib.
- :func:`to_onnx`: the ONNX model of a fitted estimator or pipeline (needs
  the ``onnx`` extra; skl2onnx is imported only when it is called).
- :mod:`skact.activations`: the activation registry and protocol.
- :mod:`skact.exceptions`: :class:`~skact.exceptions.DivergenceError` and
  :class:`~skact.exceptions.InconsistentVersionWarning`.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

from . import _onnx, activations, exceptions
from ._classifier import ActivationMLPClassifier
from ._onnx import to_onnx
from ._regressor import ActivationMLPRegressor
from ._version import __version__
from .diagnostics import activation_statistics, linear_equivalent
from .plotting import ActivationDisplay, TrainingHistoryDisplay

__all__ = [
    "ActivationDisplay",
    "ActivationMLPClassifier",
    "ActivationMLPRegressor",
    "TrainingHistoryDisplay",
    "__version__",
    "activation_statistics",
    "activations",
    "exceptions",
    "linear_equivalent",
    "to_onnx",
]

# skl2onnx then converts skact's estimators too (registered when it is
# imported; importing skact never imports it).
_onnx.install_import_hook()
