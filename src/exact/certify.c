/*
 * certify.c - independent certificate of an exact transport result: it
 * trusts only the problem and the plan / duals stored in the result, and
 * recomputes the marginal error of the plan, the most negative reduced cost
 * C_ij - u_i - v_j over ALL n*m pairs, and a bound on the error of the cost.
 *
 * The bound. The potentials are first shifted by the constant t (u + t,
 * v - t: the same dual value) that makes sum a|u| + sum b|v| least (a
 * weighted median), so that no large terms cancel. The row potentials are
 * then replaced by the c-transform of the column potentials made feasible
 * against rounding: u'_i = min(u_i, pred(min_j fl(C_ij - v_j))), where pred
 * is the next double below. Rounding to nearest is monotone, so the exact
 * minimum of C_ij - v_j lies at a j of the computed minimum, within half a
 * spacing of it: u'_i + v_j <= C_ij holds exactly for every pair, whatever
 * the solver returned. With r, c the plan's own marginals,
 *     cost - (sum a u' + sum b v) = sum_plan P_ij (C_ij - u'_i - v_j)
 *                                   - sum (a - r) u' - sum (b - c) v,
 * a sum of non-negative terms (no cancellation) and a term of the size of
 * the marginal error. Each is summed with its rounding error bounded from
 * above (3 units of roundoff per reduced cost, of the magnitudes involved;
 * compensated sums), so the bound cannot be made to lie by rounding. Masses
 * are scaled by a power of two (exact) so that products do not underflow.
 * The lower side (optimum >= cost - bound) is rigorous for the given
 * weights; the upper side is rigorous for the plan's own marginals, which
 * differ from the weights by marginal_error, and to first order (the same
 * basis) for the weights themselves. The optimum is that of the problem with
 * the library's double-precision costs (wass_cost_eval); point-cloud costs
 * that under- or overflow double precision are refused (WASS_ERR_UNSUPPORTED
 * / WASS_ERR_NAN), never rounded to 0 or infinity and certified.
 */
#include "exact/emd_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Block of columns for the point-cloud scan. */
#define CERT_BLOCK 256
/* A raw sum (of squared, absolute or q-th power differences) below this
 * between distinct points has lost precision to underflow. */
#define RAW_TINY 0x1p-1000

static int distinct(const double *xi, const double *YT, size_t m, size_t d, size_t j) {
    for (size_t t = 0; t < d; t++)
        if (xi[t] != YT[t * m + j]) return 1;
    return 0;
}

/* Flags (*uf) a pair of distinct points whose raw sum underflows. */
static void underflow_check(const double *raw, const double *xi, const double *YT, size_t m,
                            size_t d, size_t j0, size_t len, int *uf) {
    for (size_t k = 0; k < len; k++)
        if (raw[k] < RAW_TINY && distinct(xi, YT, m, d, j0 + k)) *uf = 1;
}

/* W1 (plain Euclidean) after the squared distances s_k are in buf: the
 * row minimum of sqrt(s_k) - v_k needs a square root only where it can win,
 * sqrt(s_k) < rowmin + v_k, tested as s_k <= (rowmin + v_k)^2 with a margin
 * far above rounding (a pair let through is then computed exactly); the
 * largest cost is sqrt(max s_k) (sqrt is correctly rounded and monotone). */
#define EUCLID1_CHUNK 16
static inline void euclid1_tail(const double *buf, const double *vj, size_t len, double *rowmin,
                                double *maxc, int *bad) {
    double mn = *rowmin, smax = 0.0;
    int b = 0;
    for (size_t k0 = 0; k0 < len; k0 += EUCLID1_CHUNK) {
        size_t k1 = len - k0 < EUCLID1_CHUNK ? len : k0 + EUCLID1_CHUNK;
        int any = 0, nonfinite = 0;
        for (size_t k = k0; k < k1; k++) {
            double th = mn + vj[k], sk = buf[k];
            any |= (th > 0) & (sk <= th * th * (1.0 + 1e-12));
            nonfinite |= !(sk <= DBL_MAX); /* NaN or infinite */
        }
        if (nonfinite) b = 1;
        for (size_t k = k0; k < k1; k++)
            smax = buf[k] > smax ? buf[k] : smax;
        if (!any) continue;
        for (size_t k = k0; k < k1; k++) {
            double r = sqrt(buf[k]) - vj[k];
            mn = r < mn ? r : mn;
        }
    }
    double c = sqrt(smax);
    *rowmin = mn;
    *maxc = c > *maxc ? c : *maxc;
    *bad |= b;
}

