"""The training loops: minibatch epochs (SGD, Adam) and L-BFGS.

Functions of the network, the flat parameters, the data, the settings and a
:class:`~skact._history.History`; they never read an estimator. They update
``params`` in place and return what the estimator reports (epochs run,
samples seen, final loss). A loss or parameter that stops being finite raises
:class:`~skact.exceptions.DivergenceError`; the estimator then restores
itself.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from ._layer_statistics import LayerStatistics
from ._network import Workspace
from ._numeric import batches
from ._optimizers import minimize_lbfgs
from .exceptions import DivergenceError

#: ``warnings.warn``'s stacklevel from the loops to the user's call: loop,
#: ``_fit_unguarded``, ``_fit``, ``fit``, scikit-learn's fit-context wrapper.
USER_FRAME = 6


@dataclass
class Settings:
    """What the loops need of the estimator's parameters."""

    solver: str
    alpha: float
    max_iter: int
    tol: float
    n_iter_no_change: float
    shuffle: bool
    batch_size: int
    verbose: bool
    learning_rate_init: float
    max_fun: int
    incremental: bool
    diagnostics: bool
    #: Most bytes a chunked forward pass over validation data may use.
    chunk_bytes: int


@dataclass
class Progress:
    """What a loop reports: epochs (iterations) run in this call, training
    samples seen over all calls, and the last loss."""

    n_iter: int = 0
    t: int = 0
    loss: float = math.nan


#: A training loss this many times above its reference (see
#: :class:`ExplosionCheck`) is divergence, though still finite.
EXPLOSION_FACTOR = 1e6
#: How many recent losses the reference is the median of.
RECENT = 10


def diverged(settings, cause, n_iter):
    """Raise the :class:`DivergenceError` for ``cause`` in step ``n_iter + 1``."""
    lbfgs = settings.solver == "lbfgs"
    if lbfgs:
        hint = "Scale the inputs (e.g. with StandardScaler) or increase alpha."
    else:
        hint = (
            "Try a lower learning_rate_init (it is "
            f"{settings.learning_rate_init!r}), and scale the inputs (e.g. with "
            "StandardScaler)."
        )
    if "non-finite" in cause:  # scikit-learn's words, for code that reads them
        hint += (
            " Solver produced non-finite parameter weights. The input data may "
            "contain large values and need to be preprocessed."
        )
    raise DivergenceError(
        f"Training diverged: {cause} in {'iteration' if lbfgs else 'epoch'} "
        f"{n_iter + 1} of this call (solver={settings.solver!r}). {hint} The "
        "estimator is left as it was before this call."
    )


class ExplosionCheck:
    """Catches a training loss that explodes while staying finite.

    A loss above ``EXPLOSION_FACTOR`` (a million) times its reference is
    divergence. The reference is the median of the last ``RECENT`` recorded
    losses (of this call and earlier ones: a ``partial_fit`` stream is judged
    against its recent calls, whose losses vary from batch to batch), but
    never below the loss of the best constant prediction on this call's data:
    a network that fitted its data almost perfectly may well do far worse on
    new data without diverging, while one that does a million times worse
    than predicting a constant has left any useful region. A fit's first
    epoch has no reference: its loss sets the scale (unscaled inputs can make
    it huge). The explosions this is for reach 1e100 and beyond.

    Parameters
    ----------
    recorded : list of float
        The losses recorded before this call (``history_["loss"]``).
    constant_loss : callable
        Returns the constant prediction's loss; called only when a loss looks
        suspicious (it costs a pass over the targets).
    """

    def __init__(self, recorded, constant_loss):
        self.recent = list(recorded[-RECENT:])
        self._constant_loss = constant_loss
        self._floor = None

    def __call__(self, loss):
        """The cause of divergence if ``loss`` exploded, else None."""
        recent = self.recent
        cause = None
        # The median is at least the minimum: the usual answer is cheap.
        if recent and loss > EXPLOSION_FACTOR * min(recent):
            median = float(np.median(recent))
            if loss > EXPLOSION_FACTOR * median:
                if self._floor is None:
                    self._floor = self._constant_loss()
                reference = max(median, self._floor)
                if loss > EXPLOSION_FACTOR * reference:
                    what = (
                        "a constant prediction's loss"
                        if reference > median
                        else "the median of the recent losses"
                    )
                    cause = (
                        f"the training loss exploded to {loss:.3g}, over "
                        f"{EXPLOSION_FACTOR:.0e} times {what} ({reference:.3g})"
                    )
        recent.append(loss)
        del recent[:-RECENT]
        return cause


