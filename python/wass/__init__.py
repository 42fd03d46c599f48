"""wass: Wasserstein distances and optimal transport, exact and certified.

A thin layer over the C library libwass (through the extension ``wass._wass``).
Names follow POT (Python Optimal Transport) where the meaning matches:

    >>> import numpy as np, wass
    >>> a = np.array([0.5, 0.5]); b = np.array([0.25, 0.75])
    >>> M = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> wass.emd2(a, b, M)            # optimal transport cost
    0.25
    >>> wass.emd(a, b, M)             # optimal plan (dense n x m)
    array([[0.25, 0.25],
           [0.  , 0.5 ]])

Arrays may be float64 or float32 with any strides (they are converted to
contiguous float64 when needed); integer, complex or object *arrays* are
rejected with a TypeError naming the argument (plain Python lists of numbers
are accepted). Weights ``a``/``b`` left as ``None`` mean uniform weights.

Errors: invalid input raises :class:`WassError` (a ``ValueError``) carrying the
library's message and ``.code``; shape mismatches raise ``ValueError``; bad
dtypes ``TypeError``; out of memory ``MemoryError``; functions whose C
implementation is not available raise ``NotImplementedError``.

A solve that ends without an answer (iteration limit, not converged,
infeasible) raises :class:`NotOptimalError` (with the result in ``.result``)
unless ``strict=False`` is passed, in which case the result is returned and
its ``status`` says how the solve ended.

The GIL is released while the library works, so solves may run from several
Python threads at once.
"""

from collections import namedtuple

import numpy as np

from . import _wass
from ._wass import WassError, __version__

__all__ = [
    "WassError",
    "NotOptimalError",
    "Result",
    "Critic",
    "solve",
    "emd",
    "emd2",
    "wasserstein",
    "wasserstein_1d",
    "critic",
    "tv",
    "kl",
    "js",
    "sinkhorn",
    "sinkhorn2",
    "sinkhorn_divergence",
    "sliced",
    "embed_distance",
    "bound_centroid",
    "bound_relaxed",
    "__version__",
]

_GOOD = (_wass.OPTIMAL, _wass.CONVERGED)


class NotOptimalError(RuntimeError):
    """A solve ended without an answer (iteration limit, infeasible, not
    converged). The (non-optimal) result is in ``.result``."""

    def __init__(self, message, result=None):
        super().__init__(message)
        self.result = result


def _check_status(d, strict, result=None):
    if strict and d["status"] not in _GOOD:
        msg = "solve ended with status '%s'" % d["status_string"]
        if d.get("message"):
            msg += ": " + d["message"]
        msg += " (pass strict=False to get the result anyway)"
        raise NotOptimalError(msg, result if result is not None else d)


class Result:
    """Result of an exact solve (:func:`solve`).

    Attributes: ``cost`` (optimal total cost sum P_ij C_ij; work / flow in
    partial mode), ``distance`` (cost ** (1/p), i.e. W_p), ``work``, ``flow``,
    ``status`` ('optimal', 'iteration limit', ...), ``status_code``,
    ``message``, ``u`` and ``v`` (dual potentials, u_i + v_j <= C_ij with
    equality on the plan), ``iterations`` (pivots), ``seconds``,
    ``certificate`` (dict: marginal_error, min_reduced_cost, duality_gap,
    primal, dual; None when not certified), ``plan`` (dense n x m array, built
    on access) and ``plan_sparse`` (arrays i, j, mass of the nonzero entries).
    """

    __slots__ = ("_d",)

    def __init__(self, d):
        self._d = d

    cost = property(lambda self: self._d["cost"])
    distance = property(lambda self: self._d["distance"])
    work = property(lambda self: self._d["work"])
    flow = property(lambda self: self._d["flow"])
    status = property(lambda self: self._d["status_string"])
    status_code = property(lambda self: self._d["status"])
    message = property(lambda self: self._d["message"])
    u = property(lambda self: self._d["u"])
    v = property(lambda self: self._d["v"])
    iterations = property(lambda self: self._d["iterations"])
    seconds = property(lambda self: self._d["seconds"])
    certify_seconds = property(lambda self: self._d["certify_seconds"])
    algorithm = property(lambda self: self._d["algorithm"])
    rounds = property(lambda self: self._d["rounds"])
    certificate = property(lambda self: self._d["certificate"])
    shape = property(lambda self: (self._d["n"], self._d["m"]))

    @property
    def optimal(self):
        """True when the solve ended with a certified optimum."""
        return self._d["status"] == _wass.OPTIMAL

    @property
    def plan_sparse(self):
        """(i, j, mass): the nonzero entries of the plan, sorted by (i, j)."""
        return self._d["plan_i"], self._d["plan_j"], self._d["plan_mass"]

    @property
    def plan(self):
        """The plan as a dense n x m array."""
        P = np.zeros((self._d["n"], self._d["m"]))
        P[self._d["plan_i"], self._d["plan_j"]] = self._d["plan_mass"]
        return P

    def __repr__(self):
        return "wass.Result(status=%r, cost=%r, distance=%r, iterations=%d, seconds=%.3g)" % (
            self.status,
            self.cost,
            self.distance,
            self.iterations,
            self.seconds,
        )


