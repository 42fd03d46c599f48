"""wass.torch losses: values against POT, gradients by torch.autograd.gradcheck
on small float64 problems with a unique optimum (generic random data)."""
import numpy as np
import ot
import pytest

torch = pytest.importorskip("torch")
import wass.torch as wt  # noqa: E402


def data(seed, n=5, m=6, d=2):
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(n, d, generator=g, dtype=torch.float64, requires_grad=True)
    Y = torch.rand(m, d, generator=g, dtype=torch.float64, requires_grad=True)
    a = (torch.rand(n, generator=g, dtype=torch.float64) + 0.2).requires_grad_(True)
    b = (torch.rand(m, generator=g, dtype=torch.float64) + 0.2).requires_grad_(True)
    return X, Y, a, b


@pytest.mark.parametrize("metric,p", [("sqeuclidean", 2), ("euclidean", 1), ("euclidean", 1.5)])
def test_wasserstein_loss_value(metric, p):
    X, Y, a, b = data(1, 9, 7)
    loss = wt.wasserstein_loss(X, Y, a, b, p=p, metric=metric)
    an = (a / a.sum()).detach().numpy()
    bn = (b / b.sum()).detach().numpy()
    C = ot.dist(X.detach().numpy(), Y.detach().numpy(), metric="euclidean") ** p
    assert loss.dtype == torch.float64 and loss.dim() == 0
    assert float(loss) == pytest.approx(ot.emd2(an, bn, C), rel=1e-9)


@pytest.mark.parametrize("metric,p", [("sqeuclidean", 2), ("euclidean", 1), ("euclidean", 1.5)])
def test_wasserstein_loss_gradcheck(metric, p):
    X, Y, a, b = data(2)
    fn = lambda X, Y, a, b: wt.wasserstein_loss(X, Y, a, b, p=p, metric=metric)  # noqa: E731
    assert torch.autograd.gradcheck(fn, (X, Y, a, b), eps=1e-6, atol=1e-6, rtol=1e-5)


def test_wasserstein_loss_uniform_weights_and_float32():
    X, Y, _, _ = data(3, 6, 6)
    assert torch.autograd.gradcheck(lambda X, Y: wt.wasserstein_loss(X, Y), (X, Y),
                                    eps=1e-6, atol=1e-6)
    X32 = X.detach().float().requires_grad_(True)
    loss = wt.wasserstein_loss(X32, Y.detach().float())
    loss.backward()
    assert loss.dtype == torch.float32 and X32.grad.dtype == torch.float32
    assert float(loss) == pytest.approx(float(wt.wasserstein_loss(X, Y)), rel=1e-6)


def test_wasserstein_loss_descent_moves_points_toward_target():
    X, Y, _, _ = data(4, 8, 8)
    X = X.detach().clone().requires_grad_(True)
    first = None
    opt = torch.optim.SGD([X], lr=0.5)
    for _ in range(30):
        loss = wt.wasserstein_loss(X, Y.detach())
        first = float(loss) if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(wt.wasserstein_loss(X, Y.detach())) < 1e-3 * first


def test_loss_argument_errors():
    X, Y, a, b = data(5)
    with pytest.raises(ValueError, match=r"metric must be 'sqeuclidean' or 'euclidean'"):
        wt.wasserstein_loss(X, Y, metric="cityblock")
    with pytest.raises(ValueError, match=r"needs p = 2"):
        wt.wasserstein_loss(X, Y, p=1, metric="sqeuclidean")
    with pytest.raises(ValueError, match=r"a must have shape \(5,\), got \(6,\)"):
        wt.wasserstein_loss(X, Y, a=b)


def test_wasserstein_loss_batches():
    g = torch.Generator().manual_seed(8)
    X = torch.rand(4, 7, 2, generator=g, dtype=torch.float64, requires_grad=True)
    Y = torch.rand(4, 6, 2, generator=g, dtype=torch.float64)
    b = torch.rand(4, 6, generator=g, dtype=torch.float64) + 0.1
    out = wt.wasserstein_loss(X, Y, b=b, p=1, metric="euclidean")
    assert out.shape == (4,)
    out.sum().backward()
    for k in range(4):
        C = ot.dist(X[k].detach().numpy(), Y[k].numpy(), metric="euclidean")
        bk = (b[k] / b[k].sum()).numpy()
        assert float(out[k]) == pytest.approx(ot.emd2(np.full(7, 1 / 7), bk, C), rel=1e-9)
        Xk = X[k].detach().clone().requires_grad_(True)
        wt.wasserstein_loss(Xk, Y[k], b=b[k], p=1, metric="euclidean").backward()
        assert torch.equal(Xk.grad, X.grad[k])
    with pytest.raises(ValueError, match=r"same B"):
        wt.wasserstein_loss(X, Y[0])


