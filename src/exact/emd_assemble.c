/*
 * emd_assemble.c - the last step of an exact solve before its certificate:
 * the solver's output (compressed, merged, with a dummy node for partial
 * transport) turned into the result in the caller's indices: a dual for
 * every point, the plan sorted by (i, j), its work and flow.
 */
#include "exact/emd_steps.h"

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
        plan[np].i = p->merged ? out->flows[k].i : p->ia[out->flows[k].i];
        plan[np].j = p->merged ? out->flows[k].j : p->jb[out->flows[k].j];
        plan[np].mass = out->flows[k].mass;
        np++;
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
    for (size_t k = 0; k < np; k++) {
        wass__acc_add_kahan(&work, plan[k].mass * wass__cost(&pb->cost, plan[k].i, plan[k].j));
        wass__acc_add_kahan(&flow, plan[k].mass);
    }
    res->n = n;
    res->m = m;
    res->plan = plan;
    res->plan_len = np;
    res->u = u;
    res->v = v;
    res->work = work.s;
    res->flow = flow.s;
    res->cost =
        opt->mass == WASS_MASS_PARTIAL ? (res->flow > 0 ? res->work / res->flow : 0.0) : res->work;
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
