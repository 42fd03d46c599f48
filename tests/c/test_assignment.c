/*
 * test_assignment.c - the sparse assignment solver of column generation
 * (src/exact/assignment.c) on its own: random sparse instances (real costs,
 * small integer costs with many ties, a plateau of equal costs), solved from
 * scratch and by rounds of added pairs (wass__sap_reprice between the
 * rounds, as column generation does), against a dense Hungarian method on
 * the same pairs; the duals must be feasible on every pair and tight on the
 * matching; rows without a perfect matching are reported.
 */
#include "exact/assignment.h"
#include "test_clouds.h"

#include <stdlib.h>
#include <string.h>

#define BIG 1e12

typedef struct {
    size_t n;
    double *c; /* n x n, BIG = no pair */
} dense;

/* The cheapest perfect matching of a dense cost matrix (Hungarian method,
 * potentials, O(n^3)). */
static double hungarian(const dense *D) {
    size_t n = D->n;
    double *u = calloc(n + 1, sizeof *u), *v = calloc(n + 1, sizeof *v),
           *minv = malloc((n + 1) * sizeof *minv);
    size_t *p = calloc(n + 1, sizeof *p), *way = calloc(n + 1, sizeof *way);
    unsigned char *used = malloc(n + 1);
    for (size_t i = 1; i <= n; i++) {
        p[0] = i;
        size_t j0 = 0;
        for (size_t j = 0; j <= n; j++) {
            minv[j] = 1e300;
            used[j] = 0;
        }
        do {
            used[j0] = 1;
            size_t i0 = p[j0], j1 = 0;
            double delta = 1e300;
            for (size_t j = 1; j <= n; j++)
                if (!used[j]) {
                    double cur = D->c[(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
                    if (cur < minv[j]) {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if (minv[j] < delta) {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            for (size_t j = 0; j <= n; j++)
                if (used[j]) {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            j0 = j1;
        } while (p[j0] != 0);
        do {
            size_t j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
    double cost = 0.0;
    for (size_t j = 1; j <= n; j++)
        cost += D->c[(p[j] - 1) * n + (j - 1)];
    free(u);
    free(v);
    free(minv);
    free(p);
    free(way);
    free(used);
    return cost;
}

/* The pairs of D with cost < BIG whose mask is set, as CSR (columns sorted). */
static void to_csr(const dense *D, const unsigned char *mask, size_t *ptr, size_t *col,
                   double *cost) {
    size_t n = D->n, q = 0;
    ptr[0] = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++)
            if (D->c[i * n + j] < BIG && mask[i * n + j]) {
                col[q] = j;
                cost[q++] = D->c[i * n + j];
            }
        ptr[i + 1] = q;
    }
}

/* Duals feasible on every pair and tight on the matching, every row matched
 * once; returns the matching's cost. */
static double check_state(const wass__sap *S, const size_t *ptr, const size_t *col,
                          const double *cost, double scale, int t) {
    size_t n = S->n;
    double tol = 1e-9 * scale, total = 0.0;
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        int64_t j = S->col4row[i];
        if (j < 0 || S->row4col[j] != (int64_t)i) {
            ok = 0;
            break;
        }
        int seen = 0;
        for (size_t k = ptr[i]; k < ptr[i + 1]; k++) {
            double r = cost[k] - S->u[i] - S->v[col[k]];
            if (r < -tol) ok = 0;
            if (col[k] == (size_t)j) {
                seen = 1;
                total += cost[k];
                if (r > tol) ok = 0;
            }
        }
        if (!seen) ok = 0;
    }
    CHECK_MSG(ok, "case %d: matching or duals inconsistent", t);
    return total;
}

static void test_random(void) {
    uint64_t st = 2024;
    int cases = test_sanitized() ? 40 : 200;
    for (int t = 0; t < cases; t++) {
        size_t n = 1 + test_rand_u64(&st) % (t < 20 ? 8 : 60);
        int kind = t % 3; /* 0 real costs, 1 integers 0..4 (ties), 2 one plateau */
        double density = 0.1 + 0.6 * test_rand_unif(&st);
        dense D = {n, malloc(n * n * sizeof(double))};
        size_t *perm = malloc(n * sizeof *perm);
        for (size_t i = 0; i < n; i++)
            perm[i] = i;
        for (size_t i = n; i > 1; i--) {
            size_t k = test_rand_u64(&st) % i, x = perm[i - 1];
            perm[i - 1] = perm[k];
            perm[k] = x;
        }
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                double c = kind == 0   ? test_rand_unif(&st) * 10.0
                           : kind == 1 ? (double)(test_rand_u64(&st) % 5)
                                       : (test_rand_unif(&st) < 0.8 ? 1.0 : 2.0);
                int keep = perm[i] == j || test_rand_unif(&st) < density;
                D.c[i * n + j] = keep ? c : BIG;
            }
        double want = hungarian(&D);
        /* rounds: a quarter of the pairs (with the permutation, so a perfect
         * matching exists), then half, then all */
        unsigned char *mask = malloc(n * n);
        for (size_t q = 0; q < n * n; q++)
            mask[q] = test_rand_unif(&st) < 0.25;
        for (size_t i = 0; i < n; i++)
            mask[i * n + perm[i]] = 1;
        size_t *ptr = malloc((n + 1) * sizeof *ptr), *col = malloc(n * n * sizeof *col);
        double *cost = malloc(n * n * sizeof *cost);
        size_t *order = malloc(n * sizeof *order);
        for (size_t i = 0; i < n; i++)
            order[i] = i; /* t odd: reversed below */
        if (t % 2)
            for (size_t i = 0; i < n; i++)
                order[i] = n - 1 - i;
        wass__sap S;
        CHECK(wass__sap_init(&S, n, NULL) == WASS_OK);
        S.order = order;
        for (int round = 0; round < 3; round++) {
            to_csr(&D, mask, ptr, col, cost);
            if (round == 0) {
                wass__sap_reprice(&S, ptr, col, cost, 1, 0.0);
                if (t % 4 < 2) wass__sap_ctransform(&S, ptr, col, cost);
            } else {
                wass__sap_reprice(&S, ptr, col, cost, 0, 1e-13);
            }
            int rc = wass__sap_augment(&S, ptr, col, cost);
            CHECK_MSG(rc == WASS_OK, "case %d round %d: rc %d", t, round, rc);
            double got = check_state(&S, ptr, col, cost, 10.0, t);
            if (round == 2)
                CHECK_MSG(fabs(got - want) <= 1e-9 * fmax(1.0, fabs(want)),
                          "case %d (n=%zu kind=%d): sap %.17g hungarian %.17g", t, n, kind, got,
                          want);
            for (size_t q = 0; q < n * n; q++)
                if (round == 0 ? test_rand_unif(&st) < 0.4 : 1) mask[q] = 1;
        }
        wass__sap_free(&S);
        free(order);
        free(ptr);
        free(col);
        free(cost);
        free(mask);
        free(perm);
        free(D.c);
    }
}

/* Rows 0 and 1 share their only column: no perfect matching. */
static void test_no_matching(void) {
    size_t n = 3, ptr[4] = {0, 1, 2, 4}, col[4] = {0, 0, 1, 2};
    double cost[4] = {1.0, 2.0, 1.0, 1.0};
    wass__sap S;
    CHECK(wass__sap_init(&S, n, NULL) == WASS_OK);
    wass__sap_reprice(&S, ptr, col, cost, 1, 0.0);
    CHECK(wass__sap_augment(&S, ptr, col, cost) == WASS__SAP_NO_MATCHING);
    size_t matched = 0;
    for (size_t i = 0; i < n; i++)
        matched += S.col4row[i] >= 0;
    CHECK(matched == 2);
    wass__sap_free(&S);
}

int main(void) {
    test_random();
    test_no_matching();
    return test_main_end("test_assignment");
}