/* The sums of squared differences in the plane and in space, one pass:
 * the same sums in the same order as the per-coordinate passes below
 * (0 + s = s for every s >= 0 or NaN). */
static inline void fused_squares(const double *xi, const double *YT, size_t m, size_t d, size_t j0,
                                 size_t len, double *buf) {
    const double *y0 = YT + j0, *y1 = YT + m + j0;
    double x0 = xi[0], x1 = xi[1];
    if (d == 2)
        for (size_t k = 0; k < len; k++) {
            double dx = x0 - y0[k], dy = x1 - y1[k];
            buf[k] = dx * dx + dy * dy;
        }
    else {
        const double *y2 = YT + 2 * m + j0;
        double x2 = xi[2];
        for (size_t k = 0; k < len; k++) {
            double dx = x0 - y0[k], dy = x1 - y1[k], dz = x2 - y2[k];
            buf[k] = dx * dx + dy * dy + dz * dz;
        }
    }
}

/* One row of a point-cloud cost against columns j0..j0+len (Y transposed,
 * d x m), the same operations as wass_ground_eval so the numbers agree, laid
 * out so the compiler vectorizes each pass; then the row's minimum of
 * C_ij - v_j (the row's reduced costs are that minus u_i) and maximum |C|. */
WASS__SIMD_CLONES static void points_block(const wass_ground *g, const double *xi, const double *YT,
                                           size_t m, size_t d, size_t j0, size_t len,
                                           const double *v, double *buf, double *rowmin,
                                           double *maxc, int *bad, int *uf) {
    int sq = g->metric == WASS_EUCLIDEAN || g->metric == WASS_SQEUCLIDEAN;
    if (sq && (d == 2 || d == 3))
        fused_squares(xi, YT, m, d, j0, len, buf);
    else
        for (size_t k = 0; k < len; k++)
            buf[k] = 0.0;
    for (size_t t = 0; t < d && !(sq && (d == 2 || d == 3)); t++) {
        const double *yt = YT + t * m + j0;
        double xt = xi[t];
        switch (g->metric) {
        case WASS_EUCLIDEAN:
        case WASS_SQEUCLIDEAN:
            for (size_t k = 0; k < len; k++) {
                double df = xt - yt[k];
                buf[k] += df * df;
            }
            break;
        case WASS_CITYBLOCK:
            for (size_t k = 0; k < len; k++)
                buf[k] += fabs(xt - yt[k]);
            break;
        case WASS_CHEBYSHEV:
            for (size_t k = 0; k < len; k++) {
                double df = fabs(xt - yt[k]);
                buf[k] = df > buf[k] ? df : buf[k];
            }
            break;
        case WASS_MINKOWSKI:
            for (size_t k = 0; k < len; k++)
                buf[k] += pow(fabs(xt - yt[k]), g->q);
            break;
        }
    }
    double rawmin = INFINITY;
    for (size_t k = 0; k < len; k++)
        rawmin = buf[k] < rawmin ? buf[k] : rawmin;
    if (rawmin < RAW_TINY) underflow_check(buf, xi, YT, m, d, j0, len, uf);
    if (g->metric == WASS_EUCLIDEAN && g->p == 1.0) {
        euclid1_tail(buf, v + j0, len, rowmin, maxc, bad);
        return;
    }
    if (g->metric == WASS_EUCLIDEAN) {
        size_t k = 0;
#ifdef __SSE2__
        for (; k + 2 <= len; k += 2)
            _mm_storeu_pd(buf + k, _mm_sqrt_pd(_mm_loadu_pd(buf + k)));
#endif
        for (; k < len; k++)
            buf[k] = sqrt(buf[k]);
    } else if (g->metric == WASS_MINKOWSKI)
        for (size_t k = 0; k < len; k++)
            buf[k] = pow(buf[k], 1.0 / g->q);
    double p = g->p;
    if (p == 2.0)
        for (size_t k = 0; k < len; k++)
            buf[k] *= buf[k];
    else if (p != 1.0)
        for (size_t k = 0; k < len; k++)
            buf[k] = pow(buf[k], p);
    double cmin = INFINITY;
    for (size_t k = 0; k < len; k++)
        cmin = buf[k] < cmin ? buf[k] : cmin;
    if (cmin < DBL_MIN) /* a power p that underflows (0 is right for equal points only) */
        for (size_t k = 0; k < len; k++)
            if (buf[k] < DBL_MIN && distinct(xi, YT, m, d, j0 + k)) *uf = 1;
    double mn = *rowmin, mx = *maxc;
    int b = 0;
    const double *vj = v + j0;
    size_t k0 = 0;
#ifdef __SSE2__
    {
        __m128d vmn = _mm_set1_pd(mn), vmx = _mm_set1_pd(mx), vbad = _mm_setzero_pd();
        const __m128d sign = _mm_set1_pd(-0.0);
        for (; k0 + 2 <= len; k0 += 2) {
            __m128d c = _mm_loadu_pd(buf + k0);
            vmn = _mm_min_pd(vmn, _mm_sub_pd(c, _mm_loadu_pd(vj + k0)));
            vmx = _mm_max_pd(vmx, _mm_andnot_pd(sign, c));
            __m128d z = _mm_sub_pd(c, c); /* NaN for NaN or infinite */
            vbad = _mm_or_pd(vbad, _mm_cmpunord_pd(z, z));
        }
        double t[2];
        _mm_storeu_pd(t, vmn);
        mn = fmin(t[0], t[1]);
        _mm_storeu_pd(t, vmx);
        mx = fmax(t[0], t[1]);
        b = _mm_movemask_pd(vbad) != 0;
    }
#endif
    for (size_t k = k0; k < len; k++) {
        double c = buf[k];
        double r = c - vj[k];
        mn = r < mn ? r : mn;
        double a = fabs(c);
        mx = a > mx ? a : mx;
        b |= !(c - c == 0.0); /* NaN or infinite */
    }
    *rowmin = mn;
    *maxc = mx;
    *bad |= b;
}

