/*
 * grid_emd.c - exact W1 between two histograms on one pixel grid, under the
 * L1 or L-infinity ground distance, as an uncapacitated min-cost flow on the
 * grid graph (4 or 8 neighbours, unit costs): the transshipment form of the
 * transport problem, with O(N) arcs instead of the N^2 of the dense form
 * (Ling & Okada, "An efficient Earth Mover's Distance algorithm for robust
 * histogram comparison", 2007).
 *
 * Solver: primal network simplex on an explicit arc list (every undirected
 * grid edge as two directed arcs) plus one artificial arc per node to a root,
 * with a strongly feasible spanning-tree basis kept in parent / thread /
 * reverse thread / subtree size / last successor arrays, block-search
 * pricing, and the leaving-arc rule that keeps the tree strongly feasible
 * (the structure of LEMON's network simplex, Kovacs 2015). All arc costs are
 * 0, 1 or the artificial cost, so the potentials are integers and the
 * pricing is exact; the result is scaled by the spacing at the end.
 */
#include "common/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ST_LOWER = 1, ST_TREE = 0 };
enum { DIR_UP = 1, DIR_DOWN = -1 };

typedef struct {
    int64_t N; /* real nodes; the root is N */
    int64_t A; /* real arcs; artificial arc of node u is A + u */
    int32_t *src, *tgt;
    double *cost, *flow;
    signed char *state;
    int64_t *parent, *pred, *thread, *rev, *succ, *last;
    signed char *dir;
    double *pi;
    int64_t *dirty;
    /* pivot state */
    int64_t in_arc, join, u_in, v_in, u_out, v_out;
    double delta;
} gsimplex;

static void gs_free(gsimplex *g) {
    free(g->src);
    free(g->tgt);
    free(g->cost);
    free(g->flow);
    free(g->state);
    free(g->parent);
    free(g->pred);
    free(g->thread);
    free(g->rev);
    free(g->succ);
    free(g->last);
    free(g->dir);
    free(g->pi);
    free(g->dirty);
}

/* slot k of node (r, c): the neighbour, or -1 outside the grid */
static int64_t neighbour(size_t rows, size_t cols, size_t r, size_t c, int k) {
    switch (k) {
    case 0:
        return c + 1 < cols ? (int64_t)(r * cols + c + 1) : -1;
    case 1:
        return r + 1 < rows ? (int64_t)((r + 1) * cols + c) : -1;
    case 2:
        return r + 1 < rows && c + 1 < cols ? (int64_t)((r + 1) * cols + c + 1) : -1;
    default:
        return r + 1 < rows && c > 0 ? (int64_t)((r + 1) * cols + c - 1) : -1;
    }
}

static int find_entering(gsimplex *g, int64_t block, int64_t *next) {
    const int64_t total = g->A; /* artificial arcs never re-enter */
    double best = -0.5;         /* reduced costs are integers */
    int64_t cnt = block, e = *next, found = -1;
    for (int64_t seen = 0; seen < total; seen++) {
        if (g->state[e] == ST_LOWER) {
            double c = g->cost[e] + g->pi[g->src[e]] - g->pi[g->tgt[e]];
            if (c < best) {
                best = c;
                found = e;
            }
        }
        if (++e == total) e = 0;
        if (--cnt == 0) {
            if (found >= 0) break;
            cnt = block;
        }
    }
    *next = e;
    g->in_arc = found;
    return found >= 0;
}

static void find_join(gsimplex *g) {
    int64_t u = g->src[g->in_arc], v = g->tgt[g->in_arc];
    while (u != v) {
        if (g->succ[u] < g->succ[v])
            u = g->parent[u];
        else
            v = g->parent[v];
    }
    g->join = u;
}

/* Entering arcs are at their lower bound: flow goes src -> tgt. Only arcs
 * whose flow decreases can block (no capacities). Returns 0 when nothing
 * blocks (cannot happen: the artificial arcs bound every cycle). */
