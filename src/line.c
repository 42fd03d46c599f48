/* line.c - placeholder until the implementation lands (owner replaces this whole file). */
#include "internal.h"

int wass_line(const double *u, const double *uw, size_t n, const double *v, const double *vw, size_t m, double p, double *out, wass_error_info *err) { (void)u; (void)uw; (void)n; (void)v; (void)vw; (void)m; (void)p; (void)out; return wass__fail(err, WASS_ERR_UNSUPPORTED, "not implemented yet"); }

int wass_line_batch(const double *u, const double *uw, size_t n, const double *v, const double *vw, size_t m, size_t k, double p, int threads, double *out, wass_error_info *err) { (void)u; (void)uw; (void)n; (void)v; (void)vw; (void)m; (void)k; (void)p; (void)threads; (void)out; return wass__fail(err, WASS_ERR_UNSUPPORTED, "not implemented yet"); }

