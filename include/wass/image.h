/*
 * wass/image.h - images and the Earth Mover's Distance, an application of
 * libwass built on the core API of <wass.h>: readers (PNG through libpng,
 * PGM/PPM, IDX files as Fashion-MNIST ships them, gzip-compressed or not),
 * signatures (grey mass on the pixel grid, Rubner's colour signature by
 * k-means in CIE Lab, Grauman & Darrell's contour points), and retrieval of
 * the k nearest images: exact EMD with lower-bound pruning, the grid
 * embedding into L1, or the embedding with exact re-ranking. Conventions as
 * in <wass.h>.
 */
#ifndef WASS_IMAGE_H
#define WASS_IMAGE_H

#include "../wass.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================== */
/* Images and readers                                                        */
/* ======================================================================== */

/* An image: height rows of width pixels of `channels` values in [0, 1]
 * (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA), row-major, channels interleaved:
 * value c of pixel (row r, column x) is pixels[(r * width + x) * channels + c]. */
typedef struct {
    size_t width, height;
    int channels;
    double *pixels; /* owned */
} wass_image;

/* Readers refuse images of more than this many pixels, and any header whose
 * sizes the file is too short to hold, before allocating anything. */
#define WASS_IMAGE_MAX_PIXELS ((size_t)1 << 28)

/* Read a PNG (grey, grey + alpha, RGB, RGBA, palette (expanded to RGB or
 * RGBA), 1 to 16 bits; 16-bit values keep their precision) or a PNM file
 * (P2, P5: grey; P3, P6: RGB; maxval up to 65535), chosen by the magic
 * bytes. A truncated, corrupt or unsupported file gives WASS_ERR_FORMAT (or
 * WASS_ERR_IO when it cannot be opened) with a message that names the file
 * and says what is wrong; *out is then empty. Release with wass_image_free. */
WASS_API int wass_image_read(const char *path, wass_image *out, wass_error_info *err);
WASS_API void wass_image_free(wass_image *img);

/* The grey plane of an image into out (height * width, caller-owned): the
 * grey channel, or the luma 0.299 R + 0.587 G + 0.114 B of a colour image.
 * Alpha is ignored. */
WASS_API int wass_image_grey(const wass_image *img, double *out, wass_error_info *err);

/* IDX files (LeCun's MNIST format, as Fashion-MNIST ships them): images
 * (magic 0x00000803: count x rows x cols unsigned bytes) or labels (magic
 * 0x00000801: count unsigned bytes), read through zlib so that .gz files and
 * plain files both work. max_count > 0 reads only the first max_count items. */
typedef struct {
    size_t count, rows, cols;
    unsigned char *pixels; /* count * rows * cols (owned), image i at i * rows * cols */
} wass_idx_images;

WASS_API int wass_idx_read_images(const char *path, size_t max_count, wass_idx_images *out,
                                  wass_error_info *err);
WASS_API void wass_idx_images_free(wass_idx_images *set);
/* *labels (count, malloc'ed; release with free) and *count. */
WASS_API int wass_idx_read_labels(const char *path, size_t max_count, unsigned char **labels,
                                  size_t *count, wass_error_info *err);

/* ======================================================================== */
/* Signatures                                                                */
/* ======================================================================== */

/* A signature owning its points: n points of dimension d, weights summing
 * to 1. wass_signature_cloud views it as a wass_cloud. */
typedef struct {
    size_t n, d;
    double *X; /* n x d (owned) */
    double *w; /* n (owned) */
} wass_signature;

WASS_API void wass_signature_free(wass_signature *s);
WASS_API wass_cloud wass_signature_cloud(const wass_signature *s);

/* Grey mass on the pixel grid: grey (height * width, nonnegative) pooled
 * over pool x pool blocks (pool = 1: every pixel; blocks at the right and
 * bottom edges may be smaller), one point per block of positive mass at the
 * block's centre (column, row) in pixel units, weight = its mass / total.
 * An all-zero image is WASS_ERR_ZERO_MASS. */
WASS_API int wass_grey_signature(const double *grey, size_t height, size_t width, size_t pool,
                                 wass_signature *out, wass_error_info *err);

/* Rubner's colour signature: the pixels' CIE Lab colours (sRGB, D65)
 * clustered by k-means (k-means++ start from the seed, Lloyd iterations to
 * convergence or max_iter), one point per non-empty cluster at its mean
 * colour (L, a, b), weight = the fraction of pixels in it. Grey images are
 * taken as R = G = B. Deterministic for a seed. */
