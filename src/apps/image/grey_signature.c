/*
 * grey_signature.c - a grey image as mass on its pixel grid (optionally
 * pooled to a coarser grid): points at the block centres in pixel units,
 * weights normalized to total 1. Also the shared signature helpers.
 */
#include "apps/image/image_internal.h"
#include "common/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void wass_signature_free(wass_signature *s) {
    if (!s) return;
    free(s->X);
    free(s->w);
    memset(s, 0, sizeof *s);
}

wass_cloud wass_signature_cloud(const wass_signature *s) {
    wass_cloud c = {s->n, s->d, s->X, s->w};
    return c;
}

int wass_grey_signature(const double *grey, size_t height, size_t width, size_t pool,
                        wass_signature *out, wass_error_info *err) {
    wass__clear(err);
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "out is NULL");
    memset(out, 0, sizeof *out);
    if (!grey) return wass__fail(err, WASS_ERR_INVALID, "grey is NULL");
    if (pool == 0) return wass__fail(err, WASS_ERR_INVALID, "pool must be at least 1");
    size_t N;
    if (height == 0 || width == 0 || !wass__mul_ok(height, width, &N))
        return wass__fail(err, WASS_ERR_SIZE, "image %zu x %zu is empty or too large", height,
                          width);
    double total;
    int rc = wass__check_weights(grey, N, "pixel values", &total, err);
    if (rc) return rc;
    size_t bh = (height + pool - 1) / pool, bw = (width + pool - 1) / pool, nb = bh * bw;
    double *mass = calloc(nb, sizeof *mass);
    if (!mass) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    for (size_t r = 0; r < height; r++)
        for (size_t c = 0; c < width; c++)
            mass[(r / pool) * bw + c / pool] += grey[r * width + c];
    size_t n = 0;
    for (size_t q = 0; q < nb; q++)
        n += mass[q] > 0;
    out->X = malloc(2 * n * sizeof(double));
    out->w = malloc(n * sizeof(double));
    if (!out->X || !out->w) {
        free(mass);
        wass_signature_free(out);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    size_t k = 0;
    for (size_t br = 0; br < bh; br++)
        for (size_t bc = 0; bc < bw; bc++) {
            double m = mass[br * bw + bc];
            if (!(m > 0)) continue;
            size_t r0 = br * pool, c0 = bc * pool;
            size_t r1 = r0 + pool < height ? r0 + pool : height;
            size_t c1 = c0 + pool < width ? c0 + pool : width;
            out->X[2 * k] = 0.5 * (double)(c0 + c1 - 1);
            out->X[2 * k + 1] = 0.5 * (double)(r0 + r1 - 1);
            out->w[k] = m / total;
            k++;
        }
    free(mass);
    out->n = n;
    out->d = 2;
    return WASS_OK;
}
