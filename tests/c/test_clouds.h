/*
 * test_clouds.h - random pairs of weighted point clouds for the exact-solver
 * tests (test_emd_scale.c, test_emd_dense.c), and the sanitizer switch that
 * shrinks their sizes (WASS_SANITIZED=1).
 */
#ifndef WASS_TEST_CLOUDS_H
#define WASS_TEST_CLOUDS_H

#include "test_util.h"
#include "wass.h"

#include <stdlib.h>
#include <string.h>

static inline int test_sanitized(void) {
    const char *s = getenv("WASS_SANITIZED");
    return s && s[0] && s[0] != '0';
}

typedef struct {
    size_t n, m, d;
    double *X, *Y, *a, *b, *C; /* C: an optional cost matrix, freed with the rest */
} test_clouds;

static inline void test_clouds_free(test_clouds *c) {
    free(c->X);
    free(c->Y);
    free(c->a);
    free(c->b);
    free(c->C);
}

/* kind 0: X uniform in [0,1]^d, Y the same shifted by `shift` in every
 * coordinate, random weights in [0.1, 1.1); 1: integer grid 0..grid-1 (many
 * ties); 2: as 0 with repeated points (also across the two clouds) and zero
 * weights; 3: as 0 with unit weights (an assignment when n = m); 4: as 0
 * with X concentrated (nine coordinates in ten in [0, 0.3)). */
static inline void test_clouds_make(test_clouds *c, size_t n, size_t m, size_t d, int kind,
                                    double shift, unsigned grid, uint64_t *st) {
    c->n = n;
    c->m = m;
    c->d = d;
    c->X = malloc(n * d * sizeof(double));
    c->Y = malloc(m * d * sizeof(double));
    c->a = malloc(n * sizeof(double));
    c->b = malloc(m * sizeof(double));
    c->C = NULL;
    for (size_t k = 0; k < n * d; k++) {
        double u = test_rand_unif(st);
        c->X[k] = kind == 1             ? (double)(test_rand_u64(st) % grid)
                  : kind == 4 && k % 10 ? 0.3 * u
                                        : u;
    }
    for (size_t k = 0; k < m * d; k++)
        c->Y[k] = kind == 1 ? (double)(test_rand_u64(st) % grid) : test_rand_unif(st) + shift;
    for (size_t i = 0; i < n; i++)
        c->a[i] = kind == 3 ? 1.0 : 0.1 + test_rand_unif(st);
    for (size_t j = 0; j < m; j++)
        c->b[j] = kind == 3 ? 1.0 : 0.1 + test_rand_unif(st);
    if (kind == 2) {
        for (size_t i = 1; i < n; i += 4)
            memcpy(c->X + i * d, c->X + (i - 1) * d, d * sizeof(double));
        for (size_t j = 0; j < m; j += 5)
            memcpy(c->Y + j * d, c->X + (j % n) * d, d * sizeof(double));
        for (size_t i = 0; i < n; i += 7)
            c->a[i] = 0.0;
        for (size_t j = 2; j < m; j += 9)
            c->b[j] = 0.0;
    }
}

/* The clouds as a problem with a point-cloud cost (p = 1). */
static inline wass_problem test_clouds_problem(const test_clouds *c, wass_metric metric) {
    wass_problem pb;
    memset(&pb, 0, sizeof pb);
    pb.n = c->n;
    pb.m = c->m;
    pb.a = c->a;
    pb.b = c->b;
    pb.cost = wass_cost_points(c->X, c->Y, c->d, wass_ground_make(metric, 1.0));
    return pb;
}

#endif
