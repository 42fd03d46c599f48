"""The Word Mover's Distance in Python (wass.WordVectors, wass.wmd / wcd /
rwmd, wass.knn, wass.knn_classify): small word vectors made here, a
hand-computed WMD, agreement with POT's ot.emd2 on random documents, the
lower bounds, kNN against a brute force in numpy + POT, the loaders and their
errors."""
import json
import math
import struct
import warnings

import numpy as np
import ot
import pytest
from scipy.spatial.distance import cdist

import wass

# ---- fixtures ------------------------------------------------------------------------

HAND_WORDS = ["alpha", "beta", "gamma", "delta", "the"]
HAND_VECS = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 1.0], [4.0, 1.0], [9.0, 9.0]])


@pytest.fixture(scope="module")
def hand():
    return wass.WordVectors.from_arrays(HAND_WORDS, HAND_VECS)


def random_vocab(n=60, d=7, seed=0):
    rng = np.random.default_rng(seed)
    words = ["w%d" % i for i in range(n)]
    return words, rng.normal(size=(n, d))


def random_docs(words, count, seed, lo=1, hi=12):
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(words, size=int(rng.integers(lo, hi)))) for _ in range(count)]


@pytest.fixture(scope="module")
def rand():
    words, X = random_vocab()
    return wass.WordVectors.from_arrays(words, X), words, X


def pot_wmd(bag_a, bag_b, X, distance="euclidean", normalize=False):
    """WMD by POT's exact LP on the same bags (independent of the library)."""
    A, B = X[bag_a.words].astype(float), X[bag_b.words].astype(float)
    if normalize or distance == "cosine":
        A = A / np.linalg.norm(A, axis=1, keepdims=True)
        B = B / np.linalg.norm(B, axis=1, keepdims=True)
    M = cdist(A, B) if distance == "euclidean" else np.maximum(1 - A @ B.T, 0)
    return ot.emd2(bag_a.weights, bag_b.weights, M)


# ---- values --------------------------------------------------------------------------

def test_hand_computed(hand):
    # alpha (0,0) weight 2/3, beta (4,0) 1/3 against gamma (0,1) 1/3, delta (4,1) 2/3:
    # alpha -> gamma 1/3 at 1, beta -> delta 1/3 at 1, alpha -> delta 1/3 at sqrt(17)
    ref = (2 + math.sqrt(17)) / 3
    assert wass.wmd(hand, "alpha Alpha beta", "gamma delta DELTA") == pytest.approx(ref,
                                                                                     rel=1e-14)
    # WCD: centroids (4/3, 0) and (8/3, 1): sqrt(16/9 + 1) = 5/3
    assert wass.wcd(hand, "alpha alpha beta", "gamma delta delta") == pytest.approx(5 / 3,
                                                                                     rel=1e-14)
    # RWMD: each side to its nearest word: 1 for every word
    assert wass.rwmd(hand, "alpha alpha beta", "gamma delta delta") == pytest.approx(1.0,
                                                                                      rel=1e-14)
    v, log = wass.wmd(hand, "alpha alpha beta", "gamma delta delta", log=True)
    assert v == pytest.approx(ref, rel=1e-14)
    assert log["wcd"] == pytest.approx(5 / 3, rel=1e-14) and log["rwmd"] == pytest.approx(1.0)
    assert not log["empty"]


def test_bag_from_text(hand):
    b = hand.bag("The alpha, the BETA! alpha zeta x", stopwords=["the"], min_len=2)
    assert list(b.words) == [0, 1]
    assert b.terms == ["alpha", "beta"]
    np.testing.assert_allclose(b.weights, [2 / 3, 1 / 3], rtol=1e-15)
    np.testing.assert_array_equal(b.counts, [2, 1])
    assert (b.tokens, b.kept, b.short_dropped, b.stop_dropped, b.oov_dropped) == (7, 3, 1, 2, 1)
    sw = wass.StopWords.english()
    assert "the" in sw and "alpha" not in sw and len(sw) > 100
    assert hand.bag("the alpha", stopwords="en").terms == ["alpha"]
    assert hand.bag("the alpha", stopwords=sw).terms == ["alpha"]
    b2 = hand.bag_from_counts(["beta", "alpha", "beta"], [1.0, 3.0, 1.0])
    assert list(b2.words) == [0, 1]
    np.testing.assert_allclose(b2.weights, [0.6, 0.4], rtol=1e-15)


