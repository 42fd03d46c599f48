"""wass.emd / emd2 / solve / wasserstein / critic against POT (ot.emd2,
ot.dist), scipy's HiGHS LP and closed forms; certificates, float32 and
non-contiguous input, mass handling, status reporting."""
import numpy as np
import ot
import pytest
from scipy.optimize import linprog
from scipy.spatial.distance import cdist

import wass


def problem(seed, n=None, m=None):
    rng = np.random.default_rng(seed)
    n = n or int(rng.integers(3, 40))
    m = m or int(rng.integers(3, 40))
    a = rng.random(n) + 0.05
    b = rng.random(m) + 0.05
    return a / a.sum(), b / b.sum(), rng.random((n, m)), rng


@pytest.mark.parametrize("seed", range(8))
def test_emd2_matches_pot(seed):
    a, b, M, _ = problem(seed)
    ref = ot.emd2(a, b, M)
    assert wass.emd2(a, b, M) == pytest.approx(ref, rel=1e-9)


def test_emd_plan_marginals_and_cost():
    a, b, M, _ = problem(11, 30, 45)
    P = wass.emd(a, b, M)
    assert P.shape == (30, 45)
    assert P.min() >= 0
    np.testing.assert_allclose(P.sum(axis=1), a, atol=1e-13)
    np.testing.assert_allclose(P.sum(axis=0), b, atol=1e-13)
    assert (P * M).sum() == pytest.approx(ot.emd2(a, b, M), rel=1e-9)
    assert np.count_nonzero(P) <= 30 + 45 - 1  # a basic solution


def test_solve_result_duals_and_certificate():
    a, b, M, _ = problem(12, 25, 20)
    r = wass.solve(a, b, M)
    assert r.status == "optimal" and r.optimal
    assert r.cost == pytest.approx(ot.emd2(a, b, M), rel=1e-9)
    assert r.distance == pytest.approx(r.cost, rel=1e-15)  # p = 1
    i, j, mass = r.plan_sparse
    np.testing.assert_array_equal(r.plan[i, j], mass)
    assert r.plan.sum() == pytest.approx(1.0, abs=1e-13)
    # dual feasibility, complementary slackness, strong duality
    red = M - r.u[:, None] - r.v[None, :]
    assert red.min() >= -1e-12
    np.testing.assert_allclose(red[i, j], 0, atol=1e-12)
    assert a @ r.u + b @ r.v == pytest.approx(r.cost, rel=1e-10)
    c = r.certificate
    assert set(c) >= {"marginal_error", "min_reduced_cost", "duality_gap"}
    assert 0 <= c["marginal_error"] <= 1e-12
    assert c["min_reduced_cost"] >= -1e-12
    assert c["min_reduced_cost"] == pytest.approx(red.min() / np.abs(M).max(), abs=1e-12)
    assert 0 <= c["duality_gap"] <= 1e-12
    assert r.iterations > 0 and r.seconds >= 0
    assert "optimal" in repr(r)


def test_against_highs_linprog():
    a, b, M, _ = problem(13, 8, 6)
    n, m = M.shape
    A_eq = np.vstack([np.kron(np.eye(n), np.ones(m)), np.kron(np.ones(n), np.eye(m))])
    lp = linprog(M.ravel(), A_eq=A_eq, b_eq=np.concatenate([a, b]), bounds=(0, None),
                 method="highs")
    assert lp.status == 0
    assert wass.emd2(a, b, M) == pytest.approx(lp.fun, rel=1e-9)


@pytest.mark.parametrize("metric,p", [("euclidean", 1), ("euclidean", 2), ("sqeuclidean", 1),
                                      ("cityblock", 1), ("chebyshev", 1), ("cityblock", 3)])
def test_point_clouds_match_pot_dist(metric, p):
    rng = np.random.default_rng(20 + p)
    X, Y = rng.random((30, 3)), rng.random((22, 3))
    a, b = rng.random(30) + 0.1, rng.random(22) + 0.1
    a, b = a / a.sum(), b / b.sum()
    C = ot.dist(X, Y, metric=metric) ** p
    ref = ot.emd2(a, b, C)
    r = wass.solve(a, b, X=X, Y=Y, metric=metric, p=p)
    assert r.cost == pytest.approx(ref, rel=1e-9)
    assert wass.wasserstein(X, Y, a, b, metric=metric, p=p) == pytest.approx(ref ** (1 / p),
                                                                              rel=1e-9)


def test_minkowski_and_uniform_weights():
    rng = np.random.default_rng(5)
    X, Y = rng.random((15, 2)), rng.random((18, 2))
    C = cdist(X, Y, "minkowski", p=3.0)
    ref = ot.emd2(np.full(15, 1 / 15), np.full(18, 1 / 18), C)
    assert wass.wasserstein(X, Y, metric="minkowski", q=3) == pytest.approx(ref, rel=1e-9)
    # 1-D point clouds are read as n x 1
    u, v = rng.random(9), rng.random(11)
    ref1 = ot.emd2(np.full(9, 1 / 9), np.full(11, 1 / 11), np.abs(u[:, None] - v[None, :]))
    assert wass.wasserstein(u, v) == pytest.approx(ref1, rel=1e-9)


def test_float32_input():
    a, b, M, _ = problem(14, 12, 9)
    a32, b32, M32 = a.astype(np.float32), b.astype(np.float32), M.astype(np.float32)
    ref = ot.emd2(a32.astype(np.float64), b32.astype(np.float64), M32.astype(np.float64))
    got = wass.emd2(a32, b32, M32, mass="normalize")
    assert isinstance(got, float)
    assert got == pytest.approx(ref, rel=1e-7)


