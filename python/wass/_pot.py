"""POT and scipy staples under their names and with their meaning: ot.dist,
ot.emd_1d / emd2_1d, scipy.stats.energy_distance, ot.sinkhorn_unbalanced
(POT's formulation), ot.sliced_wasserstein_distance (projections a d x k
matrix, seeded as POT), ot.partial.partial_wasserstein (transported mass m),
ot.barycenter (fixed support; exact LP or entropic) and
ot.lp.free_support_barycenter. Every function here is built on the exact and
entropic solvers of the library; docs/python_parity.md lists what matches
and where the tests are.
"""

import numpy as np

from . import _wass
from ._wass import WassError

# (the package namespace is complete when this module is imported last)
from . import (_progress, _weights, emd, sinkhorn, sliced, solve, wasserstein_1d)  # noqa: F401


def _array(x, name, ndim=None):
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("%s must hold real numbers, got %s" % (name, type(x).__name__)) from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError("%s must be a %d-D array, got shape %s" % (name, ndim, arr.shape))
    if arr.size and not np.all(np.isfinite(arr)):
        raise WassError("%s holds NaN or infinity" % name)
    return arr


def _hist(w, n, name):
    """Weights of n points: uniform for None / [], else checked."""
    w = _weights(w)
    if w is None:
        return np.full(n, 1.0 / n)
    w = _array(w, name, 1)
    if len(w) != n:
        raise ValueError("%s must have shape (%d,), got %s" % (name, n, w.shape))
    if np.any(w < 0):
        raise WassError("%s has a negative weight" % name)
    if not w.sum() > 0:
        raise WassError("%s sums to zero" % name)
    return w


# ---- ground costs -------------------------------------------------------------------

