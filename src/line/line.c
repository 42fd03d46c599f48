/*
 * line.c - exact Wasserstein distance W_p between two weighted samples on the
 * real line, through their quantile functions:
 *     W_p^p = integral over t in [0, 1] of |F^-1(t) - G^-1(t)|^p dt,
 * where F^-1, G^-1 are step functions. Both samples are sorted (radix sort on
 * the IEEE bits, carrying the weights), then one merge of the two cumulative
 * distributions visits the n + m - 1 pieces on which both quantile functions
 * are constant. Uniform weights use integer breakpoints (i/n, j/m compared
 * exactly); weighted samples use compensated cumulative sums. p = +inf gives
 * W_inf (largest gap between the quantile functions).
 */
#include "common/internal.h"
#include "common/parallel.h"
#include "line/line_internal.h"
#include "line/radix_sort.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wass__line_work_init(wass__line_work *w, size_t n, size_t m, int weighted) {
    memset(w, 0, sizeof *w);
    size_t big = n > m ? n : m;
    w->cap_n = n;
    w->cap_m = m;
    int ok;
    if (weighted) {
        w->ru = wass__big_alloc(n * sizeof *w->ru);
        w->rv = wass__big_alloc(m * sizeof *w->rv);
        w->rtmp = wass__big_alloc(big * sizeof *w->rtmp);
        ok = w->ru && w->rv && w->rtmp;
        w->ku = (uint64_t *)(void *)w->ru;
        w->kv = (uint64_t *)(void *)w->rv;
        w->ktmp = (uint64_t *)(void *)w->rtmp;
    } else {
        w->ku = wass__big_alloc(n * sizeof *w->ku);
        w->kv = wass__big_alloc(m * sizeof *w->kv);
        w->ktmp = wass__big_alloc(big * sizeof *w->ktmp);
        ok = w->ku && w->kv && w->ktmp;
    }
    if (!ok) {
        wass__line_work_free(w);
        return 1;
    }
    return 0;
}

int wass__line_work_split(wass__line_work *w, int weighted) {
    w->vtmp = wass__big_alloc(w->cap_m * (weighted ? sizeof(wass__kv) : sizeof(uint64_t)));
    return w->vtmp == NULL;
}

wass__line_work *wass__line_works(int threads, size_t k, size_t n, size_t m, int weighted,
                                  int *nt_out) {
    int nt = wass__threads(threads);
    if ((size_t)nt > k) nt = k ? (int)k : 1;
    if ((double)k * (double)(n + m) < 4000.0) nt = 1; /* not worth waking threads */
    *nt_out = nt;
    wass__line_work *w = calloc((size_t)nt, sizeof *w);
    for (int t = 0; w && t < nt; t++)
        if (wass__line_work_init(&w[t], n, m, weighted)) {
            wass__line_works_free(w, t);
            return NULL;
        }
    return w;
}

void wass__line_works_free(wass__line_work *w, int nt) {
    for (int t = 0; w && t < nt; t++)
        wass__line_work_free(&w[t]);
    free(w);
}

void wass__line_work_free(wass__line_work *w) {
    if (!w) return;
    free(w->vtmp);
    if (w->ru || w->rv || w->rtmp) {
        free(w->ru);
        free(w->rv);
        free(w->rtmp);
    } else {
        free(w->ku);
        free(w->kv);
        free(w->ktmp);
    }
    memset(w, 0, sizeof *w);
}

static inline double gap_pow(double x, double p) {
    double g = fabs(x);
    if (p == 1.0) return g;
    if (p == 2.0) return g * g;
    return pow(g, p);
}

/* Turn sorted weights into normalized cumulative weights, monotone, last = 1. */
static void cumulate(wass__kv *r, size_t n, double total) {
    double prev = 0.0;
    wass__acc acc = {0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        wass__acc_add(&acc, r[i].val);
        double f = wass__acc_value(&acc) / total;
        if (f < prev) f = prev;
        if (f > 1.0) f = 1.0;
        r[i].val = f;
        prev = f;
    }
    r[n - 1].val = 1.0;
}

static void load_keys(const double *x, uint64_t *k, size_t n, int threads) {
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && n > 100000)
#endif
    for (size_t i = 0; i < n; i++)
        k[i] = wass__key_from_double(x[i]);
    (void)threads;
}

