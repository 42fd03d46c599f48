#!/usr/bin/env python3
"""Reference cases for the exact solver (tests/c/test_emd_reference.c).

Usage: gen_emd_cases.py OUT_FILE [COUNT [SEED]]

Writes COUNT random transport problems with reference optimal costs from two
independent solvers: POT's ot.emd2 (network simplex) and scipy's
linprog(method="highs"). Shapes vary: n != m, n or m = 1, point clouds in
dimension 1..10 with several ground metrics, dense matrices, integer costs
with many ties, zero weights, duplicate points, and partial transport
(unequal totals, Rubner's EMD: flow = min of the totals).

Binary format, all little-endian:
  header: 8 bytes magic b"WEMDREF1", uint64 count
  per case:
    uint64 kind     0 = dense cost matrix, 1 = point clouds
    uint64 mode     0 = balanced, 2 = partial (the wass_mass_mode values)
    uint64 n, m, d  (d = 0 for dense)
    uint64 metric   wass_metric value (points only)
    double q        Minkowski exponent
    double p        power applied to the metric (dense: 1)
    double a[n], b[m]
    dense:  double C[n*m] (row-major)
    points: double X[n*d], Y[m*d] (row-major)
    double ref_pot, ref_highs   optimal total cost (partial: work, the sum
                                 of P_ij C_ij over the moved mass)
"""
import struct
import sys

import numpy as np

# Only POT's NumPy backend is needed; keep it from importing the (slow to
# load) deep-learning frameworks it would otherwise probe.
for _name in ("torch", "jax", "tensorflow", "cupy"):
    sys.modules.setdefault(_name, None)
import ot  # noqa: E402
from scipy.optimize import linprog

EUCLIDEAN, SQEUCLIDEAN, CITYBLOCK, CHEBYSHEV, MINKOWSKI = range(5)


def ground_cost(X, Y, metric, q, p):
    D = X[:, None, :] - Y[None, :, :]
    if metric == EUCLIDEAN:
        c = np.sqrt(np.sum(D * D, axis=2))
    elif metric == SQEUCLIDEAN:
        c = np.sum(D * D, axis=2)
    elif metric == CITYBLOCK:
        c = np.sum(np.abs(D), axis=2)
    elif metric == CHEBYSHEV:
        c = np.max(np.abs(D), axis=2)
    else:
        c = np.sum(np.abs(D) ** q, axis=2) ** (1.0 / q)
    return c ** p if p != 1 else c


def weights(rng, k, zeros, integer):
    if integer:
        w = rng.integers(1, 6, size=k).astype(float)
    else:
        w = rng.uniform(0.05, 1.0, size=k)
    if zeros and k > 1:
        z = rng.random(k) < 0.25
        if z.all():
            z[rng.integers(k)] = False
        w[z] = 0.0
    return w


def ref_highs(a, b, C, partial):
    n, m = C.shape
    A_rows = np.kron(np.eye(n), np.ones((1, m)))
    A_cols = np.kron(np.ones((1, n)), np.eye(m))
    c = C.ravel()
    if not partial:
        res = linprog(c, A_eq=np.vstack([A_rows, A_cols]), b_eq=np.concatenate([a, b]),
                      bounds=(0, None), method="highs")
    else:
        # all of the smaller side moves, the larger side keeps the rest
        if a.sum() <= b.sum():
            res = linprog(c, A_eq=A_rows, b_eq=a, A_ub=A_cols, b_ub=b, bounds=(0, None),
                          method="highs")
        else:
            res = linprog(c, A_eq=A_cols, b_eq=b, A_ub=A_rows, b_ub=a, bounds=(0, None),
                          method="highs")
    assert res.status == 0, res.message
    return float(res.fun)


def ref_pot(a, b, C, partial):
    if partial and a.sum() != b.sum():
        # a dummy node of zero cost absorbs the excess
        ex = a.sum() - b.sum()
        if ex > 0:
            C = np.hstack([C, np.zeros((C.shape[0], 1))])
            b = np.append(b, ex)
        else:
            C = np.vstack([C, np.zeros((1, C.shape[1]))])
            a = np.append(a, -ex)
    b = b * (a.sum() / b.sum())
    return float(ot.emd2(a, b, C, numItermax=10**8))


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 12345
    rng = np.random.default_rng(seed)
    buf = [b"WEMDREF1", struct.pack("<Q", count)]
    for t in range(count):
        shape = t % 10
        if shape == 0:
            n, m = 1, int(rng.integers(1, 25))
        elif shape == 1:
            n, m = int(rng.integers(1, 25)), 1
        elif shape == 9:
            n, m = int(rng.integers(30, 45)), int(rng.integers(30, 45))
        else:
            n, m = int(rng.integers(2, 30)), int(rng.integers(2, 30))
        kind = 0 if t % 3 == 0 else 1
        partial = t % 7 == 3
        zeros = t % 4 == 1
        integer_w = t % 5 == 2
        a = weights(rng, n, zeros, integer_w)
        b = weights(rng, m, zeros, integer_w)
        if partial:
            b = b * rng.uniform(0.3, 2.0)
        else:
            b = b * (a.sum() / b.sum())
        d, metric, q, p = 0, 0, 2.0, 1.0
        if kind == 0:
            if t % 2 == 0:  # integer costs with many ties
                C = rng.integers(0, 4, size=(n, m)).astype(float)
            else:
                C = rng.uniform(0, 10, size=(n, m))
            payload = C.ravel()
        else:
            d = int(rng.integers(1, 11))
            metric = int(rng.integers(0, 5))
            q = 3.0 if metric == MINKOWSKI else 2.0
            p = 2.0 if (metric == EUCLIDEAN and t % 4 == 3) else 1.0
            if t % 6 == 1:  # integer coordinates: ties and duplicate points
                pool = rng.integers(0, 3, size=(4, d)).astype(float)
                X = pool[rng.integers(0, 4, size=n)]
                Y = pool[rng.integers(0, 4, size=m)]
            else:
                X = rng.normal(size=(n, d))
                Y = rng.normal(size=(m, d)) + rng.uniform(-1, 1)
                if n > 2:
                    X[1] = X[0]  # a duplicate point
            C = ground_cost(X, Y, metric, q, p)
            payload = np.concatenate([X.ravel(), Y.ravel()])
        rp = ref_pot(a, b, C, partial)
        rh = ref_highs(a, b, C, partial)
        buf.append(struct.pack("<6Q2d", kind, 2 if partial else 0, n, m, d, metric, q, p))
        buf.append(np.ascontiguousarray(a, dtype="<f8").tobytes())
        buf.append(np.ascontiguousarray(b, dtype="<f8").tobytes())
        buf.append(np.ascontiguousarray(payload, dtype="<f8").tobytes())
        buf.append(struct.pack("<2d", rp, rh))
    with open(out + ".tmp", "wb") as f:
        f.write(b"".join(buf))
    import os
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
