/*
 * test_sinkhorn.c - entropic transport (wass_sinkhorn) and the Sinkhorn
 * divergence against POT (reference values written by
 * tests/reference/sinkhorn_ref.py, run with $WASS_PYTHON): balanced and
 * unbalanced problems, dense / points / callback agreement, small epsilon,
 * the divergence. The properties that need no reference are in
 * test_sinkhorn_props.c.
 */
#include "sinkhorn_util.h"

#include <stdlib.h>
#include <string.h>

/* ---- reference file ------------------------------------------------------ */

#define MAXV 16
typedef struct {
    char name[64], metric[32];
    size_t n, m, d;
    double reg, tau;
    char keys[MAXV][16];
    double *vals[MAXV];
    size_t lens[MAXV];
    int nv;
} refcase;

static refcase cases[16];
static int ncases = 0;

static const double *get(const refcase *c, const char *key, size_t *len) {
    for (int k = 0; k < c->nv; k++)
        if (strcmp(c->keys[k], key) == 0) {
            if (len) *len = c->lens[k];
            return c->vals[k];
        }
    fprintf(stderr, "reference %s lacks %s\n", c->name, key);
    exit(1);
}

static const refcase *find(const char *name) {
    for (int k = 0; k < ncases; k++)
        if (strcmp(cases[k].name, name) == 0) return &cases[k];
    fprintf(stderr, "reference case %s missing\n", name);
    exit(1);
}

static int load_refs(void) {
    const char *py = getenv("WASS_PYTHON");
    if (!py || !*py) py = "/usr/bin/python3";
    char path[1024], cmd[4096];
    snprintf(path, sizeof path, "%s/tests/sinkhorn_ref.txt", WASS_BINARY_DIR);
    snprintf(cmd, sizeof cmd, "\"%s\" \"%s/tests/reference/sinkhorn_ref.py\" \"%s\"", py,
             WASS_SOURCE_DIR, path);
    if (system(cmd) != 0) {
        fprintf(stderr, "reference generation failed: %s\n", cmd);
        return 0;
    }
    FILE *fp = fopen(path, "r");
    if (!fp) return 0;
    static char line[1 << 20];
    refcase *c = NULL;
    while (fgets(line, sizeof line, fp)) {
        if (strncmp(line, "case ", 5) == 0) {
            c = &cases[ncases++];
            memset(c, 0, sizeof *c);
            if (sscanf(line + 5, "%63s %zu %zu %zu %lf %lf %31s", c->name, &c->n, &c->m, &c->d,
                       &c->reg, &c->tau, c->metric) != 7)
                return 0;
        } else if (strncmp(line, "end", 3) == 0) {
            c = NULL;
        } else if (c && c->nv < MAXV) {
            char *p = line, *q;
            int k = c->nv++;
            size_t cap = 64, len = 0;
            sscanf(p, "%15s", c->keys[k]);
            p += strlen(c->keys[k]);
            c->vals[k] = malloc(cap * sizeof(double));
            for (;;) {
                double v = strtod(p, &q);
                if (q == p) break;
                if (len == cap) c->vals[k] = realloc(c->vals[k], (cap *= 2) * sizeof(double));
                c->vals[k][len++] = v;
                p = q;
            }
            c->lens[k] = len;
        }
    }
    fclose(fp);
    return ncases > 0;
}

/* ---- helpers ------------------------------------------------------------- */

/* Largest deviation of f - mean(f) from fr - mean(fr), relative to the spread of fr. */
static double pot_diff(const double *f, const double *fr, size_t n, int center) {
    double mf = 0, mr = 0, spread = 0, worst = 0;
    if (center) {
        for (size_t i = 0; i < n; i++) {
            mf += f[i] / n;
            mr += fr[i] / n;
        }
    }
    for (size_t i = 0; i < n; i++)
        spread = fmax(spread, fabs(fr[i] - mr));
    for (size_t i = 0; i < n; i++)
        worst = fmax(worst, fabs((f[i] - mf) - (fr[i] - mr)));
    return worst / fmax(spread, 1e-300);
}

typedef struct {
    const double *C;
    size_t m;
} cb_data;

static double cb_cost(size_t i, size_t j, void *user) {
    const cb_data *d = user;
    return d->C[i * d->m + j];
}

