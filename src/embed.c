/* embed.c - placeholder until the implementation lands (owner replaces this whole file). */
#include "internal.h"

void wass_embed_options_default(wass_embed_options *opt) { (void)opt; }

int wass_embed_frame_init(wass_embed_frame *fr, const wass_cloud *clouds, size_t count, const wass_embed_options *opt, wass_error_info *err) { (void)fr; (void)clouds; (void)count; (void)opt; return wass__fail(err, WASS_ERR_UNSUPPORTED, "not implemented yet"); }

void wass_embed_frame_free(wass_embed_frame *fr) { (void)fr; }

int wass_embed(const wass_embed_frame *fr, const wass_cloud *P, wass_sparse *out, wass_error_info *err) { (void)fr; (void)P; (void)out; return wass__fail(err, WASS_ERR_UNSUPPORTED, "not implemented yet"); }

double wass_sparse_l1(const wass_sparse *x, const wass_sparse *y) { (void)x; (void)y; return 0; }

void wass_sparse_free(wass_sparse *s) { (void)s; }

