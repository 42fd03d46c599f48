"""wass.torch.sinkhorn_divergence_loss: value against wass's entropic solver
and against a hand-written log-domain Sinkhorn in GeomLoss's conventions,
gradients by torch.autograd.gradcheck (envelope theorem), the training
tolerance against tight references (numpy, POT), the warm start, batches,
dtypes."""
import numpy as np
import ot
import pytest
from scipy.special import logsumexp

torch = pytest.importorskip("torch")
import wass  # noqa: E402
import wass.torch as wt  # noqa: E402


def data(seed, n=5, m=6, d=2):
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(n, d, generator=g, dtype=torch.float64, requires_grad=True)
    Y = torch.rand(m, d, generator=g, dtype=torch.float64, requires_grad=True)
    a = (torch.rand(n, generator=g, dtype=torch.float64) + 0.2).requires_grad_(True)
    b = (torch.rand(m, generator=g, dtype=torch.float64) + 0.2).requires_grad_(True)
    return X, Y, a, b


@pytest.mark.parametrize("metric,p", [("sqeuclidean", 2), ("euclidean", 1)])
def test_sinkhorn_divergence_loss_gradcheck(metric, p):
    X, Y, a, b = data(6, 4, 5)
    fn = lambda X, Y, a, b: wt.sinkhorn_divergence_loss(  # noqa: E731
        X, Y, a, b, reg=0.5, p=p, metric=metric, tol=1e-13)
    assert torch.autograd.gradcheck(fn, (X, Y, a, b), eps=1e-6, atol=1e-5, rtol=1e-4)


def test_sinkhorn_divergence_loss_value():
    X, Y, a, b = data(7, 6, 7)
    val = wt.sinkhorn_divergence_loss(X, Y, a, b, reg=0.3, tol=1e-12)
    ref = wass.sinkhorn_divergence(X.detach().numpy(), Y.detach().numpy(), 0.3,
                                   (a / a.sum()).detach().numpy(),
                                   (b / b.sum()).detach().numpy(), metric="sqeuclidean", p=1,
                                   tol=1e-12)
    assert float(val) == pytest.approx(ref, rel=1e-9, abs=1e-12)
    assert float(wt.sinkhorn_divergence_loss(X, X, a, a, reg=0.3, tol=1e-12)) == pytest.approx(
        0, abs=1e-9)


def geomloss_reference(x, y, blur, p, iters=20000):
    """SamplesLoss("sinkhorn", p, blur, debias=True) on uniform weights, by
    hand: cost |x - y|^p / p, eps = blur^p, log-domain Sinkhorn to
    convergence (symmetric problems by the averaged update), and the debiased
    dual value <a, f_ab - f_aa> + <b, g_ab - g_bb>."""
    eps = blur ** p

    def cost(u, v):
        r = np.sqrt(((u[:, None, :] - v[None, :, :]) ** 2).sum(-1))
        return r ** p / p

    def loga(u):
        return np.full(len(u), -np.log(len(u)))

    Cxy, Cxx, Cyy = cost(x, y), cost(x, x), cost(y, y)
    la, lb = loga(x), loga(y)
    f, g = np.zeros(len(x)), np.zeros(len(y))
    for _ in range(iters):
        f_new = -eps * logsumexp(lb[None, :] + (g[None, :] - Cxy) / eps, axis=1)
        g_new = -eps * logsumexp(la[:, None] + (f_new[:, None] - Cxy) / eps, axis=0)
        done = max(abs(f_new - f).max(), abs(g_new - g).max()) < 1e-13
        f, g = f_new, g_new
        if done:
            break

    def sym(C, lw):
        h = np.zeros(len(lw))
        for _ in range(iters):
            h_new = 0.5 * (h - eps * logsumexp(lw[None, :] + (h[None, :] - C) / eps, axis=1))
            if abs(h_new - h).max() < 1e-14:
                return h_new
            h = h_new
        return h

    f_aa, g_bb = sym(Cxx, la), sym(Cyy, lb)
    return float(np.exp(la) @ (f - f_aa) + np.exp(lb) @ (g - g_bb))


