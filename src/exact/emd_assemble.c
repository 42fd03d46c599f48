/*
 * emd_assemble.c - the last step of an exact solve before its certificate:
 * the solver's output (compressed, merged, with a dummy node for partial
 * transport) turned into the result in the caller's indices: a dual for
 * every point, the plan sorted by (i, j), its work and flow.
 */
#include "exact/emd_steps.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int flow_cmp(const void *pa, const void *pb) {
    const wass_flow *a = pa, *b = pb;
    if (a->i != b->i) return a->i < b->i ? -1 : 1;
    if (a->j != b->j) return a->j < b->j ? -1 : 1;
    return 0;
}

/* Duals of the active points (every member of a merged group gets its
 * group's), into u (n) and v (m); has marks the points set. */
static void active_duals(const wass__emd_prep *p, const wass__ns_output *out, double *u, double *v,
                         unsigned char *has) {
    size_t n = p->n;
    for (size_t i = 0; i < p->nr; i++)
        if (p->merged)
            for (size_t q = p->gs.first[i]; q < p->gs.first[i + 1]; q++) {
                u[p->gs.member[q]] = out->u[i];
                has[p->gs.member[q]] = 1;
            }
        else {
            u[p->ia[i]] = out->u[i];
            has[p->ia[i]] = 1;
        }
    for (size_t j = 0; j < p->mr; j++)
        if (p->merged)
            for (size_t q = p->gt.first[j]; q < p->gt.first[j + 1]; q++) {
                v[p->gt.member[q]] = out->v[j];
                has[n + p->gt.member[q]] = 1;
            }
        else {
            v[p->jb[j]] = out->v[j];
            has[n + p->jb[j]] = 1;
        }
}

/* Duals for every point: the active ones from the solver, the zero-weight
 * ones by the c-transform (sinks over the active sources, then sources over
 * all sinks, each with the dummy of partial transport, whose cost is 0). */
static int all_duals(const wass_problem *pb, const wass__emd_prep *p, const wass__ns_output *out,
                     double *u, double *v) {
    size_t n = p->n, m = p->m;
    unsigned char *has = calloc(n + m, 1);
    if (!has) return WASS_ERR_NOMEM;
    double ud = p->dummy_row ? out->u[p->n2 - 1] : 0.0;
    double vd = p->dummy_col ? out->v[p->m2 - 1] : 0.0;
    active_duals(p, out, u, v, has);
    for (size_t j = 0; j < m; j++) {
        if (has[n + j]) continue;
        double best = p->dummy_row ? -ud : INFINITY;
        for (size_t k = 0; k < p->nr; k++) {
            double c = wass__cost(&pb->cost, p->ia[k], j) - out->u[k];
            if (c < best) best = c;
        }
        v[j] = best;
    }
    for (size_t i = 0; i < n; i++) {
        if (has[i]) continue;
        double best = p->dummy_col ? -vd : INFINITY;
        for (size_t j = 0; j < m; j++) {
            double c = wass__cost(&pb->cost, i, j) - v[j];
            if (c < best) best = c;
        }
        u[i] = best;
    }
    free(has);
    return WASS_OK;
}

/* The plan in original indices, without the dummy, split back over merged
 * points, sorted by (i, j). */
static int final_plan(const wass__emd_prep *p, const wass__ns_output *out, wass_flow **plan_out,
                      size_t *len_out) {
    size_t np = 0;
    wass_flow *plan = malloc((out->nflows ? out->nflows : 1) * sizeof(wass_flow));
    if (!plan) return WASS_ERR_NOMEM;
    for (size_t k = 0; k < out->nflows; k++) {
        if (out->flows[k].i >= p->nr || out->flows[k].j >= p->mr) continue;
        plan[np].i = out->flows[k].i;
        plan[np].j = out->flows[k].j;
        plan[np].mass = out->flows[k].mass;
        np++;
    }
    /* flows afresh from the (merged) weights, in the solve's indices: the
     * totals' ulp at a node of potential nearest the median, not on a dear
     * arc (plan_polish.c) */
    if (!(p->dummy_row || p->dummy_col) &&
        wass__plan_polish(plan, np, p->nr, p->mr, p->sup, p->dem, out->u, out->v)) {
        size_t kept = 0; /* degenerate arcs that came out 0 leave the plan */
        for (size_t k = 0; k < np; k++)
            if (plan[k].mass > 0) plan[kept++] = plan[k];
        np = kept;
    }
    if (!p->merged)
        for (size_t k = 0; k < np; k++) {
            plan[k].i = p->ia[plan[k].i];
            plan[k].j = p->jb[plan[k].j];
        }
    if (p->merged) { /* group pairs -> member pairs */
        wass_flow *split = NULL;
        size_t ns = 0;
        int rc = wass__split_plan(plan, np, &p->gs, p->a2, &p->gt, p->b2, &split, &ns);
        free(plan);
        if (rc) return WASS_ERR_NOMEM;
        plan = split;
        np = ns;
    }
    qsort(plan, np, sizeof *plan, flow_cmp);
    *plan_out = plan;
    *len_out = np;
    return WASS_OK;
}

int wass__emd_assemble(const wass_problem *pb, const wass_options *opt, const wass__emd_prep *p,
                       const wass__ns_output *out, wass_result *res, wass_error_info *err) {
    size_t n = p->n, m = p->m, np = 0;
    double *u = malloc(n * sizeof(double)), *v = malloc(m * sizeof(double));
    wass_flow *plan = NULL;
    if (!u || !v || all_duals(pb, p, out, u, v) || final_plan(p, out, &plan, &np)) {
        free(u);
        free(v);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    wass__acc work = {0.0, 0.0}, flow = {0.0, 0.0};
    int es; /* masses scaled by 2^-es (exact) so that mass * cost does not underflow */
    frexp(fmax(p->A, p->B), &es);
    for (size_t k = 0; k < np; k++) {
        double ms = ldexp(plan[k].mass, -es);
        wass__acc_add_kahan(&work, ms * wass__cost(&pb->cost, plan[k].i, plan[k].j));
        wass__acc_add_kahan(&flow, ms);
    }
    res->n = n;
    res->m = m;
    res->plan = plan;
    res->plan_len = np;
    res->u = u;
    res->v = v;
    res->work = ldexp(work.s, es);
    res->flow = ldexp(flow.s, es);
    res->cost = opt->mass == WASS_MASS_PARTIAL ? (flow.s > 0 ? work.s / flow.s : 0.0) : res->work;
    if (!isfinite(res->cost))
        return wass__fail(err, WASS_ERR_NAN,
                          "the optimal cost (mass times cost) overflows double precision: scale "
                          "the weights or the costs down");
    if (work.s != 0 && fabs(res->cost) < DBL_MIN)
        return wass__fail(err, WASS_ERR_NAN,
                          "the optimal cost (mass times cost, about %.3g) underflows double "
                          "precision: scale the weights or the costs up",
                          ldexp(work.s, es));
    double pw = wass_cost_power(&pb->cost);
    res->distance = pw == 1.0 ? res->cost : pow(fmax(res->cost, 0.0), 1.0 / pw);
    res->iterations = out->iterations;
    res->status = out->status;
    if (out->status == WASS_ITERATION_LIMIT)
        snprintf(res->message, sizeof res->message,
                 "stopped after %lld pivots (max_iter): the plan is feasible but not optimal",
                 (long long)out->iterations);
    return WASS_OK;
}
