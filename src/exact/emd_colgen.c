/*
 * emd_colgen.c - exact optimal transport between large point clouds by
 * column generation around the network simplex.
 *
 * The restricted problem holds a sparse set of candidate arcs: for every
 * source its k nearest sinks and for every sink its k nearest sources (k-d
 * trees), the arcs of a greedy starting plan, and the arcs of the dummy node
 * of partial transport. The network simplex solves it on those arcs only
 * (warm-started from the previous plan). Then ALL pairs are priced with the
 * duals: for each source i a branch-and-bound search of the sink k-d tree
 * finds the pairs with C_ij - v_j < u_i - eps (the bound of a tree node is
 * the cost to its bounding box minus the largest v_j inside, a true lower
 * bound in floating point because rounding is monotone). Violated pairs (up
 * to a few per source, the most violated) join the arc set and the simplex
 * resumes. When no pair is violated the duals are feasible for the full
 * problem and the plan is optimal; wass_emd then checks that independently
 * over all n*m pairs (wass_certify).
 *
 * This file is the driver; the pieces are apart: kdtree.c (trees and
 * branch-and-bound search), arcset.c (candidate arcs), colgen_coarse.c and
 * colgen_start.c (multiscale start), colgen_price.c (pricing of all pairs),
 * colgen_assign.c (augmenting paths for assignments).
 *
 * Memory: O(n + m + candidate arcs). Pricing is parallel over sources with a
 * fixed per-source output slot, so results do not depend on the thread count.
 */
#include "exact/emd_colgen.h"

#include "exact/colgen_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef WASS_COLGEN_TRACE
#include <stdio.h>
#endif

/* Size above which WASS_ALGO_AUTO picks column generation (nr * mr pairs). */
#define COLGEN_AUTO_PAIRS 4000000.0
/* Largest dimension for which AUTO picks it (k-d trees lose their edge). */
#define COLGEN_AUTO_MAXDIM 8
/* The same for assignments (equal masses, n = m), solved by augmenting
 * paths: on 2-D Gaussian clouds they match the dense simplex at n = 4000
 * and beat it above (on uniform clouds already from n = 1000). */
#define COLGEN_AUTO_ASSIGN_PAIRS 16000000.0
/* Size (nr * mr) above which a coarse problem over k-d tree leaves guides
 * the start. */
#define COLGEN_COARSE_PAIRS 1000000.0
#ifndef KNN_K
#define KNN_K 8 /* nearest neighbours per point in the first arc set */
#endif

int wass__colgen_wanted(const wass_problem *pb, const wass_options *opt, size_t nr, size_t mr,
                        int assignment) {
    if (pb->cost.kind != WASS_COST_POINTS) return 0;
    if (opt->algorithm == WASS_ALGO_COLGEN) return 1;
    if (opt->algorithm != WASS_ALGO_AUTO) return 0;
    double pairs = (double)nr * (double)mr;
    if (pb->cost.d > COLGEN_AUTO_MAXDIM) return 0;
    if (assignment && opt->max_iter <= 0) return pairs >= COLGEN_AUTO_ASSIGN_PAIRS;
    return pairs >= COLGEN_AUTO_PAIRS;
}

int wass__equal_masses(const double *sup, size_t n, const double *dem, size_t m) {
    if (n != m || n == 0 || sup[0] != dem[0]) return 0;
    for (size_t i = 0; i < n; i++)
        if (sup[i] != sup[0] || dem[i] != sup[0]) return 0;
    return 1;
}

/* The active points copied out of pb, their k-d trees and the cost oracle. */
static int cg_setup(colgen *cg, const wass_problem *pb, const wass_options *opt, const size_t *ia,
                    const size_t *jb, size_t nr, size_t mr, const wass__ns_input *base,
                    wass_error_info *err) {
    size_t d = pb->cost.d, nd, md;
    memset(cg, 0, sizeof *cg);
    cg->base = base;
    cg->opt = opt;
    cg->n2 = base->n;
    cg->m2 = base->m;
    cg->nr = nr;
    cg->mr = mr;
    cg->d = d;
    cg->g = &pb->cost.ground;
    cg->nt = wass__threads(opt->threads);
    if (!wass__mul_ok(nr, d, &nd) || !wass__mul_ok(mr, d, &md))
        return wass__fail(err, WASS_ERR_SIZE, "point cloud size overflows");
    cg->X = malloc((nd ? nd : 1) * sizeof(double));
    cg->Y = malloc((md ? md : 1) * sizeof(double));
    cg->nhit = malloc((nr ? nr : 1) * sizeof(size_t));
    if (!cg->X || !cg->Y || !cg->nhit) return WASS_ERR_NOMEM;
    for (size_t i = 0; i < nr; i++)
        memcpy(cg->X + i * d, pb->cost.X + ia[i] * d, d * sizeof(double));
    for (size_t j = 0; j < mr; j++)
        memcpy(cg->Y + j * d, pb->cost.Y + jb[j] * d, d * sizeof(double));
    cg->cost = wass_cost_points(cg->X, cg->Y, d, pb->cost.ground);
    if (wass__kd_build(&cg->TX, cg->X, nr, d) || wass__kd_build(&cg->TY, cg->Y, mr, d))
        return WASS_ERR_NOMEM;
    return WASS_OK;
}

