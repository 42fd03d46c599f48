/*
 * embed_set.c - a set of grid embeddings packed for fast L1 queries. The
 * union of the rows' keys becomes the columns of a dense matrix (a 28 x 28
 * frame has a few thousand cells over all levels), each query is spread
 * over the same columns once, and a distance is then a vector loop over
 * contiguous doubles (embed_l1_simd.h) instead of a merge of two sorted key
 * lists. Rows are visited in tiles that stay in cache while up to 64
 * queries pass over them, four at a time. Sets whose union is too large, or
 * too sparse to be worth a dense matrix, keep sparse rows and merge.
 */
#include "approx/embed_internal.h"
#include "common/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The vector helpers are macros, not functions: no 32-byte vector is passed
 * to or returned from a function, so the baseline build needs no AVX (a
 * compiler may refuse, or pass such vectors in memory on one side and in
 * registers on the other). The argument of el_hsum is a plain variable. */
typedef double el_v4d __attribute__((vector_size(32)));
typedef int64_t el_v4l __attribute__((vector_size(32)));
typedef double el_v4du __attribute__((vector_size(32), aligned(8))); /* unaligned access */

#define el_load(p) (*(const el_v4du *)(p))
#define el_zero() ((el_v4d){0.0, 0.0, 0.0, 0.0})
#define el_abs(x) ((el_v4d)((el_v4l)(x) & (el_v4l){INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX}))
#define el_hsum(x) (((x)[0] + (x)[1]) + ((x)[2] + (x)[3]))

#define EL_ATTR
#define EL_NAME(x) x##_generic
#include "approx/embed_l1_simd.h"
#undef EL_ATTR
#undef EL_NAME

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(WASS_NO_CLONES)
#define EL_X86 1
#define EL_ATTR __attribute__((target("avx2")))
#define EL_NAME(x) x##_avx2
#include "approx/embed_l1_simd.h"
#undef EL_ATTR
#undef EL_NAME
#endif

