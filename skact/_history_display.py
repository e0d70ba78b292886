"""TrainingHistoryDisplay: loss, scores and unit health per epoch."""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.base import is_classifier, is_regressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn_compat.utils._optional_dependencies import check_matplotlib_support

from ._base import BaseActivationMLP
from ._fitted import FittedNetwork
from ._plot_helpers import (
    _activation_label,
    _ax_attribute,
    _legend_beside,
    _line_kwargs,
    _new_axes,
    _user_axes,
)
from .activations import get_activation

#: Panels in drawing order, with their y-axis labels.
_PANEL_LABELS = {
    "loss": "loss",
    "val_score": "validation score",
    "grad_norm": "gradient norm",
    "dead_fraction": "dead fraction",
    "saturated_fraction": "saturated fraction",
}


#: Dash patterns of the per-layer fraction lines, in layer order.
_LAYER_DASHES = ("-", "--", ":", "-.")


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


class NoTrainingHistoryError(TypeError, ValueError):
    """What ``from_estimator`` raises for an estimator it cannot plot.

    A TypeError, as the other helpers raise for what they do not take; also a
    ValueError, which ``from_estimator`` raised for an estimator without a
    history before it took pipelines.
    """


#: What from_estimator takes, for its error message.
_ACCEPTED = (
    "a fitted estimator that keeps a training history (a skact estimator's "
    "history_, or the loss_curve_ of scikit-learn's MLPClassifier or "
    "MLPRegressor) or a fitted Pipeline ending in one"
)


def _keeps_history(step):
    """Whether ``step`` is an estimator whose training history can be read
    (once fitted): a skact or scikit-learn MLP, or one with a history."""
    return isinstance(step, (BaseActivationMLP, MLPClassifier, MLPRegressor)) or any(
        hasattr(step, name) for name in ("history_", "loss_curve_")
    )


def _has_data(values):
    return bool(np.isfinite(values).any())


def _fitted_activations(estimator):
    """The fitted hidden activations (objects), or None if unknown."""
    # The copies the network was fitted with; the activation parameter may have
    # been changed since by set_params.
    if isinstance(estimator, BaseActivationMLP):
        return list(FittedNetwork(estimator).activations)
    # Other MLPs (scikit-learn's): one activation for all hidden layers.
    activation = getattr(estimator, "activation", None)
    coefs = getattr(estimator, "coefs_", None)
    if activation is None or coefs is None:
        return None
    if not isinstance(activation, (list, tuple)):
        activation = [activation] * (len(coefs) - 1)
    try:
        return [get_activation(a) for a in activation]
    except (TypeError, ValueError):
        return None


def _score_name(estimator):
    """What ``val_score`` measures: accuracy, R² (the squared error), or the
    D² of the loss a skact regressor trains."""
    if is_classifier(estimator):
        return "accuracy"
    if is_regressor(estimator):
        loss = getattr(estimator, "loss", "squared_error")
        return "R²" if loss == "squared_error" else f"D² ({loss})"
    return None


def _kept_epoch(estimator, history):
    """The epoch (from 1) whose weights early stopping kept, or None.

    With ``early_stopping=True`` a fit ends with the weights of the first
    epoch that reached the best validation score, ``best_validation_score_``
    (a later epoch must beat it, not tie it, to replace it): skact's
    estimators and scikit-learn's MLPs alike. Without early stopping the
    weights are the last epoch's, and nothing is marked.
    """
    best = getattr(estimator, "best_validation_score_", None)
    if not getattr(estimator, "early_stopping", False) or best is None:
        return None
    (at,) = np.nonzero(_series(history, "val_score") == best)
    return int(at[0]) + 1 if at.size else None


