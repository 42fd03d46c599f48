/*
 * wass/grid.h - exact W1 on a pixel grid (min-cost flow on the 4- or
 * 8-neighbour grid graph, or the Euclidean transport between the parts of
 * a - b) and its certificate.
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
 * exact: the shortest path in the graph is the ground distance. With the
 * Euclidean (L2) distance no sparse graph is exact; the solve is the
 * transport problem from the pixels where a > b to those where b > a (the
 * mass both share stays in place), with costs from a table indexed by the
 * offset, a multiscale start (a greedy over all pairs ordered by their
 * reduced cost under the potential of the problem pooled to 2 x 2 blocks)
 * and the network simplex (column generation on the point clouds above 4
 * million pixel pairs). */
typedef enum { WASS_GRID_L1 = 0, WASS_GRID_LINF = 1, WASS_GRID_L2 = 2 } wass_grid_metric;
/* "cityblock" (L1, 4 neighbours), "chebyshev" (L-infinity, 8 neighbours),
 * "euclidean" (L2). */
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
 * (r+1, c+1) and down-left (r+1, c-1). Slots leaving the grid carry 0.
 * 0 for L2 (no graph: the plan is a list of moves). */
WASS_API int wass_grid_edges(wass_grid_metric metric);

/* Mass moved from pixel `from` (where a > b) to pixel `to` (where b > a),
 * pixels numbered r * cols + c, masses normalized. */
typedef struct {
    size_t from, to;
    double mass;
} wass_grid_move;

typedef struct {
    wass_status status; /* WASS_OPTIMAL, WASS_ITERATION_LIMIT or WASS_NOT_CONVERGED */
    double cost;        /* W1 (both masses normalized to 1): spacing * sum |flows|, for L2
                           sum mass * distance over the moves */
    size_t rows, cols;
    int edges;             /* wass_grid_edges(metric): 2, 4 (0 for L2) */
    double *flows;         /* rows * cols * edges signed flows (owned): flows[node * edges + k]
                              > 0 moves mass along slot k away from node, < 0 towards it;
                              NULL for L2 */
    wass_grid_move *moves; /* L2: the optimal plan, nmoves moves (owned; the mass a and b
                              share at a pixel stays there and is not listed); else NULL */
    size_t nmoves;
    double *potential;  /* rows * cols (owned): a 1-Lipschitz f (in the ground
                           distance) with W1 = sum_x (a_x - b_x) f_x */
    int64_t iterations; /* simplex pivots, every level of the multiscale solve */
    double seconds;
    wass_certificate cert; /* primal = the flows' cost, dual = the potential's value; for
                              L2 wass_certify's certificate of the transport problem
                              (primal, dual, gap_bound and floor in units of W1) */
    char message[256];
} wass_grid_result;

/* Exact W1 between two nonnegative histograms a and b on the same rows x cols
 * grid (row-major, rows * cols each; each normalized to total 1), the ground
 * distance L1, L-infinity or L2 between pixel positions times spacing. L1 and
 * L-infinity: network simplex on the grid graph, O(rows * cols) arcs and
 * memory, multiscale (the grid pooled to 2 x 2 blocks is solved first and its
 * optimal tree starts the fine solve). L2: see wass_grid_metric; memory
 * O(sources x sinks) up to 4 million pairs.
 * opt may be NULL (defaults). res is overwritten; call wass_grid_result_free
 * afterwards, also on error. */
WASS_API int wass_grid_emd(const double *a, const double *b, size_t rows, size_t cols,
                           const wass_grid_options *opt, wass_grid_result *res,
                           wass_error_info *err);
WASS_API void wass_grid_result_free(wass_grid_result *res);

/* Check flows and potential for a and b (L1 or L-infinity; L2 results carry
 * wass_certify's certificate) without trusting their source:
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
