"""The stochastic optimizers follow scikit-learn's update rules.

Our optimizers update one flat buffer in place; scikit-learn's
(``sklearn.neural_network._stochastic_optimizers``, private, hence the
import guard) build each layer's update in a list. The same gradients must
move the parameters the same way, up to rounding: each step is a few
floating-point operations per parameter, so after ``T`` steps the two differ
by at most a few ``T * eps`` relative to the parameters' scale.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skact._history import EarlyStopping, History
from skact._optimizers import SGD, Adam

sk_optimizers = pytest.importorskip("sklearn.neural_network._stochastic_optimizers")

N_STEPS = 300


def _gradients(n_params, n_steps, seed=0):
    """Gradients of changing scale and sign, some exactly zero."""
    rng = np.random.RandomState(seed)
    scales = np.logspace(-6, 2, n_params)
    for _ in range(n_steps):
        grad = rng.standard_normal(n_params) * scales
        grad[rng.rand(n_params) < 0.1] = 0.0
        yield grad


def _run_both(ours, theirs, n_params, n_steps=N_STEPS, epoch=None):
    """Apply the same gradients to both; return both parameter vectors."""
    start = np.random.RandomState(1).standard_normal(n_params)
    params, their_params = start.copy(), start.copy()
    for t, grad in enumerate(_gradients(n_params, n_steps), start=1):
        ours.step(params, grad.copy())  # each gets its own gradient array
        theirs.update_params([their_params], [grad])
        if epoch and t % epoch == 0:
            ours.iteration_ends(t)
            theirs.iteration_ends(t)
    return params, their_params, start


def _assert_same_path(params, their_params, start, n_steps=N_STEPS):
    # A rounding error of a few eps per operation and step, relative to the
    # size the parameters reached.
    scale = np.maximum(np.abs(start), np.abs(their_params)).max()
    assert_allclose(params, their_params, rtol=0, atol=20 * n_steps * 2e-16 * scale)
    assert not np.allclose(params, start)  # they did move


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"learning_rate_init": 0.05, "beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-4},
        {"learning_rate_init": 1e-4, "beta_1": 0.0, "beta_2": 0.0},
    ],
)
def test_adam_matches_scikit_learn(settings):
    n = 257
    params, theirs, start = _run_both(
        Adam(n, np.float64, **settings),
        sk_optimizers.AdamOptimizer([np.empty(n)], **settings),
        n,
    )
    _assert_same_path(params, theirs, start)


@pytest.mark.parametrize("nesterov", [True, False])
@pytest.mark.parametrize(
    "schedule, momentum", [("constant", 0.9), ("invscaling", 0.5), ("constant", 0.0)]
)
def test_sgd_matches_scikit_learn(nesterov, schedule, momentum):
    n = 131
    settings = dict(
        learning_rate_init=0.01,
        lr_schedule=schedule,
        momentum=momentum,
        nesterov=nesterov,
        power_t=0.5,
    )
    params, theirs, start = _run_both(
        SGD(n, np.float64, **settings),
        sk_optimizers.SGDOptimizer([np.empty(n)], **settings),
        n,
        epoch=7,
    )
    _assert_same_path(params, theirs, start)


def test_sgd_adaptive_schedule_matches_scikit_learn():
    # Running out of patience with the adaptive schedule: EarlyStopping
    # lowers our rate as scikit-learn's optimizer lowers its own.
    n = 5
    ours = SGD(n, np.float64, learning_rate_init=0.1, lr_schedule="adaptive")
    theirs = sk_optimizers.SGDOptimizer(
        [np.empty(n)], learning_rate_init=0.1, lr_schedule="adaptive"
    )
    history = History(None, validation=False, diagnostics=False, n_hidden=0)
    stopping = EarlyStopping(0.0, 2, False, history, np.zeros(n))
    stops = [
        (stopping.stop(ours, False), theirs.trigger_stopping("", False))
        for _ in range(6)
    ]
    # Each call above 1e-6 divides the rate by 5 and goes on; both stop at the
    # same call once it is down to 1e-6.
    assert stops == [(False, False)] * 6
    assert ours.learning_rate == pytest.approx(theirs.learning_rate, rel=1e-15)
    while not stopping.stop(ours, False):
        assert not theirs.trigger_stopping("", False)
    assert theirs.trigger_stopping("", False)