def test_non_contiguous_input():
    a, b, M, rng = problem(15, 10, 14)
    ref = wass.emd2(a, b, M)
    big = np.zeros((20, 42))
    big[::2, ::3] = M
    assert wass.emd2(a, b, big[::2, ::3]) == ref  # strided view
    assert wass.emd2(a, b, np.asfortranarray(M)) == ref  # column-major
    assert wass.emd2(a, b, np.ascontiguousarray(M.T).T) == ref  # transposed view
    wide = np.zeros(30)
    wide[::3] = a
    assert wass.emd2(wide[::3], b, M) == ref
    X = rng.random((10, 4))
    Y = rng.random((14, 4))
    assert wass.wasserstein(np.asfortranarray(X), Y[:, :]) == wass.wasserstein(X, Y)


def test_mass_modes():
    a, b, M, _ = problem(16, 9, 7)
    with pytest.raises(wass.WassError, match=r"(?i)mass|sum"):
        wass.emd2(a, 1.5 * b, M)
    got = wass.emd2(2 * a, 3 * b, M, mass="normalize")
    assert got == pytest.approx(ot.emd2(a, b, M), rel=1e-9)
    with pytest.raises(wass.WassError, match=r"unknown mass mode 'heavy'"):
        wass.emd2(a, b, M, mass="heavy")


def test_partial_mass_matches_pot_partial():
    a, b, M, _ = problem(17, 8, 10)
    b2 = 2 * b  # total 2: only min(1, 2) = 1 unit of mass moves
    r = wass.solve(a, b2, M, mass="partial")
    P = ot.partial.partial_wasserstein(a, b2, M, m=1.0)
    assert r.flow == pytest.approx(1.0, rel=1e-12)
    assert r.work == pytest.approx((P * M).sum(), rel=1e-9)
    assert r.cost == pytest.approx(r.work / r.flow, rel=1e-12)


def test_nan_in_cost_is_rejected():
    a, b, M, _ = problem(18, 5, 6)
    M[2, 3] = np.nan
    with pytest.raises(wass.WassError, match=r"NaN"):
        wass.emd2(a, b, M)


def test_iteration_limit_is_reported():
    a, b, M, _ = problem(19, 60, 60)
    with pytest.raises(wass.NotOptimalError, match=r"iteration limit") as info:
        wass.emd2(a, b, M, max_iter=3)
    assert info.value.result.status == "iteration limit"
    r = wass.solve(a, b, M, max_iter=3, strict=False)
    assert r.status == "iteration limit" and not r.optimal
    assert r.iterations <= 3


def test_log_and_uniform_defaults():
    _, _, M, _ = problem(20, 6, 9)
    u, v = np.full(6, 1 / 6), np.full(9, 1 / 9)
    P, log = wass.emd(None, None, M, log=True)
    np.testing.assert_allclose(P, wass.emd(u, v, M), atol=1e-15)
    assert log["cost"] == pytest.approx(ot.emd2(u, v, M), rel=1e-9)
    assert log["u"].shape == (6,) and log["v"].shape == (9,)
    cost, log2 = wass.emd2(u, v, M, log=True)
    assert cost == log["cost"] and log2["status"] == "optimal"


def test_dense_power_gives_distance():
    rng = np.random.default_rng(21)
    X, Y = rng.random((12, 2)), rng.random((10, 2))
    C = ot.dist(X, Y)  # squared Euclidean
    r = wass.solve(None, None, C, p=2)
    assert r.distance == pytest.approx(np.sqrt(r.cost), rel=1e-14)
    assert r.distance == pytest.approx(wass.wasserstein(X, Y, p=2), rel=1e-9)


def test_critic_is_one_lipschitz_and_attains_w1():
    rng = np.random.default_rng(22)
    X, Y = rng.random((20, 2)), rng.random((25, 2)) + 0.3
    a, b = rng.random(20) + 0.1, rng.random(25) + 0.1
    a, b = a / a.sum(), b / b.sum()
    w1 = ot.emd2(a, b, ot.dist(X, Y, metric="euclidean"))
    c = wass.critic(a, b, X=X, Y=Y)
    assert c.distance == pytest.approx(w1, rel=1e-9)
    assert a @ c.f_a - b @ c.f_b == pytest.approx(w1, rel=1e-9)
    Z = np.vstack([X, Y])
    f = np.concatenate([c.f_a, c.f_b])
    assert (np.abs(f[:, None] - f[None, :]) - cdist(Z, Z)).max() <= 1e-9
    assert c.lipschitz_violation <= 1e-9


@pytest.mark.parametrize("algorithm", ["simplex", "colgen", "auto"])
def test_algorithms_agree_with_pot(algorithm):
    rng = np.random.default_rng(23)
    X, Y = rng.random((80, 2)), rng.random((70, 2))
    ref = ot.emd2(np.full(80, 1 / 80), np.full(70, 1 / 70), ot.dist(X, Y, metric="euclidean"))
    r = wass.solve(None, None, X=X, Y=Y, algorithm=algorithm)
    assert r.cost == pytest.approx(ref, rel=1e-9)
    assert r.algorithm in ("simplex", "colgen")
    if algorithm != "auto":
        assert r.algorithm == algorithm
    assert r.certificate["min_reduced_cost"] >= -1e-12
    with pytest.raises(wass.WassError, match=r"unknown algorithm 'fast'"):
        wass.solve(None, None, X=X, Y=Y, algorithm="fast")


def test_module_docstring_examples():
    import doctest

    res = doctest.testmod(wass)
    assert res.attempted >= 3 and res.failed == 0
