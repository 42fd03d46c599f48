/*
 * colgen_internal.h - the pieces of the column-generation exact solver
 * (emd_colgen.c drives them): the candidate arc set (arcset.c), the
 * multiscale start (colgen_coarse.c, colgen_start.c), pricing of all pairs
 * (colgen_price.c) and the assignment path (colgen_assign.c).
 */
#ifndef WASS_COLGEN_INTERNAL_H
#define WASS_COLGEN_INTERNAL_H

#include "exact/kdtree.h"
#include "exact/network_simplex.h"

#ifndef ADD_PER_ROW
#define ADD_PER_ROW 4 /* violated pairs added per source and round */
#endif
/* W1 on the simplex path (masses not all equal): the first pairs found
 * along a ray cost the search little, and more of them a round take fewer
 * rounds and fewer pivots (2-D, one thread, alternated: shifted Gaussians
 * with random weights, 20,000 points, 667,287 -> 557,117 pivots, 10 -> 9
 * rounds, CPU median 16.7 -> 14.8 s; DOTmark cauchy 128 x 128 W1 333,329
 * -> 299,144 pivots, 6.3-6.8 -> 5.7-6.3 s; W2^2 gained nothing and stays
 * at ADD_PER_ROW) */
#ifndef ADD_PER_ROW_W1
#define ADD_PER_ROW_W1 16
#endif
/* ... doubling each round after the first few, up to this many: where many
 * points coincide, they all want the same few pairs each round, and a fixed
 * small number would need a round for every few pairs */
#ifndef ADD_MAX
#define ADD_MAX 64
#endif

/* Sinks listed per clean source (colgen's near), and how far above the
 * threshold of its search, relative to the largest cost, a sink is listed
 * rather than bounded. */
#ifndef CG_NEAR
#define CG_NEAR 64
#endif
#ifndef CG_NEAR_MARGIN
#define CG_NEAR_MARGIN 3e-7
#endif

/* Candidate arcs in CSR form: row i has the columns col[ptr[i] .. ptr[i+1])
 * (sorted, distinct) with their costs. */
typedef struct {
    size_t n;     /* rows */
    size_t *ptr;  /* n + 1 */
    size_t *col;  /* ptr[n] */
    double *cost; /* ptr[n] */
} arcset;

void wass__arcset_free(arcset *A);

/* Build / extend: rows of A (may be empty) merged with the pairs (ri[k],
 * cj[k]), sorted and deduplicated per row. The costs are left undefined
 * (wass__arcset_fill_costs). */
int wass__arcset_merge(arcset *A, size_t n, const size_t *ri, const size_t *cj, size_t cnt);

/* cost[k] = C(i, col[k]) through the cost oracle for real pairs (i < nr,
 * j < mr), 0 for arcs of the dummy node. */
void wass__arcset_fill_costs(arcset *A, const wass_cost *c, size_t nr, size_t mr, int nt);

/* State of one column-generation solve. Sources 0..nr are the active points
 * X, sinks 0..mr the active points Y; base->n = n2 >= nr (and m2 >= mr)
 * counts the dummy node of partial transport. */
typedef struct {
    const wass__ns_input *base;
    const wass_options *opt;
    size_t n2, m2, nr, mr, d;
    const wass_ground *g;
    double *X, *Y;  /* nr x d, mr x d (owned) */
    wass_cost cost; /* X, Y with ground g: the cost oracle */
    kd_tree TX, TY;
    arcset A;
    kd_hit *hits; /* pricing output: nr rows of hits_stride (room for hits_cap) */
    size_t hits_cap, hits_stride;
    size_t *nhit; /* nr */
    double cmax;  /* an upper bound of every cost */
    int nt;       /* threads */
    /* Optional (the assignment path, whose duals only move one way between
     * pricings: u rises on the rows an augmenting path reaches or drops, v
     * only drops, so every C_ij - v_j is at least what it was): per source
     * whether its last search found no violated pair (pclean), and then a
     * level pm with C_ij - v_j >= pm[i] at that time for every sink j but
     * the nnear[i] listed in near[i * CG_NEAR ..] (tree positions). While
     * u_i - eps <= pm[i], the source is not searched again: only its listed
     * sinks are priced (see colgen_price.c). */
    double *pm;
    uint32_t *near;
    unsigned char *nnear, *pclean;
    /* The simplex path (pclean NULL): per source a level carried from one
     * pricing to the next (clev, -inf = none): every sink j not in A and
     * not among the cnn[i] listed in cnear[i * CG_NEAR ..] (tree positions)
     * had C_ij - v_j >= clev[i] with the v of the last pricing (cv_set).
     * A sink's key moves by phi_j = v_j(then) - v_j(now) since, and the
     * search skips the nodes of TY where clev[i] + min phi still rules
     * out a violated pair (cphi, per node of TY; see colgen_price.c). */
    double *clev, *cphi;
    uint32_t *cnear;
    unsigned char *cnn;
    int cv_set;
} colgen;

