/* sliced.c - placeholder until the implementation lands (owner replaces this whole file). */
#include "internal.h"

void wass_sliced_options_default(wass_sliced_options *opt) { (void)opt; }

int wass_sliced(const wass_cloud *P, const wass_cloud *Q, const wass_sliced_options *opt, double *out, wass_error_info *err) { (void)P; (void)Q; (void)opt; (void)out; return wass__fail(err, WASS_ERR_UNSUPPORTED, "not implemented yet"); }