def test_tfidf_weights(hand):
    texts = ["alpha alpha beta", "alpha gamma", "delta delta"]
    bags = hand.bags(texts, weighting="tfidf")
    n = len(texts)
    df = {"alpha": 2, "beta": 1, "gamma": 1, "delta": 1}
    idf = {w: math.log((1 + n) / (1 + c)) + 1 for w, c in df.items()}
    w = np.array([2 * idf["alpha"], idf["beta"]])
    np.testing.assert_allclose(bags[0].weights, w / w.sum(), rtol=1e-14)
    np.testing.assert_array_equal(bags[0].counts, [2, 1])
    plain = hand.bags(texts)
    np.testing.assert_allclose(plain[0].weights, [2 / 3, 1 / 3], rtol=1e-15)
    # the TF-IDF bags give the WMD of their weights (POT on the same bags)
    assert wass.wmd(hand, bags[0], bags[1]) == pytest.approx(
        pot_wmd(bags[0], bags[1], HAND_VECS), rel=1e-12)


@pytest.mark.parametrize("distance,normalize", [("euclidean", False), ("euclidean", True),
                                                ("cosine", False)])
def test_against_pot_random(rand, distance, normalize):
    wv, words, X = rand
    docs = random_docs(words, 30, seed=1)
    bags = wv.bags(docs)
    rng = np.random.default_rng(2)
    for _ in range(25):
        i, j = rng.choice(len(bags), 2, replace=False)
        ref = pot_wmd(bags[i], bags[j], X.astype(np.float32), distance, normalize)
        got = wass.wmd(wv, bags[i], bags[j], distance=distance, normalize=normalize)
        assert got == pytest.approx(ref, rel=1e-9, abs=1e-12)


def test_bounds_below_wmd(rand):
    wv, words, X = rand
    bags = wv.bags(random_docs(words, 40, seed=3))
    for i in range(0, 40, 2):
        a, b = bags[i], bags[i + 1]
        for dist in ("euclidean", "cosine"):
            w = wass.wmd(wv, a, b, distance=dist)
            assert wass.wcd(wv, a, b, distance=dist) <= w * (1 + 1e-12) + 1e-12
            assert wass.rwmd(wv, a, b, distance=dist) <= w * (1 + 1e-12) + 1e-12
        # the centroid bound is the distance of the weighted means (numpy)
        X32 = X.astype(np.float32).astype(float)
        ca, cb = a.weights @ X32[a.words], b.weights @ X32[b.words]
        assert wass.wcd(wv, a, b) == pytest.approx(np.linalg.norm(ca - cb), rel=1e-12)


def test_empty_document_gives_inf_and_warning(hand):
    with pytest.warns(wass.EmptyDocumentWarning):
        assert wass.wmd(hand, "alpha", "the unknown", stopwords=["the"]) == math.inf
    with pytest.warns(wass.EmptyDocumentWarning):
        assert wass.rwmd(hand, "", "alpha") == math.inf


# ---- k nearest neighbours ------------------------------------------------------------

def brute_knn(bags_q, bags_c, X, k):
    """Neighbours by POT distances, ties by index."""
    D = np.array([[pot_wmd(q, c, X) if len(q) and len(c) else np.inf for c in bags_c]
                  for q in bags_q])
    idx = np.lexsort((np.tile(np.arange(len(bags_c)), (len(bags_q), 1)), D), axis=1)[:, :k]
    return idx, np.take_along_axis(D, idx, axis=1)