/* Both uniform: breakpoints (i+1)/n and (j+1)/m compared in integers. */
static double merge_uniform(const uint64_t *ku, size_t n, const uint64_t *kv, size_t m, double p,
                            double q) {
    size_t i = 0, j = 0;
    uint64_t prev = 0, nm = (uint64_t)n * (uint64_t)m;
    double inv = 1.0 / (double)nm, mx = 0.0;
    wass__acc acc = {0.0, 0.0};
    int inf = isinf(p);
    if (n == m) {
        for (i = 0; i < n; i++) {
            double g = (wass__double_from_key(ku[i]) - wass__double_from_key(kv[i])) * q;
            if (inf) {
                if (fabs(g) > mx) mx = fabs(g);
            } else
                wass__acc_add(&acc, gap_pow(g, p));
        }
        return inf ? mx : wass__acc_value(&acc) / (double)n;
    }
    while (i < n && j < m) {
        uint64_t tu = (uint64_t)(i + 1) * m, tv = (uint64_t)(j + 1) * n;
        uint64_t t = tu < tv ? tu : tv;
        double g = (wass__double_from_key(ku[i]) - wass__double_from_key(kv[j])) * q;
        if (inf) {
            if (fabs(g) > mx) mx = fabs(g);
        } else
            wass__acc_add(&acc, (double)(t - prev) * gap_pow(g, p));
        prev = t;
        if (tu == t) i++;
        if (tv == t) j++;
    }
    (void)nm;
    return inf ? mx : wass__acc_value(&acc) * inv;
}

/* General case: a weighted side comes as records ru / rv (key, normalized
 * cumulative weight), a uniform one as keys ku / kv (ru / rv NULL). */
static double merge_weighted(const wass__kv *ru, const uint64_t *ku, size_t n, const wass__kv *rv,
                             const uint64_t *kv, size_t m, double p, double q) {
    size_t i = 0, j = 0;
    double prev = 0.0, mx = 0.0;
    wass__acc acc = {0.0, 0.0};
    double inv_n = 1.0 / (double)n, inv_m = 1.0 / (double)m;
    int inf = isinf(p);
    while (i < n && j < m) {
        double fu = ru ? ru[i].val : (i + 1 == n ? 1.0 : (double)(i + 1) * inv_n);
        double fv = rv ? rv[j].val : (j + 1 == m ? 1.0 : (double)(j + 1) * inv_m);
        double t = fu < fv ? fu : fv;
        double step = t - prev;
        if (step > 0) {
            double g = (wass__double_from_key(ru ? ru[i].key : ku[i]) -
                        wass__double_from_key(rv ? rv[j].key : kv[j])) *
                       q;
            if (inf) {
                if (fabs(g) > mx) mx = fabs(g);
            } else
                wass__acc_add(&acc, step * gap_pow(g, p));
        }
        prev = t;
        if (fu <= t) i++;
        if (fv <= t) j++;
    }
    return inf ? mx : wass__acc_value(&acc);
}

/* Sort one side: weighted ones as records r (then cumulated), uniform ones
 * as keys k; tmp is scratch of the same kind. */
static void sort_side(const double *x, const double *xw, double tot, size_t n, wass__kv *r,
                      uint64_t *k, void *tmp, int threads) {
    if (xw) {
        wass__radix_sort_kv(x, xw, n, r, tmp, threads);
        cumulate(r, n, tot);
    } else {
        load_keys(x, k, n, threads);
        wass__radix_sort(k, NULL, n, tmp, NULL, threads);
    }
}

