"""The command line demo and the examples run, and say what they should."""

import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from skact.__main__ import main
from skact._demo import DEMO_ACTIVATIONS, run_demo

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.py"))


def test_demo_table_shows_linear_collapse_and_nonlinear_success():
    lines = []
    rows = run_demo(["identity", "sigmoid", "relu"], print=lines.append)
    by_name = {r["activation"]: r for r in rows}
    # The circle's majority class is 81.2%; a linear model cannot do better
    # by more than a sliver, sigmoid and ReLU networks separate the disc.
    assert by_name["identity"]["cv_accuracy"] < 0.84
    assert by_name["sigmoid"]["cv_accuracy"] > 0.95
    assert by_name["relu"]["cv_accuracy"] > 0.95
    assert all(r["fit_time"] > 0 for r in rows)
    table = "\n".join(lines)
    assert re.search(r"^identity\s+0\.8\d\d ± 0\.\d{3}\s+\d+\.\d\ds$", table, re.M)
    assert re.search(r"^relu\s+0\.9\d\d ± 0\.\d{3}\s+\d+\.\d\ds$", table, re.M)


def test_demo_covers_every_builtin_activation_once():
    assert DEMO_ACTIVATIONS[0] == "identity"
    assert len(DEMO_ACTIVATIONS) == len(set(DEMO_ACTIVATIONS)) == 10
    assert "logistic" not in DEMO_ACTIVATIONS  # aliases are not repeated


def test_cli_runs_the_demo(capsys):
    assert main(["demo", "--activations", "tanh", "--cv", "2"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^tanh\s+0\.9\d\d", out, re.M)
    assert "identity" not in out  # the linear-collapse remark needs its row


def test_cli_rejects_unknown_activation_with_a_clear_message(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["demo", "--activations", "swishy"])
    assert excinfo.value.code == 2
    assert "Unknown activation 'swishy'" in capsys.readouterr().err


def test_python_dash_m_skact_help():
    result = subprocess.run(
        [sys.executable, "-m", "skact", "demo", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "circle data" in result.stdout


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(path, capsys):
    runpy.run_path(str(path), run_name="__main__")
    assert capsys.readouterr().out.strip()
