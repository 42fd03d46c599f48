/*
 * contour_signature.c - Grauman & Darrell's shape signature: points evenly
 * spaced along the contours of a thresholded silhouette, uniform weights.
 *
 * Every border of the shape (the outer border of each 8-connected
 * component and the border of each hole) is traced in order by Suzuki &
 * Abe's border following ("Topological structural analysis of digitized
 * binary images by border following", 1985; what OpenCV's findContours
 * does), a Moore-neighbour walk that visits the border pixels as a closed
 * 8-connected chain. The chains, as polygons through the pixel centres, are
 * laid end to end and `points` points are placed at equal arc-length steps
 * along them, so that each contour receives points in proportion to its
 * length (an isolated pixel counts as a contour of length 1).
 */
#include "apps/image/image_internal.h"
#include "common/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The 8 neighbours counterclockwise on the screen (rows grow downwards),
 * from the east. */
static const int nb_dr[8] = {0, -1, -1, -1, 0, 1, 1, 1};
static const int nb_dc[8] = {1, 1, 0, -1, -1, -1, 0, 1};

typedef struct {
    int32_t *rc; /* (row, column) of the chain pixels, all contours end to end */
    size_t len, cap;
    size_t *start; /* contour k is rc[start[k] .. start[k + 1]) */
    size_t nc, ccap;
} chains;

static int push_pixel(chains *ch, int32_t r, int32_t c) {
    if (ch->len == ch->cap) {
        size_t cap = ch->cap ? 2 * ch->cap : 256;
        int32_t *p = realloc(ch->rc, 2 * cap * sizeof *p);
        if (!p) return 0;
        ch->rc = p;
        ch->cap = cap;
    }
    ch->rc[2 * ch->len] = r;
    ch->rc[2 * ch->len + 1] = c;
    ch->len++;
    return 1;
}

static int push_contour(chains *ch) {
    if (ch->nc + 1 >= ch->ccap) {
        size_t cap = ch->ccap ? 2 * ch->ccap : 64;
        size_t *p = realloc(ch->start, cap * sizeof *p);
        if (!p) return 0;
        ch->start = p;
        ch->ccap = cap;
    }
    ch->start[ch->nc++] = ch->len;
    ch->start[ch->nc] = ch->len;
    return 1;
}

static int dir_of(int dr, int dc) {
    for (int k = 0; k < 8; k++)
        if (nb_dr[k] == dr && nb_dc[k] == dc) return k;
    return 0;
}

/* Follow the border that starts at pixel (r, c) of the framed label image
 * f (width W2 = width + 2), entered from its 0-neighbour in direction d2,
 * labelling it nbd (Suzuki & Abe, steps 3.1 to 3.5); the chain goes to ch.
 * Returns 0 when out of memory. */
static int follow(int32_t *f, size_t W2, int32_t r, int32_t c, int d2, int32_t nbd, chains *ch) {
#define F(rr, cc) f[(size_t)(rr)*W2 + (size_t)(cc)]
    if (!push_contour(ch) || !push_pixel(ch, r - 1, c - 1)) return 0;
    int d1 = -1; /* 3.1: clockwise from the 0-neighbour, the first 1-pixel */
    for (int k = 0; k < 8; k++) {
        int d = ((d2 - k) % 8 + 8) % 8;
        if (F(r + nb_dr[d], c + nb_dc[d]) != 0) {
            d1 = d;
            break;
        }
    }
    if (d1 < 0) { /* an isolated pixel */
        F(r, c) = -nbd;
        return 1;
    }
    int32_t r1 = r + nb_dr[d1], c1 = c + nb_dc[d1], r3 = r, c3 = c;
    int from = d1; /* direction from (r3, c3) to the previous pixel (r2, c2) */
    for (;;) {
        /* 3.3: counterclockwise from the one after the previous pixel */
        int d4 = from, east_zero = 0;
        for (int k = 1; k <= 8; k++) {
            int d = (from + k) % 8;
            if (F(r3 + nb_dr[d], c3 + nb_dc[d]) != 0) {
                d4 = d;
                break;
            }
            if (d == 0) east_zero = 1;
        }
        /* 3.4: the label */
        if (east_zero)
            F(r3, c3) = -nbd;
        else if (F(r3, c3) == 1)
            F(r3, c3) = nbd;
        int32_t r4 = r3 + nb_dr[d4], c4 = c3 + nb_dc[d4];
        /* 3.5: back at the start, about to repeat the first step */
        if (r4 == r && c4 == c && r3 == r1 && c3 == c1) return 1;
        from = dir_of(r3 - r4, c3 - c4);
        r3 = r4;
        c3 = c4;
        if (!push_pixel(ch, r3 - 1, c3 - 1)) return 0;
    }
#undef F
}

/* Every border of the shape grey > threshold, in raster order of their
 * first pixels (Suzuki & Abe, steps 1 and 4). Returns 0 when out of memory. */
