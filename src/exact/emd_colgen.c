/*
 * emd_colgen.c - exact optimal transport between large point clouds by
 * column generation around the network simplex.
 *
 * The restricted problem holds a sparse set of candidate arcs: for every
 * source its k nearest sinks and for every sink its k nearest sources (k-d
 * trees), the arcs of a greedy starting plan, and the arcs of the dummy node
 * of partial transport. The network simplex solves it on those arcs only
 * (warm-started from the previous plan). Then ALL pairs are priced with the
 * duals: for each source i a branch-and-bound search of the sink k-d tree
 * finds the pairs with C_ij - v_j < u_i - eps (the bound of a tree node is
 * the cost to its bounding box minus the largest v_j inside, a true lower
 * bound in floating point because rounding is monotone). Violated pairs (up
 * to a few per source, the most violated) join the arc set and the simplex
 * resumes. When no pair is violated the duals are feasible for the full
 * problem and the plan is optimal; wass_emd then checks that independently
 * over all n*m pairs (wass_certify).
 *
 * Memory: O(n + m + candidate arcs). Pricing is parallel over sources with a
 * fixed per-source output slot, so results do not depend on the thread count.
 */
#include "exact/emd_colgen.h"
#include "exact/emd_internal.h"

#include "exact/assignment.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef WASS_COLGEN_TRACE
#include <stdio.h>
#endif

/* Size above which WASS_ALGO_AUTO picks column generation (nr * mr pairs). */
#define COLGEN_AUTO_PAIRS 4000000.0
/* Largest dimension for which AUTO picks it (k-d trees lose their edge). */
#define COLGEN_AUTO_MAXDIM 8
/* The same for assignments (equal masses, n = m), solved by augmenting
 * paths: on 2-D Gaussian clouds they match the dense simplex at n = 4000
 * and beat it above (on uniform clouds already from n = 1000). */
#define COLGEN_AUTO_ASSIGN_PAIRS 16000000.0
/* Size (nr * mr) above which a coarse problem over k-d tree leaves guides
 * the start. */
#define COLGEN_COARSE_PAIRS 1000000.0
#ifndef KD_LEAF
#define KD_LEAF 5
#endif
#ifndef KNN_K
#define KNN_K 8 /* nearest neighbours per point in the first arc set */
#endif
#ifndef ADD_PER_ROW
#define ADD_PER_ROW 4 /* violated pairs added per source and round */
#endif
/* ... doubling each round after the first few, up to this many: where many
 * points coincide, they all want the same few pairs each round, and a fixed
 * small number would need a round for every few pairs */
#ifndef ADD_MAX
#define ADD_MAX 64
#endif

int wass__colgen_wanted(const wass_problem *pb, const wass_options *opt, size_t nr, size_t mr,
                        int assignment) {
    if (pb->cost.kind != WASS_COST_POINTS) return 0;
    if (opt->algorithm == WASS_ALGO_COLGEN) return 1;
    if (opt->algorithm != WASS_ALGO_AUTO) return 0;
    double pairs = (double)nr * (double)mr;
    if (pb->cost.d > COLGEN_AUTO_MAXDIM) return 0;
    if (assignment && opt->max_iter <= 0) return pairs >= COLGEN_AUTO_ASSIGN_PAIRS;
    return pairs >= COLGEN_AUTO_PAIRS;
}

/* ---- k-d tree ---------------------------------------------------------------- */

typedef struct {
    size_t lo, hi;       /* points perm[lo..hi) */
    int64_t left, right; /* children, -1 for a leaf */
} kd_node;

typedef struct {
    size_t np, d, nnodes, cap;
    double *P;    /* np x d coordinates in tree order */
    size_t *perm; /* tree position -> point index */
    kd_node *node;
    double *bmin, *bmax; /* nnodes x d bounding boxes */
    double *maxv;        /* nnodes: largest v inside (pricing) */
    double *vp;          /* np: v in tree order */
} kd_tree;

static void kd_free(kd_tree *T) {
    free(T->P);
    free(T->perm);
    free(T->node);
    free(T->bmin);
    free(T->bmax);
    free(T->maxv);
    free(T->vp);
    memset(T, 0, sizeof *T);
}

/* Move the point with the k-th smallest coordinate t of perm[lo..hi) to
 * position k, smaller ones before, larger after (quickselect with a
 * three-way partition, so repeated coordinates cannot stall it). */
static void kd_select(size_t *perm, const double *X, size_t d, size_t t, size_t lo, size_t hi,
                      size_t k) {
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        double a = X[perm[lo] * d + t], b = X[perm[mid] * d + t], c = X[perm[hi - 1] * d + t];
        double piv = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t lt = lo, i = lo, gt = hi; /* [lo,lt) < piv, [lt,i) == piv, [gt,hi) > piv */
        while (i < gt) {
            double x = X[perm[i] * d + t];
            if (x < piv) {
                size_t tmp = perm[lt];
                perm[lt++] = perm[i];
                perm[i++] = tmp;
            } else if (x > piv) {
                size_t tmp = perm[--gt];
                perm[gt] = perm[i];
                perm[i] = tmp;
            } else {
                i++;
            }
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return;
    }
}

static int64_t kd_build_rec(kd_tree *T, const double *X, size_t lo, size_t hi) {
    size_t d = T->d;
    int64_t id = (int64_t)T->nnodes++;
    kd_node *nd = &T->node[id];
    nd->lo = lo;
    nd->hi = hi;
    nd->left = nd->right = -1;
    double *mn = T->bmin + (size_t)id * d, *mx = T->bmax + (size_t)id * d;
    for (size_t t = 0; t < d; t++) {
        mn[t] = INFINITY;
        mx[t] = -INFINITY;
    }
    for (size_t k = lo; k < hi; k++) {
        const double *x = X + T->perm[k] * d;
        for (size_t t = 0; t < d; t++) {
            if (x[t] < mn[t]) mn[t] = x[t];
            if (x[t] > mx[t]) mx[t] = x[t];
        }
    }
    if (hi - lo <= KD_LEAF) return id;
    size_t bt = 0;
    double bw = -1.0;
    for (size_t t = 0; t < d; t++)
        if (mx[t] - mn[t] > bw) {
            bw = mx[t] - mn[t];
            bt = t;
        }
    if (!(bw > 0)) return id; /* all points equal: one leaf */
    size_t mid = lo + (hi - lo) / 2;
    kd_select(T->perm, X, d, bt, lo, hi, mid);
    int64_t l = kd_build_rec(T, X, lo, mid);
    int64_t r = kd_build_rec(T, X, mid, hi);
    T->node[id].left = l;
    T->node[id].right = r;
    return id;
}

