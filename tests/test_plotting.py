"""The Displays draw what the activations and the training history say."""

import numpy as np
import pytest
from scipy import special
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPClassifier

from skact import (
    ActivationDisplay,
    ActivationMLPClassifier,
    ActivationMLPRegressor,
    TrainingHistoryDisplay,
)
from skact.activations import LeakyReLU

from user_activations import ScaledTanh

matplotlib = pytest.importorskip("matplotlib")


@pytest.fixture(autouse=True)
def plt():
    # Agg draws without a screen; closing keeps figures from piling up (and
    # matplotlib's "too many figures" warning, an error here, from firing).
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


class ConstantSlope:
    """A plain (non-Activation) object whose derivative is a scalar."""

    name = "shifted"

    def forward(self, z):
        return z + 1.0

    def derivative(self, z, a):
        return 1.0


def ydata(line):
    return np.asarray(line.get_ydata(), dtype=float)


def legend_labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


# ----------------------------------------------------------------------
# ActivationDisplay
# ----------------------------------------------------------------------
def test_lines_are_the_activation_values():
    disp = ActivationDisplay.from_names(["relu", "logistic", "tanh"], n_points=201)
    x = disp.x
    assert x[0] == -5 and x[-1] == 5 and len(x) == 201
    np.testing.assert_array_equal(disp.lines_["relu"].get_xdata(), x)
    np.testing.assert_array_equal(ydata(disp.lines_["relu"]), np.maximum(x, 0))
    np.testing.assert_allclose(ydata(disp.lines_["logistic"]), special.expit(x))
    np.testing.assert_allclose(ydata(disp.lines_["tanh"]), np.tanh(x))
    # Names label the legend as given, aliases included.
    assert legend_labels(disp.ax_) == ["relu", "logistic", "tanh"]
    assert disp.derivatives is None and disp.derivative_lines_ is None
    assert disp.ax_.get_xlabel() == "z" and disp.ax_.get_ylabel() == "f(z)"
    assert disp.figure_ is disp.ax_.figure
    assert disp.ax_.get_xlim() == (-5, 5)


def test_derivatives_in_a_second_axes_match_known_formulas():
    disp = ActivationDisplay.from_names(
        ["logistic", "tanh", "gelu", "relu"], derivative=True, n_points=101
    )
    assert isinstance(disp.ax_, np.ndarray) and disp.ax_.shape == (2,)
    f_ax, d_ax = disp.ax_
    assert (f_ax.get_ylabel(), d_ax.get_ylabel()) == ("f(z)", "f'(z)")
    assert d_ax.get_xlabel() == "z"
    assert legend_labels(d_ax) == ["logistic", "tanh", "gelu", "relu"]

    x = disp.x
    s = special.expit(x)
    expected = {
        "logistic": s * (1 - s),
        "tanh": 1 - np.tanh(x) ** 2,
        "gelu": special.ndtr(x) + x * np.exp(-x * x / 2) / np.sqrt(2 * np.pi),
        "relu": (x > 0).astype(float),
    }
    for name, line in disp.derivative_lines_.items():
        assert line.axes is d_ax
        np.testing.assert_allclose(disp.derivatives[name], expected[name], atol=1e-12)
        drawn = np.isfinite(ydata(line))
        np.testing.assert_array_equal(line.get_xdata()[drawn], x)
        np.testing.assert_allclose(ydata(line)[drawn], expected[name], atol=1e-12)
        # Same colour as the function, so the two panels read together.
        assert line.get_color() == disp.lines_[name].get_color()


@pytest.mark.parametrize(
    "name", ["logistic", "tanh", "gelu", "gelu_tanh", "silu", "softplus"]
)
def test_derivative_lines_match_finite_differences_of_function_lines(name):
    disp = ActivationDisplay.from_names(name, derivative=True, n_points=2001)
    f = ydata(disp.lines_[name])
    h = disp.x[1] - disp.x[0]  # 0.005
    # Central differences on the plotted grid: error h^2 |f'''| / 6 < 1e-5.
    central = (f[2:] - f[:-2]) / (2 * h)
    np.testing.assert_allclose(
        ydata(disp.derivative_lines_[name])[1:-1], central, atol=1e-5
    )


