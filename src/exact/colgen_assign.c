/*
 * colgen_assign.c - column generation for assignments (all masses equal, n =
 * m): shortest augmenting paths on the candidate arcs (assignment.c) instead
 * of the network simplex, which spends nearly all its pivots on degenerate
 * moves there. Warm-started from the duals lifted from the coarse problem;
 * after a pricing round, the rows a new pair prices out are freed and
 * matched again, the rest of the matching and all duals are kept.
 */
#include "exact/assignment.h"
#include "exact/colgen_internal.h"

#include <math.h>
#include <stdlib.h>
#ifdef WASS_COLGEN_TRACE
#include <stdio.h>
#endif

/* Rows visited in the order k * s mod n, s near n / phi (the golden ratio)
 * and prime to n: the points are numbered in k-d tree order
 * (colgen_order.c), and in that order neighbours would compete for the same
 * free columns one after the other (the greedy matchings leave free rows in
 * clumps, the augmenting paths grow long: twice the column scans on 2-D
 * uniform clouds, W2^2, 20,000 points); this order spreads consecutive rows
 * over the whole cloud. */
static void scrambled_order(size_t *order, size_t n) {
    size_t s = (size_t)(0.6180339887498949 * (double)n);
    if (s < 1) s = 1;
    while (wass__gcd(s, n) != 1)
        s++;
    size_t r = 0;
    for (size_t k = 0; k < n; k++) {
        order[k] = r;
        r += s;
        if (r >= n) r -= n;
    }
}

/* The pricing state of the assignment path (colgen's pm, near, nnear, pclean). */
static void clean_free(colgen *cg) {
    free(cg->pm);
    free(cg->near);
    free(cg->nnear);
    free(cg->pclean);
    cg->pm = NULL;
    cg->near = NULL;
    cg->nnear = cg->pclean = NULL;
}

int wass__cg_assignment(colgen *cg, const double *v0, wass__ns_output *o, int64_t *rounds_out,
                        int *done) {
    wass__sap S;
    size_t nr = cg->nr;
    const arcset *A = &cg->A;
    const wass__ns_input *base = cg->base;
    const wass_options *opt = cg->opt;
    *done = 0;
    size_t *order = malloc((nr ? nr : 1) * sizeof(size_t));
    cg->pm = malloc((nr ? nr : 1) * sizeof(double));
    cg->near = malloc((nr ? nr : 1) * CG_NEAR * sizeof(uint32_t));
    cg->nnear = calloc(nr ? nr : 1, 1);
    cg->pclean = calloc(nr ? nr : 1, 1); /* nothing clean before the first pricing */
    if (!order || !cg->pm || !cg->near || !cg->nnear || !cg->pclean || wass__sap_init(&S, nr, v0)) {
        free(order);
        clean_free(cg);
        return WASS_ERR_NOMEM;
    }
    scrambled_order(order, nr);
    S.order = order;
    int rc = WASS_OK;
    int64_t rounds = 0;
    double tol = 0.0;
    wass__sap_reprice(&S, A->ptr, A->col, A->cost, 1, 0.0);
    wass__sap_ctransform(&S, A->ptr, A->col, A->cost);
#ifdef WASS_COLGEN_TRACE
    fprintf(stderr, "assignment starts: arcs %zu t=%.3f\n", A->ptr[nr], wass__now());
#endif
    for (;;) {
        rc = wass__sap_augment(&S, A->ptr, A->col, A->cost);
        if (rc == WASS__SAP_NO_MATCHING) {
            rc = WASS_OK;
            goto out;
        }
        if (rc) goto out;
        rounds++;
        double mx = 0.0;
        for (size_t k = 0; k < nr; k++)
            mx = fmax(mx, fmax(fabs(S.u[k]), fabs(S.v[k])));
        tol = fmax(1e-13 * mx, 1e-300);
        double eps = fmax(1e-12 * cg->cmax, 4.0 * tol);
        size_t added;
        if ((rc = wass__cg_price(cg, S.u, S.v, eps, rounds, &added))) goto out;
#ifdef WASS_COLGEN_TRACE
        fprintf(stderr,
                "assignment round %lld: augmentations %llu scans %llu arcs %zu added %zu t=%.3f\n",
                (long long)rounds, (unsigned long long)S.augmentations, (unsigned long long)S.scans,
                A->ptr[nr], added, wass__now());
#endif
        if (opt->progress) opt->progress(-1.0, "column generation", opt->progress_user);
        if (added == 0) break;
        if ((rc = wass__cg_add_hits(cg, added))) goto out;
        wass__sap_reprice(&S, A->ptr, A->col, A->cost, 0, tol);
    }
    o->flows = malloc(nr * sizeof(wass__ns_arc));
    if (!o->flows) {
        rc = WASS_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < nr; i++) {
        o->flows[i].i = i;
        o->flows[i].j = (size_t)S.col4row[i];
        o->flows[i].mass = base->supply[i];
    }
    o->nflows = nr;
    o->u = S.u;
    o->v = S.v;
    S.u = S.v = NULL;
    o->status = WASS_OPTIMAL;
    o->iterations = (int64_t)S.scans;
    o->pricing_tol = tol;
    *rounds_out = rounds;
    *done = 1;
out:
    wass__sap_free(&S);
    free(order);
    clean_free(cg);
    return rc;
}
