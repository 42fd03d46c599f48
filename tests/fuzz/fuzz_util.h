/*
 * fuzz_util.h - shared by the libFuzzer harnesses: the input written to a
 * private temporary file (the loaders read paths), and quiet standard
 * streams.
 */
#ifndef WASS_FUZZ_UTIL_H
#define WASS_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A file of the harness's own (created once, rewritten per input). */
static const char *fuzz_file(const char *suffix) {
    static char path[256];
    if (!path[0]) {
        const char *dir = getenv("TMPDIR");
        snprintf(path, sizeof path, "%s/wass_fuzz_%ld%s", dir && *dir ? dir : "/tmp",
                 (long)getpid(), suffix);
    }
    return path;
}

static int fuzz_write(const char *path, const uint8_t *data, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    int ok = fwrite(data, 1, size, f) == size;
    return fclose(f) == 0 && ok;
}

#endif
