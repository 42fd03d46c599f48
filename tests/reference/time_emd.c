/*
 * time_emd.c - CPU time of wass_emd (one thread, no certificate) on a point
 * cloud problem written by time_emd_vs_pot.py. Not a test; see
 * time_emd_vs_pot.sh for how it is built and run.
 *
 * usage: time_emd FILE METRIC(0 euclidean, 1 sqeuclidean) [REPS]
 * FILE: int64 n, m, d, then X (n*d doubles), Y (m*d doubles), little-endian.
 */
#include "wass.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s FILE METRIC [REPS [ALGORITHM]]\n", argv[0]);
        return 2;
    }
    int metric = atoi(argv[2]), reps = argc > 3 ? atoi(argv[3]) : 1;
    FILE *f = fopen(argv[1], "rb");
    long long hdr[3];
    if (!f || fread(hdr, 8, 3, f) != 3) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    size_t n = (size_t)hdr[0], m = (size_t)hdr[1], d = (size_t)hdr[2];
    double *X = malloc(n * d * 8), *Y = malloc(m * d * 8);
    if (!X || !Y || fread(X, 8, n * d, f) != n * d || fread(Y, 8, m * d, f) != m * d) {
        fprintf(stderr, "truncated %s\n", argv[1]);
        return 1;
    }
    fclose(f);
    wass_problem pb = {n, m, NULL, NULL,
                       wass_cost_points(X, Y, d, wass_ground_make((wass_metric)metric, 1))};
    wass_options o;
    wass_options_default(&o);
    o.certify = 0;
    o.threads = 1;
    if (argc > 4) o.algorithm = atoi(argv[4]); /* 0 auto, 1 simplex, 2 colgen */

    double best = 1e300;
    wass_result r;
    wass_error_info e;
    for (int k = 0; k < reps; k++) {
        double t = cpu_now();
        if (wass_emd(&pb, &o, &r, &e) != WASS_OK) {
            fprintf(stderr, "error: %s\n", e.message);
            return 1;
        }
        t = cpu_now() - t;
        if (t < best) best = t;
        if (k < reps - 1) wass_result_free(&r);
    }
    double tc = cpu_now();
    wass_certify(&pb, &o, &r, &r.cert);
    tc = cpu_now() - tc;
    printf("wass n=%zu d=%zu %s cpu=%.4f s pivots=%lld cost=%.15g status=%s gap=%.2g "
           "min_rc=%.2g marginal=%.2g certify_cpu=%.3f s\n",
           n, d, metric ? "sqeuclidean" : "euclidean", best, (long long)r.iterations, r.cost,
           wass_status_string(r.status), r.cert.duality_gap, r.cert.min_reduced_cost,
           r.cert.marginal_error, tc);
    wass_result_free(&r);
    free(X);
    free(Y);
    return 0;
}
