/*
 * test_grid_emd.c - the grid W1 solver (L1: 4 neighbours, L-infinity: 8)
 * against the dense network simplex with the cityblock / chebyshev cost
 * between pixel positions, on random sparse and dense images up to 64 x 64
 * (odd and thin grids among them, for the multiscale start);
 * its certificate, and the certificate catching a spoiled answer; the L2
 * solve against the dense simplex with the euclidean cost.
 */
#include "test_util.h"
#include "wass.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double dense_w1(const double *a, const double *b, size_t rows, size_t cols,
                       wass_metric metric, double spacing) {
    size_t N = rows * cols;
    double *X = malloc(N * 2 * sizeof *X);
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) {
            X[2 * (r * cols + c)] = c * spacing;
            X[2 * (r * cols + c) + 1] = r * spacing;
        }
    wass_problem pb = {N, N, a, b, wass_cost_points(X, X, 2, wass_ground_make(metric, 1))};
    wass_options opt;
    wass_options_default(&opt);
    opt.mass = WASS_MASS_NORMALIZE;
    opt.algorithm = N > 2000 ? WASS_ALGO_AUTO : WASS_ALGO_SIMPLEX;
    opt.want_plan = 0;
    wass_result res;
    int rc = wass_emd(&pb, &opt, &res, NULL);
    double out = rc == WASS_OK && res.status == WASS_OPTIMAL ? res.cost : NAN;
    CHECK(rc == WASS_OK && res.status == WASS_OPTIMAL);
    wass_result_free(&res);
    free(X);
    return out;
}

static void random_image(double *x, size_t N, double density, uint64_t *st) {
    for (size_t i = 0; i < N; i++)
        x[i] = test_rand_unif(st) < density ? test_rand_unif(st) : 0.0;
    x[test_rand_u64(st) % N] += 0.5; /* never empty */
}

/* L2: the moves conserve mass (net outflow = a - b), cost = sum mass x
 * distance, the potential is 1-Lipschitz over all pixel pairs and its value
 * is the cost. */
static void check_l2_result(const double *a, const double *b, size_t rows, size_t cols,
                            const wass_grid_result *res, double spacing) {
    size_t N = rows * cols;
    double sa = 0, sb = 0, *net = calloc(N, sizeof *net), work = 0, val = 0, lip = 0;
    for (size_t u = 0; u < N; u++)
        sa += a[u], sb += b[u];
    for (size_t k = 0; k < res->nmoves; k++) {
        const wass_grid_move *mv = &res->moves[k];
        CHECK(mv->from < N && mv->to < N && mv->mass > 0);
        CHECK(a[mv->from] / sa > b[mv->from] / sb && b[mv->to] / sb > a[mv->to] / sa);
        net[mv->from] += mv->mass;
        net[mv->to] -= mv->mass;
        double dr = (double)(mv->from / cols) - (double)(mv->to / cols);
        double dc = (double)(mv->from % cols) - (double)(mv->to % cols);
        work += mv->mass * spacing * sqrt(dr * dr + dc * dc);
    }
    double merr = 0;
    for (size_t u = 0; u < N; u++) {
        merr = fmax(merr, fabs(net[u] - (a[u] / sa - b[u] / sb)));
        val += (a[u] / sa - b[u] / sb) * res->potential[u];
    }
    CHECK(merr < 1e-12);
    CHECK_CLOSE(work, res->cost, 1e-12);
    CHECK_CLOSE(val, res->cost, 1e-9);
    for (size_t u = 0; u < N && N <= 1600; u++)
        for (size_t v = 0; v < N; v++) {
            double dr = (double)(u / cols) - (double)(v / cols);
            double dc = (double)(u % cols) - (double)(v % cols);
            lip = fmax(lip,
                       res->potential[u] - res->potential[v] - spacing * sqrt(dr * dr + dc * dc));
        }
    CHECK(lip < 1e-9);
    free(net);
}

/* L2 against the dense simplex with the euclidean cost (multiscale from 8 x
 * 8 on), identical images, and the column-generation path (more than 4
 * million pixel pairs) on one row, where W1 is the L1 distance of the CDFs. */
