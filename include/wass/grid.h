/*
 * wass/grid.h - exact W1 on a pixel grid (min-cost flow on the 4- or
 * 8-neighbour grid graph) and its certificate.
 * Part of the core API: <wass.h> includes it; conventions as there.
 */
#ifndef WASS_GRID_H
#define WASS_GRID_H

#include "../wass.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================== */
/* Exact W1 on a pixel grid (min-cost flow on the grid graph)                */
/* ======================================================================== */

/* Ground costs a grid solve supports: W1 with the L1 (cityblock) distance,
 * a min-cost flow on the 4-neighbour grid graph (Ling & Okada's EMD-L1), or
 * with the L-infinity distance, the 8-neighbour (king-move) graph. Both are
 * exact: the shortest path in the graph is the ground distance. */
typedef enum { WASS_GRID_L1 = 0, WASS_GRID_LINF = 1 } wass_grid_metric;
/* "cityblock" (L1, 4 neighbours), "chebyshev" (L-infinity, 8 neighbours). */
WASS_API const char *wass_grid_metric_name(wass_grid_metric metric);
WASS_API int wass_grid_metric_parse(const char *name, wass_grid_metric *out);

typedef struct {
    wass_grid_metric metric;   /* default WASS_GRID_L1 */
    double spacing;            /* distance between neighbouring pixels (> 0), default 1 */
    int64_t max_iter;          /* pivot limit, 0 (default) = none; reaching it gives
                                  status WASS_ITERATION_LIMIT */
    int certify;               /* default 1: wass_grid_certify on the result; a certificate
                                  missing 1e-9 gives status WASS_NOT_CONVERGED */
    wass_progress_fn progress; /* may be NULL */
    void *progress_user;
} wass_grid_options;

WASS_API void wass_grid_options_default(wass_grid_options *opt);

/* Edges of the grid graph, per pixel (r, c) = node r * cols + c, in slot
 * order: right (r, c+1), down (r+1, c), and for L-infinity also down-right
 * (r+1, c+1) and down-left (r+1, c-1). Slots leaving the grid carry 0. */
WASS_API int wass_grid_edges(wass_grid_metric metric);

typedef struct {
    wass_status status; /* WASS_OPTIMAL, WASS_ITERATION_LIMIT or WASS_NOT_CONVERGED */
    double cost;        /* W1 = spacing * sum |flows| (both masses normalized to 1) */
    size_t rows, cols;
    int edges;          /* wass_grid_edges(metric): 2 or 4 */
    double *flows;      /* rows * cols * edges signed flows (owned): flows[node * edges + k]
                           > 0 moves mass along slot k away from node, < 0 towards it */
    double *potential;  /* rows * cols (owned): a 1-Lipschitz f (in the ground
                           distance) with W1 = sum_x (a_x - b_x) f_x */
    int64_t iterations; /* simplex pivots */
    double seconds;
    wass_certificate cert; /* primal = the flows' cost, dual = the potential's value */
    char message[256];
} wass_grid_result;

/* Exact W1 between two nonnegative histograms a and b on the same rows x cols
 * grid (row-major, rows * cols each; each normalized to total 1), the ground
 * distance L1 or L-infinity between pixel positions times spacing. Network
 * simplex on the grid graph: O(rows * cols) arcs, memory O(rows * cols).
 * opt may be NULL (defaults). res is overwritten; call wass_grid_result_free
 * afterwards, also on error. */
WASS_API int wass_grid_emd(const double *a, const double *b, size_t rows, size_t cols,
                           const wass_grid_options *opt, wass_grid_result *res,
                           wass_error_info *err);
WASS_API void wass_grid_result_free(wass_grid_result *res);

/* Check flows and potential for a and b without trusting their source:
 * marginal_error = max over pixels of |net outflow - (a_x - b_x)| (masses
 * normalized); min_reduced_cost = min over edges of (spacing - |f_x - f_y|)
 * / spacing; primal = spacing * sum |flows|; dual = sum (a_x - b_x) f_x / L
 * with L = max(1, largest edge slope of f), a value of a feasible dual and so a
 * lower bound on W1; duality_gap = (primal - dual) / max(primal, 1e-300). */
WASS_API int wass_grid_certify(const double *a, const double *b, size_t rows, size_t cols,
                               const wass_grid_options *opt, const double *flows,
                               const double *potential, wass_certificate *cert,
                               wass_error_info *err);

#ifdef __cplusplus
}
#endif

#endif /* WASS_GRID_H */
