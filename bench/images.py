"""Images and the Earth Mover's Distance: timings against anchors in the same
run, retrieval quality on Fashion-MNIST, contours (Grauman & Darrell), and
the colour signature on the photographs of opencv-doc.

    PYTHONPATH=build/python python3 bench/images.py [--quick] [--out DIR]

Data: Debian's dataset-fashion-mnist (IDX files) and opencv-doc (sample
images); `scripts/deps.sh bench` installs them. Fixed seeds throughout.
Writes results_images.json and two figures (PNG) into --out (default
build/bench/), and prints the numbers README_images.md quotes.

Sections
  pairs     exact W1 between 28 x 28 Fashion-MNIST images (euclidean and
            cityblock ground costs): wass's grid solver and wass.solve
            against POT's ot.emd2 on the 784 x 784 cost matrix, every tool
            on each pair in turn, --pair-reps passes (wall and CPU medians)
  grid      the grid solver (cityblock, chebyshev) on random images up to
            128 x 128 against the dense path (wass.solve, automatic
            algorithm), the dense simplex, POT, and LEMON's network simplex
            and cost scaling on the same grid graph (bench/lemon_grid.cpp,
            built with g++ -llemon)
  retrieval Fashion-MNIST, 10,000 training images as the database, the first
            1,000 test images as queries: kNN error (k = 10, majority) and
            precision@10 for pixel L2, the embedding, exact W1 (euclidean,
            pruned), exact W1 (cityblock, grid solver, pruned) and the
            embedding + exact re-rank; exact modes on a subset of queries
  contours  silhouettes of the same images as 64 points along their traced
            contours: exact EMD (assignment) against the embedding's L1
            distance
  colour    nearest neighbours by colour signature among opencv-doc's
            colour photographs
  speedup   the embedding's time per pair (wass.embed_distances: the
            database packed once into an embedding set, the distances
            alone timed) against our exact solve (wass_retrieve in brute
            mode, one thread: the grid solver on grey signatures, the
            assignment on contours), query by query in turn (interleaved),
            medians; for grey 28 x 28 images (10,000 database images) and
            for 64-point contours (1,000)
"""
import argparse
import glob
import json
import os
import statistics
import sys
import time

import numpy as np

import wass
import wass.images as wi

FMNIST = "/usr/share/datasets/fashion-mnist"
CLASSES = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Boot"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def med(x):
    return statistics.median(x)


def grid_points(rows, cols):
    r, c = np.divmod(np.arange(rows * cols), cols)
    return np.stack([c, r], 1).astype(float)


def timed(f, *a, **k):
    t = time.perf_counter()
    v = f(*a, **k)
    return v, time.perf_counter() - t


# ---- pairs ---------------------------------------------------------------------------


def timed2(f, *a, **k):
    """value, wall seconds, CPU seconds of this process"""
    t, c = time.perf_counter(), time.process_time()
    v = f(*a, **k)
    return v, time.perf_counter() - t, time.process_time() - c


def summary(samples):
    """median wall and CPU seconds of [(wall, cpu), ...]"""
    return {"wall_s": med([w for w, _ in samples]), "cpu_s": med([c for _, c in samples]),
            "runs": len(samples)}


