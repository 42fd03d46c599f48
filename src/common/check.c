/*
 * check.c - validation of inputs shared by the solvers: finite arrays,
 * weights, ground metrics, point clouds. Each failure names the argument.
 */
#include "common/internal.h"

#include <math.h>
#include <stdio.h>

int wass__check_finite(const double *x, size_t count, const char *name, wass_error_info *err) {
    for (size_t i = 0; i < count; i++)
        if (!isfinite(x[i]))
            return wass__fail(err, WASS_ERR_NAN, "%s[%zu] is %s", name, i,
                              isnan(x[i]) ? "NaN" : "infinite");
    return WASS_OK;
}

int wass__check_weights(const double *w, size_t n, const char *name, double *total,
                        wass_error_info *err) {
    if (n == 0) return wass__fail(err, WASS_ERR_SIZE, "%s is empty", name);
    if (!w) {
        if (total) *total = 1.0;
        return WASS_OK;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(w[i]))
            return wass__fail(err, WASS_ERR_NAN, "weight %s[%zu] is %s", name, i,
                              isnan(w[i]) ? "NaN" : "infinite");
        if (w[i] < 0)
            return wass__fail(err, WASS_ERR_NEGATIVE, "weight %s[%zu] = %g is negative", name, i,
                              w[i]);
    }
    double s = wass__sum(w, n);
    /* finite non-negative weights: a NaN sum is an overflow inside the sum */
    if (!isfinite(s))
        return wass__fail(err, WASS_ERR_NAN,
                          "weights %s sum to infinity (finite weights whose total overflows): "
                          "scale them down",
                          name);
    if (!(s > 0)) return wass__fail(err, WASS_ERR_ZERO_MASS, "weights %s sum to zero", name);
    if (total) *total = s;
    return WASS_OK;
}

int wass__check_ground(const wass_ground *g, wass_error_info *err) {
    if (!g) return wass__fail(err, WASS_ERR_INVALID, "ground metric is NULL");
    if ((int)g->metric < WASS_EUCLIDEAN || (int)g->metric > WASS_MINKOWSKI)
        return wass__fail(err, WASS_ERR_INVALID, "unknown metric %d", (int)g->metric);
    if (g->metric == WASS_MINKOWSKI && !(g->q >= 1 && isfinite(g->q)))
        return wass__fail(err, WASS_ERR_INVALID, "Minkowski exponent q = %g must be >= 1", g->q);
    if (!(g->p > 0 && isfinite(g->p)))
        return wass__fail(err, WASS_ERR_INVALID, "power p = %g must be positive and finite", g->p);
    return WASS_OK;
}

int wass__check_cloud(const wass_cloud *C, const char *what, const char *name, const char *weights,
                      double *total, wass_error_info *err) {
    int rc;
    char pts[96];
    if (!C) return wass__fail(err, WASS_ERR_INVALID, "%s is NULL", what);
    if (C->n == 0 || C->d == 0)
        return wass__fail(err, WASS_ERR_SIZE, "%s is empty (n = %zu, d = %zu)", what, C->n, C->d);
    if (!C->X) return wass__fail(err, WASS_ERR_INVALID, "points of %s are NULL", name);
    size_t nd;
    if (!wass__mul_ok(C->n, C->d, &nd))
        return wass__fail(err, WASS_ERR_SIZE, "size of %s overflows", what);
    snprintf(pts, sizeof pts, "points of %s", name);
    if ((rc = wass__check_finite(C->X, nd, pts, err))) return rc;
    return wass__check_weights(C->w, C->n, weights, total, err);
}