static void cg_free(colgen *cg) {
    wass__kd_free(&cg->TX);
    wass__kd_free(&cg->TY);
    wass__arcset_free(&cg->A);
    free(cg->hits);
    free(cg->nhit);
    free(cg->clev);
    free(cg->cphi);
    free(cg->cnear);
    free(cg->cnn);
    free(cg->X);
    free(cg->Y);
}

/* The k nearest points of tree T to each of the nq query points Q (within
 * a team: the loop is shared out): arc q of query i gets the found point
 * (T's index) in found[i * k + q] and i in query[i * k + q]. Returns 1 when
 * a search came back short. */
static int knn_side(const colgen *cg, const kd_tree *T, const double *Q, size_t nq, int use_v,
                    size_t k, size_t *query, size_t *found, kd_hit *heap, kd_frame *stack) {
    int fail = 0;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 256)
#endif
    for (size_t i = 0; i < nq; i++) {
        size_t h = wass__kd_search(T, cg->g, Q + i * cg->d, use_v, INFINITY, k, heap, stack);
        if (h != k) fail = 1;
        for (size_t q = 0; q < h; q++) {
            query[i * k + q] = i;
            found[i * k + q] = T->perm[heap[q].idx];
        }
    }
    return fail;
}

/* The k nearest sinks of every source into ri/cj[0 .. nr*kx) and the k
 * nearest sources of every sink after them; with use_v (the trees hold the
 * lifted coarse duals) nearest by C_ij - v_j and C_ij - u_i. Returns 1 when
 * a search came back short (a cost is NaN). */
static int knn_pairs(const colgen *cg, int use_v, size_t kx, size_t ky, size_t *ri, size_t *cj) {
    size_t nr = cg->nr, mr = cg->mr, off = nr * kx;
    int fail = 0, nt = cg->nt;
    (void)nt;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) reduction(| : fail)
#endif
    {
        kd_hit heap[KNN_K];
        kd_frame stack[160];
        fail |= knn_side(cg, &cg->TY, cg->X, nr, use_v, kx, ri, cj, heap, stack);
        fail |= knn_side(cg, &cg->TX, cg->Y, mr, use_v, ky, cj + off, ri + off, heap, stack);
    }
    return fail;
}

/* The first arc set: k nearest both ways, the arcs of the dummy node, the
 * pairs of the coarse plan. For assignments with a cost of power 1 (W1)
 * "nearest" is by the lifted coarse duals, where the coarse plan says the
 * mass goes: on the benchmark families (n = 5000, 2-D) that took 20-38 %
 * fewer column scans on three of four families (4 % more on the fourth),
 * and on shifted Gaussians at 20,000 half (6.75 vs 13.6 million); for W2^2
 * and for the simplex (unequal masses) it was worse as often as better. */
static int first_arcs(colgen *cg, const coarse_info *ms, int assignment, wass_error_info *err) {
    size_t nr = cg->nr, mr = cg->mr, n2 = cg->n2, m2 = cg->m2, k = KNN_K;
    size_t kx = k < mr ? k : mr, ky = k < nr ? k : nr;
    size_t cnt = nr * kx + mr * ky + (n2 - nr) * m2 + (m2 - mr) * n2 + ms->npairs;
    size_t *ri = calloc(cnt ? cnt : 1, sizeof(size_t)), *cj = calloc(cnt ? cnt : 1, sizeof(size_t));
    int rc = WASS_OK;
    if (!ri || !cj) {
        rc = WASS_ERR_NOMEM;
        goto done;
    }
    int use_v = ms->u != NULL && assignment && cg->g->p == 1.0;
    if (use_v) {
        wass__kd_set_v(&cg->TY, cg->g, ms->v);
        wass__kd_set_v(&cg->TX, cg->g, ms->u);
    }
    if (knn_pairs(cg, use_v, kx, ky, ri, cj)) {
        rc = wass__fail(err, WASS_ERR_NAN, "a point-to-point cost is NaN or infinite");
        goto done;
    }
    size_t q = nr * kx + mr * ky;
    for (size_t i = nr; i < n2; i++)
        for (size_t j = 0; j < m2; j++) {
            ri[q] = i;
            cj[q++] = j;
        }
    for (size_t j = mr; j < m2; j++)
        for (size_t i = 0; i < n2; i++) {
            ri[q] = i;
            cj[q++] = j;
        }
    if (ms->npairs) {
        memcpy(ri + q, ms->pi, ms->npairs * sizeof(size_t));
        memcpy(cj + q, ms->pj, ms->npairs * sizeof(size_t));
        q += ms->npairs;
    }
    rc = wass__arcset_merge(&cg->A, n2, ri, cj, q);
done:
    free(ri);
    free(cj);
    return rc;
}

