/*
 * assignment.c - sparse assignment by shortest augmenting paths.
 *
 * For a free row r, Dijkstra grows a tree of alternating paths over reduced
 * costs c_ij - u_i - v_j (nonnegative): a column reached at distance D_j that
 * is matched leads on to its row; the first free column popped ends the path
 * (distance L). The duals then move by the distances (u_r += L; for every
 * other row i reached, u_i += L - D_col4row(i); for every column j popped,
 * v_j -= L - D_j), which keeps every reduced cost nonnegative and makes the
 * path tight, and the path is flipped. Each search matches one more row and
 * the duals prove the matching optimal once every row is matched
 * (Jonker & Volgenant 1987; the dual update as in Crouse 2016).
 *
 * Rounding: a reduced cost computed slightly negative is taken as zero, so
 * dual feasibility holds up to a few ulps of the costs and potentials; the
 * caller's pricing and the certificate work with tolerances above that.
 */
#include "exact/assignment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct wass__sap_heap_entry {
    double d;
    size_t j;
};

typedef struct wass__sap_heap_entry hentry;

static inline int h_less(const hentry *a, const hentry *b) {
    return a->d < b->d || (a->d == b->d && a->j < b->j);
}

/* A 4-ary min-heap of (distance, column) entries. The order is total (ties
 * by column), so the columns come out in the same order whatever the shape
 * of the heap: the searches do not depend on it. */
static int heap_grow(wass__sap *s) {
    size_t cap = s->heap_cap ? 2 * s->heap_cap : 1024;
    hentry *h = realloc(s->heap, cap * sizeof *h);
    if (!h) return WASS_ERR_NOMEM;
    s->heap = h;
    s->heap_cap = cap;
    return WASS_OK;
}

static inline int heap_push(wass__sap *s, double d, size_t j) {
    if (s->heap_len == s->heap_cap && heap_grow(s)) return WASS_ERR_NOMEM;
    hentry x = {d, j}, *h = s->heap;
    size_t q = s->heap_len++;
    while (q > 0) {
        size_t p = (q - 1) / 4;
        if (!h_less(&x, &h[p])) break;
        h[q] = h[p];
        q = p;
    }
    h[q] = x;
    return WASS_OK;
}

static inline hentry heap_pop(wass__sap *s) {
    hentry *h = s->heap, top = h[0], x = h[--s->heap_len];
    size_t q = 0, n = s->heap_len;
    for (;;) {
        size_t c = 4 * q + 1;
        if (c >= n) break;
        size_t e = c + 4 < n ? c + 4 : n, b = c;
        for (size_t k = c + 1; k < e; k++)
            if (h_less(&h[k], &h[b])) b = k;
        if (!h_less(&h[b], &x)) break;
        h[q] = h[b];
        q = b;
    }
    if (n) h[q] = x;
    return top;
}

int wass__sap_init(wass__sap *s, size_t n, const double *v0) {
    memset(s, 0, sizeof *s);
    size_t n1 = n ? n : 1;
    s->n = n;
    s->u = malloc(n1 * sizeof(double));
    s->v = malloc(n1 * sizeof(double));
    s->col4row = malloc(n1 * sizeof(int64_t));
    s->row4col = malloc(n1 * sizeof(int64_t));
    s->dist = malloc(n1 * sizeof(double));
    s->pred = malloc(n1 * sizeof(int64_t));
    s->pd = malloc(n1 * sizeof(double));
    s->touched = malloc(n1 * sizeof(size_t));
    s->rows = malloc(n1 * sizeof(size_t));
    if (!s->u || !s->v || !s->col4row || !s->row4col || !s->dist || !s->pred || !s->pd ||
        !s->touched || !s->rows) {
        wass__sap_free(s);
        return WASS_ERR_NOMEM;
    }
    for (size_t k = 0; k < n; k++) {
        s->u[k] = 0.0;
        s->v[k] = v0 ? v0[k] : 0.0;
        s->col4row[k] = s->row4col[k] = -1;
        s->dist[k] = INFINITY;
    }
    return WASS_OK;
}

void wass__sap_free(wass__sap *s) {
    if (!s) return;
    free(s->u);
    free(s->v);
    free(s->col4row);
    free(s->row4col);
    free(s->dist);
    free(s->pred);
    free(s->pd);
    free(s->touched);
    free(s->rows);
    free(s->heap);
    memset(s, 0, sizeof *s);
}

/* The row at position k of the visiting order. */
static inline size_t row_at(const wass__sap *s, size_t k) {
    return s->order ? s->order[k] : k;
}

size_t wass__sap_reprice(wass__sap *s, const size_t *ptr, const size_t *col, const double *cost,
                         int first, double tol) {
    size_t n = s->n, nfree = 0;
    for (size_t q = 0; q < n; q++) {
        size_t i = row_at(s, q);
        double best = INFINITY;
        size_t bj = (size_t)-1;
        for (size_t k = ptr[i]; k < ptr[i + 1]; k++) {
            double r = cost[k] - s->v[col[k]];
            if (r < best) {
                best = r;
                bj = col[k];
            }
        }
        if (first) {
            s->u[i] = best;
            if (bj != (size_t)-1 && s->row4col[bj] < 0) {
                s->row4col[bj] = (int64_t)i;
                s->col4row[i] = (int64_t)bj;
            }
        } else if (best < s->u[i] - tol) {
            s->u[i] = best;
            int64_t j = s->col4row[i];
            if (j >= 0) { /* its pair is no longer tight */
                s->row4col[j] = -1;
                s->col4row[i] = -1;
            }
        }
        if (s->col4row[i] < 0) nfree++;
    }
    return nfree;
}

