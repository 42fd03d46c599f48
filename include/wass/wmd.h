/*
 * wass/wmd.h - Word Mover's Distance, an application of libwass built on the
 * core API of <wass.h>: word vectors (word2vec text and binary, GloVe, wink
 * JSON, the .wassvec cache), tokenized bags of words, WMD with its lower
 * bounds (WCD, RWMD), prefetch-and-prune k-nearest-neighbour search and
 * k-NN classification. Conventions as in <wass.h>.
 */
#ifndef WASS_WMD_H
#define WASS_WMD_H

#include "../wass.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================== */
/* Word Mover's Distance (section owned by the WMD implementation)           */
/* ======================================================================== */

/* Word vectors: a vocabulary of `count` distinct words, each with a `dim`
 * float32 vector, and an open-addressing hash table word -> index. Loaders
 * read word2vec text ("count dim" header, then "word v1 .. vdim" lines),
 * word2vec binary (same header, then "word " + dim little-endian float32 per
 * word), GloVe text (no header) and the JSON of the wink-embeddings packages
 * ({"dimensions": d, "size": n, "vectors": {"word": [v1..vd, l2norm, index],
 * ...}, other keys ignored}), and the library's own binary cache (.wassvec).
 * Duplicate words keep their first vector (counted in `duplicates`). */
typedef enum {
    WASS_VEC_AUTO = 0, /* by magic bytes and contents (see wass_wordvec_load) */
    WASS_VEC_WORD2VEC_TEXT = 1,
    WASS_VEC_WORD2VEC_BINARY = 2,
    WASS_VEC_GLOVE = 3,
    WASS_VEC_WINK_JSON = 4,
    WASS_VEC_CACHE = 5 /* a .wassvec file written by this library */
} wass_vec_format;
/* "auto", "word2vec", "word2vec-binary", "glove", "wink", "cache" ("unknown"
 * for a value out of range); parse gives WASS_ERR_INVALID for another name. */
WASS_API const char *wass_vec_format_name(wass_vec_format format);
WASS_API int wass_vec_format_parse(const char *name, wass_vec_format *out);

typedef struct {
    size_t count, dim;
    float *vec; /* count x dim row-major (owned) */
    char *pool; /* the words, NUL-terminated, back to back (owned) */
    size_t pool_len;
    size_t *offset;         /* count offsets of the words into pool (owned) */
    size_t *slot;           /* hash table: cap entries, index + 1 or 0 when empty (owned) */
    size_t cap;             /* a power of two >= 2 * count */
    size_t duplicates;      /* words seen again in the file and skipped */
    wass_vec_format format; /* of the source that was read */
    int from_cache;         /* 1 when read from a valid cache instead of the source */
    int cache_written;      /* 1 when a fresh cache was written by this load */
} wass_wordvec;

typedef struct {
    wass_vec_format format; /* default WASS_VEC_AUTO */
    int use_cache;          /* default 1: read the cache when it is valid for the
                               source (same size and mtime), else parse the
                               source and (try to) write the cache; a cache that
                               cannot be written is not an error (cache_written
                               = 0). 0: neither read nor write a cache */
    const char *cache_path; /* NULL (default): "<cache_dir>/<name>-<hash of the
                               source's absolute path>.wassvec"; set: exactly
                               this file. Never beside the source otherwise */
    const char *cache_dir;  /* NULL (default): $WASS_CACHE_DIR, else
                               $XDG_CACHE_HOME/wass, else $HOME/.cache/wass
                               (created 0700 when a cache is written); "" (or
                               WASS_CACHE_DIR set to ""): no cache */
    size_t max_words;       /* keep only the first max_words (0 = all; no cache) */
} wass_wordvec_options;

WASS_API void wass_wordvec_options_default(wass_wordvec_options *opt);
/* Load word vectors. Auto detection: "WASSVEC" magic = cache; first
 * non-blank byte '{' = wink JSON; first line of exactly two integers =
 * word2vec (binary when the first record holds bytes that are not text, or
 * the path ends in ".bin"); otherwise GloVe. Malformed or truncated files give
 * WASS_ERR_FORMAT with the line (err->line) and what was expected. Words
 * are NUL-free strings in every format (a word holding a NUL byte, e.g. a
 * JSON "\u0000", is WASS_ERR_FORMAT); vectors must be finite, the cache's
 * too. Sizes in a header are checked against the file before allocating. */
