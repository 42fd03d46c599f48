/*
 * emd.c - exact optimal transport (the Earth Mover's Distance): mass
 * handling, removal of zero-weight points, cost access for the network
 * simplex (dense rows, point clouds evaluated on the fly, callbacks), the
 * starting basis, and assembly of the result (sorted plan, duals for every
 * point, certificate).
 */
#include "exact/emd_colgen.h"
#include "exact/emd_internal.h"
#include "exact/network_simplex.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void wass_options_default(wass_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
    opt->mass = WASS_MASS_BALANCED;
    opt->mass_tol = 1e-9;
    opt->max_iter = 0;
    opt->want_plan = 1;
    opt->want_duals = 1;
    opt->certify = 1;
    opt->threads = 0;
    opt->block_size = 0;
    opt->cert_tol = WASS__CERT_GAP_TOL;
    opt->progress = NULL;
    opt->progress_user = NULL;
}

int wass_mass_parse(const char *name, wass_mass_mode *out) {
    if (!name || !out) return WASS_ERR_INVALID;
    if (strcasecmp(name, "balanced") == 0)
        *out = WASS_MASS_BALANCED;
    else if (strcasecmp(name, "normalize") == 0 || strcasecmp(name, "normalized") == 0)
        *out = WASS_MASS_NORMALIZE;
    else if (strcasecmp(name, "partial") == 0)
        *out = WASS_MASS_PARTIAL;
    else
        return WASS_ERR_INVALID;
    return WASS_OK;
}

void wass_result_free(wass_result *res) {
    if (!res) return;
    free(res->plan);
    free(res->u);
    free(res->v);
    memset(res, 0, sizeof *res);
    res->status = WASS_NOT_SOLVED;
}

int wass__emd_masses(const wass_problem *pb, wass_mass_mode mode, double mass_tol, double *a2,
                     double *b2, double *ta, double *tb, wass_error_info *err) {
    size_t n = pb->n, m = pb->m;
    for (size_t i = 0; i < n; i++)
        a2[i] = pb->a ? pb->a[i] : 1.0 / (double)n;
    for (size_t j = 0; j < m; j++)
        b2[j] = pb->b ? pb->b[j] : 1.0 / (double)m;
    double A = wass__sum(a2, n), B = wass__sum(b2, m);
    switch (mode) {
    case WASS_MASS_BALANCED:
        if (fabs(A - B) > mass_tol * fmax(A, B))
            return wass__fail(err, WASS_ERR_MASS_MISMATCH,
                              "total masses differ: a sums to %.17g but b sums to %.17g "
                              "(relative difference %.3g > mass_tol %.3g); use the normalize or "
                              "partial mass mode",
                              A, B, fabs(A - B) / fmax(A, B), mass_tol);
        if (A != B) {
            double s = A / B;
            for (size_t j = 0; j < m; j++)
                b2[j] *= s;
            B = wass__sum(b2, m);
        }
        break;
    case WASS_MASS_NORMALIZE:
        for (size_t i = 0; i < n; i++)
            a2[i] /= A;
        for (size_t j = 0; j < m; j++)
            b2[j] /= B;
        A = wass__sum(a2, n);
        B = wass__sum(b2, m);
        break;
    case WASS_MASS_PARTIAL:
        break;
    default:
        return wass__fail(err, WASS_ERR_INVALID, "unknown mass mode %d", (int)mode);
    }
    *ta = A;
    *tb = B;
    return WASS_OK;
}

/* ---- cost access for the simplex ------------------------------------------ */

typedef struct {
    const wass_cost *c;
    const size_t *ia, *jb; /* compressed -> original index */
    size_t nreal, mreal;   /* rows >= nreal / cols >= mreal are the dummy (cost 0) */
    /* point clouds: gathered X (nreal x d) and transposed gathered Y (d x mreal) */
    double *Xc, *YT;
    size_t d;
    int fast; /* FAST_* : point costs with a cheap monotone form */
} cost_ctx;

enum { FAST_NONE = 0, FAST_EUCLID1, FAST_SQ, FAST_L1, FAST_LINF };

