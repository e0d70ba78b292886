"""The seed experiment behind ``python -m skact demo``.

The circle data, a grid search over activations with cross-validation, a table
of the results and, on request, a figure of each activation's decision
boundary; with ``task="regression"``, the same for a regression target over the
same points (R^2, and a figure of each activation's fitted surface).
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold

from ._classifier import ActivationMLPClassifier
from ._regressor import ActivationMLPRegressor
from .activations import ACTIVATIONS, get_activation

#: Every built-in activation once (aliases left out), identity first.
DEMO_ACTIVATIONS = list(dict.fromkeys(a.name for a in ACTIVATIONS.values()))

#: What the demo can fit: ``run_demo(task=...)``, ``--task``.
TASKS = ("classification", "regression")

FIGURE_NAME = "decision_boundaries.png"
REGRESSION_FIGURE_NAME = "regression_surfaces.png"

_MATPLOTLIB_MISSING = (
    "--out draws a figure and needs matplotlib, which is not installed. "
    "Install it with: pip install 'skact[plot]'  (or: pip install matplotlib)"
)


def make_circle(n_samples=500, radius=0.5, random_state=42):
    """Points uniform in ``[-1, 1]^2``, labelled 1 outside a centred circle.

    The articles' seed data: with the defaults, the same points as
    ``np.random.seed(42); np.random.uniform(-1, 1, (500, 2))``. No line
    separates the classes, so a network without non-linear activations
    cannot do better than (about) always predicting the majority class.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
        1 where the distance from the origin exceeds ``radius``, else 0.
    """
    rng = np.random.RandomState(random_state)
    X = rng.uniform(-1, 1, (n_samples, 2))
    y = (np.sqrt((X**2).sum(axis=1)) > radius).astype(int)
    return X, y


def wave(X):
    """The regression demo's noise-free target, ``sin(pi x1) + x2^2``."""
    return np.sin(np.pi * X[:, 0]) + X[:, 1] ** 2


def make_wave(n_samples=500, noise=0.1, random_state=42):
    """The circle data's points with a smooth non-linear target.

    ``y = sin(pi x1) + x2^2`` plus Gaussian noise of standard deviation
    ``noise``: a wave along ``x1`` and a bowl along ``x2``. With the defaults,
    ``X`` is :func:`make_circle`'s. A linear model finds only the straight
    trend of the sine, about half the variance.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
    """
    rng = np.random.RandomState(random_state)
    X = rng.uniform(-1, 1, (n_samples, 2))  # drawn first: make_circle's points
    y = wave(X) + noise * rng.standard_normal(n_samples)
    return X, y


def seed_estimator(activation, random_state=0):
    """The seed network: 2 inputs, hidden (16, 16), Adam at 0.01, 500 epochs."""
    return ActivationMLPClassifier(
        (16, 16),
        activation=activation,
        solver="adam",
        learning_rate_init=0.01,
        max_iter=500,
        random_state=random_state,
    )


def seed_regressor(activation, random_state=0):
    """The seed network with one output for regression (squared error)."""
    return ActivationMLPRegressor(
        hidden_layer_sizes=(16, 16),
        activation=activation,
        solver="adam",
        learning_rate_init=0.01,
        max_iter=500,
        random_state=random_state,
    )


def _to_stderr(message):
    print(message, file=sys.stderr, flush=True)


class _ProgressScorer:
    """A metric that also reports which activation GridSearchCV fits next.

    Without ``n_jobs``, GridSearchCV fits and scores all folds of one candidate
    before the next candidate, in the order of the parameter grid. A scorer is
    called after every fit, so it can announce the next activation once the
    current one has been scored on all folds, without wrapping the estimator.
    """

    def __init__(self, activations, n_splits, report, metric=accuracy_score):
        self.activations = activations
        self.n_splits = n_splits
        self.report = report
        self.metric = metric
        self._folds_done = dict.fromkeys(activations, 0)

    def announce(self, index):
        self.report(
            f"[{index + 1}/{len(self.activations)}] fitting "
            f"{self.activations[index]} ({self.n_splits} folds) ..."
        )

    def __call__(self, estimator, X, y):
        name = estimator.activation
        self._folds_done[name] += 1
        index = self.activations.index(name)
        if self._folds_done[name] == self.n_splits and index + 1 < len(
            self.activations
        ):
            self.announce(index + 1)
        return self.metric(y, estimator.predict(X))


