/*
 * grid_start.c - the grid graph of the grid simplex and its start bases
 * (grid_internal.h): the arcs, the basis of any spanning tree given by
 * parents, and two trees to start from: the comb (every row a path hung on
 * column 0) and the tree prolonged from the optimal tree of the problem
 * pooled to 2 x 2 blocks, the start of the multiscale solve: the coarse
 * tree's edges keep the coarse flows between blocks, so that only the moves
 * inside blocks and the choice of the edges are left to the pivots.
 */
#include "exact/grid_internal.h"

#include <stdlib.h>
#include <string.h>

/* slot k of node (r, c): the neighbour, or -1 outside the grid */
static int32_t neighbour(int32_t rows, int32_t cols, int32_t r, int32_t c, int k) {
    switch (k) {
    case 0:
        return c + 1 < cols ? r * cols + c + 1 : -1;
    case 1:
        return r + 1 < rows ? (r + 1) * cols + c : -1;
    case 2:
        return r + 1 < rows && c + 1 < cols ? (r + 1) * cols + c + 1 : -1;
    default:
        return r + 1 < rows && c > 0 ? (r + 1) * cols + c - 1 : -1;
    }
}

void wass__gs_free(wass__gsimplex *g) {
    free(g->src);
    free(g->tgt);
    free(g->fwd);
    free(g->flow);
    free(g->state);
    free(g->parent);
    free(g->pred);
    free(g->thread);
    free(g->rev);
    free(g->succ);
    free(g->last);
    free(g->dirty);
    free(g->dir);
    free(g->pi);
    memset(g, 0, sizeof *g);
}

int wass__gs_alloc(wass__gsimplex *g, size_t rows, size_t cols, int E) {
    memset(g, 0, sizeof *g);
    const int32_t R = (int32_t)rows, C = (int32_t)cols, N = R * C;
    int32_t A = 0;
    for (int32_t r = 0; r < R; r++)
        for (int32_t c = 0; c < C; c++)
            for (int k = 0; k < E; k++)
                A += neighbour(R, C, r, c, k) >= 0 ? 2 : 0;
    size_t tot = (size_t)A + (size_t)N, n1 = (size_t)N + 1;
    g->rows = R;
    g->cols = C;
    g->E = E;
    g->N = N;
    g->A = A;
    g->src = malloc(tot * sizeof *g->src);
    g->tgt = malloc(tot * sizeof *g->tgt);
    g->fwd = malloc((size_t)N * (size_t)E * sizeof *g->fwd);
    g->flow = calloc(tot, sizeof *g->flow);
    g->state = malloc(tot);
    g->parent = malloc(n1 * sizeof(int32_t));
    g->pred = malloc(n1 * sizeof(int32_t));
    g->thread = malloc(n1 * sizeof(int32_t));
    g->rev = malloc(n1 * sizeof(int32_t));
    g->succ = malloc(n1 * sizeof(int32_t));
    g->last = malloc(n1 * sizeof(int32_t));
    g->dirty = malloc(n1 * sizeof(int32_t));
    g->dir = malloc(n1);
    g->pi = malloc(n1 * sizeof(int32_t));
    if (!g->src || !g->tgt || !g->fwd || !g->flow || !g->state || !g->parent || !g->pred ||
        !g->thread || !g->rev || !g->succ || !g->last || !g->dirty || !g->dir || !g->pi) {
        wass__gs_free(g);
        return 0;
    }
    int32_t e = 0;
    /* arcs in tiles of T x T pixels: the pricing sweeps the grid tile by tile */
    const int32_t T = 16;
    for (int32_t R0 = 0; R0 < R; R0 += T)
        for (int32_t C0 = 0; C0 < C; C0 += T)
            for (int32_t r = R0; r < R0 + T && r < R; r++)
                for (int32_t c = C0; c < C0 + T && c < C; c++)
                    for (int k = 0; k < E; k++) {
                        int32_t u = r * C + c, v = neighbour(R, C, r, c, k);
                        g->fwd[(size_t)u * (size_t)E + (size_t)k] = v >= 0 ? e : -1;
                        if (v < 0) continue;
                        g->src[e] = u;
                        g->tgt[e++] = v;
                        g->src[e] = v;
                        g->tgt[e++] = u;
                    }
    memset(g->state, WASS__GS_LOWER, tot);
    for (size_t k = (size_t)A; k < tot; k++)
        g->src[k] = g->tgt[k] = 0; /* artificial arcs: set for pixel 0, never priced */
    return 1;
}

