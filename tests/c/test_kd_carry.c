/*
 * test_kd_carry.c - the k-d tree search with a near list and a carried
 * level (kdtree.c, as column generation prices with them): against brute
 * force over every point (keys as the search computes them), W1 and W2^2
 * in 2-D and 3-D. A first search
 * finds every violated point, lists the points just above the threshold
 * (not the excluded ones; a full list lowers the level) and returns a
 * level below every other key. Then the duals move (some points a lot,
 * most a little, all by a common shift); a second search that carries the
 * first level through the smallest key change per node must find the
 * violated points a fresh search finds (but those excluded: the first
 * search's finds join the excluded), and its level must again lie below
 * every key not listed (now or before), not excluded and not found.
 */
#include "exact/kdtree.h"
#include "test_util.h"

#include <math.h>
#include <stdlib.h>

static int in_list(const uint32_t *L, size_t n, size_t k) {
    for (size_t q = 0; q < n; q++)
        if (L[q] == k) return 1;
    return 0;
}

static void check_one(size_t d, wass_metric metric, size_t cap, uint64_t seed) {
    uint64_t st = seed;
    size_t m = 2000, nq = 150;
    wass_ground g = wass_ground_make(metric, 1.0);
    double *Y = malloc(m * d * sizeof(double)), *v = malloc(m * sizeof(double));
    double *v2 = malloc(m * sizeof(double)), *phin = NULL, *X = malloc(nq * d * sizeof(double));
    size_t *excl = malloc(m * sizeof(size_t));
    for (size_t j = 0; j < m * d; j++)
        Y[j] = test_rand_unif(&st);
    for (size_t i = 0; i < nq * d; i++)
        X[i] = test_rand_unif(&st) * 1.2 - 0.1;
    for (size_t j = 0; j < m; j++) { /* duals that make a ray of near-tight pairs */
        double s = 0.0;
        for (size_t t = 0; t < d; t++)
            s += Y[j * d + t];
        v[j] = 0.3 * s + 0.01 * test_rand_unif(&st);
    }
    kd_tree T;
    CHECK(wass__kd_build(&T, Y, m, d) == WASS_OK);
    phin = malloc(T.nnodes * sizeof(double));
    kd_frame stack[160];
    kd_hit heap[64];
    uint32_t L1[64], L2[64];
    for (size_t i = 0; i < nq; i++) {
        const double *x = X + i * d;
        CHECK(wass__kd_set_v(&T, &g, v) == WASS_OK);
        double kmin = INFINITY;
        for (size_t k = 0; k < m; k++)
            kmin = fmin(kmin, wass__kd_key(&T, &g, x, k));
        double thr = kmin + 0.002 * (test_rand_unif(&st) - 0.3), margin = 0.02;
        /* the excluded points (candidates already): every 7th in point order */
        size_t ne = 0;
        for (size_t j = 0; j < m; j += 7)
            excl[ne++] = j;
        kd_near nb = {
            .thr2 = thr + margin, .idx = L1, .cap = cap, .acol = excl, .alen = ne, .shrink = 1};
        size_t r = 64;
        size_t c = wass__kd_search_near(&T, &g, x, KD_USE_V, thr, r, heap, stack, &nb);
        size_t viol = 0;
        for (size_t k = 0; k < m; k++) {
            size_t j = T.perm[k];
            double key = wass__kd_key(&T, &g, x, k);
            int ex = j % 7 == 0, listed = in_list(L1, nb.len, k);
            viol += key < thr;
            CHECK_MSG(!(ex && listed), "an excluded point is listed");
            if (listed) CHECK(key >= thr && key < thr + margin);
            if (!ex && !listed && key >= thr)
                CHECK_MSG(key >= nb.lev, "d=%zu point %zu key %.17g under the level %.17g", d, k,
                          key, nb.lev);
        }
        CHECK(nb.len <= cap && nb.lev >= thr);
        if (viol >= r) continue; /* the search stopped at r: no level */
        CHECK_MSG(c == viol, "d=%zu: found %zu of %zu", d, c, viol);
        double lev = nb.lev;
        size_t n1 = nb.len;
        /* the points found join the candidates (excluded from now on) */
        for (size_t q = 0; q < c; q++) {
            size_t j = T.perm[heap[q].idx], w = ne;
            if (j % 7 == 0) continue;
            while (w > 0 && excl[w - 1] > j) {
                excl[w] = excl[w - 1];
                w--;
            }
            excl[w] = j;
            ne++;
        }
        /* the duals move: a common shift, a little noise, a few points a lot */
        double shift = 0.05 * (test_rand_unif(&st) - 0.5), vmax = 0.0;
        for (size_t j = 0; j < m; j++) {
            double e = 1e-4 * (test_rand_unif(&st) - 0.5);
            if (test_rand_unif(&st) < 0.01) e += 0.01 * test_rand_unif(&st);
            v2[j] = v[j] + shift + e;
            vmax = fmax(vmax, fmax(fabs(v[j]), fabs(v2[j])));
        }
        for (size_t id = T.nnodes; id-- > 0;) {
            const kd_node *nd = &T.node[id];
            double mn = INFINITY;
            if (nd->left < 0) {
                for (size_t k = nd->lo; k < nd->hi; k++)
                    mn = fmin(mn, v[T.perm[k]] - v2[T.perm[k]]);
                mn -= 1e-14 * (4.0 + vmax);
            } else {
                mn = fmin(phin[nd->left], phin[nd->right]);
            }
            phin[id] = mn;
        }
        CHECK(wass__kd_set_v(&T, &g, v2) == WASS_OK);
        double thr2 = thr - shift + 3e-3 * (test_rand_unif(&st) - 0.5);
        /* a listed point that became violated: the caller searches afresh */
        int fresh = 0;
        for (size_t q = 0; q < n1; q++)
            if (wass__kd_key(&T, &g, x, L1[q]) < thr2) fresh = 1;
        kd_near nc = {.thr2 = thr2 + margin,
                      .idx = L2,
                      .cap = cap,
                      .phimin = fresh ? NULL : phin,
                      .lev = lev,
                      .ccut = thr2,
                      .acol = excl,
                      .alen = ne,
                      .shrink = 1};
        size_t c2 = wass__kd_search_near(&T, &g, x, KD_USE_V, thr2, r, heap, stack, &nc);
        kd_hit h2[64];
        for (size_t q = 0; q < c2; q++)
            h2[q] = heap[q];
        uint32_t none[1];
        kd_near nf = {.thr2 = thr2 + margin, .idx = none, .cap = 0, .shrink = 1};
        size_t cf = wass__kd_search_near(&T, &g, x, KD_USE_V, thr2, r, heap, stack, &nf);
        /* the same points but the excluded ones (candidates are never violated
         * in column generation, so there the searches agree) */
        size_t w2 = 0;
        for (size_t q = 0; q < cf; q++) {
            size_t j = T.perm[heap[q].idx];
            int ex = 0;
            for (size_t e = 0; e < ne; e++)
                ex |= excl[e] == j;
            if (ex) continue;
            while (w2 < c2 && T.perm[h2[w2].idx] != j)
                w2++;
            CHECK_MSG(w2 < c2, "d=%zu: the carried search missed point %zu", d, j);
        }
        for (size_t q = 0; q < c2; q++) {
            int found = 0;
            for (size_t e = 0; e < cf; e++)
                found |= heap[e].idx == h2[q].idx && heap[e].key == h2[q].key;
            CHECK(found);
        }
        if (c2 >= r) continue;
        for (size_t k = 0; k < m; k++) {
            size_t j = T.perm[k];
            double key = wass__kd_key(&T, &g, x, k);
            int ex = 0;
            for (size_t q = 0; q < ne; q++)
                ex |= excl[q] == j;
            int listed = in_list(L2, nc.len, k) || (!fresh && in_list(L1, n1, k));
            if (!ex && !listed && key >= thr2)
                CHECK_MSG(key >= nc.lev, "d=%zu carried: point %zu key %.17g under %.17g", d, k,
                          key, nc.lev);
        }
    }
    wass__kd_free(&T);
    free(Y);
    free(v);
    free(v2);
    free(X);
    free(excl);
    free(phin);
}

int main(void) {
    for (size_t d = 2; d <= 3; d++) {
        check_one(d, WASS_EUCLIDEAN, 64, 11 + d);
        check_one(d, WASS_SQEUCLIDEAN, 64, 21 + d);
        check_one(d, WASS_EUCLIDEAN, 4, 31 + d); /* full lists: the level falls */
    }
    return test_main_end("kd_carry");
}
