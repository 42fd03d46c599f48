/*
 * wmd_vectors.c - loading word vectors for the Word Mover's Distance: format
 * detection, the loaders of the other wmd_vec_*.c files, and the cache
 * policy (a valid cache in the cache directory is read instead of the
 * source; a fresh one is written after a parse). Every loader reports
 * truncated or malformed input with the line (and byte) where it went wrong
 * and what it expected.
 */
#include "apps/wmd/wmd_vectors_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void wass_wordvec_options_default(wass_wordvec_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
    opt->format = WASS_VEC_AUTO;
    opt->use_cache = 1;
}

static int len_ends(const char *s, const char *suffix) {
    size_t l = strlen(s), k = strlen(suffix);
    return l >= k && strcmp(s + l - k, suffix) == 0;
}

static wass_vec_format detect(const char *path, FILE *f) {
    unsigned char buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    rewind(f);
    if (n >= 8 && memcmp(buf, WASS__VEC_CACHE_MAGIC, 8) == 0) return WASS_VEC_CACHE;
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
    size_t count = 0, dim = 0;
    if (!wass__looks_like_header(line)) return WASS_VEC_GLOVE;
    if (!wass__parse_header_line(line, &count, &dim)) /* a bad header: its loader says why */
        return len_ends(path, ".bin") ? WASS_VEC_WORD2VEC_BINARY : WASS_VEC_WORD2VEC_TEXT;
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
        return wass__vec_load_cache(path, NULL, out, err);
    }
    wass__reader *r = malloc(sizeof *r);
    if (!r) {
        fclose(f);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    r->f = f;
    r->pos = r->len = 0;
    r->line = 1;
    r->byte = 0;
    struct stat st;
    r->size = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    memset(out, 0, sizeof *out);
    int rc;
    switch (fmt) {
    case WASS_VEC_WORD2VEC_TEXT:
        rc = wass__vec_load_text(r, 1, limit, out, err);
        break;
    case WASS_VEC_GLOVE:
        rc = wass__vec_load_text(r, 0, limit, out, err);
        break;
    case WASS_VEC_WORD2VEC_BINARY:
        rc = wass__vec_load_binary(r, limit, out, err);
        break;
    case WASS_VEC_WINK_JSON:
        rc = wass__vec_load_wink(r, limit, out, err);
        break;
    default:
        rc = wass__fail(err, WASS_ERR_INVALID, "unknown vector format %d", (int)fmt);
    }
    if (rc == WASS_OK && ferror(f)) rc = wass__fail(err, WASS_ERR_IO, "read error on '%s'", path);
    free(r);
    fclose(f);
    if (rc == WASS_OK && out->count == 0)
        rc = wass__fail(err, WASS_ERR_FORMAT, "'%s': no word vectors", path);
    if (rc == WASS_OK && out->cap == 0 && wass__vocab_rebuild(out, 16, 0))
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

/* Is the file at path itself a cache (by its magic)? */
static int is_cache(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char m[8] = {0};
    size_t n = fread(m, 1, 8, f);
    fclose(f);
    return n == 8 && memcmp(m, WASS__VEC_CACHE_MAGIC, 8) == 0;
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
    int rc = WASS_OK;
    char *cpath = NULL;
    if (o.use_cache && o.max_words == 0 && o.format != WASS_VEC_CACHE && !is_cache(path)) {
        cpath = wass__vec_cache_file(path, &o, 0, &rc);
        if (rc) return wass__fail(err, rc, "out of memory");
    }
    if (cpath) {
        wass_error_info e2;
        if (wass__vec_load_cache(cpath, path, out, &e2) == WASS_OK) {
            free(cpath);
            return WASS_OK;
        }
        free(cpath);
    }
    rc = load_source(path, o.format, o.max_words, out, err);
    if (rc == WASS_OK && o.use_cache && o.max_words == 0 && !out->from_cache) {
        int rc2;
        cpath = wass__vec_cache_file(path, &o, 1, &rc2);
        wass_error_info e2;
        if (cpath) out->cache_written = wass_wordvec_save_cache(out, cpath, path, &e2) == WASS_OK;
        free(cpath);
    }
    return rc;
}
