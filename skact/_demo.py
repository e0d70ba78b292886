"""The seed experiment behind ``python -m skact demo``."""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_validate

from ._mlp import ActivationMLPClassifier
from .activations import ACTIVATIONS

#: Every built-in activation once (aliases left out), identity first.
DEMO_ACTIVATIONS = list(dict.fromkeys(a.name for a in ACTIVATIONS.values()))


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


def run_demo(activations=None, cv=5, print=print):
    """Cross-validate the seed network with each activation; print a table.

    Returns
    -------
    rows : list of dict
        ``activation``, ``cv_accuracy`` (mean), ``cv_std`` and ``fit_time``
        (mean seconds per fit), one per activation.
    """
    activations = activations or DEMO_ACTIVATIONS
    X, y = make_circle()
    folds = StratifiedKFold(cv, shuffle=True, random_state=0)
    majority = max(np.mean(y), 1 - np.mean(y))
    print(
        f"Circle data: {len(y)} points in [-1, 1]^2, label = radius > 0.5 "
        f"(majority class {majority:.1%})."
    )
    print(
        f"Network: 2-16-16-2, Adam, learning_rate_init=0.01, up to 500 epochs; "
        f"{cv}-fold cross-validation.\n"
    )
    header = f"{'activation':<12} {'CV accuracy':>16} {'fit time':>10}"
    print(header)
    print("-" * len(header))
    rows = []
    start = time.perf_counter()
    for activation in activations:
        with warnings.catch_warnings():
            # Some folds use all 500 epochs; the table shows how far they got.
            warnings.simplefilter("ignore", ConvergenceWarning)
            result = cross_validate(seed_estimator(activation), X, y, cv=folds)
        row = {
            "activation": activation,
            "cv_accuracy": float(result["test_score"].mean()),
            "cv_std": float(result["test_score"].std()),
            "fit_time": float(result["fit_time"].mean()),
        }
        rows.append(row)
        print(
            f"{activation:<12} {row['cv_accuracy']:>9.3f} ± {row['cv_std']:.3f} "
            f"{row['fit_time']:>9.2f}s"
        )
    if "identity" in activations:
        print(
            "\nidentity stays near the majority class: without a non-linear "
            "activation the stacked layers are one linear map, and no line "
            "separates a disc from its surroundings."
        )
    print(f"({time.perf_counter() - start:.1f}s)")
    return rows
