/*
 * test_sinkhorn_props.c - properties of entropic transport (wass_sinkhorn)
 * that need no reference: thread-count invariance, warm starts, the
 * iteration limit and zero weights, bad inputs, the ground metrics, and no
 * false convergence where the kernel underflows.
 */
#include "sinkhorn_util.h"

#include <stdlib.h>
#include <string.h>

/* D3: epsilon far below the costs (or costs far above epsilon) underflow the
 * kernel; the iteration's log-domain error said 0 while the plan's
 * marginals were off by up to 0.75. The status follows the plan's own sums. */
static void test_false_convergence(void) {
    const double a[2] = {0.5, 0.5}, b[2] = {0.25, 0.75};
    const double C1[4] = {0, 1, 1, 0}, C2[4] = {0, 1e300, 1e300, 0};
    const double *Cs[2] = {C1, C2}, regs[2] = {1e-100, 1};
    for (int c = 0; c < 2; c++)
        for (int km = 0; km < 2; km++) {
            wass_problem pb = {
                .n = 2, .m = 2, .a = a, .b = b, .cost = wass_cost_dense(Cs[c], 2, 1)};
            wass_sinkhorn_options o;
            wass_sinkhorn_options_default(&o);
            o.reg = regs[c];
            if (km) o.kernel_memory = 0; /* log-domain passes */
            wass_sinkhorn_result r;
            wass_error_info e;
            int rc = wass_sinkhorn(&pb, &o, &r, &e);
            CHECK(rc == WASS_OK);
            CHECK_MSG(r.status != WASS_CONVERGED || r.marginal_error <= o.tol,
                      "case %d: status %d, marginal error %g", c, r.status, r.marginal_error);
            if (r.status == WASS_CONVERGED && r.plan) { /* then the plan must be feasible */
                CHECK(fabs(r.plan[0] + r.plan[1] - 0.5) < 1e-8);
                CHECK(fabs(r.plan[1] + r.plan[3] - 0.75) < 1e-8);
            }
            wass_sinkhorn_result_free(&r);
        }
}

/* Results identical for any thread count (a problem above the size where
 * the kernels go parallel: 65536 pairs). */
static void test_threads(void) {
    enum { N = 270, M = 250 };
    double *X = malloc(2 * N * sizeof(double)), *Y = malloc(2 * M * sizeof(double));
    double *a = malloc(N * sizeof(double)), *b = malloc(M * sizeof(double));
    random_problem(N, M, 17, X, Y, a, b);
    double *C = dense_cost(X, Y, N, M, 2, wass_ground_make(WASS_SQEUCLIDEAN, 1));
    wass_sinkhorn_options o;
    wass_sinkhorn_options_default(&o);
    o.reg = 0.2;
    o.tol = 1e-7;
    wass_error_info e;
    for (int kind = 0; kind < 2; kind++) {
        wass_problem pb = {N, M, a, b,
                           kind ? wass_cost_dense(C, M, 1)
                                : wass_cost_points(X, Y, 2, wass_ground_make(WASS_SQEUCLIDEAN, 1))};
        wass_sinkhorn_result r1, r2;
        o.threads = 1;
        CHECK(wass_sinkhorn(&pb, &o, &r1, &e) == WASS_OK && r1.status == WASS_CONVERGED);
        for (int t = 2; t <= 3; t++) {
            o.threads = t;
            CHECK(wass_sinkhorn(&pb, &o, &r2, &e) == WASS_OK);
            CHECK_MSG(r1.cost == r2.cost && r1.objective == r2.objective &&
                          r1.iterations == r2.iterations,
                      "threads=%d changes the result (kind %d)", t, kind);
            CHECK(memcmp(r1.f, r2.f, N * sizeof(double)) == 0);
            CHECK(memcmp(r1.g, r2.g, M * sizeof(double)) == 0);
            wass_sinkhorn_result_free(&r2);
        }
        wass_sinkhorn_result_free(&r1);
    }
    free(C);
    free(X);
    free(Y);
    free(a);
    free(b);
}

