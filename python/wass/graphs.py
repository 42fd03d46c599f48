"""Graph similarity by matching node embeddings (Nikolentzos, Meladianos and
Vazirgiannis, AAAI 2017).

    >>> from wass import graphs
    >>> ds = graphs.load_tu("../shared/data/TU/MUTAG")
    >>> emb = graphs.embed(ds, 6)              # one (n_g x 6) array a graph
    >>> D = graphs.pairwise(emb)               # exact EMD, all pairs, all cores
    >>> graphs.classify(D, ds.graph_labels)    # nested 10-fold CV of an SVM
    {'mean': 0.84..., 'std': 0.07..., ...}

Node embeddings are the absolute values of the eigenvectors of a graph's
adjacency matrix for its ``dim`` largest eigenvalues in magnitude (LAPACK),
padded with zeros below ``dim`` nodes; for a k-fold eigenvalue, whose
eigenvectors are not unique, sqrt(P_ii / k) with P the projector on its
eigenspace (the same for every basis). The distance of two graphs is the
exact earth mover's distance between their nodes, uniform weights 1/n_g, the
Euclidean ground cost (plus ``label_penalty`` between nodes of different
labels in the labelled variant). The kernel exp(-gamma D) feeds an SVM
(libsvm) with gamma and C chosen on each training fold alone.
"""

from collections import namedtuple

import numpy as np

from . import _wass

__all__ = ["GraphSet", "load_tu", "adjacency", "embed", "pairwise", "classify", "folds",
           "svm_precomputed"]

GraphSet = namedtuple("GraphSet", "node_offset adj_offset adj graph_labels node_labels "
                                  "node_attributes")
GraphSet.__doc__ = """Graphs stored back to back (see wass/graph.h): graph g's nodes are
node_offset[g] .. node_offset[g+1]-1, node k's neighbours adj[adj_offset[k]:adj_offset[k+1]]
(global ids); node_labels and node_attributes are None when the data set has none."""


def load_tu(path):
    """Read a data set in the TU text format from the folder ``path`` (files
    named after its last component: DS_A.txt, DS_graph_indicator.txt,
    DS_graph_labels.txt, optional DS_node_labels.txt and
    DS_node_attributes.txt). Malformed files raise :class:`wass.WassError`
    naming the file and line."""
    d = _wass.graph_tu_load(str(path))
    return GraphSet(d["node_offset"], d["adj_offset"], d["adj"], d["graph_label"],
                    d["node_label"], d["node_attr"])


def _ngraphs(gs):
    return len(gs.node_offset) - 1


def adjacency(gs, g):
    """The dense 0/1 adjacency matrix of graph ``g`` of a :class:`GraphSet`."""
    b, e = int(gs.node_offset[g]), int(gs.node_offset[g + 1])
    A = np.zeros((e - b, e - b))
    for k in range(b, e):
        nb = gs.adj[gs.adj_offset[k]:gs.adj_offset[k + 1]] - b
        A[k - b, nb] = 1.0
    return np.maximum(A, A.T)


def embed(graphs, dim):
    """Spectral node embeddings: a list with one (n_g x dim) array a graph.
    ``graphs`` is a :class:`GraphSet` or a sequence of square symmetric
    adjacency matrices."""
    if isinstance(graphs, GraphSet):
        mats = (adjacency(graphs, g) for g in range(_ngraphs(graphs)))
    else:
        mats = (np.asarray(A, dtype=float) for A in graphs)
    return [_wass.graph_spectral_embed(A, int(dim))[0] for A in mats]


def _stack(embeddings):
    if len(embeddings) < 1:
        raise _wass.WassError("need at least one graph")
    dims = {np.shape(x)[1] if np.ndim(x) == 2 else -1 for x in embeddings}
    if len(dims) != 1 or -1 in dims:
        raise _wass.WassError("every embedding must be a 2-D (nodes x dim) array of one dim")
    sizes = [len(x) for x in embeddings]
    offset = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return np.ascontiguousarray(np.vstack(embeddings), dtype=float), offset


def pairwise(embeddings, labels=None, method="exact", label_penalty=1.0, seed=0, threads=0,
             return_info=False):
    """The graphs x graphs distance matrix between node embeddings (a list
    of (n_g x dim) arrays, as :func:`embed` returns): ``method`` 'exact' (EMD,
    certified), 'emd_many' (the same through the core solver) or 'grid' (the
    grid-embedding L1 approximation). ``labels``: a list with one integer
    array of node labels a graph, for the labelled variant (ground cost
    ||x - y|| + label_penalty where the labels differ). With
    ``return_info`` also a dict (pairs, distinct_graphs, fallbacks, max_gap,
    min_reduced, seconds). Nodes whose embeddings agree within 1e-12 in every
    coordinate are merged; a graph with the points of an earlier one up to
    their order and 1e-12 (an isomorphic graph) gets its distances and 0
    against it; both move a distance by at most 4 sqrt(dim) 1e-12."""
    X, offset = _stack(embeddings)
    lab = None
    if labels is not None:
        if len(labels) != len(embeddings):
            raise _wass.WassError("labels: one array a graph expected")
        lab = np.concatenate([np.asarray(l, dtype=np.intc).ravel() for l in labels])
    D, info = _wass.graph_pairwise(X, offset, lab, method=method,
                                   label_penalty=float(label_penalty), seed=int(seed),
                                   threads=int(threads))
    return (D, info) if return_info else D


def node_labels(gs):
    """The node labels of a :class:`GraphSet` split per graph (for
    :func:`pairwise`), or None."""
    if gs.node_labels is None:
        return None
    o = gs.node_offset
    return [gs.node_labels[o[g]:o[g + 1]] for g in range(len(o) - 1)]


def classify(D, y, folds=10, inner_folds=5, gammas=None, Cs=None, psd="none", seed=0, threads=0):
    """Stratified ``folds``-fold cross-validation of an SVM on the kernel
    exp(-gamma D) (libsvm, precomputed kernel); gamma and C are chosen on each
    training fold by an inner ``inner_folds``-fold cross-validation. The
    default gammas are {1e-3, 1e-2, 0.1, 1, 10} / median training distance,
    the default Cs {1e-2, ..., 1e3}. ``psd`` 'clip' projects each training
    kernel block on the PSD cone. Returns a dict: mean, std (ddof 0),
    fold_accuracy, fold_gamma, fold_C, clipped_eigenvalues, seconds."""
    D = np.ascontiguousarray(D, dtype=float)
    y = np.asarray(y).astype(np.intc)
    g = None if gammas is None else np.asarray(gammas, dtype=float)
    c = None if Cs is None else np.asarray(Cs, dtype=float)
    return _wass.graph_classify(D, y, folds=int(folds), inner_folds=int(inner_folds), gammas=g,
                                Cs=c, psd=psd, seed=int(seed), threads=int(threads))


def folds(y, k, seed=0):
    """The stratified fold (0 .. k-1) of each item, as :func:`classify` uses."""
    return _wass.graph_folds(np.asarray(y).astype(np.intc), int(k), int(seed))


def svm_precomputed(Ktrain, ytrain, C, Ktest):
    """Train a C-SVC (libsvm) on a precomputed kernel block and predict the
    rows of Ktest (test x train kernel values)."""
    return _wass.svm_precomputed(np.ascontiguousarray(Ktrain, dtype=float),
                                 np.asarray(ytrain).astype(np.intc), float(C),
                                 np.ascontiguousarray(Ktest, dtype=float))
