"""
======================================
Regression: what each activation draws
======================================

A regression network with one input draws a curve, and its hidden activation
decides which curves it can draw. Without a non-linearity the network is one
affine map, so its curve is a straight line however many units it has. A ReLU
unit ``max(w x + b, 0)`` is 0 on one side of ``x = -b / w`` and a line on the
other: a sum of them is *piecewise linear*, with a kink wherever a unit
switches on or off. GELU and the sigmoid are smooth, and so are their curves.

The second part fits *quantiles* instead of the mean: with
``loss="quantile"``, :class:`~skact.ActivationMLPRegressor` predicts the value
that a given fraction of the targets falls below, and three such networks draw
a band that widens where the data get noisier.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# A noisy sine
# ------------
# 200 points with ``x`` uniform in :math:`[-3, 3]` and
# ``y = sin(x) + noise`` (standard deviation 0.15). With one input in that
# range, the data need no scaling.
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import norm
from sklearn.metrics import r2_score

from skact import ActivationMLPRegressor

rng = np.random.RandomState(0)
x = rng.uniform(-3, 3, 200)
y = np.sin(x) + 0.15 * rng.randn(200)
X = x.reshape(-1, 1)
x_grid = np.linspace(-3, 3, 1201)
X_grid = x_grid.reshape(-1, 1)

# %%
# One architecture, four activations
# ----------------------------------
# One hidden layer of 10 units, fitted with L-BFGS (fast and exact enough for
# a few hundred points and parameters); ``max_iter=2000`` lets every fit
# converge.
activations = ["identity", "relu", "gelu", "sigmoid"]
models = {
    activation: ActivationMLPRegressor(
        hidden_layer_sizes=(10,),
        activation=activation,
        solver="lbfgs",
        max_iter=2000,
        random_state=0,
    ).fit(X, y)
    for activation in activations
}
curves = {activation: model.predict(X_grid) for activation, model in models.items()}
print(f"{'activation':<10} {'iterations':>10} {'R^2':>6}")
for activation, model in models.items():
    print(f"{activation:<10} {model.n_iter_:>10} {model.score(X, y):>6.3f}")
print(f"{'sin(x) itself':<21} {r2_score(y, np.sin(x)):>6.3f}")

# %%
# The three non-linear networks fit the data as well as the true sine does:
# the noise leaves no more to explain. The identity network explains only the
# sine's overall upward trend.
#
# The identity network is a straight line
# ---------------------------------------
# With the identity activation the network computes ``(x W1 + b1) W2 + b2``,
# the line with slope ``W1 W2`` and intercept ``b1 W2 + b2``. Its predictions
# lie on that line, and the line is (up to the small L2 penalty ``alpha``) the
# least-squares line through the data.
identity = models["identity"]
(W1, W2), (b1, b2) = identity.coefs_, identity.intercepts_
slope, intercept = (W1 @ W2).item(), (b1 @ W2 + b2).item()
off_line = np.abs(curves["identity"] - (slope * x_grid + intercept)).max()
ls_slope, ls_intercept = np.polyfit(x, y, 1)
print(f"identity network: y = {slope:.4f} x + {intercept:.4f}")
print(f"least squares:    y = {ls_slope:.4f} x + {ls_intercept:.4f}")
print(f"largest distance of its predictions from that line: {off_line:.1e}")

# %%
# The ReLU network is piecewise linear
# ------------------------------------
# Hidden unit ``j`` computes ``max(w_j x + b_j, 0)``: it switches at
# ``x = -b_j / w_j``, on (to the right) if ``w_j > 0``, off if ``w_j < 0``.
# There the slope of the curve, read from left to right, changes by
# ``|w_j| v_j``, where ``v_j`` is the unit's output weight. Between two switches
# every unit is either on or off, so the curve is a straight segment. A unit
# that switches outside the plotted range is on everywhere in it (and adds a
# constant slope) or off everywhere (and adds nothing).
relu = models["relu"]
w, b = relu.coefs_[0].ravel(), relu.intercepts_[0]
v = relu.coefs_[1].ravel()
switch = np.full_like(w, np.inf)
np.divide(-b, w, out=switch, where=w != 0)  # w = 0: the unit never switches
in_range = np.flatnonzero(np.abs(switch) <= 3)
kinks = np.sort(switch[in_range])
print(f"{len(in_range)} of {len(w)} ReLU units switch inside [-3, 3]:")
for j in in_range[np.argsort(switch[in_range])]:
    direction = "on " if w[j] > 0 else "off"
    print(
        f"  unit {j}: switches {direction} at x = {switch[j]:+.3f}, "
        f"slope changes by {abs(w[j]) * v[j]:+.3f}"
    )
for j in np.setdiff1d(np.arange(len(w)), in_range):
    # w x + b keeps one sign on the whole range: its sign at x = 0.
    state = "on" if b[j] > 0 else "off"
    print(f"  unit {j}: {state} everywhere in [-3, 3]")

# %%
# The slope of each curve shows the difference best: the identity network's
# is constant, the ReLU network's jumps at every kink and is flat in between,
# GELU's and the sigmoid's change smoothly.
slopes = {
    activation: np.gradient(curve, x_grid) for activation, curve in curves.items()
}
fig, (ax_fit, ax_slope) = plt.subplots(
    2, 1, figsize=(8, 7.5), sharex=True, height_ratios=[3, 2], layout="constrained"
)
ax_fit.scatter(x, y, s=8, c="0.7", label="data")
ax_fit.plot(x_grid, np.sin(x_grid), "k:", lw=1, label="sin(x)")
for activation, color in zip(activations, ["C0", "C1", "C2", "C3"]):
    r2 = models[activation].score(X, y)
    for ax, values in [(ax_fit, curves), (ax_slope, slopes)]:
        ax.plot(
            x_grid, values[activation], color=color, label=f"{activation} (R² {r2:.2f})"
        )
ax_fit.plot(
    kinks,
    relu.predict(kinks.reshape(-1, 1)),
    "o",
    mfc="white",
    mec="C1",
    mew=1.5,
    label="ReLU kinks (x = -b/w)",
)
for kink in kinks:
    ax_slope.axvline(kink, color="C1", lw=0.6, ls="--")
ax_fit.set(xlabel="x", ylabel="y")
ax_fit.set_title("One hidden layer of 10 units, four activations")
ax_fit.legend(ncols=2, fontsize=9)
ax_slope.set_xlabel("x")
ax_slope.set_ylabel("slope of the fit, dŷ/dx")
ax_slope.set_title("Their slopes: constant, steps at the kinks, smooth")

# %%
# Quantile regression
# -------------------
# Now the noise grows with ``x``: its standard deviation goes from 0.05 at
# ``x = -3`` to 0.65 at ``x = 3``. A mean fit says nothing about that spread;
# three quantile fits do. The pinball loss of quantile ``q`` charges ``q`` per
# unit for points above the prediction and ``1 - q`` for points below, so the
# best prediction has a fraction ``q`` of the points below it. It is not
# differentiable where a residual is 0, so L-BFGS is refused; Adam, which
# needs only a subgradient, fits it. The three networks share one architecture,
# two hidden layers of 16 GELU units. Each stops on its own once its training
# loss has not improved for ``n_iter_no_change=30`` epochs: with a non-smooth
# loss and a constant step size the loss jitters from epoch to epoch, and the
# default patience of 10 epochs can stop it early.


def make_heteroscedastic(n_samples, random_state):
    rng = np.random.RandomState(random_state)
    x = rng.uniform(-3, 3, n_samples)
    scale = 0.05 + 0.1 * (x + 3)
    return x.reshape(-1, 1), np.sin(x) + scale * rng.randn(n_samples)


X_train, y_train = make_heteroscedastic(1000, random_state=1)
X_test, y_test = make_heteroscedastic(5000, random_state=2)
quantiles = [0.1, 0.5, 0.9]
quantile_models = {
    q: ActivationMLPRegressor(
        loss="quantile",
        quantile=q,
        hidden_layer_sizes=(16, 16),
        activation="gelu",
        solver="adam",
        learning_rate_init=0.01,
        n_iter_no_change=30,
        max_iter=1000,
        random_state=0,
    ).fit(X_train, y_train)
    for q in quantiles
}

# %%
# The coverage of a quantile curve is the fraction of points below it; for
# quantile ``q`` it should be close to ``q``, on the training points and on
# 5000 new points from the same distribution.
coverage = {}
print(f"{'quantile':>8} {'epochs':>6} {'train coverage':>14} {'test coverage':>13}")
for q, model in quantile_models.items():
    coverage[q] = (
        np.mean(y_train <= model.predict(X_train)),
        np.mean(y_test <= model.predict(X_test)),
    )
    print(f"{q:>8} {model.n_iter_:>6} {coverage[q][0]:>14.3f} {coverage[q][1]:>13.3f}")
band = {q: model.predict(X_grid) for q, model in quantile_models.items()}
inside = np.mean(
    (quantile_models[0.1].predict(X_test) < y_test)
    & (y_test <= quantile_models[0.9].predict(X_test))
)
print(f"test points between the 0.1 and 0.9 curves: {inside:.3f} (ideal 0.8)")

# %%
# Each curve has close to its share of the points below it, on new points too;
# with Adam's constant step size on a non-smooth loss the last epochs wobble,
# so expect a point or two of error rather than an exact 0.1, 0.5 or 0.9.

# %%
# The band follows the noise: narrow on the left, wide on the right, close to
# the true quantiles ``sin(x) + z_q sd(x)`` (dashed), where ``z_q`` is the
# standard normal quantile.
fig, ax = plt.subplots(figsize=(8, 4.8), layout="constrained")
ax.scatter(X_train.ravel(), y_train, s=5, c="0.7", label="training data")
ax.fill_between(
    x_grid, band[0.1], band[0.9], color="C0", alpha=0.25, label="0.1 to 0.9 band"
)
for q, style, label in [
    (0.1, ":", "predicted 0.1 and 0.9 quantiles"),
    (0.5, "-", "predicted median (0.5)"),
    (0.9, ":", None),
]:
    ax.plot(x_grid, band[q], "C0", ls=style, lw=2, label=label)
    true = np.sin(x_grid) + norm.ppf(q) * (0.05 + 0.1 * (x_grid + 3))
    ax.plot(x_grid, true, "k--", lw=0.8, label="true quantiles" if q == 0.1 else None)
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title(
    "Quantile regression, 16-16 GELU network, Adam\n"
    "share of test points below the 0.1, 0.5, 0.9 curves: "
    + ", ".join(f"{coverage[q][1]:.2f}" for q in quantiles)
)
ax.legend(fontsize=9, loc="upper left")
plt.show()
