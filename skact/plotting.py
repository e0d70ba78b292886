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

import math
from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_is_fitted
from sklearn_compat.utils._optional_dependencies import check_matplotlib_support

from ._base import BaseActivationMLP, FittedNetwork
from .activations import activation_name, get_activation

__all__ = ["ActivationDisplay", "TrainingHistoryDisplay"]


# ----------------------------------------------------------------------
# shared helpers
# ----------------------------------------------------------------------
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


# ----------------------------------------------------------------------
# activation functions
# ----------------------------------------------------------------------
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


class ActivationDisplay:
    """Activation functions, and optionally their derivatives, against ``z``.

    The curves ``a = f(z)`` of several activations on one Axes (and ``f'(z)``
    on a second one, or dashed on the same), to compare their shapes: where
    they saturate, where they are zero, how steep they are at 0. Create it
    with :meth:`from_names`; the constructor takes values already computed.

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
        The curve of each activation.

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
        for name, values in self.values.items():
            (line,) = f_ax.plot(self.x, values, **{"label": name, **style})
            self.lines_[name] = line
            if with_derivatives:
                d_style = {**style, "color": line.get_color()}
                if overlay:
                    d_style["linestyle"] = "--"
                (d_line,) = d_ax.plot(
                    self.x,
                    self.derivatives[name],
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
            label = entry if isinstance(entry, str) else activation_name(activation)
            if label in values and not isinstance(entry, str):
                # Two settings of one activation, e.g. LeakyReLU(0.01) and
                # LeakyReLU(0.2): their reprs tell them apart.
                label = repr(activation)
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


# ----------------------------------------------------------------------
# training history
# ----------------------------------------------------------------------
#: Panels in drawing order, with their y-axis labels.
_PANEL_LABELS = {
    "loss": "loss",
    "val_score": "validation score",
    "grad_norm": "gradient norm",
    "dead_fraction": "dead fraction",
    "saturated_fraction": "saturated fraction",
}


def _series(history, key):
    """One number per epoch as a float array; missing values are NaN."""
    return np.array(
        [np.nan if v is None else v for v in history.get(key, ())], dtype=float
    )


def _per_layer(history, key):
    """A list per epoch as an (n_epochs, n_layers) float array, padding epochs
    recorded without the numbers (None or shorter lists) with NaN."""
    rows = [() if row is None else list(row) for row in history.get(key, ())]
    width = max((len(row) for row in rows), default=0)
    table = np.full((len(rows), width), np.nan)
    for i, row in enumerate(rows):
        table[i, : len(row)] = [np.nan if v is None else v for v in row]
    return table


def _has_data(values):
    return bool(np.isfinite(values).any())


def _fitted_activation_names(estimator):
    """Names of the fitted hidden activations, or None if unknown."""
    # The copies the network was fitted with; the activation parameter may have
    # been changed since by set_params.
    if isinstance(estimator, BaseActivationMLP):
        return [activation_name(a) for a in FittedNetwork(estimator).activations]
    # Other MLPs (scikit-learn's): one activation for all hidden layers.
    activation = getattr(estimator, "activation", None)
    coefs = getattr(estimator, "coefs_", None)
    if activation is None or coefs is None:
        return None
    if not isinstance(activation, (list, tuple)):
        activation = [activation] * (len(coefs) - 1)
    try:
        return [activation_name(get_activation(a)) for a in activation]
    except (TypeError, ValueError):
        return None


class TrainingHistoryDisplay:
    """What happened during training, epoch by epoch, in up to five panels.

    The panels, each drawn only when the history holds its numbers:

    - ``"loss"``: the training loss, and the validation loss with early
      stopping;
    - ``"val_score"``: the validation score (accuracy for a classifier);
    - ``"grad_norm"``: the norm of the loss gradient with respect to each
      weight matrix, on a log scale: vanishing or exploding gradients;
    - ``"dead_fraction"``: per hidden layer, the fraction of units whose
      activation derivative was zero for every sample of the epoch;
    - ``"saturated_fraction"``: per hidden layer, the fraction of (sample,
      unit) pairs in the activation's flat region (a tiny but non-zero
      derivative).

    ``ActivationMLPClassifier``'s ``history_`` documents the exact
    definitions.

    The last three need ``ActivationMLPClassifier(diagnostics=True)``. Create
    the display with :meth:`from_estimator`; the constructor takes a history.

    Parameters
    ----------
    history : dict of list
        One entry per epoch (per iteration for L-BFGS) under the keys of
        :attr:`ActivationMLPClassifier.history_ <skact.ActivationMLPClassifier>`:
        ``"loss"``, ``"val_loss"`` and ``"val_score"`` hold numbers;
        ``"grad_norm"`` one list per epoch with a number per weight matrix;
        ``"dead_fraction"`` and ``"saturated_fraction"`` one list per epoch
        with a number per hidden layer. NaN (or None) marks epochs without a
        value; they are gaps in the lines.

    activation_names : list of str, default=None
        The activation of each hidden layer, shown in the legends of the dead
        and saturated fractions.

    xlabel : str, default="epoch"
        What one history entry is: the x-axis label.

    Attributes
    ----------
    panels_ : list of str
        The panels drawn, in order (see above).

    axes_ : dict of str to matplotlib Axes
        The Axes of each panel.

    lines_ : dict of str to list of matplotlib Line2D
        The lines of each panel.

    ax_ : matplotlib Axes or ndarray of Axes
        The Axes of the panels, in the order of ``panels_``: the Axes itself
        when there is one panel.

    figure_ : matplotlib Figure
        The figure holding the panels.

    See Also
    --------
    ActivationDisplay : The activation functions themselves.
    sklearn.model_selection.LearningCurveDisplay : Scores against training
        set size.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import make_moons
    >>> from skact import ActivationMLPClassifier, TrainingHistoryDisplay
    >>> X, y = make_moons(100, noise=0.1, random_state=0)
    >>> clf = ActivationMLPClassifier((8, 8), activation=("relu", "tanh"),
    ...                               solver="lbfgs", diagnostics=True,
    ...                               random_state=0).fit(X, y)
    >>> disp = TrainingHistoryDisplay.from_estimator(clf)
    >>> disp.panels_
    ['loss', 'grad_norm', 'dead_fraction', 'saturated_fraction']
    >>> disp.axes_["loss"].get_xlabel()
    'iteration'
    >>> [line.get_label() for line in disp.lines_["dead_fraction"]]
    ['hidden 1 (relu)', 'hidden 2 (tanh)']
    >>> plt.show()  # doctest: +SKIP

    A history recorded elsewhere:

    >>> history = {"loss": [0.7, 0.4, 0.3], "val_score": [0.6, 0.8, 0.9]}
    >>> TrainingHistoryDisplay(history).plot().panels_
    ['loss', 'val_score']
    """

    def __init__(self, history, *, activation_names=None, xlabel="epoch"):
        self.history = history
        self.activation_names = activation_names
        self.xlabel = xlabel

    def _available_panels(self):
        """The panels with at least one finite value to draw."""
        history = self.history
        data = {
            "loss": np.concatenate(
                [_series(history, "loss"), _series(history, "val_loss")]
            ),
            "val_score": _series(history, "val_score"),
            "grad_norm": _per_layer(history, "grad_norm"),
            "dead_fraction": _per_layer(history, "dead_fraction"),
            "saturated_fraction": _per_layer(history, "saturated_fraction"),
        }
        return [panel for panel in _PANEL_LABELS if _has_data(data[panel])]

    def plot(self, ax=None, *, panels=None, **kwargs):
        """Draw the panels.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            Where to draw: one Axes per panel, in the order of ``panels``. None
            creates a figure with as many Axes as panels.

        panels : list of str, default=None
            The panels to draw, among ``"loss"``, ``"val_score"``,
            ``"grad_norm"``, ``"dead_fraction"`` and ``"saturated_fraction"``;
            None for all that the history has data for.

        **kwargs : dict
            Line properties for every line, passed to
            :meth:`matplotlib.axes.Axes.plot`; e.g. ``linewidth=1``.

        Returns
        -------
        display : TrainingHistoryDisplay
            The display, with ``panels_``, ``axes_``, ``lines_``, ``ax_`` and
            ``figure_`` set.

        Raises
        ------
        ValueError
            If the history has nothing to plot, a requested panel is unknown
            or has no data, or ``ax`` holds the wrong number of Axes.
        """
        owner = type(self).__name__
        check_matplotlib_support(f"{owner}.plot")
        available = self._available_panels()
        if panels is None:
            panels = available
            if not panels:
                raise ValueError(
                    f"{owner}: the history has nothing to plot; it needs at "
                    f"least one of the keys {list(_PANEL_LABELS)} with values. "
                    f"Got keys {sorted(self.history)}."
                )
        else:
            panels = [panels] if isinstance(panels, str) else list(panels)
            for panel in panels:
                if panel not in _PANEL_LABELS:
                    raise ValueError(
                        f"Unknown panel {panel!r}; choose from {list(_PANEL_LABELS)}."
                    )
                if panel not in available:
                    raise ValueError(
                        f"The history has no data for the panel {panel!r}; "
                        f"panels with data: {available}."
                    )
            if not panels:
                raise ValueError("panels is empty; give at least one panel.")
        if ax is None:
            axes = _new_axes(len(panels), (4.5, 3.4))
        else:
            axes = _user_axes(ax, (len(panels),), owner, f"the panels {panels}")

        style = _line_kwargs(kwargs)
        self.lines_ = {}
        for panel, panel_ax in zip(panels, axes):
            self.lines_[panel] = getattr(self, f"_plot_{panel}")(panel_ax, style)
            panel_ax.set_xlabel(self.xlabel)
            panel_ax.set_ylabel(_PANEL_LABELS[panel])
            panel_ax.grid(True, alpha=0.3)
            if len(self.lines_[panel]) > 1 or panel != "val_score":
                panel_ax.legend(fontsize="small")

        self.panels_ = panels
        self.axes_ = dict(zip(panels, axes))
        self.ax_ = _ax_attribute(axes)
        self.figure_ = axes[0].figure
        return self

    @staticmethod
    def _line(ax, values, label, style, color=None):
        """Plot one per-epoch series against epochs 1, 2, ..."""
        epochs = np.arange(1, len(values) + 1)
        # A line through a single point draws nothing: mark the point.
        marker = {"marker": "o"} if len(values) == 1 else {}
        if color is not None:
            marker["color"] = color
        (line,) = ax.plot(epochs, values, **{"label": label, **marker, **style})
        return line

    @staticmethod
    def _layer_colors(n_lines):
        """Per-layer colours: the default cycle repeats after 10 lines, so
        deeper networks get a sequential map running from input to output."""
        if n_lines <= 10:
            return [None] * n_lines
        from matplotlib import colormaps

        return list(colormaps["viridis"](np.linspace(0, 0.9, n_lines)))

    def _plot_loss(self, ax, style):
        lines = [self._line(ax, _series(self.history, "loss"), "training loss", style)]
        val_loss = _series(self.history, "val_loss")
        if _has_data(val_loss):
            lines.append(self._line(ax, val_loss, "validation loss", style))
        return lines

    def _plot_val_score(self, ax, style):
        values = _series(self.history, "val_score")
        return [self._line(ax, values, "validation score", style)]

    def _plot_grad_norm(self, ax, style):
        table = _per_layer(self.history, "grad_norm")
        n_weights = table.shape[1]
        units = ["input", *(f"hidden {k}" for k in range(1, n_weights)), "output"]
        colors = self._layer_colors(n_weights)
        lines = [
            self._line(
                ax, table[:, i], f"{units[i]} → {units[i + 1]}", style, colors[i]
            )
            for i in range(n_weights)
        ]
        # A log scale shows vanishing and exploding gradients alike; it needs
        # a positive value, else matplotlib warns and falls back.
        if (table[np.isfinite(table)] > 0).any():
            ax.set_yscale("log")
        return lines

    def _hidden_labels(self, n_hidden):
        names = self.activation_names
        if names is not None and len(names) != n_hidden:
            raise ValueError(
                f"activation_names has {len(names)} entries but the history has "
                f"{n_hidden} hidden layers."
            )
        return [
            f"hidden {k + 1}" + ("" if names is None else f" ({names[k]})")
            for k in range(n_hidden)
        ]

    def _plot_fraction(self, ax, key, style):
        table = _per_layer(self.history, key)
        labels = self._hidden_labels(table.shape[1])
        colors = self._layer_colors(len(labels))
        lines = [
            self._line(ax, table[:, k], labels[k], style, colors[k])
            for k in range(len(labels))
        ]
        # A fraction's full range, so panels and models compare at a glance.
        ax.set_ylim(-0.03, 1.03)
        return lines

    def _plot_dead_fraction(self, ax, style):
        return self._plot_fraction(ax, "dead_fraction", style)

    def _plot_saturated_fraction(self, ax, style):
        return self._plot_fraction(ax, "saturated_fraction", style)

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, panels=None, **kwargs):
        """Plot the training history of a fitted network.

        Parameters
        ----------
        estimator : ActivationMLPClassifier
            A fitted network; its ``history_`` is plotted. scikit-learn's
            :class:`~sklearn.neural_network.MLPClassifier` works too (its
            ``loss_curve_`` and ``validation_scores_``).

        ax : matplotlib Axes or array-like of Axes, default=None
            One Axes per panel; see :meth:`plot`.

        panels : list of str, default=None
            The panels to draw; None for all with data. See :meth:`plot`.

        **kwargs : dict
            Line properties for every line, passed to
            :meth:`matplotlib.axes.Axes.plot`.

        Returns
        -------
        display : TrainingHistoryDisplay
            The x-axis counts epochs, or iterations for ``solver="lbfgs"``.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        ValueError
            If the estimator keeps no training history, or as :meth:`plot`.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        history = getattr(estimator, "history_", None)
        if history is None:
            loss_curve = getattr(estimator, "loss_curve_", None)
            if loss_curve is None:
                raise ValueError(
                    f"{type(estimator).__name__} keeps no training history "
                    "(history_ or loss_curve_) to plot."
                )
            history = {"loss": list(loss_curve)}
            scores = getattr(estimator, "validation_scores_", None)
            if scores is not None:
                history["val_score"] = list(scores)
        lbfgs = getattr(estimator, "solver", None) == "lbfgs"
        display = cls(
            history,
            activation_names=_fitted_activation_names(estimator),
            xlabel="iteration" if lbfgs else "epoch",
        )
        return display.plot(ax=ax, panels=panels, **kwargs)
