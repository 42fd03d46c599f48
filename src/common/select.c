/*
 * select.c - selection by one coordinate: the k-d trees of column
 * generation and the cells of the Sinkhorn multiscale start both split a
 * permutation of points at the median of one coordinate.
 */
#include "common/internal.h"

/* Reorder perm[lo..hi) so that perm[k] holds the point of rank k by
 * coordinate t of X (n x d, row-major), with no larger one before it and no
 * smaller one after: quickselect with a median-of-three pivot and a
 * three-way partition, so repeated coordinates cannot stall it;
 * deterministic. */
void wass__select_rank(const double *X, size_t d, size_t t, size_t *perm, size_t lo, size_t hi,
                       size_t k) {
#define SEL_KEY(q) X[perm[q] * d + t]
    while (hi - lo > 1) {
        double a = SEL_KEY(lo), b = SEL_KEY(lo + (hi - lo) / 2), c = SEL_KEY(hi - 1);
        double piv = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t lt = lo, i = lo, gt = hi; /* [lo,lt) < piv, [lt,i) == piv, [gt,hi) > piv */
        while (i < gt) {
            double v = SEL_KEY(i);
            size_t s = perm[i];
            if (v < piv) {
                perm[i++] = perm[lt];
                perm[lt++] = s;
            } else if (v > piv) {
                perm[i] = perm[--gt];
                perm[gt] = s;
            } else {
                i++;
            }
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return; /* the pivot's block (never empty) holds rank k */
    }
#undef SEL_KEY
}
