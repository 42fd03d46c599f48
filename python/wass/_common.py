"""What the modules of wass share: the thread default, the weights as POT
spells them (``[]`` = uniform) and their precision, the Python spelling of
a mass mismatch, progress bars, and how a solve that ended without an
answer is raised (:class:`NotOptimalError`)."""

import numpy as np

from . import _wass
from ._wass import WassError


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


def _pot_alias(kwargs, pot_name, value, name):
    """The value of option ``name``, or of POT's spelling ``pot_name`` of it
    when that is in kwargs (popped); both given is a TypeError."""
    if pot_name not in kwargs:
        return value
    if value is not None:
        raise TypeError("give %s or %s, not both" % (name, pot_name))
    return kwargs.pop(pot_name)


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
