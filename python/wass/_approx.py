"""Approximations and lower bounds: sliced and max-sliced Wasserstein, the
grid embedding distance, the centroid and relaxed bounds."""

import numpy as np

from . import _wass
from ._common import _weights


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