WASS_API int wass_wordvec_load(const char *path, const wass_wordvec_options *opt, wass_wordvec *out,
                               wass_error_info *err);
/* Build from arrays: words[count] (NUL-terminated, copied), vec count x dim
 * (copied). Duplicate words keep the first. */
WASS_API int wass_wordvec_from_arrays(const char *const *words, const float *vec, size_t count,
                                      size_t dim, wass_wordvec *out, wass_error_info *err);
/* Write the binary cache (header with magic, version, sizes, the source's
 * size and mtime; payload; FNV-1a 64 checksum), atomically: to a temporary
 * file created exclusively beside path (mkstemp), then renamed. src_path may be
 * NULL (then the cache is valid for any source). */
WASS_API int wass_wordvec_save_cache(const wass_wordvec *wv, const char *path, const char *src_path,
                                     wass_error_info *err);
/* Index of a word of len bytes (need not be NUL-terminated), or
 * WASS_NOT_FOUND. */
#define WASS_NOT_FOUND ((size_t)-1)
WASS_API size_t wass_wordvec_find(const wass_wordvec *wv, const char *word, size_t len);
WASS_API const char *wass_wordvec_word(const wass_wordvec *wv, size_t index);
WASS_API void wass_wordvec_free(wass_wordvec *wv);

/* A set of stop words (same hash table, no vectors). Text file: one word a
 * line, '#' starts a comment, blank lines ignored, words lowercased. */
typedef struct {
    wass_wordvec set; /* dim = 0 */
} wass_stopwords;
WASS_API int wass_stopwords_load(const char *path, wass_stopwords *out, wass_error_info *err);
WASS_API int wass_stopwords_from_list(const char *const *words, size_t count, wass_stopwords *out,
                                      wass_error_info *err);
WASS_API void wass_stopwords_free(wass_stopwords *sw);

/* Tokenizer: a token is a maximal run of ASCII letters and digits, lowercased
 * (with keep_non_ascii = 1, bytes >= 0x80 also belong to tokens, so UTF-8
 * words stay whole; by default they separate tokens). Tokens shorter than
 * min_len bytes are dropped, then stop words, then words not in the
 * vocabulary (dropped and counted: the out-of-vocabulary policy). */
typedef struct {
    size_t min_len;             /* default 1 */
    int keep_non_ascii;         /* default 0 */
    const wass_stopwords *stop; /* NULL = no stop words */
} wass_text_options;
WASS_API void wass_text_options_default(wass_text_options *opt);

/* A document as a bag of words: distinct vocabulary indices (sorted
 * ascending), their counts, and weights (nBOW: count / kept tokens; or TF-IDF
 * normalized to total 1). len == 0 is an empty document. */
typedef struct {
    size_t len;
    size_t *word;   /* len vocabulary indices (owned) */
    double *count;  /* len raw counts (owned) */
    double *weight; /* len weights summing to 1 (owned) */
    size_t tokens;  /* tokens found by the tokenizer */
    size_t kept;    /* tokens kept (in vocabulary, not stop words, long enough) */
    size_t short_dropped, stop_dropped, oov_dropped; /* tokens dropped and why */
} wass_bag;

WASS_API int wass_bag_from_text(const wass_wordvec *wv, const char *text, size_t len,
                                const wass_text_options *opt, wass_bag *out, wass_error_info *err);
/* A bag from vocabulary indices and counts (any order, repeats summed); nBOW. */
WASS_API int wass_bag_from_counts(const size_t *word, const double *count, size_t len,
                                  size_t vocab_size, wass_bag *out, wass_error_info *err);
WASS_API void wass_bag_free(wass_bag *bag);
/* Inverse document frequencies over a corpus of bags: idf[w] =
 * ln((1 + N) / (1 + df(w))) + 1 for every vocabulary word (vocab_size values,
 * written to the caller's array). */
WASS_API int wass_idf_fit(const wass_bag *bags, size_t nbags, size_t vocab_size, double *idf,
                          wass_error_info *err);
/* Reweight a bag by TF-IDF: weight = count * idf[word], normalized to 1. */
WASS_API int wass_bag_apply_idf(wass_bag *bag, const double *idf, wass_error_info *err);

