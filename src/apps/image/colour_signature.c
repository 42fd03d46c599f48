/*
 * colour_signature.c - Rubner's colour signature: the pixels in CIE Lab
 * (sRGB with the D65 white), clustered by k-means with a seeded k-means++
 * start and Lloyd iterations; clusters become points at their mean colour,
 * weighted by the fraction of pixels they hold.
 */
#include "apps/image/image_internal.h"
#include "common/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double srgb_linear(double c) {
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double lab_f(double t) {
    const double d = 6.0 / 29.0;
    return t > d * d * d ? cbrt(t) : t / (3 * d * d) + 4.0 / 29.0;
}

static void rgb_to_lab(double r, double g, double b, double *lab) {
    r = srgb_linear(r);
    g = srgb_linear(g);
    b = srgb_linear(b);
    double x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b;
    double y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
    double z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b;
    double fx = lab_f(x / 0.95047), fy = lab_f(y), fz = lab_f(z / 1.08883);
    lab[0] = 116 * fy - 16;
    lab[1] = 500 * (fx - fy);
    lab[2] = 200 * (fy - fz);
}

static uint64_t next_u64(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double unif(uint64_t *s) {
    return (double)(next_u64(s) >> 11) * 0x1.0p-53;
}

static double d2(const double *x, const double *y) {
    double a = x[0] - y[0], b = x[1] - y[1], c = x[2] - y[2];
    return a * a + b * b + c * c;
}

int wass_colour_signature(const wass_image *img, size_t k, uint64_t seed, int max_iter,
                          wass_signature *out, wass_error_info *err) {
    wass__clear(err);
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "out is NULL");
    memset(out, 0, sizeof *out);
    if (!img || !img->pixels) return wass__fail(err, WASS_ERR_INVALID, "image is NULL");
    if (k == 0) return wass__fail(err, WASS_ERR_INVALID, "k must be at least 1");
    if (img->channels < 1 || img->channels > 4)
        return wass__fail(err, WASS_ERR_INVALID, "image has %d channels", img->channels);
    size_t n = img->width * img->height, ch = (size_t)img->channels;
    if (n == 0) return wass__fail(err, WASS_ERR_SIZE, "image is empty");
    if (max_iter <= 0) max_iter = 100;
    if (k > n) k = n;
    double *lab = malloc(3 * n * sizeof *lab), *cen = malloc(3 * k * sizeof *cen);
    double *dist = malloc(n * sizeof *dist), *sum = malloc(4 * k * sizeof *sum);
    size_t *lbl = malloc(n * sizeof *lbl);
    if (!lab || !cen || !dist || !sum || !lbl) {
        free(lab), free(cen), free(dist), free(sum), free(lbl);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const double *p = img->pixels + i * ch;
        if (ch <= 2)
            rgb_to_lab(p[0], p[0], p[0], lab + 3 * i);
        else
            rgb_to_lab(p[0], p[1], p[2], lab + 3 * i);
    }
    /* k-means++: first centre uniform, then proportional to D^2 */
    uint64_t st = seed;
    size_t c0 = next_u64(&st) % n;
    memcpy(cen, lab + 3 * c0, 3 * sizeof *cen);
    for (size_t i = 0; i < n; i++)
        dist[i] = d2(lab + 3 * i, cen);
    size_t kk = 1;
    while (kk < k) {
        double tot = wass__sum(dist, n);
        if (!(tot > 0)) break; /* fewer distinct colours than k */
        double t = unif(&st) * tot, acc = 0;
        size_t pick = n - 1;
        for (size_t i = 0; i < n; i++) {
            acc += dist[i];
            if (acc > t && dist[i] > 0) {
                pick = i;
                break;
            }
        }
        memcpy(cen + 3 * kk, lab + 3 * pick, 3 * sizeof *cen);
        for (size_t i = 0; i < n; i++) {
            double d = d2(lab + 3 * i, cen + 3 * kk);
            if (d < dist[i]) dist[i] = d;
        }
        kk++;
    }
    k = kk;
    for (int it = 0; it < max_iter; it++) {
        int changed = 0;
        for (size_t i = 0; i < n; i++) {
            size_t best = 0;
            double bd = d2(lab + 3 * i, cen);
            for (size_t j = 1; j < k; j++) {
                double d = d2(lab + 3 * i, cen + 3 * j);
                if (d < bd) bd = d, best = j;
            }
            if (it == 0 || lbl[i] != best) changed = 1;
            lbl[i] = best;
        }
        if (!changed) break;
        memset(sum, 0, 4 * k * sizeof *sum);
        for (size_t i = 0; i < n; i++) {
            double *s = sum + 4 * lbl[i];
            s[0] += lab[3 * i], s[1] += lab[3 * i + 1], s[2] += lab[3 * i + 2], s[3] += 1;
        }
        for (size_t j = 0; j < k; j++)
            if (sum[4 * j + 3] > 0)
                for (int q = 0; q < 3; q++)
                    cen[3 * j + q] = sum[4 * j + q] / sum[4 * j + 3];
    }
    memset(sum, 0, 4 * k * sizeof *sum);
    for (size_t i = 0; i < n; i++) {
        double *s = sum + 4 * lbl[i];
        s[0] += lab[3 * i], s[1] += lab[3 * i + 1], s[2] += lab[3 * i + 2], s[3] += 1;
    }
    size_t m = 0;
    for (size_t j = 0; j < k; j++)
        m += sum[4 * j + 3] > 0;
    out->X = malloc(3 * m * sizeof(double));
    out->w = malloc(m * sizeof(double));
    int rc = WASS_OK;
    if (!out->X || !out->w) {
        wass_signature_free(out);
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    } else {
        size_t q = 0;
        for (size_t j = 0; j < k; j++) {
            double c = sum[4 * j + 3];
            if (!(c > 0)) continue;
            for (int t = 0; t < 3; t++)
                out->X[3 * q + t] = sum[4 * j + t] / c;
            out->w[q] = c / (double)n;
            q++;
        }
        out->n = m;
        out->d = 3;
    }
    free(lab), free(cen), free(dist), free(sum), free(lbl);
    return rc;
}
