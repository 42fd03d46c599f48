/*
 * certify_grid.c - the certificate's row minima min_j (C_ij - v_j) for the
 * squared Euclidean cost in the plane when the column points lie on a
 * product grid G1 x G2 (pixel centres of images, histograms on a lattice):
 * O(D |G1| |G2| + n |G2|) operations, D the number of distinct first
 * coordinates of the rows, instead of the n m of the full scan (certify.c).
 *
 * The cost of a pair is C_ij = fl(p + q) with p = fl(dx * dx), q = fl(dy *
 * dy) and dx, dy the rounded coordinate differences (the library's
 * operations). In exact arithmetic
 *     min_j (p + q - v_j) = min_b [ q_ib + min_a (p_ia - V_ab) ],
 * V_ab the largest v_j of the column points at the grid cell (a, b), and
 * -inf (no constraint) at a cell without one. The inner minimum depends on
 * the row only through its first coordinate, so it is computed once for
 * each distinct one.
 *
 * The bound. Let r be the computed minimum, R the exact one of p + q - V
 * (at some a*, b*), F the one the certificate needs, of C_ij - v_j, and
 * mv = max |v|. Each of the three roundings (p - V, q + w and the cost's
 * own p + q) moves a value by at most u (the unit roundoff) times its
 * magnitude, and at the minimizers those magnitudes are small even where
 * the costs are large: p + q = R + V <= |R| + mv there (p, q >= 0), so
 * |p - V| <= |R| + 2 mv, |q + w| <= |R| + u (|R| + 2 mv), and the cost's
 * rounding is at most u (|F| + mv) (1 + 2 u). Hence
 *     F >= r - u (3 |r| + 5 mv) - O(u^2 (|r| + mv)),
 * and r - 8 u (|r| + mv), computed (its own rounding is below the slack),
 * is a lower bound of F, which is all the certificate needs of it
 * (certify.c then takes the next double below). The axes are swapped
 * where that takes fewer operations.
 *
 * Not applicable (the caller scans all pairs): points not in the plane, a
 * grid with more than 4 m + 64 cells, a saving under 8 times, a table above
 * 2^24 entries, a coordinate difference whose square over- or underflows
 * (certify.c reports those), or no memory.
 */
#include "exact/emd_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define U_RND 0x1p-53
/* as certify.c: a raw square below this between distinct points has lost
 * precision to underflow */
#define RAW_TINY 0x1p-1000

