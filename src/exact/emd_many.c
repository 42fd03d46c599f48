/*
 * emd_many.c - many independent exact transport problems at once: each is a
 * single-threaded wass_emd, the problems are spread over OpenMP threads.
 * Every solve owns all of its memory, so no state is shared and the numbers
 * do not depend on the number of threads or the schedule.
 */
#include "common/internal.h"
#include "common/parallel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wass_emd_many(const wass_problem *problems, size_t count, const wass_options *opt_in,
                  double *costs, int *statuses, wass_error_info *err) {
    wass__clear(err);
    if (count == 0) return WASS_OK;
    if (!problems) return wass__fail(err, WASS_ERR_INVALID, "problems is NULL");
    if (!costs) return wass__fail(err, WASS_ERR_INVALID, "costs is NULL");
    wass_options opt;
    if (opt_in)
        opt = *opt_in;
    else
        wass_options_default(&opt);
    int nt = wass__threads(opt.threads);
    (void)nt;
    /* each solve runs on one thread; nothing but the cost is kept */
    opt.threads = 1;
    opt.want_plan = 0;
    opt.want_duals = opt.certify ? 1 : 0;
    opt.progress = NULL;
    opt.progress_user = NULL;
    wass__loop loop;
    wass__loop_init(&loop, count);
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
#endif
    for (size_t k = 0; k < count; k++) {
        wass_result r;
        wass_error_info e;
        int rc = wass_emd(&problems[k], &opt, &r, &e);
        costs[k] = (rc == WASS_OK && r.status == WASS_OPTIMAL) ? r.cost : NAN;
        if (statuses) statuses[k] = rc == WASS_OK ? r.status : WASS_NOT_SOLVED;
        wass_result_free(&r);
        wass__loop_item_done(&loop, k, rc, &e, 1);
    }
    if (wass__loop_failed(&loop))
        return wass__fail(err, loop.rc, "problem %zu: %s", loop.bad, loop.err.message);
    return WASS_OK;
}
