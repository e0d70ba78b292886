"""scikit-learn's own MLP tests, run against skact's estimators.

This module runs ``sklearn/neural_network/tests/test_mlp.py`` from the
installed scikit-learn (the file is not copied into this repository) with
skact's estimators in place of scikit-learn's. Before the file runs, its line
``from sklearn.neural_network import MLPClassifier, MLPRegressor`` is
rewritten into ``from skact import ActivationMLPClassifier as MLPClassifier,
ActivationMLPRegressor as MLPRegressor``, so every use of the two names in the
file is skact's, the ``parametrize`` lists built when it is imported
included. Its test functions are then exposed here, under their own names,
for pytest to collect: test ids are scikit-learn's, with skact's class names
where a test is parametrized by estimator. Tracebacks point into the
installed file, and its assertions are rewritten by pytest as any test
module's are.

Two tables say what does not apply to skact, each entry with its reason
(``docs/sklearn_suite.rst`` shows them, and a test below checks that the page
and the tables agree):

``EXPECTED_FAILURES``
    Tests that read scikit-learn's private attributes (kind ``"private"``)
    or check a behaviour in which skact differs on purpose
    (``"difference"``). They run as strict xfails that must fail with the
    given exception: one that passes, or fails otherwise, fails the run.
    Entries of kind ``"BUG"`` are skact bugs awaiting a fix, listed here only
    until then.
``ALLOWED_WARNINGS``
    Tests that pass, but emit a warning that scikit-learn's estimator does
    not emit there and that this repository's settings turn into an error;
    the warning is ignored in that test only.

Everything else must pass, under this repository's pytest settings (every
warning an error).

The tables are written for scikit-learn ``SKLEARN_VERSION``. With another
version, or a scikit-learn installed without its tests, the module is skipped
with the reason. Environment variables:

``SKACT_SKLEARN_SUITE_ANY_VERSION=1``
    Run with another scikit-learn version anyway (to update the tables).
``SKACT_SKLEARN_SUITE_REFERENCE=1``
    Run the file with scikit-learn's own estimators and without the tables:
    the baseline, under this repository's settings.
``SKLEARN_TESTS_GLOBAL_RANDOM_SEED``
    The seeds of the ``global_random_seed`` fixture, as in scikit-learn
    (``42`` by default, ``all``, ``0-9`` or one seed).
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import ast
import csv
import importlib.util
import os
import types
import warnings
from pathlib import Path
from typing import NamedTuple

import pytest
import sklearn
from sklearn.exceptions import ConvergenceWarning

from skact import ActivationMLPClassifier, ActivationMLPRegressor
from skact.exceptions import DivergenceError

SKLEARN_VERSION = "1.9.1"
SUITE = "sklearn.neural_network.tests.test_mlp"
DOC = Path(__file__).parents[1] / "docs" / "sklearn_suite.rst"


def _flag(name):
    return os.environ.get(name, "") not in ("", "0")


REFERENCE = _flag("SKACT_SKLEARN_SUITE_REFERENCE")
ANY_VERSION = _flag("SKACT_SKLEARN_SUITE_ANY_VERSION")


class Expected(NamedTuple):
    """A test of the suite that fails with skact, and why."""

    kind: str  # "private", "difference" or "BUG"
    raises: type  # the exception it fails with
    reason: str


# {test id: Expected}. Test ids are pytest's, parameters included.
EXPECTED_FAILURES = {
    "test_fit": Expected(
        "private",
        AttributeError,
        "Builds a fitted model by hand from scikit-learn's private attributes "
        "(``_coef_grads``, ``_intercept_velocity``, ``_no_improvement_count``, "
        "...) and expects ``partial_fit`` to go on from them; skact keeps its "
        "own private state. Its worked example also assumes scikit-learn's "
        "single logistic output unit for two classes.",
    ),
    "test_gradient": Expected(
        "private",
        AttributeError,
        "Calls scikit-learn's private ``_loss_grad_lbfgs``. skact's gradients "
        "are checked against finite differences in ``tests/test_gradients.py``.",
    ),
    "test_n_iter_no_change": Expected(
        "private",
        AttributeError,
        "Reads scikit-learn's private ``_no_improvement_count``. Its public "
        "assertion (``n_iter_ < max_iter``) holds.",
    ),
    "test_n_iter_no_change_inf": Expected(
        "private",
        AttributeError,
        "Reads scikit-learn's private ``_no_improvement_count``. Its public "
        "assertion (``n_iter_ == max_iter``) holds.",
    ),
    "test_partial_fit_unseen_classes": Expected(
        "difference",
        AssertionError,
        "Asserts ``score > 0`` on four unscaled points after two Adam steps "
        "of 0.001, in effect on the initial weights. skact's classifier "
        "starts ReLU layers from He's bound (10 times Glorot's for this "
        "one-feature input), and "
        "with ``random_state=0`` the untrained network gets all four points "
        "wrong: score 0. scikit-learn's smaller weights predict one class "
        "everywhere: score 0.25.",
    ),
    "test_early_stopping_stratified": Expected(
        "difference",
        AssertionError,
        "Matches scikit-learn's error message down to the class it names, "
        "``['True']``: its internal encoding of a binary target. skact's "
        "message is the same up to there, but names the class as it is in "
        "``y``: ``[1]``.",
    ),
    "test_preserve_feature_names[ActivationMLPClassifier]": Expected(
        "difference",
        ValueError,
        "Fits the classifier to a target with a single class, which skact "
        'rejects ("needs samples of at least 2 classes"); scikit-learn '
        "fits it. The regressor's case runs.",
    ),
    "test_mlp_diverging_loss": Expected(
        "difference",
        DivergenceError,
        "Expects a diverging fit (learning rate 1) to finish with a NaN "
        "validation score. skact stops a diverging fit with a "
        "``DivergenceError`` and leaves the model as it was.",
    ),
}

# {test id: (warning category, reason)}
ALLOWED_WARNINGS = {
    "test_mlp_early_stopping_string_labels": (
        ConvergenceWarning,
        "With He's initialisation skact's validation accuracy starts lower "
        "and is still improving at ``max_iter=50``, so the fit ends there "
        "with a ``ConvergenceWarning``; scikit-learn's stops early after 35 "
        "epochs. scikit-learn's own test settings do not make this warning "
        "an error; the test's assertions all hold.",
    ),
}

KINDS = ("private", "difference", "BUG")


def _suite_path():
    """The installed test_mlp.py, or skip the module saying why not."""
    if sklearn.__version__ != SKLEARN_VERSION and not ANY_VERSION:
        pytest.skip(
            f"the tables of expected failures are written for scikit-learn "
            f"{SKLEARN_VERSION}, and {sklearn.__version__} is installed (set "
            "SKACT_SKLEARN_SUITE_ANY_VERSION=1 to run it anyway)",
            allow_module_level=True,
        )
    try:
        spec = importlib.util.find_spec(SUITE)
    except ImportError:
        spec = None
    if spec is None or spec.origin is None or not os.path.isfile(spec.origin):
        pytest.skip(
            f"the installed scikit-learn {sklearn.__version__} does not ship "
            f"its tests ({SUITE} not found)",
            allow_module_level=True,
        )
    return spec.origin


class _UseSkact(ast.NodeTransformer):
    """Import the two estimators from skact under scikit-learn's names."""

    NAMES = {
        "MLPClassifier": "ActivationMLPClassifier",
        "MLPRegressor": "ActivationMLPRegressor",
    }

    def __init__(self):
        self.replaced = set()

    def visit_ImportFrom(self, node):
        if node.module != "sklearn.neural_network" or node.level != 0:
            return node
        moved = [a for a in node.names if a.name in self.NAMES and a.asname is None]
        if not moved:
            return node
        self.replaced.update(a.name for a in moved)
        new = [
            ast.ImportFrom(
                module="skact",
                names=[ast.alias(self.NAMES[a.name], a.name) for a in moved],
                level=0,
            )
        ]
        kept = [a for a in node.names if a not in moved]
        if kept:
            new.insert(0, ast.ImportFrom(module=node.module, names=kept, level=0))
        return [ast.copy_location(n, node) for n in new]


