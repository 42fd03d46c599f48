/*
 * emd_dense_start.c - the multiscale start of the dense network simplex on
 * point clouds: the points are grouped into the leaves of two k-d trees,
 * the transport problem between the leaf centroids is solved exactly
 * (recursively, through wass__emd_solve, uncertified) and its plan is lifted
 * to a fine starting forest (colgen_coarse.c, colgen_start.c: the same
 * lift column generation starts from). The simplex then prices all n x m
 * pairs as before; only its first basis changes, so every answer is still
 * the simplex's optimum and is certified as before.
 *
 * Why: from the sorted north-west corner the simplex needed about 20
 * pivots a point on 2-D clouds of 1000 points (every family), each pricing
 * a block of about sqrt(n m) pairs; the lifted start leaves a fraction of
 * them (bench/README_scale.md).
 */
#include "exact/colgen_internal.h"
#include "exact/emd_steps.h"

#include <stdlib.h>
#include <string.h>

/* Below this many pairs the start costs more than it saves. */
#define DENSE_START_MIN_PAIRS 40000.0

int wass__dense_start_wanted(const wass_problem *pb, const wass_options *opt,
                             const wass__emd_prep *p) {
    return pb->cost.kind == WASS_COST_POINTS && !p->use_colgen && !p->dummy_row &&
           !p->dummy_col && opt->max_iter <= 0 &&
           (double)p->nr * (double)p->mr >= DENSE_START_MIN_PAIRS;
}

/* A start for in (the simplex's input of the dense path, the oracle cx of
 * its active points) in *start / *len (owned by the caller, NULL when the
 * coarse solve gave none: then the simplex keeps its own start). */
int wass__dense_start(const wass_problem *pb, const wass_options *opt, const wass__emd_prep *p,
                      const wass__emd_oracle *cx, const wass__ns_input *in, wass__ns_arc **start,
                      size_t *len) {
    size_t d = pb->cost.d, nr = p->nr, mr = p->mr;
    colgen cg;
    coarse_info ci;
    memset(&cg, 0, sizeof cg);
    memset(&ci, 0, sizeof ci);
    *start = NULL;
    *len = 0;
    cg.base = in;
    cg.opt = opt;
    double *Y = malloc((mr > 0 ? mr * d : 1) * sizeof(double));
    int rc = Y ? WASS_OK : WASS_ERR_NOMEM;
    if (!rc)
        for (size_t j = 0; j < mr; j++)
            for (size_t t = 0; t < d; t++)
                Y[j * d + t] = cx->YT[t * mr + j];
    if (!rc && (wass__kd_build(&cg.TX, cx->Xc, nr, d) || wass__kd_build(&cg.TY, Y, mr, d)))
        rc = WASS_ERR_NOMEM;
    if (!rc) rc = wass__coarse_solve(pb, &cg, &ci);
    if (!rc && ci.start) {
        *start = ci.start;
        *len = ci.start_len;
        ci.start = NULL;
    }
    wass__coarse_free(&ci);
    wass__kd_free(&cg.TX);
    wass__kd_free(&cg.TY);
    free(Y);
    return rc;
}
