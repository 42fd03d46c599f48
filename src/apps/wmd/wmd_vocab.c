/*
 * wmd_vocab.c - the vocabulary of a word-vector set: an open-addressing hash
 * table word -> index over a pool of NUL-terminated words, the growth of the
 * arrays while a file is read, and wass_wordvec_from_arrays.
 */
#include "apps/wmd/wmd_vectors_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

int wass__vocab_rebuild(wass_wordvec *wv, size_t cap, int reject_duplicates) {
    size_t *slot = calloc(cap, sizeof *slot);
    if (!slot) return WASS_ERR_NOMEM;
    free(wv->slot);
    wv->slot = slot;
    wv->cap = cap;
    size_t mask = cap - 1;
    for (size_t i = 0; i < wv->count; i++) {
        const char *w = wv->pool + wv->offset[i];
        size_t len = strlen(w), h = (size_t)hash_bytes(w, len) & mask;
        while (wv->slot[h]) {
            if (reject_duplicates && word_equal(wv, wv->slot[h] - 1, w, len))
                return WASS_ERR_FORMAT;
            h = (h + 1) & mask;
        }
        wv->slot[h] = i + 1;
    }
    return WASS_OK;
}

int wass__grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return WASS_OK;
    size_t c = *cap ? *cap : 1024, bytes;
    while (c < need) {
        if (c > SIZE_MAX / 2) return WASS_ERR_NOMEM;
        c *= 2;
    }
    if (!wass__mul_ok(c, elem, &bytes)) return WASS_ERR_NOMEM;
    void *q = realloc(*p, bytes);
    if (!q) return WASS_ERR_NOMEM;
    *p = q;
    *cap = c;
    return WASS_OK;
}

int wass__vocab_add(wass__vocab *b, const char *w, size_t len, const float *v) {
    wass_wordvec *wv = b->wv;
    if (memchr(w, '\0', len)) return WASS_ERR_FORMAT;
    if (2 * (wv->count + 1) > wv->cap) {
        size_t cap = wv->cap ? 2 * wv->cap : 1024;
        if (wass__vocab_rebuild(wv, cap, 0)) return WASS_ERR_NOMEM;
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
    if (wass__grow((void **)&wv->offset, &cw, wv->count + 1, sizeof(size_t))) return WASS_ERR_NOMEM;
    if (wv->dim) {
        size_t cv = b->cap_words;
        if (wv->dim > WASS__VEC_MAXDIM ||
            wass__grow((void **)&wv->vec, &cv, wv->count + 1, wv->dim * sizeof(float)))
            return WASS_ERR_NOMEM;
        if (cv != cw) return WASS_ERR_INTERNAL;
    }
    b->cap_words = cw;
    if (wass__grow((void **)&wv->pool, &b->cap_pool, wv->pool_len + len + 1, 1))
        return WASS_ERR_NOMEM;
    memcpy(wv->pool + wv->pool_len, w, len);
    wv->pool[wv->pool_len + len] = '\0';
    wv->offset[wv->count] = wv->pool_len;
    wv->pool_len += len + 1;
    if (wv->dim) memcpy(wv->vec + wv->count * wv->dim, v, wv->dim * sizeof(float));
    wv->slot[h] = ++wv->count;
    return 1;
}

int wass__vocab_fail(wass_error_info *err, int rc, const char *word, size_t len) {
    if (rc != WASS_ERR_FORMAT) return wass__fail(err, rc, "out of memory building the vocabulary");
    char shown[64]; /* the word with its NUL bytes shown as \0 */
    size_t k = 0;
    for (size_t q = 0; q < len && k + 3 < sizeof shown; q++) {
        if (word[q] == '\0') {
            shown[k++] = '\\';
            shown[k++] = '0';
        } else
            shown[k++] = word[q];
    }
    shown[k] = '\0';
    return wass__fail(err, rc, "the word '%s' holds a NUL byte (words are NUL-free strings)",
                      shown);
}

void wass_wordvec_free(wass_wordvec *wv) {
    if (!wv) return;
    free(wv->vec);
    free(wv->pool);
    free(wv->offset);
    free(wv->slot);
    memset(wv, 0, sizeof *wv);
}

int wass_wordvec_from_arrays(const char *const *words, const float *vec, size_t count, size_t dim,
                             wass_wordvec *out, wass_error_info *err) {
    wass__clear(err);
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "output is NULL");
    memset(out, 0, sizeof *out);
    if ((count && !words) || (count && dim && !vec))
        return wass__fail(err, WASS_ERR_INVALID, "words or vectors are NULL");
    out->dim = dim;
    wass__vocab b = {out, 0, 0};
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
        size_t len = strlen(words[i]);
        int rc = wass__vocab_add(&b, words[i], len, dim ? vec + i * dim : NULL);
        if (rc < 0) {
            wass_wordvec_free(out);
            return wass__fail(err, rc, "out of memory building the vocabulary");
        }
    }
    if (out->cap == 0 && wass__vocab_rebuild(out, 16, 0)) {
        wass_wordvec_free(out);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    return WASS_OK;
}