def bench_fmnist_pairs(test_imgs, args):
    """Exact W1 between 28 x 28 Fashion-MNIST images: POT's ot.emd2 on the
    784 x 784 cost matrix against wass's grid solver (euclidean: the
    transport between the parts of a - b; cityblock: the grid graph) and
    wass.solve on the grey signatures and on the dense matrix; every tool
    timed on each pair in turn, the whole loop repeated."""
    import ot

    rng = np.random.default_rng(0)
    P = grid_points(28, 28)
    M = {m: ot.dist(P, P, metric=m) for m in ("euclidean", "cityblock")}
    npairs = 10 if args.quick else 40
    reps = 1 if args.quick else args.pair_reps
    idx = rng.choice(len(test_imgs), size=(npairs, 2), replace=False)
    pairs = []
    for i, j in idx:
        a = test_imgs[i].astype(float)
        b = test_imgs[j].astype(float)
        pairs.append((a / a.sum(), b / b.sum(), wi.grey_signature(test_imgs[i]),
                      wi.grey_signature(test_imgs[j])))
    tools = ["pot_euclidean", "grid_euclidean", "solve_points", "solve_dense", "pot_cityblock",
             "grid_cityblock"]
    t = {k: [] for k in tools}
    worst = {"euclidean": 0.0, "cityblock": 0.0}
    pivots = []
    load0 = os.getloadavg()
    for rep in range(reps):
        for a, b, (Xa, wa), (Xb, wb) in pairs:
            av, bv = a.ravel(), b.ravel()
            ref, w, c = timed2(ot.emd2, av, bv, M["euclidean"])
            t["pot_euclidean"].append((w, c))
            g, w, c = timed2(wi.grid_emd, a, b, metric="euclidean")
            t["grid_euclidean"].append((w, c))
            pivots.append(g.iterations)
            r1, w, c = timed2(wass.solve, a=wa, b=wb, X=Xa, Y=Xb, mass="normalize", plan=False,
                              threads=1)
            t["solve_points"].append((w, c))
            r2, w, c = timed2(wass.solve, a=av, b=bv, M=M["euclidean"], mass="normalize",
                              plan=False, threads=1)
            t["solve_dense"].append((w, c))
            worst["euclidean"] = max(worst["euclidean"], abs(g.cost - ref), abs(r1.cost - ref),
                                     abs(r2.cost - ref))
            assert g.certificate["duality_gap"] <= 1e-9
            ref, w, c = timed2(ot.emd2, av, bv, M["cityblock"])
            t["pot_cityblock"].append((w, c))
            g, w, c = timed2(wi.grid_emd, a, b, metric="cityblock")
            t["grid_cityblock"].append((w, c))
            worst["cityblock"] = max(worst["cityblock"], abs(g.cost - ref))
    out = {"pairs": int(npairs), "reps": reps, "loadavg_before": load0,
           "loadavg_after": os.getloadavg(), "max_abs_diff": worst,
           "grid_euclidean_pivots_median": med(pivots)}
    for k in tools:
        out[k] = summary(t[k])
    for k, ref in [("grid_euclidean", "pot_euclidean"), ("solve_points", "pot_euclidean"),
                   ("solve_dense", "pot_euclidean"), ("grid_cityblock", "pot_cityblock")]:
        out["speedup_" + k] = {"wall": out[ref]["wall_s"] / out[k]["wall_s"],
                               "cpu": out[ref]["cpu_s"] / out[k]["cpu_s"],
                               "median_of_pair_ratios_cpu": med(
                                   [r[1] / x[1] for r, x in zip(t[ref], t[k])])}
    log("pairs 28x28:", json.dumps(out, default=float))
    return out


LEMON_GRID = os.path.join(os.path.dirname(__file__), "..", "build", "lemon_grid")


def lemon_grid(a, b, metric, algo):
    """LEMON on the same grid graph (bench/lemon_grid.cpp): solve seconds
    (wall, CPU), cost"""
    import subprocess
    import tempfile

    if not os.path.exists(LEMON_GRID):
        src = os.path.join(os.path.dirname(__file__), "lemon_grid.cpp")
        subprocess.check_call(["g++", "-O2", "-std=c++11", src, "-llemon", "-o", LEMON_GRID])
    with tempfile.TemporaryDirectory() as d:
        pre = os.path.join(d, "g")
        a.astype(np.float64).tofile(pre + ".a.f64")
        b.astype(np.float64).tofile(pre + ".b.f64")
        p = subprocess.run([LEMON_GRID, pre, str(a.shape[0]), str(a.shape[1]), metric, algo],
                           capture_output=True, text=True, check=True)
    r = json.loads(p.stdout.strip().splitlines()[-1])
    return r["lemon_solve_seconds"], r["lemon_solve_cpu_seconds"], r["lemon_cost"]


