"""ONNX export: skact's converters for skl2onnx, and :func:`to_onnx`.

Nothing here imports skl2onnx or onnx at import time: they are imported when
a conversion asks for them. ``import skact`` installs a post-import hook
(:func:`install_import_hook`) so that skl2onnx, whenever it is imported,
knows skact's estimators, and plain ``skl2onnx.to_onnx`` converts them.

Each hidden activation is written with ONNX operators in the model's dtype.
onnxruntime has no float64 kernels for ``LeakyRelu``, ``Elu``, ``Softplus``,
``Erf`` (so neither for the exact ``Gelu``): in float64 those activations
are built from elementary operators (``Max``, ``Exp``, ``Log``, ...), and
the exact GELU from Cephes' rational approximations of erf and erfc (those
SciPy's ``ndtr`` uses), so float64 graphs stay float64 throughout. They
avoid the float64 operators onnxruntime runs slowly (``Where``,
``Sigmoid``); ``benchmarks/bench_onnx.py`` measures every activation.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import sys
import warnings

import numpy as np

from ._fitted import FittedNetwork
from .activations import (
    ELU,
    GELU,
    GELUTanh,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    SiLU,
    Softplus,
    Tanh,
    activation_name,
)

_CLASSIFIER = "SkactActivationMLPClassifier"
_REGRESSOR = "SkactActivationMLPRegressor"
_GELU_OP_OPSET = 20  # the first opset with a Gelu operator
_registered = False


class OnnxGraph:
    """What an activation's ``to_onnx(graph, z)`` method builds with.

    Attributes
    ----------
    dtype : numpy.dtype
        The dtype the network computes in (float32 or float64).
    opset : int
        The target opset of the main ONNX domain.
    """

    def __init__(self, scope, container, dtype):
        self._scope, self._container = scope, container
        self.dtype = np.dtype(dtype)
        self.opset = container.target_opset

    def op(self, op_type, *inputs, **attributes):
        """Add the operator ``op_type`` on the named ``inputs``; returns the
        name of its (single) output."""
        out = self._scope.get_unique_variable_name(op_type.lower())
        name = self._scope.get_unique_operator_name(op_type)
        self._container.add_node(op_type, list(inputs), out, name=name, **attributes)
        return out

    def constant(self, value, dtype=None):
        """A constant tensor (by default in :attr:`dtype`); returns its name."""
        value = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        name = self._scope.get_unique_variable_name("constant")
        if value.dtype == object:  # strings (class labels)
            proto = _proto(None)
            content = [str(v).encode("utf-8") for v in value.ravel()]
        else:
            proto, content = _proto(value.dtype), value.ravel()
        self._container.add_initializer(name, proto, value.shape, content)
        return name


# -- activations ------------------------------------------------------------
def _mask(g, op_type, a, b):
    """``op_type(a, b)`` as 1.0 / 0.0 in the model's dtype: onnxruntime's
    float64 ``Where`` takes ~1.8 ms on 1000 x 256 values, ~100 times a
    ``Mul`` (measured), so float64 graphs blend branches with such masks."""
    return g.op("Cast", g.op(op_type, a, b), to=_proto(g.dtype))


def _leaky_relu(g, act, z):
    if g.dtype == np.float32:
        return g.op("LeakyRelu", z, alpha=float(act.negative_slope))
    # Exact, without Where: z and slope * z have the same sign order on each
    # side of 0, the larger (slope <= 1) or the smaller (slope > 1) is right.
    pick = "Max" if act.negative_slope <= 1 else "Min"
    return g.op(pick, z, g.op("Mul", z, g.constant(act.negative_slope)))


def _elu(g, act, z):
    if g.dtype == np.float32:
        return g.op("Elu", z, alpha=float(act.alpha))
    # relu(z) + alpha * (exp(min(z, 0)) - 1): the second term is exactly 0
    # for z >= 0, so no Where is needed.
    expm1 = g.op("Sub", g.op("Exp", g.op("Min", z, g.constant(0))), g.constant(1))
    return g.op("Add", g.op("Relu", z), g.op("Mul", expm1, g.constant(act.alpha)))


def _sigmoid_hidden(g, z):
    """A hidden layer's sigmoid: onnxruntime's float64 ``Sigmoid`` is ~13
    times slower than its ``Tanh`` (1000 x 256, measured), so float64 uses
    ``(1 + tanh(z / 2)) / 2``, equal to within a few float64 ulps of 1 in
    absolute terms (tiny outputs lose relative, not absolute, accuracy)."""
    if g.dtype == np.float32:
        return g.op("Sigmoid", z)
    t = g.op("Tanh", g.op("Mul", z, g.constant(0.5)))
    return g.op("Add", g.op("Mul", t, g.constant(0.5)), g.constant(0.5))


def _softplus(g, act, z):
    beta = float(act.beta)
    y = z if beta == 1 else g.op("Mul", z, g.constant(beta))
    if g.dtype == np.float32:
        y = g.op("Softplus", y)
    else:  # max(y, 0) + log(1 + exp(-|y|)): never overflows
        tail = g.op("Exp", g.op("Neg", g.op("Abs", y)))
        y = g.op("Add", g.op("Relu", y), g.op("Log", g.op("Add", tail, g.constant(1))))
    return y if beta == 1 else g.op("Div", y, g.constant(beta))


def _gelu(g, act, z):
    if g.dtype == np.float64:
        return _gelu_float64(g, z)
    if g.opset >= _GELU_OP_OPSET:
        return g.op("Gelu", z)
    erf = g.op("Erf", g.op("Mul", z, g.constant(1 / math.sqrt(2))))
    half = g.op("Mul", g.op("Add", erf, g.constant(1)), g.constant(0.5))
    return g.op("Mul", z, half)


def _gelu_tanh(g, act, z):
    # onnxruntime's float64 Gelu(approximate="tanh") is off by ~1e-8.
    if g.opset >= _GELU_OP_OPSET and g.dtype == np.float32:
        return g.op("Gelu", z, approximate="tanh")
    # c * (z + k z^3) as z * (c + c k z^2): one elementwise pass fewer.
    c, k = GELUTanh._c, GELUTanh._k
    square = g.op("Mul", g.op("Mul", z, z), g.constant(c * k))
    t = g.op("Tanh", g.op("Mul", g.op("Add", square, g.constant(c)), z))
    half = g.op("Mul", g.op("Add", t, g.constant(1)), g.constant(0.5))
    return g.op("Mul", z, half)


# Cephes' erf (|x| < 1) and erfc (1 <= x < 8) as ratios of polynomials,
# highest degree first; exact to a few ulps in float64.
_ERF_T = [9.60497373987051638749e0, 9.00260197203842689217e1,
          2.23200534594684319226e3, 7.00332514112805075473e3,
          5.55923013010394962768e4]  # fmt: skip
_ERF_U = [1.0, 3.35617141647503099647e1, 5.21357949780152679795e2,
          4.59432382970980127987e3, 2.26290000613890934246e4,
          4.92673942608635921086e4]  # fmt: skip
_ERFC_P = [2.46196981473530512524e-10, 5.64189564831068821977e-1,
           7.46321056442269912687e0, 4.86371970985681366614e1,
           1.96520832956077098242e2, 5.26445194995477358631e2,
           9.34528527171957607540e2, 1.02755188689515710272e3,
           5.57535335369399327526e2]  # fmt: skip
_ERFC_Q = [1.0, 1.32281951154744992508e1, 8.67072140885989742329e1,
           3.54937778887819891062e2, 9.75708501743205489753e2,
           1.82390916687909736289e3, 2.24633760818710981792e3,
           1.65666309194161350182e3, 5.57535340817727675546e2]  # fmt: skip


def _polynomial(g, coefficients, x):
    """Horner's scheme."""
    y = g.constant(coefficients[0])
    for c in coefficients[1:]:
        y = g.op("Add", g.op("Mul", y, x), g.constant(c))
    return y


