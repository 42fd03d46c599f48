/*
 * test_divergence_solve.c - wass_sinkhorn_divergence_solve: the gradients
 * with respect to the points against central finite differences of the
 * divergence, the warm start (same result, fewer iterations), the
 * multiscale start of (P, Q) on clustered clouds (iterations against a solve
 * from zero, value against three tight wass_sinkhorn solves), and the checks
 * of its inputs.
 */
#include "test_util.h"
#include "wass.h"

#include <stdlib.h>

/* n points of d = 2 coordinates: clusters of spread sd around k centres
 * drawn in [0, scale)^2, weights 0.2 + uniform (normalized). */
static void clusters(size_t n, int k, double scale, double sd, uint64_t seed, double *X,
                     double *w) {
    uint64_t s = seed;
    double cx[8], cy[8], tot = 0;
    for (int c = 0; c < k; c++) {
        cx[c] = scale * test_rand_unif(&s);
        cy[c] = scale * test_rand_unif(&s);
    }
    for (size_t i = 0; i < n; i++) {
        int c = (int)(test_rand_u64(&s) % (uint64_t)k);
        /* a sum of 4 uniforms: mean 2, variance 1/3 */
        double u = 0, v = 0;
        for (int t = 0; t < 4; t++) {
            u += test_rand_unif(&s);
            v += test_rand_unif(&s);
        }
        X[2 * i] = cx[c] + sd * (u - 2) * 1.7320508;
        X[2 * i + 1] = cy[c] + sd * (v - 2) * 1.7320508;
        if (w) tot += w[i] = 0.2 + test_rand_unif(&s);
    }
    if (w)
        for (size_t i = 0; i < n; i++)
            w[i] /= tot;
}

static double divergence(const wass_cloud *P, const wass_cloud *Q, const wass_sinkhorn_options *o) {
    wass_ground g = wass_ground_make(WASS_SQEUCLIDEAN, 1);
    wass_sinkhorn_divergence_result r;
    wass_error_info e;
    int rc = wass_sinkhorn_divergence_ex(P, Q, &g, o, &r, &e);
    CHECK_MSG(rc == WASS_OK && r.status == WASS_CONVERGED, "%s %s", e.message, r.message);
    return r.divergence;
}

/* dS/dx and dS/dy against central differences (h = 1e-5, tol 1e-13), on
 * clouds large enough for the multiscale start (n, m > 64). */
static void test_gradients(void) {
    enum { N = 70, M = 80 };
    static double X[2 * N], Y[2 * M], a[N], b[M], gX[2 * N], gY[2 * M];
    clusters(N, 3, 2.0, 0.3, 1, X, a);
    clusters(M, 3, 2.0, 0.3, 2, Y, b);
    wass_cloud P = {N, 2, X, a}, Q = {M, 2, Y, b};
    wass_ground g = wass_ground_make(WASS_SQEUCLIDEAN, 1);
    wass_sinkhorn_options o;
    wass_sinkhorn_options_default(&o);
    o.reg = 0.2;
    o.tol = 1e-13;
    wass_sinkhorn_divergence_io io = {0};
    io.grad_P = gX;
    io.grad_Q = gY;
    wass_sinkhorn_divergence_result r;
    wass_error_info e;
    int rc = wass_sinkhorn_divergence_solve(&P, &Q, &g, &o, &io, &r, &e);
    CHECK_MSG(rc == WASS_OK && r.status == WASS_CONVERGED, "%s", e.message);
    CHECK_CLOSE(r.divergence, divergence(&P, &Q, &o), 1e-12);
    const double h = 1e-5;
    double worst = 0, scale = 0;
    for (int t = 0; t < 12; t++) {
        int side = t % 2;
        double *Z = side ? Y : X, *gz = side ? gY : gX;
        size_t k = (size_t)(t * 37) % (side ? 2 * M : 2 * N);
        double z0 = Z[k];
        Z[k] = z0 + h;
        double sp = divergence(&P, &Q, &o);
        Z[k] = z0 - h;
        double sm = divergence(&P, &Q, &o);
        Z[k] = z0;
        double fd = (sp - sm) / (2 * h);
        worst = fmax(worst, fabs(fd - gz[k]));
        scale = fmax(scale, fabs(gz[k]));
    }
    CHECK_MSG(scale > 1e-3 && worst <= 1e-6 * scale + 1e-9,
              "gradient vs central differences: worst %.3g (largest %.3g)", worst, scale);
    /* translating both clouds changes nothing: the gradients sum to 0 */
    double sx = 0, sy = 0;
    for (size_t i = 0; i < N; i++)
        sx += gX[2 * i];
    for (size_t j = 0; j < M; j++)
        sy += gY[2 * j];
    CHECK_MSG(fabs(sx + sy) < 1e-9, "sum of the x gradients %.3g", sx + sy);
}

