/* sinkhorn.c - placeholder until the implementation lands (owner replaces this whole file). */
#include "internal.h"

void wass_sinkhorn_options_default(wass_sinkhorn_options *opt) { (void)opt; }

int wass_sinkhorn(const wass_problem *pb, const wass_sinkhorn_options *opt, wass_sinkhorn_result *res, wass_error_info *err) { (void)pb; (void)opt; (void)res; return wass__fail(err, WASS_ERR_UNSUPPORTED, "not implemented yet"); }

void wass_sinkhorn_result_free(wass_sinkhorn_result *res) { (void)res; }

int wass_sinkhorn_divergence(const wass_cloud *P, const wass_cloud *Q, const wass_ground *g, const wass_sinkhorn_options *opt, double *out, wass_error_info *err) { (void)P; (void)Q; (void)g; (void)opt; (void)out; return wass__fail(err, WASS_ERR_UNSUPPORTED, "not implemented yet"); }