def test_knn_equals_brute_force(rand):
    wv, words, X = rand
    corpus = wv.bags(random_docs(words, 50, seed=4))
    queries = wv.bags(random_docs(words, 8, seed=5))
    ref_idx, ref_d = brute_knn(queries, corpus, X.astype(np.float32), 5)
    brute = wass.knn(wv, queries, corpus, k=5, prune="none", threads=1)
    np.testing.assert_array_equal(brute.index, ref_idx)
    np.testing.assert_allclose(brute.dist, ref_d, rtol=1e-9)
    assert brute.exact_solves == brute.candidates == 8 * 50 and brute.avoided == 0.0
    for prune in ("kusner", "rwmd", "ict"):
        for tight in (True, False):
            for threads in (1, 2):
                r = wass.knn(wv, queries, corpus, k=5, prune=prune, tight=tight,
                             threads=threads)
                np.testing.assert_array_equal(r.index, brute.index)
                np.testing.assert_array_equal(r.dist, brute.dist)
                assert r.candidates == brute.candidates
                assert r.exact_solves + r.pruned_wcd + r.pruned_rwmd + r.pruned_ict == \
                    r.candidates
                assert r.exact_solves < brute.exact_solves
    # the kNN's word-distance table gives bitwise the pairwise values
    for qi, q in enumerate(queries):
        for r in range(5):
            c = corpus[brute.index[qi, r]]
            assert brute.dist[qi, r] == wass.wmd(wv, q, c)
            assert wass.wmd(wv, c, q) == pytest.approx(brute.dist[qi, r], rel=1e-13)
    rw = wass.knn(wv, queries, corpus, k=5, method="rwmd")
    wc = wass.knn(wv, queries, corpus, k=5, method="wcd")
    for qi, q in enumerate(queries):
        d = [wass.rwmd(wv, q, c) for c in corpus]
        assert list(rw.index[qi]) == sorted(range(len(corpus)), key=lambda j: (d[j], j))[:5]
        assert list(rw.dist[qi]) == [d[j] for j in rw.index[qi]]
        assert wc.dist[qi, 0] == pytest.approx(wass.wcd(wv, q, corpus[wc.index[qi, 0]]),
                                               rel=1e-12)


def test_knn_ties_empty_and_exclude(hand):
    corpus = ["alpha", "beta", "alpha", "", "gamma", "alpha"]
    with pytest.warns(wass.EmptyDocumentWarning):
        r = wass.knn(hand, ["alpha", "zzz"], corpus, k=4)
    np.testing.assert_array_equal(r.index[0], [0, 2, 5, 4])  # ties by index
    np.testing.assert_array_equal(r.dist[0], [0, 0, 0, 1])
    assert r.empty_queries == 1 and np.all(np.isinf(r.dist[1]))
    r = wass.knn(hand, ["alpha"], corpus, k=10, exclude=[2])
    assert list(r.index[0][:6]) == [0, 5, 4, 1, 3, -1] and np.isinf(r.dist[0][4])
    w = wass.knn(hand, ["alpha alpha beta"], corpus, k=2, method="wcd")
    assert w.exact_solves == 0 and w.dist[0][0] == pytest.approx(4 / 3)


def test_knn_classify():
    rng = np.random.default_rng(6)
    words = ["a%d" % i for i in range(15)] + ["b%d" % i for i in range(15)]
    X = np.vstack([rng.normal(0, 1, (15, 4)), rng.normal(6, 1, (15, 4))])
    wv = wass.WordVectors.from_arrays(words, X)
    docs = random_docs(words[:15], 20, 7) + random_docs(words[15:], 20, 8)
    labels = ["ham"] * 20 + ["spam"] * 20
    test = random_docs(words[:15], 5, 9) + random_docs(words[15:], 5, 10)
    c = wass.knn_classify(wv, docs, labels, test, ["ham"] * 5 + ["spam"] * 5, k_max=7)
    assert c.predicted == ["ham"] * 5 + ["spam"] * 5 and c.test_error == 0.0
    assert c.k in (1, 3, 5, 7) and set(c.cv_error) == {1, 3, 5, 7}
    assert c.neighbors.index.shape == (10, c.k)
    c2 = wass.knn_classify(wv, docs, labels, test, k=3)
    assert c2.k == 3 and c2.test_error is None and c2.predicted == c.predicted