/* Word distance of the WMD ground cost. */
typedef enum {
    WASS_WMD_EUCLIDEAN = 0, /* ||x - y||_2 */
    WASS_WMD_COSINE = 1     /* 1 - cos(x, y) (vectors always unit-normalized) */
} wass_wmd_distance;
/* "euclidean", "cosine" (parse: any case). */
WASS_API int wass_wmd_distance_parse(const char *name, wass_wmd_distance *out);
WASS_API const char *wass_wmd_distance_name(wass_wmd_distance distance);

typedef struct {
    wass_wmd_distance distance; /* default euclidean */
    int normalize;              /* 1: unit-normalize word vectors first (default 0) */
    int threads;                /* 0 = all cores (kNN only) */
} wass_wmd_options;
WASS_API void wass_wmd_options_default(wass_wmd_options *opt);

typedef struct {
    double distance;    /* WMD (+inf when a bag is empty) */
    double wcd, rwmd;   /* the two lower bounds, computed on the way */
    wass_status status; /* of the exact solve (WASS_OPTIMAL) */
    int empty;          /* warning: 1 when a bag is empty (distance = +inf) */
    int64_t iterations;
    double seconds;
} wass_wmd_result;

/* Word Mover's Distance between two bags: exact transport (wass_emd) of the
 * bag weights with the word distance as cost. */
WASS_API int wass_wmd(const wass_wordvec *wv, const wass_bag *a, const wass_bag *b,
                      const wass_wmd_options *opt, wass_wmd_result *res, wass_error_info *err);
/* Word centroid distance (lower bound of WMD): euclidean: ||Xa - Xb||;
 * cosine: ||Xa - Xb||^2 / 2 over unit vectors. +inf for an empty bag. */
WASS_API int wass_wcd(const wass_wordvec *wv, const wass_bag *a, const wass_bag *b,
                      const wass_wmd_options *opt, double *out, wass_error_info *err);
/* Relaxed WMD (lower bound): max of the two one-sided relaxations. */
WASS_API int wass_rwmd(const wass_wordvec *wv, const wass_bag *a, const wass_bag *b,
                       const wass_wmd_options *opt, double *out, wass_error_info *err);

/* The WMD matrix D_ij = WMD(A_i, B_j) over the block blk (NULL = all) of
 * bags A (na) x B (nb), as wass_pairwise: out is (i1 - i0) x (j1 - j0)
 * row-major, each entry bitwise what wass_wmd returns; B == NULL means B = A
 * (each pair solved once, i <= j, mirrored within the block, NaN outside).
 * popt: threads and progress (method must be WASS_PAIRWISE_EMD; its emd and
 * sinkhorn fields are ignored); NULL = defaults. A bad bag fails the call
 * naming its index ("A[3]: ..."). status as for wass_pairwise, may be NULL. */
WASS_API int wass_wmd_pairwise(const wass_wordvec *wv, const wass_bag *A, size_t na,
                               const wass_bag *B, size_t nb, const wass_block *blk,
                               const wass_wmd_options *opt, const wass_pairwise_options *popt,
                               double *out, int *status, wass_error_info *err);

/* What ranks the neighbours. */
typedef enum { WASS_KNN_WMD = 0, WASS_KNN_WCD = 1, WASS_KNN_RWMD = 2 } wass_knn_method;
/* "wmd", "wcd", "rwmd". */
WASS_API const char *wass_knn_method_name(wass_knn_method method);
WASS_API int wass_knn_method_parse(const char *name, wass_knn_method *out);

/* How exact WMD solves are skipped (WMD only; the neighbours are the same). */
typedef enum {
    WASS_PRUNE_NONE = 0,   /* brute force: exact WMD to every document */
    WASS_PRUNE_KUSNER = 1, /* Kusner's prefetch-and-prune (WCD order, RWMD skips) */
    WASS_PRUNE_RWMD = 2,   /* the RWMD of every candidate first, exact solves in
                              increasing RWMD until it reaches the k-th distance */
    WASS_PRUNE_ICT = 3     /* the same in ICT-bound order (fewest solves, dearer bounds) */
} wass_knn_prune;
/* "none", "kusner", "rwmd", "ict". */
WASS_API const char *wass_knn_prune_name(wass_knn_prune prune);
WASS_API int wass_knn_prune_parse(const char *name, wass_knn_prune *out);

