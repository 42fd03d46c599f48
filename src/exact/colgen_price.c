/*
 * colgen_price.c - pricing of all n x m pairs in column generation: per
 * source a branch-and-bound search of the sink k-d tree for the pairs with
 * C_ij - v_j < u_i - eps (wass__kd_search), up to a few of the most
 * violated (W1: the first few found), which then join the candidate arcs.
 *
 * On the assignment path (cg->pclean), a search that finds nothing also
 * lists the sinks whose key lies within CG_NEAR_MARGIN * cmax above the
 * threshold; every other sink is then known to lie above that level, and
 * since keys only rise between pricings there (v only drops), the source
 * is not searched again while its threshold stays below the level: its
 * listed sinks alone are priced. In the last rounds most sources rise by
 * less than the margin (2-D, 20,000 points, W1 uniform weights,
 * alternated, medians of 3: concentrated 9.25 -> 8.78 s, gauss 6.85 ->
 * 6.47, clusters 5.84 -> 5.64, the same scans; 16 listed at 1e-6
 * overflowed on most sources and gained nothing; bench/README_scale.md).
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

/* The violated pairs among the sinks listed for clean source i (up to add,
 * in list order): the only ones there can be while thr <= cg->pm[i]. */
static size_t listed_hits(const colgen *cg, size_t i, double thr, size_t add, kd_hit *h) {
    size_t c = 0;
    const uint32_t *L = cg->near + i * CG_NEAR;
    for (size_t q = 0; q < cg->nnear[i] && c < add; q++) {
        double key = wass__kd_key(&cg->TY, cg->g, cg->X + i * cg->d, L[q]);
        if (key < thr) {
            h[c].key = key;
            h[c++].idx = L[q];
        }
    }
    return c;
}

int wass__cg_price(colgen *cg, const double *u, const double *v, double eps, int64_t rounds,
                   size_t *added_out) {
    size_t searched = 0, listed = 0, over = 0; /* sources searched, priced by their lists,
                                                * lists overflown (WASS_COLGEN_TRACE) */
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
    double margin = CG_NEAR_MARGIN * cg->cmax;
    size_t near_cap = TY->np <= UINT32_MAX ? CG_NEAR : 0; /* tree positions as uint32_t */
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) reduction(+ : added, searched, listed, over)
#endif
    {
        kd_frame stack[160];
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 128)
#endif
        for (size_t i = 0; i < nr; i++) {
            kd_hit *h = cg->hits + i * add;
            size_t c;
            if (cg->pclean && cg->pclean[i] && u[i] - eps <= cg->pm[i]) {
                c = listed_hits(cg, i, u[i] - eps, add, h); /* the rest are still clean */
                listed++;
            } else if (cg->pclean) {
                kd_near nb = {u[i] - eps + margin, cg->near + i * CG_NEAR, near_cap, 0, 0};
                c = wass__kd_search_near(TY, cg->g, cg->X + i * d, flags, u[i] - eps, add, h, stack,
                                         &nb);
                searched++;
                cg->pclean[i] = c == 0;
                cg->pm[i] = nb.over ? u[i] - eps : nb.thr2;
                cg->nnear[i] = (unsigned char)nb.len;
                over += nb.over && c == 0;
            } else {
                c = wass__kd_search(TY, cg->g, cg->X + i * d, flags, u[i] - eps, add, h, stack);
                searched++;
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
    fprintf(stderr, "pricing: %zu sources searched, %zu by their lists, %zu lists full t=%.3f\n",
            searched, listed, over, wass__now());
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
