/*
 * test_emd_scale.c - the exact solver at scale: column generation against
 * the dense network simplex on many random point clouds (dimensions 1..5,
 * several metrics, n != m, zero weights, duplicate points, ties on integer
 * grids, mass modes), a larger certified instance, the batch API
 * (wass_emd_many equals one-by-one solves, bitwise identical for any thread
 * count) and error cases. WASS_SANITIZED=1 shrinks the sizes.
 */
#include "test_clouds.h"
#include "wass.h"

#include <stdlib.h>
#include <string.h>

static void test_against_simplex(void) {
    uint64_t st = 12345;
    const wass_metric metrics[3] = {WASS_EUCLIDEAN, WASS_SQEUCLIDEAN, WASS_CITYBLOCK};
    int cases = test_sanitized() ? 12 : 60;
    for (int t = 0; t < cases; t++) {
        size_t d = 1 + (size_t)t % 5;
        wass_metric metric = metrics[(t / 5) % 3];
        int kind = (t / 15) % 3;
        size_t n = 30 + test_rand_u64(&st) % (test_sanitized() ? 60 : 200);
        size_t m = 30 + test_rand_u64(&st) % (test_sanitized() ? 60 : 200);
        test_clouds c;
        test_clouds_make(&c, n, m, d, kind, 0.2, 7, &st);
        wass_problem pb = test_clouds_problem(&c, metric);
        wass_options o1, o2;
        wass_options_default(&o1);
        wass_options_default(&o2);
        o1.mass = o2.mass = (t % 4 == 3) ? WASS_MASS_PARTIAL : WASS_MASS_NORMALIZE;
        if (t % 8 == 5) o1.threads = o2.threads = 1;
        o1.algorithm = WASS_ALGO_SIMPLEX;
        o2.algorithm = WASS_ALGO_COLGEN;
        wass_result r1, r2;
        wass_error_info e;
        int rc1 = wass_emd(&pb, &o1, &r1, &e);
        CHECK_MSG(rc1 == WASS_OK, "case %d simplex: %s", t, e.message);
        int rc2 = wass_emd(&pb, &o2, &r2, &e);
        CHECK_MSG(rc2 == WASS_OK, "case %d colgen: %s", t, e.message);
        if (rc1 == WASS_OK && rc2 == WASS_OK) {
            CHECK_MSG(r1.status == WASS_OPTIMAL && r2.status == WASS_OPTIMAL,
                      "case %d: status %d %d (%s)", t, r1.status, r2.status, r2.message);
            CHECK_MSG(fabs(r1.cost - r2.cost) <= 1e-9 * fmax(1e-300, fabs(r1.cost)),
                      "case %d (d=%zu metric=%d kind=%d n=%zu m=%zu): simplex %.17g colgen %.17g",
                      t, d, (int)metric, kind, n, m, r1.cost, r2.cost);
            CHECK(r2.algorithm == WASS_ALGO_COLGEN && r1.algorithm == WASS_ALGO_SIMPLEX);
            CHECK(r2.rounds >= 1 && r2.candidate_arcs > 0);
            CHECK(r2.cert.checked && r2.cert.min_reduced_cost >= -1e-9 &&
                  r2.cert.duality_gap <= 1e-9 && r2.cert.marginal_error <= 1e-9);
            CHECK(r2.plan_len > 0 && r2.plan_len <= n + m);
        }
        wass_result_free(&r1);
        wass_result_free(&r2);
        test_clouds_free(&c);
    }
}

/* A cloud where the nearest-neighbour arcs alone cannot be optimal (two
 * separated clusters of different sizes), so pricing must add arcs. */
