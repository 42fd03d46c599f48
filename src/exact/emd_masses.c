/*
 * emd_masses.c - the masses an exact solve uses under its mass mode
 * (balanced, normalized or partial), shared by the solver and by its
 * certificate (see emd_internal.h).
 */
#include "exact/emd_internal.h"

#include <math.h>

int wass__emd_masses(const wass_problem *pb, wass_mass_mode mode, double mass_tol, double *a2,
                     double *b2, double *ta, double *tb, wass_error_info *err) {
    size_t n = pb->n, m = pb->m;
    for (size_t i = 0; i < n; i++)
        a2[i] = pb->a ? pb->a[i] : 1.0 / (double)n;
    for (size_t j = 0; j < m; j++)
        b2[j] = pb->b ? pb->b[j] : 1.0 / (double)m;
    double A = wass__sum(a2, n), B = wass__sum(b2, m);
    switch (mode) {
    case WASS_MASS_BALANCED:
        if (fabs(A - B) > mass_tol * fmax(A, B))
            return wass__fail(err, WASS_ERR_MASS_MISMATCH,
                              "total masses differ: a sums to %.17g but b sums to %.17g "
                              "(relative difference %.3g > mass_tol %.3g); use the normalize or "
                              "partial mass mode",
                              A, B, fabs(A - B) / fmax(A, B), mass_tol);
        if (A != B) {
            double s = A / B;
            for (size_t j = 0; j < m; j++)
                b2[j] *= s;
            B = wass__sum(b2, m);
        }
        break;
    case WASS_MASS_NORMALIZE:
        for (size_t i = 0; i < n; i++)
            a2[i] /= A;
        for (size_t j = 0; j < m; j++)
            b2[j] /= B;
        A = wass__sum(a2, n);
        B = wass__sum(b2, m);
        break;
    case WASS_MASS_PARTIAL:
        break;
    default:
        return wass__fail(err, WASS_ERR_INVALID, "unknown mass mode %d", (int)mode);
    }
    *ta = A;
    *tb = B;
    return WASS_OK;
}
