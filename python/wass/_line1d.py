"""Optimal transport on the real line: :func:`wasserstein_1d` (as POT) and
:func:`wasserstein_distance` (as scipy), exact and sorting based."""

import numpy as np

from . import _wass
from ._common import _weights


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
