/*
 * test_emd.c - exact solver against known values: Rubner's EMD example
 * (balanced and partial), a 1-D problem against the CDF closed form, two
 * parallel lines (W1 = shift), certificates, the Kantorovich-Rubinstein
 * critic, error handling and degenerate shapes.
 */
#include "test_util.h"
#include "exact/network_simplex.h"
#include "wass.h"

#include <stdlib.h>

static const double rub_x[] = {100, 40, 22, 211, 20, 2, 32, 190, 150, 2, 100, 100};
static const double rub_y[] = {0, 0, 0, 50, 100, 80, 255, 255, 255};
static const double rub_a[] = {0.4, 0.3, 0.2, 0.1};
static const double rub_b[] = {0.5, 0.3, 0.2};

static void check_cert(const wass_result *r, double tol) {
    CHECK(r->cert.checked == 1);
    CHECK_MSG(r->cert.marginal_error <= tol, "marginal error %g", r->cert.marginal_error);
    CHECK_MSG(r->cert.min_reduced_cost >= -tol, "min reduced cost %g", r->cert.min_reduced_cost);
    CHECK_MSG(r->cert.duality_gap <= tol, "duality gap %g", r->cert.duality_gap);
}

static void check_plan_sorted(const wass_result *r) {
    CHECK(r->plan_len <= r->n + r->m - 1);
    for (size_t k = 0; k < r->plan_len; k++) {
        CHECK(r->plan[k].mass > 0);
        if (k)
            CHECK(r->plan[k - 1].i < r->plan[k].i ||
                  (r->plan[k - 1].i == r->plan[k].i && r->plan[k - 1].j < r->plan[k].j));
    }
}

static void test_rubner(void) {
    wass_problem pb = {4, 3, rub_a, rub_b,
                       wass_cost_points(rub_x, rub_y, 3, wass_ground_make(WASS_EUCLIDEAN, 1))};
    wass_result r;
    wass_error_info e;
    CHECK(wass_emd(&pb, NULL, &r, &e) == WASS_OK);
    CHECK(r.status == WASS_OPTIMAL);
    CHECK_CLOSE(r.cost, 160.54276, 1e-7);
    CHECK_CLOSE(r.distance, r.cost, 1e-15);
    CHECK_CLOSE(r.flow, 1.0, 1e-12);
    check_cert(&r, 1e-9);
    check_plan_sorted(&r);
    /* critic: sum a f_a - sum b f_b = W1, 1-Lipschitz */
    double fa[4], fb[3], viol;
    CHECK(wass_critic(&pb, &r, fa, fb, &viol, &e) == WASS_OK);
    double s = 0;
    for (int i = 0; i < 4; i++)
        s += rub_a[i] * fa[i];
    for (int j = 0; j < 3; j++)
        s -= rub_b[j] * fb[j];
    CHECK_CLOSE(s, r.cost, 1e-9);
    CHECK_MSG(viol <= 1e-9 * 300, "lipschitz violation %g", viol);
    wass_result_free(&r);
    wass_result_free(&r); /* idempotent */
    CHECK(r.plan == NULL && r.u == NULL);

    /* unit weights, partial transport: 3 units move, cost = work / 3 */
    double ua[] = {1, 1, 1, 1}, ub[] = {1, 1, 1};
    pb.a = ua;
    pb.b = ub;
    wass_options opt;
    wass_options_default(&opt);
    CHECK(wass_emd(&pb, &opt, &r, &e) == WASS_ERR_MASS_MISMATCH);
    CHECK(strstr(e.message, "4") != NULL && strstr(e.message, "3") != NULL);
    opt.mass = WASS_MASS_PARTIAL;
    CHECK(wass_emd(&pb, &opt, &r, &e) == WASS_OK);
    CHECK(r.status == WASS_OPTIMAL);
    CHECK_CLOSE(r.cost, 138.94568, 1e-7);
    CHECK_CLOSE(r.flow, 3.0, 1e-12);
    CHECK_CLOSE(r.work, 3 * 138.94568, 1e-7);
    check_cert(&r, 1e-9);
    wass_result_free(&r);
    /* the same with the roles swapped: dummy source */
    wass_problem pb2 = {3, 4, ub, ua,
                        wass_cost_points(rub_y, rub_x, 3, wass_ground_make(WASS_EUCLIDEAN, 1))};
    CHECK(wass_emd(&pb2, &opt, &r, &e) == WASS_OK);
    CHECK_CLOSE(r.cost, 138.94568, 1e-7);
    check_cert(&r, 1e-9);
    wass_result_free(&r);
    /* normalize: equals the balanced value of the uniform weights */
    opt.mass = WASS_MASS_NORMALIZE;
    CHECK(wass_emd(&pb, &opt, &r, &e) == WASS_OK);
    CHECK_CLOSE(r.flow, 1.0, 1e-12);
    check_cert(&r, 1e-9);
    wass_problem pb3 = pb;
    pb3.a = NULL;
    pb3.b = NULL;
    wass_result r3;
    CHECK(wass_emd(&pb3, NULL, &r3, &e) == WASS_OK);
    CHECK_CLOSE(r.cost, r3.cost, 1e-12);
    wass_result_free(&r);
    wass_result_free(&r3);
}

