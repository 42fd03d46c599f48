/*
 * test_embed.c - grid embedding: exact per-level formula for two Diracs,
 * its expectation over random shifts (uniform shift => separation
 * probability min(1, r/h) per level), the two deterministic inequalities
 * that tie the embedding to W1 on random clouds with the exact plan from
 * wass_emd:
 *   W1 <= sqrt(d) * (embed + cell)                      (hierarchical matching)
 *   embed <= sum_ij plan_ij * embed(delta_xi, delta_yj)  (triangle inequality)
 * key packing (sorted unique keys, frame limits, derived coarsening), and
 * bad input. Embedding sets (wass_embed_set_*): the dense and sparse paths
 * against wass_sparse_l1 on random and degenerate embeddings, the cell
 * limit and the memory rule, both instruction sets' kernels, thread counts.
 */
#include "test_util.h"
#include "approx/embed_internal.h"
#include "wass.h"

#include <stdlib.h>

/* Embedding distance of two Diracs from the frame, computed directly. */
static double dirac_embed(const wass_embed_frame *fr, const double *x, const double *y) {
    double s = 0;
    for (int l = 0; l < fr->levels; l++) {
        double h = ldexp(fr->cell, l);
        int sep = 0;
        for (size_t k = 0; k < fr->d; k++)
            if (floor((x[k] - fr->origin[k]) / h) != floor((y[k] - fr->origin[k]) / h)) sep = 1;
        s += sep ? 2 * h : 0;
    }
    return s;
}

static double embed_dist(const wass_embed_frame *fr, const wass_cloud *P, const wass_cloud *Q) {
    wass_sparse a, b;
    wass_error_info err;
    int r1 = wass_embed(fr, P, &a, &err);
    CHECK_MSG(r1 == WASS_OK, "%s", err.message);
    int r2 = wass_embed(fr, Q, &b, &err);
    CHECK_MSG(r2 == WASS_OK, "%s", err.message);
    double dist = wass_sparse_l1(&a, &b);
    CHECK(wass_sparse_l1(&b, &a) == dist);
    for (size_t t = 1; t < a.len; t++)
        CHECK(a.keys[t - 1] < a.keys[t]);
    wass_sparse_free(&a);
    wass_sparse_free(&b);
    return dist;
}

static void diracs(void) {
    double x[2] = {0.1, 0.2}, y[2] = {0.9, -0.5}, box[4] = {-1, -1, 2, 2};
    double pts[4] = {0.1, 0.2, 0.9, -0.5};
    wass_cloud P = {1, 2, x, NULL}, Q = {1, 2, y, NULL}, B = {2, 2, box, NULL};
    wass_cloud all[3] = {P, Q, B};
    wass_embed_options opt;
    wass_embed_options_default(&opt);
    opt.cell = 1.0 / 64;
    wass_error_info err;
    for (uint64_t seed = 0; seed < 20; seed++) {
        wass_embed_frame fr;
        opt.seed = seed;
        CHECK(wass_embed_frame_init(&fr, all, 3, &opt, &err) == WASS_OK);
        CHECK(fr.levels == 9); /* 3 / (1/64) = 192 -> ceil(log2 192) + 1 */
        CHECK_CLOSE(embed_dist(&fr, &P, &Q), dirac_embed(&fr, x, y), 1e-15);
        /* a two-point cloud against itself is 0 */
        wass_cloud T = {2, 2, pts, NULL};
        CHECK(embed_dist(&fr, &T, &T) == 0);
        wass_embed_frame_free(&fr);
    }
    /* expectation over the shift in 1-D: E = sum_l 2 min(h_l, r) */
    double u = 0.3, v = 0.3 + 0.37, lohi[2] = {0, 1};
    wass_cloud U = {1, 1, &u, NULL}, V = {1, 1, &v, NULL}, H = {2, 1, lohi, NULL};
    wass_cloud c3[3] = {U, V, H};
    opt.cell = 1.0 / 32;
    double mean = 0, want = 0;
    int S = 4000;
    wass_embed_frame fr;
    for (int s = 0; s < S; s++) {
        opt.seed = (uint64_t)s * 7919;
        CHECK(wass_embed_frame_init(&fr, c3, 3, &opt, &err) == WASS_OK);
        mean += embed_dist(&fr, &U, &V) / S;
        if (s == 0)
            for (int l = 0; l < fr.levels; l++)
                want += 2 * fmin(ldexp(fr.cell, l), v - u);
        wass_embed_frame_free(&fr);
    }
    CHECK_MSG(fabs(mean - want) < 0.03 * want, "mean %g want %g", mean, want);
    printf("embed: Dirac pair mean over %d shifts %.4f, expected %.4f\n", S, mean, want);
}

