/*
 * parallel.c - the shared bookkeeping of parallel loops over independent
 * items (parallel.h): the first failure by index and the count of work done.
 */
#include "common/parallel.h"

#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

void wass__loop_init(wass__loop *l, size_t none) {
    memset(l, 0, sizeof *l);
    l->none = none;
    l->bad = none;
    l->rc = WASS_OK;
}

size_t wass__loop_item_done(wass__loop *l, size_t index, int rc, const wass_error_info *e,
                            size_t units) {
    if (rc != WASS_OK) {
#ifdef _OPENMP
#pragma omp critical(wass_loop_fail)
#endif
        {
            if (index < l->bad) {
                l->bad = index;
                l->rc = rc;
                l->err = *e;
            }
        }
    }
    size_t now;
#ifdef _OPENMP
#pragma omp atomic capture
#endif
    now = l->done += units;
    return now;
}

int wass__thread_num(void) {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

int wass__loop_reporter(void) {
    return wass__thread_num() == 0;
}
