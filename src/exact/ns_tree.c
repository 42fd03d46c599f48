/*
 * ns_tree.c - the spanning-tree basis of the network simplex: allocation,
 * construction from a start forest, potentials and the full consistency check.
 */
#include "exact/ns_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Release the tree arrays (safe on a partly allocated tree). */
void wass__ns_tree_free(ns_tree *t) {
    free(t->parent);
    free(t->thread);
    free(t->rev);
    free(t->size);
    free(t->last);
    free(t->flow);
    free(t->phi);
    free(t->buf);
    free(t->stem);
    free(t->path_a);
    free(t->path_b);
    free(t->rowc);
    free(t->orig);
    free(t->pos);
    free(t->tmpd);
}

/* Allocate the O(n + m) arrays of the tree; all freed by wass__ns_tree_free. */
int wass__ns_tree_alloc(ns_tree *t, size_t n, size_t m) {
    size_t N1 = n + m + 1;
    memset(t, 0, sizeof *t);
    if (n + m >= (size_t)NS_NODE_MAX || n + m < n) return WASS_ERR_SIZE;
    t->n = n;
    t->m = m;
    t->N = (ns_node)(n + m);
    t->root = t->N;
    t->parent = malloc(N1 * sizeof(ns_node));
    t->thread = malloc(N1 * sizeof(ns_node));
    t->rev = malloc(N1 * sizeof(ns_node));
    t->size = malloc(N1 * sizeof(ns_node));
    t->last = malloc(N1 * sizeof(ns_node));
    t->flow = malloc(N1 * sizeof(double));
    t->phi = malloc(N1 * sizeof(double));
    t->buf = malloc(2 * N1 * sizeof(ns_node)); /* pivot: two ends of up to N1 pieces */
    t->stem = malloc(N1 * sizeof(ns_node));
    t->path_a = malloc(N1 * sizeof(ns_node));
    t->path_b = malloc(N1 * sizeof(ns_node));
    t->rowc = malloc(m * sizeof(double));
    t->orig = malloc(N1 * sizeof(ns_node));
    t->pos = malloc(N1 * sizeof(ns_node));
    t->tmpd = malloc(N1 * sizeof(double));
    if (!t->parent || !t->thread || !t->rev || !t->size || !t->last || !t->flow || !t->phi ||
        !t->buf || !t->stem || !t->path_a || !t->path_b || !t->rowc || !t->orig || !t->pos ||
        !t->tmpd)
        return WASS_ERR_NOMEM;
    for (size_t x = 0; x < N1; x++)
        t->orig[x] = t->pos[x] = (ns_node)x;
    return WASS_OK;
}

/* Potentials from scratch along the thread (parents come before children).
 * Returns 0 if a cost read on the tree is not finite. */
int wass__ns_recompute_potentials(ns_tree *t, double *maxabs) {
    ns_node root = t->root;
    const ns_node *orig = t->orig;
    double mx = 0.0;
    t->phi[root] = 0.0;
    for (ns_node l = t->thread[root]; l != root; l = t->thread[l]) {
        ns_node x = orig[l], p = orig[t->parent[l]];
        double ph;
        if (p == root)
            ph = 0.0;
        else if ((size_t)x < t->n)
            ph = arc_cost1(t, (size_t)x, (size_t)p - t->n) + t->phi[p];
        else
            ph = t->phi[p] - arc_cost1(t, (size_t)p, (size_t)x - t->n);
        if (!isfinite(ph)) return 0;
        t->phi[x] = ph;
        if (fabs(ph) > mx) mx = fabs(ph);
    }
    *maxabs = mx;
    return 1;
}

/* Build the tree from a forest of positive-flow arcs: each component hangs
 * below the root on an artificial arc. Returns WASS_ERR_INTERNAL if the arcs
 * contain a cycle. */
int wass__ns_tree_init(ns_tree *t, const wass__ns_arc *arcs, size_t narcs) {
    size_t n = t->n, N = (size_t)t->N;
    ns_node root = t->root;
    int rc = WASS_OK;
    /* adjacency in CSR form */
    size_t *deg = calloc(N + 1, sizeof(size_t));
    ns_node *adj = malloc((2 * narcs + 1) * sizeof(ns_node));
    double *adjf = malloc((2 * narcs + 1) * sizeof(double));
    size_t *pos = malloc((N + 1) * sizeof(size_t));
    if (!deg || !adj || !adjf || !pos) {
        rc = WASS_ERR_NOMEM;
        goto done;
    }
    for (size_t k = 0; k < narcs; k++) {
        deg[arcs[k].i + 1]++;
        deg[n + arcs[k].j + 1]++;
    }
    for (size_t x = 0; x < N; x++)
        deg[x + 1] += deg[x];
    memcpy(pos, deg, (N + 1) * sizeof(size_t));
    for (size_t k = 0; k < narcs; k++) {
        size_t a = arcs[k].i, b = n + arcs[k].j;
        adj[pos[a]] = (ns_node)b;
        adjf[pos[a]++] = arcs[k].mass;
        adj[pos[b]] = (ns_node)a;
        adjf[pos[b]++] = arcs[k].mass;
    }
    for (size_t x = 0; x < N; x++)
        t->parent[x] = -2; /* unvisited */
    t->parent[root] = -1;
    t->flow[root] = 0.0;
    /* iterative DFS; buf is the stack of nodes, pos[] the next neighbour */
    memcpy(pos, deg, (N + 1) * sizeof(size_t));
    ns_node prev = root; /* last node appended to the thread */
    size_t order = 0;    /* preorder index, stored temporarily in size[] */
    size_t ntops = t->in->start_tops ? t->in->start_ntops : 0;
    for (size_t rr = 0; rr < ntops + N; rr++) {
        size_t r = rr < ntops ? t->in->start_tops[rr] : rr - ntops;
        if (t->parent[r] != -2) continue;
        size_t sp = 0;
        t->parent[r] = root;
        t->flow[r] = 0.0;
        t->stem[r] = (ns_node)order++;
        t->thread[prev] = (ns_node)r;
        t->rev[r] = prev;
        prev = (ns_node)r;
        t->buf[sp++] = (ns_node)r;
        while (sp > 0) {
            ns_node x = t->buf[sp - 1];
            if (pos[x] < deg[x + 1]) {
                size_t e = pos[x]++;
                ns_node y = adj[e];
                if (y == t->parent[x]) continue;
                if (t->parent[y] != -2) {
                    rc = WASS_ERR_INTERNAL; /* a cycle: not a forest */
                    goto done;
                }
                t->parent[y] = x;
                t->flow[y] = adjf[e];
                t->stem[y] = (ns_node)order++;
                t->thread[prev] = y;
                t->rev[y] = prev;
                prev = y;
                t->buf[sp++] = y;
            } else {
                sp--;
                t->last[x] = prev;
                t->size[x] = (ns_node)order - t->stem[x];
            }
        }
    }
    t->thread[prev] = root;
    t->rev[root] = prev;
    t->last[root] = prev;
    t->size[root] = (ns_node)N + 1;
    wass__ns_relabel(t);
done:
    free(deg);
    free(adj);
    free(adjf);
    free(pos);
    return rc;
}

