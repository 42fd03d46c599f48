/*
 * grid_l2.c - exact W1 between two histograms on one pixel grid under the
 * Euclidean ground distance (wass_grid_emd with WASS_GRID_L2).
 *
 * No sparse graph has the Euclidean distance as its shortest paths, so this
 * is the transport problem itself, made small by two facts of W1: the mass
 * that a and b share at a pixel stays there (a metric cost has an optimal
 * plan that keeps min(a, b) in place), so only the positive part of a - b
 * travels, to the negative part; and every cost is one of the values
 * sqrt(dr^2 + dc^2) of a table indexed by the offset. The start is
 * multiscale: the problem pooled to 2 x 2 blocks is solved first (the same
 * way, recursively), and its potential, prolonged to the pixels, orders the
 * pixel pairs for a greedy start (smallest reduced cost first, each shipment
 * exhausting a pixel, so the arcs form a forest); the network simplex
 * (network_simplex.c) finishes on the cost matrix. Problems of more than 4
 * million pixel pairs go to wass_emd's column generation on the two point
 * clouds instead. The answer is certified by wass_certify on the transport
 * problem; the potential is extended to every pixel by the c-transform of
 * the sinks' duals, a 1-Lipschitz function.
 */
#include "exact/grid_internal.h"
#include "exact/network_simplex.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Up to this many source x sink pairs the cost matrix is formed and solved
 * directly; above, wass_emd's column generation on the point clouds. */
#define L2_DENSE_MAX ((size_t)4 << 20)
/* Grids from this size on (both sides) get the multiscale start. */
#define L2_MULTISCALE_SIDE 8
/* The greedy start orders pairs by reduced cost in steps of 1/L2_KEY_STEPS
 * pixel; a first pass sorts only the pairs below L2_KEY_FIRST steps, which
 * usually exhaust every source. */
#define L2_KEY_STEPS 16.0
#define L2_KEY_FIRST 64u

/* The transport problem that W1 on the grid reduces to: the pixels where
 * s = a - b (both normalized) is positive ship to those where it is
 * negative; supply and demand are normalized to total 1 each, T is the
 * mass that travels (the sum of s over the sources). */
typedef struct {
    size_t n, m;
    size_t *src, *snk;       /* their pixels */
    int32_t *rc;             /* (row, column) of the sources, then of the sinks */
    double *supply, *demand; /* n, m */
    double T;
    size_t rows, cols;
    double *D; /* rows * cols: D[dr * cols + dc] = sqrt(dr^2 + dc^2) */
} l2_net;

static void l2_net_free(l2_net *p) {
    free(p->src);
    free(p->snk);
    free(p->rc);
    free(p->supply);
    free(p->demand);
    free(p->D);
}

static int l2_net_build(const double *s, size_t rows, size_t cols, l2_net *p) {
    const size_t N = rows * cols;
    memset(p, 0, sizeof *p);
    p->rows = rows;
    p->cols = cols;
    size_t n = 0, m = 0;
    for (size_t u = 0; u < N; u++) {
        n += s[u] > 0;
        m += s[u] < 0;
    }
    p->src = malloc((n + 1) * sizeof *p->src);
    p->snk = malloc((m + 1) * sizeof *p->snk);
    p->rc = malloc(2 * (n + m + 1) * sizeof *p->rc);
    p->supply = malloc((n + 1) * sizeof *p->supply);
    p->demand = malloc((m + 1) * sizeof *p->demand);
    p->D = malloc(N * sizeof *p->D);
    if (!p->src || !p->snk || !p->rc || !p->supply || !p->demand || !p->D) return 0;
    for (size_t dr = 0; dr < rows; dr++)
        for (size_t dc = 0; dc < cols; dc++)
            p->D[dr * cols + dc] = sqrt((double)(dr * dr + dc * dc));
    wass__acc t1 = {0, 0}, t2 = {0, 0};
    for (size_t u = 0; u < N; u++) {
        size_t k = s[u] > 0 ? p->n : n + p->m;
        if (s[u] == 0) continue;
        p->rc[2 * k] = (int32_t)(u / cols);
        p->rc[2 * k + 1] = (int32_t)(u % cols);
        if (s[u] > 0) {
            p->src[p->n] = u;
            p->supply[p->n++] = s[u];
            wass__acc_add(&t1, s[u]);
        } else {
            p->snk[p->m] = u;
            p->demand[p->m++] = -s[u];
            wass__acc_add(&t2, -s[u]);
        }
    }
    p->T = wass__acc_value(&t1);
    double T2 = wass__acc_value(&t2);
    for (size_t i = 0; i < p->n; i++)
        p->supply[i] /= p->T;
    for (size_t j = 0; j < p->m; j++)
        p->demand[j] /= T2;
    return 1;
}

