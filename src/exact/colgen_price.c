/*
 * colgen_price.c - pricing of all n x m pairs in column generation: per
 * source a branch-and-bound search of the sink k-d tree for the pairs with
 * C_ij - v_j < u_i - eps (wass__kd_search), up to a few of the most
 * violated (W1: the first few found), which then join the candidate arcs.
 *
 * Parallel over sources with a fixed output slot per source, so the result
 * does not depend on the thread count.
 */
#include "exact/colgen_internal.h"

#include <stdlib.h>
#ifdef WASS_COLGEN_TRACE
#include <stdio.h>
#endif

/* Pairs added per source in the pricing after `rounds` solves, and room
 * for them in cg->hits (nr rows). */
static int hits_for_round(colgen *cg, int64_t rounds, size_t *add) {
    size_t a = ADD_PER_ROW, nr = cg->nr;
    int w1 = cg->g->metric == WASS_EUCLIDEAN && cg->g->p == 1.0;
    if (w1 && !cg->pclean) a = ADD_PER_ROW_W1; /* the simplex path (see colgen_internal.h) */
    for (int64_t r = 4; r < rounds && a < ADD_MAX; r++)
        a *= 2;
    if (a > ADD_MAX) a = ADD_MAX;
    if (a > cg->hits_cap || !cg->hits) {
        kd_hit *h = realloc(cg->hits, (nr ? nr : 1) * a * sizeof(kd_hit));
        if (!h) return WASS_ERR_NOMEM;
        cg->hits = h;
        cg->hits_cap = a;
    }
    *add = a;
    return WASS_OK;
}

/* Whether (i, j) is already a candidate (columns of a row are sorted). */
static int in_arcset(const arcset *A, size_t i, size_t j) {
    size_t lo = A->ptr[i], hi = A->ptr[i + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (A->col[mid] < j)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < A->ptr[i + 1] && A->col[lo] == j;
}

int wass__cg_price(colgen *cg, const double *u, const double *v, double eps, int64_t rounds,
                   size_t *added_out) {
    size_t searched = 0; /* sources searched (WASS_COLGEN_TRACE) */
    size_t add, added = 0, nr = cg->nr, d = cg->d;
    if (hits_for_round(cg, rounds, &add)) return WASS_ERR_NOMEM;
    kd_tree *TY = &cg->TY;
    const arcset *A = &cg->A;
    wass__kd_set_v(TY, cg->g, v); /* out of memory: the bound without the model */
    /* W1: the first pairs found below the threshold, not the most violated
     * ones. Along a transport ray nearly every pair is close to tight, so
     * proving which are the most violated opens most of the ray; 10,000
     * points, 2-D, one thread: 8-12 % less CPU on gauss, concentrated and
     * gauss:random (column scans or pivots within +-8 %, rounds +-1); W2^2
     * gained 0-5 %, within noise, and took a round more on gauss. */
#ifdef WASS_COLGEN_TRACE
    fprintf(stderr, "pricing starts t=%.3f\n", wass__now());
#endif
    int flags = KD_USE_V;
    if (cg->g->metric == WASS_EUCLIDEAN && cg->g->p == 1.0) flags |= KD_FIRST;
    int nt = cg->nt;
    (void)nt;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) reduction(+ : added, searched)
#endif
    {
        kd_frame stack[160];
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 128)
#endif
        for (size_t i = 0; i < nr; i++) {
            kd_hit *h = cg->hits + i * add;
            if (cg->pclean && cg->pclean[i] && u[i] <= cg->pu[i] && eps >= cg->peps[i]) {
                cg->nhit[i] = 0; /* still clean */
                continue;
            }
            size_t c = wass__kd_search(TY, cg->g, cg->X + i * d, flags, u[i] - eps, add, h, stack);
            searched++;
            if (cg->pclean) {
                cg->pu[i] = u[i];
                cg->peps[i] = eps;
                cg->pclean[i] = c == 0;
            }
            /* drop pairs already in the arc set (priced out by the solver
             * within its own tolerance) */
            size_t w = 0;
            for (size_t q = 0; q < c; q++) {
                size_t j = TY->perm[h[q].idx];
                if (in_arcset(A, i, j)) continue;
                h[w] = h[q];
                h[w++].idx = j;
            }
            cg->nhit[i] = w;
            added += w;
        }
    }
#ifdef WASS_COLGEN_TRACE
    fprintf(stderr, "pricing: %zu sources searched t=%.3f\n", searched, wass__now());
#endif
    cg->hits_stride = add; /* the row stride of hits for wass__cg_add_hits */
    *added_out = added;
    return WASS_OK;
}

int wass__cg_add_hits(colgen *cg, size_t added) {
    size_t *ri = malloc((added ? added : 1) * sizeof(size_t));
    size_t *cj = malloc((added ? added : 1) * sizeof(size_t));
    if (!ri || !cj) {
        free(ri);
        free(cj);
        return WASS_ERR_NOMEM;
    }
    size_t q = 0, add = cg->hits_stride;
    for (size_t i = 0; i < cg->nr; i++)
        for (size_t k = 0; k < cg->nhit[i]; k++) {
            ri[q] = i;
            cj[q++] = cg->hits[i * add + k].idx;
        }
    int rc = wass__arcset_merge(&cg->A, cg->n2, ri, cj, q);
    free(ri);
    free(cj);
    if (rc) return rc;
    wass__arcset_fill_costs(&cg->A, &cg->cost, cg->nr, cg->mr, cg->nt);
    return WASS_OK;
}
