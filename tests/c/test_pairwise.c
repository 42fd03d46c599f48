/*
 * test_pairwise.c - wass_pairwise: every entry bitwise the single-pair
 * wass_emd / wass_sinkhorn cost, the same for any thread count and any
 * blocking, symmetric mirroring, and errors naming the bad distribution.
 */
#include "test_util.h"
#include "wass.h"
#include "wass/wmd.h"

#include <stdlib.h>

#define COUNT 9
#define D 3

static double pts[COUNT * 16 * D], wts[COUNT * 16];
static wass_cloud cl[COUNT];

static void make_clouds(void) {
    uint64_t s = 42;
    size_t at = 0;
    for (int k = 0; k < COUNT; k++) {
        size_t n = 4 + (size_t)(k * 5) % 12;
        for (size_t t = 0; t < n * D; t++)
            pts[at * D + t] = test_rand_unif(&s) * 4 - 2;
        double tot = 0;
        for (size_t t = 0; t < n; t++)
            tot += wts[at + t] = 0.1 + test_rand_unif(&s);
        for (size_t t = 0; t < n; t++)
            wts[at + t] /= tot; /* Sinkhorn: equal totals */
        cl[k].n = n;
        cl[k].d = D;
        cl[k].X = pts + at * D;
        cl[k].w = wts + at;
        at += n;
    }
}

static double single(int i, int j, const wass_pairwise_options *po) {
    wass_problem pb = {cl[i].n, cl[j].n, cl[i].w, cl[j].w,
                       wass_cost_points(cl[i].X, cl[j].X, D, wass_ground_make(WASS_EUCLIDEAN, 1))};
    if (po->method == WASS_PAIRWISE_EMD) {
        wass_options o = po->emd;
        o.threads = 1;
        wass_result r;
        int rc = wass_emd(&pb, &o, &r, NULL);
        double c = rc == WASS_OK && r.status == WASS_OPTIMAL ? r.cost : -1;
        wass_result_free(&r);
        return c;
    }
    wass_sinkhorn_options o = po->sinkhorn;
    o.threads = 1;
    wass_sinkhorn_result r;
    int rc = wass_sinkhorn(&pb, &o, &r, NULL);
    double c = rc == WASS_OK && r.status == WASS_CONVERGED ? r.cost : -1;
    wass_sinkhorn_result_free(&r);
    return c;
}

static void bitwise(int method) {
    wass_pairwise_problem pb;
    memset(&pb, 0, sizeof pb);
    pb.A.count = COUNT;
    pb.A.clouds = cl;
    pb.ground = wass_ground_make(WASS_EUCLIDEAN, 1);
    wass_pairwise_options po;
    wass_pairwise_options_default(&po);
    po.method = method;
    po.emd.mass = WASS_MASS_NORMALIZE;
    po.sinkhorn.reg = 0.3;
    double full[COUNT * COUNT], two[COUNT * COUNT];
    wass_error_info err;
    po.threads = 1;
    int rc = wass_pairwise(&pb, NULL, &po, full, NULL, &err);
    CHECK_MSG(rc == WASS_OK, "%s", err.message);
    po.threads = 2;
    CHECK(wass_pairwise(&pb, NULL, &po, two, NULL, &err) == WASS_OK);
    CHECK(memcmp(full, two, sizeof full) == 0);
    for (int i = 0; i < COUNT; i++)
        for (int j = i; j < COUNT; j++) {
            double ref = single(i, j, &po);
            CHECK_MSG(full[i * COUNT + j] == ref, "(%d, %d) %.17g vs %.17g", i, j,
                      full[i * COUNT + j], ref);
            CHECK(full[j * COUNT + i] == full[i * COUNT + j]);
        }
    /* a block off the diagonal equals the same part of the whole matrix */
    wass_block blk = {1, 4, 5, 9};
    double part[3 * 4];
    int st[3 * 4];
    CHECK(wass_pairwise(&pb, &blk, &po, part, st, &err) == WASS_OK);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++) {
            CHECK(part[r * 4 + c] == full[(1 + r) * COUNT + 5 + c]);
            CHECK(st[r * 4 + c] == (method == WASS_PAIRWISE_EMD ? WASS_OPTIMAL : WASS_CONVERGED));
        }
    /* rectangular: B = the last clouds */
    pb.B.count = 4;
    pb.B.clouds = cl + 5;
    double rect[COUNT * 4];
    CHECK(wass_pairwise(&pb, NULL, &po, rect, NULL, &err) == WASS_OK);
    for (int i = 0; i < COUNT; i++)
        for (int j = 0; j < 4; j++)
            CHECK(rect[i * 4 + j] == single(i, 5 + j, &po));
}

