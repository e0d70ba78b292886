"""ActivationDisplay: activation functions and their derivatives against z."""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from numbers import Integral

import numpy as np
from sklearn_compat.utils._optional_dependencies import check_matplotlib_support

from ._plot_helpers import (
    _activation_label,
    _ax_attribute,
    _line_kwargs,
    _new_axes,
    _user_axes,
)
from .activations import get_activation


def _on_grid(result, x, name, method):
    """``result`` as a float array of ``x``'s shape; a user's derivative may be
    a scalar (the identity's is 1)."""
    result = np.asarray(result, dtype=float)
    if result.shape == ():
        return np.full(x.shape, float(result))
    if result.shape != x.shape:
        raise ValueError(
            f"Activation {name!r}: {method} returned an array of shape "
            f"{result.shape} for an input of shape {x.shape}."
        )
    return result.copy()


def _with_gaps(x, y):
    """``(x, y)`` with a NaN point between neighbours where ``y`` jumps, so the
    line breaks there instead of drawing a vertical segment that is not part
    of the function (ReLU's derivative at 0).

    A jump is a step between grid points over ten times the steps on either
    side of it (and not negligible): a smooth curve's steps change slowly
    from one grid point to the next, a step function's are 0 around its jump.
    """
    step = np.abs(np.diff(y))
    if step.size < 2 or not np.isfinite(step).all():
        return x, y
    before = np.r_[0.0, step[:-1]]
    after = np.r_[step[1:], 0.0]
    scale = max(1.0, float(np.ptp(y)))
    jumps = np.flatnonzero(
        (step > 10 * np.maximum(before, after)) & (step > 1e-3 * scale)
    )
    if jumps.size == 0:
        return x, y
    middle = (x[jumps] + x[jumps + 1]) / 2
    return np.insert(x, jumps + 1, middle), np.insert(y, jumps + 1, np.nan)


