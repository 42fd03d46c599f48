/*
 * embed.c - spectral node embeddings (Nikolentzos et al. 2017): the
 * eigenvectors of a graph's adjacency matrix for its largest eigenvalues in
 * magnitude, absolute values taken, computed by LAPACK's dsyevr.
 *
 * A repeated eigenvalue has no unique eigenvectors: any rotation of its
 * eigenspace's basis is as good, and |V| changes with it (LAPACK's choice
 * follows its rounding). Each column of such an eigenvalue is instead
 * sqrt(P_ii / k), P = V V^T the projector on its k-dimensional eigenspace
 * (the same for every basis): for k = 1 it is |v_i|, the column keeps unit
 * norm, and the k columns together keep each node's squared weight P_ii in
 * the eigenspace. Eigenvalues are repeated when consecutive ones (ascending)
 * are within WASS__EIG_TIE (relative to max(1, max |lambda|)): rounding
 * splits an exact repeat by about n eps ||A||, and eigenvectors closer than
 * that are not determined by the matrix's floats anyway.
 *
 * OpenBLAS picks different kernels for one thread and for several, so
 * dsyevr's vectors differ with its thread count: by rounding where the
 * eigenvalues are distinct, and as a different basis where one is repeated
 * (16 of the first 1000 NCI1 graphs, up to 0.42 in a coordinate). The
 * embeddings run with OpenBLAS on one thread (the graphs are the parallel
 * work), its count restored after, so that they do not depend on it; with
 * another LAPACK nothing is changed.
 */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include "common/internal.h"
#include "common/parallel.h"
#include "wass/graph.h"

#include <dlfcn.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WASS__EIG_TIE 1e-9

/* eigen-decomposition of an n x n symmetric matrix (overwritten); all
 * eigenvalues ascending into w, eigenvectors as columns of Z (n x n,
 * row-major). */
static int eigh(size_t n, double *A, double *w, double *Z, wass_error_info *err) {
    lapack_int m = 0;
    lapack_int *isuppz = malloc(2 * n * sizeof *isuppz);
    if (!isuppz) return wass__fail(err, WASS_ERR_NOMEM, "out of memory (eigensolver)");
    lapack_int info =
        LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'A', 'U', (lapack_int)n, A, (lapack_int)n, 0.0, 0.0,
                       0, 0, 0.0, &m, w, Z, (lapack_int)n, isuppz);
    free(isuppz);
    if (info != 0 || (size_t)m != n)
        return wass__fail(err, WASS_ERR_INTERNAL, "LAPACK dsyevr failed (info %d)", (int)info);
    return WASS_OK;
}

/* OpenBLAS's thread count set to one, and what restores it: set is NULL
 * when the LAPACK in use is not OpenBLAS's (nothing set), before the count
 * it had. */
typedef void (*blas_set_fn)(int);
typedef int (*blas_get_fn)(void);
typedef struct {
    blas_set_fn set;
    int before;
} blas_threads;

static blas_threads blas_single(void) {
    blas_threads t = {(blas_set_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "openblas_set_num_threads"), 1};
    blas_get_fn get = (blas_get_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "openblas_get_num_threads");
    if (!t.set || !get) return (blas_threads){NULL, 1};
    t.before = get();
    if (t.before != 1) t.set(1);
    return t;
}

static void blas_restore(blas_threads t) {
    if (t.set && t.before != 1) t.set(t.before);
}

static int spectral_embed(size_t n, const double *A, size_t dim, double *out, double *eigenvalues,
                          wass_error_info *err);

int wass_graph_spectral_embed(size_t n, const double *A, size_t dim, double *out,
                              double *eigenvalues, wass_error_info *err) {
    blas_threads before = blas_single();
    int rc = spectral_embed(n, A, dim, out, eigenvalues, err);
    blas_restore(before);
    return rc;
}

static int spectral_embed(size_t n, const double *A, size_t dim, double *out, double *eigenvalues,
                          wass_error_info *err) {
    wass__clear(err);
    if (n == 0 || dim == 0)
        return wass__fail(err, WASS_ERR_SIZE, "a graph needs nodes and dim >= 1");
    if (!A || !out) return wass__fail(err, WASS_ERR_INVALID, "A or out is NULL");
    size_t nn;
    if (!wass__mul_ok(n, n, &nn) || nn > ((size_t)1 << 31))
        return wass__fail(err, WASS_ERR_SIZE, "graph of %zu nodes too large", n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double a = A[i * n + j];
            if (!isfinite(a))
                return wass__fail(err, WASS_ERR_NAN, "A[%zu][%zu] is not finite", i, j);
            if (a != A[j * n + i])
                return wass__fail(err, WASS_ERR_INVALID, "A is not symmetric at (%zu, %zu)", i, j);
        }
    double *M = malloc(nn * sizeof *M), *Z = malloc(nn * sizeof *Z), *w = malloc(n * sizeof *w);
    size_t *order = malloc(n * sizeof *order);
    int rc = WASS_OK;
    if (!M || !Z || !w || !order) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory (embedding of %zu nodes)", n);
        goto done;
    }
    memcpy(M, A, nn * sizeof *M);
    rc = eigh(n, M, w, Z, err);
    if (rc) goto done;
    /* order by |eigenvalue| descending, ties to the larger eigenvalue: merge
     * the two ends of the ascending spectrum. |lambda| and |-lambda| (every
     * pair of a bipartite graph's spectrum) come out of LAPACK with
     * rounding that depends on the node order, so magnitudes within
     * WASS__EIG_TIE count as tied: the order then does not depend on the
     * numbering either. */
    size_t lo = 0, hi = n;
    double scale = fmax(1.0, fmax(fabs(w[0]), fabs(w[n - 1])));
    for (size_t k = 0; k < n; k++) {
        if (fabs(w[hi - 1]) >= fabs(w[lo]) - WASS__EIG_TIE * scale)
            order[k] = --hi;
        else
            order[k] = lo++;
    }
    size_t keep = dim < n ? dim : n;
    for (size_t c = 0; c < keep; c++) {
        size_t k = order[c], e0 = k, e1 = k + 1; /* its eigenspace: w[e0 .. e1) */
        while (e0 > 0 && w[e0] - w[e0 - 1] <= WASS__EIG_TIE * scale)
            e0--;
        while (e1 < n && w[e1] - w[e1 - 1] <= WASS__EIG_TIE * scale)
            e1++;
        for (size_t i = 0; i < n; i++) {
            if (e1 - e0 == 1) {
                out[i * dim + c] = fabs(Z[i * n + k]);
                continue;
            }
            double p = 0.0;
            for (size_t l = e0; l < e1; l++)
                p += Z[i * n + l] * Z[i * n + l];
            out[i * dim + c] = sqrt(p / (double)(e1 - e0));
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t c = keep; c < dim; c++)
            out[i * dim + c] = 0.0;
    if (eigenvalues)
        for (size_t c = 0; c < dim; c++)
            eigenvalues[c] = c < keep ? w[order[c]] : 0.0;
done:
    free(M);
    free(Z);
    free(w);
    free(order);
    return rc;
}