/* ---- the certificate ------------------------------------------------------ */

#define U_RND 0x1p-53 /* unit roundoff */
#define ETA 0x1p-1074 /* absolute error of an operation that underflows */

/* Neumaier accumulation of x into (s, c). */
static inline void acc(double *s, double *c, double x) {
    double t = *s + x;
    if (fabs(*s) >= fabs(x))
        *c += (*s - t) + x;
    else
        *c += (x - t) + *s;
    *s = t;
}

typedef struct {
    double key, w;
} wpt;

static int wpt_cmp(const void *x, const void *y) {
    double a = ((const wpt *)x)->key, b = ((const wpt *)y)->key;
    return a < b ? -1 : a > b;
}

/* The shift t minimizing sum a_i |u_i + t| + sum b_j |v_j - t|: a weighted
 * median of {-u_i (weight a_i)} and {v_j (weight b_j)}. 0 without memory. */
double wass__cert_shift(const double *u, const double *a, size_t n, const double *v,
                        const double *b, size_t m) {
    wpt *p = malloc((n + m) * sizeof *p);
    if (!p) return 0.0;
    size_t k = 0;
    double tot = 0.0;
    for (size_t i = 0; i < n; i++)
        if (a[i] > 0) {
            p[k++] = (wpt){-u[i], a[i]};
            tot += a[i];
        }
    for (size_t j = 0; j < m; j++)
        if (b[j] > 0) {
            p[k++] = (wpt){v[j], b[j]};
            tot += b[j];
        }
    qsort(p, k, sizeof *p, wpt_cmp);
    double s = 0.0, t = 0.0;
    for (size_t q = 0; q < k; q++) {
        s += p[q].w;
        if (2.0 * s >= tot) {
            t = p[q].key;
            break;
        }
    }
    free(p);
    return isfinite(t) ? t : 0.0;
}

