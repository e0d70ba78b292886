"""Validation data of the user's own (``X_val``, ``y_val``,
``sample_weight_val``), and ``partial_fit``'s argument order."""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.metrics import accuracy_score, log_loss, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skact import ActivationMLPClassifier, ActivationMLPRegressor

from _helpers import fitted_state, zero_weights_message

quietly = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def split(iris_scaled):
    X, y = iris_scaled
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


@quietly
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_every_epoch_is_scored_on_the_given_data(split, solver, early_stopping):
    X, X_val, y, y_val = split
    clf = ActivationMLPClassifier((8,), solver=solver, early_stopping=early_stopping)
    clf.set_params(max_iter=25, random_state=0).fit(X, y, X_val=X_val, y_val=y_val)
    history = clf.history_
    assert len(history["val_score"]) == len(history["loss"]) == clf.n_iter_
    assert clf.validation_scores_ is history["val_score"]
    assert clf.best_validation_score_ == max(history["val_score"])
    if early_stopping and solver != "lbfgs":
        return  # the final weights are the best epoch's, checked below
    # The last epoch's record is the final model's score and loss there.
    assert history["val_score"][-1] == accuracy_score(y_val, clf.predict(X_val))
    assert_allclose(
        history["val_loss"][-1], log_loss(y_val, clf.predict_proba(X_val)), rtol=1e-9
    )


@quietly
def test_early_stopping_on_given_data_keeps_its_best_weights(split):
    X, X_val, y, y_val = split
    clf = ActivationMLPClassifier((8,), early_stopping=True, n_iter_no_change=3)
    clf.set_params(max_iter=200, random_state=0).fit(X, y, X_val=X_val, y_val=y_val)
    assert clf.n_iter_ < 200  # patience ran out on the given data
    assert accuracy_score(y_val, clf.predict(X_val)) == clf.best_validation_score_
    # All of X trained: with the given data no split is held out of it.
    assert clf.t_ == clf.n_iter_ * len(X)


@quietly
def test_sample_weight_val_weighs_the_validation_score(split):
    X, X_val, y, y_val = split
    weights = np.where(y_val == 2, 5.0, 1.0)
    reg = ActivationMLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs")
    reg.set_params(max_iter=20, random_state=0)
    reg.fit(X, X[:, 0], X_val=X_val, y_val=X_val[:, 0], sample_weight_val=weights)
    expected = r2_score(X_val[:, 0], reg.predict(X_val), sample_weight=weights)
    assert_allclose(reg.history_["val_score"][-1], expected, rtol=1e-12)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (lambda Xv, yv: dict(X_val=Xv), "given together"),
        (lambda Xv, yv: dict(y_val=yv), "given together"),
        (lambda Xv, yv: dict(sample_weight_val=np.ones(len(yv))), "needs X_val"),
        (lambda Xv, yv: dict(X_val=Xv[:, :2], y_val=yv), r"X_val, y_val.*2 features"),
        (lambda Xv, yv: dict(X_val=Xv, y_val=yv + 7), r"classes \[7 8 9\]"),
        (lambda Xv, yv: dict(X_val=Xv, y_val=yv[:-1]), "inconsistent numbers"),
        (
            lambda Xv, yv: dict(
                X_val=Xv, y_val=yv, sample_weight_val=np.zeros(len(yv))
            ),
            zero_weights_message("sample_weight_val"),
        ),
    ],
)
def test_bad_input_validation_data_gets_a_clear_error(split, arguments, message):
    X, X_val, y, y_val = split
    clf = ActivationMLPClassifier((4,), max_iter=3, random_state=0)
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y, **arguments(X_val, y_val))
    assert not hasattr(clf, "coefs_")


def test_bad_input_regressor_validation_outputs_must_match(split):
    X, X_val, y, y_val = split
    reg = ActivationMLPRegressor(hidden_layer_sizes=(4,), max_iter=3)
    with pytest.raises(ValueError, match="y_val has 2 output"):
        reg.fit(X, X[:, 0], X_val=X_val, y_val=X_val[:, :2])


