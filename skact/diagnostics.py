"""Diagnostics: numbers that show what the activations do to a network."""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import copy

import numpy as np
from sklearn.base import is_regressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline

from ._fitted import FittedNetwork
from ._layer_statistics import LayerStatistics
from .activations import Identity, activation_name

__all__ = ["activation_statistics", "linear_equivalent"]


def activation_statistics(estimator, X):
    """How the hidden layers of a fitted network respond to data ``X``.

    Parameters
    ----------
    estimator : fitted skact estimator or Pipeline ending in one
        A fitted :class:`ActivationMLPClassifier` or
        :class:`ActivationMLPRegressor`, or a fitted
        :class:`~sklearn.pipeline.Pipeline` whose last step is one.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The data to pass through it: for a Pipeline, the pipeline's input,
        transformed by its earlier steps (``pipeline[:-1].transform(X)``)
        before it reaches the network.

    Returns
    -------
    statistics : list of dict
        One dict per hidden layer, input side first, with keys:

        - ``"activation"``: the layer's activation name;
        - ``"dead_fraction"``: the fraction of the layer's units whose output
          is exactly 0 for every sample of ``X``, as happens to rectifiers (a
          dead ReLU passes nothing, and no gradient reaches its weights);
        - ``"saturated_fraction"``: the fraction of (sample, unit) pairs whose
          derivative is below 1% of the activation's largest derivative
          (``max_derivative``), exact zeros included: the flat regions of a
          sigmoid, tanh, softplus's negative side or ELU's tail. Always 0 for
          an activation whose derivative is exactly 0 or 1 (ReLU,
          ``binary_derivative``): its off side is what ``dead_fraction``
          counts;
        - ``"mean"``, ``"std"``: the mean and standard deviation of the
          layer's activation values over all (sample, unit) pairs.

        These are the definitions of ``history_``'s ``"dead_fraction"`` and
        ``"saturated_fraction"`` with ``diagnostics=True``, there computed on
        each epoch's training batches.

    Raises
    ------
    TypeError
        If ``estimator`` is neither a skact estimator nor a Pipeline ending in
        one (scikit-learn's ``MLPClassifier``, say).
    sklearn.exceptions.NotFittedError
        If the estimator or Pipeline is not fitted.

    See Also
    --------
    ActivationMLPClassifier : ``diagnostics=True`` records these during
        training.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> from skact import ActivationMLPClassifier, activation_statistics
    >>> X, y = make_moons(200, noise=0.1, random_state=0)
    >>> clf = ActivationMLPClassifier((8,), activation="relu", solver="lbfgs",
    ...                               random_state=0).fit(X, y)
    >>> stats = activation_statistics(clf, X)
    >>> stats[0]["activation"], len(stats)
    ('relu', 1)
    >>> 0.0 <= stats[0]["dead_fraction"] <= 1.0
    True

    A pipeline's input goes through its earlier steps first:

    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> pipe = make_pipeline(StandardScaler(), clf).fit(X, y)
    >>> len(activation_statistics(pipe, X))
    1
    """
    fitted = FittedNetwork.of(estimator, "activation_statistics")
    X = fitted.check_X(X)
    network = fitted.network
    stats = LayerStatistics(network)
    chunks = network.forward_chunks(
        fitted.coefs, fitted.intercepts, X, fitted.chunk_bytes, training=True
    )
    for rows, _, buf in chunks:
        m = rows.stop - rows.start
        for i, act in enumerate(network.activations):
            z = buf.z[i] if act.needs_z else None
            a = buf.a[i]
            stats.add_values(i, a)
            stats.add(i, a, act.derivative(z, a, out=buf.deriv[i]), m)
    return [
        {
            "activation": activation_name(act),
            "dead_fraction": dead,
            "saturated_fraction": saturated,
            "mean": mean,
            "std": std,
        }
        for act, dead, saturated, (mean, std) in zip(
            network.activations,
            stats.dead_fraction(),
            stats.saturated_fraction(),
            stats.mean_std(),
        )
    ]


