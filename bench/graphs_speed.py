"""Speed of the exact graph distances (wass graphs / wass.graphs) on the TU
benchmarks, with POT's solver as the anchor in the same run.

  - NCI1, all 4,110 graphs (8.4 million EMDs), d = 6: the CLI run in full
    (`wass graphs NCI1 --dim 6 --cv 0 --distances ... --embeddings ...`) on
    a pseudo-terminal so that the progress line is drawn and recorded; wall
    time, pairs per second, peak memory, fallbacks, largest certified gap;
    then a random sample of the pairs recomputed by POT's ot.emd2 from the
    written embeddings (max difference).
  - CPU time a pair on one thread, the load-robust ratio: POT's bare solver
    (ot.lp.emd_c on precomputed costs) against wass (graphs.pairwise,
    threads=1, costs and certificate included), all pairs of a random set of
    graphs, interleaved repetitions, medians.
  - MUTAG all pairs (17,578): the library call on all cores, repeated,
    median.
The load average (/proc/loadavg) is recorded beside every time: the machine
is shared, and wall times are inflated by the load.

    PYTHONPATH=build/python python3 bench/graphs_speed.py [--skip-full] [--sample-graphs N]
"""
import argparse
import json
import os
import pty
import re
import resource
import select
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "build", "python"))
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

from wass import graphs  # noqa: E402

DATA = os.path.join(os.environ.get("WASS_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data")),
                    "TU")
CLI = os.environ.get("WASS_CLI", os.path.join(ROOT, "build", "wass"))


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def cli_on_pty(args):
    """Run the CLI with stderr on a pseudo-terminal (progress line drawn),
    stdout captured; returns (json, the progress lines, wall seconds, CPU
    seconds of the process: user + system, all threads)."""
    master, slave = pty.openpty()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.Popen([CLI] + args, stdout=subprocess.PIPE, stderr=slave, close_fds=True)
    os.close(slave)
    err = b""
    while True:
        r, _, _ = select.select([master], [], [], 1.0)
        if r:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                break
            err += chunk
        elif p.poll() is not None:
            break
    out = p.stdout.read()
    p.wait()
    wall = time.perf_counter() - t
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    os.close(master)
    lines = [s.strip() for s in re.split(rb"\r|\n", err.replace(b"\x1b[K", b"")) if s.strip()]
    progress = [s.decode() for s in lines if b"%" in s]
    if p.returncode != 0:
        sys.exit("CLI failed (%d): %s" % (p.returncode, err.decode(errors="replace")))
    return json.loads(out), progress, wall, cpu


def nci1_full(out_dir, pot_sample, seed):
    nci = os.path.join(DATA, "NCI1")
    Dpath = os.path.join(out_dir, "nci1_distances.npy")
    Epath = os.path.join(out_dir, "nci1_embeddings.npz")
    before = loadavg()
    j, progress, wall, cpu = cli_on_pty([
        "graphs", nci, "--dim", "6", "--cv", "0", "--json", "--distances", Dpath,
        "--embeddings", Epath])
    after = loadavg()
    res = {k: j[k] for k in ("graphs", "pairs", "seconds_distances", "pairs_per_second",
                             "fallbacks", "max_gap", "peak_rss_mib")}
    res.update(wall_seconds_cli=wall, cpu_seconds_cli=cpu, loadavg_before=before,
               loadavg_after=after,
               progress_lines=len(progress), progress_first=progress[:2],
               progress_last=progress[-3:])
    log("NCI1 full: %s" % res)
    # POT on a random sample of the same pairs, from the written embeddings
    import ot
    D = np.load(Dpath, mmap_mode="r")
    z = np.load(Epath)
    X, off = z["X"], z["offset"]
    G = len(off) - 1
    rng = np.random.default_rng(seed)
    worst, t0 = 0.0, time.perf_counter()
    for _ in range(pot_sample):
        g, h = rng.choice(G, 2, replace=False)
        A, B = X[off[g]:off[g + 1]], X[off[h]:off[h + 1]]
        M = np.sqrt(((A[:, None] - B[None]) ** 2).sum(-1))
        v = ot.emd2(np.full(len(A), 1 / len(A)), np.full(len(B), 1 / len(B)), M)
        worst = max(worst, abs(v - D[g, h]))
    iu = np.triu_indices(G, 1)
    Dm = np.asarray(D)
    res.update(pot_sample_pairs=pot_sample, pot_max_abs_diff=worst,
               pot_sample_seconds=time.perf_counter() - t0,
               symmetric=bool(np.array_equal(Dm, Dm.T)), zero_diagonal=bool(np.all(np.diag(Dm) == 0)),
               min_offdiag=float(Dm[iu].min()))
    log("NCI1 vs POT on %d pairs: max |diff| %.2e" % (pot_sample, worst))
    return res


