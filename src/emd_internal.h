/*
 * emd_internal.h - helpers shared by the exact solver (emd.c), its
 * certificate (certify.c) and the Kantorovich-Rubinstein critic (critic.c).
 */
#ifndef WASS_EMD_INTERNAL_H
#define WASS_EMD_INTERNAL_H

#include "internal.h"

/* The masses a solve uses after mass handling. a2 (n) and b2 (m) receive the
 * effective weights (uniform when pb->a / pb->b is NULL):
 *  - balanced: a as given, b rescaled to a's total (error if the totals differ
 *    by more than mass_tol relative),
 *  - normalize: both rescaled to total 1,
 *  - partial: both as given.
 * *ta, *tb receive the totals of a2 and b2. The problem must have passed
 * wass_problem_check. */
int wass__emd_masses(const wass_problem *pb, wass_mass_mode mode, double mass_tol, double *a2,
                     double *b2, double *ta, double *tb, wass_error_info *err);

/* Relative tolerances an exact result must meet to be reported optimal. */
#define WASS__CERT_MARGINAL_TOL 1e-9
#define WASS__CERT_REDUCED_TOL 1e-9
#define WASS__CERT_GAP_TOL 1e-9

#endif
