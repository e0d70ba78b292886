"""What both Displays draw with: their Axes and their line properties.

:func:`_user_axes` checks the Axes a user passes, :func:`_new_axes` makes a
figure of panels, :func:`_ax_attribute` builds ``ax_``, :func:`_line_kwargs`
resolves line-property aliases, :func:`_activation_label` names an activation
with its settings and :func:`_legend_beside` keeps a legend off the lines.
matplotlib is imported inside each function, only when drawing.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from numbers import Real

import numpy as np

from .activations import activation_name


def _user_axes(ax, allowed, owner, what):
    """The user's ``ax`` (one Axes or an array-like of them) as a flat list,
    checked to hold one of the ``allowed`` numbers of Axes."""
    from matplotlib.axes import Axes

    if isinstance(ax, Axes):
        axes = [ax]
    else:
        axes = list(np.asarray(ax, dtype=object).ravel())
        if not all(isinstance(a, Axes) for a in axes):
            raise TypeError(
                f"{owner}: ax must be a matplotlib Axes or an array-like of "
                f"Axes; got {ax!r}."
            )
    if len(axes) not in allowed:
        needed = " or ".join(str(n) for n in allowed)
        raise ValueError(
            f"{owner} draws {what} and needs {needed} Axes; got {len(axes)}. "
            "Pass ax=None to create a new figure."
        )
    return axes


def _new_axes(n_panels, panel_size):
    """A new figure with ``n_panels`` Axes: one row of up to 3, else 2 rows."""
    import matplotlib.pyplot as plt

    ncols = n_panels if n_panels <= 3 else math.ceil(n_panels / 2)
    nrows = math.ceil(n_panels / ncols)
    width, height = panel_size
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(width * ncols, height * nrows),
        squeeze=False,
        layout="constrained",
    )
    axes = list(axes.ravel())
    for extra in axes[n_panels:]:
        fig.delaxes(extra)
    return axes[:n_panels]


def _ax_attribute(axes):
    """``ax_`` as scikit-learn's displays have it: the Axes when there is one,
    else an object array of them."""
    if len(axes) == 1:
        return axes[0]
    array = np.empty(len(axes), dtype=object)
    array[:] = axes
    return array


def _line_kwargs(kwargs):
    """User's line properties with aliases (``lw``, ``ls``, ``c``) resolved, so
    our defaults can be merged in without duplicate-keyword errors."""
    from matplotlib import cbook
    from matplotlib.lines import Line2D

    return cbook.normalize_kwargs(kwargs or {}, Line2D)


def _activation_label(activation):
    """An activation's name, with the settings that differ from its class's
    defaults: ``"leaky_relu"`` for ``LeakyReLU()``, ``"LeakyReLU(0.2)"`` for
    ``LeakyReLU(0.2)``; a single setting is shown by value, several by name."""
    get_params = getattr(activation, "get_params", None)
    params = get_params() if callable(get_params) else {}
    if not params:
        return activation_name(activation)
    try:
        defaults = type(activation)().get_params()
    except Exception:  # a constructor needing arguments: every setting counts
        defaults = {}
    changed = {
        k: v
        for k, v in params.items()
        if k not in defaults or not _same(v, defaults[k])
    }
    if not changed:
        return activation_name(activation)

    def shown(value):
        if isinstance(value, Real) and not isinstance(value, bool):
            return f"{value:g}"
        return repr(value)

    if len(params) == 1:
        args = shown(next(iter(changed.values())))
    else:
        args = ", ".join(f"{k}={shown(v)}" for k, v in changed.items())
    return f"{type(activation).__name__}({args})"


def _same(a, b):
    try:
        return bool(a == b)
    except Exception:  # e.g. arrays, whose == is element-wise
        return a is b


def _legend_beside(ax, **kwargs):
    """The Axes' legend to the right of it, outside the data area: a legend
    inside would hide whichever lines run under it."""
    return ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), **kwargs)
