/*
 * emd_oracle.c - how the network simplex reads costs (the exact solver's
 * cost oracle): rows of a dense matrix, of a callback, or of point clouds
 * through the library's one cost formula (common/internal.h), pricing that
 * skips square roots for arcs that cannot win, and a start order that
 * follows the data.
 */
#include "exact/emd_steps.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void row_dense(const void *vctx, size_t i, size_t j0, size_t len, double *out) {
    const wass__emd_oracle *x = vctx;
    size_t end = j0 + len, jr = end < x->mreal ? end : x->mreal;
    if (i >= x->nreal) {
        memset(out, 0, len * sizeof(double));
        return;
    }
    const double *row = x->c->C + x->ia[i] * x->c->ld;
    const size_t *jb = x->jb;
    size_t k = 0;
    if (jb)
        for (size_t j = j0; j < jr; j++)
            out[k++] = row[jb[j]];
    else
        for (size_t j = j0; j < jr; j++)
            out[k++] = row[j];
    for (; k < len; k++)
        out[k] = 0.0;
}

static void row_callback(const void *vctx, size_t i, size_t j0, size_t len, double *out) {
    const wass__emd_oracle *x = vctx;
    size_t end = j0 + len, jr = end < x->mreal ? end : x->mreal;
    if (i >= x->nreal) {
        memset(out, 0, len * sizeof(double));
        return;
    }
    size_t k = 0, oi = x->ia[i];
    for (size_t j = j0; j < jr; j++)
        out[k++] = x->c->fn(oi, x->jb[j], x->c->user);
    for (; k < len; k++)
        out[k] = 0.0;
}

/* A row of a point cloud: the cost oracle (common/internal.h) on the
 * transposed sinks. */
WASS__SIMD_CLONES static void row_points(const void *vctx, size_t i, size_t j0, size_t len,
                                         double *out) {
    const wass__emd_oracle *x = vctx;
    size_t end = j0 + len, jr = end < x->mreal ? end : x->mreal;
    if (i >= x->nreal) {
        memset(out, 0, len * sizeof(double));
        return;
    }
    size_t L = jr > j0 ? jr - j0 : 0;
    wass__cost_row_t(&x->g, x->Xc + i * x->d, x->YT + j0, x->mreal, x->d, L, out);
    for (size_t k = L; k < len; k++)
        out[k] = 0.0;
}

/* Chunks of PRICE_CHUNK arcs are first tested against the current best with
 * a branch-free (vectorisable) pass; only a chunk holding a winner is
 * rescanned for its argmin, which is rare once a good arc has been seen. */
#define PRICE_CHUNK 32

WASS__SIMD_CLONES static size_t price_scan(const double *c, size_t len, double ui, const double *pv,
                                           double *best) {
    double b = *best;
    size_t bk = (size_t)-1;
    for (size_t k0 = 0; k0 < len; k0 += PRICE_CHUNK) {
        size_t k1 = len - k0 < PRICE_CHUNK ? len : k0 + PRICE_CHUNK;
        int64_t any = 0;
        for (size_t k = k0; k < k1; k++)
            any |= (int64_t)((c[k] - ui + pv[k]) < b);
        if (!any) continue;
        for (size_t k = k0; k < k1; k++) {
            double r = c[k] - ui + pv[k];
            if (r < b) {
                b = r;
                bk = k;
            }
        }
    }
    *best = b;
    return bk;
}

WASS__SIMD_CLONES static size_t price_dense(const void *vctx, size_t i, size_t j0, size_t len,
                                            double ui, const double *pv, double *best,
                                            double *scratch) {
    const wass__emd_oracle *x = vctx;
    if (i >= x->nreal || j0 + len > x->mreal || x->jb) {
        row_dense(vctx, i, j0, len, scratch);
        return price_scan(scratch, len, ui, pv, best);
    }
    return price_scan(x->c->C + x->ia[i] * x->c->ld + j0, len, ui, pv, best);
}