/* The sum of w_k (q g_k)^p over the gaps g_k of the sorted supports. */
static double line_pp_q(const double *u, const double *uw, double utot, size_t n, const double *v,
                        const double *vw, double vtot, size_t m, double p, double q, int threads,
                        wass__line_work *w) {
    const wass__kv *ru = uw ? w->ru : NULL, *rv = vw ? w->rv : NULL;
    void *tmp = w->ktmp; /* the same memory as rtmp in weighted work */
#ifdef _OPENMP
    if (threads >= 2 && w->vtmp && n >= WASS__LINE_SPLIT_MIN && m >= WASS__LINE_SPLIT_MIN) {
        /* Two independent sorts, one per thread: no barrier inside a sort,
         * so a thread that loses its core delays only its own side. */
        int tu = threads / 2, tv = threads - tu;
#pragma omp parallel sections num_threads(2)
        {
#pragma omp section
            sort_side(u, uw, utot, n, w->ru, w->ku, tmp, tu);
#pragma omp section
            sort_side(v, vw, vtot, m, w->rv, w->kv, w->vtmp, tv);
        }
    } else
#endif
    {
        sort_side(u, uw, utot, n, w->ru, w->ku, tmp, threads);
        sort_side(v, vw, vtot, m, w->rv, w->kv, tmp, threads);
    }
    if (!ru && !rv && (double)n * (double)m < 9.0e15)
        return merge_uniform(w->ku, n, w->kv, m, p, q);
    return merge_weighted(ru, w->ku, n, rv, w->kv, m, p, q);
}

double wass__line_pp(const double *u, const double *uw, double utot, size_t n, const double *v,
                     const double *vw, double vtot, size_t m, double p, int threads,
                     wass__line_work *w) {
    return line_pp_q(u, uw, utot, n, v, vw, vtot, m, p, 1.0, threads, w);
}

static double root_p(double pp, double p);

/* W_p when sum w_k g_k^p over- or underflows (or a gap x - y overflows):
 * the supports scaled by a power of two 2^-e into (-1, 1) (exact), the
 * largest gap M found, and W_p = 2^e M (sum w_k (g_k / M)^p)^(1/p), whose sum lies
 * in (0, 1]. NaN when out of memory; +inf when W_p itself overflows. */
static double line_scaled(const double *u, const double *uw, double utot, size_t n, const double *v,
                          const double *vw, double vtot, size_t m, double p, int threads,
                          wass__line_work *w) {
    double amax = 0.0;
    for (size_t i = 0; i < n; i++)
        amax = fmax(amax, fabs(u[i]));
    for (size_t j = 0; j < m; j++)
        amax = fmax(amax, fabs(v[j]));
    if (amax == 0.0) return 0.0;
    int e;
    frexp(amax, &e); /* |x 2^-e| < 1; ldexp: 2^-e itself may not be a double */
    double *us = malloc((n + m) * sizeof *us);
    if (!us) return NAN;
    double *vs = us + n;
    for (size_t i = 0; i < n; i++)
        us[i] = ldexp(u[i], -e);
    for (size_t j = 0; j < m; j++)
        vs[j] = ldexp(v[j], -e);
    double M = line_pp_q(us, uw, utot, n, vs, vw, vtot, m, INFINITY, 1.0, threads, w), r = M;
    if (M > 0 && !isinf(p)) {
        double s = line_pp_q(us, uw, utot, n, vs, vw, vtot, m, p, 1.0 / M, threads, w);
        r = M * root_p(s, p);
    }
    free(us);
    return ldexp(r, e);
}

/* W_p: the plain sum when it is a normal number, else the scaled one. */
static double line_wp(const double *u, const double *uw, double utot, size_t n, const double *v,
                      const double *vw, double vtot, size_t m, double p, int threads,
                      wass__line_work *w) {
    double pp = line_pp_q(u, uw, utot, n, v, vw, vtot, m, p, 1.0, threads, w);
    if (pp >= 0x1p-900 && pp <= DBL_MAX) return root_p(pp, p);
    return line_scaled(u, uw, utot, n, v, vw, vtot, m, p, threads, w);
}

/* The result of line_wp as an error when it is not a finite number. */
static int wp_check(double r, wass_error_info *err, const char *what) {
    if (isnan(r))
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory (scaled evaluation%s)", what);
    if (isinf(r))
        return wass__fail(err, WASS_ERR_NAN,
                          "the distance%s overflows double precision (it exceeds %.3g)", what,
                          DBL_MAX);
    return WASS_OK;
}

static int check_p(double p, wass_error_info *err) {
    if (isnan(p) || !(p >= 1.0))
        return wass__fail(err, WASS_ERR_INVALID, "p = %g must be >= 1 (or +inf)", p);
    return WASS_OK;
}

