/*
 * wmd.c - Word Mover's Distance (Kusner et al., ICML 2015) between two bags
 * of words: the exact transport of the bags' weights with the distance
 * between word vectors as cost (solved by wass_emd), and its two lower
 * bounds, the word centroid distance (WCD) and the relaxed WMD (RWMD).
 */
#include "wmd_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void wass_wmd_options_default(wass_wmd_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
    opt->distance = WASS_WMD_EUCLIDEAN;
}

int wass_wmd_distance_parse(const char *name, wass_wmd_distance *out) {
    if (!name || !out) return WASS_ERR_INVALID;
    if (strcasecmp(name, "euclidean") == 0) *out = WASS_WMD_EUCLIDEAN;
    else if (strcasecmp(name, "cosine") == 0) *out = WASS_WMD_COSINE;
    else return WASS_ERR_INVALID;
    return WASS_OK;
}

/* Sums over the d coordinates with 8 independent accumulators (combined in a
 * fixed order): the compiler vectorizes them without reassociating anything,
 * and every caller gets bitwise the same value for the same pair. */
#define ACC8(EXPR)                                                                             \
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                                  \
    size_t k = 0;                                                                              \
    for (; k + 8 <= d; k += 8)                                                                 \
        for (int l = 0; l < 8; l++) {                                                          \
            size_t kk = k + (size_t)l;                                                         \
            acc[l] += (EXPR);                                                                  \
        }                                                                                      \
    for (; k < d; k++) {                                                                       \
        size_t kk = k;                                                                         \
        acc[0] += (EXPR);                                                                      \
    }                                                                                          \
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));

static inline double sq_diff(const float *x, const float *y, size_t d) {
    ACC8(((double)x[kk] - (double)y[kk]) * ((double)x[kk] - (double)y[kk]))
}
static inline double sq_diff_scaled(const float *x, double sa, const float *y, double sb,
                                    size_t d) {
    ACC8(((double)x[kk] * sa - (double)y[kk] * sb) * ((double)x[kk] * sa - (double)y[kk] * sb))
}
static inline double dot(const float *x, const float *y, size_t d) {
    ACC8((double)x[kk] * (double)y[kk])
}

static double inv_norm(const float *x, size_t d) {
    double s = 0;
    for (size_t k = 0; k < d; k++) s += (double)x[k] * (double)x[k];
    return s > 0 ? 1.0 / sqrt(s) : 0.0;
}

void wass__wmd_cost_words(const wass_wordvec *wv, const size_t *wa, size_t n, const size_t *wb,
                          size_t m, const wass_wmd_options *o, double *C) {
    size_t d = wv->dim;
    int unit = wass__wmd_unit(o);
    double inb_stack[256], *inb = inb_stack, *inb_heap = NULL;
    if (unit && m > 256) {
        inb_heap = malloc(m * sizeof *inb_heap);
        if (inb_heap) inb = inb_heap;
        else unit = 2; /* compute the norms inside the loop instead */
    }
    if (unit == 1)
        for (size_t j = 0; j < m; j++) inb[j] = inv_norm(wv->vec + wb[j] * d, d);
    for (size_t i = 0; i < n; i++) {
        const float *x = wv->vec + wa[i] * d;
        double sa = unit ? inv_norm(x, d) : 1.0;
        double *row = C + i * m;
        for (size_t j = 0; j < m; j++) {
            const float *y = wv->vec + wb[j] * d;
            if (wa[i] == wb[j]) {
                row[j] = 0.0;
                continue;
            }
            double sb = unit == 1 ? inb[j] : unit == 2 ? inv_norm(y, d) : 1.0;
            if (o->distance == WASS_WMD_COSINE) {
                double c = 1.0 - dot(x, y, d) * sa * sb;
                row[j] = c > 0 ? c : 0.0;
            } else if (unit) {
                row[j] = sqrt(sq_diff_scaled(x, sa, y, sb, d));
            } else {
                row[j] = sqrt(sq_diff(x, y, d));
            }
        }
    }
    free(inb_heap);
}

void wass__wmd_cost(const wass_wordvec *wv, const wass_bag *a, const wass_bag *b,
                    const wass_wmd_options *o, double *C) {
    wass__wmd_cost_words(wv, a->word, a->len, b->word, b->len, o, C);
}

double wass__wmd_relaxed(const double *C, const wass_bag *a, const wass_bag *b) {
    size_t n = a->len, m = b->len;
    double la = 0, lb = 0;
    for (size_t i = 0; i < n; i++) {
        double mn = INFINITY;
        for (size_t j = 0; j < m; j++)
            if (C[i * m + j] < mn) mn = C[i * m + j];
        la += a->weight[i] * mn;
    }
    for (size_t j = 0; j < m; j++) {
        double mn = INFINITY;
        for (size_t i = 0; i < n; i++)
            if (C[i * m + j] < mn) mn = C[i * m + j];
        lb += b->weight[j] * mn;
    }
    double ta = wass__sum(a->weight, n), tb = wass__sum(b->weight, m);
    la /= ta;
    lb /= tb;
    return la > lb ? la : lb;
}