static int find_leaving(gsimplex *g) {
    int64_t first = g->src[g->in_arc], second = g->tgt[g->in_arc];
    double delta = INFINITY;
    int result = 0;
    for (int64_t u = first; u != g->join; u = g->parent[u]) {
        if (g->dir[u] == DIR_UP) {
            double d = g->flow[g->pred[u]];
            if (d < delta) {
                delta = d;
                g->u_out = u;
                result = 1;
            }
        }
    }
    for (int64_t u = second; u != g->join; u = g->parent[u]) {
        if (g->dir[u] == DIR_DOWN) {
            double d = g->flow[g->pred[u]];
            if (d <= delta) {
                delta = d;
                g->u_out = u;
                result = 2;
            }
        }
    }
    if (result == 1) {
        g->u_in = first;
        g->v_in = second;
    } else {
        g->u_in = second;
        g->v_in = first;
    }
    g->delta = delta;
    return result != 0;
}

static void change_flow(gsimplex *g) {
    double val = g->delta;
    if (val > 0) {
        g->flow[g->in_arc] += val;
        for (int64_t u = g->src[g->in_arc]; u != g->join; u = g->parent[u]) {
            double *f = &g->flow[g->pred[u]];
            if (g->dir[u] == DIR_UP)
                *f -= val;
            else
                *f += val;
        }
        for (int64_t u = g->tgt[g->in_arc]; u != g->join; u = g->parent[u]) {
            double *f = &g->flow[g->pred[u]];
            if (g->dir[u] == DIR_UP)
                *f += val;
            else
                *f -= val;
        }
    }
    g->state[g->in_arc] = ST_TREE;
    g->state[g->pred[g->u_out]] = ST_LOWER;
    g->flow[g->pred[g->u_out]] = 0.0; /* exact: it was the blocking amount */
}

static void update_tree(gsimplex *g) {
    int64_t *parent = g->parent, *thread = g->thread, *rev = g->rev, *succ = g->succ,
            *last = g->last, *pred = g->pred;
    signed char *dir = g->dir;
    const int64_t u_in = g->u_in, v_in = g->v_in, u_out = g->u_out, join = g->join;
    int64_t old_rev = rev[u_out], old_succ = succ[u_out], old_last = last[u_out];
    int64_t v_out = parent[u_out];
    g->v_out = v_out;

    if (u_in == u_out) {
        parent[u_in] = v_in;
        pred[u_in] = g->in_arc;
        dir[u_in] = u_in == g->src[g->in_arc] ? DIR_UP : DIR_DOWN;
        if (thread[v_in] != u_out) {
            int64_t after = thread[old_last];
            thread[old_rev] = after;
            rev[after] = old_rev;
            after = thread[v_in];
            thread[v_in] = u_out;
            rev[u_out] = v_in;
            thread[old_last] = after;
            rev[after] = old_last;
        }
    } else {
        int64_t thread_continue = old_rev == v_in ? thread[old_last] : thread[v_in];
        int64_t stem = u_in, par_stem = v_in, next_stem;
        int64_t lst = last[u_in], before, after = thread[lst];
        size_t nd = 0;
        thread[v_in] = u_in;
        g->dirty[nd++] = v_in;
        while (stem != u_out) {
            next_stem = parent[stem];
            thread[lst] = next_stem;
            g->dirty[nd++] = lst;
            before = rev[stem];
            thread[before] = after;
            rev[after] = before;
            parent[stem] = par_stem;
            par_stem = stem;
            stem = next_stem;
            lst = last[stem] == last[par_stem] ? rev[par_stem] : last[stem];
            after = thread[lst];
        }
        parent[u_out] = par_stem;
        thread[lst] = thread_continue;
        rev[thread_continue] = lst;
        last[u_out] = lst;
        if (old_rev != v_in) {
            thread[old_rev] = after;
            rev[after] = old_rev;
        }
        for (size_t i = 0; i < nd; i++) {
            int64_t u = g->dirty[i];
            rev[thread[u]] = u;
        }
        int64_t tmp_sc = 0, tmp_ls = last[u_out];
        for (int64_t u = u_out, p = parent[u]; u != u_in; u = p, p = parent[u]) {
            pred[u] = pred[p];
            dir[u] = (signed char)-dir[p];
            tmp_sc += succ[u] - succ[p];
            succ[u] = tmp_sc;
            last[p] = tmp_ls;
        }
        pred[u_in] = g->in_arc;
        dir[u_in] = u_in == g->src[g->in_arc] ? DIR_UP : DIR_DOWN;
        succ[u_in] = old_succ;
    }

    int64_t up_limit_out = last[join] == v_in ? join : -1;
    int64_t last_succ_out = last[u_out];
    for (int64_t u = v_in; u != -1 && last[u] == v_in; u = parent[u])
        last[u] = last_succ_out;
    if (join != old_rev && v_in != old_rev) {
        for (int64_t u = v_out; u != up_limit_out && last[u] == old_last; u = parent[u])
            last[u] = old_rev;
    } else if (last_succ_out != old_last) {
        for (int64_t u = v_out; u != up_limit_out && last[u] == old_last; u = parent[u])
            last[u] = last_succ_out;
    }
    for (int64_t u = v_in; u != join; u = parent[u])
        succ[u] += old_succ;
    for (int64_t u = v_out; u != join; u = parent[u])
        succ[u] -= old_succ;
}