/* The plane, W1: one fused pass, a square root only for winners. */
WASS__SIMD_CLONES static size_t price_plane_w1(const double *xi, const double *y0, const double *y1,
                                               size_t len, double ui, const double *pv,
                                               double *best) {
    double x0 = xi[0], x1 = xi[1], b = *best, ub = ui + b;
    size_t bk = (size_t)-1;
    for (size_t k0 = 0; k0 < len; k0 += PRICE_CHUNK) {
        size_t k1 = len - k0 < PRICE_CHUNK ? len : k0 + PRICE_CHUNK;
        int64_t any = 0;
        for (size_t k = k0; k < k1; k++) {
            double th = ub - pv[k];
            double dx = x0 - y0[k], dy = x1 - y1[k];
            any |= (int64_t)(dx * dx + dy * dy < th * fabs(th));
        }
        if (!any) continue;
        for (size_t k = k0; k < k1; k++) {
            double th = ub - pv[k];
            double dx = x0 - y0[k], dy = x1 - y1[k];
            double sq = dx * dx + dy * dy;
            if (th > 0 && sq < th * th) {
                double r = sqrt(sq) - ui + pv[k];
                if (r < b) {
                    b = r;
                    ub = ui + b;
                    bk = k;
                }
            }
        }
    }
    *best = b;
    return bk;
}

/* Three dimensions, W1 or W2^2: one fused pass over the three transposed
 * coordinates (yt[0..2]), the same sums in the same order as the cost oracle
 * and the same tests as the two-pass form below, so the same winners; w1:
 * the cost is the square root of the sum, taken only for arcs that pass the
 * threshold ui - v_j + best. */
WASS__SIMD_CLONES static size_t price_space(const double *xi, const double *const yt[3], size_t len,
                                            int w1, double ui, const double *pv, double *best) {
    const double *y0 = yt[0], *y1 = yt[1], *y2 = yt[2];
    double x0 = xi[0], x1 = xi[1], x2 = xi[2], b = *best;
    size_t bk = (size_t)-1;
    for (size_t k0 = 0; k0 < len; k0 += PRICE_CHUNK) {
        size_t k1 = len - k0 < PRICE_CHUNK ? len : k0 + PRICE_CHUNK;
        int64_t any = 0;
        if (w1)
            for (size_t k = k0; k < k1; k++) {
                double dx = x0 - y0[k], dy = x1 - y1[k], dz = x2 - y2[k];
                double sq = dx * dx + dy * dy + dz * dz, th = ui - pv[k] + b;
                any |= (int64_t)(sq < th * fabs(th));
            }
        else
            for (size_t k = k0; k < k1; k++) {
                double dx = x0 - y0[k], dy = x1 - y1[k], dz = x2 - y2[k];
                any |= (int64_t)((dx * dx + dy * dy + dz * dz - ui + pv[k]) < b);
            }
        if (!any) continue;
        for (size_t k = k0; k < k1; k++) {
            double dx = x0 - y0[k], dy = x1 - y1[k], dz = x2 - y2[k];
            double sq = dx * dx + dy * dy + dz * dz, r;
            if (w1) {
                double th = ui - pv[k] + b;
                if (!(th > 0 && sq < th * th)) continue;
                r = sqrt(sq) - ui + pv[k];
            } else
                r = sq - ui + pv[k];
            if (r < b) {
                b = r;
                bk = k;
            }
        }
    }
    *best = b;
    return bk;
}

static size_t price_points(const void *vctx, size_t i, size_t j0, size_t len, double ui,
                           const double *pv, double *best, double *s);

/* price_points through the float first pass where the points have float
 * copies (emd_price_f32.c); pmax bounds the duals. */
static size_t price_points_b(const void *vctx, size_t i, size_t j0, size_t len, double ui,
                             const double *pv, double pmax, double *best, double *s) {
    const wass__emd_oracle *x = vctx;
    if (!x->Xf || i >= x->nreal || j0 + len > x->mreal)
        return price_points(vctx, i, j0, len, ui, pv, best, s);
    int w1 = x->fast == WASS__FAST_EUCLID1;
    double P = fmax(pmax, fabs(ui) + fabs(*best));
    if (!wass__price_f32_usable(x->fR2, P)) return price_points(vctx, i, j0, len, ui, pv, best, s);
    size_t mr = x->mreal;
    size_t d = x->d, t2 = d == 3 ? 2 : 1;
    const double *const yt[3] = {x->YT + j0, x->YT + mr + j0, x->YT + t2 * mr + j0};
    const float *const yf[3] = {x->YTf + j0, x->YTf + mr + j0, x->YTf + t2 * mr + j0};
    return wass__price_space_f32(d, x->Xc + i * d, yt, x->Xf + i * d, yf, len, w1, ui, pv, x->fR2,
                                 P, best);
}

