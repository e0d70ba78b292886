"""
======================================
Activation functions and their slopes
======================================

A hidden layer computes ``a = f(z)`` from its pre-activation ``z = x W + b``.
What ``f`` does decides what the network can represent, and what its
derivative ``f'`` does decides how well it trains: backpropagation multiplies
the error signal by ``f'(z)`` at every layer it passes.

This example draws the built-in activations and their derivatives with
:class:`skact.ActivationDisplay` and prints the numbers that matter for
training: the slope at 0, the largest slope, and the slope far from 0.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# The numbers
# -----------
# Each activation in :mod:`skact.activations` has ``forward(z)`` and
# ``derivative(z, a)``; the same code the network runs gives these numbers.
import matplotlib.pyplot as plt
import numpy as np

from skact import ActivationDisplay
from skact.activations import LeakyReLU, get_activation

names = [
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "gelu",
    "silu",
    "softplus",
]
z = np.linspace(-5, 5, 1001)
slope = {}
columns = ["f(0)", "f'(0)", "max f'", "f'(-4)", "f'(4)"]
print(f"{'activation':<11}" + "".join(f"{c:>8}" for c in columns))
for name in names:
    activation = get_activation(name)
    a = activation.forward(z)
    slope[name] = np.asarray(activation.derivative(z, a)) * np.ones_like(z)
    at = {v: slope[name][np.argmin(np.abs(z - v))] for v in (-4, 0, 4)}
    row = [a[np.argmin(np.abs(z))], at[0], slope[name].max(), at[-4], at[4]]
    print(f"{name:<11}" + "".join(f"{v:>8.3f}" for v in row))

# %%
# Two things stand out:
#
# * The sigmoid's slope is at most 0.25, and both it and tanh flatten out
#   away from 0 (slope 0.018 and 0.001 at ``z = 4``). A signal sent back
#   through ten sigmoid layers shrinks by at least ``0.25 ** 10``, about
#   ``1e-6``: the vanishing gradient
#   (:ref:`sphx_glr_auto_examples_plot_vanishing_gradients.py`).
# * ReLU's slope is exactly 1 for ``z > 0`` and exactly 0 for ``z < 0``: no
#   vanishing on one side, no gradient at all on the other. A unit whose ``z``
#   is negative for every input gets no update and stays "dead"
#   (:ref:`sphx_glr_auto_examples_plot_dying_relu.py`). Leaky ReLU keeps a
#   small slope there; ELU, GELU, SiLU and softplus are smooth versions that
#   keep some gradient for negative ``z``.
print(f"0.25 ** 10 = {0.25**10:.1e}")

# %%
# Saturating activations
# ----------------------
# ``from_names(..., derivative=True)`` draws the functions (left) and their
# derivatives (right). The identity is the reference: slope 1 everywhere, and
# no non-linearity at all.
fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
ActivationDisplay.from_names(
    ["identity", "sigmoid", "tanh"], derivative=True, ax=axes, linewidth=2
)
axes[0].set_ylim(-2, 2)
axes[0].set_title("saturating: flat far from 0")
axes[1].set_title("their slopes vanish for large |z|")

# %%
# Rectifiers and their smooth cousins
# -----------------------------------
# Any activation object can be drawn too, such as a leaky ReLU with a larger
# negative slope than the built-in 0.01; it is labelled with its setting.
# ReLU's and leaky ReLU's slopes jump at 0: the jumps are gaps in their lines,
# not vertical segments. For ``z > 0`` the rectifiers' slopes are all 1, one
# line on top of the other: ReLU is drawn wide underneath, leaky ReLU dashed
# and ELU dotted over it, so each stays in sight.
fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
display = ActivationDisplay.from_names(
    ["relu", LeakyReLU(negative_slope=0.1), "elu", "gelu", "silu", "softplus"],
    derivative=True,
    x_range=(-4, 4),
    ax=axes,
    linewidth=2,
)
for lines in (display.lines_, display.derivative_lines_):
    lines["relu"].set(linewidth=5, alpha=0.6)
    lines["LeakyReLU(0.1)"].set_linestyle((0, (4, 2)))
    lines["elu"].set_linestyle((0, (1, 1.5)))
for ax in axes:
    ax.legend()  # again, with the line styles just set
axes[0].set_ylim(-1.5, 4)
axes[0].set_title("rectifiers: linear for z > 0")
axes[1].set_title("slopes: 0 (relu), small or smooth for z < 0")
plt.show()
