#!/usr/bin/env python3
"""Write a random point-cloud problem and time POT's ot.emd on it (CPU time).

usage: time_emd_vs_pot.py N D METRIC(euclidean|sqeuclidean) OUT_FILE [REPS]
Two Gaussian clouds of N points in dimension D (the second shifted by 0.5),
uniform weights; OUT_FILE gets int64 n, m, d, X, Y (little-endian) for
time_emd. Not a test: timings are for reports only.
"""
import struct
import sys
import time

for _name in ("torch", "jax", "tensorflow", "cupy"):
    sys.modules.setdefault(_name, None)
import numpy as np  # noqa: E402
import ot  # noqa: E402

n, d, metric, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
reps = int(sys.argv[5]) if len(sys.argv) > 5 else 1
rng = np.random.default_rng(n * 100 + d)
X = rng.normal(size=(n, d))
Y = rng.normal(size=(n, d)) + 0.5
with open(path, "wb") as f:
    f.write(struct.pack("<3q", n, n, d))
    f.write(X.astype("<f8").tobytes())
    f.write(Y.astype("<f8").tobytes())
M = ot.dist(X, Y, metric=metric)
a = np.full(n, 1.0 / n)
best = float("inf")
for _ in range(reps):
    t = time.process_time()
    _, log = ot.emd(a, a, M, numItermax=10**9, log=True)
    best = min(best, time.process_time() - t)
print(f"POT  n={n} d={d} {metric} cpu={best:.4f} s cost={log['cost']:.15g}")