static void versus_exact(void) {
    uint64_t s = 17;
    int cases = 0;
    double ratio_sum = 0, rmin = 1e300, rmax = 0;
    for (int c = 0; c < 24; c++) {
        size_t d = (size_t)(1 + c % 5), n = 20 + (size_t)(c * 7) % 50,
               m = 15 + (size_t)(c * 11) % 40;
        double *X = malloc(n * d * sizeof *X), *Y = malloc(m * d * sizeof *Y),
               *a = malloc(n * sizeof *a);
        for (size_t i = 0; i < n * d; i++)
            X[i] = test_rand_unif(&s) * 4;
        for (size_t i = 0; i < m * d; i++)
            Y[i] = test_rand_unif(&s) * 3 + (c % 3) * 0.5;
        for (size_t i = 0; i < n; i++)
            a[i] = test_rand_unif(&s) + 0.1;
        wass_cloud P = {n, d, X, a}, Q = {m, d, Y, NULL}, both[2] = {P, Q};
        wass_problem pb = {n, m, a, NULL,
                           wass_cost_points(X, Y, d, wass_ground_make(WASS_EUCLIDEAN, 1))};
        wass_options eo;
        wass_options_default(&eo);
        eo.mass = WASS_MASS_NORMALIZE;
        wass_result res;
        wass_error_info err;
        int rc = wass_emd(&pb, &eo, &res, &err);
        CHECK_MSG(rc == WASS_OK && res.status == WASS_OPTIMAL, "emd: %s", err.message);
        if (rc == WASS_OK) {
            wass_embed_options opt;
            wass_embed_options_default(&opt);
            opt.seed = (uint64_t)c;
            wass_embed_frame fr;
            CHECK(wass_embed_frame_init(&fr, both, 2, &opt, &err) == WASS_OK);
            double e = embed_dist(&fr, &P, &Q), w1 = res.cost;
            double up = 0;
            for (size_t k = 0; k < res.plan_len; k++)
                up += res.plan[k].mass *
                      dirac_embed(&fr, X + res.plan[k].i * d, Y + res.plan[k].j * d);
            CHECK_MSG(w1 <= sqrt((double)d) * (e + fr.cell) * (1 + 1e-12),
                      "case %d: W1 %g embed %g cell %g", c, w1, e, fr.cell);
            CHECK_MSG(e <= up * (1 + 1e-12) + 1e-15, "case %d: embed %g > plan bound %g", c, e, up);
            double r = e / w1;
            ratio_sum += r;
            rmin = fmin(rmin, r);
            rmax = fmax(rmax, r);
            cases++;
            wass_embed_frame_free(&fr);
        }
        wass_result_free(&res);
        free(X);
        free(Y);
        free(a);
    }
    CHECK(cases == 24);
    printf("embed/W1 over %d cases: mean %.3f, min %.3f, max %.3f\n", cases, ratio_sum / cases,
           rmin, rmax);
}