/* The arcs of a starting forest join the candidates (costs refreshed). */
static int add_start_arcs(colgen *cg, const wass__ns_arc *start, size_t len) {
    size_t *ri = malloc((len + 1) * sizeof(size_t)), *cj = malloc((len + 1) * sizeof(size_t));
    int rc = WASS_ERR_NOMEM;
    if (ri && cj) {
        for (size_t q = 0; q < len; q++) {
            ri[q] = start[q].i;
            cj[q] = start[q].j;
        }
        rc = wass__arcset_merge(&cg->A, cg->n2, ri, cj, len);
    }
    free(ri);
    free(cj);
    if (!rc) wass__arcset_fill_costs(&cg->A, &cg->cost, cg->nr, cg->mr, cg->nt);
    return rc;
}

/* An upper bound of every cost: the cost across the joint bounding box. */
static int span_cost(const colgen *cg, double *cmax) {
    size_t d = cg->d;
    const kd_tree *TX = &cg->TX, *TY = &cg->TY;
    double *zero = calloc(2 * d + 1, sizeof(double));
    if (!zero) return WASS_ERR_NOMEM;
    double *w = zero + d;
    for (size_t t = 0; t < d; t++) {
        double lo = fmin(TX->nnodes ? TX->bmin[t] : INFINITY, TY->nnodes ? TY->bmin[t] : INFINITY);
        double hi =
            fmax(TX->nnodes ? TX->bmax[t] : -INFINITY, TY->nnodes ? TY->bmax[t] : -INFINITY);
        w[t] = hi - lo;
    }
    *cmax = wass_ground_eval(cg->g, zero, w, d);
    free(zero);
    return WASS_OK;
}

/* Pricing block of the simplex on nnz candidate arcs: a fifth of the usual
 * sqrt(nnz). The pivots a round hardly depend on it (2-D gauss:random W1 at
 * 20,000: 557,000 pivots with sqrt(nnz), 590,000 with a quarter of it), so
 * fewer arcs priced a pivot win: 14 % less solve time on W1, W2^2 within
 * the noise (one thread); DOTmark 256 loggrf W1 37.6 s against 45.9 s
 * with 0.1 and 47.4 s with 0.4. At n = 2000 it was neutral, so the dense
 * solve's sparse start keeps sqrt(nnz). */
static int64_t cg_block(size_t nnz) {
    double b = ceil(0.2 * sqrt((double)nnz));
    return b > 16.0 ? (int64_t)b : 16;
}

/* The network simplex on the candidate arcs from `start` (owned; freed),
 * then pricing of all pairs; repeated from the previous basis until no pair
 * is violated. */
static int simplex_rounds(colgen *cg, wass__ns_arc *start, size_t start_len, wass__ns_output *o,
                          int64_t *rounds_out, wass_error_info *err) {
    const wass_options *opt = cg->opt;
    size_t *tops = NULL, ntops = 0;
    int64_t iters = 0, rounds = 0;
    int rc = WASS_OK;
    for (;;) {
        wass__ns_input in = *cg->base;
        in.start = start;
        in.start_len = start_len;
        in.arc_ptr = cg->A.ptr;
        in.arc_col = cg->A.col;
        in.arc_cost = cg->A.cost;
        in.cost_scale = cg->cmax > 0 ? cg->cmax : 0.0;
        in.start_tops = tops;
        in.start_ntops = ntops;
        in.want_tree = 1;
        if (in.block_size <= 0) in.block_size = cg_block(cg->A.ptr[cg->n2]);
        if (opt->max_iter > 0) in.max_iter = opt->max_iter - iters;
        wass__ns_output_free(o);
        if ((rc = wass__ns_solve(&in, o, err))) break;
        free(start);
        free(tops);
        start = NULL;
        tops = NULL;
        ntops = 0;
        iters += o->iterations;
        rounds++;
        if (o->status != WASS_OPTIMAL) break;
        double eps = fmax(1e-12 * cg->cmax, 4.0 * o->pricing_tol);
        size_t added;
        if ((rc = wass__cg_price(cg, o->u, o->v, eps, rounds, &added))) break;
#ifdef WASS_COLGEN_TRACE
        fprintf(stderr, "round %lld: pivots %lld arcs %zu added %zu t=%.3f\n", (long long)rounds,
                (long long)o->iterations, cg->A.ptr[cg->n2], added, wass__now());
#endif
        if (opt->progress) opt->progress(-1.0, "column generation", opt->progress_user);
        if (added == 0) break;
        if (opt->max_iter > 0 && iters >= opt->max_iter) {
            o->status = WASS_ITERATION_LIMIT; /* optimal on the arc set only */
            break;
        }
        if ((rc = wass__cg_add_hits(cg, added))) break;
        /* warm start from the current basis (zero flows and orientation
         * kept, so the tree stays strongly feasible) */
        start = o->tree;
        start_len = o->ntree;
        tops = o->tops;
        ntops = o->ntops;
        o->tree = NULL;
        o->ntree = 0;
        o->tops = NULL;
        o->ntops = 0;
    }
    free(start);
    free(tops);
    o->iterations = iters;
    *rounds_out = rounds;
    return rc;
}

