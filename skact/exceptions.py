"""Exceptions and warnings raised by skact."""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause


class DivergenceError(ValueError):
    """Training diverged and was stopped.

    Raised when the loss or a parameter becomes non-finite, or when the
    training loss, though finite, explodes: over a million times the median
    of the model's recent losses (of this call's epochs and earlier calls'),
    and over a million times the loss of predicting a constant. The estimator is left
    exactly as it was before the call that diverged. Usually the learning
    rate (``learning_rate_init``) is too high, or the input is not scaled.
    """


class InconsistentVersionWarning(UserWarning):
    """A model is loaded under a different skact version than it was saved.

    Parameters
    ----------
    estimator_name : str
        The class of the loaded estimator.
    original_version : str
        The skact version that saved it.
    current_version : str
        The skact version loading it.
    """

    def __init__(self, *, estimator_name, original_version, current_version):
        self.estimator_name = estimator_name
        self.original_version = original_version
        self.current_version = current_version

    def __str__(self):
        return (
            f"Loading {self.estimator_name} saved with skact "
            f"{self.original_version} under skact {self.current_version}: it "
            "may fail or predict differently. Refit the model with this "
            "version, or load it under the version that saved it."
        )