void wass__sap_ctransform(wass__sap *s, const size_t *ptr, const size_t *col, const double *cost) {
    size_t n = s->n;
    double *best = s->dist; /* workspace: INFINITY between searches */
    for (size_t i = 0; i < n; i++)
        for (size_t k = ptr[i]; k < ptr[i + 1]; k++) {
            double r = cost[k] - s->u[i];
            if (r < best[col[k]]) best[col[k]] = r;
        }
    for (size_t j = 0; j < n; j++) {
        if (best[j] < INFINITY) s->v[j] = best[j];
        best[j] = INFINITY;
    }
    for (size_t i = 0; i < n; i++) {
        double b = INFINITY;
        for (size_t k = ptr[i]; k < ptr[i + 1]; k++) {
            double r = cost[k] - s->v[col[k]];
            if (r < b) b = r;
        }
        if (b < INFINITY) s->u[i] = b;
    }
    /* greedy matching on the tight pairs */
    for (size_t k = 0; k < n; k++)
        s->col4row[k] = s->row4col[k] = -1;
    for (size_t q = 0; q < n; q++) {
        size_t i = row_at(s, q);
        for (size_t k = ptr[i]; k < ptr[i + 1]; k++) {
            size_t j = col[k];
            if (s->row4col[j] < 0 && cost[k] - s->v[j] <= s->u[i]) {
                s->row4col[j] = (int64_t)i;
                s->col4row[i] = (int64_t)j;
                break;
            }
        }
    }
}

/* One shortest augmenting path from the free row r. A column popped has
 * dist = -INFINITY (no label can improve it) and its distance in pd. */
static int augment_row(wass__sap *s, size_t r, const size_t *ptr, const size_t *col,
                       const double *cost) {
    double *u = s->u, *v = s->v, *dist = s->dist, *pd = s->pd;
    int64_t *pred = s->pred, *row4col = s->row4col, *col4row = s->col4row;
    int rc = WASS_OK;
    s->heap_len = 0;
    s->ntouched = 0;
    s->nrows = 0;
    size_t i = r, sink = (size_t)-1;
    double di = 0.0, L = 0.0, ub = INFINITY;
    for (;;) {
        s->rows[s->nrows++] = i;
        double base = di - u[i];
        for (size_t k = ptr[i], k1 = ptr[i + 1]; k < k1; k++) {
            size_t j = col[k];
            double dj = base + cost[k] - v[j];
            if (dj < di) dj = di; /* a reduced cost rounded below zero */
            /* never for a popped column; nor above a free column's label
             * (ub): the search ends at or below it, such a column would not
             * be popped */
            if (dj < dist[j] && dj <= ub) {
                if (row4col[j] < 0) ub = dj;
                if (dist[j] == INFINITY) s->touched[s->ntouched++] = j;
                dist[j] = dj;
                pred[j] = (int64_t)i;
                if (dj == di && row4col[j] < 0) {
                    /* a free column at the smallest distance still open
                     * (every label left is >= di): the path ends here. On
                     * plateaus of equal costs this stops the search at once
                     * instead of after the whole plateau. */
                    pd[j] = dj;
                    dist[j] = -INFINITY;
                    s->scans++;
                    sink = j;
                    L = dj;
                    goto found;
                }
                if ((rc = heap_push(s, dj, j))) goto out;
            }
        }
        /* the closest column not yet popped */
        size_t j = (size_t)-1;
        while (s->heap_len > 0) {
            hentry e = heap_pop(s);
            if (e.d != dist[e.j]) continue; /* stale, or popped */
            j = e.j;
            break;
        }
        if (j == (size_t)-1) {
            rc = WASS__SAP_NO_MATCHING;
            goto out;
        }
        pd[j] = dist[j];
        dist[j] = -INFINITY;
        s->scans++;
        if (row4col[j] < 0) {
            sink = j;
            L = pd[j];
            break;
        }
        i = (size_t)row4col[j];
        di = pd[j];
    }
found:
    /* duals: the popped columns and the rows reached */
    u[r] += L;
    for (size_t q = 1; q < s->nrows; q++) {
        size_t a = s->rows[q];
        u[a] += L - pd[col4row[a]];
    }
    for (size_t q = 0; q < s->ntouched; q++) {
        size_t j = s->touched[q];
        if (dist[j] == -INFINITY) v[j] -= L - pd[j];
    }
    /* flip the path */
    for (size_t j = sink;;) {
        size_t a = (size_t)pred[j];
        int64_t next = col4row[a];
        col4row[a] = (int64_t)j;
        row4col[j] = (int64_t)a;
        if (a == r) break;
        j = (size_t)next;
    }
    s->augmentations++;
out:
    for (size_t q = 0; q < s->ntouched; q++)
        dist[s->touched[q]] = INFINITY;
    return rc;
}

int wass__sap_augment(wass__sap *s, const size_t *ptr, const size_t *col, const double *cost) {
    int status = WASS_OK;
    for (size_t q = 0; q < s->n; q++) {
        size_t r = row_at(s, q);
        if (s->col4row[r] >= 0) continue;
        int rc = augment_row(s, r, ptr, col, cost);
        if (rc == WASS__SAP_NO_MATCHING)
            status = rc;
        else if (rc)
            return rc;
    }
    return status;
}