static void test_warm_start(void) {
    enum { N = 50, M = 37 };
    double X[2 * N], Y[2 * M], a[N], b[M];
    random_problem(N, M, 11, X, Y, a, b);
    double *C = dense_cost(X, Y, N, M, 2, wass_ground_make(WASS_SQEUCLIDEAN, 1));
    wass_sinkhorn_options o;
    wass_sinkhorn_options_default(&o);
    o.reg = 0.05;
    wass_error_info e;
    for (int kind = 0; kind < 2; kind++) {
        wass_problem pb = {N, M, a, b,
                           kind ? wass_cost_dense(C, M, 1)
                                : wass_cost_points(X, Y, 2, wass_ground_make(WASS_SQEUCLIDEAN, 1))};
        wass_sinkhorn_result r1, r2;
        CHECK(wass_sinkhorn(&pb, &o, &r1, &e) == WASS_OK && r1.status == WASS_CONVERGED);
        o.threads = 0;
        /* warm start from the answer: done at once */
        o.init_f = r1.f;
        CHECK(wass_sinkhorn(&pb, &o, &r2, &e) == WASS_OK && r2.status == WASS_CONVERGED);
        CHECK_MSG(r2.iterations <= 2, "warm start from the answer took %lld iterations",
                  (long long)r2.iterations);
        CHECK_CLOSE(r2.cost, r1.cost, 1e-9);
        wass_sinkhorn_result_free(&r2);
        /* warm start from g only */
        o.init_f = NULL;
        o.init_g = r1.g;
        CHECK(wass_sinkhorn(&pb, &o, &r2, &e) == WASS_OK && r2.iterations <= 2);
        CHECK_CLOSE(r2.cost, r1.cost, 1e-9);
        wass_sinkhorn_result_free(&r2);
        o.init_g = NULL;
        /* warm start from the solution at a nearby epsilon beats a cold start */
        wass_sinkhorn_result near, cold, warm;
        o.reg = 0.06;
        CHECK(wass_sinkhorn(&pb, &o, &near, &e) == WASS_OK);
        o.reg = 0.05;
        o.eps_scaling = 0;
        CHECK(wass_sinkhorn(&pb, &o, &cold, &e) == WASS_OK && cold.status == WASS_CONVERGED);
        o.init_f = near.f;
        CHECK(wass_sinkhorn(&pb, &o, &warm, &e) == WASS_OK && warm.status == WASS_CONVERGED);
        CHECK_MSG(warm.iterations < cold.iterations, "warm %lld vs cold %lld iterations",
                  (long long)warm.iterations, (long long)cold.iterations);
        CHECK_CLOSE(warm.cost, r1.cost, 1e-8);
        CHECK_CLOSE(cold.cost, r1.cost, 1e-8);
        o.init_f = NULL;
        o.eps_scaling = 1;
        wass_sinkhorn_result_free(&near);
        wass_sinkhorn_result_free(&cold);
        wass_sinkhorn_result_free(&warm);
        wass_sinkhorn_result_free(&r1);
    }
    free(C);
}

static void test_iteration_limit_and_zero_weights(void) {
    enum { N = 40, M = 30 };
    double X[2 * N], Y[2 * M], a[N], b[M];
    random_problem(N, M, 5, X, Y, a, b);
    wass_problem pb = {N, M, a, b,
                       wass_cost_points(X, Y, 2, wass_ground_make(WASS_SQEUCLIDEAN, 1))};
    wass_sinkhorn_options o;
    wass_sinkhorn_options_default(&o);
    o.reg = 0.01;
    o.max_iter = 5;
    wass_sinkhorn_result r;
    wass_error_info e;
    CHECK(wass_sinkhorn(&pb, &o, &r, &e) == WASS_OK);
    CHECK(r.status == WASS_ITERATION_LIMIT && r.iterations == 5);
    CHECK(strstr(r.message, "max_iter") != NULL && r.marginal_error >= o.tol);
    wass_sinkhorn_result_free(&r);

    /* zero weights: same as dropping those points */
    o.max_iter = 100000;
    double a0[N], X0[2 * N];
    size_t k = 0;
    for (size_t i = 0; i < N; i++)
        a0[i] = (i % 3 == 0) ? 0.0 : a[i];
    for (size_t i = 0; i < N; i++)
        if (a0[i] > 0) {
            X0[2 * k] = X[2 * i];
            X0[2 * k + 1] = X[2 * i + 1];
            a[k++] = a0[i];
        }
    double s = 0;
    for (size_t i = 0; i < k; i++)
        s += a[i];
    for (size_t i = 0; i < k; i++)
        a[i] /= s;
    for (size_t i = 0; i < N; i++)
        a0[i] /= s;
    wass_sinkhorn_result r0, r1;
    pb.a = a0;
    CHECK(wass_sinkhorn(&pb, &o, &r0, &e) == WASS_OK && r0.status == WASS_CONVERGED);
    wass_problem pk = {k, M, a, b,
                       wass_cost_points(X0, Y, 2, wass_ground_make(WASS_SQEUCLIDEAN, 1))};
    CHECK(wass_sinkhorn(&pk, &o, &r1, &e) == WASS_OK && r1.status == WASS_CONVERGED);
    CHECK_CLOSE(r0.cost, r1.cost, 1e-8);
    CHECK_CLOSE(r0.objective, r1.objective, 1e-8);
    wass_sinkhorn_result_free(&r0);
    wass_sinkhorn_result_free(&r1);
}

