"""Differentiable optimal transport losses for PyTorch, over wass's solvers.

    >>> import torch, wass.torch as wt
    >>> X = torch.randn(64, 2, dtype=torch.float64, requires_grad=True)
    >>> Y = torch.randn(64, 2, dtype=torch.float64)
    >>> loss = wt.wasserstein_loss(X, Y)          # W_2^2, exact
    >>> loss.backward()                           # X.grad from the optimal plan

The forward pass detaches the tensors to float64 numpy arrays and solves with
the C library; the backward pass uses the envelope theorem: the gradient with
respect to the points is that of sum_ij P_ij c(X_i, Y_j) at the optimal plan
P held fixed, and the gradient with respect to the weights comes from the
dual potentials, centered (weights are normalized to the simplex, so only
their direction within it matters). Both are exact where the optimum is
unique (generic data); elsewhere they are a valid (sub)gradient choice.

torch is imported on first use, so ``import wass.torch`` is cheap.
"""

import numpy as np

import wass as _wass

__all__ = ["wasserstein_loss", "sinkhorn_divergence_loss"]

_METRICS = ("sqeuclidean", "euclidean")
_functions = {}


def _torch():
    import torch

    return torch


def _ground(metric, p):
    """(C-library metric, power) for a loss metric: 'sqeuclidean' is
    ||x - y||^2 (p must be 2), 'euclidean' is ||x - y||^p (p >= 1)."""
    if metric not in _METRICS:
        raise ValueError("metric must be 'sqeuclidean' or 'euclidean', got %r" % (metric,))
    p = float(p)
    if metric == "sqeuclidean":
        if p != 2.0:
            raise ValueError("metric 'sqeuclidean' is ||x - y||^2 and needs p = 2, got p = %g"
                             % p)
        return "sqeuclidean", 1.0
    if not p >= 1.0:
        raise ValueError("p must be >= 1, got %g" % p)
    return "euclidean", p


def _cost_grad(diff, metric, p):
    """Gradient of c(x, y) with respect to x for diff = x - y (rows); zero
    where x = y (a subgradient when p = 1)."""
    torch = _torch()
    if metric == "sqeuclidean":
        return 2.0 * diff
    r = torch.sqrt((diff * diff).sum(dim=-1, keepdim=True))
    safe = torch.where(r > 0, r, torch.ones_like(r))
    scale = p * safe ** (p - 2.0)
    return torch.where(r > 0, scale * diff, torch.zeros_like(diff))


def _cost_matrix(A, B, metric, p):
    """Differentiable n x m cost matrix (used in backward passes only)."""
    torch = _torch()
    diff = A[:, None, :] - B[None, :, :]
    s = (diff * diff).sum(dim=-1)
    if metric == "sqeuclidean":
        return s
    # sqrt with a zero gradient at 0 (x = y), matching _cost_grad.
    pos = s > 0
    r = torch.sqrt(torch.where(pos, s, torch.ones_like(s)))
    return torch.where(pos, r ** p, torch.zeros_like(s))


def _np(t):
    return np.ascontiguousarray(t.detach().cpu().to(dtype=_torch().float64).numpy())


def _weights(w, n, name):
    """(normalized numpy weights, total) or (None, 1.0) for uniform."""
    if w is None:
        return None, 1.0
    wn = _np(w)
    if wn.shape != (n,):
        raise ValueError("%s must have shape (%d,), got %s" % (name, n, tuple(wn.shape)))
    s = float(wn.sum())
    if not s > 0:
        raise _wass.WassError("weights %s sum to %g, need a positive total" % (name, s))
    return wn / s, s


def _centered_grad(pot, w_hat, n, total, like):
    """Gradient with respect to unnormalized weights w of F(w / sum w), given
    the potential pot = dF/dw_hat: (pot - <pot, w_hat>) / sum w."""
    torch = _torch()
    if w_hat is None:
        w_hat = np.full(n, 1.0 / n)
    g = (pot - float(np.dot(pot, w_hat))) / total
    return torch.as_tensor(g, dtype=like.dtype, device=like.device)


def _points(Z, name):
    if Z.dim() == 1:
        return Z.unsqueeze(1)
    if Z.dim() != 2:
        raise ValueError("%s must be a 1-D or 2-D tensor, got shape %s" % (name, tuple(Z.shape)))
    return Z


def _exact_function():
    if "exact" in _functions:
        return _functions["exact"]
    torch = _torch()

    class ExactOT(torch.autograd.Function):
        @staticmethod
        def forward(ctx, X, Y, a, b, metric, p, threads):
            cmetric, cp = _ground(metric, p)
            n, m = X.shape[0], Y.shape[0]
            a_hat, sa = _weights(a, n, "a")
            b_hat, sb = _weights(b, m, "b")
            res = _wass.solve(a_hat, b_hat, X=_np(X), Y=_np(Y), metric=cmetric, p=cp,
                              threads=threads, certify=False)
            i, j, mass = res.plan_sparse
            ctx.metric, ctx.p = metric, float(p)
            ctx.plan = (torch.as_tensor(i, device=X.device), torch.as_tensor(j, device=X.device),
                        torch.as_tensor(mass, dtype=X.dtype, device=X.device))
            ctx.duals = (res.u, res.v, a_hat, b_hat, sa, sb)
            ctx.save_for_backward(X, Y)
            return torch.as_tensor(res.cost, dtype=X.dtype, device=X.device)

        @staticmethod
        def backward(ctx, grad):
            X, Y = ctx.saved_tensors
            i, j, mass = ctx.plan
            gX = gY = ga = gb = None
            if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
                w = mass[:, None] * _cost_grad(X[i] - Y[j], ctx.metric, ctx.p)
                if ctx.needs_input_grad[0]:
                    gX = torch.zeros_like(X).index_add_(0, i, w) * grad
                if ctx.needs_input_grad[1]:
                    gY = torch.zeros_like(Y).index_add_(0, j, -w) * grad
            u, v, a_hat, b_hat, sa, sb = ctx.duals
            if ctx.needs_input_grad[2]:
                ga = _centered_grad(u, a_hat, X.shape[0], sa, X) * grad
            if ctx.needs_input_grad[3]:
                gb = _centered_grad(v, b_hat, Y.shape[0], sb, Y) * grad
            return gX, gY, ga, gb, None, None, None

    _functions["exact"] = ExactOT
    return ExactOT


