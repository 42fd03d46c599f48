/*
 * sinkhorn_kernel.c - log-sum-exp and plan passes over an n x m cost given
 * densely, by point clouds (costs recomputed row by row: O(n + m) memory) or
 * by a callback. Rows (or columns) are spread over OpenMP threads; every row
 * is computed by one thread in a fixed order, so results do not depend on the
 * thread count. The inner loops are compiled for AVX-512, AVX2+FMA and the
 * baseline, and the best one the processor supports is chosen at run time.
 * The precomputed kernel (sk_kmat_*) is read by blocks of rows whose
 * partial column sums are combined in block order, for the same reason.
 */
#if defined(__linux__) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* madvise(MADV_HUGEPAGE) */
#endif
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=fast", "no-math-errno")
#endif
#if defined(__GNUC__)
/* 64-byte vectors are passed between static functions of this file only. */
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

#include "entropic/sinkhorn_internal.h"

#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

/* Vectors of the machine's width for each instruction set (see
 * sinkhorn_simd.h): 16 bytes for the baseline, 32 for AVX2, 64 for
 * AVX-512. */
typedef double v2d __attribute__((vector_size(16)));
typedef int64_t v2l __attribute__((vector_size(16)));
typedef uint64_t v2u __attribute__((vector_size(16)));
typedef double v4d __attribute__((vector_size(32)));
typedef int64_t v4l __attribute__((vector_size(32)));
typedef uint64_t v4u __attribute__((vector_size(32)));
typedef double v8d __attribute__((vector_size(64)));
typedef int64_t v8l __attribute__((vector_size(64)));
typedef uint64_t v8u __attribute__((vector_size(64)));
#define SK_SPLAT(x) ((SK_VD){0} + (x))

#define SK_ATTR
#define SK_NAME(x) x##_generic
#define SK_VD v2d
#define SK_VL v2l
#define SK_VU v2u
#define SK_L 2
#include "entropic/sinkhorn_simd.h"
#undef SK_ATTR
#undef SK_NAME
#undef SK_VD
#undef SK_VL
#undef SK_VU
#undef SK_L

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SK_X86 1
#define SK_ATTR __attribute__((target("avx2,fma")))
#define SK_NAME(x) x##_avx2
#define SK_VD v4d
#define SK_VL v4l
#define SK_VU v4u
#define SK_L 4
#include "entropic/sinkhorn_simd.h"
#undef SK_ATTR
#undef SK_NAME
#undef SK_VD
#undef SK_VL
#undef SK_VU
#undef SK_L
#define SK_ATTR __attribute__((target("avx512f,avx2,fma")))
#define SK_NAME(x) x##_avx512
#define SK_VD v8d
#define SK_VL v8l
#define SK_VU v8u
#define SK_L 8
#include "entropic/sinkhorn_simd.h"
#undef SK_ATTR
#undef SK_NAME
#undef SK_VD
#undef SK_VL
#undef SK_VU
#undef SK_L
#endif

enum { ISA_GENERIC = 0, ISA_AVX2 = 1, ISA_AVX512 = 2 };

static int detect_isa(void) {
#ifdef SK_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return ISA_AVX2;
#endif
    return ISA_GENERIC;
}

/* ---- dispatch ------------------------------------------------------------ */

