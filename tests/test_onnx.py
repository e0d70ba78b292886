"""ONNX export: onnxruntime's outputs against skact's own predictions.

Every built-in activation (and per-layer, parametrised and user-made ones)
on every kind of target, in float32 and float64, alone and in pipelines.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import KBinsDiscretizer, StandardScaler

import skact
from skact.activations import ACTIVATIONS, ELU, LeakyReLU, Softplus

from user_activations import BentIdentity

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

# The networks are trained for a few iterations only: the test compares
# predictions, whatever their quality.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

BUILTINS = sorted({a.name for a in ACTIVATIONS.values()})
TASKS = ["binary", "multiclass", "multilabel", "regression", "multioutput", "poisson"]
# Relative tolerance per dtype; the absolute one is this times the largest
# output, for values that cross 0.
RTOL = {np.float32: 1e-5, np.float64: 1e-10}


def _data(task, dtype, n=60, n_features=4):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, n_features)).astype(dtype)
    signal = X @ rng.normal(size=(n_features, 3))
    if task == "binary":
        return X, (signal[:, 0] > 0).astype(int)
    if task == "multiclass":
        return X, np.argmax(signal, axis=1)
    if task == "multilabel":
        return X, (signal > 0).astype(int)
    if task == "regression":
        return X, signal[:, 0]
    if task == "multioutput":
        return X, signal[:, :2]
    return X, rng.poisson(np.exp(0.5 * signal[:, 0]))  # poisson


def _fit(task, activation, dtype, hidden=(6, 5), **params):
    X, y = _data(task, dtype)
    common = dict(
        hidden_layer_sizes=hidden,
        activation=activation,
        solver="lbfgs",
        max_iter=15,
        random_state=0,
        **params,
    )
    if task in ("binary", "multiclass", "multilabel"):
        return skact.ActivationMLPClassifier(**common).fit(X, y), X
    loss = "poisson" if task == "poisson" else "squared_error"
    return skact.ActivationMLPRegressor(loss=loss, **common).fit(X, y), X


def _run(onx, X):
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


def _assert_matches(model, onx, X, dtype):
    """onnxruntime's outputs equal ``model``'s predictions (labels exactly)."""
    outputs = _run(onx, X)
    rtol = RTOL[dtype]
    if hasattr(model, "predict_proba"):
        labels, proba = outputs
        expected = model.predict_proba(X)
        assert proba.dtype == expected.dtype
        # Float32 logits of -50 are only known to ~3e-6 (their ulp): tail
        # probabilities get an absolute tolerance, 1% of the relative one.
        assert_allclose(proba, expected, rtol=rtol, atol=rtol / 100)
        assert_array_equal(labels, model.predict(X))
    else:
        (predicted,) = outputs
        expected = model.predict(X)
        assert predicted.dtype == expected.dtype
        predicted = predicted.reshape(expected.shape)
        scale = np.abs(expected).max()
        assert_allclose(predicted, expected, rtol=rtol, atol=rtol * scale)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("activation", BUILTINS)
def test_every_activation_and_target_matches_onnxruntime(activation, task, dtype):
    model, X = _fit(task, activation, dtype)
    _assert_matches(model, skact.to_onnx(model, X[:1]), X, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_per_layer_parametrised_activations(task, dtype):
    activations = (LeakyReLU(0.2), ELU(0.5), Softplus(2.0), "gelu")
    model, X = _fit(task, activations, dtype, hidden=(6, 5, 4, 3))
    _assert_matches(model, skact.to_onnx(model, X[:1]), X, dtype)


@pytest.mark.parametrize(
    "activation",
    [*BUILTINS, LeakyReLU(0), LeakyReLU(1.5), ELU(2.0), Softplus(3.0)],
    ids=str,
)
def test_float64_activation_expressions_over_the_whole_line(activation):
    # In float64 the activations are skact's own ONNX expressions (blended
    # branches, erf from rational approximations, sigmoid from tanh). One
    # unit with weight 1 outputs the activation itself, here from 1e-300 to
    # the overflow edge of every branch and across each switch (|z| = 0,
    # sqrt(2), 8 sqrt(2), 27 sqrt(2)).
    X, y = _data("regression", np.float64, n_features=1)
    model = skact.ActivationMLPRegressor(
        hidden_layer_sizes=(1,),
        activation=activation,
        solver="lbfgs",
        max_iter=1,
        random_state=0,
    ).fit(X, y)
    model.coefs_ = [np.ones((1, 1)), np.ones((1, 1))]
    model.intercepts_ = [np.zeros(1), np.zeros(1)]
    edges = np.sqrt(2) * np.array([1, 8, 27])
    z = np.r_[
        np.linspace(-60, 60, 4001),
        np.geomspace(1e-300, 1e300, 601),
        (edges * (1 + np.finfo(float).eps * np.arange(-4, 5)[:, None])).ravel(),
    ]
    z = np.r_[z, -z, 0.0][:, None]
    expected = model.predict(z)
    (predicted,) = _run(skact.to_onnx(model, z[:1]), z)
    # Each expression is within a few ulps of its exact value where the
    # value is of order 1 or more, and within a few ulps of 1 in absolute
    # terms in the tails (a tail value of 1e-20 added to a unit's other
    # inputs of order 1 changes nothing): 16 ulps of max(1, |z|).
    tolerance = 16 * np.finfo(float).eps * np.maximum(1, np.abs(z.ravel()))
    error = np.abs(predicted.ravel() - expected)
    assert (error <= tolerance).all(), z.ravel()[error > tolerance][:5]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("opset", [18, 20])
@pytest.mark.parametrize("activation", ["gelu", "gelu_tanh"])
def test_gelu_below_and_from_opset_20(activation, opset, dtype):
    model, X = _fit("multiclass", activation, dtype)
    onx = skact.to_onnx(model, X[:1], target_opset=opset)
    ops = {node.op_type for node in onx.graph.node}
    # The Gelu operator from opset 20, in float32 (onnxruntime has no exact
    # float64 Gelu, and a less accurate tanh one).
    assert ("Gelu" in ops) == (opset >= 20 and dtype == np.float32)
    _assert_matches(model, onx, X, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pipeline_with_scaler(dtype):
    X, y = _data("multiclass", dtype)
    X = X * 10 + 3
    pipe = make_pipeline(
        StandardScaler(),
        skact.ActivationMLPClassifier((6,), activation="silu", max_iter=20),
    ).fit(X, y)
    _assert_matches(pipe, skact.to_onnx(pipe, X[:1]), X, dtype)


def test_column_transformer_pipeline():
    X, y = _data("regression", np.float64)
    columns = ColumnTransformer(
        [("scaled", StandardScaler(), [0, 1]), ("kept", "passthrough", [2, 3])]
    )
    pipe = make_pipeline(
        columns, skact.ActivationMLPRegressor(hidden_layer_sizes=(5,), max_iter=20)
    ).fit(X, y)
    _assert_matches(pipe, skact.to_onnx(pipe, X[:1]), X, np.float64)


def test_float32_model_float64_input():
    # skact casts the input to the weights' dtype; so does the graph.
    model, X32 = _fit("multiclass", "tanh", np.float32)
    X = X32.astype(np.float64)
    onx = skact.to_onnx(model, X[:1])
    labels, proba = _run(onx, X)
    assert proba.dtype == np.float32
    assert_allclose(proba, model.predict_proba(X), rtol=1e-5)
    assert_array_equal(labels, model.predict(X))


def test_string_labels_and_zipmap():
    X, y = _data("multiclass", np.float32)
    y = np.array(["cat", "dog", "eel"])[y]
    clf = skact.ActivationMLPClassifier((5,), max_iter=20).fit(X, y)
    onx = skact.to_onnx(clf, X[:1])
    assert [o.name for o in onx.graph.output] == ["label", "probabilities"]
    _assert_matches(clf, onx, X, np.float32)

    labels, dicts = _run(
        skact.to_onnx(clf, X[:1], options={id(clf): {"zipmap": True}}), X
    )
    assert_array_equal(labels, clf.predict(X))
    proba = np.array([[row[c] for c in clf.classes_] for row in dicts])
    assert_allclose(proba, clf.predict_proba(X), rtol=1e-5)


def test_zipmap_float64_and_multilabel():
    clf, X = _fit("binary", "relu", np.float64)
    labels, dicts = _run(
        skact.to_onnx(clf, X[:1], options={id(clf): {"zipmap": True}}), X
    )
    proba = np.array([[row[c] for c in clf.classes_] for row in dicts])
    assert_allclose(proba, clf.predict_proba(X), rtol=1e-6)  # ZipMap is float32

    clf, X = _fit("multilabel", "relu", np.float64)
    with pytest.raises(ValueError, match="multilabel"):
        skact.to_onnx(clf, X[:1], options={id(clf): {"zipmap": True}})


def test_saved_and_reloaded_file(tmp_path):
    model, X = _fit("multiclass", "elu", np.float32)
    path = tmp_path / "model.onnx"
    onnx.save(skact.to_onnx(model, X[:1]), path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    labels, proba = session.run(None, {session.get_inputs()[0].name: X})
    assert_allclose(proba, model.predict_proba(X), rtol=1e-5)
    assert_array_equal(labels, model.predict(X))


class OnnxBentIdentity(BentIdentity):
    """The bent identity with its ONNX expression."""

    def to_onnx(self, graph, z):
        root = graph.op(
            "Sqrt", graph.op("Add", graph.op("Mul", z, z), graph.constant(1))
        )
        half = graph.op(
            "Mul", graph.op("Sub", root, graph.constant(1)), graph.constant(0.5)
        )
        return graph.op("Add", half, z)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_user_activation_with_onnx_expression(dtype):
    model, X = _fit("multiclass", ("relu", OnnxBentIdentity()), dtype)
    _assert_matches(model, skact.to_onnx(model, X[:1]), X, dtype)


def test_user_activation_without_onnx_expression():
    model, X = _fit("multiclass", BentIdentity(), np.float64)
    with pytest.raises(TypeError, match="'bent_identity'.*to_onnx"):
        skact.to_onnx(model, X[:1])


def test_unfitted_model():
    X, _ = _data("binary", np.float64)
    with pytest.raises(NotFittedError):
        skact.to_onnx(skact.ActivationMLPClassifier(), X[:1])
    with pytest.raises(NotFittedError):
        skact.to_onnx(
            make_pipeline(StandardScaler(), skact.ActivationMLPRegressor()), X
        )


class Doubler(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return 2 * X


def test_unsupported_pipeline_step():
    X, y = _data("binary", np.float64)
    pipe = make_pipeline(Doubler(), skact.ActivationMLPClassifier((3,), max_iter=5))
    with pytest.raises(TypeError, match=r"doubler \(Doubler\)"):
        skact.to_onnx(pipe.fit(X, y), X[:1])


def test_a_step_skl2onnx_cannot_convert_with_its_settings():
    # KBinsDiscretizer has a converter, but not for its default one-hot
    # (sparse) encoding: skl2onnx's RuntimeError becomes the promised
    # TypeError, with skl2onnx's reason.
    X, y = _data("binary", np.float64)
    pipe = make_pipeline(
        KBinsDiscretizer(n_bins=3, strategy="uniform"),
        skact.ActivationMLPClassifier((3,), max_iter=5),
    )
    with pytest.raises(TypeError, match="skl2onnx could not convert Pipeline.*onehot"):
        skact.to_onnx(pipe.fit(X, y), X[:1])


@pytest.mark.parametrize("columns", [3, 5])
def test_a_sample_of_another_width_is_refused(columns):
    X, y = _data("binary", np.float64)  # 4 features
    model = skact.ActivationMLPClassifier((3,), max_iter=5).fit(X, y)
    sample = np.ones((1, columns))
    with pytest.raises(ValueError, match=f"has {columns} columns but the model "
                       "was fitted on 4 features"):  # fmt: skip
        skact.to_onnx(model, sample)
    pipe = make_pipeline(StandardScaler(), model).fit(X, y)
    with pytest.raises(ValueError, match="fitted on 4 features"):
        skact.to_onnx(pipe, sample)
    with pytest.raises(ValueError, match=r"must be 2-d.*X\[:1\] rather than X\[0\]"):
        skact.to_onnx(model, X[0])


def test_a_sparse_sample_is_refused_with_what_to_pass():
    X, y = _data("binary", np.float64)
    model = skact.ActivationMLPClassifier((3,), max_iter=5).fit(X, y)
    with pytest.raises(TypeError, match=r"sparse matrix.*X\[:1\]\.toarray\(\)"):
        skact.to_onnx(model, sp.csr_matrix(X[:2]))
    # The dense rows it asks for export a model that runs.
    X_sparse = sp.csr_matrix(X)
    onx = skact.to_onnx(model, X_sparse[:1].toarray())
    _assert_matches(model, onx, X_sparse.toarray(), np.float64)


def _python(code):
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_import_skact_imports_no_onnx_package():
    out = _python(
        """
        import sys
        import skact
        names = ("onnx", "onnxruntime", "skl2onnx")
        print(sorted(m for m in names if m in sys.modules))
        """
    )
    assert out.strip() == "[]"


@pytest.mark.parametrize("skl2onnx_first", [False, True])
def test_plain_skl2onnx_converts_after_import_skact(skl2onnx_first):
    # Registered when skl2onnx is imported after skact, or at import skact
    # when skl2onnx already was: skact.to_onnx need not have been called.
    imports = "import skl2onnx, skact" if skl2onnx_first else "import skact, skl2onnx"
    out = _python(
        f"""
        import warnings
        warnings.simplefilter("ignore")
        {imports}
        import numpy as np
        import onnxruntime as ort
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import KBinsDiscretizer, StandardScaler
        X = np.random.RandomState(0).normal(size=(30, 3))
        y = (X[:, 0] > 0).astype(int)
        pipe = make_pipeline(StandardScaler(), skact.ActivationMLPClassifier(
            (4,), activation="gelu", max_iter=10)).fit(X, y)
        onx = skl2onnx.to_onnx(pipe, X[:1], options={{"zipmap": False}})
        sess = ort.InferenceSession(onx.SerializeToString(),
                                    providers=["CPUExecutionProvider"])
        proba = sess.run(None, {{sess.get_inputs()[0].name: X}})[1]
        print(np.allclose(proba, pipe.predict_proba(X), rtol=1e-10, atol=0))
        """
    )
    assert out.strip() == "True"
