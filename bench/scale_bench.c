/*
 * scale_bench.c - exact transport between two random point clouds of n
 * points (uniform in the unit cube, uniform weights), timed, with the
 * certificate over all n*m pairs. Prints one JSON line.
 *
 *   cc -O2 -fopenmp -Iinclude bench/scale_bench.c build/libwass.a -lm -o build/scale_bench
 *   build/scale_bench N D METRIC [ALGO] [SEED] [THREADS]
 *     METRIC: euclidean | sqeuclidean | cityblock; ALGO: auto | simplex | colgen
 *   build/scale_bench many COUNT [THREADS]   (all pairs among COUNT small clouds)
 *   build/scale_bench sig P.npy Q.npy METRIC [ALGO] [THREADS]   (signature files)
 */
#define _POSIX_C_SOURCE 200809L
#include "wass.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* Peak resident set of this program, MB: VmHWM of /proc/self/status, the
 * high-water mark of the address space made at exec. ru_maxrss would also
 * carry the peak of the process that forked us (Linux keeps the pre-exec
 * high-water mark), a Python harness of 30 MB or more; it is the fallback. */
static double peak_rss_mb(void) {
    FILE *fp = fopen("/proc/self/status", "r");
    char line[256];
    double kb = -1;
    if (fp) {
        while (fgets(line, sizeof line, fp))
            if (strncmp(line, "VmHWM:", 6) == 0) kb = strtod(line + 6, NULL);
        fclose(fp);
    }
    if (kb < 0) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        kb = (double)ru.ru_maxrss;
    }
    return kb / 1024.0;
}

