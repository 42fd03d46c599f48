/*
 * wmd_vectors.c - word vectors for the Word Mover's Distance: streaming
 * loaders for word2vec (text and binary), GloVe text and the wink-embeddings
 * JSON, a checksummed binary cache (.wassvec) so that large vocabularies load
 * in a fraction of a second, and an open-addressing hash table word -> index.
 * Every loader reports truncated or malformed input with the line (and byte)
 * where it went wrong and what it expected.
 */
#include "common/internal.h"
#include "wass/wmd.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_MAGIC "WASSVEC"
#define CACHE_VERSION 1u
#define CACHE_HEADER 88u

/* ------------------------------------------------------------------------ */
/* Hash table and growth                                                     */
/* ------------------------------------------------------------------------ */

static uint64_t hash_bytes(const char *s, size_t len) {
    uint64_t h = 1469598103934665603ull;
    for (size_t k = 0; k < len; k++) {
        h ^= (unsigned char)s[k];
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

static int word_equal(const wass_wordvec *wv, size_t idx, const char *w, size_t len) {
    const char *p = wv->pool + wv->offset[idx];
    return memcmp(p, w, len) == 0 && p[len] == '\0';
}

size_t wass_wordvec_find(const wass_wordvec *wv, const char *word, size_t len) {
    if (!wv || !word || wv->cap == 0) return WASS_NOT_FOUND;
    size_t mask = wv->cap - 1, h = (size_t)hash_bytes(word, len) & mask;
    for (;;) {
        size_t s = wv->slot[h];
        if (s == 0) return WASS_NOT_FOUND;
        if (word_equal(wv, s - 1, word, len)) return s - 1;
        h = (h + 1) & mask;
    }
}

const char *wass_wordvec_word(const wass_wordvec *wv, size_t index) {
    if (!wv || index >= wv->count) return NULL;
    return wv->pool + wv->offset[index];
}

static int table_rebuild(wass_wordvec *wv, size_t cap) {
    size_t *slot = calloc(cap, sizeof *slot);
    if (!slot) return WASS_ERR_NOMEM;
    free(wv->slot);
    wv->slot = slot;
    wv->cap = cap;
    size_t mask = cap - 1;
    for (size_t i = 0; i < wv->count; i++) {
        const char *w = wv->pool + wv->offset[i];
        size_t h = (size_t)hash_bytes(w, strlen(w)) & mask;
        while (wv->slot[h])
            h = (h + 1) & mask;
        wv->slot[h] = i + 1;
    }
    return WASS_OK;
}

/* Growable storage while a file is read. */
typedef struct {
    wass_wordvec *wv;
    size_t cap_words, cap_pool;
} builder;

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return WASS_OK;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q) return WASS_ERR_NOMEM;
    *p = q;
    *cap = c;
    return WASS_OK;
}

/* Adds a word (len bytes) with vector v (dim floats, may be NULL when dim is
 * 0). Returns 1 when added, 0 for a duplicate, or a negative error. */
static int builder_add(builder *b, const char *w, size_t len, const float *v) {
    wass_wordvec *wv = b->wv;
    if (2 * (wv->count + 1) > wv->cap) {
        size_t cap = wv->cap ? 2 * wv->cap : 1024;
        if (table_rebuild(wv, cap)) return WASS_ERR_NOMEM;
    }
    size_t mask = wv->cap - 1, h = (size_t)hash_bytes(w, len) & mask;
    while (wv->slot[h]) {
        if (word_equal(wv, wv->slot[h] - 1, w, len)) {
            wv->duplicates++;
            return 0;
        }
        h = (h + 1) & mask;
    }
    size_t cw = b->cap_words;
    if (grow((void **)&wv->offset, &cw, wv->count + 1, sizeof(size_t))) return WASS_ERR_NOMEM;
    if (wv->dim) {
        size_t cv = b->cap_words;
        if (grow((void **)&wv->vec, &cv, wv->count + 1, wv->dim * sizeof(float)))
            return WASS_ERR_NOMEM;
        if (cv != cw) return WASS_ERR_INTERNAL;
    }
    b->cap_words = cw;
    if (grow((void **)&wv->pool, &b->cap_pool, wv->pool_len + len + 1, 1)) return WASS_ERR_NOMEM;
    memcpy(wv->pool + wv->pool_len, w, len);
    wv->pool[wv->pool_len + len] = '\0';
    wv->offset[wv->count] = wv->pool_len;
    wv->pool_len += len + 1;
    if (wv->dim) memcpy(wv->vec + wv->count * wv->dim, v, wv->dim * sizeof(float));
    wv->slot[h] = ++wv->count;
    return 1;
}

void wass_wordvec_free(wass_wordvec *wv) {
    if (!wv) return;
    free(wv->vec);
    free(wv->pool);
    free(wv->offset);
    free(wv->slot);
    memset(wv, 0, sizeof *wv);
}

void wass_wordvec_options_default(wass_wordvec_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
    opt->format = WASS_VEC_AUTO;
    opt->use_cache = 1;
}

