/*
 * ns_price.c - shortlist (candidate-list) pricing and sparse candidate-arc
 * pricing for the network simplex.
 */
#include "exact/ns_internal.h"

#include <math.h>
#include <stdlib.h>

/* Append one candidate arc, growing the list geometrically. */
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

/* (x, j) into the list v, idx of the (at most k) smallest values seen, kept
 * sorted ascending; *cnt entries so far. */
static inline void keep_smallest(double *v, size_t *idx, size_t *cnt, size_t k, double x,
                                 size_t j) {
    if (!(*cnt < k || x < v[*cnt - 1])) return;
    size_t q = *cnt < k ? (*cnt)++ : *cnt - 1;
    while (q > 0 && v[q - 1] > x) {
        v[q] = v[q - 1];
        idx[q] = idx[q - 1];
        q--;
    }
    v[q] = x;
    idx[q] = j;
}

/* Shortlists: the k cheapest sinks of every source and the cheapest source
 * of every sink (one pass over all costs). */
int wass__ns_cand_init(ns_tree *t, cand_list *L, size_t k) {
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
            keep_smallest(kc, kj, &cnt, k, c, j);
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
int wass__ns_price_cand(ns_tree *t, cand_list *L, size_t B, double tol, size_t *bi, size_t *bj,
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
        if (r < -tol) keep_smallest(qr, qj, &cnt, q_add, r, j);
    }
    for (size_t q = 0; q < cnt; q++)
        if (cand_push(L, i, qj[q], t->rowc[qj[q]])) return WASS_ERR_NOMEM;
    return (int64_t)cnt;
}

/* Full pricing round: add the most negative arc of every row to the
 * candidates. Returns the number added (or a negative error code). */
int64_t wass__ns_cand_round(ns_tree *t, cand_list *L, double tol, size_t q_add, double *qr,
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

/* Block search over the sparse candidate arcs (in->arc_ptr), from the
 * rotating position (*pi, *pk); same rule as the dense block search. */
int wass__ns_price_sparse(const wass__ns_input *in, const double *phi, double tol, size_t B,
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
