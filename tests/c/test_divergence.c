/*
 * test_divergence.c - TV, KL and JS against values worked out by hand,
 * infinite KL with its index, bits versus nats, symmetry, normalization and
 * bad input.
 */
#include "test_util.h"
#include "wass.h"

static double div(const double *p, const double *q, size_t n, wass_divergence_kind k,
                  unsigned flags) {
    double v = -1;
    size_t at = 123;
    wass_error_info e;
    int rc = wass_divergence(p, q, n, k, flags, &v, &at, &e);
    CHECK_MSG(rc == WASS_OK, "%s", e.message);
    if (isfinite(v)) CHECK(at == (size_t)-1);
    return v;
}

static void test_closed_forms(void) {
    const double p[3] = {0.1, 0.2, 0.7}, q[3] = {0.3, 0.3, 0.4};
    /* the same histograms, not normalized: results must not change */
    const double p2[3] = {1, 2, 7}, q2[3] = {0.6, 0.6, 0.8};
    CHECK_CLOSE(div(p, q, 3, WASS_DIV_TV, 0), 0.3, 1e-15);
    CHECK_CLOSE(div(p2, q2, 3, WASS_DIV_TV, 0), 0.3, 1e-15);
    double kl = 0.1 * log(1.0 / 3) + 0.2 * log(2.0 / 3) + 0.7 * log(7.0 / 4);
    CHECK_CLOSE(div(p, q, 3, WASS_DIV_KL, 0), kl, 1e-14);
    CHECK_CLOSE(div(p2, q2, 3, WASS_DIV_KL, 0), kl, 1e-14);
    CHECK_CLOSE(div(p, q, 3, WASS_DIV_KL, WASS_DIV_BITS), kl / log(2.0), 1e-14);
    /* KL(P||Q) = 1/2 ln 2 + 1/2 ln(2/3) for P = (1/2, 1/2), Q = (1/4, 3/4) */
    const double a[2] = {0.5, 0.5}, b[2] = {0.25, 0.75};
    CHECK_CLOSE(div(a, b, 2, WASS_DIV_KL, 0), 0.5 * log(2.0) + 0.5 * log(2.0 / 3), 1e-15);
    /* JS of P = (1, 0), Q = (1/2, 1/2): M = (3/4, 1/4) */
    const double c[2] = {1, 0}, h[2] = {0.5, 0.5};
    double js = 0.5 * (log(4.0 / 3) + 0.5 * log(2.0 / 3) + 0.5 * log(2.0));
    CHECK_CLOSE(div(c, h, 2, WASS_DIV_JS, 0), js, 1e-15);
    CHECK_CLOSE(div(c, h, 2, WASS_DIV_JS, WASS_DIV_BITS), js / log(2.0), 1e-15);
    /* TV ignores the flag */
    CHECK_CLOSE(div(c, h, 2, WASS_DIV_TV, WASS_DIV_BITS), 0.5, 1e-15);
    /* identical histograms: all zero */
    for (int k = 0; k < 3; k++)
        CHECK(div(p, p2, 3, (wass_divergence_kind)k, 0) == 0.0);
    /* disjoint supports: TV = 1, JS = ln 2 = 1 bit, KL infinite */
    const double d1[4] = {0.5, 0.5, 0, 0}, d2[4] = {0, 0, 0.25, 0.75};
    CHECK_CLOSE(div(d1, d2, 4, WASS_DIV_TV, 0), 1.0, 1e-15);
    CHECK_CLOSE(div(d1, d2, 4, WASS_DIV_JS, 0), log(2.0), 1e-15);
    CHECK_CLOSE(div(d1, d2, 4, WASS_DIV_JS, WASS_DIV_BITS), 1.0, 1e-15);
}

static void test_symmetry(void) {
    uint64_t s = 7;
    double p[50], q[50];
    for (int i = 0; i < 50; i++) {
        p[i] = test_rand_unif(&s);
        q[i] = test_rand_unif(&s) * 3;
    }
    p[3] = 0;
    q[9] = 0;
    CHECK_CLOSE(div(p, q, 50, WASS_DIV_TV, 0), div(q, p, 50, WASS_DIV_TV, 0), 1e-15);
    CHECK_CLOSE(div(p, q, 50, WASS_DIV_JS, 0), div(q, p, 50, WASS_DIV_JS, 0), 1e-15);
    double js = div(p, q, 50, WASS_DIV_JS, 0);
    CHECK(js > 0 && js < log(2.0));
    /* KL is not symmetric */
    q[9] = 0.5;
    double f = div(p, q, 50, WASS_DIV_KL, 0), g = div(q, p, 50, WASS_DIV_KL, 0);
    CHECK(isinf(g) && isfinite(f) && f > 0);
}

