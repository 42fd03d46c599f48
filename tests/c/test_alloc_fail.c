/*
 * test_alloc_fail.c - every allocation the library makes is made to fail in
 * turn (malloc, calloc and realloc are wrapped at link time: see
 * CMakeLists.txt), and each public entry point must then return
 * WASS_ERR_NOMEM (or succeed with the right answer, where a failed
 * allocation has a fallback) -- never crash, never return another error,
 * never leak (the ASan run of the suite checks leaks).
 */
#include "test_util.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <wass.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);

static atomic_long alloc_calls;
static long alloc_fail_at = -1;
static atomic_int alloc_failed;

static int should_fail(void) {
    if (alloc_fail_at < 0) return 0;
    if (atomic_fetch_add(&alloc_calls, 1) != alloc_fail_at) return 0;
    atomic_store(&alloc_failed, 1);
    return 1;
}
void *__wrap_malloc(size_t n) {
    return should_fail() ? NULL : __real_malloc(n);
}
void *__wrap_calloc(size_t k, size_t n) {
    return should_fail() ? NULL : __real_calloc(k, n);
}
void *__wrap_realloc(void *p, size_t n) {
    return should_fail() ? NULL : __real_realloc(p, n);
}

/* A scenario runs one public call on fixed data, frees what it made and
 * returns the call's error code; *value receives a number that identifies
 * the answer (compared with the run without failures). */
typedef int (*scenario_fn)(double *value);

#define N 12
#define M 9
#define D 2
static double X[N * D], Y[M * D], A[N], B[M], Cd[N * M];
/* More than 64 points a side: the multiscale start, the plan moments and
 * the warm start of wass_sinkhorn_divergence_solve. */
#define NB 70
static double XB[NB * D], YB[NB * D], GB[2 * NB * D], FB[3 * NB];

static void make_data(void) {
    uint64_t s = 7;
    double ta = 0, tb = 0;
    for (size_t k = 0; k < N * D; k++)
        X[k] = test_rand_unif(&s);
    for (size_t k = 0; k < M * D; k++)
        Y[k] = test_rand_unif(&s) + 0.3;
    for (size_t i = 0; i < N; i++)
        ta += A[i] = (i == 3) ? 0.0 : 0.1 + test_rand_unif(&s);
    for (size_t j = 0; j < M; j++)
        tb += B[j] = 0.1 + test_rand_unif(&s);
    for (size_t i = 0; i < N; i++)
        A[i] /= ta;
    for (size_t j = 0; j < M; j++)
        B[j] /= tb;
    wass_ground g = wass_ground_make(WASS_EUCLIDEAN, 1);
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < M; j++)
            Cd[i * M + j] = wass_ground_eval(&g, X + i * D, Y + j * D, D);
    for (size_t k = 0; k < NB * D; k++) {
        XB[k] = test_rand_unif(&s);
        YB[k] = 2 * test_rand_unif(&s);
    }
}

static wass_problem points_problem(wass_metric metric) {
    wass_problem pb = {.n = N,
                       .m = M,
                       .a = A,
                       .b = B,
                       .cost = wass_cost_points(X, Y, D, wass_ground_make(metric, 1))};
    return pb;
}

static int sc_emd_dense(double *value) {
    wass_problem pb = {.n = N, .m = M, .a = A, .b = B, .cost = wass_cost_dense(Cd, M, 1)};
    wass_result r;
    int rc = wass_emd(&pb, NULL, &r, NULL);
    *value = r.cost;
    wass_result_free(&r);
    return rc;
}

static int sc_emd_colgen_partial(double *value) {
    wass_problem pb = points_problem(WASS_SQEUCLIDEAN);
    double b2[M];
    for (size_t j = 0; j < M; j++)
        b2[j] = 2 * B[j];
    pb.b = b2;
    wass_options opt;
    wass_options_default(&opt);
    opt.algorithm = WASS_ALGO_COLGEN;
    opt.mass = WASS_MASS_PARTIAL;
    wass_result r;
    int rc = wass_emd(&pb, &opt, &r, NULL);
    *value = r.cost;
    wass_result_free(&r);
    return rc;
}

/* Equal masses and n = m: the augmenting-path path of column generation. */
static int sc_emd_colgen_assignment(double *value) {
    wass_problem pb = points_problem(WASS_EUCLIDEAN);
    size_t k = N < M ? N : M;
    double w[N < M ? N : M];
    for (size_t i = 0; i < k; i++)
        w[i] = 1.0;
    pb.n = pb.m = k;
    pb.a = pb.b = w;
    wass_options opt;
    wass_options_default(&opt);
    opt.algorithm = WASS_ALGO_COLGEN;
    wass_result r;
    int rc = wass_emd(&pb, &opt, &r, NULL);
    *value = r.cost;
    wass_result_free(&r);
    return rc;
}