/* Full consistency check of the tree (tests only): thread is one cycle in
 * preorder, sizes and last nodes match, flows are nonnegative and conserve
 * mass up to the supplies, tree arcs have zero reduced cost. */
int wass__ns_tree_validate(ns_tree *t, double tol) {
    ns_node N1 = t->N + 1, root = t->root;
    size_t n = t->n;
    ns_node *idx = t->buf;
    ns_node k = 0, x = root;
    for (ns_node c = 0; c < N1; c++) {
        idx[x] = c;
        if (t->rev[t->thread[x]] != x) return -__LINE__;
        x = t->thread[x];
        k++;
    }
    if (x != root) return -__LINE__;
    for (x = 0; x < t->N; x++) {
        ns_node p = t->parent[x];
        if (p < 0 || p > root) return -__LINE__;
        if (idx[p] >= idx[x]) return -__LINE__;
        if (idx[p] + t->size[p] < idx[x] + t->size[x]) return -__LINE__;
        if (idx[t->last[x]] != idx[x] + t->size[x] - 1) return -__LINE__;
        if (!(t->flow[x] >= 0)) return -__LINE__;
        ns_node ox = t->orig[x], op = t->orig[p];
        if (t->pos[ox] != x) return -__LINE__;
        if (p == root) {
            if (t->flow[x] != 0) return -__LINE__;
            if (fabs(t->phi[ox] - t->phi[root]) > tol) return -__LINE__;
        } else {
            if (((size_t)ox < n) == ((size_t)op < n)) return -__LINE__; /* not bipartite */
            size_t i = (size_t)ox < n ? (size_t)ox : (size_t)op;
            size_t j = ((size_t)ox < n ? (size_t)op : (size_t)ox) - n;
            double r = arc_cost1(t, i, j) - t->phi[i] + t->phi[n + j];
            if (fabs(r) > tol) return -__LINE__;
            /* strongly feasible: zero flow only on arcs pointing up */
            if (t->flow[x] == 0 && !is_up(t, x)) return -__LINE__;
        }
    }
    /* subtree sizes sum correctly */
    for (x = 0; x < t->N; x++) {
        ns_node s = 1;
        for (ns_node y = t->thread[x]; y != root && idx[y] <= idx[t->last[x]]; y = t->thread[y]) {
            ns_node q = y;
            while (q != x && q != root)
                q = t->parent[q];
            if (q != x) return -__LINE__;
            s++;
        }
        if (s != t->size[x]) return -__LINE__;
    }
    (void)k;
    return 1;
}

/* Relabel the nodes in thread order: label c for the c-th node after the
 * root. Only the labels change; stem and buf serve as scratch. */
void wass__ns_relabel(ns_tree *t) {
    ns_node N = t->N, root = t->root, c = 0;
    ns_node *nl = t->stem, *tmp = t->buf;
    if (N <= 0) return;
    nl[root] = root;
    for (ns_node x = t->thread[root]; x != root; x = t->thread[x])
        nl[x] = c++;
    for (ns_node x = 0; x < N; x++)
        tmp[nl[x]] = nl[t->parent[x]];
    memcpy(t->parent, tmp, (size_t)N * sizeof(ns_node));
    for (ns_node x = 0; x < N; x++)
        tmp[nl[x]] = t->size[x];
    memcpy(t->size, tmp, (size_t)N * sizeof(ns_node));
    for (ns_node x = 0; x < N; x++)
        tmp[nl[x]] = nl[t->last[x]];
    memcpy(t->last, tmp, (size_t)N * sizeof(ns_node));
    t->last[root] = nl[t->last[root]];
    for (ns_node x = 0; x < N; x++)
        tmp[nl[x]] = t->orig[x];
    memcpy(t->orig, tmp, (size_t)N * sizeof(ns_node));
    for (ns_node x = 0; x < N; x++)
        t->tmpd[nl[x]] = t->flow[x];
    memcpy(t->flow, t->tmpd, (size_t)N * sizeof(double));
    for (ns_node x = 0; x < N; x++) {
        t->pos[t->orig[x]] = x;
        t->thread[x] = x + 1;
        t->rev[x] = x - 1;
    }
    t->thread[N - 1] = root;
    t->thread[root] = 0;
    t->rev[0] = root;
    t->rev[root] = N - 1;
}
