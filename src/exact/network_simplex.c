/*
 * network_simplex.c - primal network simplex for the uncapacitated
 * transportation problem with implicit arcs.
 *
 * Nodes: sources 0..n-1, sinks n..n+m-1, and an artificial root N = n + m.
 * The basis is a spanning tree rooted at the root. Every real node stores the
 * tree arc to its parent: the parent alone determines that arc (a source
 * below a sink is the arc source->sink pointing up; a sink below a source is
 * the arc source->sink pointing down; a node below the root hangs on an
 * artificial arc node->root of cost zero and flow zero). The flow on that arc
 * is flow[node]. Preorder is kept in a doubly linked thread with subtree
 * sizes and the last node of each subtree, so that a pivot costs the length
 * of the cycle plus the size of the re-hung subtree.
 *
 * Potentials phi: the reduced cost of arc x->y with cost c is
 * c - phi[x] + phi[y]; for a real arc (i, j) that is C_ij - u_i - v_j with
 * u_i = phi[i], v_j = -phi[n + j].
 *
 * Strongly feasible trees: every tree arc carrying zero flow points towards
 * the root, so any node can send positive flow to the root. The start
 * satisfies this (real start arcs carry positive flow, artificial arcs point
 * to the root), and the leaving-arc rule (the
 * last blocking arc met when walking the cycle from its apex in the direction
 * of the flow) preserves it, so degenerate pivots cannot cycle. Flows are
 * updated by exact subtraction of the blocking amount, so a zero flow in
 * floating point is an exact zero.
 *
 * Pricing: block search over the n*m arcs in a rotating row-major order,
 * costs read a row segment at a time.
 */
#include "exact/network_simplex.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t n, m;
    int64_t N, root;
    int64_t *parent, *thread, *rev, *size, *last;
    double *flow, *phi;
    int64_t *buf, *stem, *path_a, *path_b;
    double *rowc;
    const wass__ns_input *in;
} ns_tree;

static inline double arc_cost1(const ns_tree *t, size_t i, size_t j) {
    double c;
    t->in->cost_row(t->in->cost_ctx, i, j, 1, &c);
    return c;
}

/* The tree arc above x points up (x -> parent) iff x is a source (its parent
 * is a sink) or x hangs below the root (artificial arcs point to the root). */
static inline int is_up(const ns_tree *t, int64_t x) {
    return (size_t)x < t->n || t->parent[x] == t->root;
}

static void tree_free(ns_tree *t) {
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
}

static int tree_alloc(ns_tree *t, size_t n, size_t m) {
    size_t N1 = n + m + 1;
    memset(t, 0, sizeof *t);
    t->n = n;
    t->m = m;
    t->N = (int64_t)(n + m);
    t->root = t->N;
    t->parent = malloc(N1 * sizeof(int64_t));
    t->thread = malloc(N1 * sizeof(int64_t));
    t->rev = malloc(N1 * sizeof(int64_t));
    t->size = malloc(N1 * sizeof(int64_t));
    t->last = malloc(N1 * sizeof(int64_t));
    t->flow = malloc(N1 * sizeof(double));
    t->phi = malloc(N1 * sizeof(double));
    t->buf = malloc(2 * N1 * sizeof(int64_t)); /* pivot: two ends of up to N1 pieces */
    t->stem = malloc(N1 * sizeof(int64_t));
    t->path_a = malloc(N1 * sizeof(int64_t));
    t->path_b = malloc(N1 * sizeof(int64_t));
    t->rowc = malloc(m * sizeof(double));
    if (!t->parent || !t->thread || !t->rev || !t->size || !t->last || !t->flow || !t->phi ||
        !t->buf || !t->stem || !t->path_a || !t->path_b || !t->rowc)
        return WASS_ERR_NOMEM;
    return WASS_OK;
}

/* Potentials from scratch along the thread (parents come before children).
 * Returns 0 if a cost read on the tree is not finite. */