static wass_ground ground_of(const refcase *c) {
    wass_metric mt = WASS_SQEUCLIDEAN;
    wass_metric_parse(c->metric, &mt);
    return wass_ground_make(mt, 1.0);
}

/* ---- tests --------------------------------------------------------------- */

/* Balanced problems vs POT: cost, objective, potentials; points, dense and
 * callback costs agree; the plan's own marginals and cost are consistent. */
static void test_balanced(const char *name) {
    const refcase *c = find(name);
    const double *X = get(c, "X", NULL), *Y = get(c, "Y", NULL), *a = get(c, "a", NULL),
                 *b = get(c, "b", NULL);
    double cost = get(c, "cost", NULL)[0], obj = get(c, "obj", NULL)[0];
    double emd = get(c, "emd", NULL)[0];
    wass_ground g = ground_of(c);
    double *C = dense_cost(X, Y, c->n, c->m, c->d, g);
    cb_data cbd = {C, c->m};
    wass_problem pb = {c->n, c->m, a, b, wass_cost_points(X, Y, c->d, g)};
    wass_sinkhorn_options o;
    wass_sinkhorn_options_default(&o);
    o.reg = c->reg;
    o.tol = 1e-11;
    o.want_plan = 1;
    wass_sinkhorn_result r[3];
    wass_error_info e;
    for (int kind = 0; kind < 3; kind++) {
        if (kind == 1) pb.cost = wass_cost_dense(C, c->m, 1.0);
        if (kind == 2) pb.cost = wass_cost_callback(cb_cost, &cbd, 1.0);
        int rc = wass_sinkhorn(&pb, &o, &r[kind], &e);
        CHECK_MSG(rc == WASS_OK, "%s kind %d: %s", name, kind, e.message);
        CHECK_MSG(r[kind].status == WASS_CONVERGED, "%s kind %d status %d: %s", name, kind,
                  r[kind].status, r[kind].message);
        CHECK_MSG(fabs(r[kind].cost - cost) <= 1e-8 * cost, "%s kind %d cost %.15g vs POT %.15g",
                  name, kind, r[kind].cost, cost);
        CHECK_MSG(fabs(r[kind].objective - obj) <= 1e-8 * fabs(obj),
                  "%s kind %d objective %.15g vs %.15g", name, kind, r[kind].objective, obj);
        double df = pot_diff(r[kind].f, get(c, "f", NULL), c->n, 1);
        double dg = pot_diff(r[kind].g, get(c, "g", NULL), c->m, 1);
        CHECK_MSG(df < 1e-7 && dg < 1e-7, "%s kind %d potentials differ by %g, %g", name, kind, df,
                  dg);
        CHECK(r[kind].marginal_error < o.tol);
        /* entropic cost lies above the exact one and within eps log(nm) of it */
        CHECK_MSG(r[kind].cost >= emd - 1e-12 &&
                      r[kind].cost <= emd + c->reg * log((double)(c->n * c->m)),
                  "%s: cost %.15g vs exact %.15g", name, r[kind].cost, emd);
    }
    /* the three cost kinds give the same numbers (up to rounding of the costs) */
    for (int kind = 1; kind < 3; kind++) {
        CHECK_CLOSE(r[kind].cost, r[0].cost, 1e-12);
        CHECK(pot_diff(r[kind].f, r[0].f, c->n, 1) < 1e-9);
    }
    CHECK_CLOSE(r[1].cost, r[2].cost, 1e-13);
    /* independent check of the plan: Gibbs form, marginals, cost */
    const double *P = r[0].plan;
    double merr = 0, pc = 0, gibbs = 0;
    for (size_t i = 0; i < c->n; i++) {
        double s = 0;
        for (size_t j = 0; j < c->m; j++) {
            s += P[i * c->m + j];
            pc += P[i * c->m + j] * C[i * c->m + j];
            double want = a[i] * b[j] * exp((r[0].f[i] + r[0].g[j] - C[i * c->m + j]) / c->reg);
            gibbs = fmax(gibbs, fabs(P[i * c->m + j] - want) / fmax(want, 1e-300));
        }
        merr += fabs(s - a[i]);
    }
    for (size_t j = 0; j < c->m; j++) {
        double s = 0;
        for (size_t i = 0; i < c->n; i++)
            s += P[i * c->m + j];
        merr += fabs(s - b[j]);
    }
    CHECK_MSG(merr < 2e-11, "%s: plan marginal error %g", name, merr);
    CHECK_CLOSE(pc, r[0].cost, 1e-12);
    CHECK_MSG(gibbs < 1e-12, "%s: plan not of Gibbs form (%g)", name, gibbs);
    for (int kind = 0; kind < 3; kind++)
        wass_sinkhorn_result_free(&r[kind]);
    free(C);
}

