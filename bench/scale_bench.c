/*
 * scale_bench.c - exact transport between two random point clouds of n
 * points (uniform in the unit cube, uniform weights), timed, with the
 * certificate over all n*m pairs. Prints one JSON line.
 *
 *   cc -O2 -fopenmp -Iinclude bench/scale_bench.c build/libwass.a -lm -o build/scale_bench
 *   build/scale_bench N D METRIC [ALGO] [SEED] [THREADS]
 *     METRIC: euclidean | sqeuclidean | cityblock; ALGO: auto | simplex | colgen
 */
#include "wass.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static uint64_t rng(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s N D METRIC [auto|simplex|colgen] [SEED] [THREADS]\n", argv[0]);
        return 2;
    }
    size_t n = strtoull(argv[1], NULL, 10), d = strtoull(argv[2], NULL, 10);
    wass_metric metric;
    if (wass_metric_parse(argv[3], &metric)) return 2;
    int algo = WASS_ALGO_AUTO;
    if (argc > 4 && strcmp(argv[4], "simplex") == 0) algo = WASS_ALGO_SIMPLEX;
    if (argc > 4 && strcmp(argv[4], "colgen") == 0) algo = WASS_ALGO_COLGEN;
    uint64_t seed = argc > 5 ? strtoull(argv[5], NULL, 10) : 1;
    int threads = argc > 6 ? atoi(argv[6]) : 0;
    double *X = malloc(n * d * sizeof(double)), *Y = malloc(n * d * sizeof(double));
    for (size_t k = 0; k < n * d; k++) X[k] = (double)(rng(&seed) >> 11) * 0x1.0p-53;
    for (size_t k = 0; k < n * d; k++) Y[k] = (double)(rng(&seed) >> 11) * 0x1.0p-53;
    wass_problem pb;
    memset(&pb, 0, sizeof pb);
    pb.n = pb.m = n;
    pb.cost = wass_cost_points(X, Y, d, wass_ground_make(metric, 1.0));
    wass_options o;
    wass_options_default(&o);
    o.algorithm = algo;
    o.threads = threads;
    wass_result r;
    wass_error_info e;
    int rc = wass_emd(&pb, &o, &r, &e);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    if (rc) {
        printf("{\"error\": \"%s\"}\n", e.message);
        return 1;
    }
    printf("{\"n\": %zu, \"d\": %zu, \"metric\": \"%s\", \"algorithm\": \"%s\", \"status\": \"%s\", "
           "\"cost\": %.17g, \"seconds\": %.3f, \"solve_seconds\": %.3f, \"certify_seconds\": %.3f, "
           "\"pivots\": %lld, \"rounds\": %lld, \"candidate_arcs\": %zu, "
           "\"min_reduced_cost\": %.3g, \"duality_gap\": %.3g, \"marginal_error\": %.3g, "
           "\"peak_rss_mb\": %.1f}\n",
           n, d, argv[3], r.algorithm == WASS_ALGO_COLGEN ? "colgen" : "simplex",
           wass_status_string(r.status), r.cost, r.seconds + r.certify_seconds, r.seconds,
           r.certify_seconds, (long long)r.iterations, (long long)r.rounds, r.candidate_arcs,
           r.cert.min_reduced_cost, r.cert.duality_gap, r.cert.marginal_error,
           ru.ru_maxrss / 1024.0);
    wass_result_free(&r);
    free(X);
    free(Y);
    return 0;
}
