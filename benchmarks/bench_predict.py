"""Prediction memory and speed of skact against scikit-learn's MLPClassifier.

Run from the repository root::

    python benchmarks/bench_predict.py            # 1,000,000 rows, 5 repeats
    python benchmarks/bench_predict.py --quick    # 200,000 rows, 3 repeats

Memory: the peak of traced allocations (NumPy reports to tracemalloc) during
one call, beyond what existed before it (so the input array is not counted),
in total and minus the returned array. Target: at most 64 MiB beyond the
output, with scikit-learn's default ``working_memory`` and with
``working_memory=16``.

Speed: ``predict``, ``predict_proba`` and ``predict_log_proba`` against
scikit-learn's ``predict_proba`` on the same network shape, interleaved
medians. Target: ratio at most 1.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse

import numpy as np
import sklearn
from _harness import Table, interleaved, peak_memory, print_machine_info, quiet
from sklearn.datasets import make_classification
from sklearn.neural_network import MLPClassifier

from skact import ActivationMLPClassifier

MiB = 2**20
METHODS = ("predict", "predict_proba", "predict_log_proba")


def fitted_models(n_features, hidden, n_classes):
    """skact and scikit-learn networks of the same shape (a few epochs: the
    weights' quality does not matter for prediction cost)."""
    X, y = make_classification(
        2000, n_features, n_informative=10, n_classes=n_classes, random_state=0
    )
    params = {"hidden_layer_sizes": hidden, "max_iter": 3, "random_state": 0}
    with quiet():
        return (
            ActivationMLPClassifier(**params).fit(X, y),
            MLPClassifier(**params).fit(X, y),
        )


def memory_rows(ours, ref, X, print=print):
    """Print peak extra memory per method and ``working_memory`` setting."""
    header = (
        f"{'estimator':<9} {'method':<18} {'X dtype':<8} {'working_memory':>14} "
        f"{'peak MiB':>9} {'- output':>9} {'target':>7}  result"
    )
    print(header)
    print("-" * len(header))
    cases = [(ours, m, X, wm) for wm in (None, 16) for m in METHODS]
    # float32 input to a float64 model: the input's conversion counts too.
    X32 = X.astype(np.float32)
    cases += [(ours, "predict_proba", X32, wm) for wm in (None, 16)]
    cases.append((ref, "predict_proba", X, None))  # context, no target
    verdicts = []
    for est, method, data, working_memory in cases:
        func = getattr(est, method)
        if working_memory is None:
            peak, out = peak_memory(lambda: func(data))  # noqa: B023
        else:
            with sklearn.config_context(working_memory=working_memory):
                peak, out = peak_memory(lambda: func(data))  # noqa: B023
        extra = peak - out.nbytes
        ours_row = est is ours
        result = ("PASS" if extra <= 64 * MiB else "FAIL") if ours_row else "info"
        verdicts.append(result)
        wm = "default" if working_memory is None else f"{working_memory} MiB"
        print(
            f"{'skact' if ours_row else 'sklearn':<9} {method:<18} "
            f"{str(data.dtype):<8} {wm:>14} {peak / MiB:>9.1f} {extra / MiB:>9.1f} "
            f"{'64' if ours_row else '-':>7}  {result}",
            flush=True,
        )
    return verdicts


def timing_rows(ours, ref, X, repeats, table, label, calls=1):
    """Time each skact method against scikit-learn's predict_proba."""

    def loop(func):
        def run():
            for _ in range(calls):
                out = func(X)
            return out

        return run

    contenders = {m: loop(getattr(ours, m)) for m in METHODS}
    contenders["sklearn"] = loop(ref.predict_proba)
    medians, _ = interleaved(contenders, repeats)
    for method in METHODS:
        table.add(
            label,
            X.dtype,
            medians[method] / calls,
            medians["sklearn"] / calls,
            "sk proba",
            1.0,
            note=f"skact {method}" + (f" (mean of {calls} calls)" if calls > 1 else ""),
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None, help="default 1,000,000")
    parser.add_argument("--repeats", type=int, default=None, help="default 5")
    parser.add_argument("--quick", action="store_true", help="200,000 rows, 3 reps")
    args = parser.parse_args(argv)
    rows = args.rows or (200_000 if args.quick else 1_000_000)
    repeats = args.repeats or (3 if args.quick else 5)
    n_features, hidden, n_classes = 20, (256, 256), 3

    print_machine_info()
    print(
        f"network {n_features}-{'-'.join(map(str, hidden))}-{n_classes}, "
        f"{rows} rows float64 ({rows * n_features * 8 / MiB:.0f} MiB input), "
        f"repeats {repeats}; sklearn working_memory default "
        f"{sklearn.get_config()['working_memory']} MiB\n"
    )
    ours, ref = fitted_models(n_features, hidden, n_classes)
    X = np.random.default_rng(0).standard_normal((rows, n_features))

    print("== peak extra memory (tracemalloc) ==")
    verdicts = memory_rows(ours, ref, X)

    print("\n== time, interleaved medians ==")
    table = Table()
    table.header()
    timing_rows(ours, ref, X, repeats, table, f"{rows} rows")
    with sklearn.config_context(working_memory=16):
        timing_rows(ours, ref, X, repeats, table, f"{rows} wm=16")
    small = X[:100].copy()
    timing_rows(ours, ref, small, repeats, table, "100 rows", calls=200)
    table.summary()
    print(f"memory: {verdicts.count('PASS')} PASS, {verdicts.count('FAIL')} FAIL")


if __name__ == "__main__":
    main()