def wasserstein_loss(X, Y, a=None, b=None, p=2, metric="sqeuclidean", threads=1):
    """Exact optimal transport cost between two weighted point clouds, as a
    differentiable torch scalar: min_P sum_ij P_ij c(X_i, Y_j) with
    c = ||x - y||^2 (metric 'sqeuclidean', p = 2: the loss is W_2^2) or
    c = ||x - y||^p (metric 'euclidean': the loss is W_p^p; p = 1 gives W1).

    X (n x d or n) and Y (m x d or m) are tensors; a (n) and b (m) optional
    nonnegative weight tensors (None = uniform; normalized to total 1).
    Gradients flow to X, Y (through the optimal plan) and a, b (through the
    centered dual potentials)."""
    X = _points(X, "X")
    Y = _points(Y, "Y")
    return _exact_function().apply(X, Y, a, b, metric, p, threads)


def _sinkhorn_function():
    if "sinkhorn" in _functions:
        return _functions["sinkhorn"]
    torch = _torch()

    class SinkhornDivergence(torch.autograd.Function):
        @staticmethod
        def forward(ctx, X, Y, a, b, reg, metric, p, opts):
            cmetric, cp = _ground(metric, p)
            n, m = X.shape[0], Y.shape[0]
            a_hat, sa = _weights(a, n, "a")
            b_hat, sb = _weights(b, m, "b")
            Xn, Yn = _np(X), _np(Y)
            terms = []
            for (A, wa, B, wb) in ((Xn, a_hat, Yn, b_hat), (Xn, a_hat, Xn, a_hat),
                                   (Yn, b_hat, Yn, b_hat)):
                P, log = _wass.sinkhorn(wa, wb, None, reg, X=A, Y=B, metric=cmetric, p=cp,
                                        log=True, **opts)
                terms.append((P, log))
            value = terms[0][1]["objective"] - 0.5 * (terms[1][1]["objective"]
                                                      + terms[2][1]["objective"])
            ctx.metric, ctx.p = metric, float(p)
            ctx.plans = [t[0] for t in terms]
            ctx.pots = [(t[1]["f"], t[1]["g"]) for t in terms]
            ctx.weights = (a_hat, b_hat, sa, sb)
            ctx.save_for_backward(X, Y)
            return torch.as_tensor(value, dtype=X.dtype, device=X.device)

        @staticmethod
        def backward(ctx, grad):
            X, Y = ctx.saved_tensors
            gX = gY = ga = gb = None
            if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
                # Envelope theorem: d OT_eps / d C = P*, so differentiate
                # <P_xy, C(X, Y)> - (<P_xx, C(X, X)> + <P_yy, C(Y, Y)>) / 2 with
                # the plans held fixed.
                with torch.enable_grad():
                    Xd = X.detach().requires_grad_(True)
                    Yd = Y.detach().requires_grad_(True)
                    Pxy, Pxx, Pyy = (torch.as_tensor(P, dtype=X.dtype, device=X.device)
                                     for P in ctx.plans)
                    L = ((Pxy * _cost_matrix(Xd, Yd, ctx.metric, ctx.p)).sum()
                         - 0.5 * (Pxx * _cost_matrix(Xd, Xd, ctx.metric, ctx.p)).sum()
                         - 0.5 * (Pyy * _cost_matrix(Yd, Yd, ctx.metric, ctx.p)).sum())
                    dX, dY = torch.autograd.grad(L, (Xd, Yd))
                gX = dX * grad if ctx.needs_input_grad[0] else None
                gY = dY * grad if ctx.needs_input_grad[1] else None
            (f_xy, g_xy), (f_xx, g_xx), (f_yy, g_yy) = ctx.pots
            a_hat, b_hat, sa, sb = ctx.weights
            if ctx.needs_input_grad[2]:
                ga = _centered_grad(f_xy - 0.5 * (f_xx + g_xx), a_hat, X.shape[0], sa, X) * grad
            if ctx.needs_input_grad[3]:
                gb = _centered_grad(g_xy - 0.5 * (f_yy + g_yy), b_hat, Y.shape[0], sb, Y) * grad
            return gX, gY, ga, gb, None, None, None, None

    _functions["sinkhorn"] = SinkhornDivergence
    return SinkhornDivergence


def sinkhorn_divergence_loss(X, Y, a=None, b=None, reg=0.1, p=2, metric="sqeuclidean",
                             tol=1e-12, max_iter=None, threads=1):
    """Debiased Sinkhorn divergence S = OT_reg(a, b) - (OT_reg(a, a) +
    OT_reg(b, b)) / 2 between two weighted point clouds (OT_reg: the entropic
    objective, reg in cost units), as a differentiable torch scalar. Metric
    and p as in :func:`wasserstein_loss`. Gradients come from the entropic
    plans (points) and potentials (weights), by the envelope theorem."""
    X = _points(X, "X")
    Y = _points(Y, "Y")
    if not float(reg) > 0:
        raise ValueError("reg must be positive, got %r" % (reg,))
    opts = dict(tol=tol, max_iter=max_iter, threads=threads)
    return _sinkhorn_function().apply(X, Y, a, b, float(reg), metric, p, opts)