/* Tree over the np points X (np x d, row-major). */
static int kd_build(kd_tree *T, const double *X, size_t np, size_t d) {
    memset(T, 0, sizeof *T);
    T->np = np;
    T->d = d;
    T->cap = 2 * (np / (KD_LEAF / 2) + 1) + 1;
    T->P = malloc(np * d * sizeof(double));
    T->perm = malloc(np * sizeof(size_t));
    T->node = malloc(T->cap * sizeof(kd_node));
    T->bmin = malloc(T->cap * d * sizeof(double));
    T->bmax = malloc(T->cap * d * sizeof(double));
    T->maxv = calloc(T->cap, sizeof(double));
    T->vp = calloc(np, sizeof(double));
    if (!T->P || !T->perm || !T->node || !T->bmin || !T->bmax || !T->maxv || !T->vp)
        return WASS_ERR_NOMEM;
    for (size_t k = 0; k < np; k++)
        T->perm[k] = k;
    kd_build_rec(T, X, 0, np);
    for (size_t k = 0; k < np; k++)
        memcpy(T->P + k * d, X + T->perm[k] * d, d * sizeof(double));
    return WASS_OK;
}

/* maxv of every node from v (indexed by point); children come after parents. */
static void kd_set_v(kd_tree *T, const double *v) {
    for (size_t k = 0; k < T->np; k++)
        T->vp[k] = v[T->perm[k]];
    for (size_t id = T->nnodes; id-- > 0;) {
        const kd_node *nd = &T->node[id];
        double mv = -INFINITY;
        if (nd->left < 0) {
            for (size_t k = nd->lo; k < nd->hi; k++)
                if (T->vp[k] > mv) mv = T->vp[k];
        } else {
            mv = fmax(T->maxv[nd->left], T->maxv[nd->right]);
        }
        T->maxv[id] = mv;
    }
}

static inline double raise_p(double s, double p) {
    if (p == 1.0) return s;
    if (p == 2.0) return s * s;
    return pow(s, p);
}

/* Lower bound of the cost from x to any point of box [mn, mx], computed with
 * the same operations as wass_ground_eval on per-axis gaps that never exceed
 * the true ones, so it never exceeds a computed cost. */
static double box_lb(const wass_ground *g, const double *x, const double *mn, const double *mx,
                     size_t d) {
    double s = 0.0;
    for (size_t t = 0; t < d; t++) {
        double gap = x[t] < mn[t] ? mn[t] - x[t] : (x[t] > mx[t] ? x[t] - mx[t] : 0.0);
        switch (g->metric) {
        case WASS_EUCLIDEAN:
        case WASS_SQEUCLIDEAN:
            s += gap * gap;
            break;
        case WASS_CITYBLOCK:
            s += gap;
            break;
        case WASS_CHEBYSHEV:
            if (gap > s) s = gap;
            break;
        case WASS_MINKOWSKI:
            s += pow(gap, g->q);
            break;
        }
    }
    if (g->metric == WASS_EUCLIDEAN) s = sqrt(s);
    if (g->metric == WASS_MINKOWSKI) s = pow(s, 1.0 / g->q);
    return raise_p(s, g->p);
}

typedef struct {
    double key;
    size_t idx; /* tree position */
} kd_hit;

/* max-heap on (key, idx) */
static inline int hit_less(const kd_hit *a, const kd_hit *b) {
    return a->key < b->key || (a->key == b->key && a->idx < b->idx);
}

static void heap_push(kd_hit *h, size_t *len, size_t cap, kd_hit x) {
    size_t k;
    if (*len < cap) {
        k = (*len)++;
        while (k > 0) {
            size_t p = (k - 1) / 2;
            if (!hit_less(&h[p], &x)) break;
            h[k] = h[p];
            k = p;
        }
        h[k] = x;
        return;
    }
    /* replace the top (largest) and sift down */
    k = 0;
    for (;;) {
        size_t c = 2 * k + 1;
        if (c >= cap) break;
        if (c + 1 < cap && hit_less(&h[c], &h[c + 1])) c++;
        if (!hit_less(&x, &h[c])) break;
        h[k] = h[c];
        k = c;
    }
    h[k] = x;
}

typedef struct {
    int64_t node;
    double lb;
} kd_frame;

/* The (at most r) points j with the smallest key = C(x, P_j) - v_j, among
 * those with key < thr (use_v = 0: v = 0). Sorted by (key, idx) on return.
 * stack holds at least 64 * 2 frames (tree depth <= 64). */
