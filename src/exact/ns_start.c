/*
 * ns_start.c - start heuristics of the network simplex: the north-west corner
 * rule and the least-cost (greedy) start on the shortlist arcs.
 */
#include "exact/ns_internal.h"

#include <stdlib.h>
#include <string.h>

/* North-west corner rule on the residual supplies rs / demands rd in the
 * given orders, appending positive arcs to arcs[k..]; returns the new count.
 * Every arc exhausts a node, so together with earlier arcs built the same
 * way the arcs form a forest. */
size_t wass__ns_northwest(const wass__ns_input *in, double *rs, double *rd, wass__ns_arc *arcs,
                          size_t k) {
    size_t n = in->n, m = in->m, a = 0, b = 0;
#define SRC(q) (in->src_order ? in->src_order[q] : (q))
#define SNK(q) (in->snk_order ? in->snk_order[q] : (q))
    while (a < n && !(rs[SRC(a)] > 0))
        a++;
    while (b < m && !(rd[SNK(b)] > 0))
        b++;
    while (a < n && b < m) {
        size_t i = SRC(a), j = SNK(b);
        double f = rs[i] < rd[j] ? rs[i] : rd[j];
        arcs[k].i = i;
        arcs[k].j = j;
        arcs[k].mass = f;
        k++;
        rs[i] -= f;
        rd[j] -= f;
        if (!(rs[i] > 0))
            while (a < n && !(rs[SRC(a)] > 0))
                a++;
        if (!(rd[j] > 0))
            while (b < m && !(rd[SNK(b)] > 0))
                b++;
    }
#undef SRC
#undef SNK
    return k;
}

typedef struct {
    double c;
    size_t idx;
} cost_idx;

/* Order-preserving unsigned key of a double (-0 and +0 alike). */
static inline uint64_t cost_key(double c) {
    uint64_t u;
    if (c == 0) c = 0.0;
    memcpy(&u, &c, sizeof u);
    return (u >> 63) ? ~u : (u | (UINT64_C(1) << 63));
}

/* Stable LSD radix sort of a[0..len) by cost (ties keep their order), with
 * tmp of len entries; 11-bit digits, a digit on which all keys agree is
 * skipped. Returns the buffer holding the result (a or tmp). */
static cost_idx *sort_cost_idx(cost_idx *a, cost_idx *tmp, size_t len) {
    size_t cnt[2048];
    for (int sh = 0; sh < 64; sh += 11) {
        memset(cnt, 0, sizeof cnt);
        for (size_t q = 0; q < len; q++)
            cnt[(cost_key(a[q].c) >> sh) & 2047]++;
        if (len == 0 || cnt[(cost_key(a[0].c) >> sh) & 2047] == len) continue;
        size_t sum = 0;
        for (size_t d = 0; d < 2048; d++) {
            size_t c = cnt[d];
            cnt[d] = sum;
            sum += c;
        }
        for (size_t q = 0; q < len; q++)
            tmp[cnt[(cost_key(a[q].c) >> sh) & 2047]++] = a[q];
        cost_idx *sw = a;
        a = tmp;
        tmp = sw;
    }
    return a;
}

/* Least-cost start on the candidate arcs (cheapest first, each arc
 * exhausting a node), completed by the north-west corner rule. */
int wass__ns_greedy_start(const wass__ns_input *in, const cand_list *L, wass__ns_arc *arcs,
                          size_t *narcs) {
    size_t n = in->n, m = in->m, k = 0;
    double *rs = malloc(n * sizeof(double)), *rd = malloc(m * sizeof(double));
    cost_idx *ord = malloc((L->len ? L->len : 1) * sizeof *ord);
    cost_idx *tmp = malloc((L->len ? L->len : 1) * sizeof *tmp);
    if (!rs || !rd || !ord || !tmp) {
        free(rs);
        free(rd);
        free(ord);
        free(tmp);
        return WASS_ERR_NOMEM;
    }
    memcpy(rs, in->supply, n * sizeof(double));
    memcpy(rd, in->demand, m * sizeof(double));
    for (size_t e = 0; e < L->len; e++) {
        ord[e].c = L->a[e].c;
        ord[e].idx = e;
    }
    const cost_idx *srt = sort_cost_idx(ord, tmp, L->len);
    for (size_t q = 0; q < L->len; q++) {
        const cand_arc *e = &L->a[srt[q].idx];
        double f = rs[e->i] < rd[e->j] ? rs[e->i] : rd[e->j];
        if (!(f > 0)) continue;
        arcs[k].i = e->i;
        arcs[k].j = e->j;
        arcs[k].mass = f;
        k++;
        rs[e->i] -= f;
        rd[e->j] -= f;
    }
    *narcs = wass__ns_northwest(in, rs, rd, arcs, k);
    free(rs);
    free(rd);
    free(ord);
    free(tmp);
    return WASS_OK;
}
