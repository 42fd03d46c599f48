/*
 * idx_read.c - IDX files (images 0x00000803, labels 0x00000801, unsigned
 * bytes, big-endian sizes) through zlib's gz* functions, which read gzip
 * files and plain files alike. The sizes in the header are checked against
 * what the file can hold (deflate expands at most about 1032:1) before the
 * pixels are allocated; a file that ends early is an error, never a partial
 * set.
 */
#include "apps/image/image_internal.h"
#include "common/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

static int open_idx(const char *path, gzFile *gz, double *max_bytes, wass_error_info *err) {
    struct stat st;
    if (stat(path, &st) != 0)
        return wass__fail(err, WASS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    *gz = gzopen(path, "rb");
    if (!*gz) return wass__fail(err, WASS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    *max_bytes = 1100.0 * (double)st.st_size + 65536.0;
    return WASS_OK;
}

static int read_exact(gzFile gz, void *buf, size_t len) {
    unsigned char *p = buf;
    while (len > 0) {
        unsigned chunk = len > (1u << 30) ? (1u << 30) : (unsigned)len;
        int got = gzread(gz, p, chunk);
        if (got <= 0) return 0;
        p += got;
        len -= (size_t)got;
    }
    return 1;
}

static const char *gz_why(gzFile gz) {
    int errnum = 0;
    const char *m = gzerror(gz, &errnum);
    return errnum != Z_OK && errnum != Z_STREAM_END && m && *m ? m : "the file ends early";
}

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* header: magic then dims sizes; returns the sizes */
static int read_header(const char *path, gzFile gz, uint32_t want_magic, int dims, uint32_t *sz,
                       wass_error_info *err) {
    unsigned char h[16];
    if (!read_exact(gz, h, 4))
        return wass__fail(err, WASS_ERR_FORMAT, "%s: truncated IDX file (no header: %s)", path,
                          gz_why(gz));
    uint32_t magic = be32(h);
    if (magic != want_magic)
        return wass__fail(
            err, WASS_ERR_FORMAT, "%s: not an IDX %s file (magic 0x%08x, expected 0x%08x)", path,
            want_magic == 0x803 ? "image" : "label", (unsigned)magic, (unsigned)want_magic);
    if (!read_exact(gz, h + 4, 4 * (size_t)dims))
        return wass__fail(err, WASS_ERR_FORMAT, "%s: truncated IDX header (%s)", path, gz_why(gz));
    for (int k = 0; k < dims; k++)
        sz[k] = be32(h + 4 + 4 * k);
    return WASS_OK;
}

void wass_idx_images_free(wass_idx_images *set) {
    if (!set) return;
    free(set->pixels);
    memset(set, 0, sizeof *set);
}

int wass_idx_read_images(const char *path, size_t max_count, wass_idx_images *out,
                         wass_error_info *err) {
    wass__clear(err);
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "out is NULL");
    memset(out, 0, sizeof *out);
    if (!path) return wass__fail(err, WASS_ERR_INVALID, "path is NULL");
    gzFile gz;
    double max_bytes;
    int rc = open_idx(path, &gz, &max_bytes, err);
    if (rc) return rc;
    uint32_t sz[3];
    if ((rc = read_header(path, gz, 0x803, 3, sz, err))) {
        gzclose(gz);
        return rc;
    }
    size_t count = sz[0], rows = sz[1], cols = sz[2];
    if (rows == 0 || cols == 0 || (double)rows * (double)cols > (double)WASS_IMAGE_MAX_PIXELS) {
        gzclose(gz);
        return wass__fail(err, WASS_ERR_FORMAT, "%s: unsupported image size %zu x %zu", path, rows,
                          cols);
    }
    double claimed = (double)count * (double)rows * (double)cols;
    if (claimed > max_bytes) {
        gzclose(gz);
        return wass__fail(err, WASS_ERR_FORMAT,
                          "%s: corrupt IDX header: %zu images of %zu x %zu are more than the file "
                          "can hold",
                          path, count, rows, cols);
    }
    if (max_count > 0 && max_count < count) count = max_count;
    size_t per = rows * cols;
    out->pixels = malloc(count * per + 1);
    if (!out->pixels) {
        gzclose(gz);
        return wass__fail(err, WASS_ERR_NOMEM, "%s: out of memory for %zu images", path, count);
    }
    for (size_t i = 0; i < count; i++)
        if (!read_exact(gz, out->pixels + i * per, per)) {
            rc = wass__fail(err, WASS_ERR_FORMAT,
                            "%s: truncated IDX file: the header says %u images of %zu x %zu, the "
                            "data ends in image %zu (%s)",
                            path, (unsigned)sz[0], rows, cols, i, gz_why(gz));
            gzclose(gz);
            wass_idx_images_free(out);
            return rc;
        }
    gzclose(gz);
    out->count = count;
    out->rows = rows;
    out->cols = cols;
    return WASS_OK;
}

int wass_idx_read_labels(const char *path, size_t max_count, unsigned char **labels,
                         size_t *count_out, wass_error_info *err) {
    wass__clear(err);
    if (!labels || !count_out) return wass__fail(err, WASS_ERR_INVALID, "labels or count is NULL");
    *labels = NULL;
    *count_out = 0;
    if (!path) return wass__fail(err, WASS_ERR_INVALID, "path is NULL");
    gzFile gz;
    double max_bytes;
    int rc = open_idx(path, &gz, &max_bytes, err);
    if (rc) return rc;
    uint32_t sz[1];
    if ((rc = read_header(path, gz, 0x801, 1, sz, err))) {
        gzclose(gz);
        return rc;
    }
    size_t count = sz[0];
    if ((double)count > max_bytes) {
        gzclose(gz);
        return wass__fail(err, WASS_ERR_FORMAT,
                          "%s: corrupt IDX header: %zu labels are more than the file can hold",
                          path, count);
    }
    if (max_count > 0 && max_count < count) count = max_count;
    unsigned char *lab = malloc(count + 1);
    if (!lab) {
        gzclose(gz);
        return wass__fail(err, WASS_ERR_NOMEM, "%s: out of memory", path);
    }
    if (!read_exact(gz, lab, count)) {
        rc = wass__fail(err, WASS_ERR_FORMAT,
                        "%s: truncated IDX file: the header says %u labels (%s)", path,
                        (unsigned)sz[0], gz_why(gz));
        gzclose(gz);
        free(lab);
        return rc;
    }
    gzclose(gz);
    *labels = lab;
    *count_out = count;
    return WASS_OK;
}
