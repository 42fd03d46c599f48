/* divergence.c - placeholder until the implementation lands (owner replaces this whole file). */
#include "internal.h"

int wass_divergence(const double *p, const double *q, size_t n, wass_divergence_kind kind, unsigned flags, double *out, size_t *infinite_at, wass_error_info *err) { (void)p; (void)q; (void)n; (void)kind; (void)flags; (void)out; (void)infinite_at; return wass__fail(err, WASS_ERR_UNSUPPORTED, "not implemented yet"); }

int wass_divergence_parse(const char *name, wass_divergence_kind *out) { (void)name; (void)out; return WASS_ERR_UNSUPPORTED; }

