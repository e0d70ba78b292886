"""
====================================
Without activations, depth collapses
====================================

A network whose hidden layers have no non-linear activation computes
``((x W1 + b1) W2 + b2) W3 + b3``, which is a single affine map ``x W + b``
with ``W = W1 W2 W3``. :func:`skact.linear_equivalent` carries out that
product and returns the scikit-learn
:class:`~sklearn.linear_model.LogisticRegression` the network equals: the same
probabilities, up to floating-point rounding, however deep the network.

On the circle data no line separates the classes, so a deep identity network,
like its one-layer equivalent, does no better than predicting the majority
class; one non-linear activation changes that.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# The circle data
# ---------------
# 500 points uniform in the square :math:`[-1, 1]^2`, labelled 1 outside the
# circle of radius 0.5 around the origin.
import matplotlib.pyplot as plt
import numpy as np

from skact import ActivationMLPClassifier, linear_equivalent

rng = np.random.RandomState(42)
X = rng.uniform(-1, 1, (500, 2))
y = (np.sqrt((X**2).sum(axis=1)) > 0.5).astype(int)
majority_rate = max(y.mean(), 1 - y.mean())
print(f"majority class rate: {majority_rate:.3f}")

# %%
# A deep identity network is one logistic regression
# --------------------------------------------------
# Three hidden layers of 32 units, all with the identity activation: over two
# thousand parameters. Its linear equivalent has three: two coefficients and an
# intercept.
deep = ActivationMLPClassifier(
    (32, 32, 32), activation="identity", solver="lbfgs", random_state=0
).fit(X, y)
flat = linear_equivalent(deep)

n_weights = sum(W.size + b.size for W, b in zip(deep.coefs_, deep.intercepts_))
gap = np.abs(deep.predict_proba(X) - flat.predict_proba(X)).max()
print(f"weight matrices in the network: {[W.shape for W in deep.coefs_]}")
print(f"parameters in the network:      {n_weights}")
print(f"the equivalent linear model:    coef_ {flat.coef_.round(3)},")
print(f"                                intercept_ {flat.intercept_.round(3)}")
print(f"largest probability difference: {gap:.1e}")
print(f"identity network accuracy:      {deep.score(X, y):.3f}")

# %%
# Depth does not help without activations
# ----------------------------------------
# Training accuracy of networks with 1 to 4 hidden layers of 32 units. Training
# accuracy measures what a model *can* represent: the identity networks stay at
# the majority class rate whatever their depth, the ReLU networks fit the disc.
depths = [1, 2, 3, 4]
accuracy = {}
for activation in ["identity", "relu"]:
    accuracy[activation] = [
        ActivationMLPClassifier(
            (32,) * depth,
            activation=activation,
            solver="lbfgs",
            max_iter=1000,
            random_state=0,
        )
        .fit(X, y)
        .score(X, y)
        for depth in depths
    ]
    print(f"{activation:>8} training accuracy by depth: {accuracy[activation]}")

# %%
# The picture
# -----------
# Left: the deep identity network's probability of "outside" over the plane.
# It is above 0.5 everywhere (the network predicts the majority class for every
# point), and its contour lines are parallel straight lines, those of a
# logistic regression; the dashed white contours of
# :func:`~skact.linear_equivalent`'s model lie exactly on top of them. The
# colour bar gives the contours' values. Right: accuracy against depth.
xx, yy = np.meshgrid(np.linspace(-1, 1, 101), np.linspace(-1, 1, 101))
grid = np.c_[xx.ravel(), yy.ravel()]

fig, (ax_map, ax_depth) = plt.subplots(1, 2, figsize=(10, 4.8), layout="constrained")
p_deep = deep.predict_proba(grid)[:, 1].reshape(xx.shape)
p_flat = flat.predict_proba(grid)[:, 1].reshape(xx.shape)
# Five contour levels, evenly spaced inside the range the map spans.
levels = np.linspace(p_deep.min(), p_deep.max(), 7)[1:-1].round(3)
print(f"P(outside) over the square: {p_deep.min():.3f} to {p_deep.max():.3f}")
filled = ax_map.contourf(xx, yy, p_deep, levels=20, cmap="RdBu", vmin=0, vmax=1)
lines = ax_map.contour(xx, yy, p_deep, levels=levels, colors="k", linewidths=1.5)
ax_map.contour(xx, yy, p_flat, levels=levels, colors="w", linestyles="--")
ax_map.scatter(*X[y == 0].T, s=8, c="gold", edgecolors="k", lw=0.3, label="inside")
ax_map.scatter(*X[y == 1].T, s=8, c="w", edgecolors="k", lw=0.3, label="outside")
ax_map.add_patch(plt.Circle((0, 0), 0.5, fill=False, ls=":", color="k"))
# The contours' values on the colour bar, not as labels among the points.
colorbar = fig.colorbar(filled, ax=ax_map, label="P(outside)", ticks=levels)
colorbar.add_lines(lines)
colorbar.ax.set_yticklabels([f"{level:.3f}" for level in levels])
ax_map.set(
    xlabel="x1",
    ylabel="x2",
    aspect="equal",
    title="identity network, 3 hidden layers of 32 units",
)
ax_map.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=2)

for activation, marker in [("identity", "o"), ("relu", "s")]:
    ax_depth.plot(depths, accuracy[activation], marker=marker, label=activation)
ax_depth.axhline(majority_rate, color="grey", ls="--", label="majority class rate")
ax_depth.set(
    xlabel="number of hidden layers (32 units each)",
    ylabel="training accuracy",
    xticks=depths,
    ylim=(0.75, 1.02),
    title="depth adds nothing without an activation",
)
ax_depth.legend(loc="center right", framealpha=1)
plt.show()
