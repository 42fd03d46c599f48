/*
 * line_bench.c - 1-D W_p between two weighted samples of N values each
 * (normal against shifted exponential, weights uniform in [0.5, 1.5)),
 * timed per call: wall and CPU time (all threads) of wass_line, the thread
 * count taken from OMP_NUM_THREADS. Prints one JSON line with the median
 * of REPS calls and the value (identical for any thread count).
 *
 *   cc -O2 -fopenmp -Iinclude bench/line_bench.c build/libwass.a -lm -o build/line_bench
 *   OMP_NUM_THREADS=2 build/line_bench [N] [REPS] [weighted: 1|0]
 */
#define _POSIX_C_SOURCE 200809L
#include "wass.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t rng(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double unif(uint64_t *s) {
    return ((double)(rng(s) >> 11) + 0.5) * 0x1.0p-53;
}

static double clock_of(clockid_t id) {
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? (size_t)atof(argv[1]) : 10000000;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    int weighted = argc > 3 ? atoi(argv[3]) : 1;
    if (reps < 1 || reps > 1000 || n < 1) return 2;
    double *u = malloc(n * sizeof(double)), *v = malloc(n * sizeof(double));
    double *uw = malloc(n * sizeof(double)), *vw = malloc(n * sizeof(double));
    double *wall = malloc((size_t)reps * sizeof(double)),
           *cpu = malloc((size_t)reps * sizeof(double));
    if (!u || !v || !uw || !vw || !wall || !cpu) return 2;
    uint64_t s = 42;
    for (size_t i = 0; i < n; i++) {
        double r = sqrt(-2.0 * log(unif(&s))), t = 6.283185307179586 * unif(&s);
        u[i] = r * cos(t);
        v[i] = 0.5 - log(unif(&s));
        uw[i] = 0.5 + unif(&s);
        vw[i] = 0.5 + unif(&s);
    }
    double val = 0;
    for (int k = 0; k < reps; k++) {
        double w0 = clock_of(CLOCK_MONOTONIC), c0 = clock_of(CLOCK_PROCESS_CPUTIME_ID);
        wass_error_info e;
        int rc = wass_line(u, weighted ? uw : NULL, n, v, weighted ? vw : NULL, n, 1.0, &val, &e);
        wall[k] = clock_of(CLOCK_MONOTONIC) - w0;
        cpu[k] = clock_of(CLOCK_PROCESS_CPUTIME_ID) - c0;
        if (rc) {
            fprintf(stderr, "wass_line: %s\n", e.message);
            return 1;
        }
    }
    qsort(wall, (size_t)reps, sizeof(double), cmp);
    qsort(cpu, (size_t)reps, sizeof(double), cmp);
    const char *th = getenv("OMP_NUM_THREADS");
    printf(
        "{\"n\": %zu, \"weighted\": %d, \"threads\": \"%s\", \"reps\": %d, \"wall_median\": %.4f, "
        "\"wall_min\": %.4f, \"cpu_median\": %.4f, \"value\": %.17g}\n",
        n, weighted, th ? th : "default", reps, wall[reps / 2], wall[0], cpu[reps / 2], val);
    free(u);
    free(v);
    free(uw);
    free(vw);
    free(wall);
    free(cpu);
    return 0;
}
