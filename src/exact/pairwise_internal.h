/*
 * pairwise_internal.h - the loop behind wass_pairwise and wass_wmd_pairwise:
 * every pair of a block, spread over OpenMP threads, one solve per pair.
 */
#ifndef WASS_PAIRWISE_INTERNAL_H
#define WASS_PAIRWISE_INTERNAL_H

#include "wass.h"

/* Solve pair (i, j) (global indices): *value and *status, or an error. Must
 * be thread-safe and keep no state between calls. */
typedef int (*wass__pair_fn)(void *user, size_t i, size_t j, double *value, int *status,
                             wass_error_info *err);

/* Run fn over the block (already checked: i0 <= i1, j0 <= j1); symmetric:
 * only i <= j, the rest mirrored within the block or NaN. The error of the
 * first failing pair (in row-major order) is returned, naming (i, j). */
int wass__pairwise_drive(const wass_block *blk, int symmetric, int threads,
                         wass_progress_fn progress, void *progress_user, wass__pair_fn fn,
                         void *user, double *out, int *status, wass_error_info *err);

#endif
