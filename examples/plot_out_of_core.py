"""
====================================
Training on data larger than memory
====================================

:meth:`~skact.ActivationMLPClassifier.partial_fit` runs one epoch of the
stochastic solver over whatever rows it is given and keeps the optimizer's
state between calls, so a network can learn from data that never sits in
memory as a whole: stream it in chunks.

Here the training data is a file of 400,000 rows, 37 MiB, more than twice a
memory budget of 16 MiB. It is opened as a NumPy *memory map*: slicing it
reads only those rows from disk. A first pass over the chunks fits a
:class:`~sklearn.preprocessing.StandardScaler` with its own ``partial_fit``;
then each chunk is scaled and passed to the network. :mod:`tracemalloc`
measures the peak of the memory that Python and NumPy allocate along the way.
(The memory map's pages are the operating system's file cache, which it can
drop and re-read at any time; they are not part of the budget.) Last, the
same with a dask array, if dask is installed.
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# A data set on disk
# ------------------
# Three classes given by a fixed random "teacher" network on 24 features of
# very different scales, 5% of the labels flipped. The rows are written a
# few thousand at a time into ``.npy`` files in a temporary directory, so the
# whole array is never built in memory either.
import shutil
import tempfile
import tracemalloc
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.preprocessing import StandardScaler

from skact import ActivationMLPClassifier

MEMORY_BUDGET = 16 * 2**20  # bytes
N_ROWS, N_FEATURES, CHUNK_ROWS = 400_000, 24, 20_000
CLASSES = np.array([0, 1, 2])

tracemalloc.start()

rng = np.random.RandomState(0)
teacher_hidden = rng.randn(N_FEATURES, 16)
teacher_out = rng.randn(16, 3) * 2
feature_scales = np.logspace(-2, 3, N_FEATURES)  # raw units: 0.01 to 1000


def make_rows(n, rng):
    Z = rng.randn(n, N_FEATURES)
    y = np.argmax(np.tanh(Z @ teacher_hidden / 3) @ teacher_out, axis=1)
    flip = rng.rand(n) < 0.05
    y[flip] = rng.randint(0, 3, flip.sum())
    return (Z * feature_scales).astype(np.float32), y.astype(np.int8)


tmp = Path(tempfile.mkdtemp())
X_file = np.lib.format.open_memmap(
    tmp / "X.npy", mode="w+", dtype=np.float32, shape=(N_ROWS, N_FEATURES)
)
y_file = np.lib.format.open_memmap(
    tmp / "y.npy", mode="w+", dtype=np.int8, shape=(N_ROWS,)
)
for start in range(0, N_ROWS, 5_000):
    rows = slice(start, start + 5_000)
    X_file[rows], y_file[rows] = make_rows(5_000, rng)
X_file.flush()
y_file.flush()
del X_file, y_file

# A held-out test set, small enough to keep in memory.
X_test, y_test = make_rows(5_000, np.random.RandomState(1))

X_train = np.load(tmp / "X.npy", mmap_mode="r")
y_train = np.load(tmp / "y.npy", mmap_mode="r")
data_size = X_train.nbytes + y_train.nbytes
print(f"training data on disk: {data_size / 2**20:.1f} MiB")
print(f"memory budget:         {MEMORY_BUDGET / 2**20:.1f} MiB")


def chunks(X, y):
    for start in range(0, N_ROWS, CHUNK_ROWS):
        rows = slice(start, start + CHUNK_ROWS)
        yield X[rows], y[rows]


# %%
# Two passes over the chunks
# --------------------------
# The scaler needs one pass; the network then trains for two passes, and its
# accuracy on the test set is recorded after every chunk. ``partial_fit``
# shuffles the rows within each chunk; the chunks themselves are in random
# order already.
scaler = StandardScaler()
for X_chunk, _ in chunks(X_train, y_train):
    scaler.partial_fit(X_chunk)

clf = ActivationMLPClassifier(
    (32,), activation="relu", learning_rate_init=3e-3, random_state=0
)
X_test_scaled = scaler.transform(X_test)
seen, accuracy = [], []
for _ in range(2):
    for X_chunk, y_chunk in chunks(X_train, y_train):
        clf.partial_fit(scaler.transform(X_chunk), y_chunk, classes=CLASSES)
        seen.append(clf.t_)
        accuracy.append(clf.score(X_test_scaled, y_test))

_, peak = tracemalloc.get_traced_memory()
print(f"peak memory allocated: {peak / 2**20:.1f} MiB")
print(f"within the budget:     {peak < MEMORY_BUDGET}")
print(f"test accuracy after one pass: {accuracy[len(accuracy) // 2 - 1]:.3f}")
print(f"test accuracy after two:      {accuracy[-1]:.3f}")

# %%
# The peak, writing the files included, is a small fraction of the data: a
# chunk, its scaled copy, the minibatch buffers, the test set and the model.
# It grows with ``CHUNK_ROWS``, not with ``N_ROWS``. (5% of the labels are
# random, so no model can reach much above 95%.)
fig, ax = plt.subplots(figsize=(6.5, 4), layout="constrained")
ax.plot(np.array(seen) / 1e3, accuracy, marker=".")
ax.axvline(N_ROWS / 1e3, color="grey", linestyle=":", label="end of first pass")
ax.set_xlabel("training rows seen (thousands)")
ax.set_ylabel("accuracy on held-out data")
ax.set_title(
    f"Learning from {data_size / 2**20:.0f} MiB "
    f"within a {MEMORY_BUDGET / 2**20:.0f} MiB budget"
)
ax.legend()

# %%
# The same with dask
# ------------------
# A dask array is a grid of chunks computed on demand. Here each chunk is a
# task that reads its rows from the file; computing one chunk at a time and
# passing it to ``partial_fit`` is the loop above. (dask-ml's
# :class:`~dask_ml.wrappers.Incremental` runs this loop for you, inside a
# dask graph, also on a cluster.) Two details keep the memory small:
#
# - ``dask.array.from_array(X_train)`` would be shorter, but recent versions
#   of dask copy a NumPy array passed to it, and a memory map is one: the
#   whole file would be read into memory. Tasks that open the file
#   themselves avoid the copy.
# - Chunks are computed one at a time, by the synchronous scheduler, rather
#   than by several threads that work ahead and hold many chunks at once.
try:
    import dask
    import dask.array as da
except ImportError:
    print("dask is not installed: skipping the dask run")
else:

    def read_rows(path, start, stop):
        return np.load(path, mmap_mode="r")[start:stop]

    def dask_array_on_disk(path, dtype, n_columns=None):
        blocks = []
        for start in range(0, N_ROWS, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, N_ROWS)
            shape = (stop - start,) + ((n_columns,) if n_columns else ())
            rows = dask.delayed(read_rows)(path, start, stop)
            blocks.append(da.from_delayed(rows, shape=shape, dtype=dtype))
        return da.concatenate(blocks)

    # Measured from here: dask's modules, imported above and by its first
    # computation, stay in memory, but they are not training data.
    da.zeros(1).compute()
    tracemalloc.reset_peak()
    baseline, _ = tracemalloc.get_traced_memory()
    X_dask = dask_array_on_disk(tmp / "X.npy", np.float32, N_FEATURES)
    y_dask = dask_array_on_disk(tmp / "y.npy", np.int8)
    X_dask_scaled = X_dask.map_blocks(scaler.transform, dtype=np.float32)
    dask_clf = ActivationMLPClassifier(
        (32,), activation="relu", learning_rate_init=3e-3, random_state=0
    )
    with dask.config.set(scheduler="synchronous"):
        for i in range(X_dask.numblocks[0]):
            X_chunk, y_chunk = dask.compute(X_dask_scaled.blocks[i], y_dask.blocks[i])
            dask_clf.partial_fit(X_chunk, y_chunk, classes=CLASSES)
    dask_peak = tracemalloc.get_traced_memory()[1] - baseline
    print(f"dask: peak memory allocated {dask_peak / 2**20:.1f} MiB")
    dask_accuracy = dask_clf.score(X_test_scaled, y_test)
    # The same chunks in the same order, from the same seed: the same model
    # as the first pass above.
    print(f"dask: test accuracy after one pass {dask_accuracy:.3f}")

tracemalloc.stop()
del X_train, y_train  # close the memory maps before deleting their files
shutil.rmtree(tmp)
plt.show()