/* Epsilon = 1e-3 of the cost scale: exp(-C/eps) underflows for most pairs,
 * the log-domain solver must still give POT's answer, with no NaN. */
static void test_small_eps(void) {
    const refcase *c = find("smalleps");
    const double *X = get(c, "X", NULL), *Y = get(c, "Y", NULL);
    wass_problem pb = {c->n, c->m, get(c, "a", NULL), get(c, "b", NULL),
                       wass_cost_points(X, Y, c->d, wass_ground_make(WASS_SQEUCLIDEAN, 1))};
    wass_sinkhorn_options o;
    wass_sinkhorn_options_default(&o);
    o.reg = c->reg;
    wass_sinkhorn_result r;
    wass_error_info e;
    int rc = wass_sinkhorn(&pb, &o, &r, &e);
    CHECK(rc == WASS_OK && r.status == WASS_CONVERGED);
    CHECK(isfinite(r.cost) && isfinite(r.objective));
    CHECK_MSG(fabs(r.cost - get(c, "cost", NULL)[0]) < 1e-7 * get(c, "cost", NULL)[0],
              "small eps cost %.15g vs POT %.15g", r.cost, get(c, "cost", NULL)[0]);
    CHECK(pot_diff(r.f, get(c, "f", NULL), c->n, 1) < 1e-6);
    double emd = get(c, "emd", NULL)[0];
    CHECK(r.cost >= emd - 1e-12 && r.cost <= emd + c->reg * log(256.0));
    wass_sinkhorn_result_free(&r);
    /* even smaller epsilon: no NaN, an honest status */
    o.reg = 1e-6;
    o.max_iter = 300;
    rc = wass_sinkhorn(&pb, &o, &r, &e);
    CHECK(rc == WASS_OK && isfinite(r.cost) && isfinite(r.objective));
    CHECK(r.status == WASS_CONVERGED || r.status == WASS_ITERATION_LIMIT);
    for (size_t i = 0; i < c->n; i++)
        CHECK(isfinite(r.f[i]));
    wass_sinkhorn_result_free(&r);
}

/* Unbalanced (tau > 0) vs POT's sinkhorn_unbalanced on the shifted cost. */
static void test_unbalanced(const char *name) {
    const refcase *c = find(name);
    const double *X = get(c, "X", NULL), *Y = get(c, "Y", NULL);
    wass_problem pb = {c->n, c->m, get(c, "a", NULL), get(c, "b", NULL),
                       wass_cost_points(X, Y, c->d, wass_ground_make(WASS_SQEUCLIDEAN, 1))};
    wass_sinkhorn_options o;
    wass_sinkhorn_options_default(&o);
    o.reg = c->reg;
    o.tau = c->tau;
    o.tol = 1e-12;
    wass_sinkhorn_result r;
    wass_error_info e;
    int rc = wass_sinkhorn(&pb, &o, &r, &e);
    CHECK_MSG(rc == WASS_OK && r.status == WASS_CONVERGED, "%s: %s %s", name, e.message, r.message);
    double cost = get(c, "cost", NULL)[0], obj = get(c, "obj", NULL)[0];
    CHECK_MSG(fabs(r.cost - cost) <= 1e-8 * cost, "%s cost %.15g vs POT %.15g", name, r.cost, cost);
    CHECK_MSG(fabs(r.objective - obj) <= 1e-8 * obj, "%s objective %.15g vs %.15g", name,
              r.objective, obj);
    /* unbalanced potentials are unique: no centering */
    double df = pot_diff(r.f, get(c, "f", NULL), c->n, 0);
    double dg = pot_diff(r.g, get(c, "g", NULL), c->m, 0);
    CHECK_MSG(df < 1e-7 && dg < 1e-7, "%s potentials differ by %g, %g", name, df, dg);
    wass_sinkhorn_result_free(&r);
    /* balanced with unequal masses is refused, with both totals named */
    o.tau = 0;
    rc = wass_sinkhorn(&pb, &o, &r, &e);
    CHECK(rc == WASS_ERR_MASS_MISMATCH && strstr(e.message, "sum to"));
    wass_sinkhorn_result_free(&r);
}

