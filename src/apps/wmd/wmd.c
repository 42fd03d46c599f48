/*
 * wmd.c - Word Mover's Distance (Kusner et al., ICML 2015) between two bags
 * of words: the exact transport of the bags' weights with the distance
 * between word vectors as cost (solved by wass_emd), and its two lower
 * bounds, the word centroid distance (WCD) and the relaxed WMD (RWMD).
 */
#include "apps/wmd/wmd_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void wass_wmd_options_default(wass_wmd_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
    opt->distance = WASS_WMD_EUCLIDEAN;
}

static double inv_norm(const float *x, size_t d) {
    double s = 0;
    for (size_t k = 0; k < d; k++)
        s += (double)x[k] * (double)x[k];
    return s > 0 ? 1.0 / sqrt(s) : 0.0;
}

/* Word distances by blocks. The dot products x.y of BI words of one side
 * ("rows") with BJ words of the other ("packed": coordinates transposed so
 * the BJ products of one coordinate are contiguous) are accumulated together
 * in a register tile, and each distance is sqrt(max(0, |x|^2 + |y|^2 -
 * 2 x.y)). Every dot product and squared norm is a plain sum over the
 * coordinates in order, whatever the block sizes, the position of the word
 * in its list or the list's length: a table built once and gathered from, a
 * single pair and the pair swapped all give bitwise the same cost. */

static double sumsq(const double *x, size_t d) {
    double s = 0;
    for (size_t k = 0; k < d; k++)
        s += x[k] * x[k];
    return s;
}

/* word w as doubles into out, scaled to unit length when unit */
static void load_word(const wass_wordvec *wv, size_t w, int unit, double *out) {
    size_t d = wv->dim;
    const float *x = wv->vec + w * d;
    double s = unit ? inv_norm(x, d) : 1.0;
    for (size_t k = 0; k < d; k++)
        out[k] = unit ? (double)x[k] * s : (double)x[k];
}

size_t wass__wmd_rows_size(size_t n, size_t d) {
    size_t np = (n + WASS_WMD_BI - 1) / WASS_WMD_BI * WASS_WMD_BI;
    return np * (d + 1);
}

/* The fields of r for n words w padded to a multiple of blk: the vectors
 * at buf, then the squared norms; returns the padded count. */
static size_t words_start(const wass_wordvec *wv, const size_t *w, size_t n, size_t blk,
                          double *buf, wass__wmd_words *r) {
    size_t np = (n + blk - 1) / blk * blk;
    r->n = n;
    r->d = wv->dim;
    r->w = w;
    r->x = buf;
    r->norm = buf + np * wv->dim;
    return np;
}

void wass__wmd_rows(const wass_wordvec *wv, const size_t *w, size_t n, const wass_wmd_options *o,
                    double *buf, wass__wmd_words *r) {
    size_t d = wv->dim, np = words_start(wv, w, n, WASS_WMD_BI, buf, r);
    int unit = wass__wmd_unit(o);
    for (size_t i = 0; i < np; i++) {
        if (i < n) {
            load_word(wv, w[i], unit, r->x + i * d);
            r->norm[i] = sumsq(r->x + i * d, d);
        } else {
            memset(r->x + i * d, 0, d * sizeof *r->x);
            r->norm[i] = 0;
        }
    }
}

size_t wass__wmd_packed_size(size_t m, size_t d) {
    size_t mp = (m + WASS_WMD_BJ - 1) / WASS_WMD_BJ * WASS_WMD_BJ;
    return mp * (d + 1) + d;
}

void wass__wmd_pack(const wass_wordvec *wv, const size_t *w, size_t m, const wass_wmd_options *o,
                    double *buf, wass__wmd_words *p) {
    size_t d = wv->dim, mp = words_start(wv, w, m, WASS_WMD_BJ, buf, p);
    int unit = wass__wmd_unit(o);
    double *y = p->norm + mp; /* one word */
    for (size_t j = 0; j < mp; j++) {
        double *blk = p->x + (j / WASS_WMD_BJ) * d * WASS_WMD_BJ;
        size_t c = j % WASS_WMD_BJ;
        if (j < m) {
            load_word(wv, w[j], unit, y);
            p->norm[j] = sumsq(y, d);
            for (size_t k = 0; k < d; k++)
                blk[k * WASS_WMD_BJ + c] = y[k];
        } else {
            p->norm[j] = 0;
            for (size_t k = 0; k < d; k++)
                blk[k * WASS_WMD_BJ + c] = 0;
        }
    }
}

