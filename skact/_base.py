"""The shared machinery of skact's MLP estimators.

Parameter validation, network structure, the training loops (epochs,
minibatches, early stopping, L-BFGS), warm starts, and chunked forward passes.
Subclasses add what depends on the target: its encoding, the output layer,
sample weights and the validation score. The maths lives in ``_network`` and
``_optimizers``.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import copy
import functools
import math
import operator
import time
import warnings
import weakref
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from . import activations as _activations
from ._network import LayerStatistics, Network, Workspace
from ._optimizers import SGD, Adam, minimize_lbfgs
from ._threads import blas_threads_for
from ._version import __version__
from .exceptions import DivergenceError, InconsistentVersionWarning

#: Each estimator's re-seeded generator (see ``_fresh_random_state``).
_SEEDED_GENERATORS = weakref.WeakKeyDictionary()
#: Each estimator's parameter values at its last successful parameter check
#: (see ``_validate_params``). Like the generators, kept outside the
#: estimator: its pickles, clones and fitted state are unchanged.
_VALIDATED_PARAMS = weakref.WeakKeyDictionary()


def _recall(table, estimator):
    """``table.get(estimator)`` for the tables above; None for an estimator
    that cannot be a key (a subclass defining ``__eq__`` but no ``__hash__``),
    which then goes without the shortcut."""
    try:
        return table.get(estimator)
    except TypeError:
        return None


def _remember(table, estimator, value):
    """``table[estimator] = value`` where the estimator can be a key."""
    with contextlib.suppress(TypeError):
        table[estimator] = value
    return value


_STOCHASTIC_SOLVERS = ("sgd", "adam")
_DIAGNOSTICS = ("grad_norm", "dead_fraction", "saturated_fraction")


#: Most memory (MiB) a chunked forward pass uses for its hidden layers. Chunks
#: beyond a few thousand rows are no faster, only bigger.
MAX_CHUNK_MIB = 16


def _rows_per_chunk(row_bytes, n_rows):
    """Rows whose buffers fit in scikit-learn's ``working_memory`` (MiB) and
    in ``MAX_CHUNK_MIB``; at least 1."""
    budget = min(get_config()["working_memory"], MAX_CHUNK_MIB) * 2**20
    return int(min(n_rows, max(1, budget // max(row_bytes, 1))))


def _as_dtype(X, dtype):
    """``X`` in ``dtype``, refusing values that a cast to float32 would turn
    into infinity (a float32 model given float64 data)."""
    if X.dtype == dtype:
        return X
    data = X.data if sp.issparse(X) else X
    limit = np.finfo(dtype).max
    if data.size and (data.max() > limit or data.min() < -limit):
        raise ValueError(
            f"Input X contains a value too large for {np.dtype(dtype).name} "
            f"(beyond {limit:.3g}): this model was fitted in "
            f"{np.dtype(dtype).name}. Scale the data, or refit on float64 data."
        )
    return X.astype(dtype, copy=False)


@functools.cache
def _param_names(cls):
    """``cls._get_param_names()``, which inspects ``__init__``'s signature on
    every call, once per class."""
    return tuple(cls._get_param_names())


def _ready_array(X, n_features):
    """Whether ``X`` is an ndarray that ``validate_data`` would accept as it
    is: 2-d, float32 or float64, ``n_features`` columns, rows, all finite."""
    if (
        type(X) is not np.ndarray
        or X.ndim != 2
        or X.dtype not in (np.float64, np.float32)  # native byte order too
        or X.shape[0] == 0
        or X.shape[1] != n_features
    ):
        return False
    # A finite sum means finite values (scikit-learn's own first check); an
    # overflowing sum of finite values only sends X the long way.
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(np.add.reduce(X, axis=None)))


def _batches(n, batch_size):
    """Slices of ``batch_size`` consecutive rows covering ``range(n)``.

    ``sklearn.utils.gen_batches`` without its per-call parameter validation,
    which costs more than a small network's whole batch.
    """
    return [slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]


class BaseActivationMLP(BaseEstimator):
    """Training and prediction plumbing shared by skact's MLP estimators.

    Not for direct use. Subclasses define ``__init__`` with the parameters,
    and these hooks:

    ``_encode_targets(y, first_pass, incremental, classes)``
        Validate ``y``, return ``(target, output, n_outputs)``: the target the
        engine trains on, the output layer (``"softmax"``, ``"logistic"``) and
        its number of units.
    ``_sample_weight(sample_weight, X, y, target)``
        The validated per-sample weights (or None).
    ``_evaluate(network, X, target, sample_weight)``
        ``(loss, score)`` on held-out data, for early stopping.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [
            str,
            list,
            tuple,
            HasMethods(["forward", "derivative"]),
        ],
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
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def __getstate__(self):
        # A copy: on Python >= 3.11 the parent returns the live __dict__. The
        # cached structure is rebuilt on demand, not saved.
        state = {**super().__getstate__(), "_skact_version": __version__}
        state.pop("_network_cache", None)
        return state

    def _validate_params(self):
        """scikit-learn's check of the constructor parameters, skipped when
        each parameter is the very object it was at this estimator's last
        successful check: ``partial_fit`` checks on every call, and the check
        costs ~0.3 ms. Identity, not equality: a changed value is a new
        object, and the constraints are on types and immutable values, which
        an in-place change (of a dict or list) cannot alter."""
        names = _param_names(type(self))
        values = tuple(getattr(self, name) for name in names)
        last = _recall(_VALIDATED_PARAMS, self)
        if last is not None and all(map(operator.is_, values, last)):
            return
        super()._validate_params()
        _remember(_VALIDATED_PARAMS, self, values)

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
        super().__setstate__(state)

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for the stochastic solvers "
                f"'sgd' and 'adam', not solver={self.solver!r}."
            )
        return True

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
                _activations.get_activation(activation)
            activation = [activation] * n_hidden
        # Fitted state must not change when the user later edits an activation
        # object they passed (or reuses it elsewhere): keep copies. Names map
        # to shared, immutable registry objects.
        return [
            _activations._engine_activation(
                a if isinstance(a, str) else copy.deepcopy(a)
            )
            for a in activation
        ]

    def __sklearn_is_fitted__(self):
        # What ``check_is_fitted`` asks; its default scans every attribute,
        # a noticeable part of predicting a few rows.
        return hasattr(self, "coefs_")

    def _network(self):
        """The fitted network's structure (no weights), made once per fit:
        prediction on a few rows would otherwise spend much of its time here."""
        network = self.__dict__.get("_network_cache")
        if network is None:
            units = [self.n_features_in_, *self._fit_hidden_sizes, self.n_outputs_]
            network = Network(units, self._fit_activations, self.out_activation_)
            self._network_cache = network
        return network

    def _takes_as_is(self, X):
        """Whether this fitted model may skip ``validate_data`` for ``X``.

        It costs ~0.1 ms, most of a call on a few rows (a small prediction, a
        ``partial_fit`` batch). An array it would hand back unchanged, given
        to a model fitted without feature names, needs only the shape and
        finiteness checks of :func:`_ready_array`; anything else (and any
        problem) goes through ``validate_data``, for its errors and warnings.
        """
        return "feature_names_in_" not in self.__dict__ and _ready_array(
            X, self.n_features_in_
        )

    def _validate_for_predict(self, X, cast=True):
        """``X`` checked against the fitted model, as CSR or dense, in float32
        or float64; ``cast`` converts it to the weights' dtype."""
        check_is_fitted(self)
        if not self._takes_as_is(X):
            X = validate_data(
                self,
                X,
                accept_sparse=["csr", "csc"],
                dtype=(np.float64, np.float32),
                reset=False,
            )
        X = X.tocsr() if sp.issparse(X) else X
        return _as_dtype(X, self.coefs_[0].dtype) if cast else X

    def _logits(self, X, transform=None):
        """Output-layer pre-activations of unvalidated input ``X``, or
        ``transform`` of them (see ``_forward``)."""
        X = self._validate_for_predict(X, cast=False)
        return self._forward(self._network(), X, transform)

    def _forward(self, network, X, transform=None):
        """Logits of ``X``, or ``transform(logits)``, computed in chunks.

        Chunks are sized by ``working_memory`` (and ``MAX_CHUNK_MIB``), so
        memory does not grow with the widest layer times ``n_samples``; each
        chunk is cast to the weights' dtype on its own, never the whole of
        ``X``. ``transform(network, logits)`` maps a chunk's logits (which it
        may overwrite) to an array with one row per sample. The workspace is
        local: concurrent calls from several threads are safe.
        """
        n = X.shape[0]
        dtype = self.coefs_[0].dtype
        row_bytes = dtype.itemsize * sum(network.layer_units[1:])
        chunk = _rows_per_chunk(row_bytes, n)
        ws = Workspace(network, chunk, dtype, training=False)
        if chunk == n:  # one chunk: the call's own buffer is the answer
            result = network.forward(
                self.coefs_, self.intercepts_, _as_dtype(X, dtype), ws
            )
            return result if transform is None else transform(network, result)
        out = None
        for rows in _batches(n, chunk):
            Xc = _as_dtype(X[rows], dtype)
            result = network.forward(self.coefs_, self.intercepts_, Xc, ws)
            if transform is not None:
                result = transform(network, result)
            if out is None:
                out = np.empty((n, *result.shape[1:]), dtype=result.dtype)
            out[rows] = result
        if out is None:  # no rows
            out = np.empty((0, self.n_outputs_), dtype=dtype)
        return out

    def _fit(self, X, y, sample_weight, incremental, classes=None):
        # A failed call (bad input, an interrupted or diverging fit) must leave
        # the estimator as it was. Training works on a fresh parameter buffer
        # and a copy of the optimizer, and only appends to the history lists,
        # so restoring the attribute dict and the lists' lengths undoes
        # everything (without copying a history that grows with every
        # partial_fit call).
        saved_state = self.__dict__.copy()
        history = saved_state.get("history_", {})
        lengths = {key: len(values) for key, values in history.items()}
        if "history_" in saved_state:
            saved_state["history_"] = dict(history)  # keys training may add
        try:
            # Overflow is how divergence starts; it is detected and reported
            # as a DivergenceError rather than as floating-point warnings.
            with np.errstate(over="ignore", invalid="ignore"):
                return self._fit_unguarded(X, y, sample_weight, incremental, classes)
        except BaseException:
            for key, length in lengths.items():
                del history[key][length:]
            self.__dict__.clear()
            self.__dict__.update(saved_state)
            raise

    def _fit_unguarded(self, X, y, sample_weight, incremental, classes):
        hidden_sizes = self._hidden_sizes()
        activations = self._hidden_activations(len(hidden_sizes))
        fitted = hasattr(self, "coefs_")
        first_pass = not fitted or (not self.warm_start and not incremental)
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True.")
        if not first_pass and hidden_sizes != self._fit_hidden_sizes:
            raise ValueError(
                f"hidden_layer_sizes={self.hidden_layer_sizes!r} differs from the "
                f"fitted network's {tuple(self._fit_hidden_sizes)}; set "
                "warm_start=False to train a new network."
            )

        if first_pass or not self._takes_as_is(X):
            X, y = validate_data(
                self,
                X,
                y,
                accept_sparse=["csr", "csc"],
                multi_output=True,
                dtype=(np.float64, np.float32),
                reset=first_pass,
            )
        else:  # continued training on a plain array: y needs its checks
            y = validate_data(self, "no_validation", y, multi_output=True, reset=False)
            check_consistent_length(X, y)
        if sp.issparse(X):
            X = X.tocsr()  # fast row slicing for minibatches
        target, output, n_outputs = self._encode_targets(
            y, first_pass, incremental, classes
        )
        # Continued training keeps the weights' dtype, whatever X's.
        dtype = X.dtype if first_pass else self.coefs_[0].dtype
        X = _as_dtype(X, dtype)
        if target.ndim == 2:
            target = target.astype(dtype)
        sample_weight = self._sample_weight(sample_weight, X, y, target)

        layer_units = [X.shape[1], *hidden_sizes, n_outputs]
        network = Network(layer_units, activations, output)
        random_state = self._fresh_random_state()
        if first_pass:
            params = network.initialize(random_state, dtype)
        else:
            params = self._pack_current_weights(network, dtype)
        self._prepare_training_state(first_pass)

        self.n_outputs_ = n_outputs
        self.n_layers_ = len(layer_units)
        self.out_activation_ = network.output
        self._fit_hidden_sizes = hidden_sizes
        self._fit_activations = activations
        self._network_cache = network
        self.coefs_, self.intercepts_ = network.views(params)

        rows = X.shape[0]
        if self.solver != "lbfgs":
            rows = min(rows, 200 if self.batch_size == "auto" else self.batch_size)
        with blas_threads_for(rows * network.largest_layer):
            if self.solver == "lbfgs":
                self._fit_lbfgs(network, params, X, target, sample_weight)
            else:
                self._fit_stochastic(
                    network,
                    params,
                    X,
                    target,
                    sample_weight,
                    random_state,
                    incremental,
                )
        return self

    def _fresh_random_state(self):
        """``check_random_state(self.random_state)``, as scikit-learn calls it
        at the start of every ``fit`` and ``partial_fit``.

        For an integer seed, one generator per estimator is kept (outside the
        estimator's state) and re-seeded: that gives the same stream as a new
        ``RandomState(seed)`` at 1% of its cost (~1.5 us instead of ~150 us,
        a tenth of a small ``partial_fit`` call).
        """
        seed = self.random_state
        if not isinstance(seed, Integral):
            return check_random_state(seed)
        rng = _recall(_SEEDED_GENERATORS, self)
        if rng is None:
            rng = _remember(_SEEDED_GENERATORS, self, np.random.RandomState())
        rng.seed(seed)
        return rng

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

    def _prepare_training_state(self, first_pass):
        """Start the records training appends to, or copy them to continue.

        The optimizer is copied, so that a failed call can be undone (see
        ``_fit``). ``history_`` is the record; ``loss_curve_`` and
        ``validation_scores_`` are its lists under scikit-learn's names.
        """
        if first_pass:
            self.n_iter_ = 0
            self.t_ = 0
            self.history_ = {"loss": []}
            self._optimizer = None
        else:
            self._optimizer = copy.deepcopy(self._optimizer)
        history = self.history_
        self.loss_curve_ = history["loss"]
        n_epochs = len(history["loss"])
        early_stopping = self.early_stopping and self.solver in _STOCHASTIC_SOLVERS
        # A warm start that turns early stopping or diagnostics on: earlier
        # epochs have no such records. NaN keeps the lists aligned by epoch.
        if early_stopping and "val_score" not in history:
            history["val_loss"] = [np.nan] * n_epochs
            history["val_score"] = [np.nan] * n_epochs
        if self.diagnostics and "grad_norm" not in history:
            n_layers = len(self._fit_hidden_sizes) + 1 if n_epochs else 0
            for key in _DIAGNOSTICS:
                width = n_layers if key == "grad_norm" else n_layers - 1
                history[key] = [[np.nan] * width for _ in range(n_epochs)]
        if early_stopping:
            self.validation_scores_ = history["val_score"]
            self.best_validation_score_ = np.nanmax([-np.inf, *history["val_score"]])
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = min(history["loss"], default=np.inf)

    def _record_epoch(self, loss, val_loss=np.nan, val_score=np.nan, stats=None):
        """Append one epoch (or L-BFGS iteration) to ``history_``.

        Stops training with a :class:`DivergenceError` if the loss is not
        finite.
        """
        if not math.isfinite(loss):
            self._diverged(f"the training loss became {loss}")
        history = self.history_
        history["loss"].append(loss)
        if "val_score" in history:
            history["val_loss"].append(val_loss)
            history["val_score"].append(val_score)
        if "grad_norm" in history:
            n_hidden = len(self._fit_hidden_sizes)
            if stats is None:
                history["grad_norm"].append([np.nan] * (n_hidden + 1))
                history["dead_fraction"].append([np.nan] * n_hidden)
                history["saturated_fraction"].append([np.nan] * n_hidden)
            else:
                history["grad_norm"].append(stats.grad_norm())
                history["dead_fraction"].append(stats.dead_fraction())
                history["saturated_fraction"].append(stats.saturated_fraction())
                stats.reset()

    def _diverged(self, cause):
        step = "iteration" if self.solver == "lbfgs" else "epoch"
        if self.solver == "lbfgs":
            hint = "Scale the inputs (e.g. with StandardScaler) or increase alpha."
        else:
            hint = (
                "Try a lower learning_rate_init (it is "
                f"{self.learning_rate_init!r}), and scale the inputs (e.g. with "
                "StandardScaler)."
            )
        raise DivergenceError(
            f"Training diverged: {cause} in {step} {self.n_iter_ + 1} of this "
            f"call (solver={self.solver!r}). {hint} The estimator is left as "
            "it was before this call."
        )

    def _make_optimizer(self, n_params, dtype):
        if self.solver == "sgd":
            return SGD(
                n_params,
                dtype,
                self.learning_rate_init,
                self.learning_rate,
                self.momentum,
                self.nesterovs_momentum,
                self.power_t,
            )
        return Adam(
            n_params,
            dtype,
            self.learning_rate_init,
            self.beta_1,
            self.beta_2,
            self.epsilon,
        )

    def _fit_lbfgs(self, network, params, X, target, sample_weight):
        ws = Workspace(network, X.shape[0], params.dtype)
        stats = LayerStatistics(network) if self.diagnostics else None
        alpha = self.alpha
        start = time.perf_counter()
        self.n_iter_ = 0

        def loss_grad(p, grad):
            return network.loss_grad(
                p, X, target, sample_weight, alpha, grad, ws, stats
            )

        def on_iteration(loss):
            self._record_epoch(loss, stats=stats)
            self.n_iter_ += 1
            if self.verbose:
                print(
                    f"Iteration {len(self.loss_curve_)}, loss = {loss:.8f}, "
                    f"time = {time.perf_counter() - start:.2f}s"
                )

        result = minimize_lbfgs(
            loss_grad,
            params,
            max_iter=self.max_iter,
            max_fun=self.max_fun,
            tol=self.tol,
            callback=on_iteration,
        )
        if not (math.isfinite(result.fun) and math.isfinite(params.sum())):
            self._diverged("the loss or a parameter became non-finite")
        if result.status != 0:
            warnings.warn(
                f"lbfgs failed to converge after {result.nit} iterations "
                f"({result.message}). Increase max_iter or max_fun, or scale the "
                "data (e.g. with StandardScaler).",
                ConvergenceWarning,
                stacklevel=5,
            )
        self.n_iter_ = int(result.nit)
        self.loss_ = float(result.fun)
        self.best_loss_ = min([self.loss_, *self.loss_curve_])

    def _fit_stochastic(
        self, network, params, X, target, sample_weight, random_state, incremental
    ):
        if isinstance(self._optimizer, SGD if self.solver == "sgd" else Adam):
            self._update_optimizer_settings(self._optimizer)
        else:
            self._optimizer = self._make_optimizer(network.n_params, params.dtype)
        optimizer = self._optimizer

        early_stopping = self.early_stopping
        if early_stopping:
            X, X_val, target, target_val, sample_weight, sw_val = self._split(
                X, target, sample_weight, random_state
            )
        batches = _Minibatches(
            X, target, sample_weight, self._batch_size(X.shape[0]), self.shuffle
        )
        ws = Workspace(network, batches.batch_size, params.dtype)
        stats = LayerStatistics(network) if self.diagnostics else None
        grad = np.empty_like(params)
        self._no_improvement_count = 0
        self.n_iter_ = 0
        start = time.perf_counter()
        Xb = None
        try:
            for _ in range(self.max_iter):
                accumulated_loss = 0.0
                for Xb, yb, swb in batches.epoch(random_state):
                    batch_loss = network.loss_grad(
                        params, Xb, yb, swb, self.alpha, grad, ws, stats
                    )
                    optimizer.step(params, grad)
                    accumulated_loss += batch_loss * Xb.shape[0]
                # One check per epoch, not per step (where it cost a pass over
                # the parameters): the sum is NaN or inf as soon as one batch's
                # loss or one parameter is. A failed call restores the model,
                # so detecting it a few steps late changes nothing.
                if not math.isfinite(accumulated_loss + params.sum()):
                    self._diverged("the training loss or a parameter became non-finite")
                self.n_iter_ += 1
                self.t_ += batches.n_samples
                self.loss_ = accumulated_loss / batches.n_samples
                if early_stopping:
                    val_loss, val_score = self._evaluate(
                        network, X_val, target_val, sw_val
                    )
                    self._record_epoch(self.loss_, val_loss, val_score, stats)
                else:
                    self._record_epoch(self.loss_, stats=stats)
                if self.verbose:
                    message = f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}"
                    if early_stopping:
                        message += (
                            f", validation score = {val_score:.6f}"
                            f", validation loss = {val_loss:.8f}"
                        )
                    print(f"{message}, time = {time.perf_counter() - start:.2f}s")

                self._update_no_improvement_count(early_stopping, params)
                optimizer.iteration_ends(self.t_)
                if self._no_improvement_count > self.n_iter_no_change:
                    what = "Validation score" if early_stopping else "Training loss"
                    msg = (
                        f"{what} did not improve more than tol={self.tol:f} for "
                        f"{self.n_iter_no_change} consecutive epochs."
                    )
                    if optimizer.trigger_stopping(msg, self.verbose):
                        break
                    self._no_improvement_count = 0
                if incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                        "reached and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                        stacklevel=5,
                    )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=5)

        # Each batch's loss was computed before its update: make sure the last
        # update (or an interrupted epoch) left finite parameters and outputs,
        # at the cost of one forward pass over one batch.
        coefs, intercepts = ws.views(network, params)
        if not math.isfinite(params.sum()):
            self._diverged("a parameter became non-finite")
        if (
            Xb is not None
            and not np.isfinite(network.forward(coefs, intercepts, Xb, ws)).all()
        ):
            self._diverged("the network's outputs overflowed after the last update")

        if early_stopping and hasattr(self, "_best_params"):
            params[...] = self._best_params

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                f"Got batch_size={self.batch_size} larger than the number of "
                f"samples ({n_samples}); it is clipped to {n_samples}.",
                stacklevel=6,
            )
        return min(self.batch_size, n_samples)

    def _update_optimizer_settings(self, optimizer):
        """Apply changed hyperparameters to a kept optimizer (warm start)."""
        if optimizer.learning_rate_init != self.learning_rate_init:
            optimizer.learning_rate_init = self.learning_rate_init
            optimizer.learning_rate = float(self.learning_rate_init)
        if isinstance(optimizer, SGD):
            optimizer.lr_schedule = self.learning_rate
            optimizer.momentum = self.momentum
            optimizer.nesterov = self.nesterovs_momentum
            optimizer.power_t = self.power_t
        else:
            optimizer.beta_1 = self.beta_1
            optimizer.beta_2 = self.beta_2
            optimizer.epsilon = self.epsilon

    def _split(self, X, target, sample_weight, random_state):
        if self.validation_fraction == 0:
            raise ValueError("early_stopping=True needs validation_fraction > 0.")
        stratify = target if target.ndim == 1 else None
        arrays = [X, target] + ([] if sample_weight is None else [sample_weight])
        parts = train_test_split(
            *arrays,
            random_state=random_state,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        X_train, X_val, t_train, t_val = parts[:4]
        sw_train, sw_val = parts[4:] if sample_weight is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        return X_train, X_val, t_train, t_val, sw_train, sw_val

    def _update_no_improvement_count(self, early_stopping, params):
        if early_stopping:
            score = self.validation_scores_[-1]
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_params = params.copy()
        else:
            loss = self.loss_curve_[-1]
            if loss > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if loss < self.best_loss_:
                self.best_loss_ = loss


class _Minibatches:
    """The minibatches of one epoch: ``(X, target, sample_weight)`` slices.

    Shuffling permutes sample indices rather than the data, and dense rows
    are gathered into one reused buffer, so an epoch allocates no batch-sized
    arrays. Without shuffling, batches are views. A single batch holding every
    sample is never shuffled: its gradient is a sum over samples, whose order
    changes nothing but rounding.
    """

    def __init__(self, X, target, sample_weight, batch_size, shuffle):
        self.X, self.target, self.sample_weight = X, target, sample_weight
        self.n_samples = X.shape[0]
        self.batch_size = batch_size
        self.slices = _batches(self.n_samples, batch_size)
        self.shuffle = shuffle and len(self.slices) > 1
        self._buffer = None
        if self.shuffle and not sp.issparse(X):
            self._buffer = np.empty((batch_size, X.shape[1]), dtype=X.dtype)

    def epoch(self, random_state):
        X, target, sw = self.X, self.target, self.sample_weight
        if not self.shuffle:
            for rows in self.slices:
                yield X[rows], target[rows], None if sw is None else sw[rows]
            return
        order = random_state.permutation(self.n_samples)
        for rows in self.slices:
            idx = order[rows]
            if self._buffer is None:
                Xb = X[idx]
            else:
                Xb = np.take(X, idx, axis=0, out=self._buffer[: len(idx)])
            yield Xb, target[idx], None if sw is None else sw[idx]
