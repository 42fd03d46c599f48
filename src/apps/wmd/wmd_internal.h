/*
 * wmd_internal.h - pieces shared by the WMD distance (wmd.c) and the kNN
 * search (wmd_knn.c): the word-distance matrix of two bags, the relaxed bound
 * on it, the exact solve, and bag centroids.
 */
#ifndef WASS_WMD_INTERNAL_H
#define WASS_WMD_INTERNAL_H

#include "common/internal.h"
#include "wass/wmd.h"

/* Unit-normalize the word vectors? (always for cosine) */
static inline int wass__wmd_unit(const wass_wmd_options *o) {
    return o->normalize || o->distance == WASS_WMD_COSINE;
}

/* C (a->len x b->len, row-major) = word distances between the words of a and
 * b, from the float32 rows of wv. WASS_OK, or WASS_ERR_NOMEM (no message). */
int wass__wmd_cost(const wass_wordvec *wv, const wass_bag *a, const wass_bag *b,
                   const wass_wmd_options *o, double *C);
/* The same for word lists: C (n x m) = distances between words wa and wb.
 * Every entry is computed by the same arithmetic whatever n, m and the
 * word's position (blocked dot products, each a sum in coordinate order), so
 * a table built once and gathered from, a single pair and the pair swapped
 * give bitwise the same costs. */
int wass__wmd_cost_words(const wass_wordvec *wv, const size_t *wa, size_t n, const size_t *wb,
                         size_t m, const wass_wmd_options *o, double *C);

/* The pieces of wass__wmd_cost_words, for callers that reuse one side (the
 * kNN search packs the corpus words once). A word list as doubles (scaled to
 * unit length when the options say so) with squared norms: "rows" (one word
 * after the other, padded to WASS_WMD_BI words) for one side, "packed"
 * (blocks of WASS_WMD_BJ words, coordinate-major) for the other. Buffers of
 * wass__wmd_rows_size / wass__wmd_packed_size doubles; w is referenced, not
 * copied. */
#define WASS_WMD_BI 8 /* rows padded to a multiple of every tile height */
#define WASS_WMD_BJ 8
typedef struct {
    size_t n, d;
    const size_t *w; /* the n vocabulary indices */
    double *x;       /* rows or packed blocks */
    double *norm;    /* n squared norms (padded) */
} wass__wmd_words;
size_t wass__wmd_rows_size(size_t n, size_t d);
void wass__wmd_rows(const wass_wordvec *wv, const size_t *w, size_t n, const wass_wmd_options *o,
                    double *buf, wass__wmd_words *r);
size_t wass__wmd_packed_size(size_t m, size_t d);
void wass__wmd_pack(const wass_wordvec *wv, const size_t *w, size_t m, const wass_wmd_options *o,
                    double *buf, wass__wmd_words *p);
/* out[i * rs + j * cs] = distance of a's word i to b's word j (a as rows, b
 * packed). */
void wass__wmd_cost_kernel(const wass__wmd_words *a, const wass__wmd_words *b,
                           const wass_wmd_options *o, double *out, size_t rs, size_t cs);
/* Relaxed WMD from that matrix: max of the two one-sided relaxations. */
double wass__wmd_relaxed(const double *C, const wass_bag *a, const wass_bag *b);
/* The ICT bound (Atasu & Mittelholzer 2019): like the relaxed bound, but each
 * target j accepts at most its own weight from every source; >= RWMD, <= WMD.
 * scratch: wass__wmd_ict_scratch(max(a->len, b->len)) bytes. */
double wass__wmd_ict(const double *C, const wass_bag *a, const wass_bag *b, void *scratch);
size_t wass__wmd_ict_scratch(size_t maxlen);
/* Exact transport cost of the bag weights over C (wass_emd). */
int wass__wmd_solve(const double *C, const wass_bag *a, const wass_bag *b, double *out,
                    wass_status *status, int64_t *iterations, wass_error_info *err);
/* Weighted centroid of a bag (dim doubles into c). */
void wass__wmd_centroid(const wass_wordvec *wv, const wass_bag *a, const wass_wmd_options *o,
                        double *c);
/* WCD from two centroids. */
double wass__wmd_wcd(const double *ca, const double *cb, size_t dim, const wass_wmd_options *o);
/* Validate a bag against the vocabulary. */
int wass__wmd_check_bag(const wass_wordvec *wv, const wass_bag *a, const char *name,
                        wass_error_info *err);

#endif
