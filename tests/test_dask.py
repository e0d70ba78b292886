"""Dask: grid search on a distributed cluster, and out-of-core training with
dask-ml's ``Incremental``.

The cluster runs in this process (``processes=False``): scheduler and
workers talk over dask's in-process transport, with no dashboard, so it
starts in about a second and opens no network port at all. Skipped when
dask, distributed or dask-ml is not installed or cannot be imported.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.model_selection import GridSearchCV

from skact import ActivationMLPClassifier

from user_activations import ScaledTanh

try:
    import dask.array as da
    import distributed
    import joblib
    from dask_ml import wrappers
except ImportError as error:  # absent, or unusable (pyarrow with NumPy < 2)
    pytest.skip(f"the dask stack cannot be imported: {error}", allow_module_level=True)


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        dashboard_address=None,
    ) as cluster:
        with distributed.Client(cluster) as client:
            yield client


def test_grid_search_over_activations_on_a_dask_cluster(client, iris_scaled):
    X, y = iris_scaled
    # L-BFGS converges within max_iter on every candidate and fold: the
    # workers run in this process's threads, where a ConvergenceWarning
    # would be an error like anywhere else in the test suite.
    base = ActivationMLPClassifier((5,), solver="lbfgs", max_iter=2000, random_state=0)
    grid = {"activation": ["relu", "tanh", ("gelu",), ScaledTanh()]}
    with distributed.get_task_stream(client) as tasks:
        with joblib.parallel_config(backend="dask"):
            search = GridSearchCV(base, grid, cv=3, n_jobs=-1).fit(X, y)
    # The fits ran as tasks on the cluster's workers (joblib batches them).
    assert len(tasks.data) >= 1
    assert {t["worker"] for t in tasks.data} <= set(client.scheduler_info()["workers"])
    serial = GridSearchCV(base, grid, cv=3, n_jobs=1).fit(X, y)

    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all()
    # The cluster computes exactly what this process computes.
    assert_array_equal(scores, serial.cv_results_["mean_test_score"])
    assert search.best_params_ == serial.best_params_
    # Iris: chance is 1/3, every activation does far better.
    assert scores.min() > 0.85, scores
    assert search.best_estimator_.score(X, y) > 0.95


def _chunked(X, y, rows_per_chunk):
    return (
        da.from_array(X, chunks=(rows_per_chunk, X.shape[1])),
        da.from_array(y, chunks=rows_per_chunk),
    )


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_incremental_equals_a_partial_fit_loop_over_the_chunks(
    client, iris_scaled, solver
):
    # dask-ml's Incremental calls partial_fit once per chunk, in order when
    # shuffle_blocks=False: the same as a loop over the chunks by hand.
    X, y = iris_scaled
    rng = np.random.RandomState(0)
    order = rng.permutation(len(X))  # iris is sorted by class
    X, y = X[order], y[order]
    params = dict(solver=solver, learning_rate_init=0.05, batch_size=10, random_state=0)
    dX, dy = _chunked(X, y, 40)

    inc = wrappers.Incremental(
        ActivationMLPClassifier((8,), **params), shuffle_blocks=False
    )
    for _ in range(3):  # three passes over the data
        inc.partial_fit(dX, dy, classes=[0, 1, 2])

    by_hand = ActivationMLPClassifier((8,), **params)
    for _ in range(3):
        for start in range(0, len(X), 40):
            rows = slice(start, start + 40)
            by_hand.partial_fit(X[rows], y[rows], classes=[0, 1, 2])

    fitted = inc.estimator_
    for a, b in zip(
        fitted.coefs_ + fitted.intercepts_, by_hand.coefs_ + by_hand.intercepts_
    ):
        assert_array_equal(a, b)
    assert fitted.t_ == by_hand.t_ == 3 * len(X)

    # Predicting a dask array gives a dask array of the same numbers.
    proba = inc.predict_proba(dX)
    assert isinstance(proba, da.Array)
    assert_array_equal(proba.compute(), by_hand.predict_proba(X))
    assert_array_equal(inc.predict(dX).compute(), by_hand.predict(X))
    # Three passes learn iris (chance is 1/3; measured: 0.97 for both).
    assert inc.score(dX, dy) > 0.85


def test_incremental_fit_trains_out_of_core(client, iris_scaled):
    # fit does one pass over the chunks; the model never sees all rows at
    # once, yet classifies iris well after a few passes.
    X, y = iris_scaled
    order = np.random.RandomState(1).permutation(len(X))
    dX, dy = _chunked(X[order], y[order], 25)
    inc = wrappers.Incremental(
        ActivationMLPClassifier((8,), learning_rate_init=0.05, random_state=0),
        shuffle_blocks=True,
        random_state=0,
    )
    inc.fit(dX, dy, classes=[0, 1, 2])
    for _ in range(4):
        inc.partial_fit(dX, dy, classes=[0, 1, 2])
    assert inc.estimator_.t_ == 5 * len(X)
    assert inc.score(dX, dy) > 0.8