/* Coincident points: merged for column generation, the plan split back. */
static int sc_emd_colgen_coincident(double *value) {
    double X2[N * D], Y2[M * D];
    memcpy(X2, X, sizeof X2);
    memcpy(Y2, Y, sizeof Y2);
    for (size_t k = 0; k < D; k++) {
        X2[1 * D + k] = X2[k];
        X2[2 * D + k] = X2[k];
        Y2[3 * D + k] = Y2[k];
    }
    wass_problem pb = {.n = N,
                       .m = M,
                       .a = A,
                       .b = B,
                       .cost = wass_cost_points(X2, Y2, D, wass_ground_make(WASS_EUCLIDEAN, 1))};
    wass_options opt;
    wass_options_default(&opt);
    opt.algorithm = WASS_ALGO_COLGEN;
    opt.mass = WASS_MASS_NORMALIZE;
    wass_result r;
    int rc = wass_emd(&pb, &opt, &r, NULL);
    *value = r.cost;
    wass_result_free(&r);
    return rc;
}

static int sc_critic(double *value) {
    wass_problem pb = points_problem(WASS_EUCLIDEAN);
    wass_result r;
    double fa[N], fb[M], viol = 0;
    int rc = wass_emd(&pb, NULL, &r, NULL);
    if (rc == WASS_OK) rc = wass_critic(&pb, &r, fa, fb, &viol, NULL);
    *value = rc == WASS_OK ? fa[0] - fb[0] : 0;
    wass_result_free(&r);
    return rc;
}

static int sc_emd_many(double *value) {
    wass_problem pbs[3] = {points_problem(WASS_EUCLIDEAN), points_problem(WASS_SQEUCLIDEAN),
                           points_problem(WASS_CITYBLOCK)};
    double costs[3];
    int status[3];
    int rc = wass_emd_many(pbs, 3, NULL, costs, status, NULL);
    *value = costs[0] + costs[1] + costs[2];
    return rc;
}

static int sc_sinkhorn(double *value) {
    wass_problem pb = points_problem(WASS_SQEUCLIDEAN);
    wass_sinkhorn_options opt;
    wass_sinkhorn_options_default(&opt);
    opt.reg = 0.05;
    opt.want_plan = 1;
    wass_sinkhorn_result r;
    int rc = wass_sinkhorn(&pb, &opt, &r, NULL);
    *value = r.cost;
    wass_sinkhorn_result_free(&r);
    return rc;
}

static int sc_sinkhorn_divergence(double *value) {
    wass_cloud P = {N, D, X, A}, Q = {M, D, Y, B};
    wass_ground g = wass_ground_make(WASS_SQEUCLIDEAN, 1);
    wass_sinkhorn_options opt;
    wass_sinkhorn_options_default(&opt);
    opt.reg = 0.1;
    wass_status st;
    return wass_sinkhorn_divergence(&P, &Q, &g, &opt, value, &st, NULL);
}

static int sc_divergence_solve(double *value) {
    wass_cloud P = {NB, D, XB, NULL}, Q = {NB, D, YB, NULL};
    wass_ground g = wass_ground_make(WASS_SQEUCLIDEAN, 1);
    wass_sinkhorn_options opt;
    wass_sinkhorn_options_default(&opt);
    opt.reg = 0.05;
    opt.tol = 1e-8;
    opt.eps_scaling = 0;
    wass_sinkhorn_divergence_io io = {0};
    io.grad_P = GB;
    io.grad_Q = GB + NB * D;
    io.f_ab = FB;
    io.f_aa = FB + NB;
    io.f_bb = FB + 2 * NB;
    wass_sinkhorn_divergence_result r;
    int rc = wass_sinkhorn_divergence_solve(&P, &Q, &g, &opt, &io, &r, NULL);
    if (rc) return rc;
    wass_sinkhorn_divergence_io warm = {0};
    warm.init_f_ab = FB;
    warm.init_f_aa = FB + NB;
    warm.init_f_bb = FB + 2 * NB;
    warm.grad_P = GB;
    double s = r.divergence;
    rc = wass_sinkhorn_divergence_solve(&P, &Q, &g, &opt, &warm, &r, NULL);
    *value = s + r.divergence + GB[0] + GB[NB * D];
    return rc;
}

static int sc_line(double *value) {
    return wass_line(X, A, N, Y, B, M, 2.0, value, NULL);
}

static int sc_sliced(double *value) {
    wass_cloud P = {N, D, X, A}, Q = {M, D, Y, B};
    wass_sliced_options opt;
    wass_sliced_options_default(&opt);
    opt.projections = 20;
    return wass_sliced(&P, &Q, &opt, value, NULL);
}

/* an embedding set, dense (value: both distances) or sparse (max_cells 1) */
static int sc_embed_set_mode(double *value, size_t max_cells) {
    wass_cloud both[2] = {{N, D, X, A}, {M, D, Y, B}};
    wass_embed_frame fr;
    wass_embed_set set;
    memset(&fr, 0, sizeof fr);
    memset(&set, 0, sizeof set);
    wass_embed_set_options so;
    wass_embed_set_options_default(&so);
    so.max_cells = max_cells;
    double out[4] = {0, 0, 0, 0};
    int rc = wass_embed_frame_init(&fr, both, 2, NULL, NULL);
    if (rc == WASS_OK) rc = wass_embed_set_build(&fr, both, 2, &so, &set, NULL);
    if (rc == WASS_OK) rc = wass_embed_set_l1_clouds(&set, both, 2, out, NULL);
    *value = out[1] + out[2];
    wass_embed_set_free(&set);
    wass_embed_frame_free(&fr);
    return rc;
}

