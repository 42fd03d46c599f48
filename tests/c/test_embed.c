/*
 * test_embed.c - grid embedding: exact per-level formula for two Diracs,
 * its expectation over random shifts (uniform shift => separation
 * probability min(1, r/h) per level), the two deterministic inequalities
 * that tie the embedding to W1 on random clouds with the exact plan from
 * wass_emd:
 *   W1 <= sqrt(d) * (embed + cell)                      (hierarchical matching)
 *   embed <= sum_ij plan_ij * embed(delta_xi, delta_yj)  (triangle inequality)
 * key packing (sorted unique keys, frame limits, derived coarsening), and
 * bad input.
 */
#include "test_util.h"
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

int main(void) {
    diracs();
    versus_exact();
    frame_rules();
    return test_main_end("test_embed");
}
