/*
 * test_emd_dense.c - the dense network simplex on point clouds from its
 * multiscale start (emd_dense_start.c: coarse solve over k-d tree leaves,
 * lifted, the restricted problem solved first) against the same problem
 * given as a cost matrix (the simplex from its north-west start, no
 * multiscale start): dimensions 1-3, W1 and W2^2, random and uniform
 * weights (assignments), shifted clouds, integer grids (ties), repeated
 * points, zero weights, one source against many sinks, partial transport
 * (no start: the dummy node), an iteration limit, and AUTO's choice of the
 * dense simplex for W1 up to 8000 x 8000 and for W2^2 without equal masses
 * below 8 million pairs. WASS_SANITIZED=1 shrinks sizes.
 */
#include "test_clouds.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The same problem as a cost matrix (the library's own formula). */
static wass_problem dense_problem(test_clouds *c, wass_metric metric) {
    wass_ground g = wass_ground_make(metric, 1.0);
    c->C = malloc(c->n * c->m * sizeof(double));
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = 0; j < c->m; j++)
            c->C[i * c->m + j] = wass_ground_eval(&g, c->X + i * c->d, c->Y + j * c->d, c->d);
    wass_problem pb;
    memset(&pb, 0, sizeof pb);
    pb.n = c->n;
    pb.m = c->m;
    pb.a = c->a;
    pb.b = c->b;
    pb.cost = wass_cost_dense(c->C, c->m, 1.0);
    return pb;
}

static int agree(double x, double y) {
    return fabs(x - y) <= 1e-9 * fmax(fabs(x), fabs(y)) + 1e-14;
}

/* Points (the multiscale start) against the matrix (no start), every
 * family, metric and dimension; both certified, same cost to 1e-9. */
static void test_against_matrix(void) {
    size_t n = test_sanitized() ? 210 : 260, m = test_sanitized() ? 200 : 240;
    uint64_t st = 99;
    wass_metric metrics[2] = {WASS_EUCLIDEAN, WASS_SQEUCLIDEAN};
    for (size_t d = 1; d <= 3; d++)
        for (int kind = 0; kind < 5; kind++)
            for (int mi = 0; mi < 2; mi++) {
                test_clouds c;
                size_t mm = kind == 3 ? n : m;
                test_clouds_make(&c, n, mm, d, kind, 0.6, 6, &st);
                wass_problem pp = test_clouds_problem(&c, metrics[mi]);
                wass_problem pd = dense_problem(&c, metrics[mi]);
                wass_options o;
                wass_options_default(&o);
                o.mass = WASS_MASS_NORMALIZE;
                wass_result r1, r2;
                wass_error_info e;
                int rc1 = wass_emd(&pp, &o, &r1, &e);
                int rc2 = wass_emd(&pd, &o, &r2, &e);
                CHECK_MSG(rc1 == WASS_OK && r1.status == WASS_OPTIMAL && r1.cert.certified,
                          "d %zu kind %d metric %d: %s", d, kind, mi, r1.message);
                CHECK(rc2 == WASS_OK && r2.status == WASS_OPTIMAL);
                CHECK(r1.algorithm == WASS_ALGO_SIMPLEX);
                if (rc1 == WASS_OK && rc2 == WASS_OK)
                    CHECK_MSG(agree(r1.cost, r2.cost), "d %zu kind %d metric %d: %.17g vs %.17g", d,
                              kind, mi, r1.cost, r2.cost);
                if (rc1 == WASS_OK) wass_result_free(&r1);
                if (rc2 == WASS_OK) wass_result_free(&r2);
                test_clouds_free(&c);
            }
}

/* 3-D clouds far from the origin, tiny or huge (the float first pass of the
 * 3-D pricing, emd_price_f32.c, centres the points and widens its test by
 * a bound of its rounding error: a bound too small would stop the simplex
 * short of the optimum): points against the matrix, certified, same cost. */
