/*
 * colgen_coarse.c - the multiscale start of column generation: the leaves of
 * the two k-d trees as weighted centroids, the transport problem between
 * them solved exactly, and its plan and duals lifted to the points.
 */
#include "exact/colgen_internal.h"
#include "exact/emd_internal.h"

#include <stdlib.h>
#include <string.h>

void wass__coarse_free(coarse_info *c) {
    free(c->u);
    free(c->v);
    free(c->pi);
    free(c->pj);
    free(c->start);
    memset(c, 0, sizeof *c);
}

/* Leaves of T as clusters: centroids (weighted by w) and total weights. */
static int leaves_of(const kd_tree *T, const double *w, size_t **leaf_node, size_t *nleaf,
                     double **cX, double **cw) {
    size_t d = T->d, L = 0;
    for (size_t id = 0; id < T->nnodes; id++)
        if (T->node[id].left < 0) L++;
    *leaf_node = malloc((L ? L : 1) * sizeof(size_t));
    *cX = calloc((L ? L : 1) * d, sizeof(double));
    *cw = calloc(L ? L : 1, sizeof(double));
    if (!*leaf_node || !*cX || !*cw) return WASS_ERR_NOMEM;
    size_t q = 0;
    for (size_t id = 0; id < T->nnodes; id++) {
        const kd_node *nd = &T->node[id];
        if (nd->left >= 0) continue;
        double W = 0.0;
        for (size_t k = nd->lo; k < nd->hi; k++)
            W += w[T->perm[k]];
        for (size_t k = nd->lo; k < nd->hi; k++) {
            double f = W > 0 ? w[T->perm[k]] / W : 1.0 / (double)(nd->hi - nd->lo);
            for (size_t t = 0; t < d; t++)
                (*cX)[q * d + t] += f * T->P[k * d + t];
        }
        (*cw)[q] = W;
        (*leaf_node)[q++] = id;
    }
    *nleaf = L;
    return WASS_OK;
}

/* The coarse problem is solved recursively, through the internal entry wass__emd_solve (the
 * documented multiscale recursion). */
int wass__coarse_solve(const wass_problem *pb, const colgen *cg, coarse_info *ci) {
    const wass_options *opt = cg->opt;
    const kd_tree *TX = &cg->TX, *TY = &cg->TY;
    const wass__ns_input *base = cg->base;
    const double *sup = base->supply, *dem = base->demand;
    size_t *lx = NULL, *ly = NULL, nx = 0, ny = 0;
    double *cx = NULL, *cy = NULL, *wx = NULL, *wy = NULL;
    int rc = leaves_of(TX, sup, &lx, &nx, &cx, &wx);
    if (!rc) rc = leaves_of(TY, dem, &ly, &ny, &cy, &wy);
    wass_result r;
    memset(&r, 0, sizeof r);
    if (rc) goto done;
    wass_problem cp = {.n = nx,
                       .m = ny,
                       .a = wx,
                       .b = wy,
                       .cost = wass_cost_points(cx, cy, TX->d, pb->cost.ground)};
    wass_options co = *opt;
    co.mass = WASS_MASS_NORMALIZE;
    co.certify = 0;
    co.want_plan = 1;
    co.want_duals = 1;
    co.max_iter = 0;
    co.progress = NULL;
    co.algorithm = WASS_ALGO_AUTO;
    if (wass__emd_solve(&cp, &co, &r, NULL) != WASS_OK || r.status != WASS_OPTIMAL) goto done;
    /* duals: the coarse problem was normalized; scale does not matter for
     * ordering within the start, but keep cost units: duals are in cost units */
    ci->u = malloc(TX->np * sizeof(double));
    ci->v = malloc(TY->np * sizeof(double));
    size_t np = 0;
    for (size_t k = 0; k < r.plan_len; k++) {
        const kd_node *a = &TX->node[lx[r.plan[k].i]], *b = &TY->node[ly[r.plan[k].j]];
        np += (a->hi - a->lo) * (b->hi - b->lo);
    }
    ci->pi = malloc((np ? np : 1) * sizeof(size_t));
    ci->pj = malloc((np ? np : 1) * sizeof(size_t));
    if (!ci->u || !ci->v || !ci->pi || !ci->pj) {
        rc = WASS_ERR_NOMEM;
        goto done;
    }
    for (size_t q = 0; q < nx; q++) {
        const kd_node *a = &TX->node[lx[q]];
        for (size_t k = a->lo; k < a->hi; k++)
            ci->u[TX->perm[k]] = r.u[q];
    }
    for (size_t q = 0; q < ny; q++) {
        const kd_node *b = &TY->node[ly[q]];
        for (size_t k = b->lo; k < b->hi; k++)
            ci->v[TY->perm[k]] = r.v[q];
    }
    np = 0;
    for (size_t k = 0; k < r.plan_len; k++) {
        const kd_node *a = &TX->node[lx[r.plan[k].i]], *b = &TY->node[ly[r.plan[k].j]];
        for (size_t x = a->lo; x < a->hi; x++)
            for (size_t y = b->lo; y < b->hi; y++) {
                ci->pi[np] = TX->perm[x];
                ci->pj[np++] = TY->perm[y];
            }
    }
    ci->npairs = np;
    rc = wass__lift_start(base, TX, TY, lx, nx, ly, ny, r.plan, r.plan_len, ci);
done:
    if (rc) wass__coarse_free(ci);
    if (!ci->pi) wass__coarse_free(ci);
    wass_result_free(&r);
    free(lx);
    free(ly);
    free(cx);
    free(cy);
    free(wx);
    free(wy);
    return rc;
}
