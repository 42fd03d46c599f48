/*
 * wmd_vec_wink.c - the wink-embeddings JSON ({"dimensions": d, "size": n,
 * "vectors": {word: [v1, .., vd(, norm, index)], ...}, other keys ignored}),
 * read as a stream over the lexer of wmd_json.c.
 */
#include "apps/wmd/wmd_vectors_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    wass__json j;
    wass__vocab b;
    size_t limit;
    float *row;
    size_t rowcap, rowlen, declared_dim, declared_size, seen;
    int have_dim, have_size, have_vectors;
} wink;

/* One vector "[v1, .., vn]" into w->row; *n receives its length. */
static int read_vector(wink *w, size_t *n) {
    wass__json *j = &w->j;
    wass__reader *r = j->r;
    char ctx[96];
    snprintf(ctx, sizeof ctx, "'[' (the vector of '%.40s')", j->s);
    int rc = wass__json_expect(j, '[', ctx);
    if (rc) return rc;
    *n = 0;
    wass__json_ws(j);
    if (wass__rd_peek(r) == ']') {
        wass__rd_get(r);
        return WASS_OK;
    }
    for (;;) {
        double v;
        if ((rc = wass__json_number(j, &v))) return rc;
        if (*n >= WASS__VEC_MAXDIM + 2)
            return wass__fail_line(j->err, WASS_ERR_FORMAT, r->line,
                                   "line %ld: the vector of '%.40s' has more than %zu values",
                                   r->line, j->s, (size_t)WASS__VEC_MAXDIM + 2);
        if (wass__grow((void **)&w->row, &w->rowcap, *n + 1, sizeof(float)))
            return wass__fail(j->err, WASS_ERR_NOMEM, "out of memory");
        if (!isfinite((float)v))
            return wass__fail_line(j->err, WASS_ERR_FORMAT, r->line,
                                   "line %ld: value %zu of '%.40s' (%g) overflows float32", r->line,
                                   *n + 1, j->s, v);
        w->row[(*n)++] = (float)v;
        wass__json_ws(j);
        int c = wass__rd_peek(r);
        if (c == ']') {
            wass__rd_get(r);
            return WASS_OK;
        }
        if (c != ',') {
            snprintf(ctx, sizeof ctx, "',' or ']' in the vector of '%.40s'", j->s);
            return wass__json_fail(j, ctx);
        }
        wass__rd_get(r);
    }
}

/* One "word": [..] entry of the "vectors" object. */
static int read_entry(wink *w) {
    wass__json *j = &w->j;
    wass__reader *r = j->r;
    wass_wordvec *wv = w->b.wv;
    int rc;
    size_t n;
    if ((rc = wass__json_string(j))) return rc;
    if ((rc = wass__json_expect(j, ':', "':' after a word"))) return rc;
    if ((rc = read_vector(w, &n))) return rc;
    if (w->seen == 0) {
        w->rowlen = n;
        size_t d = w->have_dim ? w->declared_dim : n;
        if (n == 0 || (w->have_dim && n != d && n != d + 2))
            return wass__fail_line(j->err, WASS_ERR_FORMAT, r->line,
                                   "line %ld: the vector of '%s' has %zu values, expected %zu (or "
                                   "%zu with norm and index)",
                                   r->line, j->s, n, d, d + 2);
        wv->dim = n; /* trimmed at the end when "dimensions" says less */
    } else if (n != w->rowlen) {
        return wass__fail_line(j->err, WASS_ERR_FORMAT, r->line,
                               "line %ld, byte %llu: the vector of '%s' has %zu values, expected "
                               "%zu like the others",
                               r->line, (unsigned long long)r->byte, j->s, n, w->rowlen);
    }
    w->seen++;
    if (!(w->limit && wv->count >= w->limit)) {
        int a = wass__vocab_add(&w->b, j->s, j->slen, w->row);
        if (a < 0) return wass__vocab_fail(j->err, a, j->s, j->slen);
    }
    return WASS_OK;
}

/* An object: '{' (`what` when it is missing), then members read by fn
 * and separated by ',' (`after` when neither ',' nor '}' follows one), up
 * to '}'. */