static int recompute_potentials(ns_tree *t, double *maxabs) {
    int64_t root = t->root;
    double mx = 0.0;
    t->phi[root] = 0.0;
    for (int64_t x = t->thread[root]; x != root; x = t->thread[x]) {
        int64_t p = t->parent[x];
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
static int tree_init(ns_tree *t, const wass__ns_arc *arcs, size_t narcs) {
    size_t n = t->n, N = (size_t)t->N;
    int64_t root = t->root;
    int rc = WASS_OK;
    /* adjacency in CSR form */
    size_t *deg = calloc(N + 1, sizeof(size_t));
    int64_t *adj = malloc((2 * narcs + 1) * sizeof(int64_t));
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
        adj[pos[a]] = (int64_t)b;
        adjf[pos[a]++] = arcs[k].mass;
        adj[pos[b]] = (int64_t)a;
        adjf[pos[b]++] = arcs[k].mass;
    }
    for (size_t x = 0; x < N; x++)
        t->parent[x] = -2; /* unvisited */
    t->parent[root] = -1;
    t->flow[root] = 0.0;
    /* iterative DFS; buf is the stack of nodes, pos[] the next neighbour */
    memcpy(pos, deg, (N + 1) * sizeof(size_t));
    int64_t prev = root; /* last node appended to the thread */
    size_t order = 0;    /* preorder index, stored temporarily in size[] */
    size_t ntops = t->in->start_tops ? t->in->start_ntops : 0;
    for (size_t rr = 0; rr < ntops + N; rr++) {
        size_t r = rr < ntops ? t->in->start_tops[rr] : rr - ntops;
        if (t->parent[r] != -2) continue;
        size_t sp = 0;
        t->parent[r] = root;
        t->flow[r] = 0.0;
        t->stem[r] = (int64_t)order++;
        t->thread[prev] = (int64_t)r;
        t->rev[r] = prev;
        prev = (int64_t)r;
        t->buf[sp++] = (int64_t)r;
        while (sp > 0) {
            int64_t x = t->buf[sp - 1];
            if (pos[x] < deg[x + 1]) {
                size_t e = pos[x]++;
                int64_t y = adj[e];
                if (y == t->parent[x]) continue;
                if (t->parent[y] != -2) {
                    rc = WASS_ERR_INTERNAL; /* a cycle: not a forest */
                    goto done;
                }
                t->parent[y] = x;
                t->flow[y] = adjf[e];
                t->stem[y] = (int64_t)order++;
                t->thread[prev] = y;
                t->rev[y] = prev;
                prev = y;
                t->buf[sp++] = y;
            } else {
                sp--;
                t->last[x] = prev;
                t->size[x] = (int64_t)order - t->stem[x];
            }
        }
    }
    t->thread[prev] = root;
    t->rev[root] = prev;
    t->last[root] = prev;
    t->size[root] = (int64_t)N + 1;
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
static int tree_validate(ns_tree *t, double tol) {
    int64_t N1 = t->N + 1, root = t->root;
    size_t n = t->n;
    int64_t *idx = t->buf;
    int64_t k = 0, x = root;
    for (int64_t c = 0; c < N1; c++) {
        idx[x] = c;
        if (t->rev[t->thread[x]] != x) return -__LINE__;
        x = t->thread[x];
        k++;
    }
    if (x != root) return -__LINE__;
    for (x = 0; x < t->N; x++) {
        int64_t p = t->parent[x];
        if (p < 0 || p > root) return -__LINE__;
        if (idx[p] >= idx[x]) return -__LINE__;
        if (idx[p] + t->size[p] < idx[x] + t->size[x]) return -__LINE__;
        if (idx[t->last[x]] != idx[x] + t->size[x] - 1) return -__LINE__;
        if (!(t->flow[x] >= 0)) return -__LINE__;
        if (p == root) {
            if (t->flow[x] != 0) return -__LINE__;
            if (fabs(t->phi[x] - t->phi[root]) > tol) return -__LINE__;
        } else {
            if (((size_t)x < n) == ((size_t)p < n)) return -__LINE__; /* not bipartite */
            size_t i = (size_t)x < n ? (size_t)x : (size_t)p;
            size_t j = ((size_t)x < n ? (size_t)p : (size_t)x) - n;
            double r = arc_cost1(t, i, j) - t->phi[i] + t->phi[n + j];
            if (fabs(r) > tol) return -__LINE__;
            /* strongly feasible: zero flow only on arcs pointing up */
            if (t->flow[x] == 0 && !is_up(t, x)) return -__LINE__;
        }
    }
    /* subtree sizes sum correctly */
    for (x = 0; x < t->N; x++) {
        int64_t s = 1;
        for (int64_t y = t->thread[x]; y != root && idx[y] <= idx[t->last[x]]; y = t->thread[y]) {
            int64_t q = y;
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

/* North-west corner rule on the residual supplies rs / demands rd in the
 * given orders, appending positive arcs to arcs[k..]; returns the new count.
 * Every arc exhausts a node, so together with earlier arcs built the same
 * way the arcs form a forest. */
static size_t northwest(const wass__ns_input *in, double *rs, double *rd, wass__ns_arc *arcs,
                        size_t k) {
    size_t n = in->n, m = in->m, a = 0, b = 0;
#define SRC(q) (in->src_order ? in->src_order[q] : (q))
#define SNK(q) (in->snk_order ? in->snk_order[q] : (q))
    while (a < n && !(rs[SRC(a)] > 0))
        a++;
    while (b < m && !(rd[SNK(b)] > 0))
        b++;
    while (a < n && b < m) {
        size_t i = SRC(a), j = SNK(b);
        double f = rs[i] < rd[j] ? rs[i] : rd[j];
        arcs[k].i = i;
        arcs[k].j = j;
        arcs[k].mass = f;
        k++;
        rs[i] -= f;
        rd[j] -= f;
        if (!(rs[i] > 0))
            while (a < n && !(rs[SRC(a)] > 0))
                a++;
        if (!(rd[j] > 0))
            while (b < m && !(rd[SNK(b)] > 0))
                b++;
    }
#undef SRC
#undef SNK
    return k;
}

/* One pivot on entering arc (i, j) with reduced cost rc < 0. */
static int pivot(ns_tree *t, size_t i, size_t j, double rc) {
    int64_t *parent = t->parent, *thread = t->thread, *rev = t->rev, *size = t->size,
            *last = t->last;
    double *flow = t->flow;
    int64_t first = (int64_t)i, second = (int64_t)(t->n + j);
    /* The two sides of the cycle, bottom-up, are recorded once (pa from
     * first, pb from second, the apex excluded); the later passes read these
     * arrays instead of chasing parent pointers again. */
    int64_t *pa = t->path_a, *pb = t->path_b;
    int64_t na = 0, nb = 0;
    int64_t a = first, b = second;
    while (a != b) {
        if (size[a] < size[b]) {
            pa[na++] = a;
            a = parent[a];
        } else {
            pb[nb++] = b;
            b = parent[b];
        }
    }
    /* leaving arc: strongly feasible rule */
    double delta = INFINITY;
    int64_t q_out = -1;
    int side = 0;
    for (int64_t q = 0; q < na; q++) {
        int64_t x = pa[q];
        if (is_up(t, x) && flow[x] < delta) {
            delta = flow[x];
            q_out = q;
            side = 1;
        }
    }
    for (int64_t q = 0; q < nb; q++) {
        int64_t x = pb[q];
        if (!is_up(t, x) && flow[x] <= delta) {
            delta = flow[x];
            q_out = q;
            side = 2;
        }
    }
    if (q_out < 0) return WASS_ERR_INTERNAL; /* unbounded cycle: impossible */
    if (delta > 0) {
        for (int64_t q = 0; q < na; q++)
            flow[pa[q]] += is_up(t, pa[q]) ? -delta : delta;
        for (int64_t q = 0; q < nb; q++)
            flow[pb[q]] += is_up(t, pb[q]) ? delta : -delta;
    }
    /* the side of the leaving arc: stem[0] = u_in up to stem[k] = u_out,
     * then v_out .. below the apex; oth[] = v_in .. below the apex */
    const int64_t *stem = side == 1 ? pa : pb, *oth = side == 1 ? pb : pa;
    int64_t nside = side == 1 ? na : nb, noth = side == 1 ? nb : na;
    int64_t k = q_out;
    int64_t u_in = stem[0], u_out = stem[k];
    int64_t v_in = side == 1 ? second : first;
    double sigma = side == 1 ? rc : -rc;

    /* detach the subtree T of u_out */
    int64_t v_out = parent[u_out];
    int64_t T_size = size[u_out], T_last = last[u_out];
    int64_t before = rev[u_out], after = thread[T_last];
    thread[before] = after;
    rev[after] = before;
    for (int64_t x = v_out; x != -1 && last[x] == T_last; x = parent[x])
        last[x] = before;
    for (int64_t q = k + 1; q < nside; q++)
        size[stem[q]] -= T_size;

    /* preorder of T re-rooted at u_in, as pieces of the old thread (T is
     * detached, its own links intact): the subtree of u_in, then for each
     * stem node cur above prv what its old subtree holds before and after
     * the subtree of prv. Linking the pieces costs the stem length, not the
     * size of T. */
    int64_t *buf = t->buf, np = 0;
    buf[np++] = u_in;
    buf[np++] = last[u_in];
    for (int64_t s = 1; s <= k; s++) {
        int64_t cur = stem[s], prv = stem[s - 1];
        buf[np++] = cur;
        buf[np++] = rev[prv];
        if (last[prv] != last[cur]) {
            buf[np++] = thread[last[prv]];
            buf[np++] = last[cur];
        }
    }
    for (int64_t q = 2; q < np; q += 2) {
        thread[buf[q - 1]] = buf[q];
        rev[buf[q]] = buf[q - 1];
    }
    int64_t newlast = buf[np - 1];
    /* reverse the stem */
    for (int64_t s = k; s >= 1; s--) {
        int64_t cur = stem[s], prv = stem[s - 1];
        parent[cur] = prv;
        flow[cur] = flow[prv];
        size[cur] = T_size - size[prv];
    }
    parent[u_in] = v_in;
    flow[u_in] = delta;
    size[u_in] = T_size;
    for (int64_t s = 0; s <= k; s++)
        last[stem[s]] = newlast;
    /* insert T after v_in */
    int64_t nxt = thread[v_in];
    thread[v_in] = u_in;
    rev[u_in] = v_in;
    thread[newlast] = nxt;
    rev[nxt] = newlast;
    /* T's potentials move by sigma relative to the rest: shift the smaller
     * side (the root's potential may drift from 0; only differences count,
     * and the potentials are recomputed from the root before output) */
    double *phi = t->phi;
    int64_t x;
    if (2 * T_size <= t->N + 1) {
        x = u_in;
        for (int64_t c = 0; c < T_size; c++, x = thread[x])
            phi[x] += sigma;
    } else {
        for (x = nxt; x != u_in; x = thread[x])
            phi[x] -= sigma;
    }
    for (x = v_in; x != -1 && last[x] == v_in; x = parent[x])
        last[x] = newlast;
    for (int64_t q = 0; q < noth; q++)
        size[oth[q]] += T_size;
    return WASS_OK;
}

/* Rough max |C| from the start arcs and a deterministic sample of pairs. */
static double estimate_scale(ns_tree *t, const wass__ns_arc *arcs, size_t narcs) {
    double s = 0.0;
    for (size_t k = 0; k < narcs; k++) {
        double c = fabs(arc_cost1(t, arcs[k].i, arcs[k].j));
        if (c > s) s = c;
    }
    uint64_t st = 0x243f6a8885a308d3ull;
    size_t samples = t->n + t->m;
    if (samples > 4096) samples = 4096;
    for (size_t k = 0; k < samples; k++) {
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        size_t i = (size_t)((st >> 33) % t->n);
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        size_t j = (size_t)((st >> 33) % t->m);
        double c = fabs(arc_cost1(t, i, j));
        if (c > s) s = c;
    }
    return s;
}

/* ---- candidate arcs (shortlist pricing) ---------------------------------- */

typedef struct {
    size_t i, j;
    double c;
} cand_arc;

typedef struct {
    cand_arc *a;
    size_t len, cap, pos;
} cand_list;

static int cand_push(cand_list *L, size_t i, size_t j, double c) {
    if (L->len == L->cap) {
        size_t cap = L->cap ? 2 * L->cap : 1024;
        cand_arc *na = realloc(L->a, cap * sizeof *na);
        if (!na) return WASS_ERR_NOMEM;
        L->a = na;
        L->cap = cap;
    }
    L->a[L->len].i = i;
    L->a[L->len].j = j;
    L->a[L->len].c = c;
    L->len++;
    return WASS_OK;
}

/* Shortlists: the k cheapest sinks of every source and the cheapest source
 * of every sink (one pass over all costs). */
static int cand_init(ns_tree *t, cand_list *L, size_t k) {
    size_t n = t->n, m = t->m;
    double *rowc = t->rowc;
    double *colbest = malloc(m * sizeof(double));
    size_t *colarg = malloc(m * sizeof(size_t));
    double *kc = malloc(k * sizeof(double));
    size_t *kj = malloc(k * sizeof(size_t));
    int rc = WASS_OK;
    if (!colbest || !colarg || !kc || !kj) {
        rc = WASS_ERR_NOMEM;
        goto done;
    }
    for (size_t j = 0; j < m; j++) {
        colbest[j] = INFINITY;
        colarg[j] = 0;
    }
    for (size_t i = 0; i < n; i++) {
        t->in->cost_row(t->in->cost_ctx, i, 0, m, rowc);
        size_t cnt = 0;
        for (size_t j = 0; j < m; j++) {
            double c = rowc[j];
            if (c < colbest[j]) {
                colbest[j] = c;
                colarg[j] = i;
            }
            if (cnt < k || c < kc[cnt - 1]) {
                /* insertion into the sorted list of the k best */
                size_t q = cnt < k ? cnt++ : cnt - 1;
                while (q > 0 && kc[q - 1] > c) {
                    kc[q] = kc[q - 1];
                    kj[q] = kj[q - 1];
                    q--;
                }
                kc[q] = c;
                kj[q] = j;
            }
        }
        for (size_t q = 0; q < cnt; q++)
            if ((rc = cand_push(L, i, kj[q], kc[q]))) goto done;
    }
    for (size_t j = 0; j < m; j++)
        if (colbest[j] < INFINITY && (rc = cand_push(L, colarg[j], j, colbest[j]))) goto done;
done:
    free(colbest);
    free(colarg);
    free(kc);
    free(kj);
    return rc;
}

/* Block search over the candidate arcs. */
static int price_cand(ns_tree *t, cand_list *L, size_t B, double tol, size_t *bi, size_t *bj,
                      double *bestp) {
    const double *phi = t->phi;
    size_t n = t->n, E = L->len, pos = L->pos, inblock = 0;
    double best = -tol;
    size_t bk = (size_t)-1;
    const cand_arc *a = L->a;
    const double *phiv = phi + n;
    /* runs of up to 16 arcs: a branch-free test against the current best
     * first, the argmin only for a run that holds a winner */
    for (size_t s = 0; s < E;) {
        size_t len = 16;
        if (len > E - pos) len = E - pos;
        if (len > B - inblock) len = B - inblock;
        if (len > E - s) len = E - s;
        int any = 0;
        for (size_t q = pos; q < pos + len; q++)
            any |= (a[q].c - phi[a[q].i] + phiv[a[q].j]) < best;
        if (any)
            for (size_t q = pos; q < pos + len; q++) {
                double r = a[q].c - phi[a[q].i] + phiv[a[q].j];
                if (r < best) {
                    best = r;
                    bk = q;
                }
            }
        s += len;
        pos += len;
        if (pos == E) pos = 0;
        inblock += len;
        if (inblock == B) {
            if (bk != (size_t)-1) break;
            inblock = 0;
        }
    }
    L->pos = pos;
    if (bk == (size_t)-1) return 0;
    *bi = L->a[bk].i;
    *bj = L->a[bk].j;
    *bestp = best;
    return 1;
}

/* Add to the candidate list the (at most) q_add most negative reduced-cost
 * arcs of row i, whose costs are in t->rowc; qr/qj are scratch of q_add.
 * Returns how many were added, or WASS_ERR_NOMEM. */
static int64_t push_most_negative(ns_tree *t, cand_list *L, size_t i, double ui, double tol,
                                  size_t q_add, double *qr, size_t *qj) {
    size_t n = t->n, m = t->m, cnt = 0;
    for (size_t j = 0; j < m; j++) {
        double r = t->rowc[j] - ui + t->phi[n + j];
        if (!(r < -tol)) continue;
        if (cnt < q_add || r < qr[cnt - 1]) {
            size_t q = cnt < q_add ? cnt++ : cnt - 1;
            while (q > 0 && qr[q - 1] > r) {
                qr[q] = qr[q - 1];
                qj[q] = qj[q - 1];
                q--;
            }
            qr[q] = r;
            qj[q] = j;
        }
    }
    for (size_t q = 0; q < cnt; q++)
        if (cand_push(L, i, qj[q], t->rowc[qj[q]])) return WASS_ERR_NOMEM;
    return (int64_t)cnt;
}

/* Full pricing round: add the most negative arc of every row to the
 * candidates. Returns the number added (or a negative error code). */
static int64_t cand_round(ns_tree *t, cand_list *L, double tol, size_t q_add, double *qr,
                          size_t *qj) {
    const wass__ns_input *in = t->in;
    size_t n = t->n, m = t->m;
    int64_t added = 0;
    for (size_t i = 0; i < n; i++) {
        double ui = t->phi[i], best = -tol;
        size_t k;
        if (q_add > 1 && !(in->price_row && in->price_row_saves)) {
            /* one pass over the row's costs: its q_add most negative arcs */
            in->cost_row(in->cost_ctx, i, 0, m, t->rowc);
            int64_t got = push_most_negative(t, L, i, ui, tol, q_add, qr, qj);
            if (got < 0) return got;
            added += got;
            continue;
        }
        if (in->price_row) {
            k = in->price_row(in->cost_ctx, i, 0, m, ui, t->phi + n, &best, t->rowc);
        } else {
            in->cost_row(in->cost_ctx, i, 0, m, t->rowc);
            k = (size_t)-1;
            for (size_t j = 0; j < m; j++) {
                double r = t->rowc[j] - ui + t->phi[n + j];
                if (r < best) {
                    best = r;
                    k = j;
                }
            }
        }
        if (k == (size_t)-1) continue;
        if (q_add <= 1) {
            if (cand_push(L, i, k, arc_cost1(t, i, k))) return WASS_ERR_NOMEM;
            added++;
            continue;
        }
        /* this row has violations: take its q_add most negative arcs */
        if (!(in->price_row && in->price_to_cost && in->price_to_cost(in->cost_ctx, i, m, t->rowc)))
            in->cost_row(in->cost_ctx, i, 0, m, t->rowc);
        int64_t got = push_most_negative(t, L, i, ui, tol, q_add, qr, qj);
        if (got < 0) return got;
        added += got;
    }
    return added;
}

typedef struct {
    double c;
    size_t idx;
} cost_idx;

/* Order-preserving unsigned key of a double (-0 and +0 alike). */
static inline uint64_t cost_key(double c) {
    uint64_t u;
    if (c == 0) c = 0.0;
    memcpy(&u, &c, sizeof u);
    return (u >> 63) ? ~u : (u | (UINT64_C(1) << 63));
}

/* Stable LSD radix sort of a[0..len) by cost (ties keep their order), with
 * tmp of len entries; 11-bit digits, a digit on which all keys agree is
 * skipped. Returns the buffer holding the result (a or tmp). */
static cost_idx *sort_cost_idx(cost_idx *a, cost_idx *tmp, size_t len) {
    size_t cnt[2048];
    for (int sh = 0; sh < 64; sh += 11) {
        memset(cnt, 0, sizeof cnt);
        for (size_t q = 0; q < len; q++)
            cnt[(cost_key(a[q].c) >> sh) & 2047]++;
        if (len == 0 || cnt[(cost_key(a[0].c) >> sh) & 2047] == len) continue;
        size_t sum = 0;
        for (size_t d = 0; d < 2048; d++) {
            size_t c = cnt[d];
            cnt[d] = sum;
            sum += c;
        }
        for (size_t q = 0; q < len; q++)
            tmp[cnt[(cost_key(a[q].c) >> sh) & 2047]++] = a[q];
        cost_idx *sw = a;
        a = tmp;
        tmp = sw;
    }
    return a;
}

/* Least-cost start on the candidate arcs (cheapest first, each arc
 * exhausting a node), completed by the north-west corner rule. */
static int greedy_start(const wass__ns_input *in, const cand_list *L, wass__ns_arc *arcs,
                        size_t *narcs) {
    size_t n = in->n, m = in->m, k = 0;
    double *rs = malloc(n * sizeof(double)), *rd = malloc(m * sizeof(double));
    cost_idx *ord = malloc((L->len ? L->len : 1) * sizeof *ord);
    cost_idx *tmp = malloc((L->len ? L->len : 1) * sizeof *tmp);
    if (!rs || !rd || !ord || !tmp) {
        free(rs);
        free(rd);
        free(ord);
        free(tmp);
        return WASS_ERR_NOMEM;
    }
    memcpy(rs, in->supply, n * sizeof(double));
    memcpy(rd, in->demand, m * sizeof(double));
    for (size_t e = 0; e < L->len; e++) {
        ord[e].c = L->a[e].c;
        ord[e].idx = e;
    }
    const cost_idx *srt = sort_cost_idx(ord, tmp, L->len);
    for (size_t q = 0; q < L->len; q++) {
        const cand_arc *e = &L->a[srt[q].idx];
        double f = rs[e->i] < rd[e->j] ? rs[e->i] : rd[e->j];
        if (!(f > 0)) continue;
        arcs[k].i = e->i;
        arcs[k].j = e->j;
        arcs[k].mass = f;
        k++;
        rs[e->i] -= f;
        rd[e->j] -= f;
    }
    *narcs = northwest(in, rs, rd, arcs, k);
    free(rs);
    free(rd);
    free(ord);
    free(tmp);
    return WASS_OK;
}

/* Block search over the sparse candidate arcs (in->arc_ptr), from the
 * rotating position (*pi, *pk); same rule as the dense block search. */
static int price_sparse(const wass__ns_input *in, const double *phi, double tol, size_t B,
                        size_t *pi, size_t *pk, double *best_out, size_t *bi, size_t *bj) {
    size_t n = in->n, total = in->arc_ptr[n], i = *pi, k = *pk;
    const size_t *ptr = in->arc_ptr, *col = in->arc_col;
    const double *cost = in->arc_cost, *phiv = phi + n;
    double best = -tol;
    int found = 0;
    size_t scanned = 0, inblock = 0;
    while (scanned < total) {
        while (k >= ptr[i + 1]) {
            if (++i == n) i = 0;
            k = ptr[i];
        }
        size_t end = ptr[i + 1];
        if (end - k > B - inblock) end = k + (B - inblock);
        double ui = phi[i];
        for (; k < end; k++) {
            double r = cost[k] - ui + phiv[col[k]];
            if (r < best) {
                best = r;
                *bi = i;
                *bj = col[k];
                found = 1;
            }
            scanned++;
            inblock++;
        }
        if (inblock == B) {
            if (found) break;
            inblock = 0;
        }
    }
    *pi = i;
    *pk = k;
    *best_out = best;
    return found;
}

void wass__ns_output_free(wass__ns_output *out) {
    if (!out) return;
    free(out->flows);
    free(out->u);
    free(out->v);
    free(out->tree);
    free(out->tops);
    memset(out, 0, sizeof *out);
}

static double pricing_tol(double maxphi) {
    double tol = 1e-13 * maxphi;
    return tol > 0 ? tol : DBL_MIN;
}

int wass__ns_solve(const wass__ns_input *in, wass__ns_output *out, wass_error_info *err) {
    memset(out, 0, sizeof *out);
    out->status = WASS_NOT_SOLVED;
    size_t n = in->n, m = in->m;
    ns_tree t;
    wass__ns_arc *start = NULL;
    cand_list cand = {NULL, 0, 0, 0};
    double *qr = NULL;
    size_t *qj = NULL;
    int dbg = 1; /* what tree_validate reported */
    int rc = tree_alloc(&t, n, m);
    if (rc) goto fail;
    t.in = in;
    const wass__ns_arc *arcs = in->start;
    size_t narcs = in->start_len;
    /* shortlist pricing: candidates first, full rounds to complete them */
    size_t k_short = 0;
    if (in->shortlist > 0)
        k_short = (size_t)in->shortlist;
    else if (in->shortlist == 0 && m >= 32 && n >= 4)
        k_short = (size_t)fmax(10.0, ceil(3.0 * log2((double)m)));
    if (k_short > m) k_short = m;
    if (in->arc_ptr) k_short = 0; /* the caller's candidates rule */
    size_t q_add = k_short;       /* arcs a full round may add per row */
    if (k_short) {
        qr = malloc(q_add * sizeof(double));
        qj = malloc(q_add * sizeof(size_t));
        if (!qr || !qj) {
            rc = WASS_ERR_NOMEM;
            goto fail;
        }
        rc = cand_init(&t, &cand, k_short);
        if (rc) goto fail;
    }
    if (!arcs) {
        start = malloc((n + m) * sizeof *start);
        if (!start) {
            rc = WASS_ERR_NOMEM;
            goto fail;
        }
        if (k_short) {
            rc = greedy_start(in, &cand, start, &narcs);
            if (rc) goto fail;
        } else {
            double *rs = malloc(n * sizeof(double)), *rd = malloc(m * sizeof(double));
            if (!rs || !rd) {
                free(rs);
                free(rd);
                rc = WASS_ERR_NOMEM;
                goto fail;
            }
            memcpy(rs, in->supply, n * sizeof(double));
            memcpy(rd, in->demand, m * sizeof(double));
            narcs = northwest(in, rs, rd, start, 0);
            free(rs);
            free(rd);
        }
        arcs = start;
    }
    rc = tree_init(&t, arcs, narcs);
    if (rc) goto fail;
    double scale = in->cost_scale > 0 ? in->cost_scale : estimate_scale(&t, arcs, narcs);
    free(start);
    start = NULL;
    double maxphi;
    if (!recompute_potentials(&t, &maxphi)) {
        rc = WASS_ERR_NAN;
        goto fail;
    }
    /* Pricing tolerance: C_ij - u_i - v_j carries a rounding error of order
     * eps * (|C_ij| + |u_i| + |v_j|), and only arcs whose cost is comparable
     * to the potentials can have a negative reduced cost, so the tolerance
     * follows the current potentials (re-derived whenever they are
     * recomputed). Tying it to the largest cost instead lets a basis with
     * costs spanning 1e-9..1e12 stop with reduced costs of -0.03 on arcs
     * costing 1e-4. */
    double tol = pricing_tol(maxphi);

    size_t total = n * m;
    size_t B = (size_t)ceil(sqrt((double)total));
    if (B < 16) B = 16;
    if (in->block_size > 0) B = (size_t)in->block_size;
    if (B > total) B = total;
    size_t Bc = 0;
    size_t pi = 0, pj = 0;               /* rotating position in row-major arc order */
    size_t sp_i = 0, sp_k = 0, sp_B = 0; /* the same for sparse candidate arcs */
    if (in->arc_ptr) {
        size_t nnz = in->arc_ptr[n];
        sp_B = in->block_size > 0 ? (size_t)in->block_size : (size_t)ceil(sqrt((double)nnz));
        if (sp_B < 16) sp_B = 16;
    }
    int64_t iter = 0;
    int64_t recompute_every = t.N > 1000 ? t.N : 1000;
    int64_t since_recompute = 0;
    const double *phiv = t.phi + n;
    double *rowc = t.rowc;
    int status = WASS_OPTIMAL;
    for (;;) {
        /* pricing: block search */
        double best = -tol;
        size_t bi = 0, bj = 0;
        int found = 0;
        size_t scanned = 0, inblock = 0;
        if (in->arc_ptr) { /* sparse candidate arcs */
            found = price_sparse(in, t.phi, tol, sp_B, &sp_i, &sp_k, &best, &bi, &bj);
            scanned = total;
        } else if (k_short) {
            Bc = (size_t)ceil(sqrt((double)cand.len));
            if (Bc < 16) Bc = 16;
            if (in->block_size > 0) Bc = (size_t)in->block_size;
            found = price_cand(&t, &cand, Bc, tol, &bi, &bj, &best);
            scanned = total; /* no implicit block search */
        }
        while (scanned < total) {
            size_t seg = m - pj;
            if (seg > B - inblock) seg = B - inblock;
            if (seg > total - scanned) seg = total - scanned;
            double ui = t.phi[pi];
            const double *pv = phiv + pj;
            double lbest = best;
            size_t lk = (size_t)-1;
            if (in->price_row) {
                lk = in->price_row(in->cost_ctx, pi, pj, seg, ui, pv, &lbest, rowc);
            } else {
                in->cost_row(in->cost_ctx, pi, pj, seg, rowc);
                for (size_t k = 0; k < seg; k++) {
                    double r = rowc[k] - ui + pv[k];
                    if (r < lbest) {
                        lbest = r;
                        lk = k;
                    }
                }
            }
            if (lk != (size_t)-1) {
                best = lbest;
                bi = pi;
                bj = pj + lk;
                found = 1;
            }
            pj += seg;
            if (pj == m) {
                pj = 0;
                if (++pi == n) pi = 0;
            }
            scanned += seg;
            inblock += seg;
            if (inblock == B) {
                if (found) break;
                inblock = 0;
            }
        }
        if (!found) {
            /* looks optimal: confirm with exact potentials, then (with
             * shortlists) by a full pricing round over all n*m arcs */
            if (since_recompute != 0) {
                if (!recompute_potentials(&t, &maxphi)) {
                    rc = WASS_ERR_NAN;
                    goto fail;
                }
                since_recompute = 0;
                tol = pricing_tol(maxphi);
                continue;
            }
            if (k_short) {
                int64_t added = cand_round(&t, &cand, tol, q_add, qr, qj);
                if (added < 0) {
                    rc = (int)added;
                    goto fail;
                }
                if (added > 0) continue;
            }
            break;
        }
        if (in->max_iter > 0 && iter >= in->max_iter) {
            status = WASS_ITERATION_LIMIT;
            break;
        }
        rc = pivot(&t, bi, bj, best);
        if (rc) goto fail;
        iter++;
        if (in->debug_check && (dbg = tree_validate(&t, 1e-9 * fmax(1.0, scale))) != 1) {
            rc = WASS_ERR_INTERNAL;
            goto fail;
        }
        if (++since_recompute >= recompute_every) {
            if (!recompute_potentials(&t, &maxphi)) {
                rc = WASS_ERR_NAN;
                goto fail;
            }
            since_recompute = 0;
            tol = pricing_tol(maxphi);
        }
        if (in->progress && (iter & 0xffff) == 0)
            in->progress(-1.0, "network simplex", in->progress_user);
    }
    if (since_recompute && !recompute_potentials(&t, &maxphi)) {
        rc = WASS_ERR_NAN;
        goto fail;
    }
    out->status = status;
    out->iterations = iter;
    out->pricing_tol = tol;
    out->u = malloc((n ? n : 1) * sizeof(double));
    out->v = malloc((m ? m : 1) * sizeof(double));
    out->flows = malloc((n + m) * sizeof(wass__ns_arc));
    free(cand.a);
    cand.a = NULL;
    free(qr);
    free(qj);
    qr = NULL;
    qj = NULL;
    if (!out->u || !out->v || !out->flows) {
        rc = WASS_ERR_NOMEM;
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        out->u[i] = t.phi[i];
    for (size_t j = 0; j < m; j++)
        out->v[j] = -t.phi[n + j];
    size_t nf = 0;
    for (int64_t x = 0; x < t.N; x++) {
        int64_t p = t.parent[x];
        if (p == t.root || !(t.flow[x] > 0)) continue;
        size_t i = (size_t)x < n ? (size_t)x : (size_t)p;
        size_t j = ((size_t)x < n ? (size_t)p : (size_t)x) - n;
        out->flows[nf].i = i;
        out->flows[nf].j = j;
        out->flows[nf].mass = t.flow[x];
        nf++;
    }
    out->nflows = nf;
    if (in->want_tree) { /* the whole basis, to restart from it */
        out->tree = malloc((n + m) * sizeof(wass__ns_arc));
        out->tops = malloc((n + m) * sizeof(size_t));
        if (!out->tree || !out->tops) {
            rc = WASS_ERR_NOMEM;
            goto fail;
        }
        for (int64_t x = 0; x < t.N; x++) {
            int64_t p = t.parent[x];
            if (p == t.root) {
                out->tops[out->ntops++] = (size_t)x;
                continue;
            }
            size_t i = (size_t)x < n ? (size_t)x : (size_t)p;
            out->tree[out->ntree].i = i;
            out->tree[out->ntree].j = ((size_t)x < n ? (size_t)p : (size_t)x) - n;
            out->tree[out->ntree++].mass = t.flow[x];
        }
    }
    tree_free(&t);
    return WASS_OK;
fail:
    free(start);
    free(cand.a);
    free(qr);
    free(qj);
    tree_free(&t);
    wass__ns_output_free(out);
    out->status = WASS_NOT_SOLVED;
    switch (rc) {
    case WASS_ERR_NOMEM:
        return wass__fail(err, rc, "network simplex: out of memory (n = %zu, m = %zu)", n, m);
    case WASS_ERR_NAN:
        return wass__fail(err, rc, "a cost on the spanning tree is NaN or infinite");
    default:
        return wass__fail(err, rc, "network simplex: internal consistency check failed (%d)", dbg);
    }
}
