"""Timing helpers shared by the skact benchmarks.

House rules for speed measurements on small, shared, noisy machines: compare
*ratios* measured in one process, run the contenders interleaved
(A B A B ...) after one warm-up call each, and report medians of at least 5
repeats. Everything here serves those rules; nothing here imports skact.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import contextlib
import datetime
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
import warnings

import numpy as np
import scipy
import sklearn
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_info


def optional_torch():
    """The ``torch`` module, or None when it is not installed (never required)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def parse_args(description, cases, argv=None):
    """Common command line: ``--cases``, ``--dtypes``, ``--repeats``, ``--quick``.

    Parameters
    ----------
    description : str
    cases : dict of {str: str}
        Case name to a one-line description, in running order.
    argv : list of str, default=None

    Returns
    -------
    args : argparse.Namespace
        ``args.cases`` and ``args.dtypes`` are lists; ``args.repeats`` is an
        int (3 with ``--quick`` unless ``--repeats`` was given, else 5).
    """
    epilog = "cases:\n" + "\n".join(f"  {k:<14} {v}" for k, v in cases.items())
    parser = argparse.ArgumentParser(
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--cases",
        default=",".join(cases),
        help="comma-separated case names (default: all)",
    )
    parser.add_argument(
        "--dtypes",
        default="float64,float32",
        help="comma-separated dtypes (default: float64,float32)",
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="timed repeats (default 5)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="3 repeats and lighter settings"
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="run every case (but 'threads') under threadpool_limits(N, "
        "user_api='blas'), for both libraries; default: the libraries' own",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="instead of timing, cProfile one skact and one reference call per "
        "case (top functions by tottime)",
    )
    args = parser.parse_args(argv)
    args.cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = sorted(set(args.cases) - set(cases))
    if unknown:
        parser.error(f"unknown cases {unknown}; choose from {list(cases)}")
    args.dtypes = [np.dtype(d.strip()) for d in args.dtypes.split(",")]
    if args.repeats is None:
        args.repeats = 3 if args.quick else 5
    return args


def print_machine_info(print=print):
    """Date, CPU count, library versions and the BLAS thread pools."""
    torch = optional_torch()
    print(f"date: {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(f"machine: {platform.platform()}, {platform.processor() or '?'}")
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(f"cpus: os.cpu_count()={os.cpu_count()}, usable={affinity}")
    versions = [
        f"python {platform.python_version()}",
        f"numpy {np.__version__}",
        f"scipy {scipy.__version__}",
        f"scikit-learn {sklearn.__version__}",
    ]
    if torch is None:
        versions.append("torch not installed (torch cases skipped)")
    else:
        versions.append(
            f"torch {torch.__version__} ({torch.get_num_threads()} threads, default)"
        )
    print("versions: " + ", ".join(versions))
    for pool in threadpool_info():
        print(
            f"threadpool: {pool.get('user_api')} {pool.get('internal_api')} "
            f"{pool.get('version')} arch={pool.get('architecture', '-')} "
            f"threads={pool.get('num_threads')} ({os.path.basename(pool['filepath'])})"
        )
    if hasattr(os, "getloadavg"):
        print("load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    blas_env = {
        k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP"))
    }
    if blas_env:
        print(f"environment: {blas_env}")
    sys.stdout.flush()


@contextlib.contextmanager
def quiet():
    """Silence ConvergenceWarning: the benchmarks run a fixed number of epochs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def time_call(func):
    """``(seconds, result)`` of one call, after a garbage collection."""
    gc.collect()
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def interleaved(contenders, repeats, warmups=None):
    """Time the contenders in turn, A B A B ..., after one warm-up each.

    Parameters
    ----------
    contenders : dict of {str: callable}
        Each called without arguments; its return value is kept.
    repeats : int
        Timed calls of each contender.
    warmups : dict of {str: callable}, default=None
        Cheaper warm-up calls (e.g. one epoch); the contenders themselves when
        None.

    Returns
    -------
    medians : dict of {str: float}
        Median seconds per contender.
    results : dict
        The last call's return value per contender.
    """
    warmups = contenders if warmups is None else warmups
    with quiet():
        for name in contenders:
            warmups[name]()
        times = {name: [] for name in contenders}
        results = {}
        for _ in range(repeats):
            for name, func in contenders.items():
                seconds, results[name] = time_call(func)
                times[name].append(seconds)
    return {k: statistics.median(v) for k, v in times.items()}, results


def peak_memory(func):
    """``(peak_bytes, result)``: the most memory traced during ``func()``
    beyond what was allocated before (NumPy reports to tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        result = func()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before, result


class Table:
    """Rows of ``case, dtype, skact time, reference time, ratio, target``.

    A row passes when ``ratio <= target``; a row with ``target=None`` is
    information only. Accuracies that differ by more than ``acc_tol`` are
    flagged: a speed ratio means little if the fits are not equally good.
    """

    columns = (
        ("case", "<18"),
        ("dtype", "<8"),
        ("skact s", ">9"),
        ("ref s", ">9"),
        ("reference", "<15"),
        ("ratio", ">6"),
        ("target", ">7"),
        ("result", "<6"),
        ("acc skact", ">9"),
        ("acc ref", ">8"),
        ("note", "<0"),
    )

    def __init__(self, acc_tol=0.005):
        self.acc_tol = acc_tol
        self.rows = []

    def add(
        self,
        case,
        dtype,
        ours,
        ref,
        reference,
        target=None,
        acc=None,
        acc_ref=None,
        note="",
        print=print,
    ):
        """Add a row (times in seconds, accuracies in [0, 1]); print it now."""
        ratio = ours / ref
        result = "info" if target is None else ("PASS" if ratio <= target else "FAIL")
        if (
            acc is not None
            and acc_ref is not None
            and abs(acc - acc_ref) > self.acc_tol
        ):
            note = f"ACCURACY DIFFERS; {note}".rstrip("; ")
        row = (
            case,
            str(np.dtype(dtype)) if dtype is not None else "-",
            f"{ours:.4g}",
            f"{ref:.4g}",
            reference,
            f"{ratio:.2f}",
            "-" if target is None else f"{target:.2f}",
            result,
            "-" if acc is None else f"{acc:.4f}",
            "-" if acc_ref is None else f"{acc_ref:.4f}",
            note,
        )
        self.rows.append(row)
        print(self._format(row), flush=True)
        return ratio

    def _format(self, row):
        return "  ".join(f"{v:{fmt}}" for v, (_, fmt) in zip(row, self.columns))

    def header(self, print=print):
        names = tuple(name for name, _ in self.columns)
        line = self._format(names)
        print(line)
        print("-" * len(line), flush=True)

    def summary(self, print=print):
        """Print the whole table again, and the count of PASS/FAIL rows."""
        print()
        self.header(print=print)
        for row in self.rows:
            print(self._format(row))
        verdicts = [row[7] for row in self.rows]
        print(
            f"\n{verdicts.count('PASS')} PASS, {verdicts.count('FAIL')} FAIL, "
            f"{verdicts.count('info')} info"
        )


def profile(func, n_lines=25, print=print):
    """Run ``func`` under cProfile; print the top functions by ``tottime``."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    with quiet():
        start = time.perf_counter()
        profiler.enable()
        func()
        profiler.disable()
        total = time.perf_counter() - start
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream).sort_stats("tottime")
    stats.print_stats(n_lines)
    print(f"wall time under the profiler: {total:.3f}s")
    print(stream.getvalue())