static void test_bad_inputs(void) {
    double X[4] = {0, 0, 1, 1}, Y[4] = {0, 1, 1, 0}, a[2] = {0.5, 0.5}, b[2] = {0.5, 0.5};
    double C[4] = {0, 1, 1, 0};
    wass_problem pb = {2, 2, a, b,
                       wass_cost_points(X, Y, 2, wass_ground_make(WASS_SQEUCLIDEAN, 1))};
    wass_sinkhorn_options o;
    wass_sinkhorn_result r;
    wass_error_info e;
    struct {
        double reg, tol, tau, sf;
        int64_t it;
        int code;
        const char *msg;
    } bad[] = {{0, 1e-9, 0, 0.5, 10, WASS_ERR_INVALID, "reg"},
               {-1, 1e-9, 0, 0.5, 10, WASS_ERR_INVALID, "reg"},
               {NAN, 1e-9, 0, 0.5, 10, WASS_ERR_INVALID, "reg"},
               {INFINITY, 1e-9, 0, 0.5, 10, WASS_ERR_INVALID, "reg"},
               {0.1, 0, 0, 0.5, 10, WASS_ERR_INVALID, "tol"},
               {0.1, NAN, 0, 0.5, 10, WASS_ERR_INVALID, "tol"},
               {0.1, 1e-9, -1, 0.5, 10, WASS_ERR_INVALID, "tau"},
               {0.1, 1e-9, NAN, 0.5, 10, WASS_ERR_INVALID, "tau"},
               {0.1, 1e-9, 0, 1.5, 10, WASS_ERR_INVALID, "scaling_factor"},
               {0.1, 1e-9, 0, 0.5, 0, WASS_ERR_INVALID, "max_iter"}};
    for (size_t t = 0; t < sizeof bad / sizeof bad[0]; t++) {
        wass_sinkhorn_options_default(&o);
        o.reg = bad[t].reg;
        o.tol = bad[t].tol;
        o.tau = bad[t].tau;
        o.scaling_factor = bad[t].sf;
        o.max_iter = bad[t].it;
        int rc = wass_sinkhorn(&pb, &o, &r, &e);
        CHECK_MSG(rc == bad[t].code && strstr(e.message, bad[t].msg) && r.status == WASS_NOT_SOLVED,
                  "case %zu: rc %d, message '%s'", t, rc, e.message);
        CHECK(r.f == NULL && r.g == NULL && r.plan == NULL);
        wass_sinkhorn_result_free(&r);
    }
    wass_sinkhorn_options_default(&o);
    double fbad[2] = {0, NAN};
    o.init_f = fbad;
    CHECK(wass_sinkhorn(&pb, &o, &r, &e) == WASS_ERR_NAN && strstr(e.message, "init_f[1]"));
    o.init_f = NULL;
    o.init_g = fbad;
    CHECK(wass_sinkhorn(&pb, &o, &r, &e) == WASS_ERR_NAN && strstr(e.message, "init_g[1]"));
    o.init_g = NULL;
    double an[2] = {0.5, NAN}, aneg[2] = {1.5, -0.5}, az[2] = {0, 0};
    pb.a = an;
    CHECK(wass_sinkhorn(&pb, &o, &r, &e) == WASS_ERR_NAN && strstr(e.message, "a[1]"));
    pb.a = aneg;
    CHECK(wass_sinkhorn(&pb, &o, &r, &e) == WASS_ERR_NEGATIVE);
    pb.a = az;
    CHECK(wass_sinkhorn(&pb, &o, &r, &e) == WASS_ERR_ZERO_MASS);
    pb.a = a;
    pb.n = 0;
    CHECK(wass_sinkhorn(&pb, &o, &r, &e) == WASS_ERR_SIZE);
    pb.n = 2;
    CHECK(wass_sinkhorn(NULL, &o, &r, &e) == WASS_ERR_INVALID);
    CHECK(wass_sinkhorn(&pb, &o, NULL, &e) == WASS_ERR_INVALID);
    C[3] = NAN;
    pb.cost = wass_cost_dense(C, 2, 1);
    CHECK(wass_sinkhorn(&pb, &o, &r, &e) == WASS_ERR_NAN && strstr(e.message, "C[1][1]"));
    C[3] = 0;
    /* NULL options = defaults; a valid tiny problem works */
    CHECK(wass_sinkhorn(&pb, NULL, &r, &e) == WASS_OK && r.status == WASS_CONVERGED);
    CHECK(r.cost > 0 && r.cost < 0.5);
    wass_sinkhorn_result_free(&r);
    wass_sinkhorn_result_free(&r); /* twice is fine */
    wass_sinkhorn_result_free(NULL);
}