/* |x|^2 + |y|^2 - 2 x.y cancels for near words (a 1e8 component left 0 of
 * a distance of 0.11): below CANCEL of its scale the squared distance is
 * summed again directly, (x_k - y_k)^2 in coordinate order (symmetric in x
 * and y, so the bitwise guarantees above hold). For unit vectors, 1 - cos =
 * |x - y|^2 / 2 likewise. x: a row (stride 1); y: a packed column (stride BJ). */
#define CANCEL 0x1p-20
static double direct_sq(const double *x, const double *y, size_t d) {
    double s = 0;
    for (size_t k = 0; k < d; k++) {
        double t = x[k] - y[k * WASS_WMD_BJ];
        s += t * t;
    }
    return s;
}

static inline double word_cost(double nx, double ny, double dot, int cosine, const double *x,
                               const double *y, size_t d) {
    if (cosine) {
        double c = 1.0 - dot;
        if (c < CANCEL) c = 0.5 * direct_sq(x, y, d);
        return c > 0 ? c : 0.0;
    }
    double s = (nx + ny) - 2.0 * dot;
    if (s < CANCEL * (nx + ny)) s = direct_sq(x, y, d);
    return s > 0 ? sqrt(s) : 0.0;
}

/* One tile: the TI x BJ dot products of TI rows (x0, stride d) with a packed
 * block. The same sums in the same order in every variant (no fused
 * multiply-add: ISO C does not contract), so the instruction set changes the
 * speed, not the bits. */
#define WMD_TILE(NAME, ATTR, TI)                                                                   \
    ATTR static void NAME(const double *x0, size_t d, const double *Yt,                            \
                          double acc[][WASS_WMD_BJ]) {                                             \
        double t[TI][WASS_WMD_BJ];                                                                 \
        for (size_t r = 0; r < TI; r++)                                                            \
            for (size_t c = 0; c < WASS_WMD_BJ; c++)                                               \
                t[r][c] = 0;                                                                       \
        for (size_t k = 0; k < d; k++) {                                                           \
            const double *yk = Yt + k * WASS_WMD_BJ;                                               \
            for (size_t r = 0; r < TI; r++) {                                                      \
                double xr = x0[r * d + k];                                                         \
                for (size_t c = 0; c < WASS_WMD_BJ; c++)                                           \
                    t[r][c] += xr * yk[c];                                                         \
            }                                                                                      \
        }                                                                                          \
        for (size_t r = 0; r < TI; r++)                                                            \
            for (size_t c = 0; c < WASS_WMD_BJ; c++)                                               \
                acc[r][c] = t[r][c];                                                               \
    }

WMD_TILE(tile_generic, , 2)
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define WMD_X86 1
WMD_TILE(tile_avx2, __attribute__((target("avx2"))), 4)
WMD_TILE(tile_avx512, __attribute__((target("avx512f"))), 8)
#endif

void wass__wmd_cost_kernel(const wass__wmd_words *a, const wass__wmd_words *b,
                           const wass_wmd_options *o, double *out, size_t rs, size_t cs) {
    enum { BJ = WASS_WMD_BJ };
    size_t d = a->d, n = a->n, m = b->n;
    int cosine = o->distance == WASS_WMD_COSINE;
    size_t ti = 2;
    void (*tile)(const double *, size_t, const double *, double(*)[BJ]) = tile_generic;
#ifdef WMD_X86
    /* the CPU model is read once by libgcc's constructor; no
     * __builtin_cpu_init() here, where several threads may call at once */
    if (__builtin_cpu_supports("avx512f")) {
        tile = tile_avx512;
        ti = 8;
    } else if (__builtin_cpu_supports("avx2")) {
        tile = tile_avx2;
        ti = 4;
    }
#endif
    double acc[WASS_WMD_BI][BJ];
    for (size_t j0 = 0; j0 < m; j0 += BJ) {
        size_t bj = m - j0 < BJ ? m - j0 : BJ;
        const double *Yt = b->x + (j0 / BJ) * d * BJ;
        for (size_t i0 = 0; i0 < n; i0 += ti) {
            tile(a->x + i0 * d, d, Yt, acc);
            for (size_t r = 0; r < ti && i0 + r < n; r++) {
                size_t i = i0 + r;
                for (size_t c = 0; c < bj; c++) {
                    size_t j = j0 + c;
                    out[i * rs + j * cs] = a->w[i] == b->w[j]
                                               ? 0.0
                                               : word_cost(a->norm[i], b->norm[j], acc[r][c],
                                                           cosine, a->x + i * d, Yt + c, d);
                }
            }
        }
    }
}

