/*
 * emd_price_f32.c - dense pricing of point clouds in 2-D and 3-D (W1 and
 * W2^2) with a single-precision first pass: eight pairs at a time are tested in float
 * against the entering threshold widened by a bound of the rounding error,
 * and only the pairs that pass are priced in double precision, exactly as
 * the double-precision pass of emd_oracle.c prices them. The float test can
 * only admit too many pairs, never too few, so the entering arc (the most
 * negative reduced cost, the first of equals) is the same: the same pivots
 * and bitwise the same results.
 *
 * Why: pricing was half of the dense simplex's time on 3-D clouds of 1000
 * points (bench/README_scale.md); a float pass reads fewer bytes and tests
 * twice the pairs an instruction, and the pairs it passes are priced one
 * by one instead of in chunks of 32. The duals are rounded to float as they
 * are read (a float copy kept up to date by the pivots cost more in the
 * potential updates than it saved: random weights, 2-D, 4000 points).
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

/* The bounds below hold while the squared differences of the centred
 * coordinates stay under R2 and the duals under P in magnitude, far from
 * float's overflow and underflow. */
int wass__price_f32_usable(double R2, double P) {
    return R2 < 1e30 && P < 1e15;
}

#ifdef F32_X86
/* The pass for D = 2 or 3 coordinates (a constant once inlined). */
__attribute__((target("avx2"), always_inline)) static inline size_t
price_f32(const int D, const double *xi, const double *const yt[3], const float *xf,
          const float *const yf[3], size_t len, int w1, double ui, const double *pv, double R2,
          double P, double *best) {
    const double *y0 = yt[0], *y1 = yt[1], *y2 = D == 3 ? yt[2] : yt[1];
    const float *f0 = yf[0], *f1 = yf[1], *f2 = D == 3 ? yf[2] : yf[1];
    double x0 = xi[0], x1 = xi[1], x2 = D == 3 ? xi[2] : 0.0, b = *best;
    size_t bk = (size_t)-1;
    const __m256 g0 = _mm256_set1_ps(xf[0]), g1 = _mm256_set1_ps(xf[1]),
                 g2 = _mm256_set1_ps(D == 3 ? xf[2] : 0.0f);
    const __m256 absm = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    /* The rounding error of the float test, u = 2^-24 (|ui|, |pv|, the
     * duals rounded to float and |b| at entry are at most P, so |b| <= 2P inside: a
     * reduced cost below b < 0 is at least -|ui| - |pv|, costs being >= 0).
     * Squared distance: each centred coordinate off by u h, a difference
     * by 4 u h, its square by 20 u h^2, the sum of the squares by 8 u R2
     * in all (R2 = 4 sum h^2 bounds it). W2^2, sq + pv < ui + b: the duals
     * add 8 u P, the sums' own rounding u (R2 + P) and u M: M = 32 u (R2 +
     * P) covers it. W1, sq < th |th| with th = ui - pv + b: th in float is
     * off by e <= 8 u P, so th^2 by 2 e |th_f| + e^2; the product and the
     * sums of the test add under 6 u th_f^2: the test sq < t (th_f + A +
     * C t) + B, t = |th_f|, A = 32 u P, C = 8 u, B = 16 u R2 + 128 (u P)^2,
     * admits every pair the exact test admits (th_f < 0 < th only where
     * th < e, when B alone covers th^2 + 8 u R2). */
    const double u = 0x1p-24;
    const __m256 vM = _mm256_set1_ps((float)(32.0 * u * (R2 + P)));
    const __m256 vA = _mm256_set1_ps((float)(32.0 * u * P)), vC = _mm256_set1_ps((float)(8.0 * u));
    const __m256 vB = _mm256_set1_ps((float)(16.0 * u * R2 + 128.0 * (u * P) * (u * P) + 1e-37));
    __m256 vub = _mm256_set1_ps((float)(ui + b));
    __m256 vubM = _mm256_add_ps(vub, vM);
    size_t k = 0;
    for (; k + 8 <= len; k += 8) {
        __m256 dx = _mm256_sub_ps(g0, _mm256_loadu_ps(f0 + k));
        __m256 dy = _mm256_sub_ps(g1, _mm256_loadu_ps(f1 + k));
        __m256 sq = _mm256_add_ps(_mm256_mul_ps(dx, dx), _mm256_mul_ps(dy, dy));
        if (D == 3) {
            __m256 dz = _mm256_sub_ps(g2, _mm256_loadu_ps(f2 + k));
            sq = _mm256_add_ps(sq, _mm256_mul_ps(dz, dz));
        }
        __m256 p = _mm256_insertf128_ps(
                   _mm256_castps128_ps256(_mm256_cvtpd_ps(_mm256_loadu_pd(pv + k))),
                   _mm256_cvtpd_ps(_mm256_loadu_pd(pv + k + 4)), 1),
               c;
        if (w1) {
            __m256 th = _mm256_sub_ps(vub, p), t = _mm256_and_ps(th, absm);
            __m256 in = _mm256_add_ps(_mm256_add_ps(th, vA), _mm256_mul_ps(vC, t));
            c = _mm256_cmp_ps(sq, _mm256_add_ps(_mm256_mul_ps(t, in), vB), _CMP_LT_OQ);
        } else
            c = _mm256_cmp_ps(_mm256_add_ps(sq, p), vubM, _CMP_LT_OQ);
        unsigned mask = (unsigned)_mm256_movemask_ps(c);
        if (!mask) continue;
        double b0 = b;
        do {
            size_t q = k + (size_t)__builtin_ctz(mask);
            mask &= mask - 1;
            double ex = x0 - y0[q], ey = x1 - y1[q], s2 = ex * ex + ey * ey, r;
            if (D == 3) {
                double ez = x2 - y2[q];
                s2 += ez * ez;
            }
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
        double ex = x0 - y0[k], ey = x1 - y1[k], s2 = ex * ex + ey * ey, r;
        if (D == 3) {
            double ez = x2 - y2[k];
            s2 += ez * ez;
        }
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

__attribute__((target("avx2"))) size_t
wass__price_space_f32(size_t d, const double *xi, const double *const yt[3], const float *xf,
                      const float *const yf[3], size_t len, int w1, double ui, const double *pv,
                      double R2, double P, double *best) {
    if (d == 3) return price_f32(3, xi, yt, xf, yf, len, w1, ui, pv, R2, P, best);
    return price_f32(2, xi, yt, xf, yf, len, w1, ui, pv, R2, P, best);
}
#else
size_t wass__price_space_f32(size_t d, const double *xi, const double *const yt[3], const float *xf,
                             const float *const yf[3], size_t len, int w1, double ui,
                             const double *pv, double R2, double P, double *best) {
    (void)d;
    (void)xi;
    (void)yt;
    (void)xf;
    (void)yf;
    (void)len;
    (void)w1;
    (void)ui;
    (void)pv;
    (void)R2;
    (void)P;
    (void)best;
    return (size_t)-1; /* never called: wass__price_f32_available() is 0 */
}
#endif