static void test_euclidean(uint64_t *st) {
    static const size_t sizes[][2] = {{1, 1},  {1, 9},   {4, 3},   {8, 8},
                                      {9, 13}, {28, 28}, {33, 40}, {40, 40}};
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        size_t rows = sizes[t][0], cols = sizes[t][1], N = rows * cols;
        double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
        for (int rep = 0; rep < 2; rep++) {
            random_image(a, N, rep ? 0.3 : 1.0, st);
            random_image(b, N, rep ? 0.3 : 1.0, st);
            wass_grid_options opt;
            wass_grid_options_default(&opt);
            opt.metric = WASS_GRID_L2;
            opt.spacing = rep ? 0.5 : 1.0;
            wass_grid_result res;
            wass_error_info err;
            int rc = wass_grid_emd(a, b, rows, cols, &opt, &res, &err);
            CHECK_MSG(rc == WASS_OK && res.status == WASS_OPTIMAL, "%zu x %zu: %s %s", rows, cols,
                      err.message, res.message);
            CHECK(res.edges == 0 && res.flows == NULL);
            CHECK(res.cert.checked && res.cert.certified && res.cert.duality_gap <= 1e-9);
            CHECK_CLOSE(res.cost, dense_w1(a, b, rows, cols, WASS_EUCLIDEAN, opt.spacing), 1e-9);
            check_l2_result(a, b, rows, cols, &res, opt.spacing);
            CHECK(wass_grid_certify(a, b, rows, cols, &opt, res.potential, res.potential, &res.cert,
                                    &err) == WASS_ERR_INVALID);
            wass_grid_result_free(&res);
        }
        free(a);
        free(b);
    }
    {
        double a[6] = {1, 2, 3, 0, 0, 4};
        wass_grid_options opt;
        wass_grid_options_default(&opt);
        opt.metric = WASS_GRID_L2;
        wass_grid_result res;
        CHECK(wass_grid_emd(a, a, 2, 3, &opt, &res, NULL) == WASS_OK);
        CHECK(res.status == WASS_OPTIMAL && res.cost == 0 && res.nmoves == 0);
        wass_grid_result_free(&res);
        /* a pivot limit is reported, not a silent answer; an unknown metric refused */
        double a1[64], c[64];
        random_image(a1, 64, 1.0, st);
        random_image(c, 64, 1.0, st);
        opt.max_iter = 1;
        CHECK(wass_grid_emd(a1, c, 8, 8, &opt, &res, NULL) == WASS_OK);
        CHECK(res.status == WASS_ITERATION_LIMIT);
        wass_grid_result_free(&res);
        opt.metric = 3;
        wass_error_info err;
        CHECK(wass_grid_emd(a1, c, 8, 8, &opt, &res, &err) == WASS_ERR_INVALID);
        CHECK(strstr(err.message, "metric") != NULL);
    }
    {
        size_t N = 4200;
        double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b), sa = 0, sb = 0;
        for (size_t u = 0; u < N; u++) {
            a[u] = u % 2 ? test_rand_unif(st) : 0.0; /* 2100 sources x 2100 sinks */
            b[u] = u % 2 ? 0.0 : test_rand_unif(st);
            sa += a[u];
            sb += b[u];
        }
        double want = 0, Fa = 0, Fb = 0;
        for (size_t u = 0; u + 1 < N; u++) {
            Fa += a[u] / sa;
            Fb += b[u] / sb;
            want += fabs(Fa - Fb);
        }
        wass_grid_options opt;
        wass_grid_options_default(&opt);
        opt.metric = WASS_GRID_L2;
        wass_grid_result res;
        wass_error_info err;
        int rc = wass_grid_emd(a, b, 1, N, &opt, &res, &err);
        CHECK_MSG(rc == WASS_OK && res.status == WASS_OPTIMAL, "1 x %zu: %s %s", N, err.message,
                  res.message);
        CHECK_CLOSE(res.cost, want, 1e-9);
        check_l2_result(a, b, 1, N, &res, 1.0);
        wass_grid_result_free(&res);
        free(a);
        free(b);
    }
}

