#!/usr/bin/python3
"""Exact solver at scale: wass (column generation, certified over all n*m
pairs) on random point clouds of several families, with POT's ot.emd2 for
the sizes it can do.

Cases are FAMILY:WEIGHTS (bench/scale_bench.c, make_family): uniform (both
clouds uniform in the unit cube), gauss (N(0, I) against N((1, ..., 1), I)),
clusters (10 Gaussian clusters against the same shifted by 0.5),
concentrated (90 % of the points in 10 % of the volume against uniform);
weights uniform or random. The default cases are the five of the scale
issue: uniform:uniform, gauss:uniform, clusters:uniform, gauss:random,
concentrated:uniform.

Builds bench/scale_bench.c against build/libwass.a (run `make` first), then
runs one process per configuration (so peak memory is per run) and prints a
markdown table; --json FILE also writes the raw records.

  /usr/bin/python3 bench/scale.py --sizes 20000 50000 100000 --dims 2 3 \
      --metrics sqeuclidean euclidean --pot-max 10000
  /usr/bin/python3 bench/scale.py --many 100      # all pairs among 100 small clouds
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
EXE = os.path.join(BUILD, "scale_bench")


def build():
    src = os.path.join(ROOT, "bench", "scale_bench.c")
    lib = os.path.join(BUILD, "libwass.a")
    if not os.path.exists(lib):
        sys.exit("build/libwass.a is missing: run `make` first")
    subprocess.check_call(["cc", "-O2", "-fopenmp", "-I", os.path.join(ROOT, "include"), src, lib,
                           "-lm", "-o", EXE])


DEFAULT_CASES = ["uniform:uniform", "gauss:uniform", "clusters:uniform", "gauss:random",
                 "concentrated:uniform"]


def run_wass(n, d, metric, algo, threads, timeout, case="uniform:uniform"):
    fam, wts = case.split(":")
    cmd = [EXE, str(n), str(d), metric, algo, "1", str(threads), fam, wts]
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    wall = time.time() - t0
    if p.returncode != 0:
        return {"case": case, "n": n, "d": d, "metric": metric, "error": p.stdout + p.stderr,
                "cmd": " ".join(cmd)}
    rec = json.loads(p.stdout.strip().splitlines()[-1])
    rec["wall"] = wall
    rec["cmd"] = " ".join(cmd)
    return rec


def run_pot(n, d, metric, case="uniform:uniform"):
    """ot.emd2 on the same instance (written by `scale_bench dump`), in a
    child process so its peak memory is measured alone."""
    fam, wts = case.split(":")
    prefix = os.path.join(BUILD, "bench", f"inst_{fam}_{wts}_{n}_{d}")
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    subprocess.check_call([EXE, "dump", str(n), str(d), "1", fam, wts, prefix])
    code = f"""
import numpy as np, ot, time, resource, json
a = np.fromfile({prefix!r} + ".a.f64"); b = np.fromfile({prefix!r} + ".b.f64")
X = np.fromfile({prefix!r} + ".x.f64").reshape({n}, {d})
Y = np.fromfile({prefix!r} + ".y.f64").reshape({n}, {d})
t0 = time.time()
M = ot.dist(X, Y, metric={metric!r})
c = ot.emd2(a, b, M, numItermax=10**9)
t = time.time() - t0
print(json.dumps({{"pot_seconds": t, "pot_cost": float(c),
                  "pot_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
    p = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True)
    if p.returncode != 0:
        return {"pot_error": (p.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[20000])
    ap.add_argument("--cases", nargs="*", default=DEFAULT_CASES, help="FAMILY:WEIGHTS (see above)")
    ap.add_argument("--dims", type=int, nargs="*", default=[2, 3])
    ap.add_argument("--metrics", nargs="*", default=["sqeuclidean", "euclidean"])
    ap.add_argument("--algo", default="auto", choices=["auto", "simplex", "colgen"])
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--pot-max", type=int, default=0, help="run POT up to this n (0 = never)")
    ap.add_argument("--many", type=int, default=0, help="all pairs among this many small clouds")
    ap.add_argument("--dotmark", type=int, nargs="*", default=[],
                    help="DOTmark-style grids of these resolutions (bench/dotmark.py), W1 and W2^2")
    ap.add_argument("--dotmark-class", default="grf_smooth")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--json", help="write the records to this file")
    args = ap.parse_args()
    build()
    recs = []
    if args.dotmark:
        sys.path.insert(0, os.path.join(ROOT, "bench"))
        import dotmark
        print("| grid | points | metric | algorithm | status | total s | certify s | pivots | rounds |"
              " candidate arcs | peak RSS MB |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for res in args.dotmark:
            pa, pb = dotmark.write_pair(os.path.join(BUILD, "bench", "dotmark"), args.dotmark_class, res)
            for metric in args.metrics:
                cmd = [EXE, "sig", pa, pb, metric, args.algo, str(args.threads)]
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
                r = json.loads(p.stdout.strip().splitlines()[-1])
                r["grid"] = res
                r["cmd"] = " ".join(cmd)
                recs.append(r)
                if "error" in r:
                    print(f"| {res}x{res} | error: {r['error']} |")
                    continue
                print(f"| {res}x{res} | {r['n']} | {metric} | {r['algorithm']} | {r['status']} | "
                      f"{r['seconds']:.2f} | {r['certify_seconds']:.2f} | {r['pivots']} | {r['rounds']} | "
                      f"{r['candidate_arcs']} | {r['peak_rss_mb']:.0f} |", flush=True)
    elif args.many:
        for th in (1, args.threads):
            p = subprocess.run([EXE, "many", str(args.many), str(th)], capture_output=True, text=True)
            print(p.stdout.strip())
            recs.append(json.loads(p.stdout.strip()))
    else:
        print("| case | n | d | metric | algorithm | status | total s | certify s (share) | pivots |"
              " rounds | candidate arcs | peak RSS MB | POT s | POT/wass |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for n, d, metric, case in ((n, d, metric, case) for n in args.sizes for d in args.dims
                                   for metric in args.metrics for case in args.cases):
            try:
                r = run_wass(n, d, metric, args.algo, args.threads, args.timeout, case)
            except subprocess.TimeoutExpired:
                r = {"case": case, "n": n, "d": d, "metric": metric,
                     "error": f"over {args.timeout:.0f} s"}
            if args.pot_max and n <= args.pot_max and "error" not in r:
                r.update(run_pot(n, d, metric, case))
            recs.append(r)
            if "error" in r:
                print(f"| {case} | {n} | {d} | {metric} | error: {r['error'].strip()} |")
                continue
            tot = r["seconds"]
            share = r["certify_seconds"] / tot if tot > 0 else 0
            pot = r.get("pot_seconds")
            pot_s = f"{pot:.2f}" if pot is not None else r.get("pot_error", "-")
            ratio = f"{pot / tot:.2f}" if pot is not None and tot > 0 else "-"
            print(f"| {case} | {n} | {d} | {metric} | {r['algorithm']} | {r['status']} | {tot:.2f} | "
                  f"{r['certify_seconds']:.2f} ({100 * share:.0f}%) | {r['pivots']} | {r['rounds']} | "
                  f"{r['candidate_arcs']} | {r['peak_rss_mb']:.0f} | {pot_s} | {ratio} |", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(recs, f, indent=1)


if __name__ == "__main__":
    main()