WASS_API int wass_colour_signature(const wass_image *img, size_t k, uint64_t seed, int max_iter,
                                   wass_signature *out, wass_error_info *err);

/* Grauman & Darrell's contour points: the shape is the set of pixels whose
 * grey value is > threshold; every contour of it (the outer border of each
 * 8-connected component and the border of each hole) is traced in order
 * (Suzuki & Abe's border following, a Moore-neighbour walk: a closed chain
 * of border pixels). The chains, as polygons through the pixel centres,
 * are laid end to end and exactly `points` points are placed along them at
 * equal arc-length steps (linear interpolation between pixel centres, so
 * coordinates may be fractional), each contour thus receiving points in
 * proportion to its length (an isolated pixel counts as length 1); at
 * (column, row), uniform weights 1 / points, contour by contour in the
 * raster order of their first pixels, each in its tracing order. An empty
 * shape is WASS_ERR_ZERO_MASS. */
WASS_API int wass_contour_signature(const double *grey, size_t height, size_t width,
                                    double threshold, size_t points, wass_signature *out,
                                    wass_error_info *err);

/* ======================================================================== */
/* Retrieval                                                                 */
/* ======================================================================== */

typedef enum {
    WASS_RETRIEVE_EXACT = 0,  /* exact EMD, candidates in order of the centroid bound,
                                 skipped when the centroid or the projection bound
                                 cannot beat the k-th distance found so far */
    WASS_RETRIEVE_EMBED = 1,  /* L1 distance of the grid embeddings alone */
    WASS_RETRIEVE_RERANK = 2, /* the embedding's top `rerank`, re-ranked by exact EMD */
    WASS_RETRIEVE_BRUTE = 3   /* exact EMD to every database entry (reference) */
} wass_retrieve_mode;

typedef struct {
    wass_retrieve_mode mode;   /* default WASS_RETRIEVE_EXACT */
    size_t k;                  /* neighbours, default 10 */
    size_t rerank;             /* R for WASS_RETRIEVE_RERANK, default 0 = 10 k */
    wass_metric metric;        /* ground metric, p = 1: WASS_EUCLIDEAN (default), WASS_CITYBLOCK
                                 or WASS_CHEBYSHEV. On 2-D signatures whose points all lie on one
                                 unit lattice (grey signatures), exact solves run on the grid
                                 (wass_grid_emd; for euclidean when the lattice's frame has at
                                 most 4096 pixels) */
    uint64_t seed;             /* shift of the embedding grids, default 0 */
    int threads;               /* queries run in parallel; 0 = all cores */
    wass_progress_fn progress; /* may be NULL; fraction of queries done */
    void *progress_user;
} wass_retrieve_options;

WASS_API void wass_retrieve_options_default(wass_retrieve_options *opt);
/* The modes by name, both ways: "exact", "embed", "rerank", "brute". */
WASS_API const char *wass_retrieve_mode_name(wass_retrieve_mode mode);
WASS_API int wass_retrieve_mode_parse(const char *name, wass_retrieve_mode *out);

typedef struct {
    size_t nq, k;         /* queries, neighbours per query (min(k, count)) */
    size_t *index;        /* nq x k database indices, nearest first (owned) */
    double *distance;     /* nq x k: exact W1, or the embedding's L1 distance in embed mode */
    size_t *exact_solves; /* nq: exact solves made for each query (owned) */
    size_t count;         /* database size */
    int grid;             /* 1 when the exact solves ran on the grid (wass_grid_emd) */
    double seconds;
} wass_retrieve_result;

/* The k nearest database signatures (db: count clouds, weights normalized)
 * to each of nq query clouds, ties broken by the smaller index. Exact
 * distances are certified; an uncertified solve is an error (WASS_ERR_INTERNAL
 * naming the pair). res is overwritten (wass_retrieve_result_free after). */
WASS_API int wass_retrieve(const wass_cloud *db, size_t count, const wass_cloud *queries, size_t nq,
                           const wass_retrieve_options *opt, wass_retrieve_result *res,
                           wass_error_info *err);
WASS_API void wass_retrieve_result_free(wass_retrieve_result *res);

#ifdef __cplusplus
}
#endif

#endif /* WASS_IMAGE_H */