/* A warm start from the potentials of slightly different clouds: the same
 * divergence to the tolerance, fewer iterations. */
static void test_warm_start(void) {
    enum { N = 90, M = 100 };
    static double X[2 * N], Y[2 * M], fab[N], faa[N], fbb[M];
    clusters(N, 2, 1.0, 0.3, 3, X, NULL);
    clusters(M, 2, 1.0, 0.3, 4, Y, NULL);
    wass_cloud P = {N, 2, X, NULL}, Q = {M, 2, Y, NULL};
    wass_ground g = wass_ground_make(WASS_SQEUCLIDEAN, 1);
    wass_sinkhorn_options o;
    wass_sinkhorn_options_default(&o);
    o.reg = 0.05;
    o.tol = 1e-10;
    wass_sinkhorn_divergence_io io = {0};
    io.f_ab = fab;
    io.f_aa = faa;
    io.f_bb = fbb;
    wass_sinkhorn_divergence_result cold, warm;
    wass_error_info e;
    CHECK(wass_sinkhorn_divergence_solve(&P, &Q, &g, &o, &io, &cold, &e) == WASS_OK);
    for (size_t k = 0; k < 2 * N; k++) /* a small step, as in a gradient flow */
        X[k] += 1e-3 * sin((double)k);
    CHECK(wass_sinkhorn_divergence_ex(&P, &Q, &g, &o, &cold, &e) == WASS_OK);
    wass_sinkhorn_divergence_io wio = {0};
    wio.init_f_ab = fab;
    wio.init_f_aa = faa;
    wio.init_f_bb = fbb;
    CHECK(wass_sinkhorn_divergence_solve(&P, &Q, &g, &o, &wio, &warm, &e) == WASS_OK);
    CHECK(cold.status == WASS_CONVERGED && warm.status == WASS_CONVERGED);
    CHECK_CLOSE(warm.divergence, cold.divergence, 1e-8);
    CHECK_MSG(warm.iterations < cold.iterations, "warm start: %lld iterations, cold %lld",
              (long long)warm.iterations, (long long)cold.iterations);
}

/* Clustered clouds at eps = 0.05 (costs up to ~100): from zero, Sinkhorn
 * crawls (the offsets between clusters: 190 - 286 iterations for (P, Q),
 * depending on the kernel the build and the processor select); the
 * multiscale start takes a fraction of them (46 - 72 for the three
 * problems; the check asks for less than half),
 * and the divergence at the training tolerance 1e-4 is within 1e-5 of
 * three tight solves (each OT_eps is the dual objective of its
 * potentials: second order in the marginal error). */