def _check_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError as e:
        raise ImportError(_MATPLOTLIB_MISSING) from e


def run_demo(
    activations=None,
    cv=5,
    out=None,
    print=print,
    progress=_to_stderr,
    task="classification",
):
    """Grid-search the seed network's activation on the demo data.

    Runs :class:`~sklearn.model_selection.GridSearchCV` over
    ``{"activation": activations}`` with ``cv``-fold cross-validation and
    prints a table (activation, CV score mean ± std, mean fit time).

    With ``task="classification"`` (the default) the data are the circle data
    (:func:`make_circle`), the score is accuracy, the folds are stratified,
    and ``out`` gets a figure of the decision boundary of each activation's
    network fitted on all the data. With ``task="regression"`` the data are
    the same points with the target of :func:`make_wave`, the network has one
    output trained on the squared error, the score is R^2, and ``out`` gets a
    figure of each network's fitted surface beside the true one.

    Parameters
    ----------
    activations : list of str, default=None
        Activation names to compare; all built-in ones by default.
    cv : int, default=5
        Number of cross-validation folds.
    out : str or path, default=None
        Directory (created if missing) to write the figure to:
        ``decision_boundaries.png``, or ``regression_surfaces.png`` for
        regression. Needs matplotlib.
    print : callable, default=print
        Receives the table, one line per call.
    progress : callable, default=print to stderr
        Receives progress lines, so they stay out of the table.
    task : {"classification", "regression"}, default="classification"
        Which demo to run.

    Returns
    -------
    rows : list of dict
        ``activation``, the CV score's mean (``cv_accuracy`` for
        classification, ``cv_r2`` for regression), its ``cv_std`` and
        ``fit_time`` (mean seconds per fit), one per activation.

    Raises
    ------
    ValueError
        For an unknown task or activation name, or fewer than 2 folds.
    ImportError
        If ``out`` is given and matplotlib is not installed; raised before any
        fitting.
    """
    if task not in TASKS:
        raise ValueError(f"Unknown task {task!r}; choose one of {', '.join(TASKS)}.")
    activations = list(dict.fromkeys(activations or DEMO_ACTIVATIONS))
    for name in activations:
        get_activation(name)  # an unknown name fails now, not 5 folds later
    if out is not None:
        _check_matplotlib()
    run = _run_classification if task == "classification" else _run_regression
    return run(activations, cv, out, print, progress)


def _grid_search(estimator, activations, X, y, folds, metric, progress):
    """Cross-validate ``estimator`` with each activation, announcing each one.

    Returns ``(activation, mean score, std, mean fit time)`` per activation.
    """
    scorer = _ProgressScorer(activations, folds.get_n_splits(), progress, metric)
    search = GridSearchCV(
        estimator,
        {"activation": activations},
        scoring=scorer,
        cv=folds,
        refit=False,  # the figure refits every activation, not just the best
        error_score="raise",
    )
    scorer.announce(0)
    with warnings.catch_warnings():
        # Some folds use all 500 epochs; the table shows how far they got.
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    results = search.cv_results_
    return [
        (params["activation"], float(mean), float(std), float(fit_time))
        for params, mean, std, fit_time in zip(
            results["params"],
            results["mean_test_score"],
            results["std_test_score"],
            results["mean_fit_time"],
        )
    ]


def _print_table(rows, score_key, score_label, print):
    header = f"{'activation':<12} {score_label:>16} {'fit time':>10}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['activation']:<12} {row[score_key]:>9.3f} ± "
            f"{row['cv_std']:.3f} {row['fit_time']:>9.2f}s"
        )