static void test_needs_pricing(void) {
    size_t n = test_sanitized() ? 300 : 1500, m = n + 17, d = 2;
    uint64_t st = 777;
    test_clouds c;
    test_clouds_make(&c, n, m, d, 0, 0.2, 7, &st);
    for (size_t i = 0; i < n; i++) {
        c.a[i] = i % 10 == 4 ? 0.0 : 1.0; /* zero weights on the multiscale path */
        if (i < n / 3) c.X[i * d] += 5.0;
    }
    for (size_t j = 0; j < m; j++) {
        c.b[j] = 1.0;
        if (j < m / 2) c.Y[j * d] += 5.0;
    }
    wass_problem pb = test_clouds_problem(&c, WASS_SQEUCLIDEAN);
    wass_options o;
    wass_options_default(&o);
    o.mass = WASS_MASS_NORMALIZE;
    o.algorithm = WASS_ALGO_COLGEN;
    wass_result r;
    wass_error_info e;
    int rc = wass_emd(&pb, &o, &r, &e);
    CHECK_MSG(rc == WASS_OK && r.status == WASS_OPTIMAL, "%s %s", e.message, r.message);
    CHECK(r.rounds >= 2);
    double colgen = r.cost;
    wass_result_free(&r);
    o.algorithm = WASS_ALGO_SIMPLEX;
    rc = wass_emd(&pb, &o, &r, &e);
    CHECK(rc == WASS_OK && r.status == WASS_OPTIMAL);
    CHECK_CLOSE(colgen, r.cost, 1e-9);
    wass_result_free(&r);
    /* the pivot limit is honored across rounds */
    o.algorithm = WASS_ALGO_COLGEN;
    o.max_iter = 5;
    rc = wass_emd(&pb, &o, &r, &e);
    CHECK(rc == WASS_OK && r.status == WASS_ITERATION_LIMIT);
    wass_result_free(&r);
    test_clouds_free(&c);
}

/* Random weights on shifted clouds (kind 0 with a shift: the plan moves
 * the mass far), W1 and W2^2 in 2-D and 3-D, large enough for the
 * multiscale start and several pricing rounds, so that the pricing carries
 * its levels from round to round (colgen_price.c): the cost of the dense
 * simplex, certified over all pairs. */
static void test_carried_pricing(void) {
    size_t n = test_sanitized() ? 700 : 1600;
    const wass_metric metrics[2] = {WASS_EUCLIDEAN, WASS_SQEUCLIDEAN};
    for (int t = 0; t < 4; t++) {
        uint64_t st = 4242 + (uint64_t)t;
        size_t d = 2 + (size_t)t / 2;
        test_clouds c;
        test_clouds_make(&c, n, n + 3, d, 0, 0.6, 7, &st);
        wass_problem pb = test_clouds_problem(&c, metrics[t % 2]);
        wass_options o;
        wass_options_default(&o);
        o.mass = WASS_MASS_NORMALIZE;
        o.algorithm = WASS_ALGO_COLGEN;
        wass_result r1, r2;
        wass_error_info e;
        int rc = wass_emd(&pb, &o, &r2, &e);
        CHECK_MSG(rc == WASS_OK && r2.status == WASS_OPTIMAL, "case %d: %s", t, e.message);
        o.algorithm = WASS_ALGO_SIMPLEX;
        rc = wass_emd(&pb, &o, &r1, &e);
        CHECK(rc == WASS_OK && r1.status == WASS_OPTIMAL);
        if (r1.status == WASS_OPTIMAL && r2.status == WASS_OPTIMAL) {
            CHECK_MSG(r2.rounds >= 3, "case %d: %lld rounds", t, (long long)r2.rounds);
            CHECK_MSG(fabs(r1.cost - r2.cost) <= 1e-9 * fabs(r1.cost),
                      "case %d: simplex %.17g colgen %.17g", t, r1.cost, r2.cost);
            CHECK(r2.cert.checked && r2.cert.min_reduced_cost >= -1e-9 &&
                  r2.cert.duality_gap <= 1e-9);
        }
        wass_result_free(&r1);
        wass_result_free(&r2);
        test_clouds_free(&c);
    }
}

/* AUTO picks column generation for large point clouds (W2^2 in 3-D here,
 * above 16 million pairs: for W1 in up to 3-D the dense simplex runs up to
 * 8000 x 8000, test_emd_dense.c);
 * the answer is certified over all pairs. */
