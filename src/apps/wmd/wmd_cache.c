/*
 * wmd_cache.c - the binary cache of a word-vector set (.wassvec): a header
 * (magic, version, format, sizes, the source's size and mtime), the vectors,
 * the word offsets, the word pool and a checksum. Written to a temporary
 * file created exclusively (mkstemp) and renamed; read with every field
 * checked (sizes against the file before allocating, the checksum, finite
 * vectors, NUL-free unique words), so a corrupted or crafted cache is
 * refused, never trusted. Where caches live: a cache directory
 * ($WASS_CACHE_DIR, else $XDG_CACHE_HOME/wass, else ~/.cache/wass), never
 * beside the source unless a cache path is given explicitly.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "apps/wmd/wmd_vectors_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_VERSION 1u
#define CACHE_HEADER 88u
#define CACHE_SEED 1469598103934665603ull

/* FNV-1a style 64-bit hash over 8-byte little-endian words (tail bytes
 * zero-padded), chained through h. */
uint64_t wass__vec_checksum(uint64_t h, const void *data, size_t len) {
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

static int fill_header(const wass_wordvec *wv, const char *src_path, unsigned char *h) {
    memset(h, 0, CACHE_HEADER);
    memcpy(h, WASS__VEC_CACHE_MAGIC, 8);
    uint32_t ver = CACHE_VERSION, fmt = (uint32_t)wv->format;
    memcpy(h + 8, &ver, 4);
    memcpy(h + 12, &fmt, 4);
    put64(h + 16, wv->count);
    put64(h + 24, wv->dim);
    put64(h + 32, wv->pool_len);
    uint64_t size = 0;
    int64_t sec = 0, nsec = 0;
    if (src_path && !src_stamp(src_path, &size, &sec, &nsec)) return 0;
    put64(h + 40, size);
    put64(h + 48, (uint64_t)sec);
    put64(h + 56, (uint64_t)nsec);
    put64(h + 64, wv->duplicates);
    put64(h + 72, src_path ? 1 : 0);
    return 1;
}

static int write_payload(const wass_wordvec *wv, const unsigned char *h, FILE *f) {
    uint64_t cs = wass__vec_checksum(CACHE_SEED, h, CACHE_HEADER);
    int ok = fwrite(h, 1, CACHE_HEADER, f) == CACHE_HEADER;
    size_t nv = wv->count * wv->dim;
    if (ok && nv) {
        ok = fwrite(wv->vec, sizeof(float), nv, f) == nv;
        cs = wass__vec_checksum(cs, wv->vec, nv * sizeof(float));
    }
    if (ok && wv->count) {
        unsigned char *ob = malloc(wv->count * 8); /* offsets as written (LE u64) */
        ok = ob != NULL;
        if (ok) {
            for (size_t i = 0; i < wv->count; i++)
                put64(ob + 8 * i, wv->offset[i]);
            ok = fwrite(ob, 8, wv->count, f) == wv->count;
            cs = wass__vec_checksum(cs, ob, wv->count * 8);
            free(ob);
        }
    }
    if (ok && wv->pool_len) {
        ok = fwrite(wv->pool, 1, wv->pool_len, f) == wv->pool_len;
        cs = wass__vec_checksum(cs, wv->pool, wv->pool_len);
    }
    unsigned char c8[8];
    put64(c8, cs);
    return ok && fwrite(c8, 1, 8, f) == 8;
}

int wass_wordvec_save_cache(const wass_wordvec *wv, const char *path, const char *src_path,
                            wass_error_info *err) {
    wass__clear(err);
    if (!wv || !path) return wass__fail(err, WASS_ERR_INVALID, "vectors or path is NULL");
    unsigned char h[CACHE_HEADER];
    if (!fill_header(wv, src_path, h))
        return wass__fail(err, WASS_ERR_IO, "cannot stat the source '%s'", src_path);
    size_t tmplen = strlen(path) + 16;
    char *tmp = malloc(tmplen);
    if (!tmp) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    snprintf(tmp, tmplen, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp); /* O_CREAT | O_EXCL: never follows a planted link */
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
            remove(tmp);
        }
        free(tmp);
        return wass__fail(err, WASS_ERR_IO, "cannot write the cache '%s': %s", path, strerror(e));
    }
    int ok = write_payload(wv, h, f);
    if (fclose(f) != 0) ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        free(tmp);
        return wass__fail(err, WASS_ERR_IO, "cannot write the cache '%s'", path);
    }
    free(tmp);
    return WASS_OK;
}

