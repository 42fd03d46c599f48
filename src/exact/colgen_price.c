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
 * On the simplex path (masses not all equal) the duals move both ways
 * between pricings, but most keys C_ij - v_j move little once the rounds
 * add few pairs. A search that runs to its end (fewer violated pairs than
 * it takes) leaves a level: every sink not a candidate and not listed
 * (the up to CG_NEAR just above the threshold, candidates excluded) has a
 * key at least that high. The next search carries it: a key has moved by
 * phi_j = v_j(then) - v_j(now) since, so a node of the sink tree where the
 * level plus the smallest phi_j inside (lowered by a bound of the
 * rounding) is still at least the new threshold holds no violated pair
 * and is not opened, and the level it leaves is that sum. The sinks
 * listed last time are priced directly; when one is violated the source
 * is searched afresh. The pairs found are those of a plain search (the
 * carried bound only skips nodes without a violated pair, and the order
 * of the others is the same), so the pivots and the results are too.
 * 2-D gauss:random W1, 20,000 points: 143.6 -> 74.3 million nodes opened
 * and 272.6 -> 127.5 million keys over the 9 pricings (the last three
 * 18.9 million nodes each before, 6.6, 0.8 and 1.2 million now; the
 * first four, where most sources take their full count of pairs, are
 * unchanged).
 *
 * Parallel over sources with a fixed output slot per source, so the result
 * does not depend on the thread count.
 */
#include "exact/colgen_internal.h"

#include <float.h>
#include <math.h>
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

#ifndef CG_CARRY_FRAC
#define CG_CARRY_FRAC 0.0
#endif
#ifndef CG_CARRY_MARGIN
#define CG_CARRY_MARGIN CG_NEAR_MARGIN
#endif

/* The simplex path: the state of the carried levels (allocated at the
 * first pricing), and the smallest phi_j = v_j(last pricing) - v_j per
 * node of TY (before wass__kd_set_v stores v), lowered by a bound of the
 * rounding of the keys. Returns 1 when the levels can be carried to this
 * pricing, 0 when not (first pricing, no memory, a dual not finite). */
static int carry_prepare(colgen *cg, const double *v) {
    kd_tree *T = &cg->TY;
    size_t nr = cg->nr, np = T->np;
    if (!cg->clev) {
        cg->clev = malloc((nr ? nr : 1) * sizeof(double));
        cg->cphi = malloc((T->nnodes ? T->nnodes : 1) * sizeof(double));
        cg->cnear = malloc((nr ? nr : 1) * CG_NEAR * sizeof(uint32_t));
        cg->cnn = calloc(nr ? nr : 1, 1);
        if (!cg->clev || !cg->cphi || !cg->cnear || !cg->cnn) {
            free(cg->clev);
            free(cg->cphi);
            free(cg->cnear);
            free(cg->cnn);
            cg->clev = cg->cphi = NULL;
            cg->cnear = NULL;
            cg->cnn = NULL;
            return 0;
        }
        for (size_t i = 0; i < nr; i++)
            cg->clev[i] = -INFINITY;
        cg->cv_set = 0;
    }
    if (!cg->cv_set || np == 0 || np > UINT32_MAX) return 0;
    double va = 0.0, vb = 0.0;
    for (size_t k = 0; k < np; k++) {
        double o = T->vp[k], w = v[T->perm[k]];
        if (!isfinite(o) || !isfinite(w)) return 0;
        va = fmax(va, fabs(o));
        vb = fmax(vb, fabs(w));
    }
    /* |fl(C - w) - fl(C - o) - fl(o - w)| <= 2^-52 (2 C + |o| + |w| + |o - w|) */
    double slack = 8.0 * DBL_EPSILON * (cg->cmax + va + vb);
    for (size_t id = T->nnodes; id-- > 0;) {
        const kd_node *nd = &T->node[id];
        double m = INFINITY;
        if (nd->left < 0) {
            for (size_t k = nd->lo; k < nd->hi; k++)
                m = fmin(m, T->vp[k] - v[T->perm[k]]);
            m -= slack;
        } else {
            m = fmin(cg->cphi[nd->left], cg->cphi[nd->right]);
        }
        cg->cphi[id] = m;
    }
    return 1;
}

#ifdef WASS_COLGEN_TRACE
extern _Thread_local size_t wass__kd_nodes, wass__kd_evals; /* kdtree.c */
#endif

/* Source i on the simplex path: the search with the level carried from
 * the last pricing (carry) and the near list that makes the next one.
 * The sinks listed last time are priced first; if one is violated the
 * search starts afresh (so the pairs found are those of a plain search:
 * the carried bound only skips nodes without a violated pair). */
