"""wass.graphs (matching node embeddings): embeddings against numpy's eigh,
distances against POT's ot.emd2 on the same embeddings, the reader's errors,
the libsvm path against scikit-learn's SVC (also libsvm) on the same kernel,
and a small cross-validation on MUTAG (../shared/data/TU, skipped if
absent; WASS_SHARED_DATA overrides the folder holding TU/)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import ot
import pytest

import wass
from wass import graphs

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("WASS_SHARED_DATA", ROOT.parent / "shared" / "data")) / "TU"
MUTAG = DATA / "MUTAG"
need_mutag = pytest.mark.skipif(not (MUTAG / "MUTAG_A.txt").exists(),
                                reason="TU data not found at %s (set WASS_SHARED_DATA)" % DATA)


def euclid(A, B):
    """Euclidean distances from the coordinate differences (ot.dist expands
    the square, which loses about 1e-8 near zero)."""
    return np.sqrt(((A[:, None, :] - B[None, :, :]) ** 2).sum(-1))


def emd_pot(A, B, la=None, lb=None, penalty=1.0):
    M = euclid(A, B)
    if la is not None:
        M = M + penalty * (la[:, None] != lb[None, :])
    return ot.emd2(np.full(len(A), 1 / len(A)), np.full(len(B), 1 / len(B)), M)


def random_graph(rng, n, p=0.4):
    A = (rng.random((n, n)) < p).astype(float)
    A = np.triu(A, 1)
    return A + A.T


def test_embed_matches_eigh():
    rng = np.random.default_rng(0)
    tested = 0
    for _ in range(60):
        n = int(rng.integers(3, 25))
        A = random_graph(rng, n)
        w, V = np.linalg.eigh(A)
        mags = np.sort(np.abs(w))[::-1]
        if np.min(np.abs(np.diff(np.sort(w)))) < 1e-6 or np.min(-np.diff(mags)) < 1e-6:
            continue  # distinct eigenvalues and magnitudes only: then |V| is unique
        tested += 1
        for dim in (2, 6, n + 3):
            X, lam = wass._wass.graph_spectral_embed(A, dim)
            order = np.argsort(-np.abs(w), kind="stable")[:dim]
            want = np.zeros((n, dim))
            want[:, :len(order)] = np.abs(V[:, order])
            np.testing.assert_allclose(X, want, atol=1e-9)
            np.testing.assert_allclose(lam[:len(order)], w[order], atol=1e-9)
            assert np.all(lam[len(order):] == 0)
    assert tested >= 20


def projector_embed(A, dim, tie=1e-9):
    """sqrt(P_ii / k) for a k-fold eigenvalue (P its eigenspace's projector),
    |v_i| for a simple one: what wass computes, independent of the basis."""
    w, V = np.linalg.eigh(A)
    order = np.argsort(-np.abs(w), kind="stable")[:dim]
    scale = max(1.0, np.abs(w).max())
    X = np.zeros((len(A), dim))
    for c, k in enumerate(order):
        grp = [l for l in range(len(w)) if abs(w[l] - w[k]) <= tie * scale]
        X[:, c] = np.sqrt((V[:, grp] ** 2).sum(1) / len(grp))
    return X


def test_embed_repeated_eigenvalues_basis_free():
    """Star, complete, cycle and disjoint copies: repeated eigenvalues. The
    embedding is the eigenspace projector's, the same under any relabelling
    of the nodes (rows permuted with them), and against numpy's."""
    star = np.zeros((5, 5))
    star[0, 1:] = star[1:, 0] = 1
    K5 = np.ones((5, 5)) - np.eye(5)
    C6 = np.roll(np.eye(6), 1, axis=1)
    C6 = C6 + C6.T
    two = np.kron(np.eye(2), np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0.0]]))
    rng = np.random.default_rng(5)
    for A in (star, K5, C6, two):
        n = len(A)
        w = np.linalg.eigvalsh(A)
        assert np.min(np.diff(w)) < 1e-9  # a repeated eigenvalue
        for dim in (2, 4, n):
            X = wass._wass.graph_spectral_embed(A, dim)[0]
            np.testing.assert_allclose(X, projector_embed(A, dim), atol=1e-12)
            np.testing.assert_allclose((X ** 2).sum(0)[:min(dim, n)], 1.0, atol=1e-12)
            for _ in range(3):
                p = rng.permutation(n)
                Xp = wass._wass.graph_spectral_embed(A[np.ix_(p, p)], dim)[0]
                np.testing.assert_allclose(Xp, X[p], atol=1e-12)


