/*
 * test_certify_grid.c - the certificate's row minima on a product grid
 * (certify_grid.c) against the full scan: a lower bound of min_j (C_ij - v_j)
 * on every row, within a few units of roundoff of it; the cases it must
 * leave to the full scan; and whole certificates of grid problems through
 * wass_certify against the same problems with a callback cost (scanned pair
 * by pair).
 */
#include "test_util.h"
#include "exact/emd_internal.h"
#include "wass.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long rng_state = 88172645463325252ULL;
static double unif(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * 0x1p-53;
}

/* The full scan's row minimum of fl(C_ij - v_j), the library's costs. */
static double brute_rowmin(const wass_problem *pb, const double *v, size_t i) {
    double mn = INFINITY;
    for (size_t j = 0; j < pb->m; j++) {
        double r = wass_cost_eval(&pb->cost, i, j) - v[j];
        mn = r < mn ? r : mn;
    }
    return mn;
}

/* Grid columns (gx x gy cells, some empty, some doubled), rows on a few
 * distinct first or second coordinates; returns the largest gap between the
 * bound and the scan, in units of u (|min| + max |v|) (certify_grid.c's
 * margin is 8 of them), or -1 when a bound exceeded the scan. */
static double one_case(size_t gx, size_t gy, size_t n, size_t distinct, int swap, double scale,
                       double vscale, int *applied) {
    double *gxv = malloc(gx * sizeof *gxv), *gyv = malloc(gy * sizeof *gyv);
    double *Y = malloc(2 * (2 * gx * gy) * sizeof *Y), *X = malloc(2 * n * sizeof *X);
    double *v = malloc(2 * gx * gy * sizeof *v), *rm = malloc(n * sizeof *rm);
    for (size_t a = 0; a < gx; a++)
        gxv[a] = scale * ((double)a + 0.3 * unif());
    for (size_t b = 0; b < gy; b++)
        gyv[b] = scale * ((double)b + 0.3 * unif());
    size_t m = 0;
    for (size_t a = 0; a < gx; a++)
        for (size_t b = 0; b < gy; b++) {
            double u = unif();
            if (u < 0.1) continue; /* an empty cell */
            int copies = u > 0.95 ? 2 : 1;
            for (int c = 0; c < copies; c++) {
                Y[2 * m] = gxv[a];
                Y[2 * m + 1] = gyv[b];
                v[m] = vscale * (unif() - 0.5);
                m++;
            }
        }
    for (size_t i = 0; i < n; i++) {
        double fixed = scale * (double)(i % distinct) * 1.7, free_ = scale * 40.0 * unif();
        X[2 * i + (swap ? 1 : 0)] = fixed;
        X[2 * i + (swap ? 0 : 1)] = free_;
    }
    wass_problem pb = {n, m, NULL, NULL,
                       wass_cost_points(X, Y, 2, wass_ground_make(WASS_SQEUCLIDEAN, 1))};
    double maxc = 0;
    *applied = wass__cert_rowmin_grid(&pb, v, 2, rm, &maxc);
    double worst = 0;
    if (*applied) {
        double maxv = 0, maxp = 0;
        for (size_t j = 0; j < m; j++)
            maxv = fmax(maxv, fabs(v[j]));
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < m; j++)
                maxp = fmax(maxp, wass_cost_eval(&pb.cost, i, j));
        CHECK_MSG(maxc >= maxp, "largest cost %.17g below the scan's %.17g", maxc, maxp);
        for (size_t i = 0; i < n; i++) {
            double br = brute_rowmin(&pb, v, i);
            if (rm[i] > br) {
                worst = -1;
                CHECK_MSG(0, "row %zu: bound %.17g above the scan's minimum %.17g", i, rm[i], br);
                break;
            }
            double gap = (br - rm[i]) / (0x1p-53 * (fabs(br) + maxv));
            worst = fmax(worst, gap);
        }
    }
    free(gxv);
    free(gyv);
    free(Y);
    free(X);
    free(v);
    free(rm);
    return worst;
}

static void test_rowmin_bounds(void) {
    static const double scales[] = {1.0, 1.0 / 256, 1e-40, 1e40};
    for (int s = 0; s < 4; s++)
        for (int swap = 0; swap < 2; swap++)
            for (int rep = 0; rep < 3; rep++) {
                int applied = 0;
                double sc = scales[s], vs = sc * sc * (rep == 2 ? 1e6 : 400.0);
                double worst = one_case(24 + rep, 21, 480, 12, swap, sc, vs, &applied);
                CHECK_MSG(applied, "grid case not applied (scale %g, swap %d)", sc, swap);
                CHECK_MSG(worst >= 0 && worst <= 12.0,
                          "scale %g swap %d rep %d: bound %.3g u (|min| + max |v|) below the scan",
                          sc, swap, rep, worst);
            }
}

