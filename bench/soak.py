"""Soak test (not CI): random exact problems of growing size for a given
time, each checked against its own certificate (certified, and the bound
against the plan's recomputed cost) and against POT's ot.emd2 (on the costs
scaled to a maximum of 1, where its tolerances are harmless), with the
process's resident memory sampled between rounds (it must stay flat: no
leak). Prints the counts at the end.

    PYTHONPATH=build/python python3 bench/soak.py [--minutes M] [--seed S]
"""
import argparse
import os
import time

import numpy as np

import ot
import wass


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def problem(rng, n, m):
    kind = rng.integers(0, 4)
    d = int(rng.integers(1, 4))
    X, Y = rng.normal(size=(n, d)), rng.normal(size=(m, d)) + rng.normal(size=d)
    scale = 10.0 ** rng.uniform(-6, 6)
    X, Y = X * scale, Y * scale
    a, b = rng.uniform(0, 1, n), rng.uniform(0, 1, m)
    if kind == 1:  # duplicates and zero weights
        X[: n // 3] = X[0]
        a[rng.integers(0, n, n // 5)] = 0
    if kind == 2:  # integer grid: degenerate
        X, Y = np.round(X / scale * 2), np.round(Y / scale * 2)
    a /= a.sum()
    b /= b.sum()
    metric = ["euclidean", "sqeuclidean", "cityblock", "chebyshev"][int(rng.integers(0, 4))]
    return a, b, X, Y, metric


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    t_end = time.time() + 60 * args.minutes
    counts = dict(problems=0, certified=0, not_certified=0, pot_mismatch=0, bound_violated=0,
                  errors=0)
    worst = 0.0
    rss = []
    size = 8
    while time.time() < t_end:
        for _ in range(20):
            n, m = int(rng.integers(size // 2, size + 1)), int(rng.integers(size // 2, size + 1))
            a, b, X, Y, metric = problem(rng, n, m)
            counts["problems"] += 1
            try:
                r = wass.solve(a, b, X=X, Y=Y, metric=metric, strict=False, threads=1)
            except wass.WassError:
                counts["errors"] += 1
                continue
            c = r.certificate
            if r.status != "optimal" or not c["certified"]:
                counts["not_certified"] += 1
                continue
            counts["certified"] += 1
            ii, jj, mm = r.plan_sparse
            M = ot.dist(X, Y, metric="euclidean" if metric == "euclidean" else
                        {"sqeuclidean": "sqeuclidean", "cityblock": "cityblock",
                         "chebyshev": "chebyshev"}[metric])
            # POT's simplex has absolute tolerances: on costs of 1e-10 it stops up
            # to 1e-4 (relative) above the optimum; on the costs scaled to 1 it is exact
            s = float(M.max()) or 1.0
            ref = ot.emd2(a, b, M / s, numItermax=10**7) * s
            err = abs(r.cost - ref) / max(abs(ref), 1e-300)
            worst = max(worst, err)
            if err > 1e-7:
                counts["pot_mismatch"] += 1
            recomputed = float(np.sum(mm * M[ii, jj]))
            if abs(recomputed - r.cost) > c["gap_bound"] + 1e-12 * abs(r.cost):
                counts["bound_violated"] += 1
        rss.append((size, rss_mb()))
        size = min(int(size * 1.25) + 1, 1500)
        if size == 1500:
            size = 8  # around again: memory must come back to where it was
    print("soak: %(problems)d problems, %(certified)d certified, %(not_certified)d not "
          "certified, %(errors)d refused, %(pot_mismatch)d differing from POT by > 1e-7 "
          "(relative), %(bound_violated)d outside their bound" % counts)
    print("soak: worst relative difference to POT %.2e" % worst)
    firsts = [r for s, r in rss if s <= 20]
    print("soak: resident memory (MiB) at the small sizes, round by round: %s; peak %.1f"
          % (", ".join("%.1f" % x for x in firsts), max(r for _, r in rss)))


if __name__ == "__main__":
    main()