/* What the coarse problem over k-d tree leaves gives the fine solve. */
typedef struct {
    double *u, *v;   /* duals of each fine point lifted from its leaf (NULL = none) */
    size_t *pi, *pj; /* candidate pairs from the coarse plan */
    size_t npairs;
    wass__ns_arc *start; /* a fine starting forest lifted from the coarse plan */
    size_t start_len;
} coarse_info;

void wass__coarse_free(coarse_info *c);

/* Solve the problem between the leaf centroids of TX and TY (uncertified: it
 * only guides the start), then lift: every fine point gets its leaf's dual
 * (for W1 and W2^2 plus the dual's slope along the leaf's displacement
 * under the coarse plan times the point's offset from the leaf centroid),
 * every pair of points in two leaves joined by the coarse plan becomes a
 * candidate, and the coarse plan becomes a fine starting forest. Failure of
 * the coarse solve is not an error (ci stays empty). Returns WASS_OK or
 * WASS_ERR_NOMEM. */
int wass__coarse_solve(const wass_problem *pb, const colgen *cg, coarse_info *ci);

/* Lift the coarse plan (plan_len arcs between the leaves lx[0..nx) of TX and
 * ly[0..ny) of TY) to a fine starting forest in ci->start. */
int wass__lift_start(const wass__ns_input *in, const kd_tree *TX, const kd_tree *TY,
                     const size_t *lx, size_t nx, const size_t *ly, size_t ny,
                     const wass_flow *plan, size_t plan_len, coarse_info *ci);

/* Matrix-minimum rule over the arcs of A (by reduced cost with gu, gv when
 * given), then the north-west corner rule: a starting forest in *out. */
int wass__greedy_start(const wass__ns_input *in, const arcset *A, const double *gu,
                       const double *gv, wass__ns_arc **out, size_t *out_len);

/* Price every real pair with the duals u, v (after `rounds` solves): per
 * source the most violated pairs (W1: the first found) with C_ij - v_j <
 * u_i - eps not yet in cg->A, into cg->hits / cg->nhit (with cg->pclean,
 * the sources it proves clean are skipped; see colgen). *added receives
 * their total. Returns WASS_OK or WASS_ERR_NOMEM. */
int wass__cg_price(colgen *cg, const double *u, const double *v, double eps, int64_t rounds,
                   size_t *added);

/* Add the hits of the last wass__cg_price (added in all) to cg->A. */
int wass__cg_add_hits(colgen *cg, size_t added);

/* Assignments (nr = mr, equal masses, no dummy node): shortest augmenting
 * paths on cg->A warm-started from v0 (NULL = 0), then pricing of all
 * pairs, until none is violated. *done = 1 with o filled (o->iterations
 * counts the columns scanned); *done = 0 when the arc set admits no perfect
 * matching (the caller then runs the simplex). */
int wass__cg_assignment(colgen *cg, const double *v0, wass__ns_output *o, int64_t *rounds,
                        int *done);

/* The problem renumbered in k-d tree order (colgen_order.c): position k
 * of the sources is the caller's source sx[k] (k < nr; the dummy node, if
 * any, stays last), likewise sy for the sinks; ia, jb, sup, dem and the
 * cost oracle cx are the renumbered ones the solve reads. */
typedef struct {
    size_t nr, mr;
    size_t *sx, *sy, *ia, *jb;
    double *sup, *dem;
    void *cx; /* wass__emd_oracle */
} cg_order;

/* Renumber (in receives base with the renumbered masses, cost oracle and
 * start orders); free o with wass__cg_order_free, also after a failure.
 * Returns WASS_OK, WASS_ERR_NOMEM or the oracle's error. */
int wass__cg_order(const wass_problem *pb, const wass_options *opt, const size_t *ia,
                   const size_t *jb, size_t nr, size_t mr, const wass__ns_input *base, cg_order *o,
                   wass__ns_input *in, wass_error_info *err);
/* Map a solve's output (n2 sources, m2 sinks) back to the caller's
 * numbering; the basis (out->tree, out->tops) is dropped. */
int wass__cg_unorder(const cg_order *o, size_t n2, size_t m2, wass__ns_output *out);
void wass__cg_order_free(cg_order *o);

#endif
