/*
 * radix_sort.c - stable least-significant-digit radix sort of uint64 keys with
 * optional double payloads: 11-bit digits (6 passes at most), passes whose
 * digit is the same for every key are skipped (found from one counting pass
 * over all digits), small arrays go to insertion sort. Large arrays are
 * counted and scattered by several OpenMP threads on contiguous chunks, which
 * keeps the sort stable and its result independent of the thread count.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* madvise */
#endif
#include "radix_sort.h"

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
        if (vs) {
            for (size_t i = 0; i < n; i++) {
                size_t pos = h[(ks[i] >> shift) & RADIX_MASK]++;
                kd[pos] = ks[i];
                vd[pos] = vs[i];
            }
        } else {
            for (size_t i = 0; i < n; i++)
                kd[h[(ks[i] >> shift) & RADIX_MASK]++] = ks[i];
        }
        uint64_t *kt = ks;
        ks = kd;
        kd = kt;
        double *vt = vs;
        vs = vd;
        vd = vt;
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
            if (vs) {
                for (size_t i = lo; i < hi; i++) {
                    size_t pos = my[(ks[i] >> shift) & RADIX_MASK]++;
                    kd[pos] = ks[i];
                    vd[pos] = vs[i];
                }
            } else {
                for (size_t i = lo; i < hi; i++)
                    kd[my[(ks[i] >> shift) & RADIX_MASK]++] = ks[i];
            }
        }
        uint64_t *kt = ks;
        ks = kd;
        kd = kt;
        double *vt = vs;
        vs = vd;
        vd = vt;
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
