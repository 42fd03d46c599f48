/*
 * radix_sort.c - stable least-significant-digit radix sort of uint64 keys with
 * optional double payloads: 11-bit digits (6 passes at most), passes whose
 * digit is the same for every key are skipped (found from one counting pass
 * over all digits), small arrays go to insertion sort. Large arrays are
 * counted and scattered by several OpenMP threads on contiguous chunks, which
 * keeps the sort stable and its result independent of the thread count.
 * Weighted samples are sorted as 16-byte (key, weight) records, one scatter
 * per pass, the first pass reading the doubles and making the keys itself.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* madvise */
#endif
#include "line/radix_sort.h"

#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)
#define RADIX_MASK (RADIX_SIZE - 1u)
#define RADIX_DIGITS ((64 + RADIX_BITS - 1) / RADIX_BITS)
#define SMALL_N 48
#define PARALLEL_MIN_N ((size_t)1 << 17)
#define MAX_THREADS 256

void *wass__big_alloc(size_t bytes) {
    const size_t huge = (size_t)2 << 20;
    if (bytes < 4 * huge) return malloc(bytes ? bytes : 1);
    size_t rounded = (bytes + huge - 1) / huge * huge;
    if (rounded < bytes) return NULL;
    void *p = aligned_alloc(huge, rounded);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (p) madvise(p, rounded, MADV_HUGEPAGE);
#endif
    return p;
}

static void insertion_sort(uint64_t *k, double *v, size_t n) {
    for (size_t i = 1; i < n; i++) {
        uint64_t key = k[i];
        double val = v ? v[i] : 0.0;
        size_t j = i;
        while (j > 0 && k[j - 1] > key) {
            k[j] = k[j - 1];
            if (v) v[j] = v[j - 1];
            j--;
        }
        k[j] = key;
        if (v) v[j] = val;
    }
}

/* One pass of keys ks[lo..hi) (with their values vs, when not NULL) to the
 * positions h of their digit at shift (advanced), into kd (and vd). */
static inline void scatter_pass(const uint64_t *ks, const double *vs, uint64_t *kd, double *vd,
                                size_t lo, size_t hi, int shift, size_t *h) {
    if (vs) {
        for (size_t i = lo; i < hi; i++) {
            size_t pos = h[(ks[i] >> shift) & RADIX_MASK]++;
            kd[pos] = ks[i];
            vd[pos] = vs[i];
        }
    } else {
        for (size_t i = lo; i < hi; i++)
            kd[h[(ks[i] >> shift) & RADIX_MASK]++] = ks[i];
    }
}

/* After a pass the destination is the next pass's source. */
static inline void swap_buffers(uint64_t **ks, uint64_t **kd, double **vs, double **vd) {
    uint64_t *kt = *ks;
    *ks = *kd;
    *kd = kt;
    double *vt = *vs;
    *vs = *vd;
    *vd = vt;
}

/* Serial sort; hist is RADIX_DIGITS * RADIX_SIZE counters. */
static void sort_serial(uint64_t *keys, double *vals, size_t n, uint64_t *ktmp, double *vtmp,
                        size_t *hist) {
    memset(hist, 0, sizeof(size_t) * RADIX_DIGITS * RADIX_SIZE);
    int sorted = 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = keys[i];
        if (i && keys[i - 1] > k) sorted = 0;
        for (int d = 0; d < RADIX_DIGITS; d++)
            hist[d * RADIX_SIZE + ((k >> (d * RADIX_BITS)) & RADIX_MASK)]++;
    }
    if (sorted) return;
    uint64_t *ks = keys, *kd = ktmp;
    double *vs = vals, *vd = vtmp;
    for (int d = 0; d < RADIX_DIGITS; d++) {
        size_t *h = hist + (size_t)d * RADIX_SIZE;
        int shift = d * RADIX_BITS;
        if (h[(ks[0] >> shift) & RADIX_MASK] == n) continue; /* one digit value: nothing to do */
        size_t sum = 0;
        for (unsigned b = 0; b < RADIX_SIZE; b++) {
            size_t c = h[b];
            h[b] = sum;
            sum += c;
        }
        scatter_pass(ks, vs, kd, vd, 0, n, shift, h);
        swap_buffers(&ks, &kd, &vs, &vd);
    }
    if (ks != keys) {
        memcpy(keys, ks, n * sizeof *keys);
        if (vals) memcpy(vals, vs, n * sizeof *vals);
    }
}

