"""Benchmark of graph classification by matching node embeddings (wass graphs,
wass.graphs; Nikolentzos et al., AAAI 2017) on the TU data sets in
../shared/data/TU (MUTAG, ENZYMES, NCI1).

Anchors in the same run:
  - speed: POT's ot.emd2 on the same embeddings and ground costs (one core),
    and the core solver wass_emd_many, against the default exact path and
    the grid approximation; pairs per second, peak memory of the CLI run;
  - accuracy: the same pipeline built from numpy (eigh) + POT (ot.emd2) +
    scikit-learn (SVC on the precomputed kernel, GridSearchCV inside
    StratifiedKFold), against wass's libsvm nested CV.
Outputs (default build/bench_graphs/): results_graphs.json, accuracy_vs_dim.png,
distance_heatmap_mutag.png. The numbers quoted in bench/README_graphs.md come
from this script.

    PYTHONPATH=build/python python3 bench/graphs.py [--quick] [--nci1-graphs N]
"""
import argparse
import json
import os
import resource
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


def numpy_embed(ds, dim):
    """The embedding with numpy's eigh (the anchor pipeline)."""
    out = []
    for g in range(len(ds.node_offset) - 1):
        A = graphs.adjacency(ds, g)
        w, V = np.linalg.eigh(A)
        order = np.argsort(-np.abs(w), kind="stable")[:dim]
        X = np.zeros((len(A), dim))
        X[:, :len(order)] = np.abs(V[:, order])
        out.append(X)
    return out


def pot_pairs(emb, pairs):
    import ot
    t = time.perf_counter()
    vals = []
    for g, h in pairs:
        A, B = emb[g], emb[h]
        M = np.sqrt(((A[:, None] - B[None]) ** 2).sum(-1))
        vals.append(ot.emd2(np.full(len(A), 1 / len(A)), np.full(len(B), 1 / len(B)), M))
    return np.array(vals), time.perf_counter() - t


def cpu_one_thread(emb, reps=2):
    """CPU seconds a pair, one thread: POT's bare solver (ot.lp.emd_c on
    precomputed costs, no Python checks) against wass (ground costs
    included), on all pairs of the given graphs."""
    import ot
    G = len(emb)
    pairs = [(g, h) for g in range(G) for h in range(g + 1, G)]
    Ms = [np.sqrt(((emb[g][:, None] - emb[h][None]) ** 2).sum(-1)) for g, h in pairs]
    W = [np.full(len(x), 1 / len(x)) for x in emb]
    out = []
    for _ in range(reps):
        t = time.process_time()
        for (g, h), M in zip(pairs, Ms):
            ot.lp.emd_c(W[g], W[h], M, 100000, 1)
        tp = time.process_time() - t
        t = time.process_time()
        graphs.pairwise(emb, threads=1)
        tw = time.process_time() - t
        out.append({"pot_emd_c_us": 1e6 * tp / len(pairs), "wass_us": 1e6 * tw / len(pairs)})
    return out


def sklearn_cv(D, y, folds=10, inner=5, seed=0):
    """numpy + POT + scikit-learn: nested CV of SVC(kernel='precomputed') with
    the same grids (gamma relative to the training fold's median distance)."""
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import SVC
    accs = []
    outer = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for tr, te in outer.split(D, y):
        med = np.median(D[np.ix_(tr, tr)][np.triu_indices(len(tr), 1)])
        best, bg, bc = -1, None, None
        for g in (1e-3, 1e-2, 1e-1, 1, 10):
            K = np.exp(-g / med * D)
            for C in (1e-2, 1e-1, 1, 10, 100, 1000):
                s = 0
                for itr, ite in StratifiedKFold(inner, shuffle=True, random_state=seed + 1).split(
                        tr, y[tr]):
                    a, b = tr[itr], tr[ite]
                    m = SVC(kernel="precomputed", C=C).fit(K[np.ix_(a, a)], y[a])
                    s += np.sum(m.predict(K[np.ix_(b, a)]) == y[b])
                if s > best:
                    best, bg, bc = s, g / med, C
        K = np.exp(-bg * D)
        m = SVC(kernel="precomputed", C=bc).fit(K[np.ix_(tr, tr)], y[tr])
        accs.append(np.mean(m.predict(K[np.ix_(te, tr)]) == y[te]))
    return float(np.mean(accs)), float(np.std(accs))


def cli_run(folder, *args):
    cmd = [CLI, "graphs", folder, "--json"] + [str(a) for a in args]
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, check=True)
    j = json.loads(p.stdout)
    j["wall"] = time.perf_counter() - t
    return j


