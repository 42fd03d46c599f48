/*
 * network_simplex.h - private interface of the primal network simplex for the
 * uncapacitated transportation problem (n sources, m sinks, every pair an arc).
 *
 * Arcs are implicit: non-tree arcs sit at flow zero and need no state, so the
 * memory is O(n + m). Costs are read a row segment at a time through a
 * callback, so a dense matrix, point clouds evaluated on the fly or a user
 * function all work. The spanning-tree basis is kept strongly feasible, which
 * rules out cycling under degeneracy.
 */
#ifndef WASS_NETWORK_SIMPLEX_H
#define WASS_NETWORK_SIMPLEX_H

#include "common/internal.h"

#include <stddef.h>
#include <stdint.h>

/* out[k] = C(i, j0 + k) for k < len (i < n, j0 + len <= m). */
typedef void (*wass__ns_row_fn)(const void *ctx, size_t i, size_t j0, size_t len, double *out);

/* Pricing of one row segment: among the arcs (i, j0 + k), k < len, find the
 * smallest reduced cost C(i, j0 + k) - ui + pv[k] that is below *best; if
 * there is one, store it in *best and return its k, else return (size_t)-1.
 * scratch holds len doubles. Lets a cost kind skip work (e.g. square roots)
 * for arcs that cannot win. */
typedef size_t (*wass__ns_price_fn)(const void *ctx, size_t i, size_t j0, size_t len, double ui,
                                    const double *pv, double *best, double *scratch);

/* price_row told a bound of the duals: pmax >= |ui| and every |pv[k]|.
 * The same result as price_row (a cost kind may use the bound to skip
 * pairs in a cheaper, rounded first pass). */
typedef size_t (*wass__ns_price_b_fn)(const void *ctx, size_t i, size_t j0, size_t len, double ui,
                                      const double *pv, double pmax, double *best, double *scratch);

/* One arc of a starting basis or of the final plan. */
typedef struct {
    size_t i, j;
    double mass;
} wass__ns_arc;

typedef struct {
    size_t n, m;
    const double *supply; /* n, all > 0 */
    const double *demand; /* m, all > 0; the totals agree up to rounding */
    wass__ns_row_fn cost_row;
    wass__ns_price_fn price_row;     /* optional fast pricing with the same costs */
    wass__ns_price_b_fn price_row_b; /* optional, with price_row: the same, given a dual bound */
    /* nonzero when price_row is much cheaper than cost_row (it skips square
     * roots): full pricing rounds then test a row with price_row before
     * reading its costs; otherwise they read each row's costs once */
    int price_row_saves;
    /* optional, with price_row: after price_row priced a whole row i
     * (j0 = 0, len = m) into scratch, turn scratch into that row's costs in
     * place, exactly as cost_row would give them, and return 1; return 0
     * (scratch untouched) where it cannot */
    int (*price_to_cost)(const void *ctx, size_t i, size_t len, double *scratch);
    const void *cost_ctx;
    /* Optional starting flow: arcs with positive mass forming a forest whose
     * node sums do not exceed supply/demand (e.g. from a north-west corner
     * rule or an earlier solve). NULL = north-west corner on src_order /
     * snk_order (NULL = identity order). */
    const wass__ns_arc *start;
    size_t start_len;
    const size_t *src_order, *snk_order;
    int64_t max_iter;   /* 0 = unlimited */
    int64_t block_size; /* 0 = automatic */
    /* shortlist pricing: price the k cheapest sinks of each source (plus
     * arcs found by full rounds) and scan all arcs only to complete the
     * list; 0 = automatic, > 0 = k, < 0 = off (block search over all arcs) */
    int64_t shortlist;
    double cost_scale; /* a rough max |C| for tolerances; 0 = estimated */
    int debug_check;   /* validate the tree after every pivot (tests only) */
    wass_progress_fn progress;
    void *progress_user;
    /* Optional sparse candidate arcs (column generation): when arc_ptr is
     * non-NULL, pricing looks only at the arcs (i, arc_col[k]) for
     * arc_ptr[i] <= k < arc_ptr[i + 1] (arc_ptr has n + 1 entries) with costs
     * arc_cost[k]; every other pair is taken as priced out. The tree and the
     * duals still read costs through cost_row. */
    const size_t *arc_ptr;
    const size_t *arc_col;
    const double *arc_cost;
    /* Optional: node ids (sources i, sinks n + j) that hang below the root,
     * taken first when the start forest is rooted (so a tree passed back from
     * out->tree / out->tops keeps its orientation and stays strongly
     * feasible; its zero-flow arcs may then be in start). want_tree asks for
     * out->tree and out->tops. */
    const size_t *start_tops;
    size_t start_ntops;
    int want_tree;
} wass__ns_input;

typedef struct {
    int status; /* WASS_OPTIMAL or WASS_ITERATION_LIMIT */
    int64_t iterations;
    wass__ns_arc *flows; /* arcs of the final tree with positive flow (owned) */
    size_t nflows;
    double *u;          /* n duals (owned) */
    double *v;          /* m duals: u_i + v_j <= C_ij (up to tolerance), equal on flows */
    double pricing_tol; /* reduced-cost tolerance used to stop */
    /* With in->want_tree: every real tree arc, zero flows included, and the
     * nodes hanging below the root (owned). */
    wass__ns_arc *tree;
    size_t ntree;
    size_t *tops;
    size_t ntops;
} wass__ns_output;

/* Solve. Returns WASS_OK (see out->status), WASS_ERR_NOMEM, WASS_ERR_NAN (a
 * cost read on the tree is not finite) or WASS_ERR_INTERNAL. */
int wass__ns_solve(const wass__ns_input *in, wass__ns_output *out, wass_error_info *err);
void wass__ns_output_free(wass__ns_output *out);

#endif
