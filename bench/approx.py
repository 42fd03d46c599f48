#!/usr/bin/python3
"""Benchmark the approximate and one-dimensional parts of wass.

  1. 1-D exact W_p (wass.wasserstein_1d) against scipy.stats.wasserstein_distance
     and POT ot.wasserstein_1d at 10^6 and 10^7 samples a side: median
     wall time of repeated runs, speed-up, relative difference of the values.
  2. Sliced Wasserstein (wass.sliced) against POT
     ot.sliced_wasserstein_distance: time and agreement (each tool draws its
     own directions, so the values agree up to Monte Carlo error).
  3. Grid embedding (wass.embed_distance) against the exact W1 (wass.wasserstein,
     certified network simplex): ratio embed / W1 over several data families,
     for one shift and for the mean over 8 shifts.
  4. Lower bounds (wass.bound_centroid, wass.bound_relaxed): bound / exact cost
     for W1 and W2^2 on the same families.

  PYTHONPATH=build/python /usr/bin/python3 bench/approx.py            # full
  PYTHONPATH=build/python /usr/bin/python3 bench/approx.py --quick    # small
  ... --out results.md   also writes the tables as markdown
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "build", "python"))
import wass  # noqa: E402
import ot  # noqa: E402
import scipy.stats  # noqa: E402


def timed(f, repeats):
    """Median wall time of `repeats` calls and the last value."""
    times, val = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        val = f()
        times.append(time.perf_counter() - t)
    return statistics.median(times), val


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


def table(title, header, rows):
    out = ["### " + title, "", "| " + " | ".join(header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def bench_line(sizes, reps_wass, reps_ref, pot_max):
    rows = []
    rng = np.random.default_rng(0)
    for n in sizes:
        u = rng.normal(size=n)
        v = rng.exponential(size=n) - 0.5
        for weighted in (False, True):
            uw = rng.random(n) + 0.1 if weighted else None
            vw = rng.random(n) + 0.1 if weighted else None
            tw, w = timed(lambda: wass.wasserstein_1d(u, v, uw, vw, p=1), reps_wass)
            ts, s = timed(lambda: scipy.stats.wasserstein_distance(u, v, uw, vw), reps_ref)
            if n <= pot_max:
                pu = None if uw is None else uw / uw.sum()
                pv = None if vw is None else vw / vw.sum()
                tp, pv_ = timed(lambda: float(ot.wasserstein_1d(u, v, pu, pv, p=1)), reps_ref)
                pot = "%.3f s (%.0fx)" % (tp, tp / tw)
                pdiff = "%.1e" % rel(w, pv_)
            else:
                pot, pdiff = "-", "-"
            rows.append(["%.0e" % n, "yes" if weighted else "no", "%.3f s" % tw,
                         "%.3f s" % ts, "%.0fx" % (ts / tw), "%.1e" % rel(w, s), pot, pdiff])
            print("  line n=%d weighted=%s: wass %.3f s, scipy %.3f s" % (n, weighted, tw, ts),
                  flush=True)
    return table("1-D W1: wass.wasserstein_1d vs scipy.stats.wasserstein_distance and POT "
                 "ot.wasserstein_1d (median of runs)",
                 ["samples a side", "weighted", "wass", "scipy", "speed-up", "rel. diff scipy",
                  "POT (speed-up)", "rel. diff POT"], rows)


def bench_sliced(configs, reps):
    rows = []
    for n, d, K in configs:
        rng = np.random.default_rng(n + d)
        X = rng.normal(size=(n, d))
        Y = rng.normal(size=(n, d)) * 1.2 + 0.3
        tw, w = timed(lambda: wass.sliced(X, Y, projections=K, seed=1, p=2), reps)
        tp, pv = timed(lambda: float(ot.sliced_wasserstein_distance(X, Y, n_projections=K, p=2,
                                                                    seed=1)), reps)
        # a reference value from many directions, to show both errors
        # (2 * 10^8 projected points at most, to keep the run short)
        kref = max(K, min(20000, int(2e8 // (2 * n))))
        ref = wass.sliced(X, Y, projections=kref, seed=99, p=2)
        rows.append([n, d, K, "%.4f s" % tw, "%.4f s" % tp, "%.1fx" % (tp / tw),
                     "%.4f" % w, "%.4f" % pv, "%.4f (%d)" % (ref, kref)])
        print("  sliced n=%d d=%d K=%d: wass %.4f s, POT %.4f s" % (n, d, K, tw, tp), flush=True)
    return table("Sliced W2: wass.sliced vs POT ot.sliced_wasserstein_distance (median of runs; "
                 "each draws its own directions; last column: wass with many directions (how many))",
                 ["n = m", "d", "projections", "wass", "POT", "speed-up", "SW2 wass", "SW2 POT",
                  "SW2 reference"], rows)


def family(name, n, rng):
    """Two clouds of one family (uniform weights)."""
    if name.startswith("gauss"):
        d = int(name[-2])
        return rng.normal(size=(n, d)), rng.normal(size=(n, d)) * 1.3 + 0.5
    if name.startswith("uniform"):
        d = int(name[-2])
        return rng.random((n, d)), rng.random((n, d)) * 0.8 + 0.3
    if name.startswith("clustered"):
        d = int(name[-2])
        centers = rng.normal(size=(5, d)) * 4
        X = centers[rng.integers(0, 5, n)] + 0.3 * rng.normal(size=(n, d))
        Y = centers[rng.integers(0, 5, n)] + 0.3 * rng.normal(size=(n, d))
        return X, Y
    raise ValueError(name)


FAMILIES = ["gauss-2d", "gauss-5d", "uniform-2d", "uniform-5d", "clustered-2d", "clustered-5d"]


def bench_embed(n, instances, shifts):
    rows = []
    for fam in FAMILIES:
        r1, r8, te, tx = [], [], [], []
        for k in range(instances):
            rng = np.random.default_rng(1000 + k)
            X, Y = family(fam, n, rng)
            t = time.perf_counter()
            w1 = wass.wasserstein(X, Y, metric="euclidean", p=1)
            tx.append(time.perf_counter() - t)
            t = time.perf_counter()
            e = [wass.embed_distance(X, Y, seed=s) for s in range(shifts)]
            te.append((time.perf_counter() - t) / shifts)
            r1.append(e[0] / w1)
            r8.append(np.mean(e) / w1)
        rows.append([fam, n, instances, "%.2f" % np.mean(r1), "%.2f" % np.std(r1),
                     "%.2f-%.2f" % (min(r1), max(r1)), "%.2f" % np.mean(r8), "%.2f" % np.std(r8),
                     "%.2f" % (np.std(r1) / np.mean(r1)), "%.2f" % (np.std(r8) / np.mean(r8)),
                     "%.2f ms" % (1e3 * statistics.median(te)),
                     "%.1f ms" % (1e3 * statistics.median(tx))])
        print("  embed %s: ratio mean %.2f" % (fam, np.mean(r1)), flush=True)
    return table("Grid embedding / exact W1 (euclidean), one shift and the mean of %d shifts "
                 "(different instances per row)" % shifts,
                 ["family", "n = m", "instances", "ratio mean", "ratio std", "ratio range",
                  "mean of %d: mean" % shifts, "mean of %d: std" % shifts, "CV (1 shift)",
                  "CV (%d shifts)" % shifts, "embed time", "exact time"], rows)


def bench_bounds(n, instances):
    rows = []
    for fam in FAMILIES:
        for metric, p, label in (("euclidean", 1, "W1"), ("sqeuclidean", 1, "W2^2")):
            rc, rr, tc, tr, tx = [], [], [], [], []
            for k in range(instances):
                rng = np.random.default_rng(2000 + k)
                X, Y = family(fam, n, rng)
                t = time.perf_counter()
                ex = wass.wasserstein(X, Y, metric=metric, p=p) ** p
                tx.append(time.perf_counter() - t)
                t = time.perf_counter()
                c = wass.bound_centroid(X, Y, metric=metric, p=p)
                tc.append(time.perf_counter() - t)
                t = time.perf_counter()
                r = wass.bound_relaxed(X=X, Y=Y, metric=metric, p=p)
                tr.append(time.perf_counter() - t)
                assert c <= ex * (1 + 1e-9) and r <= ex * (1 + 1e-9), (fam, c, r, ex)
                rc.append(c / ex)
                rr.append(r / ex)
            rows.append([fam, label, "%.3f (%.3f-%.3f)" % (np.mean(rc), min(rc), max(rc)),
                         "%.3f (%.3f-%.3f)" % (np.mean(rr), min(rr), max(rr)),
                         "%.2f ms" % (1e3 * statistics.median(tc)),
                         "%.2f ms" % (1e3 * statistics.median(tr)),
                         "%.1f ms" % (1e3 * statistics.median(tx))])
        print("  bounds %s done" % fam, flush=True)
    return table("Lower bounds / exact cost (mean, range over instances; n = m = %d, %d instances "
                 "per row)" % (n, instances),
                 ["family", "cost", "centroid / exact", "relaxed / exact", "centroid time",
                  "relaxed time", "exact time"], rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes (a few seconds)")
    ap.add_argument("--out", help="also write the tables (markdown) to this file")
    ap.add_argument("--sections", nargs="+", default=["line", "sliced", "embed", "bounds"],
                    choices=["line", "sliced", "embed", "bounds"])
    args = ap.parse_args(argv)
    q = args.quick
    parts = []
    print("wass %s, POT %s, scipy %s, numpy %s" % (wass.__version__, ot.__version__,
                                                   scipy.__version__, np.__version__))
    if "line" in args.sections:
        parts.append(bench_line([10**5] if q else [10**6, 10**7], 5 if q else 5, 3 if q else 3,
                                pot_max=10**6))
    if "sliced" in args.sections:
        parts.append(bench_sliced([(1000, 3, 50)] if q else
                                  [(1000, 3, 100), (10000, 3, 100), (10000, 20, 200),
                                   (100000, 5, 50)], 3))
    if "embed" in args.sections:
        parts.append(bench_embed(100 if q else 300, 3 if q else 12, 8))
    if "bounds" in args.sections:
        parts.append(bench_bounds(100 if q else 300, 3 if q else 12))
    text = "\n".join(parts)
    print()
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
