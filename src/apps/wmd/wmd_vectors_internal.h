/*
 * wmd_vectors_internal.h - the pieces of the word-vector loaders, one file
 * each: the vocabulary (hash table word -> index, growth; wmd_vocab.c), a
 * buffered reader with line and byte counts and the word2vec header
 * (wmd_reader.c), the formats (wmd_vec_text.c, wmd_vec_binary.c,
 * wmd_vec_wink.c over the JSON lexer of wmd_json.c), the binary cache and
 * where it lives (wmd_cache.c), and the entry point (wmd_vectors.c).
 */
#ifndef WASS_WMD_VECTORS_INTERNAL_H
#define WASS_WMD_VECTORS_INTERNAL_H

#include "common/internal.h"
#include "wass/wmd.h"

#include <stdint.h>
#include <stdio.h>

#define WASS__VEC_CACHE_MAGIC "WASSVEC"
#define WASS__VEC_TOKMAX 4096 /* longest word, bytes + 1 */
/* Largest vector dimension a file may declare (far above any real model;
 * keeps dim * sizeof(float) and the row buffers small and exact). */
#define WASS__VEC_MAXDIM ((size_t)1 << 20)

/* ---- vocabulary (wmd_vocab.c) ---- */

/* Growable storage while a file is read. */
typedef struct {
    wass_wordvec *wv;
    size_t cap_words, cap_pool;
} wass__vocab;

/* Grows *p (elements of elem bytes, capacity *cap) to hold need elements.
 * WASS_OK or WASS_ERR_NOMEM (also when the size would overflow). */
int wass__grow(void **p, size_t *cap, size_t need, size_t elem);
/* Adds a word (len bytes) with vector v (wv->dim floats, may be NULL when dim
 * is 0). Returns 1 when added, 0 for a duplicate, WASS_ERR_NOMEM, or
 * WASS_ERR_FORMAT for a word that holds a NUL byte (words are C
 * strings everywhere: one rule for every format and the cache). */
int wass__vocab_add(wass__vocab *b, const char *w, size_t len, const float *v);
/* The message for a negative wass__vocab_add result (returns rc). */
int wass__vocab_fail(wass_error_info *err, int rc, const char *word, size_t len);
/* (Re)builds the hash table with cap slots (a power of two > count).
 * reject_duplicates: WASS_ERR_FORMAT when a word occurs twice. */
int wass__vocab_rebuild(wass_wordvec *wv, size_t cap, int reject_duplicates);

/* ---- buffered reader (wmd_reader.c) ---- */

typedef struct {
    FILE *f;
    unsigned char buf[1 << 16];
    size_t pos, len;
    long line;     /* 1-based line of the next byte */
    uint64_t byte; /* 0-based offset of the next byte */
    uint64_t size; /* the file's size when it is a regular file, else 0 */
} wass__reader;

int wass__rd_fill(wass__reader *r);
static inline int wass__rd_peek(wass__reader *r) {
    if (r->pos >= r->len && !wass__rd_fill(r)) return EOF;
    return r->buf[r->pos];
}
static inline int wass__rd_get(wass__reader *r) {
    if (r->pos >= r->len && !wass__rd_fill(r)) return EOF;
    int c = r->buf[r->pos++];
    r->byte++;
    if (c == '\n') r->line++;
    return c;
}
/* A token of non-blank bytes into tok (NUL-terminated); its length, or
 * (size_t)-1 when longer than cap - 1. */
size_t wass__rd_token(wass__reader *r, char *tok, size_t cap);
void wass__rd_skip_blanks(wass__reader *r);
/* A finite float32 (the whole token); 1 on success. */
int wass__parse_float(const char *tok, float *out);
/* Two integers (signed, any size) and nothing else: meant as a word2vec
 * header, valid or not (format detection; the header's own check names
 * what is wrong with it). */
int wass__looks_like_header(const char *line);
/* "count dim", two decimal integers, dim in 1..WASS__VEC_MAXDIM; 1 if so. */
int wass__parse_header_line(const char *line, size_t *count, size_t *dim);
/* Reads the word2vec header line (line 1). */
int wass__read_header(wass__reader *r, size_t *count, size_t *dim, wass_error_info *err);

/* ---- formats ---- */

int wass__vec_load_text(wass__reader *r, int has_header, size_t limit, wass_wordvec *wv,
                        wass_error_info *err);
int wass__vec_load_binary(wass__reader *r, size_t limit, wass_wordvec *wv, wass_error_info *err);
int wass__vec_load_wink(wass__reader *r, size_t limit, wass_wordvec *wv, wass_error_info *err);

/* ---- JSON lexer (wmd_json.c) ---- */

typedef struct {
    wass__reader *r;
    wass_error_info *err;
    char *s; /* the last string read, decoded (slen bytes, NUL-terminated) */
    size_t slen, scap;
} wass__json;

int wass__json_fail(wass__json *j, const char *what);
void wass__json_ws(wass__json *j);
int wass__json_expect(wass__json *j, int ch, const char *what);
int wass__json_string(wass__json *j);
int wass__json_number(wass__json *j, double *out);
int wass__json_skip(wass__json *j, int depth);

/* ---- cache (wmd_cache.c) ---- */

/* The cache's checksum (FNV-1a style over 8-byte words), chained through h;
 * a file's is seeded with 1469598103934665603 and covers all but its last 8
 * bytes, which hold it. */
uint64_t wass__vec_checksum(uint64_t h, const void *data, size_t len);

/* Reads a cache. src_path non-NULL: the cache must match the source's size
 * and mtime (else WASS_ERR_UNSUPPORTED = stale, quietly rebuilt). Every
 * field is checked: sizes against the file before allocating, the checksum,
 * the format, the words (C strings, unique) and the vectors (finite). */
int wass__vec_load_cache(const char *path, const char *src_path, wass_wordvec *wv,
                         wass_error_info *err);
/* The cache file for source path under the options (a malloc'd string), or
 * NULL with *rc = WASS_OK when no cache is to be used (disabled, no cache
 * directory), or *rc = WASS_ERR_NOMEM. Creates the cache directory when
 * create is set. */
char *wass__vec_cache_file(const char *path, const wass_wordvec_options *o, int create, int *rc);

#endif
