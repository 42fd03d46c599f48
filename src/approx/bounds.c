/*
 * bounds.c - cheap lower bounds on the optimal transport cost.
 *
 * Centroid bound: for a ground cost c(x, y) = f(x - y) with f convex, any
 * coupling pi of P and Q has E_pi f(X - Y) >= f(E_pi (X - Y)) = f(mean P -
 * mean Q) (Jensen). f = norm^p is convex for every norm when p >= 1, and
 * f = ||.||_2^(2p) (sqeuclidean raised to p) when p >= 1/2. Other powers are
 * refused with WASS_ERR_UNSUPPORTED rather than answered with a non-bound.
 *
 * Relaxed bound: dropping the column constraints, each source i sends all of
 * a_i to its cheapest column: sum_i a_i min_j C_ij <= optimal cost; the same
 * with rows and columns swapped; the bound is the larger of the two. Valid
 * for any cost. One pass over the n x m costs (rows in parallel; per-thread
 * column minima merged afterwards), summed in a fixed order so the result
 * does not depend on the thread count.
 */
#include "common/internal.h"
#include "common/parallel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Weighted mean of a cloud, compensated per coordinate. */
static void mean_of(const wass_cloud *C, double tot, double *mu) {
    for (size_t k = 0; k < C->d; k++) {
        wass__acc s = {0.0, 0.0};
        for (size_t i = 0; i < C->n; i++)
            wass__acc_add(&s, C->X[i * C->d + k] * (C->w ? C->w[i] : 1.0));
        mu[k] = wass__acc_value(&s) / (C->w ? tot : (double)C->n);
    }
}

int wass_bound_centroid(const wass_cloud *P, const wass_cloud *Q, const wass_ground *g, double *out,
                        wass_error_info *err) {
    wass__clear(err);
    int rc;
    double tp, tq;
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "output pointer is NULL");
    if ((rc = wass__check_ground(g, err))) return rc;
    if ((rc = wass__check_cloud(P, "cloud P", "P", "P", &tp, err))) return rc;
    if ((rc = wass__check_cloud(Q, "cloud Q", "Q", "Q", &tq, err))) return rc;
    if (P->d != Q->d)
        return wass__fail(err, WASS_ERR_SIZE, "dimensions differ: P has d = %zu, Q has d = %zu",
                          P->d, Q->d);
    if (g->metric == WASS_SQEUCLIDEAN) {
        if (g->p < 0.5)
            return wass__fail(err, WASS_ERR_UNSUPPORTED,
                              "centroid bound needs p >= 1/2 for sqeuclidean (p = %g: the cost "
                              "is not convex)",
                              g->p);
    } else if (g->p < 1.0) {
        return wass__fail(err, WASS_ERR_UNSUPPORTED,
                          "centroid bound needs p >= 1 for metric %s (p = %g: the cost is not "
                          "convex)",
                          wass_metric_name(g->metric), g->p);
    }
    double *mu = malloc(2 * P->d * sizeof *mu);
    if (!mu) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    mean_of(P, tp, mu);
    mean_of(Q, tq, mu + P->d);
    *out = wass_ground_eval(g, mu, mu + P->d, P->d);
    free(mu);
    return WASS_OK;
}

int wass_bound_relaxed(const wass_problem *pb, int threads, double *out, wass_error_info *err) {
    wass__clear(err);
    int rc;
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "output pointer is NULL");
    if ((rc = wass_problem_check(pb, err))) return rc;
    double ta = 1.0, tb = 1.0;
    wass__check_weights(pb->a, pb->n, "a", &ta, NULL);
    wass__check_weights(pb->b, pb->m, "b", &tb, NULL);
    size_t n = pb->n, m = pb->m;
    int nt = wass__threads(threads);
    if ((size_t)nt > n) nt = (int)n;
    if ((double)n * (double)m < 20000.0) nt = 1; /* not worth waking threads */
    size_t cols;
    if (!wass__mul_ok((size_t)nt, m, &cols)) return wass__fail(err, WASS_ERR_SIZE, "too large");
    double *rowv = malloc(n * sizeof *rowv);
    double *colmin = malloc(cols * sizeof *colmin);
    if (!rowv || !colmin) {
        free(rowv);
        free(colmin);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory for %zu x %zu bound", n, m);
    }
    for (size_t k = 0; k < cols; k++)
        colmin[k] = INFINITY;
    wass__loop loop; /* a non-finite cost: the first row's (and its first column's) */
    wass__loop_init(&loop, n);
    const wass_cost *c = &pb->cost;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
#endif
    {
        double *cm = colmin + (size_t)wass__thread_num() * m;
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
        for (size_t i = 0; i < n; i++) {
            double rmin = INFINITY;
            size_t bad = m; /* the row's first non-finite cost */
            for (size_t j = 0; j < m; j++) {
                double v = wass__cost(c, i, j);
                if (!isfinite(v)) {
                    if (bad == m) bad = j;
                    continue;
                }
                if (v < rmin) rmin = v;
                if (v < cm[j]) cm[j] = v;
            }
            if (bad < m) {
                wass_error_info e;
                snprintf(e.message, sizeof e.message, "cost(%zu, %zu) is %s", i, bad,
                         isnan(wass__cost(c, i, bad)) ? "NaN" : "infinite");
                wass__loop_item_done(&loop, i, WASS_ERR_NAN, &e, 0);
            }
            double ai = pb->a ? pb->a[i] / ta : 1.0 / (double)n;
            rowv[i] = ai > 0 ? ai * rmin : 0.0;
        }
    }
    if (wass__loop_failed(&loop)) {
        free(rowv);
        free(colmin);
        return wass__fail(err, loop.rc, "%s", loop.err.message);
    }
    for (int t = 1; t < nt; t++)
        for (size_t j = 0; j < m; j++)
            if (colmin[(size_t)t * m + j] < colmin[j]) colmin[j] = colmin[(size_t)t * m + j];
    for (size_t j = 0; j < m; j++) {
        double bj = pb->b ? pb->b[j] / tb : 1.0 / (double)m;
        colmin[j] = bj > 0 ? bj * colmin[j] : 0.0;
    }
    double r = wass__sum(rowv, n), s = wass__sum(colmin, m);
    *out = r > s ? r : s;
    free(rowv);
    free(colmin);
    return WASS_OK;
}