static int dbl_cmp(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* The sorted distinct values of x[0], x[s], x[2 s], ... (len of them) into
 * *out (malloc'ed); returns their count, 0 without memory. */
static size_t distinct_sorted(const double *x, size_t len, size_t s, double **out) {
    double *v = malloc((len ? len : 1) * sizeof *v);
    if (!v) return 0;
    for (size_t k = 0; k < len; k++)
        v[k] = x[k * s];
    qsort(v, len, sizeof *v, dbl_cmp);
    size_t c = 0;
    for (size_t k = 0; k < len; k++)
        if (c == 0 || v[k] != v[c - 1]) v[c++] = v[k];
    *out = v;
    return c;
}

/* The index of x in the sorted distinct values g (it is there). */
static size_t index_of(const double *g, size_t len, double x) {
    size_t lo = 0, hi = len;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (g[mid] <= x)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static inline double sq_diff(double x, double y) {
    double d = x - y;
    return d * d;
}

int wass__cert_rowmin_grid(const wass_problem *pb, const double *v, int nt, double *rowmin,
                           double *maxc) {
    if (pb->cost.kind != WASS_COST_POINTS || pb->cost.d != 2 ||
        pb->cost.ground.metric != WASS_SQEUCLIDEAN || pb->cost.ground.p != 1.0)
        return 0;
    size_t n = pb->n, m = pb->m;
    const double *X = pb->cost.X, *Y = pb->cost.Y;
    double *g[2] = {NULL, NULL}, *r[2] = {NULL, NULL};
    size_t G[2], R[2];
    double *V = NULL, *W = NULL, *P = NULL;
    size_t *rk = NULL;
    int done = 0;
    for (int t = 0; t < 2; t++) {
        G[t] = distinct_sorted(Y + t, m, 2, &g[t]);
        R[t] = distinct_sorted(X + t, n, 2, &r[t]);
        if (!G[t] || !R[t]) goto out;
    }
    /* cells: at most 4 m + 64 */
    double cells = (double)G[0] * (double)G[1];
    if (cells > 4.0 * (double)m + 64.0) goto out;
    /* the inner axis k (its minimum first): work R[k] G[0] G[1] + n G[1-k] */
    double w0 = (double)R[0] * cells + (double)n * (double)G[1];
    double w1 = (double)R[1] * cells + (double)n * (double)G[0];
    int k = w1 < w0 ? 1 : 0, o = 1 - k;
    double work = k ? w1 : w0;
    if (work * 8.0 > (double)n * (double)m) goto out;
    size_t A = G[k], B = G[o], D = R[k];
    if ((double)D * (double)B > 0x1p24 || (double)D * (double)A > 0x1p24) goto out;
    V = malloc(A * B * sizeof *V);         /* V[b A + a]: inner index contiguous */
    W = malloc(D * B * sizeof *W);         /* W[d B + b] = min_a (p_da - V_ab) */
    P = malloc(D * A * sizeof *P);         /* p_da */
    rk = malloc((n ? n : 1) * sizeof *rk); /* the distinct inner coordinate of a row */
    if (!V || !W || !P || !rk) goto out;
    for (size_t c = 0; c < A * B; c++)
        V[c] = -INFINITY;
    double maxv = 0.0;
    for (size_t j = 0; j < m; j++) {
        size_t a = index_of(g[k], A, Y[2 * j + k]), b = index_of(g[o], B, Y[2 * j + o]);
        double vj = v[j];
        if (vj > V[b * A + a]) V[b * A + a] = vj;
        if (fabs(vj) > maxv) maxv = fabs(vj);
    }
    int bad = 0;
    double maxp = 0.0;
    for (size_t d = 0; d < D; d++)
        for (size_t a = 0; a < A; a++) {
            double p = sq_diff(r[k][d], g[k][a]);
            if (!(p <= DBL_MAX) || (p < RAW_TINY && r[k][d] != g[k][a])) bad = 1;
            P[d * A + a] = p;
            if (p > maxp) maxp = p;
        }
    if (bad) goto out;
    for (size_t i = 0; i < n; i++)
        rk[i] = index_of(r[k], D, X[2 * i + k]);
    (void)nt;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
    for (size_t c = 0; c < D * B; c++) {
        size_t d = c / B, b = c % B;
        const double *pd = P + d * A, *Vb = V + b * A;
        double m0 = INFINITY, m1 = INFINITY;
        size_t a = 0;
        for (; a + 2 <= A; a += 2) {
            double t0 = pd[a] - Vb[a], t1 = pd[a + 1] - Vb[a + 1];
            m0 = t0 < m0 ? t0 : m0;
            m1 = t1 < m1 ? t1 : m1;
        }
        if (a < A) {
            double t0 = pd[a] - Vb[a];
            m0 = t0 < m0 ? t0 : m0;
        }
        W[c] = m0 < m1 ? m0 : m1;
    }
    double maxq = 0.0;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) reduction(max : maxq) reduction(| : bad)
#endif
    for (size_t i = 0; i < n; i++) {
        const double *wd = W + rk[i] * B, *go = g[o];
        double xo = X[2 * i + o], mn = INFINITY;
        for (size_t b = 0; b < B; b++) {
            double q = sq_diff(xo, go[b]);
            if (!(q <= DBL_MAX) || (q < RAW_TINY && xo != go[b])) bad = 1;
            if (q > maxq) maxq = q;
            double s = q + wd[b];
            mn = s < mn ? s : mn;
        }
        rowmin[i] = mn;
    }
    if (bad) goto out;
    if (!(maxp + maxq <= DBL_MAX)) goto out;
    for (size_t i = 0; i < n; i++)
        rowmin[i] -= 8.0 * U_RND * (fabs(rowmin[i]) + maxv);
    *maxc = maxp + maxq;
    done = 1;
out:
    for (int t = 0; t < 2; t++) {
        free(g[t]);
        free(r[t]);
    }
    free(V);
    free(W);
    free(P);
    free(rk);
    return done;
}
