"""Per-epoch training time of every built-in activation, as ratios to ReLU.

Run from the repository root::

    python benchmarks/bench_activations.py               # 7 repeats, both dtypes
    python benchmarks/bench_activations.py --repeats 11 --dtypes float64

One fixed data set and network (``make_classification``, 10,000 x 20,
3 classes, standardised; hidden layers (100, 100), scikit-learn's default
width; Adam, batch 200, 10 epochs with ``tol=0`` so that every epoch runs).
Only the activation changes. Every (dtype, activation) fit runs once per
round, the rounds interleaved and the order rotated from round to round, all
in this process; each ratio is the median over rounds of that round's time
over the same round's ReLU time in the same dtype, which cancels most of a
shared machine's drift. The float32 column's ratios are to float32's ReLU;
the last line gives float32's ReLU over float64's.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import statistics

import numpy as np
from _harness import print_machine_info, quiet, time_call
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler

from skact import ActivationMLPClassifier
from skact.activations import ACTIVATIONS, get_activation

EPOCHS = 10


def builtin_activations():
    """The built-in activation names, aliases left out."""
    names = []
    for name in ACTIVATIONS:
        if get_activation(name).name == name:
            names.append(name)
    return names


def make_fit(X, y, activation):
    """A call that fits the fixed network with ``activation`` for EPOCHS."""
    clf = ActivationMLPClassifier(
        hidden_layer_sizes=(100, 100),
        activation=activation,
        solver="adam",
        batch_size=200,
        max_iter=EPOCHS,
        tol=0.0,
        n_iter_no_change=EPOCHS,
        random_state=0,
    )
    return lambda: clf.fit(X, y)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="rounds (default 7)")
    parser.add_argument(
        "--dtypes", default="float64,float32", help="comma-separated dtypes"
    )
    args = parser.parse_args(argv)
    dtypes = [np.dtype(d) for d in args.dtypes.split(",")]

    print_machine_info()
    X, y = make_classification(
        10_000, 20, n_informative=10, n_classes=3, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    names = builtin_activations()
    fits = {
        (dtype.name, name): make_fit(X.astype(dtype), y, name)
        for dtype in dtypes
        for name in names
    }
    keys = list(fits)
    times = {key: [] for key in keys}
    with quiet():
        for fit in fits.values():  # warm-up
            fit()
        for round_ in range(args.repeats):
            shift = round_ * len(keys) // args.repeats
            for key in keys[shift:] + keys[:shift]:
                seconds, _ = time_call(fits[key])
                times[key].append(seconds)

    def ratio(key, reference):
        rounds = zip(times[key], times[reference])
        return statistics.median(t / t_ref for t, t_ref in rounds)

    print(
        f"\nper-epoch time, median of {args.repeats} rounds of {EPOCHS} epochs;"
        " ratio: median over rounds of the time over ReLU's in the same dtype"
    )
    header = f"{'activation':<12}"
    for dtype in dtypes:
        header += f"{dtype.name + ' ms':>13}{'ratio':>8}"
    print(header)
    for name in names:
        row = f"{name:<12}"
        for dtype in dtypes:
            key = (dtype.name, name)
            ms = 1e3 * statistics.median(times[key]) / EPOCHS
            row += f"{ms:>13.2f}{ratio(key, (dtype.name, 'relu')):>8.2f}"
        print(row)
    if len(dtypes) > 1:
        first, second = dtypes[0].name, dtypes[1].name
        print(
            f"relu, {second} over {first}: "
            f"{ratio((second, 'relu'), (first, 'relu')):.2f}"
        )


if __name__ == "__main__":
    main()