/* Points: accumulate the pre-transform value s (sum of squares, of absolute
 * differences, or their max) for the segment, then compare against the
 * threshold ui - v_j + best before taking any square root. */
WASS__SIMD_CLONES static size_t price_points(const void *vctx, size_t i, size_t j0, size_t len,
                                             double ui, const double *pv, double *best, double *s) {
    const wass__emd_oracle *x = vctx;
    if (!x->fast || i >= x->nreal || j0 + len > x->mreal) {
        row_points(vctx, i, j0, len, s);
        return price_scan(s, len, ui, pv, best);
    }
    size_t d = x->d, mr = x->mreal;
    const double *xi = x->Xc + i * d;
    if (d == 2 && x->fast == WASS__FAST_EUCLID1)
        return price_plane_w1(xi, x->YT + j0, x->YT + mr + j0, len, ui, pv, best);
    if (d == 3 && (x->fast == WASS__FAST_EUCLID1 || x->fast == WASS__FAST_SQ)) {
        const double *const yt[3] = {x->YT + j0, x->YT + mr + j0, x->YT + 2 * mr + j0};
        return price_space(xi, yt, len, x->fast == WASS__FAST_EUCLID1, ui, pv, best);
    }
    /* the pre-transform values: the cost oracle with the ground before its
     * monotone transform (sum of squares, of absolute differences, max) */
    wass__cost_row_t(&x->pre, xi, x->YT + j0, mr, d, len, s);
    if (x->fast != WASS__FAST_EUCLID1) return price_scan(s, len, ui, pv, best);
    double b = *best;
    size_t bk = (size_t)-1;
    for (size_t k0 = 0; k0 < len; k0 += PRICE_CHUNK) {
        size_t k1 = len - k0 < PRICE_CHUNK ? len : k0 + PRICE_CHUNK;
        int64_t any = 0;
        for (size_t k = k0; k < k1; k++) {
            double th = ui - pv[k] + b;
            any |= (int64_t)(s[k] < th * fabs(th));
        }
        if (!any) continue;
        for (size_t k = k0; k < k1; k++) {
            double th = ui - pv[k] + b; /* cost must be below th to win */
            if (th > 0 && s[k] < th * th) {
                double r = sqrt(s[k]) - ui + pv[k];
                if (r < b) {
                    b = r;
                    bk = k;
                }
            }
        }
    }
    *best = b;
    return bk;
}

/* After price_points on a whole row of a W1 point cloud in four or more
 * dimensions, the scratch holds the squared distances: their square roots
 * are the costs row_points gives (same sums in the same order); the fused
 * passes of the plane and of space leave no scratch. */
static int points_price_to_cost(const void *vctx, size_t i, size_t len, double *s) {
    const wass__emd_oracle *x = vctx;
    if (x->fast != WASS__FAST_EUCLID1 || x->d <= 3 || i >= x->nreal || len > x->mreal) return 0;
    for (size_t k = 0; k < len; k++)
        s[k] = sqrt(s[k]);
    return 1;
}

/* ---- starting order ---------------------------------------------------------- */

typedef struct {
    double key;
    size_t idx;
} keyed;