static size_t kd_search(const kd_tree *T, const wass_ground *g, const double *x, int use_v,
                        double thr, size_t r, kd_hit *heap, kd_frame *stack) {
    size_t d = T->d, len = 0, sp = 0;
    if (T->nnodes == 0 || r == 0) return 0;
    double lb0 = box_lb(g, x, T->bmin, T->bmax, d) - (use_v ? T->maxv[0] : 0.0);
    stack[sp].node = 0;
    stack[sp++].lb = lb0;
    while (sp > 0) {
        kd_frame f = stack[--sp];
        double cut = len == r ? heap[0].key : thr;
        if (!(f.lb < cut)) continue;
        const kd_node *nd = &T->node[f.node];
        if (nd->left < 0) {
            for (size_t k = nd->lo; k < nd->hi; k++) {
                double key = wass_ground_eval(g, x, T->P + k * d, d) - (use_v ? T->vp[k] : 0.0);
                cut = len == r ? heap[0].key : thr;
                if (key < cut) {
                    kd_hit h = {key, k};
                    heap_push(heap, &len, r, h);
                }
            }
            continue;
        }
        int64_t a = nd->left, b = nd->right;
        double la = box_lb(g, x, T->bmin + (size_t)a * d, T->bmax + (size_t)a * d, d) -
                    (use_v ? T->maxv[a] : 0.0);
        double lb = box_lb(g, x, T->bmin + (size_t)b * d, T->bmax + (size_t)b * d, d) -
                    (use_v ? T->maxv[b] : 0.0);
        /* push the farther child first so the nearer one is searched first */
        if (la <= lb) {
            stack[sp].node = b;
            stack[sp++].lb = lb;
            stack[sp].node = a;
            stack[sp++].lb = la;
        } else {
            stack[sp].node = a;
            stack[sp++].lb = la;
            stack[sp].node = b;
            stack[sp++].lb = lb;
        }
    }
    /* heap sort ascending */
    size_t n = len;
    while (n > 1) {
        kd_hit top = heap[0];
        kd_hit last = heap[n - 1];
        size_t k = 0, m = n - 1;
        for (;;) {
            size_t c = 2 * k + 1;
            if (c >= m) break;
            if (c + 1 < m && hit_less(&heap[c], &heap[c + 1])) c++;
            if (!hit_less(&last, &heap[c])) break;
            heap[k] = heap[c];
            k = c;
        }
        heap[k] = last;
        heap[n - 1] = top;
        n--;
    }
    return len;
}

/* ---- candidate arcs in CSR form ------------------------------------------- */

typedef struct {
    size_t n;     /* rows */
    size_t *ptr;  /* n + 1 */
    size_t *col;  /* ptr[n] */
    double *cost; /* ptr[n] */
} arcset;

static void arcset_free(arcset *A) {
    free(A->ptr);
    free(A->col);
    free(A->cost);
    memset(A, 0, sizeof *A);
}

static int size_cmp(const void *pa, const void *pb) {
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    return a < b ? -1 : a > b;
}

static void sort_sizes(size_t *x, size_t len) {
    if (len < 24) {
        for (size_t k = 1; k < len; k++) {
            size_t v = x[k], q = k;
            while (q > 0 && x[q - 1] > v) {
                x[q] = x[q - 1];
                q--;
            }
            x[q] = v;
        }
    } else {
        qsort(x, len, sizeof *x, size_cmp);
    }
}

/* Build / extend: rows of A (may be empty) merged with the pairs (ri[k],
 * cj[k]), sorted and deduplicated per row. */
static int arcset_merge(arcset *A, size_t n, const size_t *ri, const size_t *cj, size_t cnt) {
    size_t *cntr = calloc(n + 1, sizeof(size_t));
    if (!cntr) return WASS_ERR_NOMEM;
    for (size_t k = 0; k < cnt; k++)
        cntr[ri[k] + 1]++;
    size_t old = A->ptr ? A->ptr[n] : 0;
    size_t *ptr = malloc((n + 1) * sizeof(size_t));
    size_t *col = malloc((old + cnt + 1) * sizeof(size_t));
    if (!ptr || !col) {
        free(cntr);
        free(ptr);
        free(col);
        return WASS_ERR_NOMEM;
    }
    ptr[0] = 0;
    for (size_t i = 0; i < n; i++)
        ptr[i + 1] = ptr[i] + cntr[i + 1] + (A->ptr ? A->ptr[i + 1] - A->ptr[i] : 0);
    size_t *fill = cntr; /* reuse: next free slot per row */
    for (size_t i = 0; i < n; i++) {
        size_t q = ptr[i];
        if (A->ptr)
            for (size_t k = A->ptr[i]; k < A->ptr[i + 1]; k++)
                col[q++] = A->col[k];
        fill[i] = q;
    }
    for (size_t k = 0; k < cnt; k++)
        col[fill[ri[k]]++] = cj[k];
    /* sort and deduplicate each row, compacting */
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        size_t b = ptr[i], e = ptr[i + 1];
        sort_sizes(col + b, e - b);
        size_t start = w;
        for (size_t k = b; k < e; k++)
            if (w == start || col[w - 1] != col[k]) col[w++] = col[k];
        ptr[i] = start;
    }
    ptr[n] = w;
    free(cntr);
    free(A->ptr);
    free(A->col);
    free(A->cost);
    A->n = n;
    A->ptr = ptr;
    A->col = col;
    A->cost = malloc((w ? w : 1) * sizeof(double));
    if (!A->cost) return WASS_ERR_NOMEM;
    return WASS_OK;
}

/* ---- greedy starting plan -------------------------------------------------- */

typedef struct {
    double c;
    size_t i, j;
} garc;

static int garc_cmp(const void *pa, const void *pb) {
    const garc *a = pa, *b = pb;
    if (a->c != b->c) return a->c < b->c ? -1 : 1;
    if (a->i != b->i) return a->i < b->i ? -1 : 1;
    return a->j < b->j ? -1 : a->j > b->j;
}

/* Matrix-minimum rule over the candidate arcs (cheapest first), then the
 * north-west corner rule over what is left in the given orders. Every
 * positive allocation exhausts one of its two nodes, which then takes no
 * further flow, so the arcs form a forest as the simplex requires. */