def test_knn_classify_many_k_and_tie_rules():
    """k = 1..9 scored from one search: each equals the library's own vote
    for that k (nearest-first ties); tie="lowest" equals np.unique/argmax
    over the same neighbours; both rules differ where a vote is tied."""
    rng = np.random.default_rng(16)
    words = ["w%d" % i for i in range(30)]
    X = rng.normal(size=(30, 3))
    wv = wass.WordVectors.from_arrays(words, X)
    train = random_docs(words, 45, 17, 2, 6)
    labels = [int(x) for x in rng.integers(0, 3, 45)]  # overlapping classes: votes tie
    test = random_docs(words, 25, 18, 2, 6)
    truth = [int(x) for x in rng.integers(0, 3, 25)]
    many = wass.knn_classify(wv, train, labels, test, truth, k=range(1, 10))
    assert many.k == tuple(range(1, 10)) and many.neighbors.index.shape == (25, 9)
    for k in range(1, 10):
        one = wass.knn_classify(wv, train, labels, test, truth, k=k)
        assert many.predicted[k] == one.predicted, k
        assert many.test_error[k] == pytest.approx(one.test_error), k
    low = wass.knn_classify(wv, train, labels, test, truth, k=range(1, 10), tie="lowest")
    nb = wass.knn(wv, test, train, k=9).index
    y = np.array(labels)
    for k in range(1, 10):
        ref = []
        for row in nb[:, :k]:
            vals, counts = np.unique(y[row], return_counts=True)
            ref.append(int(vals[np.argmax(counts)]))
        assert low.predicted[k] == ref, k
    tied = [q for q in range(25) if y[nb[q, 0]] != y[nb[q, 1]]]
    assert tied, "no tied vote at k = 2"
    for q in tied:
        assert many.predicted[2][q] == y[nb[q, 0]]
        assert low.predicted[2][q] == min(y[nb[q, 0]], y[nb[q, 1]])
    one_low = wass.knn_classify(wv, train, labels, test, truth, k=2, tie="lowest")
    assert one_low.k == 2 and one_low.predicted == low.predicted[2]
    with pytest.raises(ValueError, match="tie='lowest' needs an explicit k"):
        wass.knn_classify(wv, train, labels, test, tie="lowest")
    with pytest.raises(ValueError, match="tie must be"):
        wass.knn_classify(wv, train, labels, test, k=3, tie="first")
    with pytest.raises(ValueError, match="k must hold integers >= 1"):
        wass.knn_classify(wv, train, labels, test, k=[0, 3])


def test_knn_progress(rand, capsys):
    wv, words, X = rand
    docs = random_docs(words, 30, 21)
    seen = []
    wass.knn(wv, docs[:8], docs, k=3, progress=lambda f, s: seen.append((f, s)))
    assert seen and seen[0] == (0.0, "knn") and seen[-1] == (1.0, "knn")
    assert all(0 <= f <= 1 for f, _ in seen)
    wass.knn(wv, docs[:8], docs, k=3, progress=True)
    err = capsys.readouterr().err
    assert "knn [" in err and "100%" in err and err.endswith("\n")

    def boom(f, s):
        raise KeyError("stop")
    with pytest.raises(KeyError, match="stop"):
        wass.knn(wv, docs[:8], docs, k=3, progress=boom)
    c = wass.knn_classify(wv, docs, [0, 1] * 15, docs[:4], k=3, progress=lambda f, s: seen.append(s))
    assert len(c.predicted) == 4


# ---- loaders -------------------------------------------------------------------------

LOAD_WORDS = ["the", "cat", "sat", "mat"]
LOAD_VECS = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, 0.25], [-3.0, 1.5, 0.0], [2.0, 2.0, -0.5]],
                     dtype=np.float32)


def w2v_text(path, header=True):
    with open(path, "w") as f:
        if header:
            f.write("%d %d\n" % LOAD_VECS.shape)
        for w, v in zip(LOAD_WORDS, LOAD_VECS):
            f.write(w + " " + " ".join("%r" % float(x) for x in v) + "\n")


def w2v_binary(path):
    with open(path, "wb") as f:
        f.write(b"%d %d\n" % LOAD_VECS.shape)
        for w, v in zip(LOAD_WORDS, LOAD_VECS):
            f.write(w.encode() + b" " + struct.pack("<%df" % len(v), *v) + b"\n")


