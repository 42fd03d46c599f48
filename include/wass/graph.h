/*
 * wass/graph.h - graph similarity by matching node embeddings (Nikolentzos,
 * Meladianos, Vazirgiannis, AAAI 2017), an application of libwass built on
 * the core API of <wass.h>: a reader for the TU benchmark text format,
 * spectral node embeddings (LAPACK), the exact EMD between every pair of
 * graphs (or its grid-embedding approximation), and SVM classification with
 * the kernel exp(-gamma D) by nested, stratified cross-validation (libsvm).
 * Conventions as in <wass.h>.
 */
#ifndef WASS_GRAPH_H
#define WASS_GRAPH_H

#include "../wass.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================== */
/* Graph sets and the TU text format                                        */
/* ======================================================================== */

/* A set of undirected graphs stored back to back. Node k (global, 0-based)
 * belongs to graph g when node_offset[g] <= k < node_offset[g + 1]; its
 * neighbours are adj[adj_offset[k] .. adj_offset[k + 1]) (global ids,
 * sorted ascending, no repeats; a self loop lists k itself). */
typedef struct {
    size_t graphs, nodes;
    size_t *node_offset; /* graphs + 1 (owned) */
    size_t *adj_offset;  /* nodes + 1 (owned) */
    size_t *adj;         /* adj_offset[nodes] entries (owned) */
    int *graph_label;    /* graphs class labels (owned) */
    int *node_label;     /* nodes labels, or NULL when the set has none (owned) */
    size_t attr_dim;     /* attributes per node (0 = none) */
    double *node_attr;   /* nodes x attr_dim, or NULL (owned) */
} wass_graph_set;

/* Read a data set in the TU Dortmund text format from the folder dir, whose
 * last path component DS names the files: DS_A.txt (one directed edge a line,
 * "i, j", 1-based node ids; both directions are usually listed, either one
 * makes the undirected edge), DS_graph_indicator.txt (line k: the 1-based
 * graph of node k; non-decreasing, no graph skipped),
 * DS_graph_labels.txt (line g: the integer class of graph g) and, when they
 * exist, DS_node_labels.txt (line k: an integer label of node k) and
 * DS_node_attributes.txt (line k: comma-separated numbers, the same count on
 * every line). A malformed file (an id out of range or across two graphs, a
 * non-integer, an indicator out of order, a line count that does not match)
 * gives WASS_ERR_FORMAT, a missing required file WASS_ERR_IO, each with a
 * message "PATH:LINE: what is wrong" (err->line set); nothing is returned
 * then (out is zeroed). Line counts are checked before anything they size is
 * allocated. */
WASS_API int wass_tu_load(const char *dir, wass_graph_set *out, wass_error_info *err);
WASS_API void wass_graph_set_free(wass_graph_set *gs);

/* ======================================================================== */
/* Node embeddings                                                          */
/* ======================================================================== */

/* Spectral embedding of one graph of n nodes with dense symmetric adjacency
 * A (n x n, row-major): the eigenvectors of A for its dim largest eigenvalues
 * in magnitude (LAPACK dsyevr), absolute values taken so that the embedding
 * does not depend on the eigensolver's signs. out (n x dim, caller-owned)
 * row i = node i; column c = the eigenvector of the c-th largest |eigenvalue|
 * (ties by the larger eigenvalue); graphs with fewer than dim nodes are padded
 * with zero columns. A repeated eigenvalue (consecutive eigenvalues within
 * 1e-9 max(1, max |lambda|)) has no unique eigenvectors: each of its
 * columns is sqrt(P_ii / k) instead, P the projector on its k-dimensional
 * eigenspace, which no choice of basis changes (|v_i| when k = 1). The
 * result does not depend on OpenBLAS's thread count (run on one thread).
 * eigenvalues (dim, may be NULL) receives the eigenvalues in the same order
 * (0 in padded columns). */
WASS_API int wass_graph_spectral_embed(size_t n, const double *A, size_t dim, double *out,
                                       double *eigenvalues, wass_error_info *err);

