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