int wass_wordvec_from_arrays(const char *const *words, const float *vec, size_t count, size_t dim,
                             wass_wordvec *out, wass_error_info *err) {
    wass__clear(err);
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "output is NULL");
    memset(out, 0, sizeof *out);
    if ((count && !words) || (count && dim && !vec))
        return wass__fail(err, WASS_ERR_INVALID, "words or vectors are NULL");
    out->dim = dim;
    builder b = {out, 0, 0};
    for (size_t i = 0; i < count; i++) {
        if (!words[i]) {
            wass_wordvec_free(out);
            return wass__fail(err, WASS_ERR_INVALID, "word %zu is NULL", i);
        }
        for (size_t k = 0; k < dim; k++)
            if (!isfinite(vec[i * dim + k])) {
                wass_wordvec_free(out);
                return wass__fail(err, WASS_ERR_NAN, "vector of '%s' has a NaN or infinity",
                                  words[i]);
            }
        int rc = builder_add(&b, words[i], strlen(words[i]), dim ? vec + i * dim : NULL);
        if (rc < 0) {
            wass_wordvec_free(out);
            return wass__fail(err, rc, "out of memory building the vocabulary");
        }
    }
    if (out->cap == 0 && table_rebuild(out, 16)) {
        wass_wordvec_free(out);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    return WASS_OK;
}

/* ------------------------------------------------------------------------ */
/* Buffered reader with line and byte counts                                 */
/* ------------------------------------------------------------------------ */

typedef struct {
    FILE *f;
    unsigned char buf[1 << 16];
    size_t pos, len;
    long line;     /* 1-based line of the next byte */
    uint64_t byte; /* 0-based offset of the next byte */
} reader;

static int rd_fill(reader *r) {
    if (r->pos < r->len) return 1;
    r->len = fread(r->buf, 1, sizeof r->buf, r->f);
    r->pos = 0;
    return r->len > 0;
}
static inline int rd_peek(reader *r) {
    if (r->pos >= r->len && !rd_fill(r)) return EOF;
    return r->buf[r->pos];
}
static inline int rd_get(reader *r) {
    if (r->pos >= r->len && !rd_fill(r)) return EOF;
    int c = r->buf[r->pos++];
    r->byte++;
    if (c == '\n') r->line++;
    return c;
}

/* Reads a token of non-blank bytes (stops before ' ', '\t', '\r', '\n', EOF)
 * into tok (size cap, NUL-terminated); returns its length, or (size_t)-1 if
 * longer than cap - 1. */
static size_t rd_token(reader *r, char *tok, size_t cap) {
    size_t n = 0;
    for (;;) {
        int c = rd_peek(r);
        if (c == EOF || c == ' ' || c == '\t' || c == '\r' || c == '\n') break;
        if (n + 1 >= cap) return (size_t)-1;
        tok[n++] = (char)rd_get(r);
    }
    tok[n] = '\0';
    return n;
}

static void rd_skip_blanks(reader *r) {
    for (;;) {
        int c = rd_peek(r);
        if (c == ' ' || c == '\t' || c == '\r')
            rd_get(r);
        else
            break;
    }
}