def test_derivatives_on_one_given_axes_are_dashed_in_the_same_colour(plt):
    _, ax = plt.subplots()
    disp = ActivationDisplay.from_names(["relu", "gelu"], derivative=True, ax=ax)
    assert disp.ax_ is ax
    assert legend_labels(ax) == ["relu", "relu'", "gelu", "gelu'"]
    for name in ("relu", "gelu"):
        line, d_line = disp.lines_[name], disp.derivative_lines_[name]
        assert d_line.axes is ax
        assert d_line.get_linestyle() == "--" and line.get_linestyle() == "-"
        assert d_line.get_color() == line.get_color()
    assert "f'(z)" in ax.get_ylabel()


def test_given_pair_of_axes_is_used(plt):
    _, axes = plt.subplots(2, 1)
    disp = ActivationDisplay.from_names("tanh", derivative=True, ax=axes)
    assert list(disp.ax_) == list(axes)
    assert disp.lines_["tanh"].axes is axes[0]
    assert disp.derivative_lines_["tanh"].axes is axes[1]


@pytest.mark.parametrize(("derivative", "n_axes"), [(False, 2), (True, 3)])
def test_wrong_number_of_axes_raises(plt, derivative, n_axes):
    _, axes = plt.subplots(1, n_axes)
    with pytest.raises(ValueError, match=f"got {n_axes}"):
        ActivationDisplay.from_names("relu", derivative=derivative, ax=axes)


def test_ax_that_is_not_axes_raises():
    with pytest.raises(TypeError, match="matplotlib Axes"):
        ActivationDisplay.from_names("relu", ax=["not an axes"])


def test_activation_objects_and_their_labels():
    disp = ActivationDisplay.from_names(
        [LeakyReLU(0.01), LeakyReLU(0.2), ScaledTanh(), ConstantSlope()],
        derivative=True,
    )
    # At its class's default settings an object is labelled by its name;
    # at others by its class and the settings that differ.
    assert list(disp.values) == [
        "leaky_relu",
        "LeakyReLU(0.2)",
        "scaled_tanh",
        "shifted",
    ]
    assert legend_labels(disp.ax_[0]) == list(disp.values)
    x = disp.x
    np.testing.assert_allclose(
        disp.values["LeakyReLU(0.2)"], np.where(x > 0, x, 0.2 * x)
    )
    np.testing.assert_allclose(
        disp.values["scaled_tanh"], 1.7159 * np.tanh(2 / 3 * x), rtol=1e-12
    )
    # A scalar derivative is drawn as a constant line.
    np.testing.assert_array_equal(disp.derivatives["shifted"], np.ones_like(x))


def test_several_changed_settings_are_named():
    disp = ActivationDisplay.from_names([ScaledTanh(), ScaledTanh(2.0, 0.5)])
    assert list(disp.values) == ["scaled_tanh", "ScaledTanh(scale=2, slope=0.5)"]
    with pytest.raises(ValueError, match=r"'LeakyReLU\(0.3\)' is given twice"):
        ActivationDisplay.from_names([LeakyReLU(0.3), LeakyReLU(0.3)])


