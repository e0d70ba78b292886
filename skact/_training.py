"""One training session: :func:`train` and the loops it runs.

:func:`train` is what a ``fit`` or ``partial_fit`` call does once the
estimator has validated the data and built the network: it holds out early
stopping's validation split, sets the BLAS threads, makes (or continues) the
optimizer, runs the stochastic loop (SGD, Adam) or L-BFGS, and returns what
the estimator stores (:class:`Outcome`). It never reads an estimator: it
works on the network, the flat parameters (updated in place), the data, the
settings and a :class:`~skact._history.History`. Every epoch (L-BFGS
iteration) and the weights a call ends with go through the divergence rule
of :mod:`skact._divergence`; a :class:`~skact.exceptions.DivergenceError`
then propagates, and the estimator restores itself.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import dataclasses
import math
import time
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from ._divergence import DivergenceCheck, diverged
from ._history import EarlyStopping, validation_split
from ._layer_statistics import LayerStatistics
from ._network import Workspace
from ._numeric import batches
from ._optimizers import make_optimizer, minimize_lbfgs
from ._threads import blas_threads_for

#: ``warnings.warn``'s stacklevel in :func:`train` for the user's call, above
#: ``train``, ``_fit_unguarded``, ``_fit``, ``fit`` and scikit-learn's
#: fit-context wrapper. The loops are one frame deeper.
USER_FRAME = 6


@dataclass
class Settings:
    """What a training session needs of the estimator's parameters."""

    solver: str
    alpha: float
    max_iter: int
    tol: float
    n_iter_no_change: float
    shuffle: bool
    #: "auto" or a number of rows, as given; :func:`train` sets the rows
    #: per step for the data it trains on.
    batch_size: object
    verbose: bool
    learning_rate_init: float
    max_fun: int
    incremental: bool
    diagnostics: bool
    #: Most bytes a chunked forward pass over validation data may use.
    chunk_bytes: int
    early_stopping: bool = False
    validation_fraction: float = 0.1
    #: The optimizer's parameters by the estimator's names (see
    #: :func:`~skact._optimizers.make_optimizer`).
    optimizer: dict = dataclasses.field(default_factory=dict)
    #: Whether epochs are scored on validation data (early stopping's split
    #: or the user's).
    scored: bool = False

    @property
    def stochastic(self):
        return self.solver != "lbfgs"


@dataclass
class Progress:
    """What a loop reports: epochs (iterations) run in this call, training
    samples seen over all calls, and the last loss."""

    n_iter: int = 0
    t: int = 0
    loss: float = math.nan


@dataclass
class Outcome:
    """What a training session leaves for the estimator to store."""

    #: Epochs (L-BFGS iterations) run in this call.
    n_iter: int
    #: Training samples seen over all calls.
    t: int
    #: The last epoch's training loss (NaN if none completed).
    loss: float
    #: The best validation score (None without validation data).
    best_validation_score: object
    #: The lowest training loss (None with early stopping).
    best_loss: object
    #: The stochastic optimizer, to continue with (None for L-BFGS).
    optimizer: object


