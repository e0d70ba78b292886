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
# largest, and almost none come back.
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True, layout="constrained")
for ax, (activation, lr) in zip(axes, [("relu", 0.01), ("relu", 0.3), ("gelu", 0.3)]):
    TrainingHistoryDisplay.from_estimator(
        models[activation, lr], panels=["dead_fraction"], ax=ax, linewidth=2
    )
    ax.set_title(f"{activation}, learning rate {lr}")

# %%
# Dead units against the learning rate
# ------------------------------------
# The second hidden layer after 30 epochs. Leaky ReLU and GELU stay at zero
# (their lines overlap).
fig, ax = plt.subplots(figsize=(6.5, 4.2), layout="constrained")
for activation, marker in zip(activations, ["o", "s", "^"]):
    ax.plot(
        learning_rates,
        [dead[activation, lr][1] for lr in learning_rates],
        marker=marker,
        label=activation,
    )
ax.set_xscale("log")
ax.set_xticks(learning_rates, labels=[str(lr) for lr in learning_rates])
ax.set_ylim(-0.03, 1.03)
ax.set_xlabel("learning rate (SGD, momentum 0.9)")
ax.set_ylabel("dead fraction, hidden layer 2")
ax.set_title("Units lost for good, after 30 epochs")
ax.legend()
plt.show()