int32_t wass__gs_arc(const wass__gsimplex *g, int32_t u, int32_t v) {
    if (u < 0 || v < 0 || u >= g->N || v >= g->N) return -1;
    int32_t dr = v / g->cols - u / g->cols, dc = v % g->cols - u % g->cols;
    int flip = dr < 0 || (dr == 0 && dc < 0);
    if (flip) {
        int32_t t = u;
        u = v;
        v = t;
        dr = -dr;
        dc = -dc;
    }
    int k = dr == 0 && dc == 1 ? 0 : dr == 1 && dc == 0 ? 1 : dr == 1 && dc == 1 ? 2 : 3;
    if (dr != 1 && k != 0) return -1;
    if (k == 3 && dc != -1) return -1;
    if (k >= g->E) return -1;
    int32_t e = g->fwd[(size_t)u * (size_t)g->E + (size_t)k];
    return e < 0 ? -1 : flip ? e ^ 1 : e;
}

/* The breadth-first order of the tree from pixel 0 into bfs (children
 * lists in head / kids); returns the number of pixels reached. */
static int32_t tree_order(int32_t N, const int32_t *par, int32_t *head, int32_t *kids,
                          int32_t *bfs) {
    memset(head, 0, ((size_t)N + 1) * sizeof *head);
    for (int32_t u = 0; u < N; u++)
        if (par[u] >= 0 && par[u] < N) head[par[u] + 1]++;
    for (int32_t u = 0; u < N; u++)
        head[u + 1] += head[u];
    for (int32_t u = 0; u < N; u++)
        if (par[u] >= 0 && par[u] < N) kids[head[par[u]]++] = u;
    for (int32_t u = N; u > 0; u--)
        head[u] = head[u - 1];
    head[0] = 0;
    int32_t len = 0;
    if (par[0] == -1) bfs[len++] = 0;
    for (int32_t i = 0; i < len; i++)
        for (int32_t k = head[bfs[i]]; k < head[bfs[i] + 1]; k++)
            if (len < N) bfs[len++] = kids[k];
    return len;
}

/* Flows, arc states and directions of the tree edges from the subtree
 * supplies (accumulated in S). */
static void tree_flows(wass__gsimplex *g, const double *s, const int32_t *bfs, double *S) {
    const int32_t N = g->N, root = N;
    memcpy(S, s, (size_t)N * sizeof *S);
    for (int32_t i = N - 1; i >= 0; i--) {
        int32_t u = bfs[i], p = g->parent[u];
        double f = S[u];
        int32_t up; /* the arc u -> parent */
        if (p == root) {
            up = g->A; /* pixel 0's artificial arc */
            g->src[up] = 0;
            g->tgt[up] = root;
            if (f < 0) g->src[up] = root, g->tgt[up] = 0;
            g->pred[u] = up;
            g->dir[u] = f >= 0 ? WASS__GS_UP : WASS__GS_DOWN;
            g->flow[up] = f >= 0 ? f : -f;
        } else {
            S[p] += f;
            up = wass__gs_arc(g, u, p);
            g->pred[u] = f >= 0 ? up : up ^ 1;
            g->dir[u] = f >= 0 ? WASS__GS_UP : WASS__GS_DOWN;
            g->flow[g->pred[u]] = f >= 0 ? f : -f;
        }
        g->state[g->pred[u]] = WASS__GS_TREE;
    }
}