/* Costs other than squared Euclidean take the generic (buffered) path. */
static void test_metrics(void) {
    enum { N = 15, M = 19 };
    double X[3 * N], Y[3 * M], a[N], b[M];
    uint64_t st = 99;
    for (int k = 0; k < 3 * N; k++)
        X[k] = test_rand_unif(&st);
    for (int k = 0; k < 3 * M; k++)
        Y[k] = test_rand_unif(&st);
    for (int i = 0; i < N; i++)
        a[i] = 1.0 / N;
    for (int j = 0; j < M; j++)
        b[j] = 1.0 / M;
    wass_ground gs[5] = {wass_ground_make(WASS_EUCLIDEAN, 1), wass_ground_make(WASS_EUCLIDEAN, 2),
                         wass_ground_make(WASS_CITYBLOCK, 1), wass_ground_make(WASS_CHEBYSHEV, 1.5),
                         wass_ground_make(WASS_MINKOWSKI, 1)};
    gs[4].q = 3;
    wass_sinkhorn_options o;
    wass_sinkhorn_options_default(&o);
    o.reg = 0.05;
    /* points vs dense agree to 1e-10 once both are solved well below that:
     * at tol 1e-9 the accelerated iteration may stop at any error < tol,
     * which moves the cost by up to ~1e-9 relative on either path */
    o.tol = 1e-12;
    wass_error_info e;
    for (int t = 0; t < 5; t++) {
        double *C = dense_cost(X, Y, N, M, 3, gs[t]);
        wass_problem pp = {N, M, a, b, wass_cost_points(X, Y, 3, gs[t])};
        wass_problem pd = {N, M, a, b, wass_cost_dense(C, M, gs[t].p)};
        wass_sinkhorn_result rp, rd;
        CHECK(wass_sinkhorn(&pp, &o, &rp, &e) == WASS_OK && rp.status == WASS_CONVERGED);
        CHECK(wass_sinkhorn(&pd, &o, &rd, &e) == WASS_OK && rd.status == WASS_CONVERGED);
        CHECK_MSG(fabs(rp.cost - rd.cost) < 1e-10 * rd.cost, "metric %d: %.15g vs %.15g", t,
                  rp.cost, rd.cost);
        wass_sinkhorn_result_free(&rp);
        wass_sinkhorn_result_free(&rd);
        free(C);
    }
}

int main(void) {
    t_last = wass_test_now();
    test_false_convergence();
    lap("false convergence");
    test_threads();
    lap("threads");
    test_warm_start();
    lap("warm start");
    test_iteration_limit_and_zero_weights();
    lap("limit, zero weights");
    test_bad_inputs();
    lap("bad inputs");
    test_metrics();
    lap("metrics");
    return test_main_end("test_sinkhorn_props");
}
