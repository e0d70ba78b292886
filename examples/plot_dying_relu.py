"""
===============================
Dying ReLUs at a high step size
===============================

A ReLU unit outputs ``max(z, 0)``; its derivative is exactly 0 wherever
``z < 0``. If one large update pushes a unit's weights and bias so far that
``z`` is negative for *every* training point, the unit outputs 0 and receives
no gradient ever after: it is *dead*, and the layer has lost it for good.
Large learning rates make such updates likely.

Leaky ReLU (slope 0.01 for ``z < 0``) and GELU (a smooth curve with a
non-zero slope almost everywhere) always pass some gradient back, so their
units can recover. With ``diagnostics=True``,
:class:`~skact.ActivationMLPClassifier` records the fraction of dead units of
each hidden layer in every epoch (``history_["dead_fraction"]``), and
:func:`skact.activation_statistics` measures it on any data after training.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# The experiment
# --------------
# The circle data, two hidden layers of 64 units, SGD with momentum 0.9 for a
# fixed 30 epochs (``n_iter_no_change=np.inf``), at a gentle learning rate
# (0.01) and an aggressive one (0.3).
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skact import ActivationMLPClassifier, TrainingHistoryDisplay, activation_statistics

rng = np.random.RandomState(42)
X = rng.uniform(-1, 1, (500, 2))
y = (np.sqrt((X**2).sum(axis=1)) > 0.5).astype(int)


def train(activation, learning_rate):
    model = ActivationMLPClassifier(
        (64, 64),
        activation=activation,
        solver="sgd",
        learning_rate_init=learning_rate,
        max_iter=30,
        n_iter_no_change=np.inf,
        diagnostics=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        # A fixed number of epochs is the plan: the warning would only say so.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


activations = ["relu", "leaky_relu", "gelu"]
learning_rates = [0.01, 0.03, 0.1, 0.3]
models = {(a, lr): train(a, lr) for a in activations for lr in learning_rates}

# %%
# Dead units after training
# -------------------------
# :func:`~skact.activation_statistics` passes the data through the trained
# network: a unit is dead when its derivative is (numerically) zero for every
# point.
print(f"{'activation':<11} {'lr':>5} {'accuracy':>8}  dead fraction per layer")
dead = {}
for (activation, lr), model in models.items():
    stats = activation_statistics(model, X)
    dead[activation, lr] = [layer["dead_fraction"] for layer in stats]
    print(
        f"{activation:<11} {lr:>5} {model.score(X, y):>8.3f}  "
        + "  ".join(f"{d:.2f}" for d in dead[activation, lr])
    )

# %%
# At ``lr=0.3`` more than half of ReLU's second layer is dead, against about a
# tenth at ``lr=0.01``; leaky ReLU and GELU lose no unit at any learning rate.
# (Some ReLU units are dead from the start: with two input features, a unit
# whose initial bias is negative enough is negative on the whole square.) The
# network is wide enough to fit the circle anyway, but a 64-unit layer now
# does the work of fewer than 30.
relu_alive = (1 - dead["relu", 0.3][1]) * 64
print(f"live units in ReLU's second layer at lr=0.3: {relu_alive:.0f} of 64")

# %%
# Units die early in training
# ---------------------------
# ``history_["dead_fraction"]`` counts, per epoch, the units that got no
# gradient from any training batch in that epoch. At ``lr=0.3`` the ReLU
# network loses its units in the first few epochs, when the updates are
# largest, and almost none come back. (Each layer has its own dash pattern:
# GELU's two layers both stay at 0.)
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), sharey=True, layout="constrained")
for ax, (activation, lr) in zip(axes, [("relu", 0.01), ("relu", 0.3), ("gelu", 0.3)]):
    TrainingHistoryDisplay.from_estimator(
        models[activation, lr], panels=["dead_fraction"], ax=ax, linewidth=2
    )
    ax.set_title(f"{activation}, learning rate {lr}")

# %%
# What dead units cost
# --------------------
# The 64-unit layers above have units to spare: with half of them dead the
# ReLU network still fits the circle. A narrow network has none to spare.
# Ten networks of two 8-unit layers each (ten seeds), trained as above at
# ``lr=0.3``: a ReLU network whose second layer loses most of its units can
# end at the majority class rate, predicting one class everywhere, while
# leaky ReLU and GELU, from the same starting weights, lose no unit.
seeds = range(10)
narrow = {}
for activation in activations:
    for seed in seeds:
        model = ActivationMLPClassifier(
            (8, 8),
            activation=activation,
            solver="sgd",
            learning_rate_init=0.3,
            max_iter=30,
            n_iter_no_change=np.inf,
            random_state=seed,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        stats = activation_statistics(model, X)
        narrow[activation, seed] = (stats[1]["dead_fraction"], model.score(X, y))
majority_rate = max(y.mean(), 1 - y.mean())
print(f"8-8 networks at lr=0.3, majority class rate {majority_rate:.3f}")
print(f"{'activation':<11} {'mean accuracy':>13} {'runs at majority rate':>22}")
for activation in activations:
    scores = np.array([narrow[activation, seed][1] for seed in seeds])
    stuck = int(np.sum(scores <= majority_rate + 1e-9))
    print(f"{activation:<11} {scores.mean():>13.3f} {stuck:>15} of {len(seeds)}")

# %%
# Dead units against the learning rate, and what they cost
# --------------------------------------------------------
# Left: the second hidden layer of the 64-unit networks after 30 epochs.
# Leaky ReLU and GELU stay at zero; their lines are drawn over each other,
# dashed and dotted. Right: each narrow network's dead fraction in its second
# layer against its training accuracy; the ReLU networks with the most dead
# units are the ones at the majority class rate.
fig, (ax, ax_cost) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
styles = {
    "relu": dict(marker="o", linestyle="-", linewidth=2.5, markersize=8),
    "leaky_relu": dict(
        marker="s", linestyle="--", markerfacecolor="none", markersize=10
    ),
    "gelu": dict(marker="^", linestyle=":", linewidth=2.5, markersize=5),
}
for activation in activations:
    ax.plot(
        learning_rates,
        [dead[activation, lr][1] for lr in learning_rates],
        label=activation,
        **styles[activation],
    )
ax.set_xscale("log")
ax.set_xticks(learning_rates, labels=[str(lr) for lr in learning_rates])
ax.set_ylim(-0.03, 1.03)
ax.set_xlabel("learning rate (SGD, momentum 0.9)")
ax.set_ylabel("dead fraction, hidden layer 2")
ax.set_title("64-64 networks: units lost for good")
ax.legend(loc="upper left")

for activation, marker in zip(activations, ["o", "s", "^"]):
    dead_narrow, scores = np.array([narrow[activation, s] for s in seeds]).T
    ax_cost.scatter(
        dead_narrow,
        scores,
        marker=marker,
        s=60,
        alpha=0.7,
        edgecolors="k",
        label=activation,
    )
ax_cost.axhline(majority_rate, color="grey", ls="--", label="majority class rate")
ax_cost.set_xlim(-0.05, 1.05)
ax_cost.set_xlabel("dead fraction, hidden layer 2")
ax_cost.set_ylabel("training accuracy")
ax_cost.set_title("8-8 networks, lr 0.3, ten seeds: what dead units cost")
relu_stuck = [narrow["relu", s] for s in seeds if narrow["relu", s][1] <= majority_rate]
if relu_stuck:  # several runs can end on the same point: say how many
    ax_cost.annotate(
        f"{len(relu_stuck)} ReLU runs: one class everywhere",
        xy=relu_stuck[0],
        xytext=(0.1, 0.845),
        arrowprops=dict(arrowstyle="->", color="0.3"),
    )
ax_cost.legend(loc="center right")
plt.show()