static int greedy_start(const wass__ns_input *in, const arcset *A, const double *gu,
                        const double *gv, wass__ns_arc **out, size_t *out_len) {
    size_t n = in->n, m = in->m, nnz = A->ptr[n];
    garc *g = malloc((nnz ? nnz : 1) * sizeof *g);
    double *ra = malloc(n * sizeof(double)), *rb = malloc(m * sizeof(double));
    wass__ns_arc *arcs = malloc((n + m) * sizeof *arcs);
    if (!g || !ra || !rb || !arcs) {
        free(g);
        free(ra);
        free(rb);
        free(arcs);
        return WASS_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t k = A->ptr[i]; k < A->ptr[i + 1]; k++) {
            g[k].c = gu ? A->cost[k] - gu[i] - gv[A->col[k]] : A->cost[k];
            g[k].i = i;
            g[k].j = A->col[k];
        }
    qsort(g, nnz, sizeof *g, garc_cmp);
    memcpy(ra, in->supply, n * sizeof(double));
    memcpy(rb, in->demand, m * sizeof(double));
    size_t len = 0;
    for (size_t k = 0; k < nnz && len < n + m - 1; k++) {
        size_t i = g[k].i, j = g[k].j;
        double f = ra[i] < rb[j] ? ra[i] : rb[j];
        if (!(f > 0)) continue;
        arcs[len].i = i;
        arcs[len].j = j;
        arcs[len].mass = f;
        len++;
        if (ra[i] <= rb[j]) { /* exhaust exactly one node */
            rb[j] -= f;
            ra[i] = 0.0;
        } else {
            ra[i] -= f;
            rb[j] = 0.0;
        }
    }
    free(g);
    /* north-west corner over the rest */
    size_t a = 0, b = 0;
    for (;;) {
        while (a < n && !(ra[in->src_order ? in->src_order[a] : a] > 0))
            a++;
        while (b < m && !(rb[in->snk_order ? in->snk_order[b] : b] > 0))
            b++;
        if (a >= n || b >= m || len >= n + m) break;
        size_t i = in->src_order ? in->src_order[a] : a, j = in->snk_order ? in->snk_order[b] : b;
        double f = ra[i] < rb[j] ? ra[i] : rb[j];
        arcs[len].i = i;
        arcs[len].j = j;
        arcs[len].mass = f;
        len++;
        if (ra[i] <= rb[j]) {
            rb[j] -= f;
            ra[i] = 0.0;
        } else {
            ra[i] -= f;
            rb[j] = 0.0;
        }
    }
    free(ra);
    free(rb);
    *out = arcs;
    *out_len = len;
    return WASS_OK;
}

/* ---- multiscale: a coarse problem over the k-d tree leaves ---------------- */

typedef struct {
    double *u, *v;   /* duals of each fine point lifted from its leaf (NULL = none) */
    size_t *pi, *pj; /* candidate pairs from the coarse plan */
    size_t npairs;
    wass__ns_arc *start; /* a fine starting forest lifted from the coarse plan */
    size_t start_len;
} coarse_info;

static void coarse_free(coarse_info *c) {
    free(c->u);
    free(c->v);
    free(c->pi);
    free(c->pj);
    free(c->start);
    memset(c, 0, sizeof *c);
}

/* Lift the coarse plan (a forest over leaves) to a fine starting forest:
 * eliminate leaves of the coarse forest one by one; a leaf cluster sends (or
 * receives) all its remaining mass to (from) the points of its only
 * neighbour, by the north-west corner rule inside the two clusters. What
 * rounding leaves over goes by the north-west corner rule in the global
 * orders. Every positive allocation exhausts one of its two points, which
 * then takes no further flow, so the arcs form a forest. */
static int lift_start(const wass__ns_input *in, const kd_tree *TX, const kd_tree *TY,
                      const size_t *lx, size_t nx, const size_t *ly, size_t ny,
                      const wass_flow *plan, size_t plan_len, coarse_info *ci) {
    size_t n = in->n, m = in->m, N = nx + ny;
    double *ra = malloc(n * sizeof(double)), *rb = malloc(m * sizeof(double));
    size_t *deg = calloc(N + 1, sizeof(size_t)), *adj = malloc((2 * plan_len + 1) * sizeof(size_t));
    size_t *pos = malloc((N + 1) * sizeof(size_t)), *cur = malloc((N + 1) * sizeof(size_t));
    size_t *queue = malloc((N + 1) * sizeof(size_t));
    unsigned char *gone = calloc(N + 1, 1);
    wass__ns_arc *arcs = malloc((n + m) * sizeof *arcs);
    int rc = WASS_OK;
    if (!ra || !rb || !deg || !adj || !pos || !cur || !queue || !gone || !arcs) {
        rc = WASS_ERR_NOMEM;
        free(arcs);
        goto done;
    }
    memcpy(ra, in->supply, n * sizeof(double));
    memcpy(rb, in->demand, m * sizeof(double));
    /* coarse forest adjacency: nodes 0..nx-1 source leaves, nx.. sink leaves */
    for (size_t k = 0; k < plan_len; k++) {
        deg[plan[k].i + 1]++;
        deg[nx + plan[k].j + 1]++;
    }
    for (size_t x = 0; x < N; x++)
        deg[x + 1] += deg[x];
    memcpy(pos, deg, (N + 1) * sizeof(size_t));
    for (size_t k = 0; k < plan_len; k++) {
        adj[pos[plan[k].i]++] = nx + plan[k].j;
        adj[pos[nx + plan[k].j]++] = plan[k].i;
    }
    size_t *rem = pos; /* remaining degree */
    for (size_t x = 0; x < N; x++)
        rem[x] = deg[x + 1] - deg[x];
    for (size_t x = 0; x < nx; x++)
        cur[x] = TX->node[lx[x]].lo;
    for (size_t y = 0; y < ny; y++)
        cur[nx + y] = TY->node[ly[y]].lo;
    size_t qh = 0, qt = 0, len = 0;
    for (size_t x = 0; x < N; x++)
        if (rem[x] == 1) queue[qt++] = x;
    while (qh < qt) {
        size_t L = queue[qh++];
        if (gone[L] || rem[L] != 1) continue;
        size_t P = N;
        for (size_t e = deg[L]; e < deg[L + 1]; e++)
            if (!gone[adj[e]]) {
                P = adj[e];
                break;
            }
        if (P == N) continue;
        size_t S = L < nx ? L : P, T = L < nx ? P : L; /* source / sink cluster */
        size_t shi = TX->node[lx[S]].hi, thi = TY->node[ly[T - nx]].hi;
        for (;;) {
            while (cur[S] < shi && !(ra[TX->perm[cur[S]]] > 0))
                cur[S]++;
            while (cur[T] < thi && !(rb[TY->perm[cur[T]]] > 0))
                cur[T]++;
            if (cur[S] >= shi || cur[T] >= thi || len >= n + m) break;
            size_t i = TX->perm[cur[S]], j = TY->perm[cur[T]];
            double f = ra[i] < rb[j] ? ra[i] : rb[j];
            arcs[len].i = i;
            arcs[len].j = j;
            arcs[len++].mass = f;
            if (ra[i] <= rb[j]) {
                rb[j] -= f;
                ra[i] = 0.0;
            } else {
                ra[i] -= f;
                rb[j] = 0.0;
            }
        }
        gone[L] = 1;
        if (--rem[P] == 1) queue[qt++] = P;
    }
    /* the rest: north-west corner in the global orders */
    size_t a = 0, b = 0;
    for (;;) {
        while (a < n && !(ra[in->src_order ? in->src_order[a] : a] > 0))
            a++;
        while (b < m && !(rb[in->snk_order ? in->snk_order[b] : b] > 0))
            b++;
        if (a >= n || b >= m || len >= n + m) break;
        size_t i = in->src_order ? in->src_order[a] : a, j = in->snk_order ? in->snk_order[b] : b;
        double f = ra[i] < rb[j] ? ra[i] : rb[j];
        arcs[len].i = i;
        arcs[len].j = j;
        arcs[len++].mass = f;
        if (ra[i] <= rb[j]) {
            rb[j] -= f;
            ra[i] = 0.0;
        } else {
            ra[i] -= f;
            rb[j] = 0.0;
        }
    }
    ci->start = arcs;
    ci->start_len = len;
done:
    free(ra);
    free(rb);
    free(deg);
    free(adj);
    free(pos);
    free(cur);
    free(queue);
    free(gone);
    return rc;
}

