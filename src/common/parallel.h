/*
 * parallel.h - what the library's parallel loops over independent items
 * share (not installed): the failure kept is that of the smallest item
 * index, so that the error a call reports does not depend on the thread
 * count or the schedule; the items done are counted across the team, and
 * only the calling thread (thread 0) reports progress.
 */
#ifndef WASS_PARALLEL_H
#define WASS_PARALLEL_H

#include "wass.h"

#include <stddef.h>

typedef struct {
    size_t none;         /* the index meaning "no failure" (e.g. the item count) */
    size_t bad;          /* the smallest failing index so far, or none */
    int rc;              /* its error code (WASS_OK while none failed) */
    wass_error_info err; /* its detail */
    size_t done;         /* units of work done, all threads together */
} wass__loop;

/* No failure, nothing done; none is an index that no item has. */
void wass__loop_init(wass__loop *l, size_t none);

/* Item `index` ended with rc (e its detail when rc != WASS_OK) after `units`
 * more units of work: a failure is kept when its index is the smallest so
 * far. Safe from every thread of a team. Returns the units done by then. */
size_t wass__loop_item_done(wass__loop *l, size_t index, int rc, const wass_error_info *e,
                            size_t units);

/* Whether some item failed (then l->bad, l->rc and l->err say which). */
static inline int wass__loop_failed(const wass__loop *l) {
    return l->bad != l->none;
}

/* This thread's number in the current team (0 outside a parallel region
 * or without OpenMP): the index of its scratch. */
int wass__thread_num(void);

/* 1 on the thread that may call a progress callback: thread 0 of the
 * current team, which is the calling thread (always 1 outside a parallel
 * region or without OpenMP). */
int wass__loop_reporter(void);

#endif /* WASS_PARALLEL_H */
