/*
 * transport_certify.c - the certificate of one small transport problem
 * (transport.c), by the rules of src/exact/certify.c: it trusts only the
 * costs, the integer masses, the integer flows and the column duals v.
 * The plan is the flows x_ij on the arcs listed (per row, a bitmask of its
 * columns: the solver's record of its positive flows, which spares a scan of
 * every entry), or every nonzero x_ij when no list is given; either way it
 * is checked to be a plan (positive integers meeting the masses exactly)
 * and the cost reported is that plan's.
 *
 * The flows must meet the masses exactly (integers, no rounding), so the
 * marginal term of certify.c vanishes. The row duals are the c-transform of
 * v made feasible against rounding, u'_i = pred(min_j fl(C_ij - v_j)) (pred:
 * the next double below): rounding to nearest is monotone, so u'_i + v_j <=
 * C_ij holds exactly for every pair. Then
 *     primal - (sum s u' + sum t v) = sum_ij x_ij (C_ij - u'_i - v_j),
 * a sum of non-negative terms, each bounded from above with 3 units of
 * roundoff of the magnitudes involved and summed with its own rounding
 * bounded, so that rounding cannot make the bound lie; the primal's own
 * rounding and that of the reported cost (primal / S) are added. Certified:
 * bound <= tol |primal|, or below the floor 16 u (sum s |u'| + sum t |v|)
 * (the optimum's own uncertainty), and the solver's own duals feasible to
 * tol relative to the largest cost.
 */
#include "apps/graph/graph_internal.h"

#include <math.h>
#include <string.h>

#define U_RND 0x1p-53 /* unit roundoff */
#define ETA 0x1p-1074 /* absolute error of an operation that underflows */

/* The next double below a finite x (nextafter(x, -inf) without the call). */
static inline double below(double x) {
    if (!isfinite(x)) return x;
    if (x == 0) return -0x1p-1074;
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    b = x > 0 ? b - 1 : b + 1;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* One flow arc x_ij = f into the sums (the primal, its magnitude, the gap
 * bound, the row and column sums). */
typedef struct {
    wass__acc primal, gap;
    double pabs;
    size_t ops;
    int exact;
} cert_sums;

static inline void arc(cert_sums *cs, double c, double up, double vj, int f) {
    cs->exact &= f > 0;
    double p = f * c;
    wass__acc_add(&cs->primal, p);
    cs->pabs += fabs(p);
    double r = c - up - vj;
    double rup = (r > 0.0 ? r : 0.0) + 3.0 * U_RND * (fabs(c) + fabs(up) + fabs(vj)) + 3.0 * ETA;
    wass__acc_add(&cs->gap, f * rup);
    cs->ops++;
}

int wass__transport_certify(const double *C, size_t n, size_t m, size_t ld, const int *x,
                            const uint64_t *arcs, const int *s, const int *t, const double *u,
                            const double *v, const double *rowmin, double cmax, int nonneg,
                            double tol, wass__transport_result *res) {
    cert_sums cs = {{0, 0}, {0, 0}, 0.0, 0, m <= WASS__TR_MAX};
    double fl = 0.0, minrc = 0.0, S = 0.0;
    long colsum[WASS__TR_MAX];
    int exact = cs.exact;
    for (size_t j = 0; j < m && exact; j++)
        colsum[j] = 0;
    for (size_t i = 0; i < n && exact; i++) {
        double up = below(rowmin[i]);
        double rc = rowmin[i] - u[i]; /* the least C_ij - v_j - u_i of the solver's duals */
        if (rc < minrc) minrc = rc;
        S += s[i];
        fl += s[i] * fabs(up);
        const double *Ci = C + i * ld;
        const int *xi = x + i * ld;
        long row = 0;
        if (arcs) { /* the plan: the flows of the arcs listed */
            const uint64_t *a = arcs + i * WASS__TR_WORDS;
            for (size_t q = 0; q * 64 < m; q++)
                for (uint64_t b = a[q]; b; b &= b - 1) {
                    size_t j = q * 64 + (size_t)__builtin_ctzll(b);
                    if (j >= m) {
                        cs.exact = 0;
                        break;
                    }
                    row += xi[j];
                    colsum[j] += xi[j];
                    arc(&cs, Ci[j], up, v[j], xi[j]);
                }
        } else {
            for (size_t j = 0; j < m; j++) {
                int f = xi[j];
                if (f == 0) continue;
                row += f;
                colsum[j] += f;
                arc(&cs, Ci[j], up, v[j], f);
            }
        }
        exact = cs.exact &= row == s[i];
    }
    for (size_t j = 0; j < m && exact; j++)
        exact &= colsum[j] == t[j];
    if (!exact) return WASS_ERR_INTERNAL; /* the flows must meet the masses exactly */
    for (size_t j = 0; j < m; j++)
        fl += t[j] * fabs(v[j]);
    double P = wass__acc_value(&cs.primal);
    double G = wass__acc_value(&cs.gap) * (1.0 + 8.0 * U_RND) + (double)cs.ops * 4.0 * ETA;
    /* the optimum is >= 0 when no cost is negative */
    double bound = nonneg && P >= 0 && P < G ? P : G;
    bound += 2.0 * U_RND * cs.pabs + 5.0 * U_RND * fabs(P);
    double floor_ = 16.0 * U_RND * fl;
    res->cost = P / S;
    res->gap = P != 0 ? bound / fabs(P) : (bound > 0 ? INFINITY : 0.0);
    res->min_reduced = cmax > 0 ? minrc / cmax : 0.0;
    res->certified =
        isfinite(bound) && (bound <= tol * fabs(P) || bound <= floor_) && res->min_reduced >= -tol;
    return WASS_OK;
}