static void test_infinite(void) {
    const double p[5] = {0.2, 0, 0.3, 0.5, 0}, q[5] = {0.4, 0.6, 0, 0, 0};
    double v = 0;
    size_t at = 0;
    wass_error_info e;
    CHECK(wass_divergence(p, q, 5, WASS_DIV_KL, 0, &v, &at, &e) == WASS_OK);
    CHECK(isinf(v) && v > 0);
    CHECK(at == 2); /* the first bin with p > 0 and q = 0 */
    /* q's mass where p is zero does not make KL(P||Q) infinite */
    const double s2[3] = {0.5, 0.5, 0}, t2[3] = {0.25, 0.25, 0.5};
    CHECK_CLOSE(div(s2, t2, 3, WASS_DIV_KL, 0), log(2.0), 1e-15);
    CHECK(wass_divergence(p, q, 5, WASS_DIV_KL, 0, &v, NULL, &e) == WASS_OK && isinf(v));
    /* p[1] = 0 is skipped (0 log 0 = 0) */
    const double r[3] = {0, 0.5, 0.5}, t[3] = {0.2, 0.4, 0.4};
    CHECK_CLOSE(div(r, t, 3, WASS_DIV_KL, 0), log(0.5 / 0.4), 1e-15);
}

static void bad(const double *p, const double *q, size_t n, int kind, unsigned flags, int code,
                const char *want) {
    double v = 0;
    wass_error_info e;
    int rc = wass_divergence(p, q, n, (wass_divergence_kind)kind, flags, &v, NULL, &e);
    CHECK_MSG(rc == code, "rc %d, want %d (%s)", rc, code, e.message);
    CHECK_MSG(strstr(e.message, want) != NULL, "message '%s' lacks '%s'", e.message, want);
}

static void test_bad_input(void) {
    const double p[3] = {0.2, 0.3, 0.5}, q[3] = {0.1, 0.1, 0.8};
    const double nanv[3] = {0.2, NAN, 0.5}, neg[3] = {0.2, -0.1, 0.5}, zero[3] = {0, 0, 0};
    const double infv[3] = {0.2, INFINITY, 0.5};
    bad(p, nanv, 3, WASS_DIV_TV, 0, WASS_ERR_NAN, "q[1] is NaN");
    bad(infv, q, 3, WASS_DIV_KL, 0, WASS_ERR_NAN, "p[1] is infinite");
    bad(neg, q, 3, WASS_DIV_JS, 0, WASS_ERR_NEGATIVE, "p[1]");
    bad(p, zero, 3, WASS_DIV_KL, 0, WASS_ERR_ZERO_MASS, "q sum to zero");
    bad(p, q, 0, WASS_DIV_TV, 0, WASS_ERR_SIZE, "empty");
    bad(NULL, q, 3, WASS_DIV_TV, 0, WASS_ERR_INVALID, "NULL");
    bad(p, q, 3, 7, 0, WASS_ERR_INVALID, "unknown divergence kind");
    bad(p, q, 3, WASS_DIV_TV, 4u, WASS_ERR_INVALID, "unknown flags");
    wass_error_info e;
    CHECK(wass_divergence(p, q, 3, WASS_DIV_TV, 0, NULL, NULL, &e) == WASS_ERR_INVALID);

    wass_divergence_kind k;
    CHECK(wass_divergence_parse("tv", &k) == WASS_OK && k == WASS_DIV_TV);
    CHECK(wass_divergence_parse("KL", &k) == WASS_OK && k == WASS_DIV_KL);
    CHECK(wass_divergence_parse("jensen-shannon", &k) == WASS_OK && k == WASS_DIV_JS);
    CHECK(wass_divergence_parse("hellinger", &k) == WASS_ERR_INVALID);
    CHECK(wass_divergence_parse(NULL, &k) == WASS_ERR_INVALID);
}

int main(void) {
    test_closed_forms();
    test_symmetry();
    test_infinite();
    test_bad_input();
    return test_main_end("test_divergence");
}
