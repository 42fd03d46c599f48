/*
 * pair_cost.c - the transport problems between graphs: each graph's nodes
 * merged into points (nodes whose embeddings agree within WASS__MERGE_TOL in
 * every coordinate, and whose labels agree in the labelled variant, become
 * one point carrying their summed mass: symmetric (automorphic) nodes have
 * equal embeddings up to rounding, about a fifth of the nodes of MUTAG and
 * NCI1; moving a point by at most sqrt(d) WASS__MERGE_TOL changes an EMD by
 * at most as much, far below the 1e-9 the distances are certified to), and
 * the ground cost matrix between the points of two graphs.
 */
#if defined(__GNUC__) && !defined(__clang__)
/* sqrt without errno, so that the cost rows vectorize (same results) */
#pragma GCC optimize("no-math-errno")
#endif
#include "apps/graph/graph_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void wass__merged_nodes_free(wass__merged_nodes *mn) {
    if (!mn) return;
    free(mn->off);
    free(mn->rep);
    free(mn->mult);
    free(mn->XT);
    free(mn->label);
    memset(mn, 0, sizeof *mn);
}

/* The points of graph g: representatives in node order, each the first node
 * of its class. */
static void merge_graph(const wass_graph_embedding *E, int labels, size_t g, wass__merged_nodes *mn,
                        size_t *u) {
    size_t d = E->dim;
    mn->off[g] = *u;
    for (size_t v = E->offset[g]; v < E->offset[g + 1]; v++) {
        size_t hit = *u;
        for (size_t r = mn->off[g]; r < *u && hit == *u; r++) {
            size_t w = mn->rep[r];
            if (labels && E->label[w] != E->label[v]) continue;
            size_t k = 0;
            while (k < d && fabs(E->X[w * d + k] - E->X[v * d + k]) <= WASS__MERGE_TOL)
                k++;
            if (k == d) hit = r;
        }
        if (hit < *u) {
            mn->mult[hit]++;
        } else {
            mn->rep[*u] = v;
            mn->mult[*u] = 1;
            (*u)++;
        }
    }
}

int wass__merged_nodes_init(wass__merged_nodes *mn, const wass_graph_embedding *E, int labels) {
    memset(mn, 0, sizeof *mn);
    size_t G = E->graphs, d = E->dim, N = E->nodes;
    mn->graphs = G;
    mn->dim = d;
    mn->off = malloc((G + 1) * sizeof *mn->off);
    mn->rep = malloc(N * sizeof *mn->rep);
    mn->mult = malloc(N * sizeof *mn->mult);
    mn->XT = malloc(N * d * sizeof *mn->XT);
    if (labels) mn->label = malloc(N * sizeof *mn->label);
    if (!mn->off || !mn->rep || !mn->mult || !mn->XT || (labels && !mn->label)) {
        wass__merged_nodes_free(mn);
        return WASS_ERR_NOMEM;
    }
    size_t u = 0;
    for (size_t g = 0; g < G; g++)
        merge_graph(E, labels, g, mn, &u);
    mn->off[G] = u;
    for (size_t g = 0; g < G; g++) {
        size_t o = mn->off[g], np = mn->off[g + 1] - o;
        double *T = mn->XT + d * o;
        for (size_t p = 0; p < np; p++) {
            size_t node = mn->rep[o + p];
            for (size_t k = 0; k < d; k++)
                T[k * np + p] = E->X[node * d + k];
            if (labels) mn->label[o + p] = E->label[node];
        }
    }
    return WASS_OK;
}

/* One cost row: point x (d coordinates) against the nb points of YT (d rows
 * of nb), s = sum_k (x_k - y_k)^2 in coordinate order then sqrt, the
 * operations of the scalar formula, vectorized across the points. */
WASS__SIMD_CLONES static void cost_row(const double *x, const double *YT, size_t nb, size_t d,
                                       double *out) {
    for (size_t j = 0; j < nb; j++)
        out[j] = 0.0;
    for (size_t k = 0; k < d; k++) {
        const double *y = YT + k * nb;
        double xk = x[k];
        for (size_t j = 0; j < nb; j++) {
            double t = xk - y[j];
            out[j] += t * t;
        }
    }
    for (size_t j = 0; j < nb; j++)
        out[j] = sqrt(out[j]);
}

void wass__pair_costs(const wass__merged_nodes *mn, size_t a, size_t b, int labels, double penalty,
                      double *C, size_t ld) {
    size_t d = mn->dim, oa = mn->off[a], ob = mn->off[b];
    size_t na = mn->off[a + 1] - oa, nb = mn->off[b + 1] - ob;
    const double *XA = mn->XT + d * oa, *YT = mn->XT + d * ob;
    double x[64];
    for (size_t i = 0; i < na; i++) {
        double *Ci = C + i * ld;
        if (d <= 64) {
            for (size_t k = 0; k < d; k++)
                x[k] = XA[k * na + i];
            cost_row(x, YT, nb, d, Ci);
        } else {
            for (size_t j = 0; j < nb; j++) {
                double s = 0.0;
                for (size_t k = 0; k < d; k++) {
                    double t = XA[k * na + i] - YT[k * nb + j];
                    s += t * t;
                }
                Ci[j] = sqrt(s);
            }
        }
        for (size_t j = nb; j < ld; j++)
            Ci[j] = 0.0;
        if (labels) {
            int la = mn->label[oa + i];
            for (size_t j = 0; j < nb; j++)
                if (mn->label[ob + j] != la) Ci[j] += penalty;
        }
    }
}