def bench_grid(args):
    """The grid solver on random images against the dense path (wass.solve,
    AUTO: column generation from 64 x 64 on), the dense simplex, POT and
    LEMON on the same grid graph; one pair after the other, each tool on it
    in turn."""
    import ot

    rng = np.random.default_rng(0)
    grid = []
    sizes = [16, 28, 64] if args.quick else [16, 28, 32, 64, 128]
    for n in sizes:
        for metric in ["cityblock", "chebyshev"]:
            if metric == "chebyshev" and n not in (28, 64, 128):
                continue
            reps = 5 if n == 128 else 3
            Pn = grid_points(n, n)
            tm = {k: [] for k in ["grid", "auto", "simplex", "pot", "lemon_ns", "lemon_ns_int",
                                  "lemon_cs"]}
            row = {"n": n, "metric": metric, "pairs": reps, "max_abs_diff": 0.0, "pivots": [],
                   "auto_algorithm": None, "loadavg_before": os.getloadavg()}
            Mn = ot.dist(Pn, Pn, metric=metric) if n <= 64 else None
            for rep in range(reps):
                a, b = rng.random((n, n)), rng.random((n, n))
                a, b = a / a.sum(), b / b.sum()
                g, w, c = timed2(wi.grid_emd, a, b, metric=metric)
                tm["grid"].append((w, c))
                row["pivots"].append(g.iterations)
                refs = []
                an, bn = a.ravel(), b.ravel()
                r, w, c = timed2(wass.solve, a=an, b=bn, X=Pn, Y=Pn, metric=metric, plan=False,
                                 mass="normalize", threads=1)
                tm["auto"].append((w, c))
                row["auto_algorithm"] = getattr(r, "algorithm", None)
                refs.append(r.cost)
                if n <= 32:
                    r, w, c = timed2(wass.solve, a=an, b=bn, M=Mn, plan=False, mass="normalize",
                                     threads=1, algorithm="simplex")
                    tm["simplex"].append((w, c))
                    refs.append(r.cost)
                if Mn is not None and (n <= 32 or (metric == "cityblock" and rep == 0)):
                    v, w, c = timed2(ot.emd2, an, bn, Mn, numItermax=10 ** 9)
                    tm["pot"].append((w, c))
                    refs.append(v)
                for algo, key in [("ns", "lemon_ns"), ("ns_int", "lemon_ns_int"),
                                  ("cs", "lemon_cs")]:
                    w, c, cost = lemon_grid(a, b, metric, algo)
                    tm[key].append((w, c))
                    if algo == "ns":
                        refs.append(cost)
                row["max_abs_diff"] = max([row["max_abs_diff"]] + [abs(g.cost - v) for v in refs])
            row["loadavg_after"] = os.getloadavg()
            for k, v in tm.items():
                row[k] = summary(v) if v else None
            for k in ["auto", "simplex", "pot", "lemon_ns", "lemon_ns_int", "lemon_cs"]:
                if row[k]:
                    row["speedup_vs_" + k] = {"wall": row[k]["wall_s"] / row["grid"]["wall_s"],
                                              "cpu": row[k]["cpu_s"] / row["grid"]["cpu_s"]}
            row["pivots"] = int(med(row["pivots"]))
            log("grid", json.dumps(row, default=float))
            grid.append(row)
    return grid


# ---- retrieval -----------------------------------------------------------------------


def knn_scores(index, labels_db, labels_q, k=10):
    """kNN error (majority of the k nearest, ties to the nearer) and
    precision@k."""
    errs, prec = [], []
    for row, y in zip(index, labels_q):
        lab = labels_db[row[:k]]
        counts = np.bincount(lab, minlength=10)
        best = np.flatnonzero(counts == counts.max())
        pred = next(l for l in lab if l in best)
        errs.append(pred != y)
        prec.append(np.mean(lab == y))
    return float(np.mean(errs)), float(np.mean(prec))


def pixel_l2(db, qs, k):
    D = db.reshape(len(db), -1).astype(float)
    Q = qs.reshape(len(qs), -1).astype(float)
    d2 = (Q ** 2).sum(1)[:, None] + (D ** 2).sum(1)[None, :] - 2 * Q @ D.T
    return np.argsort(d2, axis=1, kind="stable")[:, :k]