static void test_not_applicable(void) {
    enum { N = 300 };
    double X[3 * N], Y[3 * N], v[N], rm[N], maxc;
    for (size_t k = 0; k < 3 * N; k++) {
        X[k] = unif();
        Y[k] = unif();
    }
    for (size_t j = 0; j < N; j++)
        v[j] = unif();
    /* scattered columns: far from a grid */
    wass_problem pb = {N, N, NULL, NULL,
                       wass_cost_points(X, Y, 2, wass_ground_make(WASS_SQEUCLIDEAN, 1))};
    CHECK(wass__cert_rowmin_grid(&pb, v, 1, rm, &maxc) == 0);
    /* a grid, but in space, or another cost */
    for (size_t j = 0; j < N; j++) {
        Y[2 * j] = (double)(j % 20);
        Y[2 * j + 1] = (double)(j / 20);
        X[2 * j] = (double)(j % 3);
    }
    CHECK(wass__cert_rowmin_grid(&pb, v, 1, rm, &maxc) == 1);
    pb.cost.ground = wass_ground_make(WASS_EUCLIDEAN, 1);
    CHECK(wass__cert_rowmin_grid(&pb, v, 1, rm, &maxc) == 0);
    pb.cost.ground = wass_ground_make(WASS_SQEUCLIDEAN, 2);
    CHECK(wass__cert_rowmin_grid(&pb, v, 1, rm, &maxc) == 0);
    pb.cost.ground = wass_ground_make(WASS_SQEUCLIDEAN, 1);
    pb.cost.d = 3;
    CHECK(wass__cert_rowmin_grid(&pb, v, 1, rm, &maxc) == 0);
    pb.cost.d = 2;
    /* a difference whose square underflows (left to the full scan, which
     * refuses it), one whose square overflows (likewise) */
    double keep = X[0];
    X[0] = Y[0] + 1e-170;
    CHECK(wass__cert_rowmin_grid(&pb, v, 1, rm, &maxc) == 0);
    X[0] = 1e200;
    CHECK(wass__cert_rowmin_grid(&pb, v, 1, rm, &maxc) == 0);
    X[0] = keep;
    CHECK(wass__cert_rowmin_grid(&pb, v, 1, rm, &maxc) == 1);
}

typedef struct {
    const wass_cost *pts;
} cb_user;

static double cb_cost(size_t i, size_t j, void *user) {
    return wass_cost_eval(((const cb_user *)user)->pts, i, j);
}

/* Two images on a side x side grid (pixel centres in grid units, masses
 * positive, a tenth of the second image's pixels dropped as zero): the
 * solve's certificate (grid row minima) against wass_certify of the same
 * result with the costs through a callback (every pair scanned). */
static void test_certify_images(size_t side, double unit) {
    size_t N = side * side;
    double *X = malloc(2 * N * sizeof *X), *Y = malloc(2 * N * sizeof *Y);
    double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    size_t m = 0;
    double sa = 0, sb = 0;
    for (size_t r = 0; r < side; r++)
        for (size_t c = 0; c < side; c++) {
            size_t i = r * side + c;
            X[2 * i] = unit * ((double)c + 0.5);
            X[2 * i + 1] = unit * ((double)r + 0.5);
            a[i] = 0.05 + unif() * (1.0 + sin(0.3 * (double)(r + c)));
            sa += a[i];
            if (unif() < 0.1) continue;
            Y[2 * m] = unit * ((double)c + 0.5);
            Y[2 * m + 1] = unit * ((double)r + 0.5);
            b[m] = 0.05 + unif() * (1.0 + cos(0.2 * (double)r * (double)c / (double)side));
            sb += b[m++];
        }
    for (size_t i = 0; i < N; i++)
        a[i] /= sa;
    for (size_t j = 0; j < m; j++)
        b[j] /= sb;
    wass_problem pb = {N, m, a, b,
                       wass_cost_points(X, Y, 2, wass_ground_make(WASS_SQEUCLIDEAN, 1))};
    wass_options opt;
    wass_options_default(&opt);
    opt.threads = 2;
    wass_result res;
    wass_error_info err;
    int rc = wass_emd(&pb, &opt, &res, &err);
    CHECK_MSG(rc == WASS_OK, "solve: %s", err.message);
    if (rc == WASS_OK) {
        CHECK(res.cert.checked && res.cert.certified);
        cb_user u = {&pb.cost};
        wass_problem pc = pb;
        pc.cost = wass_cost_callback(cb_cost, &u, 1.0);
        wass_certificate full;
        CHECK(wass_certify(&pc, &opt, &res, &full) == WASS_OK);
        CHECK(full.certified);
        CHECK_CLOSE(res.cert.primal, full.primal, 1e-15 * fabs(full.primal));
        /* the grid bound is a few units of roundoff of the costs wider */
        CHECK_MSG(res.cert.gap_bound >= full.gap_bound * (1 - 1e-9) &&
                      res.cert.gap_bound <=
                          full.gap_bound + 64 * 0x1p-53 * 2 * unit * unit * (double)(side * side),
                  "gap bound %.6g (grid) against %.6g (all pairs)", res.cert.gap_bound,
                  full.gap_bound);
        CHECK_MSG(fabs(res.cert.min_reduced_cost - full.min_reduced_cost) < 1e-13,
                  "min reduced cost %.3g (grid) against %.3g", res.cert.min_reduced_cost,
                  full.min_reduced_cost);
    }
    wass_result_free(&res);
    free(X);
    free(Y);
    free(a);
    free(b);
}

int main(void) {
    test_rowmin_bounds();
    test_not_applicable();
    test_certify_images(48, 1.0);
    test_certify_images(48, 1.0 / 48);
    return test_main_end("test_certify_grid");
}