@pytest.mark.parametrize("p", [2, 1])
def test_geomloss_correspondence(p):
    """0.5 * S(reg = 2 blur^2) for p = 2 and S(reg = blur, euclidean) for p = 1,
    as the docstring says."""
    rng = np.random.default_rng(3)
    x, y = rng.random((7, 2)), rng.random((6, 2)) + [0.3, 0.0]
    blur = 0.3
    ref = geomloss_reference(x, y, blur, p)
    X, Y = torch.tensor(x), torch.tensor(y)
    if p == 2:
        got = 0.5 * wt.sinkhorn_divergence_loss(X, Y, reg=2 * blur ** 2, tol=1e-13)
    else:
        got = wt.sinkhorn_divergence_loss(X, Y, reg=blur, metric="euclidean", p=1, tol=1e-13)
    assert ref > 1e-3
    assert float(got) == pytest.approx(ref, rel=1e-8)


def cloud_family(name, n, seed):
    """The families of bench/torch_losses.py: uniform square, Gaussian
    clouds N(0, I) and N((1, 0), I), clusters (4 centres N(0, 9 I) for each
    cloud, spread 0.3, random memberships)."""
    rng = np.random.default_rng(seed)
    if name == "uniform":
        return rng.random((n, 2)), rng.random((n, 2))
    if name == "gaussian":
        return rng.standard_normal((n, 2)), rng.standard_normal((n, 2)) + [1.0, 0.0]
    cx, cy = 3 * rng.standard_normal((4, 2)), 3 * rng.standard_normal((4, 2))
    return (cx[rng.integers(0, 4, n)] + 0.3 * rng.standard_normal((n, 2)),
            cy[rng.integers(0, 4, n)] + 0.3 * rng.standard_normal((n, 2)))


def numpy_reference(X, Y, reg, pots):
    """From the potentials of the three problems, in numpy: their plans'
    marginal errors, the divergence (primal objectives <P, C> + reg KL(P | a
    x b)) and its gradients (envelope theorem), with nothing from wass but
    the potentials."""
    n, m = len(X), len(Y)
    la, lb = np.full(n, -np.log(n)), np.full(m, -np.log(m))
    out = []
    for A, B, lu, lv, f, g in ((X, Y, la, lb, pots["f_ab"], pots["g_ab"]),
                               (X, X, la, la, pots["f_aa"], pots["f_aa"]),
                               (Y, Y, lb, lb, pots["f_bb"], pots["f_bb"])):
        C = ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)
        LP = lu[:, None] + lv[None, :] + (f[:, None] + g[None, :] - C) / reg
        P = np.exp(LP)
        merr = abs(P.sum(1) - np.exp(lu)).sum() + abs(P.sum(0) - np.exp(lv)).sum()
        ot_ = (P * C).sum() + reg * (P * (LP - lu[:, None] - lv[None, :])).sum()
        gA = 2 * (P.sum(1)[:, None] * A - P @ B)
        gB = 2 * (P.sum(0)[:, None] * B - P.T @ A)
        out.append((merr, ot_, gA, gB))
    (e0, ot_ab, gx, gy), (e1, ot_aa, gxx, _), (e2, ot_bb, gyy, _) = out
    return dict(merr=max(e0, e1, e2), S=ot_ab - 0.5 * (ot_aa + ot_bb), ot_ab=ot_ab,
                grad=np.concatenate([gx - gxx, gy - gyy]), grad_ab=np.concatenate([gx, gy]))