static void test_far_and_scaled(void) {
    size_t n = test_sanitized() ? 210 : 300, m = test_sanitized() ? 200 : 280;
    const double scale[4] = {1.0, 1e-6, 1e3, 1e-3}, offset[4] = {1e4, 0.0, -5e5, 7.0};
    wass_metric metrics[2] = {WASS_EUCLIDEAN, WASS_SQEUCLIDEAN};
    uint64_t st = 2718;
    for (int v = 0; v < 4; v++)
        for (int kind = 0; kind < 4; kind += 3)
            for (int mi = 0; mi < 2; mi++) {
                test_clouds c;
                test_clouds_make(&c, n, kind == 3 ? n : m, 3, kind, 0.6, 6, &st);
                for (size_t k = 0; k < c.n * 3; k++)
                    c.X[k] = c.X[k] * scale[v] + offset[v];
                for (size_t k = 0; k < c.m * 3; k++)
                    c.Y[k] = c.Y[k] * scale[v] + offset[v];
                wass_problem pp = test_clouds_problem(&c, metrics[mi]);
                wass_problem pd = dense_problem(&c, metrics[mi]);
                wass_options o;
                wass_options_default(&o);
                o.mass = WASS_MASS_NORMALIZE;
                wass_result r1, r2;
                wass_error_info e;
                int rc1 = wass_emd(&pp, &o, &r1, &e);
                int rc2 = wass_emd(&pd, &o, &r2, &e);
                CHECK_MSG(rc1 == WASS_OK && r1.status == WASS_OPTIMAL && r1.cert.certified,
                          "scale %g offset %g kind %d metric %d: %s", scale[v], offset[v], kind, mi,
                          rc1 == WASS_OK ? r1.message : e.message);
                CHECK(rc2 == WASS_OK && r2.status == WASS_OPTIMAL);
                if (rc1 == WASS_OK && rc2 == WASS_OK)
                    CHECK_MSG(agree(r1.cost, r2.cost), "scale %g offset %g: %.17g vs %.17g",
                              scale[v], offset[v], r1.cost, r2.cost);
                if (rc1 == WASS_OK) wass_result_free(&r1);
                if (rc2 == WASS_OK) wass_result_free(&r2);
                test_clouds_free(&c);
            }
}

/* One source against many sinks: the plan is forced, cost sum_j b_j C_1j. */
static void test_one_source(void) {
    size_t m = 40000;
    uint64_t st = 5;
    test_clouds c;
    test_clouds_make(&c, 1, m, 2, 0, 0.6, 6, &st);
    wass_problem pb = test_clouds_problem(&c, WASS_SQEUCLIDEAN);
    wass_options o;
    wass_options_default(&o);
    o.mass = WASS_MASS_NORMALIZE;
    wass_result r;
    wass_error_info e;
    double B = 0, want = 0;
    wass_ground g = wass_ground_make(WASS_SQEUCLIDEAN, 1.0);
    for (size_t j = 0; j < m; j++)
        B += c.b[j];
    for (size_t j = 0; j < m; j++)
        want += c.b[j] / B * wass_ground_eval(&g, c.X, c.Y + 2 * j, 2);
    int rc = wass_emd(&pb, &o, &r, &e);
    CHECK_MSG(rc == WASS_OK && r.status == WASS_OPTIMAL, "%s", e.message);
    if (rc == WASS_OK) {
        CHECK_MSG(fabs(r.cost - want) <= 1e-12 * want, "%.17g vs %.17g", r.cost, want);
        wass_result_free(&r);
    }
    test_clouds_free(&c);
}

/* Partial transport (a dummy node: no multiscale start) and an iteration
 * limit (no start either) still behave as before. */