def _search_and_report(
    estimator, activations, data, scoring, identity_remark, figure, out, print, progress
):
    """Both tasks' demo: the grid search over ``activations`` on ``data =
    (X, y, folds)``, its table (``scoring = (scorer, row key, column
    label)``), the identity remark, the best activation, and with ``out``
    the figure (``figure = (plot function, what it shows)``)."""
    X, y, folds = data
    scorer, score_key, score_label = scoring
    start = time.perf_counter()
    results = _grid_search(estimator, activations, X, y, folds, scorer, progress)
    rows = [
        {"activation": name, score_key: mean, "cv_std": std, "fit_time": fit}
        for name, mean, std, fit in results
    ]
    _print_table(rows, score_key, score_label, print)
    if "identity" in activations:
        print("\n" + identity_remark)
    best = max(rows, key=lambda row: row[score_key])
    print(f"Best: {best['activation']} ({best[score_key]:.3f}).")

    if out is not None:
        plot, shows = figure
        print(f"{shows}: {plot(rows, X, y, out, progress)}")
    print(f"({time.perf_counter() - start:.1f}s)")
    return rows


def _run_classification(activations, cv, out, print, progress):
    X, y = make_circle()
    folds = StratifiedKFold(cv, shuffle=True, random_state=0)
    majority = max(np.mean(y), 1 - np.mean(y))
    print(
        f"Circle data: {len(y)} points in [-1, 1]^2, label = radius > 0.5 "
        f"(majority class {majority:.1%})."
    )
    print(
        f"Network: 2-16-16-2, Adam, learning_rate_init=0.01, up to 500 epochs; "
        f"grid search over {len(activations)} activations with "
        f"{cv}-fold cross-validation.\n"
    )

    return _search_and_report(
        seed_estimator(activations[0]),
        activations,
        (X, y, folds),
        (accuracy_score, "cv_accuracy", "CV accuracy"),
        "identity stays near the majority class: without a non-linear "
        "activation the stacked layers are one linear map, and no line "
        "separates a disc from its surroundings.",
        (plot_decision_boundaries, "Decision boundaries"),
        out,
        print,
        progress,
    )


def _run_regression(activations, cv, out, print, progress):
    X, y = make_wave()
    folds = KFold(cv, shuffle=True, random_state=0)
    print(
        f"Wave data: the circle data's {len(y)} points in [-1, 1]^2, "
        "y = sin(pi x1) + x2^2 + noise (standard deviation 0.1); "
        f"the noise-free function itself scores R^2 {r2_score(y, wave(X)):.3f}."
    )
    print(
        f"Network: 2-16-16-1, squared error, Adam, learning_rate_init=0.01, "
        f"up to 500 epochs; grid search over {len(activations)} activations "
        f"with {cv}-fold cross-validation.\n"
    )

    return _search_and_report(
        seed_regressor(activations[0]),
        activations,
        (X, y, folds),
        (r2_score, "cv_r2", "CV R^2"),
        "identity finds only the straight trend of the sine: without a "
        "non-linear activation the stacked layers are one linear map, a "
        "plane, which can follow neither the wave along x1 nor the bowl "
        "along x2.",
        (plot_regression_surfaces, "Fitted surfaces"),
        out,
        print,
        progress,
    )