static void test_multiscale(void) {
    enum { N = 300 };
    static double X[2 * N], Y[2 * N];
    clusters(N, 4, 8.0, 0.3, 5, X, NULL);
    clusters(N, 4, 8.0, 0.3, 6, Y, NULL);
    wass_cloud P = {N, 2, X, NULL}, Q = {N, 2, Y, NULL};
    wass_ground g = wass_ground_make(WASS_SQEUCLIDEAN, 1);
    wass_sinkhorn_options o;
    wass_sinkhorn_options_default(&o);
    o.reg = 0.05;
    o.tol = 1e-4;
    o.eps_scaling = 0;
    wass_sinkhorn_divergence_result r;
    wass_error_info e;
    CHECK(wass_sinkhorn_divergence_ex(&P, &Q, &g, &o, &r, &e) == WASS_OK);
    CHECK(r.status == WASS_CONVERGED && r.marginal_error < 1e-4);
    /* the three problems one by one, tight, through wass_sinkhorn */
    double ot[3];
    int64_t zero_iters = 0;
    for (int t = 0; t < 3; t++) {
        const double *A = t == 2 ? Y : X, *B = t == 1 ? X : Y;
        wass_problem pb = {N, N, NULL, NULL, wass_cost_points(A, B, 2, g)};
        wass_sinkhorn_options so = o;
        so.tol = t == 0 ? 1e-4 : 1e-11;
        wass_sinkhorn_result sr;
        CHECK(wass_sinkhorn(&pb, &so, &sr, &e) == WASS_OK && sr.status == WASS_CONVERGED);
        if (t == 0) { /* the same problem from zero at the same tolerance */
            zero_iters = sr.iterations;
            wass_sinkhorn_result_free(&sr);
            so.tol = 1e-11;
            CHECK(wass_sinkhorn(&pb, &so, &sr, &e) == WASS_OK && sr.status == WASS_CONVERGED);
        }
        ot[t] = sr.objective;
        wass_sinkhorn_result_free(&sr);
    }
    double ref = ot[0] - 0.5 * (ot[1] + ot[2]);
    CHECK_MSG(fabs(r.divergence - ref) <= 1e-5 * ot[0], "S %.10g vs tight %.10g (OT_ab %.4g)",
              r.divergence, ref, ot[0]);
    CHECK_MSG(2 * r.iterations < zero_iters,
              "multiscale start: %lld iterations for the three problems, %lld for (P, Q) from zero",
              (long long)r.iterations, (long long)zero_iters);
}

static void test_bad_io(void) {
    double X[6] = {0, 0, 1, 0, 0, 1}, Y[4] = {1, 1, 2, 1}, f[3] = {0, 0, 0}, bad[3] = {0, NAN, 0};
    double gX[6], gY[4];
    wass_cloud P = {3, 2, X, NULL}, Q = {2, 2, Y, NULL};
    wass_ground sq = wass_ground_make(WASS_SQEUCLIDEAN, 1),
                eu = wass_ground_make(WASS_EUCLIDEAN, 1);
    wass_sinkhorn_options o;
    wass_sinkhorn_options_default(&o);
    o.reg = 0.5;
    wass_sinkhorn_divergence_result r;
    wass_error_info e;
    wass_sinkhorn_divergence_io io = {0};
    io.init_f_ab = f;
    CHECK(wass_sinkhorn_divergence_solve(&P, &Q, &sq, &o, &io, &r, &e) == WASS_ERR_INVALID &&
          strstr(e.message, "all of init_f_ab"));
    io.init_f_aa = bad;
    io.init_f_bb = f;
    CHECK(wass_sinkhorn_divergence_solve(&P, &Q, &sq, &o, &io, &r, &e) == WASS_ERR_NAN &&
          strstr(e.message, "init_f_aa"));
    memset(&io, 0, sizeof io);
    io.grad_P = gX;
    io.grad_Q = gY;
    CHECK(wass_sinkhorn_divergence_solve(&P, &Q, &eu, &o, &io, &r, &e) == WASS_ERR_UNSUPPORTED &&
          strstr(e.message, "squared Euclidean"));
    CHECK(wass_sinkhorn_divergence_solve(&P, &Q, &sq, &o, &io, &r, &e) == WASS_OK);
    o.init_f = f;
    CHECK(wass_sinkhorn_divergence_solve(&P, &Q, &sq, &o, NULL, &r, &e) == WASS_ERR_UNSUPPORTED &&
          strstr(e.message, "wass_sinkhorn_divergence_solve"));
    o.init_f = NULL;
    double s;
    wass_status st;
    CHECK(wass_sinkhorn_divergence_solve(&P, &Q, &sq, &o, NULL, &r, &e) == WASS_OK);
    CHECK(wass_sinkhorn_divergence(&P, &Q, &sq, &o, &s, &st, &e) == WASS_OK && s == r.divergence);
    CHECK(wass_sinkhorn_divergence_solve(&P, &Q, &sq, &o, NULL, NULL, &e) == WASS_ERR_INVALID);
}

int main(void) {
    test_gradients();
    test_warm_start();
    test_multiscale();
    test_bad_io();
    return test_main_end("test_divergence_solve");
}
