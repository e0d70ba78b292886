"""Displays: pictures of activation functions and of training.

Both follow scikit-learn's plotting API (see
:class:`sklearn.metrics.RocCurveDisplay`): a ``from_*`` class method computes
what to draw and calls :meth:`plot`, which draws on the given Axes (or on a new
figure), returns the display and keeps the matplotlib objects in attributes
ending in ``_``. matplotlib is imported only when drawing, so skact itself does
not depend on it; install it with ``pip install skact[plot]``.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

from ._activation_display import ActivationDisplay
from ._history_display import TrainingHistoryDisplay

__all__ = ["ActivationDisplay", "TrainingHistoryDisplay"]
