/*
 * wmd_vec_binary.c - word2vec binary: a "count dim" text header, then per word
 * the word, a space and dim little-endian float32. The header is checked
 * against the file's size before the row buffer is allocated.
 */
#include "apps/wmd/wmd_vectors_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int wass__vec_load_binary(wass__reader *r, size_t limit, wass_wordvec *wv, wass_error_info *err) {
    size_t count, dim;
    int rc = wass__read_header(r, &count, &dim, err);
    if (rc) return rc;
    /* every record is at least one byte of word, a space and dim floats:
     * check the header against the file before allocating from it */
    size_t records = limit && limit < count ? limit : count;
    double bytes = (double)records * (4.0 * (double)dim + 2.0);
    if (r->size && bytes > (double)r->size - (double)r->byte)
        return wass__fail_line(err, WASS_ERR_FORMAT, 1,
                               "line 1: the header \"%zu %zu\" needs at least %.0f bytes of "
                               "records, the file has %.0f (wrong header or truncated file)",
                               count, dim, bytes, (double)r->size - (double)r->byte);
    wv->dim = dim;
    wass__vocab b = {wv, 0, 0};
    float *row = malloc(dim * sizeof *row);
    char *word = malloc(WASS__VEC_TOKMAX);
    if (!row || !word) {
        free(row);
        free(word);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < count && !(limit && wv->count >= limit); i++) {
        int c;
        while ((c = wass__rd_peek(r)) == '\n' || c == ' ' || c == '\r' || c == '\t')
            wass__rd_get(r);
        uint64_t at = r->byte;
        if (c == EOF) {
            rc = wass__fail(err, WASS_ERR_FORMAT,
                            "byte %llu: expected %zu words as the header says, found %zu (file "
                            "truncated?)",
                            (unsigned long long)at, count, i);
            break;
        }
        size_t wl = 0;
        while ((c = wass__rd_peek(r)) != EOF && c != ' ') {
            if (wl + 1 >= WASS__VEC_TOKMAX) break;
            word[wl++] = (char)wass__rd_get(r);
        }
        word[wl] = '\0';
        if (c != ' ') {
            rc = wass__fail(err, WASS_ERR_FORMAT,
                            "byte %llu: word %zu: expected a word followed by a space%s",
                            (unsigned long long)at, i + 1,
                            c == EOF ? ", file ended (truncated?)" : ", word too long");
            break;
        }
        wass__rd_get(r);
        unsigned char *dst = (unsigned char *)row;
        size_t need = dim * sizeof(float), got = 0;
        while (got < need) {
            int ch = wass__rd_get(r);
            if (ch == EOF) break;
            dst[got++] = (unsigned char)ch;
        }
        if (got < need) {
            rc = wass__fail(err, WASS_ERR_FORMAT,
                            "word %zu ('%s'): expected %zu bytes of float32, the file ended "
                            "after %zu (truncated?)",
                            i + 1, word, need, got);
            break;
        }
        size_t k;
        for (k = 0; k < dim; k++)
            if (!isfinite(row[k])) break;
        if (k < dim) {
            rc =
                wass__fail(err, WASS_ERR_FORMAT,
                           "word %zu ('%s'): value %zu is not a finite number", i + 1, word, k + 1);
            break;
        }
        int a = wass__vocab_add(&b, word, wl, row);
        if (a < 0) {
            rc = wass__vocab_fail(err, a, word, wl);
            break;
        }
    }
    free(row);
    free(word);
    return rc;
}
