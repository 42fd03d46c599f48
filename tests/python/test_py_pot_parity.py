"""The names wass shares with POT and scipy mean the same: every function of
the parity table (docs/python_parity.md) against POT / scipy on the same
inputs, POT's keywords, float32 weights, the module-wide thread default and
progress hooks."""
import numpy as np
import ot
import pytest

import wass


def hists(rng, n, m, dtype=np.float64):
    a = rng.uniform(0.1, 1, n).astype(dtype)
    b = rng.uniform(0.1, 1, m).astype(dtype)
    return a / a.sum(), b / b.sum()


# ---- ot.dist ---------------------------------------------------------------------------

@pytest.mark.parametrize("metric,kw", [("sqeuclidean", {}), ("euclidean", {}),
                                       ("cityblock", {}), ("chebyshev", {}),
                                       ("minkowski", {"p": 3}), ("cosine", {}),
                                       ("correlation", {})])
def test_dist_as_pot(metric, kw):
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(23, 4)), rng.normal(size=(17, 4))
    np.testing.assert_allclose(wass.dist(X, Y, metric, **kw), ot.dist(X, Y, metric, **kw),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(wass.dist(X), ot.dist(X), atol=1e-12)
    assert wass.dist(X).shape == (23, 23)
    with pytest.raises(ValueError, match="x1 and x2"):
        wass.dist(X, Y[:, :2])


# ---- POT keywords on emd / sinkhorn / sliced -------------------------------------------

def test_emd_pot_keywords_and_uniform():
    rng = np.random.default_rng(1)
    a, b = hists(rng, 30, 25)
    M = ot.dist(rng.normal(size=(30, 2)), rng.normal(size=(25, 2)))
    ref = ot.emd2(a, b, M)
    assert wass.emd2(a, b, M, numItermax=100000, numThreads="max") == pytest.approx(ref, 1e-12)
    assert wass.emd2(a, b, M, numThreads=1, center_dual=True) == pytest.approx(ref, 1e-12)
    np.testing.assert_allclose(wass.emd(a, b, M, numItermax=10 ** 6), ot.emd(a, b, M),
                               atol=1e-12)
    # a = [] / b = [] mean uniform, as in POT
    assert wass.emd2([], [], M) == pytest.approx(ot.emd2([], [], M), rel=1e-12)
    assert wass.emd2(np.array([]), b, M) == pytest.approx(ot.emd2([], b, M), rel=1e-12)
    # POT's numItermax is a pivot limit: too few pivots is reported, never silent
    with pytest.raises(wass.NotOptimalError):
        wass.emd2(a, b, M, numItermax=3)
    with pytest.raises(TypeError, match="max_iter or numItermax"):
        wass.emd2(a, b, M, max_iter=5, numItermax=5)
    with pytest.raises(ValueError, match="numThreads"):
        wass.emd2(a, b, M, numThreads="all")


@pytest.mark.parametrize("method", ["sinkhorn", "sinkhorn_log", "sinkhorn_stabilized"])
def test_sinkhorn_pot_keywords(method):
    rng = np.random.default_rng(2)
    a, b = hists(rng, 20, 30)
    M = ot.dist(rng.normal(size=(20, 2)), rng.normal(size=(30, 2)))
    ref = ot.sinkhorn(a, b, M, 0.5, method=method, numItermax=100000, stopThr=1e-13)
    P = wass.sinkhorn(a, b, M, 0.5, method=method, numItermax=100000, stopThr=1e-12)
    np.testing.assert_allclose(P, ref, atol=1e-10)
    assert wass.sinkhorn2(a, b, M, 0.5, method=method, stopThr=1e-12) == pytest.approx(
        float(ot.sinkhorn2(a, b, M, 0.5, method=method, numItermax=100000, stopThr=1e-13)),
        rel=1e-8)
    assert wass.sinkhorn2([], [], M, 0.5) == pytest.approx(
        float(ot.sinkhorn2([], [], M, 0.5, numItermax=100000, stopThr=1e-13)), rel=1e-8)
    with pytest.raises(ValueError, match="unknown Sinkhorn method"):
        wass.sinkhorn(a, b, M, 0.5, method="sinkhorn_fast")
    with pytest.raises(TypeError, match="unexpected keyword"):
        wass.sinkhorn(a, b, M, 0.5, stopthr=1e-3)


def test_sliced_pot_name_and_seed():
    """Same seed, same directions as POT: the same value."""
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(60, 3)), rng.normal(1, 1, size=(50, 3))
    a, b = hists(rng, 60, 50)
    for seed in (0, 7):
        assert wass.sliced_wasserstein_distance(X, Y, a, b, 40, seed=seed) == pytest.approx(
            ot.sliced_wasserstein_distance(X, Y, a, b, 40, seed=seed), rel=1e-10)
        assert wass.max_sliced_wasserstein_distance(X, Y, a, b, 40, p=1, seed=seed) == \
            pytest.approx(ot.max_sliced_wasserstein_distance(X, Y, a, b, 40, p=1, seed=seed),
                          rel=1e-10)
    P = rng.normal(size=(3, 9))
    P /= np.linalg.norm(P, axis=0)
    # (POT 0.8 divides by n_projections even when projections are given: pass both)
    v, lg = wass.sliced_wasserstein_distance(X, Y, projections=P, log=True)
    v2, lg2 = ot.sliced_wasserstein_distance(X, Y, n_projections=9, projections=P, log=True)
    assert v == pytest.approx(v2, rel=1e-10)
    np.testing.assert_allclose(lg["projected_emds"], lg2["projected_emds"], rtol=1e-9)
    # wass.sliced: n_projections is POT's spelling of the count
    assert wass.sliced(X, Y, n_projections=30, seed=1) == wass.sliced(X, Y, projections=30,
                                                                        seed=1)
    with pytest.raises(TypeError, match="projections is a count here"):
        wass.sliced(X, Y, projections=P)