/* Leaves of T as clusters: centroids (weighted by w) and total weights. */
static int leaves_of(const kd_tree *T, const double *w, size_t **leaf_node, size_t *nleaf,
                     double **cX, double **cw) {
    size_t d = T->d, L = 0;
    for (size_t id = 0; id < T->nnodes; id++)
        if (T->node[id].left < 0) L++;
    *leaf_node = malloc((L ? L : 1) * sizeof(size_t));
    *cX = calloc((L ? L : 1) * d, sizeof(double));
    *cw = calloc(L ? L : 1, sizeof(double));
    if (!*leaf_node || !*cX || !*cw) return WASS_ERR_NOMEM;
    size_t q = 0;
    for (size_t id = 0; id < T->nnodes; id++) {
        const kd_node *nd = &T->node[id];
        if (nd->left >= 0) continue;
        double W = 0.0;
        for (size_t k = nd->lo; k < nd->hi; k++)
            W += w[T->perm[k]];
        for (size_t k = nd->lo; k < nd->hi; k++) {
            double f = W > 0 ? w[T->perm[k]] / W : 1.0 / (double)(nd->hi - nd->lo);
            for (size_t t = 0; t < d; t++)
                (*cX)[q * d + t] += f * T->P[k * d + t];
        }
        (*cw)[q] = W;
        (*leaf_node)[q++] = id;
    }
    *nleaf = L;
    return WASS_OK;
}

/* Solve the problem between the leaf centroids of TX and TY (recursively,
 * through wass__emd_solve, uncertified: it only guides the start), then lift: every
 * fine point gets its leaf's dual, and every pair of points in two leaves
 * joined by the coarse plan becomes a candidate. Failure of the coarse solve
 * is not an error: the fine solve just starts without it. */
static int coarse_solve(const wass_problem *pb, const wass_options *opt, const kd_tree *TX,
                        const kd_tree *TY, const wass__ns_input *base, coarse_info *ci) {
    const double *sup = base->supply, *dem = base->demand;
    size_t *lx = NULL, *ly = NULL, nx = 0, ny = 0;
    double *cx = NULL, *cy = NULL, *wx = NULL, *wy = NULL;
    int rc = leaves_of(TX, sup, &lx, &nx, &cx, &wx);
    if (!rc) rc = leaves_of(TY, dem, &ly, &ny, &cy, &wy);
    wass_result r;
    memset(&r, 0, sizeof r);
    if (rc) goto done;
    wass_problem cp;
    memset(&cp, 0, sizeof cp);
    cp.n = nx;
    cp.m = ny;
    cp.a = wx;
    cp.b = wy;
    cp.cost = wass_cost_points(cx, cy, TX->d, pb->cost.ground);
    wass_options co = *opt;
    co.mass = WASS_MASS_NORMALIZE;
    co.certify = 0;
    co.want_plan = 1;
    co.want_duals = 1;
    co.max_iter = 0;
    co.progress = NULL;
    co.algorithm = WASS_ALGO_AUTO;
    if (wass__emd_solve(&cp, &co, &r, NULL) != WASS_OK || r.status != WASS_OPTIMAL) goto done;
    /* duals: the coarse problem was normalized; scale does not matter for
     * ordering within the start, but keep cost units: duals are in cost units */
    ci->u = malloc(TX->np * sizeof(double));
    ci->v = malloc(TY->np * sizeof(double));
    size_t np = 0;
    for (size_t k = 0; k < r.plan_len; k++) {
        const kd_node *a = &TX->node[lx[r.plan[k].i]], *b = &TY->node[ly[r.plan[k].j]];
        np += (a->hi - a->lo) * (b->hi - b->lo);
    }
    ci->pi = malloc((np ? np : 1) * sizeof(size_t));
    ci->pj = malloc((np ? np : 1) * sizeof(size_t));
    if (!ci->u || !ci->v || !ci->pi || !ci->pj) {
        rc = WASS_ERR_NOMEM;
        goto done;
    }
    for (size_t q = 0; q < nx; q++) {
        const kd_node *a = &TX->node[lx[q]];
        for (size_t k = a->lo; k < a->hi; k++)
            ci->u[TX->perm[k]] = r.u[q];
    }
    for (size_t q = 0; q < ny; q++) {
        const kd_node *b = &TY->node[ly[q]];
        for (size_t k = b->lo; k < b->hi; k++)
            ci->v[TY->perm[k]] = r.v[q];
    }
    np = 0;
    for (size_t k = 0; k < r.plan_len; k++) {
        const kd_node *a = &TX->node[lx[r.plan[k].i]], *b = &TY->node[ly[r.plan[k].j]];
        for (size_t x = a->lo; x < a->hi; x++)
            for (size_t y = b->lo; y < b->hi; y++) {
                ci->pi[np] = TX->perm[x];
                ci->pj[np++] = TY->perm[y];
            }
    }
    ci->npairs = np;
    rc = lift_start(base, TX, TY, lx, nx, ly, ny, r.plan, r.plan_len, ci);
done:
    if (rc) coarse_free(ci);
    if (!ci->pi) coarse_free(ci);
    wass_result_free(&r);
    free(lx);
    free(ly);
    free(cx);
    free(cy);
    free(wx);
    free(wy);
    return rc;
}

