/*
 * emd_merge.c - coincident points of a point-cloud problem merged into one
 * point per location for column generation, and the plan split back over
 * the members (see emd_internal.h).
 */
#include "exact/emd_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const double *x;
    size_t d, pos;
} keyed;

static int keyed_cmp(const void *pa, const void *pb) {
    const keyed *a = pa, *b = pb;
    for (size_t t = 0; t < a->d; t++) {
        if (a->x[t] < b->x[t]) return -1;
        if (a->x[t] > b->x[t]) return 1;
    }
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

void wass__groups_free(wass__groups *g) {
    if (!g) return;
    free(g->first);
    free(g->member);
    memset(g, 0, sizeof *g);
}

int wass__group_points(const double *P, size_t d, size_t *idx, double *w, size_t np,
                       wass__groups *g) {
    memset(g, 0, sizeof *g);
    keyed *k = malloc((np ? np : 1) * sizeof *k);
    size_t *gid = malloc((np ? np : 1) * sizeof(size_t));
    g->first = malloc((np + 1) * sizeof(size_t));
    g->member = malloc((np ? np : 1) * sizeof(size_t));
    double *wsum = malloc((np ? np : 1) * sizeof(double));
    size_t *rep = malloc((np ? np : 1) * sizeof(size_t));
    if (!k || !gid || !g->first || !g->member || !wsum || !rep) {
        free(k);
        free(gid);
        free(wsum);
        free(rep);
        wass__groups_free(g);
        return WASS_ERR_NOMEM;
    }
    for (size_t q = 0; q < np; q++) {
        k[q].x = P + idx[q] * d;
        k[q].d = d;
        k[q].pos = q;
    }
    qsort(k, np, sizeof *k, keyed_cmp);
    /* provisional ids in sorted order, then renumbered by first member */
    size_t ng = 0;
    for (size_t q = 0; q < np; q++) {
        if (q == 0 || keyed_cmp(&(keyed){k[q - 1].x, d, 0}, &(keyed){k[q].x, d, 0}) != 0) ng++;
        gid[k[q].pos] = ng - 1;
    }
    size_t *renum = g->member; /* scratch: provisional id -> final id */
    for (size_t q = 0; q < ng; q++)
        renum[q] = (size_t)-1;
    size_t nf = 0;
    for (size_t q = 0; q < np; q++) {
        size_t p = gid[q];
        if (renum[p] == (size_t)-1) {
            renum[p] = nf;
            rep[nf] = idx[q];
            wsum[nf] = 0.0;
            nf++;
        }
        gid[q] = renum[p];
        wsum[gid[q]] += w[q];
    }
    /* members by group, in input order */
    memset(g->first, 0, (np + 1) * sizeof(size_t));
    for (size_t q = 0; q < np; q++)
        g->first[gid[q] + 1]++;
    for (size_t q = 0; q < ng; q++)
        g->first[q + 1] += g->first[q];
    size_t *fill = (size_t *)k; /* scratch, np entries fit */
    memcpy(fill, g->first, ng * sizeof(size_t));
    for (size_t q = 0; q < np; q++)
        g->member[fill[gid[q]]++] = idx[q];
    for (size_t q = 0; q < ng; q++) {
        idx[q] = rep[q];
        w[q] = wsum[q];
    }
    g->ng = ng;
    free(k);
    free(gid);
    free(wsum);
    free(rep);
    return WASS_OK;
}

/* One side: pairs (group, other) -> (member, other), the flows of each group
 * handed to its members in order up to their weights. side 0 splits .i, 1
 * splits .j. in must be sorted by the side's group. */
static size_t split_side(const wass_flow *in, size_t len, const wass__groups *G, const double *w,
                         int side, wass_flow *out) {
    size_t q = 0, k = 0;
    while (k < len) {
        size_t grp = side ? in[k].j : in[k].i, e = k;
        while (e < len && (side ? in[e].j : in[e].i) == grp)
            e++;
        size_t m0 = G->first[grp], m1 = G->first[grp + 1], mk = m0;
        /* the last member with positive weight takes the remainders */
        size_t mlast = m0;
        for (size_t t = m0; t < m1; t++)
            if (w[G->member[t]] > 0) mlast = t;
        double left = w[G->member[mk]];
        for (size_t f = k; f < e; f++) {
            double mass = in[f].mass;
            while (mass > 0) {
                while (mk < mlast && !(left > 0))
                    left = w[G->member[++mk]];
                double take = mk == mlast ? mass : (mass < left ? mass : left);
                out[q] = in[f];
                if (side)
                    out[q].j = G->member[mk];
                else
                    out[q].i = G->member[mk];
                out[q++].mass = take;
                mass -= take;
                left -= take;
                if (mk == mlast) break;
            }
        }
        k = e;
    }
    return q;
}

static int by_i(const void *pa, const void *pb) {
    const wass_flow *a = pa, *b = pb;
    if (a->i != b->i) return a->i < b->i ? -1 : 1;
    return a->j < b->j ? -1 : a->j > b->j;
}

static int by_j(const void *pa, const void *pb) {
    const wass_flow *a = pa, *b = pb;
    if (a->j != b->j) return a->j < b->j ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

int wass__split_plan(const wass_flow *plan, size_t len, const wass__groups *gs, const double *a,
                     const wass__groups *gt, const double *b, wass_flow **out, size_t *out_len) {
    /* each split adds at most one pair per member */
    size_t n = gs->first[gs->ng], m = gt->first[gt->ng];
    size_t cap = len + n + m + 1;
    wass_flow *t1 = malloc(cap * sizeof *t1), *t2 = malloc(cap * sizeof *t2);
    if (!t1 || !t2) {
        free(t1);
        free(t2);
        return WASS_ERR_NOMEM;
    }
    memcpy(t1, plan, len * sizeof *t1);
    qsort(t1, len, sizeof *t1, by_i);
    size_t l1 = split_side(t1, len, gs, a, 0, t2);
    qsort(t2, l1, sizeof *t2, by_j);
    size_t l2 = split_side(t2, l1, gt, b, 1, t1);
    free(t2);
    *out = t1;
    *out_len = l2;
    return WASS_OK;
}
