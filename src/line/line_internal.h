/*
 * line_internal.h - private: the 1-D solver's core, reused by sliced
 * Wasserstein (one problem per direction, each on one thread).
 */
#ifndef WASS_LINE_INTERNAL_H
#define WASS_LINE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "line/radix_sort.h"

/* Scratch space for one 1-D problem of sizes up to (n, m). Weighted work
 * holds (key, weight) records ru / rv / rtmp; the key arrays of a side
 * without weights then live in the same memory (ku in ru, kv in rv, ktmp in
 * rtmp). */
typedef struct {
    size_t cap_n, cap_m;
    uint64_t *ku, *kv, *ktmp;
    wass__kv *ru, *rv, *rtmp;
    void *vtmp; /* optional: a second scratch (m records or keys), so that the
                   two sides can be sorted at once (wass__line_work_split) */
} wass__line_work;

/* Allocate scratch for sizes n, m (weights arrays only when weighted);
 * returns 0 on success, nonzero when out of memory (w is then freed). */
int wass__line_work_init(wass__line_work *w, size_t n, size_t m, int weighted);
void wass__line_work_free(wass__line_work *w);
/* Add the second scratch to w (m entries of the kind w holds). Returns 0 on
 * success; on failure w is unchanged and the sides are sorted in turn. */
int wass__line_work_split(wass__line_work *w, int weighted);
/* Scratch for the threads of a parallel loop over k problems of n and m
 * points: *nt receives the thread count (the `threads` option, at most k,
 * one for little work), and the array of *nt scratches, NULL when out of
 * memory. Release with wass__line_works_free (accepts NULL). */
wass__line_work *wass__line_works(int threads, size_t k, size_t n, size_t m, int weighted, int *nt);
void wass__line_works_free(wass__line_work *w, int nt);
/* Both sides at least this long: with two or more threads the two sorts run
 * at once, each on its own thread (no barrier inside a sort). */
#define WASS__LINE_SPLIT_MIN ((size_t)1 << 17)

/* W_p^p between validated inputs (finite values, valid weights with the
 * given totals, p >= 1 or p = +inf for W_inf, which is returned as is).
 * threads: threads for the sorts; with w->vtmp and threads >= 2 the two
 * sides are sorted at once, each by threads / 2 of them (at least one). The
 * result does not depend on threads. */
double wass__line_pp(const double *u, const double *uw, double utot, size_t n, const double *v,
                     const double *vw, double vtot, size_t m, double p, int threads,
                     wass__line_work *w);

#endif
