/*
 * wmd_internal.h - pieces shared by the WMD distance (wmd.c) and the kNN
 * search (wmd_knn.c): the word-distance matrix of two bags, the relaxed bound
 * on it, the exact solve, and bag centroids.
 */
#ifndef WASS_WMD_INTERNAL_H
#define WASS_WMD_INTERNAL_H

#include "internal.h"

/* Unit-normalize the word vectors? (always for cosine) */
static inline int wass__wmd_unit(const wass_wmd_options *o) {
    return o->normalize || o->distance == WASS_WMD_COSINE;
}

/* C (a->len x b->len, row-major) = word distances between the words of a and
 * b, computed from the float32 rows of wv (no copies). */
void wass__wmd_cost(const wass_wordvec *wv, const wass_bag *a, const wass_bag *b,
                    const wass_wmd_options *o, double *C);
/* The same for word lists: C (n x m) = distances between words wa and wb.
 * Every entry is computed by the same arithmetic as in wass__wmd_cost, so a
 * table built once and gathered from gives bitwise the same costs. */
void wass__wmd_cost_words(const wass_wordvec *wv, const size_t *wa, size_t n, const size_t *wb,
                          size_t m, const wass_wmd_options *o, double *C);
/* Relaxed WMD from that matrix: max of the two one-sided relaxations. */
double wass__wmd_relaxed(const double *C, const wass_bag *a, const wass_bag *b);
/* The ICT bound (Atasu & Mittelholzer 2019): like the relaxed bound, but each
 * target j accepts at most its own weight from every source; >= RWMD, <= WMD.
 * scratch: wass__wmd_ict_scratch(max(a->len, b->len)) bytes. */
double wass__wmd_ict(const double *C, const wass_bag *a, const wass_bag *b, void *scratch);
size_t wass__wmd_ict_scratch(size_t maxlen);
/* Exact transport cost of the bag weights over C (wass_emd). */
int wass__wmd_solve(const double *C, const wass_bag *a, const wass_bag *b, double *out,
                    int *status, int64_t *iterations, wass_error_info *err);
/* Weighted centroid of a bag (dim doubles into c). */
void wass__wmd_centroid(const wass_wordvec *wv, const wass_bag *a, const wass_wmd_options *o,
                        double *c);
/* WCD from two centroids. */
double wass__wmd_wcd(const double *ca, const double *cb, size_t dim, const wass_wmd_options *o);
/* Validate a bag against the vocabulary. */
int wass__wmd_check_bag(const wass_wordvec *wv, const wass_bag *a, const char *name,
                        wass_error_info *err);

#endif