/* ---- driver ------------------------------------------------------------------ */

static void fill_costs(arcset *A, const wass_ground *g, const double *X, const double *Y, size_t d,
                       size_t nr, size_t mr, int nt) {
    (void)nt;
    size_t n = A->n;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 256)
#endif
    for (size_t i = 0; i < n; i++)
        for (size_t k = A->ptr[i]; k < A->ptr[i + 1]; k++) {
            size_t j = A->col[k];
            A->cost[k] = (i < nr && j < mr) ? wass_ground_eval(g, X + i * d, Y + j * d, d) : 0.0;
        }
}

/* Pairs added per source in the pricing after `rounds` solves, and room
 * for them in *hits (nr rows). */
static int hits_for_round(kd_hit **hits, size_t *cap, size_t nr, int64_t rounds, size_t *add) {
    size_t a = ADD_PER_ROW;
    for (int64_t r = 4; r < rounds && a < ADD_MAX; r++)
        a *= 2;
    if (a > ADD_MAX) a = ADD_MAX;
    if (a > *cap) {
        kd_hit *h = realloc(*hits, (nr ? nr : 1) * a * sizeof(kd_hit));
        if (!h) return WASS_ERR_NOMEM;
        *hits = h;
        *cap = a;
    }
    *add = a;
    return WASS_OK;
}

/* Price every real pair with the duals u, v: per source a branch-and-bound
 * search of the sink tree for pairs with C_ij - v_j < u_i - eps, up to
 * `add` of the most violated, minus those already in A. Hits go to
 * hits[i * add ..], their count to nhit[i]; returns the total. */
static size_t price_all(kd_tree *TY, const wass_ground *g, const double *X, size_t d, size_t nr,
                        const double *u, const double *v, double eps, const arcset *A, size_t add,
                        kd_hit *hits, size_t *nhit, int nt) {
    (void)nt;
    size_t added = 0;
    kd_set_v(TY, v);
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) reduction(+ : added)
#endif
    {
        kd_frame stack[160];
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 128)
#endif
        for (size_t i = 0; i < nr; i++) {
            kd_hit *h = hits + i * add;
            size_t c = kd_search(TY, g, X + i * d, 1, u[i] - eps, add, h, stack);
            /* drop pairs already in the arc set (priced out by the solver
             * within its own tolerance) */
            size_t w = 0;
            for (size_t q = 0; q < c; q++) {
                size_t j = TY->perm[h[q].idx];
                size_t lo = A->ptr[i], hi = A->ptr[i + 1];
                while (lo < hi) {
                    size_t mid = lo + (hi - lo) / 2;
                    if (A->col[mid] < j)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                if (lo < A->ptr[i + 1] && A->col[lo] == j) continue;
                h[w] = h[q];
                h[w++].idx = j;
            }
            nhit[i] = w;
            added += w;
        }
    }
    return added;
}

/* Add the hits of price_all to A (costs refreshed). */
static int add_hits(arcset *A, size_t n2, size_t nr, size_t add, const kd_hit *hits,
                    const size_t *nhit, size_t added, const wass_ground *g, const double *X,
                    const double *Y, size_t d, size_t mr, int nt) {
    size_t *ri = malloc(added * sizeof(size_t)), *cj = malloc(added * sizeof(size_t));
    if (!ri || !cj) {
        free(ri);
        free(cj);
        return WASS_ERR_NOMEM;
    }
    size_t q = 0;
    for (size_t i = 0; i < nr; i++)
        for (size_t k = 0; k < nhit[i]; k++) {
            ri[q] = i;
            cj[q++] = hits[i * add + k].idx;
        }
    int rc = arcset_merge(A, n2, ri, cj, q);
    free(ri);
    free(cj);
    if (rc) return rc;
    fill_costs(A, g, X, Y, d, nr, mr, nt);
    return WASS_OK;
}

int wass__equal_masses(const double *sup, size_t n, const double *dem, size_t m) {
    if (n != m || n == 0 || sup[0] != dem[0]) return 0;
    for (size_t i = 0; i < n; i++)
        if (sup[i] != sup[0] || dem[i] != sup[0]) return 0;
    return 1;
}

/* Assignment problems: shortest augmenting paths on the arc set (warm from
 * the lifted coarse duals), then the same pricing of all pairs; rows that a
 * new pair prices out are freed and matched again. Returns WASS_OK with *done
 * = 1 and o filled, or *done = 0 when the arc set admits no perfect matching
 * (the caller then runs the simplex). */