/* 1-D: cost |i - j| on 5 bins, W1 = sum |CDF_a - CDF_b| */
static void test_line5(void) {
    double a[5] = {0.1, 0.3, 0.0, 0.4, 0.2}, b[5] = {0.25, 0.05, 0.3, 0.1, 0.3};
    double C[25];
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++)
            C[i * 5 + j] = fabs((double)(i - j));
    double want = 0, ca = 0, cb = 0;
    for (int k = 0; k < 4; k++) {
        ca += a[k];
        cb += b[k];
        want += fabs(ca - cb);
    }
    wass_problem pb = {5, 5, a, b, wass_cost_dense(C, 5, 1)};
    wass_result r;
    wass_error_info e;
    CHECK(wass_emd(&pb, NULL, &r, &e) == WASS_OK);
    CHECK(r.status == WASS_OPTIMAL);
    CHECK_CLOSE(r.cost, want, 1e-12);
    CHECK_CLOSE(want, 0.55, 1e-12);
    check_cert(&r, 1e-12);
    check_plan_sorted(&r);
    /* zero weight a[2]: its dual comes from the c-transform and is feasible */
    CHECK(r.cert.min_reduced_cost >= -1e-12);
    double fa[5], fb[5], viol;
    CHECK(wass_critic(&pb, &r, fa, fb, &viol, &e) == WASS_OK);
    double s = 0;
    for (int i = 0; i < 5; i++)
        s += a[i] * fa[i] - b[i] * fb[i];
    CHECK_CLOSE(s, want, 1e-12);
    CHECK(viol <= 1e-12);
    wass_result_free(&r);
}

/* two parallel lines: P0 = (0, z_k), P1 = (theta, z_k): W1 = |theta| */
static void test_parallel_lines(void) {
    uint64_t st = 42;
    size_t n = 200;
    double *X = malloc(2 * n * sizeof(double)), *Y = malloc(2 * n * sizeof(double));
    double thetas[] = {0.0, 0.5, -1.25, 3.0};
    for (int q = 0; q < 4; q++) {
        for (size_t k = 0; k < n; k++) {
            double z = test_rand_unif(&st) * 10;
            X[2 * k] = 0;
            X[2 * k + 1] = z;
            Y[2 * k] = thetas[q];
            Y[2 * k + 1] = z;
        }
        wass_problem pb = {n, n, NULL, NULL,
                           wass_cost_points(X, Y, 2, wass_ground_make(WASS_EUCLIDEAN, 1))};
        wass_result r;
        wass_error_info e;
        CHECK(wass_emd(&pb, NULL, &r, &e) == WASS_OK);
        CHECK(r.status == WASS_OPTIMAL);
        CHECK_CLOSE(r.cost, fabs(thetas[q]), 1e-12);
        check_cert(&r, 1e-9);
        double *fa = malloc(n * sizeof(double)), *fb = malloc(n * sizeof(double)), viol;
        CHECK(wass_critic(&pb, &r, fa, fb, &viol, &e) == WASS_OK);
        double s = 0;
        for (size_t k = 0; k < n; k++)
            s += (fa[k] - fb[k]) / (double)n;
        CHECK_CLOSE(s, fabs(thetas[q]), 1e-9);
        CHECK(viol <= 1e-9);
        free(fa);
        free(fb);
        wass_result_free(&r);
    }
    free(X);
    free(Y);
}