/* The header's sizes against the file, before anything is allocated. */
static int check_sizes(const char *path, const unsigned char *h, uint64_t fsize,
                       wass_error_info *err) {
    uint64_t count = get64(h + 16), dim = get64(h + 24), pool_len = get64(h + 32);
    uint32_t fmt;
    memcpy(&fmt, h + 12, 4);
    if (fmt > WASS_VEC_WINK_JSON) /* 0: built from arrays */
        return wass__fail(err, WASS_ERR_FORMAT, "'%s': cache names an unknown source format %u",
                          path, (unsigned)fmt);
    if (dim > WASS__VEC_MAXDIM || count > fsize || pool_len > fsize || (count && !dim) ||
        pool_len < count)
        return wass__fail(err, WASS_ERR_FORMAT,
                          "'%s': cache header is invalid (%llu words, dimension %llu, %llu bytes "
                          "of words)",
                          path, (unsigned long long)count, (unsigned long long)dim,
                          (unsigned long long)pool_len);
    /* count, dim and pool_len are below 2^44, 2^20 and the file's size: exact */
    uint64_t expect = CACHE_HEADER + 4 * count * dim + 8 * count + pool_len + 8;
    if (expect != fsize)
        return wass__fail(err, WASS_ERR_FORMAT,
                          "'%s': cache has %llu bytes, expected %llu for %llu words of dimension "
                          "%llu (truncated?)",
                          path, (unsigned long long)fsize, (unsigned long long)expect,
                          (unsigned long long)count, (unsigned long long)dim);
    return WASS_OK;
}

/* Words: each offset starts a NUL-free string that ends right before the
 * next one (the same words the loaders would have built); vectors finite. */
static int check_payload(const char *path, wass_wordvec *wv, const unsigned char *ob,
                         wass_error_info *err) {
    size_t count = wv->count, pool_len = wv->pool_len;
    for (size_t i = 0; i < count; i++) {
        uint64_t o = get64(ob + 8 * i), end = i + 1 < count ? get64(ob + 8 * (i + 1)) : pool_len;
        if ((i == 0 && o != 0) || o >= end || end > pool_len || wv->pool[end - 1] != '\0' ||
            memchr(wv->pool + o, '\0', end - 1 - o))
            return wass__fail(err, WASS_ERR_FORMAT, "'%s': cache word %zu is invalid", path, i);
        wv->offset[i] = (size_t)o;
    }
    for (size_t i = 0; i < count; i++)
        for (size_t k = 0; k < wv->dim; k++)
            if (!isfinite(wv->vec[i * wv->dim + k]))
                return wass__fail(err, WASS_ERR_NAN,
                                  "'%s': the vector of '%s' in the cache has a NaN or infinity",
                                  path, wv->pool + wv->offset[i]);
    size_t cap = 16;
    while (cap < 2 * count + 2)
        cap *= 2;
    int rc = wass__vocab_rebuild(wv, cap, 1);
    if (rc == WASS_ERR_FORMAT) return wass__fail(err, rc, "'%s': cache holds a word twice", path);
    if (rc) return wass__fail(err, rc, "out of memory");
    return WASS_OK;
}

static int read_payload(const char *path, FILE *f, const unsigned char *h, wass_wordvec *wv,
                        wass_error_info *err) {
    size_t count = wv->count, dim = wv->dim, pool_len = wv->pool_len;
    wv->vec = malloc(count * dim * sizeof(float) + 1);
    wv->offset = malloc(count * sizeof(size_t) + 1);
    wv->pool = malloc(pool_len + 1);
    unsigned char *ob = malloc(count * 8 + 1), c8[8];
    int rc = WASS_OK;
    if (!wv->vec || !wv->offset || !wv->pool || !ob)
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory reading the cache");
    else if (fread(wv->vec, sizeof(float), count * dim, f) != count * dim ||
             fread(ob, 8, count, f) != count || fread(wv->pool, 1, pool_len, f) != pool_len ||
             fread(c8, 1, 8, f) != 8)
        rc = wass__fail(err, WASS_ERR_FORMAT, "'%s': cache truncated while reading", path);
    if (rc == WASS_OK) {
        uint64_t cs = wass__vec_checksum(CACHE_SEED, h, CACHE_HEADER);
        cs = wass__vec_checksum(cs, wv->vec, count * dim * sizeof(float));
        cs = wass__vec_checksum(cs, ob, count * 8);
        cs = wass__vec_checksum(cs, wv->pool, pool_len);
        if (cs != get64(c8))
            rc = wass__fail(err, WASS_ERR_FORMAT, "'%s': cache checksum mismatch (corrupted file)",
                            path);
    }
    if (rc == WASS_OK) rc = check_payload(path, wv, ob, err);
    free(ob);
    return rc;
}

