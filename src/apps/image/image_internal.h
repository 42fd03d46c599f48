/*
 * image_internal.h - what the files of the image application share (not
 * installed).
 */
#ifndef WASS_IMAGE_INTERNAL_H
#define WASS_IMAGE_INTERNAL_H

#include "wass/image.h"

#include <stdio.h>

/* Read a PNG from f (positioned at the start; file_size bytes long) into
 * *out (zeroed by the caller). Errors name path. */
int wass__png_read(const char *path, FILE *f, long file_size, wass_image *out,
                   wass_error_info *err);
/* Read a PGM / PPM held in memory (buf, len bytes). */
int wass__pnm_parse(const char *path, const unsigned char *buf, size_t len, wass_image *out,
                    wass_error_info *err);

#endif
