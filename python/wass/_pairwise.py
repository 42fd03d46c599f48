"""Distance matrices: the transport cost between every pair of many
distributions, computed by libwass (``wass_pairwise`` / ``wass_wmd_pairwise``)
on all cores with the GIL released.

Three kinds of distributions, told apart by the arguments:

* point clouds: a sequence of (n_k, d) arrays, or of pairs (X_k, w_k) with
  weights (None = uniform), with a ground ``metric`` raised to ``p``;
* histograms on one support: a (count, n) array (or a sequence of n-vectors)
  with the cost matrix ``M`` (n x n, or n x m for ``other``);
* documents: a sequence of :class:`wass.Bag` (or texts with ``vectors``) for
  the Word Mover's Distance.

The distributions are packed once into flat arrays (:func:`pack`); a
:class:`Packed` set is what :mod:`wass.dask` sends to the workers.
"""

import numpy as np

from . import _wass

__all__ = ["pairwise", "pack", "Packed"]


class Packed:
    """Distributions packed into flat arrays (picklable, numpy only).

    ``kind`` is "clouds" (``X`` all points stacked, ``w`` their weights or
    None, ``off`` count + 1 offsets), "histograms" (``H``: count x n) or
    "bags" (``words``, ``weights`` stacked, ``off``). ``len(packed)`` is the
    number of distributions; ``packed.slice(lo, hi)`` the ones lo..hi-1."""

    __slots__ = ("kind", "X", "w", "off", "H", "words", "weights")

    def __init__(self, kind, **arrays):
        self.kind = kind
        for k in self.__slots__[1:]:
            setattr(self, k, arrays.get(k))

    def __len__(self):
        return self.H.shape[0] if self.kind == "histograms" else len(self.off) - 1

    def __getstate__(self):
        return {k: getattr(self, k) for k in self.__slots__}

    def __setstate__(self, state):
        for k, v in state.items():
            setattr(self, k, v)

    def slice(self, lo, hi):
        if self.kind == "histograms":
            return Packed("histograms", H=self.H[lo:hi])
        a, b = self.off[lo], self.off[hi]
        off = self.off[lo:hi + 1] - a
        if self.kind == "clouds":
            return Packed("clouds", X=self.X[a:b], w=None if self.w is None else self.w[a:b],
                          off=off)
        return Packed("bags", words=self.words[a:b], weights=self.weights[a:b], off=off)

    def args(self, second=False):
        """Keyword arguments of _wass.pairwise / wmd_pairwise for this set."""
        s = "2" if second else ""
        if self.kind == "histograms":
            return {"H" + s: self.H}
        if self.kind == "clouds":
            return {"X" + s: self.X, "w" + s: self.w, "off" + s: self.off}
        return {"words" + s: self.words, "weights" + s: self.weights, "off" + s: self.off}

    def __repr__(self):
        return "wass.Packed(%s, %d)" % (self.kind, len(self))


def _is_bag(x):
    from . import Bag
    return isinstance(x, Bag)


def pack(distributions, M=None, vectors=None, stopwords=None, min_len=1, keep_non_ascii=False):
    """Pack distributions into a :class:`Packed` set (see the module
    docstring for the three kinds). Already packed sets are returned as they
    are."""
    if isinstance(distributions, Packed):
        return distributions
    if M is not None and vectors is None:
        H = np.asarray(distributions, dtype=np.float64)
        if H.ndim != 2:
            raise ValueError("histograms must form a (count, n) array, got shape %s" %
                             (H.shape,))
        return Packed("histograms", H=np.ascontiguousarray(H))
    seq = list(distributions)
    if not seq:
        raise ValueError("no distributions given")
    if vectors is not None or _is_bag(seq[0]):
        from . import _doc, _check_vectors, _stopwords
        if vectors is None:
            vectors = seq[0].vectors
        _check_vectors(vectors)
        text = dict(stopwords=_stopwords(stopwords), min_len=min_len,
                    keep_non_ascii=keep_non_ascii)
        bags = [_doc(vectors, d, text) for d in seq]
        lens = np.array([len(b.words) for b in bags], dtype=np.int64)
        off = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        words = (np.concatenate([np.asarray(b.words, dtype=np.int64) for b in bags])
                 if off[-1] else np.zeros(0, np.int64))
        weights = (np.concatenate([np.asarray(b.weights, dtype=np.float64) for b in bags])
                   if off[-1] else np.zeros(0))
        return Packed("bags", words=words, weights=weights, off=off)
    Xs, ws = [], []
    for k, item in enumerate(seq):
        if isinstance(item, tuple) and len(item) == 2:
            X, w = item
        else:
            X, w = item, None
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1:
            X = X[:, None]
        if X.ndim != 2:
            raise ValueError("distribution %d: points must be an (n, d) array, got shape %s" %
                             (k, X.shape))
        if Xs and X.shape[1] != Xs[0].shape[1]:
            raise ValueError("distribution %d: points of dimension %d, expected %d" %
                             (k, X.shape[1], Xs[0].shape[1]))
        if w is not None:
            w = np.asarray(w, dtype=np.float64)
            if w.shape != (X.shape[0],):
                raise ValueError("distribution %d: %d weights for %d points" %
                                 (k, w.size, X.shape[0]))
        Xs.append(X)
        ws.append(w)
    off = np.concatenate([[0], np.cumsum([len(X) for X in Xs])]).astype(np.int64)
    w = None
    if any(x is not None for x in ws):
        w = np.concatenate([np.full(len(X), 1.0 / len(X)) if x is None else x
                            for X, x in zip(Xs, ws)])
    return Packed("clouds", X=np.ascontiguousarray(np.concatenate(Xs)), w=w, off=off)