def dist(x1, x2=None, metric="sqeuclidean", p=2, w=None):
    """As ``ot.dist``: the n x m matrix of metric(x1_i, x2_j) (x2 = x1 when
    None). 'sqeuclidean' (default, as POT) and 'euclidean' are computed with
    the same ||x||^2 + ||y||^2 - 2 x.y expansion as POT (clipped at 0);
    'cityblock', 'chebyshev' and 'minkowski' (exponent ``p``) directly; any
    other name goes to ``scipy.spatial.distance.cdist`` (with ``p``, ``w``)
    as in POT."""
    x1 = _array(x1, "x1")
    x2 = x1 if x2 is None else _array(x2, "x2")
    if x1.ndim == 1:
        x1 = x1[:, None]
    if x2.ndim == 1:
        x2 = x2[:, None]
    if x1.ndim != 2 or x2.ndim != 2 or x1.shape[1] != x2.shape[1]:
        raise ValueError("x1 and x2 must be (n, d) and (m, d) arrays, got shapes %s and %s" %
                         (x1.shape, x2.shape))
    if metric in ("sqeuclidean", "euclidean") and w is None:
        D = (x1 ** 2).sum(1)[:, None] + (x2 ** 2).sum(1)[None, :] - 2.0 * x1 @ x2.T
        np.maximum(D, 0, out=D)
        return D if metric == "sqeuclidean" else np.sqrt(D)
    if w is None and metric in ("cityblock", "chebyshev", "minkowski"):
        out = np.empty((len(x1), len(x2)))
        step = max(1, int(2 ** 22 // max(1, len(x2) * x1.shape[1])))
        for s in range(0, len(x1), step):
            diff = np.abs(x1[s:s + step, None, :] - x2[None, :, :])
            if metric == "cityblock":
                out[s:s + step] = diff.sum(-1)
            elif metric == "chebyshev":
                out[s:s + step] = diff.max(-1)
            else:
                out[s:s + step] = (diff ** p).sum(-1) ** (1.0 / p)
        return out
    try:
        from scipy.spatial.distance import cdist
    except ImportError:  # pragma: no cover - scipy is optional
        raise ValueError("metric %r needs scipy (scipy.spatial.distance.cdist)" % metric) from None
    if metric == "minkowski":
        return cdist(x1, x2, metric=metric, p=p, w=w)
    return cdist(x1, x2, metric=metric, w=w) if w is not None else cdist(x1, x2, metric=metric)


# ---- one dimension ------------------------------------------------------------------

def _pair_cost(d, metric, p):
    if metric == "sqeuclidean":
        return d ** 2
    if metric == "minkowski":
        return d ** p
    if metric in ("euclidean", "cityblock"):
        return d
    raise ValueError("unknown metric %r for emd_1d (sqeuclidean, minkowski, euclidean, "
                     "cityblock)" % (metric,))


def _monotone_plan(x_a, x_b, a, b):
    """Sparse plan (i, j, mass) of the monotone (north-west corner on sorted
    values) coupling: the optimal plan on the line for any convex cost."""
    ia, ib = np.argsort(x_a, kind="stable"), np.argsort(x_b, kind="stable")
    ca, cb = np.cumsum(a[ia]), np.cumsum(b[ib])
    cb *= ca[-1] / cb[-1]
    cb[-1] = ca[-1]
    t = np.union1d(ca, cb)
    t = t[t > 0]
    lo = np.concatenate(([0.0], t[:-1]))
    mass = t - lo
    keep = mass > 0
    mid = ((lo + t) / 2)[keep]
    i = np.minimum(np.searchsorted(ca, mid), len(ca) - 1)
    j = np.minimum(np.searchsorted(cb, mid), len(cb) - 1)
    return ia[i], ib[j], mass[keep]


def _line_inputs(x_a, x_b, a, b):
    x_a, x_b = _array(x_a, "x_a"), _array(x_b, "x_b")
    for x, name in ((x_a, "x_a"), (x_b, "x_b")):
        if not (x.ndim == 1 or (x.ndim == 2 and x.shape[1] == 1)) or x.size == 0:
            raise ValueError("%s must be a non-empty (n,) or (n, 1) array, got shape %s" %
                             (name, x.shape))
    x_a, x_b = x_a.reshape(-1), x_b.reshape(-1)
    a, b = _hist(a, len(x_a), "a"), _hist(b, len(x_b), "b")
    if abs(a.sum() - b.sum()) > 1e-7 * max(a.sum(), b.sum()):
        raise WassError("a and b must have the same total mass (a sums to %.17g, b to %.17g)" %
                        (a.sum(), b.sum()))
    return x_a, x_b, a, b


def emd_1d(x_a, x_b, a=None, b=None, metric="sqeuclidean", p=1.0, dense=True, log=False):
    """As ``ot.emd_1d``: the optimal plan between two weighted samples on the
    line (the monotone coupling, optimal for every convex cost of |x - y|),
    dense n x m (``dense=False``: a ``scipy.sparse.coo_matrix``). ``log``
    adds {'cost': sum of plan * metric(x_a_i, x_b_j)}. The metric is
    'sqeuclidean' (default, as POT), 'minkowski' (|x - y|^p), 'euclidean'
    or 'cityblock'."""
    x_a, x_b, a, b = _line_inputs(x_a, x_b, a, b)
    i, j, mass = _monotone_plan(x_a, x_b, a, b)
    if dense:
        G = np.zeros((len(x_a), len(x_b)))
        np.add.at(G, (i, j), mass)
    else:
        from scipy.sparse import coo_matrix
        G = coo_matrix((mass, (i, j)), shape=(len(x_a), len(x_b)))
    if log:
        return G, {"cost": float(np.sum(mass * _pair_cost(np.abs(x_a[i] - x_b[j]), metric, p)))}
    return G


def emd2_1d(x_a, x_b, a=None, b=None, metric="sqeuclidean", p=1.0, dense=True, log=False):
    """As ``ot.emd2_1d``: the optimal cost of :func:`emd_1d` (for
    'sqeuclidean' that is W_2^2, not W_2)."""
    x_a, x_b, a, b = _line_inputs(x_a, x_b, a, b)
    i, j, mass = _monotone_plan(x_a, x_b, a, b)
    cost = float(np.sum(mass * _pair_cost(np.abs(x_a[i] - x_b[j]), metric, p)))
    if log:
        G = np.zeros((len(x_a), len(x_b)))
        np.add.at(G, (i, j), mass)
        return cost, {"G": G}
    return cost


def energy_distance(u_values, v_values, u_weights=None, v_weights=None):
    """As ``scipy.stats.energy_distance``: sqrt(2) times the L2 distance
    between the two cumulative distribution functions (weights normalized;
    None = uniform)."""
    u, v = _array(u_values, "u_values", 1), _array(v_values, "v_values", 1)
    if not len(u) or not len(v):
        raise WassError("u_values and v_values must not be empty")
    uw, vw = _hist(u_weights, len(u), "u_weights"), _hist(v_weights, len(v), "v_weights")
    us, vs = np.argsort(u), np.argsort(v)
    allv = np.concatenate((u, v))
    allv.sort(kind="mergesort")
    deltas = np.diff(allv)
    ucum = np.concatenate(([0.0], np.cumsum(uw[us])))
    vcum = np.concatenate(([0.0], np.cumsum(vw[vs])))
    ucdf = ucum[u[us].searchsorted(allv[:-1], "right")] / ucum[-1]
    vcdf = vcum[v[vs].searchsorted(allv[:-1], "right")] / vcum[-1]
    return float(np.sqrt(2.0) * np.sqrt(np.sum((ucdf - vcdf) ** 2 * deltas)))


# ---- unbalanced Sinkhorn ------------------------------------------------------------

def _unbalanced(a, b, M, reg, reg_m, reg_type, numItermax, stopThr, kwargs):
    M = _array(M, "M", 2)
    n, m = M.shape
    a, b = _weights(a), _weights(b)
    a = np.full(n, 1.0 / n) if a is None else _array(a, "a", 1)
    if b is not None and np.ndim(b) == 2:
        raise NotImplementedError("several histograms b (dim_b, n_hists) are not supported; "
                                  "call once per histogram")
    b = np.full(m, 1.0 / m) if b is None else _array(b, "b", 1)
    if a.shape != (n,) or b.shape != (m,):
        raise ValueError("a and b must have shapes (%d,) and (%d,) to match M, got %s and %s" %
                         (n, m, a.shape, b.shape))
    if not (reg_m > 0 and np.isfinite(reg_m)):
        raise WassError("reg_m = %r must be positive and finite" % (reg_m,))
    kwargs.pop("verbose", None)
    method = kwargs.pop("method", "sinkhorn")
    if method not in ("sinkhorn", "sinkhorn_stabilized", "sinkhorn_reg_scaling"):
        raise ValueError("unknown method %r (POT's sinkhorn, sinkhorn_stabilized and "
                         "sinkhorn_reg_scaling all solve the same problem)" % (method,))
    if reg_type == "entropy":
        # POT: <P, M> + reg sum P (log P - 1) + reg_m KL terms, the entropy
        # relative to the all-ones matrix. The library's entropy is relative
        # to a x b; the two agree on the cost M + reg (log a_i + log b_j).
        with np.errstate(divide="ignore"):
            la, lb = np.log(a), np.log(b)
        shift = la[:, None] + lb[None, :]
        C = np.where(np.isfinite(shift), M + reg * np.where(np.isfinite(shift), shift, 0), M)
    elif reg_type == "kl":
        C = M
    else:
        raise ValueError("reg_type must be 'entropy' (POT's default) or 'kl' (relative to a x b), "
                         "got %r" % (reg_type,))
    P, lg = sinkhorn(a, b, C, reg, tau=float(reg_m), max_iter=numItermax, tol=stopThr, log=True,
                     **kwargs)
    lg = dict(lg)
    lg["cost"] = float(np.sum(P * M))
    return P, lg


def sinkhorn_unbalanced(a, b, M, reg, reg_m, method="sinkhorn", numItermax=None, stopThr=None,
                        verbose=False, log=False, reg_type="entropy", **kwargs):
    """As ``ot.sinkhorn_unbalanced``: the plan of
    min <P, M> + reg * Omega(P) + reg_m KL(P 1 | a) + reg_m KL(P^T 1 | b)
    with POT's entropy Omega(P) = sum P log P - P (``reg_type="entropy"``,
    POT's default) or the entropy relative to a x b, KL(P | a x b)
    (``reg_type="kl"``, what :func:`sinkhorn` with ``tau=reg_m`` solves).
    Solved by the library's log-domain Sinkhorn (``numItermax`` and
    ``stopThr`` default to its 100000 iterations and 1e-9, tighter than
    POT's). ``log=True`` adds a dict with the potentials 'f', 'g' and
    'cost' = <P, M>. Other keywords go to :func:`sinkhorn`."""
    kwargs["method"] = method
    P, lg = _unbalanced(a, b, M, reg, reg_m, reg_type, numItermax, stopThr, kwargs)
    return (P, lg) if log else P


def sinkhorn_unbalanced2(a, b, M, reg, reg_m, method="sinkhorn", numItermax=None, stopThr=None,
                         verbose=False, log=False, reg_type="entropy", **kwargs):
    """As ``ot.sinkhorn_unbalanced2``: the transport cost <P, M> of the plan
    of :func:`sinkhorn_unbalanced`."""
    kwargs["method"] = method
    P, lg = _unbalanced(a, b, M, reg, reg_m, reg_type, numItermax, stopThr, kwargs)
    return (lg["cost"], lg) if log else lg["cost"]


# ---- sliced -------------------------------------------------------------------------

def _pot_projections(d, n_projections, projections, seed):
    """POT's directions (d x k): given, or Gaussian columns normalized, drawn
    from RandomState(seed) (the global numpy generator when seed is None)."""
    if projections is not None:
        P = _array(projections, "projections", 2)
        if P.shape[0] != d:
            raise ValueError("projections must have shape (%d, n_projections), got %s" %
                             (d, P.shape))
        return P
    n = int(n_projections)
    if n < 1:
        raise WassError("n_projections = %d must be >= 1" % n)
    if isinstance(seed, np.random.RandomState):
        G = seed.randn(d, n)
    elif seed is None:
        G = np.random.randn(d, n)
    else:
        G = np.random.RandomState(seed).randn(d, n)
    return G / np.sqrt((G ** 2).sum(0, keepdims=True))


def _sliced_pot(X_s, X_t, a, b, n_projections, p, projections, seed, log, maxs):
    X_s, X_t = _array(X_s, "X_s", 2), _array(X_t, "X_t", 2)
    if X_s.shape[1] != X_t.shape[1]:
        raise ValueError("X_s and X_t must have the same number of columns, got %s and %s" %
                         (X_s.shape, X_t.shape))
    P = _pot_projections(X_s.shape[1], n_projections, projections, seed)
    a, b = _weights(a), _weights(b)
    val = sliced(X_s, X_t, a, b, p=p, max_sliced=maxs, directions=np.ascontiguousarray(P.T))
    if log:
        proj = wasserstein_1d(X_s @ P, X_t @ P, None if a is None else
                              np.repeat(np.asarray(a, float)[:, None], P.shape[1], 1),
                              None if b is None else
                              np.repeat(np.asarray(b, float)[:, None], P.shape[1], 1), p=p)
        return val, {"projections": P, "projected_emds": proj}
    return val


def sliced_wasserstein_distance(X_s, X_t, a=None, b=None, n_projections=50, p=2,
                                projections=None, seed=None, log=False):
    """As ``ot.sliced_wasserstein_distance``: (mean over directions of
    W_p^p of the projections)^(1/p). ``projections`` is POT's (d x k)
    matrix of directions, else ``n_projections`` Gaussian directions are
    drawn as POT draws them (RandomState(seed).randn(d, k), columns
    normalized), so the same seed gives POT's value. ``log`` adds
    'projections' and 'projected_emds' (W_p^p of each)."""
    return _sliced_pot(X_s, X_t, a, b, n_projections, p, projections, seed, log, False)


def max_sliced_wasserstein_distance(X_s, X_t, a=None, b=None, n_projections=50, p=2,
                                    projections=None, seed=None, log=False):
    """As ``ot.max_sliced_wasserstein_distance``: max over directions of
    W_p of the projections (directions as in
    :func:`sliced_wasserstein_distance`)."""
    return _sliced_pot(X_s, X_t, a, b, n_projections, p, projections, seed, log, True)


# ---- partial transport --------------------------------------------------------------

def _partial(a, b, M, m, kwargs):
    M = _array(M, "M", 2)
    n, k = M.shape
    a, b = _hist(a, n, "a"), _hist(b, k, "b")
    if m is None:
        raise TypeError("give the transported mass m (POT's m=None solves a different, "
                        "Lagrangian problem: ot.partial.partial_wasserstein_lagrange)")
    m = float(m)
    if not (m >= 0):
        raise ValueError("Problem infeasible. Parameter m should be greater than 0.")
    if m > min(a.sum(), b.sum()) * (1 + 1e-12):
        raise ValueError("Problem infeasible. Parameter m should lower or equal than "
                         "min(|a|_1, |b|_1).")
    m = min(m, a.sum(), b.sum())
    if m == 0:
        G = np.zeros((n, k))
        return G, {"cost": 0.0, "partial_w_dist": 0.0, "certificate": None,
                   "status": "optimal", "result": None}
    # one dummy point a side takes the mass that is not transported; the
    # dummy-dummy pair costs more than any exchange through real pairs
    big = 2.0 * float(np.max(np.abs(M))) + 1.0
    Me = np.zeros((n + 1, k + 1))
    Me[:n, :k] = M
    Me[n, k] = big
    ae = np.append(a, b.sum() - m)
    be = np.append(b, a.sum() - m)
    kwargs.pop("nb_dummies", None)
    res = solve(ae, be, Me, mass_tol=1e-9, **kwargs)
    i, j, mass = res.plan_sparse
    keep = (i < n) & (j < k)
    G = np.zeros((n, k))
    G[i[keep], j[keep]] = mass[keep]
    return G, {"cost": float(np.sum(G * M)), "partial_w_dist": float(np.sum(G * M)),
               "certificate": res.certificate, "status": res.status, "result": res}


def partial_wasserstein(a, b, M, m=None, nb_dummies=1, log=False, **kwargs):
    """As ``ot.partial.partial_wasserstein``: the exact optimal plan that
    moves exactly mass ``m`` (0 <= m <= min(sum a, sum b)) with row sums
    <= a and column sums <= b, minimizing <P, M>; solved (and certified) by
    the exact solver with one dummy point a side (``nb_dummies`` is
    accepted; one is always enough here). ``m`` is required: POT's
    ``m=None`` is a different (Lagrangian) problem. ``log`` adds 'cost' =
    'partial_w_dist' = <P, M> and the certificate."""
    G, lg = _partial(a, b, M, m, kwargs)
    return (G, lg) if log else G


def partial_wasserstein2(a, b, M, m=None, nb_dummies=1, log=False, **kwargs):
    """As ``ot.partial.partial_wasserstein2``: the cost <P, M> of
    :func:`partial_wasserstein`."""
    G, lg = _partial(a, b, M, m, kwargs)
    return (lg["cost"], lg) if log else lg["cost"]


# ---- barycenters --------------------------------------------------------------------

def _lse(x, axis):
    mx = np.max(x, axis=axis, keepdims=True)
    mx = np.where(np.isfinite(mx), mx, 0.0)
    with np.errstate(divide="ignore"):
        return np.squeeze(mx, axis=axis) + np.log(np.sum(np.exp(x - mx), axis=axis))


def _barycenter_exact(A, M, w):
    """The fixed-support barycenter as one linear program (HiGHS): plans P_k
    (support x support) from b to each A[:, k], b free, minimizing
    sum_k w_k <M, P_k>."""
    try:
        from scipy.optimize import linprog
        from scipy.sparse import coo_matrix, hstack, vstack, identity, kron
    except ImportError:  # pragma: no cover
        raise NotImplementedError("the exact barycenter (reg=None) needs scipy's HiGHS; give "
                                  "reg > 0 for the entropic one") from None
    n, K = A.shape
    ones = coo_matrix(np.ones((1, n)))
    rows = kron(identity(n), ones)      # row sums of a row-major n x n plan
    cols = kron(ones, identity(n))      # column sums
    blocks_eq, rhs = [], []
    for k in range(K):
        left = [coo_matrix((n, n * n))] * K
        left[k] = rows
        blocks_eq.append(hstack(left + [-identity(n)]))
        rhs.append(np.zeros(n))
        left = [coo_matrix((n, n * n))] * K
        left[k] = cols
        blocks_eq.append(hstack(left + [coo_matrix((n, n))]))
        rhs.append(A[:, k])
    Aeq = vstack(blocks_eq).tocsr()
    c = np.concatenate([w[k] * M.reshape(-1) for k in range(K)] + [np.zeros(n)])
    r = linprog(c, A_eq=Aeq, b_eq=np.concatenate(rhs), bounds=(0, None), method="highs")
    if r.status != 0:
        raise WassError("the barycenter LP did not solve: %s" % r.message)
    b = np.maximum(r.x[-n:], 0)
    b *= A[:, 0].sum() / b.sum()
    return b, {"cost": float(r.fun), "status": "optimal"}


def barycenter(A, M, reg=None, weights=None, method="sinkhorn", numItermax=10000, stopThr=1e-9,
               verbose=False, log=False, progress=None, **kwargs):
    """Wasserstein barycenter on a fixed support, as ``ot.barycenter``
    (``ot.bregman.barycenter``): the histogram b on the support of M (n x n)
    minimizing sum_k weights_k OT_reg(b, A[:, k]) for the columns of A
    (n x K histograms of the same total; weights default uniform).

    ``reg`` > 0: POT's entropic problem (entropy sum P log P), solved by
    iterative Bregman projections in the log domain (no underflow for small
    reg); stops when the L1 marginal error of every plan is below
    ``stopThr`` (POT's default 1e-4 is on another measure; here 1e-9).
    ``reg=None`` (or 0): the exact barycenter as one linear program (scipy's
    HiGHS; as ``ot.lp.barycenter``), for small problems (K n^2 variables).
    ``log`` adds a dict ('cost' for the exact one, 'iterations' and 'err'
    for the entropic one)."""
    A = _array(A, "A", 2)
    M = _array(M, "M", 2)
    n, K = A.shape
    if M.shape != (n, n):
        raise ValueError("M must have shape (%d, %d) to match A, got %s" % (n, n, M.shape))
    if np.any(A < 0) or np.any(A.sum(0) <= 0):
        raise WassError("the columns of A must be nonnegative histograms with positive mass")
    w = np.full(K, 1.0 / K) if _weights(weights) is None else _array(weights, "weights", 1)
    if w.shape != (K,) or np.any(w < 0):
        raise ValueError("weights must be %d nonnegative numbers, one per column of A" % K)
    tot = A.sum(0)
    if np.max(np.abs(tot - tot[0])) > 1e-9 * tot[0]:
        raise WassError("the columns of A must have the same total mass (got %s)" % tot)
    if method not in ("sinkhorn", "sinkhorn_log", "sinkhorn_stabilized", "exact"):
        raise ValueError("unknown method %r" % (method,))
    if reg is None or reg == 0 or method == "exact":
        b, lg = _barycenter_exact(A, M, w)
        return (b, lg) if log else b
    reg = float(reg)
    if not (reg > 0 and np.isfinite(reg)):
        raise WassError("reg = %r must be positive and finite" % (reg,))
    cb, close = _progress(progress)
    logK = -M / reg
    with np.errstate(divide="ignore"):
        logA = np.log(A)
    f = np.zeros((n, K))
    g = np.zeros((n, K))
    err, it = np.inf, 0
    try:
        while it < numItermax:
            it += 1
            for k in range(K):
                g[:, k] = logA[:, k] - _lse(logK + f[:, k][:, None], 0)
            lKv = np.stack([_lse(logK + g[:, k][None, :], 1) for k in range(K)], 1)
            logb = (f + lKv) @ w
            f = logb[:, None] - lKv
            if it % 10 == 0 or it == numItermax:
                b = np.exp(logb)
                colerr = max(np.abs(np.exp(g[:, k] + _lse(logK + f[:, k][:, None], 0)) -
                                    A[:, k]).sum() for k in range(K))
                err = colerr / tot[0]
                if cb:
                    cb(it / numItermax, "barycenter")
                if err < stopThr:
                    break
    finally:
        close()
    b = np.exp(logb)
    if err >= stopThr:
        import warnings
        warnings.warn("barycenter: %d iterations without reaching stopThr (error %.3g)" %
                      (it, err), RuntimeWarning, stacklevel=2)
    return (b, {"iterations": it, "err": err}) if log else b


def free_support_barycenter(measures_locations, measures_weights, X_init, b=None, weights=None,
                            numItermax=100, stopThr=1e-7, verbose=False, log=None, reg=None,
                            threads=None, numThreads=None, progress=None):
    """As ``ot.lp.free_support_barycenter``: the support X (k x d, from
    ``X_init``) of the barycenter with weights ``b`` (default uniform) of the
    measures (locations N_i x d, weights N_i) under the squared Euclidean
    cost, by POT's fixed-point iteration X <- sum_i weights_i T_i Y_i / b
    (T_i the optimal plan from (X, b) to measure i), until the squared
    displacement is below ``stopThr``. Plans are exact (``reg=None``, the
    exact solver on point clouds, no cost matrix) or entropic (``reg`` > 0,
    Sinkhorn, for large problems). ``log=True`` also returns
    {'displacement_square_norms': [...]}."""
    X = _array(X_init, "X_init", 2).copy()
    k, d = X.shape
    locs = [_array(L, "measures_locations[%d]" % i, 2) for i, L in enumerate(measures_locations)]
    wts = [_hist(wi, len(L), "measures_weights[%d]" % i)
           for i, (wi, L) in enumerate(zip(measures_weights, locs))]
    if len(wts) != len(locs) or not locs:
        raise ValueError("give one weight vector per measure (at least one measure)")
    for i, L in enumerate(locs):
        if L.shape[1] != d:
            raise ValueError("measures_locations[%d] has %d columns, X_init %d" %
                             (i, L.shape[1], d))
    b = _hist(b, k, "b")
    lam = np.full(len(locs), 1.0 / len(locs)) if _weights(weights) is None else \
        _array(weights, "weights", 1)
    if threads is None and numThreads is not None:
        threads = 0 if numThreads == "max" else numThreads
    cb, close = _progress(progress)
    disp, norms, it = np.inf, [], 0
    try:
        while disp > stopThr and it < numItermax:
            T = np.zeros((k, d))
            for L, wi, li in zip(locs, wts, lam):
                if reg is None:
                    r = solve(b, wi, X=X, Y=L, metric="sqeuclidean", threads=threads)
                    pi, pj, pm = r.plan_sparse
                    TY = np.zeros((k, d))
                    np.add.at(TY, pi, pm[:, None] * L[pj])
                else:
                    P = sinkhorn(b, wi, None, reg, X=X, Y=L, metric="sqeuclidean",
                                 threads=threads)
                    TY = P @ L
                T += li * TY / b[:, None]
            disp = float(np.sum((T - X) ** 2))
            norms.append(disp)
            X = T
            it += 1
            if cb:
                cb(it / numItermax, "free support barycenter")
    finally:
        close()
    if log:
        return X, {"displacement_square_norms": norms}
    return X