static void frame_rules(void) {
    wass_error_info err;
    wass_embed_frame fr;
    wass_embed_options opt;
    wass_embed_options_default(&opt);
    /* all points equal: one level, distance 0 */
    double same[6] = {1, 2, 1, 2, 1, 2};
    wass_cloud S = {3, 2, same, NULL};
    CHECK(wass_embed_frame_init(&fr, &S, 1, &opt, &err) == WASS_OK);
    CHECK(fr.levels == 1 && fr.cell == 1);
    CHECK(embed_dist(&fr, &S, &S) == 0);
    wass_sparse e;
    CHECK(wass_embed(&fr, &S, &e, &err) == WASS_OK);
    CHECK(e.len == 1 && fabs(e.vals[0] - 1.0) < 1e-15);
    wass_sparse_free(&e);
    wass_sparse_free(&e); /* twice is fine */
    /* a point outside the frame */
    double out_pt[2] = {5, 5};
    wass_cloud O = {1, 2, out_pt, NULL};
    CHECK(wass_embed(&fr, &O, &e, &err) == WASS_ERR_INVALID);
    CHECK_MSG(strstr(err.message, "outside the frame") != NULL, "%s", err.message);
    wass_cloud O3 = {1, 1, out_pt, NULL};
    CHECK(wass_embed(&fr, &O3, &e, &err) == WASS_ERR_SIZE);
    wass_embed_frame_free(&fr);
    wass_embed_frame_free(&fr);
    /* derived values: levels = ceil(log2(E / cell)) + 1 with cell = E / (2 n^(1/d)) */
    double line4[4] = {0, 1, 2, 8};
    wass_cloud L4 = {4, 1, line4, NULL};
    CHECK(wass_embed_frame_init(&fr, &L4, 1, &opt, &err) == WASS_OK);
    CHECK_CLOSE(fr.cell, 1.0, 1e-15);
    CHECK(fr.levels == 4);
    wass_embed_frame_free(&fr);
    opt.levels = 3;
    CHECK(wass_embed_frame_init(&fr, &L4, 1, &opt, &err) == WASS_OK);
    CHECK_CLOSE(fr.cell, 2.0, 1e-15);
    wass_embed_frame_free(&fr);
    /* 40 dimensions: a derived frame coarsens until keys fit in 58 bits */
    enum { D = 40, N = 200 };
    double *H = malloc(sizeof(double) * D * N);
    uint64_t s = 5;
    for (int i = 0; i < D * N; i++)
        H[i] = test_rand_unif(&s);
    wass_cloud HC = {N, D, H, NULL}, HC2 = {N / 2, D, H + D * N / 2, NULL};
    opt.levels = 0;
    CHECK(wass_embed_frame_init(&fr, &HC, 1, &opt, &err) == WASS_OK);
    CHECK(fr.levels >= 1);
    double dd = embed_dist(&fr, &HC, &HC2);
    CHECK(dd > 0 && isfinite(dd));
    wass_embed_frame_free(&fr);
    /* the same with a given fine cell is refused */
    opt.cell = 1e-3;
    CHECK(wass_embed_frame_init(&fr, &HC, 1, &opt, &err) == WASS_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(err.message, "bits") != NULL, "%s", err.message);
    CHECK(fr.origin == NULL);
    /* 200 dimensions: with a box of side 1 and one level of side ~2, about
     * half of the coordinates span two cells: far more than 58 bits */
    double *W = calloc(200 * 2, sizeof(double));
    for (int k = 0; k < 200; k++)
        W[200 + k] = 1.0;
    wass_cloud WC = {2, 200, W, NULL};
    opt.cell = 0;
    CHECK(wass_embed_frame_init(&fr, &WC, 1, &opt, &err) == WASS_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(err.message, "d = 200") != NULL, "%s", err.message);
    free(W);
    free(H);
    /* bad options and clouds */
    opt.cell = -1;
    CHECK(wass_embed_frame_init(&fr, &L4, 1, &opt, &err) == WASS_ERR_INVALID);
    opt.cell = 0;
    opt.levels = 99;
    CHECK(wass_embed_frame_init(&fr, &L4, 1, &opt, &err) == WASS_ERR_INVALID);
    opt.levels = 0;
    wass_cloud two[2] = {L4, S};
    CHECK(wass_embed_frame_init(&fr, two, 2, &opt, &err) == WASS_ERR_SIZE);
    CHECK_MSG(strstr(err.message, "cloud 1 has d = 2") != NULL, "%s", err.message);
    line4[2] = NAN;
    CHECK(wass_embed_frame_init(&fr, &L4, 1, &opt, &err) == WASS_ERR_NAN);
    line4[2] = 2;
    double w4[4] = {1, 0, 0, -1};
    L4.w = w4;
    CHECK(wass_embed_frame_init(&fr, &L4, 1, &opt, &err) == WASS_ERR_NEGATIVE);
    CHECK(wass_embed_frame_init(&fr, NULL, 1, &opt, &err) == WASS_ERR_SIZE);
    CHECK(wass_embed(NULL, &L4, &e, &err) == WASS_ERR_INVALID);
    /* zero-weight points leave no entry */
    w4[3] = 0;
    w4[1] = 0;
    CHECK(wass_embed_frame_init(&fr, &L4, 1, &opt, &err) == WASS_OK);
    CHECK(wass_embed(&fr, &L4, &e, &err) == WASS_OK);
    CHECK(e.len == (size_t)fr.levels);
    wass_sparse_free(&e);
    wass_embed_frame_free(&fr);
    CHECK(wass_sparse_l1(NULL, NULL) == 0);
}

