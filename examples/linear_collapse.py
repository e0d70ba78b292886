"""
===========================================
Without activations, depth collapses
===========================================

A network whose hidden layers have no non-linear activation computes
``((x W1 + b1) W2 + b2) W3 + b3``, which is a single affine map
``x W + b`` with ``W = W1 W2 W3``. :func:`skact.linear_equivalent` carries out
that product and returns the scikit-learn ``LogisticRegression`` the network
equals: same probabilities, up to floating-point rounding.

On the circle data no line separates the classes, so the deep identity
network, like its one-layer equivalent, does no better than predicting the
majority class; one non-linear activation changes that.
"""

import numpy as np

from skact import ActivationMLPClassifier, linear_equivalent

# The circle data: 500 points in [-1, 1]^2, label 1 outside radius 0.5.
rng = np.random.RandomState(42)
X = rng.uniform(-1, 1, (500, 2))
y = (np.sqrt((X**2).sum(axis=1)) > 0.5).astype(int)

deep = ActivationMLPClassifier(
    (32, 32, 32), activation="identity", solver="lbfgs", random_state=0
).fit(X, y)
flat = linear_equivalent(deep)

gap = np.abs(deep.predict_proba(X) - flat.predict_proba(X)).max()
print(f"weight matrices in the network: {[W.shape for W in deep.coefs_]}")
print(f"the equivalent linear model:    coef_ {flat.coef_.shape}")
print(f"largest probability difference: {gap:.1e}")
print(f"identity network accuracy:      {deep.score(X, y):.3f}")
print(f"majority class rate:            {max(y.mean(), 1 - y.mean()):.3f}")

relu = ActivationMLPClassifier(
    (32, 32, 32), activation="relu", solver="lbfgs", random_state=0
).fit(X, y)
print(f"the same network with relu:     {relu.score(X, y):.3f}")
