/*
 * test_sinkhorn_anderson.c - Anderson acceleration of the Sinkhorn solver
 * (sk_params.anderson) against the plain iteration with over-relaxation
 * (anderson = 0): same fixed point (cost and potentials to 1e-9 when both
 * are solved to tol 1e-12) on point clouds and dense costs, balanced and
 * unbalanced, several epsilons, kernel and log-domain passes; never more
 * iterations at the default tol 1e-9 (and fewer in total); results
 * independent of the thread count; stop test exact on the returned
 * potentials. Hard cases: Gaussian clouds whose costs reach ~60 at
 * eps = 0.05, and a tiny problem at eps = 5e-4, where short histories or a
 * missing restart stalled or diverged: converged, with the marginal error
 * recomputed here from the potentials.
 */
#include "entropic/sinkhorn_internal.h"
#include "test_util.h"

#include <stdlib.h>
#include <string.h>
#include <wass.h>

typedef struct {
    double cost, err;
    int64_t iters;
    int status;
    double *f, *g;
} run_out;

static void cloud(size_t n, size_t d, uint64_t seed, double *X, double *w) {
    uint64_t s = seed;
    double t = 0;
    for (size_t i = 0; i < d * n; i++)
        X[i] = test_rand_unif(&s);
    for (size_t i = 0; i < n; i++)
        t += w[i] = 0.2 + test_rand_unif(&s);
    for (size_t i = 0; i < n; i++)
        w[i] /= t;
}

static int run(const wass_problem *pb, double reg, double tau, double tol, int anderson,
               double kmem, int threads, run_out *o) {
    wass_error_info e;
    sk_kernel k;
    memset(o, 0, sizeof *o);
    int rc = sk_kernel_init(&k, pb, threads, &e);
    if (rc) return rc;
    double cmin, cmax, obj;
    rc = sk_cost_range(&k, &cmin, &cmax, &e);
    if (!rc) {
        sk_kmat_enable(&k, kmem);
        o->f = calloc(pb->n, sizeof(double));
        o->g = calloc(pb->m, sizeof(double));
        sk_params par;
        memset(&par, 0, sizeof par);
        par.reg = reg;
        par.tol = tol;
        par.tau = tau;
        par.max_iter = 100000;
        par.scaling_factor = 0.5;
        par.start_eps = cmax - cmin;
        par.anderson = anderson;
        sk_outcome oc;
        rc = sk_solve(&k, pb->a, pb->b, &par, o->f, o->g, &oc, &e);
        if (!rc)
            rc =
                sk_evaluate(&k, pb->a, pb->b, o->f, o->g, reg, tau, &o->cost, &obj, NULL, NULL, &e);
        o->iters = oc.iterations;
        o->status = oc.status;
        o->err = oc.marginal_error;
    }
    sk_kernel_free(&k);
    return rc;
}

static void run_free(run_out *o) {
    free(o->f);
    free(o->g);
}

/* L1 marginal error of the plan of (f, g), recomputed directly. */
static double marginal_error(const double *C, const double *a, const double *b, const double *f,
                             const double *g, size_t n, size_t m, double reg, double tau) {
    double *col = calloc(m, sizeof(double)), err = 0;
    for (size_t i = 0; i < n; i++) {
        double r = 0;
        for (size_t j = 0; j < m; j++) {
            double p = a[i] * b[j] * exp((f[i] + g[j] - C[i * m + j]) / reg);
            r += p;
            col[j] += p;
        }
        err += fabs(r - (tau > 0 ? a[i] * exp(-f[i] / tau) : a[i]));
    }
    for (size_t j = 0; j < m; j++)
        err += fabs(col[j] - (tau > 0 ? b[j] * exp(-g[j] / tau) : b[j]));
    free(col);
    return err;
}

/* max |x - y| after shifting by (cx, cy) */
static double maxdiff(const double *x, const double *y, size_t n, double cx, double cy) {
    double d = 0;
    for (size_t i = 0; i < n; i++) {
        double t = fabs((x[i] - cx) - (y[i] - cy));
        d = t > d ? t : d;
    }
    return d;
}