static void test_auto_large(void) {
    size_t n = 4010, m = n - 3, d = 3;
    uint64_t st = 4242;
    test_clouds c;
    test_clouds_make(&c, n, m, d, 0, 0.2, 7, &st);
    wass_problem pb = test_clouds_problem(&c, WASS_SQEUCLIDEAN);
    wass_options o;
    wass_options_default(&o);
    o.mass = WASS_MASS_NORMALIZE;
    wass_result r;
    wass_error_info e;
    int rc = wass_emd(&pb, &o, &r, &e);
    CHECK_MSG(rc == WASS_OK && r.status == WASS_OPTIMAL, "%s %s", e.message, r.message);
    CHECK(r.algorithm == WASS_ALGO_COLGEN);
    CHECK(r.cert.checked && r.cert.min_reduced_cost >= -1e-9);
    /* the certificate sees a dual that violates one pair */
    if (rc == WASS_OK && r.v) {
        wass_certificate cert;
        double keep = r.v[7];
        r.v[7] += 1e-3;
        CHECK(wass_certify(&pb, &o, &r, &cert) == WASS_OK);
        CHECK_MSG(cert.min_reduced_cost < -1e-6, "min reduced cost %g", cert.min_reduced_cost);
        r.v[7] = keep;
        CHECK(wass_certify(&pb, &o, &r, &cert) == WASS_OK);
        CHECK(cert.min_reduced_cost >= -1e-9 && cert.duality_gap <= 1e-9);
    }
    /* lower bound: the centroid bound; upper bound: the identity-like
     * matching cost is not available, so compare with the relaxed bound */
    double lb = 0;
    CHECK(wass_bound_relaxed(&pb, 0, &lb, NULL) != WASS_OK || lb <= r.cost * (1 + 1e-12));
    wass_result_free(&r);
    test_clouds_free(&c);
}

static void test_many(void) {
    size_t count = test_sanitized() ? 24 : 80;
    uint64_t st = 99;
    test_clouds *c = calloc(count, sizeof *c);
    wass_problem *pb = calloc(count, sizeof *pb);
    for (size_t k = 0; k < count; k++) {
        size_t n = 50 + test_rand_u64(&st) % 151, m = 50 + test_rand_u64(&st) % 151;
        test_clouds_make(&c[k], n, m, 2 + k % 2, (int)(k % 3), 0.2, 7, &st);
        pb[k] = test_clouds_problem(&c[k], k % 2 ? WASS_EUCLIDEAN : WASS_SQEUCLIDEAN);
    }
    wass_options o;
    wass_options_default(&o);
    o.mass = WASS_MASS_NORMALIZE;
    double *c1 = malloc(count * sizeof(double)), *c2 = malloc(count * sizeof(double)),
           *c0 = malloc(count * sizeof(double));
    int *s1 = malloc(count * sizeof(int));
    wass_error_info e;
    o.threads = 1;
    CHECK(wass_emd_many(pb, count, &o, c1, s1, &e) == WASS_OK);
    o.threads = 2;
    CHECK(wass_emd_many(pb, count, &o, c2, NULL, &e) == WASS_OK);
    o.threads = 0;
    CHECK(wass_emd_many(pb, count, &o, c0, NULL, &e) == WASS_OK);
    int same = 1;
    for (size_t k = 0; k < count; k++) {
        CHECK(s1[k] == WASS_OPTIMAL);
        if (memcmp(&c1[k], &c2[k], sizeof(double)) || memcmp(&c1[k], &c0[k], sizeof(double)))
            same = 0;
        wass_options oo = o;
        oo.threads = 1;
        wass_result r;
        CHECK(wass_emd(&pb[k], &oo, &r, NULL) == WASS_OK);
        CHECK_MSG(memcmp(&r.cost, &c1[k], sizeof(double)) == 0, "problem %zu: %.17g vs %.17g", k,
                  r.cost, c1[k]);
        wass_result_free(&r);
    }
    CHECK(same);
    /* one bad problem among good ones */
    c[3].a[0] = -1.0;
    o.threads = 2;
    int rc = wass_emd_many(pb, count, &o, c2, s1, &e);
    CHECK(rc == WASS_ERR_NEGATIVE);
    CHECK(strstr(e.message, "problem 3") != NULL);
    CHECK(s1[3] == WASS_NOT_SOLVED && isnan(c2[3]));
    CHECK(s1[4] == WASS_OPTIMAL && c2[4] == c1[4]);
    CHECK(wass_emd_many(NULL, 3, &o, c2, s1, &e) == WASS_ERR_INVALID);
    CHECK(wass_emd_many(pb, 3, &o, NULL, s1, &e) == WASS_ERR_INVALID);
    CHECK(wass_emd_many(pb, 0, &o, NULL, NULL, &e) == WASS_OK);
    for (size_t k = 0; k < count; k++)
        test_clouds_free(&c[k]);
    free(c);
    free(pb);
    free(c0);
    free(c1);
    free(c2);
    free(s1);
}

