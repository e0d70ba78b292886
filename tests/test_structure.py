"""The package's structure, read from its source: no module of skact imports
another that imports it back (lazy imports inside functions included), and no
module is too long to read.

A circle makes the import order matter, hides which module owns a job, and is
what the house plan rules out ("arrows only point down").
"""

import ast
import io
import sys
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "skact"
#: The house plan's size limit: a module over this many lines of code (not
#: counting docstrings, comments and blank lines) has more than one job.
MAX_CODE_LINES = 600

MODULES = {f"skact.{path.stem}": path for path in sorted(PACKAGE.glob("*.py"))}
MODULES["skact"] = MODULES.pop("skact.__init__")


def _imported(module, node):
    """The absolute names of the modules ``node`` (an import statement in
    ``module``) imports."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level == 0:
        return [node.module]
    package = module if module == "skact" else module.rpartition(".")[0]
    base = package.rsplit(".", node.level - 1)[0]
    if node.module is not None:
        return [f"{base}.{node.module}"]
    # ``from . import a, b``: submodules where they exist, else names of the
    # package itself.
    return [
        f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
        for alias in node.names
    ]


def import_graph():
    """``{module: (skact modules, other top-level packages)}`` that each skact
    module imports anywhere in its source, inside functions too; ``skact``
    stands for the package's ``__init__``."""
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        internal, external = set(), set()
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for name in _imported(module, node):
                parts = name.split(".")
                if parts[0] != "skact":
                    external.add(parts[0])
                    continue
                # The module itself, or the package for a name defined in
                # its ``__init__``. (A package is always set up before its
                # submodules: importing one is no edge back to ``skact``.)
                for i in range(len(parts), 0, -1):
                    if ".".join(parts[:i]) in MODULES:
                        internal.add(".".join(parts[:i]))
                        break
        internal.discard(module)
        graph[module] = (internal, external)
    return graph


def skact_imports():
    """``{module: set of skact modules it imports}``."""
    return {module: found for module, (found, _) in import_graph().items()}


def find_cycle(graph):
    """One import circle as a list ``[a, b, ..., a]``, or None."""
    done, path = set(), []

    def visit(module):
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        path.append(module)
        for imported in sorted(graph[module]):
            cycle = visit(imported)
            if cycle:
                return cycle
        path.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        cycle = visit(module)
        if cycle:
            return cycle
    return None


def code_lines(source):
    """How many lines hold code: not blank, not only a comment, not part of a
    docstring (of the module, a class or a function)."""
    tree = ast.parse(source)
    docstring_lines = set()
    for node in ast.walk(tree):
        if isinstance(
            node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
        ):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                docstring_lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    skipped = {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENCODING,
        tokenize.ENDMARKER,
    }
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in skipped:
            lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - docstring_lines)


def test_finds_a_circle_and_counts_code_lines():
    # The two tools on small cases with known answers, so that the checks
    # below cannot pass by finding nothing.
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
    source = (
        '"""Module\n\ndocstring."""\n\n'
        "# a comment\n"
        "import os  # code\n\n"
        "def f(x):\n"
        '    """Doc."""\n'
        "    return (x +\n"
        "            1)\n"
    )
    assert code_lines(source) == 4  # import, def, and the two-line return


def test_lazy_imports_are_in_the_graph():
    # _onnx imports the estimators only inside functions (they import
    # skl2onnx's registry hooks lazily): the graph must still see them.
    assert "skact._classifier" in skact_imports()["skact._onnx"]


def test_no_import_circle():
    cycle = find_cycle(skact_imports())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


#: The engine's modules: arrays in, arrays out.
ENGINE = {
    "skact._numeric",
    "skact._losses",
    "skact.activations",
    "skact._engine_activation",
    "skact._network",
    "skact._layer_statistics",
    "skact._optimizers",
}


@pytest.mark.parametrize("module", sorted(ENGINE))
def test_engine_imports_only_the_engine(module):
    # The engine, losses, activations and optimizers never import the
    # estimator, scikit-learn or matplotlib (only the packages it needs to
    # compute), so they can be read, tested and reused on their own.
    internal, external = import_graph()[module]
    assert internal <= ENGINE, f"{module} imports {sorted(internal - ENGINE)}"
    others = external - set(sys.stdlib_module_names)
    assert others <= {"numpy", "scipy"}, f"{module} imports {sorted(others)}"


@pytest.mark.parametrize("module", ["skact._classifier", "skact._regressor"])
def test_fitting_never_imports_matplotlib(module):
    graph, seen, todo = import_graph(), set(), [module]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            internal, external = graph[current]
            assert "matplotlib" not in external, f"{current} imports matplotlib"
            todo.extend(internal)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_size(module):
    n = code_lines(MODULES[module].read_text(encoding="utf-8"))
    assert n <= MAX_CODE_LINES, (
        f"{module} has {n} lines of code (docstrings, comments and blank lines "
        f"not counted), over the house limit of {MAX_CODE_LINES}: split it."
    )