# ---- unbalanced Sinkhorn ---------------------------------------------------------------

@pytest.mark.parametrize("reg,reg_m", [(0.5, 1.0), (0.1, 0.5), (1.0, 10.0)])
def test_sinkhorn_unbalanced_is_pots(reg, reg_m):
    rng = np.random.default_rng(4)
    a = rng.uniform(0.1, 1, 25)
    b = 2 * rng.uniform(0.1, 1, 20)  # unequal totals
    a[3] = 0.0
    M = ot.dist(rng.normal(size=(25, 2)), rng.normal(size=(20, 2)))
    ref = ot.sinkhorn_unbalanced(a, b, M, reg, reg_m, numItermax=200000, stopThr=1e-14)
    P = wass.sinkhorn_unbalanced(a, b, M, reg, reg_m)
    np.testing.assert_allclose(P, ref, atol=1e-9 * ref.max())
    assert wass.sinkhorn_unbalanced2(a, b, M, reg, reg_m) == pytest.approx(
        float(ot.sinkhorn_unbalanced2(a, b, M, reg, reg_m, numItermax=200000, stopThr=1e-14)),
        rel=1e-8)
    # the library's own formulation (entropy relative to a x b, POT >= 0.9's
    # reg_type="kl") is sinkhorn(tau=): POT's "entropy" problem on the cost
    # M - reg (log a_i + log b_j) (positive weights here: POT's scaling
    # divides 0 by 0 on a zero row)
    Pk = wass.sinkhorn_unbalanced(a, b, M, reg, reg_m, reg_type="kl")
    np.testing.assert_allclose(Pk, wass.sinkhorn(a, b, M, reg, tau=reg_m), atol=1e-14)
    assert np.abs(Pk - ref).max() > 1e-6  # a different problem
    ap = np.where(a > 0, a, 0.05)
    Mk = M - reg * (np.log(ap)[:, None] + np.log(b)[None, :])
    refk = ot.sinkhorn_unbalanced(ap, b, Mk, reg, reg_m, numItermax=200000, stopThr=1e-14)
    np.testing.assert_allclose(wass.sinkhorn(ap, b, M, reg, tau=reg_m), refk,
                               atol=1e-9 * refk.max())


def test_sinkhorn_unbalanced_errors():
    M = np.ones((3, 2))
    with pytest.raises(wass.WassError, match="reg_m"):
        wass.sinkhorn_unbalanced(None, None, M, 0.1, 0.0)
    with pytest.raises(ValueError, match="reg_type"):
        wass.sinkhorn_unbalanced(None, None, M, 0.1, 1.0, reg_type="l2")
    with pytest.raises(NotImplementedError, match="several histograms"):
        wass.sinkhorn_unbalanced(None, np.ones((2, 3)), M, 0.1, 1.0)


# ---- partial transport -----------------------------------------------------------------

@pytest.mark.parametrize("frac", [0.0, 0.3, 0.7, 1.0])
def test_partial_wasserstein_as_pot(frac):
    rng = np.random.default_rng(5)
    a = rng.uniform(0.1, 1, 30)
    b = rng.uniform(0.1, 1, 22)
    a /= a.sum()
    b *= 0.8 / b.sum()
    M = ot.dist(rng.normal(size=(30, 2)), rng.normal(size=(22, 2)))
    m = frac * 0.8
    G = wass.partial_wasserstein(a, b, M, m=m)
    ref = ot.partial.partial_wasserstein2(a, b, M, m=m)
    assert G.sum() == pytest.approx(m, abs=1e-12)
    assert np.all(G.sum(1) <= a + 1e-12) and np.all(G.sum(0) <= b + 1e-12)
    assert wass.partial_wasserstein2(a, b, M, m=m) == pytest.approx(ref, rel=1e-9, abs=1e-14)
    assert float(np.sum(G * M)) == pytest.approx(ref, rel=1e-9, abs=1e-14)
    G2, lg = wass.partial_wasserstein(a, b, M, m=m, nb_dummies=3, log=True)
    assert lg["partial_w_dist"] == pytest.approx(ref, rel=1e-9, abs=1e-14)


