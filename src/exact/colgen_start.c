/*
 * colgen_start.c - starting forests for the network simplex inside column
 * generation: the matrix-minimum rule over the candidate arcs, and the lift
 * of a coarse plan over k-d tree leaves to the points. Every positive
 * allocation exhausts one of its two nodes, so the arcs form a forest.
 */
#include "exact/colgen_internal.h"

#include <stdlib.h>
#include <string.h>

/* Allocate min(ra[i], rb[j]) on (i, j), exhausting exactly one node. */
static inline void take(wass__ns_arc *arcs, size_t *len, size_t i, size_t j, double *ra,
                        double *rb) {
    double f = ra[i] < rb[j] ? ra[i] : rb[j];
    arcs[*len].i = i;
    arcs[*len].j = j;
    arcs[(*len)++].mass = f;
    if (ra[i] <= rb[j]) {
        rb[j] -= f;
        ra[i] = 0.0;
    } else {
        ra[i] -= f;
        rb[j] = 0.0;
    }
}

/* North-west corner rule over what is left (ra, rb) in the orders of in;
 * returns the new length of arcs (room for n + m). */
static size_t nw_rest(const wass__ns_input *in, double *ra, double *rb, wass__ns_arc *arcs,
                      size_t len) {
    size_t n = in->n, m = in->m, a = 0, b = 0;
    for (;;) {
        while (a < n && !(ra[in->src_order ? in->src_order[a] : a] > 0))
            a++;
        while (b < m && !(rb[in->snk_order ? in->snk_order[b] : b] > 0))
            b++;
        if (a >= n || b >= m || len >= n + m) break;
        take(arcs, &len, in->src_order ? in->src_order[a] : a, in->snk_order ? in->snk_order[b] : b,
             ra, rb);
    }
    return len;
}

typedef struct {
    double c;
    size_t i, j;
} garc;

static int garc_cmp(const void *pa, const void *pb) {
    const garc *a = pa, *b = pb;
    if (a->c != b->c) return a->c < b->c ? -1 : 1;
    if (a->i != b->i) return a->i < b->i ? -1 : 1;
    return a->j < b->j ? -1 : a->j > b->j;
}

/* Matrix-minimum rule over the candidate arcs (cheapest first), then the
 * north-west corner rule over what is left in the given orders. Every
 * positive allocation exhausts one of its two nodes, which then takes no
 * further flow, so the arcs form a forest as the simplex requires. */
int wass__greedy_start(const wass__ns_input *in, const arcset *A, const double *gu,
                       const double *gv, wass__ns_arc **out, size_t *out_len) {
    size_t n = in->n, m = in->m, nnz = A->ptr[n];
    garc *g = malloc((nnz ? nnz : 1) * sizeof *g);
    double *ra = malloc(n * sizeof(double)), *rb = malloc(m * sizeof(double));
    wass__ns_arc *arcs = malloc((n + m) * sizeof *arcs);
    if (!g || !ra || !rb || !arcs) {
        free(g);
        free(ra);
        free(rb);
        free(arcs);
        return WASS_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t k = A->ptr[i]; k < A->ptr[i + 1]; k++) {
            g[k].c = gu ? A->cost[k] - gu[i] - gv[A->col[k]] : A->cost[k];
            g[k].i = i;
            g[k].j = A->col[k];
        }
    qsort(g, nnz, sizeof *g, garc_cmp);
    memcpy(ra, in->supply, n * sizeof(double));
    memcpy(rb, in->demand, m * sizeof(double));
    size_t len = 0;
    for (size_t k = 0; k < nnz && len < n + m - 1; k++) {
        size_t i = g[k].i, j = g[k].j;
        if (!(ra[i] > 0 && rb[j] > 0)) continue;
        take(arcs, &len, i, j, ra, rb);
    }
    free(g);
    len = nw_rest(in, ra, rb, arcs, len);
    free(ra);
    free(rb);
    *out = arcs;
    *out_len = len;
    return WASS_OK;
}

