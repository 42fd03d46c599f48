/*
 * certify.c - independent certificate of an exact transport result: it
 * trusts only the problem and the plan / duals stored in the result, and
 * recomputes the marginal error of the plan, the most negative reduced cost
 * C_ij - u_i - v_j over ALL n*m pairs, and the duality gap.
 *
 * The gap is measured against a dual that is feasible by construction: the
 * row potentials are replaced by the c-transform of the column potentials,
 * u'_i = min(u_i, min_j C_ij - v_j). Then sum a u' + sum b v is a valid lower
 * bound on the optimum whatever the solver returned, and primal - dual bounds
 * the suboptimality of the plan. (With the solver's own duals the gap is zero
 * by complementary slackness even when they are infeasible, which proves
 * nothing.)
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

/* One row of a point-cloud cost against columns j0..j0+len (Y transposed,
 * d x m), the same operations as wass_ground_eval so the numbers agree, laid
 * out so the compiler vectorizes each pass; then the row's minimum of
 * C_ij - v_j (the row's reduced costs are that minus u_i) and maximum |C|. */
WASS__SIMD_CLONES static void points_block(const wass_ground *g, const double *xi, const double *YT,
                                           size_t m, size_t d, size_t j0, size_t len,
                                           const double *v, double *buf, double *rowmin,
                                           double *maxc, int *bad) {
    for (size_t k = 0; k < len; k++)
        buf[k] = 0.0;
    for (size_t t = 0; t < d; t++) {
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
    size_t n = pb->n, m = pb->m;
    const double *u = res->u, *v = res->v;
    double *a2 = malloc(n * sizeof(double)), *b2 = malloc(m * sizeof(double));
    double *rs = calloc(n, sizeof(double)), *cs = calloc(m, sizeof(double));
    double *urep = malloc(n * sizeof(double));
    if (!a2 || !b2 || !rs || !cs || !urep) {
        rc = WASS_ERR_NOMEM;
        goto done;
    }
    double A, B;
    rc = wass__emd_masses(pb, opt.mass, opt.mass_tol, a2, b2, &A, &B, NULL);
    if (rc) goto done;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(u[i])) {
            rc = WASS_ERR_NAN;
            goto done;
        }
    for (size_t j = 0; j < m; j++)
        if (!isfinite(v[j])) {
            rc = WASS_ERR_NAN;
            goto done;
        }

    /* primal side: marginals and cost of the plan */
    double total = fmin(A, B), neg = 0.0;
    double primal = 0.0, comp = 0.0;
    for (size_t k = 0; k < res->plan_len; k++) {
        const wass_flow *f = &res->plan[k];
        if (f->i >= n || f->j >= m || !isfinite(f->mass)) {
            rc = WASS_ERR_INVALID;
            goto done;
        }
        rs[f->i] += f->mass;
        cs[f->j] += f->mass;
        if (f->mass < 0 && -f->mass > neg) neg = -f->mass;
        double c = wass__cost(&pb->cost, f->i, f->j);
        if (!isfinite(c)) {
            rc = WASS_ERR_NAN;
            goto done;
        }
        double y = f->mass * c - comp, t = primal + y;
        comp = (t - primal) - y;
        primal = t;
    }
    int partial = opt.mass == WASS_MASS_PARTIAL && A != B;
    double merr = neg;
    for (size_t i = 0; i < n; i++) {
        double e = rs[i] - a2[i];
        if (partial && A > B) e = e > 0 ? e : 0.0; /* rows may keep mass */
        if (fabs(e) > merr) merr = fabs(e);
    }
    for (size_t j = 0; j < m; j++) {
        double e = cs[j] - b2[j];
        if (partial && B > A) e = e > 0 ? e : 0.0;
        if (fabs(e) > merr) merr = fabs(e);
    }
    cert->marginal_error = merr / (total > 0 ? total : 1.0);

    /* dual side: feasibility over all pairs */
    double minrc = INFINITY, maxc = 0.0;
    int bad = 0;
    int nt = wass__threads_for(opt.threads, (double)n * (double)m);
    (void)nt;
    if (pb->cost.kind == WASS_COST_POINTS) {
        /* points: Y transposed once, costs a block of columns at a time */
        size_t d = pb->cost.d, md;
        double *YT = NULL;
        if (wass__mul_ok(m, d, &md)) YT = malloc((md ? md : 1) * sizeof(double));
        if (!YT) {
            rc = WASS_ERR_NOMEM;
            goto done;
        }
        for (size_t j = 0; j < m; j++)
            for (size_t t = 0; t < d; t++)
                YT[t * m + j] = pb->cost.Y[j * d + t];
        const wass_ground *g = &pb->cost.ground;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) reduction(min : minrc) reduction(max : maxc) reduction(| : bad)
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
                    points_block(g, xi, YT, m, d, j0, len, v, buf, &rowmin, &maxc, &bad);
                }
                /* min_j (C_ij - u_i - v_j), up to one rounding */
                double r = rowmin - u[i];
                if (r < minrc) minrc = r;
                urep[i] = fmin(u[i], rowmin);
            }
        }
        free(YT);
    } else {
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) reduction(min                            \
                                                                    : minrc) reduction(max         \
                                                                                       : maxc)     \
    reduction(|                                                                                    \
              : bad)
#endif
        for (size_t i = 0; i < n; i++) {
            double ui = u[i], rowmin = INFINITY;
            for (size_t j = 0; j < m; j++) {
                double c = wass__cost(&pb->cost, i, j);
                if (!isfinite(c)) bad = 1;
                double r = c - ui - v[j];
                if (r < minrc) minrc = r;
                if (c - v[j] < rowmin) rowmin = c - v[j];
                if (fabs(c) > maxc) maxc = fabs(c);
            }
            urep[i] = fmin(ui, rowmin);
        }
    }
    if (bad) {
        rc = WASS_ERR_NAN;
        goto done;
    }
    cert->min_reduced_cost = minrc / (maxc > 0 ? maxc : 1.0);

    double dual = 0.0, dcomp = 0.0, dmag = 0.0;
    for (size_t i = 0; i < n + m; i++) {
        double term = i < n ? a2[i] * urep[i] : b2[i - n] * v[i - n];
        dmag += fabs(term);
        double y = term - dcomp, t = dual + y;
        dcomp = (t - dual) - y;
        dual = t;
    }
    if (partial) {
        /* the dummy node of zero cost takes the excess; its best dual value
         * is the c-transform of the other side's duals */
        double best = INFINITY;
        if (A > B)
            for (size_t i = 0; i < n; i++)
                best = fmin(best, -urep[i]);
        else
            for (size_t j = 0; j < m; j++)
                best = fmin(best, -v[j]);
        dual += fabs(A - B) * best;
        dmag += fabs(fabs(A - B) * best);
    }
    cert->primal = primal;
    cert->dual = dual;
    /* Relative to the primal. The dual is a sum of terms of total magnitude
     * dmag, so it is known only to ~1e-16 * dmag: the floor 1e-7 * dmag keeps
     * an optimum of (nearly) zero from turning that rounding into a large
     * relative gap, while a real gap stays visible (it is measured against
     * the potentials' scale, not the largest cost, which may be far larger). */
    cert->duality_gap = fabs(primal - dual) / fmax(fabs(primal), 1e-7 * dmag);
    if (!(cert->duality_gap >= 0)) cert->duality_gap = 0.0; /* 0/0: all costs zero */
    cert->checked = 1;
    rc = WASS_OK;
done:
    free(a2);
    free(b2);
    free(rs);
    free(cs);
    free(urep);
    if (rc) memset(cert, 0, sizeof *cert);
    return rc;
}