@pytest.mark.parametrize("m", [1e-11, 1e-7, 1e-5])
def test_partial_wasserstein_near_zero_mass_is_certified(m):
    # a mass m far below the totals (~400): the optimum, ~m times the cheapest
    # costs, sits at the precision limit of potentials times masses, where
    # only the precision floor can certify it; with a floor of 16 u the bound
    # ended 1.1-1.2 times above it ("certificate failed", status not
    # converged) on this instance
    rng = np.random.default_rng(8)
    a, b = rng.random(531) + 0.01, rng.random(296) + 0.01
    M = rng.random((531, 296))
    G, lg = wass.partial_wasserstein(a, b, M, m=m, log=True)
    assert lg["status"] == "optimal" and lg["certificate"]["certified"]
    assert G.sum() == pytest.approx(m, rel=1e-6)
    ref = ot.partial.partial_wasserstein2(a, b, M, m=m)
    assert lg["cost"] == pytest.approx(ref, rel=1e-6)


def test_partial_wasserstein_errors():
    a, b, M = np.full(3, 1 / 3), np.full(2, 0.5), np.ones((3, 2))
    with pytest.raises(ValueError, match="m should lower or equal"):
        wass.partial_wasserstein(a, b, M, m=1.5)
    with pytest.raises(ValueError, match="m should be greater"):
        wass.partial_wasserstein(a, b, M, m=-0.1)
    with pytest.raises(TypeError, match="give the transported mass m"):
        wass.partial_wasserstein(a, b, M)


# ---- barycenters -----------------------------------------------------------------------

def grid_hists():
    x = np.linspace(0, 1, 30)
    A = np.stack([np.exp(-(x - 0.2) ** 2 / 0.004), np.exp(-(x - 0.75) ** 2 / 0.01),
                  np.exp(-(x - 0.5) ** 2 / 0.02)], 1)
    A /= A.sum(0)
    M = ot.dist(x[:, None], x[:, None])
    return A, M / M.max()


def objective(b, A, M, w):
    return sum(w[k] * ot.emd2(b, np.ascontiguousarray(A[:, k]), M) for k in range(A.shape[1]))


@pytest.mark.parametrize("reg", [0.05, 0.01, 0.003])
def test_entropic_barycenter_as_pot(reg):
    A, M = grid_hists()
    b = wass.barycenter(A, M, reg)
    ref = ot.barycenter(A, M, reg, numItermax=200000, stopThr=1e-15, warn=False)
    np.testing.assert_allclose(b, ref, atol=1e-8)
    assert b.sum() == pytest.approx(1, abs=1e-9)
    # with weights, POT's log-domain solver (its default 'sinkhorn' solver
    # of POT 0.8 leaves the fixed point when the weights are not uniform)
    w = np.array([0.5, 0.3, 0.2])
    b = wass.barycenter(A, M, reg, weights=w)
    ref = ot.bregman.barycenter(A, M, reg, weights=w, method="sinkhorn_log",
                                numItermax=200000, stopThr=1e-15, warn=False)
    np.testing.assert_allclose(b, ref, atol=1e-8)


def test_exact_barycenter_is_optimal():
    """reg=None: the LP barycenter; its objective is the optimum (no other
    candidate does better: POT's entropic and LP barycenters, the inputs)."""
    A, M = grid_hists()
    w = np.array([0.5, 0.3, 0.2])
    b, lg = wass.barycenter(A, M, None, weights=w, log=True)
    obj = objective(b, A, M, w)
    assert obj == pytest.approx(lg["cost"], rel=1e-9)
    for cand in [ot.barycenter(A, M, 0.01, weights=w)] + [A[:, k] for k in range(3)]:
        assert obj <= objective(cand / cand.sum(), A, M, w) + 1e-12
    try:
        lp = ot.lp.barycenter(A, M, weights=w)
    except Exception:  # POT's LP needs a solver scipy may no longer offer
        lp = None
    if lp is not None:
        assert obj == pytest.approx(objective(lp / lp.sum(), A, M, w), rel=1e-6)


def test_barycenter_errors():
    A, M = grid_hists()
    with pytest.raises(ValueError, match="M must have shape"):
        wass.barycenter(A, M[:5, :5], 0.1)
    with pytest.raises(wass.WassError, match="same total mass"):
        wass.barycenter(A * np.array([1, 2, 1]), M, 0.1)


