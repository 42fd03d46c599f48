/*
 * internal.h - helpers shared by the library's source files (not installed).
 */
#ifndef WASS_INTERNAL_H
#define WASS_INTERNAL_H

#include "wass.h"

#include <stdarg.h>
#include <stddef.h>

/* Fill err (if non-NULL) with code and a printf-style message; returns code
 * so that callers can write `return wass__fail(err, WASS_ERR_NAN, "...")`. */
int wass__fail(wass_error_info *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int wass__fail_line(wass_error_info *err, int code, long line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Reset err to "no error". */
void wass__clear(wass_error_info *err);

/* Wall-clock seconds from a monotonic clock. */
double wass__now(void);

/* Hot vectorizable loops get an AVX2 version chosen at load time (GCC
 * function multiversioning). AVX2 without FMA: the same IEEE operations as
 * the baseline build, so results are bitwise identical on every CPU. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) &&       \
    !defined(WASS_NO_CLONES)
#define WASS__SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define WASS__SIMD_CLONES
#endif

/* Overflow-checked a * b for sizes; returns 0 on overflow. */
int wass__mul_ok(size_t a, size_t b, size_t *out);

/* Number of OpenMP threads to use for a `threads` option (0 = all). */
int wass__threads(int threads);
/* The same for a parallel loop over `work` cheap items (e.g. cost pairs):
 * one thread below WASS__PARALLEL_MIN_WORK, where starting a team of threads
 * costs more than the loop (tens of milliseconds on a busy machine). */
#define WASS__PARALLEL_MIN_WORK 65536.0
int wass__threads_for(int threads, double work);

/* Compensated (Neumaier) sum of n doubles. */
double wass__sum(const double *x, size_t n);

/* Validate a weight vector: finite, nonnegative, positive total. `name` is
 * used in the message ("a", "b", "weights of P"). NULL w means uniform and is
 * always valid. On success *total receives the sum (1 for NULL). */
int wass__check_weights(const double *w, size_t n, const char *name, double *total,
                        wass_error_info *err);

/* Validate an array of finite numbers. */
int wass__check_finite(const double *x, size_t count, const char *name, wass_error_info *err);

/* Validate a ground (metric known, q >= 1 for Minkowski, p > 0). */
int wass__check_ground(const wass_ground *g, wass_error_info *err);

/* C(i, j) for any cost kind; inline for the solvers' hot loops. */
static inline double wass__cost(const wass_cost *c, size_t i, size_t j) {
    switch (c->kind) {
    case WASS_COST_DENSE:
        return c->C[i * c->ld + j];
    case WASS_COST_POINTS:
        return wass_ground_eval(&c->ground, c->X + i * c->d, c->Y + j * c->d, c->d);
    default:
        return c->fn(i, j, c->user);
    }
}

#endif
