"""The command line demo and the examples run, and say what they should."""

import doctest
import re
import runpy
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
import sklearn

from skact.__main__ import main
from skact._demo import (
    DEMO_ACTIVATIONS,
    FIGURE_NAME,
    REGRESSION_FIGURE_NAME,
    make_circle,
    make_wave,
    run_demo,
)

ROOT = Path(__file__).parents[1]
EXAMPLES_DIR = ROOT / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.py"))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# ----------------------------------------------------------------------
# python -m skact demo
# ----------------------------------------------------------------------
def test_demo_table_shows_linear_collapse_and_nonlinear_success():
    lines, progress = [], []
    rows = run_demo(
        ["identity", "sigmoid", "relu"], print=lines.append, progress=progress.append
    )
    by_name = {r["activation"]: r for r in rows}
    # The circle's majority class is 81.2%; a linear model cannot do better
    # by more than a sliver, sigmoid and ReLU networks separate the disc.
    assert by_name["identity"]["cv_accuracy"] < 0.84
    assert by_name["sigmoid"]["cv_accuracy"] > 0.95
    assert by_name["relu"]["cv_accuracy"] > 0.95
    assert all(0 < r["cv_std"] < 0.05 for r in rows)
    assert all(r["fit_time"] > 0 for r in rows)
    table = "\n".join(lines)
    assert re.search(r"^identity\s+0\.8\d\d ± 0\.\d{3}\s+\d+\.\d\ds$", table, re.M)
    assert re.search(r"^relu\s+0\.9\d\d ± 0\.\d{3}\s+\d+\.\d\ds$", table, re.M)
    assert "5-fold cross-validation" in table
    # Progress names each activation before its folds, and stays out of the
    # table.
    assert progress == [
        "[1/3] fitting identity (5 folds) ...",
        "[2/3] fitting sigmoid (5 folds) ...",
        "[3/3] fitting relu (5 folds) ...",
    ]
    assert "fitting" not in table


def test_demo_covers_every_builtin_activation_once():
    assert DEMO_ACTIVATIONS[0] == "identity"
    assert len(DEMO_ACTIVATIONS) == len(set(DEMO_ACTIVATIONS)) == 10
    assert "logistic" not in DEMO_ACTIVATIONS  # aliases are not repeated