static void test_errors(void) {
    double C[4] = {0, 1, 1, 0};
    wass_problem pb;
    memset(&pb, 0, sizeof pb);
    pb.n = pb.m = 2;
    pb.cost = wass_cost_dense(C, 2, 1.0);
    wass_options o;
    wass_options_default(&o);
    wass_result r;
    wass_error_info e;
    o.algorithm = WASS_ALGO_COLGEN;
    CHECK(wass_emd(&pb, &o, &r, &e) == WASS_ERR_UNSUPPORTED);
    CHECK(strstr(e.message, "point clouds") != NULL);
    wass_result_free(&r);
    o.algorithm = 17;
    CHECK(wass_emd(&pb, &o, &r, &e) == WASS_ERR_INVALID);
    wass_result_free(&r);
    o.algorithm = WASS_ALGO_AUTO;
    CHECK(wass_emd(&pb, &o, &r, &e) == WASS_OK && r.algorithm == WASS_ALGO_SIMPLEX);
    CHECK_CLOSE(r.cost, 0.0, 1e-15);
    wass_result_free(&r);
    /* a single point each side, and all points equal */
    double X[3] = {1, 1, 1}, Y[2] = {1, 1};
    pb.n = 3;
    pb.m = 2;
    pb.cost = wass_cost_points(X, Y, 1, wass_ground_make(WASS_EUCLIDEAN, 1.0));
    o.algorithm = WASS_ALGO_COLGEN;
    CHECK(wass_emd(&pb, &o, &r, &e) == WASS_OK && r.status == WASS_OPTIMAL);
    CHECK_CLOSE(r.cost, 0.0, 1e-15);
    wass_result_free(&r);
    pb.n = 1;
    pb.m = 1;
    CHECK(wass_emd(&pb, &o, &r, &e) == WASS_OK && r.status == WASS_OPTIMAL);
    wass_result_free(&r);
}

/* The certificate's point-cloud scan (with its shortcut for W1, which takes
 * square roots only where a pair can lower a row minimum) against a plain
 * double loop over wass_ground_eval, with duals made infeasible here and
 * there, for every metric. */
static void test_certificate_scan(void) {
    uint64_t st = 31337;
    const wass_metric metrics[4] = {WASS_EUCLIDEAN, WASS_SQEUCLIDEAN, WASS_CITYBLOCK,
                                    WASS_CHEBYSHEV};
    for (int t = 0; t < 8; t++) {
        size_t n = 300 + (size_t)t * 7, m = 280 + (size_t)t * 11, d = 1 + (size_t)t % 3;
        test_clouds c;
        test_clouds_make(&c, n, m, d, t % 2, 0.2, 7, &st);
        wass_problem pb = test_clouds_problem(&c, metrics[t % 4]);
        wass_options o;
        wass_options_default(&o);
        o.mass = WASS_MASS_NORMALIZE;
        wass_result r;
        wass_error_info e;
        CHECK_MSG(wass_emd(&pb, &o, &r, &e) == WASS_OK, "%s", e.message);
        for (size_t j = 0; j < m; j += 37)
            r.v[j] += (t % 2 ? 1e-3 : 1e-9) * (double)(j % 5);
        for (size_t i = 0; i < n; i += 41)
            r.u[i] -= 1e-4;
        double minrc = INFINITY, maxc = 0.0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < m; j++) {
                double cij = wass_ground_eval(&pb.cost.ground, c.X + i * d, c.Y + j * d, d);
                double rc = cij - r.u[i] - r.v[j];
                minrc = rc < minrc ? rc : minrc;
                maxc = fabs(cij) > maxc ? fabs(cij) : maxc;
            }
        wass_certificate cert;
        CHECK(wass_certify(&pb, &o, &r, &cert) == WASS_OK);
        CHECK_MSG(fabs(cert.min_reduced_cost - minrc / maxc) <=
                      1e-15 * fmax(1.0, fabs(minrc / maxc)),
                  "case %d: certificate %.17g, brute force %.17g", t, cert.min_reduced_cost,
                  minrc / maxc);
        wass_result_free(&r);
        test_clouds_free(&c);
    }
}

/* Equal masses and n = m: column generation solves the sparse problems as
 * assignments (shortest augmenting paths). Against the simplex on random
 * clouds, integer grids (many ties) and clouds sharing points (zero costs),
 * small and large enough for the multiscale start (lifted duals). */