/* The node embeddings of a set of graphs: graph g's nodes are rows
 * offset[g] .. offset[g + 1] - 1 of X (nodes x dim). label: one integer a
 * node, or NULL (used by the labelled distance). */
typedef struct {
    size_t graphs, nodes, dim;
    size_t *offset; /* graphs + 1 (owned) */
    double *X;      /* nodes x dim (owned) */
    int *label;     /* nodes, or NULL (owned) */
} wass_graph_embedding;

/* Embed every graph of gs (wass_graph_spectral_embed on its adjacency
 * matrix; node labels copied when gs has them). threads: 0 = all cores; the
 * result does not depend on it. out is overwritten. */
WASS_API int wass_graph_embed(const wass_graph_set *gs, size_t dim, int threads,
                              wass_graph_embedding *out, wass_error_info *err);
WASS_API void wass_graph_embedding_free(wass_graph_embedding *e);

/* ======================================================================== */
/* Distances between graphs                                                 */
/* ======================================================================== */

typedef enum {
    WASS_GRAPH_EXACT = 0,    /* exact EMD, small-problem transport solver (default) */
    WASS_GRAPH_EMD_MANY = 1, /* exact EMD through the core wass_emd_many (same values,
                                slower: a reference) */
    WASS_GRAPH_GRID = 2      /* approximate: L1 between grid embeddings (wass_embed)
                                of the node clouds, a pyramid-match-style distance */
} wass_graph_method;
/* "exact", "emd_many", "grid". */
WASS_API const char *wass_graph_method_name(wass_graph_method method);
WASS_API int wass_graph_method_parse(const char *name, wass_graph_method *out);

typedef struct {
    wass_graph_method method;  /* default WASS_GRAPH_EXACT */
    int labels;                /* 1: labelled variant, ground cost ||x - y|| + label_penalty
                                  when the two nodes' labels differ (needs labels) */
    double label_penalty;      /* default 1.0 (>= 0) */
    uint64_t seed;             /* grid shift (WASS_GRAPH_GRID), default 0 */
    int threads;               /* 0 = all cores; the numbers do not depend on it */
    wass_progress_fn progress; /* may be NULL; from the calling thread */
    void *progress_user;
} wass_graph_distance_options;

WASS_API void wass_graph_distance_options_default(wass_graph_distance_options *opt);

typedef struct {
    size_t pairs;       /* distances in D (graphs (graphs - 1) / 2), copies included */
    size_t fallbacks;   /* exact pairs whose certificate failed in the fast solver and
                           that were solved again by wass_emd */
    double max_gap;     /* largest relative duality gap accepted (exact methods) */
    double min_reduced; /* most negative reduced cost, relative to the largest cost */
    double seconds;     /* wall time */
    size_t distinct;    /* graphs solved (WASS_GRAPH_EXACT: the graphs less the copies;
                           the other methods: every graph) */
} wass_graph_distance_info;

/* D (graphs x graphs, caller-owned, row-major): D[g][h] = the EMD between
 * graph g's and h's node clouds (uniform weights 1/n_g and 1/n_h, Euclidean
 * ground cost, plus the label penalty in the labelled variant), or the grid
 * approximation. D is symmetric with zero diagonal. Every exact distance is
 * certified (an independent check of the dual feasibility over all node
 * pairs and of the duality gap, both within 1e-9); a pair that the fast
 * solver cannot certify is solved again by wass_emd. Nodes whose embeddings agree within 1e-12 in
 * every coordinate are merged into one point; a graph whose points are those of an earlier graph up
 * to their order and 1e-12 in every coordinate (the same node count, multiplicities and labels; an
 * isomorphic graph, its eigenvectors rounded otherwise) gets that graph's distances, and 0 against
 * it. Both move a distance by at most 4 sqrt(dim) 1e-12 (9.8e-12 at dim 6). info may be NULL. */
