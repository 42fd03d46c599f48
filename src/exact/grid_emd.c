/*
 * grid_emd.c - exact W1 between two histograms on one pixel grid, under the
 * L1 or L-infinity ground distance, as an uncapacitated min-cost flow on the
 * grid graph (4 or 8 neighbours, unit costs): the transshipment form of the
 * transport problem, with O(N) arcs instead of the N^2 of the dense form
 * (Ling & Okada, "An efficient Earth Mover's Distance algorithm for robust
 * histogram comparison", 2007).
 *
 * Solver: a primal network simplex on the grid graph (grid_simplex.c),
 * multiscale: the supplies pooled to 2 x 2 blocks are solved first (the
 * same way, down to a small grid started from the comb tree), and the fine
 * solve starts from the coarse optimal tree prolonged to the pixels
 * (grid_start.c). The result is scaled by the spacing at the end.
 */
#include "exact/grid_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Grids of fewer pixels are solved from the comb tree, larger ones from the
 * solution of the grid pooled to 2 x 2 blocks. */
#define GRID_MULTISCALE_MIN 64

/* The arguments wass_grid_emd accepts, checked in the order of its errors;
 * *N receives rows * cols and *sa, *sb the totals of a and b. */
static int grid_check(const double *a, const double *b, size_t rows, size_t cols,
                      const wass_grid_options *opt, size_t *N_out, double *sa, double *sb,
                      wass_error_info *err) {
    if (!a || !b) return wass__fail(err, WASS_ERR_INVALID, "a or b is NULL");
    if (opt->metric != WASS_GRID_L1 && opt->metric != WASS_GRID_LINF && opt->metric != WASS_GRID_L2)
        return wass__fail(err, WASS_ERR_INVALID, "unknown grid metric %d", (int)opt->metric);
    if (!(opt->spacing > 0) || !isfinite(opt->spacing))
        return wass__fail(err, WASS_ERR_INVALID, "spacing must be positive and finite, got %g",
                          opt->spacing);
    size_t N;
    if (rows == 0 || cols == 0 || !wass__mul_ok(rows, cols, &N))
        return wass__fail(err, WASS_ERR_SIZE, "grid %zu x %zu is empty or too large", rows, cols);
    const int E = wass_grid_edges(opt->metric);
    if (N > (size_t)INT32_MAX / (2 * (size_t)E + 1))
        return wass__fail(err, WASS_ERR_SIZE, "grid %zu x %zu has too many pixels (at most %zu)",
                          rows, cols, (size_t)INT32_MAX / (2 * (size_t)E + 1));
    int rc;
    if ((rc = wass__check_weights(a, N, "a", sa, err))) return rc;
    if ((rc = wass__check_weights(b, N, "b", sb, err))) return rc;
    *N_out = N;
    return WASS_OK;
}

/* Solves the grid problem with supplies s (rows * cols, summing to about
 * 0): g receives the optimal basis (allocated here; the caller frees it
 * with wass__gs_free, also on error). *it counts the pivots of every
 * level; max_iter > 0 bounds them (*status WASS_ITERATION_LIMIT). */
static int grid_solve(wass__gsimplex *g, const double *s, size_t rows, size_t cols, int E,
                      const wass_grid_options *opt, int64_t *it, wass_status *status,
                      wass_error_info *err) {
    const size_t N = rows * cols;
    int32_t *par = malloc(N * sizeof *par), *work = NULL;
    int rc = WASS_OK;
    memset(g, 0, sizeof *g);
    *status = WASS_OPTIMAL;
    if (!par)
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory for a %zu x %zu grid", rows, cols);
    if (N >= GRID_MULTISCALE_MIN && rows >= 2 && cols >= 2) {
        size_t cr = (rows + 1) / 2, cc = (cols + 1) / 2;
        double *cs = calloc(cr * cc, sizeof *cs);
        if (!cs) {
            free(par);
            return wass__fail(err, WASS_ERR_NOMEM, "out of memory for a %zu x %zu grid", rows,
                              cols);
        }
        for (size_t r = 0; r < rows; r++)
            for (size_t c = 0; c < cols; c++)
                cs[(r / 2) * cc + c / 2] += s[r * cols + c];
        wass__gsimplex gc;
        rc = grid_solve(&gc, cs, cr, cc, E, opt, it, status, err);
        free(cs);
        if (rc == WASS_OK) {
            int32_t *cpar = malloc(cr * cc * sizeof *cpar);
            if (!cpar)
                rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory for a %zu x %zu grid", rows,
                                cols);
            else {
                for (size_t u = 0; u < cr * cc; u++)
                    cpar[u] = gc.parent[u] == gc.N ? -1 : gc.parent[u];
                wass__gs_prolong((int32_t)rows, (int32_t)cols, cpar, par);
                free(cpar);
            }
        }
        wass__gs_free(&gc);
        if (rc != WASS_OK) {
            free(par);
            return rc;
        }
    } else {
        wass__gs_comb((int32_t)rows, (int32_t)cols, par);
    }
    work = malloc((3 * N + 1) * sizeof *work);
    double *S = malloc(N * sizeof *S);
    if (!work || !S || !wass__gs_alloc(g, rows, cols, E)) {
        free(par);
        free(work);
        free(S);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory for a %zu x %zu grid", rows, cols);
    }
    if (!wass__gs_tree(g, s, par, work, S))
        rc = wass__fail(err, WASS_ERR_INTERNAL, "grid simplex: the start is not a spanning tree");
    free(par);
    free(work);
    free(S);
    if (rc != WASS_OK) return rc;
    if (opt->max_iter > 0 && *it >= opt->max_iter) {
        *status = WASS_ITERATION_LIMIT;
        return WASS_OK;
    }
    int64_t done = 0;
    rc = wass__gs_pivots(g, opt->max_iter > 0 ? opt->max_iter - *it : 0, opt->progress,
                         opt->progress_user, &done, status, err);
    *it += done;
    return rc;
}