@pytest.mark.parametrize("n_points", [11, 500, 501])
def test_jumps_are_drawn_as_gaps_not_vertical_segments(n_points):
    disp = ActivationDisplay.from_names(
        ["relu", LeakyReLU(0.1), "elu", "gelu"], derivative=True, n_points=n_points
    )
    x = disp.x
    for name in ("relu", "LeakyReLU(0.1)"):
        line = disp.derivative_lines_[name]
        xs, ys = np.asarray(line.get_xdata()), ydata(line)
        # One break, between the last grid point with z <= 0 and the first
        # with z > 0; every drawn point is the derivative on the grid.
        (gap,) = np.flatnonzero(np.isnan(ys))
        assert x[x <= 0].max() < xs[gap] < x[x > 0].min()
        np.testing.assert_array_equal(np.delete(xs, gap), x)
        np.testing.assert_array_equal(np.delete(ys, gap), disp.derivatives[name])
        # The function itself is continuous: no break.
        np.testing.assert_array_equal(disp.lines_[name].get_xdata(), x)
    # Continuous derivatives (ELU with alpha=1, GELU) are not broken.
    for name in ("elu", "gelu"):
        np.testing.assert_array_equal(disp.derivative_lines_[name].get_xdata(), x)


def test_range_without_zero_keeps_its_limits():
    disp = ActivationDisplay.from_names("softplus", x_range=(1, 3), n_points=11)
    np.testing.assert_allclose(disp.x, np.linspace(1, 3, 11))
    assert disp.ax_.get_xlim() == (1, 3)
    np.testing.assert_allclose(disp.values["softplus"], np.logaddexp(0, disp.x))


def test_line_properties_are_passed_on():
    disp = ActivationDisplay.from_names(["relu", "elu"], derivative=True, lw=0.5)
    lines = [*disp.lines_.values(), *disp.derivative_lines_.values()]
    assert [line.get_linewidth() for line in lines] == [0.5] * 4


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"names": ["relu", "relu"]}, ValueError, "given twice"),
        ({"names": ["nope"]}, ValueError, "Unknown activation"),
        ({"names": [3]}, TypeError, "must be a name"),
        ({"names": []}, ValueError, "names is empty"),
        ({"names": "relu", "x_range": (2, 1)}, ValueError, "low < high"),
        ({"names": "relu", "x_range": (0, np.inf)}, ValueError, "finite"),
        ({"names": "relu", "x_range": 5}, ValueError, "pair of numbers"),
        ({"names": "relu", "n_points": 1}, ValueError, "at least 2"),
        ({"names": "relu", "n_points": 10.0}, TypeError, "integer"),
    ],
)
def test_from_names_rejects_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        ActivationDisplay.from_names(**kwargs)


def test_activation_returning_a_wrong_shape_raises():
    class Broken(ConstantSlope):
        def forward(self, z):
            return z[:-1]

    with pytest.raises(ValueError, match="forward returned an array of shape"):
        ActivationDisplay.from_names(Broken())


# ----------------------------------------------------------------------
# TrainingHistoryDisplay
# ----------------------------------------------------------------------
FULL_HISTORY = {
    "loss": [0.9, 0.6, 0.5, 0.45],
    "val_loss": [np.nan, 0.7, 0.6, 0.55],
    "val_score": [np.nan, 0.7, 0.8, 0.85],
    # Two hidden layers: three weight matrices.
    "grad_norm": [[1.0, 0.5, 2.0], [0.5, 0.2, 1.0], [0.1, 0.05, 0.5], [0.0, 0.01, 0.1]],
    "dead_fraction": [[0.0, 0.0], [0.1, 0.0], [0.2, 0.0], [0.25, 0.0]],
    "saturated_fraction": [[0.0, 0.3], [0.0, 0.4], [0.0, 0.5], [0.0, 0.6]],
}
ALL_PANELS = ["loss", "val_score", "grad_norm", "dead_fraction", "saturated_fraction"]


@pytest.mark.parametrize(
    ("keys", "panels"),
    [
        (["loss"], ["loss"]),
        (["loss", "val_loss", "val_score"], ["loss", "val_score"]),
        (["loss", "grad_norm"], ["loss", "grad_norm"]),
        (list(FULL_HISTORY), ALL_PANELS),
    ],
)
def test_panels_follow_the_recorded_data(keys, panels):
    history = {k: FULL_HISTORY[k] for k in keys}
    disp = TrainingHistoryDisplay(history).plot()
    assert disp.panels_ == panels
    assert list(disp.axes_) == panels
    assert len(disp.figure_.axes) == len(panels)
    if len(panels) == 1:
        assert disp.ax_ is disp.axes_["loss"]
    else:
        assert list(disp.ax_) == list(disp.axes_.values())
    for panel, ax in disp.axes_.items():
        assert ax.get_xlabel() == "epoch"
        assert ax.get_ylabel() != ""
        assert all(line.axes is ax for line in disp.lines_[panel])