static int colgen_core(const wass_problem *pb, const wass_options *opt, const size_t *ia,
                       const size_t *jb, size_t nr, size_t mr, const wass__ns_input *base,
                       wass__ns_output *out, wass_result *res, wass_error_info *err) {
    colgen cg;
    coarse_info ms;
    wass__ns_output o;
    memset(&ms, 0, sizeof ms);
    memset(&o, 0, sizeof o);
    memset(out, 0, sizeof *out);
    wass__ns_arc *start = NULL;
    size_t start_len = 0;
    int64_t rounds = 0;
    int rc = cg_setup(&cg, pb, opt, ia, jb, nr, mr, base, err);
    if (rc) goto done;
    /* multiscale start (not with the dummy node of partial transport) */
    if (cg.n2 == nr && cg.m2 == mr && (double)nr * (double)mr >= COLGEN_COARSE_PAIRS &&
        (rc = wass__coarse_solve(pb, &cg, &ms)))
        goto done;
    int assignment = opt->max_iter <= 0 && cg.n2 == nr && cg.m2 == mr &&
                     wass__equal_masses(base->supply, nr, base->demand, mr);
    if ((rc = first_arcs(&cg, &ms, assignment, err))) goto done;
    wass__arcset_fill_costs(&cg.A, &cg.cost, nr, mr, cg.nt);
    if (ms.start) {
        start = ms.start;
        start_len = ms.start_len;
        ms.start = NULL;
    } else if ((rc = wass__greedy_start(base, &cg.A, ms.u, ms.v, &start, &start_len))) {
        goto done;
    }
    if ((rc = add_start_arcs(&cg, start, start_len))) goto done;
    if ((rc = span_cost(&cg, &cg.cmax))) goto done;
    if (!isfinite(cg.cmax)) {
        rc = wass__fail(err, WASS_ERR_NAN, "the point clouds span an infinite cost");
        goto done;
    }
    if (assignment) {
        int done_sap = 0;
        if ((rc = wass__cg_assignment(&cg, ms.v, &o, &rounds, &done_sap))) goto done;
        if (done_sap) goto solved;
    }
    rc = simplex_rounds(&cg, start, start_len, &o, &rounds, err);
    start = NULL;
    if (rc) goto done;
solved:
    *out = o;
    memset(&o, 0, sizeof o);
    res->rounds = rounds;
    res->candidate_arcs = cg.A.ptr[cg.n2];
done:
    if (rc == WASS_ERR_NOMEM)
        rc = wass__fail(err, WASS_ERR_NOMEM, "column generation: out of memory (n = %zu, m = %zu)",
                        base->n, base->m);
    wass__ns_output_free(&o);
    wass__coarse_free(&ms);
    cg_free(&cg);
    free(start);
    return rc;
}

int wass__colgen_solve(const wass_problem *pb, const wass_options *opt, const size_t *ia,
                       const size_t *jb, size_t nr, size_t mr, const wass__ns_input *base,
                       wass__ns_output *out, wass_result *res, wass_error_info *err) {
    cg_order o;
    wass__ns_input in;
    memset(out, 0, sizeof *out);
    int rc = wass__cg_order(pb, opt, ia, jb, nr, mr, base, &o, &in, err);
    if (!rc) rc = colgen_core(pb, opt, o.ia, o.jb, nr, mr, &in, out, res, err);
    if (!rc) rc = wass__cg_unorder(&o, base->n, base->m, out);
    if (rc == WASS_ERR_NOMEM)
        rc = wass__fail(err, WASS_ERR_NOMEM, "column generation: out of memory (n = %zu, m = %zu)",
                        base->n, base->m);
    if (rc) wass__ns_output_free(out);
    wass__cg_order_free(&o);
    return rc;
}