int main(void) {
    uint64_t st = 42;
    /* from 64 pixels on the solve is multiscale (2 x 2 blocks, down to fewer
     * than 64 pixels): odd sizes leave partial blocks, thin grids pool to
     * a single row or column */
    static const size_t sizes[][2] = {{1, 1},   {1, 7},   {5, 1},   {3, 4},   {8, 8},
                                      {13, 9},  {2, 90},  {3, 129}, {1, 300}, {65, 3},
                                      {28, 28}, {40, 33}, {64, 64}};
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        size_t rows = sizes[t][0], cols = sizes[t][1], N = rows * cols;
        double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
        for (int rep = 0; rep < (N > 2000 ? 1 : 4); rep++) {
            double density = rep % 2 ? 0.3 : 1.0;
            random_image(a, N, density, &st);
            random_image(b, N, density, &st);
            for (int metric = 0; metric < 2; metric++) {
                double spacing = rep == 1 ? 0.5 : 1.0;
                wass_grid_options opt;
                wass_grid_options_default(&opt);
                opt.metric = metric;
                opt.spacing = spacing;
                wass_grid_result res;
                wass_error_info err;
                int rc = wass_grid_emd(a, b, rows, cols, &opt, &res, &err);
                CHECK_MSG(rc == WASS_OK && res.status == WASS_OPTIMAL, "%zu x %zu: %s %s", rows,
                          cols, err.message, res.message);
                double want =
                    dense_w1(a, b, rows, cols, metric ? WASS_CHEBYSHEV : WASS_CITYBLOCK, spacing);
                CHECK_CLOSE(res.cost, want, 1e-9);
                CHECK(res.cert.checked && res.cert.duality_gap <= 1e-9);
                CHECK(res.cert.marginal_error <= 1e-12);
                CHECK_CLOSE(res.cert.dual, want, 1e-9);
                /* spoil the potential: the certificate must see it */
                if (N > 4) {
                    res.potential[N / 2] += 3 * spacing;
                    wass_certificate c2;
                    CHECK(wass_grid_certify(a, b, rows, cols, &opt, res.flows, res.potential, &c2,
                                            NULL) == WASS_OK);
                    CHECK(c2.min_reduced_cost < -0.9);
                    CHECK(c2.dual <= want * (1 + 1e-9));
                    /* spoil a flow: the marginals must show it */
                    res.potential[N / 2] -= 3 * spacing;
                    res.flows[cols > 1 ? 0 : 1] += 0.01;
                    CHECK(wass_grid_certify(a, b, rows, cols, &opt, res.flows, res.potential, &c2,
                                            NULL) == WASS_OK);
                    CHECK(c2.marginal_error > 0.009);
                }
                wass_grid_result_free(&res);
            }
        }
        free(a);
        free(b);
    }
    test_euclidean(&st);
    /* the same image: distance 0 */
    {
        double a[6] = {1, 2, 3, 0, 0, 4};
        wass_grid_result res;
        CHECK(wass_grid_emd(a, a, 2, 3, NULL, &res, NULL) == WASS_OK);
        CHECK(res.status == WASS_OPTIMAL && res.cost == 0);
        wass_grid_result_free(&res);
    }
    /* hand-made: a unit mass moved 3 right and 2 down: L1 = 5, Linf = 3 */
    {
        double a[16] = {0}, b[16] = {0};
        a[0] = 1;
        b[2 * 4 + 3] = 1;
        wass_grid_options opt;
        wass_grid_options_default(&opt);
        wass_grid_result res;
        CHECK(wass_grid_emd(a, b, 4, 4, &opt, &res, NULL) == WASS_OK);
        CHECK_CLOSE(res.cost, 5, 1e-15);
        wass_grid_result_free(&res);
        opt.metric = WASS_GRID_LINF;
        CHECK(wass_grid_emd(a, b, 4, 4, &opt, &res, NULL) == WASS_OK);
        CHECK_CLOSE(res.cost, 3, 1e-15);
        wass_grid_result_free(&res);
    }
    /* errors */
    {
        double a[4] = {1, 0, 0, 0}, b[4] = {0, 0, 0, 0}, n[4] = {1, -1, 0, 0};
        wass_grid_result res;
        wass_error_info err;
        CHECK(wass_grid_emd(a, b, 2, 2, NULL, &res, &err) == WASS_ERR_ZERO_MASS);
        CHECK(wass_grid_emd(a, n, 2, 2, NULL, &res, &err) == WASS_ERR_NEGATIVE);
        CHECK(wass_grid_emd(a, a, 0, 2, NULL, &res, &err) == WASS_ERR_SIZE);
        CHECK(wass_grid_emd(a, a, (size_t)1 << 40, (size_t)1 << 40, NULL, &res, &err) ==
              WASS_ERR_SIZE);
        wass_grid_options opt;
        wass_grid_options_default(&opt);
        opt.spacing = 0;
        CHECK(wass_grid_emd(a, a, 2, 2, &opt, &res, &err) == WASS_ERR_INVALID);
        wass_grid_result_free(&res);
        /* pivot limit: reported, not a silent answer */
        double a1[64], c[64];
        random_image(a1, 64, 1.0, &st);
        random_image(c, 64, 1.0, &st);
        wass_grid_options_default(&opt);
        opt.max_iter = 1;
        CHECK(wass_grid_emd(a1, c, 8, 8, &opt, &res, &err) == WASS_OK);
        CHECK(res.status == WASS_ITERATION_LIMIT);
        wass_grid_result_free(&res);
    }
    return test_main_end("test_grid_emd");
}