static void test_errors(void) {
    double a[3] = {0.2, 0.3, 0.5}, b[3] = {0.5, 0.25, 0.25}, C[9] = {0, 1, 2, 1, 0, 1, 2, 1, 0};
    wass_problem pb = {3, 3, a, b, wass_cost_dense(C, 3, 1)};
    wass_result r;
    wass_error_info e;
    double bad[3] = {0.2, NAN, 0.5};
    pb.a = bad;
    CHECK(wass_emd(&pb, NULL, &r, &e) == WASS_ERR_NAN);
    CHECK(strstr(e.message, "a[1]") != NULL);
    CHECK(r.status == WASS_NOT_SOLVED);
    bad[1] = -0.1;
    CHECK(wass_emd(&pb, NULL, &r, &e) == WASS_ERR_NEGATIVE);
    CHECK(strstr(e.message, "negative") != NULL);
    double z[3] = {0, 0, 0};
    pb.a = z;
    CHECK(wass_emd(&pb, NULL, &r, &e) == WASS_ERR_ZERO_MASS);
    CHECK(strstr(e.message, "zero") != NULL);
    pb.a = a;
    double b2[3] = {0.5, 0.25, 0.35};
    pb.b = b2;
    CHECK(wass_emd(&pb, NULL, &r, &e) == WASS_ERR_MASS_MISMATCH);
    CHECK(strstr(e.message, "1.1") != NULL);
    pb.b = b;
    C[4] = INFINITY;
    CHECK(wass_emd(&pb, NULL, &r, &e) == WASS_ERR_NAN);
    CHECK(strstr(e.message, "C[1][1]") != NULL);
    C[4] = 0;
    pb.n = 0;
    CHECK(wass_emd(&pb, NULL, &r, &e) == WASS_ERR_SIZE);
    pb.n = 3;
    CHECK(wass_emd(NULL, NULL, &r, &e) == WASS_ERR_INVALID);
    CHECK(wass_emd(&pb, NULL, NULL, &e) == WASS_ERR_INVALID);
    wass_options opt;
    wass_options_default(&opt);
    opt.mass_tol = -1;
    CHECK(wass_emd(&pb, &opt, &r, &e) == WASS_ERR_INVALID);
    /* a tiny mismatch within mass_tol is accepted */
    double b3[3] = {0.5, 0.25, 0.25 + 1e-12};
    pb.b = b3;
    CHECK(wass_emd(&pb, NULL, &r, &e) == WASS_OK);
    CHECK(r.status == WASS_OPTIMAL);
    wass_result_free(&r);
    /* the critic rejects W2 and sqeuclidean */
    pb.b = b;
    double X[3] = {0, 1, 2};
    pb.cost = wass_cost_points(X, X, 1, wass_ground_make(WASS_SQEUCLIDEAN, 1));
    CHECK(wass_emd(&pb, NULL, &r, &e) == WASS_OK);
    double fa[3], fb[3], viol;
    CHECK(wass_critic(&pb, &r, fa, fb, &viol, &e) == WASS_ERR_UNSUPPORTED);
    CHECK(strstr(e.message, "sqeuclidean") != NULL);
    wass_result_free(&r);
    pb.cost = wass_cost_points(X, X, 1, wass_ground_make(WASS_EUCLIDEAN, 2));
    CHECK(wass_emd(&pb, NULL, &r, &e) == WASS_OK);
    CHECK(wass_critic(&pb, &r, fa, fb, &viol, &e) == WASS_ERR_UNSUPPORTED);
    CHECK(strstr(e.message, "p = 2") != NULL);
    wass_result_free(&r);
    wass_mass_mode mm;
    CHECK(wass_mass_parse("partial", &mm) == WASS_OK && mm == WASS_MASS_PARTIAL);
    CHECK(wass_mass_parse("Normalize", &mm) == WASS_OK && mm == WASS_MASS_NORMALIZE);
    CHECK(wass_mass_parse("balanced", &mm) == WASS_OK && mm == WASS_MASS_BALANCED);
    CHECK(wass_mass_parse("bogus", &mm) == WASS_ERR_INVALID);
}

