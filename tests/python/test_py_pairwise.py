"""wass.pairwise: distance matrices against per-pair library calls (bitwise)
and against POT (independent), for point clouds, histograms and WMD bags."""

import numpy as np
import ot
import pytest
from scipy.spatial.distance import cdist

import wass


def clouds(count, seed, d=2, lo=3, hi=12, weighted=False):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        n = int(rng.integers(lo, hi))
        X = rng.normal(size=(n, d))
        out.append((X, rng.random(n) + 0.1) if weighted else X)
    return out


def parts(c):
    return c if isinstance(c, tuple) else (c, None)


def test_clouds_bitwise_and_pot():
    cs = clouds(7, seed=1, weighted=True)
    D = wass.pairwise(cs, threads=2, mass="normalize")
    assert D.shape == (7, 7)
    for i in range(7):
        Xi, wi = parts(cs[i])
        for j in range(i, 7):
            Xj, wj = parts(cs[j])
            ref = wass.solve(wi, wj, X=Xi, Y=Xj, plan=False, mass="normalize").cost
            assert D[i, j] == ref and D[j, i] == ref
            pot = ot.emd2(wi / wi.sum(), wj / wj.sum(), cdist(Xi, Xj))
            assert D[i, j] == pytest.approx(pot, rel=1e-9, abs=1e-12)


def test_clouds_same_computation_is_bitwise():
    cs = clouds(6, seed=2)
    for metric, p in (("euclidean", 1), ("sqeuclidean", 1), ("cityblock", 2)):
        D = wass.pairwise(cs, metric=metric, p=p)
        for i in range(6):
            for j in range(i, 6):
                ref = wass.solve(X=cs[i], Y=cs[j], metric=metric, p=p, plan=False).cost
                assert D[i, j] == ref  # bitwise: the same single-pair solve
                assert D[j, i] == ref
        assert np.all(np.diag(D) == 0)


def test_rectangular_and_blocks():
    A, B = clouds(4, seed=3), clouds(5, seed=4)
    D = wass.pairwise(A, B, threads=1)
    ref = np.array([[wass.solve(X=a, Y=b, plan=False).cost for b in B] for a in A])
    np.testing.assert_array_equal(D, ref)
    np.testing.assert_array_equal(wass.pairwise(A, B, block=(1, 3, 2, 5)), ref[1:3, 2:5])
    # symmetric block: entries below the diagonal whose mirror lies outside are NaN
    S = wass.pairwise(B)
    blk = wass.pairwise(B, block=(2, 4, 0, 5))
    np.testing.assert_array_equal(blk[:, 2:], S[2:4, 2:])
    assert np.isnan(blk[:, :2]).all()


def test_histograms_against_emd2_and_pot():
    rng = np.random.default_rng(5)
    H = rng.random((6, 9))
    H[2, :4] = 0  # zero weights are allowed
    H /= H.sum(1, keepdims=True)
    P = rng.normal(size=(9, 2))
    M = cdist(P, P)
    D = wass.pairwise(H, M=M)
    for i in range(6):
        for j in range(i, 6):
            assert D[i, j] == wass.emd2(H[i], H[j], M)
            assert D[i, j] == pytest.approx(ot.emd2(H[i], H[j], M), rel=1e-9, abs=1e-12)
    # an asymmetric cost: every pair solved, no mirroring
    Ma = M + np.triu(np.ones((9, 9)), 1)
    Da = wass.pairwise(H, M=Ma)
    ref = np.array([[wass.emd2(a, b, Ma) for b in H] for a in H])
    np.testing.assert_array_equal(Da, ref)
    assert not np.allclose(Da, Da.T)