typedef struct {
    const double *C;
    size_t m;
} l2_dense;

static void l2_row(const void *ctx, size_t i, size_t j0, size_t len, double *out) {
    const l2_dense *x = ctx;
    memcpy(out, x->C + i * x->m + j0, len * sizeof *out);
}

/* The most negative C_ij - ui + pv[k] below *best in a row segment: a
 * branch-free pass over chunks, the argmin only for a chunk with a winner. */
WASS__SIMD_CLONES static size_t l2_price(const void *ctx, size_t i, size_t j0, size_t len,
                                         double ui, const double *pv, double *best,
                                         double *scratch) {
    (void)scratch;
    const l2_dense *x = ctx;
    const double *c = x->C + i * x->m + j0;
    double b = *best;
    size_t bk = (size_t)-1;
    for (size_t k0 = 0; k0 < len; k0 += 32) {
        size_t k1 = len - k0 < 32 ? len : k0 + 32;
        int any = 0;
        for (size_t k = k0; k < k1; k++)
            any |= (c[k] - ui + pv[k]) < b;
        if (!any) continue;
        for (size_t k = k0; k < k1; k++) {
            double r = c[k] - ui + pv[k];
            if (r < b) {
                b = r;
                bk = k;
            }
        }
    }
    *best = b;
    return bk;
}

/* Greedy over the pairs pair[0..len) (indices i * m + j) in increasing
 * key (a counting sort on key - lo, keys below lo + span), each shipping
 * min(residual supply, residual demand) and so exhausting a pixel: with the
 * arcs already in arcs[0..*k) they form a forest. open[0], open[1] count the
 * sources and sinks with mass left; the greedy stops when either is 0.
 * Returns 0 when out of memory. */
static int l2_greedy(const l2_net *p, const uint32_t *key, const uint32_t *pair, size_t len,
                     uint32_t lo, size_t span, double *rs, double *rd, size_t *open,
                     wass__ns_arc *arcs, size_t *k) {
    const size_t m = p->m;
    size_t *cnt = calloc(span + 1, sizeof *cnt);
    uint32_t *ord = malloc((len + 1) * sizeof *ord);
    if (!cnt || !ord) {
        free(cnt);
        free(ord);
        return 0;
    }
    for (size_t t = 0; t < len; t++)
        cnt[key[pair[t]] - lo + 1]++;
    for (size_t b = 0; b < span; b++)
        cnt[b + 1] += cnt[b];
    for (size_t t = 0; t < len; t++)
        ord[cnt[key[pair[t]] - lo]++] = pair[t];
    for (size_t t = 0; t < len && open[0] > 0 && open[1] > 0; t++) {
        size_t i = ord[t] / m, j = ord[t] % m;
        double f = rs[i] < rd[j] ? rs[i] : rd[j];
        if (!(f > 0)) continue;
        arcs[*k] = (wass__ns_arc){i, j, f};
        ++*k;
        rs[i] -= f;
        rd[j] -= f;
        open[0] -= !(rs[i] > 0);
        open[1] -= !(rd[j] > 0);
    }
    free(cnt);
    free(ord);
    return 1;
}

