/*
 * test_emd_reference.c - the exact solver against two independent solvers
 * (POT's network simplex and scipy's HiGHS) on >= 1000 random problems
 * written by tests/reference/gen_emd_cases.py (format documented there).
 * Every result must agree with both references to 1e-9 (relative) and carry
 * a passing certificate. If the generator fails, the test fails.
 */
#include "test_util.h"
#include "wass.h"

#include <stdlib.h>

static double eval_cb(size_t i, size_t j, void *user) {
    return wass_cost_eval((const wass_cost *)user, i, j);
}

static int read_u64(FILE *f, uint64_t *x) {
    return fread(x, 8, 1, f) == 1;
}
static int read_f64(FILE *f, double *x, size_t k) {
    return k == 0 || fread(x, 8, k, f) == k;
}

int main(void) {
    const char *py = getenv("WASS_PYTHON");
    if (!py || !*py) py = "/usr/bin/python3";
    int sanitized = getenv("WASS_SANITIZED") && atoi(getenv("WASS_SANITIZED")) == 1;
    int count = sanitized ? 300 : 1000;
    char path[4096], cmd[8192];
    snprintf(path, sizeof path, "%s/emd_reference_cases.bin", WASS_BINARY_DIR);
    snprintf(cmd, sizeof cmd, "\"%s\" \"%s/tests/reference/gen_emd_cases.py\" \"%s\" %d 12345", py,
             WASS_SOURCE_DIR, path, count);
    int sys_rc = system(cmd);
    CHECK_MSG(sys_rc == 0, "generator failed (%d): %s", sys_rc, cmd);
    if (sys_rc != 0) return test_main_end("test_emd_reference");
    FILE *f = fopen(path, "rb");
    CHECK_MSG(f != NULL, "cannot open %s", path);
    if (!f) return test_main_end("test_emd_reference");
    char magic[8];
    uint64_t total = 0;
    CHECK(fread(magic, 1, 8, f) == 8 && memcmp(magic, "WEMDREF1", 8) == 0);
    CHECK(read_u64(f, &total));
    CHECK((int)total == count);
    size_t solved = 0, checked_partial = 0, with_zeros = 0;
    double worst = 0;
    for (uint64_t c = 0; c < total; c++) {
        uint64_t kind, mode, n, m, d, metric;
        double q, p, refs[2];
        if (!(read_u64(f, &kind) && read_u64(f, &mode) && read_u64(f, &n) && read_u64(f, &m) &&
              read_u64(f, &d) && read_u64(f, &metric) && read_f64(f, &q, 1) &&
              read_f64(f, &p, 1))) {
            CHECK_MSG(0, "case %llu: truncated header", (unsigned long long)c);
            break;
        }
        size_t payload = kind == 0 ? n * m : (n + m) * d;
        double *a = malloc(n * 8), *b = malloc(m * 8), *data = malloc((payload ? payload : 1) * 8);
        int ok = read_f64(f, a, n) && read_f64(f, b, m) && read_f64(f, data, payload) &&
                 read_f64(f, refs, 2);
        CHECK_MSG(ok, "case %llu: truncated data", (unsigned long long)c);
        if (!ok) {
            free(a);
            free(b);
            free(data);
            break;
        }
        wass_problem pb;
        pb.n = n;
        pb.m = m;
        pb.a = a;
        pb.b = b;
        if (kind == 0) {
            pb.cost = wass_cost_dense(data, m, 1.0);
        } else {
            wass_ground g = wass_ground_make((wass_metric)metric, p);
            g.q = q;
            pb.cost = wass_cost_points(data, data + n * d, d, g);
        }
        for (size_t i = 0; i < n; i++)
            with_zeros += a[i] == 0;
        wass_options opt;
        wass_options_default(&opt);
        opt.mass = (wass_mass_mode)mode;
        opt.threads = 1;
        if (c % 5 == 4) opt.block_size = 1 + (int64_t)(c % 7); /* tiny blocks: many pivots */
        wass_result r;
        wass_error_info e;
        int rc = wass_emd(&pb, &opt, &r, &e);
        CHECK_MSG(rc == WASS_OK, "case %llu: %s", (unsigned long long)c, e.message);
        if (rc == WASS_OK) {
            CHECK_MSG(r.status == WASS_OPTIMAL, "case %llu: status %d %s", (unsigned long long)c,
                      r.status, r.message);
            double maxc = 0;
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < m; j++)
                    maxc = fmax(maxc, fabs(wass_cost_eval(&pb.cost, i, j)));
            for (int k = 0; k < 2; k++) {
                double err = fabs(r.work - refs[k]);
                double tol = 1e-9 * fabs(refs[k]) + 1e-12 * maxc;
                CHECK_MSG(err <= tol,
                          "case %llu (kind %llu mode %llu n %llu m %llu): work %.17g, "
                          "%s %.17g",
                          (unsigned long long)c, (unsigned long long)kind, (unsigned long long)mode,
                          (unsigned long long)n, (unsigned long long)m, r.work, k ? "HiGHS" : "POT",
                          refs[k]);
                if (refs[k] != 0) worst = fmax(worst, err / fabs(refs[k]));
            }
            CHECK(r.cert.checked);
            CHECK_MSG(r.cert.marginal_error <= 1e-9, "case %llu: marginal error %g",
                      (unsigned long long)c, r.cert.marginal_error);
            CHECK_MSG(r.cert.min_reduced_cost >= -1e-9, "case %llu: min reduced cost %g",
                      (unsigned long long)c, r.cert.min_reduced_cost);
            CHECK_MSG(r.cert.duality_gap <= 1e-9, "case %llu: duality gap %g",
                      (unsigned long long)c, r.cert.duality_gap);
            CHECK(r.plan_len <= n + m - 1);
            if (mode == WASS_MASS_PARTIAL) {
                double A = 0, B = 0;
                for (size_t i = 0; i < n; i++)
                    A += a[i];
                for (size_t j = 0; j < m; j++)
                    B += b[j];
                CHECK_CLOSE(r.flow, fmin(A, B), 1e-12);
                CHECK_CLOSE(r.cost, r.work / r.flow, 1e-12);
                checked_partial++;
            }
            solved++;
            if (c % 4 == 0) {
                /* the same problem through a cost callback */
                wass_problem pc = pb;
                pc.cost = wass_cost_callback(eval_cb, &pb.cost, wass_cost_power(&pb.cost));
                wass_result rcb;
                CHECK(wass_emd(&pc, &opt, &rcb, &e) == WASS_OK);
                CHECK(rcb.status == WASS_OPTIMAL);
                CHECK_CLOSE(rcb.work, r.work, 1e-12);
                wass_result_free(&rcb);
            }
        }
        wass_result_free(&r);
        free(a);
        free(b);
        free(data);
    }
    fclose(f);
    CHECK(solved == (size_t)count);
    CHECK(checked_partial > 40);
    CHECK(with_zeros > 50);
    printf("solved %zu cases (%zu partial), worst relative difference to a reference %.3g\n",
           solved, checked_partial, worst);
    return test_main_end("test_emd_reference");
}
