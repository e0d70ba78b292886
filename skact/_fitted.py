"""The accessor diagnostics, Displays and the ONNX export read fitted models
through: never the estimators' private helpers."""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._base import BaseActivationMLP
from ._numeric import as_dtype
from ._working_memory import chunk_bytes


class FittedNetwork:
    """A fitted skact estimator as diagnostics and Displays read it.

    The one accessor they use: they never call the estimator's private
    helpers. :meth:`of` builds it from what users pass to the helpers: a
    fitted skact estimator or a fitted Pipeline ending in one.

    Attributes
    ----------
    estimator : BaseActivationMLP
        The fitted network (a Pipeline's last step).
    preprocessing : Pipeline or None
        The fitted steps before it, which :meth:`check_X` transforms ``X``
        through; None for a bare estimator.
    network : Network
        The structure (layer sizes, activation objects, output).
    activations : list
        The fitted hidden activations (copies made at fit time).
    coefs, intercepts : list of ndarray
        The live weights.
    """

    #: What the helpers accept, for their error messages.
    ACCEPTED = (
        "a fitted skact estimator (ActivationMLPClassifier or "
        "ActivationMLPRegressor) or a fitted Pipeline ending in one"
    )

    def __init__(self, estimator, preprocessing=None):
        if not isinstance(estimator, BaseActivationMLP):
            raise TypeError(
                f"Expected {self.ACCEPTED}; got {self.describe(estimator)}."
            )
        check_is_fitted(estimator)
        self.estimator = self._estimator = estimator
        self.preprocessing = preprocessing
        self.network = estimator._network()
        self.activations = self.network.activations
        self.coefs, self.intercepts = estimator.coefs_, estimator.intercepts_

    @classmethod
    def of(cls, estimator, caller):
        """The fitted network of a skact estimator or a Pipeline ending in one.

        ``caller`` names the public function in error messages.
        """
        preprocessing, final = cls.split_pipeline(estimator, caller)
        return cls(final, preprocessing)

    @staticmethod
    def split_pipeline(
        estimator, caller, *, accepts=None, accepted=ACCEPTED, note="", error=TypeError
    ):
        """``(preprocessing, final_step)`` of what a user passed to a helper.

        A Pipeline gives ``(pipeline[:-1], pipeline[-1])``, with None for no
        earlier steps; anything else gives ``(None, estimator)``. The final
        step must pass ``accepts`` (default: is a skact estimator), else
        ``error`` says that ``caller`` takes ``accepted`` (followed by
        ``note``). The type is checked first, so a wrong estimator gets that
        error fitted or not; then an unfitted estimator or Pipeline gets
        scikit-learn's ``NotFittedError``. A Pipeline ending in a Pipeline,
        or a network inside another meta-estimator, is refused.
        """
        from sklearn.pipeline import Pipeline  # only the helpers need it

        if accepts is None:
            accepts = lambda step: isinstance(step, BaseActivationMLP)  # noqa: E731
        preprocessing, final = None, estimator
        if isinstance(estimator, Pipeline):
            steps = estimator.steps
            final = steps[-1][1] if steps else None
            if len(steps) > 1:
                preprocessing = estimator[:-1]
        if isinstance(final, Pipeline) or not accepts(final):
            got = FittedNetwork.describe(final)
            if final is not estimator:
                got = f"a Pipeline whose last step is {got}"
                if isinstance(final, Pipeline):
                    got += " (nested pipelines are not supported)"
            raise error(f"{caller} takes {accepted}; got {got}{note}.")
        check_is_fitted(estimator)
        return preprocessing, final

    @staticmethod
    def describe(obj):
        """What ``obj`` is, for error messages: a class name with its public
        module (``sklearn.neural_network.MLPClassifier``)."""
        if isinstance(obj, str) or obj is None:
            return repr(obj)
        kind = obj if isinstance(obj, type) else type(obj)
        module = []
        for part in kind.__module__.split("."):
            if part.startswith("_"):
                break
            module.append(part)
        if module in (["builtins"], ["skact"]):
            module = []
        name = ".".join([*module, kind.__qualname__])
        return f"the class {name} (pass a fitted instance)" if kind is obj else name

    @property
    def chunk_bytes(self):
        """Bytes a chunked forward pass over this network may use now:
        scikit-learn's ``working_memory``, capped (prediction's budget)."""
        return chunk_bytes()

    def check_X(self, X):
        """``X`` transformed by the preprocessing steps, then validated as
        prediction validates it, in the weights' dtype."""
        if self.preprocessing is not None:
            X = self.preprocessing.transform(X)
        with np.errstate(over="ignore", invalid="ignore"):  # see ready_array
            X = self.estimator._validate_for_predict(X)
        return as_dtype(X, self.coefs[0].dtype)