class ActivationDisplay:
    """Activation functions, and optionally their derivatives, against ``z``.

    The curves ``a = f(z)`` of several activations on one Axes (and ``f'(z)``
    on a second one, or dashed on the same), to compare their shapes: where
    they saturate, where they are zero, how steep they are at 0. Create it
    with :meth:`from_names`; the constructor takes values already computed.

    A curve that jumps (ReLU's derivative at 0) is drawn with a gap at the
    jump rather than a vertical segment: its line holds a NaN point between
    the two grid points around the jump. ``values`` and ``derivatives`` keep
    the numbers on ``x`` as computed.

    Parameters
    ----------
    x : ndarray of shape (n_points,)
        The pre-activations ``z`` the curves are evaluated at, increasing.

    values : dict of str to ndarray of shape (n_points,)
        ``f(z)`` of each activation, by legend label, in drawing order.

    derivatives : dict of str to ndarray of shape (n_points,), default=None
        ``f'(z)`` of each activation, with the keys of ``values``; None to
        draw no derivatives.

    Attributes
    ----------
    lines_ : dict of str to matplotlib Line2D
        The curve of each activation (its data are ``x`` and the values, with
        a NaN point inserted at each jump).

    derivative_lines_ : dict of str to matplotlib Line2D or None
        The curve of each derivative; None without ``derivatives``.

    ax_ : matplotlib Axes or ndarray of two Axes
        The Axes of the functions or, when the derivatives have their own,
        ``[functions, derivatives]``.

    figure_ : matplotlib Figure
        The figure holding ``ax_``.

    See Also
    --------
    TrainingHistoryDisplay : Loss, gradient norms and unit health per epoch.
    skact.activations.get_activation : The activation for a name.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from skact import ActivationDisplay
    >>> disp = ActivationDisplay.from_names(["relu", "logistic", "gelu"],
    ...                                     derivative=True)
    >>> list(disp.values)
    ['relu', 'logistic', 'gelu']
    >>> disp.ax_[1].get_ylabel()
    "f'(z)"
    >>> float(disp.derivatives["logistic"].max())  # the sigmoid's slope at 0
    0.25

    An activation object at other settings than its defaults is labelled
    with them:

    >>> from skact.activations import LeakyReLU
    >>> list(ActivationDisplay.from_names(["relu", LeakyReLU(0.2)]).values)
    ['relu', 'LeakyReLU(0.2)']
    >>> plt.show()  # doctest: +SKIP
    """

    def __init__(self, x, values, derivatives=None):
        self.x = x
        self.values = values
        self.derivatives = derivatives

    def plot(self, ax=None, **kwargs):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of two Axes, default=None
            Where to draw. None creates a figure with one Axes, or two side by
            side (functions, derivatives) when there are derivatives. With
            derivatives and a single Axes, they are drawn dashed, in the colour
            of their function, on that Axes.

        **kwargs : dict
            Line properties for every curve, passed to
            :meth:`matplotlib.axes.Axes.plot`; e.g. ``linewidth=1``.

        Returns
        -------
        display : ActivationDisplay
            The display, with ``lines_``, ``derivative_lines_``, ``ax_`` and
            ``figure_`` set.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        with_derivatives = self.derivatives is not None
        if ax is None:
            axes = _new_axes(2 if with_derivatives else 1, (5.5, 4.0))
        else:
            allowed = (1, 2) if with_derivatives else (1,)
            what = "functions and derivatives" if with_derivatives else "functions"
            axes = _user_axes(ax, allowed, type(self).__name__, what)
        overlay = with_derivatives and len(axes) == 1
        f_ax, d_ax = axes[0], axes[-1]
        style = _line_kwargs(kwargs)

        self.lines_ = {}
        self.derivative_lines_ = {} if with_derivatives else None
        x = np.asarray(self.x, dtype=float)
        for name, values in self.values.items():
            (line,) = f_ax.plot(
                *_with_gaps(x, np.asarray(values, dtype=float)),
                **{"label": name, **style},
            )
            self.lines_[name] = line
            if with_derivatives:
                d_style = {**style, "color": line.get_color()}
                if overlay:
                    d_style["linestyle"] = "--"
                (d_line,) = d_ax.plot(
                    *_with_gaps(x, np.asarray(self.derivatives[name], dtype=float)),
                    **{"label": f"{name}'" if overlay else name, **d_style},
                )
                self.derivative_lines_[name] = d_line

        if overlay:
            self._decorate(f_ax, "f(z) (solid), f'(z) (dashed)")
        else:
            self._decorate(f_ax, "f(z)")
            if with_derivatives:
                self._decorate(d_ax, "f'(z)")
        self.ax_ = _ax_attribute(axes)
        self.figure_ = f_ax.figure
        return self

    def _decorate(self, ax, ylabel):
        x = np.asarray(self.x)
        # Zero lines show where a function is zero, negative or flat; the
        # vertical one only when z = 0 is in range, as it would widen the axis.
        ax.axhline(0, color="0.6", linewidth=0.8, zorder=1)
        if x.size and x[0] <= 0 <= x[-1]:
            ax.axvline(0, color="0.6", linewidth=0.8, zorder=1)
        if x.size > 1:
            ax.set_xlim(x[0], x[-1])
        ax.grid(True, alpha=0.3)
        ax.set_xlabel("z")
        ax.set_ylabel(ylabel)
        ax.legend()

    @classmethod
    def from_names(
        cls,
        names,
        derivative=False,
        x_range=(-5, 5),
        *,
        n_points=501,
        ax=None,
        **kwargs,
    ):
        """Plot activations given by name (or as objects).

        Each curve is the activation's own ``forward(z)`` and, with
        ``derivative=True``, its ``derivative(z, a)``: what the network
        computes, not a textbook formula.

        Parameters
        ----------
        names : str, activation object, or list of these
            Registered names or aliases (``"relu"``, ``"logistic"``, ...; see
            :data:`skact.activations.ACTIVATIONS`) or objects with ``forward``
            and ``derivative`` methods. Names label the legend as given;
            objects by their ``name``, or their ``repr`` when that is taken.

        derivative : bool, default=False
            Whether to also draw the derivatives ``f'(z)``.

        x_range : tuple of two floats, default=(-5, 5)
            The interval of ``z`` shown.

        n_points : int, default=501
            Number of evenly spaced points in ``x_range``; an odd number puts
            one at ``z = 0`` for a symmetric range.

        ax : matplotlib Axes or array-like of two Axes, default=None
            Where to draw; see :meth:`plot`.

        **kwargs : dict
            Line properties for every curve, passed to
            :meth:`matplotlib.axes.Axes.plot`.

        Returns
        -------
        display : ActivationDisplay
            With ``x``, ``values``, ``derivatives`` and the plotted objects.

        Raises
        ------
        ValueError
            If a name is unknown or given twice, ``x_range`` is not an
            increasing pair of finite numbers, ``n_points < 2``, or an
            activation returns an array of the wrong shape.
        TypeError
            If an entry is neither a name nor an activation object.
        """
        check_matplotlib_support(f"{cls.__name__}.from_names")
        if isinstance(names, str) or hasattr(names, "forward"):
            names = [names]
        names = list(names)
        if not names:
            raise ValueError("names is empty; give at least one activation.")
        try:
            low, high = (float(v) for v in x_range)
        except (TypeError, ValueError):
            raise ValueError(
                f"x_range must be a pair of numbers (low, high); got {x_range!r}."
            ) from None
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(
                f"x_range must be finite with low < high; got {x_range!r}."
            )
        if not isinstance(n_points, Integral) or isinstance(n_points, bool):
            raise TypeError(f"n_points must be an integer; got {n_points!r}.")
        if n_points < 2:
            raise ValueError(f"n_points must be at least 2; got {n_points}.")

        x = np.linspace(low, high, n_points)
        values = {}
        derivatives = {} if derivative else None
        for entry in names:
            activation = get_activation(entry)
            label = entry if isinstance(entry, str) else _activation_label(activation)
            if label in values:
                raise ValueError(f"Activation {label!r} is given twice in names.")
            # Copies: an activation may work in place on its input.
            a = _on_grid(activation.forward(x.copy()), x, label, "forward")
            values[label] = a
            if derivative:
                d = activation.derivative(x.copy(), a.copy())
                derivatives[label] = _on_grid(d, x, label, "derivative")
        display = cls(x=x, values=values, derivatives=derivatives)
        return display.plot(ax=ax, **kwargs)
