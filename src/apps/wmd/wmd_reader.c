/*
 * wmd_reader.c - the buffered reader of the word-vector loaders (line and
 * byte counts for the messages), number parsing, and the word2vec header
 * "count dim" (decimal, the dimension bounded before anything is allocated
 * from it).
 */
#include "apps/wmd/wmd_vectors_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int wass__rd_fill(wass__reader *r) {
    if (r->pos < r->len) return 1;
    r->len = fread(r->buf, 1, sizeof r->buf, r->f);
    r->pos = 0;
    return r->len > 0;
}

size_t wass__rd_token(wass__reader *r, char *tok, size_t cap) {
    size_t n = 0;
    for (;;) {
        int c = wass__rd_peek(r);
        if (c == EOF || c == ' ' || c == '\t' || c == '\r' || c == '\n') break;
        if (n + 1 >= cap) return (size_t)-1;
        tok[n++] = (char)wass__rd_get(r);
    }
    tok[n] = '\0';
    return n;
}

void wass__rd_skip_blanks(wass__reader *r) {
    for (;;) {
        int c = wass__rd_peek(r);
        if (c == ' ' || c == '\t' || c == '\r')
            wass__rd_get(r);
        else
            break;
    }
}

int wass__parse_float(const char *tok, float *out) {
    char *end;
    errno = 0;
    float v = strtof(tok, &end);
    if (end == tok || *end != '\0' || !isfinite(v)) return 0;
    *out = v;
    return 1;
}

/* A run of decimal digits (no sign: strtoull would take "-1" as 2^64 - 1). */
static int parse_count(const char *s, const char **end, unsigned long long *out) {
    const char *p = s;
    unsigned long long v = 0;
    while (*p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        if (v > (~0ull - d) / 10) return 0;
        v = v * 10 + d;
        p++;
    }
    if (p == s) return 0;
    *end = p;
    *out = v;
    return 1;
}

int wass__looks_like_header(const char *line) {
    const char *p = line;
    int fields = 0;
    while (*p == ' ' || *p == '\t')
        p++;
    while (*p && *p != '\n' && *p != '\r') {
        if (*p == '-' || *p == '+') p++;
        if (*p < '0' || *p > '9') return 0;
        while (*p >= '0' && *p <= '9')
            p++;
        fields++;
        while (*p == ' ' || *p == '\t')
            p++;
    }
    return fields == 2;
}

int wass__parse_header_line(const char *line, size_t *count, size_t *dim) {
    const char *p = line, *end;
    unsigned long long c, d;
    if (!parse_count(p, &end, &c)) return 0;
    p = end;
    if (*p != ' ' && *p != '\t') return 0;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!parse_count(p, &end, &d)) return 0;
    while (*end == ' ' || *end == '\t' || *end == '\r')
        end++;
    if (*end != '\0' && *end != '\n') return 0;
    if (d == 0 || d > WASS__VEC_MAXDIM || c > SIZE_MAX) return 0;
    *count = (size_t)c;
    *dim = (size_t)d;
    return 1;
}

int wass__read_header(wass__reader *r, size_t *count, size_t *dim, wass_error_info *err) {
    char line[256];
    size_t n = 0;
    for (;;) {
        int c = wass__rd_get(r);
        if (c == EOF || c == '\n') break;
        if (n + 1 >= sizeof line) break;
        line[n++] = (char)c;
    }
    line[n] = '\0';
    if (!wass__parse_header_line(line, count, dim))
        return wass__fail_line(err, WASS_ERR_FORMAT, 1,
                               "line 1: expected the word2vec header \"count dim\" (two decimal "
                               "integers, dim 1..%zu), found '%.60s'",
                               (size_t)WASS__VEC_MAXDIM, line);
    return WASS_OK;
}
