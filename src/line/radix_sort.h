/*
 * radix_sort.h - private: stable LSD radix sort of 64-bit keys (optionally
 * carrying a double per key), with an order-preserving map from doubles to
 * keys. Used by the 1-D solver, sliced Wasserstein and the grid embedding.
 */
#ifndef WASS_RADIX_SORT_H
#define WASS_RADIX_SORT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Map a finite double to a uint64 whose unsigned order is the order of the
 * doubles (-0.0 sorts just before +0.0). */
static inline uint64_t wass__key_from_double(double x) {
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return (b >> 63) ? ~b : (b | 0x8000000000000000ull);
}

static inline double wass__double_from_key(uint64_t k) {
    uint64_t b = (k >> 63) ? (k & 0x7fffffffffffffffull) : ~k;
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* Sort keys[0..n) ascending, stably, moving vals[i] (may be NULL) with its
 * key. ktmp (n) and vtmp (n, only when vals != NULL) are scratch buffers.
 * threads: number of OpenMP threads to use (1 = serial; large arrays only
 * are split). The sorted data end in keys / vals. */
void wass__radix_sort(uint64_t *keys, double *vals, size_t n, uint64_t *ktmp, double *vtmp,
                      int threads);

/* A key with its double payload, moved as one 16-byte record. */
typedef struct {
    uint64_t key;
    double val;
} wass__kv;

/* Sort the doubles x[0..n) ascending (by wass__key_from_double), stably,
 * carrying w[i] with x[i]: out[i].key / out[i].val are the sorted keys and
 * their weights. tmp (n records) is scratch. The keys are made on the fly by
 * the first pass, which saves the pass that would build the records. Same
 * threads rule and same result for any thread count as wass__radix_sort. */
void wass__radix_sort_kv(const double *x, const double *w, size_t n, wass__kv *out, wass__kv *tmp,
                         int threads);

/* malloc for large scratch arrays: big blocks are 2 MiB aligned and marked
 * for transparent huge pages where the system offers them (first-touch page
 * faults otherwise dominate a sort of 10^7 keys). Release with free(). */
void *wass__big_alloc(size_t bytes);

#endif
