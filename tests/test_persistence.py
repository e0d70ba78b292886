"""Saving and loading: pickle, joblib and skops.io, and the version check.

tests/test_integration.py checks the basic pickle and joblib round trips of a
GELU network and partial_fit after unpickling. Here: every solver with
per-layer and user-made activations, float32 and multilabel models,
``warm_start`` after loading, skops.io and the types it asks you to trust,
and the warning when a model saved by another skact version is loaded; for
the classifier, and for the regressor where it differs (its losses and
multi-output targets) or where a test runs over both estimators.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import io
import json
import pickle
import warnings
import zipfile

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import skact
from skact import ActivationMLPClassifier, ActivationMLPRegressor
from skact.exceptions import InconsistentVersionWarning

from _helpers import assert_same_model, fitted_state, over_both_estimators
from user_activations import BentIdentity, ScaledTanh

sio = pytest.importorskip("skops.io")

SOLVERS = ["adam", "sgd", "lbfgs"]
ACTIVATIONS = {
    "builtin": ((5,), "gelu"),
    "per-layer": ((5, 4), ("relu", "tanh")),
    "user": ((5,), ScaledTanh(scale=1.5, slope=0.5)),
    "mixed": ((5, 4), ("elu", BentIdentity())),
}

# A few epochs on purpose: persistence, not convergence, is the point.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _pickle(est, tmp_path):
    return pickle.loads(pickle.dumps(est, protocol=pickle.HIGHEST_PROTOCOL))


def _joblib(est, tmp_path):
    path = tmp_path / "model.joblib"
    joblib.dump(est, path, compress=3)
    return joblib.load(path)


def _skops(est, tmp_path):
    path = tmp_path / "model.skops"
    sio.dump(est, path)
    return sio.load(path, trusted=sio.get_untrusted_types(file=path))


ROUND_TRIPS = [_pickle, _joblib, _skops]


def _model(solver, activation="builtin", Estimator=ActivationMLPClassifier, **params):
    hidden, act = ACTIVATIONS[activation]
    params = {"max_iter": 15, "random_state": 0, **params}
    return Estimator(hidden_layer_sizes=hidden, activation=act, solver=solver, **params)


def _assert_same_model(restored, est, X):
    assert restored is not est
    assert type(restored) is type(est)
    assert restored.get_params() == est.get_params()
    assert_array_equal(restored.predict_proba(X), est.predict_proba(X))
    assert_array_equal(restored.predict_log_proba(X), est.predict_log_proba(X))
    assert_array_equal(restored.predict(X), est.predict(X))
    assert_same_model(restored, est)


@pytest.mark.parametrize("round_trip", ROUND_TRIPS, ids=["pickle", "joblib", "skops"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("solver", SOLVERS)
def test_round_trip_predicts_identically(
    iris_scaled, solver, activation, round_trip, tmp_path
):
    X, y = iris_scaled
    est = _model(solver, activation).fit(X, y)
    state = fitted_state(est)
    restored = round_trip(est, tmp_path)
    _assert_same_model(restored, est, X)
    # Saving does not change the saved model ...
    assert fitted_state(est) == state
    if round_trip is not _skops:
        # ... and loading gives back the same fitted state, byte for byte,
        # the optimizer included.
        assert fitted_state(restored) == state


@pytest.mark.parametrize("round_trip", ROUND_TRIPS, ids=["pickle", "joblib", "skops"])
def test_float32_and_multilabel_models_round_trip(iris_scaled, round_trip, tmp_path):
    X, y = iris_scaled
    X32 = X.astype(np.float32)
    Y = np.c_[y == 0, y == 2, X[:, 0] > 0].astype(int)
    for est in [_model("adam").fit(X32, y), _model("lbfgs").fit(X, Y)]:
        restored = round_trip(est, tmp_path)
        _assert_same_model(restored, est, X32)
        assert restored.out_activation_ == est.out_activation_


@pytest.mark.parametrize("round_trip", ROUND_TRIPS, ids=["pickle", "joblib", "skops"])
@pytest.mark.parametrize(
    "solver, params",
    [
        ("adam", {}),
        ("sgd", {"learning_rate": "adaptive"}),
        ("adam", {"early_stopping": True, "validation_fraction": 0.2}),
        ("lbfgs", {}),
    ],
    ids=["adam", "sgd-adaptive", "adam-early-stopping", "lbfgs"],
)
def test_warm_start_after_loading_continues_exactly(
    iris_scaled, solver, params, round_trip, tmp_path
):
    # Saving and loading in the middle of training changes nothing: the
    # weights, the optimizer's state (Adam's moments, SGD's velocity and
    # learning rate) and the histories all come back.
    X, y = iris_scaled
    est = _model(solver, "mixed", warm_start=True, max_iter=5, **params).fit(X, y)
    restored = round_trip(est, tmp_path)
    for _ in range(2):
        est.fit(X, y)
        restored.fit(X, y)
    _assert_same_model(restored, est, X)
    assert restored.history_ == est.history_
    assert restored.t_ == est.t_


@pytest.mark.parametrize("round_trip", [_pickle, _skops], ids=["pickle", "skops"])
@pytest.mark.parametrize(
    "params",
    [
        dict(solver="adam", activation=("relu", ScaledTanh())),
        dict(solver="sgd", loss="absolute_error", early_stopping=True),
        dict(solver="lbfgs", loss="poisson"),
    ],
    ids=["adam-user", "sgd-absolute", "lbfgs-poisson"],
)
def test_regressor_round_trip_predicts_identically_and_continues(
    wavy3, params, round_trip, tmp_path
):
    X, Y = wavy3
    Y = np.exp(Y / 2)  # positive, for Poisson
    reg = ActivationMLPRegressor(
        hidden_layer_sizes=(5, 4),
        max_iter=5,
        warm_start=True,
        random_state=0,
        **params,
    ).fit(X, Y)
    state = fitted_state(reg)
    restored = round_trip(reg, tmp_path)
    assert fitted_state(reg) == state  # saving changes nothing
    assert type(restored) is ActivationMLPRegressor
    assert restored.get_params().keys() == reg.get_params().keys()
    assert_array_equal(restored.predict(X), reg.predict(X))
    assert_same_model(restored, reg, weights_only=True)
    assert restored.out_activation_ == reg.out_activation_
    # The optimizer's state came along: training on gives the same weights.
    for model in (reg, restored):
        model.fit(X, Y)
    assert_same_model(restored, reg, weights_only=True)
    assert restored.history_ == reg.history_


@over_both_estimators("iris_scaled", "wavy")
def test_skops_untrusted_types_are_skacts_own(Estimator, dataset):
    # What skops.io asks a user to trust for a model made of built-in parts:
    # skact's classes only; NumPy, SciPy and scikit-learn types are trusted
    # by skops itself.
    X, y = dataset
    estimator_type = {
        ActivationMLPClassifier: "skact._classifier.ActivationMLPClassifier",
        ActivationMLPRegressor: "skact._regressor.ActivationMLPRegressor",
    }[Estimator]
    for solver in SOLVERS:
        for activation in ["builtin", "per-layer"]:
            data = sio.dumps(_model(solver, activation, Estimator).fit(X, y))
            untrusted = sio.get_untrusted_types(data=data)
            assert untrusted, "the estimator class itself is not trusted by skops"
            assert all(name.startswith("skact.") for name in untrusted), untrusted
            assert estimator_type in untrusted


def test_skops_lists_a_user_activation_among_the_untrusted_types(iris_scaled):
    # A user's activation class is code skops must import: it is listed
    # under its own module's name, for the user to review and trust.
    X, y = iris_scaled
    data = sio.dumps(_model("adam", "user").fit(X, y))
    untrusted = sio.get_untrusted_types(data=data)
    assert "user_activations.ScaledTanh" in untrusted
    assert all(
        name.startswith("skact.") or name == "user_activations.ScaledTanh"
        for name in untrusted
    ), untrusted


def test_skops_refuses_to_load_untrusted_types(iris_scaled):
    X, y = iris_scaled
    data = sio.dumps(_model("lbfgs").fit(X, y))
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException, match="skact"):
        sio.loads(data)


# -- versions -----------------------------------------------------------------


def _with_version(state, version):
    state = dict(state)
    state["_skact_version"] = version
    return state


def test_the_skact_version_is_saved_with_the_model(iris_scaled):
    X, y = iris_scaled
    est = _model("lbfgs").fit(X, y)
    assert est.__getstate__()["_skact_version"] == skact.__version__
    # Taking the state does not add the version to the live model.
    assert "_skact_version" not in vars(est)
    # ... but is not an attribute of the loaded model: saving it again
    # records the version that saves it.
    assert "_skact_version" not in vars(pickle.loads(pickle.dumps(est)))


@over_both_estimators("iris_scaled", "wavy")
def test_loading_under_the_same_version_does_not_warn(Estimator, dataset):
    X, y = dataset
    data = pickle.dumps(_model("adam", Estimator=Estimator).fit(X, y))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pickle.loads(data)


def test_loading_a_state_from_another_version_warns(iris_scaled):
    X, y = iris_scaled
    est = _model("adam").fit(X, y)
    state = _with_version(est.__getstate__(), "0.0.1")
    loaded = ActivationMLPClassifier.__new__(ActivationMLPClassifier)
    with pytest.warns(InconsistentVersionWarning) as record:
        loaded.__setstate__(state)
    warning = record[0].message
    assert warning.estimator_name == "ActivationMLPClassifier"
    assert warning.original_version == "0.0.1"
    assert warning.current_version == skact.__version__
    message = str(warning)
    assert "0.0.1" in message and skact.__version__ in message
    # It warns, it does not refuse: the model still loads and predicts.
    assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))


@over_both_estimators("iris_scaled", "wavy")
def test_unpickling_tampered_pickle_bytes_warns(Estimator, dataset):
    # The real path: pickle.loads on bytes whose recorded version differs.
    X, y = dataset
    est = _model("adam", Estimator=Estimator).fit(X, y)
    data = pickle.dumps(est)
    current = skact.__version__.encode()
    other = b"9" * len(current)  # same length: the pickle framing stays valid
    assert data.count(current) == 1
    with pytest.warns(InconsistentVersionWarning, match="saved with skact 9") as rec:
        loaded = pickle.loads(data.replace(current, other))
    assert rec[0].message.estimator_name == Estimator.__name__
    assert_array_equal(loaded.predict(X), est.predict(X))  # warns, still loads
    with pytest.warns(InconsistentVersionWarning, match="saved with skact 9"):
        joblib.load(io.BytesIO(data.replace(current, other)))


def test_loading_a_model_saved_before_versions_were_recorded_warns(iris_scaled):
    X, y = iris_scaled
    state = _model("adam").fit(X, y).__getstate__()
    del state["_skact_version"]
    loaded = ActivationMLPClassifier.__new__(ActivationMLPClassifier)
    with pytest.warns(InconsistentVersionWarning):
        loaded.__setstate__(state)


def _set_skops_version(node, version):
    """Set the recorded ``_skact_version`` in a skops schema; count the hits."""
    hits = 0
    if isinstance(node, dict):
        if "_skact_version" in node:
            node["_skact_version"]["content"] = json.dumps(version)
            hits += 1
        hits += sum(_set_skops_version(v, version) for v in node.values())
    elif isinstance(node, list):
        hits += sum(_set_skops_version(v, version) for v in node)
    return hits


def test_skops_file_from_another_version_warns(iris_scaled):
    # skops.io stores the estimator's state, the version with it.
    X, y = iris_scaled
    data = sio.dumps(_model("lbfgs").fit(X, y))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(files["schema.json"])
    assert _set_skops_version(schema, "0.0.1") == 1
    files["schema.json"] = json.dumps(schema).encode()
    tampered = io.BytesIO()
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    tampered = tampered.getvalue()
    with pytest.warns(InconsistentVersionWarning, match="saved with skact 0.0.1"):
        sio.loads(tampered, trusted=sio.get_untrusted_types(data=tampered))


# -- states that are networks, but not this estimator's -----------------------


def _set(name, value):
    return lambda state: state.__setitem__(name, value)


def _set_optimizer(name, change):
    def tamper(state):
        optimizer = state["_optimizer"]
        setattr(optimizer, name, change(getattr(optimizer, name)))

    return tamper


def _loads(estimator_class, state):
    loaded = estimator_class.__new__(estimator_class)
    loaded.__setstate__(state)
    return loaded


CLASSIFIER_STATES = {
    "exp output": (_set("out_activation_", "exp"), "out_activation_='exp' on a"),
    "identity output": (
        _set("out_activation_", "identity"),
        "out_activation_='identity' on a classifier",
    ),
    "logistic output, string classes": (
        lambda s: (
            s.__setitem__("out_activation_", "logistic"),
            s.__setitem__("classes_", np.array(["a", "b", "c"])),
        ),
        "out_activation_='logistic' (multilabel) with classes_=",
    ),
    "fewer classes than outputs": (
        lambda s: s.__setitem__("classes_", s["classes_"][:2]),
        "classes_ holds 2 classes but the network has n_outputs_=3",
    ),
    "repeated classes": (
        lambda s: s.__setitem__("classes_", np.array([0, 0, 1])),
        "needs 2 or more distinct classes_",
    ),
    "2-d classes": (
        lambda s: s.__setitem__("classes_", s["classes_"][None]),
        "classes_ must be a 1-d array",
    ),
    "short Adam moment": (
        _set_optimizer("m", lambda m: m[:-1]),
        "the Adam optimizer's 'm' has shape",
    ),
    "long Adam moment": (
        _set_optimizer("v", lambda v: np.r_[v, v]),
        "the Adam optimizer's 'v' has shape",
    ),
    "NaN Adam moment": (
        _set_optimizer("m", lambda m: np.where(np.arange(m.size) == 3, np.nan, m)),
        "the Adam optimizer's 'm' holds NaN",
    ),
    "negative Adam second moment": (
        _set_optimizer("v", lambda v: -1 - v),
        "'v' (mean of squared gradients) is negative",
    ),
    "Adam moment in another dtype": (
        _set_optimizer("m", lambda m: m.astype(np.float32)),
        "the Adam optimizer's 'm' is float32, the weights float64",
    ),
    "NaN Adam step count": (
        _set_optimizer("t", lambda t: np.nan),
        "the Adam optimizer's 't' is nan",
    ),
    "NaN learning rate": (
        _set_optimizer("learning_rate", lambda lr: np.nan),
        "'learning_rate' is nan",
    ),
}


@pytest.mark.parametrize("case", CLASSIFIER_STATES)
def test_loading_a_classifier_state_that_is_not_one_is_refused(iris_scaled, case):
    X, y = iris_scaled
    clf = _model("adam").fit(X, y)
    change, message = CLASSIFIER_STATES[case]
    state = copy.deepcopy(clf.__getstate__())
    change(state)
    with pytest.raises(ValueError, match="state is corrupt") as error:
        _loads(ActivationMLPClassifier, state)
    assert message in str(error.value)
    # The live model is untouched, and pickle (how such a state arrives)
    # refuses it too.
    tampered = copy.deepcopy(clf)
    tampered.__dict__.update(state)
    with pytest.raises(ValueError, match="state is corrupt"):
        pickle.loads(pickle.dumps(tampered))
    assert_array_equal(pickle.loads(pickle.dumps(clf)).predict(X), clf.predict(X))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda v: v[:5], "'velocity' has shape"),
        (lambda v: v / 0, "'velocity' holds NaN"),
    ],
)
def test_a_wrong_sgd_velocity_is_refused(iris_scaled, change, message):
    X, y = iris_scaled
    state = copy.deepcopy(_model("sgd").fit(X, y).__getstate__())
    with np.errstate(divide="ignore", invalid="ignore"):
        state["_optimizer"].velocity = change(state["_optimizer"].velocity)
    with pytest.raises(ValueError, match="the SGD optimizer's " + message):
        _loads(ActivationMLPClassifier, state)


@pytest.mark.parametrize(
    "loss, output, expected",
    [
        ("squared_error", "exp", "'identity'"),
        ("poisson", "identity", "'exp'"),
        ("squared_error", "softmax", "'identity'"),
        ("poisson", "logistic", "'exp'"),
    ],
)
def test_loading_a_regressor_state_with_another_output_is_refused(
    iris_scaled, loss, output, expected
):
    X, y = iris_scaled
    reg = skact.ActivationMLPRegressor(loss, (5,), max_iter=5, random_state=0)
    state = copy.deepcopy(reg.fit(X, y.astype(float)).__getstate__())
    state["out_activation_"] = output
    with pytest.raises(ValueError, match="state is corrupt") as error:
        _loads(skact.ActivationMLPRegressor, state)
    assert f"out_activation_={output!r} on a regressor with loss={loss!r}" in str(
        error.value
    )
    assert f"whose output is {expected}" in str(error.value)


def test_sound_multilabel_and_poisson_states_still_load(iris_scaled):
    X, y = iris_scaled
    Y = np.c_[y == 0, y == 1, y == 2].astype(int)
    clf = _model("adam").fit(X, Y)
    reg = skact.ActivationMLPRegressor("poisson", (5,), max_iter=5, random_state=0)
    reg.fit(X, y.astype(float))
    for est in (clf, reg):
        assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X), est.predict(X))
