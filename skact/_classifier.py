"""ActivationMLPClassifier: what depends on a classification target.

Label encoding, the softmax (or, for multilabel targets, sigmoid) output,
class weights, the validation score and the predict methods. Training
plumbing is in ``_base``.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin
from sklearn.utils import column_or_1d
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import _check_sample_weight
from sklearn_compat.base import _fit_context

from . import _fast_paths
from ._base import BaseActivationMLP, validation_arguments
from ._callbacks import CallbackMixin
from ._docstrings import fill_doc


@fill_doc
class ActivationMLPClassifier(ClassifierMixin, CallbackMixin, BaseActivationMLP):
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

    {{activation_parameter}}

    {{solver_parameters}}

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for
        single-label targets), stop when its accuracy stops improving and keep
        the best weights. "sgd" and "adam" only.

    {{adam_parameters}}

    class_weight : dict, "balanced" or None, default=None
        Weights ``{label: weight}`` multiplying each sample's weight in the
        loss (and in the early-stopping score). ``"balanced"`` uses
        ``n_samples / (n_classes * np.bincount(y))``. Not supported for
        multilabel targets; ``"balanced"`` is not supported by ``partial_fit``.

    {{diagnostics_parameter}}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (for a multilabel target, ``arange(n_labels)``).

    {{weight_attributes}}

    n_outputs_ : int
        Number of output units: the number of classes (also for two classes),
        or of labels for a multilabel target.

    out_activation_ : str
        ``"softmax"``, or ``"logistic"`` for a multilabel target.

    {{training_attributes}}

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The MLP of scikit-learn, the model
        this one replaces.
    skact.linear_equivalent : The linear model an identity network equals.

    Notes
    -----
    {{initialisation_notes}}

    The output is a softmax over one unit per class, trained with categorical
    cross-entropy computed from log-softmax, so it stays finite for any
    logits. Unlike scikit-learn's MLP, two classes also get two softmax units.

    References
    ----------
    {{references}}

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
        **BaseActivationMLP._parameter_constraints,
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
        diagnostics=False,
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
        self.diagnostics = diagnostics

    # ------------------------------------------------------------------
    # public API
    # ------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the model to data ``X`` and target ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. float32 input trains (and predicts) in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss.
        X_val, y_val : array-like, default=None
            Validation data, given together: used instead of a random
            ``validation_fraction`` split. Every epoch (L-BFGS iteration) is
            scored on it (``history_["val_loss"]``, ``["val_score"]``,
            ``validation_scores_``), with or without ``early_stopping``; with
            it, it drives the patience and the best weights. Its labels must
            be among those of ``y``.
        sample_weight_val : array-like of shape (n_val_samples,), default=None
            Weights of the validation samples.

        Returns
        -------
        self : ActivationMLPClassifier
            The fitted estimator.
        """
        validation = validation_arguments(X_val, y_val, sample_weight_val)
        return self._fit(X, y, sample_weight, incremental=False, validation=validation)

    @available_if(BaseActivationMLP._check_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with one epoch over ``(X, y)``.

        The arguments come in scikit-learn 1.9's order: ``sample_weight``
        before ``classes``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A batch of training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Its class labels (or multilabel indicator matrix).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss.
        classes : array-like of shape (n_classes,), default=None
            All classes that may ever appear; required on the first call unless
            ``y`` is a multilabel indicator matrix. Later calls may omit it; if
            given, it must equal ``classes_``.

        Returns
        -------
        self : ActivationMLPClassifier
            The updated estimator.
        """
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: class "
                "frequencies of one batch are not those of the data. Pass a dict "
                "of class weights instead."
            )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def predict(self, X):
        """Predict class labels (or a multilabel indicator matrix).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples to classify.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            The most probable class of each sample (for a multilabel target,
            each label whose probability exceeds 1/2).
        """
        predicted = self._predict_logits(X, _predicted_indices)
        if self.out_activation_ == "logistic":
            return predicted
        return self.classes_[predicted]

    def predict_proba(self, X):
        """Class probabilities: the softmax of the output layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples to classify.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            In the order of ``classes_``; rows sum to 1 (for a multilabel
            target, each column is one label's probability). None is below
            the dtype's smallest normal number ``np.finfo(dtype).tiny``.
        """
        return self._predict_logits(X, lambda output, z: output.proba(z, out=z))

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`: finite, at least ``log(tiny)``.

        Probabilities are floored at the dtype's smallest normal number
        (``np.finfo(dtype).tiny``), so no log-probability is ``-inf``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples to classify.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The log of each column of :meth:`predict_proba`, in the order of
            ``classes_``.
        """
        return self._predict_logits(X, lambda output, z: output.log_proba(z, out=z))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    # ------------------------------------------------------------------
    # hooks of BaseActivationMLP
    # ------------------------------------------------------------------
    def _encode_validation_target(self, y_val):
        """``y_val`` as the training target is encoded, its labels checked
        against ``classes_``."""
        if sp.issparse(y_val):
            y_val = y_val.toarray()
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = column_or_1d(y_val, warn=True)
        multilabel = self.out_activation_ == "logistic"
        if multilabel:
            if y_val.ndim != 2 or y_val.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y_val must be a multilabel indicator matrix with "
                    f"{len(self.classes_)} columns, as y is."
                )
            _check_indicator(y_val, "y_val")
            return y_val
        if y_val.ndim != 1:
            raise ValueError("y_val must hold one label per sample, as y does.")
        _check_label_types(y_val, "y_val")
        unknown = np.setdiff1d(np.unique(y_val), self.classes_)
        if unknown.size:
            raise ValueError(
                f"y_val has classes {_few(unknown)} that are not in y's classes "
                f"{_few(self.classes_)}."
            )
        return np.searchsorted(self.classes_, y_val)

    def _stratify_by(self, target):
        """Early stopping's split keeps the class shares (of the labels, so
        that a class too small to split is named as the user knows it)."""
        return self.classes_[target] if target.ndim == 1 else None

    def _validation_score(self, logits, target, sample_weight):
        """Accuracy (exact-match for multilabel) of the logits."""
        if target.ndim == 1:
            correct = np.argmax(logits, axis=1) == target
        else:
            correct = np.all((logits > 0) == (target > 0.5), axis=1)
        return np.average(correct, weights=sample_weight)

    def _encode_targets(self, y, first_pass, incremental, classes):
        """Class indices of ``y`` (or, multilabel, ``y`` itself), the output
        layer and its size; sets ``classes_`` on the first pass and checks
        ``y`` against it on later ones."""
        if sp.issparse(y):  # a sparse multilabel indicator matrix
            y = y.toarray()
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if (  # fast path: see _fast_paths.known_label_indices
            incremental
            and not first_pass
            and self.out_activation_ == "softmax"
            and _fast_paths.same_classes(classes, self.classes_)
        ):
            indices = _fast_paths.known_label_indices(y, self.classes_)
            if indices is not None:
                return indices, "softmax", len(self.classes_)
        _check_label_types(y, "y")
        # check_classification_targets' test, without a second (costly, on
        # every partial_fit call) type_of_target.
        target_type = type_of_target(y, input_name="y")
        if target_type in ("continuous", "continuous-multioutput", "unknown"):
            raise ValueError(
                f"Unknown label type: {target_type}. Maybe you are trying to fit "
                "a classifier, which expects discrete classes on a regression "
                "target with continuous values."
            )
        if target_type not in ("binary", "multiclass", "multilabel-indicator"):
            raise ValueError(
                f"{type(self).__name__} supports binary, multiclass and "
                f"multilabel-indicator targets; got a {target_type} target."
            )
        multilabel = target_type == "multilabel-indicator"
        if multilabel:
            _check_indicator(y, "y")

        if first_pass:
            if multilabel:
                new_classes = np.arange(y.shape[1])
            elif incremental:
                if classes is None:
                    raise ValueError(
                        "classes must be passed on the first call to partial_fit."
                    )
                new_classes = _unique_classes(classes)
            else:
                new_classes = np.unique(y)
            if not multilabel and len(new_classes) < 2:
                where = "classes" if incremental else "the data"
                found = (
                    f"only one class: {new_classes[:1].tolist()[0]!r}"
                    if len(new_classes)
                    else "no class at all"
                )
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes "
                    f"in the data, but {where} contains {found}."
                )
        else:
            new_classes = self.classes_
            if multilabel != (self.out_activation_ == "logistic") or (
                multilabel and y.shape[1] != len(new_classes)
            ):
                kind = "a multilabel" if multilabel else "a single-label"
                raise ValueError(
                    f"y is {kind} target unlike the one the model was fitted on "
                    f"(classes_={_few(new_classes)}); set warm_start=False to "
                    "refit."
                )
            if (
                incremental
                and classes is not None
                and not np.array_equal(_unique_classes(classes), new_classes)
            ):
                raise ValueError(
                    f"classes={_few(classes)} is not the same as on the last call "
                    f"(classes_={_few(new_classes)})."
                )
            if not incremental and not multilabel:
                if not np.array_equal(np.unique(y), new_classes):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        "classes as in the previous call to fit. Previously got "
                        f"{_few(new_classes)}, `y` has {_few(np.unique(y))}."
                    )

        if not multilabel:
            unknown = np.setdiff1d(np.unique(y), new_classes)
            if unknown.size:
                raise ValueError(
                    f"`y` has classes {_few(unknown)} that are not in classes_ "
                    f"{_few(new_classes)}."
                )
            y = np.searchsorted(new_classes, y)
        self.classes_ = new_classes
        output = "logistic" if multilabel else "softmax"
        return y, output, len(new_classes)

    def _sample_weight(self, sample_weight, X, y, target, train_y=None):
        """Sample weights times class weights, or None when all are 1.

        The class weights come from the training target: ``y`` itself, or
        ``train_y`` when ``y`` is validation data (whose own class shares,
        or a class it lacks, must not change how its samples count)."""
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
        if self.class_weight is None:
            return sample_weight
        if target.ndim == 2:
            raise ValueError("class_weight is not supported for multilabel targets.")
        try:
            per_class = compute_class_weight(
                self.class_weight,
                classes=self.classes_,
                y=y if train_y is None else train_y,
            )
        except ValueError as e:
            raise ValueError(f"Invalid class_weight={self.class_weight!r}: {e}") from e
        if not (np.isfinite(per_class).all() and (per_class >= 0).all()):
            # A negative weight makes the loss unbounded below; NaN or inf
            # makes it non-finite: either would only surface as divergence.
            raise ValueError(
                "class_weight must give every class a finite, non-negative "
                f"weight; got class_weight={self.class_weight!r}."
            )
        weights = per_class.astype(X.dtype)[target]
        if sample_weight is not None:
            weights *= sample_weight
        if not weights.any():
            raise ValueError(
                "Every sample has weight 0 after applying class_weight="
                f"{self.class_weight!r}: there is nothing to train on."
            )
        return weights


