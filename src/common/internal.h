/*
 * internal.h - helpers shared by the library's source files (not installed).
 */
#ifndef WASS_INTERNAL_H
#define WASS_INTERNAL_H

#include "wass.h"

#include <math.h>
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
/* The words of an enum whose values are 0 .. count - 1, names[v] the word
 * of v (wass_X_name / wass_X_parse): the word of v, "unknown" out of range;
 * the value of a word (compared exactly, or in any case with any_case), -1
 * for another word or NULL. */
const char *wass__enum_name(const char *const *names, size_t count, int v);
int wass__enum_value(const char *const *names, size_t count, const char *name, int any_case);
#define WASS__COUNT(t) (sizeof(t) / sizeof((t)[0]))

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

/* Selection by coordinate t (select.c): perm[k] of perm[lo..hi) becomes the
 * point of rank k, smaller ones before, larger ones after. */
void wass__select_rank(const double *X, size_t d, size_t t, size_t *perm, size_t lo, size_t hi,
                       size_t k);

/* Overflow-checked a * b for sizes; returns 0 on overflow. */
int wass__mul_ok(size_t a, size_t b, size_t *out);
/* The greatest common divisor of a and b (gcd(a, 0) = a). */
size_t wass__gcd(size_t a, size_t b);

/* Number of OpenMP threads to use for a `threads` option (0 = all). */
int wass__threads(int threads);
/* The same for a parallel loop over `work` cheap items (e.g. cost pairs):
 * one thread below WASS__PARALLEL_MIN_WORK, where starting a team of threads
 * costs more than the loop (tens of milliseconds on a busy machine). */
#define WASS__PARALLEL_MIN_WORK 65536.0
int wass__threads_for(int threads, double work);

/* A compensated (Neumaier) running sum, the library's one: add terms with
 * wass__acc_add, read the sum with wass__acc_value. */
typedef struct {
    double s, c;
} wass__acc;
static inline void wass__acc_add(wass__acc *a, double x) {
    double t = a->s + x;
    if (fabs(a->s) >= fabs(x))
        a->c += (a->s - t) + x;
    else
        a->c += (x - t) + a->s;
    a->s = t;
}
static inline double wass__acc_value(const wass__acc *a) {
    return a->s + a->c;
}
/* The same running sum, Kahan's form (the exact solver's work and flow use
 * it since the first release; moving them to Neumaier's would change the
 * last digit of some reported costs). Read with a->s. */
static inline void wass__acc_add_kahan(wass__acc *a, double x) {
    double y = x - a->c, t = a->s + y;
    a->c = (t - a->s) - y;
    a->s = t;
}

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

/* Validate a point cloud: present, not empty, points finite, weights valid
 * (*total, may be NULL, receives their sum). The messages name it: what
 * ("cloud P") where the cloud is meant, name ("P") in "points of P",
 * weights in those about its weights. */
int wass__check_cloud(const wass_cloud *C, const char *what, const char *name, const char *weights,
                      double *total, wass_error_info *err);

#if defined(__GNUC__)
#define WASS__ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define WASS__ALWAYS_INLINE inline
#endif

/* The ground cost, the one formula of the library: from the point x (d
 * coordinates) to len points of a transposed cloud (coordinate t of point k
 * at Yt[t * ld + k]) into out[0..len). wass_ground_eval is its one-pair form
 * (ld = len = 1); the exact solver's rows, pricing and the Sinkhorn kernels
 * inline it into their own (vectorised) loops, so every caller computes the
 * same operations in the same order. metric^p: p = 1 and p = 2 exactly (a
 * product), else pow. */
static WASS__ALWAYS_INLINE void wass__cost_row_t(const wass_ground *g, const double *x,
                                                 const double *Yt, size_t ld, size_t d, size_t len,
                                                 double *out) {
    /* the first coordinate initialises the row: no separate zeroing pass
     * (same values: 0 + s = s for every s >= 0) */
    const double x0 = d ? x[0] : 0.0, *y0 = Yt;
    if (d == 0) {
        for (size_t k = 0; k < len; k++)
            out[k] = 0.0;
    } else
        switch (g->metric) {
        case WASS_EUCLIDEAN:
        case WASS_SQEUCLIDEAN:
            for (size_t k = 0; k < len; k++) {
                double df = x0 - y0[k];
                out[k] = df * df;
            }
            for (size_t t = 1; t < d; t++) {
                const double xt = x[t], *yt = Yt + t * ld;
                for (size_t k = 0; k < len; k++) {
                    double df = xt - yt[k];
                    out[k] += df * df;
                }
            }
            if (g->metric == WASS_EUCLIDEAN)
                for (size_t k = 0; k < len; k++)
                    out[k] = sqrt(out[k]);
            break;
        case WASS_CITYBLOCK:
            for (size_t k = 0; k < len; k++)
                out[k] = fabs(x0 - y0[k]);
            for (size_t t = 1; t < d; t++) {
                const double xt = x[t], *yt = Yt + t * ld;
                for (size_t k = 0; k < len; k++)
                    out[k] += fabs(xt - yt[k]);
            }
            break;
        case WASS_CHEBYSHEV:
            for (size_t k = 0; k < len; k++) {
                double df = fabs(x0 - y0[k]);
                out[k] = df > 0.0 ? df : 0.0;
            }
            for (size_t t = 1; t < d; t++) {
                const double xt = x[t], *yt = Yt + t * ld;
                for (size_t k = 0; k < len; k++) {
                    double df = fabs(xt - yt[k]);
                    out[k] = df > out[k] ? df : out[k];
                }
            }
            break;
        case WASS_MINKOWSKI:
            for (size_t k = 0; k < len; k++)
                out[k] = pow(fabs(x0 - y0[k]), g->q);
            for (size_t t = 1; t < d; t++) {
                const double xt = x[t], *yt = Yt + t * ld;
                for (size_t k = 0; k < len; k++)
                    out[k] += pow(fabs(xt - yt[k]), g->q);
            }
            for (size_t k = 0; k < len; k++)
                out[k] = pow(out[k], 1.0 / g->q);
            break;
        }
    if (g->p == 2.0)
        for (size_t k = 0; k < len; k++)
            out[k] *= out[k];
    else if (g->p != 1.0)
        for (size_t k = 0; k < len; k++)
            out[k] = pow(out[k], g->p);
}

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
