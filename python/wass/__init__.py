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

Arrays may have any real dtype (float64, float32, float16, integers, bool)
and any strides: they are converted to contiguous float64 (without a copy
when they already are); complex, object, string and date dtypes are rejected
with a TypeError naming the argument. Weights ``a``/``b`` left as ``None`` or
given empty (``[]``, as in POT) mean uniform weights. Balanced problems
accept totals that differ by the rounding of the weights' own precision:
1e-9 (relative) for float64, 32 ulps for float32/float16 weights
(``mass_tol`` overrides it).

Errors: invalid input raises :class:`WassError` (a ``ValueError``) carrying the
library's message and ``.code``; shape mismatches raise ``ValueError``; bad
dtypes ``TypeError``; out of memory ``MemoryError``; functions whose C
implementation is not available raise ``NotImplementedError``.

A solve that ends without an answer (iteration limit, not converged,
infeasible) raises :class:`NotOptimalError` (with the result in ``.result``)
unless ``strict=False`` is passed, in which case the result is returned and
its ``status`` says how the solve ended.

The GIL is released while the library works, so solves may run from several
Python threads at once. ``threads=None`` means the module default, which is
all cores (OpenMP) unless :func:`set_num_threads` changed it: a program that
runs solves from several Python threads should call
``wass.set_num_threads(1)`` (or pass ``threads=``) to avoid oversubscribing
the cores.

Long solves (exact, Sinkhorn, kNN) take ``progress=``: a callable
``f(fraction, stage)`` (``fraction`` in [0, 1], or negative when unknown)
called from the solving thread, or ``True`` for a bar on stderr.

See the parity table (docs/python_parity.md) for the names shared with POT
and scipy and whether they mean the same.