/* Lift the coarse plan (a forest over leaves) to a fine starting forest:
 * eliminate leaves of the coarse forest one by one; a leaf cluster sends (or
 * receives) all its remaining mass to (from) the points of its only
 * neighbour, by the north-west corner rule inside the two clusters. What
 * rounding leaves over goes by the north-west corner rule in the global
 * orders. Every positive allocation exhausts one of its two points, which
 * then takes no further flow, so the arcs form a forest. */
int wass__lift_start(const wass__ns_input *in, const kd_tree *TX, const kd_tree *TY,
                     const size_t *lx, size_t nx, const size_t *ly, size_t ny,
                     const wass_flow *plan, size_t plan_len, coarse_info *ci) {
    size_t n = in->n, m = in->m, N = nx + ny;
    double *ra = malloc(n * sizeof(double)), *rb = malloc(m * sizeof(double));
    size_t *deg = calloc(N + 1, sizeof(size_t)), *adj = malloc((2 * plan_len + 1) * sizeof(size_t));
    size_t *pos = malloc((N + 1) * sizeof(size_t)), *cur = malloc((N + 1) * sizeof(size_t));
    size_t *queue = malloc((N + 1) * sizeof(size_t));
    unsigned char *gone = calloc(N + 1, 1);
    wass__ns_arc *arcs = malloc((n + m) * sizeof *arcs);
    int rc = WASS_OK;
    if (!ra || !rb || !deg || !adj || !pos || !cur || !queue || !gone || !arcs) {
        rc = WASS_ERR_NOMEM;
        free(arcs);
        goto done;
    }
    memcpy(ra, in->supply, n * sizeof(double));
    memcpy(rb, in->demand, m * sizeof(double));
    /* coarse forest adjacency: nodes 0..nx-1 source leaves, nx.. sink leaves */
    for (size_t k = 0; k < plan_len; k++) {
        deg[plan[k].i + 1]++;
        deg[nx + plan[k].j + 1]++;
    }
    for (size_t x = 0; x < N; x++)
        deg[x + 1] += deg[x];
    memcpy(pos, deg, (N + 1) * sizeof(size_t));
    for (size_t k = 0; k < plan_len; k++) {
        adj[pos[plan[k].i]++] = nx + plan[k].j;
        adj[pos[nx + plan[k].j]++] = plan[k].i;
    }
    size_t *rem = pos; /* remaining degree */
    for (size_t x = 0; x < N; x++)
        rem[x] = deg[x + 1] - deg[x];
    for (size_t x = 0; x < nx; x++)
        cur[x] = TX->node[lx[x]].lo;
    for (size_t y = 0; y < ny; y++)
        cur[nx + y] = TY->node[ly[y]].lo;
    size_t qh = 0, qt = 0, len = 0;
    for (size_t x = 0; x < N; x++)
        if (rem[x] == 1) queue[qt++] = x;
    while (qh < qt) {
        size_t L = queue[qh++];
        if (gone[L] || rem[L] != 1) continue;
        size_t P = N;
        for (size_t e = deg[L]; e < deg[L + 1]; e++)
            if (!gone[adj[e]]) {
                P = adj[e];
                break;
            }
        if (P == N) continue;
        size_t S = L < nx ? L : P, T = L < nx ? P : L; /* source / sink cluster */
        size_t shi = TX->node[lx[S]].hi, thi = TY->node[ly[T - nx]].hi;
        for (;;) {
            while (cur[S] < shi && !(ra[TX->perm[cur[S]]] > 0))
                cur[S]++;
            while (cur[T] < thi && !(rb[TY->perm[cur[T]]] > 0))
                cur[T]++;
            if (cur[S] >= shi || cur[T] >= thi || len >= n + m) break;
            take(arcs, &len, TX->perm[cur[S]], TY->perm[cur[T]], ra, rb);
        }
        gone[L] = 1;
        if (--rem[P] == 1) queue[qt++] = P;
    }
    /* the rest: north-west corner in the global orders */
    len = nw_rest(in, ra, rb, arcs, len);
    ci->start = arcs;
    ci->start_len = len;
done:
    free(ra);
    free(rb);
    free(deg);
    free(adj);
    free(pos);
    free(cur);
    free(queue);
    free(gone);
    return rc;
}