static void test_assignment(void) {
    uint64_t st = 2024;
    const wass_metric metrics[3] = {WASS_SQEUCLIDEAN, WASS_EUCLIDEAN, WASS_CITYBLOCK};
    int cases = test_sanitized() ? 12 : 45;
    for (int t = 0; t < cases + 2; t++) {
        int big = t >= cases;
        size_t d = big ? 2 + (size_t)(t - cases) : 1 + (size_t)t % 4;
        wass_metric metric = big ? WASS_SQEUCLIDEAN : metrics[(t / 4) % 3];
        int kind = big ? 0 : t % 3;
        size_t n = big ? (test_sanitized() ? 1100 : 2500) : 20 + test_rand_u64(&st) % 230;
        test_clouds c;
        test_clouds_make(&c, n, n, d, kind, 0.2, 7, &st);
        if (!big && t % 9 == 4) /* half the sources on one spot: a plateau of ties */
            for (size_t i = 0; i < n / 2; i++)
                memcpy(c.X + i * d, c.X, d * sizeof(double));
        if (!big && t % 9 == 7) /* all costs equal */
            for (size_t i = 0; i < n; i++) {
                for (size_t q = 0; q < d; q++)
                    c.X[i * d + q] = 0.5;
                for (size_t q = 0; q < d; q++)
                    c.Y[i * d + q] = q == 0 ? 2.0 : 0.5;
            }
        double w = (t % 2) ? 1.0 : 0.25; /* equal weights, equal totals */
        for (size_t i = 0; i < n; i++)
            c.a[i] = c.b[i] = w;
        if (kind == 2) /* shared points: zero-cost pairs */
            for (size_t i = 0; i < n; i += 3)
                memcpy(c.Y + i * d, c.X + ((i * 7) % n) * d, d * sizeof(double));
        wass_problem pb = test_clouds_problem(&c, metric);
        wass_options o1, o2;
        wass_options_default(&o1);
        wass_options_default(&o2);
        o1.mass = o2.mass = WASS_MASS_BALANCED;
        o1.algorithm = WASS_ALGO_SIMPLEX;
        o2.algorithm = WASS_ALGO_COLGEN;
        if (t % 5 == 1) o2.threads = 1;
        wass_result r1, r2;
        wass_error_info e;
        int rc1 = wass_emd(&pb, &o1, &r1, &e);
        CHECK_MSG(rc1 == WASS_OK, "assignment case %d simplex: %s", t, e.message);
        int rc2 = wass_emd(&pb, &o2, &r2, &e);
        CHECK_MSG(rc2 == WASS_OK, "assignment case %d colgen: %s", t, e.message);
        if (rc1 == WASS_OK && rc2 == WASS_OK) {
            CHECK(r1.status == WASS_OPTIMAL && r2.status == WASS_OPTIMAL);
            CHECK_MSG(
                fabs(r1.cost - r2.cost) <= 1e-9 * fabs(r1.cost) + 1e-13,
                "assignment case %d (d=%zu metric=%d kind=%d n=%zu): simplex %.17g colgen %.17g", t,
                d, (int)metric, kind, n, r1.cost, r2.cost);
            CHECK(r2.cert.checked && r2.cert.min_reduced_cost >= -1e-9 &&
                  r2.cert.duality_gap <= 1e-9 && r2.cert.marginal_error <= 1e-12);
            CHECK(r2.rounds >= 1); /* coincident points merged: the rest may need no pivot */
            /* the plan is a permutation carrying w per pair */
            CHECK_MSG(r2.plan_len == n, "case %d: plan has %zu entries for n = %zu", t, r2.plan_len,
                      n);
            unsigned char *seen = calloc(2 * n, 1);
            int perm = 1;
            for (size_t k = 0; k < r2.plan_len; k++) {
                const wass_flow *f = &r2.plan[k];
                if (f->i >= n || f->j >= n || seen[f->i] || seen[n + f->j] || f->mass != w)
                    perm = 0;
                else
                    seen[f->i] = seen[n + f->j] = 1;
            }
            CHECK_MSG(perm, "assignment case %d: the plan is not a permutation", t);
            free(seen);
            if (big) { /* the same answer, bit for bit, on one thread and on two */
                wass_result r3;
                wass_options o3 = o2;
                o3.threads = o2.threads == 1 ? 2 : 1;
                CHECK(wass_emd(&pb, &o3, &r3, &e) == WASS_OK);
                CHECK(r3.cost == r2.cost && r3.plan_len == r2.plan_len &&
                      r3.iterations == r2.iterations);
                wass_result_free(&r3);
            }
        }
        wass_result_free(&r1);
        wass_result_free(&r2);
        test_clouds_free(&c);
    }
}

int main(void) {
    test_errors();
    test_against_simplex();
    test_needs_pricing();
    test_carried_pricing();
    test_assignment();
    test_certificate_scan();
    test_auto_large();
    test_many();
    return test_main_end("test_emd_scale");
}