typedef struct {
    size_t n, m;
    double *a2, *b2; /* masses after mass handling, scaled by 2^-e */
    double *rs, *cs; /* the plan's row and column sums (scaled), compensated */
    double *rc, *cc; /* their compensations */
    double *us, *vs; /* shifted potentials */
    double *urep;    /* the feasible c-transform u' */
    double A, B;     /* scaled totals */
    int e;           /* mass scale exponent */
} cert_work;

/* Scan of all n*m pairs: rowmin_i = min_j fl(C_ij - vs_j) into w->urep (the
 * same minima, bit for bit, by branch and bound from certify_tree.c where
 * it applies), the
 * most negative reduced cost of the shifted solver duals (relative to the
 * largest cost), and the checks of non-finite or underflowing costs. */
static int scan_pairs(const wass_problem *pb, const wass_result *res, int nt, cert_work *w,
                      double *minrc_out, int *nonneg) {
    size_t n = pb->n, m = pb->m;
    const double *us = w->us, *vs = w->vs;
    double minrc = INFINITY, maxc = 0.0, minc = 0.0; /* point costs are >= 0 */
    int bad = 0, uf = 0;
    int big = (double)n * (double)m >= WASS__CERT_TREE_MIN_PAIRS;
    if (pb->cost.kind == WASS_COST_POINTS && big &&
        wass__cert_rowmin_tree(pb, vs, res->plan, res->plan_len, nt, w->urep, &maxc)) {
        for (size_t i = 0; i < n; i++) {
            double r = w->urep[i] - us[i];
            if (r < minrc) minrc = r;
        }
    } else if (pb->cost.kind == WASS_COST_POINTS) {
        size_t d = pb->cost.d, md;
        double *YT = NULL;
        if (wass__mul_ok(m, d, &md)) YT = malloc((md ? md : 1) * sizeof(double));
        if (!YT) return WASS_ERR_NOMEM;
        for (size_t j = 0; j < m; j++)
            for (size_t t = 0; t < d; t++)
                YT[t * m + j] = pb->cost.Y[j * d + t];
        const wass_ground *g = &pb->cost.ground;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) reduction(min                                                 \
                                               : minrc) reduction(max                              \
                                                                  : maxc) reduction(|              \
                                                                                    : bad, uf)
#endif
        {
            double buf[CERT_BLOCK];
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
            for (size_t i = 0; i < n; i++) {
                const double *xi = pb->cost.X + i * d;
                double rowmin = INFINITY;
                for (size_t j0 = 0; j0 < m; j0 += CERT_BLOCK) {
                    size_t len = m - j0 < CERT_BLOCK ? m - j0 : CERT_BLOCK;
                    points_block(g, xi, YT, m, d, j0, len, vs, buf, &rowmin, &maxc, &bad, &uf);
                }
                double r = rowmin - us[i];
                if (r < minrc) minrc = r;
                w->urep[i] = rowmin;
            }
        }
        free(YT);
    } else {
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) reduction(min                            \
                                                                    : minrc, minc)                 \
    reduction(max                                                                                  \
              : maxc) reduction(|                                                                  \
                                : bad)
#endif
        for (size_t i = 0; i < n; i++) {
            double ui = us[i], rowmin = INFINITY;
            for (size_t j = 0; j < m; j++) {
                double c = wass__cost(&pb->cost, i, j);
                if (!isfinite(c)) bad = 1;
                double r = c - ui - vs[j];
                if (r < minrc) minrc = r;
                if (c - vs[j] < rowmin) rowmin = c - vs[j];
                if (fabs(c) > maxc) maxc = fabs(c);
                if (c < minc) minc = c;
            }
            w->urep[i] = rowmin;
        }
    }
    (void)nt;
    if (bad) return WASS_ERR_NAN;
    if (uf) return WASS_ERR_UNSUPPORTED;
    *minrc_out = minrc / (maxc > 0 ? maxc : 1.0);
    *nonneg = minc >= 0.0;
    return WASS_OK;
}

