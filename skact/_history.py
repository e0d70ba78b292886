"""The training record and the rules that stop training.

:class:`History` is ``history_``: one list per quantity, one entry per epoch
(per L-BFGS iteration), started, padded on a warm start, appended to, and
rolled back (:class:`Rollback`) when a call fails. :class:`EarlyStopping` is
the "no improvement for ``n_iter_no_change`` epochs" rule, on the validation
score with early stopping (keeping the best weights) or on the training loss
otherwise, with the adaptive learning rate's veto. :func:`validation_split`
holds out early stopping's validation data.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np
from sklearn.model_selection import train_test_split

#: ``history_``'s per-layer records with ``diagnostics=True``.
DIAGNOSTICS = ("grad_norm", "dead_fraction", "saturated_fraction")


class History:
    """``history_``, the per-epoch record: a dict of lists.

    Parameters
    ----------
    records : dict of list or None
        A previous call's ``history_`` to continue (its lists are appended
        to in place), or None to start afresh.
    validation : bool
        Whether epochs are scored on validation data (``val_loss``,
        ``val_score``).
    diagnostics : bool
        Whether epochs record the per-layer diagnostics.
    n_hidden : int
        The number of hidden layers (``grad_norm`` has one more entry per
        epoch, for the output layer).
    """

    def __init__(self, records, *, validation, diagnostics, n_hidden):
        self.records = {"loss": []} if records is None else records
        self.n_hidden = n_hidden
        n_epochs = len(self.records["loss"])
        # A warm start that turns validation or diagnostics on: earlier epochs
        # have no such records. NaN keeps the lists aligned by epoch.
        if validation and "val_score" not in self.records:
            self.records["val_loss"] = [np.nan] * n_epochs
            self.records["val_score"] = [np.nan] * n_epochs
        if diagnostics and "grad_norm" not in self.records:
            for key, width in zip(DIAGNOSTICS, self._widths(n_hidden)):
                self.records[key] = [[np.nan] * width for _ in range(n_epochs)]

    @staticmethod
    def _widths(n_hidden):
        return n_hidden + 1, n_hidden, n_hidden

    @property
    def loss(self):
        return self.records["loss"]

    @property
    def val_score(self):
        return self.records.get("val_score")

    def record(self, loss, val_loss=np.nan, val_score=np.nan, stats=None):
        """Append one epoch; with diagnostics, read and reset ``stats``
        (NaN where an epoch has no statistics)."""
        records = self.records
        records["loss"].append(loss)
        if "val_score" in records:
            records["val_loss"].append(val_loss)
            records["val_score"].append(val_score)
        if "grad_norm" in records:
            if stats is None:
                for key, width in zip(DIAGNOSTICS, self._widths(self.n_hidden)):
                    records[key].append([np.nan] * width)
            else:
                records["grad_norm"].append(stats.grad_norm())
                records["dead_fraction"].append(stats.dead_fraction())
                records["saturated_fraction"].append(stats.saturated_fraction())
                stats.reset()

    def align(self):
        """Cut every list to the shortest one's length: an interrupt landing
        between two appends of :meth:`record` leaves an epoch half recorded."""
        shortest = min(len(values) for values in self.records.values())
        for values in self.records.values():
            del values[shortest:]


class Rollback:
    """What undoes a failed call's changes to a ``history_`` dict.

    Training only appends to the lists and adds keys, so remembering the
    keys and the lists' lengths is enough: no copy of a history that grows
    with every ``partial_fit`` call.
    """

    def __init__(self, records):
        self.records = records
        self.lengths = {key: len(values) for key, values in (records or {}).items()}

    def shallow_copy(self):
        """A new dict holding the same lists (keys added by the call are not
        in it; the lists are cut back by :meth:`restore`)."""
        return None if self.records is None else dict(self.records)

    def restore(self):
        """Cut every list back to its length at the start of the call."""
        for key, length in self.lengths.items():
            del self.records[key][length:]


class EarlyStopping:
    """When training stops, and which weights it keeps: one object per call.

    Training stops after ``n_iter_no_change`` epochs without a ``tol``
    improvement: of the validation score when ``on_validation`` (then the
    best epoch's weights are kept and put back at the end), else of the
    training loss. Where the optimizer can lower its learning rate instead
    (SGD's ``learning_rate="adaptive"``), running out of patience divides
    the rate by 5 and starts counting again, until the rate is below 1e-6.

    A warm start continues from the earlier calls' best: their best score
    or lowest loss (from ``history``) is the one to beat, and with
    ``on_validation`` the starting weights (the best epoch's, kept by the
    previous call) stay the best until an epoch of this call beats them.

    Parameters
    ----------
    tol : float
    n_iter_no_change : int or inf
    on_validation : bool
        Whether the validation score decides (early stopping).
    history : History
        The records so far (of earlier calls).
    params : ndarray
        The weights this call starts from.
    """

    #: SGD's adaptive rate is lowered until it is below this.
    MIN_ADAPTIVE_RATE = 1e-6

    def __init__(self, tol, n_iter_no_change, on_validation, history, params):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.on_validation = on_validation
        self.count = 0
        self.best_params = None
        if on_validation:
            self.best_score = np.nanmax([-np.inf, *history.val_score])
            self.best_loss = None
            if self.best_score > -np.inf:
                self.best_params = params.copy()
        else:
            self.best_score = None
            self.best_loss = min(history.loss, default=math.inf)

    def update(self, loss, val_score, params):
        """Count one epoch; True when patience has run out."""
        if self.on_validation:
            if val_score < self.best_score + self.tol:
                self.count += 1
            else:
                self.count = 0
            if val_score > self.best_score:
                self.best_score = val_score
                self.best_params = params.copy()
        else:
            if loss > self.best_loss - self.tol:
                self.count += 1
            else:
                self.count = 0
            if loss < self.best_loss:
                self.best_loss = loss
        return self.count > self.n_iter_no_change

    def stop(self, optimizer, verbose):
        """Patience ran out: True to stop, or False after lowering an
        adaptive learning rate (and counting again)."""
        what = "Validation score" if self.on_validation else "Training loss"
        message = (
            f"{what} did not improve more than tol={self.tol:f} for "
            f"{self.n_iter_no_change} consecutive epochs."
        )
        if not getattr(optimizer, "adaptive", False):
            message += " Stopping."
        elif optimizer.learning_rate <= self.MIN_ADAPTIVE_RATE:
            message += " Learning rate too small. Stopping."
        else:
            optimizer.learning_rate /= 5.0
            self.count = 0
            if verbose:
                print(f"{message} Setting learning rate to {optimizer.learning_rate:f}")
            return False
        if verbose:
            print(message)
        return True

    def restore_best(self, params):
        """Put the kept best weights (early stopping) into ``params``."""
        if self.best_params is not None:
            params[...] = self.best_params


def validation_split(X, target, sample_weight, fraction, random_state, stratify):
    """``(train, validation)``, each ``(X, target, sample_weight)``: a random
    ``fraction`` held out, stratified by the labels ``stratify`` unless None."""
    if fraction == 0:
        raise ValueError("early_stopping=True needs validation_fraction > 0.")
    arrays = [X, target] + ([] if sample_weight is None else [sample_weight])
    parts = train_test_split(
        *arrays, random_state=random_state, test_size=fraction, stratify=stratify
    )
    X_train, X_val, t_train, t_val = parts[:4]
    sw_train, sw_val = parts[4:] if sample_weight is not None else (None, None)
    if X_val.shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    for part, weights in (("validation", sw_val), ("training", sw_train)):
        if weights is not None and not weights.sum() > 0:
            raise ValueError(
                f"Every sample of early stopping's {part} split has weight 0: "
                "it cannot be scored. Give more samples a positive weight, or "
                "change validation_fraction or random_state."
            )
    return (X_train, t_train, sw_train), (X_val, t_val, sw_val)
