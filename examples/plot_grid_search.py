"""
=============================================
Choosing an activation and a width by search
=============================================

The activation is a hyperparameter like any other, so scikit-learn's
:class:`~sklearn.model_selection.GridSearchCV` can choose it. Here it searches
the activation and the width of the single hidden layer of a
:class:`~skact.ActivationMLPClassifier` in a
:class:`~sklearn.pipeline.Pipeline` that standardises the inputs first, on
the circle data, and a heatmap shows the cross-validated accuracy of every
combination.

The grid shows two things. Without a non-linearity, width does not matter:
every identity network is the same linear model. With one, the hidden layer
needs enough units: each unit contributes one straight fold of the plane, and
it takes at least three lines to enclose a disc.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Data and pipeline
# -----------------
# 400 points of the circle data, a quarter held out for a final test. The
# pipeline scales the inputs, then fits the network with L-BFGS, which suits
# small data sets.
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skact import ActivationMLPClassifier

rng = np.random.RandomState(42)
X = rng.uniform(-1, 1, (400, 2))
y = (np.sqrt((X**2).sum(axis=1)) > 0.5).astype(int)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

pipeline = make_pipeline(
    StandardScaler(),
    ActivationMLPClassifier(solver="lbfgs", max_iter=200, random_state=0),
)

# %%
# The search
# ----------
# Parameters of a pipeline step are named ``<step>__<parameter>``.
# 5 activations x 4 widths x 3 folds = 60 fits.
activations = ["identity", "sigmoid", "tanh", "relu", "gelu"]
widths = [2, 3, 4, 16]
param_grid = {
    "activationmlpclassifier__activation": activations,
    "activationmlpclassifier__hidden_layer_sizes": [(w,) for w in widths],
}
search = GridSearchCV(
    pipeline, param_grid, cv=StratifiedKFold(3, shuffle=True, random_state=0)
)
with warnings.catch_warnings():
    # Networks too narrow for the circle keep improving their loss slowly and
    # use all 200 iterations; their (low) scores are the result we want to see,
    # so their ConvergenceWarning is expected here.
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)

# %%
# The results as a table
# ----------------------
# ``cv_results_`` holds one row per combination; pandas turns it into a table.
results = pd.DataFrame(search.cv_results_)
results["activation"] = results["param_activationmlpclassifier__activation"]
results["width"] = [
    sizes[0] for sizes in results["param_activationmlpclassifier__hidden_layer_sizes"]
]
table = results.sort_values("rank_test_score")[
    ["activation", "width", "mean_test_score", "std_test_score", "mean_fit_time"]
]
print(table.head(8).to_string(index=False, float_format="%.3f"))

accuracy = results.pivot(index="activation", columns="width", values="mean_test_score")
accuracy = accuracy.loc[activations, widths]
print("\nCV accuracy, activation x width:")
print(accuracy.to_string(float_format="%.3f"))

best = search.best_params_
print(
    f"\nbest: {best['activationmlpclassifier__activation']} with "
    f"{best['activationmlpclassifier__hidden_layer_sizes'][0]} units, CV accuracy "
    f"{search.best_score_:.3f}; on the held-out test set "
    f"{search.score(X_test, y_test):.3f}"
)

# %%
# The results as a heatmap
# ------------------------
# The identity row is flat at the majority class rate. Two units are too few
# for any activation; three or four suffice for most, and 16 for all.
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
ax.set_yticks(range(len(activations)), labels=activations)
ax.set_xlabel("units in the hidden layer")
ax.set_ylabel("activation")
ax.set_title("Circle data: 3-fold CV accuracy")
fig.colorbar(image, ax=ax, label="mean CV accuracy")
plt.show()