static void test_iteration_limit(void) {
    size_t n = 60;
    double *X = malloc(2 * n * sizeof(double)), *Y = malloc(2 * n * sizeof(double));
    uint64_t st = 7;
    for (size_t k = 0; k < 2 * n; k++) {
        X[k] = test_rand_unif(&st);
        Y[k] = test_rand_unif(&st);
    }
    wass_problem pb = {n, n, NULL, NULL,
                       wass_cost_points(X, Y, 2, wass_ground_make(WASS_SQEUCLIDEAN, 1))};
    wass_options opt;
    wass_options_default(&opt);
    opt.max_iter = 1;
    wass_result r, full;
    wass_error_info e;
    CHECK(wass_emd(&pb, &opt, &r, &e) == WASS_OK);
    CHECK(r.status == WASS_ITERATION_LIMIT);
    CHECK(r.iterations == 1);
    CHECK(strstr(r.message, "max_iter") != NULL);
    CHECK(wass_emd(&pb, NULL, &full, &e) == WASS_OK);
    CHECK(full.status == WASS_OPTIMAL);
    CHECK(full.iterations > 1);
    CHECK(r.cost > full.cost);
    check_cert(&full, 1e-9);
    wass_result_free(&r);
    wass_result_free(&full);
    free(X);
    free(Y);
}

static void test_degenerate_shapes(void) {
    wass_result r;
    wass_error_info e;
    /* n = 1 */
    double X1[2] = {0, 0}, Y[6] = {1, 0, 0, 2, 3, 4};
    double b[3] = {0.2, 0.3, 0.5};
    wass_problem pb = {1, 3, NULL, b,
                       wass_cost_points(X1, Y, 2, wass_ground_make(WASS_EUCLIDEAN, 1))};
    CHECK(wass_emd(&pb, NULL, &r, &e) == WASS_OK);
    CHECK_CLOSE(r.cost, 0.2 * 1 + 0.3 * 2 + 0.5 * 5, 1e-12);
    CHECK(r.plan_len == 3);
    check_cert(&r, 1e-12);
    wass_result_free(&r);
    /* m = 1, W2: distance = sqrt(cost) */
    wass_problem pb1 = {3, 1, b, NULL,
                        wass_cost_points(Y, X1, 2, wass_ground_make(WASS_EUCLIDEAN, 2))};
    CHECK(wass_emd(&pb1, NULL, &r, &e) == WASS_OK);
    CHECK_CLOSE(r.cost, 0.2 * 1 + 0.3 * 4 + 0.5 * 25, 1e-12);
    CHECK_CLOSE(r.distance, sqrt(0.2 * 1 + 0.3 * 4 + 0.5 * 25), 1e-12);
    wass_result_free(&r);
    /* n = m = 1 */
    wass_problem pb11 = {1, 1, NULL, NULL,
                         wass_cost_points(X1, Y, 2, wass_ground_make(WASS_CITYBLOCK, 1))};
    CHECK(wass_emd(&pb11, NULL, &r, &e) == WASS_OK);
    CHECK_CLOSE(r.cost, 1.0, 1e-15);
    CHECK(r.plan_len == 1);
    wass_result_free(&r);
    /* all costs equal: cost = c * total, certificate holds */
    size_t n = 30, m = 20;
    double *C = malloc(n * m * sizeof(double));
    for (size_t k = 0; k < n * m; k++)
        C[k] = 2.5;
    wass_problem pe = {n, m, NULL, NULL, wass_cost_dense(C, m, 1)};
    CHECK(wass_emd(&pe, NULL, &r, &e) == WASS_OK);
    CHECK_CLOSE(r.cost, 2.5, 1e-12);
    check_cert(&r, 1e-12);
    check_plan_sorted(&r);
    wass_result_free(&r);
    free(C);
    /* duplicate points and zero weights: P = Q (with repeats) gives 0 */
    double P[10] = {0, 0, 1, 1, 1, 1, 2, 0, 5, 5};
    double wa[5] = {0.25, 0.25, 0.25, 0.25, 0};
    double Q[8] = {1, 1, 0, 0, 2, 0, 9, 9};
    double wb[4] = {0.5, 0.25, 0.25, 0};
    wass_problem pd = {5, 4, wa, wb,
                       wass_cost_points(P, Q, 2, wass_ground_make(WASS_EUCLIDEAN, 1))};
    CHECK(wass_emd(&pd, NULL, &r, &e) == WASS_OK);
    CHECK(r.status == WASS_OPTIMAL);
    CHECK_CLOSE(r.cost, 0.0, 1e-15);
    check_cert(&r, 1e-12);
    for (size_t k = 0; k < r.plan_len; k++)
        CHECK(r.plan[k].i != 4 && r.plan[k].j != 3);
    double fa[5], fb[4], viol;
    CHECK(wass_critic(&pd, &r, fa, fb, &viol, &e) == WASS_OK);
    CHECK(viol <= 1e-12);
    wass_result_free(&r);
    /* want_plan = want_duals = 0 still certifies */
    wass_options opt;
    wass_options_default(&opt);
    opt.want_plan = 0;
    opt.want_duals = 0;
    CHECK(wass_emd(&pd, &opt, &r, &e) == WASS_OK);
    CHECK(r.plan == NULL && r.u == NULL && r.cert.checked);
    wass_result_free(&r);
}