static int parse_float(const char *tok, float *out) {
    char *end;
    errno = 0;
    float v = strtof(tok, &end);
    if (end == tok || *end != '\0' || !isfinite(v)) return 0;
    *out = v;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* word2vec text and GloVe                                                   */
/* ------------------------------------------------------------------------ */

#define TOKMAX 4096

/* Reads one "word v1 .. vdim" line. The first GloVe line fixes dim (dim == 0
 * on entry). Returns 1 for a record, 0 at end of file, negative on error. */
static int read_text_record(reader *r, builder *b, float **row, size_t *rowcap, char *word,
                            size_t *nadded, size_t limit, const char *fmtname,
                            wass_error_info *err) {
    for (;;) { /* skip blank lines */
        rd_skip_blanks(r);
        int c = rd_peek(r);
        if (c == EOF) return 0;
        if (c == '\n') {
            rd_get(r);
            continue;
        }
        break;
    }
    long line = r->line;
    size_t wl = rd_token(r, word, TOKMAX);
    if (wl == (size_t)-1)
        return wass__fail_line(err, WASS_ERR_FORMAT, line, "line %ld: word longer than %d bytes",
                               line, TOKMAX - 1);
    wass_wordvec *wv = b->wv;
    size_t n = 0;
    char tok[128];
    for (;;) {
        rd_skip_blanks(r);
        int c = rd_peek(r);
        if (c == EOF || c == '\n') break;
        size_t tl = rd_token(r, tok, sizeof tok);
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
        if (!parse_float(tok, *row + n))
            return wass__fail_line(err, WASS_ERR_FORMAT, line,
                                   "line %ld: expected a finite number as value %zu of '%s', "
                                   "found '%s'",
                                   line, n + 1, word, tok);
        n++;
    }
    if (rd_peek(r) == '\n') rd_get(r);
    if (wv->dim == 0) {
        if (n == 0)
            return wass__fail_line(err, WASS_ERR_FORMAT, line,
                                   "line %ld: %s word '%s' has no vector", line, fmtname, word);
        wv->dim = n;
    } else if (n != wv->dim) {
        return wass__fail_line(err, WASS_ERR_FORMAT, line,
                               "line %ld: expected %zu numbers after '%s', found %zu%s", line,
                               wv->dim, word, n, rd_peek(r) == EOF ? " (file truncated?)" : "");
    }
    if (limit && *nadded >= limit) return 1;
    int rc = builder_add(b, word, wl, *row);
    if (rc < 0) return wass__fail(err, rc, "out of memory building the vocabulary");
    *nadded += 1;
    return 1;
}

/* Parses "count dim" (the word2vec header); returns 1 if the line is exactly
 * two positive integers. Does not consume anything when it is not. */
static int parse_header_line(const char *line, size_t *count, size_t *dim) {
    char *end;
    errno = 0;
    unsigned long long c = strtoull(line, &end, 10);
    if (end == line || errno) return 0;
    const char *p = end;
    if (*p != ' ' && *p != '\t') return 0;
    unsigned long long d = strtoull(p, &end, 10);
    if (end == p || errno) return 0;
    while (*end == ' ' || *end == '\t' || *end == '\r')
        end++;
    if (*end != '\0' && *end != '\n') return 0;
    for (const char *q = line; q < p; q++)
        if (*q < '0' || *q > '9') return 0;
    if (d == 0) return 0;
    *count = (size_t)c;
    *dim = (size_t)d;
    return 1;
}

static int read_header(reader *r, size_t *count, size_t *dim, wass_error_info *err) {
    char line[256];
    size_t n = 0;
    for (;;) {
        int c = rd_get(r);
        if (c == EOF || c == '\n') break;
        if (n + 1 >= sizeof line) break;
        line[n++] = (char)c;
    }
    line[n] = '\0';
    if (!parse_header_line(line, count, dim))
        return wass__fail_line(err, WASS_ERR_FORMAT, 1,
                               "line 1: expected the word2vec header \"count dim\" (two positive "
                               "integers), found '%.60s'",
                               line);
    return WASS_OK;
}

static int load_text(reader *r, int has_header, size_t limit, wass_wordvec *wv,
                     wass_error_info *err) {
    size_t count = 0, dim = 0;
    int rc;
    if (has_header && (rc = read_header(r, &count, &dim, err))) return rc;
    wv->dim = dim;
    builder b = {wv, 0, 0};
    float *row = NULL;
    size_t rowcap = 0, records = 0, added = 0;
    char *word = malloc(TOKMAX);
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

/* ------------------------------------------------------------------------ */
/* word2vec binary                                                           */
/* ------------------------------------------------------------------------ */

static int load_w2v_binary(reader *r, size_t limit, wass_wordvec *wv, wass_error_info *err) {
    size_t count, dim;
    int rc = read_header(r, &count, &dim, err);
    if (rc) return rc;
    wv->dim = dim;
    builder b = {wv, 0, 0};
    float *row = malloc(dim * sizeof *row);
    char *word = malloc(TOKMAX);
    if (!row || !word) {
        free(row);
        free(word);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < count && !(limit && wv->count >= limit); i++) {
        int c;
        while ((c = rd_peek(r)) == '\n' || c == ' ' || c == '\r' || c == '\t')
            rd_get(r);
        uint64_t at = r->byte;
        if (c == EOF) {
            rc = wass__fail(err, WASS_ERR_FORMAT,
                            "byte %llu: expected %zu words as the header says, found %zu (file "
                            "truncated?)",
                            (unsigned long long)at, count, i);
            break;
        }
        size_t wl = 0;
        while ((c = rd_peek(r)) != EOF && c != ' ') {
            if (wl + 1 >= TOKMAX) break;
            word[wl++] = (char)rd_get(r);
        }
        word[wl] = '\0';
        if (c != ' ') {
            rc = wass__fail(err, WASS_ERR_FORMAT,
                            "byte %llu: word %zu: expected a word followed by a space%s",
                            (unsigned long long)at, i + 1,
                            c == EOF ? ", file ended (truncated?)" : ", word too long");
            break;
        }
        rd_get(r);
        unsigned char *dst = (unsigned char *)row;
        size_t need = dim * sizeof(float), got = 0;
        while (got < need) {
            int ch = rd_get(r);
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
        int a = builder_add(&b, word, wl, row);
        if (a < 0) {
            rc = wass__fail(err, a, "out of memory building the vocabulary");
            break;
        }
    }
    free(row);
    free(word);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* wink-embeddings JSON (streaming)                                          */
/* ------------------------------------------------------------------------ */

typedef struct {
    reader *r;
    wass_error_info *err;
    char *s; /* string buffer */
    size_t slen, scap;
} jp;

static int jfail(jp *j, const char *what) {
    int c = rd_peek(j->r);
    char found[32];
    if (c == EOF)
        snprintf(found, sizeof found, "end of file (truncated?)");
    else if (c >= 32 && c < 127)
        snprintf(found, sizeof found, "'%c'", c);
    else
        snprintf(found, sizeof found, "byte 0x%02x", c);
    return wass__fail_line(j->err, WASS_ERR_FORMAT, j->r->line,
                           "line %ld, byte %llu: expected %s, found %s", j->r->line,
                           (unsigned long long)j->r->byte, what, found);
}

static void jws(jp *j) {
    for (;;) {
        int c = rd_peek(j->r);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            rd_get(j->r);
        else
            return;
    }
}

static int jexpect(jp *j, int ch, const char *what) {
    jws(j);
    if (rd_peek(j->r) != ch) return jfail(j, what);
    rd_get(j->r);
    return WASS_OK;
}

static int jputc(jp *j, char c) {
    if (grow((void **)&j->s, &j->scap, j->slen + 2, 1)) return WASS_ERR_NOMEM;
    j->s[j->slen++] = c;
    j->s[j->slen] = '\0';
    return WASS_OK;
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int jhex4(jp *j, unsigned *out) {
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(rd_peek(j->r));
        if (h < 0) return jfail(j, "4 hex digits after \\u");
        rd_get(j->r);
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return WASS_OK;
}

/* A JSON string into j->s (UTF-8, escapes decoded). */
static int jstring(jp *j) {
    int rc = jexpect(j, '"', "a string");
    if (rc) return rc;
    j->slen = 0;
    if (jputc(j, 0)) return wass__fail(j->err, WASS_ERR_NOMEM, "out of memory");
    j->slen = 0;
    for (;;) {
        int c = rd_peek(j->r);
        if (c == EOF || c == '\n') return jfail(j, "the closing '\"' of a string");
        rd_get(j->r);
        if (c == '"') return WASS_OK;
        if (c == '\\') {
            int e = rd_peek(j->r);
            if (e == EOF) return jfail(j, "an escape character");
            rd_get(j->r);
            unsigned u;
            switch (e) {
            case '"':
            case '\\':
            case '/':
                c = e;
                break;
            case 'b':
                c = '\b';
                break;
            case 'f':
                c = '\f';
                break;
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            case 'u':
                if ((rc = jhex4(j, &u))) return rc;
                if (u >= 0xD800 && u < 0xDC00) { /* surrogate pair */
                    unsigned lo;
                    if (rd_peek(j->r) != '\\') return jfail(j, "a low surrogate \\uDC00..DFFF");
                    rd_get(j->r);
                    if (rd_peek(j->r) != 'u') return jfail(j, "a low surrogate \\uDC00..DFFF");
                    rd_get(j->r);
                    if ((rc = jhex4(j, &lo))) return rc;
                    if (lo < 0xDC00 || lo > 0xDFFF) return jfail(j, "a low surrogate");
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                }
                {
                    char tmp[4];
                    int n = 0;
                    if (u < 0x80)
                        tmp[n++] = (char)u;
                    else if (u < 0x800) {
                        tmp[n++] = (char)(0xC0 | (u >> 6));
                        tmp[n++] = (char)(0x80 | (u & 63));
                    } else if (u < 0x10000) {
                        tmp[n++] = (char)(0xE0 | (u >> 12));
                        tmp[n++] = (char)(0x80 | ((u >> 6) & 63));
                        tmp[n++] = (char)(0x80 | (u & 63));
                    } else {
                        tmp[n++] = (char)(0xF0 | (u >> 18));
                        tmp[n++] = (char)(0x80 | ((u >> 12) & 63));
                        tmp[n++] = (char)(0x80 | ((u >> 6) & 63));
                        tmp[n++] = (char)(0x80 | (u & 63));
                    }
                    for (int k = 0; k < n; k++)
                        if (jputc(j, tmp[k]))
                            return wass__fail(j->err, WASS_ERR_NOMEM, "out of memory");
                }
                continue;
            default:
                return jfail(j, "a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)");
            }
        }
        if (jputc(j, (char)c)) return wass__fail(j->err, WASS_ERR_NOMEM, "out of memory");
    }
}

static int jnumber(jp *j, double *out) {
    jws(j);
    char tok[64];
    size_t n = 0;
    for (;;) {
        int c = rd_peek(j->r);
        if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'))
            break;
        if (n + 1 >= sizeof tok) return jfail(j, "a number of fewer than 64 characters");
        tok[n++] = (char)rd_get(j->r);
    }
    tok[n] = '\0';
    char *end;
    double v = n ? strtod(tok, &end) : 0;
    if (n == 0 || *end != '\0' || !isfinite(v)) {
        if (n == 0) return jfail(j, "a number");
        return wass__fail_line(j->err, WASS_ERR_FORMAT, j->r->line,
                               "line %ld, byte %llu: expected a finite number, found '%s'",
                               j->r->line, (unsigned long long)j->r->byte, tok);
    }
    *out = v;
    return WASS_OK;
}

static int jskip(jp *j, int depth) {
    if (depth > 64) return jfail(j, "JSON nested at most 64 deep");
    jws(j);
    int c = rd_peek(j->r), rc;
    double v;
    if (c == '"') return jstring(j);
    if (c == '{' || c == '[') {
        int close = c == '{' ? '}' : ']';
        rd_get(j->r);
        jws(j);
        if (rd_peek(j->r) == close) {
            rd_get(j->r);
            return WASS_OK;
        }
        for (;;) {
            if (c == '{') {
                if ((rc = jstring(j))) return rc;
                if ((rc = jexpect(j, ':', "':' after an object key"))) return rc;
            }
            if ((rc = jskip(j, depth + 1))) return rc;
            jws(j);
            int d = rd_peek(j->r);
            if (d == ',') {
                rd_get(j->r);
                continue;
            }
            if (d == close) {
                rd_get(j->r);
                return WASS_OK;
            }
            return jfail(j, close == '}' ? "',' or '}'" : "',' or ']'");
        }
    }
    if (c == 't' || c == 'f' || c == 'n') {
        const char *lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
        for (const char *p = lit; *p; p++) {
            if (rd_peek(j->r) != *p) return jfail(j, lit);
            rd_get(j->r);
        }
        return WASS_OK;
    }
    return jnumber(j, &v);
}

static int load_wink(reader *r, size_t limit, wass_wordvec *wv, wass_error_info *err) {
    jp j = {r, err, NULL, 0, 0};
    builder b = {wv, 0, 0};
    float *row = NULL;
    size_t rowcap = 0, rowlen = 0, declared_dim = 0, declared_size = 0, seen = 0;
    int have_dim = 0, have_size = 0, have_vectors = 0, rc;
    char *key = NULL;
    if ((rc = jexpect(&j, '{', "'{' (start of the wink-embeddings JSON object)"))) goto done;
    jws(&j);
    if (rd_peek(r) == '}') {
        rd_get(r);
    } else {
        for (;;) {
            if ((rc = jstring(&j))) goto done;
            free(key);
            key = strdup(j.s);
            if (!key) {
                rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
                goto done;
            }
            if ((rc = jexpect(&j, ':', "':' after an object key"))) goto done;
            if (strcmp(key, "dimensions") == 0 || strcmp(key, "size") == 0) {
                double v;
                if ((rc = jnumber(&j, &v))) goto done;
                if (v < 1 || v != floor(v) || v > 1e12) {
                    rc = wass__fail_line(err, WASS_ERR_FORMAT, r->line,
                                         "line %ld: \"%s\" must be a positive integer, found %g",
                                         r->line, key, v);
                    goto done;
                }
                if (key[0] == 'd') {
                    declared_dim = (size_t)v;
                    have_dim = 1;
                    if (have_vectors && rowlen != declared_dim && rowlen != declared_dim + 2) {
                        rc = wass__fail_line(err, WASS_ERR_FORMAT, r->line,
                                             "line %ld: \"dimensions\" is %zu but the vectors "
                                             "have %zu values",
                                             r->line, declared_dim, rowlen);
                        goto done;
                    }
                } else {
                    declared_size = (size_t)v;
                    have_size = 1;
                }
            } else if (strcmp(key, "vectors") == 0) {
                if (have_vectors) {
                    rc = wass__fail_line(err, WASS_ERR_FORMAT, r->line,
                                         "line %ld: a second \"vectors\" object", r->line);
                    goto done;
                }
                have_vectors = 1;
                if ((rc = jexpect(&j, '{', "'{' (the \"vectors\" object)"))) goto done;
                jws(&j);
                if (rd_peek(r) == '}')
                    rd_get(r);
                else
                    for (;;) {
                        if ((rc = jstring(&j))) goto done;
                        if ((rc = jexpect(&j, ':', "':' after a word"))) goto done;
                        char ctx[96];
                        snprintf(ctx, sizeof ctx, "'[' (the vector of '%.40s')", j.s);
                        if ((rc = jexpect(&j, '[', ctx))) goto done;
                        size_t n = 0;
                        jws(&j);
                        if (rd_peek(r) != ']')
                            for (;;) {
                                double v;
                                if ((rc = jnumber(&j, &v))) goto done;
                                if (n >= rowcap) {
                                    size_t c2 = rowcap ? 2 * rowcap : 256;
                                    float *q = realloc(row, c2 * sizeof *q);
                                    if (!q) {
                                        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
                                        goto done;
                                    }
                                    row = q;
                                    rowcap = c2;
                                }
                                row[n++] = (float)v;
                                jws(&j);
                                int c = rd_peek(r);
                                if (c == ',') {
                                    rd_get(r);
                                    continue;
                                }
                                if (c == ']') break;
                                snprintf(ctx, sizeof ctx, "',' or ']' in the vector of '%.40s'",
                                         j.s);
                                rc = jfail(&j, ctx);
                                goto done;
                            }
                        rd_get(r); /* ']' */
                        if (seen == 0) {
                            rowlen = n;
                            size_t d = have_dim ? declared_dim : n;
                            if (n == 0 || (have_dim && n != d && n != d + 2)) {
                                rc = wass__fail_line(err, WASS_ERR_FORMAT, r->line,
                                                     "line %ld: the vector of '%s' has %zu "
                                                     "values, expected %zu (or %zu with norm and "
                                                     "index)",
                                                     r->line, j.s, n, d, d + 2);
                                goto done;
                            }
                            wv->dim = n; /* trimmed at the end when "dimensions" says less */
                        } else if (n != rowlen) {
                            rc = wass__fail_line(err, WASS_ERR_FORMAT, r->line,
                                                 "line %ld, byte %llu: the vector of '%s' has "
                                                 "%zu values, expected %zu like the others",
                                                 r->line, (unsigned long long)r->byte, j.s, n,
                                                 rowlen);
                            goto done;
                        }
                        seen++;
                        if (!(limit && wv->count >= limit)) {
                            int a = builder_add(&b, j.s, j.slen, row);
                            if (a < 0) {
                                rc = wass__fail(err, a, "out of memory building the vocabulary");
                                goto done;
                            }
                        }
                        jws(&j);
                        int c = rd_peek(r);
                        if (c == ',') {
                            rd_get(r);
                            continue;
                        }
                        if (c == '}') {
                            rd_get(r);
                            break;
                        }
                        rc = jfail(&j, "',' or '}' after a vector");
                        goto done;
                    }
            } else {
                if ((rc = jskip(&j, 1))) goto done;
            }
            jws(&j);
            int c = rd_peek(r);
            if (c == ',') {
                rd_get(r);
                continue;
            }
            if (c == '}') {
                rd_get(r);
                break;
            }
            rc = jfail(&j, "',' or '}' between top-level keys");
            goto done;
        }
    }
    jws(&j);
    if (rd_peek(r) != EOF) {
        rc = jfail(&j, "the end of the file after the JSON object");
        goto done;
    }
    if (!have_vectors || seen == 0) {
        rc = wass__fail_line(err, WASS_ERR_FORMAT, r->line,
                             "no \"vectors\" object with word vectors in the JSON file");
        goto done;
    }
    if (have_size && declared_size != seen && !limit) {
        rc = wass__fail_line(err, WASS_ERR_FORMAT, r->line,
                             "\"size\" says %zu words, but \"vectors\" holds %zu", declared_size,
                             seen);
        goto done;
    }
    if (have_dim && declared_dim < wv->dim) { /* drop the trailing norm and index */
        size_t d = declared_dim;
        for (size_t i = 0; i < wv->count; i++)
            memmove(wv->vec + i * d, wv->vec + i * wv->dim, d * sizeof(float));
        wv->dim = d;
    }
    rc = WASS_OK;
done:
    free(key);
    free(row);
    free(j.s);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Binary cache                                                              */
/* ------------------------------------------------------------------------ */

/* FNV-1a style 64-bit hash over 8-byte little-endian words (tail bytes
 * zero-padded), chained through h. */
static uint64_t checksum(uint64_t h, const void *data, size_t len) {
    const unsigned char *p = data;
    size_t k = 0;
    for (; k + 8 <= len; k += 8) {
        uint64_t w;
        memcpy(&w, p + k, 8);
        h ^= w;
        h *= 1099511628211ull;
        h ^= h >> 32;
    }
    if (k < len) {
        uint64_t w = 0;
        memcpy(&w, p + k, len - k);
        h ^= w;
        h *= 1099511628211ull;
        h ^= h >> 32;
    }
    return h;
}

static void put64(unsigned char *p, uint64_t v) {
    memcpy(p, &v, 8);
}
static uint64_t get64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static int src_stamp(const char *src, uint64_t *size, int64_t *sec, int64_t *nsec) {
    struct stat st;
    if (!src || stat(src, &st) != 0) return 0;
    *size = (uint64_t)st.st_size;
    *sec = (int64_t)st.st_mtim.tv_sec;
    *nsec = (int64_t)st.st_mtim.tv_nsec;
    return 1;
}

int wass_wordvec_save_cache(const wass_wordvec *wv, const char *path, const char *src_path,
                            wass_error_info *err) {
    wass__clear(err);
    if (!wv || !path) return wass__fail(err, WASS_ERR_INVALID, "vectors or path is NULL");
    unsigned char h[CACHE_HEADER];
    memset(h, 0, sizeof h);
    memcpy(h, CACHE_MAGIC, 8);
    uint32_t ver = CACHE_VERSION, fmt = (uint32_t)wv->format;
    memcpy(h + 8, &ver, 4);
    memcpy(h + 12, &fmt, 4);
    put64(h + 16, wv->count);
    put64(h + 24, wv->dim);
    put64(h + 32, wv->pool_len);
    uint64_t size = 0;
    int64_t sec = 0, nsec = 0;
    if (src_path && !src_stamp(src_path, &size, &sec, &nsec))
        return wass__fail(err, WASS_ERR_IO, "cannot stat the source '%s'", src_path);
    put64(h + 40, size);
    put64(h + 48, (uint64_t)sec);
    put64(h + 56, (uint64_t)nsec);
    put64(h + 64, wv->duplicates);
    put64(h + 72, src_path ? 1 : 0);
    size_t tmplen = strlen(path) + 32;
    char *tmp = malloc(tmplen);
    if (!tmp) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    snprintf(tmp, tmplen, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        free(tmp);
        return wass__fail(err, WASS_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    }
    uint64_t cs = checksum(1469598103934665603ull, h, sizeof h);
    int ok = fwrite(h, 1, sizeof h, f) == sizeof h;
    size_t nv = wv->count * wv->dim;
    if (ok && nv) {
        ok = fwrite(wv->vec, sizeof(float), nv, f) == nv;
        cs = checksum(cs, wv->vec, nv * sizeof(float));
    }
    for (size_t i = 0; ok && i < wv->count; i++) {
        unsigned char o[8];
        put64(o, wv->offset[i]);
        ok = fwrite(o, 1, 8, f) == 8;
    }
    if (ok && wv->count) {
        /* checksum of the offsets as written (little-endian u64) */
        unsigned char *tmpbuf = malloc(wv->count * 8);
        if (!tmpbuf)
            ok = 0;
        else {
            for (size_t i = 0; i < wv->count; i++)
                put64(tmpbuf + 8 * i, wv->offset[i]);
            cs = checksum(cs, tmpbuf, wv->count * 8);
            free(tmpbuf);
        }
    }
    if (ok && wv->pool_len) {
        ok = fwrite(wv->pool, 1, wv->pool_len, f) == wv->pool_len;
        cs = checksum(cs, wv->pool, wv->pool_len);
    }
    unsigned char c8[8];
    put64(c8, cs);
    if (ok) ok = fwrite(c8, 1, 8, f) == 8;
    if (fclose(f) != 0) ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        free(tmp);
        return wass__fail(err, WASS_ERR_IO, "cannot write the cache '%s'", path);
    }
    free(tmp);
    return WASS_OK;
}

/* Reads a cache. src_path non-NULL: the cache must match the source's size
 * and mtime (else WASS_ERR_UNSUPPORTED = stale, quietly rebuilt by the
 * caller). */
static int load_cache(const char *path, const char *src_path, wass_wordvec *wv,
                      wass_error_info *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return wass__fail(err, WASS_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    unsigned char h[CACHE_HEADER];
    int rc = WASS_OK;
    if (fstat(fileno(f), &st) != 0 || fread(h, 1, sizeof h, f) != sizeof h) {
        fclose(f);
        return wass__fail(err, WASS_ERR_FORMAT, "'%s': cache truncated: expected a %u-byte header",
                          path, CACHE_HEADER);
    }
    uint32_t ver;
    memcpy(&ver, h + 8, 4);
    if (memcmp(h, CACHE_MAGIC, 8) != 0 || ver != CACHE_VERSION) {
        fclose(f);
        return wass__fail(err, WASS_ERR_FORMAT,
                          "'%s': not a wass vector cache of version %u (bad magic or version)",
                          path, CACHE_VERSION);
    }
    uint64_t count = get64(h + 16), dim = get64(h + 24), pool_len = get64(h + 32);
    if (src_path) {
        uint64_t size;
        int64_t sec, nsec;
        if (!src_stamp(src_path, &size, &sec, &nsec) || get64(h + 72) != 1 ||
            get64(h + 40) != size || (int64_t)get64(h + 48) != sec ||
            (int64_t)get64(h + 56) != nsec) {
            fclose(f);
            return wass__fail(err, WASS_ERR_UNSUPPORTED, "'%s': cache is stale", path);
        }
    }
    double expect = (double)CACHE_HEADER + 4.0 * (double)count * (double)dim + 8.0 * (double)count +
                    (double)pool_len + 8.0;
    if (expect != (double)st.st_size) {
        fclose(f);
        return wass__fail(err, WASS_ERR_FORMAT,
                          "'%s': cache has %lld bytes, expected %.0f for %llu words of "
                          "dimension %llu (truncated?)",
                          path, (long long)st.st_size, expect, (unsigned long long)count,
                          (unsigned long long)dim);
    }
    memset(wv, 0, sizeof *wv);
    uint32_t fmt;
    memcpy(&fmt, h + 12, 4);
    wv->format = (int)fmt;
    wv->count = count;
    wv->dim = dim;
    wv->pool_len = pool_len;
    wv->duplicates = get64(h + 64);
    wv->vec = malloc(count * dim * sizeof(float) + 1);
    wv->offset = malloc(count * sizeof(size_t) + 1);
    wv->pool = malloc(pool_len + 1);
    unsigned char *ob = malloc(count * 8 + 1);
    if (!wv->vec || !wv->offset || !wv->pool || !ob) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory reading the cache");
        goto fail;
    }
    uint64_t cs = checksum(1469598103934665603ull, h, sizeof h);
    unsigned char c8[8];
    if (fread(wv->vec, sizeof(float), count * dim, f) != count * dim ||
        fread(ob, 8, count, f) != count || fread(wv->pool, 1, pool_len, f) != pool_len ||
        fread(c8, 1, 8, f) != 8) {
        rc = wass__fail(err, WASS_ERR_FORMAT, "'%s': cache truncated while reading", path);
        goto fail;
    }
    cs = checksum(cs, wv->vec, count * dim * sizeof(float));
    cs = checksum(cs, ob, count * 8);
    cs = checksum(cs, wv->pool, pool_len);
    if (cs != get64(c8)) {
        rc = wass__fail(err, WASS_ERR_FORMAT, "'%s': cache checksum mismatch (corrupted file)",
                        path);
        goto fail;
    }
    for (size_t i = 0; i < count; i++) {
        uint64_t o = get64(ob + 8 * i);
        if (o >= pool_len || (i + 1 < count && get64(ob + 8 * (i + 1)) <= o)) {
            rc =
                wass__fail(err, WASS_ERR_FORMAT, "'%s': cache word offset %zu is invalid", path, i);
            goto fail;
        }
        wv->offset[i] = (size_t)o;
    }
    if (count && wv->pool[pool_len - 1] != '\0') {
        rc = wass__fail(err, WASS_ERR_FORMAT, "'%s': cache word pool is not terminated", path);
        goto fail;
    }
    size_t cap = 16;
    while (cap < 2 * count + 2)
        cap *= 2;
    if (table_rebuild(wv, cap)) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    free(ob);
    fclose(f);
    wv->from_cache = 1;
    return WASS_OK;
fail:
    free(ob);
    fclose(f);
    wass_wordvec_free(wv);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Format detection and the entry point                                      */
/* ------------------------------------------------------------------------ */

static wass_vec_format detect(const char *path, FILE *f) {
    unsigned char buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    rewind(f);
    if (n >= 8 && memcmp(buf, CACHE_MAGIC, 8) == 0) return WASS_VEC_CACHE;
    size_t k = 0;
    while (k < n && (buf[k] == ' ' || buf[k] == '\t' || buf[k] == '\r' || buf[k] == '\n'))
        k++;
    if (k < n && buf[k] == '{') return WASS_VEC_WINK_JSON;
    size_t e = 0;
    while (e < n && buf[e] != '\n')
        e++;
    char line[256];
    size_t ll = e < sizeof line - 1 ? e : sizeof line - 1;
    memcpy(line, buf, ll);
    line[ll] = '\0';
    size_t count, dim;
    if (!parse_header_line(line, &count, &dim)) return WASS_VEC_GLOVE;
    size_t len = strlen(path);
    if (len >= 4 && strcmp(path + len - 4, ".bin") == 0) return WASS_VEC_WORD2VEC_BINARY;
    /* the first record: text if all its bytes are printable */
    for (size_t q = e + 1; q < n && q < e + 1 + 64 + 4 * dim; q++) {
        unsigned char c = buf[q];
        if (c == '\n' && q > e + 1) break;
        if (c < 9 || (c > 13 && c < 32) || c == 127) return WASS_VEC_WORD2VEC_BINARY;
    }
    return WASS_VEC_WORD2VEC_TEXT;
}

static int load_source(const char *path, wass_vec_format fmt, size_t limit, wass_wordvec *out,
                       wass_error_info *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return wass__fail(err, WASS_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    if (fmt == WASS_VEC_AUTO) fmt = detect(path, f);
    if (fmt == WASS_VEC_CACHE) {
        fclose(f);
        return load_cache(path, NULL, out, err);
    }
    reader *r = malloc(sizeof *r);
    if (!r) {
        fclose(f);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    r->f = f;
    r->pos = r->len = 0;
    r->line = 1;
    r->byte = 0;
    memset(out, 0, sizeof *out);
    int rc;
    switch (fmt) {
    case WASS_VEC_WORD2VEC_TEXT:
        rc = load_text(r, 1, limit, out, err);
        break;
    case WASS_VEC_GLOVE:
        rc = load_text(r, 0, limit, out, err);
        break;
    case WASS_VEC_WORD2VEC_BINARY:
        rc = load_w2v_binary(r, limit, out, err);
        break;
    case WASS_VEC_WINK_JSON:
        rc = load_wink(r, limit, out, err);
        break;
    default:
        rc = wass__fail(err, WASS_ERR_INVALID, "unknown vector format %d", (int)fmt);
    }
    if (rc == WASS_OK && ferror(f)) rc = wass__fail(err, WASS_ERR_IO, "read error on '%s'", path);
    free(r);
    fclose(f);
    if (rc == WASS_OK && out->count == 0)
        rc = wass__fail(err, WASS_ERR_FORMAT, "'%s': no word vectors", path);
    if (rc == WASS_OK && out->cap == 0 && table_rebuild(out, 16))
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    if (rc) {
        /* prefix the file name when the message does not name it */
        if (err && strstr(err->message, path) == NULL) {
            char msg[sizeof err->message];
            size_t pl = strlen(path), ml = strlen(err->message), cap = sizeof msg - 1, n = 0;
            for (size_t q = 0; q < pl && n < cap; q++)
                msg[n++] = path[q];
            if (n < cap) msg[n++] = ':';
            if (n < cap) msg[n++] = ' ';
            for (size_t q = 0; q < ml && n < cap; q++)
                msg[n++] = err->message[q];
            msg[n] = '\0';
            memcpy(err->message, msg, n + 1);
        }
        wass_wordvec_free(out);
        return rc;
    }
    out->format = (int)fmt;
    return WASS_OK;
}

int wass_wordvec_load(const char *path, const wass_wordvec_options *opt, wass_wordvec *out,
                      wass_error_info *err) {
    wass__clear(err);
    if (!path || !out) return wass__fail(err, WASS_ERR_INVALID, "path or output is NULL");
    memset(out, 0, sizeof *out);
    wass_wordvec_options o;
    if (opt)
        o = *opt;
    else
        wass_wordvec_options_default(&o);
    if (o.format < WASS_VEC_AUTO || o.format > WASS_VEC_CACHE)
        return wass__fail(err, WASS_ERR_INVALID, "unknown vector format %d", (int)o.format);
    int cacheable = o.use_cache && o.max_words == 0 && o.format != WASS_VEC_CACHE;
    char *cpath = NULL;
    if (cacheable) {
        if (o.cache_path)
            cpath = strdup(o.cache_path);
        else {
            size_t l = strlen(path) + 9;
            cpath = malloc(l);
            if (cpath) snprintf(cpath, l, "%s.wassvec", path);
        }
        if (!cpath) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
        /* a source that is itself a cache is read directly */
        FILE *f = fopen(path, "rb");
        if (f) {
            char m[8] = {0};
            size_t n = fread(m, 1, 8, f);
            fclose(f);
            if (n == 8 && memcmp(m, CACHE_MAGIC, 8) == 0) cacheable = 0;
        }
    }
    if (cacheable) {
        wass_error_info e2;
        if (load_cache(cpath, path, out, &e2) == WASS_OK) {
            free(cpath);
            return WASS_OK;
        }
    }
    int rc = load_source(path, o.format, o.max_words, out, err);
    if (rc == WASS_OK && cacheable) {
        wass_error_info e2;
        out->cache_written = wass_wordvec_save_cache(out, cpath, path, &e2) == WASS_OK;
    }
    free(cpath);
    return rc;
}
