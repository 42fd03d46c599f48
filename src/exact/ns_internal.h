/*
 * ns_internal.h - state shared by the network simplex files: the spanning
 * tree basis, the shortlist of candidate arcs and the pricing/start helpers.
 */
#ifndef WASS_NS_INTERNAL_H
#define WASS_NS_INTERNAL_H

#include "exact/network_simplex.h"

#include <stddef.h>
#include <stdint.h>

/* A node of the basis tree. 32 bits: the pivot's potential update walks
 * the thread at random addresses, and halving the tree arrays keeps more of
 * them in cache (n + m is checked against the range at allocation). */
typedef int32_t ns_node;
#define NS_NODE_MAX INT32_MAX

/* The basis: a spanning tree rooted at the artificial node N = n + m (see
 * network_simplex.c for the representation). The tree arrays (parent ..
 * last, flow) are indexed by a label of the node, not by the node itself:
 * every so often the nodes are relabelled in thread order, so that the
 * potential walk of a pivot reads mostly consecutive labels (the walk is a
 * chain of dependent loads; in label order they hit cache lines already
 * fetched). Potentials stay indexed by node (pricing reads them by node).
 * orig[label] is the node, pos[node] its label; the root is N in both. */
typedef struct {
    size_t n, m;
    ns_node N, root;
    ns_node *parent, *thread, *rev, *size, *last;
    ns_node *orig, *pos; /* label -> node and node -> label */
    double *flow, *phi;
    double *tmpd; /* scratch of the relabelling */
    ns_node *buf, *stem, *path_a, *path_b;
    double *rowc;
    const wass__ns_input *in;
} ns_tree;

/* One cost C_ij through the row callback (tree arcs, checks, sampling). */
static inline double arc_cost1(const ns_tree *t, size_t i, size_t j) {
    double c;
    t->in->cost_row(t->in->cost_ctx, i, j, 1, &c);
    return c;
}

/* The tree arc above x points up (x -> parent) iff x is a source (its parent
 * is a sink) or x hangs below the root (artificial arcs point to the root). */
static inline int is_up(const ns_tree *t, ns_node x) {
    return (size_t)t->orig[x] < t->n || t->parent[x] == t->root;
}

/* Candidate arcs of shortlist pricing, with their costs; pos is the rotating
 * position of the block search over them. */
typedef struct {
    size_t i, j;
    double c;
} cand_arc;

typedef struct {
    cand_arc *a;
    size_t len, cap, pos;
} cand_list;

/* ns_tree.c: the basis itself. */
void wass__ns_tree_free(ns_tree *t);
int wass__ns_tree_alloc(ns_tree *t, size_t n, size_t m);
/* Potentials from scratch; 0 if a cost read on the tree is not finite. */
int wass__ns_recompute_potentials(ns_tree *t, double *maxabs);
/* Relabel the nodes in thread order (the tree itself is unchanged). */
void wass__ns_relabel(ns_tree *t);
/* Tree from a forest of positive-flow arcs; WASS_ERR_INTERNAL on a cycle. */
int wass__ns_tree_init(ns_tree *t, const wass__ns_arc *arcs, size_t narcs);
/* Full consistency check (tests only): 1 if valid, else minus a line number. */
int wass__ns_tree_validate(ns_tree *t, double tol);

/* ns_price.c: shortlists and pricing outside the dense block search. */
int wass__ns_cand_init(ns_tree *t, cand_list *L, size_t k);
int wass__ns_price_cand(ns_tree *t, cand_list *L, size_t B, double tol, size_t *bi, size_t *bj,
                        double *bestp);
int64_t wass__ns_cand_round(ns_tree *t, cand_list *L, double tol, size_t q_add, double *qr,
                            size_t *qj);
int wass__ns_price_sparse(const wass__ns_input *in, const double *phi, double tol, size_t B,
                          size_t *pi, size_t *pk, double *best_out, size_t *bi, size_t *bj);

/* ns_start.c: start heuristics. */
size_t wass__ns_northwest(const wass__ns_input *in, double *rs, double *rd, wass__ns_arc *arcs,
                          size_t k);
int wass__ns_greedy_start(const wass__ns_input *in, const cand_list *L, wass__ns_arc *arcs,
                          size_t *narcs);

#endif