def _load_suite(path):
    """Run the file at ``path`` as a new module, with skact's estimators."""
    source = Path(path).read_bytes()
    tree = ast.parse(source, filename=path)
    if not REFERENCE:
        transformer = _UseSkact()
        tree = ast.fix_missing_locations(transformer.visit(tree))
        if transformer.replaced != set(_UseSkact.NAMES):
            raise RuntimeError(
                f"{path} no longer imports MLPClassifier and MLPRegressor with "
                "`from sklearn.neural_network import ...`: update _UseSkact in "
                f"{__file__}"
            )
    try:  # pytest's assertion rewriting, for informative failures
        from _pytest.assertion.rewrite import rewrite_asserts

        rewrite_asserts(tree, source, path)
    except Exception:  # a private API of pytest; plain asserts work too
        pass
    module = types.ModuleType(SUITE + "_with_skact")
    module.__file__ = path
    exec(compile(tree, path, "exec"), module.__dict__)
    return module


_suite = _load_suite(_suite_path())
_SUITE_TESTS = {
    name: obj
    for name, obj in vars(_suite).items()
    if name.startswith("test_") and isinstance(obj, types.FunctionType)
}
if not REFERENCE:
    assert _suite.MLPClassifier is ActivationMLPClassifier
    assert _suite.MLPRegressor is ActivationMLPRegressor


