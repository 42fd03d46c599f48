/*
 * test_certify_tree.c - the certificate's row minima by branch and bound on a
 * k-d tree (certify_tree.c) against the full scan, bit for bit: every
 * monotone ground metric, scales from 1e-60 to 1e60, optimal and random
 * potentials, with and without a plan to cut the searches, duplicate points
 * and ties; the cases it must leave to the full scan; and whole certificates
 * through wass_certify against the same problems with a callback cost.
 */
#include "test_util.h"
#include "exact/emd_internal.h"
#include "wass.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long rng_state = 0x9E3779B97F4A7C15ULL;
static double unif(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * 0x1p-53;
}

static double brute_rowmin(const wass_problem *pb, const double *v, size_t i) {
    double mn = INFINITY;
    for (size_t j = 0; j < pb->m; j++) {
        double r = wass_cost_eval(&pb->cost, i, j) - v[j];
        mn = r < mn ? r : mn;
    }
    return mn;
}

/* Random clouds (some points repeated, some on a lattice for ties), v
 * either random or c-transform-like (v_j = min_i C_ij + noise, the shape of
 * optimal duals), a plan of random flows or none; returns the number of
 * rows whose minimum differs from the full scan's (-1 when not applied). */
static long one_case(size_t n, size_t m, size_t d, wass_ground g, double scale, int vkind,
                     int with_plan) {
    double *X = malloc(n * d * sizeof *X), *Y = malloc(m * d * sizeof *Y);
    double *v = malloc(m * sizeof *v), *rm = malloc(n * sizeof *rm);
    wass_flow *plan = malloc(n * sizeof *plan);
    for (size_t k = 0; k < n * d; k++)
        X[k] = scale * (k % 7 == 0 ? floor(8 * unif()) : unif());
    for (size_t k = 0; k < m * d; k++)
        Y[k] = scale * (k % 5 == 0 ? floor(8 * unif()) : unif() + 0.3);
    for (size_t j = 1; j < m; j += 9) /* repeated columns */
        memcpy(Y + j * d, Y + (j - 1) * d, d * sizeof *Y);
    wass_problem pb = {n, m, NULL, NULL, wass_cost_points(X, Y, d, g)};
    for (size_t j = 0; j < m; j++) {
        if (vkind == 0) {
            v[j] = wass_cost_eval(&pb.cost, 0, 0) * (unif() - 0.5);
        } else {
            double mn = INFINITY;
            for (size_t i = 0; i < n; i++)
                mn = fmin(mn, wass_cost_eval(&pb.cost, i, j));
            v[j] = mn * (1 + 1e-3 * unif());
        }
    }
    for (size_t i = 0; i < n; i++)
        plan[i] = (wass_flow){i, (size_t)(unif() * (double)m) % m, 1.0 / (double)n};
    double maxc = 0;
    long bad = -1;
    if (wass__cert_rowmin_tree(&pb, v, with_plan ? plan : NULL, with_plan ? n : 0, 2, rm, &maxc)) {
        bad = 0;
        double truemax = 0;
        for (size_t i = 0; i < n; i++) {
            double br = brute_rowmin(&pb, v, i);
            if (memcmp(&br, &rm[i], sizeof br) != 0) {
                if (bad < 3) CHECK_MSG(0, "row %zu: tree %.17g, full scan %.17g", i, rm[i], br);
                bad++;
            }
            for (size_t j = 0; j < m; j++)
                truemax = fmax(truemax, wass_cost_eval(&pb.cost, i, j));
        }
        CHECK_MSG(maxc >= truemax, "largest cost bound %.17g below %.17g", maxc, truemax);
    }
    free(X);
    free(Y);
    free(v);
    free(rm);
    free(plan);
    return bad;
}

static void test_rowmin_exact(void) {
    static const wass_metric metrics[] = {WASS_SQEUCLIDEAN, WASS_EUCLIDEAN, WASS_CITYBLOCK,
                                          WASS_CHEBYSHEV};
    static const double scales[] = {1.0, 1e-60, 1e60, 3.0};
    for (int mi = 0; mi < 4; mi++)
        for (int p = 1; p <= 2; p++)
            for (size_t d = 1; d <= 3; d++)
                for (int s = 0; s < 4; s++) {
                    wass_ground g = wass_ground_make(metrics[mi], (double)p);
                    int vk = s % 2, wp = (s / 2) % 2;
                    long bad = one_case(300, 257, d, g, scales[s], vk, wp);
                    CHECK_MSG(bad == 0,
                              "metric %d p %d d %zu scale %g: %ld rows differ (-1: not applied)",
                              (int)metrics[mi], p, d, scales[s], bad);
                }
}

