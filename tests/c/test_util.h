/*
 * test_util.h - a tiny test harness for the C tests: CHECK / CHECK_CLOSE
 * record failures and keep going; test_main_end() prints the summary line and
 * returns the exit code.
 */
#ifndef WASS_TEST_UTIL_H
#define WASS_TEST_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int test_checks = 0, test_failures = 0;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        test_checks++;                                                                             \
        if (!(cond)) {                                                                             \
            test_failures++;                                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_MSG(cond, ...)                                                                       \
    do {                                                                                           \
        test_checks++;                                                                             \
        if (!(cond)) {                                                                             \
            test_failures++;                                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

/* |got - want| <= tol * max(1, |want|) */
#define CHECK_CLOSE(got, want, tol)                                                                \
    do {                                                                                           \
        double g_ = (got), w_ = (want), t_ = (tol);                                                \
        test_checks++;                                                                             \
        if (!(fabs(g_ - w_) <= t_ * fmax(1.0, fabs(w_)))) {                                        \
            test_failures++;                                                                       \
            fprintf(stderr, "%s:%d: %s = %.17g, want %.17g (tol %g)\n", __FILE__, __LINE__, #got,  \
                    g_, w_, t_);                                                                   \
        }                                                                                          \
    } while (0)

/* Deterministic generator for test data (splitmix64). */
static inline uint64_t test_rand_u64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static inline double test_rand_unif(uint64_t *state) {
    return (double)(test_rand_u64(state) >> 11) * 0x1.0p-53;
}

static inline int test_main_end(const char *name) {
    printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
    return test_failures ? 1 : 0;
}

#endif