static uint64_t rng(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* All pairs among `count` random 2-D clouds of 50..200 points (W2^2):
 * wass_emd_many with `threads`, prints seconds and a checksum. */
static int many(size_t count, int threads) {
    uint64_t seed = 7;
    size_t *sz = malloc(count * sizeof(size_t));
    double **pts = malloc(count * sizeof(double *));
    for (size_t k = 0; k < count; k++) {
        sz[k] = 50 + rng(&seed) % 151;
        pts[k] = malloc(sz[k] * 2 * sizeof(double));
        for (size_t q = 0; q < sz[k] * 2; q++)
            pts[k][q] = (double)(rng(&seed) >> 11) * 0x1.0p-53;
    }
    size_t np = count * (count - 1) / 2, q = 0;
    wass_problem *pb = calloc(np, sizeof *pb);
    for (size_t a = 0; a < count; a++)
        for (size_t b = a + 1; b < count; b++, q++) {
            pb[q].n = sz[a];
            pb[q].m = sz[b];
            pb[q].cost =
                wass_cost_points(pts[a], pts[b], 2, wass_ground_make(WASS_SQEUCLIDEAN, 1.0));
        }
    double *costs = malloc(np * sizeof(double));
    wass_options o;
    wass_options_default(&o);
    o.threads = threads;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    wass_error_info e;
    int rc = wass_emd_many(pb, np, &o, costs, NULL, &e);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sum = 0;
    for (size_t k = 0; k < np; k++)
        sum += costs[k];
    printf("{\"many\": %zu, \"problems\": %zu, \"threads\": %d, \"rc\": %d, \"seconds\": %.3f, "
           "\"cost_sum\": %.17g}\n",
           count, np, threads, rc,
           (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec), sum);
    for (size_t k = 0; k < count; k++)
        free(pts[k]);
    free(pts);
    free(sz);
    free(pb);
    free(costs);
    return rc ? 1 : 0;
}

/* Two signature files (rows: weight, coordinates) read with
 * wass_matrix_read; prints the same JSON as the random mode. */
static int sig(const char *pa, const char *pbn, wass_metric metric, int algo, int threads) {
    wass_matrix A, B;
    wass_error_info e;
    memset(&A, 0, sizeof A);
    memset(&B, 0, sizeof B);
    if (wass_matrix_read(pa, &A, &e) || wass_matrix_read(pbn, &B, &e) || A.cols < 2 ||
        A.cols != B.cols) {
        printf("{\"error\": \"%s\"}\n", e.message);
        return 1;
    }
    size_t n = A.rows, m = B.rows, d = A.cols - 1;
    double *X = malloc(n * d * sizeof(double)), *Y = malloc(m * d * sizeof(double));
    double *a = malloc(n * sizeof(double)), *b = malloc(m * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        a[i] = A.data[i * A.cols];
        memcpy(X + i * d, A.data + i * A.cols + 1, d * sizeof(double));
    }
    for (size_t j = 0; j < m; j++) {
        b[j] = B.data[j * B.cols];
        memcpy(Y + j * d, B.data + j * B.cols + 1, d * sizeof(double));
    }
    wass_problem pb;
    memset(&pb, 0, sizeof pb);
    pb.n = n;
    pb.m = m;
    pb.a = a;
    pb.b = b;
    pb.cost = wass_cost_points(X, Y, d, wass_ground_make(metric, 1.0));
    wass_options o;
    wass_options_default(&o);
    o.mass = WASS_MASS_NORMALIZE;
    o.algorithm = algo;
    o.threads = threads;
    wass_result r;
    int rc = wass_emd(&pb, &o, &r, &e);
    if (rc) {
        printf("{\"error\": \"%s\"}\n", e.message);
        return 1;
    }
    printf(
        "{\"n\": %zu, \"m\": %zu, \"d\": %zu, \"metric\": \"%s\", \"algorithm\": \"%s\", "
        "\"status\": \"%s\", \"cost\": %.17g, \"seconds\": %.3f, \"solve_seconds\": %.3f, "
        "\"certify_seconds\": %.3f, \"pivots\": %lld, \"rounds\": %lld, \"candidate_arcs\": %zu, "
        "\"min_reduced_cost\": %.3g, \"duality_gap\": %.3g, \"peak_rss_mb\": %.1f}\n",
        n, m, d, wass_metric_name(metric), r.algorithm == WASS_ALGO_COLGEN ? "colgen" : "simplex",
        wass_status_string(r.status), r.cost, r.seconds + r.certify_seconds, r.seconds,
        r.certify_seconds, (long long)r.iterations, (long long)r.rounds, r.candidate_arcs,
        r.cert.min_reduced_cost, r.cert.duality_gap, peak_rss_mb());
    wass_result_free(&r);
    wass_matrix_free(&A);
    wass_matrix_free(&B);
    free(X);
    free(Y);
    free(a);
    free(b);
    return 0;
}

static int parse_algo(const char *s) {
    if (strcmp(s, "simplex") == 0) return WASS_ALGO_SIMPLEX;
    if (strcmp(s, "colgen") == 0) return WASS_ALGO_COLGEN;
    return WASS_ALGO_AUTO;
}

int main(int argc, char **argv) {
    if (argc >= 5 && strcmp(argv[1], "sig") == 0) {
        wass_metric metric;
        if (wass_metric_parse(argv[4], &metric)) return 2;
        return sig(argv[2], argv[3], metric, argc > 5 ? parse_algo(argv[5]) : WASS_ALGO_AUTO,
                   argc > 6 ? atoi(argv[6]) : 0);
    }
    if (argc >= 3 && strcmp(argv[1], "many") == 0)
        return many(strtoull(argv[2], NULL, 10), argc > 3 ? atoi(argv[3]) : 0);
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
    for (size_t k = 0; k < n * d; k++)
        X[k] = (double)(rng(&seed) >> 11) * 0x1.0p-53;
    for (size_t k = 0; k < n * d; k++)
        Y[k] = (double)(rng(&seed) >> 11) * 0x1.0p-53;
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
    if (rc) {
        printf("{\"error\": \"%s\"}\n", e.message);
        return 1;
    }
    printf(
        "{\"n\": %zu, \"d\": %zu, \"metric\": \"%s\", \"algorithm\": \"%s\", \"status\": \"%s\", "
        "\"cost\": %.17g, \"seconds\": %.3f, \"solve_seconds\": %.3f, \"certify_seconds\": %.3f, "
        "\"pivots\": %lld, \"rounds\": %lld, \"candidate_arcs\": %zu, "
        "\"min_reduced_cost\": %.3g, \"duality_gap\": %.3g, \"marginal_error\": %.3g, "
        "\"peak_rss_mb\": %.1f}\n",
        n, d, argv[3], r.algorithm == WASS_ALGO_COLGEN ? "colgen" : "simplex",
        wass_status_string(r.status), r.cost, r.seconds + r.certify_seconds, r.seconds,
        r.certify_seconds, (long long)r.iterations, (long long)r.rounds, r.candidate_arcs,
        r.cert.min_reduced_cost, r.cert.duality_gap, r.cert.marginal_error, peak_rss_mb());
    wass_result_free(&r);
    free(X);
    free(Y);
    return 0;
}
