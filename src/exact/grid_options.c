/*
 * grid_options.c - the small public pieces of the grid W1 solver that both
 * the solver (grid_emd.c) and the certificate (grid_certify.c) use: the
 * default options, the number of edge slots per pixel, and freeing a
 * result. Kept apart so that the dependency goes one way: grid_emd.c calls
 * grid_certify.c, and both call this file, which calls neither.
 */
#include "common/internal.h"

#include <stdlib.h>
#include <string.h>

int wass_grid_edges(wass_grid_metric metric) {
    return metric == WASS_GRID_LINF ? 4 : metric == WASS_GRID_L2 ? 0 : 2;
}

void wass_grid_options_default(wass_grid_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
    opt->metric = WASS_GRID_L1;
    opt->spacing = 1.0;
    opt->certify = 1;
}

void wass_grid_result_free(wass_grid_result *res) {
    if (!res) return;
    free(res->flows);
    free(res->potential);
    free(res->moves);
    res->flows = NULL;
    res->potential = NULL;
    res->moves = NULL;
    res->nmoves = 0;
}
