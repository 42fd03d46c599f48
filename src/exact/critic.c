/*
 * critic.c - the Kantorovich-Rubinstein critic of W1: from the duals of an
 * exact solve, a 1-Lipschitz function f on both supports with
 * sum a_i f(x_i) - sum b_j f(y_j) = W1 (masses normalized).
 *
 * f on X is the c-transform of the duals v: f(x_i) = min_j C_ij - v_j, and f
 * on Y is the c-transform back: f(y_j) = max_i f(x_i) - C_ij. For a metric
 * cost both are 1-Lipschitz, f(x_i) >= u_i and -f(y_j) >= v_j, so the
 * objective is at least the dual optimum W1, and at most W1 by duality.
 */
#include "exact/emd_internal.h"

#include <math.h>
#include <stdlib.h>

/* max over pairs k < l of the n points X of |f_k - f_l| - d(x_k, x_l): how
 * far f is from 1-Lipschitz on one side (-inf for one point). */
static double side_violation(const double *f, const double *X, size_t n, size_t d,
                             const wass_ground *g) {
    double viol = -INFINITY;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 16) reduction(max : viol)
#endif
    for (size_t k = 0; k < n; k++)
        for (size_t l = k + 1; l < n; l++) {
            double t = fabs(f[k] - f[l]) - wass_ground_eval(g, X + k * d, X + l * d, d);
            if (t > viol) viol = t;
        }
    return viol;
}

int wass_critic(const wass_problem *pb, const wass_result *res, double *f_a, double *f_b,
                double *lipschitz_violation, wass_error_info *err) {
    int rc = wass_problem_check(pb, err);
    if (rc) return rc;
    if (!res || !f_a || !f_b)
        return wass__fail(err, WASS_ERR_INVALID, "critic: result or output array is NULL");
    if (!res->u || !res->v)
        return wass__fail(err, WASS_ERR_INVALID,
                          "critic: the result has no dual potentials (solve with want_duals)");
    if (res->n != pb->n || res->m != pb->m)
        return wass__fail(err, WASS_ERR_SIZE,
                          "critic: result is %zu x %zu but the problem is %zu x %zu", res->n,
                          res->m, pb->n, pb->m);
    const wass_cost *c = &pb->cost;
    double p = wass_cost_power(c);
    if (p != 1.0)
        return wass__fail(err, WASS_ERR_UNSUPPORTED,
                          "the Kantorovich-Rubinstein critic needs W1, i.e. a metric cost with "
                          "power p = 1 (got p = %g)",
                          p);
    if (c->kind == WASS_COST_POINTS && c->ground.metric == WASS_SQEUCLIDEAN)
        return wass__fail(err, WASS_ERR_UNSUPPORTED,
                          "the Kantorovich-Rubinstein critic needs a metric ground cost; "
                          "sqeuclidean is not a metric");
    size_t n = pb->n, m = pb->m;
    const double *v = res->v;
    int bad = 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) reduction(| : bad)
#endif
    for (size_t i = 0; i < n; i++) {
        double best = INFINITY;
        for (size_t j = 0; j < m; j++) {
            double t = wass__cost(c, i, j) - v[j];
            if (t < best) best = t;
        }
        if (!isfinite(best)) bad = 1;
        f_a[i] = best;
    }
    if (bad) return wass__fail(err, WASS_ERR_NAN, "critic: a cost or dual is NaN or infinite");
#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
    for (size_t j = 0; j < m; j++) {
        double best = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            double t = f_a[i] - wass__cost(c, i, j);
            if (t > best) best = t;
        }
        f_b[j] = best;
    }
    if (lipschitz_violation) {
        double viol = -INFINITY;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) reduction(max : viol)
#endif
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < m; j++) {
                double t = fabs(f_a[i] - f_b[j]) - wass__cost(c, i, j);
                if (t > viol) viol = t;
            }
        if (c->kind == WASS_COST_POINTS) {
            double vx = side_violation(f_a, c->X, n, c->d, &c->ground);
            double vy = side_violation(f_b, c->Y, m, c->d, &c->ground);
            viol = fmax(viol, fmax(vx, vy));
        }
        *lipschitz_violation = viol;
    }
    wass__clear(err);
    return WASS_OK;
}
