/*
 * arcset.c - the candidate arcs of column generation in CSR form: merged,
 * sorted and deduplicated per row, with costs from the cost oracle.
 */
#include "exact/colgen_internal.h"

#include <stdlib.h>
#include <string.h>

void wass__arcset_free(arcset *A) {
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

int wass__arcset_merge(arcset *A, size_t n, const size_t *ri, const size_t *cj, size_t cnt) {
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

void wass__arcset_fill_costs(arcset *A, const wass_cost *c, size_t nr, size_t mr, int nt) {
    (void)nt;
    size_t n = A->n;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 256)
#endif
    for (size_t i = 0; i < n; i++)
        for (size_t k = A->ptr[i]; k < A->ptr[i + 1]; k++) {
            size_t j = A->col[k];
            A->cost[k] = (i < nr && j < mr) ? wass__cost(c, i, j) : 0.0;
        }
}