def plot_decision_boundaries(rows, X, y, out, progress=_to_stderr):
    """Fit each activation on all of ``X`` and draw its decision boundary.

    One panel per row of :func:`run_demo`'s table, titled with the activation
    and its CV accuracy; shading is the predicted probability of the outer
    class, the dashed circle the true boundary. Returns the PNG's path.
    """
    # matplotlib is optional: import it only when a figure is asked for.
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle
    from sklearn.inspection import DecisionBoundaryDisplay

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    n = len(rows)
    ncols = min(n, 5)
    nrows = math.ceil(n / ncols)
    # Figure, not pyplot: no GUI backend and no global state for a file.
    # Square panels: a cell as wide as a panel and its tick labels (a wider
    # one would leave a gap before the colour bar), as tall as that and the
    # two-line title; "compressed" closes up equal-aspect panels.
    fig = Figure(figsize=(2.3 * ncols + 1.3, 2.5 * nrows + 1), layout="compressed")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, (ax, row) in enumerate(zip(axes.flat, rows)):
        name = row["activation"]
        progress(f"[{i + 1}/{n}] fitting {name} on all {len(y)} points for the figure")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            estimator = seed_estimator(name).fit(X, y)
        display = DecisionBoundaryDisplay.from_estimator(
            estimator,
            X,
            response_method="predict_proba",
            grid_resolution=120,
            eps=0.05,
            cmap="RdBu",
            vmin=0,
            vmax=1,
            levels=np.linspace(0, 1, 11),
            alpha=0.8,
            ax=ax,
        )
        for label, color, text in (
            (0, "gold", "inside"),
            (1, "white", "outside"),
        ):
            ax.scatter(
                *X[y == label].T,
                s=8,
                c=color,
                edgecolors="k",
                linewidths=0.3,
                label=f"{text} (y = {label})",
            )
        ax.add_patch(Circle((0, 0), 0.5, fill=False, ls="--", lw=1, color="k"))
        ax.set_title(f"{name}\nCV accuracy {row['cv_accuracy']:.3f}", fontsize=10)
        ax.set_aspect("equal")
        ax.set_xlabel("x1" if i + ncols >= n else "")  # no panel below
        ax.set_ylabel("x2" if i % ncols == 0 else "")
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    fig.colorbar(
        display.surface_,
        ax=axes,
        shrink=0.8,
        pad=0.02,
        label="P(outside), network on all data",
    )
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=9)
    fig.suptitle(
        "Decision boundaries on the circle data\n"
        "(2-16-16-2 network per activation; dashed: true circle)"
    )
    path = out / FIGURE_NAME
    fig.savefig(path, dpi=100)
    return path


def plot_regression_surfaces(rows, X, y, out, progress=_to_stderr):
    """Fit each activation on all of ``X`` and draw its fitted surface.

    The first panel is the noise-free target with the data points, then one
    panel per row of :func:`run_demo`'s regression table, titled with the
    activation and its CV R², all on one colour scale. Returns the PNG's
    path.
    """
    # matplotlib is optional: import it only when a figure is asked for.
    from matplotlib.figure import Figure

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    grid = np.linspace(-1, 1, 121)
    xx1, xx2 = np.meshgrid(grid, grid)
    X_grid = np.column_stack([xx1.ravel(), xx2.ravel()])
    truth = wave(X_grid).reshape(xx1.shape)
    levels = np.linspace(truth.min(), truth.max(), 13)

    n = len(rows) + 1  # the target, then one panel per activation
    ncols = min(n, 4)
    nrows = math.ceil(n / ncols)
    # Figure, not pyplot: no GUI backend and no global state for a file.
    # Square panels: a cell as wide as a panel and its tick labels (a wider
    # one would leave a gap before the colour bar), as tall as that and the
    # two-line title; "compressed" closes up equal-aspect panels.
    fig = Figure(figsize=(2.3 * ncols + 1.3, 2.5 * nrows + 1), layout="compressed")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    style = dict(levels=levels, cmap="viridis", extend="both")
    surface = axes.flat[0].contourf(xx1, xx2, truth, **style)
    axes.flat[0].scatter(*X.T, s=2, c="k", alpha=0.3)
    axes.flat[0].set_title("target: sin(π x1) + x2²\n(dots: the data)", fontsize=10)
    for i, row in enumerate(rows, start=1):
        name = row["activation"]
        progress(f"[{i}/{n - 1}] fitting {name} on all {len(y)} points for the figure")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            estimator = seed_regressor(name).fit(X, y)
        predicted = estimator.predict(X_grid).reshape(xx1.shape)
        axes.flat[i].contourf(xx1, xx2, predicted, **style)
        axes.flat[i].set_title(f"{name}\nCV R² {row['cv_r2']:.3f}", fontsize=10)
    for i, ax in enumerate(axes.flat[:n]):
        ax.set_aspect("equal")
        ax.set_xlabel("x1" if i + ncols >= n else "")  # no panel below
        ax.set_ylabel("x2" if i % ncols == 0 else "")
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    fig.colorbar(
        surface,
        ax=axes,
        shrink=0.8,
        pad=0.02,
        label="y (networks: fitted on all the data)",
    )
    fig.suptitle("Fitted surfaces on the wave data\n(2-16-16-1 network per activation)")
    path = out / REGRESSION_FIGURE_NAME
    fig.savefig(path, dpi=100)
    return path
