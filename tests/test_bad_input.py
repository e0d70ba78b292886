"""Bad input and bad parameters fail at once, clearly, and change nothing.

``BAD_INPUT`` is the table of docs/trust.rst ("What bad input raises"), row for
row: :func:`test_trust_doc_table_is_this_table` checks that the two are the
same, and :func:`test_bad_input_raises_a_clear_error` runs each row's
*Example* verbatim, so the documentation cannot drift from the behaviour.

Each example runs with these names:

``X``
    A fresh float64 array of shape (30, 3), standard normal.
``y``
    Labels ``0, 1, 2, 0, 1, 2, ...`` (three classes).
``clf``
    ``ActivationMLPClassifier((4,), max_iter=5, random_state=0)``, either
    unfitted or fitted on ``(X, y)``, as the row's ``when`` says.
``np``, ``sp``
    NumPy and ``scipy.sparse``; ``RowSum`` is a user-made activation whose
    ``forward`` returns one value per row instead of one per unit.

Besides the error itself, every row checks what a failed call leaves behind:
an unfitted estimator stays unfitted, a fitted one keeps exactly its state
(every fitted attribute, the optimizer's moments included) and predicts
exactly as before.

After the table: the classifier's and the regressor's own bad arguments
(classes, class weights, parameters, losses, output counts), named
``test_bad_input_*`` like the table's tests. Bad sample weights and labels
are in tests/test_robustness.py, bad validation data in
tests/test_validation_data.py, all named the same way.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import csv
import re
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted

from skact import ActivationMLPClassifier, ActivationMLPRegressor
from skact.activations import Activation

from _helpers import fitted_state, zero_weights_message

TRUST_DOC = Path(__file__).parents[1] / "docs" / "trust.rst"
TABLE_TITLE = "What bad input raises"


class RowSum(Activation):
    """A broken user activation: one value per row, not one per unit."""

    name = "row_sum"

    def forward(self, z):
        return z.sum(axis=1)

    def derivative(self, z, a):
        return np.ones_like(z)


class NaNAbove(Activation):
    """A broken user activation: NaN above 2."""

    def forward(self, z):
        return np.where(z > 2, np.nan, z)

    def derivative(self, z, a):
        return np.ones_like(z)


class ComplexSlope(Activation):
    """A broken user activation: a complex derivative."""

    def forward(self, z):
        return z

    def derivative(self, z, a):
        return np.ones_like(z) + 0j


class Case(NamedTuple):
    case: str
    example: str
    error: str
    fragment: str
    # "both": the call fails on an unfitted and on a fitted ``clf``;
    # "fitted" / "unfitted": it only makes sense (or only fails) on one.
    when: str = "both"


# fmt: off
BAD_INPUT = [
    # -- X --------------------------------------------------------------------
    Case("NaN in X", "X[0, 0] = np.nan; clf.fit(X, y)",
         "ValueError", "Input X contains NaN"),
    Case("Infinity in X", "X[0, 0] = -np.inf; clf.fit(X, y)",
         "ValueError", "Input X contains infinity"),
    Case("NaN in sparse X", "X[0, 0] = np.nan; clf.fit(sp.csr_matrix(X), y)",
         "ValueError", "Input X contains NaN"),
    Case("X with one dimension", "clf.fit(X[:, 0], y)",
         "ValueError", "Expected 2D array, got 1D array"),
    Case("X with three dimensions", "clf.fit(X[:, :, None], y)",
         "ValueError", "Found array with dim 3"),
    Case("X without rows", "clf.fit(X[:0], y[:0])",
         "ValueError", "Found array with 0 sample(s)"),
    Case("X without columns", "clf.fit(X[:, :0], y)",
         "ValueError", "Found array with 0 feature(s)"),
    Case("Strings in X", "clf.fit(np.full((30, 3), 'a'), y)",
         "ValueError", "could not convert string to float"),
    Case("Objects in X", "clf.fit(np.full((30, 3), object()), y)",
         "TypeError", "float() argument must be"),
    Case("Complex X", "clf.fit(X + 1j, y)",
         "ValueError", "Complex data not supported"),
    Case("X and y of different lengths", "clf.fit(X, y[:-1])",
         "ValueError", "inconsistent numbers of samples: [30, 29]"),
    Case("Wrong number of features, refit with warm_start",
         "clf.set_params(warm_start=True).fit(X[:, :2], y)",
         "ValueError", "X has 2 features, but ActivationMLPClassifier is "
         "expecting 3 features", "fitted"),
    # -- y --------------------------------------------------------------------
    Case("Continuous target", "clf.fit(X, X[:, 0])",
         "ValueError", "Unknown label type: continuous"),
    Case("NaN label", "clf.fit(X, np.where(y == 0, np.nan, y))",
         "ValueError", "Input y contains NaN"),
    Case("Missing (None) label", "clf.fit(X, np.array(['a', 'b', None] * 10))",
         "TypeError", "y mixes labels of types ['NoneType', 'str']"),
    Case("Labels of mixed types",
         "clf.fit(X, np.array(['a', 'b', 1] * 10, dtype=object))",
         "TypeError", "y mixes labels of types ['int', 'str']"),
    Case("Complex labels", "clf.fit(X, y + 1j)",
         "ValueError", "Complex data not supported"),
    Case("No target", "clf.fit(X, None)",
         "ValueError", "requires y to be passed"),
    Case("A single class", "clf.fit(X, np.zeros(30))",
         "ValueError", "needs samples of at least 2 classes"),
    Case("Multiclass-multioutput target", "clf.fit(X, np.c_[y, y])",
         "ValueError", "got a multiclass-multioutput target"),
    Case("Multilabel target not 0/1", "clf.fit(X, np.c_[y > 0, y > 1] * 2)",
         "ValueError", "must hold only 0 and 1"),
    Case("New classes, refit with warm_start",
         "clf.set_params(warm_start=True).fit(X, y % 2)",
         "ValueError", "same classes as in the previous call", "fitted"),
    # -- sample_weight --------------------------------------------------------
    Case("Negative sample weight", "clf.fit(X, y, sample_weight=-np.ones(30))",
         "ValueError", "Negative values in data passed to `sample_weight`"),
    Case("NaN sample weight",
         "clf.fit(X, y, sample_weight=np.full(30, np.nan))",
         "ValueError", "Input sample_weight contains NaN"),
    Case("sample_weight of the wrong length",
         "clf.fit(X, y, sample_weight=np.ones(29))",
         "ValueError", "sample_weight.shape == (29,), expected (30,)"),
    Case("Sample weights that are all 0", "clf.fit(X, y, sample_weight=np.zeros(30))",
         "ValueError", "Sample weights must contain at least one non-zero number"),
    Case("Sample weights summing to infinity",
         "clf.fit(X, y, sample_weight=np.full(30, 1e308))",
         "ValueError", "sample_weight sums to infinity"),
    Case("Subnormal sample weights",
         "clf.fit(X, y, sample_weight=np.full(30, 1e-320))",
         "ValueError", "sample_weight holds weights as small as 1e-320"),
    Case("Early stopping split with zero weight",
         "clf.set_params(early_stopping=True, validation_fraction=0.2)"
         ".fit(X, y, sample_weight=np.r_[np.ones(3), np.zeros(27)])",
         "ValueError", "early stopping's validation split has weight 0"),
    # -- validation data ------------------------------------------------------
    Case("X_val without y_val", "clf.fit(X, y, X_val=X)",
         "ValueError", "X_val and y_val must be given together"),
    Case("Unknown classes in y_val", "clf.fit(X, y, X_val=X, y_val=y + 3)",
         "ValueError", "y_val has classes [3 4 5] that are not in y's classes"),
    Case("X_val with other features", "clf.fit(X, y, X_val=X[:, :2], y_val=y)",
         "ValueError", "Invalid validation data (X_val, y_val): X has 2 features"),
    # -- partial_fit ----------------------------------------------------------
    Case("partial_fit first call without classes", "clf.partial_fit(X, y)",
         "ValueError", "classes must be passed on the first call",
         "unfitted"),
    Case("NaN among classes",
         "clf.partial_fit(X, y, classes=[0, 1, 2, np.nan])",
         "ValueError", "classes must not contain NaN"),
    Case("Only one class in classes", "clf.partial_fit(X, y, classes=[0])",
         "ValueError", "but classes contains only one class", "unfitted"),
    Case("No classes at all", "clf.partial_fit(X, y, classes=[])",
         "ValueError", "but classes contains no class at all", "unfitted"),
    Case("classes as a set", "clf.partial_fit(X, y, classes={0, 1, 2})",
         "TypeError", "classes must be a 1-d array-like"),
    Case("Label not among classes",
         "clf.partial_fit(X, y + 1, classes=[0, 1, 2])",
         "ValueError", "`y` has classes [3] that are not in classes_"),
    Case("Different classes in a later call",
         "clf.partial_fit(X, y, classes=[0, 1, 2, 3])",
         "ValueError", "is not the same as on the last call", "fitted"),
    Case("Wrong number of features in partial_fit",
         "clf.partial_fit(X[:, :2], y)",
         "ValueError", "X has 2 features, but ActivationMLPClassifier is "
         "expecting 3 features", "fitted"),
    Case("partial_fit with early_stopping",
         "clf.set_params(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])",
         "ValueError", "partial_fit does not support early_stopping=True"),
    Case("partial_fit with class_weight='balanced'",
         "clf.set_params(class_weight='balanced')"
         ".partial_fit(X, y, classes=[0, 1, 2])",
         "ValueError", "class_weight='balanced' is not supported by partial_fit"),
    # -- predict, predict_proba, predict_log_proba, score -----------------------
    Case("Predict before fit", "clf.predict(X)",
         "NotFittedError", "is not fitted yet", "unfitted"),
    Case("Wrong number of features", "clf.predict(X[:, :2])",
         "ValueError", "X has 2 features, but ActivationMLPClassifier is "
         "expecting 3 features", "fitted"),
    Case("Wrong number of features (sparse)",
         "clf.predict_proba(sp.csr_matrix(np.c_[X, X]))",
         "ValueError", "X has 6 features, but ActivationMLPClassifier is "
         "expecting 3 features", "fitted"),
    Case("NaN in X at predict time", "X[0, 0] = np.nan; clf.predict_proba(X)",
         "ValueError", "Input X contains NaN", "fitted"),
    Case("Infinity in X at predict time",
         "X[0, 0] = np.inf; clf.predict_log_proba(X)",
         "ValueError", "Input X contains infinity", "fitted"),
    Case("Input overflowing the network at predict time",
         "clf.predict_proba(np.full((1, 3), np.finfo(float).max))",
         "ValueError", "The network's output overflowed for 1 of 1 samples",
         "fitted"),
    Case("One sample as a 1-D array", "clf.predict_proba(X[0])",
         "ValueError", "Expected 2D array, got 1D array", "fitted"),
    Case("Complex X at predict time", "clf.predict(X + 1j)",
         "ValueError", "Complex data not supported", "fitted"),
    Case("NaN in X when scoring", "X[0, 0] = np.nan; clf.score(X, y)",
         "ValueError", "Input X contains NaN", "fitted"),
    # -- parameters -----------------------------------------------------------
    Case("Unknown activation", "clf.set_params(activation='swishy').fit(X, y)",
         "ValueError", "Unknown activation 'swishy'"),
    Case("Activation neither a name nor an object",
         "clf.set_params(activation=3).fit(X, y)",
         "ValueError", "The 'activation' parameter"),
    Case("Per-layer activations, wrong number",
         "clf.set_params(activation=('relu', 'tanh')).fit(X, y)",
         "ValueError", "activation has 2 entries but there are 1 hidden layers"),
    Case("Per-layer activation not an activation",
         "clf.set_params(hidden_layer_sizes=(4, 4), activation=['relu', 3])"
         ".fit(X, y)",
         "TypeError", "An activation must be a name or an object"),
    Case("User activation returning the wrong shape",
         "clf.set_params(activation=RowSum()).fit(X, y)",
         "ValueError", "forward returned an array of shape (30,)"),
    Case("User activation returning NaN",
         "clf.set_params(activation=NaNAbove()).fit(X, y)",
         "ValueError", "Activation 'NaNAbove': forward returned NaN or infinite"),
    Case("User activation with a complex derivative",
         "clf.set_params(activation=ComplexSlope()).fit(X, y)",
         "TypeError", "Activation 'ComplexSlope': derivative returned complex128"),
    Case("Layers too large for the machine's memory",
         "clf.set_params(hidden_layer_sizes=(10**9,)).fit(X, y)",
         "ValueError", "hidden_layer_sizes=(1000000000,) needs about"),
    Case("Layer of size 0", "clf.set_params(hidden_layer_sizes=(4, 0)).fit(X, y)",
         "ValueError", "hidden_layer_sizes must be positive integers"),
    Case("Negative layer size",
         "clf.set_params(hidden_layer_sizes=(-4,)).fit(X, y)",
         "ValueError", "hidden_layer_sizes must be positive integers"),
    Case("Fractional layer size",
         "clf.set_params(hidden_layer_sizes=(3.5,)).fit(X, y)",
         "ValueError", "hidden_layer_sizes must be positive integers"),
    Case("No layer sizes", "clf.set_params(hidden_layer_sizes=None).fit(X, y)",
         "ValueError", "The 'hidden_layer_sizes' parameter"),
    Case("Changed layers, refit with warm_start",
         "clf.set_params(warm_start=True, hidden_layer_sizes=(5,)).fit(X, y)",
         "ValueError", "differs from the fitted network's (4,)", "fitted"),
    Case("Unknown solver", "clf.set_params(solver='newton').fit(X, y)",
         "ValueError", "The 'solver' parameter"),
    Case("Negative alpha", "clf.set_params(alpha=-1.0).fit(X, y)",
         "ValueError", "The 'alpha' parameter"),
    Case("NaN alpha", "clf.set_params(alpha=np.nan).fit(X, y)",
         "ValueError", "The 'alpha' parameter"),
    Case("Zero learning rate", "clf.set_params(learning_rate_init=0.0).fit(X, y)",
         "ValueError", "The 'learning_rate_init' parameter"),
    Case("Unknown learning-rate schedule",
         "clf.set_params(learning_rate='optimal').fit(X, y)",
         "ValueError", "The 'learning_rate' parameter"),
    Case("Zero batch size", "clf.set_params(batch_size=0).fit(X, y)",
         "ValueError", "The 'batch_size' parameter"),
    Case("Zero max_iter", "clf.set_params(max_iter=0).fit(X, y)",
         "ValueError", "The 'max_iter' parameter"),
    Case("Momentum above 1", "clf.set_params(momentum=1.5).fit(X, y)",
         "ValueError", "The 'momentum' parameter"),
    Case("beta_2 of 1", "clf.set_params(beta_2=1.0).fit(X, y)",
         "ValueError", "The 'beta_2' parameter"),
    Case("validation_fraction of 1",
         "clf.set_params(validation_fraction=1.0).fit(X, y)",
         "ValueError", "The 'validation_fraction' parameter"),
    Case("early_stopping without validation data",
         "clf.set_params(early_stopping=True, validation_fraction=0.0).fit(X, y)",
         "ValueError", "early_stopping=True needs validation_fraction > 0"),
    Case("Unknown class_weight", "clf.set_params(class_weight='balance').fit(X, y)",
         "ValueError", "The 'class_weight' parameter"),
    Case("class_weight for an absent label",
         "clf.set_params(class_weight={7: 2.0}).fit(X, y)",
         "ValueError", "Invalid class_weight={7: 2.0}"),
    Case("Negative class weight",
         "clf.set_params(class_weight={0: -1.0}).fit(X, y)",
         "ValueError", "class_weight must give every class a finite, non-negative"),
    Case("NaN class weight", "clf.set_params(class_weight={0: np.nan}).fit(X, y)",
         "ValueError", "class_weight must give every class a finite, non-negative"),
    Case("Every class weight 0",
         "clf.set_params(class_weight={0: 0, 1: 0, 2: 0}).fit(X, y)",
         "ValueError", "Every sample has weight 0"),
    Case("class_weight with a multilabel target",
         "clf.set_params(class_weight={0: 2.0}).fit(X, np.c_[y > 0, y > 1])",
         "ValueError", "class_weight is not supported for multilabel targets"),
]
# fmt: on

ERRORS = {"ValueError": ValueError, "TypeError": TypeError}
ERRORS["NotFittedError"] = NotFittedError


def _data():
    X = np.random.RandomState(0).randn(30, 3)
    y = np.arange(30) % 3
    return X, y


def _estimator(fitted):
    clf = ActivationMLPClassifier((4,), max_iter=5, random_state=0)
    if fitted:
        with warnings.catch_warnings():
            # Five epochs: a model to break, not a converged one.
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(*_data())
    return clf


def _run(example, clf):
    X, y = _data()
    namespace = {
        "X": X,
        "y": y,
        "clf": clf,
        "np": np,
        "sp": sp,
        "RowSum": RowSum,
        "NaNAbove": NaNAbove,
        "ComplexSlope": ComplexSlope,
    }
    exec(example, namespace)


def _fragment(case):
    # The table shows scikit-learn >= 1.8's message for all-zero weights;
    # older versions give skact's own.
    if case.case == "Sample weights that are all 0":
        return zero_weights_message()
    return case.fragment


def _cases(state):
    return [
        pytest.param(case, id=case.case)
        for case in BAD_INPUT
        if case.when in ("both", state)
    ]


@pytest.mark.parametrize("case", _cases("unfitted"))
def test_bad_input_raises_a_clear_error_and_leaves_an_unfitted_model_unfitted(
    case,
):
    clf = _estimator(fitted=False)
    with pytest.raises(ERRORS[case.error], match=re.escape(_fragment(case))):
        _run(case.example, clf)
    # Nothing but the parameters: no half-fitted attributes.
    assert set(vars(clf)) == set(clf.get_params(deep=False))
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


@pytest.mark.parametrize("case", _cases("fitted"))
def test_bad_input_raises_a_clear_error_and_leaves_a_fitted_model_as_it_was(case):
    clf = _estimator(fitted=True)
    X, _ = _data()
    proba, state = clf.predict_proba(X), fitted_state(clf)
    with pytest.raises(ERRORS[case.error], match=re.escape(_fragment(case))):
        _run(case.example, clf)
    assert fitted_state(clf) == state
    assert_array_equal(clf.predict_proba(X), proba)


def _doc_table():
    """The rows of the csv-table titled TABLE_TITLE in docs/trust.rst."""
    lines = TRUST_DOC.read_text(encoding="utf-8").splitlines()
    start = next(
        i
        for i, line in enumerate(lines)
        if line.startswith(".. csv-table::") and TABLE_TITLE in line
    )
    body = []
    for line in lines[start + 1 :]:
        if line.strip().startswith(":") or (not line.strip() and not body):
            continue  # the directive's options and the blank line after them
        if not line.startswith("   "):
            break
        body.append(line.strip())
    rows = list(csv.reader(body, skipinitialspace=True))

    def literal(cell):
        return cell[2:-2] if cell.startswith("``") and cell.endswith("``") else cell

    table = []
    for case, example, raises in rows:
        error, fragment = raises.split(": ", 1)  # "ValueError: ``fragment``"
        table.append((case, literal(example), error, literal(fragment)))
    return table


def test_trust_doc_table_is_this_table():
    assert _doc_table() == [(c.case, c.example, c.error, c.fragment) for c in BAD_INPUT]


def test_every_case_is_tested_in_some_state():
    assert {c.when for c in BAD_INPUT} <= {"both", "fitted", "unfitted"}
    assert len({c.case for c in BAD_INPUT}) == len(BAD_INPUT)


# Five epochs on purpose: warm_start must start from a fitted model.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("method", ["warm_start", "partial_fit"])
def test_failed_continued_training_changes_nothing_and_training_goes_on(method):
    # After a failed call, continuing gives exactly what continuing without
    # the failed call gives: the optimizer state was not touched either.
    X, y = _data()
    clf, twin = _estimator(fitted=True), _estimator(fitted=True)
    X_bad = X.copy()
    X_bad[3, 1] = np.nan
    for model in (clf, twin):
        model.set_params(warm_start=True)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.fit(X_bad, y) if method == "warm_start" else clf.partial_fit(X_bad, y)
    for model in (clf, twin):
        model.fit(X, y) if method == "warm_start" else model.partial_fit(X, y)
    for a, b in zip(clf.coefs_ + clf.intercepts_, twin.coefs_ + twin.intercepts_):
        assert_array_equal(a, b)
    assert clf.loss_curve_ == twin.loss_curve_


class Exploding(Activation):
    """A user activation that fails in the middle of training."""

    def __init__(self, calls_before_failure=2):
        self.calls_before_failure = calls_before_failure

    def forward(self, z):
        self.calls_before_failure -= 1
        if self.calls_before_failure < 0:
            raise RuntimeError("the user's activation failed")
        return np.tanh(z)

    def derivative(self, z, a):
        return 1 - a * a


@pytest.mark.parametrize("fitted", [False, True])
def test_an_exception_from_a_user_activation_changes_nothing(fitted):
    X, y = _data()
    clf = _estimator(fitted)
    state = fitted_state(clf)
    proba = clf.predict_proba(X) if fitted else None
    with pytest.raises(RuntimeError, match="the user's activation failed"):
        clf.set_params(activation=Exploding(), warm_start=True).fit(X, y)
    assert fitted_state(clf) == state
    if fitted:
        assert_array_equal(clf.predict_proba(X), proba)
    else:
        assert set(vars(clf)) == set(clf.get_params(deep=False))


def test_mixed_str_labels_from_numpy_and_python_are_fine():
    # np.str_ and str compare with each other: not a mix of types.
    X, y = _data()
    labels = np.array([np.str_("a"), "b", "c"] * 10, dtype=object)
    clf = ActivationMLPClassifier((3,), solver="lbfgs", max_iter=500, random_state=0)
    assert_array_equal(clf.fit(X, labels).classes_, ["a", "b", "c"])


# Few epochs on purpose.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_float64_input_beyond_a_float32_model_range_is_refused():
    # A float32 model casts float64 input to float32: 1e39 would become inf
    # and the probabilities NaN. It must be refused like inf itself.
    X, y = _data()
    clf = ActivationMLPClassifier((4,), max_iter=5, random_state=0)
    clf.fit(X.astype(np.float32), y)
    X_big = X.copy()
    X_big[0, 0] = 1e39
    with pytest.raises(ValueError, match="too large for float32"):
        clf.predict_proba(X_big)


# Few epochs on purpose.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_plain_arrays_predict_as_any_other_form_of_the_same_data():
    # Prediction takes a shortcut for plain finite float arrays; every form
    # of the same numbers predicts the same (the list goes scikit-learn's
    # long way), and bad input fails with the same error either way.
    X, y = _data()
    clf = ActivationMLPClassifier((4,), max_iter=5, random_state=0).fit(X, y)
    inputs = {
        "C order": X,
        "F order": np.asfortranarray(X),
        "strided view": np.c_[X, X][::2, ::2],
        "float32": X.astype(np.float32),
        "int": np.arange(9).reshape(3, 3),
        "swapped byte order": X.astype(X.dtype.newbyteorder()),
    }
    for name, data in inputs.items():
        as_list = np.asarray(data, dtype=np.float64).tolist()
        assert_array_equal(clf.predict_proba(data), clf.predict_proba(as_list), name)
        assert_array_equal(clf.predict(data), clf.predict(as_list), name)
    huge = np.full((2, 3), 1e308)  # finite, but its sum overflows
    for form in (huge, huge.tolist()):  # both ways: the forward pass overflows
        with pytest.raises(ValueError, match="output overflowed for 2 of 2"):
            clf.predict_proba(form)

    bad = {
        "0 sample": X[:0],
        "NaN": np.where(X > 1, np.nan, X),
        "infinity": np.where(X > 1, np.inf, X),
        "4 features": np.c_[X, X[:, :1]],
        "1D": X[:, 0],
    }
    for match, data in bad.items():
        messages = []
        # Swapped byte order: the same array, sent scikit-learn's long way.
        for form in (data, data.astype(data.dtype.newbyteorder())):
            with pytest.raises(ValueError, match=match) as error:
                clf.predict_proba(form)
            messages.append(str(error.value))
        assert messages[0] == messages[1], match


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_parameters_are_checked_as_scikit_learn_checks_them():
    # scikit-learn's fit context: fit checks the parameters on every call;
    # partial_fit on its first call, not again on a fitted model (a check
    # costs ~0.3 ms a call); skip_parameter_validation skips the check.
    from sklearn import config_context
    from sklearn.utils._param_validation import InvalidParameterError

    X, y = _data()
    clf = ActivationMLPClassifier((4,), alpha=-1.0, random_state=0)
    calls = (lambda: clf.fit(X, y), lambda: clf.partial_fit(X, y, classes=[0, 1, 2]))
    for call in calls:
        with pytest.raises(InvalidParameterError, match="'alpha' parameter"):
            call()
        assert not hasattr(clf, "coefs_")

    clf.set_params(alpha=1e-3).partial_fit(X, y, classes=[0, 1, 2])
    clf.set_params(max_iter=-1)
    state = fitted_state(clf)
    with pytest.raises(InvalidParameterError, match="'max_iter' parameter"):
        clf.fit(X, y)
    assert fitted_state(clf) == state

    # In place, a dict stays a dict: its values are checked where they are
    # used, on every call.
    clf.set_params(max_iter=5, class_weight={0: 1.0, 1: 1.0, 2: 1.0})
    clf.partial_fit(X, y)
    clf.class_weight[0] = -1.0
    with pytest.raises(ValueError, match="class_weight"):
        clf.partial_fit(X, y)

    # Told to skip the check, fit runs with what it is given.
    with config_context(skip_parameter_validation=True):
        ActivationMLPClassifier((4,), solver="sgd", momentum=1.5, max_iter=1).fit(X, y)


def test_continued_training_on_a_plain_array_checks_y_and_lengths():
    # After the first call, partial_fit (and a warm start) on a plain finite
    # float array takes a shortcut for X; it trains exactly as the long way
    # (a list), and y and the lengths are still checked.
    X, y = _data()
    clf = ActivationMLPClassifier((4,), random_state=0)
    clf.partial_fit(X, y, classes=[0, 1, 2])
    twin = ActivationMLPClassifier((4,), random_state=0)
    twin.partial_fit(X, y, classes=[0, 1, 2])
    clf.partial_fit(X, y)
    twin.partial_fit(X.tolist(), y)  # the long way: a list
    for a, b in zip(clf.coefs_ + clf.intercepts_, twin.coefs_ + twin.intercepts_):
        assert_array_equal(a, b)

    state = fitted_state(clf)
    with pytest.raises(ValueError, match="Input y contains NaN"):
        clf.partial_fit(X, np.where(y == 0, np.nan, y))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.partial_fit(X, y[:-1])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.partial_fit(np.where(X > 1, np.nan, X), y)
    assert fitted_state(clf) == state


# -- the classifier's own arguments ------------------------------------------


def test_bad_input_partial_fit_without_classes_or_with_new_ones(iris_raw):
    X, y = iris_raw
    clf = ActivationMLPClassifier((4,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert_array_equal(clf.classes_, [0, 1, 2])
    with pytest.raises(ValueError, match="not the same"):
        clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"classes \[5\]"):
        clf.partial_fit(X[:3], [0, 1, 5])


def test_bad_input_class_weight_unknown_labels_or_multilabel(iris_raw):
    X, y = iris_raw
    with pytest.raises(ValueError, match="class_weight"):
        ActivationMLPClassifier(class_weight={7: 2.0}, max_iter=5).fit(X, y)
    Y = np.c_[y == 0, y == 1].astype(int)
    with pytest.raises(ValueError, match="multilabel"):
        ActivationMLPClassifier(class_weight={0: 1}, max_iter=5).fit(X, Y)
    with pytest.raises(ValueError, match="partial_fit"):
        ActivationMLPClassifier(class_weight="balanced").partial_fit(
            X, y, classes=[0, 1, 2]
        )


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(activation="swishy"), "activation"),
        (dict(activation="swishy", hidden_layer_sizes=()), "swishy"),
        (dict(activation=("relu",), hidden_layer_sizes=(3, 3)), "2 hidden layers"),
        (dict(activation=("relu", "nope"), hidden_layer_sizes=(3, 3)), "nope"),
        (dict(hidden_layer_sizes=(3, 0)), "positive integers"),
        (dict(hidden_layer_sizes=0), "hidden_layer_sizes"),
        (dict(alpha=-1.0), "alpha"),
        (dict(learning_rate_init=0.0), "learning_rate_init"),
        (dict(class_weight="balance"), "class_weight"),
        (dict(solver="newton"), "solver"),
        (dict(activation=object()), "activation"),
    ],
)
def test_bad_input_parameters_raise_clear_errors(iris_raw, params, message):
    X, y = iris_raw
    with pytest.raises((ValueError, TypeError), match=message):
        ActivationMLPClassifier(max_iter=5, **params).fit(X, y)


def test_bad_input_single_class_is_an_error():
    with pytest.raises(ValueError, match="at least 2 classes"):
        ActivationMLPClassifier().fit([[0.0], [1.0]], [1, 1])


# -- the regressor's own arguments -------------------------------------------


@pytest.mark.parametrize(
    "params, fit_args, message",
    [
        (dict(loss="poisson"), "negative y", "non-negative targets"),
        (dict(loss="absolute_error", solver="lbfgs"), None, "L-BFGS needs a smooth"),
        (dict(loss="quantile", solver="lbfgs"), None, "L-BFGS needs a smooth"),
        (dict(loss="huber"), None, "'loss' parameter"),
        (dict(loss="quantile", quantile=1.0), None, "'quantile' parameter"),
        (dict(loss="quantile", quantile=0.0), None, "'quantile' parameter"),
        (dict(warm_start=True, hidden_layer_sizes=(5,)), None, "differs from"),
        (dict(warm_start=True), "3 outputs", "y has 3 output"),
        (dict(warm_start=True), "2 features", "X has 2 features"),
        (dict(), "NaN in y", "Input y contains NaN"),
    ],
)
def test_bad_input_to_the_regressor_raises_clearly_and_changes_nothing(
    wavy, params, fit_args, message
):
    X, y = wavy
    reg = ActivationMLPRegressor(
        hidden_layer_sizes=(4,), solver="lbfgs", random_state=0
    )
    reg.fit(X, y)
    state, prediction = fitted_state(reg), reg.predict(X)
    bad_X, bad_y = {
        None: (X, y),
        "negative y": (X, y),  # wavy's y takes both signs
        "3 outputs": (X, np.c_[y, y, y]),
        "2 features": (X[:, :2], y),
        "NaN in y": (X, np.where(y > 1, np.nan, y)),
    }[fit_args]
    with pytest.raises(ValueError, match=message):
        reg.set_params(**params).fit(bad_X, bad_y)
    assert fitted_state(reg) == state
    assert_array_equal(reg.predict(X), prediction)