def wink_json(path):
    vecs = {w: [float(x) for x in v] + [float(np.linalg.norm(v)), i]
            for i, (w, v) in enumerate(zip(LOAD_WORDS, LOAD_VECS))}
    with open(path, "w") as f:
        json.dump({"dimensions": 3, "size": 4, "words": LOAD_WORDS, "vectors": vecs}, f)


@pytest.mark.parametrize("kind,fmt", [("w2v.txt", "word2vec"), ("vec.bin", "word2vec-binary"),
                                      ("glove.txt", "glove"), ("wink.json", "wink")])
def test_loaders_and_cache(tmp_path, kind, fmt):
    p = tmp_path / kind
    {"word2vec": w2v_text, "word2vec-binary": w2v_binary, "wink": wink_json,
     "glove": lambda q: w2v_text(q, header=False)}[fmt](p)
    cdir = tmp_path / "cache"
    wv = wass.WordVectors.load(p, cache_dir=cdir)
    assert wv.format == fmt and not wv.from_cache and wv.cache_written
    assert len(list(cdir.glob(kind + "-*.wassvec"))) == 1   # in the cache directory,
    assert not (tmp_path / (kind + ".wassvec")).exists()     # never beside the source
    assert [wv.word(i) for i in range(len(wv))] == LOAD_WORDS and wv.dim == 3
    np.testing.assert_array_equal(wv.vectors, LOAD_VECS)
    np.testing.assert_array_equal(wv.vector("sat"), LOAD_VECS[2])
    assert not wv.vectors.flags.writeable
    again = wass.WordVectors.load(p, cache_dir=cdir)
    assert again.from_cache and again.format == fmt  # the source's format, kept in the cache
    np.testing.assert_array_equal(again.vectors, LOAD_VECS)
    # the same format named explicitly, no cache
    one = wass.WordVectors.load(p, format=fmt, cache=False, max_words=2)
    assert len(one) == 2 and not one.cache_written
    # a distance through loaded vectors equals POT's
    a, b = wv.bag("the cat"), wv.bag("sat mat mat")
    assert wass.wmd(wv, a, b) == pytest.approx(pot_wmd(a, b, LOAD_VECS), rel=1e-12)


def test_cache_dir_env(tmp_path, monkeypatch):
    p = tmp_path / "w2v.txt"
    w2v_text(p)
    monkeypatch.setenv("WASS_CACHE_DIR", str(tmp_path / "envcache"))
    assert wass.WordVectors.load(p).cache_written
    assert wass.WordVectors.load(p).from_cache
    assert len(list((tmp_path / "envcache").iterdir())) == 1
    monkeypatch.setenv("WASS_CACHE_DIR", "")   # empty: no cache at all
    wv = wass.WordVectors.load(p)
    assert not wv.from_cache and not wv.cache_written
    assert not wass.WordVectors.load(p, cache_dir="").cache_written


def test_nul_word_refused(tmp_path):
    # a word with a NUL byte is refused by every loader, so no cache can flip an answer
    p = tmp_path / "nul.json"
    p.write_text('{"vectors": {"x\\u0000y": [0, 0], "x": [3, 4], "o": [0, 0]}}')
    with pytest.raises(wass.WassError, match="NUL byte"):
        wass.WordVectors.load(p, cache_dir=tmp_path / "c")
    with pytest.raises(wass.WassError, match="NUL byte"):
        wass.WordVectors.load(p, cache=False)


def test_explicit_cache(tmp_path, hand):
    c = tmp_path / "hand.wassvec"
    hand.save_cache(c)
    back = wass.WordVectors.load(c)
    assert back.format == hand.format and len(back) == len(hand)  # the format is kept
    assert [back.word(i) for i in range(len(back))] == HAND_WORDS
    np.testing.assert_array_equal(back.vectors, hand.vectors)