typedef struct {
    size_t k;               /* neighbours per query, default 10 */
    wass_knn_method method; /* default WASS_KNN_WMD */
    wass_knn_prune prune;   /* default WASS_PRUNE_RWMD */
    int tight;              /* 1 (default): where RWMD cannot skip a solve, try the
                               tighter ICT bound (each target takes at most its own
                               weight from a source; Atasu & Mittelholzer 2019) */
    wass_wmd_options wmd;
    const size_t *exclude;     /* NULL, or nq corpus indices: query q never gets
                                  corpus document exclude[q] (leave-one-out) */
    wass_progress_fn progress; /* may be NULL; called from the calling thread */
    void *progress_user;
} wass_knn_options;
WASS_API void wass_knn_options_default(wass_knn_options *opt);

typedef struct {
    size_t nq, k;
    size_t *index;         /* nq x k corpus indices, by (distance, index) ascending;
                              WASS_NOT_FOUND where fewer than k candidates (owned) */
    double *dist;          /* nq x k distances (+inf for empty documents) (owned) */
    uint64_t candidates;   /* query-document pairs considered */
    uint64_t exact_solves; /* exact WMD solves done */
    uint64_t pruned_wcd;   /* skipped because the centroid bound reached the k-th */
    uint64_t pruned_rwmd;  /* skipped because the relaxed bound reached the k-th */
    uint64_t pruned_ict;   /* skipped because the ICT bound reached the k-th */
    size_t empty_queries;  /* queries with an empty bag (all distances +inf) */
    double seconds;
} wass_knn_result;

/* Exact k nearest neighbours of each query among the corpus. WMD with
 * WASS_PRUNE_KUSNER uses Kusner et al.'s prefetch-and-prune: corpus sorted by WCD,
 * exact WMD for the first k, then for each other document RWMD first and the
 * exact solve only when RWMD can still beat the current k-th distance (and a
 * stop once the WCD itself reaches it); WASS_PRUNE_RWMD (default) sorts by
 * RWMD instead (stopping once the RWMD reaches the k-th distance),
 * WASS_PRUNE_ICT by the ICT bound. The word distances of a query to every corpus word are
 * computed once (a table) when there are several queries.
 * Results equal the brute-force ones (ties by index). OpenMP over queries. */
WASS_API int wass_knn(const wass_wordvec *wv, const wass_bag *queries, size_t nq,
                      const wass_bag *corpus, size_t nc, const wass_knn_options *opt,
                      wass_knn_result *res, wass_error_info *err);
WASS_API void wass_knn_result_free(wass_knn_result *res);

/* Majority vote of the first k neighbours (labels of the corpus, >= 0); a tie
 * goes to the tied label whose first neighbour is nearest. */
WASS_API int wass_knn_vote(const wass_knn_result *knn, size_t k, const int *corpus_labels,
                           int *predicted, wass_error_info *err);

typedef struct {
    size_t k;      /* 0 (default) = chosen by cross-validation */
    size_t k_max;  /* CV tries k = 1, 3, .., k_max (default 19) */
    size_t folds;  /* default 5 */
    uint64_t seed; /* fold assignment, default 0 */
    wass_knn_options knn;
} wass_classify_options;
WASS_API void wass_classify_options_default(wass_classify_options *opt);

typedef struct {
    size_t k; /* k used for the test predictions */
    size_t k_max;
    double *cv_error;    /* k_max entries: CV error of k = index + 1, NaN where not tried (owned) */
    int *predicted;      /* ntest predicted labels (owned) */
    double test_error;   /* share of wrong predictions when test labels given, else NaN */
    wass_knn_result knn; /* the neighbours of the test documents */
    uint64_t exact_solves, candidates; /* over CV and test together */
    double seconds;
} wass_classify_result;

/* kNN classification: k by stratification-free `folds`-fold cross-validation
 * on the training set (seeded shuffle) unless opt->k > 0, then prediction of
 * each test document. test_labels may be NULL. */
WASS_API int wass_knn_classify(const wass_wordvec *wv, const wass_bag *train,
                               const int *train_labels, size_t ntrain, const wass_bag *test,
                               const int *test_labels, size_t ntest,
                               const wass_classify_options *opt, wass_classify_result *res,
                               wass_error_info *err);
WASS_API void wass_classify_result_free(wass_classify_result *res);

#ifdef __cplusplus
}
#endif

#endif /* WASS_WMD_H */
