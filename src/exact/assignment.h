/*
 * assignment.h - private interface of the sparse assignment solver: n rows,
 * n columns, a sparse set of allowed pairs with real costs, minimum total
 * cost of a perfect matching, by shortest augmenting paths (Dijkstra on
 * reduced costs with a binary heap, as in Jonker and Volgenant's method).
 *
 * It keeps dual potentials u (rows) and v (columns) with
 * c_ij - u_i - v_j >= 0 on every allowed pair (up to rounding) and equality on
 * matched pairs, so the matching is optimal for the allowed pairs when every
 * row is matched. The state survives between calls: after pairs are added
 * (column generation), wass__sap_reprice lowers u where a new pair demands it
 * and frees the rows whose matched pair is no longer tight, and
 * wass__sap_augment matches them again.
 */
#ifndef WASS_ASSIGNMENT_H
#define WASS_ASSIGNMENT_H

#include "common/internal.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t n;
    double *u, *v;
    int64_t *col4row, *row4col; /* -1 = free */
    /* Dijkstra workspace */
    double *dist;
    int64_t *pred;
    double *pd; /* the distance of a popped column */
    size_t *touched, ntouched;
    size_t *rows, nrows; /* rows reached in the current search */
    struct wass__sap_heap_entry *heap;
    size_t heap_len, heap_cap;
    uint64_t augmentations, scans;
    /* the order in which rows take their first columns, are matched
     * greedily and are augmented: position k is row order[k] (NULL = 0, 1,
     * ..., n - 1); not owned */
    const size_t *order;
} wass__sap;

/* All rows and columns free, v = v0 (NULL = 0), u undefined until
 * wass__sap_reprice. Returns WASS_OK or WASS_ERR_NOMEM. */
int wass__sap_init(wass__sap *s, size_t n, const double *v0);
void wass__sap_free(wass__sap *s);

/* Pairs of row i: col[k], cost[k] for ptr[i] <= k < ptr[i + 1]. With
 * first = 1: u_i = min over row i of (c_ij - v_j), and each row takes its
 * cheapest column if that column is still free. Otherwise: where that
 * minimum is below u_i - tol (a new pair prices the row out), u_i drops to
 * it and the row is freed (its matched pair is no longer tight); smaller
 * differences are rounding and are left alone. Returns the number of free
 * rows. */
size_t wass__sap_reprice(wass__sap *s, const size_t *ptr, const size_t *col, const double *cost,
                         int first, double tol);

/* Dual ascent before the first augmentations (after wass__sap_reprice with
 * first = 1): v_j = min_i (c_ij - u_i), then u_i = min_j (c_ij - v_j) over
 * the allowed pairs (each step keeps every reduced cost nonnegative and
 * raises the dual objective; a second pass changes nothing), then a greedy
 * matching on the tight pairs replaces the matching. With duals lifted
 * from a coarse problem (constant on each cluster) this makes far more pairs
 * tight: 2-D Gaussians shifted, 10,000 points, W2^2: the first
 * augmentations scanned 0.42 instead of 1.74 million columns. */
void wass__sap_ctransform(wass__sap *s, const size_t *ptr, const size_t *col, const double *cost);

/* Match every free row by a shortest augmenting path. Returns WASS_OK,
 * WASS__SAP_NO_MATCHING when the allowed pairs admit no perfect matching
 * (some rows stay free; the state is still consistent), or WASS_ERR_NOMEM. */
#define WASS__SAP_NO_MATCHING 1
int wass__sap_augment(wass__sap *s, const size_t *ptr, const size_t *col, const double *cost);

#endif
