/*
 * kdtree.h - private k-d tree over a point cloud for the column-generation
 * exact solver: nearest neighbours, and branch-and-bound pricing of all
 * pairs with dual potentials (kdtree.c).
 */
#ifndef WASS_KDTREE_H
#define WASS_KDTREE_H

#include "common/internal.h"

#include <stddef.h>
#include <stdint.h>

#ifndef KD_LEAF
#define KD_LEAF 5 /* most points in a leaf */
#endif

typedef struct {
    size_t lo, hi;       /* points perm[lo..hi) */
    int64_t left, right; /* children, -1 for a leaf */
} kd_node;

/* Nodes are stored parents before children; node 0 is the root. */
typedef struct {
    size_t np, d, nnodes, cap;
    double *P;    /* np x d coordinates in tree order */
    size_t *perm; /* tree position -> point index */
    kd_node *node;
    double *bmin, *bmax; /* nnodes x d bounding boxes */
    double *maxv;        /* nnodes: largest v inside (pricing) */
    double *vp;          /* np: v in tree order */
    /* A linear model of -v per node (W1 and W2^2 only; lin_mode 0 = none):
     * lin[id * (d + 2) ..] holds the gradient g (d), the offset a and a
     * magnitude s, with f_j >= <g, y_j - c> + a for every point j of the
     * node, c its box centre, f_j = |y_j - c|^2 - v_j (W2^2) or -v_j (W1). */
    double *lin;
    int lin_mode; /* 1 = squared euclidean, 2 = euclidean */
} kd_tree;

/* A search result: key and tree position (perm[idx] is the point). */
typedef struct {
    double key;
    size_t idx; /* tree position */
} kd_hit;

/* Stack frame of a search. */
typedef struct {
    int64_t node;
    double lb;
} kd_frame;

/* Tree over the np points X (np x d, row-major; copied). Returns WASS_OK or
 * WASS_ERR_NOMEM (then wass__kd_free releases what was allocated). */
int wass__kd_build(kd_tree *T, const double *X, size_t np, size_t d);
void wass__kd_free(kd_tree *T);

/* Store v (np, indexed by point) for searches with use_v: vp in tree order,
 * the largest v inside every node and, for the ground metric g when it is
 * W1 or W2^2 (g may be NULL), a linear model of v per node. Returns WASS_OK
 * or WASS_ERR_NOMEM (then searches use the largest v alone). */
int wass__kd_set_v(kd_tree *T, const wass_ground *g, const double *v);

/* Flags of wass__kd_search. */
#define KD_USE_V 1 /* keys C(x, P_j) - v_j (v from wass__kd_set_v), else C(x, P_j) */
#define KD_FIRST 2 /* stop once r points with key < thr are found */

/* The (at most r) points j with the smallest key = C(x, P_j) - v_j (v from
 * wass__kd_set_v; without KD_USE_V in flags: v = 0), among those with key <
 * thr, sorted by (key, idx) into heap[0..return); with KD_FIRST the first r
 * found below thr instead (nodes are opened nearest bound first, so these
 * are among the smallest, not surely the r smallest). The bound of a node is the cost to its
 * bounding box minus the largest v inside, a true lower bound in floating
 * point because rounding is monotone; with a linear model of v (W1, W2^2)
 * also the model's bound, lowered by a margin far above rounding. stack holds at least 160 frames
 * (tree depth <= 64). */
size_t wass__kd_search(const kd_tree *T, const wass_ground *g, const double *x, int flags,
                       double thr, size_t r, kd_hit *heap, kd_frame *stack);

/* Pairs just above the threshold of a search (wass__kd_search_near): the
 * tree positions of the points with thr <= key < thr2 go to idx[0..len),
 * up to cap of them; where more are found, over is set, thr2 falls back to
 * thr and the points not listed have key >= thr only. */
typedef struct {
    double thr2;
    uint32_t *idx;
    size_t cap, len;
    int over;
    /* Optional (phimin != NULL): a level carried over from an earlier
     * search. Every point of node id that is neither listed earlier nor
     * excluded has key >= lev + phimin[id]; a node where that is at least
     * ccut (>= thr) is not opened. On return lev is the smallest such
     * carried bound of a node left unopened (thr2 when none), so every
     * point not listed, not excluded and not found has key >= min(lev,
     * thr2). The caller prices the points listed earlier itself. */
    const double *phimin;
    double lev, ccut;
    /* Optional: points (sorted indices, perm[k] of tree position k)
     * excluded from the list (they are candidates already). */
    const size_t *acol;
    size_t alen;
    /* Where the list is full: 0 = over is set and the level falls to thr;
     * 1 = the level falls to the key of the point not listed (over stays
     * 0; the level is returned in lev). */
    int shrink;
} kd_near;

/* wass__kd_search that also lists into *nb the points with thr <= key <
 * nb->thr2 (nb->len and nb->over are set here). When it finds no point
 * below thr, every point not listed has key >= nb->thr2 (nb->over = 0) or
 * >= thr (nb->over = 1). */
size_t wass__kd_search_near(const kd_tree *T, const wass_ground *g, const double *x, int flags,
                            double thr, size_t r, kd_hit *heap, kd_frame *stack, kd_near *nb);

/* The key C(x, P_k) - v_k of tree position k, computed as a search does. */
double wass__kd_key(const kd_tree *T, const wass_ground *g, const double *x, size_t k);

#endif