def linear_equivalent(estimator):
    """The linear model that a network of identity layers equals.

    Without non-linear activations, stacked layers ``x W1 + b1``, then
    ``(.) W2 + b2`` ... compose into a single affine map ``x W + b`` with
    ``W = W1 W2 ... Wk``: depth adds nothing. This function carries out that
    product and returns a fitted linear model with those coefficients: a
    :class:`~sklearn.linear_model.LogisticRegression` for a classifier, whose
    ``predict_proba`` equals the network's, or a
    :class:`~sklearn.linear_model.LinearRegression` for a regressor trained
    with squared error, whose ``predict`` equals the network's, up to
    floating-point rounding.

    Parameters
    ----------
    estimator : fitted skact estimator or Pipeline ending in one
        A fitted :class:`ActivationMLPClassifier` or
        :class:`ActivationMLPRegressor` whose hidden activations are all
        ``"identity"`` (or that has no hidden layer): a classifier with a
        single-label (softmax) output, or a regressor with
        ``loss="squared_error"``. Or a fitted
        :class:`~sklearn.pipeline.Pipeline` whose last step is such a
        network.

    Returns
    -------
    model : LogisticRegression, LinearRegression or Pipeline
        Fitted: ``coef_``, ``intercept_`` and ``n_features_in_`` (with
        ``classes_`` for a classifier, and ``feature_names_in_`` if the
        network has them) are set; it was not trained on any data.

        For a Pipeline, a new :class:`~sklearn.pipeline.Pipeline` with the
        same parameters and step names whose last step is the linear model,
        and whose earlier steps are copies (:func:`copy.deepcopy`) of the
        fitted steps, not refitted: it transforms ``X`` as the original does,
        so its ``predict_proba`` (``predict`` for a regressor) equals the
        original's, up to floating-point rounding. Refitting the original
        pipeline later leaves it unchanged.

    Raises
    ------
    TypeError
        For anything but a skact network or a Pipeline ending in one: a
        scikit-learn ``MLPClassifier`` has no ``linear_equivalent`` here.
    sklearn.exceptions.NotFittedError
        For a network or Pipeline not fitted yet.
    ValueError
        If a hidden layer has a non-identity activation, or a classifier was
        fitted on a multilabel target, or a regressor with another loss than
        squared error (Poisson's exp output is not linear; the absolute and
        quantile losses fit another model than least squares).

    Notes
    -----
    With two classes the network's softmax over logits ``z0, z1`` equals the
    sigmoid of ``z1 - z0``, so the binary model's coefficients are the
    difference of the two output columns of ``W``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skact import ActivationMLPClassifier, linear_equivalent
    >>> X, y = make_classification(random_state=0)
    >>> deep = ActivationMLPClassifier((8, 8, 8), activation="identity",
    ...                                solver="lbfgs", random_state=0).fit(X, y)
    >>> flat = linear_equivalent(deep)
    >>> flat.coef_.shape
    (1, 20)
    >>> bool(np.allclose(flat.predict_proba(X), deep.predict_proba(X)))
    True

    A pipeline gives a pipeline, with the same fitted preprocessing:

    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> pipe = make_pipeline(StandardScaler(), deep).fit(X, y)
    >>> flat_pipe = linear_equivalent(pipe)
    >>> flat_pipe[-1]
    LogisticRegression()
    >>> bool(np.allclose(flat_pipe.predict_proba(X), pipe.predict_proba(X)))
    True
    """
    pipeline = estimator if isinstance(estimator, Pipeline) else None
    fitted = FittedNetwork.of(estimator, "linear_equivalent")
    estimator = fitted.estimator
    nonlinear = [
        f"layer {i + 1}: {activation_name(a)}"
        for i, a in enumerate(fitted.activations)
        if not isinstance(a, Identity)
    ]
    if nonlinear:
        raise ValueError(
            "linear_equivalent needs a network whose hidden activations are all "
            f"'identity'; this one has {', '.join(nonlinear)}. Non-linear layers "
            "do not collapse into one linear map."
        )
    regressor = is_regressor(estimator)
    if regressor and estimator.loss != "squared_error":
        raise ValueError(
            "linear_equivalent of a regressor returns a least-squares "
            "LinearRegression, so it needs loss='squared_error'; this one has "
            f"loss={estimator.loss!r}."
        )
    if not regressor and estimator.out_activation_ != "softmax":
        raise ValueError(
            "linear_equivalent supports single-label (softmax) networks, not a "
            "multilabel network with independent sigmoid outputs."
        )

    # Compose the affine maps in float64 to add as little rounding as possible.
    W = np.asarray(fitted.coefs[0], dtype=np.float64)
    b = np.asarray(fitted.intercepts[0], dtype=np.float64)
    for W_next, b_next in zip(fitted.coefs[1:], fitted.intercepts[1:]):
        b = b @ W_next + b_next
        W = W @ W_next

    if regressor:
        model = LinearRegression()
        single = estimator.n_outputs_ == 1  # LinearRegression's 1-d shapes
        model.coef_ = W[:, 0].copy() if single else np.ascontiguousarray(W.T)
        model.intercept_ = float(b[0]) if single else b
    else:
        model = LogisticRegression()
        if len(estimator.classes_) == 2:
            model.coef_ = (W[:, 1] - W[:, 0])[np.newaxis, :]
            model.intercept_ = np.array([b[1] - b[0]])
        else:
            model.coef_ = np.ascontiguousarray(W.T)
            model.intercept_ = b
        model.classes_ = estimator.classes_
        model.n_iter_ = np.zeros(1, dtype=np.int32)
    model.n_features_in_ = estimator.n_features_in_
    if hasattr(estimator, "feature_names_in_"):
        model.feature_names_in_ = estimator.feature_names_in_
    if pipeline is None:
        return model
    # Copies of the fitted steps, so that refitting the original pipeline
    # cannot change what the returned one computes.
    steps = [*copy.deepcopy(pipeline.steps[:-1]), (pipeline.steps[-1][0], model)]
    return Pipeline(**{**pipeline.get_params(deep=False), "steps": steps})
