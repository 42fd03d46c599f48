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

# The package is assembled from its private modules (one topic each, like
# the library's folders); os, warnings, namedtuple and np stay names of the
# package, as they always were.
import os  # noqa: F401
import warnings  # noqa: F401
from collections import namedtuple  # noqa: F401

import numpy as np  # noqa: F401

from . import _wass
from ._wass import WassError, __version__
from . import _approx, _common, _elementary, _entropic, _exact, _line1d, _wmd
from ._approx import (bound_centroid, bound_relaxed, embed_distance, embed_distances,  # noqa: F401
                      sliced)
from ._common import (  # noqa: F401
    _GOOD, _MASS_HINT, NotOptimalError, _call_with_progress, _check_status, _mass_error,
    _mass_tol, _pot_threads, _precision, _progress, _ProgressBar, _rebalance, _weights,
    get_num_threads, set_num_threads)
from ._elementary import js, kl, tv  # noqa: F401
from ._entropic import (  # noqa: F401
    _POT_SINKHORN_METHODS, _pot_sinkhorn_kwargs, _sinkhorn_dict, _sinkhorn_log, sinkhorn,
    sinkhorn2, sinkhorn_divergence)
from ._exact import (  # noqa: F401
    Critic, Result, _log, _pot_emd_kwargs, critic, emd, emd2, solve, wasserstein)
from ._line1d import _columns, _line, wasserstein_1d, wasserstein_distance  # noqa: F401
from ._wmd import (  # noqa: F401
    _PRUNE, Bag, ClassifyResult, EmptyDocumentWarning, KnnResult, StopWords, WordVectors, _bags,
    _check_vectors, _classify_many, _doc, _label_order, _prune, _shipped_stopwords, _stopwords,
    _vote, _wmd_call, knn, knn_classify, rwmd, wcd, wmd)

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
    "embed_distances",
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

# What the package takes from these modules says it is wass.X, as when it
# was written here (help, repr, pickles by reference); the modules
# themselves are not names of the package.
_m = tuple(m.__name__ for m in (_approx, _common, _elementary, _entropic, _exact, _line1d, _wmd))
for _obj in list(globals().values()):
    if (isinstance(_obj, type) or hasattr(_obj, "__code__")) and _obj.__module__ in _m:
        _obj.__module__ = __name__
del _m, _obj, _approx, _common, _elementary, _entropic, _exact, _line1d, _wmd

from ._pot import (dist, emd_1d, emd2_1d, energy_distance, sinkhorn_unbalanced,  # noqa: E402
                   sinkhorn_unbalanced2, sliced_wasserstein_distance,
                   max_sliced_wasserstein_distance, partial_wasserstein, partial_wasserstein2,
                   barycenter, free_support_barycenter)
from ._pairwise import pairwise  # noqa: E402  (uses the names above)

# Graph similarity by matching node embeddings: wass.graphs
from . import graphs  # noqa: E402