def subset_folder(src, name, n, seed, out):
    """The first n graphs of a stratified random order of a TU data set,
    written as a TU folder (for runs that must stay short)."""
    ds = graphs.load_tu(src)
    G = len(ds.node_offset) - 1
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(G, n, replace=False))
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    o = ds.node_offset
    newid = np.full(o[-1], -1)
    nxt = 0
    ind, nl, gl = [], [], []
    for k, g in enumerate(keep):
        for v in range(o[g], o[g + 1]):
            newid[v] = nxt
            nxt += 1
            ind.append(k + 1)
            if ds.node_labels is not None:
                nl.append(ds.node_labels[v])
        gl.append(ds.graph_labels[g])
    edges = []
    for g in keep:
        for v in range(o[g], o[g + 1]):
            for u in ds.adj[ds.adj_offset[v]:ds.adj_offset[v + 1]]:
                edges.append("%d, %d\n" % (newid[v] + 1, newid[u] + 1))
    open(os.path.join(d, name + "_A.txt"), "w").write("".join(edges))
    open(os.path.join(d, name + "_graph_indicator.txt"), "w").write("".join("%d\n" % x for x in ind))
    open(os.path.join(d, name + "_graph_labels.txt"), "w").write("".join("%d\n" % x for x in gl))
    if nl:
        open(os.path.join(d, name + "_node_labels.txt"), "w").write("".join("%d\n" % x for x in nl))
    return d


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench_graphs"))
    ap.add_argument("--quick", action="store_true", help="MUTAG only")
    ap.add_argument("--nci1-graphs", type=int, default=1000,
                    help="NCI1 graphs in the timed subset (0 = all 4,110: about 8.4M pairs)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    res = {"machine_cpus": os.cpu_count()}
    mutag = os.path.join(DATA, "MUTAG")
    if not os.path.exists(mutag):
        sys.exit("TU data not found in %s (set WASS_SHARED_DATA)" % DATA)
    ds = graphs.load_tu(mutag)
    y = ds.graph_labels
    G = len(ds.node_offset) - 1

    # ---- speed: MUTAG all pairs, d = 6 -------------------------------------
    emb = graphs.embed(ds, 6)
    pairs = [(g, h) for g in range(G) for h in range(g + 1, G)]
    speed = []
    for rep in range(3):
        D, info = graphs.pairwise(emb, return_info=True)
        _, info1 = graphs.pairwise(emb, threads=1, return_info=True)
        _, im = graphs.pairwise(emb, method="emd_many", return_info=True)
        _, ig = graphs.pairwise(emb, method="grid", return_info=True)
        pv, tpot = pot_pairs(emb, pairs)
        speed.append(dict(exact=info["seconds"], exact_1thread=info1["seconds"],
                          emd_many=im["seconds"], grid=ig["seconds"], pot=tpot))
        log("MUTAG speed rep %d: %s" % (rep, speed[-1]))
    iu = np.triu_indices(G, 1)
    res["mutag_speed"] = {k: float(np.median([s[k] for s in speed])) for k in speed[0]}
    res["mutag_speed"]["pairs"] = len(pairs)
    res["mutag_speed"]["max_diff_pot"] = float(np.max(np.abs(D[iu] - pv)))
    res["mutag_speed"]["ratio_pot_over_exact"] = float(np.median([s["pot"] / s["exact"] for s in speed]))
    res["mutag_speed"]["ratio_pot_over_exact_1thread"] = float(
        np.median([s["pot"] / s["exact_1thread"] for s in speed]))
    res["mutag_cli"] = cli_run(mutag, "--dim", 6, "--cv", 0)
    res["mutag_cpu_one_thread"] = cpu_one_thread(emb)
    log("MUTAG CPU a pair, one thread: %s" % res["mutag_cpu_one_thread"])

    # ---- accuracy: MUTAG, d in 2..10, unlabelled / labelled / grid ---------
    acc = {"unlabelled": {}, "labelled": {}, "grid": {}}
    lab = graphs.node_labels(ds)
    for d in (2, 4, 6, 8, 10):
        e = graphs.embed(ds, d)
        for kind in acc:
            Dk = graphs.pairwise(e, labels=lab if kind == "labelled" else None,
                                 method="grid" if kind == "grid" else "exact")
            r = graphs.classify(Dk, y)
            acc[kind][d] = (r["mean"], r["std"])
            log("MUTAG d=%d %s: %.3f +- %.3f" % (d, kind, r["mean"], r["std"]))
    res["mutag_accuracy"] = acc
    Dc = graphs.pairwise(emb)
    rclip = graphs.classify(Dc, y, psd="clip")
    rnone = graphs.classify(Dc, y)
    res["mutag_psd"] = {"none": [rnone["mean"], rnone["std"], rnone["seconds"]],
                        "clip": [rclip["mean"], rclip["std"], rclip["seconds"],
                                 rclip["clipped_eigenvalues"]]}
    w, _ = np.linalg.eigh(np.exp(-np.median(rnone["fold_gamma"]) * Dc))
    res["mutag_kernel_eigs"] = {"negative": int(np.sum(w < 0)), "min": float(w.min()),
                                "max": float(w.max())}
    # the anchor pipeline: numpy + POT + scikit-learn
    t = time.perf_counter()
    embn = numpy_embed(ds, 6)
    pvn, _ = pot_pairs(embn, pairs)
    Dn = np.zeros((G, G))
    Dn[iu] = pvn
    Dn = Dn + Dn.T
    res["mutag_sklearn"] = list(sklearn_cv(Dn, y)) + [time.perf_counter() - t]
    res["mutag_sklearn_max_diff_D"] = float(np.max(np.abs(Dn - Dc)))
    log("sklearn pipeline: %s" % res["mutag_sklearn"])

    # plots
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for kind, mk in (("unlabelled", "o-"), ("labelled", "s-"), ("grid", "^--")):
        ds_ = sorted(acc[kind])
        m = [100 * acc[kind][d][0] for d in ds_]
        s = [100 * acc[kind][d][1] for d in ds_]
        ax.errorbar(ds_, m, yerr=s, fmt=mk, capsize=3, label=kind)
    ax.axhline(100 * res["mutag_sklearn"][0], color="gray", ls=":",
               label="numpy+POT+sklearn, d=6")
    ax.set_xlabel("embedding dimension d")
    ax.set_ylabel("10-fold CV accuracy (%)")
    ax.set_title("MUTAG: matching node embeddings")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "accuracy_vs_dim.png"), dpi=100)
    order = np.argsort(y, kind="stable")
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    im = ax.imshow(Dc[np.ix_(order, order)], cmap="viridis")
    nb = int(np.sum(y == y[order[0]]))
    ax.axhline(nb - 0.5, color="w", lw=0.8)
    ax.axvline(nb - 0.5, color="w", lw=0.8)
    ax.set_xlabel("graph (ordered by class: %d | %d)" % (nb, G - nb))
    ax.set_ylabel("graph (ordered by class)")
    ax.set_title("MUTAG exact EMD between node embeddings (d = 6)")
    fig.colorbar(im, ax=ax, label="EMD")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "distance_heatmap_mutag.png"), dpi=100)

    if not args.quick:
        # ---- ENZYMES -------------------------------------------------------
        enz = os.path.join(DATA, "ENZYMES")
        res["enzymes"] = {}
        for extra in ((), ("--labels",), ("--approx",)):
            j = cli_run(enz, "--dim", 6, *extra)
            res["enzymes"][" ".join(extra) or "exact"] = j
            log("ENZYMES %s: %.3f +- %.3f, %.2f s distances" % (extra, j["accuracy_mean"],
                                                                 j["accuracy_std"],
                                                                 j["seconds_distances"]))
        # ---- NCI1 ----------------------------------------------------------
        nci = os.path.join(DATA, "NCI1")
        n = args.nci1_graphs
        folder = nci if n == 0 else subset_folder(nci, "NCI1S", n, 0, args.out)
        res["nci1"] = {"graphs": n or 4110}
        for extra in ((), ("--labels",), ("--approx",)):
            j = cli_run(folder, "--dim", 6, "--cv", 10, *extra)
            res["nci1"][" ".join(extra) or "exact"] = j
            log("NCI1(%s) %s: %.3f +- %.3f, %.2f s distances, %.0f pairs/s, %.0f MiB" % (
                n or 4110, extra, j["accuracy_mean"], j["accuracy_std"],
                j["seconds_distances"], j["pairs_per_second"], j["peak_rss_mib"]))
        # POT on a sample of the same NCI1 pairs, same run
        dsn = graphs.load_tu(folder)
        en = graphs.embed(dsn, 6)
        rng = np.random.default_rng(0)
        Gn = len(en)
        sample = [tuple(rng.choice(Gn, 2, replace=False)) for _ in range(3000)]
        _, tp = pot_pairs(en, sample)
        res["nci1"]["pot_pairs_per_second_1core"] = len(sample) / tp
        en_all = graphs.embed(graphs.load_tu(nci), 6)
        pick = np.random.default_rng(0).choice(len(en_all), 80, replace=False)
        res["nci1"]["cpu_one_thread_80_graphs"] = cpu_one_thread([en_all[i] for i in pick])
        log("NCI1 CPU a pair, one thread: %s" % res["nci1"]["cpu_one_thread_80_graphs"])
    res["self_peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open(os.path.join(args.out, "results_graphs.json"), "w") as f:
        json.dump(res, f, indent=1, default=float)
    print(json.dumps(res, indent=1, default=float))


if __name__ == "__main__":
    main()