def test_lines_hold_the_history_with_nan_gaps():
    disp = TrainingHistoryDisplay(FULL_HISTORY).plot()
    train, val = disp.lines_["loss"]
    assert legend_labels(disp.axes_["loss"]) == ["training loss", "validation loss"]
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(ydata(train), FULL_HISTORY["loss"])
    np.testing.assert_array_equal(ydata(val), FULL_HISTORY["val_loss"])  # NaN too
    (score,) = disp.lines_["val_score"]
    np.testing.assert_array_equal(ydata(score), FULL_HISTORY["val_score"])
    # A history alone does not say what the score measures.
    assert disp.axes_["val_score"].get_ylabel() == "validation score"


def test_gradient_norms_one_log_scaled_line_per_weight_matrix():
    disp = TrainingHistoryDisplay(FULL_HISTORY).plot()
    ax = disp.axes_["grad_norm"]
    assert ax.get_yscale() == "log"
    assert legend_labels(ax) == [
        "input → hidden 1",
        "hidden 1 → hidden 2",
        "hidden 2 → output",
    ]
    table = np.array(FULL_HISTORY["grad_norm"])
    for i, line in enumerate(disp.lines_["grad_norm"]):
        np.testing.assert_array_equal(ydata(line), table[:, i])


def test_fractions_per_hidden_layer_with_activation_names():
    disp = TrainingHistoryDisplay(
        FULL_HISTORY, activation_names=["relu", "sigmoid"]
    ).plot()
    for key in ("dead_fraction", "saturated_fraction"):
        ax = disp.axes_[key]
        assert legend_labels(ax) == ["hidden 1 (relu)", "hidden 2 (sigmoid)"]
        assert ax.get_ylim() == pytest.approx((-0.03, 1.03))
        table = np.array(FULL_HISTORY[key])
        for k, line in enumerate(disp.lines_[key]):
            np.testing.assert_array_equal(ydata(line), table[:, k])
    assert disp.axes_["dead_fraction"].get_ylabel() == "dead fraction"


def test_all_nan_or_zero_data_does_not_warn():
    history = {
        "loss": [0.5, 0.4],
        "val_loss": [np.nan, np.nan],
        "val_score": [np.nan, np.nan],
        "grad_norm": [[0.0, 0.0], [0.0, 0.0]],
        # Epochs recorded without diagnostics (None) or as NaN.
        "dead_fraction": [None, [0.5]],
        "saturated_fraction": [[np.nan], [0.0]],
    }
    disp = TrainingHistoryDisplay(history).plot()
    # No finite validation data: no validation line or panel.
    assert disp.panels_ == ["loss", "grad_norm", "dead_fraction", "saturated_fraction"]
    assert len(disp.lines_["loss"]) == 1
    # Zero norms cannot be drawn on a log scale.
    assert disp.axes_["grad_norm"].get_yscale() == "linear"
    np.testing.assert_array_equal(ydata(disp.lines_["dead_fraction"][0]), [np.nan, 0.5])
    disp.figure_.canvas.draw()


def test_a_lone_loss_line_needs_no_legend():
    disp = TrainingHistoryDisplay(
        {"loss": [0.5, 0.4], "dead_fraction": [[0.1], [0.2]]},
        activation_names=["relu"],
    ).plot()
    # The axis label names the loss; the layer's legend names its activation.
    assert disp.axes_["loss"].get_legend() is None
    assert legend_labels(disp.axes_["dead_fraction"]) == ["hidden 1 (relu)"]