def train(
    network,
    params,
    data,
    settings,
    history,
    *,
    validation=None,
    score=None,
    stratify=None,
    optimizer=None,
    random_state=None,
    t=0,
    hooks=None,
):
    """Train ``network`` from ``params`` (updated in place) on ``data``.

    Parameters
    ----------
    network : Network
    params : ndarray of shape (n_params,)
        The starting weights; the trained ones on return.
    data : tuple
        ``(X, target, sample_weight)``, validated and encoded.
    settings : Settings
    history : History
        Appended to, one record per epoch (L-BFGS iteration).
    validation : tuple, default=None
        The user's ``(X, target, sample_weight)`` to score every epoch on;
        with ``settings.early_stopping`` and none given, a random
        ``validation_fraction`` of ``data`` is held out.
    score : callable, default=None
        ``score(logits, target, sample_weight)``: the validation score.
    stratify : callable, default=None
        ``stratify(target)``: the labels the held-out split keeps the
        shares of, or None.
    optimizer : optimizer, default=None
        A previous call's optimizer to continue (a copy: it is updated).
    random_state : RandomState
        Shuffles minibatches and draws the held-out split.
    t : int, default=0
        Training samples seen by earlier calls.
    hooks : object, default=None
        Told when each epoch begins and ends (see :func:`fit_stochastic`).

    Returns
    -------
    outcome : Outcome
    """
    stochastic = settings.stochastic
    early_stopping = settings.early_stopping and stochastic
    # The products' size decides the BLAS threads (before any split).
    rows = rows_per_step(settings, data[0].shape[0])
    if validation is None and early_stopping:
        data, validation = validation_split(
            *data,
            settings.validation_fraction,
            random_state,
            None if stratify is None else stratify(data[1]),
        )
    # Resolved in place (the settings are made for this call): replace()
    # cost ~0.2 ms, a noticeable part of a small partial_fit call.
    settings.batch_size = _batch_size(settings, data[0].shape[0])
    progress = Progress(t=t)
    best_score = best_loss = None
    with blas_threads_for(rows * network.largest_layer):
        if stochastic:
            optimizer = make_optimizer(
                settings.solver,
                network.n_params,
                params.dtype,
                settings.optimizer,
                kept=optimizer,
            )
            stopping = EarlyStopping(
                settings.tol, settings.n_iter_no_change, early_stopping, history, params
            )
            fit_stochastic(
                network,
                params,
                data,
                optimizer,
                settings,
                history,
                stopping,
                random_state,
                progress,
                validation,
                score,
                hooks,
            )
            best_score, best_loss = stopping.best_score, stopping.best_loss
        else:
            optimizer = None
            fit_lbfgs(
                network,
                params,
                data,
                settings,
                history,
                progress,
                hooks,
                validation,
                score,
            )
            best_loss = min([progress.loss, *history.loss])
    if validation is not None and not early_stopping:
        best_score = np.nanmax([-np.inf, *history.val_score])
    return Outcome(
        n_iter=progress.n_iter,
        t=progress.t,
        loss=progress.loss,
        best_validation_score=best_score if validation is not None else None,
        best_loss=None if early_stopping else best_loss,
        optimizer=optimizer,
    )


def rows_per_step(settings, n_samples):
    """Rows of each step's products: a minibatch, or all for L-BFGS."""
    if not settings.stochastic:
        return n_samples
    return min(n_samples, _batch_rows(settings.batch_size))


def _batch_rows(batch_size):
    return 200 if batch_size == "auto" else batch_size


def _batch_size(settings, n_samples):
    """The rows per step: all of them for L-BFGS, else ``batch_size``
    ("auto": 200) clipped, with a warning, to ``n_samples``."""
    if not settings.stochastic:
        return n_samples
    if settings.batch_size != "auto" and settings.batch_size > n_samples:
        warnings.warn(
            f"Got batch_size={settings.batch_size} larger than the number of "
            f"samples ({n_samples}); it is clipped to {n_samples}.",
            stacklevel=USER_FRAME + 1,
        )
    return min(_batch_rows(settings.batch_size), n_samples)


def evaluate(network, params, validation, score, chunk_bytes):
    """``(loss, score)`` of the current weights on validation data.

    ``validation`` is ``(X, target, sample_weight)``; the loss is the mean
    of the output's loss without the penalty; ``score(logits, target,
    sample_weight)`` is the estimator's score (accuracy, R^2).
    """
    X, target, sample_weight = validation
    coefs, intercepts = network.views(params)
    logits = network.predict(coefs, intercepts, X, chunk_bytes)
    per_sample = network.output.sample_losses(logits, target)
    return (
        float(np.average(per_sample, weights=sample_weight)),
        float(score(logits, target, sample_weight)),
    )


class Recorder:
    """Records each epoch (L-BFGS iteration) of one call: checks the loss
    against the divergence rule, scores the weights on the validation data
    if any, appends to the history and counts the epoch; after an interrupt,
    keeps exactly the epochs recorded whole."""

    def __init__(
        self, network, check, settings, history, progress, stats, validation, score
    ):
        self.network, self.settings, self.history = network, settings, history
        self.progress, self.stats = progress, stats
        self.validation, self.score = validation, score
        self.check = check
        self.epochs_before = len(history.loss)

    def __call__(self, loss, params):
        """Record an epoch that ended with ``loss`` and weights ``params``;
        return its ``(val_loss, val_score)`` (NaN without validation)."""
        progress = self.progress
        self.check(loss, progress.n_iter)
        val_loss = val_score = np.nan
        if self.validation is not None:
            val_loss, val_score = evaluate(
                self.network,
                params,
                self.validation,
                self.score,
                self.settings.chunk_bytes,
            )
        self.history.record(loss, val_loss, val_score, self.stats)
        progress.n_iter += 1
        progress.loss = loss
        return val_loss, val_score

    def interrupted(self):
        """Keep the epochs recorded whole, and count those."""
        history, progress = self.history, self.progress
        history.align()
        progress.n_iter = len(history.loss) - self.epochs_before
        progress.loss = history.loss[-1] if progress.n_iter else math.nan
        warnings.warn("Training interrupted by user.", stacklevel=USER_FRAME + 1)


