/*
 * emd.c - exact optimal transport (the Earth Mover's Distance), the public
 * door: wass_emd validates the call, then runs the steps of emd_steps.h
 * (prepare, choose, solve, assemble) and certifies the result.
 */
#include "exact/emd_colgen.h"
#include "exact/emd_steps.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The options wass_emd accepts for this problem. */
static int check_options(const wass_problem *pb, const wass_options *opt, wass_error_info *err) {
    if ((int)opt->mass < WASS_MASS_BALANCED || (int)opt->mass > WASS_MASS_PARTIAL)
        return wass__fail(err, WASS_ERR_INVALID, "unknown mass mode %d", (int)opt->mass);
    if (!(opt->mass_tol >= 0) || !isfinite(opt->mass_tol))
        return wass__fail(err, WASS_ERR_INVALID, "mass_tol = %g must be >= 0", opt->mass_tol);
    if (opt->max_iter < 0)
        return wass__fail(err, WASS_ERR_INVALID, "max_iter = %lld must be >= 0",
                          (long long)opt->max_iter);
    if ((int)opt->algorithm < WASS_ALGO_AUTO || (int)opt->algorithm > WASS_ALGO_COLGEN)
        return wass__fail(err, WASS_ERR_INVALID, "unknown algorithm %d", (int)opt->algorithm);
    if (opt->algorithm == WASS_ALGO_COLGEN && pb->cost.kind != WASS_COST_POINTS)
        return wass__fail(err, WASS_ERR_UNSUPPORTED,
                          "column generation needs point clouds (cost kind %d given)",
                          (int)pb->cost.kind);
    if (opt->block_size < 0)
        return wass__fail(err, WASS_ERR_INVALID, "block_size = %lld must be >= 0",
                          (long long)opt->block_size);
    if (pb->cost.kind == WASS_COST_DENSE) return check_dense_costs(pb, err);
    return WASS_OK;
}

/* The certificate (certify.c, which trusts only the problem and the
 * result): an optimal status stands only when it meets the tolerances. */
static int certify_step(const wass_problem *pb, const wass_options *opt, wass_result *res,
                        wass_error_info *err) {
    double tc = wass__now();
    int rc = wass_certify(pb, opt, res, &res->cert);
    res->certify_seconds = wass__now() - tc;
    if (rc) {
        if (rc == WASS_ERR_NAN) return wass__fail(err, rc, "a cost C(i, j) is NaN or infinite");
        return wass__fail(err, rc, "certificate could not be computed (%s)", wass_strerror(rc));
    }
    if (res->status == WASS_OPTIMAL && !(res->cert.marginal_error <= WASS__CERT_MARGINAL_TOL &&
                                         res->cert.min_reduced_cost >= -WASS__CERT_REDUCED_TOL &&
                                         res->cert.duality_gap <= WASS__CERT_GAP_TOL)) {
        res->status = WASS_NOT_CONVERGED;
        snprintf(res->message, sizeof res->message,
                 "certificate failed: marginal error %.3g, min reduced cost %.3g, duality gap "
                 "%.3g",
                 res->cert.marginal_error, res->cert.min_reduced_cost, res->cert.duality_gap);
    }
    return WASS_OK;
}

/* Drop what the caller did not ask for. */
static void trim_result(const wass_options *opt, wass_result *res) {
    if (!opt->want_plan) {
        free(res->plan);
        res->plan = NULL;
        res->plan_len = 0;
    }
    if (!opt->want_duals) {
        free(res->u);
        free(res->v);
        res->u = res->v = NULL;
    }
}

int wass__emd_solve(const wass_problem *pb, const wass_options *opt, wass_result *res,
                    wass_error_info *err) {
    double t0 = wass__now();
    memset(res, 0, sizeof *res);
    res->status = WASS_NOT_SOLVED;
    wass__emd_prep p;
    wass__emd_oracle cx;
    wass__ns_input in;
    wass__ns_output out;
    memset(&cx, 0, sizeof cx);
    memset(&out, 0, sizeof out);
    int rc = wass__emd_prepare(pb, opt, &p, err);
    if (!rc) rc = wass__emd_oracle_init(pb, opt, &p, &cx, &in, err);
    if (!rc) {
        res->algorithm = p.use_colgen ? WASS_ALGO_COLGEN : WASS_ALGO_SIMPLEX;
        if (p.use_colgen)
            rc = wass__colgen_solve(pb, opt, p.ia, p.jb, p.nr, p.mr, &in, &out, res, err);
        else
            rc = wass__ns_solve(&in, &out, err);
    }
    if (!rc) rc = wass__emd_assemble(pb, opt, &p, &out, res, err);
    if (!rc) res->seconds = wass__now() - t0;
    if (!rc && opt->certify) rc = certify_step(pb, opt, res, err);
    if (!rc) trim_result(opt, res);
    if (rc) wass_result_free(res);
    wass__ns_output_free(&out);
    wass__emd_oracle_free(&cx);
    wass__emd_prep_free(&p);
    return rc;
}

int wass_emd(const wass_problem *pb, const wass_options *opt_in, wass_result *res,
             wass_error_info *err) {
    wass__clear(err);
    if (!res) return wass__fail(err, WASS_ERR_INVALID, "result is NULL");
    memset(res, 0, sizeof *res);
    res->status = WASS_NOT_SOLVED;
    int rc = wass_problem_check(pb, err);
    if (rc) return rc;
    wass_options opt;
    if (opt_in)
        opt = *opt_in;
    else
        wass_options_default(&opt);
    if ((rc = check_options(pb, &opt, err))) return rc;
    return wass__emd_solve(pb, &opt, res, err);
}
