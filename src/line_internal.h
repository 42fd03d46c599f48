/*
 * line_internal.h - private: the 1-D solver's core, reused by sliced
 * Wasserstein (one problem per direction, each on one thread).
 */
#ifndef WASS_LINE_INTERNAL_H
#define WASS_LINE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "radix_sort.h"

/* Scratch space for one 1-D problem of sizes up to (n, m). Weighted work
 * holds (key, weight) records ru / rv / rtmp; the key arrays of a side
 * without weights then live in the same memory (ku in ru, kv in rv, ktmp in
 * rtmp). */
typedef struct {
    size_t cap_n, cap_m;
    uint64_t *ku, *kv, *ktmp;
    wass__kv *ru, *rv, *rtmp;
} wass__line_work;

/* Allocate scratch for sizes n, m (weights arrays only when weighted);
 * returns 0 on success, nonzero when out of memory (w is then freed). */
int wass__line_work_init(wass__line_work *w, size_t n, size_t m, int weighted);
void wass__line_work_free(wass__line_work *w);

/* W_p^p between validated inputs (finite values, valid weights with the
 * given totals, p >= 1 or p = +inf for W_inf, which is returned as is).
 * threads: threads for the sorts. */
double wass__line_pp(const double *u, const double *uw, double utot, size_t n, const double *v,
                     const double *vw, double vtot, size_t m, double p, int threads,
                     wass__line_work *w);

#endif