static void update_potential(gsimplex *g) {
    int64_t u_in = g->u_in;
    double c = g->cost[g->in_arc];
    double sigma = g->pi[g->v_in] - g->pi[u_in] - (g->dir[u_in] == DIR_UP ? c : -c);
    int64_t end = g->thread[g->last[u_in]];
    if (2 * g->succ[u_in] <= g->N + 1) {
        for (int64_t u = u_in; u != end; u = g->thread[u])
            g->pi[u] += sigma;
    } else {
        /* potentials matter up to a constant: shift the smaller side, the
         * nodes outside the subtree (the rest of the thread), by -sigma */
        for (int64_t u = end; u != u_in; u = g->thread[u])
            g->pi[u] -= sigma;
    }
}

/* The arguments wass_grid_emd accepts, checked in the order of its errors;
 * *N receives rows * cols and *sa, *sb the totals of a and b. */
static int grid_check(const double *a, const double *b, size_t rows, size_t cols,
                      const wass_grid_options *opt, size_t *N_out, double *sa, double *sb,
                      wass_error_info *err) {
    if (!a || !b) return wass__fail(err, WASS_ERR_INVALID, "a or b is NULL");
    if (opt->metric != WASS_GRID_L1 && opt->metric != WASS_GRID_LINF)
        return wass__fail(err, WASS_ERR_INVALID, "unknown grid metric %d", (int)opt->metric);
    if (!(opt->spacing > 0) || !isfinite(opt->spacing))
        return wass__fail(err, WASS_ERR_INVALID, "spacing must be positive and finite, got %g",
                          opt->spacing);
    size_t N;
    if (rows == 0 || cols == 0 || !wass__mul_ok(rows, cols, &N))
        return wass__fail(err, WASS_ERR_SIZE, "grid %zu x %zu is empty or too large", rows, cols);
    const int E = wass_grid_edges(opt->metric);
    if (N > (size_t)INT32_MAX / (2 * (size_t)E + 1))
        return wass__fail(err, WASS_ERR_SIZE, "grid %zu x %zu has too many pixels (at most %zu)",
                          rows, cols, (size_t)INT32_MAX / (2 * (size_t)E + 1));
    int rc;
    if ((rc = wass__check_weights(a, N, "a", sa, err))) return rc;
    if ((rc = wass__check_weights(b, N, "b", sb, err))) return rc;
    *N_out = N;
    return WASS_OK;
}

/* The grid graph: every grid edge as two unit-cost arcs at their lower
 * bound, then N artificial arcs (set up by grid_start_tree), and the result
 * arrays. slot maps an arc to its signed flow slot, fwd a slot to its arc
 * node -> neighbour (the start tree needs it). Returns 0 when out of memory;
 * the caller frees everything. */
