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


def _cloud_list(clouds, name):
    out = []
    for i, c in enumerate(clouds):
        if isinstance(c, tuple) and len(c) == 2:
            X, w = c
        else:
            X, w = c, None
        X = np.ascontiguousarray(X, dtype=float)
        if X.ndim != 2:
            raise ValueError("%s[%d] must be an (n, d) array or a pair (X, w)" % (name, i))
        out.append((X, _weights(w)))
    return out


def embed_distances(XA, XB=None, seed=0, levels=None, cell=None, max_cells=None, threads=None,
                    return_info=False):
    """Grid-embedding L1 distances between every cloud of ``XA`` and every
    cloud of ``XB`` (default ``XA``): a (len(XA), len(XB)) array, as
    ``scipy.spatial.distance.cdist(XA, XB)`` lays it out. A cloud is an
    (n, d) array (uniform weights) or a pair (X, w). One frame (bounding
    box, random shift from ``seed``, ``levels``, ``cell``) holds all
    clouds, so D[i, j] is ``embed_distance`` of the pair in that frame.

    ``XB`` is packed once into an embedding set: dense rows over its cells
    when they are at most ``max_cells`` (default 65536) and the dense matrix
    is not much larger than the sparse one, then each distance is one vector
    loop; otherwise sparse rows. ``return_info=True`` also returns a dict:
    dense, cells, rows, levels, build_seconds (frame and set), embed_queries_
    seconds, seconds (the distances alone)."""
    A = _cloud_list(XA, "XA")
    B = A if XB is None else _cloud_list(XB, "XB")
    d = _wass.embed_distances(A, B, seed=int(seed), levels=int(levels or 0),
                              cell=float(cell or 0.0), max_cells=int(max_cells or 0),
                              threads=int(threads or 0))
    D = d.pop("D")
    return (D, d) if return_info else D


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
