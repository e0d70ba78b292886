"""
==================================
Deploying a model through ONNX
==================================

A fitted skact model, or a pipeline holding one, converts to `ONNX
<https://onnx.ai>`_ with :func:`skact.to_onnx`, and then runs without
Python's scientific stack: in onnxruntime, Triton, ML.NET, a browser. Every
activation is written with ONNX operators, so the exported model computes what
skact computes.

This example exports a scaler and a GELU network, saves the file, loads it
with onnxruntime, checks that its probabilities are skact's, and compares the
latency of one request. It needs the ``onnx`` extra (``pip install
"skact[onnx]"``).
"""

# Authors: The skact developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Fit and export
# --------------
# The input's dtype (float64 here) and width come from ``X[:1]``.
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import onnx
import onnxruntime as ort
from sklearn.datasets import make_moons
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skact

X, y = make_moons(500, noise=0.2, random_state=0)
pipe = make_pipeline(
    StandardScaler(),
    skact.ActivationMLPClassifier(
        (16, 8),
        activation=("gelu", "silu"),
        learning_rate_init=0.01,
        max_iter=500,
        early_stopping=True,
        random_state=0,
    ),
).fit(X, y)

onx = skact.to_onnx(pipe, X[:1])
print("inputs: ", [i.name for i in onx.graph.input])
print("outputs:", [o.name for o in onx.graph.output])

# %%
# Save, load, run
# ---------------
# The classifier's outputs are the labels and the probabilities, a plain
# tensor in the order of ``classes_``.
path = Path(tempfile.mkdtemp()) / "moons.onnx"
onnx.save(onx, path)
session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
labels, proba = session.run(None, {"X": X})

difference = np.abs(proba - pipe.predict_proba(X)).max()
agree = np.mean(labels == pipe.predict(X))
print(f"largest probability difference: {difference:.1e}; labels agree: {agree:.0%}")

# %%
# One request
# -----------
# A service scores one row at a time: there, onnxruntime's fixed cost per call
# is smaller than that of a Python ``predict_proba``.
row = X[:1].copy()


def per_call(func, calls=300):
    func()
    start = time.perf_counter()
    for _ in range(calls):
        func()
    return (time.perf_counter() - start) / calls * 1e6


latency = {
    "skact pipeline": per_call(lambda: pipe.predict_proba(row)),
    "onnxruntime": per_call(lambda: session.run(None, {"X": row})),
}
for name, microseconds in latency.items():
    print(f"{name:>15}: {microseconds:6.0f} µs per row")

# %%
# What onnxruntime computes is skact's model: its probability map, on a grid,
# next to the time of one request.
xx, yy = np.meshgrid(np.linspace(-2, 3, 200), np.linspace(-1.5, 2, 200))
grid = np.c_[xx.ravel(), yy.ravel()]
grid_proba = session.run(None, {"X": grid})[1][:, 1].reshape(xx.shape)

fig, (ax_map, ax_time) = plt.subplots(
    1, 2, figsize=(10, 4.4), width_ratios=(1.4, 1), layout="constrained"
)
# A pale map, and the classes in colours and shapes of their own with dark
# edges: drawn in the map's colours they would vanish into it.
contour = ax_map.contourf(
    xx, yy, grid_proba, levels=20, cmap="RdBu_r", vmin=-0.4, vmax=1.4
)
for label, marker, color in [(0, "o", "gold"), (1, "s", "white")]:
    ax_map.scatter(
        *X[y == label].T,
        marker=marker,
        c=color,
        edgecolors="k",
        linewidths=0.6,
        s=18,
        label=f"class {label}",
    )
ax_map.contour(xx, yy, grid_proba, levels=[0.5], colors="k", linewidths=1.5)
colorbar = fig.colorbar(contour, ax=ax_map, label="P(class 1), onnxruntime")
colorbar.set_ticks([0, 0.25, 0.5, 0.75, 1])
ax_map.set(xlabel="x1", ylabel="x2", title="The exported model's probabilities")
ax_map.legend(loc="upper right", framealpha=1, title="solid line: P = 0.5")
ax_time.bar(list(latency), list(latency.values()), color=["C0", "C1"])
ax_time.set(ylabel="µs per one-row call", xlabel="runtime", title="One request")
plt.show()
