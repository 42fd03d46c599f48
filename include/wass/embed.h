/*
 * wass/embed.h - the grid embedding (Indyk-Thaper, Grauman-Darrell): clouds
 * into sparse vectors whose L1 distance approximates W1, and packed sets of
 * them for the L1 distances of many pairs at once.
 * Part of the core API: <wass.h> includes it; conventions as there.
 */
#ifndef WASS_EMBED_H
#define WASS_EMBED_H

#include "../wass.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================== */
/* Grid embedding (Indyk-Thaper, Grauman-Darrell)                            */
/* ======================================================================== */

typedef struct {
    uint64_t seed; /* random shift of the grids, default 0 */
    int levels;    /* 0 (default) = derived from the data's spread; at most 58 */
    double cell;   /* finest cell side, 0 (default) = derived from the data */
} wass_embed_options;

WASS_API void wass_embed_options_default(wass_embed_options *opt);

/* A shared frame (bounding box, shift, levels) so that embeddings of several
 * clouds are comparable. Build it from all clouds that will be compared.
 *
 * Level l = 0 .. levels-1 is a grid of cubes of side cell * 2^l, all levels
 * shifted by one random vector drawn uniformly in [0, cell * 2^(levels-1))^d
 * (so the grids are nested). Derived values (opt->cell = 0, levels = 0):
 * spread E = largest side of the bounding box, n = largest cloud size,
 * cell = E / (2 * n^(1/d)) (about half the typical spacing of n points),
 * levels = ceil(log2(E / cell)) + 1, so the coarsest side covers the box.
 * Cell keys are packed without collisions into 64 bits: 6 bits of level and
 * a mixed-radix cell index, which must fit in 58 bits at every level
 * (product over coordinates of the number of cells the box spans). With a
 * derived cell the finest levels are dropped until that holds; a given cell
 * or level count that does not fit, or a dimension too large for even one
 * level, is refused with WASS_ERR_UNSUPPORTED. */
typedef struct {
    size_t d;
    int levels;
    double cell;    /* finest cell side */
    double *origin; /* d (owned): shifted grid origin */
    double *lo;     /* d (owned): bounding box of the clouds the frame is built from */
    double *hi;     /* d (owned) */
} wass_embed_frame;

WASS_API int wass_embed_frame_init(wass_embed_frame *fr, const wass_cloud *clouds, size_t count,
                                   const wass_embed_options *opt, wass_error_info *err);
WASS_API void wass_embed_frame_free(wass_embed_frame *fr);

/* A sparse vector: sorted unique keys with values. */
typedef struct {
    size_t len;
    uint64_t *keys; /* owned */
    double *vals;   /* owned */
} wass_sparse;

/* Embed a cloud (weights normalized) into the frame: one entry per nonempty
 * cell of every level, value = mass in the cell * side of the cell. The L1
 * distance between two embeddings (wass_sparse_l1) approximates W1
 * (Euclidean or L1 ground cost) within a factor O(d log(E / cell)) in
 * expectation over the shift. Points must lie in the frame's bounding box.
 * out is overwritten (release with wass_sparse_free). */
WASS_API int wass_embed(const wass_embed_frame *fr, const wass_cloud *P, wass_sparse *out,
                        wass_error_info *err);
/* sum over keys of |x - y| (a merge of the sorted keys, the terms summed
 * with compensation: relative error about 2 eps). NULL reads as the empty
 * vector. For many pairs, pack one side into a wass_embed_set. */
WASS_API double wass_sparse_l1(const wass_sparse *x, const wass_sparse *y);
WASS_API void wass_sparse_free(wass_sparse *s);

/* A set of embeddings packed for fast L1 queries (a database to search).
 * Dense when the rows' distinct cells (the union of their keys) are at
 * most max_cells and the dense rows take at most 8 times the memory of the
 * sparse ones (rows x ld doubles <= 16 x (nonzeros + rows)): each row
 * is then a vector of doubles over those cells, and the distance a vector
 * loop (AVX2 where the CPU has it, chosen at run time; the same bits on
 * every CPU). Otherwise the rows stay sparse and wass_sparse_l1 is used.
 * 28 x 28 grey images: about 1,900 cells; 64-point contours: about 400. */
#define WASS_EMBED_DENSE_MAX_CELLS ((size_t)1 << 16)

typedef struct {
    size_t max_cells; /* dense up to this many cells; 0 (default) = WASS_EMBED_DENSE_MAX_CELLS
                         (1 keeps every set of more than one cell sparse) */
    int threads;      /* for the queries: 0 = all cores; results do not depend on it */
} wass_embed_set_options;

WASS_API void wass_embed_set_options_default(wass_embed_set_options *opt);

/* Read-only for the caller: fill with wass_embed_set_pack or _build,
 * release with wass_embed_set_free. */
typedef struct {
    size_t rows;         /* embeddings in the set */
    size_t cells;        /* dense: distinct keys over all rows (the columns); sparse: 0 */
    int dense;           /* 1: dense rows (keys, vals, ld); 0: sparse rows */
    size_t ld;           /* dense row stride: cells rounded up to a multiple of 8 */
    uint64_t *keys;      /* cells (owned, dense only): the key of each column, ascending */
    double *vals;        /* rows x ld (owned, dense only), zero padded */
    wass_sparse *sparse; /* rows (owned, sparse only) */
    int threads;
    wass_embed_frame frame; /* a copy of the frame (wass_embed_set_build only; else empty) */
} wass_embed_set;

/* Pack count embeddings (copied; the caller keeps emb). Each must have
 * strictly increasing keys and finite values (else WASS_ERR_INVALID naming
 * the embedding). count = 0 is WASS_ERR_SIZE. opt may be NULL. */
WASS_API int wass_embed_set_pack(const wass_sparse *emb, size_t count,
                                 const wass_embed_set_options *opt, wass_embed_set *set,
                                 wass_error_info *err);
/* Embed count clouds in the frame fr (wass_embed) and pack them; the set
 * keeps a copy of the frame for wass_embed_set_l1_clouds. */
WASS_API int wass_embed_set_build(const wass_embed_frame *fr, const wass_cloud *clouds,
                                  size_t count, const wass_embed_set_options *opt,
                                  wass_embed_set *set, wass_error_info *err);
/* out[i * set->rows + r] = wass_sparse_l1(&q[i], row r) for nq queries
 * (embeddings of the same frame as the rows; keys no row has count fully),
 * out caller-owned, nq x rows. Dense sets: the sum of each pair in blocks of
 * 8 lanes over chunks of 512 cells, relative error at most
 * (70 + cells / 512) u, u = 2^-53 (~2e-14 at the cell limit), against
 * the exact sum; deterministic, whatever the CPU or the thread count.
 * Sparse sets: the merge, row by row. */
WASS_API int wass_embed_set_l1(const wass_embed_set *set, const wass_sparse *q, size_t nq,
                               double *out, wass_error_info *err);
/* The same for nq clouds, embedded in the set's frame first (a set made by
 * wass_embed_set_build; the clouds must lie in the frame's box). */
WASS_API int wass_embed_set_l1_clouds(const wass_embed_set *set, const wass_cloud *q, size_t nq,
                                      double *out, wass_error_info *err);
WASS_API void wass_embed_set_free(wass_embed_set *set);

#ifdef __cplusplus
}
#endif

#endif /* WASS_EMBED_H */