def bench_retrieval(train, ytrain, test, ytest, args):
    out = {"database": len(train), "queries": len(test)}
    k = 10
    t0 = time.perf_counter()
    sig_db = [wi.grey_signature(im) for im in train]
    sig_q = [wi.grey_signature(im) for im in test]
    out["signature_s_per_image"] = (time.perf_counter() - t0) / (len(train) + len(test))
    res = {}

    idx, t = timed(pixel_l2, train, test, k)
    res["pixel_l2"] = {"queries": len(test), "s_per_query": t / len(test), "index": idx}

    ne = len(test) if not args.quick else 100
    r, t = timed(wi.retrieve, sig_db, sig_q[:ne], k=k, mode="embed", seed=1, threads=1)
    # end to end: the frame, the embedding of all images and the distances
    # (the distances alone per pair: the speedup section)
    res["embed"] = {"queries": ne, "s_per_query": t / ne, "index": r.index,
                    "s_per_pair_end_to_end": t / (ne * len(train))}

    nx = args.exact_queries
    r, t = timed(wi.retrieve, sig_db, sig_q[:nx], k=k, mode="exact", threads=1)
    res["exact_euclidean"] = {"queries": nx, "s_per_query": t / nx, "index": r.index,
                              "solves_per_query": float(r.exact_solves.mean()),
                              "avoided": 1 - float(r.exact_solves.mean()) / len(train),
                              "distance": r.distance}
    log("exact euclidean:", res["exact_euclidean"]["s_per_query"], "s/query,",
        res["exact_euclidean"]["avoided"], "avoided")

    ng = args.grid_queries
    r, t = timed(wi.retrieve, sig_db, sig_q[:ng], k=k, mode="exact", metric="cityblock",
                 threads=1)
    res["exact_cityblock_grid"] = {"queries": ng, "s_per_query": t / ng, "index": r.index,
                                   "solves_per_query": float(r.exact_solves.mean()),
                                   "avoided": 1 - float(r.exact_solves.mean()) / len(train),
                                   "distance": r.distance}
    log("exact cityblock:", res["exact_cityblock_grid"]["s_per_query"], "s/query")

    R = 100
    r, t = timed(wi.retrieve, sig_db, sig_q[:nx], k=k, mode="rerank", rerank=R, seed=1,
                 threads=1)
    res["embed_rerank"] = {"queries": nx, "rerank": R, "s_per_query": t / nx, "index": r.index,
                           "avoided": 1 - R / len(train),
                           "same_as_exact": float(np.mean(
                               [set(a) == set(b) for a, b in
                                zip(r.index, res["exact_euclidean"]["index"])]))}

    # brute force on a few queries: the pruned answer is exactly the same
    nb = args.brute_queries
    br, t = timed(wi.retrieve, sig_db, sig_q[:nb], k=k, mode="brute", metric="cityblock",
                  threads=2)
    same_grid = bool(np.array_equal(br.index, res["exact_cityblock_grid"]["index"][:nb]) and
                     np.allclose(br.distance, res["exact_cityblock_grid"]["distance"][:nb],
                                 rtol=0, atol=1e-12))
    nbe = min(1000, len(train))
    bre = wi.retrieve(sig_db[:nbe], sig_q[:nb], k=k, mode="brute", threads=2)
    exe = wi.retrieve(sig_db[:nbe], sig_q[:nb], k=k, mode="exact", threads=1)
    same_euc = bool(np.array_equal(bre.index, exe.index))
    out["brute_check"] = {"queries": nb, "cityblock_database": len(train),
                          "cityblock_same": same_grid, "cityblock_brute_s_per_pair":
                          t * 2 / (nb * len(train)), "euclidean_database": nbe,
                          "euclidean_same": same_euc,
                          "euclidean_pruned_avoided": 1 - float(exe.exact_solves.mean()) / nbe}
    log("brute check:", out["brute_check"])

    for name, d in res.items():
        n = d["queries"]
        err, p10 = knn_scores(d["index"], ytrain, ytest[:n], k)
        d["knn_error"], d["precision_at_10"] = err, p10
        # the pixel baseline and the embedding on the same queries, for comparison
        d["pixel_l2_on_same_queries"] = knn_scores(res["pixel_l2"]["index"][:n], ytrain,
                                                   ytest[:n], k)
        d.pop("index_keep", None)
    out["methods"] = {name: {kk: v for kk, v in d.items() if kk not in ("index", "distance")}
                      for name, d in res.items()}
    e = res["exact_euclidean"]
    out["exact_s_per_pair_estimate"] = e["s_per_query"] / max(e["solves_per_query"], 1)
    out["embed_end_to_end_speedup_per_pair"] = (out["exact_s_per_pair_estimate"] /
                                                res["embed"]["s_per_pair_end_to_end"])
    out["loadavg"] = os.getloadavg()
    out["exact_brute_extrapolated_s_per_query"] = out["exact_s_per_pair_estimate"] * len(train)
    return out, res