/* The start: greedy over all pairs in the order of their keys (kmax the
 * largest): first the pairs of keys below L2_KEY_FIRST, then the pairs
 * between the pixels left with mass. Returns 0 when out of memory. */
static int l2_start(const l2_net *p, const uint32_t *key, uint32_t kmax, wass__ns_arc *arcs,
                    size_t *narcs) {
    const size_t n = p->n, m = p->m, nm = n * m;
    double *rs = malloc(n * sizeof *rs), *rd = malloc(m * sizeof *rd);
    uint32_t *pair = malloc((nm + 1) * sizeof *pair);
    size_t k = 0, open[2] = {n, m}, len = 0;
    int ok = rs && rd && pair;
    if (ok) {
        memcpy(rs, p->supply, n * sizeof *rs);
        memcpy(rd, p->demand, m * sizeof *rd);
        for (size_t q = 0; q < nm; q++) { /* branch-free: most pairs fail the test */
            pair[len] = (uint32_t)q;
            len += key[q] < L2_KEY_FIRST;
        }
        ok = l2_greedy(p, key, pair, len, 0, L2_KEY_FIRST, rs, rd, open, arcs, &k);
    }
    if (ok && open[0] > 0 && open[1] > 0) {
        len = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; rs[i] > 0 && j < m; j++)
                if (rd[j] > 0 && key[i * m + j] >= L2_KEY_FIRST)
                    pair[len++] = (uint32_t)(i * m + j);
        ok = l2_greedy(p, key, pair, len, L2_KEY_FIRST, kmax + 1 - L2_KEY_FIRST, rs, rd, open, arcs,
                       &k);
    }
    *narcs = k;
    free(rs);
    free(rd);
    free(pair);
    return ok;
}

/* The cost matrix and the keys of the start: the reduced cost of each pair
 * under the guide potential g on the pixels (NULL: 0), which the prolonged
 * coarse potential keeps above about -1.5 pixels, in steps of
 * 1/L2_KEY_STEPS pixel. gt: m doubles of scratch. Returns the largest key. */
static uint32_t l2_costs(const l2_net *p, const double *g, double *C, uint32_t *key, double *gt) {
    const size_t n = p->n, m = p->m;
    const int32_t *sk = p->rc + 2 * n, cols = (int32_t)p->cols;
    for (size_t j = 0; j < m; j++)
        gt[j] = g ? g[p->snk[j]] : 0.0;
    uint32_t kmax = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t ri = p->rc[2 * i], ci = p->rc[2 * i + 1];
        double gi = g ? g[p->src[i]] - 2.0 : 0.0;
        for (size_t j = 0; j < m; j++) {
            double c = p->D[abs(ri - sk[2 * j]) * cols + abs(ci - sk[2 * j + 1])];
            /* clamped to [0, 1e8] (the cap a safeguard), branch-free */
            double q = (c - gi + gt[j]) * L2_KEY_STEPS;
            q = q > 0 ? q : 0;
            q = q < 1e8 ? q : 1e8;
            uint32_t k = (uint32_t)q;
            C[i * m + j] = c;
            key[i * m + j] = k;
            kmax = k > kmax ? k : kmax;
        }
    }
    return kmax;
}

/* The transport problem solved on its cost matrix: the guided greedy start,
 * the network simplex, the certificate (opt->certify). r receives the plan,
 * the duals and the cost. */