def constant_loss(network, data):
    """A callable giving the loss of the best constant prediction on
    ``data = (X, target, sample_weight)``: the scale of the data's loss."""
    _, target, sample_weight = data

    def loss():
        n_outputs = network.layer_units[-1]
        logits = network.output.constant_logits(target, n_outputs, sample_weight)
        logits = np.broadcast_to(logits, (len(target), n_outputs))
        per_sample = network.output.sample_losses(logits, target)
        return float(np.average(per_sample, weights=sample_weight))

    return loss


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
    """Records each epoch (L-BFGS iteration) of one call: checks the loss for
    an explosion, scores the weights on the validation data if any, appends
    to the history and counts the epoch; after an interrupt, keeps exactly
    the epochs recorded whole."""

    def __init__(
        self, network, data, settings, history, progress, stats, validation, score
    ):
        self.network, self.settings, self.history = network, settings, history
        self.progress, self.stats = progress, stats
        self.validation, self.score = validation, score
        self.explosion = ExplosionCheck(history.loss, constant_loss(network, data))
        self.epochs_before = len(history.loss)

    def __call__(self, loss, params):
        """Record an epoch that ended with ``loss`` and weights ``params``;
        return its ``(val_loss, val_score)`` (NaN without validation)."""
        progress = self.progress
        cause = self.explosion(loss)
        if cause is not None:
            diverged(self.settings, cause, progress.n_iter)
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
    patience,
    random_state,
    progress,
    validation=None,
    score=None,
    hooks=None,
):
    """Minibatch epochs of ``optimizer`` on ``data = (X, target, sample_weight)``.

    Runs ``settings.max_iter`` epochs (one if ``settings.incremental``) or
    until ``patience`` runs out, scoring each epoch on ``validation`` when
    given. With early stopping the best epoch's weights end in ``params``.
    Ctrl-C ends training after a warning, keeping the epochs recorded (an
    epoch is counted once its record is complete). A minibatch whose sample
    weights are all 0 is skipped: it has nothing to learn from.

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
    record = Recorder(
        network, data, settings, history, progress, stats, validation, score
    )
    start = time.perf_counter()
    Xb = None
    try:
        for _ in range(settings.max_iter):
            if hooks is not None:
                hooks.begin(progress.n_iter)
            accumulated_loss = 0.0
            n_rows = 0
            for Xb, yb, swb in minibatches.epoch(random_state):
                batch_loss = network.loss_grad(
                    params, Xb, yb, swb, alpha, grad, ws, stats
                )
                if batch_loss is None:  # all its weights are 0
                    continue
                optimizer.step(params, grad)
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
            out_of_patience = patience.update(loss, val_score, params)
            optimizer.iteration_ends(progress.t)
            if stop_requested:
                break
            if out_of_patience:
                if optimizer.trigger_stopping(patience.message(), verbose):
                    break
                patience.count = 0
            if settings.incremental:
                break
            if progress.n_iter == settings.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({settings.max_iter}) "
                    "reached and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=USER_FRAME,
                )
    except KeyboardInterrupt:
        # The interrupt may have landed anywhere in an epoch's bookkeeping.
        record.interrupted()

    # Each batch's loss was computed before its update: make sure the last
    # update (or an interrupted epoch) left finite parameters and outputs, at
    # the cost of one forward pass over one batch.
    if not math.isfinite(params.sum()):
        diverged(settings, "a parameter became non-finite", progress.n_iter)
    if Xb is not None:
        coefs, intercepts = ws.views(network, params)
        if not np.isfinite(network.forward(coefs, intercepts, Xb, ws)).all():
            diverged(
                settings,
                "the network's outputs overflowed after the last update",
                progress.n_iter,
            )
    if patience.best_params is not None:
        params[...] = patience.best_params
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
    record = Recorder(
        network, data, settings, history, progress, stats, validation, score
    )
    last_iterate = params.copy()  # what an interrupted fit keeps
    stop_requested = []
    start = time.perf_counter()

    def loss_grad(p, grad):
        return network.loss_grad(p, X, target, sample_weight, alpha, grad, ws, stats)

    def on_iteration(loss, x):
        if not math.isfinite(loss):
            diverged(settings, f"the training loss became {loss}", progress.n_iter)
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
    if result.status != 0 and not stop_requested:
        warnings.warn(
            f"lbfgs failed to converge after {result.nit} iterations "
            f"({result.message}). Increase max_iter or max_fun, or scale the "
            "data (e.g. with StandardScaler).",
            ConvergenceWarning,
            stacklevel=USER_FRAME,
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
