"""The estimator shared by skact's MLPs: scikit-learn plumbing around the engine.

``fit`` and ``partial_fit`` read top to bottom in :meth:`BaseActivationMLP._fit`
(the promise that a failed call leaves the estimator as it was) and
``_fit_unguarded``: validate the data, encode the target, build the network
and its starting weights, :func:`~skact._training.train`, store what it
reports. Prediction checks its input and runs the engine in chunks. The maths
is in ``_network`` and ``_losses``, training in ``_training`` (with the
divergence rule in ``_divergence`` and the records in ``_history``), the
shortcuts for small calls in ``_fast_paths``; what depends on the target is in
the subclasses (``_classifier``, ``_regressor``).
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import copy
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.validation import check_consistent_length, check_is_fitted
from sklearn_compat.utils.validation import validate_data

from . import _fast_paths
from ._activation_params import (
    nested_activation_params,
    set_nested_activation_params,
)
from ._checks import (
    check_finite_logits,
    check_loaded_state,
    check_memory,
    check_sample_weight_range,
)
from ._engine_activation import engine_activation
from ._history import History, Rollback
from ._network import Network
from ._numeric import as_dtype
from ._training import Settings, rows_per_step, train
from ._version import __version__
from ._working_memory import chunk_bytes
from .activations import get_activation
from .exceptions import InconsistentVersionWarning

_OPTIMIZER_PARAMS = (
    "learning_rate_init",
    "learning_rate",
    "momentum",
    "nesterovs_momentum",
    "power_t",
    "beta_1",
    "beta_2",
    "epsilon",
)


def validation_arguments(X_val, y_val, sample_weight_val):
    """``(X_val, y_val, sample_weight_val)``, or None when no validation data
    is given; both X_val and y_val, or neither."""
    if X_val is None and y_val is None:
        if sample_weight_val is not None:
            raise ValueError("sample_weight_val needs X_val and y_val.")
        return None
    if X_val is None or y_val is None:
        raise ValueError("X_val and y_val must be given together.")
    return X_val, y_val, sample_weight_val


class BaseActivationMLP(BaseEstimator):
    """Training and prediction plumbing shared by skact's MLP estimators.

    Not for direct use. Subclasses define ``__init__`` with the parameters,
    ``fit`` and ``partial_fit`` (calling :meth:`_fit`), and these hooks:

    ``_encode_targets(y, first_pass, incremental, classes)``
        Validate ``y``, return ``(target, output, n_outputs)``: the target the
        engine trains on, the output's name (``"softmax"``, ...) and its
        number of units.
    ``_encode_validation_target(y_val)``
        ``y_val`` encoded as the fitted target is.
    ``_sample_weight(sample_weight, X, y, target, train_y=None)``
        The validated per-sample weights (or None); for validation data,
        ``train_y`` is the training target (class weights come from it).
    ``_validation_score(logits, target, sample_weight)``
        The score early stopping maximises (accuracy, R^2).
    ``_stratify_by(target)``
        The labels early stopping's validation split is stratified by, or
        None (the default).
    ``_y_numeric``, ``_he_init``
        Whether ``y`` must be numbers (``validate_data``'s ``y_numeric``);
        whether activations asking for He's initial bound get it (else
        Glorot's).
    ``_callback_scope(incremental, data)``, ``_epoch_hooks(network, settings)``
        scikit-learn's callbacks (``_callbacks.CallbackMixin``); no-ops here.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [str, list, tuple, HasMethods(["forward", "derivative"])],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "diagnostics": ["boolean"],
    }

    _y_numeric = False
    _he_init = True

    # -- scikit-learn protocol ----------------------------------------------
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def __sklearn_is_fitted__(self):
        # What ``check_is_fitted`` asks; its default scans every attribute,
        # a noticeable part of predicting a few rows.
        return hasattr(self, "coefs_")

    def __getstate__(self):
        # A copy: on Python >= 3.11 the parent returns the live __dict__. The
        # cached structure is rebuilt on demand, not saved.
        state = {**super().__getstate__(), "_skact_version": __version__}
        state.pop("_network_cache", None)
        return state

    def __setstate__(self, state):
        version = state.pop("_skact_version", "before 0.1")
        if version != __version__:
            warnings.warn(
                InconsistentVersionWarning(
                    estimator_name=type(self).__name__,
                    original_version=version,
                    current_version=__version__,
                ),
                stacklevel=2,
            )
        check_loaded_state(state, classifier=isinstance(self, ClassifierMixin))
        super().__setstate__(state)

    # -- nested parameters of activation objects ------------------------------
    # scikit-learn reaches a single activation object's settings
    # (``activation__negative_slope``) but not those in a tuple or list; the
    # naming (``activation__<i>``, ``activation__<i>__<setting>``) and the
    # copy-on-set rule are in ``_activation_params``.
    def get_params(self, deep=True):
        """Get parameters for this estimator.

        Parameters
        ----------
        deep : bool, default=True
            If True, also return the settings of activation objects:
            ``activation__<setting>``, and for a tuple or list of activations
            ``activation__<i>`` (hidden layer ``i``, from 0) and
            ``activation__<i>__<setting>``.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep)
        if deep:
            params.update(
                (f"activation__{key}", value)
                for key, value in nested_activation_params(self.activation).items()
            )
        return params

    def set_params(self, **params):
        """Set the parameters of this estimator.

        Activation settings are named as :meth:`get_params` lists them. An
        activation object you passed is never changed: ``activation``, or
        the entry of a tuple or list, becomes an updated copy.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator instance
            Estimator instance.
        """
        nested = {
            key.removeprefix("activation__"): params.pop(key)
            for key in list(params)
            if key.startswith("activation__")
        }
        super().set_params(**params)
        if nested:
            self.activation = set_nested_activation_params(self.activation, nested)
        return self

    def _check_solver(self):
        if self.solver not in ("sgd", "adam"):
            raise AttributeError(
                "partial_fit is only available for the stochastic solvers "
                f"'sgd' and 'adam', not solver={self.solver!r}."
            )
        return True

    def _stratify_by(self, target):
        return None

    # -- callbacks: no-ops here, scikit-learn's callbacks in _callbacks.py -----
    def _callback_scope(self, incremental, data):
        """A context around one fit or partial_fit call on ``data``, its
        ``(X, y, sample_weight)`` (its callbacks' set-up and teardown)."""
        return contextlib.nullcontext()

    def _epoch_hooks(self, network, settings):
        """What the training loops tell when an epoch begins and ends, or
        None."""
        return None

    # -- structure ----------------------------------------------------------
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, Integral):
            sizes = [sizes]
        sizes = list(sizes)
        if not all(
            isinstance(s, Integral) and not isinstance(s, bool) and s > 0 for s in sizes
        ):
            raise ValueError(
                "hidden_layer_sizes must be positive integers, one per hidden "
                f"layer; got {self.hidden_layer_sizes!r}."
            )
        return [int(s) for s in sizes]

    def _hidden_activations(self, n_hidden):
        activation = self.activation
        if isinstance(activation, (list, tuple)):
            if len(activation) != n_hidden:
                raise ValueError(
                    f"activation has {len(activation)} entries but there are "
                    f"{n_hidden} hidden layers (hidden_layer_sizes="
                    f"{self.hidden_layer_sizes!r}); give one activation per "
                    "hidden layer, or a single one for all."
                )
        else:
            if n_hidden == 0:
                # Check the name even when there is no hidden layer to use it.
                get_activation(activation)
            activation = [activation] * n_hidden
        # Fitted state must not change when the user later edits an activation
        # object they passed (or reuses it elsewhere): keep copies. Names map
        # to shared, immutable registry objects.
        return [
            engine_activation(a if isinstance(a, str) else copy.deepcopy(a))
            for a in activation
        ]

    def _network(self):
        return _fast_paths.cached_network(
            self,
            lambda: Network(
                [self.n_features_in_, *self._fit_hidden_sizes, self.n_outputs_],
                self._fit_activations,
                self.out_activation_,
            ),
        )

    # -- prediction ---------------------------------------------------------
    def _validate_for_predict(self, X):
        """``X`` checked against the fitted model, as CSR or dense, in float32
        or float64 (cast to the weights' dtype chunk by chunk, later)."""
        check_is_fitted(self)
        # Fast path: see _fast_paths.ready_array.
        if "feature_names_in_" in self.__dict__ or not _fast_paths.ready_array(
            X, self.n_features_in_
        ):
            X = validate_data(
                self,
                X,
                accept_sparse=["csr", "csc"],
                dtype=(np.float64, np.float32),
                reset=False,
            )
        return X.tocsr() if sp.issparse(X) else X

    def _predict_logits(self, X, transform=None):
        """Output-layer logits of unvalidated input ``X``, or
        ``transform(output, logits)`` of them, computed in chunks of bounded
        memory (see ``Network.predict``)."""

        def checked(output, logits):
            check_finite_logits(logits)
            return logits if transform is None else transform(output, logits)

        # Inputs far beyond the training range may overflow: that is
        # reported as a ValueError (check_finite_logits), not as warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            X = self._validate_for_predict(X)
            return self._network().predict(
                self.coefs_, self.intercepts_, X, chunk_bytes(), checked
            )

    # -- training -----------------------------------------------------------
    def _fit(self, X, y, sample_weight, incremental, classes=None, validation=None):
        # A failed call (bad input, an interrupted or diverging fit) must leave
        # the estimator as it was. Training works on a fresh parameter buffer
        # and a copy of the optimizer, and only appends to the history lists,
        # so restoring the attribute dict and the lists' lengths undoes
        # everything.
        # A RandomState instance given as random_state is part of that state.
        saved_state = self.__dict__.copy()
        rollback = Rollback(saved_state.get("history_"))
        if "history_" in saved_state:
            saved_state["history_"] = rollback.shallow_copy()
        generator = self.random_state
        if isinstance(generator, np.random.RandomState):
            generator_state = generator.get_state()
        try:
            # Overflow is how divergence starts; it is detected and reported
            # as a DivergenceError rather than as floating-point warnings.
            with np.errstate(over="ignore", invalid="ignore"):
                with self._callback_scope(incremental, (X, y, sample_weight)):
                    return self._fit_unguarded(
                        X, y, sample_weight, incremental, classes, validation
                    )
        except BaseException:
            # Each step can be redone, and the attribute dict is swapped in
            # one step: a second Ctrl-C in here cannot leave a model half
            # restored.
            for attempt in range(2):
                try:
                    rollback.restore()
                    if isinstance(generator, np.random.RandomState):
                        generator.set_state(generator_state)
                    self.__dict__ = saved_state
                    break
                except BaseException:
                    if attempt:
                        raise
            raise

    def _fit_unguarded(self, X, y, sample_weight, incremental, classes, validation):
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        hidden_sizes = self._hidden_sizes()
        activations = self._hidden_activations(len(hidden_sizes))
        self._check_continuation(first_pass, incremental, hidden_sizes)

        # Validate and encode, once; the engine re-checks nothing.
        X, y = self._validate_training_data(X, y, first_pass)
        target, output, n_outputs = self._encode_targets(
            y, first_pass, incremental, classes
        )
        # Continued training keeps the weights' dtype, whatever X's.
        dtype = X.dtype if first_pass else self.coefs_[0].dtype
        X, target = as_dtype(X, dtype), self._target_in(target, dtype)
        sample_weight = self._sample_weight(sample_weight, X, y, target)
        check_sample_weight_range(sample_weight)

        # Build the network, and the weights training starts from.
        network = Network([X.shape[1], *hidden_sizes, n_outputs], activations, output)
        settings = self._settings(incremental, validation is not None)
        rows = rows_per_step(settings, X.shape[0])
        check_memory(network.layer_units, rows, np.dtype(dtype).itemsize, hidden_sizes)
        random_state = _fast_paths.random_state_for(self)
        if first_pass:
            params = network.initialize(random_state, dtype, he=self._he_init)
            self.n_iter_ = self.t_ = 0
            self.history_ = self._optimizer = None
        else:
            params = self._pack_current_weights(network, dtype)
        history = History(
            self.history_,
            validation=settings.scored,
            diagnostics=self.diagnostics,
            n_hidden=len(hidden_sizes),
        )
        self._store_network(network, params, history, hidden_sizes, activations)
        self.validation_scores_ = history.val_score if settings.scored else None
        if validation is not None:  # the user's, checked against the model
            validation = self._validation_data(*validation, dtype, y)

        # Train (the weights are updated in place, through the live views).
        outcome = train(
            network,
            params,
            (X, target, sample_weight),
            settings,
            history,
            validation=validation,
            score=self._validation_score,
            stratify=self._stratify_by,
            optimizer=copy.deepcopy(self._optimizer),
            random_state=random_state,
            t=self.t_,
            hooks=self._epoch_hooks(network, settings),
        )

        # Store what training reports.
        if outcome.n_iter or not settings.stochastic:  # an interrupt may end first
            self.loss_ = outcome.loss
        self.n_iter_, self.t_ = outcome.n_iter, outcome.t
        self._optimizer = outcome.optimizer
        self.best_validation_score_ = outcome.best_validation_score
        self.best_loss_ = outcome.best_loss
        return self

    def _check_continuation(self, first_pass, incremental, hidden_sizes):
        """Refuse what cannot continue training: early stopping in
        ``partial_fit``, a warm start on other layer sizes."""
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True.")
        if not first_pass and hidden_sizes != self._fit_hidden_sizes:
            raise ValueError(
                f"hidden_layer_sizes={self.hidden_layer_sizes!r} differs from the "
                f"fitted network's {tuple(self._fit_hidden_sizes)}; set "
                "warm_start=False to train a new network."
            )

    @staticmethod
    def _target_in(target, dtype):
        """A float or indicator target in the weights' dtype; class indices
        as they are."""
        if target.ndim == 2 or target.dtype.kind == "f":
            return target.astype(dtype, copy=False)
        return target

    def _store_network(self, network, params, history, hidden_sizes, activations):
        """The fitted structure, the history's lists and live views of the
        weights, set before training so that callbacks and an interrupt see
        a complete model."""
        self.history_ = history.records
        self.loss_curve_ = history.loss
        self.n_outputs_ = network.layer_units[-1]
        self.n_layers_ = len(network.layer_units)
        self.out_activation_ = network.output.name
        self._fit_hidden_sizes = hidden_sizes
        self._fit_activations = activations
        self._network_cache = network
        self.coefs_, self.intercepts_ = network.views(params)  # live views

    def _validation_data(self, X_val, y_val, sample_weight_val, dtype, y):
        """The user's validation data, checked as the training data is
        (features, known classes or outputs, weights), in the weights'
        dtype, as ``(X, target, sample_weight)``; class weights are those of
        the training target ``y``."""
        try:
            X_val, y_val = self._validate_X_y(X_val, y_val, reset=False)
        except ValueError as error:
            raise ValueError(
                f"Invalid validation data (X_val, y_val): {error}"
            ) from None
        X_val = as_dtype(X_val, dtype)
        target = self._encode_validation_target(y_val)
        if target.ndim == 2 or target.dtype.kind == "f":
            target = target.astype(dtype, copy=False)
        try:
            weights = self._sample_weight(
                sample_weight_val, X_val, y_val, target, train_y=y
            )
        except ValueError as error:
            raise ValueError(f"Invalid sample_weight_val: {error}") from None
        check_sample_weight_range(weights, "sample_weight_val")
        return X_val, target, weights

    def _validate_training_data(self, X, y, first_pass):
        # Fast path: continued training on a plain array skips validate_data
        # for X (see _fast_paths.ready_array); y still gets its checks.
        if (
            first_pass
            or "feature_names_in_" in self.__dict__
            or not _fast_paths.ready_array(X, self.n_features_in_)
        ):
            return self._validate_X_y(X, y, reset=first_pass)
        y = validate_data(self, "no_validation", y, multi_output=True, reset=False)
        check_consistent_length(X, y)
        return X, y

    def _validate_X_y(self, X, y, reset):
        """scikit-learn's checks of training data; sparse X as CSR (fast row
        slicing for minibatches)."""
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=self._y_numeric,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        return (X.tocsr() if sp.issparse(X) else X), y

    def _settings(self, incremental, has_validation):
        stochastic = self.solver != "lbfgs"
        early_stopping = self.early_stopping and stochastic
        return Settings(
            solver=self.solver,
            alpha=self.alpha,
            max_iter=self.max_iter,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            shuffle=self.shuffle,
            batch_size=self.batch_size,
            verbose=self.verbose,
            learning_rate_init=self.learning_rate_init,
            max_fun=self.max_fun,
            incremental=incremental,
            diagnostics=self.diagnostics,
            chunk_bytes=chunk_bytes(),
            early_stopping=early_stopping,
            validation_fraction=self.validation_fraction,
            optimizer={name: getattr(self, name) for name in _OPTIMIZER_PARAMS},
            scored=early_stopping or has_validation,
        )

    def _pack_current_weights(self, network, dtype):
        """Copy ``coefs_`` and ``intercepts_`` (possibly edited or replaced by
        the user) into a new flat buffer, checking their shapes."""
        expected = network.coef_shapes
        got = [np.shape(c) for c in self.coefs_]
        got_b = [np.shape(b) for b in self.intercepts_]
        if got != expected or got_b != [(s[1],) for s in expected]:
            raise ValueError(
                "coefs_ and intercepts_ do not fit the network: expected weight "
                f"shapes {expected}, got {got} and intercept shapes {got_b}."
            )
        return network.pack(self.coefs_, self.intercepts_, dtype)
