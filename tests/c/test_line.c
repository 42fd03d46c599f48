/*
 * test_line.c - 1-D W_p: closed forms, references from scipy / POT
 * (tests/reference/line_ref.txt, made by line_gen.py), a large input through
 * the multi-threaded radix sort against a qsort-based merge, the batch call,
 * thread-count independence, and bad input.
 */
#include "test_util.h"
#include "wass.h"

#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static double line(const double *u, const double *uw, size_t n, const double *v, const double *vw,
                   size_t m, double p) {
    double out = -1;
    wass_error_info err;
    int rc = wass_line(u, uw, n, v, vw, m, p, &out, &err);
    CHECK_MSG(rc == WASS_OK, "wass_line failed: %s", err.message);
    return out;
}

#define CHECK_REL(got, want, tol)                                                                  \
    do {                                                                                           \
        double g2_ = (got), w2_ = (want);                                                          \
        CHECK_MSG(fabs(g2_ - w2_) <= (tol)*fabs(w2_) + 1e-300, "got %.17g want %.17g", g2_, w2_);  \
    } while (0)

static void closed_forms(void) {
    double a[] = {0.0}, b[] = {3.5};
    CHECK_REL(line(a, NULL, 1, b, NULL, 1, 1), 3.5, 1e-15);
    CHECK_REL(line(a, NULL, 1, b, NULL, 1, 2.7), 3.5, 1e-15);
    CHECK_REL(line(a, NULL, 1, b, NULL, 1, INFINITY), 3.5, 0);
    /* {0, 1} vs {0}: W_p^p = 1/2 */
    double u2[] = {1.0, 0.0}, z[] = {0.0}, h[] = {0.5};
    for (double p = 1; p <= 4; p += 0.5)
        CHECK_REL(line(u2, NULL, 2, z, NULL, 1, p), pow(0.5, 1 / p), 1e-15);
    CHECK_REL(line(u2, NULL, 2, z, NULL, 1, INFINITY), 1.0, 0);
    CHECK_REL(line(u2, NULL, 2, h, NULL, 1, 3), 0.5, 1e-15);
    /* weights {0.75 at 1, 0.25 at 0} vs 0 */
    double w2[] = {3.0, 1.0};
    CHECK_REL(line(u2, w2, 2, z, NULL, 1, 1), 0.75, 1e-15);
    CHECK_REL(line(u2, w2, 2, z, NULL, 1, 2), sqrt(0.75), 1e-15);
    /* shift by c: W_p = |c| for any weights and p */
    uint64_t s = 7;
    enum { N = 333 };
    double x[N], y[N], w[N];
    for (int i = 0; i < N; i++) {
        x[i] = test_rand_unif(&s) * 10 - 5;
        w[i] = test_rand_unif(&s);
        y[i] = x[i] - 1.25;
    }
    for (double p = 1; p <= 3; p += 0.5) {
        CHECK_REL(line(x, w, N, y, w, N, p), 1.25, 1e-12);
        CHECK_REL(line(x, NULL, N, y, NULL, N, p), 1.25, 1e-12);
    }
    CHECK_REL(line(x, w, N, y, w, N, INFINITY), 1.25, 1e-12);
    /* uniform grids: i/n vs (i + 1/2)/n: every quantile gap is 1/(2n) */
    for (int i = 0; i < N; i++) {
        x[i] = (double)i / N;
        y[N - 1 - i] = (i + 0.5) / N; /* reversed: input order must not matter */
    }
    CHECK_REL(line(x, NULL, N, y, NULL, N, 2), 0.5 / N, 1e-12);
    /* n vs 2n grid: u = {0..n-1}, v = {0, 0, 1, 1, ...}/2 as values
     * {k/2 : k} both uniform: pieces of length 1/(2n) with gaps 0 or 1/2 */
    enum { M = 50 };
    double g1[M], g2[2 * M];
    for (int i = 0; i < M; i++)
        g1[i] = i;
    for (int i = 0; i < 2 * M; i++)
        g2[i] = i / 2.0;
    /* quantile of g1 on [i/M, (i+1)/M) is i; of g2 on halves: i/2 + {i, i + 1/2}
     * -> gaps |i - (2i)/2| = 0 and |i - (2i+1)/2| = 1/2, each on half the mass */
    CHECK_REL(line(g1, NULL, M, g2, NULL, 2 * M, 1), 0.25, 1e-14);
    CHECK_REL(line(g1, NULL, M, g2, NULL, 2 * M, 2), sqrt(0.125), 1e-14);
    /* zero-weight points do not count, however far */
    double u3[] = {0.0, 1.0, 1e6}, w3[] = {1.0, 1.0, 0.0};
    CHECK_REL(line(u3, w3, 3, z, NULL, 1, 1), 0.5, 1e-15);
    /* symmetry and identity */
    CHECK_REL(line(x, w, N, y, NULL, N, 1.5), line(y, NULL, N, x, w, N, 1.5), 1e-13);
    CHECK(line(x, w, N, x, w, N, 2) == 0.0);
}