def test_pairwise_isomorphic_copies():
    """Isomorphic graphs (nodes renumbered) embed to the same points in
    another order and other roundings: each gets the row of the first of
    its class, 0 against it, every distance within 1e-9 of POT's."""
    rng = np.random.default_rng(11)
    mats = []
    for n in (9, 14, 20, 7):
        A = np.triu((rng.random((n, n)) < 0.3).astype(float), 1)
        mats.append(A + A.T)
    emb, cls = [], []
    for k in range(12):
        c = k % 4
        p = rng.permutation(len(mats[c])) if k >= 4 else np.arange(len(mats[c]))
        emb.append(wass._wass.graph_spectral_embed(mats[c][np.ix_(p, p)], 6)[0])
        cls.append(c)
    D, info = graphs.pairwise(emb, return_info=True)
    assert info["distinct_graphs"] == 4 and info["fallbacks"] == 0
    for g in range(12):
        assert np.array_equal(D[g], D[cls[g]])
        for h in range(12):
            if cls[g] == cls[h]:
                assert D[g, h] == 0
            else:
                assert abs(D[g, h] - emd_pot(emb[g], emb[h])) <= 1e-9


def test_pairwise_against_pot_random():
    rng = np.random.default_rng(1)
    emb = [rng.random((int(rng.integers(1, 30)), 4)) for _ in range(40)]
    lab = [rng.integers(0, 3, len(x)) for x in emb]
    D, info = graphs.pairwise(emb, return_info=True)
    assert info["pairs"] == 40 * 39 // 2 and info["fallbacks"] == 0
    assert np.array_equal(D, D.T) and np.all(np.diag(D) == 0)
    Dl = graphs.pairwise(emb, labels=lab, label_penalty=0.7)
    worst = worst_l = 0.0
    for g in range(40):
        for h in range(g + 1, 40):
            worst = max(worst, abs(D[g, h] - emd_pot(emb[g], emb[h])))
            worst_l = max(worst_l, abs(Dl[g, h] - emd_pot(emb[g], emb[h], lab[g], lab[h], 0.7)))
    assert worst <= 1e-9 and worst_l <= 1e-9
    # the core solver gives the same numbers
    D2 = graphs.pairwise(emb, method="emd_many")
    assert np.max(np.abs(D - D2)) <= 1e-12


def test_pairwise_against_pot_degenerate():
    """Equal embeddings (distance 0, and clouds with repeated points), ties
    (coordinates on a coarse grid), one-node graphs, n != m with common
    divisors, zero-padded embeddings (fewer nodes than dimensions), a
    graph larger than 64 nodes (two bitmask words) and one larger than the
    small solver's 256 points (solved by wass_emd)."""
    rng = np.random.default_rng(5)
    base = rng.random((9, 5))
    emb = [base, base.copy(), base[::-1].copy(),           # equal clouds, permuted
           np.repeat(base[:3], 4, axis=0),                 # repeated points (merged)
           np.zeros((1, 5)), rng.random((1, 5)),           # one node
           np.round(4 * rng.random((12, 5))) / 4,          # ties
           np.round(4 * rng.random((18, 5))) / 4,
           np.hstack([rng.random((3, 2)), np.zeros((3, 3))]),  # zero-padded columns
           rng.random((6, 5)), rng.random((30, 5)), rng.random((20, 5)),
           rng.random((70, 5)), rng.random((270, 5))]
    D, info = graphs.pairwise(emb, return_info=True)
    G = len(emb)
    assert info["pairs"] == G * (G - 1) // 2
    assert info["fallbacks"] <= G - 1  # only the pairs of the 270-point graph
    assert info["distinct_graphs"] == G - 2  # base, its copy, its rows reversed
    assert np.array_equal(D, D.T) and np.all(np.diag(D) == 0)
    assert D[0, 1] == 0 and D[0, 2] == 0
    worst = 0.0
    for g in range(G):
        for h in range(g + 1, G):
            worst = max(worst, abs(D[g, h] - emd_pot(emb[g], emb[h])))
    assert worst <= 1e-9, worst


NCI1 = DATA / "NCI1"


@pytest.mark.skipif(not (NCI1 / "NCI1_A.txt").exists(), reason="NCI1 not found")
def test_nci1_sample_against_pot():
    ds = graphs.load_tu(NCI1)
    G = len(ds.node_offset) - 1
    pick = np.random.default_rng(3).choice(G, 45, replace=False)
    sub = [wass._wass.graph_spectral_embed(graphs.adjacency(ds, int(g)), 6)[0] for g in pick]
    D, info = graphs.pairwise(sub, return_info=True)
    assert info["fallbacks"] == 0 and info["max_gap"] <= 1e-9
    worst = 0.0
    for g in range(len(sub)):
        for h in range(g + 1, len(sub)):
            worst = max(worst, abs(D[g, h] - emd_pot(sub[g], sub[h])))
    assert worst <= 1e-9, worst