static uint64_t rng_state = 88172645463325252ull;
static double urand(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * 0x1.0p-53;
}

static double rel(double a, double b) {
    double m = fmax(fabs(a), fabs(b));
    return m == 0 ? 0 : fabs(a - b) / m;
}

/* every query against every row: the set's answer (opt) against the merge */
static double set_vs_merge(const wass_sparse *rows, size_t nr, const wass_sparse *q, size_t nq,
                           const wass_embed_set_options *opt, int *dense) {
    wass_embed_set set;
    wass_error_info err;
    int rc = wass_embed_set_pack(rows, nr, opt, &set, &err);
    CHECK_MSG(rc == WASS_OK, "%s", err.message);
    if (rc) return INFINITY;
    *dense = set.dense;
    double *out = malloc(nq * nr * sizeof *out), worst = 0;
    rc = wass_embed_set_l1(&set, q, nq, out, &err);
    CHECK_MSG(rc == WASS_OK, "%s", err.message);
    for (size_t i = 0; i < nq && rc == WASS_OK; i++)
        for (size_t r = 0; r < nr; r++)
            worst = fmax(worst, rel(out[i * nr + r], wass_sparse_l1(&q[i], &rows[r])));
    free(out);
    wass_embed_set_free(&set);
    return worst;
}

/* n random clouds of m points (d = 2, random weights) embedded in one frame */
static wass_sparse *random_embeddings(size_t n, size_t m, int levels, wass_embed_frame *fr) {
    double *X = malloc(n * m * 2 * sizeof *X), *W = malloc(n * m * sizeof *W);
    wass_cloud *cl = malloc(n * sizeof *cl);
    for (size_t t = 0; t < n * m * 2; t++)
        X[t] = 30 * urand();
    for (size_t t = 0; t < n * m; t++)
        W[t] = urand() + 1e-3;
    for (size_t i = 0; i < n; i++)
        cl[i] = (wass_cloud){m, 2, X + i * m * 2, W + i * m};
    wass_embed_options o;
    wass_embed_options_default(&o);
    o.seed = 5;
    o.levels = levels;
    wass_error_info err;
    CHECK(wass_embed_frame_init(fr, cl, n, &o, &err) == WASS_OK);
    wass_sparse *e = calloc(n, sizeof *e);
    for (size_t i = 0; i < n; i++)
        CHECK(wass_embed(fr, &cl[i], &e[i], &err) == WASS_OK);
    free(X);
    free(W);
    free(cl);
    return e;
}

static void free_embeddings(wass_sparse *e, size_t n) {
    for (size_t i = 0; i < n; i++)
        wass_sparse_free(&e[i]);
    free(e);
}

