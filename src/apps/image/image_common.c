/*
 * image_common.c - what every image reader shares: freeing a wass_image
 * (the readers free a half-filled image on error). Kept apart from the
 * dispatcher so that the dependency goes one way: image_read.c calls the
 * format readers (png_read.c, pnm_read.c), all three call this file, and
 * this file calls none of them.
 */
#include "apps/image/image_internal.h"

#include <stdlib.h>
#include <string.h>

void wass_image_free(wass_image *img) {
    if (!img) return;
    free(img->pixels);
    memset(img, 0, sizeof *img);
}
