/*
 * test_bounds.c - lower bounds: on random problems (tests/reference/
 * bounds_ref.txt from bounds_gen.py: exact cost by POT's ot.emd2, bounds
 * recomputed with numpy) both bounds match the independent values and stay
 * below the exact cost; equality cases (singletons, translations); the
 * relaxed bound equals the exact cost when one side is a single point (so it
 * dominates the centroid bound there); dense and callback costs agree with
 * point clouds; thread-count independence; refusals and bad input.
 */
#include "test_util.h"
#include "wass.h"

#include <stdlib.h>

static double *read_nums(FILE *f, size_t n) {
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        if (fscanf(f, "%lf", &x[i]) != 1) {
            free(x);
            return NULL;
        }
    return x;
}

typedef struct {
    const double *C;
    size_t m;
} dense_user;

static double cb(size_t i, size_t j, void *user) {
    const dense_user *u = user;
    return u->C[i * u->m + j];
}

static void references(void) {
    FILE *f = fopen(WASS_SOURCE_DIR "/tests/reference/bounds_ref.txt", "r");
    CHECK_MSG(f != NULL, "cannot open bounds_ref.txt");
    if (!f) return;
    char buf[256], mname[32];
    if (!fgets(buf, sizeof buf, f)) buf[0] = 0;
    size_t n, m, d;
    double q, p, exact, cen, rel;
    int cases = 0, singles = 0;
    double tight_c = 0, tight_r = 0;
    while (fscanf(f, " case %zu %zu %zu %31s %lf %lf %lf %lf %lf", &n, &m, &d, mname, &q, &p,
                  &exact, &cen, &rel) == 9) {
        double *X = read_nums(f, n * d), *a = read_nums(f, n), *Y = read_nums(f, m * d),
               *b = read_nums(f, m);
        CHECK(X && a && Y && b);
        if (!(X && a && Y && b)) break;
        wass_metric metric;
        CHECK(wass_metric_parse(mname, &metric) == WASS_OK);
        wass_ground g = wass_ground_make(metric, p);
        g.q = q;
        wass_cloud P = {n, d, X, a}, Q = {m, d, Y, b};
        double gc = -1, gr = -1, gr1 = -1, gd = -1, gk = -1;
        wass_error_info err;
        CHECK_MSG(wass_bound_centroid(&P, &Q, &g, &gc, &err) == WASS_OK, "%s", err.message);
        wass_problem pb = {n, m, a, b, wass_cost_points(X, Y, d, g)};
        CHECK_MSG(wass_bound_relaxed(&pb, 0, &gr, &err) == WASS_OK, "%s", err.message);
        CHECK(wass_bound_relaxed(&pb, 1, &gr1, &err) == WASS_OK);
        CHECK(gr == gr1);
        /* the same bound from a dense matrix and from a callback */
        double *C = malloc(n * m * sizeof *C);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < m; j++)
                C[i * m + j] = wass_ground_eval(&g, X + i * d, Y + j * d, d);
        wass_problem pd = {n, m, a, b, wass_cost_dense(C, m, p)};
        CHECK(wass_bound_relaxed(&pd, 2, &gd, &err) == WASS_OK);
        dense_user du = {C, m};
        wass_problem pk = {n, m, a, b, wass_cost_callback(cb, &du, p)};
        CHECK(wass_bound_relaxed(&pk, 3, &gk, &err) == WASS_OK);
        CHECK(gd == gr && gk == gr);
        free(C);
        CHECK_MSG(fabs(gc - cen) <= 1e-12 * fmax(1, cen), "case %d centroid %.17g want %.17g",
                  cases, gc, cen);
        CHECK_MSG(fabs(gr - rel) <= 1e-12 * fmax(1, rel), "case %d relaxed %.17g want %.17g", cases,
                  gr, rel);
        CHECK_MSG(gc <= exact * (1 + 1e-12) + 1e-12, "case %d: centroid %.17g > exact %.17g", cases,
                  gc, exact);
        CHECK_MSG(gr <= exact * (1 + 1e-12) + 1e-12, "case %d: relaxed %.17g > exact %.17g", cases,
                  gr, exact);
        if (n == 1 || m == 1) {
            /* one side is a Dirac: the relaxation is the problem itself */
            CHECK_MSG(fabs(gr - exact) <= 1e-10 * fmax(1, exact), "case %d: %.17g vs %.17g", cases,
                      gr, exact);
            CHECK(gr >= gc * (1 - 1e-12) - 1e-12);
            singles++;
        }
        if (exact > 0) {
            tight_c += gc / exact;
            tight_r += gr / exact;
        }
        free(X);
        free(a);
        free(Y);
        free(b);
        cases++;
    }
    fclose(f);
    CHECK_MSG(cases >= 100 && singles >= 5, "read %d cases (%d with a singleton)", cases, singles);
    printf("bounds: %d cases, mean bound/exact: centroid %.3f, relaxed %.3f\n", cases,
           tight_c / cases, tight_r / cases);
}

