/*
 * kdtree.c - k-d tree over a point cloud (leaves of at most KD_LEAF points,
 * split at the median of the widest axis) with bounding boxes, searched by
 * branch and bound for the smallest C(x, y_j) - v_j.
 */
#include "exact/kdtree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void wass__kd_free(kd_tree *T) {
    free(T->P);
    free(T->perm);
    free(T->node);
    free(T->bmin);
    free(T->bmax);
    free(T->maxv);
    free(T->vp);
    free(T->lin);
    memset(T, 0, sizeof *T);
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
    wass__select_rank(X, d, bt, T->perm, lo, hi, mid);
    int64_t l = kd_build_rec(T, X, lo, mid);
    int64_t r = kd_build_rec(T, X, mid, hi);
    T->node[id].left = l;
    T->node[id].right = r;
    return id;
}

/* Tree over the np points X (np x d, row-major). */
int wass__kd_build(kd_tree *T, const double *X, size_t np, size_t d) {
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

/* The linear model of node id (lin_mode set): g by least squares of -v on
 * the coordinates, axis by axis (boxes of a k-d tree are close to
 * axis-aligned point sets), then a as the smallest residual, so the model
 * bounds every point of the node whatever g is. */
static void kd_fit_node(kd_tree *T, size_t id) {
    size_t d = T->d, lo = T->node[id].lo, hi = T->node[id].hi;
    const double *mn = T->bmin + id * d, *mx = T->bmax + id * d;
    double *L = T->lin + id * (d + 2), cnt = (double)(hi - lo), fm = 0.0;
    for (size_t k = lo; k < hi; k++)
        fm -= T->vp[k];
    fm /= cnt;
    for (size_t t = 0; t < d; t++) {
        double ym = 0.0, sxx = 0.0, sxy = 0.0;
        for (size_t k = lo; k < hi; k++)
            ym += T->P[k * d + t];
        ym /= cnt;
        for (size_t k = lo; k < hi; k++) {
            double dy = T->P[k * d + t] - ym;
            sxx += dy * dy;
            sxy += dy * (-T->vp[k] - fm);
        }
        L[t] = sxx > 0 ? sxy / sxx : 0.0;
        if (!isfinite(L[t])) L[t] = 0.0;
    }
    double a = INFINITY, s = 0.0;
    for (size_t k = lo; k < hi; k++) {
        double q = 0.0, lin = 0.0, sq = 0.0;
        for (size_t t = 0; t < d; t++) {
            double dy = T->P[k * d + t] - 0.5 * (mn[t] + mx[t]);
            sq += dy * dy;
            lin += L[t] * dy;
            q += fabs(L[t] * dy);
        }
        double f = (T->lin_mode == 1 ? sq : 0.0) - T->vp[k];
        if (f - lin < a) a = f - lin;
        double m = sq + sqrt(sq) + fabs(T->vp[k]) + q;
        if (m > s) s = m;
    }
    L[d] = a;
    L[d + 1] = s + fabs(a);
}

int wass__kd_set_v(kd_tree *T, const wass_ground *g, const double *v) {
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
    T->lin_mode = 0;
    int mode = 0;
    if (g && ((g->metric == WASS_SQEUCLIDEAN && g->p == 1.0) ||
              (g->metric == WASS_EUCLIDEAN && g->p == 2.0)))
        mode = 1;
    if (g && g->metric == WASS_EUCLIDEAN && g->p == 1.0) mode = 2;
    if (!mode || T->nnodes == 0) return WASS_OK;
    if (!T->lin) {
        T->lin = malloc(T->cap * (T->d + 2) * sizeof(double));
        if (!T->lin) return WASS_ERR_NOMEM;
    }
    for (size_t k = 0; k < T->np; k++)
        if (!isfinite(T->vp[k])) return WASS_OK;
    T->lin_mode = mode;
    for (size_t id = 0; id < T->nnodes; id++)
        kd_fit_node(T, id);
    return WASS_OK;
}

static inline double raise_p(double s, double p) {
    if (p == 1.0) return s;
    if (p == 2.0) return s * s;
    return pow(s, p);
}

/* Lower bound of the cost from x to any point of box [mn, mx], computed with
 * the same operations as wass_ground_eval on per-axis gaps that never exceed
 * the true ones, so it never exceeds a computed cost. */
static WASS__ALWAYS_INLINE double box_lb(const wass_ground *g, const double *x, const double *mn,
                                         const double *mx, size_t d) {
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

/* The bound of the linear model of node id (T->lin_mode set), lowered by a
 * margin of 1e-13 of the magnitudes involved (rounding of the model and of
 * the computed costs is a few ulps of them). W2^2: |x - y|^2 - v_j >=
 * |x - c|^2 + a + <g - 2 (x - c), y - c>; W1: |x - y| >= <e, x - y> with e
 * the unit vector from c to x, so C - v_j >= |x - c| + a + <g - e, y - c>;
 * the last term is at least -sum |.| r over the box of half-widths r. */
static WASS__ALWAYS_INLINE double lin_lb(const kd_tree *T, const double *x, size_t id, size_t d) {
    const double *mn = T->bmin + id * d, *mx = T->bmax + id * d, *L = T->lin + id * (d + 2);
    double dx[16], q = 0.0, lb, h = 0.0;
    if (d > 16) return -INFINITY;
    for (size_t t = 0; t < d; t++) {
        dx[t] = x[t] - 0.5 * (mn[t] + mx[t]);
        q += dx[t] * dx[t];
    }
    if (T->lin_mode == 1) {
        for (size_t t = 0; t < d; t++)
            h += fabs(L[t] - 2.0 * dx[t]) * (0.5 * (mx[t] - mn[t]));
        lb = q + L[d] - h;
    } else {
        double nq = sqrt(q), inv = nq > 0 ? 1.0 / nq : 0.0;
        for (size_t t = 0; t < d; t++)
            h += fabs(L[t] - dx[t] * inv) * (0.5 * (mx[t] - mn[t]));
        q = nq;
        lb = nq + L[d] - h;
    }
    return lb - 1e-13 * (q + h + L[d + 1]);
}

/* Lower bound of C(x, y_j) - v_j (v = 0 without use_v) over node id. */
static WASS__ALWAYS_INLINE double node_lb(const kd_tree *T, const wass_ground *g, const double *x,
                                          int use_v, size_t id, size_t d) {
    double lb = box_lb(g, x, T->bmin + id * d, T->bmax + id * d, d);
    if (!use_v) return lb;
    lb -= T->maxv[id];
    if (T->lin_mode) {
        double l2 = lin_lb(T, x, id, d);
        if (l2 > lb) lb = l2;
    }
    return lb;
}

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

#ifdef WASS_COLGEN_TRACE
_Thread_local size_t wass__kd_nodes, wass__kd_evals;
#endif

/* Whether the sorted a[0..n) holds j. */
static int sorted_has(const size_t *a, size_t n, size_t j) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < j)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && a[lo] == j;
}

