"""Checks that turn impossible or hopeless requests into clear errors.

Each names the problem and what to do, where NumPy would otherwise fail deep
inside (``MemoryError``, a broadcasting error) or, worse, give NaN: sample
weights whose sums cannot be divided by, networks too large for the
machine, inputs whose forward pass overflows, and saved models whose state
cannot be a fitted network.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import os

import numpy as np

from ._losses import OUTPUTS


def check_sample_weight_range(sample_weight, what="sample_weight"):
    """Refuse weights that sum to 0 or to infinity, or positive weights so
    small (subnormal) that dividing by a batch's total overflows."""
    if sample_weight is None:
        return
    dtype = sample_weight.dtype
    with np.errstate(over="ignore"):
        total = sample_weight.sum()
    if not total > 0:
        raise ValueError(
            f"{what} sums to 0: every sample has weight 0, there is nothing to "
            "train on."
        )
    if not np.isfinite(total):
        raise ValueError(
            f"{what} sums to infinity in {dtype.name} (the largest weight is "
            f"{sample_weight.max():.3g}): divide the weights by a common factor."
        )
    smallest = sample_weight[sample_weight > 0].min()
    if smallest < np.finfo(dtype).tiny:
        raise ValueError(
            f"{what} holds weights as small as {smallest:.3g}, below the "
            f"smallest normal {dtype.name} number ({np.finfo(dtype).tiny:.3g}), "
            "where dividing by a batch's total weight overflows: multiply the "
            "weights by a common factor, or set such weights to 0."
        )