static size_t carry_search(colgen *cg, size_t i, const double *x, int flags, double thr,
                           double margin, int carry, size_t add, kd_hit *h, kd_frame *stack) {
    kd_tree *T = &cg->TY;
    const arcset *A = &cg->A;
    uint32_t old[CG_NEAR], *L = cg->cnear + i * CG_NEAR;
    size_t n0 = carry ? cg->cnn[i] : 0;
    double lev = cg->clev[i];
    if (!(lev > -INFINITY)) carry = 0;
    for (size_t q = 0; q < n0 && carry; q++) {
        old[q] = L[q];
        if (wass__kd_key(T, cg->g, x, L[q]) < thr) carry = 0;
    }
    if (!carry) n0 = 0;
    kd_near nb = {.thr2 = thr + margin,
                  .idx = L,
                  .cap = CG_NEAR,
                  .phimin = carry ? cg->cphi : NULL,
                  .lev = lev,
                  .ccut = thr + CG_CARRY_FRAC * margin,
                  .acol = A->col + A->ptr[i],
                  .alen = A->ptr[i + 1] - A->ptr[i],
                  .shrink = 1};
    size_t c = wass__kd_search_near(T, cg->g, x, flags, thr, add, h, stack, &nb);
    int ok = c < add; /* the search ran to its end */
    for (size_t q = 0; q < n0 && ok; q++) {
        size_t w = 0;
        while (w < nb.len && L[w] != old[q])
            w++;
        if (w < nb.len) continue;
        double key = wass__kd_key(T, cg->g, x, old[q]); /* >= thr (checked above) */
        if (key >= nb.lev) continue;                    /* above the level */
        if (nb.len == CG_NEAR)
            nb.lev = key;
        else
            L[nb.len++] = old[q];
    }
    cg->clev[i] = ok ? nb.lev : -INFINITY;
    cg->cnn[i] = ok ? (unsigned char)nb.len : 0;
    return c;
}

int wass__cg_price(colgen *cg, const double *u, const double *v, double eps, int64_t rounds,
                   size_t *added_out) {
    size_t tr_nodes = 0, tr_evals = 0; /* nodes opened, keys computed (WASS_COLGEN_TRACE) */
    (void)tr_nodes;
    (void)tr_evals;
    size_t searched = 0, listed = 0, over = 0; /* sources searched, priced by their lists,
                                                * lists overflown (WASS_COLGEN_TRACE) */
    size_t add, added = 0, nr = cg->nr, d = cg->d;
    if (hits_for_round(cg, rounds, &add)) return WASS_ERR_NOMEM;
    kd_tree *TY = &cg->TY;
    const arcset *A = &cg->A;
    /* the simplex path carries levels from the last pricing (CG_NO_CARRY:
     * the plain search, for comparisons) */
    int use_carry = 0, carry = 0;
#ifndef CG_NO_CARRY
    if (!cg->pclean) carry = carry_prepare(cg, v);
    use_carry = !cg->pclean && cg->clev && TY->np <= UINT32_MAX; /* tree positions as uint32_t */
#endif
    wass__kd_set_v(TY, cg->g, v);  /* out of memory: the bound without the model */
    if (use_carry) cg->cv_set = 1; /* TY->vp holds this v for the next pricing */
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
#ifdef WASS_COLGEN_TRACE
        wass__kd_nodes = wass__kd_evals = 0;
#endif
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
                kd_near nb = {
                    .thr2 = u[i] - eps + margin, .idx = cg->near + i * CG_NEAR, .cap = near_cap};
                c = wass__kd_search_near(TY, cg->g, cg->X + i * d, flags, u[i] - eps, add, h, stack,
                                         &nb);
                searched++;
                cg->pclean[i] = c == 0;
                cg->pm[i] = nb.over ? u[i] - eps : nb.thr2;
                cg->nnear[i] = (unsigned char)nb.len;
                over += nb.over && c == 0;
            } else if (use_carry) {
                c = carry_search(cg, i, cg->X + i * d, flags, u[i] - eps,
                                 CG_CARRY_MARGIN * cg->cmax, carry, add, h, stack);
                searched++;
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
#ifdef WASS_COLGEN_TRACE
#pragma omp atomic
        tr_nodes += wass__kd_nodes;
#pragma omp atomic
        tr_evals += wass__kd_evals;
#endif
    }
#ifdef WASS_COLGEN_TRACE
    fprintf(stderr, "work: nodes %zu evals %zu\n", tr_nodes, tr_evals);
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