/* The search itself (wass__kd_search), inlined into one copy for each
 * common case (2-D and 3-D, W1 and W2^2): with d and the metric known to
 * the compiler the loops over the coordinates and the switches on the
 * metric fold away (2-D shifted Gaussians, 20,000 points, W1: 20-25 % less
 * CPU time in all). The same
 * operations in the same order as the generic copy, so the same keys and
 * the same bounds. */
static WASS__ALWAYS_INLINE size_t kd_search_body(const kd_tree *T, const wass_ground *g,
                                                 const double *x, int flags, double thr, size_t r,
                                                 kd_hit *heap, kd_frame *stack, size_t d,
                                                 kd_near *nb) {
    size_t len = 0, sp = 0;
    int use_v = flags & KD_USE_V, first = (flags & KD_FIRST) != 0;
    double thr2 = nb ? nb->thr2 : thr; /* nodes are cut off at thr2 while nothing is found */
    const double *phimin = nb ? nb->phimin : NULL;
    double lev = 0.0, ccut = 0.0, lev_out = INFINITY;
    if (nb) {
        nb->len = 0;
        nb->over = 0;
        if (!(thr2 >= thr)) thr2 = thr;
        lev = nb->lev;
        ccut = nb->ccut;
        if (!(ccut >= thr)) phimin = NULL; /* a carried bound must rule out violations */
    }
    double lb0 = node_lb(T, g, x, use_v, 0, d);
    stack[sp].node = 0;
    stack[sp++].lb = lb0;
    while (sp > 0) {
        kd_frame f = stack[--sp];
        if (first && len == r) break;
        double cut = len == r ? heap[0].key : thr2;
        if (!(f.lb < cut)) continue;
        if (phimin) {
            double cb = lev + phimin[f.node];
            if (cb >= ccut) {
                if (cb < lev_out) lev_out = cb;
                continue;
            }
        }
        const kd_node *nd = &T->node[f.node];
#ifdef WASS_COLGEN_TRACE
        wass__kd_nodes++;
        if (nd->left < 0) wass__kd_evals += nd->hi - nd->lo;
#endif
        if (nd->left < 0) {
            for (size_t k = nd->lo; k < nd->hi; k++) {
                double key = NAN; /* the one cost formula (a point's coordinates are
                                   * a transposed row of stride 1) */
                wass__cost_row_t(g, x, T->P + k * d, 1, d, 1, &key);
                key -= use_v ? T->vp[k] : 0.0;
                cut = len == r ? heap[0].key : thr;
                if (key < cut) {
                    kd_hit h = {key, k};
                    heap_push(heap, &len, r, h);
                } else if (nb && key < thr2) {
                    if (nb->acol && sorted_has(nb->acol, nb->alen, T->perm[k])) continue;
                    if (nb->len < nb->cap) {
                        nb->idx[nb->len++] = (uint32_t)k;
                    } else if (nb->shrink) {
                        thr2 = key; /* the level falls to the first point not listed */
                    } else {
                        nb->over = 1;
                        thr2 = thr;
                    }
                }
            }
            continue;
        }
        int64_t a = nd->left, b = nd->right;
        double la = node_lb(T, g, x, use_v, (size_t)a, d);
        double lb = node_lb(T, g, x, use_v, (size_t)b, d);
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
    if (nb) nb->lev = lev_out < thr2 ? lev_out : thr2;
    return len;
}

/* Heap sort of heap[0..n) ascending. */
static void hits_sort(kd_hit *heap, size_t n) {
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
}

/* The (at most r) points j with the smallest key = C(x, P_j) - v_j, among
 * those with key < thr (without KD_USE_V: v = 0; with KD_FIRST the first r
 * found). Sorted by (key, idx) on return. stack holds at least 64 * 2
 * frames (tree depth <= 64). */
static WASS__ALWAYS_INLINE size_t kd_search_any(const kd_tree *T, const wass_ground *g,
                                                const double *x, int flags, double thr, size_t r,
                                                kd_hit *heap, kd_frame *stack, kd_near *nb) {
    if (nb) nb->len = nb->over = 0;
    if (T->nnodes == 0 || r == 0) {
        if (nb) nb->lev = -INFINITY; /* nothing proved */
        return 0;
    }
    size_t len;
    size_t d = T->d;
    if ((d == 2 || d == 3) && g->p == 1.0 &&
        (g->metric == WASS_EUCLIDEAN || g->metric == WASS_SQEUCLIDEAN)) {
        wass_ground gk = *g; /* the metric and power as constants */
        gk.p = 1.0;
        if (g->metric == WASS_EUCLIDEAN) {
            gk.metric = WASS_EUCLIDEAN;
            len = d == 2 ? kd_search_body(T, &gk, x, flags, thr, r, heap, stack, 2, nb)
                         : kd_search_body(T, &gk, x, flags, thr, r, heap, stack, 3, nb);
        } else {
            gk.metric = WASS_SQEUCLIDEAN;
            len = d == 2 ? kd_search_body(T, &gk, x, flags, thr, r, heap, stack, 2, nb)
                         : kd_search_body(T, &gk, x, flags, thr, r, heap, stack, 3, nb);
        }
    } else {
        len = kd_search_body(T, g, x, flags, thr, r, heap, stack, d, nb);
    }
    hits_sort(heap, len);
    return len;
}

size_t wass__kd_search(const kd_tree *T, const wass_ground *g, const double *x, int flags,
                       double thr, size_t r, kd_hit *heap, kd_frame *stack) {
    return kd_search_any(T, g, x, flags, thr, r, heap, stack, NULL);
}

size_t wass__kd_search_near(const kd_tree *T, const wass_ground *g, const double *x, int flags,
                            double thr, size_t r, kd_hit *heap, kd_frame *stack, kd_near *nb) {
    return kd_search_any(T, g, x, flags, thr, r, heap, stack, nb);
}

double wass__kd_key(const kd_tree *T, const wass_ground *g, const double *x, size_t k) {
    double key = NAN;
    wass__cost_row_t(g, x, T->P + k * T->d, 1, T->d, 1, &key);
    return key - T->vp[k];
}