int wass__wmd_cost_words(const wass_wordvec *wv, const size_t *wa, size_t n, const size_t *wb,
                         size_t m, const wass_wmd_options *o, double *C) {
    if (n == 0 || m == 0) return WASS_OK;
    size_t d = wv->dim, ra = wass__wmd_rows_size(n, d);
    double *buf = malloc((ra + wass__wmd_packed_size(m, d)) * sizeof *buf);
    if (!buf) return WASS_ERR_NOMEM;
    wass__wmd_words A, B;
    wass__wmd_rows(wv, wa, n, o, buf, &A);
    wass__wmd_pack(wv, wb, m, o, buf + ra, &B);
    wass__wmd_cost_kernel(&A, &B, o, C, m, 1);
    free(buf);
    return WASS_OK;
}

int wass__wmd_cost(const wass_wordvec *wv, const wass_bag *a, const wass_bag *b,
                   const wass_wmd_options *o, double *C) {
    return wass__wmd_cost_words(wv, a->word, a->len, b->word, b->len, o, C);
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
static double ict_side(const double *C, size_t n, size_t m, size_t rs, size_t cs, const double *wa,
                       const double *wb, cj *buf) {
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

size_t wass__wmd_ict_scratch(size_t maxlen) {
    return maxlen * sizeof(cj);
}

int wass__wmd_solve(const double *C, const wass_bag *a, const wass_bag *b, double *out,
                    wass_status *status, int64_t *iterations, wass_error_info *err) {
    wass_problem pb = {.n = a->len,
                       .m = b->len,
                       .a = a->weight,
                       .b = b->weight,
                       .cost = wass_cost_dense(C, b->len, 1.0)};
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
    for (size_t k = 0; k < d; k++)
        c[k] = 0;
    double total = wass__sum(a->weight, a->len);
    for (size_t i = 0; i < a->len; i++) {
        const float *x = wv->vec + a->word[i] * d;
        double s = a->weight[i] / total * (unit ? inv_norm(x, d) : 1.0);
        for (size_t k = 0; k < d; k++)
            c[k] += s * (double)x[k];
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
    if (opt)
        o = *opt;
    else
        wass_wmd_options_default(&o);
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
    if (wass__wmd_cost(wv, a, b, &o, C)) {
        free(C);
        free(ca);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory for the word distances");
    }
    res->rwmd = wass__wmd_relaxed(C, a, b);
    wass__wmd_centroid(wv, a, &o, ca);
    wass__wmd_centroid(wv, b, &o, ca + wv->dim);
    res->wcd = wass__wmd_wcd(ca, ca + wv->dim, wv->dim, &o);
    rc = wass__wmd_solve(C, a, b, &res->distance, &res->status, &res->iterations, err);
    /* the bounds are summed in another order: never let rounding put the
     * distance below them (the k-NN pruning relies on bound <= WMD) */
    double lb = fmax(res->rwmd, res->wcd);
    if (rc == WASS_OK && res->distance < lb && res->distance >= lb * (1.0 - 1e-12))
        res->distance = lb;
    free(C);
    free(ca);
    res->seconds = wass__now() - t0;
    return rc;
}

/* What both lower bounds check first: the output, the options (NULL = the
 * defaults, into *o) and the bags. An empty bag is infinitely far (*out =
 * INFINITY, WASS_OK); BOUND_SOLVE means the bound is to be computed. */
#define BOUND_SOLVE 1
static int bound_args(const wass_wordvec *wv, const wass_bag *a, const wass_bag *b,
                      const wass_wmd_options *opt, wass_wmd_options *o, double *out,
                      wass_error_info *err) {
    wass__clear(err);
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "output is NULL");
    if (opt)
        *o = *opt;
    else
        wass_wmd_options_default(o);
    int rc = check_args(wv, a, b, o, err);
    if (rc) return rc;
    if (a->len == 0 || b->len == 0) {
        *out = INFINITY;
        return WASS_OK;
    }
    return BOUND_SOLVE;
}

int wass_wcd(const wass_wordvec *wv, const wass_bag *a, const wass_bag *b,
             const wass_wmd_options *opt, double *out, wass_error_info *err) {
    wass_wmd_options o;
    int rc = bound_args(wv, a, b, opt, &o, out, err);
    if (rc != BOUND_SOLVE) return rc;
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
    wass_wmd_options o;
    int rc = bound_args(wv, a, b, opt, &o, out, err);
    if (rc != BOUND_SOLVE) return rc;
    size_t nm;
    if (!wass__mul_ok(a->len, b->len, &nm) || nm > ((size_t)1 << 40))
        return wass__fail(err, WASS_ERR_SIZE, "bags too large (%zu x %zu words)", a->len, b->len);
    double *C = malloc(nm * sizeof *C);
    if (!C) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    if (wass__wmd_cost(wv, a, b, &o, C)) {
        free(C);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory for the word distances");
    }
    *out = wass__wmd_relaxed(C, a, b);
    free(C);
    return WASS_OK;
}
