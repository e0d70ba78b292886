"""Prediction memory and speed of skact against scikit-learn's MLPClassifier
and MLPRegressor.

Run from the repository root::

    python benchmarks/bench_predict.py            # 1,000,000 rows, 5 repeats
    python benchmarks/bench_predict.py --quick    # 200,000 rows, 3 repeats
    python benchmarks/bench_predict.py --cases regressor

Memory: the peak of traced allocations (NumPy reports to tracemalloc) during
one call, beyond what existed before it (so the input array is not counted),
in total and minus the returned array. Target: at most 64 MiB beyond the
output, with scikit-learn's default ``working_memory`` and with
``working_memory=16``.

Speed, interleaved medians, target ratio at most 1: the classifier's
``predict``, ``predict_proba`` and ``predict_log_proba`` against
scikit-learn's ``predict_proba`` on the same network shape; the regressor's
``predict`` against scikit-learn's ``predict``.

Deployment latency (case ``onnx``, needs the ``onnx`` extra, else skipped):
one row and 1000 rows through skact's ``predict_proba`` (target: at most
0.5 times scikit-learn's on one row), scikit-learn's ``predict_proba``, and
onnxruntime running the model exported by ``skact.to_onnx``.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
from dataclasses import dataclass

import numpy as np
import sklearn
from _harness import Table, interleaved, peak_memory, print_machine_info, quiet
from sklearn.datasets import make_classification, make_regression
from sklearn.neural_network import MLPClassifier, MLPRegressor

from skact import ActivationMLPClassifier, ActivationMLPRegressor

MiB = 2**20
N_FEATURES, HIDDEN = 20, (256, 256)


@dataclass
class PredictCase:
    """A network shape and which methods to measure against which."""

    n_outputs: int  # classes, or the regressor's outputs
    methods: tuple  # skact's methods measured
    ref_method: str  # scikit-learn's method they are compared with
    ref_label: str  # its name in the table's reference column
    prefix: str = ""  # of the table's case column


CASES = {
    "classifier": PredictCase(
        n_outputs=3,
        methods=("predict", "predict_proba", "predict_log_proba"),
        ref_method="predict_proba",
        ref_label="sk proba",
    ),
    "regressor": PredictCase(1, ("predict",), "predict", "sk predict", prefix="reg "),
}


def fitted_models(name, n_features, hidden, n_outputs):
    """skact and scikit-learn networks of the same shape (a few epochs: the
    weights' quality does not matter for prediction cost)."""
    params = {"hidden_layer_sizes": hidden, "max_iter": 3, "random_state": 0}
    if name == "classifier":
        X, y = make_classification(
            2000, n_features, n_informative=10, n_classes=n_outputs, random_state=0
        )
        estimators = ActivationMLPClassifier, MLPClassifier
    else:
        X, y = make_regression(
            2000, n_features, n_informative=10, n_targets=n_outputs, random_state=0
        )
        y = y / y.std()
        estimators = ActivationMLPRegressor, MLPRegressor
    with quiet():
        return tuple(cls(**params).fit(X, y) for cls in estimators)


def memory_rows(ours, ref, X, case, print=print):
    """Print peak extra memory per method and ``working_memory`` setting."""
    header = (
        f"{'estimator':<9} {'method':<18} {'X dtype':<8} {'working_memory':>14} "
        f"{'peak MiB':>9} {'- output':>9} {'target':>7}  result"
    )
    print(header)
    print("-" * len(header))
    cases = [(ours, m, X, wm) for wm in (None, 16) for m in case.methods]
    # float32 input to a float64 model: the input's conversion counts too.
    X32 = X.astype(np.float32)
    cases += [(ours, case.ref_method, X32, wm) for wm in (None, 16)]
    cases.append((ref, case.ref_method, X, None))  # context, no target
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


def timing_rows(ours, ref, X, case, repeats, table, label, calls=1):
    """Time each skact method against scikit-learn's ``case.ref_method``."""

    def loop(func):
        def run():
            for _ in range(calls):
                out = func(X)
            return out

        return run

    contenders = {m: loop(getattr(ours, m)) for m in case.methods}
    contenders["sklearn"] = loop(getattr(ref, case.ref_method))
    medians, _ = interleaved(contenders, repeats)
    for method in case.methods:
        table.add(
            label,
            X.dtype,
            medians[method] / calls,
            medians["sklearn"] / calls,
            case.ref_label,
            1.0,
            note=f"skact {method}" + (f" (mean of {calls} calls)" if calls > 1 else ""),
        )


def run_case(name, rows, repeats, table, print=print):
    """Memory and time rows of one case; returns the memory verdicts."""
    case = CASES[name]
    print(
        f"\n=== {name}: network {N_FEATURES}-{'-'.join(map(str, HIDDEN))}-"
        f"{case.n_outputs}, {rows} rows float64 "
        f"({rows * N_FEATURES * 8 / MiB:.0f} MiB input) ==="
    )
    ours, ref = fitted_models(name, N_FEATURES, HIDDEN, case.n_outputs)
    X = np.random.default_rng(0).standard_normal((rows, N_FEATURES))

    print("== peak extra memory (tracemalloc) ==")
    verdicts = memory_rows(ours, ref, X, case)

    print("\n== time, interleaved medians ==")
    table.header()
    timing_rows(ours, ref, X, case, repeats, table, f"{case.prefix}{rows} rows")
    with sklearn.config_context(working_memory=16):
        timing_rows(ours, ref, X, case, repeats, table, f"{case.prefix}{rows} wm=16")
    small = X[:100].copy()
    timing_rows(ours, ref, small, case, repeats, table, f"{case.prefix}100 rows", 200)
    if name == "regressor":
        # One row: what a per-request service pays, mostly checks and Python.
        one = X[:1].copy()
        timing_rows(ours, ref, one, case, repeats, table, f"{case.prefix}1 row", 1000)
    return verdicts


def onnx_rows(repeats, table, print=print):
    """One-row and 1000-row latency of skact, scikit-learn and onnxruntime on
    the exported skact model; skipped when onnxruntime is missing."""
    try:
        import onnxruntime as ort

        from skact import to_onnx

        ours, ref = fitted_models("classifier", N_FEATURES, HIDDEN, 3)
        X = np.random.default_rng(0).standard_normal((1000, N_FEATURES))
        onx = to_onnx(ours, X[:1])
    except ImportError as exc:
        print(f"\n=== onnx: skipped ({exc}) ===")
        return
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    name = session.get_inputs()[0].name
    print(f"\n=== onnx: network {N_FEATURES}-{'-'.join(map(str, HIDDEN))}-3 ===")
    table.header()
    for rows, calls in ((1, 500), (1000, 10)):
        data = X[:rows].copy()

        def loop(func, data=data, calls=calls):
            def run():
                for _ in range(calls):
                    out = func(data)
                return out

            return run

        medians, _ = interleaved(
            {
                "skact": loop(ours.predict_proba),
                "sklearn": loop(ref.predict_proba),
                "onnxruntime": loop(lambda d: session.run(None, {name: d})[1]),
            },
            repeats,
        )
        label = f"onnx {rows} row{'s' if rows > 1 else ''}"
        for who, target in (
            ("skact", 0.5 if rows == 1 else None),
            ("onnxruntime", None),
        ):
            note = "skact predict_proba" if who == "skact" else "onnxruntime, exported"
            table.add(
                label,
                data.dtype,
                medians[who] / calls,
                medians["sklearn"] / calls,
                "sk proba",
                target,
                note=f"{note} (mean of {calls} calls)",
            )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases",
        default=",".join([*CASES, "onnx"]),
        help=f"comma-separated, from {', '.join(CASES)}, onnx (default: all)",
    )
    parser.add_argument("--rows", type=int, default=None, help="default 1,000,000")
    parser.add_argument("--repeats", type=int, default=None, help="default 5")
    parser.add_argument("--quick", action="store_true", help="200,000 rows, 3 reps")
    args = parser.parse_args(argv)
    names = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = sorted(set(names) - {*CASES, "onnx"})
    if unknown:
        parser.error(f"unknown cases {unknown}; choose from {[*CASES, 'onnx']}")
    rows = args.rows or (200_000 if args.quick else 1_000_000)
    repeats = args.repeats or (3 if args.quick else 5)

    print_machine_info()
    print(
        f"repeats {repeats}; sklearn working_memory default "
        f"{sklearn.get_config()['working_memory']} MiB"
    )
    table = Table()
    verdicts = []
    for name in names:
        if name == "onnx":
            onnx_rows(repeats, table)
        else:
            verdicts += run_case(name, rows, repeats, table)
    table.summary()
    print(f"memory: {verdicts.count('PASS')} PASS, {verdicts.count('FAIL')} FAIL")


if __name__ == "__main__":
    main()
