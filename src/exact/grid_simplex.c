/*
 * grid_simplex.c - the pivots of the network simplex on the grid graph
 * (grid_internal.h): first-eligible pricing, the leaving-arc rule that keeps
 * the tree strongly feasible, and the spanning-tree update in parent /
 * thread / reverse thread / subtree size / last successor arrays (the
 * structure of LEMON's network simplex, Kovacs 2015). All arc costs are 1,
 * so the potentials are integers and the pricing is exact.
 */
#include "exact/grid_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The first arc with a negative reduced cost, scanning cyclically from
 * *next: with a start this close to the optimum (grid_start.c) the first
 * eligible arc makes fewer and cheaper pivots than the most negative of a
 * block (pivots re-hang smaller subtrees). */
static int find_entering(wass__gsimplex *g, int32_t *next) {
    const int32_t total = g->A; /* artificial arcs never re-enter */
    const int32_t *pi = g->pi, *src = g->src, *tgt = g->tgt;
    const signed char *state = g->state;
    int32_t e = *next;
    for (int32_t seen = 0; seen < total; seen++) {
        int32_t cur = e;
        if (++e == total) e = 0;
        /* reduced costs are integers: 1 + pi_src - pi_tgt < 0 */
        if (state[cur] == WASS__GS_LOWER && 1 + pi[src[cur]] - pi[tgt[cur]] < 0) {
            *next = e;
            g->in_arc = cur;
            return 1;
        }
    }
    return 0;
}

static void find_join(wass__gsimplex *g) {
    int32_t u = g->src[g->in_arc], v = g->tgt[g->in_arc];
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
static int find_leaving(wass__gsimplex *g) {
    int32_t first = g->src[g->in_arc], second = g->tgt[g->in_arc];
    double delta = INFINITY;
    int result = 0;
    for (int32_t u = first; u != g->join; u = g->parent[u]) {
        if (g->dir[u] == WASS__GS_UP) {
            double d = g->flow[g->pred[u]];
            if (d < delta) {
                delta = d;
                g->u_out = u;
                result = 1;
            }
        }
    }
    for (int32_t u = second; u != g->join; u = g->parent[u]) {
        if (g->dir[u] == WASS__GS_DOWN) {
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

static void change_flow(wass__gsimplex *g) {
    double val = g->delta;
    if (val > 0) {
        g->flow[g->in_arc] += val;
        for (int32_t u = g->src[g->in_arc]; u != g->join; u = g->parent[u]) {
            double *f = &g->flow[g->pred[u]];
            if (g->dir[u] == WASS__GS_UP)
                *f -= val;
            else
                *f += val;
        }
        for (int32_t u = g->tgt[g->in_arc]; u != g->join; u = g->parent[u]) {
            double *f = &g->flow[g->pred[u]];
            if (g->dir[u] == WASS__GS_UP)
                *f += val;
            else
                *f -= val;
        }
    }
    g->state[g->in_arc] = WASS__GS_TREE;
    g->state[g->pred[g->u_out]] = WASS__GS_LOWER;
    g->flow[g->pred[g->u_out]] = 0.0; /* exact: it was the blocking amount */
}

static void update_tree(wass__gsimplex *g) {
    int32_t *parent = g->parent, *thread = g->thread, *rev = g->rev, *succ = g->succ,
            *last = g->last, *pred = g->pred;
    signed char *dir = g->dir;
    const int32_t u_in = g->u_in, v_in = g->v_in, u_out = g->u_out, join = g->join;
    int32_t old_rev = rev[u_out], old_succ = succ[u_out], old_last = last[u_out];
    int32_t v_out = parent[u_out];
    g->v_out = v_out;

    if (u_in == u_out) {
        parent[u_in] = v_in;
        pred[u_in] = g->in_arc;
        dir[u_in] = u_in == g->src[g->in_arc] ? WASS__GS_UP : WASS__GS_DOWN;
        if (thread[v_in] != u_out) {
            int32_t after = thread[old_last];
            thread[old_rev] = after;
            rev[after] = old_rev;
            after = thread[v_in];
            thread[v_in] = u_out;
            rev[u_out] = v_in;
            thread[old_last] = after;
            rev[after] = old_last;
        }
    } else {
        int32_t thread_continue = old_rev == v_in ? thread[old_last] : thread[v_in];
        int32_t stem = u_in, par_stem = v_in, next_stem;
        int32_t lst = last[u_in], before, after = thread[lst];
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
            int32_t u = g->dirty[i];
            rev[thread[u]] = u;
        }
        int32_t tmp_sc = 0, tmp_ls = last[u_out];
        for (int32_t u = u_out, p = parent[u]; u != u_in; u = p, p = parent[u]) {
            pred[u] = pred[p];
            dir[u] = (signed char)-dir[p];
            tmp_sc += succ[u] - succ[p];
            succ[u] = tmp_sc;
            last[p] = tmp_ls;
        }
        pred[u_in] = g->in_arc;
        dir[u_in] = u_in == g->src[g->in_arc] ? WASS__GS_UP : WASS__GS_DOWN;
        succ[u_in] = old_succ;
    }

    int32_t up_limit_out = last[join] == v_in ? join : -1;
    int32_t last_succ_out = last[u_out];
    for (int32_t u = v_in; u != -1 && last[u] == v_in; u = parent[u])
        last[u] = last_succ_out;
    if (join != old_rev && v_in != old_rev) {
        for (int32_t u = v_out; u != up_limit_out && last[u] == old_last; u = parent[u])
            last[u] = old_rev;
    } else if (last_succ_out != old_last) {
        for (int32_t u = v_out; u != up_limit_out && last[u] == old_last; u = parent[u])
            last[u] = last_succ_out;
    }
    for (int32_t u = v_in; u != join; u = parent[u])
        succ[u] += old_succ;
    for (int32_t u = v_out; u != join; u = parent[u])
        succ[u] -= old_succ;
}

static void update_potential(wass__gsimplex *g) {
    int32_t u_in = g->u_in;
    const int32_t c = 1; /* every real arc */
    int32_t sigma = g->pi[g->v_in] - g->pi[u_in] - (g->dir[u_in] == WASS__GS_UP ? c : -c);
    int32_t end = g->thread[g->last[u_in]];
    if (2 * g->succ[u_in] <= g->N + 1) {
        for (int32_t u = u_in; u != end; u = g->thread[u])
            g->pi[u] += sigma;
    } else {
        /* potentials matter up to a constant: shift the smaller side, the
         * nodes outside the subtree (the rest of the thread), by -sigma */
        for (int32_t u = end; u != u_in; u = g->thread[u])
            g->pi[u] -= sigma;
    }
}

int wass__gs_pivots(wass__gsimplex *g, int64_t max_iter, wass_progress_fn progress, void *user,
                    int64_t *it_out, wass_status *status, wass_error_info *err) {
    int32_t next = 0;
    int64_t it = 0;
    int rc = WASS_OK;
    *status = WASS_OPTIMAL;
    while (find_entering(g, &next)) {
        if (max_iter > 0 && it >= max_iter) {
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
        if (progress && (it & 0xffff) == 0) progress(-1.0, "grid simplex", user);
    }
    *it_out = it;
    return rc;
}