WASS_API int wass_graph_distances(const wass_graph_embedding *E,
                                  const wass_graph_distance_options *opt, double *D,
                                  wass_graph_distance_info *info, wass_error_info *err);

/* ======================================================================== */
/* Classification: SVM on exp(-gamma D), nested cross-validation            */
/* ======================================================================== */

typedef enum {
    WASS_GRAPH_PSD_NONE = 0, /* the kernel as it is (libsvm accepts indefinite kernels;
                                its solver then finds a local optimum) */
    WASS_GRAPH_PSD_CLIP = 1  /* negative eigenvalues of the training block set to zero
                                (LAPACK dsyevr); the test rows are left as they are */
} wass_graph_psd;
/* "none", "clip". */
WASS_API const char *wass_graph_psd_name(wass_graph_psd psd);
WASS_API int wass_graph_psd_parse(const char *name, wass_graph_psd *out);

typedef struct {
    size_t folds;         /* outer folds, default 10 (stratified) */
    size_t inner_folds;   /* folds of the inner selection of gamma and C, default 5 */
    const double *gammas; /* candidate gammas (ngammas), NULL = default grid
                             {1e-3, 1e-2, 1e-1, 1, 10} divided by the median of the
                             training fold's distances */
    size_t ngammas;
    const double *Cs; /* candidate C (nC), NULL = {1e-2, 1e-1, 1, 10, 100, 1000} */
    size_t nC;
    wass_graph_psd psd;        /* default WASS_GRAPH_PSD_NONE */
    uint64_t seed;             /* fold assignment, default 0 */
    int threads;               /* outer folds in parallel, 0 = all cores */
    wass_progress_fn progress; /* may be NULL; from the calling thread */
    void *progress_user;
} wass_graph_classify_options;

WASS_API void wass_graph_classify_options_default(wass_graph_classify_options *opt);

typedef struct {
    size_t folds;
    double *fold_accuracy;       /* folds accuracies on the test folds (owned) */
    double *fold_gamma;          /* folds: the gamma chosen on each training fold (owned) */
    double *fold_C;              /* folds: the C chosen (owned) */
    double mean, std;            /* of fold_accuracy (std with ddof = 0) */
    size_t negative_eigenvalues; /* WASS_GRAPH_PSD_CLIP: eigenvalues clipped, all folds */
    double seconds;
} wass_graph_classify_result;

/* Stratified k-fold assignment (fold[i] in 0..folds-1): each class's members
 * shuffled by the seed and dealt to the folds in turn, continuing from one
 * class to the next, so fold sizes differ by at most one. */
WASS_API int wass_graph_folds(const int *y, size_t n, size_t folds, uint64_t seed, size_t *fold,
                              wass_error_info *err);

/* SVM with the precomputed kernel K = exp(-gamma D) (libsvm C-SVC, one
 * against one for several classes): for each outer fold, gamma and C are
 * chosen by an inner stratified cross-validation on the training fold alone
 * (the highest mean inner accuracy; ties to the smaller gamma, then the
 * smaller C), a model is trained on the whole training fold and tested on
 * the held-out fold. D: n x n symmetric, finite, nonnegative; y: n labels.
 * res is overwritten (wass_graph_classify_result_free). */
WASS_API int wass_graph_classify(const double *D, const int *y, size_t n,
                                 const wass_graph_classify_options *opt,
                                 wass_graph_classify_result *res, wass_error_info *err);
WASS_API void wass_graph_classify_result_free(wass_graph_classify_result *res);

/* One SVM on a precomputed kernel: train on the ntrain x ntrain block
 * Ktrain (row-major) with labels ytrain and cost C, predict the ntest rows
 * of Ktest (ntest x ntrain: kernel between test and training items) into
 * predicted (ntest, caller-owned). */
WASS_API int wass_svm_precomputed(const double *Ktrain, const int *ytrain, size_t ntrain, double C,
                                  const double *Ktest, size_t ntest, int *predicted,
                                  wass_error_info *err);

#ifdef __cplusplus
}
#endif

#endif /* WASS_GRAPH_H */
