"""Latency of every exported activation: onnxruntime against skact itself.

Run from the repository root (needs the ``onnx`` extra)::

    python benchmarks/bench_onnx.py                 # 1000 rows, 21 repeats
    python benchmarks/bench_onnx.py --quick         # 7 repeats
    python benchmarks/bench_onnx.py --activations gelu,softplus --dtypes float64

For each built-in activation and dtype: a classifier of shape 20-256-256-3
(a few L-BFGS iterations: the weights' values do not change the time), its
``predict_proba`` on 1000 rows against onnxruntime running the model exported
by ``skact.to_onnx`` on the same rows, interleaved, medians of ``--repeats``
calls each. Target: the ratio onnxruntime / skact at most 1 for every row.
Also printed: the number of nodes in the exported graph.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse

import numpy as np
from _harness import interleaved, print_machine_info, quiet

from skact import ActivationMLPClassifier, to_onnx
from skact.activations import ACTIVATIONS

N_FEATURES, HIDDEN, N_CLASSES, ROWS = 20, (256, 256), 3, 1000


def measure(activation, dtype, repeats, threads=0):
    """``(skact seconds, onnxruntime seconds, graph nodes)`` on ROWS rows."""
    import onnxruntime as ort

    rng = np.random.default_rng(0)
    X = rng.standard_normal((ROWS, N_FEATURES)).astype(dtype)
    y = np.argmax(X[:, :N_CLASSES], axis=1)
    with quiet():
        clf = ActivationMLPClassifier(
            HIDDEN, activation=activation, solver="lbfgs", max_iter=3, random_state=0
        ).fit(X, y)
    onx = to_onnx(clf, X[:1])
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads  # 0: onnxruntime's default
    session = ort.InferenceSession(
        onx.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    name = session.get_inputs()[0].name
    medians, results = interleaved(
        {
            "skact": lambda: clf.predict_proba(X),
            "onnxruntime": lambda: session.run(None, {name: X})[1],
        },
        repeats,
    )
    # The comparison is only meaningful if both compute the same thing.
    np.testing.assert_allclose(
        results["onnxruntime"], results["skact"], rtol=1e-4, atol=1e-6
    )
    return medians["skact"], medians["onnxruntime"], len(onx.graph.node)


def main(argv=None):
    names = sorted({a.name for a in ACTIVATIONS.values()})
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activations", default=",".join(names))
    parser.add_argument("--dtypes", default="float32,float64")
    parser.add_argument("--repeats", type=int, default=None, help="default 21")
    parser.add_argument("--quick", action="store_true", help="7 repeats")
    parser.add_argument(
        "--ort-threads",
        type=int,
        default=0,
        help="onnxruntime's intra_op_num_threads (default 0: its own choice)",
    )
    args = parser.parse_args(argv)
    repeats = args.repeats or (7 if args.quick else 21)
    try:
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        print(f"skipped: {exc}")
        return
    print_machine_info()
    shape = f"{N_FEATURES}-{'-'.join(map(str, HIDDEN))}-{N_CLASSES}"
    print(
        f"\nnetwork {shape}, {ROWS} rows, medians of {repeats} interleaved calls, "
        f"onnxruntime intra_op_num_threads={args.ort_threads}"
    )
    print(f"{'activation':<12} {'dtype':<8} {'skact ms':>9} {'onnx ms':>9} "
          f"{'ratio':>6} {'nodes':>6}")  # fmt: skip
    slower = []
    for dtype in args.dtypes.split(","):
        for activation in args.activations.split(","):
            ours, theirs, nodes = measure(
                activation, np.dtype(dtype), repeats, args.ort_threads
            )
            ratio = theirs / ours
            flag = "" if ratio <= 1 else "  <- slower than skact"
            print(
                f"{activation:<12} {dtype:<8} {ours * 1e3:9.2f} {theirs * 1e3:9.2f} "
                f"{ratio:6.2f} {nodes:6d}{flag}"
            )
            if ratio > 1:
                slower.append(f"{activation} {dtype}")
    print("\nall at most as slow as skact" if not slower else f"\nslower: {slower}")


if __name__ == "__main__":
    main()