def physical_memory():
    """The machine's memory in bytes, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - Windows
        return None


def check_memory(layer_units, batch_rows, itemsize, hidden_sizes):
    """Refuse a network whose weights and training buffers cannot fit in the
    machine's memory, stating what it needs, before anything is allocated.

    The estimate: the parameters about five times (weights, gradient, two
    optimizer moments, a best-weights copy) and about four values (z, a,
    delta, derivative) per unit and batch row.
    """
    n_params = sum(a * b + b for a, b in zip(layer_units[:-1], layer_units[1:]))
    needed = itemsize * (5 * n_params + 4 * batch_rows * sum(layer_units[1:]))
    available = physical_memory()
    if available is not None and needed > available:
        raise ValueError(
            f"hidden_layer_sizes={tuple(hidden_sizes)} needs about "
            f"{needed / 2**30:,.1f} GiB for its {n_params:,} weights and its "
            f"training buffers, more than this machine's "
            f"{available / 2**30:,.1f} GiB: use fewer or smaller layers."
        )


def check_finite_logits(logits):
    """Refuse outputs that overflowed: probabilities or predictions made from
    them would be NaN."""
    # A finite sum means finite values: one cheap pass for the usual case
    # (a small prediction's time is mostly such passes).
    if np.isfinite(np.add.reduce(logits, axis=None)):
        return
    finite = np.isfinite(logits).all(axis=1)
    if finite.all():  # the sum overflowed, the values did not
        return
    raise ValueError(
        f"The network's output overflowed for {np.count_nonzero(~finite)} of "
        f"{len(finite)} samples: their features are too large for this model "
        "(inputs far outside the training data's range). Scale X as the "
        "training data was scaled (e.g. with the same StandardScaler)."
    )


def check_loaded_state(state, classifier):
    """Refuse a loaded (unpickled) fitted state that cannot be a network:
    weights that are not one real float dtype, shapes that do not chain,
    non-finite weights, an output that is unknown or not the estimator's
    (``classifier``: whether the state is loaded into a classifier), classes
    that do not match the outputs, or an optimizer state that does not fit
    the weights or is not finite."""
    if "coefs_" not in state:
        return

    def corrupt(problem):
        raise ValueError(
            f"The loaded model's state is corrupt: {problem}. Load a file saved "
            "by skact itself, or refit the model."
        )

    coefs, intercepts = state["coefs_"], state.get("intercepts_")
    if not (
        isinstance(coefs, list)
        and isinstance(intercepts, list)
        and len(coefs) == len(intercepts) > 0
        and all(isinstance(a, np.ndarray) for a in coefs + intercepts)
    ):
        corrupt("coefs_ and intercepts_ must be lists of as many arrays")
    dtypes = {a.dtype for a in coefs + intercepts}
    dtype = dtypes.pop() if len(dtypes) == 1 else None
    if dtype not in (np.float32, np.float64):
        corrupt(f"its weights must all be float32 or all float64, not {dtypes}")
    units = [c.shape[0] if c.ndim == 2 else -1 for c in coefs] + [coefs[-1].shape[-1]]
    for c, b, fan_in, fan_out in zip(coefs, intercepts, units[:-1], units[1:]):
        if c.shape != (fan_in, fan_out) or b.shape != (fan_out,):
            corrupt(
                f"the weight shapes {[a.shape for a in coefs]} and intercept "
                f"shapes {[a.shape for a in intercepts]} do not chain"
            )
    if units[0] != state.get("n_features_in_") or units[-1] != state.get("n_outputs_"):
        corrupt(
            f"its layers go from {units[0]} to {units[-1]} units, but it "
            f"records n_features_in_={state.get('n_features_in_')} and "
            f"n_outputs_={state.get('n_outputs_')}"
        )
    hidden = state.get("_fit_hidden_sizes")
    activations = state.get("_fit_activations")
    if (
        hidden != units[1:-1]
        or not isinstance(activations, list)
        or len(activations) != len(hidden)
    ):
        corrupt(
            f"its hidden layers {units[1:-1]} do not match the recorded sizes "
            f"{hidden} and activations"
        )
    if not all(np.isfinite(a).all() for a in coefs + intercepts):
        corrupt("some weights are NaN or infinite")
    _check_loaded_output(state, classifier, corrupt)
    n_params = sum(a.size for a in coefs + intercepts)
    _check_loaded_optimizer(state.get("_optimizer"), n_params, dtype, corrupt)


def _check_loaded_output(state, classifier, corrupt):
    """The output fits the estimator and, for a classifier, ``classes_``."""
    output = state.get("out_activation_")
    if output not in OUTPUTS:
        corrupt(f"out_activation_={output!r} is not one of {sorted(OUTPUTS)}")
    n_outputs = state["n_outputs_"]
    if not classifier:
        expected = "exp" if state.get("loss") == "poisson" else "identity"
        if output != expected:
            corrupt(
                f"out_activation_={output!r} on a regressor with "
                f"loss={state.get('loss')!r}, whose output is {expected!r}"
            )
        return
    if output not in ("softmax", "logistic"):
        corrupt(
            f"out_activation_={output!r} on a classifier, whose output is "
            "'softmax' (single-label) or 'logistic' (multilabel)"
        )
    classes = state.get("classes_")
    if not isinstance(classes, np.ndarray) or classes.ndim != 1:
        corrupt(f"classes_ must be a 1-d array, not {type(classes).__name__}")
    if len(classes) != n_outputs:
        corrupt(
            f"classes_ holds {len(classes)} classes but the network has "
            f"n_outputs_={n_outputs} outputs, one per class"
        )
    if output == "softmax" and (n_outputs < 2 or len(np.unique(classes)) < n_outputs):
        corrupt(
            "a single-label classifier needs 2 or more distinct classes_, one "
            f"per output, not {classes}"
        )
    # A multilabel model's classes_ are the label columns 0, 1, ...; any other
    # classes_ mean a single-label model whose output would be read as
    # independent sigmoids (probabilities that do not sum to 1).
    # (Integers compared as integers: NumPy < 1.25 warns on comparing strings
    # with numbers elementwise.)
    if output == "logistic" and not (
        classes.dtype.kind in "iu" and np.array_equal(classes, np.arange(n_outputs))
    ):
        corrupt(
            f"out_activation_='logistic' (multilabel) with classes_={classes}; "
            "a multilabel model's classes_ are its label columns "
            f"0 to {n_outputs - 1}, a single-label one's output is 'softmax'"
        )


# The optimizers' per-parameter state: Adam's moments, SGD's velocity.
_OPTIMIZER_ARRAYS = {"Adam": ("m", "v"), "SGD": ("velocity",)}


def _check_loaded_optimizer(optimizer, n_params, dtype, corrupt):
    """The optimizer state (kept for ``warm_start`` and ``partial_fit``) has
    one finite value per parameter, in the weights' dtype."""
    if optimizer is None:
        return
    names = _OPTIMIZER_ARRAYS.get(type(optimizer).__name__)
    if names is None:
        corrupt(f"its optimizer is a {type(optimizer).__name__}, not Adam or SGD")
    kind = type(optimizer).__name__
    for name in names:
        value = getattr(optimizer, name, None)
        if not isinstance(value, np.ndarray) or value.shape != (n_params,):
            shape = getattr(value, "shape", type(value).__name__)
            corrupt(
                f"the {kind} optimizer's {name!r} has shape {shape}, but the "
                f"network has {n_params} parameters (one value each)"
            )
        if value.dtype != dtype:
            corrupt(
                f"the {kind} optimizer's {name!r} is {value.dtype}, the weights {dtype}"
            )
        if not np.isfinite(value).all():
            corrupt(f"the {kind} optimizer's {name!r} holds NaN or infinite values")
    # Adam's second moment is a running mean of squares: a negative value
    # would make its square root NaN at the next step.
    if kind == "Adam" and (optimizer.v < 0).any():
        corrupt("the Adam optimizer's 'v' (mean of squared gradients) is negative")
    scalars = ("learning_rate", "learning_rate_init") + (
        ("t",) if kind == "Adam" else ()
    )
    for name in scalars:
        value = getattr(optimizer, name, None)
        if not (isinstance(value, (int, float, np.number)) and np.isfinite(value)):
            corrupt(
                f"the {kind} optimizer's {name!r} is {value!r}, not a finite number"
            )