int wass__embed_isa(void) {
#ifdef EL_X86
    /* the CPU model is read once by libgcc's constructor */
    return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

int wass__embed_l1_dense(int isa, const double *row, const double *qs, size_t ld, size_t nq,
                         double *out) {
    if ((nq != 1 && nq != 4) || isa < 0 || isa > wass__embed_isa() || ld % 8) return -1;
#ifdef EL_X86
    if (isa == 1) {
        if (nq == 4)
            el_l1_q4_avx2(row, qs, ld, out);
        else
            el_l1_q1_avx2(row, qs, ld, out);
        return 0;
    }
#endif
    if (nq == 4)
        el_l1_q4_generic(row, qs, ld, out);
    else
        el_l1_q1_generic(row, qs, ld, out);
    return 0;
}

void wass_embed_set_options_default(wass_embed_set_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
}

void wass_embed_set_free(wass_embed_set *set) {
    if (!set) return;
    free(set->keys);
    free(set->vals);
    if (set->sparse)
        for (size_t r = 0; r < set->rows; r++)
            wass_sparse_free(&set->sparse[r]);
    free(set->sparse);
    wass_embed_frame_free(&set->frame);
    memset(set, 0, sizeof *set);
}

static int check_sparse(const wass_sparse *e, const char *what, size_t at, wass_error_info *err) {
    if (e->len && (!e->keys || !e->vals))
        return wass__fail(err, WASS_ERR_INVALID, "%s %zu has %zu entries but no keys or values",
                          what, at, e->len);
    for (size_t t = 0; t < e->len; t++) {
        if (!isfinite(e->vals[t]))
            return wass__fail(err, WASS_ERR_NAN, "%s %zu: value %zu is not finite", what, at, t);
        if (t && e->keys[t - 1] >= e->keys[t])
            return wass__fail(err, WASS_ERR_INVALID,
                              "%s %zu: keys are not strictly increasing at entry %zu", what, at, t);
    }
    return WASS_OK;
}

/* The distinct keys of all rows, ascending, into *keys (malloc'ed, NULL
 * when there are more than limit) and *cells: one merge of each row into
 * the union so far, given up as soon as the union outgrows the limit, so
 * that the work stays within rows x limit + nonzeros. */
static int key_union(const wass_sparse *emb, size_t count, size_t limit, uint64_t **keys,
                     size_t *cells, wass_error_info *err) {
    *keys = NULL;
    *cells = 0;
    uint64_t *u = malloc((limit + 1) * sizeof *u), *v = malloc((limit + 1) * sizeof *v);
    if (!u || !v) {
        free(u);
        free(v);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory for %zu keys", limit);
    }
    size_t nu = 0;
    for (size_t r = 0; r < count && nu <= limit; r++) {
        const uint64_t *k = emb[r].keys;
        size_t i = 0, j = 0, n = emb[r].len, nv = 0;
        while ((i < nu || j < n) && nv <= limit) {
            uint64_t a = i < nu ? u[i] : UINT64_MAX, b = j < n ? k[j] : UINT64_MAX;
            int ta = i < nu && (j >= n || a <= b), tb = j < n && (i >= nu || b <= a);
            v[nv++] = ta ? a : b;
            i += (size_t)ta;
            j += (size_t)tb;
        }
        if (i < nu || j < n) nv = limit + 1;
        uint64_t *w = u;
        u = v, v = w, nu = nv;
    }
    free(v);
    if (nu > limit) {
        free(u);
        *cells = nu;
        return WASS_OK;
    }
    *keys = u;
    *cells = nu;
    return WASS_OK;
}

/* Row e spread over the columns keys[0..cells) into dst (ld, zeroed
 * first); the mass of keys that are no column, summed with compensation,
 * into *extra (exactly 0 for a row of the set). */
static void spread(const wass_sparse *e, const uint64_t *keys, size_t cells, size_t ld, double *dst,
                   double *extra) {
    memset(dst, 0, ld * sizeof *dst);
    wass__acc out = {0, 0};
    size_t p = 0;
    for (size_t t = 0; t < e->len; t++) {
        uint64_t key = e->keys[t];
        while (p < cells && keys[p] < key)
            p++;
        if (p < cells && keys[p] == key)
            dst[p] = e->vals[t];
        else
            wass__acc_add(&out, fabs(e->vals[t]));
    }
    *extra = wass__acc_value(&out);
}

static int pack_sparse(const wass_sparse *emb, size_t count, wass_embed_set *set,
                       wass_error_info *err) {
    set->sparse = calloc(count, sizeof *set->sparse);
    if (!set->sparse) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    for (size_t r = 0; r < count; r++) {
        size_t n = emb[r].len;
        wass_sparse *s = &set->sparse[r];
        s->keys = malloc((n ? n : 1) * sizeof *s->keys);
        s->vals = malloc((n ? n : 1) * sizeof *s->vals);
        if (!s->keys || !s->vals) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
        if (n) memcpy(s->keys, emb[r].keys, n * sizeof *s->keys);
        if (n) memcpy(s->vals, emb[r].vals, n * sizeof *s->vals);
        s->len = n;
    }
    return WASS_OK;
}

int wass_embed_set_pack(const wass_sparse *emb, size_t count, const wass_embed_set_options *opt,
                        wass_embed_set *set, wass_error_info *err) {
    wass__clear(err);
    if (!set) return wass__fail(err, WASS_ERR_INVALID, "set is NULL");
    memset(set, 0, sizeof *set);
    if (!emb) return wass__fail(err, WASS_ERR_INVALID, "embeddings are NULL");
    if (count == 0) return wass__fail(err, WASS_ERR_SIZE, "no embeddings to pack");
    wass_embed_set_options def;
    if (!opt) {
        wass_embed_set_options_default(&def);
        opt = &def;
    }
    size_t total = 0, max_cells = opt->max_cells ? opt->max_cells : WASS_EMBED_DENSE_MAX_CELLS;
    int rc;
    for (size_t r = 0; r < count; r++) {
        if ((rc = check_sparse(&emb[r], "embedding", r, err))) return rc;
        total += emb[r].len;
    }
    set->rows = count;
    set->threads = opt->threads;
    /* dense only when rows x ld <= 16 (nonzeros + rows): at most 8 times the
     * memory of the sparse rows (16 bytes an entry) */
    double by_memory = 16.0 * ((double)total + (double)count) / (double)count;
    size_t limit = max_cells;
    if (by_memory < (double)limit) limit = by_memory < 0 ? 0 : (size_t)by_memory;
    uint64_t *keys = NULL;
    size_t cells = 0;
    if ((rc = key_union(emb, count, limit, &keys, &cells, err))) return rc;
    size_t ld = (cells + 7) & ~(size_t)7, dense_size = 0;
    if (ld == 0) ld = 8;
    int dense = keys && wass__mul_ok(count, ld, &dense_size) &&
                (double)dense_size <= 16.0 * ((double)total + (double)count);
    if (!dense) {
        free(keys);
        rc = pack_sparse(emb, count, set, err);
        if (rc)
            wass_embed_set_free(set);
        else
            set->cells = 0;
        return rc;
    }
    set->cells = cells;
    set->dense = 1;
    set->ld = ld;
    set->keys = keys;
    set->vals = malloc(dense_size * sizeof *set->vals);
    if (!set->vals) {
        wass_embed_set_free(set);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory for %zu x %zu cells", count, ld);
    }
    for (size_t r = 0; r < count; r++) {
        double extra;
        spread(&emb[r], keys, cells, ld, set->vals + r * ld, &extra);
    }
    return WASS_OK;
}

static int copy_frame(const wass_embed_frame *fr, wass_embed_frame *dst, wass_error_info *err) {
    *dst = *fr;
    dst->origin = malloc(fr->d * sizeof(double));
    dst->lo = malloc(fr->d * sizeof(double));
    dst->hi = malloc(fr->d * sizeof(double));
    if (!dst->origin || !dst->lo || !dst->hi) {
        wass_embed_frame_free(dst);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    memcpy(dst->origin, fr->origin, fr->d * sizeof(double));
    memcpy(dst->lo, fr->lo, fr->d * sizeof(double));
    memcpy(dst->hi, fr->hi, fr->d * sizeof(double));
    return WASS_OK;
}

/* emb[r] = the embedding of clouds[r]; a failure names the cloud. */
static int embed_all(const wass_embed_frame *fr, const wass_cloud *clouds, size_t count,
                     wass_sparse *emb, const char *what, wass_error_info *err) {
    for (size_t r = 0; r < count; r++) {
        wass_error_info e;
        int rc = wass_embed(fr, &clouds[r], &emb[r], &e);
        if (rc) return wass__fail(err, rc, "%s %zu: %s", what, r, e.message);
    }
    return WASS_OK;
}

int wass_embed_set_build(const wass_embed_frame *fr, const wass_cloud *clouds, size_t count,
                         const wass_embed_set_options *opt, wass_embed_set *set,
                         wass_error_info *err) {
    wass__clear(err);
    if (!set) return wass__fail(err, WASS_ERR_INVALID, "set is NULL");
    memset(set, 0, sizeof *set);
    if (!fr || !fr->origin) return wass__fail(err, WASS_ERR_INVALID, "frame is not initialized");
    if (!clouds) return wass__fail(err, WASS_ERR_INVALID, "clouds are NULL");
    if (count == 0) return wass__fail(err, WASS_ERR_SIZE, "no clouds to embed");
    wass_sparse *emb = calloc(count, sizeof *emb);
    if (!emb) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    int rc = embed_all(fr, clouds, count, emb, "cloud", err);
    if (rc == WASS_OK) rc = wass_embed_set_pack(emb, count, opt, set, err);
    for (size_t r = 0; r < count; r++)
        wass_sparse_free(&emb[r]);
    free(emb);
    if (rc == WASS_OK && (rc = copy_frame(fr, &set->frame, err))) wass_embed_set_free(set);
    return rc;
}

typedef void (*el_kernel)(const double *row, const double *qs, size_t ld, double *out);

/* ng queries spread in qd (ng x ld) with the mass outside the columns in
 * extra: out[(q0 + g) * rows + r] for g < ng and every row. Rows in tiles
 * of about 128 KiB, each tile visited by all ng queries, four at a time. */
static void dense_group(const wass_embed_set *set, const double *qd, const double *extra, size_t ng,
                        size_t q0, double *out, int nt) {
    const size_t rows = set->rows, ld = set->ld;
    size_t T = ((size_t)128 << 10) / (ld * sizeof(double));
    if (T < 1) T = 1;
    const size_t ntiles = (rows + T - 1) / T;
    el_kernel k1 = el_l1_q1_generic, k4 = el_l1_q4_generic;
#ifdef EL_X86
    if (wass__embed_isa()) k1 = el_l1_q1_avx2, k4 = el_l1_q4_avx2;
#endif
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
#endif
    for (size_t t = 0; t < ntiles; t++) {
        size_t r0 = t * T, r1 = r0 + T < rows ? r0 + T : rows;
        for (size_t g = 0; g < ng;) {
            size_t nb = ng - g >= 4 ? 4 : 1;
            for (size_t r = r0; r < r1; r++) {
                double d[4];
                (nb == 4 ? k4 : k1)(set->vals + r * ld, qd + g * ld, ld, d);
                for (size_t q = 0; q < nb; q++)
                    out[(q0 + g + q) * rows + r] = d[q] + extra[g + q];
            }
            g += nb;
        }
    }
    (void)nt;
}

static int dense_queries(const wass_embed_set *set, const wass_sparse *q, size_t nq, double *out,
                         int nt, wass_error_info *err) {
    const size_t ld = set->ld;
    size_t G = ((size_t)4 << 20) / (ld * sizeof(double));
    G = G < 4 ? 4 : G > 64 ? 64 : G & ~(size_t)3;
    if (G > nq) G = nq;
    double *qd = malloc(G * ld * sizeof *qd), *extra = malloc(G * sizeof *extra);
    if (!qd || !extra) {
        free(qd);
        free(extra);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    for (size_t q0 = 0; q0 < nq; q0 += G) {
        size_t ng = nq - q0 < G ? nq - q0 : G;
        for (size_t g = 0; g < ng; g++)
            spread(&q[q0 + g], set->keys, set->cells, ld, qd + g * ld, &extra[g]);
        dense_group(set, qd, extra, ng, q0, out, nt);
    }
    free(qd);
    free(extra);
    return WASS_OK;
}

int wass_embed_set_l1(const wass_embed_set *set, const wass_sparse *q, size_t nq, double *out,
                      wass_error_info *err) {
    wass__clear(err);
    if (!set || set->rows == 0 || (set->dense ? !set->vals || !set->keys : !set->sparse))
        return wass__fail(err, WASS_ERR_INVALID, "set is NULL or not packed");
    if (!q || !out) return wass__fail(err, WASS_ERR_INVALID, "queries or out is NULL");
    if (nq == 0) return wass__fail(err, WASS_ERR_SIZE, "no queries");
    int rc;
    for (size_t i = 0; i < nq; i++)
        if ((rc = check_sparse(&q[i], "query", i, err))) return rc;
    const size_t rows = set->rows;
    double work = (double)rows * (double)nq * (double)(set->dense ? set->ld : 64) / 64.0;
    int nt = wass__threads_for(set->threads, work);
    if (set->dense) return dense_queries(set, q, nq, out, nt, err);
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
#endif
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < nq; i++)
            out[i * rows + r] = wass_sparse_l1(&q[i], &set->sparse[r]);
    return WASS_OK;
}

int wass_embed_set_l1_clouds(const wass_embed_set *set, const wass_cloud *q, size_t nq, double *out,
                             wass_error_info *err) {
    wass__clear(err);
    if (!set || !set->frame.origin)
        return wass__fail(err, WASS_ERR_INVALID,
                          "set is NULL or has no frame (make it with wass_embed_set_build)");
    if (!q || !out) return wass__fail(err, WASS_ERR_INVALID, "queries or out is NULL");
    if (nq == 0) return wass__fail(err, WASS_ERR_SIZE, "no queries");
    wass_sparse *emb = calloc(nq, sizeof *emb);
    if (!emb) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    int rc = embed_all(&set->frame, q, nq, emb, "query", err);
    if (rc == WASS_OK) rc = wass_embed_set_l1(set, emb, nq, out, err);
    for (size_t i = 0; i < nq; i++)
        wass_sparse_free(&emb[i]);
    free(emb);
    return rc;
}
