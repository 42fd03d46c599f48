/*
 * test_sliced.c - sliced / max-sliced Wasserstein: exact agreement with POT
 * when both use the same directions, statistical agreement when each draws
 * its own (tests/reference/sliced_ref.txt from sliced_gen.py), closed forms
 * (d = 1, shifted clouds), the direction generator (unit norm, moments),
 * independence of the thread count, and bad input.
 */
#include "test_util.h"
#include "wass.h"

#include <stdlib.h>

static double *read_nums(FILE *f, size_t n) {
    double *x = malloc((n ? n : 1) * sizeof *x);
    for (size_t i = 0; i < n; i++)
        if (fscanf(f, "%lf", &x[i]) != 1) {
            free(x);
            return NULL;
        }
    return x;
}

static void references(void) {
    FILE *f = fopen(WASS_SOURCE_DIR "/tests/reference/sliced_ref.txt", "r");
    CHECK_MSG(f != NULL, "cannot open sliced_ref.txt");
    if (!f) return;
    char buf[256], kind[16];
    if (!fgets(buf, sizeof buf, f)) buf[0] = 0;
    int exact = 0, stat = 0;
    while (fscanf(f, " %15s", kind) == 1) {
        size_t n, m, d, K;
        double p, want, tol = 0;
        int weighted, mx = 0, ok;
        if (strcmp(kind, "exact") == 0)
            ok = fscanf(f, "%zu %zu %zu %lf %zu %d %d %lf", &n, &m, &d, &p, &K, &weighted, &mx,
                        &want) == 8;
        else
            ok = fscanf(f, "%zu %zu %zu %lf %zu %d %lf %lf", &n, &m, &d, &p, &K, &weighted, &want,
                        &tol) == 8;
        CHECK(ok);
        if (!ok) break;
        double *X = read_nums(f, n * d), *a = weighted ? read_nums(f, n) : NULL;
        double *Y = read_nums(f, m * d), *b = weighted ? read_nums(f, m) : NULL;
        double *dirs = kind[0] == 'e' ? read_nums(f, K * d) : NULL;
        wass_cloud P = {n, d, X, a}, Q = {m, d, Y, b};
        wass_sliced_options opt;
        wass_sliced_options_default(&opt);
        opt.p = p;
        opt.projections = K;
        opt.max_sliced = mx;
        opt.directions = dirs;
        opt.seed = 12345;
        double got = -1;
        wass_error_info err;
        int rc = wass_sliced(&P, &Q, &opt, &got, &err);
        CHECK_MSG(rc == WASS_OK, "%s", err.message);
        if (kind[0] == 'e') {
            CHECK_MSG(fabs(got - want) <= 1e-12 * fmax(1, want),
                      "exact case %d: got %.17g want %.17g", exact, got, want);
            exact++;
        } else {
            CHECK_MSG(fabs(got - want) <= tol * want,
                      "stat case %d: got %.17g want %.17g (rel tol %g)", stat, got, want, tol);
            printf("sliced stat case %d: wass %.6f POT %.6f rel diff %.2e (tol %.2e)\n", stat, got,
                   want, fabs(got - want) / want, tol);
            stat++;
        }
        free(X);
        free(a);
        free(Y);
        free(b);
        free(dirs);
    }
    fclose(f);
    CHECK_MSG(exact >= 30 && stat >= 6, "read %d exact and %d stat cases", exact, stat);
}

static void directions(void) {
    enum { D = 4, K = 20000 };
    double *dirs = malloc(sizeof(double) * D * K);
    wass_error_info err;
    CHECK(wass_sliced_directions(D, K, 3, dirs, &err) == WASS_OK);
    double mean[D] = {0}, sq[D] = {0};
    double worst_norm = 0;
    for (int t = 0; t < K; t++) {
        double nn = 0;
        for (int k = 0; k < D; k++) {
            double x = dirs[t * D + k];
            mean[k] += x / K;
            sq[k] += x * x / K;
            nn += x * x;
        }
        worst_norm = fmax(worst_norm, fabs(nn - 1));
    }
    CHECK(worst_norm < 1e-14);
    for (int k = 0; k < D; k++) {
        CHECK_MSG(fabs(mean[k]) < 5 * sqrt(1.0 / (D * K)), "mean[%d] = %g", k, mean[k]);
        CHECK_MSG(fabs(sq[k] - 1.0 / D) < 0.02 / D * 5, "E x_%d^2 = %g", k, sq[k]);
    }
    /* direction t does not depend on how many are asked for */
    double few[3 * D];
    CHECK(wass_sliced_directions(D, 3, 3, few, &err) == WASS_OK);
    CHECK(memcmp(few, dirs, sizeof few) == 0);
    CHECK(wass_sliced_directions(D, 3, 4, few, &err) == WASS_OK);
    CHECK(memcmp(few, dirs, sizeof few) != 0);
    CHECK(wass_sliced_directions(0, 3, 4, few, &err) == WASS_ERR_SIZE);
    free(dirs);
}

