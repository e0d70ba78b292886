"""The seed experiment behind ``python -m skact demo``.

The circle data, a grid search over activations with cross-validation, a table
of the results and, on request, a figure of each activation's decision
boundary.
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
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from ._classifier import ActivationMLPClassifier
from .activations import ACTIVATIONS, get_activation

#: Every built-in activation once (aliases left out), identity first.
DEMO_ACTIVATIONS = list(dict.fromkeys(a.name for a in ACTIVATIONS.values()))

FIGURE_NAME = "decision_boundaries.png"

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


def _to_stderr(message):
    print(message, file=sys.stderr, flush=True)


class _ProgressScorer:
    """Accuracy that also reports which activation GridSearchCV fits next.

    Without ``n_jobs``, GridSearchCV fits and scores all folds of one candidate
    before the next candidate, in the order of the parameter grid. A scorer is
    called after every fit, so it can announce the next activation once the
    current one has been scored on all folds, without wrapping the estimator.
    """

    def __init__(self, activations, n_splits, report):
        self.activations = activations
        self.n_splits = n_splits
        self.report = report
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
        return accuracy_score(y, estimator.predict(X))


def _check_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError as e:
        raise ImportError(_MATPLOTLIB_MISSING) from e


def run_demo(activations=None, cv=5, out=None, print=print, progress=_to_stderr):
    """Grid-search the seed network's activation on the circle data.

    Runs :class:`~sklearn.model_selection.GridSearchCV` over
    ``{"activation": activations}`` with stratified ``cv``-fold
    cross-validation, prints a table (activation, CV accuracy mean ± std,
    mean fit time) and, with ``out``, saves a figure of the decision boundary
    of each activation's network fitted on all the data.

    Parameters
    ----------
    activations : list of str, default=None
        Activation names to compare; all built-in ones by default.
    cv : int, default=5
        Number of cross-validation folds.
    out : str or path, default=None
        Directory (created if missing) to write ``decision_boundaries.png``
        to. Needs matplotlib.
    print : callable, default=print
        Receives the table, one line per call.
    progress : callable, default=print to stderr
        Receives progress lines, so they stay out of the table.

    Returns
    -------
    rows : list of dict
        ``activation``, ``cv_accuracy`` (mean), ``cv_std`` and ``fit_time``
        (mean seconds per fit), one per activation.

    Raises
    ------
    ValueError
        For an unknown activation name or fewer than 2 folds.
    ImportError
        If ``out`` is given and matplotlib is not installed; raised before any
        fitting.
    """
    activations = list(dict.fromkeys(activations or DEMO_ACTIVATIONS))
    for name in activations:
        get_activation(name)  # an unknown name fails now, not 5 folds later
    if out is not None:
        _check_matplotlib()
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

    start = time.perf_counter()
    scorer = _ProgressScorer(activations, cv, progress)
    search = GridSearchCV(
        seed_estimator(activations[0]),
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
    rows = [
        {
            "activation": params["activation"],
            "cv_accuracy": float(mean),
            "cv_std": float(std),
            "fit_time": float(fit_time),
        }
        for params, mean, std, fit_time in zip(
            results["params"],
            results["mean_test_score"],
            results["std_test_score"],
            results["mean_fit_time"],
        )
    ]

    header = f"{'activation':<12} {'CV accuracy':>16} {'fit time':>10}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['activation']:<12} {row['cv_accuracy']:>9.3f} ± "
            f"{row['cv_std']:.3f} {row['fit_time']:>9.2f}s"
        )
    if "identity" in activations:
        print(
            "\nidentity stays near the majority class: without a non-linear "
            "activation the stacked layers are one linear map, and no line "
            "separates a disc from its surroundings."
        )
    best = max(rows, key=lambda row: row["cv_accuracy"])
    print(f"Best: {best['activation']} ({best['cv_accuracy']:.3f}).")

    if out is not None:
        path = plot_decision_boundaries(rows, X, y, out, progress)
        print(f"Decision boundaries: {path}")
    print(f"({time.perf_counter() - start:.1f}s)")
    return rows


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
    fig = Figure(figsize=(2.7 * ncols + 1, 2.9 * nrows + 0.6), layout="constrained")
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
        display.surface_, ax=axes, shrink=0.8, label="P(outside), network on all data"
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