static double mean(const double *x, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

static int64_t total_aa, total_plain;

static void compare(const char *what, const wass_problem *pb, const double *C, double reg,
                    double tau, double kmem) {
    size_t n = pb->n, m = pb->m;
    run_out p, q;
    /* default tolerance: iteration counts */
    CHECK(run(pb, reg, tau, 1e-9, 0, kmem, 1, &p) == WASS_OK);
    CHECK(run(pb, reg, tau, 1e-9, SK_ANDERSON, kmem, 1, &q) == WASS_OK);
    CHECK_MSG(p.status == WASS_CONVERGED && q.status == WASS_CONVERGED, "%s: status %d %d", what,
              p.status, q.status);
    CHECK_MSG(q.iters <= p.iters, "%s: Anderson %lld iterations > plain %lld", what,
              (long long)q.iters, (long long)p.iters);
    total_aa += q.iters;
    total_plain += p.iters;
    /* the reported error is that of the returned potentials, and below tol */
    double direct = marginal_error(C, pb->a, pb->b, q.f, q.g, n, m, reg, tau);
    CHECK_MSG(q.err < 1e-9 && direct < 1e-9 && fabs(direct - q.err) < 1e-12,
              "%s: reported error %.3g, recomputed %.3g", what, q.err, direct);
    run_free(&p);
    run_free(&q);
    /* tight tolerance: same fixed point */
    CHECK(run(pb, reg, tau, 1e-12, 0, kmem, 1, &p) == WASS_OK);
    CHECK(run(pb, reg, tau, 1e-12, SK_ANDERSON, kmem, 1, &q) == WASS_OK);
    CHECK_MSG(p.status == WASS_CONVERGED && q.status == WASS_CONVERGED, "%s: tight status %d %d",
              what, p.status, q.status);
    CHECK_MSG(fabs(p.cost - q.cost) <= 1e-9 * fabs(p.cost), "%s: cost %.17g vs %.17g", what, q.cost,
              p.cost);
    /* balanced: potentials are defined up to a constant (f + c, g - c) */
    double sp = tau > 0 ? 0 : mean(p.f, n), sq = tau > 0 ? 0 : mean(q.f, n);
    double df = maxdiff(q.f, p.f, n, sq, sp), dg = maxdiff(q.g, p.g, m, -sq, -sp);
    CHECK_MSG(df < 1e-9 && dg < 1e-9, "%s: potentials differ by %.3g, %.3g", what, df, dg);
    run_free(&p);
    run_free(&q);
}

static void test_cases(void) {
    enum { N = 130, M = 150 };
    for (size_t d = 2; d <= 3; d++) {
        double *X = malloc(d * N * sizeof(double)), *Y = malloc(d * M * sizeof(double));
        double a[N], b[M], C[N * M];
        cloud(N, d, 11 + d, X, a);
        cloud(M, d, 29 + d, Y, b);
        for (size_t i = 0; i < M * d; i++)
            Y[i] *= Y[i]; /* not the same law */
        wass_ground gr = wass_ground_make(d == 2 ? WASS_SQEUCLIDEAN : WASS_EUCLIDEAN, 1);
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < M; j++)
                C[i * M + j] = wass_ground_eval(&gr, X + i * d, Y + j * d, d);
        wass_problem pts = {N, M, a, b, wass_cost_points(X, Y, d, gr)};
        wass_problem den = {N, M, a, b, wass_cost_dense(C, M, 1)};
        const double regs[3] = {0.1, 0.05, 0.01};
        char what[96];
        for (int r = 0; r < 3; r++)
            for (int unb = 0; unb < 2; unb++) {
                double tau = unb ? 0.5 : 0.0;
                snprintf(what, sizeof what, "points d=%zu reg=%g tau=%g", d, regs[r], tau);
                compare(what, &pts, C, regs[r], tau, 1e9);
                snprintf(what, sizeof what, "dense d=%zu reg=%g tau=%g", d, regs[r], tau);
                compare(what, &den, C, regs[r], tau, 1e9);
                snprintf(what, sizeof what, "log-domain d=%zu reg=%g tau=%g", d, regs[r], tau);
                compare(what, &pts, C, regs[r], tau, 0);
            }
        free(X);
        free(Y);
    }
    /* the acceleration is in effect: clearly fewer iterations overall */
    fprintf(stderr, "iterations at tol 1e-9, all cases: Anderson %lld, plain %lld\n",
            (long long)total_aa, (long long)total_plain);
    CHECK_MSG(total_aa * 4 < total_plain * 3, "Anderson %lld vs plain %lld iterations in total",
              (long long)total_aa, (long long)total_plain);
}

static void test_threads(void) {
    enum { N = 270, M = 250 };
    double *X = malloc(2 * N * sizeof(double)), *Y = malloc(2 * M * sizeof(double));
    double *a = malloc(N * sizeof(double)), *b = malloc(M * sizeof(double));
    cloud(N, 2, 5, X, a);
    cloud(M, 2, 6, Y, b);
    wass_problem pb = {N, M, a, b,
                       wass_cost_points(X, Y, 2, wass_ground_make(WASS_SQEUCLIDEAN, 1))};
    for (int kern = 0; kern < 2; kern++) {
        run_out r1, r2;
        CHECK(run(&pb, 0.02, 0.0, 1e-9, SK_ANDERSON, kern ? 1e9 : 0, 1, &r1) == WASS_OK);
        CHECK(r1.status == WASS_CONVERGED);
        for (int t = 2; t <= 3; t++) {
            CHECK(run(&pb, 0.02, 0.0, 1e-9, SK_ANDERSON, kern ? 1e9 : 0, t, &r2) == WASS_OK);
            CHECK_MSG(r1.iters == r2.iters && r1.cost == r2.cost &&
                          memcmp(r1.f, r2.f, N * sizeof(double)) == 0 &&
                          memcmp(r1.g, r2.g, M * sizeof(double)) == 0,
                      "threads=%d changes the accelerated result (kernel %d)", t, kern);
            run_free(&r2);
        }
        run_free(&r1);
    }
    free(X);
    free(Y);
    free(a);
    free(b);
}

