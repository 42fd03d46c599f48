"""wass.sliced, embed_distance, bound_centroid, bound_relaxed: properties that
tie them to exact values (closed forms, the exact solver, the 1-D solver)."""
import numpy as np
import ot
import pytest
from scipy.spatial.distance import cdist

import wass


def clouds(seed, n=40, m=30, d=3):
    rng = np.random.default_rng(seed)
    a, b = rng.random(n) + 0.1, rng.random(m) + 0.1
    return a / a.sum(), b / b.sum(), rng.random((n, d)), rng.random((m, d)) + 0.2


def test_sliced_bounds_and_one_dimension():
    a, b, X, Y = clouds(1)
    w2 = wass.wasserstein(X, Y, a, b, p=2)
    sw = wass.sliced(X, Y, a, b, projections=200, seed=3, p=2)
    msw = wass.sliced(X, Y, a, b, projections=200, seed=3, p=2, max_sliced=True)
    assert 0 < sw <= msw <= w2 * (1 + 1e-12)
    assert wass.sliced(X, Y, a, b, projections=200, seed=3, p=2) == sw  # seeded
    # in one dimension every direction gives the exact 1-D distance
    u, v = X[:, 0], Y[:, 0]
    ref = wass.wasserstein_1d(u, v, a, b, p=2) ** 0.5  # POT's meaning: W_2^2
    assert wass.sliced(u[:, None], v[:, None], a, b, projections=7, p=2) == pytest.approx(
        ref, rel=1e-9)


def test_embed_distance():
    a, b, X, Y = clouds(2, d=2)
    assert wass.embed_distance(X, X, a, a) == pytest.approx(0, abs=1e-12)
    e = wass.embed_distance(X, Y, a, b, seed=1)
    assert e == wass.embed_distance(X, Y, a, b, seed=1)
    w1 = wass.wasserstein(X, Y, a, b)
    assert e > 0 and w1 / 50 < e < 50 * w1


def test_embed_distances_matrix():
    rng = np.random.default_rng(4)
    A = [rng.random((25, 2)) * 20 for _ in range(6)]
    B = [(rng.random((15, 2)) * 20, rng.random(15) + 0.1) for _ in range(9)]
    D, info = wass.embed_distances(A, B, seed=2, return_info=True)
    assert D.shape == (6, 9) and info["dense"] and info["rows"] == 9
    # the sparse path (no dense rows allowed) gives the merge: same to 1e-12
    S, si = wass.embed_distances(A, B, seed=2, max_cells=1, return_info=True)
    assert not si["dense"]
    assert np.allclose(D, S, rtol=1e-12, atol=0)
    # one pair: the frame of embed_distance is the frame of both clouds
    X, (Y, b) = A[0], B[0]
    one = wass.embed_distances([X], [(Y, b)], seed=2)
    assert one[0, 0] == pytest.approx(wass.embed_distance(X, Y, None, b, seed=2), rel=1e-12)
    # against itself: symmetric, zero diagonal, threads do not change a bit
    E = wass.embed_distances(A, seed=1, threads=1)
    assert np.array_equal(E, E.T) and np.all(np.diag(E) == 0)
    assert np.array_equal(E, wass.embed_distances(A, seed=1, threads=2))
    with pytest.raises(wass.WassError, match="empty"):
        wass.embed_distances([], B)
    with pytest.raises(ValueError, match="XA"):
        wass.embed_distances([np.zeros(3)], B)
    with pytest.raises(wass.WassError, match="d = 3"):
        wass.embed_distances([rng.random((4, 3))], B)


def test_bounds():
    a, b, X, Y = clouds(3)
    for metric, p in [("euclidean", 1), ("euclidean", 2), ("cityblock", 1)]:
        C = ot.dist(X, Y, metric=metric) ** p
        exact = ot.emd2(a, b, C)
        cen = wass.bound_centroid(X, Y, a, b, metric=metric, p=p)
        ref = cdist((a @ X)[None], (b @ Y)[None], metric)[0, 0] ** p
        assert cen == pytest.approx(ref, rel=1e-12)
        rel = wass.bound_relaxed(a, b, X=X, Y=Y, metric=metric, p=p)
        ref_rel = max(a @ C.min(axis=1), b @ C.min(axis=0))
        assert rel == pytest.approx(ref_rel, rel=1e-12)
        assert wass.bound_relaxed(a, b, C) == pytest.approx(ref_rel, rel=1e-12)
        assert cen <= exact * (1 + 1e-12) and rel <= exact * (1 + 1e-12)


def test_sliced_given_directions():
    a, b, X, Y = clouds(4, d=2)
    # one axis direction: exactly the 1-D distance of the first coordinates
    D = np.array([[1.0, 0.0]])
    ref = wass.wasserstein_1d(X[:, 0], Y[:, 0], a, b, p=2) ** 0.5
    assert wass.sliced(X, Y, a, b, p=2, directions=D) == pytest.approx(ref, rel=1e-12)
    with pytest.raises(ValueError, match=r"directions must have shape \(k, 2\), got \(1, 3\)"):
        wass.sliced(X, Y, directions=np.ones((1, 3)))