static int read_members(wink *w, const char *what, const char *after, int (*fn)(wink *w)) {
    wass__json *j = &w->j;
    wass__reader *r = j->r;
    int rc = wass__json_expect(j, '{', what);
    if (rc) return rc;
    wass__json_ws(j);
    if (wass__rd_peek(r) == '}') {
        wass__rd_get(r);
        return WASS_OK;
    }
    for (;;) {
        if ((rc = fn(w))) return rc;
        wass__json_ws(j);
        int c = wass__rd_peek(r);
        if (c == '}') {
            wass__rd_get(r);
            return WASS_OK;
        }
        if (c != ',') return wass__json_fail(j, after);
        wass__rd_get(r);
    }
}

static int read_vectors(wink *w) {
    wass__json *j = &w->j;
    if (w->have_vectors)
        return wass__fail_line(j->err, WASS_ERR_FORMAT, j->r->line,
                               "line %ld: a second \"vectors\" object", j->r->line);
    w->have_vectors = 1;
    return read_members(w, "'{' (the \"vectors\" object)", "',' or '}' after a vector", read_entry);
}

/* "dimensions" or "size" (key) */
static int read_declared(wink *w, const char *key) {
    wass__json *j = &w->j;
    wass__reader *r = j->r;
    double v;
    int rc = wass__json_number(j, &v);
    if (rc) return rc;
    if (v < 1 || v != floor(v) || v > 1e12)
        return wass__fail_line(j->err, WASS_ERR_FORMAT, r->line,
                               "line %ld: \"%s\" must be a positive integer, found %g", r->line,
                               key, v);
    if (key[0] == 's') {
        w->declared_size = (size_t)v;
        w->have_size = 1;
        return WASS_OK;
    }
    w->declared_dim = (size_t)v;
    w->have_dim = 1;
    if (w->have_vectors && w->rowlen != w->declared_dim && w->rowlen != w->declared_dim + 2)
        return wass__fail_line(j->err, WASS_ERR_FORMAT, r->line,
                               "line %ld: \"dimensions\" is %zu but the vectors have %zu values",
                               r->line, w->declared_dim, w->rowlen);
    return WASS_OK;
}

/* One key of the top-level object and its value. */
static int read_key(wink *w) {
    wass__json *j = &w->j;
    int rc = wass__json_string(j);
    if (rc) return rc;
    char key[16] = "";
    if (j->slen < sizeof key) memcpy(key, j->s, j->slen + 1);
    if ((rc = wass__json_expect(j, ':', "':' after an object key"))) return rc;
    if (strcmp(key, "dimensions") == 0 || strcmp(key, "size") == 0) return read_declared(w, key);
    if (strcmp(key, "vectors") == 0) return read_vectors(w);
    return wass__json_skip(j, 1);
}

/* The top-level object, key by key. */
static int read_object(wink *w) {
    return read_members(w, "'{' (start of the wink-embeddings JSON object)",
                        "',' or '}' between top-level keys", read_key);
}

int wass__vec_load_wink(wass__reader *r, size_t limit, wass_wordvec *wv, wass_error_info *err) {
    wink w;
    memset(&w, 0, sizeof w);
    w.j.r = r;
    w.j.err = err;
    w.b.wv = wv;
    w.limit = limit;
    int rc = read_object(&w);
    if (rc == WASS_OK) {
        wass__json_ws(&w.j);
        if (wass__rd_peek(r) != EOF)
            rc = wass__json_fail(&w.j, "the end of the file after the JSON object");
    }
    if (rc == WASS_OK && (!w.have_vectors || w.seen == 0))
        rc = wass__fail_line(err, WASS_ERR_FORMAT, r->line,
                             "no \"vectors\" object with word vectors in the JSON file");
    if (rc == WASS_OK && w.have_size && w.declared_size != w.seen && !limit)
        rc = wass__fail_line(err, WASS_ERR_FORMAT, r->line,
                             "\"size\" says %zu words, but \"vectors\" holds %zu", w.declared_size,
                             w.seen);
    if (rc == WASS_OK && w.have_dim && w.declared_dim < wv->dim) {
        size_t d = w.declared_dim; /* drop the trailing norm and index */
        for (size_t i = 0; i < wv->count; i++)
            memmove(wv->vec + i * d, wv->vec + i * wv->dim, d * sizeof(float));
        wv->dim = d;
    }
    free(w.row);
    free(w.j.s);
    return rc;
}