/* The result from the final basis: flows per slot; potential f = -pi,
 * shifted so that min f = 0; both scaled by the spacing. */
static int grid_assemble(const wass__gsimplex *g, const wass_grid_options *opt, int64_t it,
                         wass_status status, wass_grid_result *res) {
    const size_t N = (size_t)g->N, E = (size_t)g->E;
    res->rows = (size_t)g->rows;
    res->cols = (size_t)g->cols;
    res->edges = g->E;
    res->flows = calloc(N * E, sizeof(double));
    res->potential = malloc(N * sizeof(double));
    if (!res->flows || !res->potential) return 0;
    double sum = 0;
    int32_t mx = INT32_MIN;
    for (size_t q = 0; q < N * E; q++) {
        int32_t e = g->fwd[q];
        if (e < 0) continue;
        res->flows[q] = g->flow[e] - g->flow[e ^ 1];
        sum += fabs(res->flows[q]);
    }
    for (size_t u = 0; u < N; u++)
        if (g->pi[u] > mx) mx = g->pi[u];
    for (size_t u = 0; u < N; u++)
        res->potential[u] = (double)(mx - g->pi[u]) * opt->spacing;
    res->cost = sum * opt->spacing;
    res->iterations = it;
    res->status = status;
    if (status == WASS_ITERATION_LIMIT)
        snprintf(res->message, sizeof res->message, "pivot limit %lld reached",
                 (long long)opt->max_iter);
    return 1;
}

/* The certificate of an optimal result, recomputed from the histograms by
 * wass_grid_certify; one missing 1e-9 turns the status WASS_NOT_CONVERGED,
 * naming the check that failed. */
static int grid_certify_result(const double *a, const double *b, size_t rows, size_t cols,
                               const wass_grid_options *opt, wass_grid_result *res,
                               wass_error_info *err) {
    wass_error_info e2;
    int rc;
    if ((rc = wass_grid_certify(a, b, rows, cols, opt, res->flows, res->potential, &res->cert,
                                &e2))) {
        wass_grid_result_free(res);
        return wass__fail(err, rc, "%s", e2.message);
    }
    const double tol = 1e-9;
    const char *bad = res->cert.marginal_error > tol      ? "marginal error"
                      : res->cert.min_reduced_cost < -tol ? "reduced cost"
                      : res->cert.duality_gap > tol       ? "duality gap"
                                                          : NULL;
    if (bad) {
        res->status = WASS_NOT_CONVERGED;
        snprintf(res->message, sizeof res->message,
                 "certificate failed (%s): marginal %.3g, reduced cost %.3g, gap %.3g", bad,
                 res->cert.marginal_error, res->cert.min_reduced_cost, res->cert.duality_gap);
    }
    return WASS_OK;
}

int wass_grid_emd(const double *a, const double *b, size_t rows, size_t cols,
                  const wass_grid_options *opt_in, wass_grid_result *res, wass_error_info *err) {
    wass__clear(err);
    if (!res) return wass__fail(err, WASS_ERR_INVALID, "res is NULL");
    memset(res, 0, sizeof *res);
    res->status = WASS_NOT_SOLVED;
    wass_grid_options opt;
    if (opt_in)
        opt = *opt_in;
    else
        wass_grid_options_default(&opt);
    size_t N = 0;
    double sa, sb;
    int rc = grid_check(a, b, rows, cols, &opt, &N, &sa, &sb, err);
    if (rc) return rc;
    const int E = wass_grid_edges(opt.metric);
    double t0 = wass__now();
    double *s = malloc(N * sizeof *s);
    if (!s)
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory for a %zu x %zu grid", rows, cols);
    for (size_t u = 0; u < N; u++)
        s[u] = a[u] / sa - b[u] / sb;
    if (opt.metric == WASS_GRID_L2) {
        rc = wass__grid_l2(s, rows, cols, &opt, res, err);
        free(s);
        if (rc != WASS_OK) wass_grid_result_free(res);
        res->seconds = wass__now() - t0;
        return rc;
    }
    wass__gsimplex g;
    int64_t it = 0;
    wass_status status;
    rc = grid_solve(&g, s, rows, cols, E, &opt, &it, &status, err);
    free(s);
    if (rc == WASS_OK && !grid_assemble(&g, &opt, it, status, res))
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory for a %zu x %zu grid", rows, cols);
    wass__gs_free(&g);
    if (rc != WASS_OK) {
        wass_grid_result_free(res);
        return rc;
    }
    res->seconds = wass__now() - t0;
    if (opt.certify && res->status == WASS_OPTIMAL)
        return grid_certify_result(a, b, rows, cols, &opt, res, err);
    return WASS_OK;
}
