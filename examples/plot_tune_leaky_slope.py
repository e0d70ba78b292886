"""
==============================================
Tuning the leaky ReLU's slope with the width
==============================================

An activation object's settings are nested parameters of the estimator that
holds it, named as scikit-learn names the parameters of a pipeline's steps:
with ``activation=LeakyReLU()``, the negative slope is
``activation__negative_slope``. So :class:`~sklearn.model_selection.GridSearchCV`
can search it like any other parameter; here jointly with the width of the
single hidden layer, on the circle data, and a heatmap shows the
cross-validated accuracy of every combination.

The slope runs from 0 (ReLU) to 1, where the "activation" is the identity and
the network is a linear model: that row cannot separate a disc from its
surroundings, however wide the layer. Below 1, the width matters more than
the exact slope.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Data and the estimator's nested parameters
# ------------------------------------------
# 400 points of the circle data (already centred and scaled: both features are
# uniform on [-1, 1]), a quarter held out for a final test. ``get_params``
# lists the activation's setting beside the estimator's own parameters.
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split

from skact import ActivationMLPClassifier
from skact.activations import LeakyReLU

rng = np.random.RandomState(42)
X = rng.uniform(-1, 1, (400, 2))
y = (np.sqrt((X**2).sum(axis=1)) > 0.5).astype(int)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
majority_rate = max(np.mean(y_train), 1 - np.mean(y_train))

net = ActivationMLPClassifier(
    activation=LeakyReLU(), solver="lbfgs", max_iter=200, random_state=0
)
print({k: v for k, v in net.get_params().items() if k.startswith("activation")})

# %%
# The search
# ----------
# 6 slopes x 4 widths x 3 folds = 72 small fits. ``GridSearchCV`` clones the
# estimator for each candidate and sets ``activation__negative_slope`` on the
# clone's own copy of the activation, so ``net.activation`` stays as it was.
slopes = [0.0, 0.01, 0.1, 0.3, 0.6, 1.0]
widths = [2, 3, 4, 8]
param_grid = {
    "activation__negative_slope": slopes,
    "hidden_layer_sizes": [(w,) for w in widths],
}
cv = StratifiedKFold(3, shuffle=True, random_state=0)
search = GridSearchCV(net, param_grid, cv=cv)
with warnings.catch_warnings():
    # The narrowest networks keep improving their loss slowly and use all 200
    # iterations; their low scores are part of the result.
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)

results = pd.DataFrame(search.cv_results_)
results["width"] = [sizes[0] for sizes in results["param_hidden_layer_sizes"]]
accuracy = results.pivot(
    index="param_activation__negative_slope", columns="width", values="mean_test_score"
)
accuracy = accuracy.loc[slopes, widths]
print("CV accuracy, negative slope x width:")
print(accuracy.to_string(float_format="%.3f"))

best = search.best_params_
print(
    f"\nbest: slope {best['activation__negative_slope']} with "
    f"{best['hidden_layer_sizes'][0]} units, CV accuracy {search.best_score_:.3f}; "
    f"on the held-out test set {search.score(X_test, y_test):.3f}"
)
print("the refitted model's activation:", search.best_estimator_.activation)
print("the searched estimator's activation:", net.activation)

# %%
# One layer's slope in a deeper network
# -------------------------------------
# With one activation per hidden layer, a tuple or list, entry ``i`` is
# ``activation__<i>`` and its settings ``activation__<i>__<setting>``. Here the
# first layer stays ReLU and the second layer's slope is searched. All three
# slopes do about equally well, even 1: once the first layer has bent the
# plane, a linear second layer loses nothing.
deep = ActivationMLPClassifier(
    (8, 8),
    activation=("relu", LeakyReLU()),
    solver="lbfgs",
    max_iter=200,
    random_state=0,
)
layer_search = GridSearchCV(
    deep, {"activation__1__negative_slope": [0.0, 0.1, 1.0]}, cv=cv
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    layer_search.fit(X_train, y_train)
for params, score in zip(
    layer_search.cv_results_["params"], layer_search.cv_results_["mean_test_score"]
):
    print(f"{params}: CV accuracy {score:.3f}")
print("best:", layer_search.best_estimator_.activation)

# %%
# The grid as a heatmap
# ---------------------
# The bottom row, slope 1, is a linear model: flat at the majority class rate
# for every width. Two units are too few for a disc at any slope; from four on,
# every slope below 1 separates it, and the differences between those slopes
# are about what one seed and three folds can tell apart.
fig, ax = plt.subplots(figsize=(6.5, 4.5), layout="constrained")
image = ax.imshow(accuracy.to_numpy(), cmap="viridis", vmin=0.75, vmax=1.0)
for (i, j), value in np.ndenumerate(accuracy.to_numpy()):
    ax.text(
        j,
        i,
        f"{value:.3f}",
        ha="center",
        va="center",
        color="black" if value > 0.9 else "white",
    )
ax.set_xticks(range(len(widths)), labels=widths)
ax.set_yticks(range(len(slopes)), labels=slopes)
ax.set_xlabel("units in the hidden layer")
ax.set_ylabel("negative slope of the leaky ReLU")
ax.set_title("Circle data: 3-fold CV accuracy")
fig.colorbar(image, ax=ax, label="mean CV accuracy")
plt.show()
