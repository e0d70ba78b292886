"""
=========================================
Progress bars and per-epoch scores
=========================================

skact's networks take scikit-learn's callbacks (:mod:`sklearn.callback`,
scikit-learn 1.9 and later). Two come with scikit-learn:
:class:`~sklearn.callback.ProgressBar` shows how far a fit has got, epoch by
epoch, also inside a :class:`~sklearn.model_selection.GridSearchCV`; and
:class:`~sklearn.callback.ScoringMonitor` scores the network after every
epoch, on the weights of that epoch, with any scorer. Here the progress bars
follow a search over three activations, and a monitor records the training
and validation ROC AUC of a network epoch by epoch.

``ProgressBar`` needs the ``rich`` package. On this page its output is the
text rendering of the finished bars; in a terminal or a notebook they move.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Data
# ----
# 600 points of the circle data (the points within radius 0.5 of the origin
# are one class), with label noise, split into training and validation
# halves.
import matplotlib.pyplot as plt
import numpy as np
import rich
from sklearn.callback import ProgressBar, ScoringMonitor
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, train_test_split

from skact import ActivationMLPClassifier

rng = np.random.RandomState(0)
X = rng.uniform(-1, 1, (600, 2))
y = (np.sqrt((X**2).sum(axis=1)) > 0.5).astype(int)
flip = rng.rand(len(y)) < 0.05
y[flip] = 1 - y[flip]
X_train, X_val, y_train, y_val = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)

# %%
# A progress bar over a grid search
# ---------------------------------
# Set on the search, the progress bar reaches the networks it fits (one
# level down: ``max_propagation_depth=1``, the default) and shows one bar per
# fit, advancing by epoch. Inside a :class:`~sklearn.pipeline.Pipeline`, the
# networks are two levels down: use ``ProgressBar(max_propagation_depth=2)``.
# This page is not a terminal: give rich a width. scikit-learn's descriptions
# of the nested tasks take 80 characters; 100 leaves room for the bar, the
# percentage and the time, and fits the page.
rich.reconfigure(width=100)

# Each fit stops once its training loss stops improving (10 epochs without
# progress): the bars end at 100% whatever the number of epochs.
network = ActivationMLPClassifier(
    (16,), batch_size=32, learning_rate_init=0.02, max_iter=200, random_state=0
)
search = GridSearchCV(network, {"activation": ["identity", "tanh", "relu"]}, cv=3)
search.set_callbacks(ProgressBar())
search.fit(X_train, y_train)
print(f"\nbest: {search.best_params_}, CV accuracy {search.best_score_:.3f}")

# %%
# Scores after every epoch
# ------------------------
# ``ScoringMonitor`` scores each epoch's network (a copy holding that epoch's
# weights) on the training data given to ``fit``. A scorer is any callable
# ``scorer(estimator, X, y)``: one that ignores ``X`` and ``y`` scores the
# validation data instead.


def validation_roc_auc(estimator, X, y):
    return roc_auc_score(y_val, estimator.predict_proba(X_val)[:, 1])


monitor = ScoringMonitor(
    scoring={"training": "roc_auc", "validation": validation_roc_auc}
)
clf = ActivationMLPClassifier(
    (16,),
    activation="tanh",
    batch_size=32,
    learning_rate_init=0.02,
    max_iter=200,
    random_state=0,
)
clf.set_callbacks(monitor).fit(X_train, y_train)

# One row per task: the epochs, then the whole fit (the final model).
log = monitor.get_logs().data_as_pandas
epochs = log[log["task_name"] == "epoch"].reset_index(drop=True)
epochs["epoch"] = epochs["task_id"] + 1
print(
    epochs[["epoch", "training", "validation"]]
    .iloc[[0, 4, 9, 19, 49, -1]]
    .to_string(index=False, float_format="%.3f")
)
best_epoch = int(epochs.loc[epochs["validation"].idxmax(), "epoch"])
print(
    f"\nbest validation ROC AUC {epochs['validation'].max():.3f} at epoch "
    f"{best_epoch} of {clf.n_iter_}"
)

# %%
# The learning curves
# -------------------
# The network takes about twenty epochs to find the disc, then both curves
# level off; training stops once the loss has not improved for ten epochs.
# The flipped labels keep the training score below the validation score.
fig, ax = plt.subplots(figsize=(6.5, 4), layout="constrained")
ax.plot(epochs["epoch"], epochs["training"], label="training")
ax.plot(epochs["epoch"], epochs["validation"], label="validation")
ax.axvline(best_epoch, color="grey", linestyle=":", label="best validation")
ax.set_xlabel("epoch")
ax.set_ylabel("ROC AUC")
ax.set_title("tanh network on the circle data, scored after every epoch")
ax.legend()
plt.show()

# %%
# What else callbacks can do
# --------------------------
# A callback is any object with ``setup``, ``on_fit_task_begin``,
# ``on_fit_task_end`` and ``teardown`` methods. An ``on_fit_task_end`` that
# returns True stops training after that epoch, with the network fitted as it
# is then; see the user guide's page on callbacks.