/* standard normal pairs by Box-Muller */
static void gauss_cloud(size_t n, double shift, uint64_t seed, double *X) {
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        double u = test_rand_unif(&s), v = test_rand_unif(&s);
        double r = sqrt(-2.0 * log(1.0 - u)), t = 6.283185307179586 * v;
        X[2 * i] = r * cos(t) + shift;
        X[2 * i + 1] = r * sin(t);
    }
}

static void test_hard(void) {
    enum { N = 300 };
    double *X = malloc(2 * N * sizeof(double)), *Y = malloc(2 * N * sizeof(double));
    double *a = malloc(N * sizeof(double)), *C = malloc((size_t)N * N * sizeof(double));
    gauss_cloud(N, 0.0, 11, X);
    gauss_cloud(N, 1.0, 12, Y);
    for (size_t i = 0; i < N; i++)
        a[i] = 1.0 / N;
    wass_problem pb = {N, N, a, a,
                       wass_cost_points(X, Y, 2, wass_ground_make(WASS_SQEUCLIDEAN, 1))};
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++) {
            double dx = X[2 * i] - Y[2 * j], dy = X[2 * i + 1] - Y[2 * j + 1];
            C[i * N + j] = dx * dx + dy * dy;
        }
    double cost[2] = {0, 0};
    for (int kern = 0; kern < 2; kern++) {
        run_out r, r8;
        CHECK(run(&pb, 0.05, 0.0, 1e-9, SK_ANDERSON, kern ? 1e9 : 0, 2, &r) == WASS_OK);
        CHECK(run(&pb, 0.05, 0.0, 1e-9, 8, kern ? 1e9 : 0, 2, &r8) == WASS_OK);
        fprintf(stderr,
                "Gaussian clouds n = %d, eps = 0.05 (kernel %d): %lld iterations "
                "(history 8: %lld)\n",
                N, kern, (long long)r.iters, (long long)r8.iters);
        CHECK_MSG(r.status == WASS_CONVERGED && r.iters < 600,
                  "Gaussian clouds: status %d after %lld iterations", r.status, (long long)r.iters);
        double e = marginal_error(C, a, a, r.f, r.g, N, N, 0.05, 0.0);
        CHECK_MSG(e < 1.5e-9, "Gaussian clouds: recomputed marginal error %g", e);
        cost[kern] = r.cost;
        run_free(&r);
        run_free(&r8);
    }
    CHECK_MSG(fabs(cost[0] - cost[1]) < 1e-9 * cost[0], "kernel and log-domain costs %.17g %.17g",
              cost[0], cost[1]);
    free(X);
    free(Y);

    /* 12 x 9, Euclidean costs in the unit square, eps down to 5e-4 */
    enum { P = 12, Q = 9 };
    double XP[2 * P], YQ[2 * Q], wa[P], wb[Q], Cs[P * Q];
    cloud(P, 2, 21, XP, wa);
    cloud(Q, 2, 22, YQ, wb);
    for (size_t i = 0; i < P; i++)
        for (size_t j = 0; j < Q; j++)
            Cs[i * Q + j] = hypot(XP[2 * i] - YQ[2 * j], XP[2 * i + 1] - YQ[2 * j + 1]);
    wass_problem sm = {P, Q, wa, wb, wass_cost_dense(Cs, Q, 1.0)};
    const double regs[] = {1e-2, 3e-3, 1e-3, 5e-4};
    for (int r = 0; r < 4; r++) {
        run_out o;
        CHECK(run(&sm, regs[r], 0.0, 1e-10, SK_ANDERSON, 1e9, 1, &o) == WASS_OK);
        double e = marginal_error(Cs, wa, wb, o.f, o.g, P, Q, regs[r], 0.0);
        CHECK_MSG(o.status == WASS_CONVERGED && e < 2e-10,
                  "12 x 9 at eps %g: status %d, %lld iterations, marginal error %g", regs[r],
                  o.status, (long long)o.iters, e);
        run_free(&o);
    }
    free(a);
    free(C);
}

int main(void) {
    test_cases();
    test_threads();
    test_hard();
    return test_main_end("test_sinkhorn_anderson");
}
