"""The helpers take what users have: a fitted skact estimator or a Pipeline.

``linear_equivalent``, ``activation_statistics`` and
``TrainingHistoryDisplay.from_estimator`` accept a fitted Pipeline ending in a
skact estimator, transforming ``X`` through its earlier steps, and refuse
anything else with a TypeError that names what they accept.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skact import (
    ActivationMLPClassifier,
    ActivationMLPRegressor,
    TrainingHistoryDisplay,
    activation_statistics,
    linear_equivalent,
)

ACCEPTED = "takes a fitted skact estimator .* or a fitted Pipeline ending in one"


def fit_quietly(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def classification(n_classes):
    # Features far from standardised (shifted and scaled), so that a missing
    # or refitted scaler would change every prediction.
    X, y = make_classification(
        150, n_features=5, n_informative=3, n_classes=n_classes, random_state=0
    )
    return X * [1, 10, 100, 0.1, 3] + 50, y


def regression(n_outputs):
    X, y = make_regression(150, 5, n_targets=n_outputs, noise=1.0, random_state=0)
    return X * [1, 10, 100, 0.1, 3] + 50, y


def identity_pipeline(kind, n):
    """A fitted StandardScaler + identity-network pipeline, and its data."""
    if kind == "classifier":
        X, y = classification(n)
        net = ActivationMLPClassifier((7, 4), activation="identity", solver="lbfgs")
    else:
        X, y = regression(n)
        net = ActivationMLPRegressor(
            hidden_layer_sizes=(7, 4), activation="identity", solver="lbfgs"
        )
    net.set_params(random_state=0)
    return fit_quietly(make_pipeline(StandardScaler(), net), X, y), X, y


def output(model, kind, X):
    return model.predict_proba(X) if kind == "classifier" else model.predict(X)


CASES = [("classifier", 2), ("classifier", 3), ("regressor", 1), ("regressor", 2)]


# ----------------------------------------------------------------------
# linear_equivalent
# ----------------------------------------------------------------------
@pytest.mark.parametrize("kind, n", CASES)
def test_linear_equivalent_of_a_pipeline_is_a_pipeline_that_predicts_the_same(kind, n):
    pipe, X, _ = identity_pipeline(kind, n)
    flat = linear_equivalent(pipe)

    assert isinstance(flat, Pipeline) and flat is not pipe
    assert [name for name, _ in flat.steps] == [name for name, _ in pipe.steps]
    linear = LogisticRegression if kind == "classifier" else LinearRegression
    assert isinstance(flat[-1], linear)
    # The last step is what linear_equivalent of the network alone gives.
    alone = linear_equivalent(pipe[-1])
    assert_array_equal(flat[-1].coef_, alone.coef_)
    assert_array_equal(flat[-1].intercept_, alone.intercept_)
    # The scaler is a copy of the fitted one, not refitted and not shared.
    assert flat[0] is not pipe[0]
    assert_array_equal(flat[0].mean_, pipe[0].mean_)
    assert_array_equal(flat[0].scale_, pipe[0].scale_)

    # Both pipelines scale X identically (copies of one fitted scaler, bit for
    # bit). Then the network's layer-by-layer products and the collapsed
    # product W = W1 W2 W3 (in float64) differ only by reassociated rounding:
    # a few ulps per sum of at most 7 terms, over three layers. Logits of
    # order 10 and targets of order 500 thus move by ~1e-14 and ~1e-13, and
    # softmax moves a probability by at most the largest logit change.
    # Measured: 2e-16 for the probabilities, 2e-13 for the targets. rtol
    # 1e-10 (atol 1e-9 near 0) leaves orders of magnitude of margin yet
    # catches missing or refitted preprocessing, which changes outputs by
    # order 1.
    assert_allclose(output(flat, kind, X), output(pipe, kind, X), rtol=1e-10, atol=1e-9)
    if kind == "classifier":
        assert_array_equal(flat.classes_, pipe.classes_)
        assert_array_equal(flat.predict(X), pipe.predict(X))


def test_linear_equivalent_pipeline_keeps_the_pipeline_parameters():
    X, y = classification(2)
    net = ActivationMLPClassifier((3,), activation="identity", solver="lbfgs")
    pipe = Pipeline(
        [("scale", StandardScaler()), ("net", net.set_params(random_state=0))],
        verbose=False,
    )
    fit_quietly(pipe, X, y)
    flat = linear_equivalent(pipe)
    expected = {k: v for k, v in pipe.get_params(deep=False).items() if k != "steps"}
    got = {k: v for k, v in flat.get_params(deep=False).items() if k != "steps"}
    assert got == expected
    assert [name for name, _ in flat.steps] == ["scale", "net"]


def test_linear_equivalent_pipeline_is_independent_of_the_original():
    # Refitting the original pipeline on other data refits its scaler in
    # place; the returned pipeline holds its own copy and is unchanged.
    pipe, X, y = identity_pipeline("classifier", 2)
    flat = linear_equivalent(pipe)
    before = flat.predict_proba(X)
    fit_quietly(pipe, X[:60] * 3 - 7, y[:60])
    assert_array_equal(flat.predict_proba(X), before)


def test_linear_equivalent_of_a_one_step_pipeline():
    X, y = classification(3)
    net = ActivationMLPClassifier((4,), activation="identity", solver="lbfgs")
    pipe = fit_quietly(make_pipeline(net.set_params(random_state=0)), X, y)
    flat = linear_equivalent(pipe)
    assert isinstance(flat, Pipeline) and len(flat) == 1
    assert_allclose(flat.predict_proba(X), pipe.predict_proba(X), atol=1e-10)


def test_linear_equivalent_of_a_pipeline_checks_the_network_as_for_a_network():
    X, y = classification(2)
    net = ActivationMLPClassifier((4,), activation="relu", solver="lbfgs")
    pipe = fit_quietly(make_pipeline(StandardScaler(), net), X, y)
    with pytest.raises(ValueError, match="layer 1: relu"):
        linear_equivalent(pipe)


# ----------------------------------------------------------------------
# activation_statistics
# ----------------------------------------------------------------------
@pytest.mark.parametrize("kind, n", CASES)
def test_activation_statistics_of_a_pipeline_sees_the_transformed_data(kind, n):
    # Rectifier and saturating layers, so that dead and saturated units and
    # the activations' spread all depend on the data the network sees.
    params = dict(
        hidden_layer_sizes=(7, 4), activation=("relu", "tanh"), solver="lbfgs"
    )
    if kind == "classifier":
        X, y = classification(n)
        net = ActivationMLPClassifier(**params)
    else:
        X, y = regression(n)
        net = ActivationMLPRegressor(**params)
    net.set_params(max_iter=50, random_state=0)
    pipe = fit_quietly(make_pipeline(StandardScaler(), net), X, y)
    scaler, net = pipe[0], pipe[-1]

    # The same computation on the same arrays: exactly equal.
    from_pipe = activation_statistics(pipe, X)
    assert from_pipe == activation_statistics(net, scaler.transform(X))
    # And not what the network makes of the raw data.
    assert from_pipe != activation_statistics(net, X)


def test_activation_statistics_of_a_pipeline_checks_the_input():
    pipe, X, _ = identity_pipeline("classifier", 2)
    with pytest.raises(ValueError, match="features"):
        activation_statistics(pipe, np.hstack([X, X]))


# ----------------------------------------------------------------------
# TrainingHistoryDisplay.from_estimator
# ----------------------------------------------------------------------
@pytest.fixture
def plt():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def display_data(disp):
    return {
        panel: [(line.get_label(), list(line.get_ydata())) for line in lines]
        for panel, lines in disp.lines_.items()
    }


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_display_of_a_pipeline_is_the_display_of_its_last_step(plt, kind):
    if kind == "classifier":
        X, y = classification(3)
        net = ActivationMLPClassifier((6, 4), activation=("relu", "tanh"))
    else:
        X, y = regression(1)
        net = ActivationMLPRegressor(
            hidden_layer_sizes=(6, 4), activation=("relu", "tanh")
        )
    net.set_params(max_iter=8, early_stopping=True, diagnostics=True, random_state=0)
    pipe = fit_quietly(make_pipeline(StandardScaler(), net), X, y)

    from_pipe = TrainingHistoryDisplay.from_estimator(pipe)
    from_net = TrainingHistoryDisplay.from_estimator(pipe[-1])
    assert from_pipe.panels_ == from_net.panels_
    assert "dead_fraction" in from_pipe.panels_
    assert display_data(from_pipe) == display_data(from_net)
    assert from_pipe.xlabel == from_net.xlabel == "epoch"


def test_display_of_a_pipeline_ending_in_scikit_learns_mlp(plt):
    X, y = classification(2)
    mlp = MLPClassifier((4,), max_iter=15, early_stopping=True, random_state=0)
    pipe = fit_quietly(make_pipeline(StandardScaler(), mlp), X, y)
    disp = TrainingHistoryDisplay.from_estimator(pipe)
    assert disp.panels_ == ["loss", "val_score"]
    assert_allclose(disp.lines_["loss"][0].get_ydata(), pipe[-1].loss_curve_)


# ----------------------------------------------------------------------
# What the helpers refuse
# ----------------------------------------------------------------------
def statistics_on_data(estimator):
    return activation_statistics(estimator, classification(2)[0])


def fitted_sklearn_mlp():
    return fit_quietly(MLPClassifier((3,), max_iter=5), *classification(2))


def pipeline_ending_in_logistic_regression():
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(*classification(2))


def wrapped_regressor():
    regressor = ActivationMLPRegressor(hidden_layer_sizes=(3,), solver="lbfgs")
    return fit_quietly(TransformedTargetRegressor(regressor), *regression(1))


def nested_pipeline():
    net = ActivationMLPClassifier((3,), solver="lbfgs")
    inner = make_pipeline(StandardScaler(), net)
    return fit_quietly(make_pipeline(StandardScaler(), inner), *classification(2))


NETWORK_HELPERS = {
    "linear_equivalent": linear_equivalent,
    "activation_statistics": statistics_on_data,
}


@pytest.mark.parametrize("helper", NETWORK_HELPERS)
@pytest.mark.parametrize(
    "make_bad, got",
    [
        (fitted_sklearn_mlp, "sklearn.neural_network.MLPClassifier"),
        (
            pipeline_ending_in_logistic_regression,
            "a Pipeline whose last step is sklearn.linear_model.LogisticRegression",
        ),
        (object, "object"),
        (lambda: "a string", "'a string'"),
        (lambda: ActivationMLPClassifier, "the class ActivationMLPClassifier"),
        (wrapped_regressor, "sklearn.compose.TransformedTargetRegressor"),
        (nested_pipeline, "nested pipelines are not supported"),
    ],
)
def test_network_helpers_refuse_other_estimators(helper, make_bad, got):
    with pytest.raises(TypeError, match=f"^{helper} {ACCEPTED}; got .*") as error:
        NETWORK_HELPERS[helper](make_bad())
    assert got in str(error.value)


@pytest.mark.parametrize(
    "make_bad, got",
    [
        (
            pipeline_ending_in_logistic_regression,
            "a Pipeline whose last step is sklearn.linear_model.LogisticRegression",
        ),
        (object, "object"),
        (wrapped_regressor, "sklearn.compose.TransformedTargetRegressor"),
        (nested_pipeline, "nested pipelines are not supported"),
    ],
)
def test_display_refuses_estimators_without_a_history(plt, make_bad, got):
    with pytest.raises(TypeError, match="no training history") as error:
        TrainingHistoryDisplay.from_estimator(make_bad())
    message = str(error.value)
    assert "or a fitted Pipeline ending in one" in message and got in message
    # Also a ValueError, which from_estimator raised before it took pipelines.
    assert isinstance(error.value, ValueError)


def test_the_type_is_checked_before_fitting():
    # An unfitted estimator of the wrong kind is refused for its kind.
    with pytest.raises(TypeError, match=ACCEPTED):
        linear_equivalent(make_pipeline(StandardScaler(), LogisticRegression()))
    with pytest.raises(TypeError, match=ACCEPTED):
        statistics_on_data(MLPClassifier())


@pytest.mark.parametrize(
    "helper",
    [
        linear_equivalent,
        statistics_on_data,
        pytest.param(TrainingHistoryDisplay.from_estimator, id="from_estimator"),
    ],
)
@pytest.mark.parametrize(
    "net",
    [ActivationMLPClassifier(), ActivationMLPRegressor()],
    ids=["classifier", "regressor"],
)
def test_unfitted_pipelines_raise_not_fitted(helper, net):
    if helper is TrainingHistoryDisplay.from_estimator:
        pytest.importorskip("matplotlib")
    with pytest.raises(NotFittedError, match="Pipeline instance is not fitted"):
        helper(make_pipeline(StandardScaler(), clone(net)))
