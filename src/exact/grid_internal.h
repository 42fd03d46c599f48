/*
 * grid_internal.h - the network simplex on a pixel grid graph that
 * wass_grid_emd runs (not installed): the basis arrays, the pivots
 * (grid_simplex.c) and the start trees (grid_start.c).
 *
 * Nodes 0 .. N-1 are the pixels in row-major order, node N the root. Every
 * grid edge is two arcs, 2q (node -> neighbour) and 2q + 1 (back), all of
 * cost 1, so the potentials are integers (|pi| <= N); the artificial arc of pixel u is A + u, and
 * only pixel 0's is ever in the tree (it carries the rounding residue of the supplies). Arrays are
 * 32-bit: the sizes are checked against INT32_MAX before anything is built.
 */
#ifndef WASS_GRID_INTERNAL_H
#define WASS_GRID_INTERNAL_H

#include "common/internal.h"

#include <stdint.h>

enum { WASS__GS_LOWER = 1, WASS__GS_TREE = 0 };
enum { WASS__GS_UP = 1, WASS__GS_DOWN = -1 };

typedef struct {
    int32_t rows, cols, E; /* grid, edge slots per pixel (2 or 4) */
    int32_t N;             /* pixels; the root is N */
    int32_t A;             /* real arcs */
    int32_t *src, *tgt;    /* A + N arcs */
    int32_t *fwd;          /* N * E: the arc node -> neighbour of each slot, -1 off the grid */
    double *flow;          /* A + N */
    signed char *state;    /* A + N */
    int32_t *parent, *pred, *thread, *rev, *succ, *last, *dirty; /* N + 1 */
    signed char *dir;                                            /* N + 1 */
    int32_t *pi;                                                 /* N + 1 */
    /* pivot state */
    int32_t in_arc, join, u_in, v_in, u_out, v_out;
    double delta;
} wass__gsimplex;

/* The grid graph of rows x cols pixels with E slots (all arcs at their lower
 * bound, no tree yet). Returns 0 when out of memory (g is then freed). */
int wass__gs_alloc(wass__gsimplex *g, size_t rows, size_t cols, int E);
void wass__gs_free(wass__gsimplex *g);

/* The arc u -> v for neighbouring pixels u and v (its partner v -> u is the
 * arc ^ 1), or -1 when they are not neighbours in the graph. */
int32_t wass__gs_arc(const wass__gsimplex *g, int32_t u, int32_t v);

/* The basis of a spanning tree given by parents: par[u] is the pixel pixel u
 * hangs on (a neighbour), par[0] = -1 (pixel 0 hangs on the root). The flow
 * on each tree edge is the supply of the subtree below it (s: N supplies),
 * sent on the arc that points the right way (zero flows point up, so the
 * tree is strongly feasible). work: 3 N + 1 int32 and S: N doubles of
 * scratch. Returns 0 when par is not a spanning tree of neighbours (a bug of
 * the caller). */
int wass__gs_tree(wass__gsimplex *g, const double *s, const int32_t *par, int32_t *work, double *S);

/* Parents of the comb tree: every row a path hung on column 0. */
void wass__gs_comb(int32_t rows, int32_t cols, int32_t *par);

/* Parents of the fine tree prolonged from a coarse one: the coarse grid has
 * ceil(rows / 2) x ceil(cols / 2) blocks of 2 x 2 pixels and parents cpar
 * (cpar[0] = -1); every coarse tree edge becomes one grid edge between the
 * two blocks, and the pixels of a block hang on the one that edge enters. */
void wass__gs_prolong(int32_t rows, int32_t cols, const int32_t *cpar, int32_t *par);

/* Pivots until no arc prices out (*status WASS_OPTIMAL) or max_iter pivots
 * (> 0) were made (*status WASS_ITERATION_LIMIT); *it receives the pivots. */
int wass__gs_pivots(wass__gsimplex *g, int64_t max_iter, wass_progress_fn progress, void *user,
                    int64_t *it, wass_status *status, wass_error_info *err);

/* grid_l2.c: the L2 solve for supplies s = a - b (normalized, rows * cols)
 * into res (rows, cols, edges, potential, moves, cost, status, cert,
 * iterations; zeroed by the caller). */
int wass__grid_l2(const double *s, size_t rows, size_t cols, const wass_grid_options *opt,
                  wass_grid_result *res, wass_error_info *err);

#endif
