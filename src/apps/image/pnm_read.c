/*
 * pnm_read.c - PGM / PPM reader (P2, P3 plain text; P5, P6 binary, 8 or 16
 * bits big-endian), from a buffer holding the whole file. Sizes are checked
 * against the bytes the file actually has before the pixels are allocated.
 */
#include "apps/image/image_internal.h"
#include "common/internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const unsigned char *p, *end;
} cursor;

static int is_space(int c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* skip white space and '#' comments; read an unsigned decimal; 0 on failure */
static int read_uint(cursor *cu, unsigned long long *out) {
    for (;;) {
        while (cu->p < cu->end && is_space(*cu->p))
            cu->p++;
        if (cu->p < cu->end && *cu->p == '#') {
            while (cu->p < cu->end && *cu->p != '\n')
                cu->p++;
            continue;
        }
        break;
    }
    if (cu->p >= cu->end || *cu->p < '0' || *cu->p > '9') return 0;
    unsigned long long v = 0;
    while (cu->p < cu->end && *cu->p >= '0' && *cu->p <= '9') {
        v = v * 10 + (unsigned)(*cu->p - '0');
        if (v > 0xffffffffull) return 0;
        cu->p++;
    }
    *out = v;
    return 1;
}

int wass__pnm_parse(const char *path, const unsigned char *buf, size_t len, wass_image *out,
                    wass_error_info *err) {
    if (len < 2 || buf[0] != 'P' || !strchr("2356", buf[1]) || buf[1] == '\0')
        return wass__fail(err, WASS_ERR_FORMAT, "%s: not a PGM/PPM file (P2, P3, P5 or P6)", path);
    int kind = buf[1] - '0';
    int ch = (kind == 3 || kind == 6) ? 3 : 1;
    int binary = kind >= 5;
    cursor cu = {buf + 2, buf + len};
    unsigned long long w, h, maxval;
    if (!read_uint(&cu, &w) || !read_uint(&cu, &h) || !read_uint(&cu, &maxval))
        return wass__fail(err, WASS_ERR_FORMAT,
                          "%s: bad P%d header (expected width, height and maxval)", path, kind);
    if (w == 0 || h == 0)
        return wass__fail(err, WASS_ERR_FORMAT, "%s: image has zero width or height", path);
    if (maxval == 0 || maxval > 65535)
        return wass__fail(err, WASS_ERR_FORMAT, "%s: maxval %llu is not in 1..65535", path, maxval);
    if (w * h > WASS_IMAGE_MAX_PIXELS)
        return wass__fail(err, WASS_ERR_FORMAT, "%s: %llu x %llu pixels is too large (at most %zu)",
                          path, w, h, WASS_IMAGE_MAX_PIXELS);
    size_t nv = (size_t)(w * h) * (size_t)ch;
    size_t bps = maxval > 255 ? 2 : 1;
    if (binary) {
        if (cu.p >= cu.end || !is_space(*cu.p))
            return wass__fail(err, WASS_ERR_FORMAT,
                              "%s: truncated P%d file (no pixel data after the header)", path,
                              kind);
        cu.p++;
        size_t have = (size_t)(cu.end - cu.p);
        if (have < nv * bps)
            return wass__fail(err, WASS_ERR_FORMAT,
                              "%s: truncated P%d file: %llu x %llu pixels need %zu bytes of data, "
                              "the file has %zu",
                              path, kind, w, h, nv * bps, have);
    } else if ((size_t)(cu.end - cu.p) < 2 * nv - 1) {
        /* every plain value takes a digit and a separator */
        return wass__fail(err, WASS_ERR_FORMAT,
                          "%s: truncated P%d file: %llu x %llu pixels need %zu values, the file is "
                          "too short to hold them",
                          path, kind, w, h, nv);
    }
    out->pixels = malloc(nv * sizeof(double));
    if (!out->pixels) return wass__fail(err, WASS_ERR_NOMEM, "%s: out of memory", path);
    for (size_t i = 0; i < nv; i++) {
        unsigned long long v;
        if (binary) {
            v = bps == 2 ? ((unsigned)cu.p[2 * i] << 8 | cu.p[2 * i + 1]) : cu.p[i];
        } else if (!read_uint(&cu, &v)) {
            wass_image_free(out);
            return wass__fail(err, WASS_ERR_FORMAT,
                              "%s: truncated or bad P%d data: value %zu of %zu is missing or not "
                              "a number",
                              path, kind, i + 1, nv);
        }
        if (v > maxval) {
            wass_image_free(out);
            return wass__fail(err, WASS_ERR_FORMAT, "%s: value %zu is %llu, above maxval %llu",
                              path, i + 1, v, maxval);
        }
        out->pixels[i] = (double)v / (double)maxval;
    }
    out->width = (size_t)w;
    out->height = (size_t)h;
    out->channels = ch;
    return WASS_OK;
}