def solve(a=None, b=None, M=None, X=None, Y=None, metric="euclidean", p=1, q=2,
          mass="balanced", mass_tol=None, max_iter=None, threads=None, certify=True,
          duals=True, plan=True, block_size=None, algorithm=None, strict=True):
    """Solve the exact optimal transport problem (network simplex).

    Give either a cost matrix ``M`` (n x m; ``p`` is then the power the costs
    are already raised to, used only for ``distance = cost ** (1/p)``) or two
    point clouds ``X`` (n x d) and ``Y`` (m x d) with a ground ``metric``
    ('euclidean', 'sqeuclidean', 'cityblock', 'chebyshev', 'minkowski' with
    exponent ``q``) raised to the power ``p`` -- no n x m matrix is formed.
    ``a`` (n) and ``b`` (m) are nonnegative weights (None = uniform).

    ``mass``: 'balanced' (totals must agree within ``mass_tol``, relative),
    'normalize' (both rescaled to 1) or 'partial' (Rubner's EMD).
    ``max_iter``: pivot limit (None = no limit); ``threads``: None or 0 = all
    cores; ``certify``: recompute the optimality certificate independently;
    ``algorithm``: 'auto' (default), 'simplex' or 'colgen' (column generation,
    point clouds only; ``Result.algorithm`` says which ran).

    Returns a :class:`Result`. Raises :class:`NotOptimalError` when the solve
    stops without an optimum, unless ``strict=False``.
    """
    d = _wass.emd(a, b, M, X, Y, metric=metric, p=float(p), q=float(q), mass=mass,
                  mass_tol=mass_tol, max_iter=max_iter, threads=threads, certify=certify,
                  duals=duals, plan=plan, block_size=block_size, algorithm=algorithm)
    res = Result(d)
    _check_status(d, strict, res)
    return res


def emd(a, b, M, mass="balanced", max_iter=None, threads=None, log=False, strict=True,
        **kwargs):
    """Optimal transport plan (dense n x m array) for weights ``a``, ``b`` and
    cost matrix ``M``, like ``ot.emd``. With ``log=True`` also returns a dict
    with 'cost', 'u', 'v', 'status', 'certificate', 'iterations'. Other
    keyword arguments go to :func:`solve`."""
    res = solve(a, b, M, mass=mass, max_iter=max_iter, threads=threads, strict=strict, **kwargs)
    if log:
        return res.plan, _log(res)
    return res.plan


def emd2(a, b, M, mass="balanced", max_iter=None, threads=None, log=False, strict=True,
         **kwargs):
    """Optimal transport cost sum P_ij M_ij, like ``ot.emd2``. With
    ``log=True`` returns (cost, dict) as :func:`emd`."""
    kwargs.setdefault("plan", log)
    res = solve(a, b, M, mass=mass, max_iter=max_iter, threads=threads, strict=strict, **kwargs)
    if log:
        return res.cost, _log(res)
    return res.cost


def _log(res):
    return {
        "cost": res.cost,
        "distance": res.distance,
        "u": res.u,
        "v": res.v,
        "status": res.status,
        "certificate": res.certificate,
        "iterations": res.iterations,
        "seconds": res.seconds,
        "result": res,
    }


def wasserstein(X, Y, a=None, b=None, metric="euclidean", p=1, q=2, **kwargs):
    """W_p between two weighted point clouds X (n x d) and Y (m x d): the
    exact optimal cost with ground cost metric(x, y) ** p, raised to 1/p. The
    cost matrix is never formed. Keyword arguments go to :func:`solve`."""
    kwargs.setdefault("plan", False)
    return solve(a, b, X=X, Y=Y, metric=metric, p=p, q=q, **kwargs).distance