static void test_divergence(void) {
    const refcase *c = find("divergence");
    wass_cloud P = {c->n, c->d, get(c, "X", NULL), get(c, "a", NULL)};
    wass_cloud Q = {c->m, c->d, get(c, "Y", NULL), get(c, "b", NULL)};
    wass_ground g = wass_ground_make(WASS_SQEUCLIDEAN, 1);
    wass_sinkhorn_options o;
    wass_sinkhorn_options_default(&o);
    o.reg = c->reg;
    o.tol = 1e-11;
    wass_sinkhorn_divergence_result r;
    wass_error_info e;
    int rc = wass_sinkhorn_divergence_ex(&P, &Q, &g, &o, &r, &e);
    CHECK_MSG(rc == WASS_OK && r.status == WASS_CONVERGED, "%s", e.message);
    const double *ots = get(c, "ots", NULL), *costs = get(c, "costs", NULL);
    CHECK_CLOSE(r.divergence, get(c, "div", NULL)[0], 1e-8);
    CHECK_CLOSE(r.ot_ab, ots[0], 1e-9);
    CHECK_CLOSE(r.ot_aa, ots[1], 1e-9);
    CHECK_CLOSE(r.ot_bb, ots[2], 1e-9);
    CHECK_CLOSE(r.cost_aa, costs[1], 1e-8);
    /* POT's empirical_sinkhorn_divergence debiases the costs (stopThr 1e-9) */
    double potdiv = r.cost_ab - 0.5 * (r.cost_aa + r.cost_bb);
    CHECK_MSG(fabs(potdiv - get(c, "potdiv", NULL)[0]) < 1e-6, "cost-debiased %.15g vs POT %.15g",
              potdiv, get(c, "potdiv", NULL)[0]);
    CHECK(r.divergence > 0);
    /* the potentials of the three problems: the same divergence, and at
     * convergence OT_eps = <a, f> + <b, g> (balanced, total mass 1), and the
     * plan a_i b_j exp((f_i + g_j - C_ij) / eps) has the marginals a, b */
    {
        size_t n = c->n, m = c->m, d = c->d;
        double *fab = malloc(n * sizeof(double)), *gab = malloc(m * sizeof(double));
        double *faa = malloc(n * sizeof(double)), *fbb = malloc(m * sizeof(double));
        double *col = calloc(m, sizeof(double));
        CHECK(fab && gab && faa && fbb && col);
        wass_sinkhorn_divergence_result r2;
        rc = wass_sinkhorn_divergence_potentials(&P, &Q, &g, &o, &r2, fab, gab, faa, fbb, &e);
        CHECK_MSG(rc == WASS_OK && r2.divergence == r.divergence, "%s", e.message);
        double sa = 0, sb = 0, ab = 0, aa = 0, bb = 0, merr = 0;
        for (size_t i = 0; i < n; i++)
            sa += P.w[i];
        for (size_t j = 0; j < m; j++)
            sb += Q.w[j];
        for (size_t i = 0; i < n; i++)
            ab += P.w[i] / sa * fab[i], aa += 2 * P.w[i] / sa * faa[i];
        for (size_t j = 0; j < m; j++)
            ab += Q.w[j] / sb * gab[j], bb += 2 * Q.w[j] / sb * fbb[j];
        CHECK_CLOSE(ab, r.ot_ab, 1e-8);
        CHECK_CLOSE(aa, r.ot_aa, 1e-8);
        CHECK_CLOSE(bb, r.ot_bb, 1e-8);
        for (size_t i = 0; i < n; i++) {
            double row = 0;
            for (size_t j = 0; j < m; j++) {
                double c2 = 0;
                for (size_t k = 0; k < d; k++) {
                    double t = P.X[i * d + k] - Q.X[j * d + k];
                    c2 += t * t;
                }
                double pij = P.w[i] / sa * Q.w[j] / sb * exp((fab[i] + gab[j] - c2) / o.reg);
                row += pij;
                col[j] += pij;
            }
            merr += fabs(row - P.w[i] / sa);
        }
        for (size_t j = 0; j < m; j++)
            merr += fabs(col[j] - Q.w[j] / sb);
        CHECK_MSG(merr < 1e-9, "plan from the potentials: marginal error %g", merr);
        /* NULL buffers are allowed */
        CHECK(wass_sinkhorn_divergence_potentials(&P, &Q, &g, &o, &r2, NULL, gab, NULL, NULL, &e) ==
              WASS_OK);
        free(fab);
        free(gab);
        free(faa);
        free(fbb);
        free(col);
    }
    double s;
    wass_status st = WASS_NOT_SOLVED;
    CHECK(wass_sinkhorn_divergence(&P, &Q, &g, &o, &s, &st, &e) == WASS_OK && s == r.divergence);
    CHECK(st == WASS_CONVERGED && st == r.status);
    /* S(a, a) = 0 */
    CHECK(wass_sinkhorn_divergence(&P, &P, &g, &o, &s, &st, &e) == WASS_OK);
    CHECK_MSG(fabs(s) < 1e-10, "S(a,a) = %g", s);
    /* S >= 0 on random pairs, balanced and unbalanced, other metric */
    uint64_t seed = 7;
    double X[40 * 3], Y[30 * 3];
    for (int t = 0; t < 4; t++) {
        for (int k = 0; k < 120; k++)
            X[k] = test_rand_unif(&seed);
        for (int k = 0; k < 90; k++)
            Y[k] = test_rand_unif(&seed) * 0.5 + 0.1 * t;
        wass_cloud A = {40, 3, X, NULL}, B = {30, 3, Y, NULL};
        wass_ground gg = wass_ground_make(t == 3 ? WASS_EUCLIDEAN : WASS_SQEUCLIDEAN, 1);
        o.tau = t == 2 ? 0.5 : 0;
        o.reg = t == 1 ? 0.03 : 0.1;
        CHECK(wass_sinkhorn_divergence(&A, &B, &gg, &o, &s, &st, &e) == WASS_OK);
        CHECK_MSG(s >= 0, "S = %g < 0 (case %d)", s, t);
        CHECK(wass_sinkhorn_divergence(&B, &B, &gg, &o, &s, &st, &e) == WASS_OK && fabs(s) < 1e-10);
    }
    /* not converged: both forms report it as a status, not an error */
    o.tau = 0;
    o.reg = 0.1;
    o.max_iter = 2;
    rc = wass_sinkhorn_divergence(&P, &Q, &g, &o, &s, &st, &e);
    CHECK(rc == WASS_OK && st == WASS_ITERATION_LIMIT && isfinite(s));
    CHECK(wass_sinkhorn_divergence(&P, &Q, &g, &o, &s, NULL, &e) == WASS_ERR_INVALID &&
          strstr(e.message, "status pointer"));
    rc = wass_sinkhorn_divergence_ex(&P, &Q, &g, &o, &r, &e);
    CHECK(rc == WASS_OK && r.status == WASS_ITERATION_LIMIT && strstr(r.message, "max_iter"));
    wass_cloud Z = {3, 2, NULL, NULL};
    CHECK(wass_sinkhorn_divergence(&P, &Z, &g, &o, &s, &st, &e) == WASS_ERR_INVALID);
    double Zx[3] = {0, 1, 2};
    wass_cloud Z1 = {3, 1, Zx, NULL};
    CHECK(wass_sinkhorn_divergence(&P, &Z1, &g, &o, &s, &st, &e) == WASS_ERR_SIZE &&
          strstr(e.message, "dimensions"));
}

int main(void) {
    t_last = wass_test_now();
    if (!load_refs()) {
        fprintf(stderr, "could not load POT references (set WASS_PYTHON)\n");
        return 1;
    }
    lap("references");
    test_balanced("balanced0");
    test_balanced("balanced1");
    test_balanced("balanced2");
    test_balanced("balanced3");
    lap("balanced");
    test_small_eps();
    lap("small eps");
    test_unbalanced("unbalanced0");
    test_unbalanced("unbalanced1");
    lap("unbalanced");
    test_divergence();
    lap("divergence");
    for (int k = 0; k < ncases; k++)
        for (int v = 0; v < cases[k].nv; v++)
            free(cases[k].vals[v]);
    return test_main_end("test_sinkhorn");
}
