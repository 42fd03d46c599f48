/*
 * npz.h - a minimal writer of NumPy .npz archives (a zip of .npy files,
 * stored without compression), for outputs made of several arrays.
 */
#ifndef WASS_CLI_NPZ_H
#define WASS_CLI_NPZ_H

#include <stddef.h>
#include <stdint.h>

/* One array: name (the member is "<name>.npy"), 1-D or 2-D shape (cols = 0
 * for 1-D), and either float64 (f) or int64 (i) data. */
typedef struct {
    const char *name;
    size_t rows, cols;
    const double *f;
    const int64_t *i;
} cli_npz_array;

/* Write the arrays to path atomically (temp file + rename). Returns 0, or -1
 * with errno set. */
int cli_npz_write(const char *path, const cli_npz_array *arrays, size_t count);

#endif
