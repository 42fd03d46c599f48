/*
 * emd_colgen.h - private interface of the column-generation driver of the
 * exact solver for point clouds (emd_colgen.c), called by wass_emd.
 */
#ifndef WASS_EMD_COLGEN_H
#define WASS_EMD_COLGEN_H

#include "exact/network_simplex.h"

/* All masses equal on both sides and n = m (with no dummy node: an
 * assignment, which column generation solves by augmenting paths). */
int wass__equal_masses(const double *sup, size_t n, const double *dem, size_t m);

/* Whether wass_emd should use column generation for this problem:
 * opt->algorithm == WASS_ALGO_COLGEN (points only), or WASS_ALGO_AUTO and a
 * point-cloud problem with nr x mr active points above the crossover (its
 * own for assignments, which column generation solves by augmenting
 * paths). */
int wass__colgen_wanted(const wass_problem *pb, const wass_options *opt, size_t nr, size_t mr,
                        int assignment);

/* Solve the compressed problem `base` (n2 = base->n sources, of which the
 * first nr are the points ia[0..nr) of pb, the rest one dummy source of cost
 * zero; likewise m2 = base->m sinks with jb) exactly by column generation:
 * a network simplex on sparse candidate arcs, then pricing of all nr x mr
 * pairs with the duals, adding violated arcs, until none is left. `out`
 * receives the same as from wass__ns_solve. res->rounds and
 * res->candidate_arcs are filled. */
int wass__colgen_solve(const wass_problem *pb, const wass_options *opt, const size_t *ia,
                       const size_t *jb, size_t nr, size_t mr, const wass__ns_input *base,
                       wass__ns_output *out, wass_result *res, wass_error_info *err);

#endif
