/*
 * divergence.c - elementary distances between two histograms on one support:
 * total variation, Kullback-Leibler and Jensen-Shannon. They compare masses
 * bin by bin and ignore the geometry of the support, which is exactly what
 * the Wasserstein distance adds (see `wass demo`).
 */
#include "common/internal.h"

#include <math.h>
#include <string.h>
#include <strings.h>

/* x log(x / y) for normalized masses, x > 0, y > 0. */
static double xlogxy(double x, double y) {
    return x * log(x / y);
}

int wass_divergence(const double *p, const double *q, size_t n, wass_divergence_kind kind,
                    unsigned flags, double *out, size_t *infinite_at, wass_error_info *err) {
    wass__clear(err);
    if (infinite_at) *infinite_at = (size_t)-1;
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "output pointer is NULL");
    *out = NAN;
    if (!p || !q) return wass__fail(err, WASS_ERR_INVALID, "histogram %s is NULL", p ? "q" : "p");
    if (n == 0) return wass__fail(err, WASS_ERR_SIZE, "histograms are empty (n = 0)");
    if (flags & ~WASS_DIV_BITS)
        return wass__fail(err, WASS_ERR_INVALID, "unknown flags 0x%x", flags & ~WASS_DIV_BITS);
    if (kind != WASS_DIV_TV && kind != WASS_DIV_KL && kind != WASS_DIV_JS)
        return wass__fail(err, WASS_ERR_INVALID, "unknown divergence kind %d", (int)kind);
    double sp, sq;
    int rc;
    if ((rc = wass__check_weights(p, n, "p", &sp, err))) return rc;
    if ((rc = wass__check_weights(q, n, "q", &sq, err))) return rc;

    /* Neumaier-compensated accumulation of the per-bin terms */
    wass__acc acc = {0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        double a = p[i] / sp, b = q[i] / sq;
        switch (kind) {
        case WASS_DIV_TV:
            wass__acc_add(&acc, fabs(a - b));
            break;
        case WASS_DIV_KL:
            if (a > 0) {
                if (!(b > 0)) {
                    if (infinite_at) *infinite_at = i;
                    *out = INFINITY;
                    return WASS_OK;
                }
                wass__acc_add(&acc, xlogxy(a, b));
            }
            break;
        case WASS_DIV_JS: {
            double m = 0.5 * a + 0.5 * b;
            if (a > 0) wass__acc_add(&acc, 0.5 * xlogxy(a, m));
            if (b > 0) wass__acc_add(&acc, 0.5 * xlogxy(b, m));
            break;
        }
        }
    }
    double v = wass__acc_value(&acc);
    switch (kind) {
    case WASS_DIV_TV:
        v = fmin(1.0, fmax(0.0, 0.5 * v));
        break;
    case WASS_DIV_KL:
        v = fmax(0.0, v);
        break;
    case WASS_DIV_JS:
        v = fmin(log(2.0), fmax(0.0, v));
        break;
    }
    if (flags & WASS_DIV_BITS) {
        if (kind != WASS_DIV_TV) v /= log(2.0);
        if (kind == WASS_DIV_JS) v = fmin(1.0, v);
    }
    *out = v;
    return WASS_OK;
}
