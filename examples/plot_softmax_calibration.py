"""
=======================================
Softmax probabilities and calibration
=======================================

The output layer of an :class:`~skact.ActivationMLPClassifier` computes one
*logit* per class and turns them into probabilities with the softmax,
``p_k = exp(z_k) / sum_j exp(z_j)``. The probabilities are positive and sum to
one, but that alone does not make them *calibrated*: among the points given
probability 0.9, nine in ten should belong to the class.

This example computes the logits of a fitted network by hand and checks that
their softmax is ``predict_proba``; then it shows that a network trained until
it fits every training label is overconfident, draws its reliability diagram
with scikit-learn's :class:`~sklearn.calibration.CalibrationDisplay`, and fixes
it by *temperature scaling*: dividing the logits by one number ``T`` fitted on
held-out data.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Noisy data, a network that memorises it
# ---------------------------------------
# 10% of the labels are flipped at random, so no model can be right much more
# than 90% of the time. The network has two hidden layers of 64 units and is
# trained with L-BFGS and almost no penalty, until it fits the training set.
import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.calibration import CalibrationDisplay
from sklearn.datasets import make_classification
from sklearn.metrics import brier_score_loss, log_loss
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skact import ActivationMLPClassifier
from skact.activations import get_activation, softmax

X, y = make_classification(
    n_samples=2500,
    n_features=20,
    n_informative=6,
    n_redundant=4,
    flip_y=0.1,
    class_sep=0.8,
    random_state=0,
)
# 500 points to train on, 1000 to fit the temperature, 1000 to test.
X_train, X_rest, y_train, y_rest = train_test_split(
    X, y, train_size=500, random_state=0
)
X_val, X_test, y_val, y_test = train_test_split(
    X_rest, y_rest, train_size=1000, random_state=0
)

memorizer = make_pipeline(
    StandardScaler(),
    ActivationMLPClassifier((64, 64), solver="lbfgs", max_iter=1000, random_state=0),
).fit(X_train, y_train)
print(f"training accuracy: {memorizer.score(X_train, y_train):.3f}")
print(f"test accuracy:     {memorizer.score(X_test, y_test):.3f}")

# %%
# Logits, by hand
# ---------------
# The fitted weights are public (``coefs_``, ``intercepts_``) and so are the
# activations, so the forward pass is a few lines of NumPy. The softmax of the
# resulting logits is exactly what ``predict_proba`` returns.
scaler, mlp = memorizer[0], memorizer[-1]
hidden = get_activation(mlp.activation)
a = scaler.transform(X_test)
for W, b in zip(mlp.coefs_[:-1], mlp.intercepts_[:-1]):
    a = hidden.forward(a @ W + b)
logits = a @ mlp.coefs_[-1] + mlp.intercepts_[-1]
proba = softmax(logits)
print("logits of five test points:\n", logits[:5].round(1))
with np.printoptions(suppress=True):
    print("their softmax:\n", proba[:5].round(4))
print(
    "largest difference from predict_proba: "
    f"{np.abs(proba - memorizer.predict_proba(X_test)).max():.1e}"
)

# %%
# The logits are large, so the softmax is saturated: most probabilities are
# within a hair of 0 or 1. Yet the network is wrong on about one test point in
# five.
confidence = proba.max(axis=1)
sure_0, sure_1 = proba[:, 1] < 0.01, proba[:, 1] > 0.99
print(f"mean confidence:  {confidence.mean():.3f}")
print(f"share of test points with confidence > 0.99: {(confidence > 0.99).mean():.2f}")
print(f"of those given P(class 1) < 0.01, {y_test[sure_0].mean():.0%} are class 1")
print(f"of those given P(class 1) > 0.99, {1 - y_test[sure_1].mean():.0%} are class 0")

# %%
# Temperature scaling
# -------------------
# Dividing all logits by a temperature ``T > 1`` softens the softmax without
# changing which class is largest, so accuracy stays the same. We choose ``T``
# to minimise the log loss on the validation split. ``predict_log_proba``
# returns the logits minus a per-row constant, which the softmax ignores, so
# the logits of any data are one call away.
val_logits = mlp.predict_log_proba(scaler.transform(X_val))


def validation_log_loss(T):
    return log_loss(y_val, softmax(val_logits / T))


T = minimize_scalar(validation_log_loss, bounds=(0.1, 100), method="bounded").x
proba_scaled = softmax(logits / T)
print(f"fitted temperature T = {T:.1f}")

# %%
# A network that stops early
# --------------------------
# Another remedy is to stop training before the network memorises the noise:
# ``early_stopping=True`` holds out 10% of the training data and keeps the
# weights that scored best on it.
early = make_pipeline(
    StandardScaler(),
    ActivationMLPClassifier((64, 64), early_stopping=True, random_state=0),
).fit(X_train, y_train)

# %%
# Scores
# ------
# The Brier score (mean squared error of the probability) and the log loss
# reward calibrated probabilities; lower is better. Temperature scaling cuts
# the memorising network's log loss several-fold at unchanged accuracy. The
# early-stopped network is calibrated too, but it stopped while still less
# accurate: here, fixing the probabilities afterwards costs nothing.
candidates = {
    "memorising network": proba[:, 1],
    f"same, logits / {T:.1f}": proba_scaled[:, 1],
    "early-stopped network": early.predict_proba(X_test)[:, 1],
}
print(f"{'model':<24} {'accuracy':>8} {'Brier':>6} {'log loss':>8}")
for name, p in candidates.items():
    print(
        f"{name:<24} {np.mean((p > 0.5) == y_test):>8.3f} "
        f"{brier_score_loss(y_test, p):>6.3f} {log_loss(y_test, p):>8.3f}"
    )

# %%
# Reliability diagram
# -------------------
# Test points are sorted by predicted probability and cut into ten bins of
# equal size (``strategy="quantile"``); each marker is a bin's mean prediction
# against its fraction of class 1, and a calibrated model's markers lie on the
# diagonal. The memorising network's predictions pile up at 0 and 1 (right),
# so its bins sit at the two ends, far above and below the diagonal: it is
# overconfident. Temperature scaling and early stopping bring the markers to
# the diagonal and spread the predictions out.
fig, (ax_rel, ax_hist) = plt.subplots(1, 2, figsize=(11, 4.8), layout="constrained")
for (name, p), marker in zip(candidates.items(), ["o", "s", "^"]):
    CalibrationDisplay.from_predictions(
        y_test, p, n_bins=10, strategy="quantile", name=name, ax=ax_rel, marker=marker
    )
    ax_hist.hist(p, bins=20, range=(0, 1), histtype="step", lw=2, label=name)
ax_rel.set(
    xlabel="mean predicted probability of class 1",
    ylabel="fraction of class 1",
    title="Reliability diagram (test set)",
)
ax_rel.legend(loc="upper left")
ax_hist.set(
    xlabel="predicted probability of class 1",
    ylabel="number of test points",
    title="Where the predictions fall",
)
ax_hist.legend(loc="upper center")
plt.show()