def test_emd2_cost_matrix_like_pot():
    g = torch.Generator().manual_seed(9)
    M = torch.rand(5, 6, generator=g, dtype=torch.float64, requires_grad=True)
    a = (torch.rand(5, generator=g, dtype=torch.float64) + 0.2).requires_grad_(True)
    b = (torch.rand(6, generator=g, dtype=torch.float64) + 0.2).requires_grad_(True)
    val = wt.emd2(a, b, M)
    an, bn = (a / a.sum()).detach().numpy(), (b / b.sum()).detach().numpy()
    assert float(val) == pytest.approx(ot.emd2(an, bn, M.detach().numpy()), rel=1e-12)
    val.backward()
    # the gradient in M is the optimal plan (POT's, the optimum being unique here)
    assert np.allclose(M.grad.numpy(), ot.emd(an, bn, M.detach().numpy()), atol=1e-12)
    assert torch.autograd.gradcheck(lambda a, b, M: wt.emd2(a, b, M), (a, b, M), eps=1e-6,
                                    atol=1e-6)
    # batches, uniform weights, float32
    Mb = torch.rand(3, 4, 4, generator=g, dtype=torch.float32)
    out = wt.emd2(None, None, Mb)
    assert out.shape == (3,) and out.dtype == torch.float32
    for k in range(3):
        ref = ot.emd2(np.full(4, 0.25), np.full(4, 0.25), Mb[k].double().numpy())
        assert float(out[k]) == pytest.approx(ref, rel=1e-6)
    with pytest.raises(ValueError, match=r"M must be \(n, m\) or batched"):
        wt.emd2(None, None, torch.rand(2, 2, 2, 2))


# ---- Wasserstein GAN helpers ----------------------------------------------------------


def test_critic_and_generator_losses():
    dr = torch.tensor([1.0, 2.0, 3.0])
    df = torch.tensor([[0.5], [1.5]])
    assert float(wt.critic_loss(dr, df)) == pytest.approx(1.0 - 2.0)
    assert float(wt.generator_loss(df)) == pytest.approx(-1.0)


def test_gradient_penalty_by_hand():
    g = torch.Generator().manual_seed(10)
    real = torch.randn(6, 2, generator=g, dtype=torch.float64)
    fake = torch.randn(6, 2, generator=g, dtype=torch.float64)
    alpha = torch.rand(6, generator=g, dtype=torch.float64)
    # f(x) = |x|^2: grad 2 x at x = alpha real + (1 - alpha) fake
    xh = alpha[:, None] * real + (1 - alpha[:, None]) * fake
    hand = 10.0 * ((2 * xh.norm(dim=1) - 1) ** 2).mean()
    got = wt.gradient_penalty(lambda x: (x ** 2).sum(1, keepdim=True), real, fake, alpha=alpha)
    assert float(got) == pytest.approx(float(hand), rel=1e-12)
    # a linear critic w.x: penalty weight (|w| - 1)^2, and its gradient in w
    lin = torch.nn.Linear(2, 1).double()
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[3.0, 4.0]]))
    pen = wt.gradient_penalty(lin, real, fake, weight=2.0)
    assert float(pen) == pytest.approx(2.0 * (5.0 - 1.0) ** 2, rel=1e-12)
    pen.backward()
    w = torch.tensor([3.0, 4.0], dtype=torch.float64)
    assert torch.allclose(lin.weight.grad[0], 2.0 * 2 * (5.0 - 1.0) * w / 5.0)
    with pytest.raises(ValueError, match=r"same shape"):
        wt.gradient_penalty(lin, real, fake[:3])


def test_clip_weights():
    net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    before = [p.detach().clone() for p in net.parameters()]
    assert wt.clip_weights_(net, 0.05) is net
    for p, q in zip(net.parameters(), before):
        assert torch.equal(p, q.clamp(-0.05, 0.05))
        assert float(p.abs().max()) <= float(torch.tensor(0.05))  # float32 0.05
    assert any(float(q.abs().max()) > 0.05 for q in before)  # something was clipped


def test_exact_w1_and_critic_against_pot():
    rng = np.random.default_rng(13)
    real = torch.tensor(rng.standard_normal((40, 2)), dtype=torch.float32)
    fake = torch.tensor(rng.standard_normal((30, 2)) + [1.0, 0.0], dtype=torch.float32)
    r64, f64 = real.double().numpy(), fake.double().numpy()
    ref = ot.emd2(np.full(40, 1 / 40), np.full(30, 1 / 30), ot.dist(r64, f64, "euclidean"))
    assert wt.exact_w1(real, fake) == pytest.approx(ref, rel=1e-9)
    assert wt.exact_w1(r64, f64) == pytest.approx(ref, rel=1e-9)
    f_r, f_f, w1 = wt.exact_critic(real, fake)
    assert w1 == pytest.approx(ref, rel=1e-9)
    assert f_r.shape == (40,) and f_f.shape == (30,)
    assert float(f_r.mean() - f_f.mean()) == pytest.approx(ref, rel=1e-9)
    # 1-Lipschitz over every pair of the union of the samples
    Z = np.vstack([r64, f64])
    f = np.concatenate([f_r.numpy(), f_f.numpy()])
    D = ot.dist(Z, Z, "euclidean")
    assert np.all(np.abs(f[:, None] - f[None, :]) <= D + 1e-9)