static int check_side(const double *x, const double *w, size_t n, const char *name,
                      const char *wname, double *tot, wass_error_info *err) {
    int rc;
    if (!x) return wass__fail(err, WASS_ERR_INVALID, "%s is NULL", name);
    if (n == 0) return wass__fail(err, WASS_ERR_SIZE, "%s is empty", name);
    if ((rc = wass__check_finite(x, n, name, err))) return rc;
    if ((rc = wass__check_weights(w, n, wname, tot, err))) return rc;
    return WASS_OK;
}

static double root_p(double pp, double p) {
    if (isinf(p) || p == 1.0) return pp;
    if (p == 2.0) return sqrt(pp);
    return pow(pp, 1.0 / p);
}

int wass_line(const double *u, const double *uw, size_t n, const double *v, const double *vw,
              size_t m, double p, double *out, wass_error_info *err) {
    wass__clear(err);
    int rc;
    double ut, vt;
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "output pointer is NULL");
    if ((rc = check_p(p, err))) return rc;
    if ((rc = check_side(u, uw, n, "u", "u_weights", &ut, err))) return rc;
    if ((rc = check_side(v, vw, m, "v", "v_weights", &vt, err))) return rc;
    wass__line_work w;
    if (wass__line_work_init(&w, n, m, uw || vw))
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory for %zu + %zu samples", n, m);
    int threads = wass__threads(0);
    if (threads >= 2 && n >= WASS__LINE_SPLIT_MIN && m >= WASS__LINE_SPLIT_MIN)
        (void)wass__line_work_split(&w, uw || vw); /* no memory: the sides in turn */
    double r = line_wp(u, uw, ut, n, v, vw, vt, m, p, threads, &w);
    wass__line_work_free(&w);
    if ((rc = wp_check(r, err, ""))) return rc;
    *out = r;
    return WASS_OK;
}

int wass_line_batch(const double *u, const double *uw, size_t n, const double *v, const double *vw,
                    size_t m, size_t k, double p, int threads, double *out, wass_error_info *err) {
    wass__clear(err);
    int rc;
    size_t nk, mk;
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "output pointer is NULL");
    if (k == 0) return wass__fail(err, WASS_ERR_SIZE, "number of problems k is zero");
    if ((rc = check_p(p, err))) return rc;
    if (!wass__mul_ok(n, k, &nk) || !wass__mul_ok(m, k, &mk))
        return wass__fail(err, WASS_ERR_SIZE, "k * n or k * m overflows");
    if (!u || !v) return wass__fail(err, WASS_ERR_INVALID, "%s is NULL", u ? "v" : "u");
    if (n == 0 || m == 0)
        return wass__fail(err, WASS_ERR_SIZE, "empty samples (n = %zu, m = %zu)", n, m);
    if ((rc = wass__check_finite(u, nk, "u", err))) return rc;
    if ((rc = wass__check_finite(v, mk, "v", err))) return rc;
    double *tot = malloc(2 * k * sizeof *tot);
    if (!tot) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    for (size_t t = 0; t < k; t++) {
        char name[64];
        tot[2 * t] = tot[2 * t + 1] = 1.0;
        snprintf(name, sizeof name, "u_weights of problem %zu", t);
        if (uw && (rc = wass__check_weights(uw + t * n, n, name, &tot[2 * t], err))) break;
        snprintf(name, sizeof name, "v_weights of problem %zu", t);
        if (vw && (rc = wass__check_weights(vw + t * m, m, name, &tot[2 * t + 1], err))) break;
    }
    if (rc) {
        free(tot);
        return rc;
    }
    int nt;
    wass__line_work *w = wass__line_works(threads, k, n, m, uw || vw, &nt);
    int nomem = !w;
    if (!nomem) {
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
#endif
        for (size_t t = 0; t < k; t++)
            out[t] =
                line_wp(u + t * n, uw ? uw + t * n : NULL, tot[2 * t], n, v + t * m,
                        vw ? vw + t * m : NULL, tot[2 * t + 1], m, p, 1, &w[wass__thread_num()]);
        for (size_t t = 0; t < k && !rc; t++) {
            char what[48];
            snprintf(what, sizeof what, " of problem %zu", t);
            rc = wp_check(out[t], err, what);
        }
    }
    wass__line_works_free(w, nt);
    free(tot);
    if (nomem) return wass__fail(err, WASS_ERR_NOMEM, "out of memory for per-thread scratch");
    return rc;
}