/* The plan: scaled marginals (compensated), primal cost, negative masses.
 * *pabs = sum |P C| (for the primal's rounding bound). */
static int plan_sums(const wass_problem *pb, const wass_result *res, cert_work *w, double *primal,
                     double *pabs, double *neg) {
    double s = 0.0, c = 0.0, ab = 0.0;
    *neg = 0.0;
    for (size_t k = 0; k < res->plan_len; k++) {
        const wass_flow *f = &res->plan[k];
        if (f->i >= w->n || f->j >= w->m || !isfinite(f->mass)) return WASS_ERR_INVALID;
        double p = ldexp(f->mass, -w->e);
        acc(&w->rs[f->i], &w->rc[f->i], p);
        acc(&w->cs[f->j], &w->cc[f->j], p);
        if (p < 0 && -p > *neg) *neg = -p;
        double cij = wass__cost(&pb->cost, f->i, f->j);
        if (!isfinite(cij)) return WASS_ERR_NAN;
        acc(&s, &c, p * cij);
        ab += fabs(p * cij);
    }
    for (size_t i = 0; i < w->n; i++)
        w->rs[i] += w->rc[i];
    for (size_t j = 0; j < w->m; j++)
        w->cs[j] += w->cc[j];
    *primal = s + c;
    *pabs = ab;
    return WASS_OK;
}

/* Upper bound of the gap sum_plan P (C - u' - v) (+ the dummy's flows in
 * partial mode) and of |sum (a - r) u' + sum (b - c) v|, as described at the
 * top of the file. */
static void gap_bound(const wass_problem *pb, const wass_result *res, const cert_work *w,
                      int partial, double *G, double *Tb, double *prec) {
    const double *up = w->urep, *vs = w->vs;
    double gs = 0.0, gc = 0.0, ts = 0.0, tc = 0.0, tmag = 0.0;
    size_t ops = 0;
    for (size_t k = 0; k < res->plan_len; k++) {
        const wass_flow *f = &res->plan[k];
        double p = fabs(ldexp(f->mass, -w->e));
        double cij = wass__cost(&pb->cost, f->i, f->j), ui = up[f->i], vj = vs[f->j];
        double r = cij - ui - vj;
        double rup = fmax(r, 0.0) + 3.0 * U_RND * (fabs(cij) + fabs(ui) + fabs(vj)) + 3.0 * ETA;
        acc(&gs, &gc, p * rup);
        ops++;
    }
    /* the dummy node of zero cost takes the excess in partial mode; its
     * feasible potential is the c-transform of the other side's */
    double vd = INFINITY;
    int rows_keep = partial && w->A > w->B, cols_keep = partial && w->B > w->A;
    if (rows_keep)
        for (size_t i = 0; i < w->n; i++)
            vd = fmin(vd, -up[i]);
    if (cols_keep)
        for (size_t j = 0; j < w->m; j++)
            vd = fmin(vd, -vs[j]);
    double dres = 0.0; /* the dummy's own marginal residual (its demand |A - B|) */
    for (size_t i = 0; i < w->n; i++) {
        double e = w->a2[i] - w->rs[i];
        if (rows_keep && e > 0) { /* a dummy flow e: reduced cost -u' - vd >= 0 */
            double rup = (-up[i] - vd) + 3.0 * U_RND * (fabs(up[i]) + fabs(vd)) + 3.0 * ETA;
            acc(&gs, &gc, e * rup);
            dres += e;
            e = 0.0;
        }
        acc(&ts, &tc, e * up[i]);
        tmag += (fabs(w->a2[i]) + fabs(w->rs[i])) * fabs(up[i]);
    }
    for (size_t j = 0; j < w->m; j++) {
        double e = w->b2[j] - w->cs[j];
        if (cols_keep && e > 0) {
            double rup = (-vs[j] - vd) + 3.0 * U_RND * (fabs(vs[j]) + fabs(vd)) + 3.0 * ETA;
            acc(&gs, &gc, e * rup);
            dres += e;
            e = 0.0;
        }
        acc(&ts, &tc, e * vs[j]);
        tmag += (fabs(w->b2[j]) + fabs(w->cs[j])) * fabs(vs[j]);
    }
    if (partial && w->A != w->B) { /* the dummy's demand against its flows */
        double e = fabs(w->A - w->B) - dres;
        acc(&ts, &tc, e * vd);
        tmag += (fabs(w->A - w->B) + dres) * fabs(vd);
    }
    ops += 2 * (w->n + w->m) + 2;
    *G = (gs + gc) * (1.0 + 8.0 * U_RND) + (double)ops * 4.0 * ETA;
    *Tb = fabs(ts + tc) + 4.0 * U_RND * tmag;
    /* The precision floor: 16 u fl for the optimum's own uncertainty from
     * the weights' rounding, and as much again for this bound's own
     * rounding allowances (3 u per flow above, 4 u tmag: up to about 14 u fl
     * with |C| <= |u'| + |v| on the flows), below which no gap of a
     * problem at the precision limit can be shown (a partial transport of a
     * mass m -> 0: the optimum ~ m against potentials times the total mass;
     * 16 u alone left such bounds at 1.1-1.2 times the floor). */
    double fl = 0.0;
    for (size_t i = 0; i < w->n; i++)
        fl += w->a2[i] * fabs(up[i]);
    for (size_t j = 0; j < w->m; j++)
        fl += w->b2[j] * fabs(vs[j]);
    if (partial && w->A != w->B) fl += fabs(w->A - w->B) * fabs(vd);
    *prec = 32.0 * U_RND * fl;
}