static int grid_graph(gsimplex *g, wass_grid_result *res, size_t rows, size_t cols, int E,
                      int32_t **slot_out, int64_t **fwd_out) {
    const size_t N = rows * cols;
    res->rows = rows;
    res->cols = cols;
    res->edges = E;
    res->flows = calloc(N * (size_t)E, sizeof(double));
    res->potential = malloc(N * sizeof(double));
    size_t A = 0;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            for (int k = 0; k < E; k++)
                A += neighbour(rows, cols, r, c, k) >= 0 ? 2 : 0;
    size_t tot = A + N;
    g->N = (int64_t)N;
    g->A = (int64_t)A;
    g->src = malloc(tot * sizeof *g->src);
    g->tgt = malloc(tot * sizeof *g->tgt);
    g->cost = malloc(tot * sizeof *g->cost);
    g->flow = malloc(tot * sizeof *g->flow);
    g->state = malloc(tot);
    g->parent = malloc((N + 1) * sizeof(int64_t));
    g->pred = malloc((N + 1) * sizeof(int64_t));
    g->thread = malloc((N + 1) * sizeof(int64_t));
    g->rev = malloc((N + 1) * sizeof(int64_t));
    g->succ = malloc((N + 1) * sizeof(int64_t));
    g->last = malloc((N + 1) * sizeof(int64_t));
    g->dir = malloc(N + 1);
    g->pi = malloc((N + 1) * sizeof(double));
    g->dirty = malloc((N + 1) * sizeof(int64_t));
    int32_t *slot = *slot_out = malloc((A ? A : 1) * sizeof *slot); /* arc -> signed flow slot */
    int64_t *fwd = *fwd_out = malloc(N * (size_t)E * sizeof *fwd);  /* slot -> its arc */
    if (!res->flows || !res->potential || !g->src || !g->tgt || !g->cost || !g->flow || !g->state ||
        !g->parent || !g->pred || !g->thread || !g->rev || !g->succ || !g->last || !g->dir ||
        !g->pi || !g->dirty || !slot || !fwd)
        return 0;
    size_t e = 0;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            for (int k = 0; k < E; k++) {
                int64_t v = neighbour(rows, cols, r, c, k);
                if (v < 0) continue;
                int32_t u = (int32_t)(r * cols + c);
                int32_t q = (int32_t)((size_t)u * (size_t)E + (size_t)k);
                g->src[e] = u;
                g->tgt[e] = (int32_t)v;
                slot[e] = q + 1;
                fwd[q] = (int64_t)e;
                e++;
                g->src[e] = (int32_t)v;
                g->tgt[e] = u;
                slot[e] = -(q + 1);
                e++;
            }
    for (size_t k = 0; k < A; k++) {
        g->cost[k] = 1.0;
        g->flow[k] = 0.0;
        g->state[k] = ST_LOWER;
    }
    return 1;
}

/* The start: the comb spanning tree (every row a horizontal path, the rows
 * hung on column 0), rooted by one artificial arc at pixel 0 that carries
 * the rounding residue of the supplies s = a / sa - b / sb. The flow on a
 * tree edge is the supply of the subtree below it, sent on the arc of the
 * edge that points the right way (zero flows point up, so the tree is
 * strongly feasible); preorder is row-major. This routes all mass
 * row-then-column, an L1-optimal start for either marginal, and keeps the
 * tree shallow (depth < rows + cols). Returns 0 when out of memory. */
