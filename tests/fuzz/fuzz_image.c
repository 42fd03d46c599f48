/*
 * fuzz_image.c - the image readers on any bytes: PNG and PNM
 * (wass_image_read, by magic bytes) and IDX images and labels (through
 * zlib). What is accepted must be a finite image of the sizes it says.
 */
#include "fuzz_util.h"
#include "wass/image.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(".img");
    if (!fuzz_write(path, data, size)) return 0;
    wass_error_info err;
    wass_image img;
    if (wass_image_read(path, &img, &err) == WASS_OK) {
        size_t n = img.width * img.height * (size_t)img.channels;
        for (size_t k = 0; k < n; k++)
            if (!isfinite(img.pixels[k])) abort();
        wass_image_free(&img);
    } else if (!err.message[0]) {
        abort();
    }
    wass_idx_images set;
    if (wass_idx_read_images(path, 4, &set, &err) == WASS_OK) {
        volatile unsigned char s = 0;
        for (size_t k = 0; k < set.count * set.rows * set.cols; k++)
            s ^= set.pixels[k];
        wass_idx_images_free(&set);
    }
    unsigned char *labels = NULL;
    size_t count = 0;
    if (wass_idx_read_labels(path, 0, &labels, &count, &err) == WASS_OK) free(labels);
    remove(path);
    return 0;
}