def test_single_epoch_is_marked():
    disp = TrainingHistoryDisplay({"loss": [0.3]}).plot()
    assert disp.lines_["loss"][0].get_marker() == "o"


def test_given_axes_must_match_the_panels(plt):
    _, axes = plt.subplots(2, 2)
    history = {k: FULL_HISTORY[k] for k in ("loss", "grad_norm", "dead_fraction")}
    with pytest.raises(ValueError, match=r"needs 3 Axes; got 4"):
        TrainingHistoryDisplay(history).plot(ax=axes)
    with pytest.raises(ValueError, match=r"needs 3 Axes; got 1"):
        TrainingHistoryDisplay(history).plot(ax=axes[0, 0])
    disp = TrainingHistoryDisplay(history).plot(ax=axes.ravel()[:3])
    assert list(disp.ax_) == list(axes.ravel()[:3])
    assert disp.axes_["grad_norm"] is axes[0, 1]
    _, one = plt.subplots()
    disp = TrainingHistoryDisplay(history).plot(ax=one, panels="grad_norm")
    assert disp.ax_ is one and disp.panels_ == ["grad_norm"]


def test_panel_selection_is_checked():
    disp = TrainingHistoryDisplay(FULL_HISTORY)
    assert disp.plot(panels=["dead_fraction", "loss"]).panels_ == [
        "dead_fraction",
        "loss",
    ]
    with pytest.raises(ValueError, match="Unknown panel 'accuracy'"):
        disp.plot(panels=["accuracy"])
    with pytest.raises(ValueError, match="no data for the panel 'grad_norm'"):
        TrainingHistoryDisplay({"loss": [1.0]}).plot(panels=["grad_norm"])
    with pytest.raises(ValueError, match="nothing to plot"):
        TrainingHistoryDisplay({"loss": []}).plot()
    with pytest.raises(ValueError, match="activation_names has 1 entries"):
        TrainingHistoryDisplay(FULL_HISTORY, activation_names=["relu"]).plot()


def test_unfitted_estimator_raises_not_fitted():
    with pytest.raises(NotFittedError):
        TrainingHistoryDisplay.from_estimator(ActivationMLPClassifier())


def test_from_estimator_with_diagnostics_and_early_stopping(moons_small):
    clf = ActivationMLPClassifier(
        (8, 8),
        activation=("relu", "tanh"),
        learning_rate_init=0.02,
        early_stopping=True,
        diagnostics=True,
        n_iter_no_change=3,
        random_state=0,
    ).fit(*moons_small)
    disp = TrainingHistoryDisplay.from_estimator(clf)
    assert disp.panels_ == ALL_PANELS
    assert disp.history is clf.history_
    assert all(ax.get_xlabel() == "epoch" for ax in disp.ax_)
    np.testing.assert_allclose(ydata(disp.lines_["loss"][0]), clf.loss_curve_)
    np.testing.assert_allclose(
        ydata(disp.lines_["val_score"][0]), clf.validation_scores_
    )
    assert len(disp.lines_["grad_norm"]) == len(clf.coefs_) == 3
    assert legend_labels(disp.axes_["saturated_fraction"]) == [
        "hidden 1 (relu)",
        "hidden 2 (tanh)",
        f"kept weights (epoch {disp.best_epoch})",
    ]
    # The score is named for what a classifier's score measures.
    assert disp.axes_["val_score"].get_ylabel() == "validation accuracy"


def kept_epoch_marks(disp):
    """The epoch each panel's vertical marker stands at."""
    marks = {}
    for panel, line in disp.best_epoch_lines_.items():
        (x0, x1) = line.get_xdata()
        assert x0 == x1 and line.axes is disp.axes_[panel]
        marks[panel] = x0
    return marks