Critic = namedtuple("Critic", ["f_a", "f_b", "distance", "lipschitz_violation"])
Critic.__doc__ = """Kantorovich-Rubinstein critic: values f_a on the first
support and f_b on the second of a 1-Lipschitz f with
sum a_i f_a[i] - sum b_j f_b[j] = W1 (= distance, weights normalized);
lipschitz_violation = max |f(x) - f(y)| - d(x, y) over the checked pairs."""


def critic(a=None, b=None, M=None, X=None, Y=None, metric="euclidean", q=2, **kwargs):
    """Optimal 1-Lipschitz critic of the Kantorovich-Rubinstein duality for W1
    (a metric ground cost with p = 1), from the exact solve's dual potentials.
    Returns a :class:`Critic` (f_a, f_b, distance, lipschitz_violation)."""
    kw = dict(mass="balanced", mass_tol=None, max_iter=None, threads=None, certify=True,
              duals=True, plan=True, block_size=None, algorithm=None)
    unknown = set(kwargs) - set(kw)
    if unknown:
        raise TypeError("critic() got unexpected keyword argument(s) %s" % sorted(unknown))
    kw.update(kwargs)
    d = _wass.emd(a, b, M, X, Y, metric=metric, p=1.0, q=float(q), critic=True, **kw)
    _check_status(d, True, Result(d))
    if "critic_a" not in d:
        raise NotOptimalError("no critic: the solve ended with status '%s'" %
                              d["status_string"], Result(d))
    return Critic(d["critic_a"], d["critic_b"], d["distance"], d["lipschitz_violation"])


# ---- one dimension ---------------------------------------------------------------

def _columns(x):
    if x is None:
        return None
    if not isinstance(x, np.ndarray):
        x = np.asarray(x, dtype=np.float64)
    return x.T


def wasserstein_1d(u_values, v_values, u_weights=None, v_weights=None, p=1, threads=None):
    """W_p between two weighted samples on the real line (exact, sorting
    based), like ``scipy.stats.wasserstein_distance`` for p = 1. Weights are
    normalized (None = uniform). With 2-D inputs of shape (n, k) and (m, k)
    (as ``ot.wasserstein_1d``), returns the k distances of the columns."""
    if np.ndim(u_values) == 2:
        u_values, v_values = _columns(u_values), _columns(v_values)
        u_weights, v_weights = _columns(u_weights), _columns(v_weights)
    return _wass.line(u_values, v_values, u_weights, v_weights, p=float(p), threads=threads)


# ---- divergences between histograms on one support -------------------------------

def tv(p, q):
    """Total variation (1/2) sum |p - q| of two histograms (normalized first)."""
    return _wass.divergence(p, q, "tv")[0]


def kl(p, q, bits=False):
    """Kullback-Leibler divergence KL(p || q) (normalized first; natural log,
    base 2 with bits=True). +inf when q_i = 0 where p_i > 0."""
    return _wass.divergence(p, q, "kl", bits)[0]


def js(p, q, bits=False):
    """Jensen-Shannon divergence (KL(p||m) + KL(q||m)) / 2, m = (p + q) / 2."""
    return _wass.divergence(p, q, "js", bits)[0]


# ---- entropic transport -----------------------------------------------------------

def _sinkhorn_dict(a, b, M, reg, X, Y, metric, p, q, tol, max_iter, eps_scaling,
                   scaling_factor, tau, init_f, init_g, plan, threads, strict):
    d = _wass.sinkhorn(a, b, M, X, Y, reg=float(reg), metric=metric, p=float(p), q=float(q),
                       tol=tol, max_iter=max_iter, eps_scaling=eps_scaling,
                       scaling_factor=scaling_factor, tau=tau, init_f=init_f, init_g=init_g,
                       plan=plan, threads=threads)
    _check_status(d, strict)
    return d


def _sinkhorn_log(d):
    return {k: d[k] for k in ("f", "g", "cost", "objective", "marginal_error", "iterations",
                              "seconds", "status_string", "message")}