def test_cli_runs_the_demo_with_progress_on_stderr(capsys):
    assert main(["demo", "--activations", "tanh", "--cv", "2"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("Circle data")  # classification by default
    assert re.search(r"^tanh\s+0\.9\d\d", captured.out, re.M)
    assert "2-fold cross-validation" in captured.out
    assert "identity" not in captured.out  # the linear-collapse remark needs its row
    assert "fitting" not in captured.out
    assert captured.err.strip() == "[1/1] fitting tanh (2 folds) ..."
    assert not list(Path.cwd().glob(FIGURE_NAME))  # no figure without --out


def test_cli_out_writes_the_decision_boundary_figure(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "new" / "dir"  # created, parents too
    assert (
        main(
            ["demo", "--activations", "identity", "relu", "--cv", "2"]
            + ["--out", str(out)]
        )
        == 0
    )
    figure = out / FIGURE_NAME
    assert figure.read_bytes().startswith(PNG_SIGNATURE)
    captured = capsys.readouterr()
    assert str(figure) in captured.out
    assert "[2/2] fitting relu on all 500 points for the figure" in captured.err

    from matplotlib.image import imread

    image = imread(figure)
    # Two panels side by side: wider than tall, and not a blank canvas.
    assert image.shape[1] > image.shape[0]
    assert image[..., :3].std() > 0.1


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_cli_out_without_matplotlib_says_how_to_install_it(
    task, tmp_path, monkeypatch, capsys
):
    # A None entry in sys.modules makes `import matplotlib` raise ImportError.
    for name in [m for m in sys.modules if m.split(".")[0] == "matplotlib"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(SystemExit) as excinfo:
        main(["demo", "--task", task, "--out", str(tmp_path / "figs")])
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert "pip install 'skact[plot]'" in err
    assert "pip install matplotlib" in err
    # It fails before the slow part: nothing fitted, nothing created.
    assert "fitting" not in err
    assert not (tmp_path / "figs").exists()


def test_cli_rejects_unknown_activation_with_a_clear_message(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["demo", "--activations", "swishy"])
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert "Unknown activation 'swishy'" in err
    assert "fitting" not in err


def test_python_dash_m_skact_help():
    result = subprocess.run(
        [sys.executable, "-m", "skact", "demo", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    text = " ".join(result.stdout.split())  # argparse wraps lines
    assert "circle data" in text
    assert "--out DIR" in text
    assert "--task {classification,regression}" in text
    assert "default: classification" in text
    assert REGRESSION_FIGURE_NAME in text


# ----------------------------------------------------------------------
# python -m skact demo --task regression
# ----------------------------------------------------------------------
def test_regression_demo_table_shows_linear_trend_and_nonlinear_fits():
    lines, progress = [], []
    activations = ["identity", "sigmoid", "relu", "gelu"]
    rows = run_demo(
        activations, task="regression", print=lines.append, progress=progress.append
    )
    by_name = {r["activation"]: r for r in rows}
    assert list(by_name) == activations
    # A linear map finds the sine's straight trend, about half the variance;
    # the non-linear networks get close to the noise-free function's R^2
    # (0.983 on these points), and never above it by more than a sliver.
    assert 0.35 < by_name["identity"]["cv_r2"] < 0.6
    for name in ["sigmoid", "relu", "gelu"]:
        assert 0.93 < by_name[name]["cv_r2"] < 0.99
        assert by_name[name]["cv_r2"] > by_name["identity"]["cv_r2"] + 0.3
    assert all(0 < r["cv_std"] < 0.05 for r in rows)
    assert all(r["fit_time"] > 0 for r in rows)
    table = "\n".join(lines)
    assert "R^2 0.983" in table
    assert re.search(r"^activation\s+CV R\^2\s+fit time$", table, re.M)
    assert re.search(r"^identity\s+0\.[45]\d\d ± 0\.\d{3}\s+\d+\.\d\ds$", table, re.M)
    assert re.search(r"^gelu\s+0\.9\d\d ± 0\.\d{3}\s+\d+\.\d\ds$", table, re.M)
    assert "5-fold cross-validation" in table
    assert "identity finds only the straight trend" in table
    best = max(rows, key=lambda r: r["cv_r2"])
    assert f"Best: {best['activation']} ({best['cv_r2']:.3f})." in table
    assert progress == [
        f"[{i}/4] fitting {name} (5 folds) ..."
        for i, name in enumerate(activations, start=1)
    ]
    assert "fitting" not in table


def test_regression_demo_data_are_the_circle_points_with_a_wave():
    X, y = make_wave()
    np.testing.assert_array_equal(X, make_circle()[0])
    residual = y - (np.sin(np.pi * X[:, 0]) + X[:, 1] ** 2)
    assert 0.09 < residual.std() < 0.11  # the noise


def test_cli_regression_task(capsys):
    argv = ["demo", "--task", "regression", "--activations", "tanh", "--cv", "2"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("Wave data")
    assert re.search(r"^tanh\s+0\.9\d\d", captured.out, re.M)
    assert "2-fold cross-validation" in captured.out
    assert "identity" not in captured.out  # the linear-trend remark needs its row
    assert captured.err.strip() == "[1/1] fitting tanh (2 folds) ..."
    assert not list(Path.cwd().glob(REGRESSION_FIGURE_NAME))


def test_cli_regression_out_writes_the_fitted_surfaces(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "figs"
    argv = ["demo", "--task", "regression", "--activations", "identity", "relu"]
    assert main(argv + ["--cv", "2", "--out", str(out)]) == 0
    figure = out / REGRESSION_FIGURE_NAME
    assert figure.read_bytes().startswith(PNG_SIGNATURE)
    assert not (out / FIGURE_NAME).exists()
    captured = capsys.readouterr()
    assert str(figure) in captured.out
    assert "[2/2] fitting relu on all 500 points for the figure" in captured.err

    from matplotlib.image import imread

    image = imread(figure)
    # Three panels (target, identity, relu) side by side, not a blank canvas.
    assert image.shape[1] > 1.5 * image.shape[0]
    assert image[..., :3].std() > 0.1


def test_demo_rejects_unknown_task(capsys):
    with pytest.raises(ValueError, match="Unknown task 'clustering'"):
        run_demo(["relu"], task="clustering")
    with pytest.raises(SystemExit) as excinfo:
        main(["demo", "--task", "clustering"])
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'clustering'" in err
    assert "fitting" not in err


# ----------------------------------------------------------------------
# examples/
# ----------------------------------------------------------------------
def _check_linear_collapse(ns):
    # The deep identity network and its linear equivalent agree to rounding,
    # and stay at the majority class rate at every depth; ReLU does not.
    assert ns["gap"] < 1e-10
    assert ns["accuracy"]["identity"] == [pytest.approx(ns["majority_rate"])] * 4
    assert min(ns["accuracy"]["relu"]) > 0.95


def _check_why_nonlinearity(ns):
    models, X_test, y_test = ns["models"], ns["X_test"], ns["y_test"]
    assert models["identity"].score(X_test, y_test) < ns["majority_rate"] + 0.02
    for name in ["sigmoid", "tanh", "relu", "gelu", "silu"]:
        assert models[name].score(X_test, y_test) > 0.95


def _check_grid_search(ns):
    accuracy = ns["accuracy"]
    # Width does not change a linear model; two units are too few for a disc.
    assert accuracy.loc["identity"].max() < 0.85
    assert accuracy.loc["identity"].std() < 1e-12
    assert accuracy[16].drop("identity").min() > 0.95
    assert accuracy[2].max() < 0.85
    assert ns["search"].best_score_ > 0.97


def _check_vanishing_gradients(ns):
    grad_norm = {k: v.mean(axis=0) for k, v in ns["grad_norm"].items()}
    ratio = {k: g[0] / g[-1] for k, g in grad_norm.items()}
    # The sigmoid stack's first layer gets a small fraction of the last
    # layer's gradient; ReLU and GELU keep the same order of magnitude.
    assert ratio["sigmoid"] < 0.01
    assert ratio["relu"] > 0.1 and ratio["gelu"] > 0.1
    # ... and it decays monotonically from output to input.
    assert np.all(np.diff(grad_norm["sigmoid"]) > 0)
    assert ns["models"]["sigmoid"].score(ns["X"], ns["y"]) < 0.85
    assert ns["models"]["relu"].score(ns["X"], ns["y"]) > 0.95


def _check_dying_relu(ns):
    dead = ns["dead"]
    assert dead["relu", 0.3][1] > 0.4
    assert dead["relu", 0.3][1] > 3 * dead["relu", 0.01][1]
    for activation in ["leaky_relu", "gelu"]:
        for lr in ns["learning_rates"]:
            assert max(dead[activation, lr]) < 0.05
    # The per-epoch record agrees with the statistics after training.
    history = ns["models"]["relu", 0.3].history_["dead_fraction"]
    assert history[-1][1] == pytest.approx(dead["relu", 0.3][1], abs=0.05)
    # The cost in narrow networks: the ReLU runs stuck at the majority class
    # rate are those that lost most of their second layer; leaky ReLU and
    # GELU lose no unit and none is stuck.
    narrow, majority_rate = ns["narrow"], ns["majority_rate"]
    stuck = [dead for dead, score in ns["relu_stuck"]]
    assert stuck and min(stuck) > 0.5
    for (activation, _), (dead_fraction, score) in narrow.items():
        if activation != "relu":
            assert dead_fraction == 0 and score > majority_rate


def _check_softmax_calibration(ns):
    from sklearn.metrics import log_loss

    y_test = ns["y_test"]
    # softmax of the hand-computed logits is predict_proba.
    np.testing.assert_allclose(
        ns["proba"], ns["memorizer"].predict_proba(ns["X_test"]), atol=1e-12
    )
    # The memorising network is overconfident: confidence far above accuracy.
    assert ns["confidence"].mean() > ns["memorizer"].score(ns["X_test"], y_test) + 0.1
    # Temperature scaling softens it (T > 1), keeps every prediction and
    # improves the log loss several-fold.
    assert ns["T"] > 2
    np.testing.assert_array_equal(
        ns["proba_scaled"].argmax(axis=1), ns["proba"].argmax(axis=1)
    )
    assert log_loss(y_test, ns["proba_scaled"]) < log_loss(y_test, ns["proba"]) / 3


def _check_regression_activations(ns):
    x_grid, curves, models = ns["x_grid"], ns["curves"], ns["models"]
    X, y = ns["X"], ns["y"]
    # The identity network draws the least-squares line.
    line = np.polyval(np.polyfit(x_grid, curves["identity"], 1), x_grid)
    assert np.abs(curves["identity"] - line).max() < 1e-10
    assert ns["off_line"] < 1e-10
    assert ns["slope"] == pytest.approx(ns["ls_slope"], abs=1e-3)
    assert models["identity"].score(X, y) < 0.7
    for name in ["relu", "gelu", "sigmoid"]:
        assert models[name].score(X, y) > 0.94

    # ReLU: straight between the marked kinks, and at each kink the slope
    # changes by |w_j| v_j, as the example says.
    relu, kinks = models["relu"], ns["kinks"]
    assert len(kinks) >= 3
    assert np.all((kinks >= -3) & (kinks <= 3))
    edges = np.concatenate([[-3], kinks, [3]])
    for lo, hi in zip(edges[:-1], edges[1:]):
        t = np.linspace(lo, hi, 25)
        assert np.abs(np.diff(relu.predict(t.reshape(-1, 1)), 2)).max() < 1e-9
    w = relu.coefs_[0].ravel()
    v = relu.coefs_[1].ravel()
    h = min(1e-4, np.diff(edges).min() / 3)
    for kink in kinks:
        f = relu.predict(np.array([[kink - h], [kink], [kink + h]]))
        change = (f[2] - f[1]) / h - (f[1] - f[0]) / h
        switching = ns["switch"] == kink
        assert change == pytest.approx(np.sum(np.abs(w) * v, where=switching), abs=1e-6)
        assert abs(change) > 1e-3  # a visible kink
    # GELU and the sigmoid bend smoothly: their slope changes little between
    # neighbouring grid points, where ReLU's jumps.
    slope_steps = {k: np.abs(np.diff(s)).max() for k, s in ns["slopes"].items()}
    assert slope_steps["relu"] > 0.1
    assert slope_steps["gelu"] < 0.05 and slope_steps["sigmoid"] < 0.05

    # Quantiles: each curve has about its share of points below it, on the
    # training data and on new data; the band widens with the noise.
    for q, (train, test) in ns["coverage"].items():
        assert train == pytest.approx(q, abs=0.05)
        assert test == pytest.approx(q, abs=0.05)
    assert ns["inside"] == pytest.approx(0.8, abs=0.06)
    band, x_grid = ns["band"], ns["x_grid"]
    assert np.all(band[0.1] < band[0.5]) and np.all(band[0.5] < band[0.9])
    width = band[0.9] - band[0.1]
    assert width[x_grid >= 2].mean() > 3 * width[x_grid <= -2].mean()


def _check_tune_leaky_slope(ns):
    from skact.activations import LeakyReLU

    accuracy, search = ns["accuracy"], ns["search"]
    # Slope 1 is the identity: a linear model, the same for every width.
    assert accuracy.loc[1.0].std() < 1e-12
    assert accuracy.loc[1.0].max() < ns["majority_rate"] + 0.01
    # Two units are too few for a disc; four or more with a bend suffice.
    assert accuracy[2].max() < 0.85
    assert accuracy.loc[[s for s in ns["slopes"] if s < 1], [4, 8]].min().min() > 0.9
    best = search.best_params_
    assert best["activation__negative_slope"] < 1
    assert best["hidden_layer_sizes"][0] >= 4
    assert search.best_score_ > 0.95
    # The refitted model has the best slope; the searched estimator is intact.
    assert search.best_estimator_.activation == LeakyReLU(
        best["activation__negative_slope"]
    )
    assert ns["net"].activation == LeakyReLU()
    # Per-layer naming: only the second layer's slope was searched.
    layer_search = ns["layer_search"]
    slope = layer_search.best_params_["activation__1__negative_slope"]
    assert layer_search.best_estimator_.activation == ("relu", LeakyReLU(slope))
    assert layer_search.cv_results_["mean_test_score"].min() > 0.9


def _check_onnx_export(ns):
    # onnxruntime computes skact's probabilities and labels.
    assert ns["difference"] < 1e-10
    assert ns["agree"] == 1.0
    assert ns["grid_proba"].min() >= 0 and ns["grid_proba"].max() <= 1
    assert set(ns["latency"]) == {"skact pipeline", "onnxruntime"}


def _check_progress_and_monitoring(ns):
    # One monitored score per epoch run, a useful validation score, and a
    # search that prefers a non-linear network.
    epochs = ns["epochs"]
    assert len(epochs) == ns["clf"].n_iter_
    assert epochs["validation"].max() > 0.9
    assert ns["search"].best_params_["activation"] != "identity"


EXAMPLE_CHECKS = {
    "plot_linear_collapse.py": _check_linear_collapse,
    "plot_why_nonlinearity.py": _check_why_nonlinearity,
    "plot_grid_search.py": _check_grid_search,
    "plot_vanishing_gradients.py": _check_vanishing_gradients,
    "plot_dying_relu.py": _check_dying_relu,
    "plot_softmax_calibration.py": _check_softmax_calibration,
    "plot_regression_activations.py": _check_regression_activations,
    "plot_tune_leaky_slope.py": _check_tune_leaky_slope,
    "plot_onnx_export.py": _check_onnx_export,
    "plot_progress_and_monitoring.py": _check_progress_and_monitoring,
}


# Examples of scikit-learn 1.9's callbacks (skact supports older versions).
NEEDS_SKLEARN_CALLBACK = {"plot_progress_and_monitoring.py"}


def test_every_example_check_has_its_example():
    assert set(EXAMPLE_CHECKS) <= {path.name for path in EXAMPLES}


@pytest.fixture
def pyplot(tmp_path, monkeypatch):
    """pyplot on the Agg backend in a temporary working directory; figures
    are closed afterwards."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    plt.close("all")
    yield plt
    plt.close("all")


def test_every_example_is_a_gallery_script():
    for path in EXAMPLES:
        source = path.read_text()
        assert path.name.startswith("plot_"), path.name
        # A docstring that starts with a title underlined (perhaps also
        # overlined) with =, as sphinx-gallery expects, then text and cells.
        title = re.match(r'"""\n(?:=+\n)?(.+)\n(=+)\n\n\S', source)
        assert title, f"{path.name}: no ===-underlined title"
        assert len(title[2]) >= len(title[1].strip()), path.name
        assert "# %%" in source, path.name
        assert "skact._" not in source and "from skact._" not in source, path.name


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_and_tells_its_story(path, pyplot, capsys):
    if path.name in NEEDS_SKLEARN_CALLBACK:
        pytest.importorskip(
            "sklearn.callback", reason="sklearn.callback needs scikit-learn >= 1.9"
        )
    ns = runpy.run_path(str(path), run_name="__main__")
    assert capsys.readouterr().out.strip()  # it prints its numbers
    figures = [pyplot.figure(n) for n in pyplot.get_fignums()]
    assert figures, "an example shows a figure"
    for figure in figures:
        axes = [ax for ax in figure.axes if ax.get_visible() and ax.has_data()]
        assert axes
        for ax in axes:
            if ax.get_label() == "<colorbar>":
                continue
            assert ax.get_xlabel() and ax.get_ylabel(), (path.name, ax.get_title())
    check = EXAMPLE_CHECKS.get(path.name)
    if check is not None:
        check(ns)


# ----------------------------------------------------------------------
# the code a reader copies first: README.md, the landing page
# ----------------------------------------------------------------------
def _python_blocks(path):
    """The Python code blocks of a Markdown or reStructuredText file, in order."""
    text = path.read_text()
    if path.suffix == ".md":
        return re.findall(r"^```python\n(.*?)^```", text, re.M | re.S)
    blocks = re.findall(
        r"^\.\. code-block:: python\n\n((?:[ \t]+\S.*\n|[ \t]*\n)+)", text, re.M
    )
    return [textwrap.dedent(block) for block in blocks]


@pytest.mark.parametrize(
    "name", ["README.md", "docs/index.rst"], ids=lambda name: name.split("/")[-1]
)
def test_quick_examples_run_without_a_warning(name, tmp_path, monkeypatch):
    # A first run must be clean: no ConvergenceWarning or any other warning,
    # also from the grid search's worker processes. The blocks build on each
    # other (imports, X and y), so they share one namespace.
    blocks = _python_blocks(ROOT / name)
    assert len(blocks) >= 2
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__main__"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for block in blocks:
            exec(compile(block, name, "exec"), namespace)


def test_validation_page_examples_run():
    # The >>> examples of validation.rst (routing X_val through a pipeline's
    # preprocessing) run as written and print what the page shows.
    with sklearn.config_context():  # the page switches metadata routing on
        result = doctest.testfile(
            str(ROOT / "docs" / "user_guide" / "validation.rst"),
            module_relative=False,
            optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
            raise_on_error=False,
        )
    assert result.attempted > 0
    assert result.failed == 0
