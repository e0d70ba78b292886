"""
=================================
Why networks need a non-linearity
=================================

The circle data puts one class inside a disc and the other around it. A line
cannot separate them, and a network without non-linear activations can only
draw lines: however many layers it has, they multiply out into one linear map
(see :ref:`sphx_glr_auto_examples_plot_linear_collapse.py`). Give the same
network any non-linear activation and it bends its decision boundary around
the disc.

Here the same network, two hidden layers of 16 units trained with Adam, is fit
with the identity and with five non-linear activations, and we compare their
accuracy on held-out points and their decision boundaries.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# The data
# --------
# 500 points uniform in :math:`[-1, 1]^2`, labelled 1 ("outside") when farther
# than 0.5 from the origin. A quarter of them are held out for testing.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.model_selection import train_test_split

from skact import ActivationMLPClassifier

rng = np.random.RandomState(42)
X = rng.uniform(-1, 1, (500, 2))
y = (np.sqrt((X**2).sum(axis=1)) > 0.5).astype(int)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
majority_rate = max(y_test.mean(), 1 - y_test.mean())
print(f"test points: {len(y_test)}, majority class rate: {majority_rate:.3f}")

# %%
# One network, six activations
# ----------------------------
# The settings of ``python -m skact demo``: hidden layers (16, 16), Adam with
# learning rate 0.01; ``max_iter=1000`` leaves every network room to stop on its
# own, when its training loss stops improving.
activations = ["identity", "sigmoid", "tanh", "relu", "gelu", "silu"]
models = {}
for activation in activations:
    models[activation] = ActivationMLPClassifier(
        (16, 16),
        activation=activation,
        learning_rate_init=0.01,
        max_iter=1000,
        random_state=0,
    ).fit(X_train, y_train)

print(f"{'activation':<10} {'epochs':>6} {'train acc':>9} {'test acc':>8}")
for activation, model in models.items():
    print(
        f"{activation:<10} {model.n_iter_:>6} {model.score(X_train, y_train):>9.3f} "
        f"{model.score(X_test, y_test):>8.3f}"
    )

# %%
# The identity network does no better than always answering "outside" (the
# majority class); every non-linear activation gets close to all test points
# right.
#
# Decision boundaries
# -------------------
# Shading is the predicted probability of "outside", the dashed circle the
# true boundary, the points the test set. The identity network's probability
# changes along one direction only, and never drops below one half: its best
# line puts every point on the same side. The non-linear networks draw a
# closed curve: ReLU's is a polygon (each ReLU unit folds the plane along a
# line), the smooth activations draw a rounder one.
fig, axes = plt.subplots(2, 3, figsize=(11, 7.4), layout="constrained")
for ax, (activation, model) in zip(axes.flat, models.items()):
    display = DecisionBoundaryDisplay.from_estimator(
        model,
        X,
        response_method="predict_proba",
        grid_resolution=150,
        eps=0.05,
        cmap="RdBu",
        vmin=0,
        vmax=1,
        levels=np.linspace(0, 1, 11),
        alpha=0.8,
        xlabel="x1",
        ylabel="x2",
        ax=ax,
    )
    for label, color, name in [(0, "gold", "inside"), (1, "white", "outside")]:
        ax.scatter(
            *X_test[y_test == label].T,
            s=14,
            c=color,
            edgecolors="k",
            linewidths=0.4,
            label=f"test point, {name}",
        )
    ax.add_patch(plt.Circle((0, 0), 0.5, fill=False, ls="--", color="k"))
    ax.set_aspect("equal")
    ax.set_title(f"{activation}: test accuracy {model.score(X_test, y_test):.3f}")
fig.colorbar(display.surface_, ax=axes, shrink=0.6, label="P(outside)")
handles, labels = axes.flat[0].get_legend_handles_labels()
fig.legend(handles, labels, loc="outside lower center", ncols=2)
fig.suptitle("The same network with six activations on the circle data")
plt.show()