static int keyed_cmp(const void *pa, const void *pb) {
    const keyed *a = pa, *b = pb;
    if (a->key < b->key) return -1;
    if (a->key > b->key) return 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Adds the n values x[k * stride] and their squares to *s and *s2. */
static void add_sums(const double *x, size_t stride, size_t n, double *s, double *s2) {
    for (size_t k = 0; k < n; k++) {
        double z = x[k * stride];
        *s += z;
        *s2 += z * z;
    }
}

/* The n2 points of one side in increasing order of their value x[k *
 * stride] (the first nreal; the padding points after them) into ord; kk is
 * scratch of n2. */
static void side_order(const double *x, size_t stride, size_t nreal, size_t n2, keyed *kk,
                       size_t *ord) {
    for (size_t k = 0; k < n2; k++) {
        kk[k].key = k < nreal ? x[k * stride] : INFINITY;
        kk[k].idx = k;
    }
    qsort(kk, n2, sizeof *kk, keyed_cmp);
    for (size_t k = 0; k < n2; k++)
        ord[k] = kk[k].idx;
}

/* Sort compressed points by their coordinate of largest spread, so the
 * north-west corner start follows the data (optimal in one dimension). */
static int points_order(const wass__emd_oracle *cx, size_t n2, size_t m2, size_t *so, size_t *ko) {
    size_t d = cx->d, nr = cx->nreal, mr = cx->mreal;
    size_t best_t = 0;
    double best_var = -1.0;
    for (size_t t = 0; t < d; t++) {
        double s = 0, s2 = 0;
        add_sums(cx->Xc + t, d, nr, &s, &s2);
        add_sums(cx->YT + t * mr, 1, mr, &s, &s2);
        double cnt = (double)(nr + mr);
        double var = s2 / cnt - (s / cnt) * (s / cnt);
        if (var > best_var) {
            best_var = var;
            best_t = t;
        }
    }
    size_t mx = n2 > m2 ? n2 : m2;
    keyed *kk = malloc(mx * sizeof *kk);
    if (!kk) return WASS_ERR_NOMEM;
    side_order(cx->Xc + best_t, d, nr, n2, kk, so);
    side_order(cx->YT + best_t * mr, 1, mr, m2, kk, ko);
    free(kk);
    return WASS_OK;
}

/* Pricing forms: the ground whose value, before the monotone transform of
 * the cost, decides which arc wins (WASS__FAST_NONE: none). */
static int fast_form(const wass_ground *g, wass_ground *pre) {
    if (g->metric == WASS_EUCLIDEAN && g->p == 1.0) {
        *pre = wass_ground_make(WASS_SQEUCLIDEAN, 1.0);
        return WASS__FAST_EUCLID1;
    }
    if ((g->metric == WASS_EUCLIDEAN && g->p == 2.0) ||
        (g->metric == WASS_SQEUCLIDEAN && g->p == 1.0)) {
        *pre = wass_ground_make(WASS_SQEUCLIDEAN, 1.0);
        return WASS__FAST_SQ;
    }
    if (g->metric == WASS_CITYBLOCK && g->p == 1.0) {
        *pre = wass_ground_make(WASS_CITYBLOCK, 1.0);
        return WASS__FAST_L1;
    }
    if (g->metric == WASS_CHEBYSHEV && g->p == 1.0) {
        *pre = wass_ground_make(WASS_CHEBYSHEV, 1.0);
        return WASS__FAST_LINF;
    }
    return WASS__FAST_NONE;
}

/* The single-precision copies of price_points_b: coordinates centred on
 * the middle of the bounding box of both clouds (costs depend on
 * differences only), and the bound of their squares. */
static int float_points(wass__emd_oracle *cx) {
    size_t d = cx->d, nr = cx->nreal, mr = cx->mreal;
    double c[3] = {0.0, 0.0, 0.0}, R2 = 0.0;
    for (size_t t = 0; t < d; t++) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < nr; i++) {
            lo = fmin(lo, cx->Xc[i * d + t]);
            hi = fmax(hi, cx->Xc[i * d + t]);
        }
        for (size_t j = 0; j < mr; j++) {
            lo = fmin(lo, cx->YT[t * mr + j]);
            hi = fmax(hi, cx->YT[t * mr + j]);
        }
        c[t] = nr + mr ? 0.5 * (lo + hi) : 0.0;
        double h = nr + mr ? fmax(hi - c[t], c[t] - lo) : 0.0;
        R2 += h * h;
    }
    if (!(R2 < 1e30)) return WASS_OK;
    cx->Xf = malloc((nr ? nr * d : 1) * sizeof(float));
    cx->YTf = malloc((mr ? mr * d : 1) * sizeof(float));
    if (!cx->Xf || !cx->YTf) return WASS_ERR_NOMEM;
    for (size_t i = 0; i < nr; i++)
        for (size_t t = 0; t < d; t++)
            cx->Xf[i * d + t] = (float)(cx->Xc[i * d + t] - c[t]);
    for (size_t t = 0; t < d; t++)
        for (size_t j = 0; j < mr; j++)
            cx->YTf[t * mr + j] = (float)(cx->YT[t * mr + j] - c[t]);
    /* R2 bounds |x - c|^2 summed over the axes, so every difference squared
     * is at most 4 R2; the margin counts it as R2 times its factor */
    cx->fR2 = 4.0 * R2 * 1.0001;
    return WASS_OK;
}

/* Point clouds: gather the active sources, transpose the active sinks, pick
 * the pricing form and the start order. */
