/*
 * colgen_order.c - column generation numbers its points in k-d tree order.
 *
 * The network simplex walks its spanning tree by index (parents, the
 * preorder thread, potentials, flows): a cycle and the subtree whose
 * potentials a pivot shifts are chains of nodes that are near in space, and
 * in the caller's order (random, for sampled clouds) each step is a cache
 * miss. Numbered in k-d tree order (leaves of a few points, children
 * adjacent), neighbours in space are neighbours in memory. The solve runs
 * on the renumbered problem (its own cost oracle over the permuted points)
 * and its output is mapped back; the optimum is the same, the pivots differ.
 */
#include "exact/colgen_internal.h"
#include "exact/emd_steps.h"

#include <stdlib.h>
#include <string.h>

/* perm[k] = the point of P (np x d) at position k of its k-d tree order. */
static int tree_order(const wass_problem *pb, const size_t *idx, size_t np, int side,
                      size_t *perm) {
    size_t d = pb->cost.d;
    const double *src = side ? pb->cost.Y : pb->cost.X;
    double *P = malloc((np * d > 0 ? np * d : 1) * sizeof(double));
    kd_tree T;
    memset(&T, 0, sizeof T);
    int rc = WASS_ERR_NOMEM;
    if (P) {
        for (size_t k = 0; k < np; k++)
            memcpy(P + k * d, src + idx[k] * d, d * sizeof(double));
        rc = wass__kd_build(&T, P, np, d);
        if (!rc) memcpy(perm, T.perm, np * sizeof(size_t));
    }
    wass__kd_free(&T);
    free(P);
    return rc;
}

void wass__cg_order_free(cg_order *o) {
    if (o->cx) wass__emd_oracle_free(o->cx);
    free(o->cx);
    free(o->sx);
    free(o->sy);
    free(o->ia);
    free(o->jb);
    free(o->sup);
    free(o->dem);
    memset(o, 0, sizeof *o);
}

int wass__cg_order(const wass_problem *pb, const wass_options *opt, const size_t *ia,
                   const size_t *jb, size_t nr, size_t mr, const wass__ns_input *base, cg_order *o,
                   wass__ns_input *in, wass_error_info *err) {
    size_t n2 = base->n, m2 = base->m;
    memset(o, 0, sizeof *o);
    o->nr = nr;
    o->mr = mr;
    o->sx = malloc((nr + 1) * sizeof(size_t));
    o->sy = malloc((mr + 1) * sizeof(size_t));
    o->ia = malloc((nr + 1) * sizeof(size_t));
    o->jb = malloc((mr + 1) * sizeof(size_t));
    o->sup = malloc((n2 + 1) * sizeof(double));
    o->dem = malloc((m2 + 1) * sizeof(double));
    wass__emd_oracle *cx = calloc(1, sizeof *cx);
    o->cx = cx;
    if (!o->sx || !o->sy || !o->ia || !o->jb || !o->sup || !o->dem || !cx) return WASS_ERR_NOMEM;
    if (tree_order(pb, ia, nr, 0, o->sx) || tree_order(pb, jb, mr, 1, o->sy)) return WASS_ERR_NOMEM;
    memcpy(o->sup, base->supply, n2 * sizeof(double)); /* the dummy node stays last */
    memcpy(o->dem, base->demand, m2 * sizeof(double));
    for (size_t i = 0; i < nr; i++) {
        o->ia[i] = ia[o->sx[i]];
        o->sup[i] = base->supply[o->sx[i]];
    }
    for (size_t j = 0; j < mr; j++) {
        o->jb[j] = jb[o->sy[j]];
        o->dem[j] = base->demand[o->sy[j]];
    }
    wass__emd_prep p;
    memset(&p, 0, sizeof p);
    p.n = pb->n;
    p.m = pb->m;
    p.ia = o->ia;
    p.jb = o->jb;
    p.sup = o->sup;
    p.dem = o->dem;
    p.nr = nr;
    p.mr = mr;
    p.n2 = n2;
    p.m2 = m2;
    wass__ns_input fresh;
    int rc = wass__emd_oracle_init(pb, opt, &p, cx, &fresh, err);
    if (rc) return rc;
    /* the caller's input with the renumbered masses, costs and orders */
    *in = *base;
    in->supply = fresh.supply;
    in->demand = fresh.demand;
    in->cost_ctx = fresh.cost_ctx;
    in->src_order = fresh.src_order;
    in->snk_order = fresh.snk_order;
    return WASS_OK;
}

/* dst[perm[k]] = src[k] for k < np, the rest (the dummy node) kept; src is
 * freed and replaced by dst. */
static int unpermute(double **src, size_t len, const size_t *perm, size_t np) {
    double *dst = malloc((len ? len : 1) * sizeof(double));
    if (!dst) return WASS_ERR_NOMEM;
    memcpy(dst, *src, len * sizeof(double));
    for (size_t k = 0; k < np; k++)
        dst[perm[k]] = (*src)[k];
    free(*src);
    *src = dst;
    return WASS_OK;
}

int wass__cg_unorder(const cg_order *o, size_t n2, size_t m2, wass__ns_output *out) {
    size_t nr = o->nr, mr = o->mr;
    for (size_t k = 0; k < out->nflows; k++) {
        if (out->flows[k].i < nr) out->flows[k].i = o->sx[out->flows[k].i];
        if (out->flows[k].j < mr) out->flows[k].j = o->sy[out->flows[k].j];
    }
    /* the basis is not passed on: it would need the same mapping */
    free(out->tree);
    free(out->tops);
    out->tree = NULL;
    out->tops = NULL;
    out->ntree = out->ntops = 0;
    if (unpermute(&out->u, n2, o->sx, nr) || unpermute(&out->v, m2, o->sy, mr))
        return WASS_ERR_NOMEM;
    return WASS_OK;
}
