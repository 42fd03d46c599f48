/*
 * sinkhorn_util.h - what the Sinkhorn tests (test_sinkhorn.c,
 * test_sinkhorn_props.c) share: a dense cost matrix from two clouds, a
 * random 2-D problem, and the time of each group of tests
 * (WASS_TEST_TIMES=1).
 */
#ifndef WASS_SINKHORN_UTIL_H
#define WASS_SINKHORN_UTIL_H

#include "test_util.h"
#include "wass.h"

#include <stdlib.h>
#include <time.h>

static inline double wass_test_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static inline double *dense_cost(const double *X, const double *Y, size_t n, size_t m, size_t d,
                                 wass_ground g) {
    double *C = malloc(n * m * sizeof(double));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++)
            C[i * m + j] = wass_ground_eval(&g, X + i * d, Y + j * d, d);
    return C;
}

/* Random 2-D problem used by the property tests. */
static inline void random_problem(size_t n, size_t m, uint64_t seed, double *X, double *Y,
                                  double *a, double *b) {
    uint64_t st = seed;
    double sa = 0, sb = 0;
    for (size_t k = 0; k < 2 * n; k++)
        X[k] = test_rand_unif(&st);
    for (size_t k = 0; k < 2 * m; k++)
        Y[k] = test_rand_unif(&st);
    for (size_t i = 0; i < n; i++)
        sa += (a[i] = 0.2 + test_rand_unif(&st));
    for (size_t j = 0; j < m; j++)
        sb += (b[j] = 0.2 + test_rand_unif(&st));
    for (size_t i = 0; i < n; i++)
        a[i] /= sa;
    for (size_t j = 0; j < m; j++)
        b[j] /= sb;
}

static double t_last;
static inline void lap(const char *what) {
    double t = wass_test_now();
    if (getenv("WASS_TEST_TIMES")) fprintf(stderr, "%-28s %.2f s\n", what, t - t_last);
    t_last = t;
}

#endif
