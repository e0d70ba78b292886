"""
==================================
Vanishing gradients in deep stacks
==================================

Backpropagation sends the error from the output back to the input layer,
multiplying it at every hidden layer by the activation's derivative. The
sigmoid's derivative is at most 0.25, so in a deep sigmoid stack the gradient
shrinks layer after layer: the layers near the input get almost no signal and
barely learn. ReLU's derivative is 1 wherever the unit is active, and GELU's
is close to it, so their gradients keep their size.

With ``diagnostics=True``, :class:`~skact.ActivationMLPClassifier` records the
norm of the gradient of every weight matrix in each epoch, in
``history_["grad_norm"]``; here we compare ten-layer networks with the three
activations on the circle data.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Three deep networks
# -------------------
# Ten hidden layers of 32 units, trained with plain SGD (momentum 0.9, learning
# rate 0.1) for exactly 60 epochs: ``n_iter_no_change=np.inf`` turns off the
# early stop so that all three train for the same time.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from sklearn.exceptions import ConvergenceWarning

from skact import ActivationMLPClassifier, TrainingHistoryDisplay

rng = np.random.RandomState(42)
X = rng.uniform(-1, 1, (500, 2))
y = (np.sqrt((X**2).sum(axis=1)) > 0.5).astype(int)

activations = ["sigmoid", "relu", "gelu"]
models = {}
for activation in activations:
    model = ActivationMLPClassifier(
        (32,) * 10,
        activation=activation,
        solver="sgd",
        learning_rate_init=0.1,
        max_iter=60,
        n_iter_no_change=np.inf,
        diagnostics=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        # Stopping after max_iter epochs is the plan, not a failure.
        warnings.simplefilter("ignore", ConvergenceWarning)
        models[activation] = model.fit(X, y)

# %%
# The numbers
# -----------
# ``grad_norm`` has one row per epoch and one column per weight matrix, input
# side first: 11 matrices for 10 hidden layers. Averaged over the epochs, the
# first matrix's gradient is about as large as the last one's with ReLU and
# GELU; with the sigmoid it is a thousand times smaller.
print(f"{'activation':<10} {'accuracy':>8} {'first':>8} {'last':>8} {'first/last':>10}")
grad_norm = {}
for activation, model in models.items():
    grad_norm[activation] = np.asarray(model.history_["grad_norm"])
    mean_norm = grad_norm[activation].mean(axis=0)  # over epochs, per layer
    print(
        f"{activation:<10} {model.score(X, y):>8.3f} {mean_norm[0]:>8.1e} "
        f"{mean_norm[-1]:>8.1e} {mean_norm[0] / mean_norm[-1]:>10.1e}"
    )

# %%
# The sigmoid network is stuck at the majority class rate (0.812): its loss
# barely moved in 60 epochs. ReLU and GELU fit the circle.
#
# Gradient norm, layer by layer
# -----------------------------
# Averaged over the 60 epochs. The sigmoid's line falls steadily from the
# output towards the input, by about a factor of two per layer; ReLU's and
# GELU's stay within one order of magnitude from layer 2 on.
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
layers = np.arange(1, 12)
for activation, marker in zip(activations, ["o", "s", "^"]):
    ax.semilogy(
        layers, grad_norm[activation].mean(axis=0), marker=marker, label=activation
    )
ax.set_xticks(layers)
ax.set_xlabel("weight matrix (1 = input to first hidden layer, 11 = to output)")
ax.set_ylabel("gradient norm, mean over epochs")
ax.set_title("Ten hidden layers of 32 units: where the gradient goes")
ax.legend()

# %%
# Over the epochs
# ---------------
# :class:`~skact.TrainingHistoryDisplay` draws the loss and, with
# ``diagnostics=True``, each weight matrix's gradient norm per epoch. We colour
# the layers from input (dark) to output (light) instead of giving each a
# legend entry. In the sigmoid network the lines are stacked in layer order,
# input layers at the bottom, three orders of magnitude apart; the loss stays
# flat. In the ReLU network they start together, and the gradient shrinks for
# all layers alike as the loss falls.
fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharey="row", layout="constrained")
layer_colors = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(layers)))
for column, activation in enumerate(["sigmoid", "relu"]):
    display = TrainingHistoryDisplay.from_estimator(
        models[activation], panels=["loss", "grad_norm"], ax=axes[:, column]
    )
    display.axes_["loss"].set_title(f"{activation}: training loss")
    grad_ax = display.axes_["grad_norm"]
    grad_ax.set_title(f"{activation}: gradient norm of each weight matrix")
    for line, color in zip(display.lines_["grad_norm"], layer_colors):
        line.set_color(color)
    grad_ax.get_legend().remove()
layer_scale = plt.cm.ScalarMappable(
    norm=plt.Normalize(0.5, len(layers) + 0.5),
    cmap=ListedColormap(layer_colors),
)
fig.colorbar(
    layer_scale,
    ax=axes[1, :],
    ticks=layers,
    label="weight matrix (1 = input side, 11 = output)",
)
plt.show()