def _gelu_float64(g, z):
    """``z Phi(z)`` without the Erf operator (which onnxruntime lacks in
    float64), to within a few float64 ulps of ``max(1, |z|)`` of SciPy's
    ``ndtr``.

    As ``relu(z) - |z| Phi(-|z|)`` with ``Phi(-|z|) = erfc(a) / 2`` and
    ``a = |z| / sqrt 2``: one tail for both signs. Every branch is computed on
    the whole tensor and blended with 0/1 masks (no float64 ``Where``, see
    :func:`_mask`): 70 elementwise operators, one of them ``Exp``. Cephes'
    third branch, erfc for a >= 8, is left out: there ``erfc(a) < exp(-64)
    < 2e-28``, and the second branch's ratio stays between 0.02 and 0.07 up
    to the clipping point 27, so the tail it gives is off by less than
    1e-44, far below anything a hidden unit can show.
    """
    magnitude = g.op("Abs", z)
    # erfc underflows beyond 27; clipping keeps every branch finite, as
    # blending needs (0 * inf would be NaN).
    a = g.op(
        "Min", g.op("Mul", magnitude, g.constant(1 / math.sqrt(2))), g.constant(27)
    )
    a2 = g.op("Mul", a, a)
    # The halves of erfc(a) / 2 are folded into the coefficients (exact).
    half_erf = g.op(
        "Div",
        g.op("Mul", a, _polynomial(g, [c / 2 for c in _ERF_T], a2)),
        _polynomial(g, _ERF_U, a2),
    )
    small = g.op("Sub", g.constant(0.5), half_erf)
    ratio = g.op(
        "Div",
        _polynomial(g, [c / 2 for c in _ERFC_P], a),
        _polynomial(g, _ERFC_Q, a),
    )
    tail = g.op("Mul", g.op("Exp", g.op("Neg", a2)), ratio)
    # m * small + (1 - m) * tail is exact: one term is exactly 0.
    use_small = _mask(g, "Less", a, g.constant(1))
    use_tail = g.op("Sub", g.constant(1), use_small)
    lower_tail = g.op("Add", g.op("Mul", use_small, small), g.op("Mul", use_tail, tail))
    return g.op("Sub", g.op("Relu", z), g.op("Mul", magnitude, lower_tail))