# ---- contours ------------------------------------------------------------------------


def bench_contours(train, ytrain, test, ytest, args):
    from scipy.stats import spearmanr

    ndb = 300 if args.quick else 1000
    nq = 20 if args.quick else 50
    pts = 64
    cdb = [wi.contour_signature(im, threshold=0.1, points=pts) for im in train[:ndb]]
    cq = [wi.contour_signature(im, threshold=0.1, points=pts) for im in test[:nq]]
    ex, t_ex = timed(wi.retrieve, cdb, cq, k=ndb, mode="brute", threads=1)
    # the embedding's distances over the database packed once (the frame is
    # retrieval's: all clouds, seed 2); its time is the distances alone
    D_em, info = wass.embed_distances(cq, cdb, seed=2, threads=1, return_info=True)
    t_em = info["seconds"]
    em = wi.retrieve(cdb, cq, k=10, mode="embed", seed=2, threads=1)
    assert np.array_equal(em.index, np.argsort(D_em, axis=1, kind="stable")[:, :10])
    D_ex = np.empty((nq, ndb))
    for q in range(nq):
        D_ex[q, ex.index[q]] = ex.distance[q]
    rho = [spearmanr(D_ex[q], D_em[q]).correlation for q in range(nq)]
    out = {"database": ndb, "queries": nq, "points": pts, "threshold": 0.1,
           "spearman_median": float(np.median(rho)),
           "spearman_all_pairs": float(spearmanr(D_ex.ravel(), D_em.ravel()).correlation),
           "exact_s_per_pair": t_ex / (nq * ndb), "embed_s_per_pair": t_em / (nq * ndb)}
    out["speedup_per_pair"] = out["exact_s_per_pair"] / out["embed_s_per_pair"]
    out["exact_knn_error"], out["exact_p10"] = knn_scores(ex.index, ytrain[:ndb], ytest[:nq])
    out["embed_knn_error"], out["embed_p10"] = knn_scores(em.index, ytrain[:ndb], ytest[:nq])
    out["loadavg"] = os.getloadavg()
    log("contours:", out)
    return out, cdb, cq, ex


# ---- speedup per pair ----------------------------------------------------------------


