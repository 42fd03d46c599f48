/*
 * fuzz_wordvec.c - every word-vector loader on any bytes. The first byte
 * picks the format (auto, word2vec text, word2vec binary, GloVe, wink JSON,
 * cache, or a cache whose checksum the harness fixes up so that the checks
 * behind it are reached); the rest is the file. What loads must be a
 * consistent vocabulary: finite vectors, NUL-free words found again by
 * wass_wordvec_find.
 */
#include "apps/wmd/wmd_vectors_internal.h"
#include "fuzz_util.h"

#include <math.h>

/* Recompute the trailing checksum of a cache image (the segments as the
 * writer chains them: header, vectors, offsets, words). */
static void fix_checksum(uint8_t *p, size_t size) {
    if (size < 96) return;
    uint64_t count, dim, pool;
    memcpy(&count, p + 16, 8);
    memcpy(&dim, p + 24, 8);
    memcpy(&pool, p + 32, 8);
    if (dim > (1u << 20) || count > size || pool > size) return;
    uint64_t vec = 4 * count * dim, off = 8 * count;
    if (88 + vec + off + pool + 8 != size) return;
    uint64_t cs = wass__vec_checksum(1469598103934665603ull, p, 88);
    cs = wass__vec_checksum(cs, p + 88, vec);
    cs = wass__vec_checksum(cs, p + 88 + vec, off);
    cs = wass__vec_checksum(cs, p + 88 + vec + off, pool);
    memcpy(p + size - 8, &cs, 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    int sel = data[0] % 7;
    const char *path = fuzz_file(sel == 2 ? ".bin" : ".vec");
    uint8_t *copy = malloc(size);
    if (!copy) return 0;
    memcpy(copy, data + 1, size - 1);
    if (sel == 6) fix_checksum(copy, size - 1);
    int ok = fuzz_write(path, copy, size - 1);
    free(copy);
    if (!ok) return 0;
    static const wass_vec_format fmts[7] = {
        WASS_VEC_AUTO,  WASS_VEC_WORD2VEC_TEXT, WASS_VEC_WORD2VEC_BINARY,
        WASS_VEC_GLOVE, WASS_VEC_WINK_JSON,     WASS_VEC_CACHE,
        WASS_VEC_CACHE};
    wass_wordvec_options o;
    wass_wordvec_options_default(&o);
    o.format = fmts[sel];
    o.use_cache = 0;
    o.max_words = data[0] >= 128 ? (size_t)(data[0] % 5) : 0;
    wass_wordvec wv;
    wass_error_info err;
    if (wass_wordvec_load(path, &o, &wv, &err) == WASS_OK) {
        for (size_t k = 0; k < wv.count * wv.dim; k++)
            if (!isfinite(wv.vec[k])) abort();
        for (size_t i = 0; i < wv.count; i++) {
            const char *w = wass_wordvec_word(&wv, i);
            if (!w || wass_wordvec_find(&wv, w, strlen(w)) != i) abort();
        }
        wass_wordvec_free(&wv);
    } else if (!err.message[0]) {
        abort();
    }
    remove(path);
    return 0;
}
