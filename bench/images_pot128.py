"""POT's ot.emd2 on one pair of random 128 x 128 images with the cityblock
cost matrix (16384 x 16384 doubles, 2 GiB; several GiB in all), against
wass's grid solver and the dense path (wass.solve on the point clouds,
automatic algorithm: column generation) on the same pair in the same
process; with --matrix also wass.solve given the matrix itself (the
automatic algorithm is then the dense simplex). Slow (tens of minutes); the
numbers go to README_images.md.

    PYTHONPATH=build/python python3 bench/images_pot128.py [--n 128] [--seed 7]
        [--no-pot] [--matrix]
"""
import argparse
import json
import os
import time

import numpy as np
import ot

import wass
import wass.images as wi


def timed2(f, *a, **k):
    t, c = time.perf_counter(), time.process_time()
    v = f(*a, **k)
    return v, time.perf_counter() - t, time.process_time() - c


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=128)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-pot", action="store_true", help="skip POT")
    ap.add_argument("--matrix", action="store_true", help="also wass.solve on the matrix")
    args = ap.parse_args()
    n = args.n
    rng = np.random.default_rng(args.seed)
    a, b = rng.random((n, n)), rng.random((n, n))
    a, b = a / a.sum(), b / b.sum()
    r, c = np.divmod(np.arange(n * n), n)
    P = np.stack([c, r], 1).astype(float)
    out = {"n": n, "seed": args.seed, "loadavg_before": os.getloadavg()}
    g, w, cpu = timed2(wi.grid_emd, a, b, metric="cityblock")
    out["grid"] = {"wall_s": w, "cpu_s": cpu, "cost": g.cost}
    s, w, cpu = timed2(wass.solve, a=a.ravel(), b=b.ravel(), X=P, Y=P, metric="cityblock",
                       plan=False, mass="normalize", threads=1)
    out["auto"] = {"wall_s": w, "cpu_s": cpu, "cost": s.cost, "algorithm": s.algorithm}
    M = ot.dist(P, P, metric="cityblock")
    refs = [s.cost]
    if not args.no_pot:
        v, w, cpu = timed2(ot.emd2, a.ravel(), b.ravel(), M, numItermax=2 ** 31 - 1)
        out["pot"] = {"wall_s": w, "cpu_s": cpu, "cost": float(v)}
        refs.append(float(v))
    if args.matrix:
        m, w, cpu = timed2(wass.solve, a=a.ravel(), b=b.ravel(), M=M, plan=False,
                           mass="normalize", threads=1)
        out["matrix"] = {"wall_s": w, "cpu_s": cpu, "cost": m.cost, "algorithm": m.algorithm,
                         "pivots": m.iterations}
        refs.append(m.cost)
    g2, w, cpu = timed2(wi.grid_emd, a, b, metric="cityblock")
    out["grid_after"] = {"wall_s": w, "cpu_s": cpu}
    out["loadavg_after"] = os.getloadavg()
    out["max_abs_diff"] = max(abs(g.cost - r) for r in refs)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
