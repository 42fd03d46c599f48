"""wass.torch on CUDA tensors: the solvers run on the CPU, so a CUDA input goes
through a host copy, and values and gradients must come back on the input's
device with the same numbers as for the same tensors on the CPU. Skipped
where torch has no CUDA device; needs neither POT nor scipy, so it runs on a
GPU machine with only torch and numpy."""
import pytest

torch = pytest.importorskip("torch")
if not torch.cuda.is_available():
    pytest.skip("no CUDA device", allow_module_level=True)
import wass.torch as wt  # noqa: E402

CUDA = torch.device("cuda")


def clouds(seed, n=9, m=7, d=2, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(n, d, generator=g, dtype=dtype)
    Y = torch.rand(m, d, generator=g, dtype=dtype)
    a = torch.rand(n, generator=g, dtype=dtype) + 0.2
    b = torch.rand(m, generator=g, dtype=dtype) + 0.2
    return X, Y, a, b


def on_both(tensors):
    """The same values as leaf tensors needing gradients, once on the CPU and
    once on the CUDA device."""
    cpu = [t.clone().requires_grad_(True) for t in tensors]
    gpu = [t.clone().to(CUDA).requires_grad_(True) for t in tensors]
    return cpu, gpu


def check_same(loss_cpu, loss_gpu, leaves_cpu, leaves_gpu, rel=1e-12):
    assert loss_gpu.device.type == "cuda"
    assert loss_gpu.dtype == loss_cpu.dtype
    assert loss_gpu.shape == loss_cpu.shape
    assert torch.allclose(loss_gpu.detach().cpu(), loss_cpu.detach(), rtol=rel, atol=1e-15)
    loss_cpu.sum().backward()
    loss_gpu.sum().backward()
    for c, g in zip(leaves_cpu, leaves_gpu):
        assert g.grad is not None and g.grad.device.type == "cuda"
        assert g.grad.dtype == c.grad.dtype
        assert torch.allclose(g.grad.cpu(), c.grad, rtol=rel, atol=1e-13)


@pytest.mark.parametrize("metric,p", [("sqeuclidean", 2), ("euclidean", 1), ("euclidean", 1.5)])
def test_wasserstein_loss_on_cuda(metric, p):
    cpu, gpu = on_both(clouds(1))
    lc = wt.wasserstein_loss(*cpu, p=p, metric=metric)
    lg = wt.wasserstein_loss(*gpu, p=p, metric=metric)
    check_same(lc, lg, cpu, gpu)


def test_wasserstein_loss_float32_batched_on_cuda():
    B = 3
    g = torch.Generator().manual_seed(5)
    X = torch.rand(B, 8, 2, generator=g)
    Y = torch.rand(B, 6, 2, generator=g)
    cpu, gpu = on_both([X, Y])
    lc = wt.wasserstein_loss(*cpu)
    lg = wt.wasserstein_loss(*gpu)
    assert lg.shape == (B,) and lg.dtype == torch.float32
    check_same(lc, lg, cpu, gpu, rel=1e-6)


@pytest.mark.parametrize("metric", ["sqeuclidean", "euclidean"])
def test_sinkhorn_divergence_on_cuda(metric):
    cpu, gpu = on_both(clouds(2))
    lc = wt.sinkhorn_divergence_loss(*cpu, reg=0.05, metric=metric, p=2 if metric == "sqeuclidean" else 1)
    lg = wt.sinkhorn_divergence_loss(*gpu, reg=0.05, metric=metric, p=2 if metric == "sqeuclidean" else 1)
    check_same(lc, lg, cpu, gpu, rel=1e-10)


def test_emd2_on_cuda():
    X, Y, a, b = clouds(3)
    M = torch.cdist(X, Y) ** 2
    cpu, gpu = on_both([a, b, M])
    check_same(wt.emd2(*cpu), wt.emd2(*gpu), cpu, gpu)


def test_mixed_devices_are_refused():
    X, Y, a, b = clouds(4)
    M = torch.cdist(X, Y)
    with pytest.raises(ValueError, match="different devices"):
        wt.emd2(a, b.to(CUDA), M)


def test_wgan_helpers_on_cuda():
    torch.manual_seed(0)
    critic = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    critic = critic.double().to(CUDA)
    real = torch.rand(12, 2, dtype=torch.float64, device=CUDA)
    fake = torch.rand(12, 2, dtype=torch.float64, device=CUDA) + 0.5
    gp = wt.gradient_penalty(critic, real, fake)
    assert gp.device.type == "cuda" and gp.requires_grad
    loss = wt.critic_loss(critic(real), critic(fake)) + gp
    loss.backward()
    assert all(p.grad is not None and p.grad.device.type == "cuda" for p in critic.parameters())
    w1 = wt.exact_w1(real, fake)
    assert w1 == pytest.approx(wt.exact_w1(real.cpu(), fake.cpu()), rel=1e-12)
    f_real, f_fake, w1c = wt.exact_critic(real, fake)
    assert f_real.device.type == "cuda" and f_fake.device.type == "cuda"
    assert float(f_real.mean() - f_fake.mean()) == pytest.approx(w1c, rel=1e-9)
    assert w1c == pytest.approx(w1, rel=1e-9)