def bench_speedup(train, test, args):
    """Per pair, in the same run: the embedding's L1 over a packed set against
    our exact solve, alternating query by query; medians over queries."""
    out = {"loadavg_before": os.getloadavg()}
    settings = {
        "grey": dict(db=[wi.grey_signature(im) for im in train],
                     q=[wi.grey_signature(im) for im in test[:args.speed_queries]],
                     exact_pairs=20, seed=1),
        "contours": dict(db=[wi.contour_signature(im, threshold=0.1, points=64)
                             for im in train[:1000]],
                         q=[wi.contour_signature(im, threshold=0.1, points=64)
                            for im in test[:args.speed_queries]],
                         exact_pairs=100, seed=2),
    }
    for name, st in settings.items():
        db, qs, ne = st["db"], st["q"], st["exact_pairs"]
        ex, em = [], []
        info = None
        for q in qs:
            r = wi.retrieve(db[:ne], [q], k=1, mode="brute", threads=1)
            ex.append(r.seconds / ne)
            D, info = wass.embed_distances([q], db, seed=st["seed"], threads=1, return_info=True)
            em.append(info["seconds"] / len(db))
        # all queries at once: the set's rows are read once for up to 64 queries
        D, blk = wass.embed_distances(qs, db, seed=st["seed"], threads=1, return_info=True)
        row = {"database": len(db), "queries": len(qs), "exact_pairs_per_query": ne,
               "exact_s_per_pair": med(ex), "embed_s_per_pair": med(em),
               "embed_s_per_pair_all_queries_at_once": blk["seconds"] / (len(qs) * len(db)),
               "embed_build_s_per_entry": info["build_seconds"] / len(db),
               "dense": info["dense"], "cells": info["cells"], "levels": info["levels"]}
        row["speedup"] = row["exact_s_per_pair"] / row["embed_s_per_pair"]
        row["speedup_median_of_query_ratios"] = med([a / b for a, b in zip(ex, em)])
        row["speedup_all_queries_at_once"] = (row["exact_s_per_pair"] /
                                              row["embed_s_per_pair_all_queries_at_once"])
        out[name] = row
        log("speedup", name, json.dumps(row, default=float))
    out["loadavg_after"] = os.getloadavg()
    return out


# ---- colour --------------------------------------------------------------------------


def colour_images(limit):
    import cv2

    paths = sorted(glob.glob("/usr/share/doc/opencv-doc/examples/data/*.jpg") +
                   glob.glob("/usr/share/doc/opencv-doc/examples/data/*.png"))
    out = []
    for p in paths:
        img = cv2.imread(p, cv2.IMREAD_COLOR)
        if img is None:
            continue
        rgb = img[:, :, ::-1].astype(float) / 255
        if np.abs(rgb[:, :, 0] - rgb[:, :, 1]).mean() + np.abs(rgb[:, :, 1] - rgb[:, :, 2]).mean() < 0.02:
            continue  # grey
        s = max(rgb.shape[:2]) / 96
        if s > 1:
            rgb = cv2.resize(rgb, (int(rgb.shape[1] / s), int(rgb.shape[0] / s)),
                             interpolation=cv2.INTER_AREA)
        out.append((os.path.basename(p), rgb))
        if len(out) >= limit:
            break
    return out


def bench_colour(args):
    imgs = colour_images(12 if args.quick else 30)
    if len(imgs) < 3:
        return {"skipped": "fewer than 3 colour images found (opencv-doc not installed?)"}
    t0 = time.perf_counter()
    sigs = [wi.colour_signature(im, k=8, seed=0) for _, im in imgs]
    t_sig = (time.perf_counter() - t0) / len(imgs)
    r = wi.retrieve(sigs, sigs, k=4, mode="brute")
    nn = {}
    for q, (name, _) in enumerate(imgs):
        nn[name] = [[imgs[b][0], float(d)] for b, d in zip(r.index[q], r.distance[q])
                    if b != q][:3]
    return {"images": len(imgs), "clusters": 8, "signature_s": t_sig, "neighbours": nn}


# ---- figures -------------------------------------------------------------------------