def test_free_support_barycenter_as_pot():
    rng = np.random.default_rng(6)
    locs = [rng.normal(size=(20, 2)), rng.normal(size=(25, 2)) + 3, rng.normal(size=(15, 2)) * 2]
    ws = [np.full(20, 1 / 20), rng.dirichlet(np.ones(25)), np.full(15, 1 / 15)]
    X0 = rng.normal(size=(12, 2))
    lam = np.array([0.2, 0.5, 0.3])
    X = wass.free_support_barycenter(locs, ws, X0, weights=lam)
    ref = ot.lp.free_support_barycenter(locs, ws, X0, weights=lam)
    np.testing.assert_allclose(X, ref, atol=1e-9)
    # entropic plans for large problems: close to the exact one for small reg
    # entropic plans (for large problems): POT's fixed point with ot.sinkhorn plans
    reg = 0.5
    Xs, lg = wass.free_support_barycenter(locs, ws, X0, weights=lam, reg=reg, numItermax=8,
                                          log=True)
    b = np.full(12, 1 / 12)
    Xr = X0.copy()
    for it in range(8):
        T = sum(li * ot.sinkhorn(b, wi, ot.dist(Xr, L), reg, method="sinkhorn_log",
                                 numItermax=100000, stopThr=1e-13) @ L / b[:, None]
                for L, wi, li in zip(locs, ws, lam))
        Xr = T
    np.testing.assert_allclose(Xs, Xr, atol=1e-7)
    assert len(lg["displacement_square_norms"]) == 8


# ---- float32 weights, dtypes, threads, progress ----------------------------------------

def test_float32_histograms_are_balanced():
    """Normalized float32 histograms: totals differ by ~1e-8 (beyond
    float64's 1e-9) but within their own precision: all 100 pass."""
    rng = np.random.default_rng(7)
    M = rng.uniform(size=(20, 30))
    for t in range(100):
        a, b = hists(rng, 20, 30, np.float32)
        a64, b64 = a.astype(float), b.astype(float)
        ref = ot.emd2(a64, b64 * (a64.sum() / b64.sum()), M)
        assert wass.emd2(a, b, M) == pytest.approx(ref, rel=1e-9)
        wass.sinkhorn2(a, b, M, 0.1)
    a, b = hists(rng, 20, 30, np.float32)
    with pytest.raises(wass.WassError, match=r"mass_tol 3.81e-06.*mass='normalize'"):
        wass.emd2(a, b * np.float32(1.001), M)
    assert wass.emd2(a, b * np.float32(1.001), M, mass="normalize") > 0
    with pytest.raises(wass.WassError, match=r"3.81e-06, 32 ulps"):
        wass.sinkhorn2(a, b * np.float32(1.001), M, 0.1)
    # float64 keeps the library's 1e-9
    with pytest.raises(wass.WassError, match=r"mass_tol 1e-09"):
        wass.emd2(a.astype(float), b.astype(float) * (1 + 1e-7), M)


def test_set_num_threads():
    rng = np.random.default_rng(8)
    X, Y = rng.normal(size=(300, 2)), rng.normal(size=(300, 2))
    ref = wass.wasserstein(X, Y)
    assert wass.get_num_threads() == 0
    try:
        wass.set_num_threads(1)
        assert wass.get_num_threads() == 1
        assert wass.wasserstein(X, Y) == pytest.approx(ref, rel=1e-12)
        with pytest.raises(wass.WassError, match="threads = -2 must be >= 0"):
            wass.set_num_threads(-2)
    finally:
        wass.set_num_threads(0)
    assert wass.get_num_threads() == 0


def test_progress_hooks(capsys):
    rng = np.random.default_rng(9)
    X, Y = rng.normal(size=(3000, 2)), rng.normal(size=(3000, 2))
    seen = []
    wass.solve(X=X, Y=Y, algorithm="colgen", progress=lambda f, s: seen.append((f, s)))
    assert seen and all(s == "column generation" and f < 0 for f, s in seen)
    seen.clear()
    M = rng.uniform(size=(150, 150))
    wass.sinkhorn2(None, None, M, 1e-3, progress=lambda f, s: seen.append(s))
    assert seen and all(s.startswith("sinkhorn") for s in seen)
    wass.sinkhorn2(None, None, M, 1e-3, progress=True)
    err = capsys.readouterr().err
    assert "sinkhorn" in err and "reports" in err and err.endswith("\n")

    def boom(f, s):
        raise RuntimeError("cancelled by the callback")
    with pytest.raises(RuntimeError, match="cancelled by the callback"):
        wass.sinkhorn2(None, None, M, 1e-3, progress=boom)
    with pytest.raises(TypeError, match="progress must be"):
        wass.emd2(None, None, M, progress="yes")