def test_the_epoch_whose_weights_early_stopping_kept_is_marked(moons_small):
    clf = ActivationMLPClassifier(
        (8,),
        learning_rate_init=0.05,
        early_stopping=True,
        n_iter_no_change=5,
        random_state=0,
    ).fit(*moons_small)
    scores = np.asarray(clf.validation_scores_)
    # Training ran past the best epoch (patience), so the mark is not simply
    # the last epoch.
    assert scores.argmax() + 1 < clf.n_iter_
    disp = TrainingHistoryDisplay.from_estimator(clf)
    # The first epoch reaching the best score: a tie does not replace it.
    assert disp.best_epoch == np.flatnonzero(scores == scores.max())[0] + 1
    assert kept_epoch_marks(disp) == {p: disp.best_epoch for p in disp.panels_}
    label = f"kept weights (epoch {disp.best_epoch})"
    assert label in legend_labels(disp.axes_["val_score"])
    assert label in legend_labels(disp.axes_["loss"])
    # A point on the score line at that epoch.
    ax = disp.axes_["val_score"]
    (point,) = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert point.get_xdata()[0] == disp.best_epoch
    assert point.get_ydata()[0] == clf.best_validation_score_


def test_without_early_stopping_no_epoch_is_marked(moons_small):
    X, y = moons_small
    clf = ActivationMLPClassifier(
        (8,), learning_rate_init=0.05, max_iter=20, random_state=0
    )
    with pytest.warns(ConvergenceWarning):
        clf.fit(X[:80], y[:80], X_val=X[80:], y_val=y[80:])
    disp = TrainingHistoryDisplay.from_estimator(clf)
    # The model keeps its last weights, not the best-scoring epoch's.
    assert disp.best_epoch is None and disp.best_epoch_lines_ == {}
    assert "val_score" in disp.panels_


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_regressor_score_is_r2_and_kept_epoch_marked():
    X, y = make_regression(150, n_features=3, noise=5.0, random_state=0)
    reg = ActivationMLPRegressor(
        hidden_layer_sizes=(8,),
        learning_rate_init=0.05,
        early_stopping=True,
        n_iter_no_change=3,
        max_iter=60,
        random_state=0,
    ).fit(X / X.std(axis=0), y / y.std())
    disp = TrainingHistoryDisplay.from_estimator(reg)
    assert disp.axes_["val_score"].get_ylabel() == "validation R²"
    scores = np.asarray(reg.validation_scores_)
    assert disp.best_epoch == np.flatnonzero(scores == scores.max())[0] + 1


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_scikit_learns_mlp_gets_the_same_labels_and_mark(moons_small):
    clf = MLPClassifier((4,), max_iter=40, early_stopping=True, random_state=0)
    clf.fit(*moons_small)
    disp = TrainingHistoryDisplay.from_estimator(clf)
    assert disp.axes_["val_score"].get_ylabel() == "validation accuracy"
    scores = np.asarray(clf.validation_scores_)
    assert disp.best_epoch == np.flatnonzero(scores == scores.max())[0] + 1


@pytest.mark.parametrize(
    ("activation", "panels"),
    [
        ("relu", ALL_PANELS[:-1]),
        (("relu", "relu"), ALL_PANELS[:-1]),
        (("relu", "tanh"), ALL_PANELS),
        ("leaky_relu", ALL_PANELS),
    ],
)
def test_saturation_panel_is_left_out_for_relu_only_networks(
    moons_small, activation, panels
):
    clf = ActivationMLPClassifier(
        (6, 6),
        activation=activation,
        early_stopping=True,
        n_iter_no_change=2,
        diagnostics=True,
        random_state=0,
    ).fit(*moons_small)
    disp = TrainingHistoryDisplay.from_estimator(clf)
    assert disp.panels_ == panels
    # Asked for, it is drawn (all zeros for ReLU).
    asked = TrainingHistoryDisplay.from_estimator(clf, panels="saturated_fraction")
    assert asked.panels_ == ["saturated_fraction"]


