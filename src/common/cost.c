/*
 * cost.c - ground metrics and the three ways to give a cost matrix (dense,
 * point clouds evaluated on the fly, user callback); problem validation.
 */
#include "common/internal.h"

#include <math.h>
#include <string.h>
#include <strings.h>

wass_ground wass_ground_make(wass_metric metric, double p) {
    wass_ground g;
    g.metric = metric;
    g.q = 2.0;
    g.p = p;
    return g;
}

double wass_ground_eval(const wass_ground *g, const double *x, const double *y, size_t d) {
    if ((int)g->metric < WASS_EUCLIDEAN || (int)g->metric > WASS_MINKOWSKI) return NAN;
    double c;
    wass__cost_row_t(g, x, y, 1, d, 1, &c);
    return c;
}

/* A dense or callback cost: the power p it is raised to (> 0, else 1) and
 * a euclidean ground of that power, so that every kind has one. */
static wass_cost cost_of_power(wass_cost_kind kind, double p) {
    wass_cost c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.p = p > 0 ? p : 1.0;
    c.ground = wass_ground_make(WASS_EUCLIDEAN, c.p);
    return c;
}

wass_cost wass_cost_dense(const double *C, size_t ld, double p) {
    wass_cost c = cost_of_power(WASS_COST_DENSE, p);
    c.C = C;
    c.ld = ld;
    return c;
}

wass_cost wass_cost_points(const double *X, const double *Y, size_t d, wass_ground ground) {
    wass_cost c;
    memset(&c, 0, sizeof c);
    c.kind = WASS_COST_POINTS;
    c.X = X;
    c.Y = Y;
    c.d = d;
    c.ground = ground;
    c.p = ground.p;
    return c;
}

wass_cost wass_cost_callback(wass_cost_fn fn, void *user, double p) {
    wass_cost c = cost_of_power(WASS_COST_CALLBACK, p);
    c.fn = fn;
    c.user = user;
    return c;
}

double wass_cost_eval(const wass_cost *c, size_t i, size_t j) {
    return wass__cost(c, i, j);
}

double wass_cost_power(const wass_cost *c) {
    return c->kind == WASS_COST_POINTS ? c->ground.p : c->p;
}

int wass_problem_check(const wass_problem *pb, wass_error_info *err) {
    wass__clear(err);
    if (!pb) return wass__fail(err, WASS_ERR_INVALID, "problem is NULL");
    if (pb->n == 0 || pb->m == 0)
        return wass__fail(err, WASS_ERR_SIZE, "empty distribution (n = %zu, m = %zu)", pb->n,
                          pb->m);
    size_t nm;
    if (!wass__mul_ok(pb->n, pb->m, &nm))
        return wass__fail(err, WASS_ERR_SIZE, "n * m overflows (n = %zu, m = %zu)", pb->n, pb->m);
    int rc;
    if ((rc = wass__check_weights(pb->a, pb->n, "a", NULL, err))) return rc;
    if ((rc = wass__check_weights(pb->b, pb->m, "b", NULL, err))) return rc;
    const wass_cost *c = &pb->cost;
    switch (c->kind) {
    case WASS_COST_DENSE:
        if (!c->C) return wass__fail(err, WASS_ERR_INVALID, "dense cost matrix is NULL");
        if (c->ld < pb->m)
            return wass__fail(err, WASS_ERR_SIZE, "cost row stride %zu < m = %zu", c->ld, pb->m);
        if (!(c->p > 0 && isfinite(c->p)))
            return wass__fail(err, WASS_ERR_INVALID, "power p = %g must be positive", c->p);
        break;
    case WASS_COST_POINTS:
        if (!c->X || !c->Y) return wass__fail(err, WASS_ERR_INVALID, "point cloud is NULL");
        if (c->d == 0) return wass__fail(err, WASS_ERR_SIZE, "point dimension is zero");
        if ((rc = wass__check_ground(&c->ground, err))) return rc;
        if ((rc = wass__check_finite(c->X, pb->n * c->d, "X", err))) return rc;
        if ((rc = wass__check_finite(c->Y, pb->m * c->d, "Y", err))) return rc;
        break;
    case WASS_COST_CALLBACK:
        if (!c->fn) return wass__fail(err, WASS_ERR_INVALID, "cost callback is NULL");
        if (!(c->p > 0 && isfinite(c->p)))
            return wass__fail(err, WASS_ERR_INVALID, "power p = %g must be positive", c->p);
        break;
    default:
        return wass__fail(err, WASS_ERR_INVALID, "unknown cost kind %d", (int)c->kind);
    }
    return WASS_OK;
}
