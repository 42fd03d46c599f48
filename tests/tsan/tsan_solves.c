/*
 * tsan_solves.c - run under ThreadSanitizer (`make test-tsan`): every kind
 * of solve (exact simplex on a dense cost and on points, column generation,
 * many problems, Sinkhorn, the line, sliced, the bounds, WMD and its k-NN
 * search, reading and writing matrices) from several threads at once, each
 * thread several rounds; every result must equal, bit for bit, the one of a
 * run on the main thread before (the library keeps no mutable global state).
 * The library's own OpenMP regions run with the threads OMP_NUM_THREADS
 * gives; see suppressions.txt for libgomp.
 */
#include "wass.h"
#include "wass/wmd.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS 4
#define ROUNDS 3
#define N 60
#define M 50
#define KINDS 10

static double X[N * 2], Y[M * 2], a[N], b[M], C[N * M];
static wass_wordvec wv;
static double ref[KINDS];

static double rnd(uint64_t *s) {
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static void setup(void) {
    uint64_t s = 18;
    double ta = 0, tb = 0;
    for (int i = 0; i < N; i++) {
        X[2 * i] = rnd(&s);
        X[2 * i + 1] = rnd(&s);
        ta += a[i] = 0.1 + rnd(&s);
    }
    for (int j = 0; j < M; j++) {
        Y[2 * j] = rnd(&s) + 0.3;
        Y[2 * j + 1] = rnd(&s);
        tb += b[j] = 0.1 + rnd(&s);
    }
    for (int i = 0; i < N; i++)
        a[i] /= ta;
    for (int j = 0; j < M; j++)
        b[j] /= tb;
    wass_ground g = wass_ground_make(WASS_SQEUCLIDEAN, 1);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++)
            C[i * M + j] = wass_ground_eval(&g, X + 2 * i, Y + 2 * j, 2);
    const char *words[6] = {"the", "cat", "sat", "mat", "dog", "ran"};
    float vec[18];
    for (int k = 0; k < 18; k++)
        vec[k] = (float)rnd(&s);
    wass_error_info e;
    if (wass_wordvec_from_arrays(words, vec, 6, 3, &wv, &e)) abort();
}

/* One kind of solve; its value (a cost, a distance, a checksum). */
static double run(int kind, const char *tmpdir) {
    wass_error_info e;
    wass_problem pd = {.n = N, .m = M, .a = a, .b = b, .cost = wass_cost_dense(C, M, 1)};
    wass_problem pp = {.n = N,
                       .m = M,
                       .a = a,
                       .b = b,
                       .cost = wass_cost_points(X, Y, 2, wass_ground_make(WASS_EUCLIDEAN, 1))};
    wass_cloud P = {N, 2, X, a}, Q = {M, 2, Y, b};
    double out = 0;
    switch (kind) {
    case 0:
    case 1:
    case 2: {
        wass_options o;
        wass_options_default(&o);
        o.algorithm = kind == 2 ? WASS_ALGO_COLGEN : WASS_ALGO_SIMPLEX;
        wass_result r;
        if (wass_emd(kind == 0 ? &pd : &pp, &o, &r, &e) || r.status != WASS_OPTIMAL) abort();
        out = r.cost;
        wass_result_free(&r);
        break;
    }
    case 3: {
        wass_problem many[3] = {pd, pp, pd};
        double costs[3];
        if (wass_emd_many(many, 3, NULL, costs, NULL, &e)) abort();
        out = costs[0] + costs[1] + costs[2];
        break;
    }
    case 4: {
        wass_sinkhorn_options o;
        wass_sinkhorn_options_default(&o);
        o.reg = 0.05;
        wass_sinkhorn_result r;
        if (wass_sinkhorn(&pd, &o, &r, &e)) abort();
        out = r.cost;
        wass_sinkhorn_result_free(&r);
        break;
    }
    case 5:
        if (wass_line(X, a, N, Y, b, M, 2.0, &out, &e)) abort();
        break;
    case 6: {
        wass_sliced_options o;
        wass_sliced_options_default(&o);
        o.projections = 20;
        if (wass_sliced(&P, &Q, &o, &out, &e)) abort();
        break;
    }
    case 7: {
        double c1, c2;
        wass_ground g = wass_ground_make(WASS_EUCLIDEAN, 1);
        if (wass_bound_centroid(&P, &Q, &g, &c1, &e) || wass_bound_relaxed(&pp, 0, &c2, &e))
            abort();
        out = c1 + c2;
        break;
    }
    case 8: {
        wass_bag bags[4];
        const char *texts[4] = {"the cat sat", "the dog ran", "cat mat mat", "dog sat the"};
        for (int k = 0; k < 4; k++)
            if (wass_bag_from_text(&wv, texts[k], strlen(texts[k]), NULL, &bags[k], &e)) abort();
        wass_knn_options o;
        wass_knn_options_default(&o);
        o.k = 2;
        wass_knn_result r;
        if (wass_knn(&wv, bags, 2, bags + 2, 2, &o, &r, &e)) abort();
        wass_wmd_result w;
        if (wass_wmd(&wv, &bags[0], &bags[1], NULL, &w, &e)) abort();
        out = w.distance + r.dist[0] + r.dist[3];
        wass_knn_result_free(&r);
        for (int k = 0; k < 4; k++)
            wass_bag_free(&bags[k]);
        break;
    }
    case 9: {
        char path[512];
        snprintf(path, sizeof path, "%s/m%ld_%p.npy", tmpdir, (long)getpid(), (void *)&path);
        wass_matrix m = {.rows = N, .cols = M, .data = C}, back;
        if (wass_matrix_write(path, &m, &e) || wass_matrix_read(path, &back, &e)) abort();
        for (size_t k = 0; k < N * M; k++)
            out += back.data[k];
        wass_matrix_free(&back);
        remove(path);
        break;
    }
    }
    return out;
}

static const char *tmpdir;

static void *worker(void *arg) {
    long id = (long)arg;
    for (int r = 0; r < ROUNDS; r++)
        for (int k = 0; k < KINDS; k++) {
            int kind = (int)((k + id + r) % KINDS); /* threads in different kinds at once */
            double v = run(kind, tmpdir);
            if (memcmp(&v, &ref[kind], sizeof v) != 0) {
                fprintf(stderr, "tsan_solves: kind %d on thread %ld gave %.17g, alone %.17g\n",
                        kind, id, v, ref[kind]);
                abort();
            }
        }
    return NULL;
}

int main(void) {
    tmpdir = getenv("TMPDIR");
    if (!tmpdir || !*tmpdir) tmpdir = "/tmp";
    setup();
    for (int k = 0; k < KINDS; k++)
        ref[k] = run(k, tmpdir);
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)i)) abort();
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    wass_wordvec_free(&wv);
    printf("tsan_solves: %d kinds x %d rounds on %d threads, all bitwise equal to a lone run\n",
           KINDS, ROUNDS, THREADS);
    return 0;
}