@quietly
def test_validation_data_reaches_fit_through_metadata_routing(split):
    # In a Pipeline, routed validation data reaches the network as given:
    # untransformed by the earlier steps (docs/user_guide explains how to
    # transform it). With a step that changes nothing, both ways agree.
    X, X_val, y, y_val = split
    with config_context(enable_metadata_routing=True):
        net = ActivationMLPClassifier((8,), max_iter=10, random_state=0)
        net.set_fit_request(X_val=True, y_val=True)
        pipe = make_pipeline(FunctionTransformer(), net)
        pipe.fit(X, y, X_val=X_val, y_val=y_val)
        direct = ActivationMLPClassifier((8,), max_iter=10, random_state=0)
        direct.fit(X, y, X_val=X_val, y_val=y_val)
    assert pipe[-1].history_["val_score"] == direct.history_["val_score"]


@quietly
def test_partial_fit_takes_scikit_learns_argument_order(iris_scaled):
    # scikit-learn 1.9: partial_fit(X, y, sample_weight=None, classes=None).
    X, y = iris_scaled
    weights = np.linspace(0.5, 2.0, len(y))
    positional = ActivationMLPClassifier((4,), random_state=0)
    positional.partial_fit(X, y, weights, [0, 1, 2])
    named = ActivationMLPClassifier((4,), random_state=0)
    named.partial_fit(X, y, classes=[0, 1, 2], sample_weight=weights)
    assert fitted_state(positional) == fitted_state(named)
    for a, b in zip(positional.coefs_, named.coefs_):
        assert_array_equal(a, b)


@quietly
@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 3.0, 2: 0.5}])
def test_validation_samples_get_the_training_class_weights(split, class_weight):
    # A validation set lacking a class is legitimate, and its samples count
    # as training samples of their class do: the class weights come from y,
    # not from y_val's own shares.
    X, X_val, y, y_val = split
    keep = y_val != 2
    X_val, y_val = X_val[keep], y_val[keep]
    clf = ActivationMLPClassifier((8,), solver="lbfgs", class_weight=class_weight)
    clf.set_params(max_iter=20, random_state=0).fit(X, y, X_val=X_val, y_val=y_val)
    if class_weight == "balanced":  # y is stratified: the shares of iris
        counts = np.bincount(y)
        per_class = len(y) / (3 * counts)
    else:
        per_class = np.array([class_weight[k] for k in range(3)])
    weights = per_class[y_val]
    expected = accuracy_score(y_val, clf.predict(X_val), sample_weight=weights)
    assert_allclose(clf.history_["val_score"][-1], expected, rtol=1e-12)
    proba = clf.predict_proba(X_val)
    expected_loss = log_loss(y_val, proba, sample_weight=weights, labels=[0, 1, 2])
    assert_allclose(clf.history_["val_loss"][-1], expected_loss, rtol=1e-6)


@pytest.mark.parametrize(
    "y_val, error, message",
    [
        (lambda Y: Y * 2, ValueError, r"indicator y_val must hold only 0 and 1"),
        (lambda Y: Y - 1, ValueError, r"indicator y_val must hold only 0 and 1"),
    ],
)
def test_bad_input_multilabel_y_val_is_checked_as_y_is(
    iris_scaled, y_val, error, message
):
    X, y = iris_scaled
    Y = np.eye(3, dtype=int)[y]
    clf = ActivationMLPClassifier((4,), max_iter=3, random_state=0)
    # The same values as y are refused too.
    with pytest.raises(error, match=message.replace("y_val", "y")):
        clf.fit(X, y_val(Y))
    with pytest.raises(error, match=message):
        clf.fit(X, Y, X_val=X, y_val=y_val(Y))
    assert not hasattr(clf, "coefs_")


def test_bad_input_y_val_with_missing_labels_names_y_val(split):
    X, X_val, y, y_val = split
    y_val = y_val.astype(object)
    y_val[0] = None
    clf = ActivationMLPClassifier((4,), max_iter=3, random_state=0)
    with pytest.raises(TypeError, match=r"y_val mixes labels of types"):
        clf.fit(X, y, X_val=X_val, y_val=y_val)
    assert not hasattr(clf, "coefs_")