typedef struct {
    double c;
    size_t j;
} cj;

static int cmp_cj(const void *x, const void *y) {
    double a = ((const cj *)x)->c, b = ((const cj *)y)->c;
    return a < b ? -1 : a > b;
}

/* One side of the ICT bound: every source i sends its mass to its cheapest
 * targets, at most b_j to target j (a transport plan never moves more than
 * b_j over an edge into j, so this relaxation bounds the optimum). */
static double ict_side(const double *C, size_t n, size_t m, size_t rs, size_t cs,
                       const double *wa, const double *wb, cj *buf) {
    double ta = wass__sum(wa, n), tb = wass__sum(wb, m), total = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < m; j++) {
            buf[j].c = C[i * rs + j * cs];
            buf[j].j = j;
        }
        double rem = wa[i] / ta, part = 0;
        /* the cheapest targets one by one (a source rarely needs more than a
         * few); after 8 of them, sort the rest */
        size_t r = 0;
        for (; r < m && rem > 0 && r < 8; r++) {
            size_t best = r;
            for (size_t q = r + 1; q < m; q++)
                if (buf[q].c < buf[best].c) best = q;
            cj t = buf[r];
            buf[r] = buf[best];
            buf[best] = t;
            double cap = wb[buf[r].j] / tb, f = cap < rem ? cap : rem;
            part += f * buf[r].c;
            rem -= f;
        }
        if (r < m && rem > 0) {
            qsort(buf + r, m - r, sizeof *buf, cmp_cj);
            for (; r < m && rem > 0; r++) {
                double cap = wb[buf[r].j] / tb, f = cap < rem ? cap : rem;
                part += f * buf[r].c;
                rem -= f;
            }
        }
        total += part;
    }
    return total;
}

double wass__wmd_ict(const double *C, const wass_bag *a, const wass_bag *b, void *scratch) {
    cj *buf = scratch;
    size_t n = a->len, m = b->len;
    double x = ict_side(C, n, m, m, 1, a->weight, b->weight, buf);
    double y = ict_side(C, m, n, 1, m, b->weight, a->weight, buf);
    return x > y ? x : y;
}

size_t wass__wmd_ict_scratch(size_t maxlen) { return maxlen * sizeof(cj); }

int wass__wmd_solve(const double *C, const wass_bag *a, const wass_bag *b, double *out,
                    int *status, int64_t *iterations, wass_error_info *err) {
    wass_problem pb;
    memset(&pb, 0, sizeof pb);
    pb.n = a->len;
    pb.m = b->len;
    pb.a = a->weight;
    pb.b = b->weight;
    pb.cost = wass_cost_dense(C, b->len, 1.0);
    wass_options opt;
    wass_options_default(&opt);
    opt.mass = WASS_MASS_NORMALIZE;
    opt.want_plan = 0;
    opt.want_duals = 0;
    opt.certify = 0;
    opt.threads = 1;
    wass_result res;
    memset(&res, 0, sizeof res);
    int rc = wass_emd(&pb, &opt, &res, err);
    if (rc == WASS_OK) {
        *out = res.cost;
        if (status) *status = res.status;
        if (iterations) *iterations = res.iterations;
        if (res.status != WASS_OPTIMAL)
            rc = wass__fail(err, WASS_ERR_INTERNAL, "exact WMD solve ended with status '%s'",
                            wass_status_string(res.status));
    }
    wass_result_free(&res);
    return rc;
}

void wass__wmd_centroid(const wass_wordvec *wv, const wass_bag *a, const wass_wmd_options *o,
                        double *c) {
    size_t d = wv->dim;
    int unit = wass__wmd_unit(o);
    for (size_t k = 0; k < d; k++) c[k] = 0;
    double total = wass__sum(a->weight, a->len);
    for (size_t i = 0; i < a->len; i++) {
        const float *x = wv->vec + a->word[i] * d;
        double s = a->weight[i] / total * (unit ? inv_norm(x, d) : 1.0);
        for (size_t k = 0; k < d; k++) c[k] += s * (double)x[k];
    }
}

double wass__wmd_wcd(const double *ca, const double *cb, size_t dim, const wass_wmd_options *o) {
    double s = 0;
    for (size_t k = 0; k < dim; k++) {
        double t = ca[k] - cb[k];
        s += t * t;
    }
    /* cosine on unit vectors: 1 - cos = |x - y|^2 / 2, convex in (x, y), so
     * Jensen's inequality bounds it by the centroids' value */
    return o->distance == WASS_WMD_COSINE ? 0.5 * s : sqrt(s);
}