#ifdef SK_X86
#define DISPATCH(isa, fn, ...)                                                                     \
    ((isa) == ISA_AVX512 ? fn##_avx512(__VA_ARGS__)                                                \
     : (isa) == ISA_AVX2 ? fn##_avx2(__VA_ARGS__)                                                  \
                         : fn##_generic(__VA_ARGS__))
#else
#define DISPATCH(isa, fn, ...) fn##_generic(__VA_ARGS__)
#endif

static double lse_row(int isa, const double *c, const double *h, size_t len, double ie, int hs,
                      double sh) {
    return DISPATCH(isa, lse_row, c, h, len, ie, hs, sh);
}

static double lse_row_sq(int isa, const double *x, const double *Yt, size_t d, const double *h,
                         size_t len, double ie, int hs, double sh) {
    return DISPATCH(isa, lse_row_sq, x, Yt, d, h, len, ie, hs, sh);
}

static double lse_row_eu(int isa, const double *x, const double *Yt, size_t d, const double *h,
                         size_t len, double ie, int hs, double sh) {
    return DISPATCH(isa, lse_row_eu, x, Yt, d, h, len, ie, hs, sh);
}

static double plan_row(int isa, const double *c, const double *beta, size_t len, double alpha,
                       double ie, double *wsum, double *out) {
    return DISPATCH(isa, plan_row, c, beta, len, alpha, ie, wsum, out);
}

static void cost_row(int isa, const wass_ground *g, const double *x, const double *Yt, size_t d,
                     size_t len, double *c) {
#ifdef SK_X86
    if (isa == ISA_AVX512)
        cost_row_avx512(g, x, Yt, d, len, c);
    else if (isa == ISA_AVX2)
        cost_row_avx2(g, x, Yt, d, len, c);
    else
#endif
        cost_row_generic(g, x, Yt, d, len, c);
    (void)isa;
}

static void lse_cols_dense(int isa, const double *C, size_t ld, size_t n, size_t j0, size_t j1,
                           const double *h, double ie, const double *sh, double *out, double *s) {
#ifdef SK_X86
    if (isa == ISA_AVX512)
        lse_cols_dense_avx512(C, ld, n, j0, j1, h, ie, sh, out, s);
    else if (isa == ISA_AVX2)
        lse_cols_dense_avx2(C, ld, n, j0, j1, h, ie, sh, out, s);
    else
#endif
        lse_cols_dense_generic(C, ld, n, j0, j1, h, ie, sh, out, s);
    (void)isa;
}

static void plan_cols_dense(int isa, const double *C, size_t ld, size_t n, size_t j0, size_t j1,
                            const double *alpha, const double *beta, double ie, double *sum) {
#ifdef SK_X86
    if (isa == ISA_AVX512)
        plan_cols_dense_avx512(C, ld, n, j0, j1, alpha, beta, ie, sum);
    else if (isa == ISA_AVX2)
        plan_cols_dense_avx2(C, ld, n, j0, j1, alpha, beta, ie, sum);
    else
#endif
        plan_cols_dense_generic(C, ld, n, j0, j1, alpha, beta, ie, sum);
    (void)isa;
}

static double kdot(int isa, const double *K, const double *w, size_t len) {
    return DISPATCH(isa, kdot, K, w, len);
}

/* Rows of the precomputed kernel. */
static double krow_build(const sk_kernel *k, size_t i, const double *c, const double *g0, double fi,
                         double ie, double ai, double *part) {
    return DISPATCH(k->isa, kbuild_row, c, g0, k->m, fi, ie, ai, k->km->K + i * k->m, part);
}

static double krow_dot(const sk_kernel *k, size_t i, const double *w) {
    return DISPATCH(k->isa, kdot, k->km->K + i * k->m, w, k->m);
}

static void krow_axpy(const sk_kernel *k, size_t i, double x, double *part) {
    DISPATCH(k->isa, kaxpy, k->km->K + i * k->m, x, part, k->m);
}

static double krow_plan(const sk_kernel *k, size_t i, const double *w, const double *c, double x,
                        double *wsum, double *part, double *out) {
    return DISPATCH(k->isa, kplan_row, k->km->K + i * k->m, w, c, k->m, x, wsum, part, out);
}

/* Dispatched row helpers for the other files of the solver (internal header). */
double sk_dot(const sk_kernel *k, const double *x, const double *y, size_t len) {
    return kdot(k->isa, x, y, len);
}

double sk_plan_line(const sk_kernel *k, const double *c, const double *beta, size_t len,
                    double alpha, double ie, double *wsum, double *out) {
    return plan_row(k->isa, c, beta, len, alpha, ie, wsum, out);
}

double sk_kscale(const sk_kernel *k, size_t i, const double *w, double x, double *out) {
    return DISPATCH(k->isa, kscale_row, k->km->K + i * k->m, w, k->m, x, out);
}

void sk_kcols8(const sk_kernel *k, size_t j0, const double *x, const double *w, const double *X,
               size_t d, double *s, double *mt) {
    DISPATCH(k->isa, kcols8, k->km->K + j0, k->m, k->n, x, w, X, d, s, mt);
}

double sk_kentry(const sk_kernel *k, size_t i, size_t j) {
    return k->km->K[i * k->m + j];
}

/* ---- setup --------------------------------------------------------------- */

#define SK_COL_BLOCK 256 /* columns per task in the dense column passes (multiple of 8) */

static double *transpose(const double *X, size_t n, size_t d) {
    size_t nd;
    if (!wass__mul_ok(n, d, &nd) || nd > SIZE_MAX / sizeof(double)) return NULL;
    double *T = malloc(nd * sizeof(double));
    if (!T) return NULL;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < d; k++)
            T[k * n + i] = X[i * d + k];
    return T;
}

