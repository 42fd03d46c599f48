/*
 * image_read.c - wass_image_read: opens a file, picks the reader by the
 * magic bytes (PNG or PGM / PPM), and the grey plane of an image. It calls
 * the format readers, never the other way (wass_image_free, which the
 * readers need, is in image_common.c).
 */
#include "apps/image/image_internal.h"
#include "common/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int wass_image_read(const char *path, wass_image *out, wass_error_info *err) {
    wass__clear(err);
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "out is NULL");
    memset(out, 0, sizeof *out);
    if (!path) return wass__fail(err, WASS_ERR_INVALID, "path is NULL");
    FILE *f = fopen(path, "rb");
    if (!f) return wass__fail(err, WASS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return wass__fail(err, WASS_ERR_IO, "%s: cannot read (not a regular file?)", path);
    }
    unsigned char magic[8] = {0};
    size_t got = fread(magic, 1, sizeof magic, f);
    int rc;
    static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (got == 0) {
        rc = wass__fail(err, WASS_ERR_FORMAT, "%s: empty file", path);
    } else if (got >= 4 && memcmp(magic, png_magic, 4) == 0) {
        rewind(f);
        rc = wass__png_read(path, f, size, out, err);
    } else if (magic[0] == 'P' && got >= 2 && strchr("2356", magic[1]) && magic[1]) {
        unsigned char *buf = malloc((size_t)size + 1);
        if (!buf) {
            fclose(f);
            return wass__fail(err, WASS_ERR_NOMEM, "%s: out of memory", path);
        }
        rewind(f);
        size_t len = fread(buf, 1, (size_t)size, f);
        rc = wass__pnm_parse(path, buf, len, out, err);
        free(buf);
    } else {
        rc = wass__fail(err, WASS_ERR_FORMAT,
                        "%s: unsupported image format (expected PNG, PGM or PPM)", path);
    }
    fclose(f);
    return rc;
}

int wass_image_grey(const wass_image *img, double *out, wass_error_info *err) {
    wass__clear(err);
    if (!img || !img->pixels || !out)
        return wass__fail(err, WASS_ERR_INVALID, "image or out is NULL");
    size_t n = img->width * img->height;
    int ch = img->channels;
    if (ch < 1 || ch > 4) return wass__fail(err, WASS_ERR_INVALID, "image has %d channels", ch);
    for (size_t i = 0; i < n; i++) {
        const double *p = img->pixels + i * (size_t)ch;
        out[i] = ch <= 2 ? p[0] : 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
    }
    return WASS_OK;
}