int wass__wmd_check_bag(const wass_wordvec *wv, const wass_bag *a, const char *name,
                        wass_error_info *err) {
    if (!a) return wass__fail(err, WASS_ERR_INVALID, "bag %s is NULL", name);
    if (a->len && (!a->word || !a->weight))
        return wass__fail(err, WASS_ERR_INVALID, "bag %s has NULL arrays", name);
    for (size_t i = 0; i < a->len; i++) {
        if (a->word[i] >= wv->count)
            return wass__fail(err, WASS_ERR_SIZE, "bag %s: word index %zu >= vocabulary size %zu",
                              name, a->word[i], wv->count);
        if (!isfinite(a->weight[i]))
            return wass__fail(err, WASS_ERR_NAN, "bag %s: weight %zu is not finite", name, i);
        if (a->weight[i] < 0)
            return wass__fail(err, WASS_ERR_NEGATIVE, "bag %s: weight %zu is negative", name, i);
    }
    if (a->len && !(wass__sum(a->weight, a->len) > 0))
        return wass__fail(err, WASS_ERR_ZERO_MASS, "bag %s: weights sum to zero", name);
    return WASS_OK;
}

static int check_args(const wass_wordvec *wv, const wass_bag *a, const wass_bag *b,
                      const wass_wmd_options *o, wass_error_info *err) {
    if (!wv || !wv->vec || wv->dim == 0)
        return wass__fail(err, WASS_ERR_INVALID, "word vectors are missing");
    if (o->distance != WASS_WMD_EUCLIDEAN && o->distance != WASS_WMD_COSINE)
        return wass__fail(err, WASS_ERR_INVALID, "unknown word distance %d", (int)o->distance);
    int rc = wass__wmd_check_bag(wv, a, "a", err);
    if (!rc) rc = wass__wmd_check_bag(wv, b, "b", err);
    return rc;
}

int wass_wmd(const wass_wordvec *wv, const wass_bag *a, const wass_bag *b,
             const wass_wmd_options *opt, wass_wmd_result *res, wass_error_info *err) {
    wass__clear(err);
    if (!res) return wass__fail(err, WASS_ERR_INVALID, "result is NULL");
    memset(res, 0, sizeof *res);
    res->status = WASS_NOT_SOLVED;
    wass_wmd_options o;
    if (opt) o = *opt;
    else wass_wmd_options_default(&o);
    int rc = check_args(wv, a, b, &o, err);
    if (rc) return rc;
    double t0 = wass__now();
    if (a->len == 0 || b->len == 0) {
        res->distance = res->wcd = res->rwmd = INFINITY;
        res->empty = 1;
        res->status = WASS_OPTIMAL;
        return WASS_OK;
    }
    size_t nm;
    if (!wass__mul_ok(a->len, b->len, &nm) || nm > ((size_t)1 << 40))
        return wass__fail(err, WASS_ERR_SIZE, "bags too large (%zu x %zu words)", a->len, b->len);
    double *C = malloc(nm * sizeof *C);
    double *ca = malloc(2 * wv->dim * sizeof *ca);
    if (!C || !ca) {
        free(C);
        free(ca);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory for a %zu x %zu cost", a->len,
                          b->len);
    }
    wass__wmd_cost(wv, a, b, &o, C);
    res->rwmd = wass__wmd_relaxed(C, a, b);
    wass__wmd_centroid(wv, a, &o, ca);
    wass__wmd_centroid(wv, b, &o, ca + wv->dim);
    res->wcd = wass__wmd_wcd(ca, ca + wv->dim, wv->dim, &o);
    rc = wass__wmd_solve(C, a, b, &res->distance, &res->status, &res->iterations, err);
    free(C);
    free(ca);
    res->seconds = wass__now() - t0;
    return rc;
}

int wass_wcd(const wass_wordvec *wv, const wass_bag *a, const wass_bag *b,
             const wass_wmd_options *opt, double *out, wass_error_info *err) {
    wass__clear(err);
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "output is NULL");
    wass_wmd_options o;
    if (opt) o = *opt;
    else wass_wmd_options_default(&o);
    int rc = check_args(wv, a, b, &o, err);
    if (rc) return rc;
    if (a->len == 0 || b->len == 0) {
        *out = INFINITY;
        return WASS_OK;
    }
    double *c = malloc(2 * wv->dim * sizeof *c);
    if (!c) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    wass__wmd_centroid(wv, a, &o, c);
    wass__wmd_centroid(wv, b, &o, c + wv->dim);
    *out = wass__wmd_wcd(c, c + wv->dim, wv->dim, &o);
    free(c);
    return WASS_OK;
}

int wass_rwmd(const wass_wordvec *wv, const wass_bag *a, const wass_bag *b,
              const wass_wmd_options *opt, double *out, wass_error_info *err) {
    wass__clear(err);
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "output is NULL");
    wass_wmd_options o;
    if (opt) o = *opt;
    else wass_wmd_options_default(&o);
    int rc = check_args(wv, a, b, &o, err);
    if (rc) return rc;
    if (a->len == 0 || b->len == 0) {
        *out = INFINITY;
        return WASS_OK;
    }
    size_t nm;
    if (!wass__mul_ok(a->len, b->len, &nm) || nm > ((size_t)1 << 40))
        return wass__fail(err, WASS_ERR_SIZE, "bags too large (%zu x %zu words)", a->len, b->len);
    double *C = malloc(nm * sizeof *C);
    if (!C) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    wass__wmd_cost(wv, a, b, &o, C);
    *out = wass__wmd_relaxed(C, a, b);
    free(C);
    return WASS_OK;
}
