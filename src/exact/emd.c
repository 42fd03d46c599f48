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
    if (!(opt->mass_tol >= 0)) /* inf: any totals (then b is rescaled to a's) */
        return wass__fail(err, WASS_ERR_INVALID, "mass_tol = %g must be >= 0", opt->mass_tol);
    if (!(opt->cert_tol >= 0 && opt->cert_tol < 1))
        return wass__fail(err, WASS_ERR_INVALID, "cert_tol = %g must lie in [0, 1)", opt->cert_tol);
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
        if (rc == WASS_ERR_NAN)
            return wass__fail(err, rc,
                              "a cost C(i, j) is NaN or infinite (or overflows double precision: "
                              "scale the costs or coordinates down)");
        if (rc == WASS_ERR_UNSUPPORTED)
            return wass__fail(err, WASS_ERR_NAN,
                              "a ground cost between distinct points underflows double precision "
                              "(points too close for the metric and power p): scale the "
                              "coordinates up");
        return wass__fail(err, rc, "certificate could not be computed (%s)", wass_strerror(rc));
    }
    if (res->status == WASS_OPTIMAL && !res->cert.certified) {
        res->status = WASS_NOT_CONVERGED;
        snprintf(res->message, sizeof res->message,
                 "certificate failed: error bound %.3g of the cost (relative, tolerance %.3g), "
                 "marginal error %.3g, min reduced cost %.3g",
                 res->cert.duality_gap, res->cert.tol, res->cert.marginal_error,
                 res->cert.min_reduced_cost);
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

/* The dense simplex, from the multiscale start where that applies. */
static int dense_solve(const wass_problem *pb, const wass_options *opt, const wass__emd_prep *p,
                       const wass__emd_oracle *cx, wass__ns_input *in, wass__ns_output *out,
                       wass_error_info *err) {
    wass__dense_start_t st;
    memset(&st, 0, sizeof st);
    if (wass__dense_start_wanted(pb, opt, p) &&
        wass__dense_start(pb, opt, p, cx, in, &st) == WASS_ERR_NOMEM)
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    int64_t block_size = in->block_size;
    if (st.arcs) {
        /* from this start the block search over all pairs beats the
         * shortlists in 3-D too (shifted families 2-7x, uniform 0.7x) */
        in->shortlist = -1;
        in->start = st.arcs;
        in->start_len = st.len;
        in->start_tops = st.tops;
        in->start_ntops = st.ntops;
        /* and blocks of half the usual sqrt(n m) pairs: from a start this
         * close, fewer pairs priced a pivot outweigh the extra pivots
         * (n = m = 1000, 2-D and 3-D, the five families of
         * bench/README_scale.md, W1 and W2^2: 0.5-16 % fewer instructions
         * on every case; 0.35 sqrt(n m) was worse in 3-D) */
        if (block_size <= 0) {
            double half = ceil(0.5 * sqrt((double)in->n * (double)in->m));
            in->block_size = half > 16.0 ? (int64_t)half : 16;
        }
    }
    int rc = wass__ns_solve(in, out, err);
    in->block_size = block_size;
    in->start = NULL;
    in->start_tops = NULL;
    wass__dense_start_free(&st);
    return rc;
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
            rc = dense_solve(pb, opt, &p, &cx, &in, &out, err);
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

/* Column generation whose answer misses the certificate (its sparse solves
 * can leave an ulp of mass where a cost of 1e142 makes it count) is solved
 * again by the simplex over all pairs when that is affordable: "certified"
 * is a promise about the answer, not about the algorithm. */
#define WASS__COLGEN_FALLBACK_PAIRS 4.0e6

static void colgen_fallback(const wass_problem *pb, const wass_options *opt, wass_result *res) {
    if (!(res->algorithm == WASS_ALGO_COLGEN && res->status == WASS_NOT_CONVERGED &&
          res->cert.checked && !res->cert.certified &&
          (double)pb->n * (double)pb->m <= WASS__COLGEN_FALLBACK_PAIRS))
        return;
    wass_options o = *opt;
    o.algorithm = WASS_ALGO_SIMPLEX;
    wass_result r2;
    wass_error_info e2;
    if (wass__emd_solve(pb, &o, &r2, &e2) == WASS_OK && r2.status == WASS_OPTIMAL) {
        r2.seconds += res->seconds;
        wass_result_free(res);
        *res = r2;
        snprintf(res->message, sizeof res->message,
                 "column generation missed the certificate; solved by the simplex");
    } else
        wass_result_free(&r2);
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
    rc = wass__emd_solve(pb, &opt, res, err);
    if (rc == WASS_OK) colgen_fallback(pb, &opt, res);
    return rc;
}