int wass__gs_tree(wass__gsimplex *g, const double *s, const int32_t *par, int32_t *work,
                  double *S) {
    const int32_t N = g->N, root = N;
    int32_t *head = work, *kids = work + N + 1, *bfs = kids + N, *pre = g->dirty, *pos = g->last;
    for (int32_t u = 1; u < N; u++)
        if (wass__gs_arc(g, u, par[u]) < 0) return 0;
    if (tree_order(N, par, head, kids, bfs) != N) return 0;
    /* subtree sizes (children after parents in bfs), then preorder positions */
    for (int32_t u = 0; u < N; u++)
        g->succ[u] = 1;
    for (int32_t i = N - 1; i > 0; i--)
        g->succ[par[bfs[i]]] += g->succ[bfs[i]];
    pos[0] = 0;
    for (int32_t i = 0; i < N; i++) {
        int32_t u = bfs[i], next = pos[u] + 1;
        for (int32_t k = head[u]; k < head[u + 1]; k++) {
            pos[kids[k]] = next;
            next += g->succ[kids[k]];
        }
    }
    for (int32_t u = 0; u < N; u++)
        pre[pos[u]] = u;
    for (int32_t k = 0; k < N; k++) {
        g->thread[pre[k]] = k + 1 < N ? pre[k + 1] : root;
        g->rev[pre[k]] = k > 0 ? pre[k - 1] : root;
    }
    for (int32_t u = 0; u < N; u++) {
        g->last[u] = pre[pos[u] + g->succ[u] - 1];
        g->parent[u] = u == 0 ? root : par[u];
    }
    g->parent[root] = -1;
    g->pred[root] = -1;
    g->thread[root] = 0;
    g->succ[root] = N + 1;
    g->last[root] = pre[N - 1];
    g->dir[root] = WASS__GS_UP;
    tree_flows(g, s, bfs, S);
    g->pi[root] = 0;
    g->pi[0] = 0;
    for (int32_t i = 1; i < N; i++) {
        int32_t u = bfs[i];
        g->pi[u] = g->pi[par[u]] + (g->dir[u] == WASS__GS_UP ? -1 : 1);
    }
    return 1;
}

void wass__gs_comb(int32_t rows, int32_t cols, int32_t *par) {
    for (int32_t r = 0; r < rows; r++)
        for (int32_t c = 0; c < cols; c++)
            par[r * cols + c] = c > 0 ? r * cols + c - 1 : r > 0 ? (r - 1) * cols : -1;
}

void wass__gs_prolong(int32_t rows, int32_t cols, const int32_t *cpar, int32_t *par) {
    const int32_t cr = (rows + 1) / 2, cc = (cols + 1) / 2;
    for (int32_t R = 0; R < cr; R++)
        for (int32_t C = 0; C < cc; C++) {
            int32_t B = R * cc + C, r0 = 2 * R, c0 = 2 * C, er = r0, ec = c0;
            if (B == 0) {
                par[0] = -1;
            } else {
                /* the block enters its parent block by the grid edge between them
                 * (a diagonal one for a diagonal coarse edge) */
                int32_t dR = cpar[B] / cc - R, dC = cpar[B] % cc - C;
                er = dR > 0 ? r0 + 1 : r0;
                ec = dC > 0 ? c0 + 1 : c0;
                par[er * cols + ec] = (er + dR) * cols + ec + dC;
            }
            for (int32_t r = r0; r < r0 + 2 && r < rows; r++)
                for (int32_t c = c0; c < c0 + 2 && c < cols; c++) {
                    if (r == er && c == ec) continue;
                    /* the entry's row and column neighbours hang on it, the
                     * opposite corner on the row neighbour */
                    par[r * cols + c] = r == er || c == ec ? er * cols + ec : er * cols + c;
                }
        }
}