static int solve_assignment(const wass__ns_input *base, arcset *A, kd_tree *TY,
                            const wass_ground *g, const double *X, const double *Y, size_t d,
                            size_t nr, const double *v0, double cmax, kd_hit **hits,
                            size_t *hits_cap, size_t *nhit, int nt, const wass_options *opt,
                            wass__ns_output *o, int64_t *rounds_out, int *done) {
    wass__sap S;
    *done = 0;
    if (wass__sap_init(&S, nr, v0)) return WASS_ERR_NOMEM;
    int rc = WASS_OK;
    int64_t rounds = 0;
    double tol = 0.0;
    wass__sap_reprice(&S, A->ptr, A->col, A->cost, 1, 0.0);
    for (;;) {
        rc = wass__sap_augment(&S, A->ptr, A->col, A->cost);
        if (rc == WASS__SAP_NO_MATCHING) {
            rc = WASS_OK;
            goto out;
        }
        if (rc) goto out;
        rounds++;
        double mx = 0.0;
        for (size_t k = 0; k < nr; k++)
            mx = fmax(mx, fmax(fabs(S.u[k]), fabs(S.v[k])));
        tol = fmax(1e-13 * mx, 1e-300);
        double eps = fmax(1e-12 * cmax, 4.0 * tol);
        size_t add;
        if ((rc = hits_for_round(hits, hits_cap, nr, rounds, &add))) goto out;
        size_t added = price_all(TY, g, X, d, nr, S.u, S.v, eps, A, add, *hits, nhit, nt);
#ifdef WASS_COLGEN_TRACE
        fprintf(stderr,
                "assignment round %lld: augmentations %llu scans %llu arcs %zu added %zu t=%.3f\n",
                (long long)rounds, (unsigned long long)S.augmentations, (unsigned long long)S.scans,
                A->ptr[nr], added, wass__now());
#endif
        if (opt->progress) opt->progress(-1.0, "column generation", opt->progress_user);
        if (added == 0) break;
        if ((rc = add_hits(A, nr, nr, add, *hits, nhit, added, g, X, Y, d, nr, nt))) goto out;
        wass__sap_reprice(&S, A->ptr, A->col, A->cost, 0, tol);
    }
    o->flows = malloc(nr * sizeof(wass__ns_arc));
    if (!o->flows) {
        rc = WASS_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < nr; i++) {
        o->flows[i].i = i;
        o->flows[i].j = (size_t)S.col4row[i];
        o->flows[i].mass = base->supply[i];
    }
    o->nflows = nr;
    o->u = S.u;
    o->v = S.v;
    S.u = S.v = NULL;
    o->status = WASS_OPTIMAL;
    o->iterations = (int64_t)S.scans;
    o->pricing_tol = tol;
    *rounds_out = rounds;
    *done = 1;
out:
    wass__sap_free(&S);
    return rc;
}