static int l2_dense_solve(const l2_net *p, const double *guide, const wass_grid_options *opt,
                          wass_result *r, wass_error_info *err) {
    const size_t n = p->n, m = p->m;
    double *C = malloc(n * m * sizeof *C);
    uint32_t *key = malloc(n * m * sizeof *key);
    wass__ns_arc *start = malloc((n + m) * sizeof *start);
    double *start_gt = malloc(m * sizeof *start_gt);
    size_t nstart = 0;
    int rc = WASS_OK;
    if (!C || !key || !start || !start_gt) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory for %zu x %zu pixel pairs", n, m);
        goto done;
    }
    uint32_t kmax = l2_costs(p, guide, C, key, start_gt);
    int ok = l2_start(p, key, kmax, start, &nstart);
    free(key);
    key = NULL;
    if (!ok) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory for %zu x %zu pixel pairs", n, m);
        goto done;
    }
    l2_dense ctx = {C, m};
    wass__ns_input in;
    memset(&in, 0, sizeof in);
    in.n = n;
    in.m = m;
    in.supply = p->supply;
    in.demand = p->demand;
    in.cost_row = l2_row;
    in.price_row = l2_price;
    in.cost_ctx = &ctx;
    in.start = start;
    in.start_len = nstart;
    in.shortlist = -1; /* a stored row is cheap to stream: block search over all pairs */
    in.max_iter = opt->max_iter;
    in.progress = opt->progress;
    in.progress_user = opt->progress_user;
    wass__ns_output out;
    if ((rc = wass__ns_solve(&in, &out, err))) goto done;
    r->n = n;
    r->m = m;
    r->status = out.status;
    r->iterations = out.iterations;
    r->algorithm = WASS_ALGO_SIMPLEX;
    r->u = out.u;
    r->v = out.v;
    out.u = out.v = NULL;
    r->plan = malloc((out.nflows + 1) * sizeof *r->plan);
    if (!r->plan) {
        wass__ns_output_free(&out);
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
        goto done;
    }
    wass__acc work = {0, 0};
    for (size_t k = 0; k < out.nflows; k++) {
        const wass__ns_arc *f = &out.flows[k];
        r->plan[k] = (wass_flow){f->i, f->j, f->mass};
        wass__acc_add(&work, f->mass * C[f->i * m + f->j]);
    }
    r->plan_len = out.nflows;
    wass__ns_output_free(&out);
    r->work = r->cost = r->distance = wass__acc_value(&work);
    r->flow = 1;
    if (opt->certify && r->status == WASS_OPTIMAL) {
        wass_problem pb = {n, m, p->supply, p->demand, wass_cost_dense(C, m, 1.0)};
        wass_options o;
        wass_options_default(&o);
        o.threads = 1;
        if ((rc = wass_certify(&pb, &o, r, &r->cert)))
            rc = wass__fail(err, rc, "certificate of the euclidean grid solve failed");
    }
done:
    free(C);
    free(key);
    free(start);
    free(start_gt);
    return rc;
}

/* Large problems: wass_emd's column generation on the two point clouds. */
static int l2_colgen_solve(const l2_net *p, const wass_grid_options *opt, wass_result *r,
                           wass_error_info *err) {
    double *X = malloc(2 * p->n * sizeof *X), *Y = malloc(2 * p->m * sizeof *Y);
    if (!X || !Y) {
        free(X);
        free(Y);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < p->n + p->m; k++) {
        double *P = k < p->n ? X + 2 * k : Y + 2 * (k - p->n);
        P[0] = (double)p->rc[2 * k + 1]; /* (column, row) */
        P[1] = (double)p->rc[2 * k];
    }
    wass_problem pb = {p->n, p->m, p->supply, p->demand,
                       wass_cost_points(X, Y, 2, wass_ground_make(WASS_EUCLIDEAN, 1))};
    wass_options o;
    wass_options_default(&o);
    o.mass = WASS_MASS_NORMALIZE;
    o.threads = 1;
    o.max_iter = opt->max_iter;
    o.certify = opt->certify;
    o.progress = opt->progress;
    o.progress_user = opt->progress_user;
    int rc = wass_emd(&pb, &o, r, err);
    free(X);
    free(Y);
    return rc;
}

/* f(x) = min_j (d(x, y_j) - v_j) at every pixel x (rows * cols, in pixels):
 * the c-transform of the sinks' duals, 1-Lipschitz, and optimal (sum_x s_x
 * f(x) is the optimum). Row by row, each sink adds a contiguous slice of
 * the mirrored distance table (vectorizable). Returns 0 when out of memory. */