static void cert_work_free(cert_work *w) {
    free(w->a2);
    free(w->b2);
    free(w->rs);
    free(w->cs);
    free(w->rc);
    free(w->cc);
    free(w->us);
    free(w->vs);
    free(w->urep);
}

static int cert_work_init(cert_work *w, const wass_problem *pb, const wass_options *opt,
                          const wass_result *res) {
    size_t n = pb->n, m = pb->m;
    memset(w, 0, sizeof *w);
    w->n = n;
    w->m = m;
    w->a2 = malloc(n * sizeof(double));
    w->b2 = malloc(m * sizeof(double));
    w->rs = calloc(n, sizeof(double));
    w->cs = calloc(m, sizeof(double));
    w->rc = calloc(n, sizeof(double));
    w->cc = calloc(m, sizeof(double));
    w->us = malloc(n * sizeof(double));
    w->vs = malloc(m * sizeof(double));
    w->urep = malloc(n * sizeof(double));
    if (!w->a2 || !w->b2 || !w->rs || !w->cs || !w->rc || !w->cc || !w->us || !w->vs || !w->urep)
        return WASS_ERR_NOMEM;
    int rc = wass__emd_masses(pb, opt->mass, opt->mass_tol, w->a2, w->b2, &w->A, &w->B, NULL);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(res->u[i])) return WASS_ERR_NAN;
    for (size_t j = 0; j < m; j++)
        if (!isfinite(res->v[j])) return WASS_ERR_NAN;
    /* masses scaled by a power of two near 1 / max(A, B): exact */
    frexp(fmax(w->A, w->B), &w->e);
    for (size_t i = 0; i < n; i++)
        w->a2[i] = ldexp(w->a2[i], -w->e);
    for (size_t j = 0; j < m; j++)
        w->b2[j] = ldexp(w->b2[j], -w->e);
    w->A = ldexp(w->A, -w->e);
    w->B = ldexp(w->B, -w->e);
    double t = wass__cert_shift(res->u, w->a2, n, res->v, w->b2, m);
    for (size_t i = 0; i < n; i++)
        w->us[i] = res->u[i] + t;
    for (size_t j = 0; j < m; j++)
        w->vs[j] = res->v[j] - t;
    return WASS_OK;
}

