/*
 * pair_cost.c - the transport problems between graphs: each graph's nodes
 * merged into points (nodes whose embeddings agree within WASS__MERGE_TOL in
 * every coordinate, and whose labels agree in the labelled variant, become
 * one point carrying their summed mass: symmetric (automorphic) nodes have
 * equal embeddings up to rounding, about a fifth of the nodes of MUTAG and
 * NCI1; each node is within WASS__MERGE_TOL of its point in every
 * coordinate, so moved by at most sqrt(d) WASS__MERGE_TOL, and the EMD of a
 * pair by at most twice that (both graphs move): 4.9e-12 at d = 6, 3.2e-11
 * at the largest d taken, far below the 1e-9 the distances are certified
 * to; NCI1 at d = 6: 122,747 nodes, 103,902 points, 104,762 at 1e-13),
 * and the ground cost matrix between the points of two graphs.
 */
#include "apps/graph/graph_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(WASS_NO_CLONES)
#define PC_X86 1
#include <immintrin.h>
#endif

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
    if (d > WASS__PAIR_MAXDIM) return WASS_ERR_SIZE;
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
#ifdef PC_X86
    mn->avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
#endif
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

/* Costs of point x (d coordinates) against points j0 .. j1 of YT (d rows of
 * nb): s = sum_k (x_k - y_k)^2 in coordinate order, then sqrt (the
 * operations of the scalar formula; sqrt is correctly rounded in both
 * builds, so they agree bitwise). */
static void cost_row_generic(const double *x, const double *YT, size_t nb, size_t j0, size_t j1,
                             size_t d, double *out) {
    for (size_t j = j0; j < j1; j++) {
        double s = 0.0;
        for (size_t k = 0; k < d; k++) {
            double t = x[k] - YT[k * nb + j];
            s += t * t;
        }
        out[j] = sqrt(s);
    }
}

#ifdef PC_X86
/* d = 6 (the usual embedding): the coordinates broadcast once a row, the
 * same operations in the same order as below. */
__attribute__((target("avx2"))) static void cost_row6_avx2(const double *x, const double *YT,
                                                           size_t nb, double *out) {
    __m256d xb[6];
    for (int k = 0; k < 6; k++)
        xb[k] = _mm256_set1_pd(x[k]);
    size_t j = 0;
    for (; j + 4 <= nb; j += 4) {
        __m256d s = _mm256_setzero_pd();
        for (int k = 0; k < 6; k++) {
            __m256d t = _mm256_sub_pd(xb[k], _mm256_loadu_pd(YT + (size_t)k * nb + j));
            s = _mm256_add_pd(s, _mm256_mul_pd(t, t));
        }
        _mm256_storeu_pd(out + j, _mm256_sqrt_pd(s));
    }
    cost_row_generic(x, YT, nb, j, nb, 6, out);
}

__attribute__((target("avx2"))) static void cost_row_avx2(const double *x, const double *YT,
                                                          size_t nb, size_t d, double *out) {
    if (d == 6) {
        cost_row6_avx2(x, YT, nb, out);
        return;
    }
    size_t j = 0;
    for (; j + 4 <= nb; j += 4) {
        __m256d s = _mm256_setzero_pd();
        for (size_t k = 0; k < d; k++) {
            __m256d t = _mm256_sub_pd(_mm256_set1_pd(x[k]), _mm256_loadu_pd(YT + k * nb + j));
            s = _mm256_add_pd(s, _mm256_mul_pd(t, t));
        }
        _mm256_storeu_pd(out + j, _mm256_sqrt_pd(s));
    }
    cost_row_generic(x, YT, nb, j, nb, d, out);
}
#endif

void wass__pair_costs(const wass__merged_nodes *mn, size_t a, size_t b, int labels, double penalty,
                      double *C, size_t ld) {
    size_t d = mn->dim, oa = mn->off[a], ob = mn->off[b];
    size_t na = mn->off[a + 1] - oa, nb = mn->off[b + 1] - ob;
    const double *XA = mn->XT + d * oa, *YT = mn->XT + d * ob;
    double x[WASS__PAIR_MAXDIM];
    for (size_t i = 0; i < na; i++) {
        double *Ci = C + i * ld;
        for (size_t k = 0; k < d; k++)
            x[k] = XA[k * na + i];
#ifdef PC_X86
        if (mn->avx2)
            cost_row_avx2(x, YT, nb, d, Ci);
        else
#endif
            cost_row_generic(x, YT, nb, 0, nb, d, Ci);
        if (ld - nb <= 3)
            wass__zero_pad(Ci, nb, ld);
        else
            memset(Ci + nb, 0, (ld - nb) * sizeof *Ci);
        if (labels) {
            int la = mn->label[oa + i];
            for (size_t j = 0; j < nb; j++)
                if (mn->label[ob + j] != la) Ci[j] += penalty;
        }
    }
}
