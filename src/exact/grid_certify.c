/*
 * grid_certify.c - the certificate of a grid W1 solve, recomputed from the
 * histograms alone: conservation of the edge flows at every pixel (the
 * primal plan is feasible), their cost, and the value of the potential made
 * feasible by dividing it by its largest slope over the grid edges (a
 * 1-Lipschitz function in the ground distance, so its value is a lower bound
 * on W1 by Kantorovich-Rubinstein duality). Trusts nothing from the solver.
 */
#include "common/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int wass_grid_certify(const double *a, const double *b, size_t rows, size_t cols,
                      const wass_grid_options *opt_in, const double *flows, const double *potential,
                      wass_certificate *cert, wass_error_info *err) {
    wass__clear(err);
    if (!cert) return wass__fail(err, WASS_ERR_INVALID, "cert is NULL");
    memset(cert, 0, sizeof *cert);
    wass_grid_options opt;
    if (opt_in)
        opt = *opt_in;
    else
        wass_grid_options_default(&opt);
    if (!a || !b || !flows || !potential)
        return wass__fail(err, WASS_ERR_INVALID, "a, b, flows or potential is NULL");
    if (opt.metric == WASS_GRID_L2)
        return wass__fail(err, WASS_ERR_INVALID,
                          "euclidean grid results have no edge flows: their certificate is "
                          "wass_certify's, in the result");
    if (opt.metric != WASS_GRID_L1 && opt.metric != WASS_GRID_LINF)
        return wass__fail(err, WASS_ERR_INVALID, "unknown grid metric %d", (int)opt.metric);
    if (!(opt.spacing > 0) || !isfinite(opt.spacing))
        return wass__fail(err, WASS_ERR_INVALID, "spacing must be positive and finite");
    size_t N;
    if (rows == 0 || cols == 0 || !wass__mul_ok(rows, cols, &N))
        return wass__fail(err, WASS_ERR_SIZE, "grid %zu x %zu is empty or too large", rows, cols);
    const int E = wass_grid_edges(opt.metric);
    double sa, sb;
    int rc;
    if ((rc = wass__check_weights(a, N, "a", &sa, err))) return rc;
    if ((rc = wass__check_weights(b, N, "b", &sb, err))) return rc;
    double *net = calloc(N, sizeof *net);
    if (!net) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    static const int dr[4] = {0, 1, 1, 1}, dc[4] = {1, 0, 1, -1};
    double primal = 0, slope = 0;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) {
            size_t u = r * cols + c;
            for (int k = 0; k < E; k++) {
                double f = flows[u * (size_t)E + (size_t)k];
                size_t r2 = r + (size_t)dr[k];
                long c2 = (long)c + dc[k];
                int inside = r2 < rows && c2 >= 0 && (size_t)c2 < cols;
                if (!inside) {
                    if (f != 0) {
                        free(net);
                        return wass__fail(err, WASS_ERR_INVALID,
                                          "flow on slot %d of pixel (%zu, %zu) leaves the grid", k,
                                          r, c);
                    }
                    continue;
                }
                if (!isfinite(f)) {
                    free(net);
                    return wass__fail(err, WASS_ERR_NAN, "flow of pixel (%zu, %zu) is not finite",
                                      r, c);
                }
                size_t v = r2 * cols + (size_t)c2;
                net[u] += f;
                net[v] -= f;
                primal += fabs(f);
                double s = fabs(potential[u] - potential[v]) / opt.spacing;
                if (!(s <= slope)) slope = isfinite(s) ? s : INFINITY;
            }
        }
    double merr = 0, dual = 0;
    for (size_t u = 0; u < N; u++) {
        double s = a[u] / sa - b[u] / sb;
        double d = fabs(net[u] - s);
        if (d > merr) merr = d;
        dual += s * potential[u];
    }
    free(net);
    primal *= opt.spacing;
    double L = slope > 1 ? slope : 1;
    dual = isfinite(L) ? dual / L : 0;
    cert->checked = 1;
    cert->marginal_error = merr;
    cert->min_reduced_cost = 1 - slope;
    cert->primal = primal;
    cert->dual = dual;
    cert->duality_gap = (primal - dual) / fmax(primal, 1e-300);
    if (primal == 0 && dual <= 0) cert->duality_gap = 0;
    return WASS_OK;
}