def test_sinkhorn_bitwise():
    rng = np.random.default_rng(6)
    H = rng.random((4, 8))
    H /= H.sum(1, keepdims=True)
    P = rng.normal(size=(8, 2))
    M = cdist(P, P)
    D = wass.pairwise(H, M=M, method="sinkhorn", reg=0.2)
    for i in range(4):
        for j in range(i, 4):
            assert D[i, j] == wass.sinkhorn2(H[i], H[j], M, 0.2)
            if i < j:  # POT's plain iteration is slow to converge on a pair with itself
                pot = ot.sinkhorn2(H[i], H[j], M, 0.2, method="sinkhorn_log",
                                   numItermax=10**5, stopThr=1e-11)
                assert D[i, j] == pytest.approx(pot, rel=1e-6)
    cs = clouds(3, seed=7)
    Dc = wass.pairwise(cs, method="sinkhorn", reg=0.1)
    assert Dc[0, 1] == wass.sinkhorn2(None, None, None, 0.1, X=cs[0], Y=cs[1])
    with pytest.raises(ValueError, match="reg"):
        wass.pairwise(cs, method="sinkhorn")


def test_wmd_bags():
    rng = np.random.default_rng(8)
    words = ["w%d" % i for i in range(30)]
    X = rng.normal(size=(30, 4))
    wv = wass.WordVectors.from_arrays(words, X)
    docs = [" ".join(rng.choice(words, size=int(rng.integers(1, 8)))) for _ in range(6)]
    bags = wv.bags(docs)
    D = wass.pairwise(bags)
    E = wass.pairwise(docs[:2], docs[2:], vectors=wv)
    Xf = X.astype(np.float32).astype(float)
    for i in range(6):
        for j in range(i, 6):
            assert D[i, j] == wass.wmd(wv, bags[i], bags[j])
            pot = ot.emd2(bags[i].weights, bags[j].weights,
                          cdist(Xf[bags[i].words], Xf[bags[j].words]))
            assert D[i, j] == pytest.approx(pot, rel=1e-6, abs=1e-9)
    np.testing.assert_array_equal(E, [[wass.wmd(wv, a, b) for b in bags[2:]] for a in bags[:2]])
    Dc = wass.pairwise(bags, distance="cosine")
    assert Dc[0, 1] == wass.wmd(wv, bags[0], bags[1], distance="cosine")


def test_errors_name_the_distribution():
    cs = clouds(5, seed=9, weighted=True)
    X, w = cs[3]
    w = w.copy()
    w[1] = -1.0
    bad = cs[:3] + [(X, w)] + cs[4:]
    with pytest.raises(wass.WassError, match=r"A\[3\].*negative"):
        wass.pairwise(bad)
    with pytest.raises(wass.WassError, match=r"B\[3\]"):
        wass.pairwise(cs[:2], bad)
    pts = [c[0] for c in cs]
    pts[2] = pts[2].copy()
    pts[2][0, 0] = np.nan
    with pytest.raises(wass.WassError, match=r"A\[2\]"):
        wass.pairwise(pts)
    with pytest.raises(ValueError, match="distribution 1"):
        wass.pairwise([np.zeros((2, 2)), np.zeros((2, 3))])
    H = np.ones((4, 3)) / 3
    H[1] = 0
    with pytest.raises(wass.WassError, match=r"A\[1\]"):
        wass.pairwise(H, M=np.ones((3, 3)))
    with pytest.raises(ValueError, match="shape"):
        wass.pairwise(np.ones((4, 3)) / 3, M=np.ones((2, 2)))
    # an iteration limit: NotOptimalError naming a pair, or NaN with strict=False
    with pytest.raises(wass.NotOptimalError, match=r"pair \("):
        wass.pairwise(pts[:2] + pts[3:], max_iter=1)
    D = wass.pairwise(pts[:2] + pts[3:], max_iter=1, strict=False)
    assert np.isnan(D).any()


def test_progress_callback():
    cs = clouds(12, seed=10)
    for threads in (1, 2):
        seen = []
        wass.pairwise(cs, progress=lambda f, stage: seen.append(f), threads=threads)
        assert seen[0] == 0.0 and seen[-1] == 1.0
        assert all(a <= b for a, b in zip(seen, seen[1:]))
        if threads == 1:
            assert len(seen) == 12 * 13 // 2 + 1  # after every pair but the last, then 1

    def boom(f, stage):
        assert stage == "pairs"
        raise KeyError("stop")
    with pytest.raises(KeyError):
        wass.pairwise(cs, progress=boom)
