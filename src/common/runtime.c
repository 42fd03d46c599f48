/*
 * runtime.c - what the library asks of the machine: a monotonic clock, the
 * number of threads, overflow-checked sizes, a gcd, compensated sums.
 */
#include "common/internal.h"

#include <math.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

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

size_t wass__gcd(size_t a, size_t b) {
    while (b) {
        size_t t = a % b;
        a = b;
        b = t;
    }
    return a;
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
    wass__acc a = {0.0, 0.0};
    for (size_t i = 0; i < n; i++)
        wass__acc_add(&a, x[i]);
    return wass__acc_value(&a);
}