#ifdef _OPENMP
static void sort_parallel(uint64_t *keys, double *vals, size_t n, uint64_t *ktmp, double *vtmp,
                          int nt, size_t *hist /* nt * RADIX_SIZE */,
                          size_t *all /* RADIX_DIGITS * RADIX_SIZE */) {
    memset(all, 0, sizeof(size_t) * RADIX_DIGITS * RADIX_SIZE);
    int sorted = 1;
    /* One counting pass over every digit (per thread, then summed). */
#pragma omp parallel num_threads(nt)
    {
        size_t *loc = calloc((size_t)RADIX_DIGITS * RADIX_SIZE, sizeof(size_t));
        int t = omp_get_thread_num(), T = omp_get_num_threads();
        size_t lo = n * (size_t)t / (size_t)T, hi = n * (size_t)(t + 1) / (size_t)T;
        int my_sorted = 1;
        if (loc) {
            for (size_t i = lo; i < hi; i++) {
                uint64_t k = keys[i];
                if (i && keys[i - 1] > k) my_sorted = 0;
                for (int d = 0; d < RADIX_DIGITS; d++)
                    loc[d * RADIX_SIZE + ((k >> (d * RADIX_BITS)) & RADIX_MASK)]++;
            }
        }
#pragma omp critical(wass_radix_count)
        {
            if (loc)
                for (size_t b = 0; b < (size_t)RADIX_DIGITS * RADIX_SIZE; b++)
                    all[b] += loc[b];
            else
                all[0] = (size_t)-1; /* allocation failed: force every pass */
            if (!my_sorted) sorted = 0;
        }
        free(loc);
    }
    if (all[0] == (size_t)-1) {
        memset(all, 0, sizeof(size_t) * RADIX_DIGITS * RADIX_SIZE);
        sorted = 0;
    }
    if (sorted) return;
    uint64_t *ks = keys, *kd = ktmp;
    double *vs = vals, *vd = vtmp;
    for (int d = 0; d < RADIX_DIGITS; d++) {
        int shift = d * RADIX_BITS;
        const size_t *h = all + (size_t)d * RADIX_SIZE;
        if (h[(ks[0] >> shift) & RADIX_MASK] == n) continue;
#pragma omp parallel num_threads(nt)
        {
            int t = omp_get_thread_num(), T = omp_get_num_threads();
            size_t lo = n * (size_t)t / (size_t)T, hi = n * (size_t)(t + 1) / (size_t)T;
            size_t *my = hist + (size_t)t * RADIX_SIZE;
            memset(my, 0, RADIX_SIZE * sizeof *my);
            for (size_t i = lo; i < hi; i++)
                my[(ks[i] >> shift) & RADIX_MASK]++;
#pragma omp barrier
#pragma omp single
            {
                size_t sum = 0;
                for (unsigned b = 0; b < RADIX_SIZE; b++)
                    for (int u = 0; u < T; u++) {
                        size_t c = hist[(size_t)u * RADIX_SIZE + b];
                        hist[(size_t)u * RADIX_SIZE + b] = sum;
                        sum += c;
                    }
            }
            scatter_pass(ks, vs, kd, vd, lo, hi, shift, my);
        }
        swap_buffers(&ks, &kd, &vs, &vd);
    }
    if (ks != keys) {
#pragma omp parallel for num_threads(nt) schedule(static)
        for (size_t i = 0; i < n; i++) {
            keys[i] = ks[i];
            if (vals) vals[i] = vs[i];
        }
    }
}
#endif

void wass__radix_sort(uint64_t *keys, double *vals, size_t n, uint64_t *ktmp, double *vtmp,
                      int threads) {
    if (!vals) vtmp = NULL; /* the payload buffers swap roles pass by pass */
    if (n <= SMALL_N) {
        insertion_sort(keys, vals, n);
        return;
    }
    size_t hist_serial[RADIX_DIGITS * RADIX_SIZE];
#ifdef _OPENMP
    if (threads > 1 && n >= PARALLEL_MIN_N) {
        int nt = threads > MAX_THREADS ? MAX_THREADS : threads;
        size_t *hist = malloc((size_t)nt * RADIX_SIZE * sizeof *hist);
        if (hist) {
            sort_parallel(keys, vals, n, ktmp, vtmp, nt, hist, hist_serial);
            free(hist);
            return;
        }
    }
#else
    (void)threads;
#endif
    sort_serial(keys, vals, n, ktmp, vtmp, hist_serial);
}

/* ---- (key, weight) records made from (x, w) on the fly ----------------- */

/* Scatter one pass. The first pass (x != NULL) reads x / w and builds the
 * keys, later ones read records; h holds the running output positions. */
