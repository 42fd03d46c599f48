/*
 * png_read.c - PNG reader through libpng: every colour type and bit depth,
 * expanded to 8 or 16 bits per channel (palette to RGB / RGBA, tRNS to
 * alpha), values scaled to [0, 1]. libpng's errors come back through a
 * longjmp into one cleanup path; a file that ends early is reported as
 * truncated, anything libpng rejects as corrupt with its own words.
 */
#include "apps/image/image_internal.h"
#include "common/internal.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    FILE *f;
    char msg[256];
    int truncated;
    unsigned char *buf;
    png_bytep *rows;
} png_ctx;

static void on_error(png_structp png, png_const_charp msg) {
    png_ctx *c = png_get_error_ptr(png);
    if (c->msg[0] == '\0') snprintf(c->msg, sizeof c->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

static void on_read(png_structp png, png_bytep data, size_t len) {
    png_ctx *c = png_get_io_ptr(png);
    if (fread(data, 1, len, c->f) != len) {
        c->truncated = 1;
        png_error(png, "file ends early");
    }
}

int wass__png_read(const char *path, FILE *f, long file_size, wass_image *out,
                   wass_error_info *err) {
    png_ctx *c = calloc(1, sizeof *c);
    if (!c) return wass__fail(err, WASS_ERR_NOMEM, "%s: out of memory", path);
    c->f = f;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_read_struct(png ? &png : NULL, NULL, NULL);
        free(c);
        return wass__fail(err, WASS_ERR_NOMEM, "%s: out of memory", path);
    }
    int rc = WASS_OK;
    if (setjmp(png_jmpbuf(png))) {
        if (c->truncated)
            rc = wass__fail(err, WASS_ERR_FORMAT, "%s: truncated PNG (the file ends early)", path);
        else
            rc = wass__fail(err, WASS_ERR_FORMAT, "%s: corrupt PNG: %s", path, c->msg);
        goto done;
    }
    png_set_read_fn(png, c, on_read);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int depth = png_get_bit_depth(png, info), type = png_get_color_type(png, info);
    if (png_get_interlace_type(png, info) != PNG_INTERLACE_NONE) png_set_interlace_handling(png);
    png_set_expand(png); /* palette -> RGB, grey < 8 bits -> 8, tRNS -> alpha */
    png_read_update_info(png, info);
    int ch = png_get_channels(png, info);
    depth = png_get_bit_depth(png, info);
    (void)type;
    size_t npix = (size_t)w * (size_t)h;
    size_t bytes = npix * (size_t)ch * (size_t)(depth / 8);
    /* deflate compresses at most about 1032:1: a header claiming far more
     * pixels than the file can hold is corrupt, refused before allocating */
    if (w == 0 || h == 0 || npix > WASS_IMAGE_MAX_PIXELS) {
        rc = wass__fail(err, WASS_ERR_FORMAT,
                        "%s: PNG of %lu x %lu pixels is too large (at most %zu pixels)", path,
                        (unsigned long)w, (unsigned long)h, WASS_IMAGE_MAX_PIXELS);
        goto done;
    }
    if (ch < 1 || ch > 4 || (depth != 8 && depth != 16)) {
        rc = wass__fail(err, WASS_ERR_FORMAT, "%s: unsupported PNG (%d channels of %d bits)", path,
                        ch, depth);
        goto done;
    }
    if ((double)bytes > 1100.0 * (double)file_size + 65536.0) {
        rc = wass__fail(err, WASS_ERR_FORMAT,
                        "%s: corrupt PNG: the header claims %lu x %lu pixels, more than a file of "
                        "%ld bytes can hold",
                        path, (unsigned long)w, (unsigned long)h, file_size);
        goto done;
    }
    size_t rowbytes = png_get_rowbytes(png, info);
    c->buf = malloc(rowbytes * h);
    c->rows = malloc(h * sizeof *c->rows);
    out->pixels = malloc(npix * (size_t)ch * sizeof(double));
    if (!c->buf || !c->rows || !out->pixels) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "%s: out of memory for %lu x %lu pixels", path,
                        (unsigned long)w, (unsigned long)h);
        goto done;
    }
    for (png_uint_32 r = 0; r < h; r++)
        c->rows[r] = c->buf + r * rowbytes;
    png_read_image(png, c->rows);
    png_read_end(png, NULL);
    size_t nv = npix * (size_t)ch;
    if (depth == 8) {
        for (size_t i = 0; i < nv; i++)
            out->pixels[i] = c->buf[i] / 255.0;
    } else {
        for (size_t i = 0; i < nv; i++)
            out->pixels[i] = ((unsigned)c->buf[2 * i] << 8 | c->buf[2 * i + 1]) / 65535.0;
    }
    out->width = w;
    out->height = h;
    out->channels = ch;
done:
    png_destroy_read_struct(&png, &info, NULL);
    free(c->buf);
    free(c->rows);
    free(c);
    if (rc != WASS_OK) wass_image_free(out);
    return rc;
}
