"""ActivationMLPClassifier: the scikit-learn side of skact.

Validation, label encoding, class and sample weights, the training loops
(epochs, batches, early stopping, L-BFGS), and chunked prediction. The maths
lives in ``_network`` and ``_optimizers``.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import time
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, column_or_1d, gen_batches
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from . import activations as _activations
from ._network import Network, Workspace
from ._optimizers import SGD, Adam, minimize_lbfgs

_STOCHASTIC_SOLVERS = ("sgd", "adam")


def _rows_per_chunk(row_bytes, n_rows):
    """Rows that fit in scikit-learn's ``working_memory`` (MiB), at least 1."""
    budget = get_config()["working_memory"] * 2**20
    return int(min(n_rows, max(1, budget // max(row_bytes, 1))))


class ActivationMLPClassifier(ClassifierMixin, BaseEstimator):
    """Multi-layer perceptron classifier whose hidden activations you choose.

    A drop-in replacement for scikit-learn's
    :class:`~sklearn.neural_network.MLPClassifier` (same parameters, defaults
    and fitted attributes) that adds more activations, one activation per
    layer, user-made activations, ``class_weight``, a softmax output for every
    single-label problem, validation-loss history and optimizer state kept
    across ``warm_start``.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_hidden_layers,), default=(100,)
        The ith element is the number of units in the ith hidden layer. ``()``
        gives no hidden layer: multinomial logistic (softmax) regression.

    activation : str, activation object, or sequence of these, default="relu"
        Activation of the hidden layers: one of ``"identity"``, ``"sigmoid"``
        (alias ``"logistic"``), ``"tanh"``, ``"relu"``, ``"leaky_relu"``,
        ``"elu"``, ``"gelu"``, ``"gelu_tanh"``, ``"silu"`` (alias ``"swish"``),
        ``"softplus"``; or an object with ``forward(z)`` and
        ``derivative(z, a)`` methods (see :mod:`skact.activations`); or a
        tuple/list with one of these per hidden layer.

    solver : {"adam", "sgd", "lbfgs"}, default="adam"
        Weight optimizer: Adam, stochastic gradient descent, or SciPy's
        L-BFGS-B (full batch; often best on small data).

    alpha : float, default=0.0001
        Strength of the L2 penalty ``alpha / 2 * ||W||^2``, divided by the
        batch's total sample weight when added to the loss.

    batch_size : int or "auto", default="auto"
        Minibatch size of the stochastic solvers; ``"auto"`` is
        ``min(200, n_samples)``.

    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Learning-rate schedule of ``solver="sgd"``: constant; divided by
        ``t ** power_t`` after each epoch (``t`` samples seen); or divided by 5
        whenever ``n_iter_no_change`` epochs pass without improving by ``tol``.

    learning_rate_init : float, default=0.001
        Initial step size of "sgd" and "adam".

    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.

    max_iter : int, default=200
        Maximum number of epochs ("sgd", "adam") or iterations ("lbfgs").

    shuffle : bool, default=True
        Whether to shuffle the samples before each epoch ("sgd", "adam").

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and the early-stopping split.
        Pass an int for reproducible results.

    tol : float, default=1e-4
        Training stops (or, with "adaptive", the learning rate drops) when the
        loss, or the validation score with ``early_stopping``, does not improve
        by ``tol`` for ``n_iter_no_change`` consecutive epochs. For "lbfgs",
        the gradient tolerance.

    verbose : bool, default=False
        Print one line per epoch: loss, validation score and loss when early
        stopping is on, and elapsed time.

    warm_start : bool, default=False
        Continue from the current weights and optimizer state when ``fit`` is
        called again, instead of starting afresh.

    momentum : float, default=0.9
        Momentum of "sgd", in [0, 1].

    nesterovs_momentum : bool, default=True
        Whether "sgd" uses Nesterov's momentum.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for
        single-label targets), stop when its accuracy stops improving and keep
        the best weights. "sgd" and "adam" only.

    validation_fraction : float, default=0.1
        Fraction of the data held out for early stopping.

    beta_1, beta_2 : float, default=0.9, 0.999
        Exponential decay rates of Adam's first and second moment estimates.

    epsilon : float, default=1e-8
        Adam's numerical-stability constant.

    n_iter_no_change : int, default=10
        Epochs without ``tol`` improvement before stopping ("sgd", "adam").

    max_fun : int, default=15000
        Maximum number of loss evaluations of "lbfgs".

    class_weight : dict, "balanced" or None, default=None
        Weights ``{label: weight}`` multiplying each sample's weight in the
        loss (and in the early-stopping score). ``"balanced"`` uses
        ``n_samples / (n_classes * np.bincount(y))``. Not supported for
        multilabel targets; ``"balanced"`` is not supported by ``partial_fit``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (for a multilabel target, ``arange(n_labels)``).

    coefs_ : list of ndarray
        ``coefs_[i]`` is the weight matrix from layer ``i`` to layer ``i + 1``,
        of shape ``(units[i], units[i + 1])``. These are the live weights:
        editing them, or assigning new arrays of the same shapes, changes what
        the model predicts and where ``warm_start`` and ``partial_fit``
        continue from.

    intercepts_ : list of ndarray
        ``intercepts_[i]`` is the bias vector of layer ``i + 1``.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of output units: the number of classes (also for two classes),
        or of labels for a multilabel target.

    out_activation_ : str
        ``"softmax"``, or ``"logistic"`` for a multilabel target.

    loss_ : float
        Loss at the end of the last epoch (or of L-BFGS).

    loss_curve_ : list of float
        Loss after each epoch (each L-BFGS iteration); grows over
        ``warm_start`` and ``partial_fit`` calls.

    best_loss_ : float or None
        Lowest training loss reached; None with ``early_stopping``.

    validation_scores_ : list of float or None
        Accuracy on the validation split after each epoch, with
        ``early_stopping``; None otherwise.

    best_validation_score_ : float or None
        Best value of ``validation_scores_``; None without ``early_stopping``.

    history_ : dict of list
        Per-epoch records: ``"loss"`` always, ``"val_loss"`` (mean
        cross-entropy on the validation split, without the L2 term) and
        ``"val_score"`` when a validation split is used.

    n_iter_ : int
        Epochs (or L-BFGS iterations) run by the last call.

    t_ : int
        Number of training samples seen by the stochastic solvers, over all
        calls.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :term:`fit`, when ``X`` has string
        column names.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : scikit-learn's MLP, the model
        this one replaces.
    skact.linear_equivalent : The linear model an identity network equals.

    Notes
    -----
    Weights feeding a hidden layer are drawn from ``U(-b, b)`` with ``b`` from
    that layer's activation: Glorot's ``sqrt(6 / (fan_in + fan_out))`` for
    identity, sigmoid and tanh (and the output layer), He's
    ``sqrt(6 / fan_in)`` for the rectifiers (relu, leaky_relu, elu, gelu,
    gelu_tanh, silu, softplus). scikit-learn uses Glorot's bound for all but
    the logistic activation, which gets ``sqrt(2 / (fan_in + fan_out))``.

    The output is a softmax over one unit per class, trained with categorical
    cross-entropy computed from log-softmax, so it stays finite for any
    logits. Unlike scikit-learn's MLP, two classes also get two softmax units.

    References
    ----------
    Glorot, X. and Bengio, Y. "Understanding the difficulty of training deep
    feedforward neural networks." AISTATS, 2010.

    He, K. et al. "Delving deep into rectifiers." ICCV, 2015.

    Hendrycks, D. and Gimpel, K. "Gaussian Error Linear Units (GELUs)."
    arXiv:1606.08415, 2016.

    Kingma, D. and Ba, J. "Adam: A method for stochastic optimization."
    arXiv:1412.6980, 2014.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> from skact import ActivationMLPClassifier
    >>> X, y = make_moons(200, noise=0.1, random_state=0)
    >>> clf = ActivationMLPClassifier((16, 16), activation=("gelu", "tanh"),
    ...                               solver="lbfgs", random_state=0).fit(X, y)
    >>> clf.score(X, y)
    1.0
    >>> clf.predict_proba(X[:2]).round(3)
    array([[0., 1.],
           [1., 0.]])
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
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        class_weight=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.class_weight = class_weight

    # ------------------------------------------------------------------
    # public API
    # ------------------------------------------------------------------
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data ``X`` and target ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. float32 input trains (and predicts) in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss.

        Returns
        -------
        self : ActivationMLPClassifier
            The fitted estimator.
        """
        self._validate_params()
        return self._fit(X, y, sample_weight, incremental=False)

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for the stochastic solvers "
                f"'sgd' and 'adam', not solver={self.solver!r}."
            )
        return True

    @available_if(_check_solver)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Update the model with one epoch over ``(X, y)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A batch of training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Its class labels (or multilabel indicator matrix).
        classes : array-like of shape (n_classes,), default=None
            All classes that may ever appear; required on the first call unless
            ``y`` is a multilabel indicator matrix, ignored afterwards when it
            matches ``classes_``.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss.

        Returns
        -------
        self : ActivationMLPClassifier
            The updated estimator.
        """
        self._validate_params()
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def predict(self, X):
        """Predict class labels (or a multilabel indicator matrix).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        logits = self._logits(X)
        if self.out_activation_ == "logistic":
            return (logits > 0).astype(int)
        return self.classes_[np.argmax(logits, axis=1)]

    def predict_proba(self, X):
        """Class probabilities: the softmax of the output layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            In the order of ``classes_``; rows sum to 1 (for a multilabel
            target, each column is one label's probability).
        """
        logits = self._logits(X)
        return self._network().output_proba(logits, out=logits)

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`, computed stably from the logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        logits = self._logits(X)
        return self._network().output_log_proba(logits, out=logits)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags

    # ------------------------------------------------------------------
    # network structure
    # ------------------------------------------------------------------
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, Integral):
            sizes = [sizes]
        sizes = list(sizes)
        if not all(isinstance(s, Integral) and s > 0 for s in sizes):
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
            activation = [activation] * n_hidden
            # Check the name even when there is no hidden layer to use it.
            _activations.get_activation(self.activation)
        # Fitted state must not change when the user later edits an activation
        # object they passed (or reuses it elsewhere): keep copies. Names map
        # to shared, immutable registry objects.
        return [
            _activations._engine_activation(
                a if isinstance(a, str) else copy.deepcopy(a)
            )
            for a in activation
        ]

    def _network(self):
        """The fitted network's structure (no weights)."""
        units = [self.n_features_in_, *self._fit_hidden_sizes, self.n_outputs_]
        return Network(units, self._fit_activations, self.out_activation_)

    # ------------------------------------------------------------------
    # prediction
    # ------------------------------------------------------------------
    def _logits(self, X):
        """Output-layer pre-activations of validated input ``X``."""
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=False,
        )
        X = X.tocsr() if sp.issparse(X) else X
        return self._forward(self._network(), X.astype(self.coefs_[0].dtype))

    def _forward(self, network, X):
        """Logits in chunks that fit in ``working_memory``, so memory does not
        grow with the widest layer times ``n_samples``. The workspace is local:
        concurrent calls from several threads are safe."""
        n = X.shape[0]
        out = np.empty((n, self.n_outputs_), dtype=X.dtype)
        row_bytes = X.dtype.itemsize * sum(network.layer_units[1:])
        chunk = _rows_per_chunk(row_bytes, n)
        ws = Workspace(network, chunk, X.dtype, training=False)
        for rows in gen_batches(n, chunk):
            out[rows] = network.forward(self.coefs_, self.intercepts_, X[rows], ws)
        return out

    def _evaluate(self, network, X, target, sample_weight):
        """Validation loss (no penalty) and accuracy of the current weights."""
        logits = self._forward(network, X)
        per_sample = network.sample_losses(logits, target)
        if target.ndim == 1:
            correct = np.argmax(logits, axis=1) == target
        else:
            correct = np.all((logits > 0) == (target > 0.5), axis=1)
        return (
            float(np.average(per_sample, weights=sample_weight)),
            float(np.average(correct, weights=sample_weight)),
        )

    # ------------------------------------------------------------------
    # fitting
    # ------------------------------------------------------------------
    def _fit(self, X, y, sample_weight, incremental, classes=None):
        # A failed call (bad input, an interrupted or diverging fit) must leave
        # the estimator as it was. Training works on a fresh parameter buffer
        # and on copies of the histories and optimizer, so restoring the
        # attribute dict undoes everything.
        saved_state = self.__dict__.copy()
        try:
            return self._fit_unguarded(X, y, sample_weight, incremental, classes)
        except BaseException:
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
        if incremental and self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: class "
                "frequencies of one batch are not those of the data. Pass a dict "
                "of class weights instead."
            )
        if not first_pass and hidden_sizes != self._fit_hidden_sizes:
            raise ValueError(
                f"hidden_layer_sizes={self.hidden_layer_sizes!r} differs from the "
                f"fitted network's {tuple(self._fit_hidden_sizes)}; set "
                "warm_start=False to train a new network."
            )

        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            reset=first_pass,
        )
        if sp.issparse(X):
            X = X.tocsr()
        target, multilabel = self._encode_targets(y, first_pass, incremental, classes)
        n_outputs = len(self.classes_)

        dtype = X.dtype if first_pass else self.coefs_[0].dtype
        X = X.astype(dtype, copy=False)
        if multilabel:
            target = target.astype(dtype)
        sample_weight = self._sample_weight(sample_weight, X, y, target, multilabel)

        layer_units = [X.shape[1], *hidden_sizes, n_outputs]
        network = Network(
            layer_units, activations, "logistic" if multilabel else "softmax"
        )
        random_state = check_random_state(self.random_state)
        if first_pass:
            params = network.initialize(random_state, dtype)
            self._reset_training_state()
        else:
            params = self._pack_current_weights(network, dtype)
            self._copy_training_state()

        self.n_outputs_ = n_outputs
        self.n_layers_ = len(layer_units)
        self.out_activation_ = network.output
        self._fit_hidden_sizes = hidden_sizes
        self._fit_activations = activations
        self.coefs_, self.intercepts_ = network.views(params)

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
                first_pass,
            )
        return self

    def _encode_targets(self, y, first_pass, incremental, classes):
        """Class indices of ``y`` (or, multilabel, ``y`` itself); sets
        ``classes_`` on the first pass, checks ``y`` against it after."""
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        target_type = type_of_target(y)
        if target_type not in ("binary", "multiclass", "multilabel-indicator"):
            raise ValueError(
                f"{type(self).__name__} supports binary, multiclass and "
                f"multilabel-indicator targets; got a {target_type} target."
            )
        multilabel = target_type == "multilabel-indicator"

        if first_pass:
            if multilabel:
                new_classes = np.arange(y.shape[1])
            elif incremental:
                if classes is None:
                    raise ValueError(
                        "classes must be passed on the first call to partial_fit."
                    )
                new_classes = np.unique(column_or_1d(classes))
            else:
                new_classes = np.unique(y)
            if not multilabel and len(new_classes) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes "
                    "in the data, but the data contains only one class: "
                    f"{new_classes[0]!r}."
                )
        else:
            new_classes = self.classes_
            if multilabel != (self.out_activation_ == "logistic") or (
                multilabel and y.shape[1] != len(new_classes)
            ):
                kind = "a multilabel" if multilabel else "a single-label"
                raise ValueError(
                    f"y is {kind} target unlike the one the model was fitted on "
                    f"(classes_={new_classes.tolist()}); set warm_start=False to "
                    "refit."
                )
            if (
                incremental
                and classes is not None
                and not np.array_equal(np.unique(column_or_1d(classes)), new_classes)
            ):
                raise ValueError(
                    f"classes={list(classes)} is not the same as on the last call "
                    f"(classes_={new_classes.tolist()})."
                )
            if not incremental and not multilabel:
                if not np.array_equal(np.unique(y), new_classes):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        "classes as in the previous call to fit. Previously got "
                        f"{new_classes}, `y` has {np.unique(y)}."
                    )

        if not multilabel:
            unknown = np.setdiff1d(np.unique(y), new_classes)
            if unknown.size:
                raise ValueError(
                    f"`y` has classes {unknown.tolist()} that are not in classes_ "
                    f"{new_classes.tolist()}."
                )
            y = np.searchsorted(new_classes, y)
        self.classes_ = new_classes
        return y, multilabel

    def _sample_weight(self, sample_weight, X, y, target, multilabel):
        """Sample weights times class weights, or None when all are 1."""
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
        if self.class_weight is None:
            return sample_weight
        if multilabel:
            raise ValueError("class_weight is not supported for multilabel targets.")
        try:
            per_class = compute_class_weight(
                self.class_weight, classes=self.classes_, y=y
            )
        except ValueError as e:
            raise ValueError(f"Invalid class_weight={self.class_weight!r}: {e}") from e
        weights = per_class.astype(X.dtype)[target]
        return weights if sample_weight is None else weights * sample_weight

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

    def _reset_training_state(self):
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self.history_ = {"loss": self.loss_curve_}
        self._optimizer = None
        if self.early_stopping and self.solver in _STOCHASTIC_SOLVERS:
            self.validation_scores_ = []
            self.history_["val_loss"] = []
            self.history_["val_score"] = self.validation_scores_
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf

    def _copy_training_state(self):
        # Copies, so that a failed call can be undone (see ``_fit``).
        self.history_ = {k: list(v) for k, v in self.history_.items()}
        self.loss_curve_ = self.history_["loss"]
        if "val_score" in self.history_:
            self.validation_scores_ = self.history_["val_score"]
        self._optimizer = copy.deepcopy(self._optimizer)

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
        alpha = self.alpha
        start = time.perf_counter()
        losses = []

        def loss_grad(p, grad):
            return network.loss_grad(p, X, target, sample_weight, alpha, grad, ws)

        def on_iteration(loss):
            losses.append(loss)
            if self.verbose:
                print(
                    f"Iteration {len(losses)}, loss = {loss:.8f}, "
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
        if result.status != 0:
            warnings.warn(
                f"lbfgs failed to converge after {result.nit} iterations "
                f"({result.message}). Increase max_iter or max_fun, or scale the "
                "data (e.g. with StandardScaler).",
                ConvergenceWarning,
                stacklevel=3,
            )
        self.n_iter_ = int(result.nit)
        self.loss_ = float(result.fun)
        self.loss_curve_.extend(losses)
        self.best_loss_ = min([self.loss_, *self.loss_curve_])

    def _fit_stochastic(
        self,
        network,
        params,
        X,
        target,
        sample_weight,
        random_state,
        incremental,
        first_pass,
    ):
        if self._optimizer is None or type(self._optimizer) is not (
            SGD if self.solver == "sgd" else Adam
        ):
            self._optimizer = self._make_optimizer(network.n_params, params.dtype)
        else:
            self._update_optimizer_settings(self._optimizer)
        optimizer = self._optimizer

        early_stopping = self.early_stopping
        X_val = None
        if early_stopping:
            X, X_val, target, target_val, sample_weight, sw_val = self._split(
                X, target, sample_weight, random_state
            )

        n_samples = X.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    f"Got batch_size={self.batch_size} larger than the number of "
                    f"samples ({n_samples}); it is clipped to {n_samples}.",
                    stacklevel=4,
                )
            batch_size = min(self.batch_size, n_samples)

        ws = Workspace(network, batch_size, params.dtype)
        grad = np.empty_like(params)
        whole_batch = batch_size == n_samples and not self.shuffle
        if not sp.issparse(X) and not whole_batch:
            X_batch_buf = np.empty((batch_size, X.shape[1]), dtype=X.dtype)
        self._no_improvement_count = 0
        self.n_iter_ = 0
        start = time.perf_counter()
        try:
            for _ in range(self.max_iter):
                order = random_state.permutation(n_samples) if self.shuffle else None
                accumulated_loss = 0.0
                for rows in gen_batches(n_samples, batch_size):
                    if whole_batch:
                        Xb, yb, swb = X, target, sample_weight
                    else:
                        idx = order[rows] if order is not None else rows
                        if sp.issparse(X):
                            Xb = X[idx]
                        elif order is not None:
                            Xb = np.take(X, idx, axis=0, out=X_batch_buf[: len(idx)])
                        else:
                            Xb = X[idx]
                        yb = target[idx]
                        swb = None if sample_weight is None else sample_weight[idx]
                    batch_loss = network.loss_grad(
                        params, Xb, yb, swb, self.alpha, grad, ws
                    )
                    optimizer.step(params, grad)
                    accumulated_loss += batch_loss * (rows.stop - rows.start)

                self.n_iter_ += 1
                self.t_ += n_samples
                self.loss_ = accumulated_loss / n_samples
                self.loss_curve_.append(self.loss_)
                message = f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}"
                if early_stopping:
                    val_loss, val_score = self._evaluate(
                        network, X_val, target_val, sw_val
                    )
                    self.history_["val_loss"].append(val_loss)
                    self.validation_scores_.append(val_score)
                    message += f", validation score = {val_score:.6f}"
                    message += f", validation loss = {val_loss:.8f}"
                if self.verbose:
                    print(f"{message}, time = {time.perf_counter() - start:.2f}s")

                self._update_no_improvement_count(early_stopping, params)
                optimizer.iteration_ends(self.t_)
                if self._no_improvement_count > self.n_iter_no_change:
                    if early_stopping:
                        msg = (
                            f"Validation score did not improve more than tol="
                            f"{self.tol:f} for {self.n_iter_no_change} consecutive "
                            "epochs."
                        )
                    else:
                        msg = (
                            f"Training loss did not improve more than tol="
                            f"{self.tol:f} for {self.n_iter_no_change} consecutive "
                            "epochs."
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
                        stacklevel=4,
                    )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=4)

        if early_stopping:
            params[...] = self._best_params

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