static void kv_scatter(const double *x, const double *w, const wass__kv *src, wass__kv *dst,
                       size_t lo, size_t hi, int shift, size_t *h) {
    if (x) {
        for (size_t i = lo; i < hi; i++) {
            uint64_t k = wass__key_from_double(x[i]);
            wass__kv *d = dst + h[(k >> shift) & RADIX_MASK]++;
            d->key = k;
            d->val = w[i];
        }
    } else {
        for (size_t i = lo; i < hi; i++) {
            wass__kv r = src[i];
            dst[h[(r.key >> shift) & RADIX_MASK]++] = r;
        }
    }
}

/* Count every digit of the keys of x[lo..hi) into hist (RADIX_DIGITS rows);
 * returns 1 when that range is sorted (by key). */
static int kv_count(const double *x, size_t lo, size_t hi, size_t *hist) {
    int sorted = 1;
    uint64_t prev = lo < hi ? wass__key_from_double(x[lo]) : 0;
    for (size_t i = lo; i < hi; i++) {
        uint64_t k = wass__key_from_double(x[i]);
        if (k < prev) sorted = 0;
        prev = k;
        for (int d = 0; d < RADIX_DIGITS; d++)
            hist[d * RADIX_SIZE + ((k >> (d * RADIX_BITS)) & RADIX_MASK)]++;
    }
    return sorted;
}

static void kv_load(const double *x, const double *w, wass__kv *out, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) {
        out[i].key = wass__key_from_double(x[i]);
        out[i].val = w[i];
    }
}

/* Active passes (digits not shared by every key) given the total counts and
 * the first key; returns their number and lists them in act. */
static int kv_active(const size_t *all, uint64_t k0, size_t n, int *act) {
    int na = 0;
    for (int d = 0; d < RADIX_DIGITS; d++)
        if (all[(size_t)d * RADIX_SIZE + ((k0 >> (d * RADIX_BITS)) & RADIX_MASK)] != n)
            act[na++] = d;
    return na;
}

/* Exclusive prefix sums of digit row d over T per-thread histograms (rows of
 * `row` counters), bucket-major and thread-minor so equal keys keep order. */
static void kv_offsets(size_t *loc, size_t row, int T, int d) {
    size_t d0 = (size_t)d * RADIX_SIZE, sum = 0;
    for (unsigned b = 0; b < RADIX_SIZE; b++)
        for (int u = 0; u < T; u++) {
            size_t *c = &loc[(size_t)u * row + d0 + b];
            size_t v = *c;
            *c = sum;
            sum += v;
        }
}

static void kv_serial(const double *x, const double *w, size_t n, wass__kv *out, wass__kv *tmp,
                      size_t *hist) {
    memset(hist, 0, sizeof(size_t) * RADIX_DIGITS * RADIX_SIZE);
    int act[RADIX_DIGITS];
    int na = kv_count(x, 0, n, hist) ? 0 : kv_active(hist, wass__key_from_double(x[0]), n, act);
    if (na == 0) {
        kv_load(x, w, out, 0, n);
        return;
    }
    /* an odd number of passes starts in out, an even one in tmp: ends in out */
    wass__kv *src = NULL, *dst = (na & 1) ? out : tmp;
    for (int a = 0; a < na; a++) {
        kv_offsets(hist, 0, 1, act[a]);
        kv_scatter(a ? NULL : x, w, src, dst, 0, n, act[a] * RADIX_BITS,
                   hist + (size_t)act[a] * RADIX_SIZE);
        src = dst;
        dst = dst == out ? tmp : out;
    }
}

#ifdef _OPENMP
/* Up to this many threads, each scatter also counts the next pass's digits
 * per destination chunk (T * T * RADIX_SIZE counters), which saves the
 * recount read of every later pass and leaves one barrier per pass. */
#define FUSED_MAX_T 8

/* Thread u's chunk of n records among T: [n u / T, n (u + 1) / T). */
static size_t chunk_lo(size_t n, int u, int T) {
    return n * (size_t)u / (size_t)T;
}

/* Scatter [lo, hi) as kv_scatter (h: output positions) and count, for each
 * destination chunk, the records it receives by their digit at nshift:
 * cnt[u * RADIX_SIZE + digit]. own / lim: per bucket, the chunk of its next
 * position and where that chunk ends (positions only grow). */