int sk_kernel_init(sk_kernel *k, const wass_problem *pb, int threads, wass_error_info *err) {
    memset(k, 0, sizeof *k);
    k->n = pb->n;
    k->m = pb->m;
    k->cost = pb->cost;
    k->threads = wass__threads_for(threads, (double)pb->n * (double)pb->m);
    if (k->threads < 1) k->threads = 1;
    k->isa = detect_isa();
    size_t big = pb->n > pb->m ? pb->n : pb->m;
    if (big < 2 * SK_COL_BLOCK) big = 2 * SK_COL_BLOCK;
    k->stride = big + 16;
    size_t total;
    if (!wass__mul_ok(k->stride, (size_t)k->threads, &total) || total > SIZE_MAX / sizeof(double))
        return wass__fail(err, WASS_ERR_SIZE, "scratch size overflows");
    k->scratch = malloc(total * sizeof(double));
    if (!k->scratch) return wass__fail(err, WASS_ERR_NOMEM, "out of memory (Sinkhorn scratch)");
    if (pb->cost.kind == WASS_COST_POINTS) {
        k->Xt = transpose(pb->cost.X, pb->n, pb->cost.d);
        k->Yt = transpose(pb->cost.Y, pb->m, pb->cost.d);
        if (!k->Xt || !k->Yt) {
            sk_kernel_free(k);
            return wass__fail(err, WASS_ERR_NOMEM, "out of memory (point clouds)");
        }
    }
    return WASS_OK;
}

static void kmat_free(sk_kmat *km) {
    if (!km) return;
    free(km->Kmem);
    free(km->part);
    free(km->f0);
    free(km);
}

void sk_kernel_free(sk_kernel *k) {
    if (!k) return;
    kmat_free(k->km);
    k->km = NULL;
    free(k->Xt);
    free(k->Yt);
    free(k->scratch);
    k->Xt = k->Yt = k->scratch = NULL;
}

static double *thread_scratch(const sk_kernel *k) {
#ifdef _OPENMP
    return k->scratch + (size_t)omp_get_thread_num() * k->stride;
#else
    return k->scratch;
#endif
}

/* Cost row (side 0: row i over j < m) or column (side 1: column i over rows
 * < n) into buf, or a pointer into the dense matrix for side 0. */
static const double *cost_line(const sk_kernel *k, int side, size_t i, double *buf) {
    const wass_cost *c = &k->cost;
    switch (c->kind) {
    case WASS_COST_DENSE:
        return c->C + i * c->ld; /* side 0 only */
    case WASS_COST_POINTS:
        if (side == 0)
            cost_row(k->isa, &c->ground, c->X + i * c->d, k->Yt, c->d, k->m, buf);
        else
            cost_row(k->isa, &c->ground, c->Y + i * c->d, k->Xt, c->d, k->n, buf);
        return buf;
    default:
        if (side == 0)
            for (size_t j = 0; j < k->m; j++)
                buf[j] = c->fn(i, j, c->user);
        else
            for (size_t j = 0; j < k->n; j++)
                buf[j] = c->fn(j, i, c->user);
        return buf;
    }
}

const double *sk_cost_line(const sk_kernel *k, int side, size_t i, double *buf) {
    return cost_line(k, side, i, buf);
}

