/*
 * scale_bench.c - exact transport between two random point clouds of n
 * points from one of several families, timed, with the certificate over all
 * n*m pairs. Prints one JSON line.
 *
 *   cc -O2 -fopenmp -Iinclude bench/scale_bench.c build/libwass.a -lm -o build/scale_bench
 *   build/scale_bench N D METRIC [ALGO] [SEED] [THREADS] [FAMILY] [WEIGHTS]
 *     METRIC: euclidean | sqeuclidean | cityblock; ALGO: auto | simplex | colgen
 *     FAMILY: uniform | gauss | clusters | concentrated (see make_family)
 *     WEIGHTS: uniform | random
 *   build/scale_bench dump N D SEED FAMILY WEIGHTS PREFIX   (writes PREFIX.{a,b,x,y}.f64)
 *   build/scale_bench many COUNT [THREADS]   (all pairs among COUNT small clouds)
 *   build/scale_bench sig P.npy Q.npy METRIC [ALGO] [THREADS]   (signature files)
 */
#define _POSIX_C_SOURCE 200809L
#include "wass.h"

#include <math.h>
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

static double unif(uint64_t *s) {
    return (double)(rng(s) >> 11) * 0x1.0p-53;
}

/* Standard normal (Box-Muller, one of the pair). */
static double normal(uint64_t *s) {
    double u = unif(s), v = unif(s);
    return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

/* The benchmark families (n points a side in d dimensions):
 *  uniform:      X, Y uniform in the unit cube (overlapping, short-range plan);
 *  gauss:        X ~ N(0, I), Y ~ N((1, ..., 1), I) (shifted: long-range);
 *  clusters:     10 Gaussian clusters (centres uniform in [0, 4]^d, sd 0.25),
 *                Y from the same clusters shifted by 0.5 in every coordinate;
 *  concentrated: X with 90 % of its points in a corner box of 10 % of the
 *                unit cube's volume, the rest uniform; Y uniform.
 * Weights: uniform (NULL) or random, uniform in [0.1, 1) then normalized. */
static int make_family(const char *fam, const char *wts, size_t n, size_t d, uint64_t seed,
                       double *X, double *Y, double **a, double **b) {
    uint64_t s = seed;
    if (strcmp(fam, "uniform") == 0) {
        for (size_t k = 0; k < n * d; k++)
            X[k] = unif(&s);
        for (size_t k = 0; k < n * d; k++)
            Y[k] = unif(&s);
    } else if (strcmp(fam, "gauss") == 0) {
        for (size_t k = 0; k < n * d; k++)
            X[k] = normal(&s);
        for (size_t k = 0; k < n * d; k++)
            Y[k] = 1.0 + normal(&s);
    } else if (strcmp(fam, "clusters") == 0) {
        double c[10 * 16];
        if (d > 16) return 2;
        for (size_t k = 0; k < 10 * d; k++)
            c[k] = 4.0 * unif(&s);
        for (size_t i = 0; i < n; i++) {
            size_t q = rng(&s) % 10;
            for (size_t t = 0; t < d; t++)
                X[i * d + t] = c[q * d + t] + 0.25 * normal(&s);
        }
        for (size_t j = 0; j < n; j++) {
            size_t q = rng(&s) % 10;
            for (size_t t = 0; t < d; t++)
                Y[j * d + t] = c[q * d + t] + 0.5 + 0.25 * normal(&s);
        }
    } else if (strcmp(fam, "concentrated") == 0) {
        double side = pow(0.1, 1.0 / (double)d);
        for (size_t i = 0; i < n; i++) {
            int in = unif(&s) < 0.9;
            for (size_t t = 0; t < d; t++)
                X[i * d + t] = in ? side * unif(&s) : unif(&s);
        }
        for (size_t k = 0; k < n * d; k++)
            Y[k] = unif(&s);
    } else {
        return 2;
    }
    *a = *b = NULL;
    if (strcmp(wts, "random") == 0) {
        *a = malloc(n * sizeof(double));
        *b = malloc(n * sizeof(double));
        double ta = 0, tb = 0;
        for (size_t i = 0; i < n; i++)
            ta += ((*a)[i] = 0.1 + 0.9 * unif(&s));
        for (size_t j = 0; j < n; j++)
            tb += ((*b)[j] = 0.1 + 0.9 * unif(&s));
        for (size_t i = 0; i < n; i++)
            (*a)[i] /= ta;
        for (size_t j = 0; j < n; j++)
            (*b)[j] /= tb;
    } else if (strcmp(wts, "uniform") != 0) {
        return 2;
    }
    return 0;
}

static int dump_raw(const char *prefix, const char *ext, const double *x, size_t len) {
    char path[4096];
    snprintf(path, sizeof path, "%s.%s.f64", prefix, ext);
    FILE *fp = fopen(path, "wb");
    if (!fp) return 1;
    size_t w = fwrite(x, sizeof(double), len, fp);
    return fclose(fp) != 0 || w != len;
}

/* Write an instance as raw float64 files (a and b written even when uniform). */
static int dump(size_t n, size_t d, uint64_t seed, const char *fam, const char *wts,
                const char *prefix) {
    double *X = malloc(n * d * sizeof(double)), *Y = malloc(n * d * sizeof(double)), *a, *b;
    if (make_family(fam, wts, n, d, seed, X, Y, &a, &b)) return 2;
    double *u = malloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        u[i] = 1.0 / (double)n;
    int rc = dump_raw(prefix, "a", a ? a : u, n) | dump_raw(prefix, "b", b ? b : u, n) |
             dump_raw(prefix, "x", X, n * d) | dump_raw(prefix, "y", Y, n * d);
    free(X);
    free(Y);
    free(a);
    free(b);
    free(u);
    return rc;
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
    if (argc >= 8 && strcmp(argv[1], "dump") == 0)
        return dump(strtoull(argv[2], NULL, 10), strtoull(argv[3], NULL, 10),
                    strtoull(argv[4], NULL, 10), argv[5], argv[6], argv[7]);
    if (argc < 4) {
        fprintf(stderr,
                "usage: %s N D METRIC [auto|simplex|colgen] [SEED] [THREADS] [FAMILY] [WEIGHTS]\n",
                argv[0]);
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
    const char *fam = argc > 7 ? argv[7] : "uniform", *wts = argc > 8 ? argv[8] : "uniform";
    double *X = malloc(n * d * sizeof(double)), *Y = malloc(n * d * sizeof(double)), *wa, *wb;
    if (make_family(fam, wts, n, d, seed, X, Y, &wa, &wb)) {
        fprintf(stderr, "unknown family %s or weights %s\n", fam, wts);
        return 2;
    }
    wass_problem pb;
    memset(&pb, 0, sizeof pb);
    pb.n = pb.m = n;
    pb.a = wa;
    pb.b = wb;
    pb.cost = wass_cost_points(X, Y, d, wass_ground_make(metric, 1.0));
    wass_options o;
    wass_options_default(&o);
    o.algorithm = algo;
    o.threads = threads;
    wass_result r;
    wass_error_info e;
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    int rc = wass_emd(&pb, &o, &r, &e);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    if (rc) {
        printf("{\"error\": \"%s\"}\n", e.message);
        return 1;
    }
    /* CPU seconds of the whole call (solve and certificate), all threads */
    double cpu = (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec);
    printf(
        "{\"family\": \"%s\", \"weights\": \"%s\", \"n\": %zu, \"d\": %zu, \"metric\": \"%s\", "
        "\"algorithm\": \"%s\", \"status\": \"%s\", "
        "\"cost\": %.17g, \"seconds\": %.3f, \"solve_seconds\": %.3f, \"certify_seconds\": %.3f, "
        "\"pivots\": %lld, \"rounds\": %lld, \"candidate_arcs\": %zu, "
        "\"min_reduced_cost\": %.3g, \"duality_gap\": %.3g, \"marginal_error\": %.3g, "
        "\"peak_rss_mb\": %.1f, \"cpu_seconds\": %.4f}\n",
        fam, wts, n, d, argv[3], r.algorithm == WASS_ALGO_COLGEN ? "colgen" : "simplex",
        wass_status_string(r.status), r.cost, r.seconds + r.certify_seconds, r.seconds,
        r.certify_seconds, (long long)r.iterations, (long long)r.rounds, r.candidate_arcs,
        r.cert.min_reduced_cost, r.cert.duality_gap, r.cert.marginal_error, peak_rss_mb(), cpu);
    wass_result_free(&r);
    free(X);
    free(Y);
    free(wa);
    free(wb);
    return 0;
}