def cpu_per_pair(emb, reps):
    """CPU seconds a pair on one thread: POT's emd_c on precomputed costs
    against wass (costs and certificate included), interleaved."""
    import ot
    G = len(emb)
    pairs = [(g, h) for g in range(G) for h in range(g + 1, G)]
    Ms = [np.sqrt(((emb[g][:, None] - emb[h][None]) ** 2).sum(-1)) for g, h in pairs]
    W = [np.full(len(x), 1 / len(x)) for x in emb]
    pot, ws = [], []
    for _ in range(reps):
        load = loadavg()
        t = time.process_time()
        for (g, h), M in zip(pairs, Ms):
            ot.lp.emd_c(W[g], W[h], M, 100000, 1)
        pot.append(1e6 * (time.process_time() - t) / len(pairs))
        t = time.process_time()
        graphs.pairwise(emb, threads=1)
        ws.append(1e6 * (time.process_time() - t) / len(pairs))
        log("  one thread: POT emd_c %.1f us, wass %.1f us a pair (load %s)" % (pot[-1], ws[-1],
                                                                            load))
    return {"pairs": len(pairs), "pot_emd_c_us": pot, "wass_us": ws,
            "pot_emd_c_us_median": float(np.median(pot)), "wass_us_median": float(np.median(ws)),
            "ratio_median": float(np.median(np.array(pot) / np.array(ws)))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench_graphs"))
    ap.add_argument("--skip-full", action="store_true", help="no full NCI1 run")
    ap.add_argument("--sample-graphs", type=int, default=200,
                    help="NCI1 graphs whose pairs time POT against wass on one thread")
    ap.add_argument("--pot-sample", type=int, default=20000,
                    help="pairs of the full NCI1 run recomputed by POT")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    res = {"machine_cpus": os.cpu_count()}
    nci = os.path.join(DATA, "NCI1")
    if not os.path.exists(nci):
        sys.exit("TU data not found in %s (set WASS_SHARED_DATA)" % DATA)
    if not args.skip_full:
        res["nci1_full"] = nci1_full(args.out, args.pot_sample, 0)
    en = graphs.embed(graphs.load_tu(nci), 6)
    pick = np.random.default_rng(0).choice(len(en), args.sample_graphs, replace=False)
    log("NCI1, %d random graphs, one thread:" % args.sample_graphs)
    res["nci1_one_thread"] = cpu_per_pair([en[i] for i in pick], args.reps)
    mutag = graphs.embed(graphs.load_tu(os.path.join(DATA, "MUTAG")), 6)
    log("MUTAG one thread:")
    res["mutag_one_thread"] = cpu_per_pair(mutag, args.reps)
    runs = []
    for _ in range(9):
        load = loadavg()
        _, info = graphs.pairwise(mutag, return_info=True)
        runs.append((info["seconds"], load))
    res["mutag_all_cores"] = {"pairs": info["pairs"], "seconds": [r[0] for r in runs],
                              "loadavg": [r[1] for r in runs],
                              "seconds_median": float(np.median([r[0] for r in runs])),
                              "fallbacks": info["fallbacks"]}
    log("MUTAG all pairs, all cores: median %.3f s" % res["mutag_all_cores"]["seconds_median"])
    with open(os.path.join(args.out, "results_graphs_speed.json"), "w") as f:
        json.dump(res, f, indent=1, default=float)
    print(json.dumps(res, indent=1, default=float))


if __name__ == "__main__":
    main()