def test_history_labels_parametrised_activations_with_their_settings(moons_small):
    clf = ActivationMLPClassifier(
        (4, 4),
        activation=(LeakyReLU(0.2), "leaky_relu"),
        max_iter=3,
        diagnostics=True,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        clf.fit(*moons_small)
    disp = TrainingHistoryDisplay.from_estimator(clf, panels="dead_fraction")
    assert legend_labels(disp.ax_) == [
        "hidden 1 (LeakyReLU(0.2))",
        "hidden 2 (leaky_relu)",
    ]


def test_legends_stand_beside_the_lines():
    disp = TrainingHistoryDisplay(
        FULL_HISTORY, activation_names=["relu", "tanh"], best_epoch=3
    ).plot()
    disp.figure_.canvas.draw()
    renderer = disp.figure_.canvas.get_renderer()
    for panel, ax in disp.axes_.items():
        legend = ax.get_legend()
        assert legend is not None, panel
        # No overlap with the data area, and inside the figure.
        assert not legend.get_window_extent(renderer).overlaps(ax.bbox), panel
        assert disp.figure_.bbox.contains(*legend.get_window_extent(renderer).p1)


def test_layers_with_equal_fractions_stay_visible():
    # Two healthy layers, both at 0: different dash patterns, so the one
    # drawn on top does not hide the other.
    history = {"loss": [1.0, 0.5], "dead_fraction": [[0.0, 0.0], [0.0, 0.0]]}
    disp = TrainingHistoryDisplay(history).plot()
    first, second = disp.lines_["dead_fraction"]
    assert first.get_linestyle() != second.get_linestyle()


def test_from_estimator_lbfgs_counts_iterations(moons_small):
    clf = ActivationMLPClassifier(
        (8,), activation="logistic", solver="lbfgs", max_iter=5, random_state=0
    )
    with pytest.warns(ConvergenceWarning):
        clf.fit(*moons_small)
    disp = TrainingHistoryDisplay.from_estimator(clf)
    # Without diagnostics only the loss was recorded.
    assert disp.panels_ == ["loss"]
    assert disp.ax_.get_xlabel() == "iteration"
    np.testing.assert_array_equal(disp.lines_["loss"][0].get_xdata(), [1, 2, 3, 4, 5])


# scikit-learn's MLP stops at max_iter here, warning about it; the point is
# only that its loss curve and validation scores are plotted.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_from_estimator_accepts_scikit_learns_mlp(moons_small):
    clf = MLPClassifier((4,), max_iter=15, early_stopping=True, random_state=0)
    clf.fit(*moons_small)
    disp = TrainingHistoryDisplay.from_estimator(clf)
    assert disp.panels_ == ["loss", "val_score"]
    np.testing.assert_allclose(ydata(disp.lines_["loss"][0]), clf.loss_curve_)


def test_estimator_without_history_raises(moons_small):
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(ValueError, match="no training history"):
        TrainingHistoryDisplay.from_estimator(LogisticRegression().fit(*moons_small))


def test_displays_render_to_png(tmp_path, moons_small):
    with pytest.warns(ConvergenceWarning):
        clf = ActivationMLPClassifier(
            (6,), activation="gelu", max_iter=5, diagnostics=True, random_state=0
        ).fit(*moons_small)
    displays = {
        "history": TrainingHistoryDisplay.from_estimator(clf),
        "activations": ActivationDisplay.from_names(["relu", "gelu"], derivative=True),
    }
    for name, disp in displays.items():
        path = tmp_path / f"{name}.png"
        disp.figure_.savefig(path, dpi=40)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_deep_networks_get_distinct_layer_colours():
    # The default colour cycle repeats after 10 lines: the input and output
    # layers of an 11-matrix network must still differ.
    history = {
        "loss": [1.0, 0.5],
        "grad_norm": [[float(i + 1)] * 11 for i in range(2)],
    }
    display = TrainingHistoryDisplay(history).plot()
    colours = [tuple(line.get_color()) for line in display.lines_["grad_norm"]]
    assert len(set(colours)) == 11