static int grid_start_tree(gsimplex *g, const double *a, const double *b, double sa, double sb,
                           size_t rows, size_t cols, int E, const int64_t *fwd) {
    const size_t N = rows * cols, A = (size_t)g->A;
    const int64_t root = (int64_t)N;
    double *S = malloc(N * sizeof *S), *rowsum = malloc(rows * sizeof *rowsum);
    if (!S || !rowsum) {
        free(S);
        free(rowsum);
        return 0;
    }
    for (size_t r = 0; r < rows; r++) {
        double acc = 0;
        for (size_t c = cols; c-- > 0;) {
            acc += a[r * cols + c] / sa - b[r * cols + c] / sb;
            S[r * cols + c] = acc;
        }
        rowsum[r] = acc;
    }
    {
        double acc = 0;
        for (size_t r = rows; r-- > 0;) {
            acc += rowsum[r];
            S[r * cols] = acc;
        }
    }
    for (size_t k = A; k < A + N; k++) {
        g->state[k] = ST_LOWER; /* artificial arcs are never priced */
        g->src[k] = g->tgt[k] = 0;
        g->cost[k] = 0;
        g->flow[k] = 0;
    }
    g->parent[root] = -1;
    g->pred[root] = -1;
    g->thread[root] = 0;
    g->rev[0] = root;
    g->succ[root] = (int64_t)N + 1;
    g->last[root] = root - 1;
    g->pi[root] = 0;
    g->dir[root] = DIR_UP;
    for (size_t u = 0; u < N; u++) {
        size_t r = u / cols, c = u % cols;
        g->thread[u] = u + 1 < N ? (int64_t)u + 1 : root;
        if (u + 1 < N) g->rev[u + 1] = (int64_t)u;
        g->succ[u] = c > 0 ? (int64_t)(cols - c) : (int64_t)((rows - r) * cols);
        g->last[u] = c > 0 ? (int64_t)(r * cols + cols - 1) : (int64_t)N - 1;
        double f = S[u];
        if (u == 0) {
            size_t ae = A;
            g->parent[0] = root;
            g->pred[0] = (int64_t)ae;
            g->state[ae] = ST_TREE;
            if (f >= 0) {
                g->dir[0] = DIR_UP;
                g->src[ae] = 0;
                g->tgt[ae] = (int32_t)root;
                g->flow[ae] = f;
            } else {
                g->dir[0] = DIR_DOWN;
                g->src[ae] = (int32_t)root;
                g->tgt[ae] = 0;
                g->flow[ae] = -f;
            }
            g->pi[0] = 0;
            continue;
        }
        size_t p = c > 0 ? u - 1 : u - cols;
        int64_t down = fwd[p * (size_t)E + (c > 0 ? 0 : 1)]; /* the arc p -> u */
        g->parent[u] = (int64_t)p;
        if (f >= 0) {
            g->pred[u] = down + 1; /* u -> p */
            g->dir[u] = DIR_UP;
            g->flow[down + 1] = f;
            g->pi[u] = g->pi[p] - 1.0;
        } else {
            g->pred[u] = down;
            g->dir[u] = DIR_DOWN;
            g->flow[down] = -f;
            g->pi[u] = g->pi[p] + 1.0;
        }
        g->state[g->pred[u]] = ST_TREE;
    }
    free(S);
    free(rowsum);
    return 1;
}

/* Pivots until no arc prices out or the pivot limit is reached (*status
 * WASS_ITERATION_LIMIT); *it receives the pivots made. */
static int grid_pivots(gsimplex *g, const wass_grid_options *opt, int64_t *it_out,
                       wass_status *status, wass_error_info *err) {
    int64_t block = (int64_t)sqrt((double)g->A);
    if (block < 10) block = 10;
    int64_t next = 0, it = 0;
    int rc = WASS_OK;
    *status = WASS_OPTIMAL;
    while (find_entering(g, block, &next)) {
        if (opt->max_iter > 0 && it >= opt->max_iter) {
            *status = WASS_ITERATION_LIMIT;
            break;
        }
        find_join(g);
        if (!find_leaving(g)) {
            rc = wass__fail(err, WASS_ERR_INTERNAL, "grid simplex: unbounded cycle");
            break;
        }
        change_flow(g);
        update_tree(g);
        update_potential(g);
        it++;
        if (opt->progress && (it & 0xffff) == 0)
            opt->progress(-1.0, "grid simplex", opt->progress_user);
    }
    *it_out = it;
    return rc;
}

/* The result from the final basis: flows per slot; potential f = -pi,
 * shifted so that min f = 0; both scaled by the spacing. */