static int sc_embed_set(double *value) {
    return sc_embed_set_mode(value, 0);
}

static int sc_embed_set_sparse(double *value) {
    return sc_embed_set_mode(value, 1);
}

static int sc_embed(double *value) {
    wass_cloud both[2] = {{N, D, X, A}, {M, D, Y, B}};
    wass_embed_frame fr;
    wass_sparse ea, eb;
    memset(&fr, 0, sizeof fr);
    memset(&ea, 0, sizeof ea);
    memset(&eb, 0, sizeof eb);
    int rc = wass_embed_frame_init(&fr, both, 2, NULL, NULL);
    if (rc == WASS_OK) rc = wass_embed(&fr, &both[0], &ea, NULL);
    if (rc == WASS_OK) rc = wass_embed(&fr, &both[1], &eb, NULL);
    *value = rc == WASS_OK ? wass_sparse_l1(&ea, &eb) : 0;
    wass_sparse_free(&ea);
    wass_sparse_free(&eb);
    wass_embed_frame_free(&fr);
    return rc;
}

static int sc_bound_relaxed(double *value) {
    wass_problem pb = points_problem(WASS_EUCLIDEAN);
    return wass_bound_relaxed(&pb, 0, value, NULL);
}

static char text_path[256];
static int sc_matrix_read(double *value) {
    wass_matrix mat;
    memset(&mat, 0, sizeof mat);
    int rc = wass_matrix_read(text_path, &mat, NULL);
    *value = rc == WASS_OK ? mat.data[mat.rows * mat.cols - 1] + (double)mat.rows : 0;
    wass_matrix_free(&mat);
    return rc;
}

static void sweep(const char *name, scenario_fn fn) {
    double want = 0, got = 0;
    alloc_fail_at = -1;
    int rc = fn(&want);
    CHECK_MSG(rc == WASS_OK, "%s: rc %d without injected failures", name, rc);
    long runs = 0, nomem = 0;
    for (long k = 0; k < 100000; k++) {
        atomic_store(&alloc_calls, 0);
        atomic_store(&alloc_failed, 0);
        alloc_fail_at = k;
        got = 0;
        rc = fn(&got);
        alloc_fail_at = -1;
        runs++;
        if (!atomic_load(&alloc_failed)) { /* every allocation got through */
            CHECK_MSG(rc == WASS_OK && got == want, "%s: rc %d, value %.17g vs %.17g", name, rc,
                      got, want);
            break;
        }
        if (rc == WASS_ERR_NOMEM) {
            nomem++;
            continue;
        }
        /* a failed allocation with a fallback must still give the answer */
        CHECK_MSG(rc == WASS_OK && fabs(got - want) <= 1e-12 * fmax(1.0, fabs(want)),
                  "%s: allocation %ld failed: rc %d (%s), value %.17g vs %.17g", name, k, rc,
                  wass_strerror(rc), got, want);
    }
    printf("%-24s %ld allocations failed in turn, %ld gave WASS_ERR_NOMEM\n", name, runs - 1,
           nomem);
    CHECK_MSG(nomem > 0, "%s: no allocation failure reached the caller", name);
}

int main(void) {
    make_data();
    snprintf(text_path, sizeof text_path, "%s/tests/alloc_fail_matrix.txt", WASS_BINARY_DIR);
    FILE *f = fopen(text_path, "w");
    CHECK(f != NULL);
    if (f) {
        for (int i = 0; i < 50; i++)
            fprintf(f, "%d, %g, %g\n", i, 0.5 * i, 1.0 / (i + 1));
        fclose(f);
    }
    sweep("wass_emd (dense)", sc_emd_dense);
    sweep("wass_emd (colgen, partial)", sc_emd_colgen_partial);
    sweep("wass_emd (colgen, assignment)", sc_emd_colgen_assignment);
    sweep("wass_emd (colgen, coincident points)", sc_emd_colgen_coincident);
    sweep("wass_critic", sc_critic);
    sweep("wass_emd_many", sc_emd_many);
    sweep("wass_sinkhorn", sc_sinkhorn);
    sweep("wass_sinkhorn_divergence", sc_sinkhorn_divergence);
    sweep("wass_sinkhorn_divergence_solve", sc_divergence_solve);
    sweep("wass_line", sc_line);
    sweep("wass_sliced", sc_sliced);
    sweep("wass_embed", sc_embed);
    sweep("wass_embed_set", sc_embed_set);
    sweep("wass_embed_set (sparse)", sc_embed_set_sparse);
    sweep("wass_bound_relaxed", sc_bound_relaxed);
    sweep("wass_matrix_read", sc_matrix_read);
    remove(text_path);
    return test_main_end("test_alloc_fail");
}