static void kv_scatter_count(const double *x, const double *w, const wass__kv *src, wass__kv *dst,
                             size_t lo, size_t hi, int shift, size_t *h, int nshift, size_t *cnt,
                             size_t n, int T, unsigned char *own, size_t *lim) {
    for (unsigned b = 0; b < RADIX_SIZE; b++) {
        /* the last chunk u with chunk_lo(u) <= h[b] */
        int u = (int)(((h[b] + 1) * (size_t)T - 1) / n);
        if (u >= T) u = T - 1;
        own[b] = (unsigned char)u;
        lim[b] = chunk_lo(n, u + 1, T);
    }
    for (size_t i = lo; i < hi; i++) {
        wass__kv r;
        if (x) {
            r.key = wass__key_from_double(x[i]);
            r.val = w[i];
        } else {
            r = src[i];
        }
        unsigned b = (unsigned)((r.key >> shift) & RADIX_MASK);
        size_t pos = h[b]++;
        dst[pos] = r;
        if (pos >= lim[b]) {
            int u = own[b];
            while (pos >= chunk_lo(n, u + 1, T))
                u++;
            own[b] = (unsigned char)u;
            lim[b] = chunk_lo(n, u + 1, T);
        }
        cnt[(size_t)own[b] * RADIX_SIZE + ((r.key >> nshift) & RADIX_MASK)]++;
    }
}

/* Output positions of chunk u for the next pass, from every scatterer's
 * counts (tab: T tables of T * RADIX_SIZE): bucket-major, chunk-minor. */
static void kv_next_offsets(const size_t *tab, int T, int u, size_t *h) {
    const size_t per = (size_t)T * RADIX_SIZE;
    size_t sum = 0;
    for (unsigned b = 0; b < RADIX_SIZE; b++)
        for (int v = 0; v < T; v++) {
            size_t c = 0;
            for (int t = 0; t < T; t++)
                c += tab[(size_t)t * per + (size_t)v * RADIX_SIZE + b];
            if (v == u) h[b] = sum;
            sum += c;
        }
}

/* Called by every thread of a team (t of T) on its chunk [lo, hi): counts
 * the chunk's digits into row t of loc, then, once x is known not to be
 * sorted, lists in act the digits that move anything (a digit is skipped
 * when the first key's bucket holds all n) and turns the counts of the
 * first one into positions. *sorted (1 on entry) and *na are shared by the
 * team; *na = 0 when no pass is needed. */
static void kv_plan(const double *x, size_t n, size_t *loc, int t, int T, size_t lo, size_t hi,
                    int *sorted, int *act, int *na) {
    const size_t row = (size_t)RADIX_DIGITS * RADIX_SIZE;
    size_t *my = loc + (size_t)t * row;
    memset(my, 0, row * sizeof *my);
    int s = kv_count(x, lo, hi, my);
    /* a chunk boundary out of order counts as unsorted too */
    if (lo > 0 && lo < hi && wass__key_from_double(x[lo - 1]) > wass__key_from_double(x[lo])) s = 0;
    if (!s) {
#pragma omp atomic write
        *sorted = 0;
    }
#pragma omp barrier
#pragma omp single
    {
        int ac = 0;
        if (!*sorted) {
            uint64_t k0 = wass__key_from_double(x[0]);
            for (int d = 0; d < RADIX_DIGITS; d++) {
                size_t b = (size_t)d * RADIX_SIZE + ((k0 >> (d * RADIX_BITS)) & RADIX_MASK), c = 0;
                for (int u = 0; u < T; u++)
                    c += loc[(size_t)u * row + b];
                if (c != n) act[ac++] = d;
            }
        }
        *na = ac;
        if (ac > 0) kv_offsets(loc, row, T, act[0]);
    }
}

/* The passes of one thread (chunk lo..hi of n, thread t of T) over the
 * active digits act[0..na) (na > 0), each counting the next pass's digits
 * while it scatters; my: this thread's row of loc; tabs: 2 * T * T *
 * RADIX_SIZE counters (two generations, by pass parity). */