def fit_stochastic(
    network,
    params,
    data,
    optimizer,
    settings,
    history,
    stopping,
    random_state,
    progress,
    validation=None,
    score=None,
    hooks=None,
):
    """Minibatch epochs of ``optimizer`` on ``data = (X, target, sample_weight)``.

    Runs ``settings.max_iter`` epochs (one if ``settings.incremental``) or
    until ``stopping`` (an :class:`~skact._history.EarlyStopping`) says so,
    scoring each epoch on ``validation`` when given; ``stopping`` then puts
    the weights it keeps in ``params``. Ctrl-C ends training after a
    warning, keeping the epochs recorded (an epoch is counted once its
    record is complete). A minibatch whose sample weights are all 0 is
    skipped: it has nothing to learn from.

    ``hooks``, if given, is told when each epoch begins (``hooks.begin(k)``)
    and ends (``hooks.end(k, params)``, once the epoch is recorded); an end
    that returns True stops training there, as patience running out does.
    """
    verbose = settings.verbose
    minibatches = Minibatches(*data, settings.batch_size, settings.shuffle)
    ws = Workspace(network, minibatches.batch_size, params.dtype)
    stats = LayerStatistics(network) if settings.diagnostics else None
    grad = np.empty_like(params)
    alpha = settings.alpha
    check = DivergenceCheck(network, data, settings, params.dtype)
    record = Recorder(
        network, check, settings, history, progress, stats, validation, score
    )
    start = time.perf_counter()
    updated = False  # whether a step was taken
    last_batch = None  # the last step's batch, while its rows are intact
    try:
        for _ in range(settings.max_iter):
            if hooks is not None:
                hooks.begin(progress.n_iter)
            accumulated_loss = 0.0
            n_rows = 0
            for batch in minibatches.epoch(random_state):
                Xb, yb, swb = batch
                batch_loss = network.loss_grad(
                    params, Xb, yb, swb, alpha, grad, ws, stats
                )
                if batch_loss is None:  # all its weights are 0
                    last_batch = None  # its rows may overwrite the gather buffer
                    continue
                if not updated:  # the starting weights' loss
                    check.start(batch_loss)
                    updated = True
                optimizer.step(params, grad)
                last_batch = batch
                accumulated_loss += batch_loss * Xb.shape[0]
                n_rows += Xb.shape[0]
            # One check per epoch, not per step (where it cost a pass over
            # the parameters): the sum is NaN or inf as soon as one batch's
            # loss or one parameter is. A failed call restores the model, so
            # detecting it a few steps late changes nothing.
            if not math.isfinite(accumulated_loss + params.sum()):
                diverged(
                    settings,
                    "the training loss or a parameter became non-finite",
                    progress.n_iter,
                )
            loss = accumulated_loss / max(n_rows, 1)
            val_loss, val_score = record(loss, params)
            progress.t += minibatches.n_samples
            if verbose:
                message = (
                    f"Iteration {progress.n_iter} (epoch {progress.n_iter}/"
                    f"{settings.max_iter}), loss = {loss:.8f}"
                )
                if validation is not None:
                    message += (
                        f", validation score = {val_score:.6f}"
                        f", validation loss = {val_loss:.8f}"
                    )
                print(f"{message}, time = {time.perf_counter() - start:.2f}s")

            stop_requested = hooks is not None and hooks.end(
                progress.n_iter - 1, params
            )
            out_of_patience = stopping.update(loss, val_score, params)
            optimizer.iteration_ends(progress.t)
            if stop_requested or (
                out_of_patience and stopping.stop(optimizer, verbose)
            ):
                break
            if settings.incremental:
                break
            if progress.n_iter == settings.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({settings.max_iter}) "
                    "reached and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=USER_FRAME + 1,
                )
    except KeyboardInterrupt:
        # The interrupt may have landed anywhere in an epoch's bookkeeping.
        record.interrupted()

    # Each batch's loss was computed before its update: the weights the last
    # update (or an interrupted epoch) left must be finite and pass the
    # divergence rule on that batch, at the cost of one forward pass over it.
    if not math.isfinite(params.sum()):
        diverged(settings, "a parameter became non-finite", progress.n_iter)
    if updated:
        final_loss = network.loss(
            params, *(last_batch or minibatches.first()), alpha, ws
        )
        if final_loss is not None:
            check(
                final_loss,
                max(progress.n_iter - 1, 0),
                "the loss after the last update",
            )
    stopping.restore_best(params)
    return progress