static int trace_all(const double *grey, size_t height, size_t width, double threshold,
                     chains *ch) {
    const size_t W2 = width + 2, H2 = height + 2;
    int32_t *f = calloc(W2 * H2, sizeof *f);
    if (!f) return 0;
    for (size_t r = 0; r < height; r++)
        for (size_t c = 0; c < width; c++)
            f[(r + 1) * W2 + c + 1] = grey[r * width + c] > threshold;
    int32_t nbd = 1;
    int ok = 1;
    for (size_t r = 1; ok && r <= height; r++)
        for (size_t c = 1; ok && c <= width; c++) {
            int32_t v = f[r * W2 + c];
            if (v == 0) continue;
            if (v == 1 && f[r * W2 + c - 1] == 0) /* an outer border */
                ok = nbd < INT32_MAX && follow(f, W2, (int32_t)r, (int32_t)c, 4, ++nbd, ch);
            else if (v >= 1 && f[r * W2 + c + 1] == 0) /* a hole's border */
                ok = nbd < INT32_MAX && follow(f, W2, (int32_t)r, (int32_t)c, 0, ++nbd, ch);
        }
    if (ch->nc) ch->start[ch->nc] = ch->len; /* the end of the last contour */
    free(f);
    return ok;
}

/* Length of contour k as a closed polygon through its pixel centres (1 for
 * a single pixel); step q of it goes from pixel q to pixel q + 1 (mod). */
static double step_len(const chains *ch, size_t k, size_t q) {
    size_t a = ch->start[k], n = ch->start[k + 1] - a;
    const int32_t *p = ch->rc + 2 * (a + q), *s = ch->rc + 2 * (a + (q + 1) % n);
    double dr = (double)(s[0] - p[0]), dc = (double)(s[1] - p[1]);
    return sqrt(dr * dr + dc * dc);
}

static double contour_len(const chains *ch, size_t k) {
    size_t n = ch->start[k + 1] - ch->start[k];
    if (n == 1) return 1.0;
    double L = 0;
    for (size_t q = 0; q < n; q++)
        L += step_len(ch, k, q);
    return L;
}

/* points points at arc lengths j T / points (T the total length) along the
 * contours laid end to end, into out->X as (column, row). */
static void sample(const chains *ch, size_t points, wass_signature *out) {
    double T = 0;
    for (size_t k = 0; k < ch->nc; k++)
        T += contour_len(ch, k);
    size_t j = 0;
    double base = 0; /* arc length where contour k starts */
    for (size_t k = 0; k < ch->nc && j < points; k++) {
        size_t a = ch->start[k], n = ch->start[k + 1] - a;
        double Lk = contour_len(ch, k), pos = base;
        for (size_t q = 0; q < n && j < points; q++) {
            const int32_t *p = ch->rc + 2 * (a + q), *s = ch->rc + 2 * (a + (q + 1) % n);
            double len = n == 1 ? 1.0 : step_len(ch, k, q);
            /* the points whose arc length falls on this step */
            while (j < points && ((double)j * T / (double)points < pos + len ||
                                  (k + 1 == ch->nc && q + 1 == n))) {
                double t = len > 0 ? ((double)j * T / (double)points - pos) / len : 0;
                t = t < 0 ? 0 : t > 1 ? 1 : t;
                out->X[2 * j] = (double)p[1] + t * (double)(s[1] - p[1]);
                out->X[2 * j + 1] = (double)p[0] + t * (double)(s[0] - p[0]);
                out->w[j] = 1.0 / (double)points;
                j++;
            }
            pos += len;
        }
        base += Lk;
    }
}

int wass_contour_signature(const double *grey, size_t height, size_t width, double threshold,
                           size_t points, wass_signature *out, wass_error_info *err) {
    wass__clear(err);
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "out is NULL");
    memset(out, 0, sizeof *out);
    if (!grey) return wass__fail(err, WASS_ERR_INVALID, "grey is NULL");
    if (points == 0) return wass__fail(err, WASS_ERR_INVALID, "points must be at least 1");
    size_t N;
    if (height == 0 || width == 0 || !wass__mul_ok(height, width, &N) ||
        height > (size_t)INT32_MAX - 2 || width > (size_t)INT32_MAX - 2 ||
        !wass__mul_ok(height + 2, width + 2, &N))
        return wass__fail(err, WASS_ERR_SIZE, "image %zu x %zu is empty or too large", height,
                          width);
    int rc = wass__check_finite(grey, height * width, "pixel values", err);
    if (rc) return rc;
    if (isnan(threshold)) return wass__fail(err, WASS_ERR_NAN, "threshold is NaN");
    chains ch;
    memset(&ch, 0, sizeof ch);
    if (!trace_all(grey, height, width, threshold, &ch)) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory tracing the contours");
    } else if (ch.nc == 0) {
        rc = wass__fail(err, WASS_ERR_ZERO_MASS,
                        "no pixel is above the threshold %g: the shape is empty", threshold);
    } else {
        out->X = malloc(2 * points * sizeof(double));
        out->w = malloc(points * sizeof(double));
        if (!out->X || !out->w) {
            wass_signature_free(out);
            rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
        } else {
            out->n = points;
            out->d = 2;
            sample(&ch, points, out);
        }
    }
    free(ch.rc);
    free(ch.start);
    return rc;
}
