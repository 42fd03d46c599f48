/* bounds.c - placeholder until the implementation lands (owner replaces this whole file). */
#include "internal.h"

int wass_bound_centroid(const wass_cloud *P, const wass_cloud *Q, const wass_ground *g, double *out, wass_error_info *err) { (void)P; (void)Q; (void)g; (void)out; return wass__fail(err, WASS_ERR_UNSUPPORTED, "not implemented yet"); }

int wass_bound_relaxed(const wass_problem *pb, int threads, double *out, wass_error_info *err) { (void)pb; (void)threads; (void)out; return wass__fail(err, WASS_ERR_UNSUPPORTED, "not implemented yet"); }