static void test_partial_and_limit(void) {
    uint64_t st = 17;
    test_clouds c;
    test_clouds_make(&c, 250, 230, 2, 0, 0.6, 6, &st);
    for (size_t j = 0; j < c.m; j++)
        c.b[j] *= 0.5; /* less demand than supply */
    wass_problem pp = test_clouds_problem(&c, WASS_EUCLIDEAN);
    wass_problem pd = dense_problem(&c, WASS_EUCLIDEAN);
    wass_options o;
    wass_options_default(&o);
    o.mass = WASS_MASS_PARTIAL;
    wass_result r1, r2;
    wass_error_info e;
    int rc1 = wass_emd(&pp, &o, &r1, &e), rc2 = wass_emd(&pd, &o, &r2, &e);
    CHECK(rc1 == WASS_OK && r1.status == WASS_OPTIMAL);
    CHECK(rc2 == WASS_OK && r2.status == WASS_OPTIMAL);
    if (rc1 == WASS_OK && rc2 == WASS_OK)
        CHECK_MSG(agree(r1.cost, r2.cost), "%.17g vs %.17g", r1.cost, r2.cost);
    if (rc1 == WASS_OK) wass_result_free(&r1);
    if (rc2 == WASS_OK) wass_result_free(&r2);
    o.mass = WASS_MASS_NORMALIZE;
    o.max_iter = 5;
    rc1 = wass_emd(&pp, &o, &r1, &e);
    CHECK(rc1 == WASS_OK && r1.status == WASS_ITERATION_LIMIT && r1.iterations == 5);
    if (rc1 == WASS_OK) wass_result_free(&r1);
    test_clouds_free(&c);
}

/* AUTO runs the dense simplex for W1 in 3-D at a size where W2^2 gets
 * column generation (test_emd_scale.c), certified over all pairs. */
static void test_auto_w1(void) {
    size_t n = test_sanitized() ? 2100 : 3000;
    uint64_t st = 4242;
    test_clouds c;
    test_clouds_make(&c, n, n - 3, 3, 0, 0.6, 6, &st);
    wass_problem pb = test_clouds_problem(&c, WASS_EUCLIDEAN);
    wass_options o;
    wass_options_default(&o);
    o.mass = WASS_MASS_NORMALIZE;
    wass_result r;
    wass_error_info e;
    int rc = wass_emd(&pb, &o, &r, &e);
    CHECK_MSG(rc == WASS_OK && r.status == WASS_OPTIMAL && r.cert.certified, "%s", e.message);
    CHECK(r.algorithm == WASS_ALGO_SIMPLEX);
    if (rc == WASS_OK) {
        wass_result r2;
        o.algorithm = WASS_ALGO_COLGEN;
        rc = wass_emd(&pb, &o, &r2, &e);
        CHECK(rc == WASS_OK && r2.status == WASS_OPTIMAL);
        if (rc == WASS_OK) {
            CHECK_MSG(agree(r.cost, r2.cost), "%.17g vs %.17g", r.cost, r2.cost);
            wass_result_free(&r2);
        }
        wass_result_free(&r);
    }
    test_clouds_free(&c);
}

/* AUTO runs the dense simplex for W2^2 without equal masses below 8
 * million pairs, where column generation took over from 4 million. */
static void test_auto_w2_unequal(void) {
    uint64_t st = 31;
    test_clouds c;
    test_clouds_make(&c, 2050, 2000, 2, 0, 0.6, 6, &st);
    wass_problem pb = test_clouds_problem(&c, WASS_SQEUCLIDEAN);
    wass_options o;
    wass_options_default(&o);
    o.mass = WASS_MASS_NORMALIZE;
    wass_result r;
    wass_error_info e;
    int rc = wass_emd(&pb, &o, &r, &e);
    CHECK_MSG(rc == WASS_OK && r.status == WASS_OPTIMAL && r.cert.certified, "%s", e.message);
    CHECK(r.algorithm == WASS_ALGO_SIMPLEX);
    if (rc == WASS_OK) wass_result_free(&r);
    test_clouds_free(&c);
}

int main(void) {
    test_against_matrix();
    test_one_source();
    test_far_and_scaled();
    test_partial_and_limit();
    test_auto_w1();
    test_auto_w2_unequal();
    return test_main_end("test_emd_dense");
}
