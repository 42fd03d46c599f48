/*
 * emd_internal.h - helpers shared by the exact solver (emd.c and its steps),
 * its certificate (certify.c), column generation (emd_colgen.c) and the
 * Kantorovich-Rubinstein critic (critic.c).
 */
#ifndef WASS_EMD_INTERNAL_H
#define WASS_EMD_INTERNAL_H

#include "common/internal.h"

/* The masses a solve uses after mass handling (emd_masses.c). a2 (n) and b2 (m) receive the
 * effective weights (uniform when pb->a / pb->b is NULL):
 *  - balanced: a as given, b rescaled to a's total (error if the totals differ
 *    by more than mass_tol relative),
 *  - normalize: both rescaled to total 1,
 *  - partial: both as given.
 * *ta, *tb receive the totals of a2 and b2. The problem must have passed
 * wass_problem_check. */
int wass__emd_masses(const wass_problem *pb, wass_mass_mode mode, double mass_tol, double *a2,
                     double *b2, double *ta, double *tb, wass_error_info *err);

/* Coincident points (equal coordinates) are interchangeable in a transport
 * problem: the problem over one point per location, weights summed, has the
 * same optimal cost, its plan splits back over the members of each group,
 * and its duals are theirs. Column generation solves that smaller problem
 * (emd_merge.c); with many coincident points the candidate pairs of the
 * members would otherwise all be the same few and pricing would need a
 * round for each few pairs. */
typedef struct {
    size_t ng;     /* number of groups */
    size_t *first; /* ng + 1: the members of group g are member[first[g] .. first[g + 1]) */
    size_t *member;
} wass__groups;

/* Group the points idx[0..np) (rows of the np x d array P, by original
 * index) by equal coordinates. On return idx[0..ng) holds one member of each
 * group and w[0..ng) the summed weights (w[k] was idx[k]'s weight); group g
 * keeps the order of its first member. Returns WASS_OK or WASS_ERR_NOMEM. */
int wass__group_points(const double *P, size_t d, size_t *idx, double *w, size_t np,
                       wass__groups *g);
void wass__groups_free(wass__groups *g);

/* Split a plan between groups (plan[k].i a source group, plan[k].j a sink
 * group) into pairs of members: each group's flow is handed to its members
 * in order, each up to its own weight (a, b: weights by original index; the
 * last member with weight takes what rounding leaves). *out (owned) gets the
 * pairs in original indices. Returns WASS_OK or WASS_ERR_NOMEM. */
int wass__split_plan(const wass_flow *plan, size_t len, const wass__groups *gs, const double *a,
                     const wass__groups *gt, const double *b, wass_flow **out, size_t *out_len);

/* The exact solve behind wass_emd, for a problem that passed
 * wass_problem_check and options that passed wass_emd's checks: prepare,
 * choose, solve, assemble, certify (when opt->certify). The internal entry
 * of the multiscale recursion: column generation (emd_colgen.c) solves the
 * problem between the leaf centroids of its k-d trees through it. */
int wass__emd_solve(const wass_problem *pb, const wass_options *opt, wass_result *res,
                    wass_error_info *err);

/* Relative tolerances an exact result must meet to be reported optimal. */
/* Recompute the flows of a basic plan (a forest over rows 0..n-1 and columns)
 * from the weights a (n), b (m), leaving the totals' mismatch at the node of
 * each tree whose potential (u, v, shifted as the certificate does) is
 * nearest 0, where it changes the cost least (plan_polish.c). Returns 1 when the flows were
 * replaced, 0 when the plan was kept (not a forest, out of memory, or a change beyond rounding). */
int wass__plan_polish(wass_flow *plan, size_t np, size_t n, size_t m, const double *a,
                      const double *b, const double *u, const double *v);
/* The shift t minimizing sum a_i |u_i + t| + sum b_j |v_j - t| (a weighted
 * median; 0 without memory): (u + t, v - t) is the same dual, with no large
 * terms to cancel (certify.c). */
double wass__cert_shift(const double *u, const double *a, size_t n, const double *v,
                        const double *b, size_t m);

/* The certificate's row minima min_j fl(C_ij - v_j) for a point-cloud cost
 * of a monotone ground metric
 * (euclidean, sqeuclidean, cityblock, chebyshev; p 1 or 2), exactly those of
 * the full scan, by branch and bound on a k-d tree over the columns, each
 * row's search cut from the start by the key of a column the plan (np
 * flows; may be empty) ships its mass to; *maxc an upper bound of the
 * largest cost (certify_tree.c). Returns 1 when done, 0 when left to the
 * full scan. */
int wass__cert_rowmin_tree(const wass_problem *pb, const double *v, const wass_flow *plan,
                           size_t np, int nt, double *rowmin, double *maxc);
/* Pairs from which wass_certify tries the tree row minima. */
#define WASS__CERT_TREE_MIN_PAIRS 4194304.0

#define WASS__CERT_MARGINAL_TOL 1e-9
#define WASS__CERT_REDUCED_TOL 1e-9
#define WASS__CERT_GAP_TOL 1e-9

#endif
