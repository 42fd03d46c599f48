/* matrix_io.c - placeholder until the implementation lands (owner replaces this whole file). */
#include "internal.h"

int wass_matrix_read(const char *path, wass_matrix *out, wass_error_info *err) { (void)path; (void)out; return wass__fail(err, WASS_ERR_UNSUPPORTED, "not implemented yet"); }

int wass_matrix_write(const char *path, const wass_matrix *mat, wass_error_info *err) { (void)path; (void)mat; return wass__fail(err, WASS_ERR_UNSUPPORTED, "not implemented yet"); }

void wass_matrix_free(wass_matrix *mat) { (void)mat; }

