"""Determinism and thread safety.

The same ``random_state`` gives bit-identical weights whatever the solver and
options (tests/test_integration.py checks the default options; here:
shuffling with small batches, early stopping, float32, sparse input, class
weights, partial_fit sequences). Predicting from many threads at once, with
inputs split into chunks by ``working_memory``, returns exactly what the same
calls return one after another (for both estimators); fitting separate
models in threads gives exactly the weights of fitting them one by one; and
chunked prediction keeps its memory within ``working_memory``.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import tracemalloc
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skact import ActivationMLPClassifier, ActivationMLPRegressor

from _helpers import assert_same_model
from user_activations import ScaledTanh

# Few epochs on purpose: reproducibility, not convergence, is the point.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SOLVERS = ["adam", "sgd", "lbfgs"]


# Options that consume the random state in different places: the shuffling
# of every epoch, the early-stopping split, float32 arithmetic, sparse
# products, weighted losses, and user-made activations.
OPTIONS = {
    "small-batches": dict(batch_size=16),
    "no-shuffle": dict(shuffle=False, batch_size=16),
    "early-stopping": dict(early_stopping=True, validation_fraction=0.2),
    "float32": dict(),
    "sparse": dict(),
    "class-weight": dict(class_weight="balanced"),
    "user-activation": dict(
        hidden_layer_sizes=(6, 5), activation=("gelu", ScaledTanh())
    ),
}


@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("solver", SOLVERS)
def test_same_random_state_same_weights(iris_scaled, solver, option):
    X, y = iris_scaled
    if option == "float32":
        X = X.astype(np.float32)
    elif option == "sparse":
        X = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0))
    params = {"hidden_layer_sizes": (6,), "max_iter": 15, **OPTIONS[option]}
    est = ActivationMLPClassifier(solver=solver, random_state=42, **params)
    first = clone(est).fit(X, y)
    second = clone(est).fit(X, y)
    assert_same_model(first, second)
    # A RandomState instance seeded alike does the same as the int.
    third = clone(est).set_params(random_state=np.random.RandomState(42)).fit(X, y)
    assert_same_model(first, third)


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_random_state_matters(iris_scaled, solver):
    # The converse: otherwise the tests above would pass trivially.
    X, y = iris_scaled
    a, b = (
        ActivationMLPClassifier((6,), solver=solver, max_iter=5, random_state=seed)
        for seed in (0, 1)
    )
    a.fit(X, y)
    b.fit(X, y)
    assert not np.array_equal(a.coefs_[0], b.coefs_[0])


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_partial_fit_sequences_are_reproducible(iris_scaled, solver):
    X, y = iris_scaled
    models = [
        ActivationMLPClassifier((6,), solver=solver, batch_size=8, random_state=3)
        for _ in range(2)
    ]
    for model in models:
        for rows in np.array_split(np.arange(len(X)), 5):
            model.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
    assert_same_model(*models)


@pytest.mark.parametrize("solver", SOLVERS)
def test_fitting_separate_models_in_threads_gives_the_sequential_weights(
    iris_scaled, solver
):
    # Models share nothing mutable (the activation registry's objects are
    # stateless), so concurrent fits cannot disturb each other.
    X, y = iris_scaled
    estimators = [
        ActivationMLPClassifier(
            (6,), activation=act, solver=solver, max_iter=15, random_state=seed
        )
        for seed in range(3)
        for act in ["relu", "tanh"]
    ]
    sequential = [clone(e).fit(X, y) for e in estimators]
    with ThreadPoolExecutor(max_workers=len(estimators)) as pool:
        threaded = list(pool.map(lambda e: clone(e).fit(X, y), estimators))
    for a, b in zip(sequential, threaded):
        assert_same_model(a, b)


# -- concurrent prediction -------------------------------------------------------


@pytest.fixture(scope="module")
def wide_model():
    rng = np.random.RandomState(0)
    X = rng.randn(300, 5)
    y = (X[:, 0] * X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    clf = ActivationMLPClassifier(
        (64, 32), activation=("gelu", "tanh"), max_iter=20, random_state=0
    ).fit(X, y)
    return clf, rng


@pytest.fixture(scope="module")
def wide_regressor():
    # 5 -> 64 -> 32 -> 3 outputs: the same row cost as wide_model's.
    rng = np.random.RandomState(0)
    X = rng.randn(300, 5)
    Y = np.c_[X[:, 0] * X[:, 1], X[:, 2], np.sin(X[:, 3])]
    reg = ActivationMLPRegressor(
        hidden_layer_sizes=(64, 32), activation=("gelu", "tanh"), max_iter=20
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.set_params(random_state=0).fit(X, Y)
    return reg, rng


# working_memory is in MiB; a row costs 8 bytes per unit after the input
# (64 + 32 + 3 = 99 units): 1 MiB holds 1323 rows, 0.05 MiB 66 rows, so the
# larger inputs below are predicted in several chunks.
SIZES = [1, 7, 66, 67, 500, 3000]
WORKING_MEMORY = [0.05, 1, None]


def _predict(clf, method, X, working_memory):
    if working_memory is None:
        return getattr(clf, method)(X)
    # config_context is thread-local: each thread sets its own.
    with config_context(working_memory=working_memory):
        return getattr(clf, method)(X)


@pytest.mark.parametrize(
    "model, methods",
    [
        ("wide_model", ["predict_proba", "predict_log_proba", "predict"]),
        ("wide_regressor", ["predict"]),
    ],
    ids=["classifier", "regressor"],
)
def test_concurrent_predictions_equal_sequential_ones(request, model, methods):
    clf, rng = request.getfixturevalue(model)
    inputs = [rng.randn(n, 5) for n in SIZES]
    inputs += [sp.csr_matrix(np.where(np.abs(X) > 1, X, 0)) for X in inputs[-2:]]
    tasks = [
        (method, i, wm)
        for method in methods
        for i in range(len(inputs))
        for wm in WORKING_MEMORY
    ]
    expected = {t: _predict(clf, t[0], inputs[t[1]], t[2]) for t in tasks}

    def run(task):
        method, i, wm = task
        return task, _predict(clf, method, inputs[i], wm)

    # Each task three times, in an order that interleaves sizes and methods.
    order = [tasks[j % len(tasks)] for j in rng.permutation(3 * len(tasks))]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, order))
    for task, result in results:
        assert len(result) == inputs[task[1]].shape[0]
        assert_array_equal(result, expected[task], err_msg=str(task))


def test_chunked_predictions_equal_unchunked_ones(wide_model):
    # Chunks change only how many rows one matrix product sees, and BLAS
    # may sum in another order for another shape: equal to rounding.
    clf, rng = wide_model
    X = rng.randn(3000, 5)
    whole = clf.predict_proba(X)
    for wm in [0.05, 1]:
        with config_context(working_memory=wm):
            assert_allclose(clf.predict_proba(X), whole, rtol=1e-12, atol=1e-15)


# -- memory ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def deep_regressor():
    # 5 -> 256 -> 256 -> 1: a float64 row costs 8 * 513 bytes after the input
    # (about 4 KiB), so 20,000 rows predicted in one piece would need 82 MB.
    rng = np.random.RandomState(0)
    X = rng.randn(300, 5)
    reg = ActivationMLPRegressor(
        hidden_layer_sizes=(256, 256),
        activation=("relu", "tanh"),
        max_iter=5,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return reg.fit(X, X[:, 0] * X[:, 1] + X[:, 2])


@pytest.mark.parametrize("working_memory, budget_mib", [(1, 1), (None, 16)])
def test_prediction_memory_is_bounded(deep_regressor, working_memory, budget_mib):
    # Chunks of at most min(working_memory, 16 MiB) of hidden values; on top
    # of that only the output (160 kB) and small per-chunk temporaries
    # (measured: 0.07 MiB). A quarter MiB of slack; unchunked, the peak
    # would be 82 MB.
    reg = deep_regressor
    X = np.random.RandomState(1).randn(20_000, 5)
    config = {} if working_memory is None else {"working_memory": working_memory}
    with config_context(**config):
        reg.predict(X[:10])  # warm caches outside the measurement
        tracemalloc.start()
        try:
            prediction = reg.predict(X)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    limit = (budget_mib + 0.25) * 2**20 + prediction.nbytes
    assert peak < limit, (peak - prediction.nbytes) / 2**20
    # Chunks change only how many rows one product sees: equal to rounding.
    h = np.maximum(X[:3000] @ reg.coefs_[0] + reg.intercepts_[0], 0)
    h = np.tanh(h @ reg.coefs_[1] + reg.intercepts_[1])
    by_hand = (h @ reg.coefs_[2] + reg.intercepts_[2]).ravel()
    assert_allclose(prediction[:3000], by_hand, rtol=1e-11, atol=1e-12)