_BUILTINS = {
    Identity: lambda g, act, z: z,
    Sigmoid: lambda g, act, z: _sigmoid_hidden(g, z),
    Tanh: lambda g, act, z: g.op("Tanh", z),
    ReLU: lambda g, act, z: g.op("Relu", z),
    LeakyReLU: _leaky_relu,
    ELU: _elu,
    GELU: _gelu,
    GELUTanh: _gelu_tanh,
    SiLU: lambda g, act, z: g.op("Mul", z, _sigmoid_hidden(g, z)),
    Softplus: _softplus,
}


def _activate(g, activation, z):
    """The ONNX expression of a fitted hidden activation on tensor ``z``."""
    builtin = _BUILTINS.get(type(activation))
    if builtin is not None:
        return builtin(g, activation, z)
    user = getattr(activation, "activation", activation)  # unwrap OutAdapter
    method = getattr(user, "to_onnx", None)
    if not callable(method):
        raise TypeError(
            f"Activation {activation_name(user)!r} ({type(user).__name__}) has "
            "no ONNX expression: give it a to_onnx(graph, z) method that "
            "returns the name of its output (see skact's 'Deploying' page)."
        )
    out = method(g, z)
    if not isinstance(out, str):
        raise TypeError(
            f"Activation {activation_name(user)!r}: to_onnx(graph, z) must return "
            f"the name of its output tensor (a str); got {out!r}."
        )
    return out


# -- converters ----------------------------------------------------------------
def _logits(scope, operator, container):
    """Cast the input(s) to the model's dtype and run the layers; returns
    the graph helper, the fitted network and the name of the logits."""
    fitted = FittedNetwork(operator.raw_operator)
    g = OnnxGraph(scope, container, fitted.coefs[0].dtype)
    to = _proto(g.dtype)
    inputs = [g.op("Cast", v.full_name, to=to) for v in operator.inputs]
    x = inputs[0] if len(inputs) == 1 else g.op("Concat", *inputs, axis=1)
    n_hidden = len(fitted.activations)
    for i, (W, b) in enumerate(zip(fitted.coefs, fitted.intercepts)):
        z = g.op("Add", g.op("MatMul", x, g.constant(W)), g.constant(b))
        x = _activate(g, fitted.activations[i], z) if i < n_hidden else z
    return g, fitted, z


def _proto(dtype):
    """The ONNX element type of a NumPy dtype (None: string)."""
    from onnx import TensorProto
    from onnx.helper import np_dtype_to_tensor_dtype

    if dtype is None:
        return TensorProto.STRING
    return np_dtype_to_tensor_dtype(np.dtype(dtype))