int wass__vec_load_cache(const char *path, const char *src_path, wass_wordvec *wv,
                         wass_error_info *err) {
    memset(wv, 0, sizeof *wv);
    FILE *f = fopen(path, "rb");
    if (!f) return wass__fail(err, WASS_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    unsigned char h[CACHE_HEADER];
    uint32_t ver = 0;
    int rc = WASS_OK;
    if (fstat(fileno(f), &st) != 0 || fread(h, 1, sizeof h, f) != sizeof h)
        rc = wass__fail(err, WASS_ERR_FORMAT, "'%s': cache truncated: expected a %u-byte header",
                        path, CACHE_HEADER);
    if (rc == WASS_OK) memcpy(&ver, h + 8, 4);
    if (rc == WASS_OK && (memcmp(h, WASS__VEC_CACHE_MAGIC, 8) != 0 || ver != CACHE_VERSION))
        rc = wass__fail(err, WASS_ERR_FORMAT,
                        "'%s': not a wass vector cache of version %u (bad magic or version)", path,
                        CACHE_VERSION);
    if (rc == WASS_OK && src_path) {
        uint64_t size;
        int64_t sec, nsec;
        if (!src_stamp(src_path, &size, &sec, &nsec) || get64(h + 72) != 1 ||
            get64(h + 40) != size || (int64_t)get64(h + 48) != sec ||
            (int64_t)get64(h + 56) != nsec)
            rc = wass__fail(err, WASS_ERR_UNSUPPORTED, "'%s': cache is stale", path);
    }
    if (rc == WASS_OK) rc = check_sizes(path, h, (uint64_t)st.st_size, err);
    if (rc == WASS_OK) {
        uint32_t fmt;
        memcpy(&fmt, h + 12, 4);
        wv->format = (int)fmt;
        wv->count = get64(h + 16);
        wv->dim = get64(h + 24);
        wv->pool_len = get64(h + 32);
        wv->duplicates = get64(h + 64);
        rc = read_payload(path, f, h, wv, err);
    }
    fclose(f);
    if (rc) {
        wass_wordvec_free(wv);
        return rc;
    }
    wv->from_cache = 1;
    return WASS_OK;
}

/* ---- where caches live ---- */

/* mkdir -p with mode 0700 for the components that do not exist. */
static int make_dirs(char *dir) {
    for (char *p = dir + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            int ok = mkdir(dir, 0700) == 0 || errno == EEXIST;
            *p = c;
            if (!ok) return 0;
            if (c == '\0') break;
        }
    }
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *cache_dir(const wass_wordvec_options *o) {
    const char *d = o->cache_dir, *env;
    if (d) return *d ? strdup(d) : NULL;
    if ((env = getenv("WASS_CACHE_DIR"))) return *env ? strdup(env) : NULL;
    const char *base = "", *sub = "/wass";
    if ((env = getenv("XDG_CACHE_HOME")) && env[0] == '/')
        base = env;
    else if ((env = getenv("HOME")) && env[0] == '/') {
        base = env;
        sub = "/.cache/wass";
    } else
        return NULL;
    size_t l = strlen(base) + strlen(sub) + 1;
    char *s = malloc(l);
    if (s) snprintf(s, l, "%s%s", base, sub);
    return s;
}

char *wass__vec_cache_file(const char *path, const wass_wordvec_options *o, int create, int *rc) {
    *rc = WASS_OK;
    if (!o->use_cache) return NULL;
    if (o->cache_path) {
        char *s = strdup(o->cache_path);
        if (!s) *rc = WASS_ERR_NOMEM;
        return s;
    }
    char *dir = cache_dir(o);
    if (!dir) return NULL; /* no cache directory: no cache (or out of memory: none either) */
    if (create && !make_dirs(dir)) {
        free(dir);
        return NULL;
    }
    /* one file per source: its base name and a hash of its absolute path */
    char *abs = realpath(path, NULL);
    const char *key = abs ? abs : path, *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    uint64_t hh = wass__vec_checksum(CACHE_SEED, key, strlen(key));
    size_t l = strlen(dir) + strlen(base) + 40;
    char *s = malloc(l);
    if (s)
        snprintf(s, l, "%s/%.80s-%016llx.wassvec", dir, base, (unsigned long long)hh);
    else
        *rc = WASS_ERR_NOMEM;
    free(abs);
    free(dir);
    return s;
}