void wass_graph_embedding_free(wass_graph_embedding *e) {
    if (!e) return;
    free(e->offset);
    free(e->X);
    free(e->label);
    memset(e, 0, sizeof *e);
}

int wass_graph_embed(const wass_graph_set *gs, size_t dim, int threads, wass_graph_embedding *out,
                     wass_error_info *err) {
    wass__clear(err);
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "out is NULL");
    memset(out, 0, sizeof *out);
    if (!gs || !gs->node_offset || !gs->adj_offset)
        return wass__fail(err, WASS_ERR_INVALID, "graph set is NULL or empty");
    if (dim == 0 || dim > 4096)
        return wass__fail(err, WASS_ERR_INVALID, "dim %zu not in 1..4096", dim);
    size_t G = gs->graphs, N = gs->nodes, total;
    if (G == 0 || N == 0) return wass__fail(err, WASS_ERR_SIZE, "no graphs");
    if (!wass__mul_ok(N, dim, &total)) return wass__fail(err, WASS_ERR_SIZE, "embedding too large");
    size_t nmax = 0;
    for (size_t g = 0; g < G; g++) {
        size_t n = gs->node_offset[g + 1] - gs->node_offset[g];
        if (n == 0) return wass__fail(err, WASS_ERR_INVALID, "graph %zu has no nodes", g);
        if (n > nmax) nmax = n;
    }
    if (nmax > 46340)
        return wass__fail(err, WASS_ERR_SIZE, "a graph of %zu nodes is too large", nmax);
    out->offset = malloc((G + 1) * sizeof *out->offset);
    out->X = malloc(total * sizeof *out->X);
    if (gs->node_label) out->label = malloc(N * sizeof *out->label);
    if (!out->offset || !out->X || (gs->node_label && !out->label)) {
        wass_graph_embedding_free(out);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory (embeddings)");
    }
    memcpy(out->offset, gs->node_offset, (G + 1) * sizeof *out->offset);
    if (gs->node_label) memcpy(out->label, gs->node_label, N * sizeof *out->label);
    out->graphs = G;
    out->nodes = N;
    out->dim = dim;
    int nt = wass__threads_for(threads, (double)N * (double)nmax * 50.0);
    (void)nt;
    wass__loop loop;
    wass__loop_init(&loop, G);
    blas_threads before = blas_single();
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
#endif
    {
        double *A = malloc(nmax * nmax * sizeof *A);
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 8)
#endif
        for (size_t g = 0; g < G; g++) {
            size_t b = gs->node_offset[g], n = gs->node_offset[g + 1] - b;
            wass_error_info e;
            int r = WASS_OK;
            if (!A) {
                r = WASS_ERR_NOMEM;
                snprintf(e.message, sizeof e.message, "out of memory (adjacency)");
            } else {
                memset(A, 0, n * n * sizeof *A);
                for (size_t i = 0; i < n; i++)
                    for (size_t t = gs->adj_offset[b + i]; t < gs->adj_offset[b + i + 1]; t++) {
                        size_t j = gs->adj[t] - b;
                        if (gs->adj[t] < b || j >= n) {
                            j = i; /* an edge out of the graph: refused below */
                            r = WASS_ERR_INVALID;
                        }
                        A[i * n + j] = 1.0;
                        A[j * n + i] = 1.0;
                    }
                if (r)
                    snprintf(e.message, sizeof e.message, "an edge leaves the graph");
                else
                    r = spectral_embed(n, A, dim, out->X + b * dim, NULL, &e);
            }
            wass__loop_item_done(&loop, g, r, &e, 1);
        }
        free(A);
    }
    blas_restore(before);
    if (wass__loop_failed(&loop)) {
        wass_graph_embedding_free(out);
        return wass__fail(err, loop.rc, "graph %zu: %s", loop.bad + 1, loop.err.message);
    }
    return WASS_OK;
}
