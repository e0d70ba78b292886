"""Optimizers on the flat parameter buffer: SGD and Adam; L-BFGS via SciPy.

The stochastic optimizers follow scikit-learn's ``_stochastic_optimizers``
update rules exactly, but update all layers at once, in place. Their state
(moments, velocity, step count, current learning rate) is plain arrays and
numbers, so it pickles and survives ``warm_start``.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.optimize

from ._numeric import axpy


class _StochasticOptimizer:
    def __init__(self, learning_rate_init):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)

    def _scratch(self, like):
        # One scratch array for the update, kept between steps but not pickled.
        tmp = self.__dict__.get("_tmp")
        if tmp is None or tmp.shape != like.shape or tmp.dtype != like.dtype:
            tmp = self._tmp = np.empty_like(like)
        return tmp

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_tmp", None)
        return state

    def iteration_ends(self, time_step):
        """Hook called after each epoch with the number of samples seen."""


class SGD(_StochasticOptimizer):
    """Stochastic gradient descent with (Nesterov) momentum and LR schedules.

    ``v <- momentum * v - lr * g``; the parameters move by ``v``, or with
    Nesterov's momentum by ``momentum * v - lr * g``.
    """

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate_init=0.1,
        lr_schedule="constant",
        momentum=0.9,
        nesterov=True,
        power_t=0.5,
    ):
        super().__init__(learning_rate_init)
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocity = np.zeros(n_params, dtype=dtype)

    def step(self, params, grad):
        lr, mu, v = self.learning_rate, self.momentum, self.velocity
        v *= mu
        axpy(grad, v, -lr)
        if self.nesterov:
            axpy(v, params, mu)
            axpy(grad, params, -lr)
        else:
            params += v

    def iteration_ends(self, time_step):
        if self.lr_schedule == "invscaling":
            self.learning_rate = (
                float(self.learning_rate_init) / (time_step + 1) ** self.power_t
            )

    @property
    def adaptive(self):
        """Whether running out of patience lowers the rate instead of
        stopping (see ``EarlyStopping.stop``)."""
        return self.lr_schedule == "adaptive"


class Adam(_StochasticOptimizer):
    """Adam (Kingma & Ba, 2014) with bias correction folded into the step size."""

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate_init=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
    ):
        super().__init__(learning_rate_init)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.m = np.zeros(n_params, dtype=dtype)
        self.v = np.zeros(n_params, dtype=dtype)

    def step(self, params, grad):
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        m, v = self.m, self.v
        m *= b1
        axpy(grad, m, 1 - b1)
        v *= b2
        tmp = np.multiply(grad, grad, out=self._scratch(grad))
        axpy(tmp, v, 1 - b2)
        self.learning_rate = (
            self.learning_rate_init * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        )
        np.sqrt(v, out=tmp)
        tmp += self.epsilon
        np.divide(m, tmp, out=tmp)
        axpy(tmp, params, -self.learning_rate)


def make_optimizer(solver, n_params, dtype, settings, kept=None):
    """The optimizer for ``solver`` ("sgd" or "adam") with ``settings``.

    ``settings`` maps the estimator's parameter names (``learning_rate_init``,
    ``learning_rate``, ``momentum``, ``nesterovs_momentum``, ``power_t``,
    ``beta_1``, ``beta_2``, ``epsilon``) to values. A ``kept`` optimizer of
    the right kind (a warm start) keeps its state (moments, velocity, step
    count, current learning rate) and takes the changed settings.
    """
    kind = SGD if solver == "sgd" else Adam
    if not isinstance(kept, kind):
        if kind is SGD:
            return SGD(
                n_params,
                dtype,
                settings["learning_rate_init"],
                settings["learning_rate"],
                settings["momentum"],
                settings["nesterovs_momentum"],
                settings["power_t"],
            )
        return Adam(
            n_params,
            dtype,
            settings["learning_rate_init"],
            settings["beta_1"],
            settings["beta_2"],
            settings["epsilon"],
        )
    if kept.learning_rate_init != settings["learning_rate_init"]:
        kept.learning_rate_init = settings["learning_rate_init"]
        kept.learning_rate = float(settings["learning_rate_init"])
    if kind is SGD:
        kept.lr_schedule = settings["learning_rate"]
        kept.momentum = settings["momentum"]
        kept.nesterov = settings["nesterovs_momentum"]
        kept.power_t = settings["power_t"]
    else:
        kept.beta_1 = settings["beta_1"]
        kept.beta_2 = settings["beta_2"]
        kept.epsilon = settings["epsilon"]
    return kept


def minimize_lbfgs(loss_grad, params, *, max_iter, max_fun, tol, callback=None):
    """Minimise ``loss_grad`` with SciPy's L-BFGS-B, in place on ``params``.

    Parameters
    ----------
    loss_grad : callable
        ``loss_grad(params, grad) -> loss``, writing the gradient into ``grad``.
    params : ndarray of shape (n_params,)
        Starting point; overwritten with the solution. May be float32: SciPy
        iterates in float64 and each evaluation runs in ``params``' dtype.
    max_iter, max_fun : int
    tol : float
        ``gtol`` of L-BFGS-B.
    callback : callable, default=None
        Called with the loss and the parameters (float64) after every
        iteration.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
    """
    grad = np.empty_like(params)

    def fun(x):
        params[...] = x
        loss = loss_grad(params, grad)
        # SciPy may keep the returned gradient: hand it a copy, in float64.
        return loss, grad.astype(np.float64)

    def on_iteration(intermediate_result):
        if callback is not None:
            callback(float(intermediate_result.fun), intermediate_result.x)

    result = scipy.optimize.minimize(
        fun,
        params.astype(np.float64),
        method="L-BFGS-B",
        jac=True,
        callback=on_iteration,
        options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
    )
    params[...] = result.x
    return result
