/*
 * emd_prepare.c - the preparation steps of an exact solve: the masses the
 * solve uses (emd_masses.c), the points with positive
 * weight, the choice of the algorithm (column generation or simplex), one
 * point per location for column generation, and the dummy node of partial
 * transport.
 */
#include "exact/emd_colgen.h"
#include "exact/emd_steps.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The points of positive weight: idx and w receive their original indices
 * and weights; returns their number. */
static size_t active_points(const double *wt, size_t n, size_t *idx, double *w) {
    size_t r = 0;
    for (size_t i = 0; i < n; i++)
        if (wt[i] > 0) {
            idx[r] = i;
            w[r++] = wt[i];
        }
    return r;
}

/* On clouds in up to 3-D the dense simplex from its multiscale start
 * (emd_dense_start.c) beats column generation, one thread, CPU seconds
 * (bench/README_scale.md):
 * - W1 (euclidean, p = 1) on every family but uniform:uniform up to 8000 x
 *   8000 points: 2-D 4000 gauss:uniform 0.28 vs 1.09 s, concentrated:uniform
 *   0.29 vs 1.35 s; 8000 1.1-1.7 vs 4.1-5.1 s (uniform:uniform 0.24 vs 0.20 s
 *   and 1.0 vs 0.42 s);
 * - other costs without equal masses (no assignment) at 2000 x 2000
 *   (gauss:random W2^2: 2-D 0.096 vs 0.100-0.115 s, 3-D 0.15 vs 0.27 s; at
 *   4000 2-D 0.36 vs 0.32 s, 3-D 0.71 vs 0.95 s), so up to 8 million pairs;
 * - W2^2 in 3-D (the float first pass of its pricing, emd_price_f32.c) up
 *   to 4000 x 4000, assignments too: at 4000 gauss:random 0.79-0.84 vs
 *   1.42-1.48 s, gauss:uniform 0.43 vs 0.73, clusters 0.32 vs 0.48,
 *   concentrated 0.43 vs 0.59 (uniform:uniform 0.31 vs 0.26).
 * Other assignments keep column generation from 4000 x 4000. */
#define DENSE_W1_MAX_PAIRS 64.0e6
#define DENSE_MAX_PAIRS 8.0e6
#define DENSE_SQ3_MAX_PAIRS 16.0e6

static int dense_preferred(const wass_problem *pb, const wass_options *opt, size_t nr, size_t mr,
                           int assignment) {
    const wass_ground *g = &pb->cost.ground;
    double pairs = (double)nr * (double)mr;
    if (opt->algorithm != WASS_ALGO_AUTO || opt->max_iter > 0 ||
        pb->cost.kind != WASS_COST_POINTS || pb->cost.d > 3)
        return 0;
    if (g->metric == WASS_EUCLIDEAN && g->p == 1.0) return pairs <= DENSE_W1_MAX_PAIRS;
    int sq = (g->metric == WASS_SQEUCLIDEAN && g->p == 1.0) ||
             (g->metric == WASS_EUCLIDEAN && g->p == 2.0);
    if (sq && pb->cost.d == 3) return pairs <= DENSE_SQ3_MAX_PAIRS;
    return !assignment && pairs < DENSE_MAX_PAIRS;
}

int wass__emd_prepare(const wass_problem *pb, const wass_options *opt, wass__emd_prep *p,
                      wass_error_info *err) {
    size_t n = pb->n, m = pb->m;
    memset(p, 0, sizeof *p);
    p->n = n;
    p->m = m;
    p->a2 = malloc(n * sizeof(double));
    p->b2 = malloc(m * sizeof(double));
    p->ia = malloc((n + 1) * sizeof(size_t));
    p->jb = malloc((m + 1) * sizeof(size_t));
    p->sup = malloc((n + 1) * sizeof(double));
    p->dem = malloc((m + 1) * sizeof(double));
    if (!p->a2 || !p->b2 || !p->ia || !p->jb || !p->sup || !p->dem)
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    int rc = wass__emd_masses(pb, opt->mass, opt->mass_tol, p->a2, p->b2, &p->A, &p->B, err);
    if (rc) return rc;
    p->nr = active_points(p->a2, n, p->ia, p->sup);
    p->mr = active_points(p->b2, m, p->jb, p->dem);
    /* Column generation works on one point per location (emd_internal.h):
     * decided on the problem as given, then coincident points are merged. */
    int partial_dummy = opt->mass == WASS_MASS_PARTIAL && p->A != p->B;
    int assignment = !partial_dummy && wass__equal_masses(p->sup, p->nr, p->dem, p->mr);
    p->use_colgen = pb->cost.kind == WASS_COST_POINTS &&
                    !dense_preferred(pb, opt, p->nr, p->mr, assignment) &&
                    wass__colgen_wanted(pb, opt, p->nr, p->mr, assignment);
    if (p->use_colgen) {
        if (wass__group_points(pb->cost.X, pb->cost.d, p->ia, p->sup, p->nr, &p->gs) ||
            wass__group_points(pb->cost.Y, pb->cost.d, p->jb, p->dem, p->mr, &p->gt))
            return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
        p->merged = p->gs.ng < p->nr || p->gt.ng < p->mr;
        p->nr = p->gs.ng;
        p->mr = p->gt.ng;
    }
    p->n2 = p->nr;
    p->m2 = p->mr;
    if (partial_dummy) {
        if (p->A > p->B) {
            p->dem[p->m2++] = p->A - p->B;
            p->dummy_col = 1;
        } else {
            p->sup[p->n2++] = p->B - p->A;
            p->dummy_row = 1;
        }
    }
    return WASS_OK;
}

void wass__emd_prep_free(wass__emd_prep *p) {
    if (!p) return;
    wass__groups_free(&p->gs);
    wass__groups_free(&p->gt);
    free(p->a2);
    free(p->b2);
    free(p->ia);
    free(p->jb);
    free(p->sup);
    free(p->dem);
    memset(p, 0, sizeof *p);
}
