/*
 * errors.c - error and status words, error-detail helpers, small utilities
 * (clock, overflow-checked sizes, compensated sums, input validation).
 */
#include "common/internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

const char *wass_strerror(int code) {
    switch (code) {
    case WASS_OK:
        return "success";
    case WASS_ERR_INVALID:
        return "invalid argument";
    case WASS_ERR_NAN:
        return "NaN or infinity in input";
    case WASS_ERR_NEGATIVE:
        return "negative weight";
    case WASS_ERR_ZERO_MASS:
        return "total mass is zero";
    case WASS_ERR_MASS_MISMATCH:
        return "total masses differ";
    case WASS_ERR_SIZE:
        return "size mismatch or invalid size";
    case WASS_ERR_NOMEM:
        return "out of memory";
    case WASS_ERR_IO:
        return "input/output error";
    case WASS_ERR_FORMAT:
        return "malformed input file";
    case WASS_ERR_DTYPE:
        return "unsupported data type";
    case WASS_ERR_UNSUPPORTED:
        return "unsupported request";
    case WASS_ERR_INTERNAL:
        return "internal error";
    default:
        return "unknown error";
    }
}

const char *wass_status_string(int status) {
    switch (status) {
    case WASS_OPTIMAL:
        return "optimal";
    case WASS_CONVERGED:
        return "converged";
    case WASS_ITERATION_LIMIT:
        return "iteration limit";
    case WASS_INFEASIBLE:
        return "infeasible";
    case WASS_NOT_CONVERGED:
        return "not converged";
    case WASS_NOT_SOLVED:
        return "not solved";
    default:
        return "unknown status";
    }
}

static int vfail(wass_error_info *err, int code, long line, const char *fmt, va_list ap) {
    if (err) {
        err->code = code;
        err->line = line;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
    }
    return code;
}

int wass__fail(wass_error_info *err, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfail(err, code, 0, fmt, ap);
    va_end(ap);
    return code;
}

int wass__fail_line(wass_error_info *err, int code, long line, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfail(err, code, line, fmt, ap);
    va_end(ap);
    return code;
}

void wass__clear(wass_error_info *err) {
    if (err) {
        err->code = WASS_OK;
        err->line = 0;
        err->message[0] = '\0';
    }
}

double wass__now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int wass__mul_ok(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) return 0;
    *out = a * b;
    return 1;
}

int wass__threads(int threads) {
#ifdef _OPENMP
    if (threads <= 0) return omp_get_max_threads();
    return threads;
#else
    (void)threads;
    return 1;
#endif
}

int wass__threads_for(int threads, double work) {
    return work < WASS__PARALLEL_MIN_WORK ? 1 : wass__threads(threads);
}

double wass__sum(const double *x, size_t n) {
    double s = 0.0, c = 0.0;
    for (size_t i = 0; i < n; i++) {
        double t = s + x[i];
        if (fabs(s) >= fabs(x[i]))
            c += (s - t) + x[i];
        else
            c += (x[i] - t) + s;
        s = t;
    }
    return s + c;
}

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
