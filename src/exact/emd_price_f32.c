/*
 * emd_price_f32.c - dense pricing of 3-D point clouds (W1 and W2^2) with a
 * single-precision first pass: eight pairs at a time are tested in float
 * against the entering threshold widened by a bound of the rounding error,
 * and only the pairs that pass are priced in double precision, exactly as
 * the double-precision pass of emd_oracle.c prices them. The float test can
 * only admit too many pairs, never too few, so the entering arc (the most
 * negative reduced cost, the first of equals) is the same: the same pivots
 * and bitwise the same results.
 *
 * Why: pricing was half of the dense simplex's time on 3-D clouds of 1000
 * points (bench/README_scale.md); a float pass reads half the bytes and
 * tests twice the pairs an instruction, and the pairs it passes are priced
 * one by one instead of in chunks of 32.
 */
#include "exact/emd_steps.h"

#include <math.h>
#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(WASS_NO_CLONES)
#include <immintrin.h>
#define F32_X86 1
#endif

int wass__price_f32_available(void) {
#ifdef F32_X86
    return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

double wass__price_f32_margin(double R2, double P, int w1) {
    /* The float test of a pair differs from the exact one by at most: the
     * squared distance, from coordinates centred and rounded to float (each
     * difference off by 4 u of the half-widths, its square by 16 u h^2, the
     * sum by 3 u more of R2 = 4 sum h^2), under 8 u R2; the threshold from
     * duals of magnitude P rounded (u P each, th off by 4 u P, th |th| by
     * 20 u P^2 for W1). 512 u covers both many times over. */
    if (!(R2 < 1e30 && P < 1e15)) return -1.0;
    return 512.0 * 0x1p-24 * (R2 + (w1 ? P * P : P)) + 1e-37;
}

#ifdef F32_X86
__attribute__((target("avx2"))) size_t
wass__price_space_f32(const double *xi, const double *const yt[3], const float *xf,
                      const float *const yf[3], size_t len, int w1, double ui, const double *pv,
                      const float *pvf, double M, double *best) {
    const double *y0 = yt[0], *y1 = yt[1], *y2 = yt[2];
    const float *f0 = yf[0], *f1 = yf[1], *f2 = yf[2];
    double x0 = xi[0], x1 = xi[1], x2 = xi[2], b = *best;
    size_t bk = (size_t)-1;
    const __m256 g0 = _mm256_set1_ps(xf[0]), g1 = _mm256_set1_ps(xf[1]), g2 = _mm256_set1_ps(xf[2]);
    const __m256 absm = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256 vM = _mm256_set1_ps((float)M);
    __m256 vub = _mm256_set1_ps((float)(ui + b));
    __m256 vubM = _mm256_add_ps(vub, vM);
    size_t k = 0;
    for (; k + 8 <= len; k += 8) {
        __m256 dx = _mm256_sub_ps(g0, _mm256_loadu_ps(f0 + k));
        __m256 dy = _mm256_sub_ps(g1, _mm256_loadu_ps(f1 + k));
        __m256 dz = _mm256_sub_ps(g2, _mm256_loadu_ps(f2 + k));
        __m256 sq = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(dx, dx), _mm256_mul_ps(dy, dy)),
                                  _mm256_mul_ps(dz, dz));
        __m256 p = _mm256_loadu_ps(pvf + k), c;
        if (w1) {
            __m256 th = _mm256_sub_ps(vub, p);
            c = _mm256_cmp_ps(sq, _mm256_add_ps(_mm256_mul_ps(th, _mm256_and_ps(th, absm)), vM),
                              _CMP_LT_OQ);
        } else
            c = _mm256_cmp_ps(_mm256_add_ps(sq, p), vubM, _CMP_LT_OQ);
        unsigned mask = (unsigned)_mm256_movemask_ps(c);
        if (!mask) continue;
        double b0 = b;
        do {
            size_t q = k + (size_t)__builtin_ctz(mask);
            mask &= mask - 1;
            double ex = x0 - y0[q], ey = x1 - y1[q], ez = x2 - y2[q];
            double s2 = ex * ex + ey * ey + ez * ez, r;
            if (w1) {
                double th = ui - pv[q] + b;
                if (!(th > 0 && s2 < th * th)) continue;
                r = sqrt(s2) - ui + pv[q];
            } else
                r = s2 - ui + pv[q];
            if (r < b) {
                b = r;
                bk = q;
            }
        } while (mask);
        if (b != b0) {
            vub = _mm256_set1_ps((float)(ui + b));
            vubM = _mm256_add_ps(vub, vM);
        }
    }
    for (; k < len; k++) {
        double ex = x0 - y0[k], ey = x1 - y1[k], ez = x2 - y2[k];
        double s2 = ex * ex + ey * ey + ez * ez, r;
        if (w1) {
            double th = ui - pv[k] + b;
            if (!(th > 0 && s2 < th * th)) continue;
            r = sqrt(s2) - ui + pv[k];
        } else
            r = s2 - ui + pv[k];
        if (r < b) {
            b = r;
            bk = k;
        }
    }
    *best = b;
    return bk;
}
#else
size_t wass__price_space_f32(const double *xi, const double *const yt[3], const float *xf,
                             const float *const yf[3], size_t len, int w1, double ui,
                             const double *pv, const float *pvf, double M, double *best) {
    (void)xi;
    (void)yt;
    (void)xf;
    (void)yf;
    (void)len;
    (void)w1;
    (void)ui;
    (void)pv;
    (void)pvf;
    (void)M;
    (void)best;
    return (size_t)-1; /* never called: wass__price_f32_available() is 0 */
}
#endif
