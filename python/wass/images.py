"""wass.images: images and the Earth Mover's Distance.

Readers (:func:`read_image` for PNG, PGM and PPM; :func:`read_idx` and
:func:`read_idx_labels` for IDX files such as Fashion-MNIST's, gzip'ed or
not), the three signature kinds (:func:`grey_signature`: mass on the pixel
grid; :func:`colour_signature`: Rubner's k-means in CIE Lab;
:func:`contour_signature`: Grauman & Darrell's points along the traced
contours), the exact grid solver :func:`grid_emd` (W1 with the L1 or
L-infinity ground distance as a min-cost flow on the grid graph, or the
euclidean one; certified), and :func:`retrieve`: the
k nearest database images to each query, exact with lower-bound pruning,
by the grid embedding, or the embedding re-ranked exactly.

A grey image's mass is its pixel values normalized to total 1, at pixel
coordinates (column, row).
"""

from collections import namedtuple

import numpy as np

from . import _wass

__all__ = [
    "read_image",
    "read_idx",
    "read_idx_labels",
    "to_grey",
    "grey_signature",
    "colour_signature",
    "contour_signature",
    "grid_emd",
    "GridResult",
    "retrieve",
    "Retrieval",
]


def read_image(path):
    """The image at ``path`` (PNG of any colour type and bit depth, PGM or
    PPM) as a float array (height, width, channels) with values in [0, 1]:
    1 channel grey, 2 grey + alpha, 3 RGB, 4 RGBA."""
    return _wass.image_read(str(path))


def read_idx(path, max_count=0):
    """The images of an IDX file (magic 0x00000803) as a uint8 array
    (count, rows, cols); ``max_count`` > 0 reads only the first ones."""
    return _wass.idx_read_images(str(path), int(max_count))


def read_idx_labels(path, max_count=0):
    """The labels of an IDX label file (magic 0x00000801), uint8 (count,)."""
    return _wass.idx_read_labels(str(path), int(max_count))


def to_grey(image):
    """A 2-D grey array from an image array: a 2-D array as it is (uint8
    scaled to [0, 1]); (h, w, 1 or 2): the grey channel; (h, w, 3 or 4): the
    luma 0.299 R + 0.587 G + 0.114 B. Alpha is ignored."""
    img = np.asarray(image)
    if img.dtype == np.uint8:
        img = img / 255.0
    img = np.asarray(img, dtype=np.float64)
    if img.ndim == 2:
        return img
    if img.ndim != 3 or img.shape[2] not in (1, 2, 3, 4):
        raise ValueError("image must be (h, w) or (h, w, 1..4), got shape %s" % (img.shape,))
    if img.shape[2] <= 2:
        return img[:, :, 0]
    return 0.299 * img[:, :, 0] + 0.587 * img[:, :, 1] + 0.114 * img[:, :, 2]


def grey_signature(image, pool=1):
    """(X, w): one point per pool x pool block of positive mass at the
    block's centre (column, row) in pixels, w = its share of the total."""
    return _wass.grey_signature(to_grey(image), pool=int(pool))


def colour_signature(image, k=8, seed=0, max_iter=100):
    """(X, w): Rubner's colour signature, the pixels' CIE Lab colours
    clustered by k-means (seeded k-means++ start), X the cluster means
    (L, a, b), w the fraction of pixels in each cluster."""
    img = np.asarray(image)
    if img.dtype == np.uint8:
        img = img / 255.0
    return _wass.colour_signature(np.asarray(img, dtype=np.float64), k=int(k), seed=int(seed),
                                  max_iter=int(max_iter))


def contour_signature(image, threshold=0.5, points=100):
    """(X, w): ``points`` points (column, row) evenly spaced by arc length
    along every contour of the shape {grey > threshold} (outer borders and
    holes, each traced in order by Suzuki & Abe's border following), with
    uniform weights (Grauman & Darrell)."""
    return _wass.contour_signature(to_grey(image), threshold=float(threshold),
                                   points=int(points))


GridResult = namedtuple("GridResult", ["cost", "status", "flows", "potential", "certificate",
                                       "iterations", "seconds", "moves"])
