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
#include "emd_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    int nt = wass__threads(opt.threads);
    (void)nt;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) reduction(min : minrc) \
    reduction(max : maxc) reduction(| : bad)
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
    if (bad) {
        rc = WASS_ERR_NAN;
        goto done;
    }
    cert->min_reduced_cost = minrc / (maxc > 0 ? maxc : 1.0);

    double dual = 0.0, dcomp = 0.0;
    for (size_t i = 0; i < n + m; i++) {
        double term = i < n ? a2[i] * urep[i] : b2[i - n] * v[i - n];
        double y = term - dcomp, t = dual + y;
        dcomp = (t - dual) - y;
        dual = t;
    }
    if (partial) {
        /* the dummy node of zero cost takes the excess; its best dual value
         * is the c-transform of the other side's duals */
        double best = INFINITY;
        if (A > B)
            for (size_t i = 0; i < n; i++) best = fmin(best, -urep[i]);
        else
            for (size_t j = 0; j < m; j++) best = fmin(best, -v[j]);
        dual += fabs(A - B) * best;
    }
    cert->primal = primal;
    cert->dual = dual;
    /* relative to the primal; the floor keeps an optimum of (nearly) zero
     * from turning rounding noise into a large relative gap */
    cert->duality_gap = fabs(primal - dual) / fmax(fabs(primal), 1e-12 * total * maxc);
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