static void test_not_applicable(void) {
    enum { N = 64, D = 2 };
    double X[N * D], Y[N * D], v[N], rm[N], maxc;
    for (size_t k = 0; k < N * D; k++) {
        X[k] = unif();
        Y[k] = unif();
    }
    for (size_t j = 0; j < N; j++)
        v[j] = unif();
    wass_problem pb = {N, N, NULL, NULL,
                       wass_cost_points(X, Y, D, wass_ground_make(WASS_EUCLIDEAN, 1))};
    CHECK(wass__cert_rowmin_tree(&pb, v, NULL, 0, 1, rm, &maxc) == 1);
    pb.cost.ground = wass_ground_make(WASS_EUCLIDEAN, 1.5); /* pow: not monotone */
    CHECK(wass__cert_rowmin_tree(&pb, v, NULL, 0, 1, rm, &maxc) == 0);
    pb.cost.ground = wass_ground_make(WASS_MINKOWSKI, 1);
    pb.cost.ground.q = 3.0;
    CHECK(wass__cert_rowmin_tree(&pb, v, NULL, 0, 1, rm, &maxc) == 0);
    pb.cost.ground = wass_ground_make(WASS_SQEUCLIDEAN, 1);
    double keep = X[0];
    X[0] = 1e-80; /* distinct coordinates 2e-80 apart: underflow possible */
    Y[0] = 3e-80;
    CHECK(wass__cert_rowmin_tree(&pb, v, NULL, 0, 1, rm, &maxc) == 0);
    X[0] = 1e200; /* a cost that could overflow */
    CHECK(wass__cert_rowmin_tree(&pb, v, NULL, 0, 1, rm, &maxc) == 0);
    X[0] = keep;
    v[3] = INFINITY;
    CHECK(wass__cert_rowmin_tree(&pb, v, NULL, 0, 1, rm, &maxc) == 0);
    v[3] = 0.5;
    CHECK(wass__cert_rowmin_tree(&pb, v, NULL, 0, 1, rm, &maxc) == 1);
}

typedef struct {
    const wass_cost *pts;
} cb_user;

static double cb_cost(size_t i, size_t j, void *user) {
    return wass_cost_eval(((const cb_user *)user)->pts, i, j);
}

/* Shifted clouds with random weights, solved (certificate by the tree), and
 * certified again with the costs through a callback (every pair scanned):
 * the same bound, bit for bit. */
static void test_certify_against_full(wass_metric metric, size_t d) {
    enum { N = 2100, M = 2050 };
    double *X = malloc(N * d * sizeof *X), *Y = malloc(M * d * sizeof *Y);
    double *a = malloc(N * sizeof *a), *b = malloc(M * sizeof *b), sa = 0, sb = 0;
    for (size_t k = 0; k < N * d; k++)
        X[k] = unif() + unif();
    for (size_t k = 0; k < M * d; k++)
        Y[k] = unif() + unif() + 0.7;
    for (size_t i = 0; i < N; i++)
        sa += a[i] = 0.1 + unif();
    for (size_t j = 0; j < M; j++)
        sb += b[j] = 0.1 + unif();
    for (size_t i = 0; i < N; i++)
        a[i] /= sa;
    for (size_t j = 0; j < M; j++)
        b[j] /= sb;
    wass_problem pb = {N, M, a, b, wass_cost_points(X, Y, d, wass_ground_make(metric, 1))};
    wass_options opt;
    wass_options_default(&opt);
    opt.threads = 2;
    wass_result res;
    wass_error_info err;
    int rc = wass_emd(&pb, &opt, &res, &err);
    CHECK_MSG(rc == WASS_OK, "solve: %s", err.message);
    if (rc == WASS_OK) {
        CHECK(res.cert.checked && res.cert.certified);
        cb_user u = {&pb.cost};
        wass_problem pc = pb;
        pc.cost = wass_cost_callback(cb_cost, &u, 1.0);
        wass_certificate full;
        CHECK(wass_certify(&pc, &opt, &res, &full) == WASS_OK);
        CHECK(full.certified);
        CHECK_MSG(res.cert.gap_bound == full.gap_bound && res.cert.primal == full.primal &&
                      res.cert.dual == full.dual,
                  "metric %d d %zu: gap bound %.17g (tree) against %.17g (all pairs)", (int)metric,
                  d, res.cert.gap_bound, full.gap_bound);
        /* the most negative reduced cost is normalized by a bound of the
         * largest cost (and the full scan rounds C - u - v in one go) */
        CHECK_MSG(fabs(res.cert.min_reduced_cost) <= fabs(full.min_reduced_cost) + 1e-15,
                  "min reduced cost %.3g (tree) against %.3g", res.cert.min_reduced_cost,
                  full.min_reduced_cost);
    }
    wass_result_free(&res);
    free(X);
    free(Y);
    free(a);
    free(b);
}

int main(void) {
    test_rowmin_exact();
    test_not_applicable();
    test_certify_against_full(WASS_SQEUCLIDEAN, 2);
    test_certify_against_full(WASS_EUCLIDEAN, 2);
    test_certify_against_full(WASS_EUCLIDEAN, 3);
    return test_main_end("test_certify_tree");
}