static double *read_nums(FILE *f, size_t n) {
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        if (fscanf(f, "%lf", &x[i]) != 1) {
            free(x);
            return NULL;
        }
    return x;
}

static void references(void) {
    FILE *f = fopen(WASS_SOURCE_DIR "/tests/reference/line_ref.txt", "r");
    CHECK_MSG(f != NULL, "cannot open line_ref.txt");
    if (!f) return;
    char buf[256];
    if (!fgets(buf, sizeof buf, f)) buf[0] = 0; /* comment line */
    int cases = 0;
    size_t n, m;
    double p, want;
    int hu, hv;
    double worst = 0;
    while (fscanf(f, " case %zu %zu %lf %d %d %lf", &n, &m, &p, &hu, &hv, &want) == 6) {
        double *u = read_nums(f, n), *uw = hu ? read_nums(f, n) : NULL;
        double *v = read_nums(f, m), *vw = hv ? read_nums(f, m) : NULL;
        CHECK(u && v && (!hu || uw) && (!hv || vw));
        if (u && v) {
            double got = line(u, uw, n, v, vw, m, p);
            double rel = fabs(got - want) / fabs(want);
            if (want != 0 && rel > worst) worst = rel;
            CHECK_MSG(fabs(got - want) <= 1e-12 * fabs(want),
                      "case %d (n=%zu m=%zu p=%g): got %.17g want %.17g", cases, n, m, p, got,
                      want);
        }
        free(u);
        free(uw);
        free(v);
        free(vw);
        cases++;
    }
    fclose(f);
    CHECK_MSG(cases >= 100, "read only %d reference cases", cases);
    printf("line references: %d cases, worst relative error %.3g\n", cases, worst);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* qsort + merge on cumulative weights in long double: an independent check. */
static double naive_pp(double *u, size_t n, double *v, size_t m, double p) {
    qsort(u, n, sizeof *u, cmp_double);
    qsort(v, m, sizeof *v, cmp_double);
    size_t i = 0, j = 0;
    long double prev = 0, acc = 0;
    while (i < n && j < m) {
        long double fu = (long double)(i + 1) / n, fv = (long double)(j + 1) / m;
        long double t = fu < fv ? fu : fv;
        acc += (t - prev) * powl(fabsl((long double)u[i] - v[j]), p);
        prev = t;
        if (fu <= t) i++;
        if (fv <= t) j++;
    }
    return (double)acc;
}

static void large(void) {
    size_t n = 300000, m = 250001;
    double *u = malloc(n * sizeof *u), *v = malloc(m * sizeof *v);
    double *u2 = malloc(n * sizeof *u), *v2 = malloc(m * sizeof *v);
    uint64_t s = 99;
    for (size_t i = 0; i < n; i++)
        u[i] = u2[i] = (test_rand_unif(&s) - 0.5) * 1e4;
    for (size_t i = 0; i < m; i++)
        v[i] = v2[i] = (test_rand_unif(&s) - 0.3) * 1e3 * (i % 3 ? 1 : -1);
    double got1 = line(u, NULL, n, v, NULL, m, 1);
    double got2 = line(u, NULL, n, v, NULL, m, 2);
#ifdef _OPENMP
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    double one = line(u, NULL, n, v, NULL, m, 2);
    omp_set_num_threads(3);
    double three = line(u, NULL, n, v, NULL, m, 2);
    omp_set_num_threads(saved);
    CHECK(one == got2 && three == got2);
#endif
    /* the weighted path (record sort): unit weights give the uniform value,
     * random weights the same bits for any thread count */
    double *uw = malloc(n * sizeof *uw), *vw = malloc(m * sizeof *vw);
    for (size_t i = 0; i < n; i++)
        uw[i] = 1.0;
    for (size_t i = 0; i < m; i++)
        vw[i] = 1.0;
    CHECK_REL(line(u, uw, n, v, vw, m, 2), got2, 1e-12);
    CHECK_REL(line(u, uw, n, v, NULL, m, 1), got1, 1e-12);
    for (size_t i = 0; i < n; i++)
        uw[i] = test_rand_unif(&s);
    for (size_t i = 0; i < m; i++)
        vw[i] = test_rand_unif(&s) * 3.0;
    double gw = line(u, uw, n, v, vw, m, 1);
#ifdef _OPENMP
    omp_set_num_threads(1);
    double gw1 = line(u, uw, n, v, vw, m, 1);
    double mixed1 = line(u, NULL, n, v, vw, m, 1), mixed1b = line(u, uw, n, v, NULL, m, 2);
    omp_set_num_threads(3);
    double gw3 = line(u, uw, n, v, vw, m, 1);
    double mixed3 = line(u, NULL, n, v, vw, m, 1), mixed3b = line(u, uw, n, v, NULL, m, 2);
    /* two threads: the two sides are sorted at once, one per thread */
    omp_set_num_threads(2);
    double gw2 = line(u, uw, n, v, vw, m, 1);
    double mixed2 = line(u, NULL, n, v, vw, m, 1), mixed2b = line(u, uw, n, v, NULL, m, 2);
    omp_set_num_threads(saved);
    CHECK(gw1 == gw && gw3 == gw && gw2 == gw);
    CHECK(mixed1 == mixed2 && mixed1 == mixed3 && mixed1b == mixed2b && mixed1b == mixed3b);
    CHECK(mixed1 > 0 && mixed1b > 0);
#endif
    CHECK(gw > 0);
    free(uw);
    free(vw);
    CHECK_REL(got1, naive_pp(u2, n, v2, m, 1), 1e-12);
    CHECK_REL(got2, sqrt(naive_pp(u2, n, v2, m, 2)), 1e-12);
    free(u);
    free(v);
    free(u2);
    free(v2);
}

static void batch(void) {
    enum { K = 9, N = 40, M = 23 };
    double u[K * N], uw[K * N], v[K * M], out[K], out1[K];
    uint64_t s = 5;
    for (int i = 0; i < K * N; i++) {
        u[i] = test_rand_unif(&s);
        uw[i] = test_rand_unif(&s);
    }
    for (int i = 0; i < K * M; i++)
        v[i] = 2 * test_rand_unif(&s);
    wass_error_info err;
    CHECK(wass_line_batch(u, uw, N, v, NULL, M, K, 1.5, 0, out, &err) == WASS_OK);
    CHECK(wass_line_batch(u, uw, N, v, NULL, M, K, 1.5, 1, out1, &err) == WASS_OK);
    for (int t = 0; t < K; t++) {
        CHECK(out[t] == out1[t]);
        CHECK(out[t] == line(u + t * N, uw + t * N, N, v + t * M, NULL, M, 1.5));
    }
    uw[3 * N + 5] = -1;
    CHECK(wass_line_batch(u, uw, N, v, NULL, M, K, 1.5, 0, out, &err) == WASS_ERR_NEGATIVE);
    CHECK_MSG(strstr(err.message, "problem 3") != NULL, "%s", err.message);
    CHECK(wass_line_batch(u, uw, N, v, NULL, M, 0, 1.5, 0, out, &err) == WASS_ERR_SIZE);
}

static void bad_input(void) {
    double u[] = {0, 1, 2}, w[] = {1, 1, 1}, out = 0;
    wass_error_info err;
    u[1] = NAN;
    CHECK(wass_line(u, NULL, 3, u, NULL, 3, 1, &out, &err) == WASS_ERR_NAN);
    CHECK_MSG(strstr(err.message, "u[1] is NaN") != NULL, "%s", err.message);
    u[1] = INFINITY;
    CHECK(wass_line(w, NULL, 3, u, NULL, 3, 1, &out, &err) == WASS_ERR_NAN);
    CHECK_MSG(strstr(err.message, "v[1]") != NULL, "%s", err.message);
    u[1] = 1;
    w[2] = -0.5;
    CHECK(wass_line(u, w, 3, u, NULL, 3, 1, &out, &err) == WASS_ERR_NEGATIVE);
    CHECK_MSG(strstr(err.message, "u_weights[2]") != NULL, "%s", err.message);
    w[0] = w[1] = w[2] = 0;
    CHECK(wass_line(u, NULL, 3, u, w, 3, 1, &out, &err) == WASS_ERR_ZERO_MASS);
    CHECK_MSG(strstr(err.message, "v_weights") != NULL, "%s", err.message);
    w[1] = NAN;
    CHECK(wass_line(u, w, 3, u, NULL, 3, 1, &out, &err) == WASS_ERR_NAN);
    CHECK(wass_line(u, NULL, 3, u, NULL, 3, 0.5, &out, &err) == WASS_ERR_INVALID);
    CHECK_MSG(strstr(err.message, "p = 0.5") != NULL, "%s", err.message);
    CHECK(wass_line(u, NULL, 3, u, NULL, 3, NAN, &out, &err) == WASS_ERR_INVALID);
    CHECK(wass_line(u, NULL, 0, u, NULL, 3, 1, &out, &err) == WASS_ERR_SIZE);
    CHECK(wass_line(NULL, NULL, 3, u, NULL, 3, 1, &out, &err) == WASS_ERR_INVALID);
    CHECK(wass_line(u, NULL, 3, u, NULL, 3, 1, NULL, &err) == WASS_ERR_INVALID);
    CHECK(wass_line(u, NULL, 3, u, NULL, 3, 1, &out, NULL) == WASS_OK && out == 0);
}

/* D8: sums of gap^p that over- or underflow are evaluated scaled; a
 * distance that itself overflows is an error, never NaN or a silent 0. */
static void extreme_scales(void) {
    wass_error_info err;
    double out = -1;
    const double u1[2] = {-1e308, 1e308}, v1[1] = {0};
    CHECK(wass_line(u1, NULL, 2, v1, NULL, 1, 1.0, &out, &err) == WASS_OK);
    CHECK_MSG(out == 1e308, "W1 = %.17g, want 1e308", out);
    CHECK(wass_line(u1, NULL, 2, v1, NULL, 1, 2.0, &out, &err) == WASS_OK);
    CHECK_MSG(fabs(out - 1e308) <= 1e292, "W2 = %.17g, want 1e308", out);
    const double u2[2] = {-1e-310, 1e-310};
    CHECK(wass_line(u2, NULL, 2, v1, NULL, 1, 1.0, &out, &err) == WASS_OK);
    CHECK_MSG(out == 1e-310, "W1 = %.17g, want 1e-310 (subnormal)", out);
    const double u3[1] = {1e-200}, u4[1] = {3e200};
    CHECK(wass_line(u3, NULL, 1, v1, NULL, 1, 2.0, &out, &err) == WASS_OK);
    CHECK_MSG(fabs(out - 1e-200) <= 1e-215, "W2 = %.17g, want 1e-200", out);
    CHECK(wass_line(u4, NULL, 1, v1, NULL, 1, 3.0, &out, &err) == WASS_OK);
    CHECK_MSG(fabs(out - 3e200) <= 3e185, "W3 = %.17g, want 3e200", out);
    /* p = 1100: (1/2 1^p + 1/2 1.999^p)^(1/p), 1^p fine but 1.999^p overflows */
    const double u5[2] = {1, 2}, v5[2] = {0, 1e-3};
    CHECK(wass_line(u5, NULL, 2, v5, NULL, 2, 1100.0, &out, &err) == WASS_OK);
    double want = 1.999 * pow(0.5, 1.0 / 1100);
    CHECK_MSG(fabs(out - want) <= 1e-12 * want, "W_1100 = %.17g, want %.17g", out, want);
    /* weighted: the same through the weighted merge */
    const double w2[2] = {0.25, 0.75};
    CHECK(wass_line(u1, w2, 2, v1, NULL, 1, 1.0, &out, &err) == WASS_OK);
    CHECK_MSG(out == 1e308, "weighted W1 = %.17g", out);
    const double u6[1] = {-1.7e308}, v6[1] = {1.7e308};
    CHECK(wass_line(u6, NULL, 1, v6, NULL, 1, 1.0, &out, &err) == WASS_ERR_NAN);
    CHECK_MSG(strstr(err.message, "overflows") != NULL, "%s", err.message);
    double outs[2] = {-1, -1};
    const double ub[2] = {1e308, 1e-310}, vb[2] = {-1e308, 0};
    CHECK(wass_line_batch(ub, NULL, 1, vb, NULL, 1, 2, 1.0, 1, outs, &err) == WASS_ERR_NAN);
    CHECK_MSG(strstr(err.message, "of problem 0 overflows") != NULL, "%s", err.message);
    const double vc[2] = {0, 0};
    CHECK(wass_line_batch(ub, NULL, 1, vc, NULL, 1, 2, 2.0, 1, outs, &err) == WASS_OK);
    CHECK(outs[0] == 1e308 && outs[1] == 1e-310);
}

int main(void) {
    closed_forms();
    references();
    large();
    batch();
    bad_input();
    extreme_scales();
    return test_main_end("test_line");
}