static void closed_forms_and_threads(void) {
    enum { N = 60, D = 3 };
    double X[N * D], Y[N * D], w[N];
    double c[D] = {0.3, -1.2, 2.0};
    uint64_t s = 11;
    for (int i = 0; i < N; i++) {
        w[i] = test_rand_unif(&s) + 0.1;
        for (int k = 0; k < D; k++) {
            X[i * D + k] = test_rand_unif(&s);
            Y[i * D + k] = X[i * D + k] + c[k];
        }
    }
    wass_cloud P = {N, D, X, w}, Q = {N, D, Y, w};
    wass_sliced_options opt;
    wass_sliced_options_default(&opt);
    opt.projections = 500;
    opt.seed = 99;
    enum { K = 500 };
    static double dirs[K * D];
    wass_error_info err;
    CHECK(wass_sliced_directions(D, K, 99, dirs, &err) == WASS_OK);
    /* a shift by c: every projection is a shift by theta.c */
    double want2 = 0, wantmax = 0;
    for (int t = 0; t < K; t++) {
        double dot = 0;
        for (int k = 0; k < D; k++)
            dot += dirs[t * D + k] * c[k];
        want2 += dot * dot / K;
        wantmax = fmax(wantmax, fabs(dot));
    }
    double got = 0;
    CHECK(wass_sliced(&P, &Q, &opt, &got, &err) == WASS_OK);
    CHECK_CLOSE(got, sqrt(want2), 1e-12);
    opt.max_sliced = 1;
    CHECK(wass_sliced(&P, &Q, &opt, &got, &err) == WASS_OK);
    CHECK_CLOSE(got, wantmax, 1e-12);
    double cn = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
    CHECK(got <= cn + 1e-12 && got > 0.9 * cn);
    opt.max_sliced = 0;
    /* thread count and explicit directions give the same bits */
    double ref, other;
    opt.threads = 1;
    CHECK(wass_sliced(&P, &Q, &opt, &ref, &err) == WASS_OK);
    for (int th = 2; th <= 4; th++) {
        opt.threads = th;
        CHECK(wass_sliced(&P, &Q, &opt, &other, &err) == WASS_OK);
        CHECK(other == ref);
    }
    opt.directions = dirs;
    CHECK(wass_sliced(&P, &Q, &opt, &other, &err) == WASS_OK);
    CHECK(other == ref);
    opt.directions = NULL;
    /* d = 1: every direction is +-1, so SW_p = W_p of the values */
    double u[N], v[N], w1d;
    for (int i = 0; i < N; i++) {
        u[i] = X[i * D];
        v[i] = Y[i * D + 1] * 3;
    }
    wass_cloud P1 = {N, 1, u, w}, Q1 = {N, 1, v, NULL};
    opt.p = 1.5;
    opt.projections = 7;
    CHECK(wass_sliced(&P1, &Q1, &opt, &got, &err) == WASS_OK);
    CHECK(wass_line(u, w, N, v, NULL, N, 1.5, &w1d, &err) == WASS_OK);
    CHECK_CLOSE(got, w1d, 1e-13);
    /* identical clouds: 0 */
    CHECK(wass_sliced(&P, &P, NULL, &got, &err) == WASS_OK && got == 0);
}

static void bad_input(void) {
    double X[6] = {0, 1, 2, 3, 4, 5}, w[3] = {1, 1, 1};
    wass_cloud P = {3, 2, X, NULL}, Q = {2, 3, X, NULL};
    wass_sliced_options opt;
    wass_sliced_options_default(&opt);
    double out;
    wass_error_info err;
    CHECK(wass_sliced(&P, &Q, &opt, &out, &err) == WASS_ERR_SIZE);
    CHECK_MSG(strstr(err.message, "dimensions differ") != NULL, "%s", err.message);
    Q.n = 3;
    Q.d = 2;
    opt.p = 0.5;
    CHECK(wass_sliced(&P, &Q, &opt, &out, &err) == WASS_ERR_INVALID);
    CHECK_MSG(strstr(err.message, "p = 0.5") != NULL, "%s", err.message);
    opt.p = 2;
    opt.projections = 0;
    CHECK(wass_sliced(&P, &Q, &opt, &out, &err) == WASS_ERR_INVALID);
    /* K * sizeof(double) wraps (D2): an error, not a short allocation */
    opt.projections = (size_t)1 << 61;
    CHECK(wass_sliced(&P, &Q, &opt, &out, &err) == WASS_ERR_SIZE);
    CHECK_MSG(strstr(err.message, "too many") != NULL, "%s", err.message);
    opt.projections = SIZE_MAX;
    CHECK(wass_sliced(&P, &Q, &opt, &out, &err) == WASS_ERR_SIZE);
    opt.projections = 10;
    X[3] = NAN;
    CHECK(wass_sliced(&P, &Q, &opt, &out, &err) == WASS_ERR_NAN);
    CHECK_MSG(strstr(err.message, "points of P[3]") != NULL, "%s", err.message);
    X[3] = 3;
    w[1] = -1;
    Q.w = w;
    CHECK(wass_sliced(&P, &Q, &opt, &out, &err) == WASS_ERR_NEGATIVE);
    CHECK_MSG(strstr(err.message, "Q[1]") != NULL, "%s", err.message);
    w[0] = w[1] = w[2] = 0;
    CHECK(wass_sliced(&P, &Q, &opt, &out, &err) == WASS_ERR_ZERO_MASS);
    Q.w = NULL;
    P.n = 0;
    CHECK(wass_sliced(&P, &Q, &opt, &out, &err) == WASS_ERR_SIZE);
    CHECK(wass_sliced(NULL, &Q, &opt, &out, &err) == WASS_ERR_INVALID);
}

int main(void) {
    references();
    directions();
    closed_forms_and_threads();
    bad_input();
    return test_main_end("test_sliced");
}
