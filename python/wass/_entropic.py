"""Entropic optimal transport: :func:`sinkhorn`, :func:`sinkhorn2` (POT's
spellings accepted) and the debiased :func:`sinkhorn_divergence`."""

from . import _wass
from ._common import (_call_with_progress, _check_status, _mass_tol, _pot_alias, _rebalance,
                      _weights)


_POT_SINKHORN_METHODS = ("sinkhorn", "sinkhorn_log", "sinkhorn_stabilized",
                         "sinkhorn_epsilon_scaling", "greenkhorn")


def _pot_sinkhorn_kwargs(kwargs, tol, max_iter):
    """POT's spellings of Sinkhorn's options: numItermax (= max_iter),
    stopThr (= tol), method (every POT method solves the same problem; here
    always the log-domain solver), verbose and warn (accepted)."""
    max_iter = _pot_alias(kwargs, "numItermax", max_iter, "max_iter")
    tol = _pot_alias(kwargs, "stopThr", tol, "tol")
    method = kwargs.pop("method", "sinkhorn")
    if method not in _POT_SINKHORN_METHODS:
        raise ValueError("unknown Sinkhorn method %r (POT's %s all solve the same problem)" %
                         (method, ", ".join(_POT_SINKHORN_METHODS)))
    kwargs.pop("verbose", None)
    kwargs.pop("warn", None)
    if kwargs:
        raise TypeError("unexpected keyword argument(s) %s" % sorted(kwargs))
    return tol, max_iter


def _sinkhorn_dict(a, b, M, reg, X, Y, metric, p, q, tol, max_iter, eps_scaling,
                   scaling_factor, tau, init_f, init_g, plan, threads, strict, progress=None,
                   pot=None):
    if pot:
        tol, max_iter = _pot_sinkhorn_kwargs(pot, tol, max_iter)
    a, b = _weights(a), _weights(b)
    if not tau:
        a, b = _rebalance(a, b, _mass_tol(a, b, None))
    d = _call_with_progress(_wass.sinkhorn, progress, a=a, b=b, M=M, X=X, Y=Y, reg=float(reg),
                            metric=metric, p=float(p), q=float(q), tol=tol, max_iter=max_iter,
                            eps_scaling=eps_scaling, scaling_factor=scaling_factor, tau=tau,
                            init_f=init_f, init_g=init_g, plan=plan, threads=threads)
    _check_status(d, strict)
    return d


def _sinkhorn_log(d):
    return {k: d[k] for k in ("f", "g", "cost", "objective", "marginal_error", "iterations",
                              "seconds", "status_string", "message")}


def sinkhorn(a, b, M, reg, X=None, Y=None, metric="euclidean", p=1, q=2, tol=None,
             max_iter=None, eps_scaling=None, scaling_factor=None, tau=None, init_f=None,
             init_g=None, threads=None, log=False, strict=True, progress=None, **pot):
    """Entropic optimal transport plan (dense n x m), like ``ot.sinkhorn``:
    P_ij = a_i b_j exp((f_i + g_j - M_ij) / reg), computed in the log domain
    with epsilon scaling. ``reg`` is in cost units. ``M`` may be None with
    point clouds ``X``, ``Y`` and a ``metric``. ``tol`` is on the L1
    marginal error (POT's ``stopThr`` on the L2 one; both are accepted);
    ``numItermax`` = ``max_iter``; POT's ``method`` names are accepted (all
    solve the same problem). With ``log=True`` returns (plan, dict with
    'f', 'g', 'cost', 'objective', 'marginal_error', 'iterations', ...).

    ``tau`` > 0 relaxes the marginals by tau KL(P 1 | a) + tau KL(P^T 1 | b)
    with the entropy taken relative to a x b, eps KL(P | a x b): POT's
    ``reg_type="kl"``. POT's ``sinkhorn_unbalanced`` default (entropy
    sum P log P - P) is :func:`sinkhorn_unbalanced`."""
    d = _sinkhorn_dict(a, b, M, reg, X, Y, metric, p, q, tol, max_iter, eps_scaling,
                       scaling_factor, tau, init_f, init_g, True, threads, strict, progress, pot)
    if log:
        return d["plan"], _sinkhorn_log(d)
    return d["plan"]


def sinkhorn2(a, b, M, reg, X=None, Y=None, metric="euclidean", p=1, q=2, tol=None,
              max_iter=None, eps_scaling=None, scaling_factor=None, tau=None, init_f=None,
              init_g=None, threads=None, log=False, strict=True, progress=None, **pot):
    """Transport cost sum P_ij M_ij of the entropic plan, like
    ``ot.sinkhorn2``. With ``log=True`` returns (cost, dict) as
    :func:`sinkhorn` (the dict's 'objective' includes the entropy term).
    POT's keywords as :func:`sinkhorn`."""
    d = _sinkhorn_dict(a, b, M, reg, X, Y, metric, p, q, tol, max_iter, eps_scaling,
                       scaling_factor, tau, init_f, init_g, False, threads, strict, progress, pot)
    if log:
        return d["cost"], _sinkhorn_log(d)
    return d["cost"]


def sinkhorn_divergence(X, Y, reg, a=None, b=None, metric="euclidean", p=1, q=2, tol=None,
                        max_iter=None, eps_scaling=None, scaling_factor=None, threads=None,
                        log=False, strict=True, potentials=False, gradients=False, init=None):
    """Debiased Sinkhorn divergence OT_reg(a, b) - (OT_reg(a, a) + OT_reg(b, b)) / 2
    between two weighted clouds X (n x d) and Y (m x d), OT_reg being the
    entropic objective <P, C> + reg KL(P | a x b). With ``log=True`` returns
    (value, dict with 'ot_ab', 'ot_aa', 'ot_bb', 'cost_ab', ..., 'status');
    ``potentials=True`` adds the potentials 'f_ab', 'g_ab' of (a, b) and
    'f_aa', 'f_bb' of the symmetric problems to that dict, ``gradients=True``
    the gradients 'grad_X' (n x d) and 'grad_Y' (m x d) of the divergence
    with respect to the points (from the three plans; metric 'sqeuclidean'
    with p = 1 only). ``init=(f_ab, f_aa, f_bb)``, the potentials of an
    earlier call at the same reg and sizes, starts the three solves there
    (a warm start: same result, fewer iterations when the clouds moved
    little)."""
    a, b = _weights(a), _weights(b)
    fi = (None, None, None) if init is None else tuple(init)
    if len(fi) != 3:
        raise ValueError("init must be (f_ab, f_aa, f_bb) or None")
    d = _wass.sinkhorn_divergence(X, Y, a, b, reg=float(reg), metric=metric, p=float(p),
                                  q=float(q), tol=tol, max_iter=max_iter,
                                  eps_scaling=eps_scaling, scaling_factor=scaling_factor,
                                  threads=threads, potentials=bool(potentials),
                                  gradients=bool(gradients), init_f_ab=fi[0], init_f_aa=fi[1],
                                  init_f_bb=fi[2])
    _check_status(d, strict)
    if log:
        return d["divergence"], d
    return d["divergence"]
