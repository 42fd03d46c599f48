/*
 * embed_l1_simd.h - the vector loop of a dense embedding set (embed_set.c):
 * the L1 distance of one row to one or four dense queries. Written once
 * with GCC/Clang vector extensions of 4 doubles and compiled twice by
 * embed_set.c, for the baseline and for AVX2 (EL_ATTR and EL_NAME set by
 * the includer). Only subtractions, absolute values (a bit mask) and
 * additions, in an order fixed by the source: every instruction set gives
 * bitwise the same sums. Not a normal header: no include guard on purpose.
 *
 * The order of the sum, for each query: 8 lanes (two vectors) add the
 * terms of a chunk of WASS__EL_CHUNK cells (lane t takes the cells
 * t mod 8); at the end of a chunk the two vectors are added, the four
 * lanes summed as (l0 + l1) + (l2 + l3), and that added to the total.
 */

#define EL_BODY(Q)                                                                                 \
    do {                                                                                           \
        double tot[Q];                                                                             \
        for (int q = 0; q < Q; q++)                                                                \
            tot[q] = 0.0;                                                                          \
        for (size_t c0 = 0; c0 < ld; c0 += WASS__EL_CHUNK) {                                       \
            size_t c1 = c0 + WASS__EL_CHUNK < ld ? c0 + WASS__EL_CHUNK : ld;                       \
            el_v4d a[Q][2];                                                                        \
            for (int q = 0; q < Q; q++)                                                            \
                a[q][0] = a[q][1] = el_zero();                                                     \
            for (size_t j = c0; j < c1; j += 8) {                                                  \
                el_v4d r0 = el_load(row + j), r1 = el_load(row + j + 4);                           \
                for (int q = 0; q < Q; q++) {                                                      \
                    a[q][0] += el_abs(r0 - el_load(qs + (size_t)q * ld + j));                      \
                    a[q][1] += el_abs(r1 - el_load(qs + (size_t)q * ld + j + 4));                  \
                }                                                                                  \
            }                                                                                      \
            for (int q = 0; q < Q; q++) {                                                          \
                el_v4d s_ = a[q][0] + a[q][1];                                                     \
                tot[q] += el_hsum(s_);                                                             \
            }                                                                                      \
        }                                                                                          \
        for (int q = 0; q < Q; q++)                                                                \
            out[q] = tot[q];                                                                       \
    } while (0)

/* out[0] = sum_j |row[j] - qs[j]|, j < ld (a multiple of 8). */
static EL_ATTR void EL_NAME(el_l1_q1)(const double *row, const double *qs, size_t ld, double *out) {
    EL_BODY(1);
}

/* out[q] = sum_j |row[j] - qs[q * ld + j]| for q < 4: the row is read once
 * for four queries. */
static EL_ATTR void EL_NAME(el_l1_q4)(const double *row, const double *qs, size_t ld, double *out) {
    EL_BODY(4);
}
#undef EL_BODY
