/*
 * fuzz_matrix.c - wass_matrix_read on any bytes (text tables and .npy
 * files: headers, shapes, dtypes, numbers), then a write and read back of
 * what was accepted, which must give the same matrix.
 */
#include "fuzz_util.h"
#include "wass.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(".mat");
    if (!fuzz_write(path, data, size)) return 0;
    wass_matrix m, back;
    wass_error_info err;
    if (wass_matrix_read(path, &m, &err) == WASS_OK) {
        for (size_t k = 0; k < m.rows * m.cols; k++)
            if (!isfinite(m.data[k])) abort(); /* NaN / Inf must be refused */
        char out[300];
        snprintf(out, sizeof out, "%s.npy", path);
        if (m.rows && m.cols && wass_matrix_write(out, &m, &err) == WASS_OK) {
            if (wass_matrix_read(out, &back, &err) != WASS_OK) abort();
            if (back.rows != m.rows || back.cols != m.cols ||
                memcmp(back.data, m.data, m.rows * m.cols * sizeof(double)) != 0)
                abort();
            wass_matrix_free(&back);
            remove(out);
        }
        wass_matrix_free(&m);
    } else if (!err.message[0]) {
        abort(); /* every refusal names the problem */
    }
    remove(path);
    return 0;
}
