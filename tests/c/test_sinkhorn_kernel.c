/*
 * test_sinkhorn_kernel.c - the precomputed-kernel (scaling-domain) path of
 * the Sinkhorn solver against its log-domain passes (kernel_memory = 0):
 * same answers to 1e-9 on every cost kind, balanced and unbalanced, with a
 * plan; the fallback where K cannot hold the sums (far clouds, small eps,
 * wild warm starts), with the internal refusal itself checked; results
 * independent of the thread count; the memory budget respected.
 */
#include "entropic/sinkhorn_internal.h"
#include "test_util.h"

#include <stdlib.h>
#include <wass.h>

static void cloud(size_t n, uint64_t seed, double shift, double *X, double *w) {
    uint64_t s = seed;
    double t = 0;
    for (size_t i = 0; i < 2 * n; i++)
        X[i] = test_rand_unif(&s) + shift;
    for (size_t i = 0; i < n; i++)
        t += w[i] = 0.2 + test_rand_unif(&s);
    for (size_t i = 0; i < n; i++)
        w[i] /= t;
}

static double spread(const double *x, size_t n) {
    double lo = x[0], hi = x[0];
    for (size_t i = 1; i < n; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    return hi - lo;
}

/* max |x - y| after removing the means (potentials are defined up to a
 * constant shared by f and g), relative to the spread of y. */
static double pot_diff(const double *x, const double *y, size_t n, double cx, double cy) {
    double d = 0;
    for (size_t i = 0; i < n; i++) {
        double t = fabs((x[i] - cx) - (y[i] - cy));
        d = t > d ? t : d;
    }
    return d / fmax(spread(y, n), 1e-300);
}

static double mean(const double *x, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

/* Solve with and without the kernel; both must converge to the same answer. */
static void compare(const char *what, const wass_problem *pb, wass_sinkhorn_options o, double tol,
                    int expect_kernel) {
    wass_sinkhorn_result rk, rl;
    wass_error_info e;
    o.kernel_memory = 1e9;
    int rc1 = wass_sinkhorn(pb, &o, &rk, &e);
    o.kernel_memory = 0;
    int rc2 = wass_sinkhorn(pb, &o, &rl, &e);
    CHECK_MSG(rc1 == WASS_OK && rc2 == WASS_OK, "%s: rc %d %d (%s)", what, rc1, rc2, e.message);
    if (rc1 || rc2) return;
    CHECK_MSG(rk.status == WASS_CONVERGED && rl.status == WASS_CONVERGED, "%s: status %d %d", what,
              rk.status, rl.status);
    CHECK_MSG(fabs(rk.cost - rl.cost) <= tol * fabs(rl.cost), "%s: cost %.17g vs %.17g", what,
              rk.cost, rl.cost);
    CHECK_MSG(fabs(rk.objective - rl.objective) <= tol * fmax(1e-3, fabs(rl.objective)),
              "%s: objective %.17g vs %.17g", what, rk.objective, rl.objective);
    /* balanced potentials are defined up to f + c, g - c; unbalanced ones exactly */
    double cf = 0, cg = 0, lf = 0, lg = 0;
    if (o.tau == 0) {
        cf = mean(rk.f, pb->n);
        lf = mean(rl.f, pb->n);
        cg = -cf;
        lg = -lf;
    }
    double df = pot_diff(rk.f, rl.f, pb->n, cf, lf), dg = pot_diff(rk.g, rl.g, pb->m, cg, lg);
    CHECK_MSG(df <= tol && dg <= tol, "%s: potentials differ by %.3g, %.3g", what, df, dg);
    /* the two paths round differently: identical bits would mean no kernel ran */
    if (expect_kernel)
        CHECK_MSG(memcmp(rk.f, rl.f, pb->n * sizeof(double)) != 0,
                  "%s: the kernel path was not taken", what);
    if (o.want_plan) {
        double dp = 0;
        for (size_t k = 0; k < pb->n * pb->m; k++) {
            double t = fabs(rk.plan[k] - rl.plan[k]);
            dp = t > dp ? t : dp;
        }
        CHECK_MSG(dp <= tol / (double)pb->n, "%s: plans differ by %.3g", what, dp);
    }
    wass_sinkhorn_result_free(&rk);
    wass_sinkhorn_result_free(&rl);
}

static void test_same_answer(void) {
    enum { N = 180, M = 150 };
    double X[2 * N], Y[2 * M], a[N], b[M];
    cloud(N, 1, 0.0, X, a);
    cloud(M, 2, 0.2, Y, b);
    a[5] = 0; /* a point without mass */
    double t = 0;
    for (size_t i = 0; i < N; i++)
        t += a[i];
    for (size_t i = 0; i < N; i++)
        a[i] /= t;
    double *C = malloc(N * M * sizeof(double));
    wass_ground eu = wass_ground_make(WASS_EUCLIDEAN, 1);
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < M; j++)
            C[i * M + j] = wass_ground_eval(&eu, X + 2 * i, Y + 2 * j, 2);
    wass_sinkhorn_options o;
    wass_sinkhorn_options_default(&o);
    o.tol = 1e-11;
    o.want_plan = 1;
    const double regs[3] = {0.5, 0.05, 0.01};
    for (int r = 0; r < 3; r++) {
        o.reg = regs[r];
        char what[96];
        wass_problem pp = {N, M, a, b,
                           wass_cost_points(X, Y, 2, wass_ground_make(WASS_SQEUCLIDEAN, 1))};
        snprintf(what, sizeof what, "sqeuclidean points, reg %g", o.reg);
        compare(what, &pp, o, 1e-9, 1);
        wass_problem pd = {N, M, a, b, wass_cost_dense(C, M, 1)};
        snprintf(what, sizeof what, "dense euclidean, reg %g", o.reg);
        compare(what, &pd, o, 1e-9, 1);
        o.tau = 0.5;
        snprintf(what, sizeof what, "unbalanced tau 0.5, reg %g", o.reg);
        compare(what, &pd, o, 1e-9, 1);
        o.tau = 0;
        o.eps_scaling = 0;
        snprintf(what, sizeof what, "no eps scaling, reg %g", o.reg);
        compare(what, &pp, o, 1e-9, 1);
        o.eps_scaling = 1;
    }
    free(C);
}

/* The divergence's symmetric solves on the kernel agree with the log path. */
static void test_divergence(void) {
    enum { N = 120, M = 90 };
    double X[2 * N], Y[2 * M], a[N], b[M];
    cloud(N, 3, 0.0, X, a);
    cloud(M, 4, 0.3, Y, b);
    wass_cloud P = {N, 2, X, a}, Q = {M, 2, Y, b};
    wass_ground g = wass_ground_make(WASS_SQEUCLIDEAN, 1);
    wass_sinkhorn_options o;
    wass_sinkhorn_options_default(&o);
    o.reg = 0.02;
    o.tol = 1e-11;
    wass_sinkhorn_divergence_result rk, rl;
    CHECK(wass_sinkhorn_divergence_ex(&P, &Q, &g, &o, &rk, NULL) == WASS_OK);
    o.kernel_memory = 0;
    CHECK(wass_sinkhorn_divergence_ex(&P, &Q, &g, &o, &rl, NULL) == WASS_OK);
    CHECK(rk.status == WASS_CONVERGED && rl.status == WASS_CONVERGED);
    CHECK_CLOSE(rk.divergence, rl.divergence, 1e-9);
    CHECK_CLOSE(rk.ot_aa, rl.ot_aa, 1e-9);
    CHECK_CLOSE(rk.ot_bb, rl.ot_bb, 1e-9);
    CHECK_CLOSE(rk.cost_ab, rl.cost_ab, 1e-9);
}

/* Where exp(-C / eps) underflows everywhere, the kernel is refused and the
 * log-domain passes give the answer. */
static void test_fallback(void) {
    enum { N = 60, M = 50 };
    double X[2 * N], Y[2 * M], a[N], b[M];
    cloud(N, 5, 0.0, X, a);
    cloud(M, 6, 30.0, Y, b); /* costs >= 2 * 29^2: exp(-C / 0.05) = 0 */
    wass_problem pb = {N, M, a, b,
                       wass_cost_points(X, Y, 2, wass_ground_make(WASS_SQEUCLIDEAN, 1))};

    /* the refusal itself */
    sk_kernel k;
    CHECK(sk_kernel_init(&k, &pb, 1, NULL) == WASS_OK);
    CHECK(sk_kmat_enable(&k, 1e9) == 1);
    double f[N] = {0}, g[M] = {0}, la[N], Lc[M];
    for (size_t i = 0; i < N; i++)
        la[i] = log(a[i]);
    CHECK_MSG(sk_kmat_build(&k, la, f, g, 0.05, Lc) == 0, "far clouds: kernel accepted");
    CHECK(k.km && !k.km->valid);
    /* at a large eps the same kernel is fine, and its column LSEs are right */
    CHECK(sk_kmat_build(&k, la, f, g, 5000.0, Lc) == 1);
    double worst = 0;
    for (size_t j = 0; j < M; j++) {
        double mx = -INFINITY, s = 0, c[N];
        for (size_t i = 0; i < N; i++) {
            c[i] = la[i] - wass__cost(&pb.cost, i, j) / 5000.0;
            mx = c[i] > mx ? c[i] : mx;
        }
        for (size_t i = 0; i < N; i++)
            s += exp(c[i] - mx);
        double t = fabs(Lc[j] - (mx + log(s)));
        worst = t > worst ? t : worst;
    }
    CHECK_MSG(worst < 1e-12, "column LSE off by %.3g", worst);
    /* a warm start far above the optimum: exponents > 300 */
    for (size_t i = 0; i < N; i++)
        f[i] = 400.0;
    CHECK(sk_kmat_build(&k, la, f, g, 1.0, Lc) == 0);
    sk_kernel_free(&k);
    sk_kernel_free(&k); /* twice is fine */

    wass_sinkhorn_options o;
    wass_sinkhorn_options_default(&o);
    o.reg = 0.05;
    o.tol = 1e-10;
    compare("far clouds", &pb, o, 1e-9, 0);
    o.eps_scaling = 0; /* refused at first, taken once the potentials have settled */
    compare("far clouds, no eps scaling", &pb, o, 1e-9, 1);

    /* small eps on ordinary clouds: costs up to 2, eps 1e-3 (exponents to -2000,
     * most of K flushed to 0), and a warm start 300 eps off the answer */
    double Z[2 * N], c[N];
    cloud(N, 7, 0.0, Z, c);
    wass_problem ps = {N, N, a, c,
                       wass_cost_points(X, Z, 2, wass_ground_make(WASS_SQEUCLIDEAN, 1))};
    wass_sinkhorn_options_default(&o);
    o.reg = 1e-3;
    o.tol = 1e-9;
    compare("small eps", &ps, o, 1e-8, 1);
    wass_sinkhorn_result r;
    CHECK(wass_sinkhorn(&ps, &o, &r, NULL) == WASS_OK);
    double init[N];
    for (size_t i = 0; i < N; i++)
        init[i] = r.f[i] + (i % 2 ? 0.3 : -0.3);
    o.init_f = init;
    compare("wild warm start", &ps, o, 1e-8, 1);
    wass_sinkhorn_result_free(&r);
}

/* Bitwise identical results for 1, 2 and 3 threads on the kernel (a size
 * where the passes run in parallel: several row blocks). */
static void test_threads(void) {
    enum { N = 400, M = 330 };
    double *X = malloc(2 * N * sizeof(double)), *Y = malloc(2 * M * sizeof(double));
    double *a = malloc(N * sizeof(double)), *b = malloc(M * sizeof(double));
    cloud(N, 8, 0.0, X, a);
    cloud(M, 9, 0.1, Y, b);
    wass_problem pb = {N, M, a, b,
                       wass_cost_points(X, Y, 2, wass_ground_make(WASS_SQEUCLIDEAN, 1))};
    wass_sinkhorn_options o;
    wass_sinkhorn_options_default(&o);
    o.reg = 0.02;
    o.tol = 1e-9;
    o.threads = 1;
    wass_sinkhorn_result r1, r2;
    CHECK(wass_sinkhorn(&pb, &o, &r1, NULL) == WASS_OK && r1.status == WASS_CONVERGED);
    for (int t = 2; t <= 3; t++) {
        o.threads = t;
        CHECK(wass_sinkhorn(&pb, &o, &r2, NULL) == WASS_OK);
        CHECK_MSG(r1.cost == r2.cost && r1.objective == r2.objective &&
                      r1.iterations == r2.iterations && r1.marginal_error == r2.marginal_error,
                  "threads=%d changes the result", t);
        CHECK(memcmp(r1.f, r2.f, N * sizeof(double)) == 0);
        CHECK(memcmp(r1.g, r2.g, M * sizeof(double)) == 0);
        wass_sinkhorn_result_free(&r2);
    }
    wass_sinkhorn_result_free(&r1);
    free(X);
    free(Y);
    free(a);
    free(b);
}

/* The budget decides; bad budgets are refused. */
static void test_budget(void) {
    enum { N = 100, M = 80 };
    double X[2 * N], Y[2 * M], a[N], b[M];
    cloud(N, 10, 0.0, X, a);
    cloud(M, 11, 0.0, Y, b);
    wass_problem pb = {N, M, a, b,
                       wass_cost_points(X, Y, 2, wass_ground_make(WASS_SQEUCLIDEAN, 1))};
    sk_kernel k;
    CHECK(sk_kernel_init(&k, &pb, 1, NULL) == WASS_OK);
    double need = (double)(N * M + 2 * M + 3 * N + 2 * M) * sizeof(double); /* 2 row blocks */
    CHECK(sk_kmat_enable(&k, need - 1) == 0 && k.km == NULL);
    CHECK(sk_kmat_enable(&k, need) == 1 && k.km != NULL);
    sk_kernel_free(&k);
    CHECK(k.km == NULL);

    wass_sinkhorn_options o;
    wass_sinkhorn_options_default(&o);
    CHECK(o.kernel_memory == 1073741824.0);
    wass_sinkhorn_result r;
    wass_error_info e;
    const double bad[2] = {-1.0, NAN};
    for (int t = 0; t < 2; t++) {
        o.kernel_memory = bad[t];
        CHECK(wass_sinkhorn(&pb, &o, &r, &e) == WASS_ERR_INVALID);
        CHECK(strstr(e.message, "kernel_memory") != NULL);
        wass_sinkhorn_result_free(&r);
        wass_cloud P = {N, 2, X, a}, Q = {M, 2, Y, b};
        wass_ground g = wass_ground_make(WASS_SQEUCLIDEAN, 1);
        double v;
        wass_status st;
        CHECK(wass_sinkhorn_divergence(&P, &Q, &g, &o, &v, &st, &e) == WASS_ERR_INVALID);
    }
    o.kernel_memory = INFINITY; /* no limit */
    CHECK(wass_sinkhorn(&pb, &o, &r, &e) == WASS_OK && r.status == WASS_CONVERGED);
    wass_sinkhorn_result_free(&r);
}

int main(void) {
    test_same_answer();
    test_divergence();
    test_fallback();
    test_threads();
    test_budget();
    return test_main_end("test_sinkhorn_kernel");
}