static void grid_assemble(const gsimplex *g, const int32_t *slot, const wass_grid_options *opt,
                          int64_t it, wass_status status, wass_grid_result *res) {
    const size_t N = (size_t)g->N, A = (size_t)g->A, E = (size_t)res->edges;
    for (size_t k = 0; k < A; k++) {
        if (g->flow[k] == 0) continue;
        int32_t q = slot[k];
        if (q > 0)
            res->flows[q - 1] += g->flow[k];
        else
            res->flows[-q - 1] -= g->flow[k];
    }
    double mx = -INFINITY;
    for (size_t u = 0; u < N; u++)
        if (g->pi[u] > mx) mx = g->pi[u];
    double sum = 0;
    for (size_t q = 0; q < N * E; q++)
        sum += fabs(res->flows[q]);
    for (size_t u = 0; u < N; u++)
        res->potential[u] = (mx - g->pi[u]) * opt->spacing;
    res->cost = sum * opt->spacing;
    res->iterations = it;
    res->status = status;
    if (status == WASS_ITERATION_LIMIT)
        snprintf(res->message, sizeof res->message, "pivot limit %lld reached",
                 (long long)opt->max_iter);
}

/* The certificate of an optimal result, recomputed from the histograms by
 * wass_grid_certify; one missing 1e-9 turns the status WASS_NOT_CONVERGED,
 * naming the check that failed. */
static int grid_certify_result(const double *a, const double *b, size_t rows, size_t cols,
                               const wass_grid_options *opt, wass_grid_result *res,
                               wass_error_info *err) {
    wass_error_info e2;
    int rc;
    if ((rc = wass_grid_certify(a, b, rows, cols, opt, res->flows, res->potential, &res->cert,
                                &e2))) {
        wass_grid_result_free(res);
        return wass__fail(err, rc, "%s", e2.message);
    }
    const double tol = 1e-9;
    const char *bad = res->cert.marginal_error > tol      ? "marginal error"
                      : res->cert.min_reduced_cost < -tol ? "reduced cost"
                      : res->cert.duality_gap > tol       ? "duality gap"
                                                          : NULL;
    if (bad) {
        res->status = WASS_NOT_CONVERGED;
        snprintf(res->message, sizeof res->message,
                 "certificate failed (%s): marginal %.3g, reduced cost %.3g, gap %.3g", bad,
                 res->cert.marginal_error, res->cert.min_reduced_cost, res->cert.duality_gap);
    }
    return WASS_OK;
}

int wass_grid_emd(const double *a, const double *b, size_t rows, size_t cols,
                  const wass_grid_options *opt_in, wass_grid_result *res, wass_error_info *err) {
    wass__clear(err);
    if (!res) return wass__fail(err, WASS_ERR_INVALID, "res is NULL");
    memset(res, 0, sizeof *res);
    res->status = WASS_NOT_SOLVED;
    wass_grid_options opt;
    if (opt_in)
        opt = *opt_in;
    else
        wass_grid_options_default(&opt);
    size_t N;
    double sa, sb;
    int rc = grid_check(a, b, rows, cols, &opt, &N, &sa, &sb, err);
    if (rc) return rc;
    const int E = wass_grid_edges(opt.metric);
    double t0 = wass__now();

    gsimplex g;
    memset(&g, 0, sizeof g);
    int32_t *slot = NULL;
    int64_t *fwd = NULL;
    int ok = grid_graph(&g, res, rows, cols, E, &slot, &fwd) &&
             grid_start_tree(&g, a, b, sa, sb, rows, cols, E, fwd);
    free(fwd);
    if (!ok) {
        gs_free(&g);
        free(slot);
        wass_grid_result_free(res);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory for a %zu x %zu grid", rows, cols);
    }
    int64_t it;
    wass_status status;
    rc = grid_pivots(&g, &opt, &it, &status, err);
    if (rc == WASS_OK) grid_assemble(&g, slot, &opt, it, status, res);
    gs_free(&g);
    free(slot);
    if (rc != WASS_OK) {
        wass_grid_result_free(res);
        return rc;
    }
    res->seconds = wass__now() - t0;
    if (opt.certify && res->status == WASS_OPTIMAL)
        return grid_certify_result(a, b, rows, cols, &opt, res, err);
    return WASS_OK;
}