@pytest.mark.parametrize("family", ["uniform", "gaussian", "clusters"])
def test_training_tolerance_against_references(family):
    """The default tol (1e-4, for training) at reg 0.05, n = 300, against a
    reference: wass at tol 1e-12, whose three fixed points are checked in
    numpy (and, on the uniform square, against POT's ot.bregman.sinkhorn_log
    and a hand-written GeomLoss-style iteration, which converge there). The
    stated training tolerance: the value within 1e-5 of OT_reg(a, b), the
    point gradients within 1e-3 of the size of those of OT_reg(a, b)."""
    reg, n = 0.05, 300
    x, y = cloud_family(family, n, 21)
    S_tight, d = wass.sinkhorn_divergence(x, y, reg, metric="sqeuclidean", p=1, tol=1e-12,
                                          log=True, potentials=True, gradients=True)
    ref = numpy_reference(x, y, reg, d)
    assert ref["merr"] < 1e-10
    assert S_tight == pytest.approx(ref["S"], rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(np.concatenate([d["grad_X"], d["grad_Y"]]), ref["grad"],
                               atol=1e-9 * abs(ref["grad"]).max())
    if family == "uniform":
        a = np.full(n, 1.0 / n)
        pot = []
        for A, B in ((x, y), (x, x), (y, y)):
            M = ot.dist(A, B)
            P = ot.bregman.sinkhorn_log(a, a, M, reg, numItermax=5000, stopThr=1e-12)
            pot.append((P * M).sum() + reg * (P * np.log(P / (a[:, None] * a[None, :]))).sum())
        assert pot[0] - 0.5 * (pot[1] + pot[2]) == pytest.approx(ref["S"], rel=1e-8)
        assert 0.5 * ref["S"] == pytest.approx(geomloss_reference(x, y, np.sqrt(reg / 2), 2),
                                               rel=1e-8)
    X = torch.tensor(x, requires_grad=True)
    Y = torch.tensor(y, requires_grad=True)
    loss = wt.sinkhorn_divergence_loss(X, Y, reg=reg)  # tol 1e-4
    loss.backward()
    grad = np.concatenate([X.grad.numpy(), Y.grad.numpy()])
    assert abs(float(loss) - ref["S"]) <= 1e-5 * ref["ot_ab"]
    assert np.linalg.norm(grad - ref["grad"]) <= 1e-3 * np.linalg.norm(ref["grad_ab"])


def test_warm_start_in_a_gradient_flow():
    """A dict kept between calls starts each solve from the last potentials:
    the same losses and gradients (tol 1e-9) as cold solves, step by step,
    while the points move."""
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((120, 2)), rng.standard_normal((110, 2)) + [2.0, 0.0]
    cache = {}
    X = torch.tensor(x, requires_grad=True)
    Y = torch.tensor(y)
    for step in range(4):
        X.grad = None
        warm = wt.sinkhorn_divergence_loss(X, Y, reg=0.1, tol=1e-9, warm_start=cache)
        warm.backward()
        gw = X.grad.clone()
        X.grad = None
        cold = wt.sinkhorn_divergence_loss(X, Y, reg=0.1, tol=1e-9)
        cold.backward()
        assert float(warm) == pytest.approx(float(cold), rel=1e-7)
        assert torch.allclose(gw, X.grad, rtol=1e-5, atol=1e-9)
        assert set(cache) == {(120, 110)}
        with torch.no_grad():
            X -= 5.0 * gw  # a step of the flow
    with pytest.raises(TypeError, match="warm_start must be None or a dict"):
        wt.sinkhorn_divergence_loss(X, Y, reg=0.1, warm_start=[])


def test_batches_float32_and_errors():
    g = torch.Generator().manual_seed(12)
    X = torch.rand(3, 6, 2, generator=g, dtype=torch.float64, requires_grad=True)
    Y = torch.rand(3, 5, 2, generator=g, dtype=torch.float64)
    a = torch.rand(3, 6, generator=g, dtype=torch.float64) + 0.1
    out = wt.sinkhorn_divergence_loss(X, Y, a=a, reg=0.2, tol=1e-12)
    assert out.shape == (3,)
    out.sum().backward()
    for k in range(3):
        Xk = X[k].detach().clone().requires_grad_(True)
        one = wt.sinkhorn_divergence_loss(Xk, Y[k], a=a[k], reg=0.2, tol=1e-12)
        one.backward()
        assert float(one) == pytest.approx(float(out[k]), rel=1e-12)
        assert torch.allclose(Xk.grad, X.grad[k], rtol=1e-10, atol=1e-12)
    X32 = X[0].detach().float().requires_grad_(True)
    v32 = wt.sinkhorn_divergence_loss(X32, Y[0].float(), reg=0.2)
    v32.backward()
    assert v32.dtype == torch.float32 and X32.grad.dtype == torch.float32
    with pytest.raises(ValueError, match=r"same B"):
        wt.sinkhorn_divergence_loss(X, Y[:2], reg=0.2)
    with pytest.raises(ValueError, match=r"batched a must have shape \(3, 6\)"):
        wt.sinkhorn_divergence_loss(X, Y, a=a[:, :5], reg=0.2)
    with pytest.raises(ValueError, match=r"reg must be positive"):
        wt.sinkhorn_divergence_loss(X, Y, reg=0)