def _output(g, name, variable, container):
    """Write tensor ``name`` into the operator's output ``variable``, cast to
    the variable's declared type."""
    to = variable.type.to_onnx_type().tensor_type.elem_type
    container.add_node("Cast", name, variable.full_name, to=to)


def _sigmoid(g, z):
    """``1 / (1 + e^-z)`` accurate in both tails, as SciPy's ``expit``:
    onnxruntime's float32 Sigmoid is off by up to 100% below 1e-6."""
    e = g.op("Exp", g.op("Neg", g.op("Abs", z)))
    denominator = g.op("Add", e, g.constant(1))
    numerator = g.op("Where", g.op("Less", z, g.constant(0)), e, g.constant(1))
    return g.op("Div", numerator, denominator)


def _convert_classifier(scope, operator, container):
    g, fitted, logits = _logits(scope, operator, container)
    model = operator.raw_operator
    if fitted.network.output.name == "logistic":  # one sigmoid per label
        proba = _sigmoid(g, logits)
        labels = g.op("Greater", logits, g.constant(0))
    else:
        proba = g.op("Softmax", logits, axis=1)
        best = g.op("ArgMax", logits, axis=1, keepdims=0)
        classes = _label_values(model)
        labels = g.op("Gather", g.constant(classes, classes.dtype), best, axis=0)
    # skact floors probabilities at the dtype's smallest normal number.
    proba = g.op("Max", proba, g.constant(np.finfo(g.dtype).tiny))
    _output(g, labels, operator.outputs[0], container)
    _output(g, proba, operator.outputs[1], container)


def _convert_regressor(scope, operator, container):
    g, fitted, logits = _logits(scope, operator, container)
    if fitted.network.output.name == "exp":  # Poisson's log link
        logits = g.op("Exp", logits)
    _output(g, logits, operator.outputs[0], container)


def _label_values(model):
    """``classes_`` as ONNX labels: int64, or strings (skl2onnx's kinds)."""
    classes = np.asarray(model.classes_)
    if classes.dtype.kind in "biu":
        return classes.astype(np.int64)
    if classes.dtype.kind == "f":
        if np.array_equal(classes, np.round(classes)):
            return classes.astype(np.int64)
        raise ValueError(
            "ONNX labels are integers or strings; this classifier's classes_ "
            f"{classes[:5]} are not integral. Fit it on integer or string labels."
        )
    return np.array([str(c) for c in classes], dtype=object)


def _tensor_type(dtype):
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    return DoubleTensorType if np.dtype(dtype) == np.float64 else FloatTensorType


def _parse_classifier(scope, model, inputs, custom_parsers=None):
    from skl2onnx._parse import _apply_zipmap
    from skl2onnx.common.data_types import Int64TensorType, StringTensorType

    # skl2onnx's default (ZipMap); skact.to_onnx asks for zipmap=False.
    options = scope.get_options(model, dict(zipmap=True))
    zipmap = options["zipmap"]
    fitted = FittedNetwork(model)
    multilabel = fitted.network.output.name == "logistic"
    operator = scope.declare_local_operator(_CLASSIFIER, model)
    operator.inputs = inputs
    string_labels = not multilabel and _label_values(model).dtype == object
    label_type = StringTensorType() if string_labels else Int64TensorType()
    # onnxruntime's ZipMap takes float32 probabilities only.
    proba_type = _tensor_type(np.float32 if zipmap else fitted.coefs[0].dtype)()
    operator.outputs.append(scope.declare_local_variable("label", label_type))
    operator.outputs.append(scope.declare_local_variable("probabilities", proba_type))
    if zipmap is False:
        return operator.outputs
    if multilabel:
        raise ValueError(
            "The zipmap option is for single-label classifiers; this model is "
            "multilabel (one probability per label): use zipmap=False."
        )
    return _apply_zipmap(zipmap, scope, model, proba_type, operator.outputs)


def _classifier_shapes(operator):
    n = operator.inputs[0].get_first_dimension()
    k = len(operator.raw_operator.classes_)
    label, proba = operator.outputs[:2]
    multilabel = operator.raw_operator.out_activation_ == "logistic"
    label.type = type(label.type)([n, k] if multilabel else [n])
    proba.type = type(proba.type)([n, k])


