/*
 * wmd_json.c - a streaming JSON lexer over the loaders' reader (strings with
 * every escape decoded to UTF-8, numbers, skipping any value to a bounded
 * depth); every error names the line, the byte, what was expected and found.
 */
#include "apps/wmd/wmd_vectors_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int wass__json_fail(wass__json *j, const char *what) {
    int c = wass__rd_peek(j->r);
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

void wass__json_ws(wass__json *j) {
    for (;;) {
        int c = wass__rd_peek(j->r);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            wass__rd_get(j->r);
        else
            return;
    }
}

int wass__json_expect(wass__json *j, int ch, const char *what) {
    wass__json_ws(j);
    if (wass__rd_peek(j->r) != ch) return wass__json_fail(j, what);
    wass__rd_get(j->r);
    return WASS_OK;
}

static int jputc(wass__json *j, char c) {
    if (wass__grow((void **)&j->s, &j->scap, j->slen + 2, 1)) return WASS_ERR_NOMEM;
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

static int jhex4(wass__json *j, unsigned *out) {
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(wass__rd_peek(j->r));
        if (h < 0) return wass__json_fail(j, "4 hex digits after \\u");
        wass__rd_get(j->r);
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return WASS_OK;
}

/* A JSON string into j->s (UTF-8, escapes decoded). */
int wass__json_string(wass__json *j) {
    int rc = wass__json_expect(j, '"', "a string");
    if (rc) return rc;
    j->slen = 0;
    if (jputc(j, 0)) return wass__fail(j->err, WASS_ERR_NOMEM, "out of memory");
    j->slen = 0;
    for (;;) {
        int c = wass__rd_peek(j->r);
        if (c == EOF || c == '\n') return wass__json_fail(j, "the closing '\"' of a string");
        wass__rd_get(j->r);
        if (c == '"') return WASS_OK;
        if (c == '\\') {
            int e = wass__rd_peek(j->r);
            if (e == EOF) return wass__json_fail(j, "an escape character");
            wass__rd_get(j->r);
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
                    if (wass__rd_peek(j->r) != '\\')
                        return wass__json_fail(j, "a low surrogate \\uDC00..DFFF");
                    wass__rd_get(j->r);
                    if (wass__rd_peek(j->r) != 'u')
                        return wass__json_fail(j, "a low surrogate \\uDC00..DFFF");
                    wass__rd_get(j->r);
                    if ((rc = jhex4(j, &lo))) return rc;
                    if (lo < 0xDC00 || lo > 0xDFFF) return wass__json_fail(j, "a low surrogate");
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
                return wass__json_fail(j, "a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)");
            }
        }
        if (jputc(j, (char)c)) return wass__fail(j->err, WASS_ERR_NOMEM, "out of memory");
    }
}

int wass__json_number(wass__json *j, double *out) {
    wass__json_ws(j);
    char tok[64];
    size_t n = 0;
    for (;;) {
        int c = wass__rd_peek(j->r);
        if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'))
            break;
        if (n + 1 >= sizeof tok) return wass__json_fail(j, "a number of fewer than 64 characters");
        tok[n++] = (char)wass__rd_get(j->r);
    }
    tok[n] = '\0';
    char *end;
    double v = n ? strtod(tok, &end) : 0;
    if (n == 0 || *end != '\0' || !isfinite(v)) {
        if (n == 0) return wass__json_fail(j, "a number");
        return wass__fail_line(j->err, WASS_ERR_FORMAT, j->r->line,
                               "line %ld, byte %llu: expected a finite number, found '%s'",
                               j->r->line, (unsigned long long)j->r->byte, tok);
    }
    *out = v;
    return WASS_OK;
}

int wass__json_skip(wass__json *j, int depth) {
    if (depth > 64) return wass__json_fail(j, "JSON nested at most 64 deep");
    wass__json_ws(j);
    int c = wass__rd_peek(j->r), rc;
    double v;
    if (c == '"') return wass__json_string(j);
    if (c == '{' || c == '[') {
        int close = c == '{' ? '}' : ']';
        wass__rd_get(j->r);
        wass__json_ws(j);
        if (wass__rd_peek(j->r) == close) {
            wass__rd_get(j->r);
            return WASS_OK;
        }
        for (;;) {
            if (c == '{') {
                if ((rc = wass__json_string(j))) return rc;
                if ((rc = wass__json_expect(j, ':', "':' after an object key"))) return rc;
            }
            if ((rc = wass__json_skip(j, depth + 1))) return rc;
            wass__json_ws(j);
            int d = wass__rd_peek(j->r);
            if (d == ',') {
                wass__rd_get(j->r);
                continue;
            }
            if (d == close) {
                wass__rd_get(j->r);
                return WASS_OK;
            }
            return wass__json_fail(j, close == '}' ? "',' or '}'" : "',' or ']'");
        }
    }
    if (c == 't' || c == 'f' || c == 'n') {
        const char *lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
        for (const char *p = lit; *p; p++) {
            if (wass__rd_peek(j->r) != *p) return wass__json_fail(j, lit);
            wass__rd_get(j->r);
        }
        return WASS_OK;
    }
    return wass__json_number(j, &v);
}
