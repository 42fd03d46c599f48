/*
 * graph_copies.c - graphs of a set whose points are the same up to their
 * order and rounding (wass__merged_nodes_distinct).
 *
 * Isomorphic graphs have the same embedding up to the order of the nodes
 * (the absolute eigenvector entries of distinct eigenvalues, and the
 * projector diagonals of repeated ones, do not depend on the numbering),
 * but LAPACK computes them from another matrix (rows and columns permuted)
 * and returns other roundings: NCI1 at d = 6 has 4,047 graphs distinct bit
 * for bit and 3,838 distinct up to order and 1e-13. A graph matches an
 * earlier one when both have the same node count and the same number of
 * points, and the points, each sorted by its coordinates quantised to
 * 2^-30 (then multiplicity and label), agree pairwise: multiplicities and
 * labels exactly, every coordinate within WASS__MERGE_TOL. Quantisation
 * only proposes the pairing; two points that fall on two sides of a
 * quantum, or two points of one graph with the same quantised coordinates,
 * can only make a match fail, never make a wrong one.
 *
 * Error: each of a copy's points is within WASS__MERGE_TOL of the matched
 * point of the first graph in every coordinate, so moving the copy's nodes
 * onto those points moves each by at most 2 sqrt(d) WASS__MERGE_TOL (its
 * own merge included), and a distance between two copies' classes by at
 * most 4 sqrt(d) WASS__MERGE_TOL (W1 is a metric: the triangle inequality
 * on both sides): 9.8e-12 at d = 6, 6.4e-11 at the largest d taken.
 */
#include "apps/graph/graph_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* coordinates quantised to 2^-COPY_QBITS for the order of the points */
#define COPY_QBITS 30

typedef struct {
    const int64_t *key; /* d + 2 words: quantised coordinates, mult, label */
    size_t len, p;      /* key words; the point's index in its graph */
} point_key;

typedef struct {
    uint64_t hash;
    size_t g;
} graph_hash;

static int64_t quantise(double x) {
    if (fabs(x) < 0x1p30) return (int64_t)nearbyint(x * (double)(1 << COPY_QBITS));
    int64_t bits;
    memcpy(&bits, &x, sizeof bits); /* large: its bits (a match is then checked anyway) */
    return bits;
}

static int by_key(const void *a, const void *b) {
    const point_key *x = a, *y = b;
    for (size_t k = 0; k < x->len; k++)
        if (x->key[k] != y->key[k]) return x->key[k] < y->key[k] ? -1 : 1;
    return x->p < y->p ? -1 : x->p > y->p;
}

static int by_hash(const void *a, const void *b) {
    const graph_hash *x = a, *y = b;
    if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
    return x->g < y->g ? -1 : x->g > y->g;
}

static uint64_t fnv(uint64_t h, const void *p, size_t len) {
    const unsigned char *b = p;
    for (size_t k = 0; k < len; k++)
        h = (h ^ b[k]) * 0x100000001b3ULL;
    return h;
}

/* Graph g's points in key order into ord[off[g] ..) (indices within g), and
 * the hash of its node count and sorted keys. kw: room for np (d + 2) keys,
 * pk for np entries. */
static uint64_t order_graph(const wass__merged_nodes *mn, const size_t *nodes, size_t g,
                            int64_t *kw, point_key *pk, size_t *ord) {
    size_t o = mn->off[g], np = mn->off[g + 1] - o, d = mn->dim, len = d + 2;
    const double *T = mn->XT + d * o;
    for (size_t p = 0; p < np; p++) {
        int64_t *k = kw + p * len;
        for (size_t c = 0; c < d; c++)
            k[c] = quantise(T[c * np + p]);
        k[d] = (int64_t)mn->mult[o + p];
        k[d + 1] = mn->label ? mn->label[o + p] : 0;
        pk[p] = (point_key){k, len, p};
    }
    qsort(pk, np, sizeof *pk, by_key);
    size_t n = nodes[g + 1] - nodes[g];
    uint64_t h = fnv(0xcbf29ce484222325ULL, &n, sizeof n);
    h = fnv(h, &np, sizeof np);
    for (size_t p = 0; p < np; p++) {
        ord[o + p] = pk[p].p;
        h = fnv(h, pk[p].key, len * sizeof *pk[p].key);
    }
    return h;
}

/* Whether graph h matches graph g (the rule of the header). */
static int same_points(const wass__merged_nodes *mn, const size_t *nodes, const size_t *ord,
                       size_t g, size_t h) {
    size_t og = mn->off[g], oh = mn->off[h], np = mn->off[g + 1] - og, d = mn->dim;
    if (nodes[g + 1] - nodes[g] != nodes[h + 1] - nodes[h] || mn->off[h + 1] - oh != np) return 0;
    const double *Tg = mn->XT + d * og, *Th = mn->XT + d * oh;
    for (size_t q = 0; q < np; q++) {
        size_t p = ord[og + q], r = ord[oh + q];
        if (mn->mult[og + p] != mn->mult[oh + r]) return 0;
        if (mn->label && mn->label[og + p] != mn->label[oh + r]) return 0;
        for (size_t c = 0; c < d; c++)
            if (!(fabs(Tg[c * np + p] - Th[c * np + r]) <= WASS__MERGE_TOL)) return 0;
    }
    return 1;
}

int wass__merged_nodes_distinct(const wass__merged_nodes *mn, const size_t *nodes, size_t *canon,
                                size_t *count) {
    size_t G = mn->graphs, d = mn->dim, npmax = 1;
    for (size_t g = 0; g < G; g++)
        if (mn->off[g + 1] - mn->off[g] > npmax) npmax = mn->off[g + 1] - mn->off[g];
    graph_hash *gh = malloc(G * sizeof *gh);
    size_t *ord = malloc((mn->off[G] ? mn->off[G] : 1) * sizeof *ord);
    int64_t *kw = malloc(npmax * (d + 2) * sizeof *kw);
    point_key *pk = malloc(npmax * sizeof *pk);
    int rc = gh && ord && kw && pk ? WASS_OK : WASS_ERR_NOMEM;
    for (size_t g = 0; g < G && !rc; g++)
        gh[g] = (graph_hash){order_graph(mn, nodes, g, kw, pk, ord), g};
    size_t reps = 0;
    if (!rc) qsort(gh, G, sizeof *gh, by_hash);
    for (size_t a = 0, b; a < G && !rc; a = b) {
        for (b = a + 1; b < G && gh[b].hash == gh[a].hash; b++)
            ;
        /* within one hash (ascending graphs), each graph joins the first
         * earlier distinct graph it matches */
        for (size_t k = a; k < b; k++) {
            size_t g = gh[k].g, c = g;
            for (size_t r = a; r < k && c == g; r++)
                if (canon[gh[r].g] == gh[r].g && same_points(mn, nodes, ord, gh[r].g, g))
                    c = gh[r].g;
            canon[g] = c;
            reps += c == g;
        }
    }
    free(gh);
    free(ord);
    free(kw);
    free(pk);
    if (!rc) *count = reps;
    return rc;
}
