"""Column generation (algorithm='colgen') on the scale benchmark's families
(bench/scale_bench.c: uniform, shifted Gaussians, shifted clusters, a
concentrated cloud against a spread one; uniform and random weights; W1 and
W2^2), small sizes, against POT's ot.emd2 on the cost matrix; plus
degenerate instances (integer grids: many equal costs) against scipy's HiGHS
LP. Every result must also be certified."""
import zlib

import numpy as np
import ot
import pytest
from scipy.optimize import linprog

import wass


def family(name, n, d, rng):
    if name == "uniform":
        return rng.random((n, d)), rng.random((n, d))
    if name == "gauss":
        return rng.standard_normal((n, d)), 1.0 + rng.standard_normal((n, d))
    if name == "clusters":
        c = 4.0 * rng.random((10, d))
        X = c[rng.integers(0, 10, n)] + 0.25 * rng.standard_normal((n, d))
        Y = c[rng.integers(0, 10, n)] + 0.5 + 0.25 * rng.standard_normal((n, d))
        return X, Y
    side = 0.1 ** (1.0 / d)  # concentrated: 90 % in 10 % of the volume
    X = rng.random((n, d))
    inside = rng.random(n) < 0.9
    X[inside] *= side
    return X, rng.random((n, d))


def weights(kind, n, rng):
    if kind == "uniform":
        return np.full(n, 1.0 / n)
    w = 0.1 + 0.9 * rng.random(n)
    return w / w.sum()


def check(r, ref):
    assert r.status == "optimal"
    assert r.algorithm == "colgen"
    assert r.cost == pytest.approx(ref, rel=1e-9, abs=1e-15)
    assert r.certificate["min_reduced_cost"] >= -1e-9 * max(1.0, abs(ref))
    assert abs(r.certificate["duality_gap"]) <= 1e-9 * max(1.0, abs(ref))


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean"])
@pytest.mark.parametrize("wts", ["uniform", "random"])
@pytest.mark.parametrize("fam", ["uniform", "gauss", "clusters", "concentrated"])
def test_families_against_pot(fam, wts, metric):
    rng = np.random.default_rng(zlib.crc32(f"{fam}:{wts}:{metric}".encode()))
    n, d = 150, 2
    X, Y = family(fam, n, d, rng)
    a, b = weights(wts, n, rng), weights(wts, n, rng)
    b *= a.sum() / b.sum()
    ref = ot.emd2(a, b, ot.dist(X, Y, metric=metric), numItermax=10**8)
    r = wass.solve(a, b, X=X, Y=Y, metric=metric, algorithm="colgen")
    check(r, ref)


@pytest.mark.parametrize("fam,wts,metric", [("gauss", "random", "sqeuclidean"),
                                            ("concentrated", "uniform", "euclidean"),
                                            ("clusters", "random", "euclidean")])
def test_families_multiscale(fam, wts, metric):
    # 1000 x 1000 pairs and more: the coarse problem over k-d tree leaves
    # guides the start (COLGEN_COARSE_PAIRS), in 3-D
    rng = np.random.default_rng(7)
    n, d = 1000, 3
    X, Y = family(fam, n, d, rng)
    a, b = weights(wts, n, rng), weights(wts, n, rng)
    b *= a.sum() / b.sum()
    ref = ot.emd2(a, b, ot.dist(X, Y, metric=metric), numItermax=10**8)
    r = wass.solve(a, b, X=X, Y=Y, metric=metric, algorithm="colgen")
    check(r, ref)


@pytest.mark.parametrize("seed", range(4))
def test_degenerate_grid_against_highs(seed):
    # points on a small integer grid, integer weights: many equal costs and
    # ties, degenerate pivots, coincident points
    rng = np.random.default_rng(100 + seed)
    n, m = 40, 30
    X = rng.integers(0, 4, (n, 2)).astype(float)
    Y = rng.integers(1, 5, (m, 2)).astype(float)
    a = rng.integers(1, 4, n).astype(float)
    b = rng.integers(1, 4, m).astype(float)
    a /= a.sum()
    b /= b.sum()
    metric = "euclidean" if seed % 2 else "sqeuclidean"
    C = ot.dist(X, Y, metric=metric)
    A_eq = np.vstack([np.kron(np.eye(n), np.ones(m)), np.kron(np.ones(n), np.eye(m))])
    lp = linprog(C.ravel(), A_eq=A_eq, b_eq=np.concatenate([a, b]), method="highs")
    assert lp.status == 0
    r = wass.solve(a, b, X=X, Y=Y, metric=metric, algorithm="colgen")
    check(r, lp.fun)


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean"])
@pytest.mark.parametrize("fam", ["uniform", "gauss", "clusters", "concentrated"])
def test_assignments_multiscale(fam, metric):
    # equal masses, n = m = 1100: the augmenting paths start from the duals
    # lifted from the coarse problem (c-transform, greedy matching); pricing
    # bounds C_ij - v_j with the linear model of the duals per k-d tree node
    rng = np.random.default_rng(zlib.crc32(f"assign:{fam}:{metric}".encode()))
    n = 1100
    X, Y = family(fam, n, 2, rng)
    a = np.full(n, 1.0 / n)
    ref = ot.emd2(a, a, ot.dist(X, Y, metric=metric), numItermax=10**8)
    r = wass.solve(a, a, X=X, Y=Y, metric=metric, algorithm="colgen")
    check(r, ref)


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean"])
def test_multiscale_ties_zeros_unequal_sizes(metric):
    # a fine integer grid (many equal costs, some coincident points), zero
    # weights on some points, n != m
    rng = np.random.default_rng(11 if metric == "euclidean" else 12)
    n, m = 1200, 1050
    X = rng.integers(0, 60, (n, 2)).astype(float)
    Y = rng.integers(5, 65, (m, 2)).astype(float)
    a = rng.integers(0, 3, n).astype(float)
    b = rng.integers(0, 3, m).astype(float)
    a /= a.sum()
    b /= b.sum()
    ref = ot.emd2(a, b, ot.dist(X, Y, metric=metric), numItermax=10**8)
    r = wass.solve(a, b, X=X, Y=Y, metric=metric, algorithm="colgen")
    check(r, ref)


@pytest.mark.parametrize("metric,p", [("euclidean", 1), ("sqeuclidean", 1), ("euclidean", 2),
                                      ("cityblock", 1)])
def test_assignments_multiscale_ties_and_powers(metric, p):
    # equal masses, n = m = 1200 on a coarse integer grid (many equal costs,
    # coincident points on both sides, merged before column generation): the
    # duals are lifted from the coarse problem to first order along each
    # leaf's displacement (W1, W2^2 written either way); other costs keep
    # them constant per leaf
    rng = np.random.default_rng(zlib.crc32(f"ties:{metric}:{p}".encode()))
    n = 1200
    X = rng.integers(0, 40, (n, 2)).astype(float)
    Y = rng.integers(8, 48, (n, 2)).astype(float) + 0.5 * (rng.random((n, 2)) < 0.5)
    a = np.full(n, 1.0 / n)
    C = ot.dist(X, Y, metric=metric) ** p
    ref = ot.emd2(a, a, C, numItermax=10**8)
    r = wass.solve(a, a, X=X, Y=Y, metric=metric, p=p, algorithm="colgen")
    check(r, ref)
