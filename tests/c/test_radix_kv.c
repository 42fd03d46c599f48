/*
 * test_radix_kv.c - the (key, weight) record radix sort used by the weighted
 * 1-D solver: against a stable qsort on (value, original index), for small
 * (insertion sort), mid and large (multi-threaded) sizes, with ties, -0.0 and
 * +0.0, already sorted input, all-equal input and keys sharing most digits,
 * for 1, 2 and 3 threads (identical records expected each time).
 */
#include "line/radix_sort.h"
#include "test_util.h"

#include <stdlib.h>

typedef struct {
    uint64_t key;
    size_t idx;
} ref_item;

static int cmp_ref(const void *a, const void *b) {
    const ref_item *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* kind 0 random with ties and signed zeros, 1 sorted, 2 all equal,
 * 3 values differing only in the low bits, 4 reversed */
static void fill(double *x, double *w, size_t n, int kind, uint64_t *s) {
    for (size_t i = 0; i < n; i++) {
        double r = test_rand_unif(s);
        switch (kind) {
        case 0:
            x[i] = r < 0.1   ? 0.0
                   : r < 0.2 ? -0.0
                   : r < 0.4 ? (double)(int)(r * 50) - 12.0
                             : (r - 0.5) * 1e6;
            break;
        case 1:
            x[i] = (double)i * 0.5 - 3.0;
            break;
        case 2:
            x[i] = 2.5;
            break;
        case 3:
            x[i] = 1.0 + (double)(i % 1000) * 0x1p-52;
            break;
        default:
            x[i] = -(double)i;
            break;
        }
        w[i] = (double)i; /* weights identify the original position */
    }
}

static void check_one(size_t n, int kind) {
    uint64_t s = 7 + n + (uint64_t)kind;
    double *x = malloc(n * sizeof *x), *w = malloc(n * sizeof *w);
    wass__kv *out = malloc(n * sizeof *out), *tmp = malloc(n * sizeof *tmp);
    wass__kv *first = malloc(n * sizeof *first);
    ref_item *ref = malloc(n * sizeof *ref);
    fill(x, w, n, kind, &s);
    for (size_t i = 0; i < n; i++) {
        ref[i].key = wass__key_from_double(x[i]);
        ref[i].idx = i;
    }
    qsort(ref, n, sizeof *ref, cmp_ref);
    for (int threads = 1; threads <= 3; threads++) {
        wass__radix_sort_kv(x, w, n, out, tmp, threads);
        size_t bad = 0;
        for (size_t i = 0; i < n; i++)
            if (out[i].key != ref[i].key || out[i].val != (double)ref[i].idx) bad++;
        CHECK_MSG(bad == 0, "n = %zu kind %d threads %d: %zu records out of place", n, kind,
                  threads, bad);
        if (threads == 1)
            memcpy(first, out, n * sizeof *out);
        else
            CHECK(memcmp(first, out, n * sizeof *out) == 0);
    }
    free(x);
    free(w);
    free(out);
    free(tmp);
    free(first);
    free(ref);
}

int main(void) {
    const size_t sizes[] = {1, 5, 48, 49, 1000, 200003};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++)
        for (int kind = 0; kind < 5; kind++)
            check_one(sizes[k], kind);
    return test_main_end("radix_kv");
}