def sinkhorn(a, b, M, reg, X=None, Y=None, metric="euclidean", p=1, q=2, tol=None,
             max_iter=None, eps_scaling=None, scaling_factor=None, tau=None, init_f=None,
             init_g=None, threads=None, log=False, strict=True):
    """Entropic optimal transport plan (dense n x m), like ``ot.sinkhorn``:
    P_ij = a_i b_j exp((f_i + g_j - M_ij) / reg), computed in the log domain
    with epsilon scaling. ``reg`` is in cost units. ``M`` may be None with
    point clouds ``X``, ``Y`` and a ``metric``. ``tau`` > 0 relaxes the
    marginals (unbalanced, KL). With ``log=True`` returns (plan, dict with
    'f', 'g', 'cost', 'objective', 'marginal_error', 'iterations', ...)."""
    d = _sinkhorn_dict(a, b, M, reg, X, Y, metric, p, q, tol, max_iter, eps_scaling,
                       scaling_factor, tau, init_f, init_g, True, threads, strict)
    if log:
        return d["plan"], _sinkhorn_log(d)
    return d["plan"]


def sinkhorn2(a, b, M, reg, X=None, Y=None, metric="euclidean", p=1, q=2, tol=None,
              max_iter=None, eps_scaling=None, scaling_factor=None, tau=None, init_f=None,
              init_g=None, threads=None, log=False, strict=True):
    """Transport cost sum P_ij M_ij of the entropic plan, like
    ``ot.sinkhorn2``. With ``log=True`` returns (cost, dict) as
    :func:`sinkhorn` (the dict's 'objective' includes the entropy term)."""
    d = _sinkhorn_dict(a, b, M, reg, X, Y, metric, p, q, tol, max_iter, eps_scaling,
                       scaling_factor, tau, init_f, init_g, False, threads, strict)
    if log:
        return d["cost"], _sinkhorn_log(d)
    return d["cost"]


def sinkhorn_divergence(X, Y, reg, a=None, b=None, metric="euclidean", p=1, q=2, tol=None,
                        max_iter=None, eps_scaling=None, scaling_factor=None, threads=None,
                        log=False, strict=True):
    """Debiased Sinkhorn divergence OT_reg(a, b) - (OT_reg(a, a) + OT_reg(b, b)) / 2
    between two weighted clouds X (n x d) and Y (m x d), OT_reg being the
    entropic objective <P, C> + reg KL(P | a x b). With ``log=True`` returns
    (value, dict with 'ot_ab', 'ot_aa', 'ot_bb', 'cost_ab', ..., 'status')."""
    d = _wass.sinkhorn_divergence(X, Y, a, b, reg=float(reg), metric=metric, p=float(p),
                                  q=float(q), tol=tol, max_iter=max_iter,
                                  eps_scaling=eps_scaling, scaling_factor=scaling_factor,
                                  threads=threads)
    _check_status(d, strict)
    if log:
        return d["divergence"], d
    return d["divergence"]


# ---- approximations and bounds ----------------------------------------------------

def sliced(X, Y, a=None, b=None, projections=100, seed=0, p=2, max_sliced=False,
           threads=None, directions=None):
    """Sliced Wasserstein distance SW_p (mean of W_p^p over random directions,
    then the p-th root) or max-sliced (max over directions) between two
    weighted clouds of the same dimension. ``directions`` (k x d) replaces the
    random directions (then ``projections`` and ``seed`` are ignored)."""
    return _wass.sliced(X, Y, a, b, projections=projections, seed=seed, p=float(p),
                        max_sliced=bool(max_sliced), threads=threads, directions=directions)


def embed_distance(X, Y, a=None, b=None, seed=0, levels=None, cell=None):
    """L1 distance between randomly shifted multi-level grid embeddings of two
    clouds (Indyk-Thaper): approximates W1 (Euclidean) up to O(d log D)."""
    return _wass.embed_distance(X, Y, a, b, seed=seed, levels=levels, cell=cell)


def bound_centroid(X, Y, a=None, b=None, metric="euclidean", p=1, q=2):
    """Lower bound metric(mean X, mean Y) ** p on the optimal cost (norm
    metrics, p >= 1)."""
    return _wass.bound_centroid(X, Y, a, b, metric=metric, p=float(p), q=float(q))


def bound_relaxed(a=None, b=None, M=None, X=None, Y=None, metric="euclidean", p=1, q=2,
                  threads=None):
    """Relaxed lower bound on the optimal cost (each point sends all its mass
    to its cheapest partner; max of the two sides), for any cost."""
    return _wass.bound_relaxed(a, b, M, X, Y, metric=metric, p=float(p), q=float(q),
                               threads=threads)