def figure_retrieval(train, ytrain, test, ytest, index, path, nq=6, k=8):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nq = min(nq, len(index))
    fig, axes = plt.subplots(nq, k + 1, figsize=(1.3 * (k + 1), 1.45 * nq))
    for q in range(nq):
        ax = axes[q, 0]
        ax.imshow(test[q], cmap="gray_r")
        ax.set_ylabel("query %d\n%s" % (q, CLASSES[ytest[q]]), fontsize=7)
        for t in range(k):
            b = index[q][t]
            ax = axes[q, t + 1]
            ax.imshow(train[b], cmap="gray_r")
            ok = ytrain[b] == ytest[q]
            for s in ax.spines.values():
                s.set_edgecolor("green" if ok else "red")
                s.set_linewidth(2.5)
            ax.set_title("%s %s" % ("ok" if ok else "x", CLASSES[ytrain[b]]), fontsize=6,
                         color="green" if ok else "red")
        for ax in axes[q]:
            ax.set_xticks([])
            ax.set_yticks([])
    for t in range(k):
        axes[-1, t + 1].set_xlabel("rank %d" % (t + 1), fontsize=7)
    axes[-1, 0].set_xlabel("query", fontsize=7)
    fig.suptitle("Fashion-MNIST: exact EMD (W1, euclidean) nearest neighbours; "
                 "green = same class", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def figure_flow(cq, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    (X, w), (Y, v) = cq[0], cq[2]
    r = wass.solve(a=w, b=v, X=X, Y=Y)
    P = r.plan
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    for i, j in zip(*np.nonzero(P > 1e-12)):
        ax.plot([X[i, 0], Y[j, 0]], [X[i, 1], Y[j, 1]], color="0.6", lw=0.8)
    ax.scatter(X[:, 0], X[:, 1], s=14, label="contour A (%d points)" % len(X))
    ax.scatter(Y[:, 0], Y[:, 1], s=14, marker="s", label="contour B (%d points)" % len(Y))
    ax.invert_yaxis()
    ax.set_aspect("equal")
    ax.set_xlabel("column (pixels)")
    ax.set_ylabel("row (pixels)")
    ax.set_title("EMD flow between two contours: W1 = %.3f px" % r.cost)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "build",
                                                  "bench"))
    ap.add_argument("--exact-queries", type=int, default=20)
    ap.add_argument("--grid-queries", type=int, default=100)
    ap.add_argument("--brute-queries", type=int, default=2)
    ap.add_argument("--pair-reps", type=int, default=3,
                    help="passes over the 28 x 28 pairs (each tool on each pair in turn)")
    ap.add_argument("--speed-queries", type=int, default=10,
                    help="queries of the per-pair speed-up (speedup section)")
    ap.add_argument("--sections", default="pairs,grid,retrieval,contours,colour,speedup")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if not os.path.isdir(FMNIST):
        sys.exit("bench/images.py: %s not found (install dataset-fashion-mnist: "
                 "scripts/deps.sh bench)" % FMNIST)
    ndb = 2000 if args.quick else 10000
    nq = 200 if args.quick else 1000
    if args.quick:
        args.exact_queries, args.grid_queries, args.brute_queries = 5, 20, 1
    train = wi.read_idx(FMNIST + "/train-images-idx3-ubyte.gz", ndb)
    ytrain = wi.read_idx_labels(FMNIST + "/train-labels-idx1-ubyte.gz", ndb).astype(int)
    test = wi.read_idx(FMNIST + "/t10k-images-idx3-ubyte.gz", nq)
    ytest = wi.read_idx_labels(FMNIST + "/t10k-labels-idx1-ubyte.gz", nq).astype(int)
    sections = args.sections.split(",")
    results = {"quick": args.quick, "cpus": os.cpu_count()}
    results["loadavg_start"] = os.getloadavg()
    if "pairs" in sections:
        results["pairs"] = bench_fmnist_pairs(test, args)
    if "grid" in sections:
        results["grid"] = bench_grid(args)
    if "retrieval" in sections:
        results["retrieval"], res = bench_retrieval(train, ytrain, test, ytest, args)
        figure_retrieval(train, ytrain, test, ytest, res["exact_euclidean"]["index"],
                         os.path.join(args.out, "images_retrieval.png"))
    if "contours" in sections:
        results["contours"], cdb, cq, ex = bench_contours(train, ytrain, test, ytest, args)
        figure_flow(cq, os.path.join(args.out, "images_flow.png"))
    if "colour" in sections:
        results["colour"] = bench_colour(args)
    if "speedup" in sections:
        results["speedup"] = bench_speedup(train, test, args)
    results["loadavg_end"] = os.getloadavg()
    path = os.path.join(args.out, "results_images_%s.json" % "_".join(sections))
    with open(path, "w") as f:
        json.dump(results, f, indent=1, default=float)
    print(json.dumps(results, indent=1, default=float))
    log("wrote", path)


if __name__ == "__main__":
    main()