def fit_lbfgs(
    network,
    params,
    data,
    settings,
    history,
    progress,
    hooks=None,
    validation=None,
    score=None,
):
    """Full-batch L-BFGS-B on ``data = (X, target, sample_weight)``, one
    history entry per iteration.

    Ctrl-C ends training after a warning with the last completed
    iteration's parameters (the starting ones if there was none) and its
    records, as the stochastic solvers keep their completed epochs.
    ``hooks`` as for :func:`fit_stochastic`, once per iteration; each
    iteration is scored on ``validation`` when given.
    """
    X, target, sample_weight = data
    ws = Workspace(network, X.shape[0], params.dtype)
    stats = LayerStatistics(network) if settings.diagnostics else None
    alpha = settings.alpha
    check = DivergenceCheck(network, data, settings, params.dtype)
    record = Recorder(
        network, check, settings, history, progress, stats, validation, score
    )
    last_iterate = params.copy()  # what an interrupted fit keeps
    stop_requested = []
    start = time.perf_counter()

    def loss_grad(p, grad):
        loss = network.loss_grad(p, X, target, sample_weight, alpha, grad, ws, stats)
        check.start(loss)  # the first evaluation is at the starting weights
        return loss

    def on_iteration(loss, x):
        record(loss, x.astype(params.dtype, copy=False))
        last_iterate[...] = x  # once its record is whole
        if hooks is not None:
            hooks.begin(progress.n_iter - 1)
            if hooks.end(progress.n_iter - 1, last_iterate):
                stop_requested.append(True)
                raise StopIteration  # SciPy ends the minimisation there
        if settings.verbose:
            print(
                f"Iteration {progress.n_iter}/{settings.max_iter}, "
                f"loss = {loss:.8f}, time = {time.perf_counter() - start:.2f}s"
            )

    try:
        result = minimize_lbfgs(
            loss_grad,
            params,
            max_iter=settings.max_iter,
            max_fun=settings.max_fun,
            tol=settings.tol,
            callback=on_iteration,
        )
    except KeyboardInterrupt:
        record.interrupted()
        params[...] = last_iterate
        return progress
    if not (math.isfinite(result.fun) and math.isfinite(params.sum())):
        diverged(settings, "the loss or a parameter became non-finite", progress.n_iter)
    check(float(result.fun), max(progress.n_iter - 1, 0), "the final loss")
    if result.status != 0 and not stop_requested:
        warnings.warn(
            f"lbfgs failed to converge after {result.nit} iterations "
            f"({result.message}). Increase max_iter or max_fun, or scale the "
            "data (e.g. with StandardScaler).",
            ConvergenceWarning,
            stacklevel=USER_FRAME + 1,
        )
    progress.n_iter = int(result.nit)
    progress.loss = float(result.fun)
    return progress


class Minibatches:
    """The minibatches of one epoch: ``(X, target, sample_weight)`` slices.

    Shuffling permutes sample indices rather than the data, and dense rows
    are gathered into one reused buffer, so an epoch allocates no batch-sized
    arrays. Without shuffling, batches are views. A single batch holding every
    sample is never shuffled: its gradient is a sum over samples, whose order
    changes nothing but rounding.
    """

    def __init__(self, X, target, sample_weight, batch_size, shuffle):
        self.X, self.target, self.sample_weight = X, target, sample_weight
        self.n_samples = X.shape[0]
        self.batch_size = batch_size
        self.slices = batches(self.n_samples, batch_size)
        self.shuffle = shuffle and len(self.slices) > 1
        self._buffer = None
        if self.shuffle and not sp.issparse(X):
            self._buffer = np.empty((batch_size, X.shape[1]), dtype=X.dtype)

    def first(self):
        """The first batch, unshuffled."""
        rows = self.slices[0]
        sw = self.sample_weight
        return self.X[rows], self.target[rows], None if sw is None else sw[rows]

    def epoch(self, random_state):
        X, target, sw = self.X, self.target, self.sample_weight
        if not self.shuffle:
            for rows in self.slices:
                yield X[rows], target[rows], None if sw is None else sw[rows]
            return
        order = random_state.permutation(self.n_samples)
        for rows in self.slices:
            idx = order[rows]
            if self._buffer is None:
                Xb = X[idx]
            else:
                Xb = np.take(X, idx, axis=0, out=self._buffer[: len(idx)])
            yield Xb, target[idx], None if sw is None else sw[idx]
