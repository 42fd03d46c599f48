/*
 * npz.c - a NumPy .npz writer: each array a version 1.0 .npy member of a zip
 * archive (method 0, stored; CRC-32 of every member; no zip64, so members and
 * the archive stay under 4 GiB), written to a temporary file and renamed.
 */
#include "npz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t crc_table[256];
static int crc_ready;

static void crc_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
    crc_ready = 1;
}

static uint32_t crc_update(uint32_t crc, const unsigned char *p, size_t n) {
    crc = ~crc;
    for (size_t k = 0; k < n; k++)
        crc = crc_table[(crc ^ p[k]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

static void put16(unsigned char *p, unsigned v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v) {
    for (int k = 0; k < 4; k++)
        p[k] = (unsigned char)(v >> (8 * k));
}

/* the .npy header (magic, version 1.0, dict padded to a multiple of 64) */
static size_t npy_header(const cli_npz_array *a, char *h, size_t cap) {
    char dict[256];
    if (a->cols)
        snprintf(dict, sizeof dict,
                 "{'descr': '%s', 'fortran_order': False, 'shape': (%zu, %zu), }",
                 a->f ? "<f8" : "<i8", a->rows, a->cols);
    else
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (%zu,), }",
                 a->f ? "<f8" : "<i8", a->rows);
    size_t dl = strlen(dict), total = 10 + dl + 1;
    size_t pad = (64 - total % 64) % 64;
    total += pad;
    if (total > cap) return 0;
    memcpy(h, "\x93NUMPY\x01\x00", 8);
    put16((unsigned char *)h + 8, (unsigned)(total - 10));
    memcpy(h + 10, dict, dl);
    memset(h + 10 + dl, ' ', pad);
    h[total - 1] = '\n';
    return total;
}

int cli_npz_write(const char *path, const cli_npz_array *arrays, size_t count) {
    if (!crc_ready) crc_init();
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16);
    unsigned char *central = malloc(count * (46 + 80) + 1);
    if (!tmp || !central) {
        free(tmp);
        free(central);
        errno = ENOMEM;
        return -1;
    }
    snprintf(tmp, pl + 16, "%s.tmp%05d", path, (int)(count % 100000));
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        free(tmp);
        free(central);
        return -1;
    }
    size_t clen = 0;
    uint64_t offset = 0;
    int bad = 0;
    for (size_t k = 0; k < count && !bad; k++) {
        const cli_npz_array *a = &arrays[k];
        char name[80], head[320];
        snprintf(name, sizeof name, "%s.npy", a->name);
        size_t nl = strlen(name), hl = npy_header(a, head, sizeof head);
        size_t elems = a->rows * (a->cols ? a->cols : 1);
        const unsigned char *data =
            a->f ? (const unsigned char *)a->f : (const unsigned char *)a->i;
        uint64_t size = hl + 8 * (uint64_t)elems;
        if (!hl || size >= 0xFFFFFFFFu || offset + size + 30 + nl >= 0xFFFFFFFFu) {
            bad = 1;
            errno = EFBIG;
            break;
        }
        uint32_t crc = crc_update(0, (const unsigned char *)head, hl);
        crc = crc_update(crc, data, 8 * elems);
        unsigned char lh[30];
        memset(lh, 0, sizeof lh);
        put32(lh, 0x04034b50u);
        put16(lh + 4, 20);
        put32(lh + 14, crc);
        put32(lh + 18, (uint32_t)size);
        put32(lh + 22, (uint32_t)size);
        put16(lh + 26, (unsigned)nl);
        unsigned char *c = central + clen;
        memset(c, 0, 46);
        put32(c, 0x02014b50u);
        put16(c + 4, 20);
        put16(c + 6, 20);
        put32(c + 16, crc);
        put32(c + 20, (uint32_t)size);
        put32(c + 24, (uint32_t)size);
        put16(c + 28, (unsigned)nl);
        put32(c + 42, (uint32_t)offset);
        memcpy(c + 46, name, nl);
        clen += 46 + nl;
        if (fwrite(lh, 1, 30, f) != 30 || fwrite(name, 1, nl, f) != nl ||
            fwrite(head, 1, hl, f) != hl || fwrite(data, 8, elems, f) != elems)
            bad = 1;
        offset += 30 + nl + size;
    }
    if (!bad) {
        unsigned char end[22];
        memset(end, 0, sizeof end);
        put32(end, 0x06054b50u);
        put16(end + 8, (unsigned)count);
        put16(end + 10, (unsigned)count);
        put32(end + 12, (uint32_t)clen);
        put32(end + 16, (uint32_t)offset);
        if (fwrite(central, 1, clen, f) != clen || fwrite(end, 1, 22, f) != 22) bad = 1;
    }
    int saved = errno;
    if (fclose(f) != 0) bad = 1;
    if (!bad && rename(tmp, path) != 0) bad = 1;
    if (bad) {
        saved = errno ? errno : saved;
        remove(tmp);
    }
    free(tmp);
    free(central);
    errno = saved;
    return bad ? -1 : 0;
}
