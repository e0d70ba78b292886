"""Sphinx configuration of skact's documentation.

Build with ``sphinx-build -W --keep-going -b html docs docs/_build/html``.
Links into other projects' documentation (intersphinx) need their inventories
from the internet; set ``SKACT_DOCS_INTERSPHINX=1`` to fetch them. Without it
the build works offline and references to those projects render as plain
code, without a warning.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import os

# The gallery runs examples that plot: never open a window, also in CI.
os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from sphinx_gallery.sorting import FunctionSortKey  # noqa: E402

import skact  # noqa: E402

project = "skact"
author = "The skact developers"
copyright = "The skact developers"
release = skact.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
default_role = "literal"

# -- autodoc, autosummary, numpydoc -----------------------------------------
autosummary_generate = True
# Inherited members matter for the estimator (score, get_params, set_params
# ... from scikit-learn), not for the exceptions (with_traceback, add_note).
autodoc_default_options = {
    "members": True,
    "inherited-members": "object,BaseException",
}
autodoc_typehints = "none"
# Members are listed by autodoc (see _templates/autosummary/class.rst); the
# numpydoc tables would list them a second time.
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
# Every documented function, method and class documents its parameters, and
# nothing else (the API's contract; -W makes a failure an error).
numpydoc_validation_checks = {"PR01", "PR02", "PR03", "PR10"}

# -- intersphinx: fail-safe offline -----------------------------------------
_INTERSPHINX_PROJECTS = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable/", None),
    "scipy": ("https://docs.scipy.org/doc/scipy/", None),
    "sklearn": ("https://scikit-learn.org/stable/", None),
    "matplotlib": ("https://matplotlib.org/stable/", None),
}
_EXTERNAL_PACKAGES = ("numpy", "scipy", "sklearn", "matplotlib")
if os.environ.get("SKACT_DOCS_INTERSPHINX") == "1":
    intersphinx_mapping = _INTERSPHINX_PROJECTS
    intersphinx_timeout = 30
else:
    # Fetching an inventory without a network is a warning, and -W makes it
    # an error: offline, link nowhere.
    intersphinx_mapping = {}

# -- sphinx-gallery -----------------------------------------------------------
# The gallery tells the README's story in order: why networks need a
# non-linearity, what each activation does and where it fails, then using
# them (search, regression, big data, progress, deployment). A new example
# must be placed in this list (sorting raises ValueError for a missing one).
_GALLERY_ORDER = [
    "plot_why_nonlinearity.py",
    "plot_linear_collapse.py",
    "plot_activation_functions.py",
    "plot_vanishing_gradients.py",
    "plot_dying_relu.py",
    "plot_softmax_calibration.py",
    "plot_grid_search.py",
    "plot_tune_leaky_slope.py",
    "plot_regression_activations.py",
    "plot_out_of_core.py",
    "plot_progress_and_monitoring.py",
    "plot_onnx_export.py",
]
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Only plot_*.py are executed (and must stay fast: a few seconds each);
    # other scripts are shown with their code.
    "filename_pattern": r"/plot_",
    # list.index is picklable, so Sphinx can cache this setting.
    "within_subsection_order": FunctionSortKey(
        _GALLERY_ORDER.index, "the README's story order"
    ),
    "doc_module": ("skact",),
    "backreferences_dir": "gen_modules/backreferences",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "remove_config_comments": True,
    "write_computation_times": False,
    "show_signature": False,
    "min_reported_time": 1,
}

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skact {release}"
html_static_path = []
html_theme_options = {
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False


def _external_reference_as_text(app, env, node, contnode):
    """Offline, render references into other projects as plain text.

    Without intersphinx, ``:class:`~sklearn.base.BaseEstimator``` would be
    dangling, and so would the ``:term:`` and ``:ref:`` references to
    scikit-learn's glossary and user guide in the docstrings of the methods
    ``ActivationMLPClassifier`` inherits (``score``, ``set_params``, ...); a
    dangling ``:term:`` or ``:ref:`` is a warning even when not nitpicky.
    Returning the content node keeps the text and drops the link. References
    from skact's own text to anything else still warn.
    """
    if intersphinx_mapping:
        return None
    if "docstring of sklearn." in (node.source or ""):
        return contnode
    if node.get("refdomain") == "std" and node.get("reftype") == "term":
        return contnode
    target = node.get("reftarget", "").lstrip("~")
    if target.split(".")[0] in _EXTERNAL_PACKAGES:
        return contnode
    return None


def setup(app):
    app.connect("missing-reference", _external_reference_as_text)