GridResult.__doc__ = """Result of :func:`grid_emd`: cost = W1; flows
(rows, cols, 2 or 4) signed edge flows (right, down[, down-right,
down-left]), None for euclidean; moves (euclidean only, else None): the
optimal plan as arrays (from, to, mass), pixels numbered as in
``a.ravel()``, from where a > b to where b > a (the mass both share stays
in place); potential (rows, cols) a 1-Lipschitz f with W1 = sum (a - b) f;
certificate checked independently of the solver."""


def grid_emd(a, b, metric="cityblock", spacing=1.0, max_iter=None, certify=True, strict=True):
    """Exact W1 between two nonnegative images ``a`` and ``b`` of the same
    shape (each normalized to total 1) with the cityblock (4-neighbour grid
    graph), chebyshev (8-neighbour) or euclidean ground distance between
    pixel positions, times ``spacing``. Euclidean: the transport between the
    positive and negative parts of a - b with a multiscale start.
    Raises :class:`wass.NotOptimalError` when not certified optimal, unless
    ``strict=False``."""
    d = _wass.grid_emd(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64),
                       metric=metric, spacing=float(spacing), max_iter=max_iter,
                       certify=certify)
    res = GridResult(d["cost"], d["status"], d["flows"], d["potential"], d["certificate"],
                     d["iterations"], d["seconds"], d["moves"])
    if strict and d["status"] != _wass.OPTIMAL:
        from . import NotOptimalError

        raise NotOptimalError("grid solve: %s %s" % (_wass.status_string(d["status"]),
                                                     d["message"]), res)
    return res


Retrieval = namedtuple("Retrieval", ["index", "distance", "exact_solves", "grid", "seconds"])
Retrieval.__doc__ = """Result of :func:`retrieve`: index and distance
(queries, k), nearest first; exact_solves (queries,); grid: whether the
exact solves ran on the grid graph."""


def _signatures(items, signature, **kw):
    out = []
    for it in items:
        if isinstance(it, tuple) and len(it) == 2:
            X, w = it
            out.append((np.asarray(X, dtype=np.float64),
                        None if w is None else np.asarray(w, dtype=np.float64)))
        elif signature == "grey":
            out.append(grey_signature(it, pool=kw.get("pool", 1)))
        elif signature == "contour":
            out.append(contour_signature(it, threshold=kw.get("threshold", 0.5),
                                         points=kw.get("points", 100)))
        elif signature == "colour":
            out.append(colour_signature(it, k=kw.get("clusters", 8), seed=kw.get("seed", 0)))
        else:
            raise ValueError("signature must be 'grey', 'colour' or 'contour', got %r"
                             % (signature,))
    return out


def retrieve(db, queries, k=10, mode="exact", metric="euclidean", rerank=0, seed=0,
             threads=None, signature="grey", **signature_options):
    """The ``k`` nearest entries of ``db`` to each of ``queries`` under W1.

    ``db`` and ``queries``: sequences of images (2-D grey or (h, w, c)
    arrays; or a 3-D uint8 stack such as :func:`read_idx` returns) or of
    signatures (X, w). Images become signatures of the kind ``signature``
    ('grey', 'colour', 'contour'; options pool, clusters, points, threshold).
    ``mode``: 'exact' (lower-bound pruning, the brute-force answer),
    'embed' (grid embedding), 'rerank' (the embedding's top ``rerank``,
    default 10 k, re-ranked exactly) or 'brute'. ``metric``: 'euclidean',
    'cityblock' (grid graph solver on grey signatures) or 'chebyshev'."""
    dbs = _signatures(list(db), signature, seed=seed, **signature_options)
    qs = _signatures(list(queries), signature, seed=seed, **signature_options)
    d = _wass.retrieve(dbs, qs, k=int(k), mode=mode, metric=metric, rerank=int(rerank),
                       seed=int(seed), threads=0 if threads is None else int(threads))
    return Retrieval(d["index"], d["distance"], d["exact_solves"], d["grid"], d["seconds"])
