/*
 * wass/pairwise.h - distance matrices: all pairs of two sets of
 * distributions (point clouds, histograms on one support), exact or Sinkhorn.
 * Part of the core API: <wass.h> includes it; conventions as there.
 */
#ifndef WASS_PAIRWISE_H
#define WASS_PAIRWISE_H

#include "../wass.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================== */
/* Distance matrices: all pairs of two sets of distributions                */
/* ======================================================================== */

/* A set of distributions: either point clouds (clouds[count], all of one
 * dimension) or histograms on one shared support of n points (H: count x n
 * row-major, row k the weights of distribution k). Exactly one of clouds, H
 * is non-NULL. */
typedef struct {
    size_t count;
    const wass_cloud *clouds;
    const double *H;
    size_t n;
} wass_set;

/* The matrix D_ij = OT(A_i, B_j) between the distributions of A and of B.
 * Clouds: the cost is `ground` between their points. Histograms: the cost is
 * M (A.n x B.n row-major), already raised to the power p (p is reported
 * only). B.count == 0 (B zeroed) means B = A: the symmetric problem, where
 * each pair is solved once when the cost is symmetric (always for clouds;
 * for histograms when M is square and M_ij == M_ji exactly). */
typedef struct {
    wass_set A, B;
    wass_ground ground;
    const double *M;
    double p;
} wass_pairwise_problem;

/* A block of the matrix: rows i0 <= i < i1 of A, columns j0 <= j < j1 of B. */
typedef struct {
    size_t i0, i1, j0, j1;
} wass_block;

typedef enum { WASS_PAIRWISE_EMD = 0, WASS_PAIRWISE_SINKHORN = 1 } wass_pairwise_method;
/* "emd", "sinkhorn". */
WASS_API const char *wass_pairwise_method_name(wass_pairwise_method method);
WASS_API int wass_pairwise_method_parse(const char *name, wass_pairwise_method *out);

typedef struct {
    wass_pairwise_method method;    /* default WASS_PAIRWISE_EMD */
    wass_options emd;               /* EMD: mass, mass_tol, max_iter, certify, algorithm;
                                       threads, plan, duals and progress are ignored */
    wass_sinkhorn_options sinkhorn; /* SINKHORN: reg (> 0, required), tol, max_iter,
                                       eps_scaling, tau ...; threads, plan, init and
                                       progress are ignored */
    int threads;                    /* pairs spread over this many OpenMP threads, 0 = all */
    wass_progress_fn progress;      /* may be NULL; fraction of the block's pairs done */
    void *progress_user;
} wass_pairwise_options;

WASS_API void wass_pairwise_options_default(wass_pairwise_options *opt);

/* Fill out (blk->i1 - i0) x (j1 - j0), row-major, caller-owned, with the
 * block blk of D (NULL = the whole matrix): each pair is solved exactly as the
 * single-pair call would (wass_emd, or wass_sinkhorn, with one thread and the
 * same options), so D_ij is bitwise the cost that call returns (the optimal
 * cost / the transport cost of the entropic plan; W_p = D^(1/p)). Symmetric
 * problems: only pairs i <= j are solved; an entry i > j receives D_ji when
 * (j, i) lies in the block, else NaN. A pair whose solve ends without an
 * answer (status not OPTIMAL / CONVERGED) gets NaN; status (same shape as
 * out, may be NULL) receives every pair's wass_status (WASS_NOT_SOLVED for
 * mirrored and skipped entries). Every distribution of the block is checked
 * first; a bad one fails the call with an err naming its index ("A[17]:
 * ..."); a pair that cannot be solved names both indices. Results do not
 * depend on the thread count. */
WASS_API int wass_pairwise(const wass_pairwise_problem *pb, const wass_block *blk,
                           const wass_pairwise_options *opt, double *out, int *status,
                           wass_error_info *err);

#ifdef __cplusplus
}
#endif

#endif /* WASS_PAIRWISE_H */