def _regressor_shapes(operator):
    n = operator.inputs[0].get_first_dimension()
    model = operator.raw_operator
    operator.outputs[0].type = _tensor_type(model.coefs_[0].dtype)(
        [n, model.n_outputs_]
    )


def register_converters():
    """Register skact's estimators with skl2onnx (once; imports skl2onnx)."""
    global _registered
    if _registered:
        return
    try:
        from skl2onnx import update_registered_converter
    except ImportError as exc:
        raise ImportError(
            "ONNX export needs skl2onnx and onnx (and onnxruntime to run the "
            "model): pip install 'skact[onnx]'."
        ) from exc
    from ._classifier import ActivationMLPClassifier
    from ._regressor import ActivationMLPRegressor

    update_registered_converter(
        ActivationMLPClassifier,
        _CLASSIFIER,
        _classifier_shapes,
        _convert_classifier,
        parser=_parse_classifier,
        options={"zipmap": [False, True, "columns"], "nocl": [False, True]},
    )
    update_registered_converter(
        ActivationMLPRegressor, _REGRESSOR, _regressor_shapes, _convert_regressor
    )
    _registered = True


def _unsupported_steps(model, path):
    """Paths of the steps of ``model`` that skl2onnx cannot convert."""
    from skl2onnx._parse import sklearn_parsers_map
    from skl2onnx._supported_operators import sklearn_operator_name_map
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import FeatureUnion, Pipeline

    if isinstance(model, str) or model is None:  # "passthrough", "drop"
        return []
    if isinstance(model, Pipeline):
        parts = model.steps
    elif isinstance(model, ColumnTransformer):
        parts = [(name, t) for name, t, _ in model.transformers_]
    elif isinstance(model, FeatureUnion):
        parts = model.transformer_list
    elif type(model) in sklearn_operator_name_map or type(model) in sklearn_parsers_map:
        return []
    else:
        return [f"{path.rstrip('/') or 'the model'} ({type(model).__name__})"]
    return [
        s for name, step in parts for s in _unsupported_steps(step, path + name + "/")
    ]


def _skact_classifiers(model, ancestors=()):
    """``(classifier, its enclosing estimators)`` for each skact classifier
    in ``model``."""
    from ._classifier import ActivationMLPClassifier

    if isinstance(model, ActivationMLPClassifier):
        return [(model, ancestors)]
    found = []
    for part in (
        getattr(model, "steps", None)
        or getattr(model, "transformers_", None)
        or getattr(model, "transformer_list", None)
        or []
    ):
        found += _skact_classifiers(part[1], (*ancestors, model))
    return found


def _with_default_options(model, options):
    """``options`` where every skact classifier not given options (nor any
    estimator around it) gets ``zipmap=False``."""
    options = dict(options or {})
    if any(isinstance(key, str) for key in options):  # options for all
        return options
    for clf, ancestors in _skact_classifiers(model):
        keys = {k for m in (*ancestors, clf) for k in (id(m), type(m))}
        if not keys & options.keys():
            options[id(clf)] = {"zipmap": False}
    return options