def _check_indicator(y, what):
    """Refuse a multilabel indicator matrix with values other than 0 and 1:
    scikit-learn would read any non-zero value as 1 ({-1, 1} would then be
    all ones), and a target of 2 would make a loss no sigmoid can reach."""
    if not np.isin(y, (0, 1)).all():
        raise ValueError(
            f"A multilabel indicator {what} must hold only 0 and 1 (or False and "
            f"True); got the values {_few(np.unique(y))}."
        )


def _check_label_types(labels, what):
    """Raise a clear TypeError for labels of mixed types, e.g. str and None.

    NumPy's sort, which finding the classes needs, would otherwise fail with
    "'<' not supported between instances of ...".
    """
    if labels.dtype != object:
        return
    types = {type(v) for v in np.asarray(labels).ravel()}
    if len({_comparable_kind(t) for t in types}) > 1:
        names = sorted(t.__name__ for t in types)
        raise TypeError(
            f"{what} mixes labels of types {names}: labels must be all strings "
            "or all numbers (missing labels, e.g. None, are not supported)."
        )


def _comparable_kind(label_type):
    # Python and NumPy numbers compare with each other, and so do str and
    # np.str_; anything else only with its own type.
    if issubclass(label_type, (int, float, np.number)):
        return "number"
    if issubclass(label_type, str):
        return "str"
    return label_type


def _unique_classes(classes):
    """The sorted unique values of partial_fit's ``classes``, validated."""
    if isinstance(classes, (set, frozenset, dict)) or np.ndim(classes) != 1:
        raise TypeError(
            "classes must be a 1-d array-like (a list or an array) of the "
            f"labels; got a {type(classes).__name__}."
        )
    classes = column_or_1d(classes)
    _check_label_types(classes, "classes")
    # NaN != NaN: such a class could never be matched by a label.
    if classes.dtype.kind in "fcO" and any(c != c for c in classes):
        raise ValueError(f"classes must not contain NaN; got {_few(classes)}.")
    return np.unique(classes)


def _few(values, most=5):
    """``values`` as NumPy prints them, but at most ``most`` of them: an error
    message should not print every label of a large array."""
    values = np.asarray(values).ravel()
    if len(values) <= most:
        return str(values)
    return f"{str(values[:most])[:-1]} ... ({len(values)} in all)]"


def _predicted_indices(output, logits):
    """Each row's class index, or its 0/1 labels for a multilabel network."""
    if output.name == "logistic":
        return (logits > 0).astype(int)
    return logits.argmax(axis=1)