static void errors(void) {
    wass_pairwise_problem pb;
    memset(&pb, 0, sizeof pb);
    pb.A.count = COUNT;
    pb.A.clouds = cl;
    pb.ground = wass_ground_make(WASS_EUCLIDEAN, 1);
    double out[COUNT * COUNT];
    wass_error_info err;
    double keep = wts[(size_t)(cl[6].w - wts) + 1];
    wts[(size_t)(cl[6].w - wts) + 1] = -1;
    CHECK(wass_pairwise(&pb, NULL, NULL, out, NULL, &err) == WASS_ERR_NEGATIVE);
    CHECK_MSG(strstr(err.message, "A[6]") != NULL, "%s", err.message);
    /* a block that does not contain distribution 6 is fine */
    wass_block blk = {0, 3, 0, 5};
    wass_pairwise_options po;
    wass_pairwise_options_default(&po);
    po.emd.mass = WASS_MASS_NORMALIZE;
    CHECK(wass_pairwise(&pb, &blk, &po, out, NULL, &err) == WASS_OK);
    wts[(size_t)(cl[6].w - wts) + 1] = keep;
    blk.i1 = COUNT + 1;
    CHECK(wass_pairwise(&pb, &blk, &po, out, NULL, &err) == WASS_ERR_SIZE);
    /* histograms: a zero row, and mass mismatch naming the pair */
    double H[3 * 2] = {0.5, 0.5, 0, 0, 0.25, 0.75}, M[4] = {0, 1, 1, 0};
    memset(&pb, 0, sizeof pb);
    pb.A.count = 3;
    pb.A.H = H;
    pb.A.n = 2;
    pb.M = M;
    pb.p = 1;
    CHECK(wass_pairwise(&pb, NULL, NULL, out, NULL, &err) == WASS_ERR_ZERO_MASS);
    CHECK_MSG(strstr(err.message, "A[1]") != NULL, "%s", err.message);
    H[2] = 1;
    H[3] = 1;
    CHECK(wass_pairwise(&pb, NULL, NULL, out, NULL, &err) == WASS_ERR_MASS_MISMATCH);
    CHECK_MSG(strstr(err.message, "pair (0, 1)") != NULL, "%s", err.message);
    H[2] = 0.5;
    H[3] = 0.5;
    CHECK(wass_pairwise(&pb, NULL, NULL, out, NULL, &err) == WASS_OK);
    CHECK(out[0 * 3 + 2] == 0.25 && out[2 * 3 + 0] == 0.25 && out[0] == 0);
}

/* WMD: each entry bitwise wass_wmd, symmetric mirroring, a bad bag named */
static void wmd(void) {
    const char *words[6] = {"a", "b", "c", "d", "e", "f"};
    float vec[6 * 3];
    uint64_t s = 7;
    for (int t = 0; t < 18; t++)
        vec[t] = (float)(test_rand_unif(&s) * 2 - 1);
    wass_wordvec wv;
    wass_error_info err;
    CHECK(wass_wordvec_from_arrays(words, vec, 6, 3, &wv, &err) == WASS_OK);
    size_t w[5][3] = {{0, 1, 2}, {2, 3, 5}, {1, 4, 5}, {0, 3, 4}, {5, 0, 0}};
    size_t len[5] = {3, 3, 3, 3, 1};
    double wt[5][3] = {{0.2, 0.3, 0.5}, {0.6, 0.2, 0.2}, {1, 1, 2}, {0.25, 0.25, 0.5}, {1, 0, 0}};
    wass_bag bags[5];
    memset(bags, 0, sizeof bags);
    for (int k = 0; k < 5; k++) {
        bags[k].len = len[k];
        bags[k].word = w[k];
        bags[k].weight = wt[k];
        bags[k].count = wt[k];
    }
    /* bag weights sum to 1, as wass_bag_from_* make them */
    for (int t = 0; t < 3; t++)
        wt[2][t] /= 4;
    double Dm[25], R[2 * 3];
    CHECK(wass_wmd_pairwise(&wv, bags, 5, NULL, 0, NULL, NULL, NULL, Dm, NULL, &err) == WASS_OK);
    for (int i = 0; i < 5; i++)
        for (int j = i; j < 5; j++) {
            wass_wmd_result r;
            CHECK(wass_wmd(&wv, &bags[i], &bags[j], NULL, &r, &err) == WASS_OK);
            CHECK_MSG(Dm[i * 5 + j] == r.distance, "(%d, %d)", i, j);
            CHECK(Dm[j * 5 + i] == Dm[i * 5 + j]);
        }
    CHECK(Dm[0] == 0);
    wass_block blk = {1, 3, 2, 5};
    CHECK(wass_wmd_pairwise(&wv, bags, 5, bags, 5, &blk, NULL, NULL, R, NULL, &err) == WASS_OK);
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 3; c++) {
            wass_wmd_result res;
            CHECK(wass_wmd(&wv, &bags[1 + r], &bags[2 + c], NULL, &res, &err) == WASS_OK);
            CHECK(R[r * 3 + c] == res.distance);
        }
    w[2][1] = 9; /* not in the vocabulary */
    CHECK(wass_wmd_pairwise(&wv, bags, 5, NULL, 0, NULL, NULL, NULL, Dm, NULL, &err) ==
          WASS_ERR_SIZE);
    CHECK_MSG(strstr(err.message, "A[2]") != NULL, "%s", err.message);
    wass_wordvec_free(&wv);
}

int main(void) {
    make_clouds();
    wmd();
    bitwise(WASS_PAIRWISE_EMD);
    bitwise(WASS_PAIRWISE_SINKHORN);
    errors();
    return test_main_end("test_pairwise");
}