class TrainingHistoryDisplay:
    """What happened during training, epoch by epoch, in up to five panels.

    The panels, each drawn only when the history holds its numbers:

    - ``"loss"``: the training loss, and the validation loss with early
      stopping;
    - ``"val_score"``: the validation score (accuracy for a classifier, R²
      for a regressor), with the epoch whose weights early stopping kept
      marked;
    - ``"grad_norm"``: the norm of the loss gradient with respect to each
      weight matrix, on a log scale: vanishing or exploding gradients;
    - ``"dead_fraction"``: per hidden layer, the fraction of units whose
      activation derivative was zero for every sample of the epoch;
    - ``"saturated_fraction"``: per hidden layer, the fraction of (sample,
      unit) pairs in the activation's flat region (a tiny but non-zero
      derivative). :meth:`from_estimator` leaves it out for a network whose
      hidden activations all have a 0-or-1 derivative (ReLU): such units are
      dead or passing, never saturated, and the panel would be 0 throughout.

    ``ActivationMLPClassifier``'s ``history_`` documents the exact
    definitions.

    The last three need ``ActivationMLPClassifier(diagnostics=True)``. Create
    the display with :meth:`from_estimator`; the constructor takes a history.
    The legends stand beside their panels, off the lines.

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

    score_name : str, default=None
        What the validation score measures, e.g. ``"accuracy"`` or ``"R²"``:
        the ``val_score`` panel is labelled "validation <score_name>". None
        says "validation score".

    best_epoch : int, default=None
        The epoch (counted from 1) whose weights the model kept, marked by a
        dotted vertical line in every panel and a point on the validation
        score; None marks nothing.

    Attributes
    ----------
    panels_ : list of str
        The panels drawn, in order (see above).

    axes_ : dict of str to matplotlib Axes
        The Axes of each panel.

    lines_ : dict of str to list of matplotlib Line2D
        The lines of each panel.

    best_epoch_lines_ : dict of str to matplotlib Line2D
        The vertical line at ``best_epoch`` in each panel; empty without
        ``best_epoch``.

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

    def __init__(
        self,
        history,
        *,
        activation_names=None,
        xlabel="epoch",
        score_name=None,
        best_epoch=None,
    ):
        self.history = history
        self.activation_names = activation_names
        self.xlabel = xlabel
        self.score_name = score_name
        self.best_epoch = best_epoch

    def _panel_label(self, panel):
        if panel == "val_score" and self.score_name is not None:
            return f"validation {self.score_name}"
        return _PANEL_LABELS[panel]

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
            # Wide panels: each legend stands beside its panel.
            axes = _new_axes(len(panels), (6.0, 3.4))
        else:
            axes = _user_axes(ax, (len(panels),), owner, f"the panels {panels}")

        style = _line_kwargs(kwargs)
        self.lines_ = {}
        self.best_epoch_lines_ = {}
        for panel, panel_ax in zip(panels, axes):
            self.lines_[panel] = getattr(self, f"_plot_{panel}")(panel_ax, style)
            if self.best_epoch is not None:
                self.best_epoch_lines_[panel] = panel_ax.axvline(
                    self.best_epoch,
                    color="0.4",
                    linestyle=":",
                    linewidth=1.2,
                    zorder=1.5,
                    label=f"kept weights (epoch {self.best_epoch})",
                )
            panel_ax.set_xlabel(self.xlabel)
            panel_ax.set_ylabel(self._panel_label(panel))
            panel_ax.grid(True, alpha=0.3)
            n_entries = len(panel_ax.get_legend_handles_labels()[0])
            # A lone loss or score is named by its axis label; a lone layer's
            # entry still says its activation.
            if n_entries > 1 or panel not in ("loss", "val_score"):
                _legend_beside(panel_ax, fontsize="small")

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
        line = self._line(ax, values, self._panel_label("val_score"), style)
        epoch = self.best_epoch
        if epoch is not None and 1 <= epoch <= len(values):
            # The kept epoch's score, on the line, in its colour.
            ax.plot(
                epoch,
                values[epoch - 1],
                marker="o",
                markersize=6,
                markerfacecolor="none",
                color=line.get_color(),
                linestyle="none",
            )
        return [line]

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
        if "linestyle" not in style:
            # Layers often share a fraction (0 for every healthy layer): each
            # its own dash pattern, so a line on top does not hide another.
            for k, line in enumerate(lines):
                line.set_linestyle(_LAYER_DASHES[k % len(_LAYER_DASHES)])
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
        estimator : fitted skact estimator or Pipeline ending in one
            A fitted :class:`ActivationMLPClassifier` or
            :class:`ActivationMLPRegressor`, whose ``history_`` is plotted,
            or a fitted :class:`~sklearn.pipeline.Pipeline` whose last step is
            one (its history is that of the last step). scikit-learn's
            :class:`~sklearn.neural_network.MLPClassifier` and
            :class:`~sklearn.neural_network.MLPRegressor` work too (their
            ``loss_curve_`` and ``validation_scores_``), alone or ending a
            Pipeline.

        ax : matplotlib Axes or array-like of Axes, default=None
            One Axes per panel; see :meth:`plot`.

        panels : list of str, default=None
            The panels to draw; None for all with data, except the saturated
            fraction when every hidden activation has a 0-or-1 derivative
            (ReLU), which is never saturated. See :meth:`plot`.

        **kwargs : dict
            Line properties for every line, passed to
            :meth:`matplotlib.axes.Axes.plot`.

        Returns
        -------
        display : TrainingHistoryDisplay
            The x-axis counts epochs, or iterations for ``solver="lbfgs"``.
            The validation score is named for what the estimator's ``score``
            measures (accuracy for a classifier, R² for a regressor). With
            ``early_stopping=True`` the model keeps the weights of the first
            epoch whose validation score equals ``best_validation_score_``
            (later epochs must beat it to replace it); that epoch is
            ``best_epoch``, marked in every panel.

        Raises
        ------
        TypeError
            If ``estimator`` keeps no training history to plot (it is neither
            of the above, nor a Pipeline ending in one). The error is also a
            ValueError, as in skact versions before pipelines were accepted.
        sklearn.exceptions.NotFittedError
            If the estimator or Pipeline is not fitted.
        ValueError
            As :meth:`plot`.

        Examples
        --------
        >>> from sklearn.datasets import make_moons
        >>> from sklearn.pipeline import make_pipeline
        >>> from sklearn.preprocessing import StandardScaler
        >>> from skact import ActivationMLPClassifier, TrainingHistoryDisplay
        >>> X, y = make_moons(100, noise=0.1, random_state=0)
        >>> pipe = make_pipeline(
        ...     StandardScaler(),
        ...     ActivationMLPClassifier((8,), solver="lbfgs", random_state=0),
        ... ).fit(X, y)
        >>> TrainingHistoryDisplay.from_estimator(pipe).panels_
        ['loss']
        """
        caller = f"{cls.__name__}.from_estimator"
        check_matplotlib_support(caller)
        _, estimator = FittedNetwork.split_pipeline(
            estimator,
            caller,
            accepts=_keeps_history,
            accepted=_ACCEPTED,
            note=", which keeps no training history (history_ or loss_curve_)",
            error=NoTrainingHistoryError,
        )
        history = getattr(estimator, "history_", None)
        if history is None:
            loss_curve = getattr(estimator, "loss_curve_", None)
            if loss_curve is None:
                raise NoTrainingHistoryError(
                    f"{type(estimator).__name__} keeps no training history "
                    "(history_ or loss_curve_) to plot."
                )
            history = {"loss": list(loss_curve)}
            scores = getattr(estimator, "validation_scores_", None)
            if scores is not None:
                history["val_score"] = list(scores)
        lbfgs = getattr(estimator, "solver", None) == "lbfgs"
        activations = _fitted_activations(estimator)
        display = cls(
            history,
            activation_names=None
            if activations is None
            else [_activation_label(a) for a in activations],
            xlabel="iteration" if lbfgs else "epoch",
            score_name=_score_name(estimator),
            best_epoch=_kept_epoch(estimator, history),
        )
        if (
            panels is None
            and activations
            and all(getattr(a, "binary_derivative", False) for a in activations)
        ):
            # A 0-or-1 derivative is never "tiny but non-zero": the saturated
            # fraction of such a network is 0 by definition, not a finding.
            panels = [
                p for p in display._available_panels() if p != "saturated_fraction"
            ]
        return display.plot(ax=ax, panels=panels, **kwargs)