static int points_init(const wass_problem *pb, const wass__emd_prep *p, wass__emd_oracle *cx,
                       wass__ns_input *in, wass_error_info *err) {
    size_t d = pb->cost.d, nr = p->nr, mr = p->mr, nd, md;
    in->cost_row = row_points;
    in->price_row = price_points;
    /* in the plane the sorted north-west start and full block search do
     * best; in higher dimension shortlists of near neighbours pay off */
    in->shortlist = d <= 2 ? -1 : 0;
    cx->d = d;
    cx->g = pb->cost.ground;
    if (cx->g.metric == WASS_EUCLIDEAN && cx->g.p == 2.0) /* ||x - y||^2 directly */
        cx->g = wass_ground_make(WASS_SQEUCLIDEAN, 1.0);
    cx->fast = fast_form(&pb->cost.ground, &cx->pre);
    if (cx->fast == WASS__FAST_EUCLID1) {
        in->price_row_saves = 1; /* no square roots for losers */
        in->price_to_cost = points_price_to_cost;
    }
    if (!wass__mul_ok(nr, d, &nd) || !wass__mul_ok(mr, d, &md))
        return wass__fail(err, WASS_ERR_SIZE, "point cloud size overflows");
    cx->Xc = malloc((nd ? nd : 1) * sizeof(double));
    cx->YT = malloc((md ? md : 1) * sizeof(double));
    cx->so = malloc(p->n2 * sizeof(size_t));
    cx->ko = malloc(p->m2 * sizeof(size_t));
    if (!cx->Xc || !cx->YT || !cx->so || !cx->ko)
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < nr; i++)
        memcpy(cx->Xc + i * d, pb->cost.X + p->ia[i] * d, d * sizeof(double));
    for (size_t j = 0; j < mr; j++)
        for (size_t t = 0; t < d; t++)
            cx->YT[t * mr + j] = pb->cost.Y[p->jb[j] * d + t];
    int rc = points_order(cx, p->n2, p->m2, cx->so, cx->ko);
    if (rc) return wass__fail(err, rc, "out of memory");
    /* the float first pass: 3-D W1 and W2^2, 2-D W2^2 (n = m = 1000-2000,
     * one thread, the five families of bench/README_scale.md: 1.04-1.47x
     * less CPU time in 3-D, 1.15-1.9x on 2-D W2^2; against the fused pass
     * of the plane's W1 0.89-1.5x, so that one stays) */
    int f32 = (d == 3 && (cx->fast == WASS__FAST_EUCLID1 || cx->fast == WASS__FAST_SQ)) ||
              (d == 2 && cx->fast == WASS__FAST_SQ);
    if (f32 && wass__price_f32_available() && (rc = float_points(cx)))
        return wass__fail(err, rc, "out of memory");
    if (cx->Xf) in->price_row_b = price_points_b;
    in->src_order = cx->so;
    in->snk_order = cx->ko;
    return WASS_OK;
}

int wass__emd_oracle_init(const wass_problem *pb, const wass_options *opt, const wass__emd_prep *p,
                          wass__emd_oracle *cx, wass__ns_input *in, wass_error_info *err) {
    memset(cx, 0, sizeof *cx);
    memset(in, 0, sizeof *in);
    cx->c = &pb->cost;
    cx->ia = p->ia;
    cx->jb = (pb->cost.kind == WASS_COST_DENSE && p->mr == pb->m) ? NULL : p->jb;
    cx->nreal = p->nr;
    cx->mreal = p->mr;
    in->n = p->n2;
    in->m = p->m2;
    in->supply = p->sup;
    in->demand = p->dem;
    in->cost_ctx = cx;
    in->max_iter = opt->max_iter;
    in->block_size = opt->block_size;
    in->progress = opt->progress;
    in->progress_user = opt->progress_user;
    switch (pb->cost.kind) {
    case WASS_COST_DENSE:
        in->cost_row = row_dense;
        in->price_row = price_dense;
        in->shortlist = -1; /* streaming a stored row is cheap: full block search */
        return WASS_OK;
    case WASS_COST_CALLBACK:
        in->cost_row = row_callback;
        return WASS_OK;
    case WASS_COST_POINTS:
        return points_init(pb, p, cx, in, err);
    default:
        return wass__fail(err, WASS_ERR_INVALID, "unknown cost kind");
    }
}

void wass__emd_oracle_free(wass__emd_oracle *cx) {
    if (!cx) return;
    free(cx->Xc);
    free(cx->YT);
    free(cx->Xf);
    free(cx->YTf);
    free(cx->so);
    free(cx->ko);
    memset(cx, 0, sizeof *cx);
}
