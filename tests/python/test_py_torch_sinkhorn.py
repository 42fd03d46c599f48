"""wass.torch.sinkhorn_divergence_loss: value against wass's entropic solver,
gradients by torch.autograd.gradcheck (envelope theorem)."""
import pytest

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
        X, Y, a, b, reg=0.5, p=p, metric=metric)
    assert torch.autograd.gradcheck(fn, (X, Y, a, b), eps=1e-6, atol=1e-5, rtol=1e-4)


def test_sinkhorn_divergence_loss_value():
    X, Y, a, b = data(7, 6, 7)
    val = wt.sinkhorn_divergence_loss(X, Y, a, b, reg=0.3)
    ref = wass.sinkhorn_divergence(X.detach().numpy(), Y.detach().numpy(), 0.3,
                                   (a / a.sum()).detach().numpy(),
                                   (b / b.sum()).detach().numpy(), metric="sqeuclidean", p=1)
    assert float(val) == pytest.approx(ref, rel=1e-7, abs=1e-10)
    assert float(wt.sinkhorn_divergence_loss(X, X, a, a, reg=0.3)) == pytest.approx(0, abs=1e-9)
