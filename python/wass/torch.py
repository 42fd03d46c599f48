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

Losses: :func:`wasserstein_loss` (exact, point clouds), :func:`emd2` (exact,
a cost matrix, as ``ot.emd2``), :func:`sinkhorn_divergence_loss`; each takes
batches (B, n, d) (or (B, n, m) cost matrices) and returns (B,) values.
Wasserstein GANs: :func:`critic_loss`, :func:`generator_loss`,
:func:`gradient_penalty`, :func:`clip_weights_`, and the monitors
:func:`exact_w1` and :func:`exact_critic` (the certified W1 and the optimal
Kantorovich-Rubinstein potential on the samples).

Dtypes and devices: values and gradients have the dtype and device of the
inputs (float32 in, float32 out; the solve itself runs in float64). The
solvers run on the CPU: CUDA (or any other device's) tensors work through a
host copy -- the forward pass copies the points, weights or costs to the
host, and the loss and its gradients come back on the input's device. That
copy and the CPU solve are the cost of a step; nothing runs on the GPU.

torch is imported on first use, so ``import wass.torch`` is cheap.
"""

import numpy as np

import wass as _wass

__all__ = ["wasserstein_loss", "sinkhorn_divergence_loss", "emd2", "critic_loss", "generator_loss",
           "gradient_penalty", "clip_weights_", "exact_w1", "exact_critic"]

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
    centered dual potentials). Batches: X (B, n, d), Y (B, m, d), a (B, n),
    b (B, m) give the B costs, shape (B,) (solved one after the other)."""
    fn = _exact_function()

    def one(X, Y, a, b):
        return fn.apply(_points(X, "X"), _points(Y, "Y"), a, b, metric, p, threads)

    return _map_batch(one, X, Y, a, b)


def _sinkhorn_function():
    if "sinkhorn" in _functions:
        return _functions["sinkhorn"]
    torch = _torch()

    class SinkhornDivergence(torch.autograd.Function):
        @staticmethod
        def forward(ctx, X, Y, a, b, reg, metric, p, opts, cache):
            cmetric, cp = _ground(metric, p)
            n, m = X.shape[0], Y.shape[0]
            a_hat, sa = _weights(a, n, "a")
            b_hat, sb = _weights(b, m, "b")
            # one call: the three problems (the symmetric ones by the averaged
            # iteration, (a, b) from a multiscale or warm start), their
            # potentials and, for the squared Euclidean cost, the gradients
            # with respect to the points (from the plans: no extra solve)
            points = ctx.needs_input_grad[0] or ctx.needs_input_grad[1]
            in_lib = points and metric == "sqeuclidean"
            init = cache.get((n, m)) if cache is not None else None
            value, d = _wass.sinkhorn_divergence(_np(X), _np(Y), reg, a_hat, b_hat,
                                                 metric=cmetric, p=cp, log=True,
                                                 potentials=True, gradients=in_lib, init=init,
                                                 **opts)
            if cache is not None:
                cache[(n, m)] = (d["f_ab"], d["f_aa"], d["f_bb"])
            ctx.metric, ctx.p, ctx.reg = metric, float(p), reg
            ctx.pots = (d["f_ab"], d["g_ab"], d["f_aa"], d["f_bb"])
            ctx.weights = (a_hat, b_hat, sa, sb)
            ctx.lib_grads = (d["grad_X"], d["grad_Y"]) if in_lib else None
            ctx.save_for_backward(X, Y)
            return torch.as_tensor(value, dtype=X.dtype, device=X.device)

        @staticmethod
        def backward(ctx, grad):
            X, Y = ctx.saved_tensors
            n, m = X.shape[0], Y.shape[0]
            f_ab, g_ab, f_aa, f_bb = ctx.pots
            a_hat, b_hat, sa, sb = ctx.weights
            gX = gY = ga = gb = None
            if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
                if ctx.lib_grads is not None:
                    dX, dY = (torch.as_tensor(v, device=X.device) for v in ctx.lib_grads)
                else:
                    dX, dY = _plan_point_grads(ctx, X, Y, a_hat, b_hat)
                gX = (dX.to(X.dtype) * grad) if ctx.needs_input_grad[0] else None
                gY = (dY.to(Y.dtype) * grad) if ctx.needs_input_grad[1] else None
            if ctx.needs_input_grad[2]:
                ga = _centered_grad(f_ab - f_aa, a_hat, n, sa, X) * grad
            if ctx.needs_input_grad[3]:
                gb = _centered_grad(g_ab - f_bb, b_hat, m, sb, Y) * grad
            return gX, gY, ga, gb, None, None, None, None, None

    _functions["sinkhorn"] = SinkhornDivergence
    return SinkhornDivergence


def _plan_point_grads(ctx, X, Y, a_hat, b_hat):
    """Point gradients of the divergence for the grounds the library does not
    differentiate (metric 'euclidean'): the envelope theorem, d OT_eps / d C =
    P*, so differentiate <P_xy, C(X, Y)> - (<P_xx, C(X, X)> + <P_yy, C(Y, Y)>) / 2
    with the plans P = a_i b_j exp((f_i + g_j - C_ij) / eps) held fixed, in
    float64 (the potentials are)."""
    torch = _torch()
    n, m = X.shape[0], Y.shape[0]
    f_ab, g_ab, f_aa, f_bb = ctx.pots

    def t64(v):
        return torch.as_tensor(v, dtype=torch.float64, device=X.device)

    with np.errstate(divide="ignore"):  # log 0 = -inf: no mass, P = 0
        la = t64(np.log(a_hat) if a_hat is not None else np.full(n, -np.log(n)))
        lb = t64(np.log(b_hat) if b_hat is not None else np.full(m, -np.log(m)))
    # (first cloud is X, second is X, log weights, potentials, sign)
    terms = ((True, False, la, lb, f_ab, g_ab, 1.0),
             (True, True, la, la, f_aa, f_aa, -0.5),
             (False, False, lb, lb, f_bb, f_bb, -0.5))
    X64, Y64 = X.detach().to(torch.float64), Y.detach().to(torch.float64)
    with torch.enable_grad():
        Xd = X64.requires_grad_(True)
        Yd = Y64.requires_grad_(True)
        L = 0.0
        for (left, right, lu, lv, u, v, wt) in terms:
            A = Xd if left else Yd
            B = Xd if right else Yd
            C = _cost_matrix(A, B, ctx.metric, ctx.p)
            with torch.no_grad():
                P = torch.exp(lu[:, None] + lv[None, :]
                              + (t64(u)[:, None] + t64(v)[None, :] - C) / ctx.reg)
            L = L + wt * (P * C).sum()
        return torch.autograd.grad(L, (Xd, Yd))


def sinkhorn_divergence_loss(X, Y, a=None, b=None, reg=0.1, p=2, metric="sqeuclidean",
                             tol=1e-4, max_iter=None, eps_scaling=False, threads=1,
                             warm_start=None):
    """Debiased Sinkhorn divergence S = OT_reg(a, b) - (OT_reg(a, a) +
    OT_reg(b, b)) / 2 between two weighted point clouds, as a differentiable
    torch scalar; OT_reg(a, b) = min_P <P, C> + reg KL(P | a x b), reg in cost
    units. Metric and p as in :func:`wasserstein_loss`. Batches: X (B, n, d),
    Y (B, m, d), a (B, n), b (B, m) give the B divergences, shape (B,).

    One call to the library's divergence path (wass.sinkhorn_divergence: the
    symmetric problems by the averaged iteration, (a, b) from a multiscale
    start) returns the potentials and, for metric 'sqeuclidean', the
    gradients with respect to the points, computed from the three plans in
    the same call (envelope theorem: the backward pass solves nothing). For
    metric 'euclidean' the backward pass forms the three plans from the
    potentials (O(n m) memory). Weights get the centered potentials
    f_ab - f_aa and g_ab - f_bb.

    ``tol`` is the L1 marginal error at which each of the three solves stops.
    The default 1e-4 is meant for training, with this stated tolerance
    against a solve to 1e-12: the value within 1e-5 of OT_reg(a, b) (each
    OT_reg is the dual objective of its potentials, whose error is second
    order in the marginal error) and the gradient with respect to the points
    within 1e-3 of the size (L2 norm over all points) of the gradient of
    OT_reg(a, b) (first order) -- far below a minibatch's sampling noise.
    Tested on uniform, Gaussian and clustered clouds at n = 300, reg 0.05;
    measured at n = 500 over 5 instances of each: at most 6e-7 and 5.2e-4.
    Pass 1e-9 or below for reference values. ``eps_scaling`` (annealing epsilon from the cost spread) is off
    by default; for (a, b) it only anneals the smallest level of the
    multiscale start.

    ``warm_start``: None, or a dict the caller keeps between calls (e.g.
    ``cache = {}`` before the training loop): the potentials of the last
    solve are stored there by sizes (n, m) and the next solve with the same
    sizes starts from them. The result is the same divergence (each solve
    still stops on its own marginal error); it takes fewer iterations when
    the same points move a little between calls (gradient flows, full-batch
    fits) and is of no use with fresh minibatches, where the multiscale start
    is better. Batched calls keep one entry for the whole batch (the last
    element's): use it with unbatched inputs.

    GeomLoss correspondence: ``geomloss.SamplesLoss("sinkhorn", p=2, blur=s,
    debias=True)`` uses the cost |x - y|^2 / 2 and eps = blur^p = s^2, so it
    equals ``0.5 * sinkhorn_divergence_loss(X, Y, reg=2 * s**2)`` (metric
    'sqeuclidean', cost |x - y|^2); with p=1 its cost is |x - y| and eps = s,
    i.e. ``sinkhorn_divergence_loss(X, Y, reg=s, metric='euclidean', p=1)``.
    (Its default ``scaling=0.5`` anneals epsilon and stops after a fixed
    number of steps, so its values agree to its own accuracy.)"""
    if not float(reg) > 0:
        raise ValueError("reg must be positive, got %r" % (reg,))
    if warm_start is not None and not isinstance(warm_start, dict):
        raise TypeError("warm_start must be None or a dict kept between calls, got %s"
                        % type(warm_start).__name__)
    opts = dict(tol=tol, max_iter=max_iter, threads=threads, eps_scaling=bool(eps_scaling))
    fn = _sinkhorn_function()

    def one(X, Y, a, b):
        return fn.apply(_points(X, "X"), _points(Y, "Y"), a, b, float(reg), metric, p, opts,
                        warm_start)

    return _map_batch(one, X, Y, a, b)


def _map_batch(one, X, Y, a, b):
    """one(X, Y, a, b) for 1-D/2-D inputs; stacked over the first dimension
    for 3-D ones (B, n, d) and (B, m, d), weights (B, n) / (B, m) or None."""
    _check_device(X, Y)
    if X.dim() != 3 and Y.dim() != 3:
        return one(X, Y, a, b)
    if X.dim() != 3 or Y.dim() != 3 or X.shape[0] != Y.shape[0]:
        raise ValueError("batched X and Y must both be 3-D (B, n, d) and (B, m, d) with the "
                         "same B, got shapes %s and %s" % (tuple(X.shape), tuple(Y.shape)))
    B = X.shape[0]
    for w, name, k in ((a, "a", X.shape[1]), (b, "b", Y.shape[1])):
        if w is not None and tuple(w.shape) != (B, k):
            raise ValueError("batched %s must have shape (%d, %d), got %s"
                             % (name, B, k, tuple(w.shape)))
    return _torch().stack([one(X[k], Y[k], None if a is None else a[k],
                               None if b is None else b[k]) for k in range(B)])


def _check_device(*ts):
    devs = {t.device for t in ts if t is not None}
    if len(devs) > 1:
        raise ValueError("tensors on different devices: %s" % sorted(str(d) for d in devs))


def _emd2_function():
    if "emd2" in _functions:
        return _functions["emd2"]
    torch = _torch()

    class ExactCostMatrix(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, M, threads):
            n, m = M.shape
            a_hat, sa = _weights(a, n, "a")
            b_hat, sb = _weights(b, m, "b")
            res = _wass.solve(a_hat, b_hat, M=_np(M), threads=threads, certify=False)
            i, j, mass = res.plan_sparse
            ctx.plan = (i, j, mass)
            ctx.duals = (res.u, res.v, a_hat, b_hat, sa, sb)
            ctx.like = torch.empty(0, dtype=M.dtype, device=M.device)
            ctx.shape = (n, m)
            return torch.as_tensor(res.cost, dtype=M.dtype, device=M.device)

        @staticmethod
        def backward(ctx, grad):
            like, (n, m) = ctx.like, ctx.shape
            ga = gb = gM = None
            u, v, a_hat, b_hat, sa, sb = ctx.duals
            if ctx.needs_input_grad[0]:
                ga = _centered_grad(u, a_hat, n, sa, like) * grad
            if ctx.needs_input_grad[1]:
                gb = _centered_grad(v, b_hat, m, sb, like) * grad
            if ctx.needs_input_grad[2]:
                i, j, mass = ctx.plan
                P = np.zeros((n, m))
                P[i, j] = mass
                gM = torch.as_tensor(P, dtype=like.dtype, device=like.device) * grad
            return ga, gb, gM, None

    _functions["emd2"] = ExactCostMatrix
    return ExactCostMatrix


def emd2(a, b, M, threads=1):
    """Exact optimal transport cost for a cost matrix, as ``ot.emd2(a, b, M)``
    with torch tensors: min_P <P, M> over the plans with marginals a and b,
    differentiable in M (the gradient is the optimal plan P) and in a, b (the
    centered dual potentials). a (n) and b (m) may be None (uniform); they are
    normalized to total 1. Batches: M (B, n, m), a (B, n), b (B, m) give B
    costs, shape (B,)."""
    fn = _emd2_function()
    _check_device(a, b, M)
    if M.dim() == 2:
        return fn.apply(a, b, M, threads)
    if M.dim() != 3:
        raise ValueError("M must be (n, m) or batched (B, n, m), got shape %s"
                         % (tuple(M.shape),))
    B, n, m = M.shape
    for w, name, k in ((a, "a", n), (b, "b", m)):
        if w is not None and tuple(w.shape) != (B, k):
            raise ValueError("batched %s must have shape (%d, %d), got %s"
                             % (name, B, k, tuple(w.shape)))
    return _torch().stack([fn.apply(None if a is None else a[k], None if b is None else b[k],
                                    M[k], threads) for k in range(B)])


# ---- Wasserstein GANs -------------------------------------------------------------
#
# The formulas of Arjovsky, Chintala and Bottou (2017) and Gulrajani et al. (2017)
# in PyTorch's habits (losses to minimize, means over the batch), and monitors
# that compare a neural critic with the exact W1 and the exact Kantorovich-
# Rubinstein potential f* on the samples. With f 1-Lipschitz,
#   W1(real, fake) = max_f  E_real f - E_fake f,
# so the critic minimizes critic_loss = E_fake f - E_real f and -critic_loss is
# its estimate of W1 (up to the Lipschitz constant K of a clipped critic).


def critic_loss(d_real, d_fake):
    """WGAN critic loss ``d_fake.mean() - d_real.mean()`` (to minimize), given
    the critic's outputs on a real and a generated batch (any shapes). Its
    negative is the critic's estimate of W1 (K * W1 for a K-Lipschitz critic)."""
    return d_fake.mean() - d_real.mean()


def generator_loss(d_fake):
    """WGAN generator loss ``-d_fake.mean()`` (to minimize): the generator's
    part of the critic's estimate E_real f - E_fake f."""
    return -d_fake.mean()


def gradient_penalty(critic, real, fake, weight=10.0, alpha=None):
    """WGAN-GP penalty (Gulrajani et al., 2017):
    ``weight * mean_i (||grad_x critic(x_i)|| - 1)^2`` at the points
    ``x_i = alpha_i real_i + (1 - alpha_i) fake_i`` on the segments between
    paired real and generated samples; ``alpha`` (n, one per sample) is drawn
    uniform on [0, 1] when None. ``real`` and ``fake`` have the same shape
    (n, ...); the gradient norm is taken over all dimensions but the first.
    Built with ``create_graph=True``, so the penalty can be backpropagated to
    the critic's parameters. ``fake`` is detached (the penalty trains the
    critic only)."""
    torch = _torch()
    if real.shape != fake.shape:
        raise ValueError("real and fake must have the same shape, got %s and %s"
                         % (tuple(real.shape), tuple(fake.shape)))
    n = real.shape[0]
    if alpha is None:
        alpha = torch.rand(n, device=real.device, dtype=real.dtype)
    alpha = alpha.reshape((n,) + (1,) * (real.dim() - 1)).to(dtype=real.dtype)
    x = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    out = critic(x)
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    norms = grad.reshape(n, -1).norm(dim=1)
    return weight * ((norms - 1.0) ** 2).mean()


def clip_weights_(module, clip=0.01):
    """Clamp every parameter of ``module`` to [-clip, clip] in place (the
    original WGAN's way to keep the critic K-Lipschitz); returns ``module``."""
    torch = _torch()
    with torch.no_grad():
        for prm in module.parameters():
            prm.clamp_(-clip, clip)
    return module


def exact_w1(real, fake, threads=1):
    """Exact W1 (Euclidean ground metric) between the empirical measures of
    two samples ``real`` (n x d) and ``fake`` (m x d) (tensors or arrays,
    uniform weights), certified optimal by wass; a Python float. A monitor:
    no gradient."""
    return float(_wass.solve(X=_np_any(real), Y=_np_any(fake), metric="euclidean", p=1,
                             threads=threads, certify=True, plan=False).distance)


def exact_critic(real, fake, threads=1):
    """The optimal Kantorovich-Rubinstein potential f* of W1 (Euclidean) on the
    two samples, from wass.critic: returns ``(f_real, f_fake, w1)`` with f*
    1-Lipschitz on the samples and ``f_real.mean() - f_fake.mean() = w1``, the
    exact W1. f* is defined up to a constant (and off the samples, by any
    1-Lipschitz extension); compare a neural critic with it through a
    correlation. Tensors come back as float64 tensors on ``real``'s device
    (numpy arrays if ``real`` is an array)."""
    c = _wass.critic(X=_np_any(real), Y=_np_any(fake), metric="euclidean", threads=threads)
    if isinstance(real, np.ndarray):
        return c.f_a, c.f_b, float(c.distance)
    torch = _torch()
    return (torch.as_tensor(c.f_a, device=real.device), torch.as_tensor(c.f_b, device=real.device),
            float(c.distance))


def _np_any(Z):
    if isinstance(Z, np.ndarray):
        Z = np.asarray(Z, dtype=np.float64)
    else:
        Z = _np(Z)
    if Z.ndim == 1:
        Z = Z[:, None]
    return np.ascontiguousarray(Z.reshape(Z.shape[0], -1))
