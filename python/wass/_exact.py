"""Exact optimal transport: :func:`solve` (network simplex or column
generation, certified) and its POT-style faces :func:`emd`, :func:`emd2`,
:func:`wasserstein`, and the Kantorovich-Rubinstein :func:`critic`."""

from collections import namedtuple

import numpy as np

from . import _wass
from ._common import (NotOptimalError, _call_with_progress, _check_status, _mass_error,
                      _mass_tol, _pot_alias, _pot_threads, _weights)
from ._wass import WassError


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
          duals=True, plan=True, block_size=None, algorithm=None, strict=True, progress=None):
    """Solve the exact optimal transport problem (network simplex).

    Give either a cost matrix ``M`` (n x m; ``p`` is then the power the costs
    are already raised to, used only for ``distance = cost ** (1/p)``) or two
    point clouds ``X`` (n x d) and ``Y`` (m x d) with a ground ``metric``
    ('euclidean', 'sqeuclidean', 'cityblock', 'chebyshev', 'minkowski' with
    exponent ``q``) raised to the power ``p`` -- no n x m matrix is formed.
    ``a`` (n) and ``b`` (m) are nonnegative weights (None or [] = uniform).

    ``mass``: 'balanced' (totals must agree within ``mass_tol``, relative;
    default 1e-9, or 32 ulps for float32/float16 weights),
    'normalize' (both rescaled to 1) or 'partial' (Rubner's EMD).
    ``max_iter``: pivot limit (None = no limit); ``threads``: 0 = all cores,
    None = the module default (:func:`set_num_threads`, all cores unless
    changed); ``certify``: recompute the optimality certificate independently;
    ``algorithm``: 'auto' (default), 'simplex' or 'colgen' (column generation,
    point clouds only; ``Result.algorithm`` says which ran).

    ``progress``: True (a bar on stderr) or f(fraction, stage).

    Returns a :class:`Result`. Raises :class:`NotOptimalError` when the solve
    stops without an optimum, unless ``strict=False``.
    """
    a, b = _weights(a), _weights(b)
    try:
        d = _call_with_progress(_wass.emd, progress, a=a, b=b, M=M, X=X, Y=Y, metric=metric,
                                p=float(p), q=float(q), mass=mass,
                                mass_tol=_mass_tol(a, b, mass_tol), max_iter=max_iter,
                                threads=threads, certify=certify, duals=duals, plan=plan,
                                block_size=block_size, algorithm=algorithm)
    except WassError as e:
        _mass_error(e)
    res = Result(d)
    _check_status(d, strict, res)
    return res


def _pot_emd_kwargs(kwargs, max_iter, threads):
    """POT's spellings of emd's options: numItermax (pivot limit), numThreads
    (int or "max"); center_dual and check_marginals are accepted (the duals
    are certified as they are; marginals are always checked)."""
    max_iter = _pot_alias(kwargs, "numItermax", max_iter, "max_iter")
    if "numThreads" in kwargs:
        threads = _pot_threads(_pot_alias(kwargs, "numThreads", threads, "threads"))
    kwargs.pop("center_dual", None)
    kwargs.pop("check_marginals", None)
    return max_iter, threads


def emd(a, b, M, mass="balanced", max_iter=None, threads=None, log=False, strict=True,
        **kwargs):
    """Optimal transport plan (dense n x m array) for weights ``a``, ``b`` and
    cost matrix ``M``, like ``ot.emd``. With ``log=True`` also returns a dict
    with 'cost', 'u', 'v', 'status', 'certificate', 'iterations'. POT's
    keywords ``numItermax`` (= ``max_iter``, a pivot limit; no limit by
    default here) and ``numThreads`` (= ``threads``, "max" = all cores) are
    accepted. Other keyword arguments go to :func:`solve`."""
    max_iter, threads = _pot_emd_kwargs(kwargs, max_iter, threads)
    res = solve(a, b, M, mass=mass, max_iter=max_iter, threads=threads, strict=strict, **kwargs)
    if log:
        return res.plan, _log(res)
    return res.plan


def emd2(a, b, M, mass="balanced", max_iter=None, threads=None, log=False, strict=True,
         **kwargs):
    """Optimal transport cost sum P_ij M_ij, like ``ot.emd2``. With
    ``log=True`` returns (cost, dict) as :func:`emd`; POT's keywords as
    :func:`emd`."""
    max_iter, threads = _pot_emd_kwargs(kwargs, max_iter, threads)
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
