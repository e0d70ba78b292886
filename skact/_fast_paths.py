"""Fast paths for small calls, all in one place.

A ``partial_fit`` on a few hundred rows, or a prediction on one row, costs
little in the engine; scikit-learn's general-purpose checks would dominate
it. Each shortcut below does the same checks for the common case only and
sends everything else the long way, with the same results and errors. Each
names what it saves, measured on 2 cores with the project's benchmarks
(``benchmarks/bench_predict.py``, the ``partial_fit`` row of
``bench_fit.py``): together, a 200-row ``partial_fit`` takes ~650 us instead of
~1,850 us, and a 1-row ``predict_proba`` ~60 us instead of ~215 us.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import weakref
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state


def ready_array(X, n_features):
    """Whether ``X`` is an ndarray that ``validate_data`` would accept as it
    is: 2-d, float32 or float64, ``n_features`` columns, rows, all finite.

    Saves ``validate_data`` (~0.1 ms) on a plain array given to a model
    fitted without feature names; the caller checks that.
    """
    if (
        type(X) is not np.ndarray
        or X.ndim != 2
        or X.dtype not in (np.float64, np.float32)  # native byte order too
        or X.shape[0] == 0
        or X.shape[1] != n_features
    ):
        return False
    # A finite sum means finite values (scikit-learn's own first check); an
    # overflowing sum of finite values only sends X the long way. The callers
    # (prediction, training) silence overflow warnings around this.
    return bool(np.isfinite(np.add.reduce(X, axis=None)))


#: Each estimator's re-seeded generator (see ``random_state_for``), kept
#: outside the estimator: its pickles, clones and fitted state are unchanged.
_SEEDED_GENERATORS = weakref.WeakKeyDictionary()


def random_state_for(estimator):
    """``check_random_state(estimator.random_state)``, as scikit-learn calls
    it at the start of every ``fit`` and ``partial_fit``.

    For an integer seed, one generator per estimator is kept and re-seeded:
    the same stream as a new ``RandomState(seed)`` at 1% of its cost (~1.5 us
    instead of ~150 us, a tenth of a small ``partial_fit`` call). An
    estimator that cannot be a dictionary key (a subclass defining
    ``__eq__`` but no ``__hash__``) goes without the shortcut.
    """
    seed = estimator.random_state
    if not isinstance(seed, Integral):
        return check_random_state(seed)
    try:
        rng = _SEEDED_GENERATORS.get(estimator)
        if rng is None:
            rng = _SEEDED_GENERATORS[estimator] = np.random.RandomState()
    except TypeError:
        return check_random_state(seed)
    rng.seed(seed)
    return rng


def same_classes(classes, fitted_classes):
    """Whether a later ``partial_fit`` call's ``classes`` is None or, as
    given, already equal to ``classes_`` (the usual way to call it)."""
    if classes is None:
        return True
    classes = np.asarray(classes)
    return classes.dtype.kind in "biufU" and np.array_equal(classes, fitted_classes)


def known_label_indices(y, classes):
    """Class indices of ``y`` if it is a 1-d array of numbers or strings all
    in ``classes``, else None.

    The common case of later ``partial_fit`` calls, checked in two
    vectorised passes instead of ``type_of_target``'s many (costly on every
    call); anything else goes through the full checks and their errors.
    """
    if (
        y.ndim != 1
        or y.dtype.kind not in "biufU"
        or classes.dtype.kind not in "biufU"
        or (y.dtype.kind == "U") != (classes.dtype.kind == "U")
    ):
        return None
    indices = np.searchsorted(classes, y)
    np.minimum(indices, len(classes) - 1, out=indices)
    if not np.array_equal(classes[indices], y):
        return None
    return indices


def cached_network(estimator, build):
    """The fitted network's structure, made once per fit by ``build()``:
    prediction on a few rows would otherwise spend much of its time there.
    Kept in the estimator's ``_network_cache``, which pickles leave out."""
    network = estimator.__dict__.get("_network_cache")
    if network is None:
        network = estimator._network_cache = build()
    return network