def _random_seeds():
    # What scikit-learn's conftest.py gives its global_random_seed fixture.
    seeds = os.environ.get("SKLEARN_TESTS_GLOBAL_RANDOM_SEED")
    if seeds is None:
        return [42]
    if seeds == "all":
        return list(range(100))
    if "-" in seeds:
        start, stop = seeds.split("-")
        return list(range(int(start), int(stop) + 1))
    return [int(seeds)]


@pytest.fixture(params=_random_seeds())
def global_random_seed(request):
    """scikit-learn's fixture (from its conftest.py, which is not loaded)."""
    return request.param


@pytest.fixture(autouse=True)
def _apply_tables(request):
    """Mark the tests of EXPECTED_FAILURES as strict xfails; ignore the
    warnings of ALLOWED_WARNINGS."""
    name = request.node.name
    expected = None if REFERENCE else EXPECTED_FAILURES.get(name)
    if expected is not None:
        marker = pytest.mark.xfail(
            reason=f"{expected.kind}: {expected.reason}",
            raises=expected.raises,
            strict=True,
        )
        request.applymarker(marker)
    allowed = None if REFERENCE else ALLOWED_WARNINGS.get(name)
    with warnings.catch_warnings():
        if allowed is not None:
            warnings.simplefilter("ignore", allowed[0])
        yield


def _skip_in_reference_mode():
    if REFERENCE:
        pytest.skip("the tables do not apply to scikit-learn's estimators")


def test_tables_name_tests_of_the_suite(request):
    # Every entry names a test of the suite: a function of the file and, for
    # those collected in this session, one of its collected ids.
    _skip_in_reference_mode()
    here = Path(__file__).resolve()
    collected = {
        item.name
        for item in request.session.items
        if Path(str(item.path)).resolve() == here
    }
    for test_id in [*EXPECTED_FAILURES, *ALLOWED_WARNINGS]:
        function = test_id.partition("[")[0]
        assert function in _SUITE_TESTS, f"{test_id}: no such test in {SUITE}"
        if any(c.partition("[")[0] == function for c in collected):
            assert test_id in collected, f"{test_id}: no such parametrization"
    for test_id, expected in EXPECTED_FAILURES.items():
        assert expected.kind in KINDS, test_id
        assert test_id not in ALLOWED_WARNINGS, test_id


def _doc_table(title):
    """The rows of the csv-table titled ``title`` in docs/sklearn_suite.rst."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(
        i
        for i, line in enumerate(lines)
        if line.startswith(".. csv-table::") and line.endswith(title)
    )
    body = []
    for line in lines[start + 1 :]:
        if line.strip().startswith(":") or (not line.strip() and not body):
            continue  # the directive's options and the blank line after them
        if not line.startswith("   "):
            break
        body.append(line.strip())
    return list(csv.reader(body, skipinitialspace=True))


def test_doc_tables_are_these_tables():
    _skip_in_reference_mode()
    # Known bugs are listed in the tests only, until they are fixed.
    assert _doc_table("Tests that do not apply") == [
        [f"``{test_id}``", e.kind, e.raises.__name__, e.reason]
        for test_id, e in EXPECTED_FAILURES.items()
        if e.kind != "BUG"
    ]
    assert _doc_table("Warnings allowed") == [
        [f"``{test_id}``", category.__name__, reason]
        for test_id, (category, reason) in ALLOWED_WARNINGS.items()
    ]
    assert f"scikit-learn {SKLEARN_VERSION}" in DOC.read_text(encoding="utf-8")


# The suite's tests, under their own names, for pytest to collect here.
_clashes = set(_SUITE_TESTS) & set(globals())
assert not _clashes, f"tests of {SUITE} clash with this module's: {_clashes}"
globals().update(_SUITE_TESTS)