Word Mover's Distance: :class:`WordVectors` (loaded from word2vec, GloVe or
wink files, with a binary cache, or built from arrays), :class:`Bag` (the
library's tokenizer, stop words, out-of-vocabulary count, nBOW or TF-IDF),
:func:`wmd`, :func:`wcd`, :func:`rwmd`, :func:`knn` (exact, pruned by lower
bounds, multi-threaded) and :func:`knn_classify`.

Images: :mod:`wass.images` (readers, grey / colour / contour signatures, the
exact grid solver, retrieval).

Distance matrices: :func:`pairwise` (all pairs of many clouds, histograms or
documents, exact or Sinkhorn, on all cores); :mod:`wass.dask` computes them,
and WMD k-NN searches, on a Dask cluster.
"""

import os
import warnings
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
    "WordVectors",
    "StopWords",
    "Bag",
    "EmptyDocumentWarning",
    "KnnResult",
    "ClassifyResult",
    "wmd",
    "wcd",
    "rwmd",
    "knn",
    "knn_classify",
    "pairwise",
    "set_num_threads",
    "get_num_threads",
    "wasserstein_distance",
    "energy_distance",
    "emd_1d",
    "emd2_1d",
    "dist",
    "sinkhorn_unbalanced",
    "sinkhorn_unbalanced2",
    "sliced_wasserstein_distance",
    "max_sliced_wasserstein_distance",
    "partial_wasserstein",
    "partial_wasserstein2",
    "barycenter",
    "free_support_barycenter",
    "__version__",
]

_GOOD = (_wass.OPTIMAL, _wass.CONVERGED)


def set_num_threads(n):
    """Threads used by every call that leaves ``threads=None``: 0 = all cores
    (the default), 1 = single-threaded, n = n threads. Module-wide (not per
    Python thread)."""
    _wass.set_num_threads(n)


def get_num_threads():
    """The module default set by :func:`set_num_threads` (0 = all cores)."""
    return _wass.get_num_threads()


def _weights(w):
    """POT spells uniform weights ``[]``: None for an empty sequence."""
    if w is None:
        return None
    if isinstance(w, np.ndarray):
        return None if w.size == 0 else w
    if isinstance(w, (list, tuple)) and len(w) == 0:
        return None
    return w


def _precision(*ws):
    """The unit roundoff of the least precise float array among ws (None
    when all are float64 or exact: lists, integers)."""
    eps = 0.0
    for w in ws:
        if isinstance(w, np.ndarray) and w.dtype.kind == "f" and w.dtype.itemsize < 8:
            eps = max(eps, float(np.finfo(w.dtype).eps))
    return eps or None


def _mass_tol(a, b, mass_tol):
    """Balanced tolerance that follows the weights' precision: 1e-9 for
    float64 (the library's), 32 ulps of float32/float16 weights."""
    if mass_tol is not None:
        return mass_tol
    eps = _precision(a, b)
    return None if eps is None else max(1e-9, 32 * eps)


_MASS_HINT = ("; from Python: mass='normalize' rescales both to total 1, mass_tol= accepts a "
              "larger relative difference")


def _mass_error(e):
    """Re-raise a mass mismatch with the Python spelling of the fixes."""
    if getattr(e, "code", None) == _wass.ERR_MASS_MISMATCH and _MASS_HINT not in str(e):
        err = WassError(str(e) + _MASS_HINT)
        err.code = e.code
        raise err from None
    raise e


def _rebalance(a, b, tol):
    """For solvers with the library's fixed 1e-9 balance test (Sinkhorn):
    low-precision weights whose totals agree within tol get b rescaled to
    a's total in float64."""
    if tol is None or a is None or b is None:
        return a, b
    a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
    A, B = a64.sum(), b64.sum()
    if not (A > 0 and B > 0) or not np.isfinite(A + B):
        return a, b  # the library names the problem
    if abs(A - B) > tol * max(A, B):
        err = WassError("total masses differ: a sums to %.17g but b sums to %.17g (relative "
                        "difference %.3g > %.3g, 32 ulps of the weights' precision); normalize "
                        "a and b to the same total" % (A, B, abs(A - B) / max(A, B), tol))
        err.code = _wass.ERR_MASS_MISMATCH
        raise err
    return a64, b64 * (A / B)


class _ProgressBar:
    """progress=True: a bar on stderr (a spinner with a count when the
    library does not know the fraction done)."""

    def __init__(self, width=30):
        import sys
        self.out, self.width, self.calls, self.shown, self.last = sys.stderr, width, 0, False, 0

    def __call__(self, fraction, stage):
        self.calls += 1
        if fraction >= 0:
            n = int(round(self.width * min(fraction, 1.0)))
            line = "%s [%s%s] %3d%%" % (stage, "#" * n, " " * (self.width - n),
                                        int(100 * min(fraction, 1.0)))
        else:
            line = "%s %s (%d reports)" % (stage, "|/-\\"[self.calls % 4], self.calls)
        self.out.write("\r" + line + " " * max(0, self.last - len(line)))
        self.out.flush()
        self.shown, self.last = True, len(line)

    def close(self):
        if self.shown:
            self.out.write("\n")
            self.out.flush()


def _progress(progress):
    """(callable or None, closer) for a progress= argument."""
    if progress is None or progress is False:
        return None, lambda: None
    if progress is True:
        bar = _ProgressBar()
        return bar, bar.close
    if not callable(progress):
        raise TypeError("progress must be True, False, None or a callable f(fraction, stage), "
                        "got %s" % type(progress).__name__)
    return progress, lambda: None


def _call_with_progress(fn, progress, **kw):
    cb, close = _progress(progress)
    try:
        return fn(progress=cb, **kw)
    finally:
        close()


def _pot_threads(numThreads):
    """POT's numThreads (int or "max") as a thread count (0 = all cores)."""
    if numThreads is None:
        return None
    if isinstance(numThreads, str):
        if numThreads != "max":
            raise ValueError("numThreads must be an integer or 'max', got %r" % numThreads)
        return 0
    return numThreads


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
    if "numItermax" in kwargs:
        if max_iter is not None:
            raise TypeError("give max_iter or numItermax, not both")
        max_iter = kwargs.pop("numItermax")
    if "numThreads" in kwargs:
        if threads is not None:
            raise TypeError("give threads or numThreads, not both")
        threads = _pot_threads(kwargs.pop("numThreads"))
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


# ---- one dimension ---------------------------------------------------------------

def _columns(x):
    if x is None:
        return None
    if not isinstance(x, np.ndarray):
        x = np.asarray(x, dtype=np.float64)
    return x.T


def _line(u_values, v_values, u_weights, v_weights, p, threads):
    u_weights, v_weights = _weights(u_weights), _weights(v_weights)
    if np.ndim(u_values) == 2:
        u_values, v_values = _columns(u_values), _columns(v_values)
        u_weights, v_weights = _columns(u_weights), _columns(v_weights)
    return _wass.line(u_values, v_values, u_weights, v_weights, p=float(p), threads=threads)


def wasserstein_1d(u_values, v_values, u_weights=None, v_weights=None, p=1, require_sort=True,
                   threads=None):
    """As ``ot.wasserstein_1d``: W_p **to the power p** (the optimal cost
    with ground cost |x - y|^p, not its p-th root) between two weighted
    samples on the real line (exact, sorting based). Weights are normalized
    (None or [] = uniform). With 2-D inputs of shape (n, k) and (m, k),
    returns the k costs of the columns. ``require_sort`` is accepted for
    POT's signature (the samples are always sorted here). For W_p itself
    take the p-th root; for scipy's W1 see :func:`wasserstein_distance`."""
    w = _line(u_values, v_values, u_weights, v_weights, p, threads)
    return w ** float(p) if float(p) != 1.0 else w


def wasserstein_distance(u_values, v_values, u_weights=None, v_weights=None):
    """As ``scipy.stats.wasserstein_distance``: W1 between two weighted 1-D
    samples (weights normalized; None = uniform)."""
    return _line(u_values, v_values, u_weights, v_weights, 1.0, None)


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

_POT_SINKHORN_METHODS = ("sinkhorn", "sinkhorn_log", "sinkhorn_stabilized",
                         "sinkhorn_epsilon_scaling", "greenkhorn")


def _pot_sinkhorn_kwargs(kwargs, tol, max_iter):
    """POT's spellings of Sinkhorn's options: numItermax (= max_iter),
    stopThr (= tol), method (every POT method solves the same problem; here
    always the log-domain solver), verbose and warn (accepted)."""
    if "numItermax" in kwargs:
        if max_iter is not None:
            raise TypeError("give max_iter or numItermax, not both")
        max_iter = kwargs.pop("numItermax")
    if "stopThr" in kwargs:
        if tol is not None:
            raise TypeError("give tol or stopThr, not both")
        tol = kwargs.pop("stopThr")
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


# ---- approximations and bounds ----------------------------------------------------

def sliced(X, Y, a=None, b=None, projections=100, seed=0, p=2, max_sliced=False,
           threads=None, directions=None, n_projections=None):
    """Sliced Wasserstein distance SW_p (mean of W_p^p over random directions,
    then the p-th root) or max-sliced (max over directions) between two
    weighted clouds of the same dimension. ``projections`` (or POT's
    spelling ``n_projections``) is the number of random directions;
    ``directions`` (k x d) replaces them (then ``projections`` and ``seed``
    are ignored). POT's signature, where ``projections`` is a (d x k)
    matrix, is :func:`sliced_wasserstein_distance`."""
    if n_projections is not None:
        projections = n_projections
    if isinstance(projections, np.ndarray) and projections.ndim > 0:
        raise TypeError("projections is a count here; give the directions as directions= "
                        "(k x d), or use wass.sliced_wasserstein_distance(..., projections=) "
                        "with POT's (d x k) matrix")
    a, b = _weights(a), _weights(b)
    return _wass.sliced(X, Y, a, b, projections=projections, seed=seed, p=float(p),
                        max_sliced=bool(max_sliced), threads=threads, directions=directions)


def embed_distance(X, Y, a=None, b=None, seed=0, levels=None, cell=None):
    """L1 distance between randomly shifted multi-level grid embeddings of two
    clouds (Indyk-Thaper): approximates W1 (Euclidean) up to O(d log D)."""
    return _wass.embed_distance(X, Y, _weights(a), _weights(b), seed=seed, levels=levels,
                                cell=cell)


def bound_centroid(X, Y, a=None, b=None, metric="euclidean", p=1, q=2):
    """Lower bound metric(mean X, mean Y) ** p on the optimal cost (norm
    metrics, p >= 1)."""
    return _wass.bound_centroid(X, Y, _weights(a), _weights(b), metric=metric, p=float(p),
                                q=float(q))


def bound_relaxed(a=None, b=None, M=None, X=None, Y=None, metric="euclidean", p=1, q=2,
                  threads=None):
    """Relaxed lower bound on the optimal cost (each point sends all its mass
    to its cheapest partner; max of the two sides), for any cost."""
    return _wass.bound_relaxed(_weights(a), _weights(b), M, X, Y, metric=metric, p=float(p),
                               q=float(q), threads=threads)


# ---- Word Mover's Distance --------------------------------------------------------
#
# Word vectors and stop words live in the C library; a document is a Bag of
# vocabulary indices with weights (nBOW or TF-IDF), made by the library's
# tokenizer. Distances, kNN search and classification call libwass.

class EmptyDocumentWarning(UserWarning):
    """A document has no word left after filtering: its distances are +inf."""


_PRUNE = {"none": 0, "kusner": 1, "rwmd": 2, "ict": 3}


def _shipped_stopwords():
    here = os.path.dirname(os.path.abspath(__file__))
    tries = [os.path.join(here, "stopwords_en.txt")]
    d = here
    for _ in range(4):  # the source tree's share/ (from build/python/wass)
        d = os.path.dirname(d)
        tries += [os.path.join(d, "share", "stopwords_en.txt"),
                  os.path.join(d, "share", "wass", "stopwords_en.txt")]
    for t in tries:
        if os.path.exists(t):
            return t
    raise FileNotFoundError("the shipped stop-word list stopwords_en.txt was not found; give "
                            "a path or a list of words instead")


class StopWords:
    """A set of stop words (lowercase). ``StopWords(words)`` from an iterable
    of str; :meth:`load` from a text file (one word a line, '#' comments);
    :meth:`english` the list shipped with wass (share/stopwords_en.txt)."""

    __slots__ = ("_h",)

    def __init__(self, words=(), _handle=None):
        if _handle is None:
            if isinstance(words, (str, bytes)):
                raise TypeError("StopWords(words) takes an iterable of words, not one string "
                                "(use StopWords.load(path) for a file)")
            _handle = _wass.stopwords_from_list(list(words))
        self._h = _handle

    @classmethod
    def load(cls, path):
        return cls(_handle=_wass.stopwords_load(os.fspath(path)))

    @classmethod
    def english(cls):
        return cls.load(_shipped_stopwords())

    def __len__(self):
        return len(self._h)

    def __contains__(self, word):
        return word in self._h

    def __repr__(self):
        return "wass.StopWords(%d words)" % len(self)


def _stopwords(spec):
    if spec is None or spec == "none":
        return None
    if isinstance(spec, StopWords):
        return spec._h
    if isinstance(spec, _wass.StopWords):
        return spec
    if spec == "en":
        return StopWords.english()._h
    if isinstance(spec, (str, bytes, os.PathLike)):
        return StopWords.load(spec)._h
    return StopWords(spec)._h


class Bag:
    """A document as a bag of words: ``words`` (sorted distinct vocabulary
    indices), ``counts``, ``weights`` (summing to 1; nBOW or TF-IDF), and what
    the tokenizer saw: ``tokens``, ``kept``, ``short_dropped``,
    ``stop_dropped``, ``oov_dropped`` (out-of-vocabulary tokens, dropped and
    counted). ``vectors`` is the :class:`WordVectors` the indices refer to."""

    __slots__ = ("words", "counts", "weights", "tokens", "kept", "short_dropped",
                 "stop_dropped", "oov_dropped", "vectors")

    def __init__(self, vectors, d):
        self.vectors = vectors
        for k in ("words", "counts", "weights", "tokens", "kept", "short_dropped",
                  "stop_dropped", "oov_dropped"):
            setattr(self, k, d[k])

    def __len__(self):
        return len(self.words)

    @property
    def empty(self):
        return len(self.words) == 0

    @property
    def terms(self):
        """The words of the bag as strings."""
        return [self.vectors.word(int(i)) for i in self.words]

    def tfidf(self, idf):
        """A copy weighted by TF-IDF: count * idf[word], normalized to 1."""
        b = Bag(self.vectors, {k: getattr(self, k) for k in self.__slots__ if k != "vectors"})
        b.weights = _wass.bag_apply_idf(self.words, self.counts, idf)
        return b

    def _pair(self):
        return (self.words, self.weights)

    def __repr__(self):
        return "wass.Bag(%d words, %d tokens kept of %d)" % (len(self), self.kept, self.tokens)


class WordVectors:
    """Word vectors for the Word Mover's Distance.

    :meth:`load` reads word2vec text or binary, GloVe text, the JSON of the
    wink-embeddings packages, or the library's binary cache (auto-detected),
    and by default keeps a checksummed cache ``<path>.wassvec`` for fast
    reloads. :meth:`from_arrays` builds them from a list of words and an
    (n, d) float array. ``len(wv)`` words of dimension ``wv.dim``;
    ``wv.vectors`` is a read-only (n, d) float32 view."""

    __slots__ = ("_h",)

    def __init__(self, handle):
        if not isinstance(handle, _wass.WordVecs):
            raise TypeError("use WordVectors.load(path) or WordVectors.from_arrays(words, X)")
        self._h = handle

    @classmethod
    def load(cls, path, format="auto", cache=True, cache_path=None, max_words=0, cache_dir=None):
        """Load from a file. ``format``: auto, word2vec, word2vec-binary,
        glove, wink or cache. ``cache``: read/write a binary cache, in
        ``cache_dir`` (default ``$WASS_CACHE_DIR``, else
        ``$XDG_CACHE_HOME/wass``, else ``~/.cache/wass``; ``""``: no cache),
        or exactly at ``cache_path``; never beside ``path`` unless asked.
        ``max_words``: keep the first words only (0 = all).
        Missing files raise FileNotFoundError; malformed or truncated ones
        WassError naming the line."""
        return cls(_wass.wordvec_load(os.fspath(path), format=format, use_cache=bool(cache),
                                      cache_path=None if cache_path is None
                                      else os.fspath(cache_path),
                                      max_words=int(max_words),
                                      cache_dir=None if cache_dir is None
                                      else os.fspath(cache_dir)))

    @classmethod
    def from_arrays(cls, words, vectors):
        """From words (sequence of str) and vectors ((n, d) float32/float64,
        finite). Duplicate words keep their first vector."""
        return cls(_wass.wordvec_from_arrays(list(words), vectors))

    dim = property(lambda self: self._h.dim)
    vectors = property(lambda self: self._h.vectors)
    format = property(lambda self: self._h.format)
    from_cache = property(lambda self: self._h.from_cache)
    cache_written = property(lambda self: self._h.cache_written)
    duplicates = property(lambda self: self._h.duplicates)

    def __len__(self):
        return len(self._h)

    def __contains__(self, word):
        return word in self._h

    def index(self, word):
        """Vocabulary index of a word (KeyError when absent)."""
        i = self._h.find(word)
        if i < 0:
            raise KeyError(word)
        return i

    def word(self, i):
        return self._h.word(i)

    def vector(self, word):
        return self._h.vectors[self.index(word)]

    def save_cache(self, path, source=None):
        """Write the binary cache to ``path`` (valid for the file ``source``)."""
        self._h.save_cache(os.fspath(path), None if source is None else os.fspath(source))

    def bag(self, text, stopwords=None, min_len=1, keep_non_ascii=False, idf=None):
        """The bag of a text: lowercased runs of ASCII letters and digits
        (``keep_non_ascii=True``: bytes >= 0x80 too), tokens shorter than
        ``min_len`` dropped, then ``stopwords`` (None, "en" for the shipped
        list, a path, a list or a :class:`StopWords`), then words without a
        vector (counted in ``oov_dropped``). nBOW weights, or TF-IDF with
        ``idf`` (from :meth:`idf`)."""
        b = Bag(self, _wass.bag_from_text(self._h, text, min_len=int(min_len),
                                          keep_non_ascii=bool(keep_non_ascii),
                                          stopwords=_stopwords(stopwords)))
        return b.tfidf(idf) if idf is not None else b

    def bags(self, texts, stopwords=None, min_len=1, keep_non_ascii=False, weighting="nbow",
             idf=None):
        """Bags of many texts; ``weighting="tfidf"`` fits the IDF on these
        texts unless ``idf`` is given."""
        sw = _stopwords(stopwords)
        out = [Bag(self, _wass.bag_from_text(self._h, t, min_len=int(min_len),
                                             keep_non_ascii=bool(keep_non_ascii), stopwords=sw))
               for t in texts]
        if weighting not in ("nbow", "tfidf"):
            raise WassError("unknown weighting '%s' (expected nbow or tfidf)" % weighting)
        if weighting == "tfidf" or idf is not None:
            if idf is None:
                idf = self.idf(out)
            out = [b.tfidf(idf) for b in out]
        return out

    def bag_from_counts(self, words, counts):
        """A bag from words (vocabulary indices or str) and their counts
        (repeats summed); nBOW weights."""
        idx = [self.index(w) if isinstance(w, (str, bytes)) else w for w in words]
        return Bag(self, _wass.bag_from_counts(self._h, np.asarray(idx, dtype=np.int64)
                                               if len(idx) else np.zeros(0, np.int64), counts))

    def idf(self, bags):
        """Inverse document frequencies over bags: ln((1 + N) / (1 + df)) + 1
        for every vocabulary word."""
        return _wass.idf_fit(self._h, [(b.words, b.counts) for b in bags])

    def __repr__(self):
        return "wass.WordVectors(%d words, dim %d, format %s%s)" % (
            len(self), self.dim, self.format, ", from cache" if self.from_cache else "")


def _doc(vectors, doc, text):
    if isinstance(doc, Bag):
        if doc.vectors is not vectors:
            raise WassError("a bag made from other word vectors was given")
        return doc
    if isinstance(doc, (str, bytes)):
        return vectors.bag(doc, **text)
    raise TypeError("a document must be a str, bytes or wass.Bag, got %s" % type(doc).__name__)


def _check_vectors(vectors):
    if not isinstance(vectors, WordVectors):
        raise TypeError("vectors must be wass.WordVectors, got %s" % type(vectors).__name__)


def _wmd_call(what, vectors, doc1, doc2, distance, normalize, stopwords, min_len,
              keep_non_ascii):
    _check_vectors(vectors)
    text = dict(stopwords=_stopwords(stopwords), min_len=min_len, keep_non_ascii=keep_non_ascii)
    a, b = _doc(vectors, doc1, text), _doc(vectors, doc2, text)
    if a.empty or b.empty:
        warnings.warn("document %s has no words left after filtering: distance +inf" %
                      ("1" if a.empty else "2"), EmptyDocumentWarning, stacklevel=3)
    return _wass.wmd(vectors._h, a._pair(), b._pair(), distance=distance,
                     normalize=bool(normalize), what=what)


def wmd(vectors, doc1, doc2, distance="euclidean", normalize=False, stopwords=None, min_len=1,
        keep_non_ascii=False, log=False):
    """Word Mover's Distance between two documents (text or :class:`Bag`):
    the exact optimal transport of their word weights, the cost being the
    distance between word vectors ("euclidean" or "cosine"; ``normalize``
    unit-normalizes the vectors first). Texts are turned into nBOW bags with
    the given stop words / min_len. An empty document gives +inf with an
    :class:`EmptyDocumentWarning`. ``log=True`` returns (value, dict with
    'wcd', 'rwmd', 'iterations', 'seconds', 'empty')."""
    d = _wmd_call("wmd", vectors, doc1, doc2, distance, normalize, stopwords, min_len,
                  keep_non_ascii)
    if d["status"] != _wass.OPTIMAL:
        raise NotOptimalError("WMD solve ended with status '%s'" % d["status_string"], d)
    return (d["distance"], d) if log else d["distance"]


def wcd(vectors, doc1, doc2, distance="euclidean", normalize=False, stopwords=None, min_len=1,
        keep_non_ascii=False):
    """Word centroid distance, a lower bound of :func:`wmd`."""
    return _wmd_call("wcd", vectors, doc1, doc2, distance, normalize, stopwords, min_len,
                     keep_non_ascii)


def rwmd(vectors, doc1, doc2, distance="euclidean", normalize=False, stopwords=None, min_len=1,
         keep_non_ascii=False):
    """Relaxed WMD (each word moves to its nearest word of the other
    document; max of the two sides), a lower bound of :func:`wmd`."""
    return _wmd_call("rwmd", vectors, doc1, doc2, distance, normalize, stopwords, min_len,
                     keep_non_ascii)


class KnnResult:
    """Nearest neighbours: ``index`` (nq, k) corpus indices by (distance,
    index), -1 where fewer than k candidates; ``dist`` (nq, k); counters
    ``candidates``, ``exact_solves``, ``pruned_wcd``, ``pruned_rwmd``,
    ``pruned_ict``, ``empty_queries``, ``seconds``; ``avoided`` the share of
    candidate pairs that needed no exact solve."""

    __slots__ = ("index", "dist", "candidates", "exact_solves", "pruned_wcd", "pruned_rwmd",
                 "pruned_ict", "empty_queries", "seconds")

    def __init__(self, d):
        for k in self.__slots__:
            setattr(self, k, d[k])

    @property
    def avoided(self):
        return 1.0 - self.exact_solves / self.candidates if self.candidates else 0.0

    def __repr__(self):
        return ("wass.KnnResult(queries=%d, k=%d, exact_solves=%d of %d, avoided=%.1f%%)" %
                (self.index.shape[0], self.index.shape[1], self.exact_solves, self.candidates,
                 100 * self.avoided))


def _bags(vectors, docs, text, name):
    if isinstance(docs, (str, bytes, Bag)):
        raise TypeError("%s must be a sequence of documents" % name)
    return [_doc(vectors, d, text) for d in docs]


def _prune(prune):
    if isinstance(prune, bool) or prune is None:
        return 1 if prune or prune is None else 0
    if isinstance(prune, str):
        if prune not in _PRUNE:
            raise WassError("unknown prune mode '%s' (expected rwmd, kusner, ict or none)" %
                            prune)
        return _PRUNE[prune]
    return int(prune)


def knn(vectors, queries, corpus, k=10, method="wmd", prune="rwmd", tight=True,
        distance="euclidean", normalize=False, threads=None, exclude=None, stopwords=None,
        min_len=1, keep_non_ascii=False, progress=None):
    """Exact k nearest neighbours of each query among the corpus (documents:
    texts or :class:`Bag`) under WMD (or "wcd" / "rwmd" as the distance).
    ``prune``: "rwmd" (default: the relaxed bound of every document first,
    exact solves in increasing bound order until it reaches the k-th
    distance), "kusner" (Kusner et al.'s prefetch-and-prune: WCD order, RWMD
    skips), "ict" (like "rwmd" with the tighter ICT bound of every document)
    or "none" (brute force); with ``tight`` the ICT bound is also tried before
    each exact solve. All return the brute-force neighbours. ``exclude``: one
    corpus index per query never returned (-1 = none; leave-one-out).
    ``progress``: True (a bar on stderr) or f(fraction, stage).
    Returns a :class:`KnnResult`."""
    _check_vectors(vectors)
    text = dict(stopwords=_stopwords(stopwords), min_len=min_len, keep_non_ascii=keep_non_ascii)
    q = _bags(vectors, queries, text, "queries")
    c = _bags(vectors, corpus, text, "corpus")
    r = KnnResult(_call_with_progress(_wass.knn, progress, vectors=vectors._h,
                                      queries=[b._pair() for b in q],
                                      corpus=[b._pair() for b in c], k=int(k), method=method,
                                      prune=_prune(prune), tight=bool(tight), distance=distance,
                                      normalize=bool(normalize), threads=threads,
                                      exclude=exclude))
    if r.empty_queries:
        warnings.warn("%d queries have no words left after filtering: distances +inf" %
                      r.empty_queries, EmptyDocumentWarning, stacklevel=2)
    return r


class ClassifyResult:
    """kNN classification: ``predicted`` labels of the test documents, ``k``
    used (chosen by cross-validation unless given), ``cv_error`` (dict k ->
    CV error for the k tried), ``test_error`` (None without test labels),
    ``neighbors`` (:class:`KnnResult` of the test documents), and
    ``exact_solves`` / ``candidates`` / ``seconds`` over CV and test.

    When several k were scored at once (``k=[1, 3, ...]``): ``k`` is the
    tuple of them, ``predicted`` and ``test_error`` are dicts k -> labels /
    error, and ``cv_error`` is empty."""

    __slots__ = ("predicted", "k", "cv_error", "test_error", "neighbors", "exact_solves",
                 "candidates", "seconds")

    def __repr__(self):
        return "wass.ClassifyResult(k=%d, test_error=%r)" % (self.k, self.test_error)


def knn_classify(vectors, train, train_labels, test, test_labels=None, k=None, k_max=19,
                 folds=5, seed=0, method="wmd", prune="rwmd", tight=True,
                 distance="euclidean", normalize=False, threads=None, stopwords=None,
                 min_len=1, keep_non_ascii=False, tie="nearest", progress=None):
    """kNN classification of the test documents by majority vote of their k
    nearest training documents. ``k=None`` chooses k among 1, 3, .., k_max
    by ``folds``-fold cross-validation on the training set (seeded). ``k``
    may also be a sequence (e.g. ``range(1, 20)``): one search for the
    largest k scores them all, and the result holds the predictions and
    test errors of each. Labels may be any hashable values.

    ``tie``: how a tied vote is decided. "nearest" (default): the tied label
    whose first neighbour is nearest (neighbours ordered by distance, then
    corpus index). "lowest": the smallest tied label in sorted order, as
    ``np.argmax`` over the counts of ``np.unique`` labels (scikit-learn's
    rule); needs an explicit ``k``. ``progress``: True (a bar on stderr) or
    f(fraction, stage). Returns a :class:`ClassifyResult`."""
    _check_vectors(vectors)
    if tie not in ("nearest", "lowest"):
        raise ValueError("tie must be 'nearest' or 'lowest', got %r" % (tie,))
    ks = None
    if k is not None and not isinstance(k, (int, np.integer)):
        ks = tuple(int(x) for x in k)
        if not ks or min(ks) < 1:
            raise ValueError("k must hold integers >= 1, got %r" % (k,))
    elif tie == "lowest":
        if k is None:
            raise ValueError("tie='lowest' needs an explicit k (the cross-validation of k=None "
                             "votes nearest-first)")
        ks = (int(k),)
    if ks is not None:
        return _classify_many(vectors, train, train_labels, test, test_labels, ks, tie,
                              dict(method=method, prune=prune, tight=tight, distance=distance,
                                   normalize=normalize, threads=threads, stopwords=stopwords,
                                   min_len=min_len, keep_non_ascii=keep_non_ascii,
                                   progress=progress), single=isinstance(k, (int, np.integer)))
    text = dict(stopwords=_stopwords(stopwords), min_len=min_len, keep_non_ascii=keep_non_ascii)
    tr = _bags(vectors, train, text, "train")
    te = _bags(vectors, test, text, "test")
    train_labels = list(train_labels)
    if len(train_labels) != len(tr):
        raise ValueError("train_labels must have one entry per training document (%d), got %d"
                         % (len(tr), len(train_labels)))
    names = sorted(set(train_labels), key=repr)
    code = {l: i for i, l in enumerate(names)}
    ytr = np.array([code[l] for l in train_labels], dtype=np.int64)
    yte = None
    if test_labels is not None:
        test_labels = list(test_labels)
        if len(test_labels) != len(te):
            raise ValueError("test_labels must have one entry per test document (%d), got %d"
                             % (len(te), len(test_labels)))
        extra = {l: len(names) + i for i, l in enumerate(
            sorted(set(test_labels) - set(code), key=repr))}
        yte = np.array([code.get(l, extra.get(l)) for l in test_labels], dtype=np.int64)
    cb, close = _progress(progress)
    try:
        d = _wass.knn_classify(vectors._h, [b._pair() for b in tr], ytr, [b._pair() for b in te],
                               yte, k=0 if k is None else int(k), k_max=int(k_max),
                               folds=int(folds), seed=int(seed), method=method, prune=_prune(prune),
                               tight=bool(tight), distance=distance, normalize=bool(normalize),
                               threads=threads, progress=cb)
    finally:
        close()
    r = ClassifyResult()
    r.predicted = [names[i] for i in d["predicted"]]
    r.k = d["k"]
    r.cv_error = {i + 1: float(e) for i, e in enumerate(d["cv_error"]) if not np.isnan(e)}
    r.test_error = None if test_labels is None else float(d["test_error"])
    r.neighbors = KnnResult(d)
    r.exact_solves = d["total_exact_solves"]
    r.candidates = d["total_candidates"]
    r.seconds = d["total_seconds"]
    return r


def _label_order(labels):
    """Distinct labels in sorted order (as np.unique), by repr when they do
    not compare."""
    try:
        return sorted(set(labels))
    except TypeError:
        return sorted(set(labels), key=repr)


def _vote(codes, tie, nlabels):
    """Majority label of one query's neighbour codes (nearest first)."""
    counts = np.bincount(codes, minlength=nlabels)
    best = counts.max()
    if tie == "lowest":
        return int(np.argmax(counts))
    tied = counts == best
    for c in codes:  # the first neighbour of a tied label
        if tied[c]:
            return int(c)
    raise AssertionError("unreachable")


def _classify_many(vectors, train, train_labels, test, test_labels, ks, tie, kw, single):
    """Score several k from one kNN search of the test documents."""
    if isinstance(train, (str, bytes, Bag)):
        raise TypeError("train must be a sequence of documents")
    train = list(train)
    tr_labels = list(train_labels)
    if len(tr_labels) != len(train):
        raise ValueError("train_labels must have one entry per training document (%d), got %d"
                         % (len(train), len(tr_labels)))
    names = _label_order(tr_labels)
    code = {l: i for i, l in enumerate(names)}
    ytr = np.array([code[l] for l in tr_labels], dtype=np.int64)
    res = knn(vectors, test, train, k=max(ks), **kw)
    r = ClassifyResult()
    r.neighbors = res
    r.exact_solves, r.candidates, r.seconds = res.exact_solves, res.candidates, res.seconds
    r.cv_error = {}
    r.predicted, r.test_error = {}, {}
    if test_labels is not None:
        test_labels = list(test_labels)
        if len(test_labels) != res.index.shape[0]:
            raise ValueError("test_labels must have one entry per test document (%d), got %d"
                             % (res.index.shape[0], len(test_labels)))
    for kk in ks:
        pred = []
        for row in res.index:
            nb = row[:kk]
            nb = nb[nb >= 0]
            pred.append(names[_vote(ytr[nb], tie, len(names))] if len(nb) else None)
        r.predicted[kk] = pred
        r.test_error[kk] = (None if test_labels is None else
                            float(np.mean([p != t for p, t in zip(pred, test_labels)])))
    r.k = ks
    if single:
        r.k, r.predicted, r.test_error = ks[0], r.predicted[ks[0]], r.test_error[ks[0]]
    return r


from ._pot import (dist, emd_1d, emd2_1d, energy_distance, sinkhorn_unbalanced,  # noqa: E402
                   sinkhorn_unbalanced2, sliced_wasserstein_distance,
                   max_sliced_wasserstein_distance, partial_wasserstein, partial_wasserstein2,
                   barycenter, free_support_barycenter)
from ._pairwise import pairwise  # noqa: E402  (uses the names above)

# Graph similarity by matching node embeddings: wass.graphs
from . import graphs  # noqa: E402