static void set_random(void) {
    wass_embed_frame fr;
    size_t n = 40;
    wass_sparse *e = random_embeddings(n, 50, 0, &fr);
    int dense = 0;
    wass_embed_set_options o;
    wass_embed_set_options_default(&o);
    /* rows 0..29, queries 25..39: some in the set, some with cells it lacks */
    CHECK(set_vs_merge(e, 30, e + 25, 15, &o, &dense) <= 1e-12);
    CHECK(dense == 1);
    o.max_cells = 1; /* sparse: the merge itself, exactly */
    CHECK(set_vs_merge(e, 30, e + 25, 15, &o, &dense) == 0);
    CHECK(dense == 0);
    /* threads: the same bits */
    wass_embed_set s1, s2;
    wass_error_info err;
    wass_embed_set_options_default(&o);
    o.threads = 1;
    CHECK(wass_embed_set_pack(e, n, &o, &s1, &err) == WASS_OK);
    o.threads = 2;
    CHECK(wass_embed_set_pack(e, n, &o, &s2, &err) == WASS_OK);
    double *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b);
    CHECK(wass_embed_set_l1(&s1, e, n, a, &err) == WASS_OK);
    CHECK(wass_embed_set_l1(&s2, e, n, b, &err) == WASS_OK);
    CHECK(memcmp(a, b, n * n * sizeof *a) == 0);
    /* one query at a time gives what a block gives; symmetric, zero diagonal */
    int same = 1, sym = 1;
    for (size_t i = 0; i < n; i++) {
        CHECK(wass_embed_set_l1(&s1, &e[i], 1, b, &err) == WASS_OK);
        same &= memcmp(b, a + i * n, n * sizeof *b) == 0;
        for (size_t j = 0; j < n; j++)
            sym &= a[i * n + j] == a[j * n + i] && (i != j || a[i * n + j] == 0);
    }
    CHECK(same);
    CHECK(sym);
    wass_embed_set_free(&s1);
    wass_embed_set_free(&s2);
    free(a);
    free(b);
    free_embeddings(e, n);
    wass_embed_frame_free(&fr);
    /* one level */
    e = random_embeddings(12, 30, 1, &fr);
    wass_embed_set_options_default(&o);
    CHECK(set_vs_merge(e, 12, e, 12, &o, &dense) <= 1e-12);
    CHECK(dense == 1);
    free_embeddings(e, 12);
    wass_embed_frame_free(&fr);
}

static void set_degenerate(void) {
    uint64_t k1[3] = {1, 5, 9}, k2[3] = {2, 6, 10};
    double v1[3] = {0.5, 0.25, 0.25}, v2[3] = {0.125, 0.375, 0.5};
    wass_sparse rows[4] = {{0, NULL, NULL}, {3, k1, v1}, {3, k2, v2}, {3, k1, v1}};
    wass_sparse q[3] = {{3, k1, v1}, {0, NULL, NULL}, {3, k2, v2}};
    wass_embed_set_options o;
    wass_embed_set_options_default(&o);
    int dense = 0;
    /* empty rows and queries, identical, disjoint keys */
    CHECK(set_vs_merge(rows, 4, q, 3, &o, &dense) <= 1e-12);
    CHECK(dense == 1);
    wass_embed_set set;
    wass_error_info err;
    double out[12];
    CHECK(wass_embed_set_pack(rows, 4, &o, &set, &err) == WASS_OK);
    CHECK(set.cells == 6 && set.ld == 8);
    CHECK(wass_embed_set_l1(&set, q, 3, out, &err) == WASS_OK);
    CHECK(out[0] == 1 && out[1] == 0 && out[2] == 2 && out[3] == 0); /* query k1 */
    CHECK(out[4] == 0 && out[5] == 1 && out[6] == 1);                /* empty query */
    wass_embed_set_free(&set);
    /* a set of empty rows only: every distance is the query's mass */
    wass_sparse empty[2] = {{0, NULL, NULL}, {0, NULL, NULL}};
    CHECK(wass_embed_set_pack(empty, 2, &o, &set, &err) == WASS_OK);
    CHECK(wass_embed_set_l1(&set, q, 1, out, &err) == WASS_OK);
    CHECK(out[0] == 1 && out[1] == 1);
    wass_embed_set_free(&set);
    /* the cell limit: dense at it, sparse just over it, same answers */
    wass_embed_frame fr;
    wass_sparse *e = random_embeddings(20, 40, 0, &fr);
    CHECK(wass_embed_set_pack(e, 20, &o, &set, &err) == WASS_OK);
    size_t cells = set.cells;
    wass_embed_set_free(&set);
    o.max_cells = cells;
    CHECK(set_vs_merge(e, 20, e, 20, &o, &dense) <= 1e-12);
    CHECK(dense == 1);
    o.max_cells = cells - 1;
    CHECK(set_vs_merge(e, 20, e, 20, &o, &dense) == 0);
    CHECK(dense == 0);
    free_embeddings(e, 20);
    wass_embed_frame_free(&fr);
    /* the memory rule: rows with few, all different keys stay sparse */
    uint64_t kk[64];
    double vv[64];
    wass_sparse many[64];
    for (int i = 0; i < 64; i++) {
        kk[i] = 1000 + 7 * (uint64_t)i;
        vv[i] = 1.0 + i;
        many[i] = (wass_sparse){1, kk + i, vv + i};
    }
    wass_embed_set_options_default(&o);
    CHECK(set_vs_merge(many, 64, many, 3, &o, &dense) == 0);
    CHECK(dense == 0);
}

