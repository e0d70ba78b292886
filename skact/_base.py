"""The estimator shared by skact's MLPs: scikit-learn plumbing around the engine.

Parameters and their checks, ``fit``/``partial_fit``/``predict`` plumbing, the
promise that a failed call leaves the estimator as it was, and the accessor
that diagnostics and Displays read fitted models through. Subclasses add what
depends on the target (see :class:`BaseActivationMLP`). The maths is in
``_network`` and ``_losses``, the loops in ``_training``, the records in
``_history``, and the shortcuts for small calls in ``_fast_paths``.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import copy
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
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
from ._history import History, Patience, Rollback, best_so_far, validation_split
from ._network import Network, engine_activation
from ._numeric import as_dtype
from ._optimizers import make_optimizer
from ._threads import blas_threads_for
from ._training import USER_FRAME, Progress, Settings, fit_lbfgs, fit_stochastic
from ._version import __version__
from .activations import get_activation
from .exceptions import InconsistentVersionWarning

#: Most memory (MiB) a chunked forward pass uses for its hidden layers. Chunks
#: beyond a few thousand rows are no faster, only bigger.
MAX_CHUNK_MIB = 16

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


def chunk_bytes():
    """Bytes a chunked forward pass may use: scikit-learn's ``working_memory``
    (MiB), at most ``MAX_CHUNK_MIB``."""
    return min(get_config()["working_memory"], MAX_CHUNK_MIB) * 2**20


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
    ``_sample_weight(sample_weight, X, y, target)``
        The validated per-sample weights (or None).
    ``_validation_score(logits, target, sample_weight)``
        The score early stopping maximises (accuracy, R^2).
    ``_stratify_by(target)``
        The labels early stopping's validation split is stratified by, or
        None (the default).
    ``_y_numeric``, ``_he_init``
        Whether ``y`` must be numbers (``validate_data``'s ``y_numeric``);
        whether activations asking for He's initial bound get it (else
        Glorot's).
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
            saved_state["history_"] = rollback.keys()
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
        hidden_sizes = self._hidden_sizes()
        activations = self._hidden_activations(len(hidden_sizes))
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        stochastic = self.solver != "lbfgs"
        early_stopping = self.early_stopping and stochastic
        scored = early_stopping or validation is not None  # val_loss, val_score
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True.")
        if not first_pass and hidden_sizes != self._fit_hidden_sizes:
            raise ValueError(
                f"hidden_layer_sizes={self.hidden_layer_sizes!r} differs from the "
                f"fitted network's {tuple(self._fit_hidden_sizes)}; set "
                "warm_start=False to train a new network."
            )

        # The data, checked once; the engine re-checks nothing.
        X, y = self._validate_training_data(X, y, first_pass)
        target, output, n_outputs = self._encode_targets(
            y, first_pass, incremental, classes
        )
        # Continued training keeps the weights' dtype, whatever X's.
        dtype = X.dtype if first_pass else self.coefs_[0].dtype
        X = as_dtype(X, dtype)
        if target.ndim == 2 or target.dtype.kind == "f":
            target = target.astype(dtype, copy=False)
        sample_weight = self._sample_weight(sample_weight, X, y, target)
        check_sample_weight_range(sample_weight)

        # The network and where training starts from.
        layer_units = [X.shape[1], *hidden_sizes, n_outputs]
        rows = X.shape[0]  # per step: a minibatch, or all of X for L-BFGS
        if stochastic:
            rows = min(rows, 200 if self.batch_size == "auto" else self.batch_size)
        check_memory(layer_units, rows, np.dtype(dtype).itemsize, hidden_sizes)
        network = Network(layer_units, activations, output)
        random_state = _fast_paths.random_state_for(self)
        if first_pass:
            params = network.initialize(random_state, dtype, he=self._he_init)
            self.n_iter_ = self.t_ = 0
            self.history_ = self._optimizer = None
        else:
            params = self._pack_current_weights(network, dtype)
            self._optimizer = copy.deepcopy(self._optimizer)
        history = History(
            self.history_,
            validation=scored,
            diagnostics=self.diagnostics,
            n_hidden=len(hidden_sizes),
        )
        self.history_ = history.records
        self.loss_curve_ = history.loss
        self.validation_scores_ = history.val_score if scored else None
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(layer_units)
        self.out_activation_ = network.output.name
        self._fit_hidden_sizes = hidden_sizes
        self._fit_activations = activations
        self._network_cache = network
        self.coefs_, self.intercepts_ = network.views(params)  # live views

        data = (X, target, sample_weight)
        if validation is not None:  # the user's, instead of a random split
            validation = self._validation_data(*validation, dtype)
        elif early_stopping:
            data, validation = validation_split(
                *data,
                self.validation_fraction,
                random_state,
                self._stratify_by(target),
            )
        settings = self._settings(data[0].shape[0], incremental)
        progress = Progress(t=self.t_)
        with blas_threads_for(rows * network.largest_layer):
            if stochastic:
                self._optimizer = make_optimizer(
                    self.solver,
                    network.n_params,
                    dtype,
                    {name: getattr(self, name) for name in _OPTIMIZER_PARAMS},
                    kept=self._optimizer,
                )
                patience = Patience(
                    self.tol,
                    self.n_iter_no_change,
                    early_stopping,
                    *best_so_far(history, early_stopping),
                )
                if early_stopping and patience.best_score > -np.inf:
                    # A warm start continues from the best epoch's weights,
                    # which stay the best until an epoch of this call beats
                    # them.
                    patience.best_params = params.copy()
                fit_stochastic(
                    network,
                    params,
                    data,
                    self._optimizer,
                    settings,
                    history,
                    patience,
                    random_state,
                    progress,
                    validation,
                    self._validation_score,
                    self._epoch_hooks(network, settings),
                )
                best_score, best_loss = patience.best_score, patience.best_loss
            else:
                fit_lbfgs(
                    network,
                    params,
                    data,
                    settings,
                    history,
                    progress,
                    self._epoch_hooks(network, settings),
                    validation,
                    self._validation_score,
                )
                best_score, best_loss = None, min([progress.loss, *history.loss])
        if scored and not early_stopping:
            best_score = np.nanmax([-np.inf, *history.val_score])

        if progress.n_iter or not stochastic:  # an interrupt may end before one
            self.loss_ = progress.loss
        self.n_iter_, self.t_ = progress.n_iter, progress.t
        self.best_validation_score_ = best_score if scored else None
        self.best_loss_ = None if early_stopping else best_loss
        return self

    def _validation_data(self, X_val, y_val, sample_weight_val, dtype):
        """The user's validation data, checked as the training data is
        (features, known classes or outputs, weights), in the weights'
        dtype, as ``(X, target, sample_weight)``."""
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
            weights = self._sample_weight(sample_weight_val, X_val, y_val, target)
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

    def _settings(self, n_samples, incremental):
        return Settings(
            solver=self.solver,
            alpha=self.alpha,
            max_iter=self.max_iter,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            shuffle=self.shuffle,
            batch_size=self._batch_size(n_samples),
            verbose=self.verbose,
            learning_rate_init=self.learning_rate_init,
            max_fun=self.max_fun,
            incremental=incremental,
            diagnostics=self.diagnostics,
            chunk_bytes=chunk_bytes(),
        )

    def _batch_size(self, n_samples):
        if self.solver == "lbfgs":
            return n_samples
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                f"Got batch_size={self.batch_size} larger than the number of "
                f"samples ({n_samples}); it is clipped to {n_samples}.",
                stacklevel=USER_FRAME + 1,  # called from _settings
            )
        return min(self.batch_size, n_samples)

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