static void kv_passes_fused(const double *x, const double *w, size_t n, wass__kv *out,
                            wass__kv *tmp, int t, int T, size_t lo, size_t hi, size_t *my,
                            const int *act, int na, size_t *tabs) {
    const size_t per = (size_t)T * RADIX_SIZE, gen = (size_t)T * per;
    unsigned char own[RADIX_SIZE];
    size_t lim[RADIX_SIZE];
    size_t *h = my; /* this pass's positions (row act[0] of loc at first) */
    h += (size_t)act[0] * RADIX_SIZE;
    wass__kv *src = NULL, *dst = (na & 1) ? out : tmp;
    for (int a = 0; a < na; a++) {
        int shift = act[a] * RADIX_BITS;
        size_t *cnt = tabs + (size_t)(a & 1) * gen + (size_t)t * per;
        if (a + 1 < na) {
            memset(cnt, 0, per * sizeof *cnt);
            kv_scatter_count(a ? NULL : x, w, src, dst, lo, hi, shift, h, act[a + 1] * RADIX_BITS,
                             cnt, n, T, own, lim);
        } else {
            kv_scatter(a ? NULL : x, w, src, dst, lo, hi, shift, h);
        }
#pragma omp barrier
        if (a + 1 < na) { /* every table of this generation is complete */
            h = my;       /* row 0 of loc serves as the position array from now on */
            kv_next_offsets(tabs + (size_t)(a & 1) * gen, T, t, h);
        }
        src = dst;
        dst = dst == out ? tmp : out;
    }
}

/* The same with a recount of the chunk's digits before each pass after
 * the first (no tables beyond loc). */
static void kv_passes(const double *x, const double *w, wass__kv *out, wass__kv *tmp, int T,
                      size_t lo, size_t hi, size_t *loc, size_t *my, const int *act, int na) {
    const size_t row = (size_t)RADIX_DIGITS * RADIX_SIZE;
    wass__kv *src = NULL, *dst = (na & 1) ? out : tmp;
    for (int a = 0; a < na; a++) {
        int shift = act[a] * RADIX_BITS;
        size_t *h = my + (size_t)act[a] * RADIX_SIZE;
        if (a > 0) { /* recount this chunk's digits in the new order */
            memset(h, 0, RADIX_SIZE * sizeof *h);
            for (size_t i = lo; i < hi; i++)
                h[(src[i].key >> shift) & RADIX_MASK]++;
#pragma omp barrier
#pragma omp single
            kv_offsets(loc, row, T, act[a]);
        }
        kv_scatter(a ? NULL : x, w, src, dst, lo, hi, shift, h);
#pragma omp barrier
        src = dst;
        dst = dst == out ? tmp : out;
    }
}

/* loc: nt * RADIX_DIGITS * RADIX_SIZE counters; tabs: NULL, or 2 * nt * nt
 * * RADIX_SIZE counters for the fused passes. */
static void kv_parallel(const double *x, const double *w, size_t n, wass__kv *out, wass__kv *tmp,
                        int nt, size_t *loc, size_t *tabs) {
    const size_t row = (size_t)RADIX_DIGITS * RADIX_SIZE;
    int sorted = 1, act[RADIX_DIGITS], na = 0, T = 1;
#pragma omp parallel num_threads(nt)
    {
        int t = omp_get_thread_num();
#pragma omp single
        T = omp_get_num_threads();
        size_t lo = chunk_lo(n, t, T), hi = chunk_lo(n, t + 1, T);
        size_t *my = loc + (size_t)t * row;
        kv_plan(x, n, loc, t, T, lo, hi, &sorted, act, &na);
        if (na == 0)
            kv_load(x, w, out, lo, hi);
        else if (tabs)
            kv_passes_fused(x, w, n, out, tmp, t, T, lo, hi, my, act, na, tabs);
        else
            kv_passes(x, w, out, tmp, T, lo, hi, loc, my, act, na);
    }
}
#endif

void wass__radix_sort_kv(const double *x, const double *w, size_t n, wass__kv *out, wass__kv *tmp,
                         int threads) {
    if (n <= SMALL_N) {
        kv_load(x, w, out, 0, n);
        for (size_t i = 1; i < n; i++) { /* stable insertion sort */
            wass__kv r = out[i];
            size_t j = i;
            while (j > 0 && out[j - 1].key > r.key) {
                out[j] = out[j - 1];
                j--;
            }
            out[j] = r;
        }
        return;
    }
#ifdef _OPENMP
    if (threads > 1 && n >= PARALLEL_MIN_N) {
        int nt = threads > MAX_THREADS ? MAX_THREADS : threads;
        size_t *loc = malloc((size_t)nt * RADIX_DIGITS * RADIX_SIZE * sizeof *loc);
        size_t *tabs =
            nt <= FUSED_MAX_T ? malloc((size_t)2 * nt * nt * RADIX_SIZE * sizeof *tabs) : NULL;
        if (loc) kv_parallel(x, w, n, out, tmp, nt, loc, tabs);
        free(tabs);
        free(loc);
        if (loc) return;
    }
#else
    (void)threads;
#endif
    size_t hist[RADIX_DIGITS * RADIX_SIZE];
    kv_serial(x, w, n, out, tmp, hist);
}