/* each instruction set's kernel: bitwise the same sums */
static void set_isa(void) {
    size_t ld = 1032; /* three chunks, the last partial */
    double *row = malloc(ld * sizeof *row), *qs = malloc(4 * ld * sizeof *qs);
    for (size_t j = 0; j < ld; j++)
        row[j] = urand() < 0.3 ? 0 : urand();
    for (size_t j = 0; j < 4 * ld; j++)
        qs[j] = urand() < 0.3 ? 0 : urand() * 1e-3;
    double r[2][4], r1[2][4];
    int have = wass__embed_isa();
    for (int isa = 0; isa <= have; isa++) {
        CHECK(wass__embed_l1_dense(isa, row, qs, ld, 4, r[isa]) == 0);
        for (int q = 0; q < 4; q++)
            CHECK(wass__embed_l1_dense(isa, row, qs + q * ld, ld, 1, &r1[isa][q]) == 0);
        CHECK(memcmp(r[isa], r1[isa], sizeof r[isa]) == 0);
    }
    CHECK(memcmp(r[0], r[have], sizeof r[0]) == 0);
    /* against a compensated sum: within the documented bound */
    for (int q = 0; q < 4; q++) {
        long double s = 0;
        for (size_t j = 0; j < ld; j++)
            s += fabsl((long double)row[j] - (long double)qs[q * ld + j]);
        CHECK(rel(r[0][q], (double)s) <= (70.0 + ld / 512.0) * 0x1.0p-53);
    }
    CHECK(wass__embed_l1_dense(0, row, qs, ld, 3, r[0]) == -1);
    CHECK(wass__embed_l1_dense(have + 1, row, qs, ld, 1, r[0]) == -1);
    printf("embed set kernels: %s\n", have ? "baseline and AVX2 agree" : "baseline only");
    free(row);
    free(qs);
}

