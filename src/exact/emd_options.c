/*
 * emd_options.c - the exact solver's options (their defaults) and result
 * (its release), apart from the solver so that the certificate and column
 * generation need not reach into emd.c.
 */
#include "exact/emd_internal.h"

#include <stdlib.h>
#include <string.h>

void wass_options_default(wass_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
    opt->mass = WASS_MASS_BALANCED;
    opt->mass_tol = 1e-9;
    opt->max_iter = 0;
    opt->want_plan = 1;
    opt->want_duals = 1;
    opt->certify = 1;
    opt->threads = 0;
    opt->block_size = 0;
    opt->cert_tol = WASS__CERT_GAP_TOL;
    opt->progress = NULL;
    opt->progress_user = NULL;
}

void wass_result_free(wass_result *res) {
    if (!res) return;
    free(res->plan);
    free(res->u);
    free(res->v);
    memset(res, 0, sizeof *res);
    res->status = WASS_NOT_SOLVED;
}