def _block(A, B, block, kw, vectors=None, progress=None):
    """(values, statuses) of one block: the C core, GIL released."""
    if A.kind == "bags":
        if vectors is None:
            raise ValueError("word vectors are needed for bags")
        return _wass.wmd_pairwise(vectors._h, A.words, A.weights, A.off,
                                  **({} if B is None else B.args(True)), block=block,
                                  distance=kw.get("distance"),
                                  normalize=bool(kw.get("normalize", False)),
                                  threads=kw.get("threads"), progress=progress)
    args = A.args()
    if B is not None:
        if B.kind != A.kind:
            raise ValueError("both sets must be of one kind (%s and %s given)" %
                             (A.kind, B.kind))
        args.update(B.args(True))
    kw = dict(kw)
    kw.pop("distance", None)
    kw.pop("normalize", None)
    if "p" in kw:
        kw["p"] = float(kw["p"])
    if "q" in kw:
        kw["q"] = float(kw["q"])
    if "reg" in kw:
        kw["reg"] = float(kw["reg"])
    return _wass.pairwise(**args, block=block, progress=progress, **kw)


def _check(values, status, block, strict):
    """Raise NotOptimalError for the first pair solved without an answer."""
    if not strict:
        return
    good = (status == _wass.OPTIMAL) | (status == _wass.CONVERGED) | (status == _wass.NOT_SOLVED)
    if not good.all():
        from . import NotOptimalError
        r, c = np.argwhere(~good)[0]
        i0, j0 = (block[0], block[2]) if block else (0, 0)
        raise NotOptimalError("pair (%d, %d): solve ended with status '%s' (pass strict=False "
                              "to get NaN there instead)" %
                              (i0 + r, j0 + c, _wass.status_string(int(status[r, c]))))


def _options(method, metric, p, q, reg, mass, mass_tol, max_iter, certify, algorithm, tol,
             eps_scaling, tau, threads, distance, normalize):
    kw = dict(metric=metric, p=p, q=q, method=method, mass=mass, mass_tol=mass_tol,
              max_iter=max_iter, certify=certify, algorithm=algorithm, tol=tol,
              eps_scaling=eps_scaling, tau=tau, threads=threads, distance=distance,
              normalize=normalize)
    if method not in ("emd", "sinkhorn"):
        from . import WassError
        raise WassError("unknown method '%s' (expected emd or sinkhorn)" % method)
    if method == "sinkhorn":
        if reg is None:
            raise ValueError("method='sinkhorn' needs reg")
        kw["reg"] = reg
    return kw


def pairwise(distributions, other=None, M=None, vectors=None, method="emd", metric="euclidean",
             p=1, q=2, reg=None, mass=None, mass_tol=None, max_iter=None, certify=True,
             algorithm=None, tol=None, eps_scaling=None, tau=None, distance="euclidean",
             normalize=False, threads=None, progress=None, block=None, strict=True):
    """The matrix D[i, j] = cost of transporting ``distributions[i]`` onto
    ``other[j]`` (``other=None``: onto ``distributions[j]``).

    ``method="emd"`` (exact, certified network simplex: D[i, j] is bitwise
    ``wass.emd2`` / ``wass.solve(...).cost`` of the pair) or "sinkhorn"
    (``reg`` required: the transport cost of the entropic plan, as
    ``wass.sinkhorn2``). The distance W_p is ``D ** (1 / p)``. For documents
    (bags of words, ``vectors``) D is the Word Mover's Distance
    (``wass.wmd``; ``distance``, ``normalize`` as there). Without ``other``
    the problem is symmetric and each pair i <= j is solved once (for
    histograms only when ``M`` is symmetric), D[j, i] = D[i, j].

    ``mass``, ``mass_tol``, ``max_iter``, ``certify``, ``algorithm`` as in
    :func:`wass.solve`; ``tol``, ``eps_scaling``, ``tau`` as in
    :func:`wass.sinkhorn`. ``threads``: None = the module default
    (:func:`wass.set_num_threads`; all cores), 0 = all cores. ``progress``:
    True for a bar on stderr, or a callable f(fraction, stage) (the fraction
    of the pairs done; stage "pairs").
    ``block=(i0, i1, j0, j1)``: only that block (rows i0..i1-1, columns
    j0..j1-1) is computed and returned; in the symmetric case its entries
    below the diagonal whose mirror lies outside the block are NaN.

    Invalid input raises :class:`wass.WassError` naming the distribution
    ("A[17]: ..." for ``distributions[17]``, "B[3]" for ``other[3]``). A pair
    solved without an answer raises :class:`wass.NotOptimalError` naming it,
    unless ``strict=False`` (NaN there). Returns a float64 array.
    """
    kw = _options(method, metric, p, q, reg, mass, mass_tol, max_iter, certify, algorithm, tol,
                  eps_scaling, tau, threads, distance, normalize)
    A = pack(distributions, M=M, vectors=vectors)
    B = None if other is None else pack(other, M=M, vectors=vectors)
    if A.kind == "bags" and vectors is None:
        vectors = _vectors_of(distributions, other)
    if A.kind == "histograms":
        kw["M"] = M
    if block is not None:
        block = tuple(int(x) for x in block)
    from . import _progress
    cb, close = _progress(progress)
    try:
        values, status = _block(A, B, block, kw, vectors, cb)
    finally:
        close()
    _check(values, status, block, strict)
    return values


def _vectors_of(*sets):
    for s in sets:
        if s is None or isinstance(s, Packed):
            continue
        for d in s:
            if _is_bag(d):
                return d.vectors
    raise ValueError("packed bags need vectors=")
