/*
 * emd_dense_start.c - the multiscale start of the dense network simplex on
 * point clouds: the points are grouped into the leaves of two k-d trees,
 * the transport problem between the leaf centroids is solved exactly
 * (recursively, through wass__emd_solve, uncertified) and its plan is lifted
 * to a fine starting forest (colgen_coarse.c, colgen_start.c: the same
 * lift column generation starts from). The simplex first solves the problem
 * restricted to the pairs of points in two leaves that the coarse plan
 * joins (sparse pricing: cheap pivots), then, from that basis, prices all
 * n x m pairs as before. Only its first basis changes, so every answer is
 * still the optimum of the full problem and is certified as before.
 *
 * Why: from the sorted north-west corner the simplex needed about 20
 * pivots a point on 2-D clouds of 1000 points (every family), each pricing
 * a block of about sqrt(n m) pairs (bench/README_scale.md).
 */
#include "exact/colgen_internal.h"
#include "exact/emd_steps.h"

#include <stdlib.h>
#include <string.h>

/* Below this many pairs the start costs more than it saves (2-D, 150 x 150
 * to 300 x 300 points: even at 200 x 200, 1.3-1.8x faster at 300 x 300). */
#define DENSE_START_MIN_PAIRS 40000.0
/* Measured in 2-D and 3-D; in 5-D and 10-D it helped shifted clouds and
 * slowed uniform ones (up to 1.4x either way), so higher dimensions keep the
 * shortlist start. */
#define DENSE_START_MAXDIM 3

int wass__dense_start_wanted(const wass_problem *pb, const wass_options *opt,
                             const wass__emd_prep *p) {
    return pb->cost.kind == WASS_COST_POINTS && pb->cost.d <= DENSE_START_MAXDIM &&
           !p->use_colgen && !p->dummy_row && !p->dummy_col && opt->max_iter <= 0 &&
           (double)p->nr * (double)p->mr >= DENSE_START_MIN_PAIRS;
}

void wass__dense_start_free(wass__dense_start_t *s) {
    free(s->arcs);
    free(s->tops);
    memset(s, 0, sizeof *s);
}

/* The sparse problem: the coarse plan's pairs and the start arcs, solved
 * from the lifted start; its final basis (zero flows and orientation kept,
 * so it stays strongly feasible) becomes the dense start. */
static int restricted_solve(const wass__ns_input *in, coarse_info *ci, wass__dense_start_t *s) {
    arcset A;
    memset(&A, 0, sizeof A);
    size_t cnt = ci->npairs + ci->start_len;
    size_t *ri = realloc(ci->pi, (cnt ? cnt : 1) * sizeof(size_t));
    if (ri) ci->pi = ri;
    size_t *cj = realloc(ci->pj, (cnt ? cnt : 1) * sizeof(size_t));
    if (cj) ci->pj = cj;
    if (!ri || !cj) return WASS_ERR_NOMEM;
    for (size_t q = 0; q < ci->start_len; q++) {
        ri[ci->npairs + q] = ci->start[q].i;
        cj[ci->npairs + q] = ci->start[q].j;
    }
    int rc = wass__arcset_merge(&A, in->n, ri, cj, cnt);
    if (rc) goto done;
    for (size_t i = 0; i < in->n; i++)
        for (size_t k = A.ptr[i]; k < A.ptr[i + 1]; k++)
            in->cost_row(in->cost_ctx, i, A.col[k], 1, &A.cost[k]);
    wass__ns_input sp = *in;
    sp.start = ci->start;
    sp.start_len = ci->start_len;
    sp.arc_ptr = A.ptr;
    sp.arc_col = A.col;
    sp.arc_cost = A.cost;
    sp.want_tree = 1;
    wass__ns_output o;
    rc = wass__ns_solve(&sp, &o, NULL);
    if (!rc && o.status == WASS_OPTIMAL) {
        s->arcs = o.tree;
        s->len = o.ntree;
        s->tops = o.tops;
        s->ntops = o.ntops;
        o.tree = NULL;
        o.tops = NULL;
    }
    if (!rc) wass__ns_output_free(&o);
done:
    wass__arcset_free(&A);
    return rc;
}

static size_t leaves(const kd_tree *T) {
    size_t L = 0;
    for (size_t id = 0; id < T->nnodes; id++)
        L += T->node[id].left < 0;
    return L;
}

int wass__dense_start(const wass_problem *pb, const wass_options *opt, const wass__emd_prep *p,
                      const wass__emd_oracle *cx, const wass__ns_input *in,
                      wass__dense_start_t *s) {
    size_t d = pb->cost.d, nr = p->nr, mr = p->mr;
    colgen cg;
    coarse_info ci;
    memset(&cg, 0, sizeof cg);
    memset(&ci, 0, sizeof ci);
    memset(s, 0, sizeof *s);
    cg.base = in;
    cg.opt = opt;
    double *Y = malloc((mr > 0 ? mr * d : 1) * sizeof(double));
    int rc = Y ? WASS_OK : WASS_ERR_NOMEM;
    if (!rc)
        for (size_t j = 0; j < mr; j++)
            for (size_t t = 0; t < d; t++)
                Y[j * d + t] = cx->YT[t * mr + j];
    if (!rc && (wass__kd_build(&cg.TX, cx->Xc, nr, d) || wass__kd_build(&cg.TY, Y, mr, d)))
        rc = WASS_ERR_NOMEM;
    /* the coarse problem must be smaller (or the recursion would not end) */
    if (!rc && 2.0 * (double)leaves(&cg.TX) * (double)leaves(&cg.TY) > (double)nr * (double)mr)
        goto done;
    if (!rc) rc = wass__coarse_solve(pb, &cg, &ci);
    if (!rc && ci.start) rc = restricted_solve(in, &ci, s);
    if (!rc && !s->arcs && ci.start) { /* the lifted forest alone */
        s->arcs = ci.start;
        s->len = ci.start_len;
        ci.start = NULL;
    }
done:
    wass__coarse_free(&ci);
    wass__kd_free(&cg.TX);
    wass__kd_free(&cg.TY);
    free(Y);
    return rc;
}