def test_loader_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        wass.WordVectors.load(tmp_path / "nope.txt")
    bad = tmp_path / "ragged.txt"
    bad.write_text("4 3\nthe 1 2 3\ncat 1 2\n")
    with pytest.raises(wass.WassError, match="line 3"):
        wass.WordVectors.load(bad, cache=False)
    trunc = tmp_path / "trunc.json"
    wink_json(trunc)
    trunc.write_bytes(trunc.read_bytes()[:60])
    with pytest.raises(wass.WassError, match="truncated"):
        wass.WordVectors.load(trunc, cache=False)
    nan = tmp_path / "nan.txt"
    nan.write_text("the 1 nan 3\n")
    with pytest.raises(wass.WassError):
        wass.WordVectors.load(nan, cache=False)
    with pytest.raises(wass.WassError, match="unknown vector format"):
        wass.WordVectors.load(nan, format="fasttext")
    with pytest.raises(FileNotFoundError):
        wass.StopWords.load(tmp_path / "none.txt")


def test_input_errors(hand, rand):
    with pytest.raises(TypeError, match="vectors must hold real numbers"):
        wass.WordVectors.from_arrays(["a", "b"], np.array([[1, 2], [3, 4]], complex))
    wi = wass.WordVectors.from_arrays(["a", "b"], np.array([[1, 2], [3, 4]]))  # ints convert
    assert np.array_equal(wi.vectors, [[1, 2], [3, 4]])
    with pytest.raises(wass.WassError, match="NaN"):
        wass.WordVectors.from_arrays(["a", "b"], np.array([[1.0, np.nan], [3, 4]]))
    with pytest.raises(ValueError, match="one row per word"):
        wass.WordVectors.from_arrays(["a", "b", "c"], np.ones((2, 4)))
    with pytest.raises(ValueError, match="2-D"):
        wass.WordVectors.from_arrays(["a"], np.ones(4))
    with pytest.raises(TypeError):
        wass.WordVectors.from_arrays(["a", 3], np.ones((2, 2)))
    with pytest.raises(KeyError):
        hand.index("zebra")
    wv = rand[0]
    with pytest.raises(wass.WassError, match="other word vectors"):
        wass.wmd(wv, hand.bag("alpha"), "w1")
    with pytest.raises(TypeError, match="document must be"):
        wass.wmd(hand, 3, "alpha")
    with pytest.raises(wass.WassError, match="unknown word distance"):
        wass.wmd(hand, "alpha", "beta", distance="manhattan")
    with pytest.raises(wass.WassError, match="k = 0"):
        wass.knn(hand, ["alpha"], ["beta"], k=0)
    with pytest.raises(wass.WassError, match="prune"):
        wass.knn(hand, ["alpha"], ["beta"], prune="fast")
    with pytest.raises(wass.WassError, match="method"):
        wass.knn(hand, ["alpha"], ["beta"], method="bow")
    with pytest.raises(TypeError, match="sequence of documents"):
        wass.knn(hand, "alpha", ["beta"])
    with pytest.raises(ValueError, match="exclude"):
        wass.knn(hand, ["alpha"], ["beta"], exclude=[0, 1])
    with pytest.raises(ValueError, match="train_labels"):
        wass.knn_classify(hand, ["alpha", "beta"], ["x"], ["alpha"])
    with pytest.raises(TypeError):
        wass.wmd("vectors", "alpha", "beta")
    # bags built by hand are checked by the library
    bad = hand.bag("alpha")
    bad.words = np.array([17])
    with pytest.raises(wass.WassError, match="vocabulary size"):
        wass.wmd(hand, bad, "beta")
    bad.words, bad.weights = np.array([0]), np.array([np.nan])
    with pytest.raises(wass.WassError, match="not finite"):
        wass.wmd(hand, bad, "beta")
    bad.weights = np.array([-1.0])
    with pytest.raises(wass.WassError, match="negative"):
        wass.wmd(hand, bad, "beta")
    bad.words, bad.weights = np.array([0.5]), np.array([1.0])
    with pytest.raises(TypeError, match="integer word indices"):
        wass.wmd(hand, bad, "beta")
    bad.words, bad.weights = np.array([0, 1]), np.array([1.0])
    with pytest.raises(ValueError, match="shape"):
        wass.wmd(hand, bad, "beta")
    with pytest.raises(wass.WassError, match="negative"):
        hand.bag_from_counts([0, 1], [1.0, -2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert wass.wmd(hand, "alpha", "alpha") == 0.0
