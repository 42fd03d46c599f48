/*
 * wmd_vec_text.c - word2vec text (a "count dim" header, then "word v1 .. vdim"
 * lines) and GloVe text (the same lines, no header, dim from the first line).
 */
#include "apps/wmd/wmd_vectors_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Reads one "word v1 .. vdim" line. The first GloVe line fixes dim (dim == 0
 * on entry). Returns 1 for a record, 0 at end of file, negative on error. */
static int read_text_record(wass__reader *r, wass__vocab *b, float **row, size_t *rowcap,
                            char *word, size_t *nadded, size_t limit, const char *fmtname,
                            wass_error_info *err) {
    for (;;) { /* skip blank lines */
        wass__rd_skip_blanks(r);
        int c = wass__rd_peek(r);
        if (c == EOF) return 0;
        if (c == '\n') {
            wass__rd_get(r);
            continue;
        }
        break;
    }
    long line = r->line;
    size_t wl = wass__rd_token(r, word, WASS__VEC_TOKMAX);
    if (wl == (size_t)-1)
        return wass__fail_line(err, WASS_ERR_FORMAT, line, "line %ld: word longer than %d bytes",
                               line, WASS__VEC_TOKMAX - 1);
    wass_wordvec *wv = b->wv;
    size_t n = 0;
    char tok[128];
    for (;;) {
        wass__rd_skip_blanks(r);
        int c = wass__rd_peek(r);
        if (c == EOF || c == '\n') break;
        size_t tl = wass__rd_token(r, tok, sizeof tok);
        if (tl == (size_t)-1)
            return wass__fail_line(err, WASS_ERR_FORMAT, line,
                                   "line %ld: number %zu of '%s' is too long", line, n + 1, word);
        if (wv->dim && n >= wv->dim)
            return wass__fail_line(err, WASS_ERR_FORMAT, line,
                                   "line %ld: expected %zu numbers after '%s', found more", line,
                                   wv->dim, word);
        if (n >= *rowcap) {
            size_t c2 = *rowcap ? 2 * *rowcap : 256;
            float *q = realloc(*row, c2 * sizeof *q);
            if (!q) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
            *row = q;
            *rowcap = c2;
        }
        if (!wass__parse_float(tok, *row + n))
            return wass__fail_line(err, WASS_ERR_FORMAT, line,
                                   "line %ld: expected a finite number as value %zu of '%s', "
                                   "found '%s'",
                                   line, n + 1, word, tok);
        n++;
    }
    if (wass__rd_peek(r) == '\n') wass__rd_get(r);
    if (wv->dim == 0) {
        if (n == 0)
            return wass__fail_line(err, WASS_ERR_FORMAT, line,
                                   "line %ld: %s word '%s' has no vector", line, fmtname, word);
        wv->dim = n;
    } else if (n != wv->dim) {
        return wass__fail_line(
            err, WASS_ERR_FORMAT, line, "line %ld: expected %zu numbers after '%s', found %zu%s",
            line, wv->dim, word, n, wass__rd_peek(r) == EOF ? " (file truncated?)" : "");
    }
    if (limit && *nadded >= limit) return 1;
    int rc = wass__vocab_add(b, word, wl, *row);
    if (rc < 0) return wass__vocab_fail(err, rc, word, wl);
    *nadded += 1;
    return 1;
}

int wass__vec_load_text(wass__reader *r, int has_header, size_t limit, wass_wordvec *wv,
                        wass_error_info *err) {
    size_t count = 0, dim = 0;
    int rc;
    if (has_header && (rc = wass__read_header(r, &count, &dim, err))) return rc;
    wv->dim = dim;
    wass__vocab b = {wv, 0, 0};
    float *row = NULL;
    size_t rowcap = 0, records = 0, added = 0;
    char *word = malloc(WASS__VEC_TOKMAX);
    if (!word) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    const char *name = has_header ? "word2vec" : "GloVe";
    for (;;) {
        rc = read_text_record(r, &b, &row, &rowcap, word, &added, limit, name, err);
        if (rc < 0) break;
        if (rc == 0) break;
        records++;
        if (has_header && records > count) {
            rc = wass__fail_line(err, WASS_ERR_FORMAT, r->line - 1,
                                 "line %ld: the header says %zu words, but there are more",
                                 r->line - 1, count);
            break;
        }
        if (limit && added >= limit) {
            rc = 0; /* stopped early on purpose: not an error */
            break;
        }
    }
    if (rc == 0 && has_header && records < count && !(limit && added >= limit))
        rc = wass__fail_line(err, WASS_ERR_FORMAT, r->line,
                             "line %ld: expected %zu words as the header says, found %zu (file "
                             "truncated?)",
                             r->line, count, records);
    if (rc == 0 && wv->count == 0)
        rc = wass__fail_line(err, WASS_ERR_FORMAT, r->line, "no word vectors in the file");
    free(row);
    free(word);
    return rc;
}
