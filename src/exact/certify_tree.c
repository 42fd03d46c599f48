/*
 * certify_tree.c - the certificate's row minima min_j fl(C_ij - v_j) of a
 * point-cloud cost by branch and bound on a k-d tree over the columns
 * (kdtree.c) instead of a scan of all n m pairs: exactly the numbers of the
 * full scan (certify.c), in far fewer cost evaluations where the potentials
 * vary little inside small boxes.
 *
 * Each row's search starts cut at the key of a column its plan ships mass
 * to (optimal duals make that key the minimum; any column would be right).
 *
 * Why the minimum is the full scan's, bit for bit. A leaf's keys are
 * computed by the one cost formula (wass__cost_row_t) minus v_j, as the full
 * scan computes them. A node is skipped only when its bound is at least the
 * smallest key found: the cost to its bounding box (per-axis gaps that never
 * exceed the true ones, through the same monotone operations: never above a
 * computed cost) minus the largest v inside, or, for W1 and W2^2, the bound
 * of a linear model of v over the node lowered by a margin of 1e-13 of the
 * magnitudes involved (hundreds of times the rounding of the model and of
 * the costs). Every key of a skipped node is then at least that smallest
 * key, which is the minimum.
 *
 * Left to the full scan (return 0), which also reports what it finds: a
 * ground metric whose operations are not monotone in floating point
 * (Minkowski; powers other than 1 and 2), a cost that could overflow (the
 * diagonal of the points' bounding box), coordinates closer than 2^-240 on
 * an axis (where a cost between distinct points could underflow, which the
 * full scan refuses), non-finite potentials, or no memory. The largest cost
 * is bounded by the cost to the farthest corner of the columns' bounding box
 * (it normalizes the reported most negative reduced cost only).
 */
#include "exact/emd_internal.h"
#include "exact/kdtree.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int dbl_cmp(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* 1 when two distinct coordinates of an axis, among the rows and columns,
 * are closer than 2^-240 (or there is no memory). */
static int close_coordinates(const double *X, size_t n, const double *Y, size_t m, size_t d) {
    double *v = malloc((n + m) * sizeof *v);
    if (!v) return 1;
    int close = 0;
    for (size_t t = 0; t < d && !close; t++) {
        for (size_t i = 0; i < n; i++)
            v[i] = X[i * d + t];
        for (size_t j = 0; j < m; j++)
            v[n + j] = Y[j * d + t];
        qsort(v, n + m, sizeof *v, dbl_cmp);
        for (size_t k = 1; k < n + m; k++)
            if (v[k] != v[k - 1] && v[k] - v[k - 1] < 0x1p-240) close = 1;
    }
    free(v);
    return close;
}

int wass__cert_rowmin_tree(const wass_problem *pb, const double *v, const wass_flow *plan,
                           size_t np, int nt, double *rowmin, double *maxc) {
    if (pb->cost.kind != WASS_COST_POINTS) return 0;
    const wass_ground *g = &pb->cost.ground;
    if (g->metric != WASS_EUCLIDEAN && g->metric != WASS_SQEUCLIDEAN &&
        g->metric != WASS_CITYBLOCK && g->metric != WASS_CHEBYSHEV)
        return 0;
    if (g->p != 1.0 && g->p != 2.0) return 0;
    size_t n = pb->n, m = pb->m, d = pb->cost.d;
    const double *X = pb->cost.X, *Y = pb->cost.Y;
    if (d == 0 || d > 16 || n == 0 || m == 0) return 0;
    for (size_t j = 0; j < m; j++)
        if (!isfinite(v[j])) return 0;
    /* the bounding box of all points: no cost may overflow */
    double lo[16], hi[16], cmn[16], cmx[16];
    for (size_t t = 0; t < d; t++) {
        lo[t] = cmn[t] = INFINITY;
        hi[t] = cmx[t] = -INFINITY;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < d; t++) {
            double x = X[i * d + t];
            lo[t] = fmin(lo[t], x);
            hi[t] = fmax(hi[t], x);
        }
    for (size_t j = 0; j < m; j++)
        for (size_t t = 0; t < d; t++) {
            double y = Y[j * d + t];
            cmn[t] = fmin(cmn[t], y);
            cmx[t] = fmax(cmx[t], y);
        }
    double diag[16], zero[16];
    for (size_t t = 0; t < d; t++) {
        diag[t] = fmax(hi[t], cmx[t]) - fmin(lo[t], cmn[t]);
        zero[t] = 0.0;
        if (!(diag[t] <= 0x1p240)) return 0;
    }
    double span = NAN;
    wass__cost_row_t(g, zero, diag, 1, d, 1, &span);
    if (!(span <= 0x1p960)) return 0;
    if (close_coordinates(X, n, Y, m, d)) return 0;
    /* a column of each row's flows (the largest), or none: its key cuts the
     * search from the start */
    size_t *cand = malloc(n * sizeof *cand);
    double *cmass = calloc(n, sizeof *cmass);
    kd_tree T;
    int built = wass__kd_build(&T, Y, m, d) == WASS_OK && wass__kd_set_v(&T, g, v) == WASS_OK;
    if (!cand || !cmass || !built) {
        free(cand);
        free(cmass);
        wass__kd_free(&T);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        cand[i] = SIZE_MAX;
    for (size_t k = 0; k < np; k++) {
        const wass_flow *f = &plan[k];
        if (f->i < n && f->j < m && f->mass > cmass[f->i]) {
            cmass[f->i] = f->mass;
            cand[f->i] = f->j;
        }
    }
    free(cmass);
    /* rows in the k-d order of their points: consecutive searches walk the
     * same boxes (optional: without memory, the rows' own order) */
    kd_tree TX;
    const size_t *order = NULL;
    if (wass__kd_build(&TX, X, n, d) == WASS_OK) order = TX.perm;
    int missed = 0;
    double mc = 0.0;
    (void)nt;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) reduction(| : missed) reduction(max : mc)
#endif
    {
        kd_frame stack[256];
        kd_hit hit[1];
        double far[16];
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 64)
#endif
        for (size_t r = 0; r < n; r++) {
            size_t i = order ? order[r] : r;
            const double *x = X + i * d;
            double thr = INFINITY;
            if (cand[i] != SIZE_MAX) { /* above the candidate's key: it is found */
                double c0 = NAN;
                wass__cost_row_t(g, x, Y + cand[i] * d, 1, d, 1, &c0);
                thr = nextafter(c0 - v[cand[i]], INFINITY);
            }
            size_t got = wass__kd_search(&T, g, x, KD_USE_V, thr, 1, hit, stack);
            if (got != 1) {
                missed = 1;
                continue;
            }
            rowmin[i] = hit[0].key;
            /* the farthest corner of the columns' box: its cost bounds the row's */
            for (size_t t = 0; t < d; t++)
                far[t] = x[t] - cmn[t] > cmx[t] - x[t] ? cmn[t] : cmx[t];
            double c = NAN;
            wass__cost_row_t(g, x, far, 1, d, 1, &c);
            if (c > mc) mc = c;
        }
    }
    wass__kd_free(&T);
    wass__kd_free(&TX);
    free(cand);
    if (missed) return 0;
    *maxc = mc;
    return 1;
}