int wass_certify(const wass_problem *pb, const wass_options *opt_in, const wass_result *res,
                 wass_certificate *cert) {
    if (!cert) return WASS_ERR_INVALID;
    memset(cert, 0, sizeof *cert);
    int rc = wass_problem_check(pb, NULL);
    if (rc) return rc;
    if (!res || !res->u || !res->v || (res->plan_len > 0 && !res->plan)) return WASS_ERR_INVALID;
    wass_options opt;
    if (opt_in)
        opt = *opt_in;
    else
        wass_options_default(&opt);
    double tol = opt.cert_tol > 0 ? opt.cert_tol : WASS__CERT_GAP_TOL;
    cert_work w;
    rc = cert_work_init(&w, pb, &opt, res);
    double primal = 0, pabs = 0, neg = 0, minrc = 0;
    int nonneg = 0;
    if (rc == WASS_OK) rc = plan_sums(pb, res, &w, &primal, &pabs, &neg);
    int nt = wass__threads_for(opt.threads, (double)pb->n * (double)pb->m);
    if (rc == WASS_OK) rc = scan_pairs(pb, res, nt, &w, &minrc, &nonneg);
    if (rc) {
        cert_work_free(&w);
        memset(cert, 0, sizeof *cert);
        return rc;
    }
    int partial = opt.mass == WASS_MASS_PARTIAL && w.A != w.B;
    double merr = neg;
    for (size_t i = 0; i < w.n; i++) {
        double e = w.rs[i] - w.a2[i];
        if (partial && w.A > w.B) e = e > 0 ? e : 0.0; /* rows may keep mass */
        if (fabs(e) > merr) merr = fabs(e);
    }
    for (size_t j = 0; j < w.m; j++) {
        double e = w.cs[j] - w.b2[j];
        if (partial && w.B > w.A) e = e > 0 ? e : 0.0;
        if (fabs(e) > merr) merr = fabs(e);
    }
    double total = fmin(w.A, w.B);
    cert->marginal_error = merr / (total > 0 ? total : 1.0);
    cert->min_reduced_cost = minrc;
    /* u' = min(u, pred(rowmin)): feasible exactly (see the top) */
    for (size_t i = 0; i < w.n; i++)
        w.urep[i] = fmin(w.us[i], nextafter(w.urep[i], -INFINITY));
    double G, Tb, prec;
    gap_bound(pb, res, &w, partial, &G, &Tb, &prec);
    /* cost - optimum <= G + T (and <= cost when no cost is negative: the
     * optimum is >= 0); optimum - cost <= T. Then the reported work against
     * the exactly bounded primal (its own rounding). */
    double below = G + Tb;
    if (nonneg && primal >= 0 && primal < below) below = primal;
    double bound = fmax(below, Tb);
    double work = ldexp(res->work, -w.e);
    if (opt.mass == WASS_MASS_PARTIAL) { /* the reported cost is work / flow */
        double fl = 0.0;
        for (size_t i = 0; i < w.n; i++)
            fl += w.rs[i];
        work = res->cost * fl;
    }
    bound += fabs(work - primal) + 2.0 * U_RND * pabs + 4.0 * U_RND * fabs(primal);
    cert->primal = ldexp(primal, w.e);
    cert->dual = ldexp(primal - bound, w.e);
    cert->gap_bound = ldexp(bound, w.e);
    cert->duality_gap = primal != 0 ? bound / fabs(primal) : (bound > 0 ? INFINITY : 0.0);
    cert->tol = tol;
    cert->floor = ldexp(prec, w.e);
    cert->certified = cert->marginal_error <= WASS__CERT_MARGINAL_TOL &&
                      (bound <= tol * fabs(primal) || bound <= prec);
    cert->checked = 1;
    cert_work_free(&w);
    return WASS_OK;
}