/* callback costs, ld > m, and a pivot-by-pivot check of the tree */
static double cb_cost(size_t i, size_t j, void *user) {
    const double *C = user;
    return C[i * 9 + j];
}

static void test_callback_and_tree(void) {
    size_t n = 7, m = 8;
    double C[7 * 9];
    uint64_t st = 99;
    for (size_t k = 0; k < 7 * 9; k++)
        C[k] = (double)(test_rand_u64(&st) % 5); /* many ties */
    double a[7], b[8];
    for (size_t i = 0; i < n; i++)
        a[i] = 1 + (double)(test_rand_u64(&st) % 3);
    double ta = 0;
    for (size_t i = 0; i < n; i++)
        ta += a[i];
    for (size_t j = 0; j < m; j++)
        b[j] = ta / (double)m;
    wass_problem pd = {n, m, a, b, wass_cost_dense(C, 9, 1)};
    wass_problem pc = {n, m, a, b, wass_cost_callback(cb_cost, C, 1)};
    wass_result r1, r2;
    wass_error_info e;
    CHECK(wass_emd(&pd, NULL, &r1, &e) == WASS_OK);
    CHECK(wass_emd(&pc, NULL, &r2, &e) == WASS_OK);
    CHECK(r1.status == WASS_OPTIMAL && r2.status == WASS_OPTIMAL);
    CHECK_CLOSE(r1.cost, r2.cost, 1e-12);
    check_cert(&r1, 1e-12);
    check_cert(&r2, 1e-12);
    wass_result_free(&r1);
    wass_result_free(&r2);
}

/* many small random problems with the tree validated after every pivot */
static void cost_row_dense(const void *ctx, size_t i, size_t j0, size_t len, double *out) {
    const double *C = ctx;
    memcpy(out, C + i * 64 + j0, len * sizeof(double));
}

static void test_tree_invariants(void) {
    uint64_t st = 2024;
    double C[64 * 64], sup[64], dem[64];
    for (int rep = 0; rep < 200; rep++) {
        size_t n = 1 + test_rand_u64(&st) % 12, m = 1 + test_rand_u64(&st) % 12;
        int ties = rep % 2;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < m; j++)
                C[i * 64 + j] = ties ? (double)(test_rand_u64(&st) % 3) : test_rand_unif(&st);
        double ts = 0, td = 0;
        for (size_t i = 0; i < n; i++)
            ts += sup[i] = 1 + (double)(test_rand_u64(&st) % 4);
        for (size_t j = 0; j < m; j++)
            td += dem[j] = 1 + (double)(test_rand_u64(&st) % 4);
        for (size_t j = 0; j < m; j++)
            dem[j] *= ts / td;
        wass__ns_input in;
        memset(&in, 0, sizeof in);
        in.n = n;
        in.m = m;
        in.supply = sup;
        in.demand = dem;
        in.cost_row = cost_row_dense;
        in.cost_ctx = C;
        in.debug_check = 1;
        in.block_size = 1 + (int64_t)(test_rand_u64(&st) % 5);
        in.shortlist = rep % 3 == 0 ? -1 : rep % 3 == 1 ? 0 : 1 + (int64_t)(test_rand_u64(&st) % 4);
        wass__ns_output out;
        wass_error_info e;
        int rc = wass__ns_solve(&in, &out, &e);
        CHECK_MSG(rc == WASS_OK, "rep %d: %s", rep, e.message);
        if (rc) continue;
        CHECK(out.status == WASS_OPTIMAL);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < m; j++)
                CHECK(C[i * 64 + j] - out.u[i] - out.v[j] >= -1e-12);
        wass__ns_output_free(&out);
    }
}

int main(void) {
    test_rubner();
    test_line5();
    test_parallel_lines();
    test_errors();
    test_iteration_limit();
    test_degenerate_shapes();
    test_callback_and_tree();
    test_tree_invariants();
    return test_main_end("test_emd");
}