static void row_dense(const void *vctx, size_t i, size_t j0, size_t len, double *out) {
    const cost_ctx *x = vctx;
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
    const cost_ctx *x = vctx;
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

WASS__SIMD_CLONES static void row_points(const void *vctx, size_t i, size_t j0, size_t len,
                                         double *out) {
    const cost_ctx *x = vctx;
    size_t end = j0 + len, jr = end < x->mreal ? end : x->mreal;
    if (i >= x->nreal) {
        memset(out, 0, len * sizeof(double));
        return;
    }
    size_t L = jr > j0 ? jr - j0 : 0, d = x->d, mr = x->mreal;
    const double *xi = x->Xc + i * d;
    const wass_ground *g = &x->c->ground;
    for (size_t k = 0; k < L; k++)
        out[k] = 0.0;
    switch (g->metric) {
    case WASS_EUCLIDEAN:
    case WASS_SQEUCLIDEAN:
        for (size_t t = 0; t < d; t++) {
            const double *yt = x->YT + t * mr + j0;
            double xt = xi[t];
            for (size_t k = 0; k < L; k++) {
                double df = xt - yt[k];
                out[k] += df * df;
            }
        }
        if (g->metric == WASS_EUCLIDEAN) {
            if (g->p == 2.0) goto finish_tail; /* ||x - y||^2 directly */
            for (size_t k = 0; k < L; k++)
                out[k] = sqrt(out[k]);
        }
        break;
    case WASS_CITYBLOCK:
        for (size_t t = 0; t < d; t++) {
            const double *yt = x->YT + t * mr + j0;
            double xt = xi[t];
            for (size_t k = 0; k < L; k++)
                out[k] += fabs(xt - yt[k]);
        }
        break;
    case WASS_CHEBYSHEV:
        for (size_t t = 0; t < d; t++) {
            const double *yt = x->YT + t * mr + j0;
            double xt = xi[t];
            for (size_t k = 0; k < L; k++) {
                double df = fabs(xt - yt[k]);
                out[k] = df > out[k] ? df : out[k];
            }
        }
        break;
    case WASS_MINKOWSKI:
        for (size_t t = 0; t < d; t++) {
            const double *yt = x->YT + t * mr + j0;
            double xt = xi[t];
            for (size_t k = 0; k < L; k++)
                out[k] += pow(fabs(xt - yt[k]), g->q);
        }
        for (size_t k = 0; k < L; k++)
            out[k] = pow(out[k], 1.0 / g->q);
        break;
    }
    double p = g->p;
    if (p == 2.0)
        for (size_t k = 0; k < L; k++)
            out[k] *= out[k];
    else if (p != 1.0)
        for (size_t k = 0; k < L; k++)
            out[k] = pow(out[k], p);
finish_tail:
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
        int any = 0;
        for (size_t k = k0; k < k1; k++)
            any |= (c[k] - ui + pv[k]) < b;
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
    const cost_ctx *x = vctx;
    if (i >= x->nreal || j0 + len > x->mreal || x->jb) {
        row_dense(vctx, i, j0, len, scratch);
        return price_scan(scratch, len, ui, pv, best);
    }
    return price_scan(x->c->C + x->ia[i] * x->c->ld + j0, len, ui, pv, best);
}

/* Points: accumulate the pre-transform value s (sum of squares, of absolute
 * differences, or their max) for the segment, then compare against the
 * threshold ui - v_j + best before taking any square root. */
WASS__SIMD_CLONES static size_t price_points(const void *vctx, size_t i, size_t j0, size_t len,
                                             double ui, const double *pv, double *best, double *s) {
    const cost_ctx *x = vctx;
    if (!x->fast || i >= x->nreal || j0 + len > x->mreal) {
        row_points(vctx, i, j0, len, s);
        return price_scan(s, len, ui, pv, best);
    }
    size_t d = x->d, mr = x->mreal;
    const double *xi = x->Xc + i * d;
    if (d == 2 && x->fast == FAST_EUCLID1) {
        /* the plane, W1: one fused pass, a square root only for winners */
        const double *y0 = x->YT + j0, *y1 = x->YT + mr + j0;
        double x0 = xi[0], x1 = xi[1], b = *best, ub = ui + b;
        size_t bk = (size_t)-1;
        for (size_t k0 = 0; k0 < len; k0 += PRICE_CHUNK) {
            size_t k1 = len - k0 < PRICE_CHUNK ? len : k0 + PRICE_CHUNK;
            int any = 0;
            for (size_t k = k0; k < k1; k++) {
                double th = ub - pv[k];
                double dx = x0 - y0[k], dy = x1 - y1[k];
                any |= (th > 0) & (dx * dx + dy * dy < th * th);
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
    {
        const double *y0 = x->YT + j0;
        double x0 = xi[0];
        switch (x->fast) {
        case FAST_EUCLID1:
        case FAST_SQ:
            for (size_t k = 0; k < len; k++) {
                double df = x0 - y0[k];
                s[k] = df * df;
            }
            for (size_t t = 1; t < d; t++) {
                const double *yt = x->YT + t * mr + j0;
                double xt = xi[t];
                for (size_t k = 0; k < len; k++) {
                    double df = xt - yt[k];
                    s[k] += df * df;
                }
            }
            break;
        case FAST_L1:
            for (size_t k = 0; k < len; k++)
                s[k] = fabs(x0 - y0[k]);
            for (size_t t = 1; t < d; t++) {
                const double *yt = x->YT + t * mr + j0;
                double xt = xi[t];
                for (size_t k = 0; k < len; k++)
                    s[k] += fabs(xt - yt[k]);
            }
            break;
        default:
            for (size_t k = 0; k < len; k++)
                s[k] = fabs(x0 - y0[k]);
            for (size_t t = 1; t < d; t++) {
                const double *yt = x->YT + t * mr + j0;
                double xt = xi[t];
                for (size_t k = 0; k < len; k++) {
                    double df = fabs(xt - yt[k]);
                    s[k] = df > s[k] ? df : s[k];
                }
            }
            break;
        }
    }
    if (x->fast != FAST_EUCLID1) return price_scan(s, len, ui, pv, best);
    double b = *best;
    size_t bk = (size_t)-1;
    for (size_t k0 = 0; k0 < len; k0 += PRICE_CHUNK) {
        size_t k1 = len - k0 < PRICE_CHUNK ? len : k0 + PRICE_CHUNK;
        int any = 0;
        for (size_t k = k0; k < k1; k++) {
            double th = ui - pv[k] + b;
            any |= (th > 0) & (s[k] < th * th);
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

/* After price_points on a whole row of a W1 point cloud outside the plane,
 * the scratch holds the squared distances: their square roots are the costs
 * row_points gives (same sums in the same order). */
static int points_price_to_cost(const void *vctx, size_t i, size_t len, double *s) {
    const cost_ctx *x = vctx;
    if (x->fast != FAST_EUCLID1 || x->d == 2 || i >= x->nreal || len > x->mreal) return 0;
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

/* Sort compressed points by their coordinate of largest spread, so the
 * north-west corner start follows the data (optimal in one dimension). */
static int points_order(const cost_ctx *cx, size_t n2, size_t m2, size_t *so, size_t *ko) {
    size_t d = cx->d, nr = cx->nreal, mr = cx->mreal;
    size_t best_t = 0;
    double best_var = -1.0;
    for (size_t t = 0; t < d; t++) {
        double s = 0, s2 = 0;
        for (size_t i = 0; i < nr; i++) {
            double z = cx->Xc[i * d + t];
            s += z;
            s2 += z * z;
        }
        for (size_t j = 0; j < mr; j++) {
            double z = cx->YT[t * mr + j];
            s += z;
            s2 += z * z;
        }
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
    for (size_t i = 0; i < n2; i++) {
        kk[i].key = i < nr ? cx->Xc[i * d + best_t] : INFINITY;
        kk[i].idx = i;
    }
    qsort(kk, n2, sizeof *kk, keyed_cmp);
    for (size_t i = 0; i < n2; i++)
        so[i] = kk[i].idx;
    for (size_t j = 0; j < m2; j++) {
        kk[j].key = j < mr ? cx->YT[best_t * mr + j] : INFINITY;
        kk[j].idx = j;
    }
    qsort(kk, m2, sizeof *kk, keyed_cmp);
    for (size_t j = 0; j < m2; j++)
        ko[j] = kk[j].idx;
    free(kk);
    return WASS_OK;
}

static int flow_cmp(const void *pa, const void *pb) {
    const wass_flow *a = pa, *b = pb;
    if (a->i != b->i) return a->i < b->i ? -1 : 1;
    if (a->j != b->j) return a->j < b->j ? -1 : 1;
    return 0;
}

static int check_dense_costs(const wass_problem *pb, wass_error_info *err) {
    const wass_cost *c = &pb->cost;
    for (size_t i = 0; i < pb->n; i++) {
        const double *row = c->C + i * c->ld;
        for (size_t j = 0; j < pb->m; j++)
            if (!isfinite(row[j]))
                return wass__fail(err, WASS_ERR_NAN, "cost C[%zu][%zu] is %s", i, j,
                                  isnan(row[j]) ? "NaN" : "infinite");
    }
    return WASS_OK;
}

static int emd_once(const wass_problem *pb, const wass_options *opt_in, wass_result *res,
                    wass_error_info *err) {
    wass__clear(err);
    if (!res) return wass__fail(err, WASS_ERR_INVALID, "result is NULL");
    memset(res, 0, sizeof *res);
    res->status = WASS_NOT_SOLVED;
    double t0 = wass__now();
    int rc = wass_problem_check(pb, err);
    if (rc) return rc;
    wass_options opt;
    if (opt_in)
        opt = *opt_in;
    else
        wass_options_default(&opt);
    if ((int)opt.mass < WASS_MASS_BALANCED || (int)opt.mass > WASS_MASS_PARTIAL)
        return wass__fail(err, WASS_ERR_INVALID, "unknown mass mode %d", (int)opt.mass);
    if (!(opt.mass_tol >= 0)) /* inf: any totals (then b is rescaled to a's) */
        return wass__fail(err, WASS_ERR_INVALID, "mass_tol = %g must be >= 0", opt.mass_tol);
    if (!(opt.cert_tol >= 0 && opt.cert_tol < 1))
        return wass__fail(err, WASS_ERR_INVALID, "cert_tol = %g must lie in [0, 1)", opt.cert_tol);
    if (opt.max_iter < 0)
        return wass__fail(err, WASS_ERR_INVALID, "max_iter = %lld must be >= 0",
                          (long long)opt.max_iter);
    if (opt.algorithm < WASS_ALGO_AUTO || opt.algorithm > WASS_ALGO_COLGEN)
        return wass__fail(err, WASS_ERR_INVALID, "unknown algorithm %d", opt.algorithm);
    if (opt.algorithm == WASS_ALGO_COLGEN && pb->cost.kind != WASS_COST_POINTS)
        return wass__fail(err, WASS_ERR_UNSUPPORTED,
                          "column generation needs point clouds (cost kind %d given)",
                          (int)pb->cost.kind);
    if (opt.block_size < 0)
        return wass__fail(err, WASS_ERR_INVALID, "block_size = %lld must be >= 0",
                          (long long)opt.block_size);
    if (pb->cost.kind == WASS_COST_DENSE && (rc = check_dense_costs(pb, err))) return rc;

    size_t n = pb->n, m = pb->m;
    double *a2 = malloc(n * sizeof(double)), *b2 = malloc(m * sizeof(double));
    size_t *ia = malloc((n + 1) * sizeof(size_t)), *jb = malloc((m + 1) * sizeof(size_t));
    double *sup = malloc((n + 1) * sizeof(double)), *dem = malloc((m + 1) * sizeof(double));
    size_t *so = NULL, *ko = NULL;
    cost_ctx cx;
    memset(&cx, 0, sizeof cx);
    wass__groups gs, gt;
    memset(&gs, 0, sizeof gs);
    memset(&gt, 0, sizeof gt);
    int merged = 0;
    wass__ns_output out;
    memset(&out, 0, sizeof out);
    double *u = NULL, *v = NULL;
    if (!a2 || !b2 || !ia || !jb || !sup || !dem) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
        goto done;
    }
    double A, B;
    rc = wass__emd_masses(pb, opt.mass, opt.mass_tol, a2, b2, &A, &B, err);
    if (rc) goto done;

    /* compress out zero weights; add a dummy node for partial transport */
    size_t nr = 0, mr = 0;
    for (size_t i = 0; i < n; i++)
        if (a2[i] > 0) {
            ia[nr] = i;
            sup[nr++] = a2[i];
        }
    for (size_t j = 0; j < m; j++)
        if (b2[j] > 0) {
            jb[mr] = j;
            dem[mr++] = b2[j];
        }
    /* Column generation works on one point per location (emd_internal.h):
     * decided on the problem as given, then coincident points are merged. */
    int partial_dummy = opt.mass == WASS_MASS_PARTIAL && A != B;
    int use_colgen = pb->cost.kind == WASS_COST_POINTS &&
                     wass__colgen_wanted(pb, &opt, nr, mr,
                                         !partial_dummy && wass__equal_masses(sup, nr, dem, mr));
    if (use_colgen) {
        if (wass__group_points(pb->cost.X, pb->cost.d, ia, sup, nr, &gs) ||
            wass__group_points(pb->cost.Y, pb->cost.d, jb, dem, mr, &gt)) {
            rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
            goto done;
        }
        merged = gs.ng < nr || gt.ng < mr;
        nr = gs.ng;
        mr = gt.ng;
    }
    size_t n2 = nr, m2 = mr;
    int dummy_row = 0, dummy_col = 0;
    if (partial_dummy) {
        if (A > B) {
            dem[m2++] = A - B;
            dummy_col = 1;
        } else {
            sup[n2++] = B - A;
            dummy_row = 1;
        }
    }
    cx.c = &pb->cost;
    cx.ia = ia;
    cx.jb = (pb->cost.kind == WASS_COST_DENSE && mr == m) ? NULL : jb;
    cx.nreal = nr;
    cx.mreal = mr;
    wass__ns_input in;
    memset(&in, 0, sizeof in);
    in.n = n2;
    in.m = m2;
    in.supply = sup;
    in.demand = dem;
    in.cost_ctx = &cx;
    in.max_iter = opt.max_iter;
    in.block_size = opt.block_size;
    in.progress = opt.progress;
    in.progress_user = opt.progress_user;
    switch (pb->cost.kind) {
    case WASS_COST_DENSE:
        in.cost_row = row_dense;
        in.price_row = price_dense;
        in.shortlist = -1; /* streaming a stored row is cheap: full block search */
        break;
    case WASS_COST_CALLBACK:
        in.cost_row = row_callback;
        break;
    case WASS_COST_POINTS: {
        size_t d = pb->cost.d, nd, md;
        in.cost_row = row_points;
        in.price_row = price_points;
        /* in the plane the sorted north-west start and full block search do
         * best; in higher dimension shortlists of near neighbours pay off */
        in.shortlist = d <= 2 ? -1 : 0;
        cx.d = d;
        {
            const wass_ground *g = &pb->cost.ground;
            if (g->metric == WASS_EUCLIDEAN && g->p == 1.0) {
                cx.fast = FAST_EUCLID1;
                in.price_row_saves = 1; /* no square roots for losers */
                in.price_to_cost = points_price_to_cost;
            } else if ((g->metric == WASS_EUCLIDEAN && g->p == 2.0) ||
                       (g->metric == WASS_SQEUCLIDEAN && g->p == 1.0))
                cx.fast = FAST_SQ;
            else if (g->metric == WASS_CITYBLOCK && g->p == 1.0)
                cx.fast = FAST_L1;
            else if (g->metric == WASS_CHEBYSHEV && g->p == 1.0)
                cx.fast = FAST_LINF;
        }
        if (!wass__mul_ok(nr, d, &nd) || !wass__mul_ok(mr, d, &md)) {
            rc = wass__fail(err, WASS_ERR_SIZE, "point cloud size overflows");
            goto done;
        }
        cx.Xc = malloc((nd ? nd : 1) * sizeof(double));
        cx.YT = malloc((md ? md : 1) * sizeof(double));
        so = malloc(n2 * sizeof(size_t));
        ko = malloc(m2 * sizeof(size_t));
        if (!cx.Xc || !cx.YT || !so || !ko) {
            rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < nr; i++)
            memcpy(cx.Xc + i * d, pb->cost.X + ia[i] * d, d * sizeof(double));
        for (size_t j = 0; j < mr; j++)
            for (size_t t = 0; t < d; t++)
                cx.YT[t * mr + j] = pb->cost.Y[jb[j] * d + t];
        if ((rc = points_order(&cx, n2, m2, so, ko))) {
            rc = wass__fail(err, rc, "out of memory");
            goto done;
        }
        in.src_order = so;
        in.snk_order = ko;
        break;
    }
    default:
        rc = wass__fail(err, WASS_ERR_INVALID, "unknown cost kind");
        goto done;
    }

    res->algorithm = WASS_ALGO_SIMPLEX;
    if (use_colgen) {
        res->algorithm = WASS_ALGO_COLGEN;
        rc = wass__colgen_solve(pb, &opt, ia, jb, nr, mr, &in, &out, res, err);
    } else {
        rc = wass__ns_solve(&in, &out, err);
    }
    if (rc) goto done;

    /* duals for every original point */
    u = malloc(n * sizeof(double));
    v = malloc(m * sizeof(double));
    if (!u || !v) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
        goto done;
    }
    double ud = dummy_row ? out.u[n2 - 1] : 0.0, vd = dummy_col ? out.v[m2 - 1] : 0.0;
    {
        unsigned char *has = calloc(n + m, 1);
        if (!has) {
            rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < nr; i++)
            if (merged)
                for (size_t q = gs.first[i]; q < gs.first[i + 1]; q++) {
                    u[gs.member[q]] = out.u[i];
                    has[gs.member[q]] = 1;
                }
            else {
                u[ia[i]] = out.u[i];
                has[ia[i]] = 1;
            }
        for (size_t j = 0; j < mr; j++)
            if (merged)
                for (size_t q = gt.first[j]; q < gt.first[j + 1]; q++) {
                    v[gt.member[q]] = out.v[j];
                    has[n + gt.member[q]] = 1;
                }
            else {
                v[jb[j]] = out.v[j];
                has[n + jb[j]] = 1;
            }
        /* zero-weight sinks: c-transform over the active sources (and the
         * dummy source of partial transport, whose cost is zero) */
        for (size_t j = 0; j < m; j++) {
            if (has[n + j]) continue;
            double best = dummy_row ? -ud : INFINITY;
            for (size_t k = 0; k < nr; k++) {
                double c = wass__cost(&pb->cost, ia[k], j) - out.u[k];
                if (c < best) best = c;
            }
            v[j] = best;
        }
        /* zero-weight sources: c-transform over all sinks (and the dummy sink) */
        for (size_t i = 0; i < n; i++) {
            if (has[i]) continue;
            double best = dummy_col ? -vd : INFINITY;
            for (size_t j = 0; j < m; j++) {
                double c = wass__cost(&pb->cost, i, j) - v[j];
                if (c < best) best = c;
            }
            u[i] = best;
        }
        free(has);
    }

    /* plan in original indices, without the dummy */
    size_t np = 0;
    wass_flow *plan = malloc((out.nflows ? out.nflows : 1) * sizeof(wass_flow));
    if (!plan) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < out.nflows; k++) {
        if (out.flows[k].i >= nr || out.flows[k].j >= mr) continue;
        plan[np].i = out.flows[k].i;
        plan[np].j = out.flows[k].j;
        plan[np].mass = out.flows[k].mass;
        np++;
    }
    /* flows afresh from the (merged) weights: the totals' ulp at a node of
     * potential nearest the median, not on a dear arc */
    if (!partial_dummy && wass__plan_polish(plan, np, nr, mr, sup, dem, out.u, out.v)) {
        size_t kept = 0; /* degenerate arcs that came out 0 leave the plan */
        for (size_t k = 0; k < np; k++)
            if (plan[k].mass > 0) plan[kept++] = plan[k];
        np = kept;
    }
    if (!merged)
        for (size_t k = 0; k < np; k++) {
            plan[k].i = ia[plan[k].i];
            plan[k].j = jb[plan[k].j];
        }
    if (merged) { /* group pairs -> member pairs */
        wass_flow *split = NULL;
        size_t ns = 0;
        rc = wass__split_plan(plan, np, &gs, a2, &gt, b2, &split, &ns);
        free(plan);
        if (rc) {
            rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
            goto done;
        }
        plan = split;
        np = ns;
    }
    qsort(plan, np, sizeof *plan, flow_cmp);
    double work = 0.0, flow = 0.0, cw = 0.0, cf = 0.0;
    int es; /* masses scaled by 2^-es (exact) so that mass * cost does not underflow */
    frexp(fmax(A, B), &es);
    for (size_t k = 0; k < np; k++) {
        /* Kahan-compensated sums */
        double ms = ldexp(plan[k].mass, -es);
        double y = ms * wass__cost(&pb->cost, plan[k].i, plan[k].j) - cw;
        double tt = work + y;
        cw = (tt - work) - y;
        work = tt;
        y = ms - cf;
        tt = flow + y;
        cf = (tt - flow) - y;
        flow = tt;
    }
    res->n = n;
    res->m = m;
    res->plan = plan;
    res->plan_len = np;
    res->u = u;
    res->v = v;
    u = v = NULL;
    res->work = ldexp(work, es);
    res->flow = ldexp(flow, es);
    res->cost = opt.mass == WASS_MASS_PARTIAL ? (flow > 0 ? work / flow : 0.0) : res->work;
    if (!isfinite(res->cost)) {
        rc = wass__fail(err, WASS_ERR_NAN,
                        "the optimal cost (mass times cost) overflows double precision: scale "
                        "the weights or the costs down");
        goto done;
    }
    if (work != 0 && fabs(res->cost) < DBL_MIN) {
        rc = wass__fail(err, WASS_ERR_NAN,
                        "the optimal cost (mass times cost, about %.3g) underflows double "
                        "precision: scale the weights or the costs up",
                        ldexp(work, es));
        goto done;
    }
    double p = wass_cost_power(&pb->cost);
    res->distance = p == 1.0 ? res->cost : pow(fmax(res->cost, 0.0), 1.0 / p);
    res->iterations = out.iterations;
    res->status = out.status;
    if (out.status == WASS_ITERATION_LIMIT)
        snprintf(res->message, sizeof res->message,
                 "stopped after %lld pivots (max_iter): the plan is feasible but not optimal",
                 (long long)out.iterations);
    res->seconds = wass__now() - t0;

    if (opt.certify) {
        double tc = wass__now();
        rc = wass_certify(pb, &opt, res, &res->cert);
        res->certify_seconds = wass__now() - tc;
        if (rc) {
            if (rc == WASS_ERR_NAN)
                wass__fail(err, rc,
                           "a cost C(i, j) is NaN or infinite (or overflows double precision: "
                           "scale the costs or coordinates down)");
            else if (rc == WASS_ERR_UNSUPPORTED)
                rc = wass__fail(err, WASS_ERR_NAN,
                                "a ground cost between distinct points underflows double precision "
                                "(points too close for the metric and power p): scale the "
                                "coordinates up");
            else
                wass__fail(err, rc, "certificate could not be computed (%s)", wass_strerror(rc));
            goto done;
        }
        if (res->status == WASS_OPTIMAL && !res->cert.certified) {
            res->status = WASS_NOT_CONVERGED;
            snprintf(res->message, sizeof res->message,
                     "certificate failed: error bound %.3g of the cost (relative, tolerance "
                     "%.3g), marginal error %.3g, min reduced cost %.3g",
                     res->cert.duality_gap, res->cert.tol, res->cert.marginal_error,
                     res->cert.min_reduced_cost);
        }
    }
    if (!opt.want_plan) {
        free(res->plan);
        res->plan = NULL;
        res->plan_len = 0;
    }
    if (!opt.want_duals) {
        free(res->u);
        free(res->v);
        res->u = res->v = NULL;
    }
    rc = WASS_OK;
done:
    if (rc) wass_result_free(res);
    wass__ns_output_free(&out);
    wass__groups_free(&gs);
    wass__groups_free(&gt);
    free(a2);
    free(b2);
    free(ia);
    free(jb);
    free(sup);
    free(dem);
    free(so);
    free(ko);
    free(cx.Xc);
    free(cx.YT);
    free(u);
    free(v);
    return rc;
}

/* Column generation whose answer misses the certificate (its sparse solves
 * can leave an ulp of mass where a cost of 1e142 makes it count) is solved
 * again by the simplex over all pairs when that is affordable: "certified"
 * is a promise about the answer, not about the algorithm. */
#define WASS__COLGEN_FALLBACK_PAIRS 4.0e6

int wass_emd(const wass_problem *pb, const wass_options *opt, wass_result *res,
             wass_error_info *err) {
    int rc = emd_once(pb, opt, res, err);
    if (rc == WASS_OK && res->algorithm == WASS_ALGO_COLGEN && res->status == WASS_NOT_CONVERGED &&
        res->cert.checked && !res->cert.certified &&
        (double)pb->n * (double)pb->m <= WASS__COLGEN_FALLBACK_PAIRS) {
        wass_options o;
        if (opt)
            o = *opt;
        else
            wass_options_default(&o);
        o.algorithm = WASS_ALGO_SIMPLEX;
        wass_result r2;
        wass_error_info e2;
        if (emd_once(pb, &o, &r2, &e2) == WASS_OK && r2.status == WASS_OPTIMAL) {
            r2.seconds += res->seconds;
            wass_result_free(res);
            *res = r2;
            snprintf(res->message, sizeof res->message,
                     "column generation missed the certificate; solved by the simplex");
        } else
            wass_result_free(&r2);
    }
    return rc;
}
