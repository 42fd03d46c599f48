#!/usr/bin/python3
"""wass against POT's ot.emd2 and LEMON's network simplex, one thread, on
the benchmark families of bench/scale.py (n = m = 1000-8000).

For every case the instance is written once (`build/scale_bench dump`), then
solved REPEAT times, alternating the solvers so that load on the machine
hits all of them alike, and the medians of their CPU seconds (one thread;
--wall for wall-clock seconds) are compared:
  wass   build/scale_bench N D METRIC auto 1 1 FAMILY WEIGHTS (the points;
         the time includes the certificate over all n x m pairs),
  POT    ot.emd2(a, b, M) given the cost matrix M (its time alone),
  LEMON  build/lemon_emd (bench/lemon_emd.cpp; the solve alone, not the
         n x m graph build), up to --lemon-max.
Costs must agree to 1e-9 relative (LEMON's sources are shrunk by 1e-13 to be
feasible with rounded totals, see lemon_emd.cpp).

  /usr/bin/python3 bench/scale_pot.py --sizes 1000 2000 4000 --repeat 3
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
sys.path.insert(0, os.path.join(ROOT, "bench"))
import scale  # noqa: E402

LEMON = os.path.join(BUILD, "lemon_emd")
ALL_CASES = [f"{f}:{w}" for f in ("uniform", "gauss", "clusters", "concentrated")
             for w in ("uniform", "random")]

POT_CODE = """
import numpy as np, ot, time, json, sys
p, n, d, metric = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
a = np.fromfile(p + ".a.f64"); b = np.fromfile(p + ".b.f64")
X = np.fromfile(p + ".x.f64").reshape(n, d); Y = np.fromfile(p + ".y.f64").reshape(n, d)
M = ot.dist(X, Y, metric=metric)
t0, c0 = time.perf_counter(), time.process_time()
c = ot.emd2(a, b, M, numItermax=10**9)
print(json.dumps({"pot_seconds": time.perf_counter() - t0, "pot_cpu_seconds": time.process_time() - c0,
                  "pot_cost": float(c)}))
"""


def build_lemon():
    src = os.path.join(ROOT, "bench", "lemon_emd.cpp")
    subprocess.check_call(["g++", "-O2", "-std=c++11", src, "-llemon", "-o", LEMON])


def last_json(p):
    return json.loads(p.stdout.strip().splitlines()[-1])


def one_case(n, d, metric, case, repeat, lemon_max, cpu, algo):
    fam, wts = case.split(":")
    prefix = os.path.join(BUILD, "bench", f"inst_{fam}_{wts}_{n}_{d}")
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    subprocess.check_call([scale.EXE, "dump", str(n), str(d), "1", fam, wts, prefix])
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE")
    tw, tp, tl, rec = [], [], [], {"case": case, "n": n, "d": d, "metric": metric}
    for _ in range(repeat):
        p = subprocess.run([scale.EXE, str(n), str(d), metric, algo, "1", "1", fam, wts],
                           capture_output=True, text=True, env=env)
        r = last_json(p)
        tw.append(r["cpu_seconds"] if cpu else r["seconds"])
        rec.update(wass_cost=r["cost"], algorithm=r["algorithm"], status=r["status"],
                   pivots=r["pivots"], rounds=r["rounds"])
        p = subprocess.run(["/usr/bin/python3", "-c", POT_CODE, prefix, str(n), str(d), metric],
                           capture_output=True, text=True, env=env)
        r = last_json(p)
        tp.append(r["pot_cpu_seconds"] if cpu else r["pot_seconds"])
        rec["pot_cost"] = r["pot_cost"]
        if n <= lemon_max:
            p = subprocess.run([LEMON, prefix, str(n), str(n), str(d), metric],
                               capture_output=True, text=True, env=env)
            r = last_json(p)
            tl.append(r["lemon_solve_cpu_seconds"] if cpu else r["lemon_solve_seconds"])
            rec["lemon_cost"] = r["lemon_cost"]
    rec["wass_s"] = statistics.median(tw)
    rec["pot_s"] = statistics.median(tp)
    rec["lemon_s"] = statistics.median(tl) if tl else None
    scale_c = max(abs(rec["wass_cost"]), 1e-300)
    rec["pot_rel"] = abs(rec["pot_cost"] - rec["wass_cost"]) / scale_c
    rec["lemon_rel"] = abs(rec["lemon_cost"] - rec["wass_cost"]) / scale_c if tl else None
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 2000, 4000])
    ap.add_argument("--dims", type=int, nargs="*", default=[2])
    ap.add_argument("--metrics", nargs="*", default=["sqeuclidean", "euclidean"])
    ap.add_argument("--cases", nargs="*", default=ALL_CASES, help="FAMILY:WEIGHTS")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--lemon-max", type=int, default=4000, help="LEMON up to this n (n^2 arcs in memory)")
    ap.add_argument("--json", help="write the records to this file")
    ap.add_argument("--wall", action="store_true", help="wall-clock seconds instead of CPU seconds")
    ap.add_argument("--algo", default="auto", choices=["auto", "simplex", "colgen"], help="wass's algorithm")
    args = ap.parse_args()
    scale.build()
    build_lemon()
    print("| case | n | d | metric | wass path | wass s | POT s | POT/wass | LEMON s | LEMON/wass |"
          " cost diff POT / LEMON |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    recs, bad = [], 0
    for n in args.sizes:
        for d in args.dims:
            for metric in args.metrics:
                for case in args.cases:
                    r = one_case(n, d, metric, case, args.repeat, args.lemon_max, not args.wall, args.algo)
                    recs.append(r)
                    ok = r["status"] == "optimal" and r["pot_rel"] <= 1e-9 and \
                        (r["lemon_rel"] is None or r["lemon_rel"] <= 1e-9)
                    bad += not ok
                    lem = f"{r['lemon_s']:.4f} | {r['lemon_s'] / r['wass_s']:.1f}x" if r["lemon_s"] else "- | -"
                    lrel = f"{r['lemon_rel']:.1e}" if r["lemon_rel"] is not None else "-"
                    print(f"| {case} | {n} | {d} | {metric} | {r['algorithm']} | {r['wass_s']:.4f} | "
                          f"{r['pot_s']:.4f} | {r['pot_s'] / r['wass_s']:.1f}x | {lem} | "
                          f"{r['pot_rel']:.1e} / {lrel}{'' if ok else ' MISMATCH'} |", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(recs, f, indent=1)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
