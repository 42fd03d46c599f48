/*
 * contour_signature.c - Grauman & Darrell's shape signature: the boundary
 * pixels of a thresholded silhouette, subsampled evenly to a given number
 * of points with uniform weights.
 */
#include "apps/image/image_internal.h"
#include "common/internal.h"

#include <stdlib.h>
#include <string.h>

int wass_contour_signature(const double *grey, size_t height, size_t width, double threshold,
                           size_t points, wass_signature *out, wass_error_info *err) {
    wass__clear(err);
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "out is NULL");
    memset(out, 0, sizeof *out);
    if (!grey) return wass__fail(err, WASS_ERR_INVALID, "grey is NULL");
    if (points == 0) return wass__fail(err, WASS_ERR_INVALID, "points must be at least 1");
    size_t N;
    if (height == 0 || width == 0 || !wass__mul_ok(height, width, &N))
        return wass__fail(err, WASS_ERR_SIZE, "image %zu x %zu is empty or too large", height,
                          width);
    int rc = wass__check_finite(grey, N, "pixel values", err);
    if (rc) return rc;
    size_t nb = 0;
#define INSIDE(r, c) (grey[(r)*width + (c)] > threshold)
    for (int pass = 0; pass < 2; pass++) {
        size_t take = 0, seen = 0;
        for (size_t r = 0; r < height; r++)
            for (size_t c = 0; c < width; c++) {
                if (!INSIDE(r, c)) continue;
                int edge = r == 0 || c == 0 || r + 1 == height || c + 1 == width ||
                           !INSIDE(r - 1, c) || !INSIDE(r + 1, c) || !INSIDE(r, c - 1) ||
                           !INSIDE(r, c + 1);
                if (!edge) continue;
                if (pass == 0) {
                    nb++;
                    continue;
                }
                /* boundary pixel number `seen` is taken when it starts a new
                 * share of nb / n: floor(seen * n / nb) changes */
                size_t n = out->n;
                if (take < n && (seen * n) / nb == take && (seen * n) % nb < n) {
                    out->X[2 * take] = (double)c;
                    out->X[2 * take + 1] = (double)r;
                    out->w[take] = 1.0 / (double)n;
                    take++;
                }
                seen++;
            }
        if (pass == 0) {
            if (nb == 0)
                return wass__fail(err, WASS_ERR_ZERO_MASS,
                                  "no pixel is above the threshold %g: the shape is empty",
                                  threshold);
            size_t n = points < nb ? points : nb;
            out->X = malloc(2 * n * sizeof(double));
            out->w = malloc(n * sizeof(double));
            if (!out->X || !out->w) {
                wass_signature_free(out);
                return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
            }
            out->n = n;
            out->d = 2;
        } else if (take != out->n) {
            size_t want = out->n;
            wass_signature_free(out);
            return wass__fail(err, WASS_ERR_INTERNAL, "contour sampling took %zu of %zu points",
                              take, want);
        }
    }
#undef INSIDE
    return WASS_OK;
}
