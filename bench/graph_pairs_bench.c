/*
 * graph_pairs_bench.c - the exact distances of all pairs of a sample of a
 * TU data set's graphs by the small transport solver, on one thread, as
 * distances.c solves them (merged points, the same side on the rows,
 * wass__pair_costs then wass__transport_solve; no copies skipped), timed by
 * the thread's CPU clock. For counting instructions and branches
 * (valgrind --tool=cachegrind --branch-sim=yes) on the solver alone and for
 * timing it against another build on the same pairs. Uses the library's
 * internal header: build against the static library.
 *
 *   cc -O3 -fopenmp -Isrc -Iinclude bench/graph_pairs_bench.c build/libwass.a \
 *      -llapacke -llapack -lsvm -lpng -lz -lm -o build/graph_pairs_bench
 *   OPENBLAS_NUM_THREADS=1 build/graph_pairs_bench DIR K SEED OUT.f64 [REPS]
 *     K graphs: the first K (SEED 0) or K drawn at random (rand() seeded
 *     with SEED); all K (K - 1) / 2 pairs, REPS times (the best is printed);
 *     OUT.f64: the distances as raw doubles, pair by pair.
 */
#define _POSIX_C_SOURCE 200809L
#include "apps/graph/graph_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t gcd(size_t a, size_t b) {
    while (b) {
        size_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* One pair (g, h), oriented as in distances.c: 0, or 1 when not certified. */
static int solve_pair(wass__transport_work *w, const wass__merged_nodes *mn,
                      const wass_graph_embedding *E, size_t g, size_t h, int *s, int *t,
                      double *out) {
    size_t n = E->offset[g + 1] - E->offset[g], m = E->offset[h + 1] - E->offset[h];
    size_t q = gcd(n, m), a = g, b = h, fa = m / q, fb = n / q;
    size_t na = mn->off[g + 1] - mn->off[g], nb = mn->off[h + 1] - mn->off[h];
    if (fa > fb || (fa == fb && na < nb)) {
        a = h;
        b = g;
        size_t tn = na;
        na = nb;
        nb = tn;
        tn = fa;
        fa = fb;
        fb = tn;
    }
    for (size_t i = 0; i < na; i++)
        s[i] = (int)(mn->mult[mn->off[a] + i] * fa);
    for (size_t j = 0; j < nb; j++)
        t[j] = (int)(mn->mult[mn->off[b] + j] * fb);
    size_t ld;
    double *C = wass__transport_costs(w, na, nb, &ld);
    wass__transport_result res;
    if (!C) return 1;
    wass__pair_costs(mn, a, b, 0, 1.0, C, ld);
    if (wass__transport_solve(w, na, nb, s, t, 1e-9, &res) || !res.certified) return 1;
    *out = res.cost;
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: graph_pairs_bench DIR K SEED OUT.f64 [REPS]\n");
        return 2;
    }
    size_t K = strtoul(argv[2], NULL, 10);
    unsigned seed = (unsigned)strtoul(argv[3], NULL, 10);
    int reps = argc > 5 ? atoi(argv[5]) : 1;
    wass_graph_set gs;
    wass_graph_embedding E;
    wass__merged_nodes mn;
    wass_error_info err;
    if (wass_tu_load(argv[1], &gs, &err) || wass_graph_embed(&gs, 6, 1, &E, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    if (wass__merged_nodes_init(&mn, &E, 0)) return 1;
    size_t G = E.graphs, nmax = 0;
    size_t *sel = malloc(G * sizeof *sel);
    for (size_t g = 0; g < G; g++) {
        sel[g] = g;
        if (E.offset[g + 1] - E.offset[g] > nmax) nmax = E.offset[g + 1] - E.offset[g];
    }
    if (seed) {
        srand(seed);
        for (size_t g = G - 1; g > 0; g--) {
            size_t r = (size_t)rand() % (g + 1), tmp = sel[g];
            sel[g] = sel[r];
            sel[r] = tmp;
        }
    }
    if (K > G) K = G;
    wass__transport_work w;
    int *s = malloc(nmax * sizeof *s), *t = malloc(nmax * sizeof *t);
    size_t P = K * (K - 1) / 2, fallbacks = 0;
    double *D = malloc((P ? P : 1) * sizeof *D), best = INFINITY;
    if (!sel || !s || !t || !D || wass__transport_work_init(&w, nmax, nmax)) return 1;
    for (int rep = 0; rep < reps; rep++) {
        double t0 = cpu_seconds();
        size_t k = 0;
        fallbacks = 0;
        w.searches = 0;
        for (size_t x = 0; x < K; x++)
            for (size_t y = x + 1; y < K; y++, k++)
                if (solve_pair(&w, &mn, &E, sel[x], sel[y], s, t, &D[k])) {
                    D[k] = NAN;
                    fallbacks++;
                }
        double el = cpu_seconds() - t0;
        if (el < best) best = el;
    }
    printf("{\"pairs\": %zu, \"cpu_s\": %.4f, \"us_per_pair\": %.3f, \"not_certified\": %zu, "
           "\"searches_per_pair\": %.2f}\n",
           P, best, P ? 1e6 * best / (double)P : 0.0, fallbacks,
           P ? (double)w.searches / (double)P : 0.0);
    FILE *f = fopen(argv[4], "wb");
    if (!f || fwrite(D, sizeof *D, P, f) != P) return 1;
    fclose(f);
    wass__transport_work_free(&w);
    wass__merged_nodes_free(&mn);
    wass_graph_embedding_free(&E);
    wass_graph_set_free(&gs);
    free(sel);
    free(s);
    free(t);
    free(D);
    return 0;
}