int wass__colgen_solve(const wass_problem *pb, const wass_options *opt, const size_t *ia,
                       const size_t *jb, size_t nr, size_t mr, const wass__ns_input *base,
                       wass__ns_output *out, wass_result *res, wass_error_info *err) {
    size_t n2 = base->n, m2 = base->m, d = pb->cost.d;
    const wass_ground *g = &pb->cost.ground;
    int nt = wass__threads(opt->threads);
    (void)nt;
    int rc = WASS_OK;
    kd_tree TX, TY;
    memset(&TX, 0, sizeof TX);
    memset(&TY, 0, sizeof TY);
    arcset A;
    memset(&A, 0, sizeof A);
    coarse_info ms;
    memset(&ms, 0, sizeof ms);
    wass__ns_output o;
    memset(&o, 0, sizeof o);
    memset(out, 0, sizeof *out);
    wass__ns_arc *start = NULL;
    size_t start_len = 0, *tops = NULL, ntops = 0;
    size_t *ri = NULL, *cj = NULL;
    kd_hit *hits = NULL;
    double *X = NULL, *Y = NULL;
    size_t nd, md;
    if (!wass__mul_ok(nr, d, &nd) || !wass__mul_ok(mr, d, &md))
        return wass__fail(err, WASS_ERR_SIZE, "point cloud size overflows");
    X = malloc((nd ? nd : 1) * sizeof(double));
    Y = malloc((md ? md : 1) * sizeof(double));
    if (!X || !Y) goto nomem;
    for (size_t i = 0; i < nr; i++)
        memcpy(X + i * d, pb->cost.X + ia[i] * d, d * sizeof(double));
    for (size_t j = 0; j < mr; j++)
        memcpy(Y + j * d, pb->cost.Y + jb[j] * d, d * sizeof(double));
    if (kd_build(&TX, X, nr, d) || kd_build(&TY, Y, mr, d)) goto nomem;
    /* multiscale start (not with the dummy node of partial transport) */
    if (n2 == nr && m2 == mr && (double)nr * (double)mr >= COLGEN_COARSE_PAIRS &&
        coarse_solve(pb, opt, &TX, &TY, base, &ms))
        goto nomem;

    /* first arc set: k nearest both ways, dummy arcs */
    {
        size_t k = KNN_K;
        size_t kx = k < mr ? k : mr, ky = k < nr ? k : nr;
        size_t cnt = nr * kx + mr * ky + (n2 - nr) * m2 + (m2 - mr) * n2 + ms.npairs;
        ri = malloc((cnt ? cnt : 1) * sizeof(size_t));
        cj = malloc((cnt ? cnt : 1) * sizeof(size_t));
        if (!ri || !cj) goto nomem;
        for (size_t q = 0; q < cnt; q++)
            ri[q] = cj[q] = 0;
        int fail = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) reduction(| : fail)
#endif
        {
            kd_hit heap[KNN_K];
            kd_frame stack[160];
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 256)
#endif
            for (size_t i = 0; i < nr; i++) {
                size_t h = kd_search(&TY, g, X + i * d, 0, INFINITY, kx, heap, stack);
                if (h != kx) fail = 1;
                for (size_t q = 0; q < h; q++) {
                    ri[i * kx + q] = i;
                    cj[i * kx + q] = TY.perm[heap[q].idx];
                }
            }
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 256)
#endif
            for (size_t j = 0; j < mr; j++) {
                size_t h = kd_search(&TX, g, Y + j * d, 0, INFINITY, ky, heap, stack);
                if (h != ky) fail = 1;
                for (size_t q = 0; q < h; q++) {
                    ri[nr * kx + j * ky + q] = TX.perm[heap[q].idx];
                    cj[nr * kx + j * ky + q] = j;
                }
            }
        }
        if (fail) {
            rc = wass__fail(err, WASS_ERR_NAN, "a point-to-point cost is NaN or infinite");
            goto done;
        }
        size_t q = nr * kx + mr * ky;
        for (size_t i = nr; i < n2; i++)
            for (size_t j = 0; j < m2; j++) {
                ri[q] = i;
                cj[q++] = j;
            }
        for (size_t j = mr; j < m2; j++)
            for (size_t i = 0; i < n2; i++) {
                ri[q] = i;
                cj[q++] = j;
            }
        if (ms.npairs) {
            memcpy(ri + q, ms.pi, ms.npairs * sizeof(size_t));
            memcpy(cj + q, ms.pj, ms.npairs * sizeof(size_t));
            q += ms.npairs;
        }
        if (arcset_merge(&A, n2, ri, cj, q)) goto nomem;
        free(ri);
        free(cj);
        ri = cj = NULL;
        fill_costs(&A, g, X, Y, d, nr, mr, nt);
    }
    if (ms.start) {
        start = ms.start;
        start_len = ms.start_len;
        ms.start = NULL;
    } else if (greedy_start(base, &A, ms.u, ms.v, &start, &start_len)) {
        goto nomem;
    }
    /* the start arcs join the candidates */
    {
        ri = malloc((start_len + 1) * sizeof(size_t));
        cj = malloc((start_len + 1) * sizeof(size_t));
        if (!ri || !cj) goto nomem;
        for (size_t q = 0; q < start_len; q++) {
            ri[q] = start[q].i;
            cj[q] = start[q].j;
        }
        if (arcset_merge(&A, n2, ri, cj, start_len)) goto nomem;
        free(ri);
        free(cj);
        ri = cj = NULL;
        fill_costs(&A, g, X, Y, d, nr, mr, nt);
    }

    /* an upper bound of every cost: the cost across the joint bounding box */
    double cmax = 0.0;
    {
        double *lo = malloc(d * sizeof(double)), *hi = malloc(d * sizeof(double));
        double *zero = calloc(d, sizeof(double));
        if (!lo || !hi || !zero) {
            free(lo);
            free(hi);
            free(zero);
            goto nomem;
        }
        for (size_t t = 0; t < d; t++) {
            lo[t] = fmin(TX.nnodes ? TX.bmin[t] : INFINITY, TY.nnodes ? TY.bmin[t] : INFINITY);
            hi[t] = fmax(TX.nnodes ? TX.bmax[t] : -INFINITY, TY.nnodes ? TY.bmax[t] : -INFINITY);
            zero[t] = hi[t] - lo[t];
            lo[t] = 0.0;
        }
        cmax = wass_ground_eval(g, lo, zero, d);
        free(lo);
        free(hi);
        free(zero);
        if (!isfinite(cmax)) {
            rc = wass__fail(err, WASS_ERR_NAN, "the point clouds span an infinite cost");
            goto done;
        }
    }

    size_t hits_cap = ADD_PER_ROW;
    hits = malloc((nr ? nr : 1) * ADD_PER_ROW * sizeof(kd_hit));
    size_t *nhit = malloc((nr ? nr : 1) * sizeof(size_t));
    if (!hits || !nhit) {
        free(nhit);
        goto nomem;
    }
    int64_t iters = 0, rounds = 0;
    if (opt->max_iter <= 0 && base->n == nr && base->m == mr &&
        wass__equal_masses(base->supply, nr, base->demand, mr)) {
        int done_sap = 0;
        rc = solve_assignment(base, &A, &TY, g, X, Y, d, nr, ms.v, cmax, &hits, &hits_cap, nhit, nt,
                              opt, &o, &rounds, &done_sap);
        if (rc) {
            free(nhit);
            if (rc == WASS_ERR_NOMEM) goto nomem;
            goto done;
        }
        if (done_sap) {
            free(nhit);
            *out = o;
            memset(&o, 0, sizeof o);
            res->rounds = rounds;
            res->candidate_arcs = A.ptr[n2];
            goto done;
        }
    }
    for (;;) {
        wass__ns_input in = *base;
        in.start = start;
        in.start_len = start_len;
        in.arc_ptr = A.ptr;
        in.arc_col = A.col;
        in.arc_cost = A.cost;
        in.cost_scale = cmax > 0 ? cmax : 0.0;
        in.start_tops = tops;
        in.start_ntops = ntops;
        in.want_tree = 1;
        if (opt->max_iter > 0) in.max_iter = opt->max_iter - iters;
        wass__ns_output_free(&o);
        rc = wass__ns_solve(&in, &o, err);
        if (rc) {
            free(nhit);
            goto done;
        }
        free(start);
        start = NULL;
        free(tops);
        tops = NULL;
        ntops = 0;
        iters += o.iterations;
        rounds++;
        if (o.status != WASS_OPTIMAL) break;
        /* price every real pair */
        double eps = fmax(1e-12 * cmax, 4.0 * o.pricing_tol);
        size_t add;
        if (hits_for_round(&hits, &hits_cap, nr, rounds, &add)) {
            free(nhit);
            goto nomem;
        }
        size_t added = price_all(&TY, g, X, d, nr, o.u, o.v, eps, &A, add, hits, nhit, nt);
#ifdef WASS_COLGEN_TRACE
        fprintf(stderr, "round %lld: pivots %lld arcs %zu added %zu start %zu t=%.3f\n",
                (long long)rounds, (long long)o.iterations, A.ptr[n2], added, start_len,
                wass__now());
#endif
        if (opt->progress) opt->progress(-1.0, "column generation", opt->progress_user);
        if (added == 0) break;
        if (opt->max_iter > 0 && iters >= opt->max_iter) {
            o.status = WASS_ITERATION_LIMIT; /* optimal on the arc set only */
            break;
        }
        if (add_hits(&A, n2, nr, add, hits, nhit, added, g, X, Y, d, mr, nt)) {
            free(nhit);
            goto nomem;
        }
        /* warm start from the current basis (zero flows and orientation
         * kept, so the tree stays strongly feasible) */
        start = o.tree;
        start_len = o.ntree;
        tops = o.tops;
        ntops = o.ntops;
        o.tree = NULL;
        o.ntree = 0;
        o.tops = NULL;
        o.ntops = 0;
    }
    free(nhit);
    o.iterations = iters;
    *out = o;
    memset(&o, 0, sizeof o);
    res->rounds = rounds;
    res->candidate_arcs = A.ptr[n2];
    rc = WASS_OK;
    goto done;
nomem:
    rc = wass__fail(err, WASS_ERR_NOMEM, "column generation: out of memory (n = %zu, m = %zu)", n2,
                    m2);
done:
    wass__ns_output_free(&o);
    coarse_free(&ms);
    kd_free(&TX);
    kd_free(&TY);
    arcset_free(&A);
    free(start);
    free(tops);
    free(ri);
    free(cj);
    free(hits);
    free(X);
    free(Y);
    return rc;
}