WASS__SIMD_CLONES static int l2_potential(const l2_net *p, const double *v, double *f) {
    const size_t rows = p->rows, cols = p->cols, W = 2 * cols - 1;
    double *Dm = malloc(rows * W * sizeof *Dm); /* Dm[dr * W + cols - 1 + k] = D(dr, |k|) */
    if (!Dm) return 0;
    for (size_t dr = 0; dr < rows; dr++)
        for (size_t k = 0; k < W; k++) {
            size_t dc = k >= cols - 1 ? k - (cols - 1) : cols - 1 - k;
            Dm[dr * W + k] = p->D[dr * cols + dc];
        }
    const int32_t *sk = p->rc + 2 * p->n;
    for (size_t x = 0; x < rows * cols; x++)
        f[x] = INFINITY;
    for (size_t r = 0; r < rows; r++) {
        double *fr = f + r * cols;
        for (size_t j = 0; j < p->m; j++) {
            size_t dr = (size_t)abs((int32_t)r - sk[2 * j]);
            /* pixel column c sees offset c - cj: slice from cols - 1 - cj */
            const double *d = Dm + dr * W + (cols - 1 - (size_t)sk[2 * j + 1]);
            const double vj = v[j];
            for (size_t c = 0; c < cols; c++) {
                double t = d[c] - vj;
                fr[c] = t < fr[c] ? t : fr[c];
            }
        }
    }
    free(Dm);
    return 1;
}

/* The grid result from the transport solve: the plan as moves between
 * pixels, W1 and the certificate in the grid's units (masses times T,
 * distances times the spacing), the potential (l2_potential, shifted to
 * min 0). Returns 0 when out of memory. */
static int l2_assemble(const l2_net *p, const wass_result *r, const wass_grid_options *opt,
                       wass_grid_result *res) {
    const size_t N = p->rows * p->cols;
    const double scale = p->T * opt->spacing;
    res->moves = malloc((r->plan_len + 1) * sizeof *res->moves);
    if (!res->moves || !l2_potential(p, r->v, res->potential)) return 0;
    for (size_t k = 0; k < r->plan_len; k++)
        res->moves[k] =
            (wass_grid_move){p->src[r->plan[k].i], p->snk[r->plan[k].j], r->plan[k].mass * p->T};
    res->nmoves = r->plan_len;
    res->cost = r->cost * scale;
    res->iterations += r->iterations;
    res->status = r->status;
    res->cert = r->cert;
    res->cert.primal *= scale;
    res->cert.dual *= scale;
    res->cert.gap_bound *= scale;
    res->cert.floor *= scale;
    double fmin = INFINITY;
    for (size_t x = 0; x < N; x++)
        fmin = res->potential[x] < fmin ? res->potential[x] : fmin;
    for (size_t x = 0; x < N; x++)
        res->potential[x] = (res->potential[x] - fmin) * opt->spacing;
    if (res->status == WASS_OPTIMAL && opt->certify && !(r->cert.checked && r->cert.certified)) {
        res->status = WASS_NOT_CONVERGED;
        snprintf(res->message, sizeof res->message,
                 "certificate failed: relative gap bound %.3g, marginal error %.3g",
                 r->cert.duality_gap, r->cert.marginal_error);
    } else if (res->status == WASS_ITERATION_LIMIT) {
        snprintf(res->message, sizeof res->message, "pivot limit %lld reached",
                 (long long)opt->max_iter);
    } else if (res->status != WASS_OPTIMAL) {
        snprintf(res->message, sizeof res->message, "%s", r->message);
    }
    return 1;
}

/* The guide of the start: the potential f of the problem pooled to 2 x 2
 * blocks (solved by wass__grid_l2 itself, uncertified), prolonged to the
 * pixels, g = 2 f interpolated (block centres are 2 pixels apart). NULL
 * for small grids, or when the coarse solve fails (the start is then
 * ordered by cost alone); *it receives the coarse pivots. */