int sk_cost_range(const sk_kernel *k, double *cmin, double *cmax, wass_error_info *err) {
    const wass_cost *c = &k->cost;
    if (c->kind == WASS_COST_POINTS) {
        size_t d = c->d;
        double *lo = malloc(2 * d * sizeof(double));
        if (!lo) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
        double *hi = lo + d;
        for (size_t t = 0; t < d; t++) {
            lo[t] = INFINITY;
            hi[t] = -INFINITY;
        }
        for (int side = 0; side < 2; side++) {
            const double *P = side ? c->Y : c->X;
            size_t cnt = side ? k->m : k->n;
            for (size_t i = 0; i < cnt; i++)
                for (size_t t = 0; t < d; t++) {
                    double v = P[i * d + t];
                    if (v < lo[t]) lo[t] = v;
                    if (v > hi[t]) hi[t] = v;
                }
        }
        double top = wass_ground_eval(&c->ground, lo, hi, d);
        free(lo);
        if (!isfinite(top))
            return wass__fail(err, WASS_ERR_NAN,
                              "costs overflow: the point clouds span too large a range");
        *cmin = 0.0;
        *cmax = top;
        return WASS_OK;
    }
    size_t n = k->n, m = k->m;
    double *rmin = malloc(3 * n * sizeof(double));
    if (!rmin) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    double *rmax = rmin + n, *rbad = rmax + n;
#pragma omp parallel for num_threads(k->threads) schedule(static)
    for (size_t i = 0; i < n; i++) {
        double *buf = thread_scratch(k);
        const double *row = cost_line(k, 0, i, buf);
        double lo = INFINITY, hi = -INFINITY;
        size_t bad = SIZE_MAX;
        for (size_t j = 0; j < m; j++) {
            double v = row[j];
            if (!isfinite(v)) {
                if (bad == SIZE_MAX) bad = j;
                continue;
            }
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        rmin[i] = lo;
        rmax[i] = hi;
        rbad[i] = (double)bad;
    }
    double lo = INFINITY, hi = -INFINITY;
    int rc = WASS_OK;
    for (size_t i = 0; i < n; i++) {
        if (rbad[i] != (double)SIZE_MAX) {
            size_t j = (size_t)rbad[i];
            double v = wass__cost(c, i, j);
            rc = wass__fail(err, WASS_ERR_NAN, "cost C[%zu][%zu] is %s", i, j,
                            isnan(v) ? "NaN" : "infinite");
            break;
        }
        lo = rmin[i] < lo ? rmin[i] : lo;
        hi = rmax[i] > hi ? rmax[i] : hi;
    }
    free(rmin);
    if (rc) return rc;
    *cmin = lo;
    *cmax = hi;
    return WASS_OK;
}

/* ---- passes -------------------------------------------------------------- */

void sk_lse(const sk_kernel *k, int side, const double *h, double inv_eps, const double *shift,
            double *out) {
    const wass_cost *c = &k->cost;
    size_t cnt = side ? k->m : k->n, len = side ? k->n : k->m;
    if (c->kind == WASS_COST_DENSE && side == 1) {
        size_t blocks = (k->m + SK_COL_BLOCK - 1) / SK_COL_BLOCK;
#pragma omp parallel for num_threads(k->threads) schedule(dynamic, 1)
        for (size_t t = 0; t < blocks; t++) {
            size_t j0 = t * SK_COL_BLOCK, j1 = j0 + SK_COL_BLOCK;
            if (j1 > k->m) j1 = k->m;
            lse_cols_dense(k->isa, c->C, c->ld, k->n, j0, j1, h, inv_eps, shift, out,
                           thread_scratch(k));
        }
        return;
    }
    int fused = 0;
    if (c->kind == WASS_COST_POINTS && c->ground.p == 1.0) {
        if (c->ground.metric == WASS_SQEUCLIDEAN) fused = 1;
        if (c->ground.metric == WASS_EUCLIDEAN) fused = 2;
    }
#pragma omp parallel for num_threads(k->threads) schedule(dynamic, 16)
    for (size_t i = 0; i < cnt; i++) {
        int hs = shift != NULL;
        double sh = hs ? shift[i] : 0.0;
        if (fused) {
            const double *x = side ? c->Y + i * c->d : c->X + i * c->d;
            const double *T = side ? k->Xt : k->Yt;
            out[i] = fused == 1 ? lse_row_sq(k->isa, x, T, c->d, h, len, inv_eps, hs, sh)
                                : lse_row_eu(k->isa, x, T, c->d, h, len, inv_eps, hs, sh);
        } else {
            const double *line = cost_line(k, side, i, thread_scratch(k));
            out[i] = lse_row(k->isa, line, h, len, inv_eps, hs, sh);
        }
    }
}

void sk_plan_pass(const sk_kernel *k, int side, const double *alpha, const double *beta,
                  double inv_eps, double *sum, double *wsum, double *plan) {
    const wass_cost *c = &k->cost;
    if (side == 1) {
        if (c->kind == WASS_COST_DENSE) {
            size_t blocks = (k->m + SK_COL_BLOCK - 1) / SK_COL_BLOCK;
#pragma omp parallel for num_threads(k->threads) schedule(static)
            for (size_t t = 0; t < blocks; t++) {
                size_t j0 = t * SK_COL_BLOCK, j1 = j0 + SK_COL_BLOCK;
                if (j1 > k->m) j1 = k->m;
                plan_cols_dense(k->isa, c->C, c->ld, k->n, j0, j1, alpha, beta, inv_eps, sum);
            }
            return;
        }
#pragma omp parallel for num_threads(k->threads) schedule(static)
        for (size_t j = 0; j < k->m; j++) {
            double w;
            const double *line = cost_line(k, 1, j, thread_scratch(k));
            sum[j] = plan_row(k->isa, line, alpha, k->n, beta[j], inv_eps, &w, NULL);
        }
        return;
    }
#pragma omp parallel for num_threads(k->threads) schedule(static)
    for (size_t i = 0; i < k->n; i++) {
        double w;
        const double *line = cost_line(k, 0, i, thread_scratch(k));
        sum[i] = plan_row(k->isa, line, beta, k->m, alpha[i], inv_eps, &w,
                          plan ? plan + i * k->m : NULL);
        if (wsum) wsum[i] = w;
    }
}

/* ---- precomputed kernel (scaling domain) ---------------------------------- */

/* Rows per block of the kernel passes: each block accumulates its own
 * partial column sums, combined in block order afterwards. */
#define SK_KROWS 64
/* Largest exponent allowed in K, largest drift |g - g0| / eps of the
 * potentials from those absorbed in K, and the range of row and column sums
 * accepted: together they keep every product in range and make the entries
 * flushed to 0 (below exp(-708)) negligible next to the sums. */
#define SK_KMAX_EXP 300.0
#define SK_KDRIFT 250.0
#define SK_KSUM_LO 1e-150
#define SK_KSUM_HI 1e150

int sk_kmat_enable(sk_kernel *k, double budget) {
    size_t n = k->n, m = k->m, nb = (n + SK_KROWS - 1) / SK_KROWS;
    double bytes =
        ((double)n * (double)m + (double)nb * (double)m + 3.0 * (double)n + 2.0 * (double)m) *
        sizeof(double);
    if (!(budget > 0) || bytes > budget || bytes > (double)SIZE_MAX / 2) return 0;
    sk_kmat *km = calloc(1, sizeof *km);
    if (!km) return 0;
    km->nb = nb;
    /* Aligned to 2 MiB and marked for huge pages where the system has them:
     * touching 4 KiB pages one by one costs more than the passes on some
     * virtual machines (a page fault per 512 entries). */
    size_t align = (size_t)1 << 21;
    km->Kmem = malloc(n * m * sizeof(double) + align);
    if (km->Kmem) {
        uintptr_t p = ((uintptr_t)km->Kmem + align - 1) & ~(uintptr_t)(align - 1);
        km->K = (double *)p;
#ifdef MADV_HUGEPAGE
        size_t len = n * m * sizeof(double) & ~(align - 1); /* whole huge pages inside */
        if (len) (void)madvise(km->K, len, MADV_HUGEPAGE);
#endif
    }
    km->part = malloc(nb * m * sizeof(double));
    km->f0 = malloc((3 * n + 2 * m) * sizeof(double));
    if (!km->K || !km->part || !km->f0) {
        kmat_free(km);
        return 0;
    }
    km->g0 = km->f0 + n;
    km->wv = km->g0 + m;
    km->xr = km->wv + m;
    k->km = km;
    return 1;
}

/* Rows [*i0, end) of row block b (the return value is end). */
static size_t block_rows(size_t b, size_t n, size_t *i0) {
    *i0 = b * SK_KROWS;
    return (b + 1) * SK_KROWS < n ? (b + 1) * SK_KROWS : n;
}

/* The partial column sums of row block b, zeroed when zero is set. */
static double *block_part(const sk_kmat *km, size_t b, size_t m, int zero) {
    double *part = km->part + b * m;
    if (zero) memset(part, 0, m * sizeof(double));
    return part;
}

/* T[j - j0] = sum over the blocks of part[b][j] for j0 <= j < j1, in block
 * order. */
static void sum_parts(const sk_kmat *km, size_t m, size_t j0, size_t j1, double *T) {
    for (size_t j = j0; j < j1; j++)
        T[j - j0] = km->part[j];
    for (size_t b = 1; b < km->nb; b++) {
        const double *p = km->part + b * m;
        for (size_t j = j0; j < j1; j++)
            T[j - j0] += p[j];
    }
}

/* Column sums T_j = sum over blocks of part[b][j], in block order; returns 1
 * when all lie in [SK_KSUM_LO, SK_KSUM_HI], and then out_j = log T_j - g0_j ie. */
static int kmat_columns(const sk_kernel *k, double ie, double *out) {
    const sk_kmat *km = k->km;
    size_t m = k->m, chunks = (m + 511) / 512;
    int bad = 0;
#pragma omp parallel for num_threads(k->threads) schedule(static) reduction(| : bad)
    for (size_t t = 0; t < chunks; t++) {
        size_t j0 = t * 512, j1 = j0 + 512 < m ? j0 + 512 : m;
        double *T = out + j0;
        sum_parts(km, m, j0, j1, T);
        for (size_t j = j0; j < j1; j++) {
            double v = T[j - j0];
            if (!(v >= SK_KSUM_LO && v <= SK_KSUM_HI)) bad = 1;
            T[j - j0] = log(v) - km->g0[j] * ie;
        }
    }
    return !bad;
}

int sk_kmat_build(const sk_kernel *k, const double *la, const double *f, const double *g,
                  double eps, double *Lcols) {
    sk_kmat *km = k->km;
    size_t n = k->n, m = k->m;
    const double ie = 1.0 / eps;
    km->valid = 0;
    memcpy(km->f0, f, n * sizeof(double));
    memcpy(km->g0, g, m * sizeof(double));
    int bad = 0;
#pragma omp parallel for num_threads(k->threads) schedule(dynamic, 1) reduction(| : bad)
    for (size_t b = 0; b < km->nb; b++) {
        size_t i0, i1 = block_rows(b, n, &i0);
        double *part = block_part(km, b, m, 1);
        for (size_t i = i0; i < i1; i++) {
            const double *c = cost_line(k, 0, i, thread_scratch(k));
            double mx = krow_build(k, i, c, km->g0, km->f0[i], ie, exp(la[i]), part);
            if (!(mx <= SK_KMAX_EXP)) bad = 1;
        }
    }
    if (bad) return 0;
    double *T = Lcols ? Lcols : km->wv;
    if (!kmat_columns(k, ie, T)) return 0;
    km->eps = eps;
    km->valid = 1;
    return 1;
}

/* Weights w_j = exp(lw_j + (g_j - g0_j) ie); 0 when some |g_j - g0_j| ie
 * exceeds SK_KDRIFT. */
int sk_kmat_weights(const double *lw, const double *g, const double *g0, size_t len, double ie,
                    double *w) {
    for (size_t j = 0; j < len; j++) {
        double d = (g[j] - g0[j]) * ie;
        if (!(fabs(d) <= SK_KDRIFT)) return 0;
        w[j] = exp(lw[j] + d);
    }
    return 1;
}

int sk_kmat_fused(const sk_kernel *k, const double *la, const double *lb, const double *f,
                  const double *g, double c1, double c2, double next_eps, double *L, double *fn,
                  double *Lcols, int *next_ok) {
    sk_kmat *km = k->km;
    size_t n = k->n, m = k->m;
    const double ie = 1.0 / km->eps;
    const int rebuild = next_eps > 0;
    *next_ok = 0;
    if (!km->valid) return 0;
    if (!sk_kmat_weights(lb, g, km->g0, m, ie, km->wv)) return SK_DRIFT;
    int bad = 0, drift = 0;
    const int cols = Lcols != NULL;
#pragma omp parallel for num_threads(k->threads) schedule(dynamic, 1) reduction(| : bad, drift)
    for (size_t b = 0; b < km->nb; b++) {
        size_t i0, i1 = block_rows(b, n, &i0);
        double *part = block_part(km, b, m, cols || rebuild);
        for (size_t i = i0; i < i1; i++) {
            double S = krow_dot(k, i, km->wv);
            if (!(S >= SK_KSUM_LO && S <= SK_KSUM_HI)) {
                bad = 1;
                continue;
            }
            L[i] = log(S) - km->f0[i] * ie;
            fn[i] = c1 * f[i] + c2 * L[i];
            if (rebuild) { /* the row is used: overwrite it with the next epsilon's */
                const double *c = cost_line(k, 0, i, thread_scratch(k));
                double mx = krow_build(k, i, c, g, fn[i], 1.0 / next_eps, exp(la[i]), part);
                if (!(mx <= SK_KMAX_EXP)) bad = 1;
                continue;
            }
            double d = (fn[i] - km->f0[i]) * ie;
            if (!(fabs(d) <= SK_KDRIFT)) {
                drift = 1;
                continue;
            }
            if (cols) krow_axpy(k, i, exp(la[i] + d), part);
        }
    }
    if (rebuild) {
        km->valid = 0;
        if (!bad) { /* the rows were good: K now holds fn, g at next_eps */
            memcpy(km->f0, fn, n * sizeof(double));
            memcpy(km->g0, g, m * sizeof(double));
            km->eps = next_eps;
            km->valid = 1;
            *next_ok = kmat_columns(k, 1.0 / next_eps, Lcols ? Lcols : km->wv);
            if (!*next_ok) km->valid = 0;
            return 1;
        }
        /* a bad row may follow rebuilt ones: L, fn are unusable as well */
        return 0;
    }
    if (bad) {
        km->valid = 0;
        return 0;
    }
    if (drift) return 1;
    if (cols && !kmat_columns(k, ie, Lcols)) return 1;
    *next_ok = 1;
    return 1;
}

int sk_kmat_plan(const sk_kernel *k, const double *la, const double *lb, const double *f,
                 const double *g, double eps, double *rsum, double *wsum, double *csum,
                 double *plan) {
    sk_kmat *km = k->km;
    if (!km || !km->valid || km->eps != eps) return 0;
    size_t n = k->n, m = k->m;
    const double ie = 1.0 / eps;
    if (!sk_kmat_weights(lb, g, km->g0, m, ie, km->wv)) return 0;
    if (!sk_kmat_weights(la, f, km->f0, n, ie, km->xr)) return 0;
#pragma omp parallel for num_threads(k->threads) schedule(dynamic, 1)
    for (size_t b = 0; b < km->nb; b++) {
        size_t i0, i1 = block_rows(b, n, &i0);
        double *part = block_part(km, b, m, 1);
        for (size_t i = i0; i < i1; i++) {
            const double *c = cost_line(k, 0, i, thread_scratch(k));
            rsum[i] =
                krow_plan(k, i, km->wv, c, km->xr[i], &wsum[i], part, plan ? plan + i * m : NULL);
        }
    }
    size_t chunks = (m + 511) / 512;
#pragma omp parallel for num_threads(k->threads) schedule(static)
    for (size_t t = 0; t < chunks; t++) {
        size_t j0 = t * 512, j1 = j0 + 512 < m ? j0 + 512 : m;
        sum_parts(km, m, j0, j1, csum + j0);
    }
    return 1;
}
