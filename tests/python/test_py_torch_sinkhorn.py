"""wass.torch.sinkhorn_divergence_loss: value against wass's entropic solver
and against a hand-written log-domain Sinkhorn in GeomLoss's conventions,
gradients by torch.autograd.gradcheck (envelope theorem), batches, dtypes."""
import numpy as np
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


def test_training_tolerance_is_close_to_converged():
    """The default tol (1e-4, for training) against tol 1e-12: value and
    gradient within 1e-3 relative on a harder problem (n = 200, reg 0.05)."""
    g = torch.Generator().manual_seed(11)
    X = torch.randn(200, 2, generator=g, dtype=torch.float64, requires_grad=True)
    Y = torch.randn(200, 2, generator=g, dtype=torch.float64) + 1.0
    out = []
    for tol in (1e-4, 1e-12):
        X.grad = None
        loss = wt.sinkhorn_divergence_loss(X, Y, reg=0.05, tol=tol)
        loss.backward()
        out.append((float(loss), X.grad.clone()))
    (v, gX), (v0, gX0) = out
    assert v == pytest.approx(v0, rel=1e-3)
    assert float((gX - gX0).norm() / gX0.norm()) < 1e-3


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