static double *l2_guide(const double *s, size_t rows, size_t cols, const wass_grid_options *opt,
                        int64_t *it) {
    *it = 0;
    if (rows < L2_MULTISCALE_SIDE || cols < L2_MULTISCALE_SIDE) return NULL;
    const size_t cr = (rows + 1) / 2, cc = (cols + 1) / 2;
    double *sc = calloc(cr * cc, sizeof *sc), *g = malloc(rows * cols * sizeof *g);
    wass_grid_result res;
    memset(&res, 0, sizeof res);
    wass_grid_options oc = *opt;
    oc.certify = 0;
    oc.spacing = 1;
    int ok = sc && g;
    if (ok) {
        for (size_t r = 0; r < rows; r++)
            for (size_t c = 0; c < cols; c++)
                sc[(r / 2) * cc + c / 2] += s[r * cols + c];
        ok = wass__grid_l2(sc, cr, cc, &oc, &res, NULL) == WASS_OK;
    }
    if (ok) {
        /* bilinear between the block centres (fine coordinates 2 R + 1/2) */
        const double *P = res.potential;
        for (size_t r = 0; r < rows; r++) {
            double y = fmin(fmax(((double)r - 0.5) / 2, 0.0), (double)(cr - 1));
            size_t y0 = (size_t)y, y1 = y0 + 1 < cr ? y0 + 1 : y0;
            double ty = y - (double)y0;
            for (size_t c = 0; c < cols; c++) {
                double x = fmin(fmax(((double)c - 0.5) / 2, 0.0), (double)(cc - 1));
                size_t x0 = (size_t)x, x1 = x0 + 1 < cc ? x0 + 1 : x0;
                double tx = x - (double)x0;
                double top = (1 - tx) * P[y0 * cc + x0] + tx * P[y0 * cc + x1];
                double bot = (1 - tx) * P[y1 * cc + x0] + tx * P[y1 * cc + x1];
                g[r * cols + c] = 2 * ((1 - ty) * top + ty * bot);
            }
        }
        *it = res.iterations;
    }
    wass_grid_result_free(&res);
    free(sc);
    if (!ok) {
        free(g);
        g = NULL;
    }
    return g;
}

int wass__grid_l2(const double *s, size_t rows, size_t cols, const wass_grid_options *opt,
                  wass_grid_result *res, wass_error_info *err) {
    l2_net p;
    wass_result r;
    memset(&r, 0, sizeof r);
    double *guide = NULL;
    int rc = WASS_OK;
    res->rows = rows;
    res->cols = cols;
    res->edges = 0;
    res->potential = calloc(rows * cols, sizeof *res->potential);
    if (!l2_net_build(s, rows, cols, &p) || !res->potential) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory for a %zu x %zu grid", rows, cols);
        goto done;
    }
    if (p.n == 0 || p.m == 0) { /* a = b (up to rounding): nothing travels */
        res->status = WASS_OPTIMAL;
        res->cert.checked = res->cert.certified = opt->certify != 0;
        res->cert.tol = 1e-9;
        goto done;
    }
    size_t nm;
    if (wass__mul_ok(p.n, p.m, &nm) && nm <= L2_DENSE_MAX) {
        guide = l2_guide(s, rows, cols, opt, &res->iterations);
        wass_grid_options fine = *opt; /* the coarse pivots count against the limit */
        if (opt->max_iter > 0)
            fine.max_iter = opt->max_iter > res->iterations ? opt->max_iter - res->iterations : 1;
        rc = l2_dense_solve(&p, guide, &fine, &r, err);
    } else {
        rc = l2_colgen_solve(&p, opt, &r, err);
    }
    if (rc == WASS_OK && !l2_assemble(&p, &r, opt, res))
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory for a %zu x %zu grid", rows, cols);
done:
    free(guide);
    wass_result_free(&r);
    l2_net_free(&p);
    return rc;
}
