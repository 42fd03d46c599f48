/*
 * test_wmd_kernels.c - the word-distance kernel of the WMD: the tiles built
 * for each instruction set (generic, AVX2, AVX-512, those the machine runs)
 * give bitwise the same dot products, and the blocked distances agree with
 * a direct computation in long double for every shape (rows and columns not
 * multiples of the tiles, unit normalization, cosine). The library file is
 * compiled into this test to reach its static tiles.
 */
#include "test_util.h"

#include "apps/wmd/wmd.c"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static double urand(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* Every available tile against the generic one on the same 8 rows. */
static void test_tiles_bitwise(void) {
    enum { D = 37, BJ = WASS_WMD_BJ };
    double X[8 * D], Yt[D * BJ];
    for (size_t k = 0; k < 8 * D; k++)
        X[k] = urand() * 4 - 2;
    for (size_t k = 0; k < D * BJ; k++)
        Yt[k] = urand() * 4 - 2;
    double ref[8][BJ], acc[8][BJ];
    for (size_t r0 = 0; r0 < 8; r0 += 2)
        tile_generic(X + r0 * D, D, Yt, ref + r0);
    /* the generic tile against a plain loop in the same order */
    for (size_t r = 0; r < 8; r++)
        for (size_t c = 0; c < BJ; c++) {
            double s = 0;
            for (size_t k = 0; k < D; k++)
                s += X[r * D + k] * Yt[k * BJ + c];
            CHECK_MSG(s == ref[r][c], "generic tile (%zu, %zu): %.17g vs %.17g", r, c, ref[r][c],
                      s);
        }
    int tried = 0;
#ifdef WMD_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) {
        for (size_t r0 = 0; r0 < 8; r0 += 4)
            tile_avx2(X + r0 * D, D, Yt, acc + r0);
        CHECK_MSG(memcmp(acc, ref, sizeof acc) == 0, "AVX2 tile differs from the generic one");
        tried++;
    }
    if (__builtin_cpu_supports("avx512f")) {
        tile_avx512(X, D, Yt, acc);
        CHECK_MSG(memcmp(acc, ref, sizeof acc) == 0, "AVX-512 tile differs from the generic one");
        tried++;
    }
#endif
    printf("wmd kernels: %d vector tile(s) checked against the generic one\n", tried);
}

/* Blocked distances against long double, odd shapes, all word distances. */
static void test_distances(void) {
    const size_t d = 13, V = 40;
    float vec[40 * 13];
    const char *words[40];
    char names[40][8];
    for (size_t i = 0; i < V; i++) {
        snprintf(names[i], sizeof names[i], "w%zu", i);
        words[i] = names[i];
        for (size_t k = 0; k < d; k++)
            vec[i * d + k] = (float)(urand() * 2 - 1);
    }
    wass_wordvec wv;
    wass_error_info e;
    CHECK(wass_wordvec_from_arrays(words, vec, V, d, &wv, &e) == WASS_OK);
    size_t wa[11], wb[29];
    for (size_t i = 0; i < 11; i++)
        wa[i] = (i * 7) % V;
    for (size_t j = 0; j < 29; j++)
        wb[j] = (j * 3 + 1) % V;
    double C[11 * 29];
    for (int mode = 0; mode < 3; mode++) {
        wass_wmd_options o;
        wass_wmd_options_default(&o);
        o.normalize = mode == 1;
        o.distance = mode == 2 ? WASS_WMD_COSINE : WASS_WMD_EUCLIDEAN;
        for (size_t n = 1; n <= 11; n += 5)
            for (size_t m = 1; m <= 29; m += 7) {
                CHECK(wass__wmd_cost_words(&wv, wa, n, wb, m, &o, C) == WASS_OK);
                double worst = 0;
                for (size_t i = 0; i < n; i++)
                    for (size_t j = 0; j < m; j++) {
                        const float *x = wv.vec + wa[i] * d, *y = wv.vec + wb[j] * d;
                        long double nx = 0, ny = 0, s = 0, dot = 0;
                        for (size_t k = 0; k < d; k++) {
                            nx += (long double)x[k] * x[k];
                            ny += (long double)y[k] * y[k];
                        }
                        long double sx = mode ? 1 / sqrtl(nx) : 1, sy = mode ? 1 / sqrtl(ny) : 1;
                        for (size_t k = 0; k < d; k++) {
                            long double t = x[k] * sx - y[k] * sy;
                            s += t * t;
                            dot += x[k] * sx * y[k] * sy;
                        }
                        double want = mode == 2 ? (double)(1 - dot) : (double)sqrtl(s);
                        if (wa[i] == wb[j]) want = 0;
                        double err = fabs(C[i * m + j] - want) / (1 + fabs(want));
                        if (err > worst) worst = err;
                        /* the same entry from a one-pair call, bitwise */
                        double one;
                        CHECK(wass__wmd_cost_words(&wv, &wa[i], 1, &wb[j], 1, &o, &one) == WASS_OK);
                        if (one != C[i * m + j]) {
                            CHECK_MSG(0,
                                      "mode %d: (%zu, %zu) in a %zu x %zu block %.17g, alone "
                                      "%.17g",
                                      mode, i, j, n, m, C[i * m + j], one);
                        }
                    }
                CHECK_MSG(worst < 1e-13, "mode %d, %zu x %zu: error %g", mode, n, m, worst);
            }
    }
    wass_wordvec_free(&wv);
}

int main(void) {
    test_tiles_bitwise();
    test_distances();
    return test_main_end("test_wmd_kernels");
}