EMBED_SCRIPT = """
import hashlib, sys
import numpy as np
from wass import graphs
import wass
ds = graphs.load_tu(sys.argv[1])
E = graphs.embed(ds, 6)
h = hashlib.sha256()
for X in E:
    h.update(np.ascontiguousarray(X).tobytes())
for g in (71, 72, 73, 77, 93, 130):  # repeated eigenvalues: the basis is LAPACK's choice
    h.update(wass._wass.graph_spectral_embed(graphs.adjacency(ds, g), 6)[0].tobytes())
print(h.hexdigest())
"""


@pytest.mark.skipif(not (NCI1 / "NCI1_A.txt").exists(), reason="NCI1 not found")
def test_embeddings_do_not_depend_on_blas_threads():
    """OpenBLAS's kernels for one thread and for several give different
    eigenvectors (a different basis on repeated eigenvalues): the embedding
    runs OpenBLAS on one thread, whatever the environment says."""
    digests = set()
    for blas, omp in (("1", "1"), ("2", "2"), ("2", "1"), ("1", "2")):
        env = dict(os.environ, OPENBLAS_NUM_THREADS=blas, OMP_NUM_THREADS=omp)
        out = subprocess.run([sys.executable, "-c", EMBED_SCRIPT, str(NCI1)], env=env,
                             capture_output=True, text=True, check=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1, digests


@need_mutag
def test_mutag_distances_against_pot():
    ds = graphs.load_tu(MUTAG)
    assert len(ds.node_offset) == 189 and ds.node_offset[-1] == 3371
    emb = graphs.embed(ds, 6)
    D = graphs.pairwise(emb)
    assert np.array_equal(D, D.T) and np.all(np.diag(D) == 0) and np.all(D[~np.eye(188, dtype=bool)] >= 0)
    rng = np.random.default_rng(2)
    labels = graphs.node_labels(ds)
    Dl = graphs.pairwise(emb, labels=labels)
    worst = worst_l = 0.0
    for _ in range(300):
        g, h = rng.choice(188, 2, replace=False)
        worst = max(worst, abs(D[g, h] - emd_pot(emb[g], emb[h])))
        worst_l = max(worst_l, abs(Dl[g, h] - emd_pot(emb[g], emb[h], labels[g], labels[h])))
    assert worst <= 1e-9, worst
    assert worst_l <= 1e-9, worst_l


@need_mutag
def test_mutag_cv_small():
    ds = graphs.load_tu(MUTAG)
    D = graphs.pairwise(graphs.embed(ds, 6))
    r = graphs.classify(D, ds.graph_labels, folds=5, inner_folds=3, gammas=[0.1, 1, 10],
                        Cs=[1, 100])
    assert len(r["fold_accuracy"]) == 5
    assert r["mean"] == pytest.approx(np.mean(r["fold_accuracy"]))
    assert r["std"] == pytest.approx(np.std(r["fold_accuracy"]))
    assert r["mean"] >= 0.75  # the paper reports about 0.86; chance is 0.66
    r2 = graphs.classify(D, ds.graph_labels, folds=5, inner_folds=3, gammas=[0.1, 1, 10],
                         Cs=[1, 100])
    assert np.array_equal(r["fold_accuracy"], r2["fold_accuracy"])  # fixed seeds


@need_mutag
def test_svm_matches_sklearn_on_mutag_kernel():
    svm = pytest.importorskip("sklearn.svm")
    ds = graphs.load_tu(MUTAG)
    D = graphs.pairwise(graphs.embed(ds, 6))
    y = ds.graph_labels
    f = graphs.folds(y, 5, seed=3)
    tr, te = np.where(f != 0)[0], np.where(f == 0)[0]
    gamma = 1.0 / np.median(D[np.triu_indices(188, 1)])
    K = np.exp(-gamma * D)
    for C in (1.0, 100.0):
        ours = graphs.svm_precomputed(K[np.ix_(tr, tr)], y[tr], C, K[np.ix_(te, tr)])
        ref = svm.SVC(kernel="precomputed", C=C).fit(K[np.ix_(tr, tr)], y[tr])
        theirs = ref.predict(K[np.ix_(te, tr)])
        assert np.mean(ours == theirs) >= 0.97  # same solver; ties may break apart


def test_svm_tiny_separable():
    x = np.array([0, 0.1, 0.2, 0.3, 5, 5.1, 5.2, 5.3])
    y = np.array([3, 3, 3, 3, 7, 7, 7, 7])
    K = np.exp(-(x[:, None] - x[None, :]) ** 2)
    q = np.array([0.05, 5.25, 0.4])
    Kt = np.exp(-(q[:, None] - x[None, :]) ** 2)
    assert list(graphs.svm_precomputed(K, y, 1.0, Kt)) == [3, 7, 3]
    with pytest.raises(wass.WassError, match="C must be > 0"):
        graphs.svm_precomputed(K, y, 0.0, Kt)


def test_folds_stratified():
    y = np.array([0] * 30 + [1] * 13)
    f = graphs.folds(y, 10, seed=4)
    for k in range(10):
        assert 4 <= np.sum(f == k) <= 5
        assert 1 <= np.sum((f == k) & (y == 1)) <= 2
    assert not np.array_equal(f, graphs.folds(y, 10, seed=5))


def write_ds(tmp, name, A="1, 2\n2, 1\n2, 3\n3, 2\n4, 5\n5, 4\n", ind="1\n1\n1\n2\n2\n",
             gl="1\n2\n", nl=None):
    d = tmp / name
    d.mkdir()
    for suffix, text in (("A", A), ("graph_indicator", ind), ("graph_labels", gl),
                         ("node_labels", nl)):
        if text is not None:
            (d / ("%s_%s.txt" % (name, suffix))).write_text(text)
    return d


def test_reader_errors(tmp_path):
    ok = graphs.load_tu(write_ds(tmp_path, "OK", nl="0\n1\n0\n1\n1\n"))
    assert list(ok.node_offset) == [0, 3, 5] and list(ok.graph_labels) == [1, 2]
    assert list(ok.node_labels) == [0, 1, 0, 1, 1] and ok.node_attributes is None
    cases = [
        ("R", dict(A="1, 7\n"), "R_A.txt:1: node id 7 out of range 1..5"),
        ("U", dict(ind="1\n2\n1\n2\n2\n"), "U_graph_indicator.txt:3: graph indicator not sorted"),
        ("N", dict(A="1, 2\nx, 1\n"), "N_A.txt:2: expected an edge 'i, j'"),
        ("L", dict(gl="1\n"), "L_graph_labels.txt:2: expected 2 lines"),
        ("M", dict(gl=None), "M_graph_labels.txt: cannot open"),
    ]
    for name, kw, msg in cases:
        with pytest.raises((wass.WassError, OSError), match=msg):
            graphs.load_tu(write_ds(tmp_path, name, **kw))


def test_pairwise_bad_input():
    with pytest.raises(wass.WassError, match="one dim"):
        graphs.pairwise([np.zeros((3, 2)), np.zeros((3, 4))])
    with pytest.raises(wass.WassError, match="embedding.0. is NaN"):
        graphs.pairwise([np.full((3, 2), np.nan), np.zeros((3, 2))])
    with pytest.raises(wass.WassError, match="unknown method"):
        graphs.pairwise([np.zeros((3, 2))] * 2, method="nope")


@need_mutag
def test_cli_json_and_outputs(tmp_path):
    cli = os.environ.get("WASS_CLI", str(ROOT / "build" / "wass"))
    if not os.path.exists(cli):
        pytest.skip("wass CLI not built")
    Dp, Ep = tmp_path / "D.npy", tmp_path / "E.npz"
    out = subprocess.run([cli, "graphs", str(MUTAG), "--dim", "4", "--cv", "3", "--inner", "2",
                          "--distances", str(Dp), "--embeddings", str(Ep), "--json"],
                         capture_output=True, text=True, check=True)
    j = json.loads(out.stdout)
    for key in ("graphs", "pairs", "seconds_distances", "accuracy_mean", "accuracy_std", "folds",
                "dim"):
        assert key in j
    assert j["graphs"] == 188 and j["pairs"] == 17578 and j["dim"] == 4 and j["folds"] == 3
    D, z = np.load(Dp), np.load(Ep)
    X, off = z["X"], z["offset"]
    assert X.shape == (3371, 4) and list(z["graph_label"][:3]) == [1, -1, -1]
    for g, h in ((0, 1), (5, 170), (100, 187)):
        assert abs(D[g, h] - emd_pot(X[off[g]:off[g + 1]], X[off[h]:off[h + 1]])) <= 1e-9