static void set_build_and_errors(void) {
    double X[12] = {0, 0, 1, 0, 2, 1, 3, 3, 0, 2, 1, 1}, Y[4] = {9, 9, 0, 0};
    wass_cloud cl[3] = {{2, 2, X, NULL}, {2, 2, X + 4, NULL}, {2, 2, X + 8, NULL}};
    wass_embed_frame fr;
    wass_error_info err;
    CHECK(wass_embed_frame_init(&fr, cl, 3, NULL, &err) == WASS_OK);
    wass_embed_set set, packed;
    CHECK(wass_embed_set_build(&fr, cl, 3, NULL, &set, &err) == WASS_OK);
    wass_sparse e[3];
    for (int i = 0; i < 3; i++)
        CHECK(wass_embed(&fr, &cl[i], &e[i], &err) == WASS_OK);
    CHECK(wass_embed_set_pack(e, 3, NULL, &packed, &err) == WASS_OK);
    double a[9], b[9];
    CHECK(wass_embed_set_l1_clouds(&set, cl, 3, a, &err) == WASS_OK);
    CHECK(wass_embed_set_l1(&packed, e, 3, b, &err) == WASS_OK);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(rel(a[1], wass_sparse_l1(&e[0], &e[1])) <= 1e-12);
    /* bad input */
    wass_cloud out_of_box = {2, 2, Y, NULL}, d3 = {1, 3, X, NULL};
    CHECK(wass_embed_set_l1_clouds(&set, &out_of_box, 1, a, &err) == WASS_ERR_INVALID);
    CHECK_MSG(strstr(err.message, "query 0") && strstr(err.message, "bounding box"), "%s",
              err.message);
    CHECK(wass_embed_set_l1_clouds(&set, &d3, 1, a, &err) == WASS_ERR_SIZE);
    CHECK(wass_embed_set_l1_clouds(&packed, cl, 1, a, &err) == WASS_ERR_INVALID);
    CHECK_MSG(strstr(err.message, "no frame") != NULL, "%s", err.message);
    wass_embed_set_free(&set);
    CHECK(wass_embed_set_l1(NULL, e, 1, a, &err) == WASS_ERR_INVALID);
    CHECK(wass_embed_set_l1(&packed, NULL, 1, a, &err) == WASS_ERR_INVALID);
    CHECK(wass_embed_set_l1(&packed, e, 1, NULL, &err) == WASS_ERR_INVALID);
    CHECK(wass_embed_set_l1(&packed, e, 0, a, &err) == WASS_ERR_SIZE);
    uint64_t bk[2] = {5, 5};
    double bv[2] = {1, 1};
    wass_sparse bad = {2, bk, bv};
    CHECK(wass_embed_set_l1(&packed, &bad, 1, a, &err) == WASS_ERR_INVALID);
    CHECK_MSG(strstr(err.message, "query 0") && strstr(err.message, "strictly increasing"), "%s",
              err.message);
    CHECK(wass_embed_set_pack(&bad, 1, NULL, &set, &err) == WASS_ERR_INVALID); /* frees set */
    CHECK_MSG(strstr(err.message, "embedding 0") != NULL, "%s", err.message);
    bk[1] = 6;
    bv[1] = NAN;
    CHECK(wass_embed_set_l1(&packed, &bad, 1, a, &err) == WASS_ERR_NAN);
    wass_sparse nokeys = {2, NULL, NULL};
    CHECK(wass_embed_set_pack(&nokeys, 1, NULL, &set, &err) == WASS_ERR_INVALID);
    CHECK(wass_embed_set_pack(e, 0, NULL, &set, &err) == WASS_ERR_SIZE);
    CHECK(wass_embed_set_pack(NULL, 1, NULL, &set, &err) == WASS_ERR_INVALID);
    CHECK(wass_embed_set_pack(e, 1, NULL, NULL, &err) == WASS_ERR_INVALID);
    CHECK(wass_embed_set_build(NULL, cl, 3, NULL, &set, &err) == WASS_ERR_INVALID);
    CHECK(wass_embed_set_build(&fr, cl, 0, NULL, &set, &err) == WASS_ERR_SIZE);
    CHECK(wass_embed_set_build(&fr, &out_of_box, 1, NULL, &set, &err) == WASS_ERR_INVALID);
    CHECK_MSG(strstr(err.message, "cloud 0") != NULL, "%s", err.message);
    wass_embed_set_free(&packed);
    wass_embed_set_free(NULL);
    for (int i = 0; i < 3; i++)
        wass_sparse_free(&e[i]);
    wass_embed_frame_free(&fr);
}

int main(void) {
    diracs();
    versus_exact();
    frame_rules();
    set_random();
    set_degenerate();
    set_isa();
    set_build_and_errors();
    return test_main_end("test_embed");
}