def to_onnx(model, X_sample, *, target_opset=None, options=None):
    """Convert a fitted skact estimator, or a pipeline holding one, to ONNX.

    Parameters
    ----------
    model : estimator
        A fitted :class:`ActivationMLPClassifier` or
        :class:`ActivationMLPRegressor`, or a fitted scikit-learn
        ``Pipeline`` / ``ColumnTransformer`` combination whose other steps
        skl2onnx converts.
    X_sample : array-like or DataFrame
        A few rows of input: their dtype and number of columns define the
        ONNX model's input (a DataFrame gives one input per column).
    target_opset : int, default=None
        The ONNX opset; None for the latest skl2onnx has been tested with.
        From opset 20, GELU uses the ``Gelu`` operator.
    options : dict, default=None
        The converter options of skl2onnx, for example
        ``{id(clf): {"zipmap": True}}``. skact's classifiers output plain
        probability tensors unless ``zipmap`` is True or ``"columns"``.

    Returns
    -------
    onnx_model : onnx.ModelProto
        Classifiers output ``label`` and ``probabilities``; regressors
        ``variable``, of shape (n_samples, n_outputs).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    TypeError
        If a step has no skl2onnx converter, skl2onnx cannot convert a step
        with its settings or input types, a user activation has no
        ``to_onnx`` method, or ``X_sample`` is sparse.
    ValueError
        If ``X_sample`` is not 2-d or its number of columns is not the
        number of features the model was fitted on.
    ImportError
        If skl2onnx or onnx is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> import skact
    >>> X = np.random.RandomState(0).normal(size=(40, 3))
    >>> clf = skact.ActivationMLPClassifier(
    ...     (8,), activation="gelu", solver="lbfgs", random_state=0
    ... ).fit(X, X[:, 0] > X[:, 1])
    >>> onx = skact.to_onnx(clf, X[:1])
    >>> [o.name for o in onx.graph.output]
    ['label', 'probabilities']
    >>> session = ort.InferenceSession(onx.SerializeToString())
    >>> labels, proba = session.run(None, {"X": X[:2]})
    >>> np.allclose(proba, clf.predict_proba(X[:2]), rtol=1e-10, atol=0)
    True
    """
    from sklearn.utils.validation import check_is_fitted

    register_converters()
    check_is_fitted(model)
    unsupported = _unsupported_steps(model, "")
    if unsupported:
        raise TypeError(
            "skl2onnx has no converter for "
            f"{', '.join(unsupported)}; ONNX export needs every step to have "
            "one (see skl2onnx's supported scikit-learn models)."
        )
    from skl2onnx import to_onnx as skl2onnx_to_onnx

    X_sample = _check_sample(model, X_sample)
    try:
        return skl2onnx_to_onnx(
            model,
            X_sample,
            target_opset=target_opset,
            options=_with_default_options(model, options),
        )
    except RuntimeError as exc:  # skl2onnx's kind for steps it cannot convert
        raise TypeError(
            f"skl2onnx could not convert {type(model).__name__}: {exc}"
        ) from exc


def _check_sample(model, X_sample):
    """``X_sample`` as skl2onnx takes it (a DataFrame keeps its columns),
    after refusing what would give a wrong or unusable ONNX input."""
    import scipy.sparse as sp

    if sp.issparse(X_sample):
        raise TypeError(
            "X_sample is a sparse matrix; the ONNX model's input is a dense "
            "tensor, and onnxruntime takes dense arrays: pass a few dense rows, "
            "e.g. X[:1].toarray(), and densify the rows you predict on likewise."
        )
    if not hasattr(X_sample, "dtypes"):
        X_sample = np.asarray(X_sample)
        if X_sample.ndim != 2:
            raise ValueError(
                f"X_sample must be 2-d (rows of features); got {X_sample.ndim} "
                "dimension(s): pass e.g. X[:1] rather than X[0]."
            )
    n_features = getattr(model, "n_features_in_", None)
    if n_features is not None and X_sample.shape[1] != n_features:
        # skl2onnx would export an input of the sample's width, which fails
        # only when the model is run.
        raise ValueError(
            f"X_sample has {X_sample.shape[1]} columns but the model was fitted "
            f"on {n_features} features: pass rows of the data it was fitted "
            "on, e.g. X[:1]."
        )
    return X_sample


# -- registration when skl2onnx is imported ---------------------------------------
class _RegisterOnImport:
    """A ``sys.meta_path`` finder that lets the real finders find skl2onnx,
    then registers skact's converters right after skl2onnx has run."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "skl2onnx":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        exec_module = getattr(loader, "exec_module", None)
        if exec_module is None:
            return spec

        def exec_and_register(module):
            try:
                exec_module(module)
            finally:
                vars(loader).pop("exec_module", None)
            _remove_hook()
            _register_quietly()

        try:
            loader.exec_module = exec_and_register
        except AttributeError:  # a loader without instance attributes
            pass
        return spec


def _register_quietly():
    try:
        register_converters()
    except Exception as exc:  # never break the user's import of skl2onnx
        warnings.warn(
            f"skact could not register its ONNX converters with skl2onnx: {exc}",
            RuntimeWarning,
            stacklevel=2,
        )


def _remove_hook():
    sys.meta_path[:] = [
        f for f in sys.meta_path if not isinstance(f, _RegisterOnImport)
    ]


def install_import_hook():
    """Make skl2onnx know skact's estimators whenever it is imported: now if
    it already is, else as soon as it is (without importing it here)."""
    if "skl2onnx" in sys.modules:
        _register_quietly()
    elif not any(isinstance(f, _RegisterOnImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _RegisterOnImport())