static void closed_forms(void) {
    /* two singletons: both bounds are the cost itself */
    double x[3] = {1, 2, 3}, y[3] = {-1, 0.5, 7};
    wass_cloud P = {1, 3, x, NULL}, Q = {1, 3, y, NULL};
    wass_metric ms[] = {WASS_EUCLIDEAN, WASS_SQEUCLIDEAN, WASS_CITYBLOCK, WASS_CHEBYSHEV,
                        WASS_MINKOWSKI};
    wass_error_info err;
    for (int k = 0; k < 5; k++)
        for (double p = 1; p <= 3; p += 0.5) {
            wass_ground g = wass_ground_make(ms[k], p);
            g.q = 3;
            double want = wass_ground_eval(&g, x, y, 3), c = -1, r = -1;
            wass_problem pb = {1, 1, NULL, NULL, wass_cost_points(x, y, 3, g)};
            CHECK(wass_bound_centroid(&P, &Q, &g, &c, &err) == WASS_OK);
            CHECK(wass_bound_relaxed(&pb, 0, &r, &err) == WASS_OK);
            CHECK_CLOSE(c, want, 1e-14);
            CHECK_CLOSE(r, want, 1e-14);
        }
    /* a translation by t: W_p^p = ||t||^p for every norm, and the centroid
     * bound reaches it */
    enum { N = 40, D = 2 };
    double X[N * D], Y[N * D], w[N], t[D] = {0.7, -0.2};
    uint64_t s = 3;
    for (int i = 0; i < N; i++) {
        w[i] = test_rand_unif(&s);
        for (int k = 0; k < D; k++) {
            X[i * D + k] = test_rand_unif(&s);
            Y[i * D + k] = X[i * D + k] + t[k];
        }
    }
    wass_cloud PX = {N, D, X, w}, QY = {N, D, Y, w};
    double c;
    wass_ground g = wass_ground_make(WASS_CITYBLOCK, 2);
    CHECK(wass_bound_centroid(&PX, &QY, &g, &c, &err) == WASS_OK);
    CHECK_CLOSE(c, 0.81, 1e-13);
    g = wass_ground_make(WASS_EUCLIDEAN, 1);
    CHECK(wass_bound_centroid(&PX, &QY, &g, &c, &err) == WASS_OK);
    CHECK_CLOSE(c, sqrt(0.53), 1e-13);
    /* uniform weights vs explicit equal weights */
    double ones[N];
    for (int i = 0; i < N; i++)
        ones[i] = 2.5;
    wass_cloud PU = {N, D, X, NULL}, PO = {N, D, X, ones};
    double c1, c2;
    CHECK(wass_bound_centroid(&PU, &QY, &g, &c1, &err) == WASS_OK);
    CHECK(wass_bound_centroid(&PO, &QY, &g, &c2, &err) == WASS_OK);
    CHECK_CLOSE(c1, c2, 1e-14);
}

static void bad_input(void) {
    double x[4] = {0, 1, 2, 3};
    wass_cloud P = {2, 2, x, NULL}, Q = {4, 1, x, NULL};
    wass_ground g = wass_ground_make(WASS_EUCLIDEAN, 1);
    double out;
    wass_error_info err;
    CHECK(wass_bound_centroid(&P, &Q, &g, &out, &err) == WASS_ERR_SIZE);
    CHECK_MSG(strstr(err.message, "dimensions differ") != NULL, "%s", err.message);
    g.p = 0.5;
    CHECK(wass_bound_centroid(&P, &P, &g, &out, &err) == WASS_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(err.message, "p >= 1") != NULL, "%s", err.message);
    g = wass_ground_make(WASS_SQEUCLIDEAN, 0.5);
    CHECK(wass_bound_centroid(&P, &P, &g, &out, &err) == WASS_OK && out == 0);
    g.p = 0.4;
    CHECK(wass_bound_centroid(&P, &P, &g, &out, &err) == WASS_ERR_UNSUPPORTED);
    g = wass_ground_make(WASS_EUCLIDEAN, 1);
    double w[2] = {1, -1};
    P.w = w;
    CHECK(wass_bound_centroid(&P, &P, &g, &out, &err) == WASS_ERR_NEGATIVE);
    P.w = NULL;
    x[1] = NAN;
    CHECK(wass_bound_centroid(&P, &P, &g, &out, &err) == WASS_ERR_NAN);
    CHECK_MSG(strstr(err.message, "points of P[1]") != NULL, "%s", err.message);
    x[1] = 1;
    double C[4] = {1, 2, NAN, 4};
    wass_problem pb = {2, 2, NULL, NULL, wass_cost_dense(C, 2, 1)};
    CHECK(wass_bound_relaxed(&pb, 0, &out, &err) == WASS_ERR_NAN);
    CHECK_MSG(strstr(err.message, "cost(1, 0) is NaN") != NULL, "%s", err.message);
    C[2] = INFINITY;
    CHECK(wass_bound_relaxed(&pb, 0, &out, &err) == WASS_ERR_NAN);
    C[2] = 3;
    double a[2] = {0, 0};
    pb.a = a;
    CHECK(wass_bound_relaxed(&pb, 0, &out, &err) == WASS_ERR_ZERO_MASS);
    pb.a = NULL;
    pb.n = 0;
    CHECK(wass_bound_relaxed(&pb, 0, &out, &err) == WASS_ERR_SIZE);
    pb.n = 2;
    CHECK(wass_bound_relaxed(&pb, 0, &out, &err) == WASS_OK);
    CHECK_CLOSE(out, 2.0, 1e-15); /* rows: (1 + 3)/2, columns: (1 + 2)/2 */
    CHECK(wass_bound_relaxed(NULL, 0, &out, &err) == WASS_ERR_INVALID);
}

int main(void) {
    references();
    closed_forms();
    bad_input();
    return test_main_end("test_bounds");
}
