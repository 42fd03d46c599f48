/*
 * wmd_knn.c - exact k nearest neighbours under the Word Mover's Distance with
 * lower bounds that skip exact solves: Kusner et al.'s prefetch-and-prune
 * (documents visited in order of the word centroid distance; the relaxed WMD
 * skips exact solves that cannot enter the current k best), or documents
 * visited in order of their relaxed (or ICT) bound (classification by their
 * votes: wmd_classify.c).
 * Results equal brute force: ties are broken by corpus index, and a bound
 * prunes only when it exceeds the k-th distance by more than rounding.
 */
#include "apps/wmd/wmd_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* A bound prunes only when bound > kth + SLACK * max(1, kth): the bound and
 * the exact value come from different arithmetic, so a margin far above
 * rounding keeps the result identical to brute force. */
#define SLACK 1e-9

void wass_knn_options_default(wass_knn_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
    opt->k = 10;
    opt->method = WASS_KNN_WMD;
    opt->prune = WASS_PRUNE_RWMD;
    opt->tight = 1;
    wass_wmd_options_default(&opt->wmd);
}

void wass_knn_result_free(wass_knn_result *res) {
    if (!res) return;
    free(res->index);
    free(res->dist);
    memset(res, 0, sizeof *res);
}

typedef struct {
    double d;
    size_t i;
} cand;

static int cand_less(cand x, cand y) {
    return x.d < y.d || (x.d == y.d && x.i < y.i);
}

static int cmp_cand(const void *a, const void *b) {
    cand x = *(const cand *)a, y = *(const cand *)b;
    return cand_less(x, y) ? -1 : cand_less(y, x) ? 1 : 0;
}

/* Sorted list of the k best so far. */
typedef struct {
    cand *c;
    size_t n, k;
} topk;

static void topk_push(topk *t, cand x) {
    if (t->n == t->k && !cand_less(x, t->c[t->k - 1])) return;
    size_t p = t->n < t->k ? t->n++ : t->k - 1;
    while (p > 0 && cand_less(x, t->c[p - 1])) {
        t->c[p] = t->c[p - 1];
        p--;
    }
    t->c[p] = x;
}

static int can_prune(const topk *t, double bound) {
    if (t->n < t->k) return 0;
    double kth = t->c[t->k - 1].d;
    return isfinite(kth) && bound > kth + SLACK * fmax(1.0, fabs(kth));
}

typedef struct {
    uint64_t candidates, exact, pruned_wcd, pruned_rwmd, pruned_ict;
} counters;

/* The distinct words of the corpus: for each query, the distances from its
 * words to all of them are computed once (a table, one row of query
 * distances per corpus word), and each candidate's cost matrix is gathered
 * from it instead of recomputed. The corpus words are packed for the
 * distance kernel once, and each document's words given as table rows. */
typedef struct {
    size_t *upos; /* vocabulary index -> position in U + 1, 0 = not in the corpus */
    size_t *U;
    size_t nu;
    double *packbuf; /* U packed (wass__wmd_pack) */
    wass__wmd_words P;
    size_t *pos;     /* the documents' words as positions in U, back to back */
    size_t *pos_off; /* nc + 1 offsets into pos */
} corpus_words;

/* Minima of one table row (see colmin_generic). */
typedef double (*colmin_fn)(const double *, double *, size_t);

/* Per-thread scratch. */
typedef struct {
    double *T;      /* nu x maxq table, or NULL (then costs are computed per pair) */
    double *rowbuf; /* the query's words for the kernel */
    double *rowmin; /* maxq: the query words' nearest distances (relaxed bound) */
    colmin_fn colmin;
    const corpus_words *cw;
    const wass_wordvec *wv;
    const wass_wmd_options *wo;
    double *C;
    void *ict;
    cand *order;
    cand *top;
} scratch;

/* The cost matrix of query q (whose table is in s->T when used) against
 * corpus document jd, into s->C. */
static int cost_of(scratch *s, const wass_bag *q, const wass_bag *corpus, size_t jd) {
    const wass_bag *b = &corpus[jd];
    if (!s->T) return wass__wmd_cost(s->wv, q, b, s->wo, s->C);
    size_t n = q->len, m = b->len;
    const size_t *pos = s->cw->pos + s->cw->pos_off[jd];
    for (size_t j = 0; j < m; j++) {
        const double *t = s->T + pos[j] * n;
        for (size_t i = 0; i < n; i++)
            s->C[i * m + j] = t[i];
    }
    return WASS_OK;
}

/* One table row (the n query distances of a corpus word): rm[i] =
 * min(rm[i], t[i]), and the row's minimum. Minima are exact, so the lanes
 * change the speed, not the result. */
#define WMD_COLMIN(NAME, ATTR)                                                                     \
    ATTR static double NAME(const double *t, double *rm, size_t n) {                               \
        double m8[8] = {INFINITY, INFINITY, INFINITY, INFINITY,                                    \
                        INFINITY, INFINITY, INFINITY, INFINITY};                                   \
        size_t i = 0;                                                                              \
        for (; i + 8 <= n; i += 8)                                                                 \
            for (size_t l = 0; l < 8; l++) {                                                       \
                double v = t[i + l];                                                               \
                m8[l] = v < m8[l] ? v : m8[l];                                                     \
                rm[i + l] = v < rm[i + l] ? v : rm[i + l];                                         \
            }                                                                                      \
        for (; i < n; i++) {                                                                       \
            double v = t[i];                                                                       \
            m8[0] = v < m8[0] ? v : m8[0];                                                         \
            rm[i] = v < rm[i] ? v : rm[i];                                                         \
        }                                                                                          \
        double mn = m8[0];                                                                         \
        for (size_t l = 1; l < 8; l++)                                                             \
            mn = m8[l] < mn ? m8[l] : mn;                                                          \
        return mn;                                                                                 \
    }

WMD_COLMIN(colmin_generic, )
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define WMD_KNN_X86 1
WMD_COLMIN(colmin_avx2, __attribute__((target("avx2"))))
WMD_COLMIN(colmin_avx512, __attribute__((target("avx512f"))))
#endif

static colmin_fn pick_colmin(void) {
#ifdef WMD_KNN_X86
    if (__builtin_cpu_supports("avx512f")) return colmin_avx512;
    if (__builtin_cpu_supports("avx2")) return colmin_avx2;
#endif
    return colmin_generic;
}

/* The relaxed bound of query q and corpus document jd straight from the
 * table (no cost matrix): the same minima, summed in the same order, as
 * wass__wmd_relaxed on the gathered matrix. */
static double relaxed_of(scratch *s, const wass_bag *q, const wass_bag *corpus, size_t jd) {
    const wass_bag *b = &corpus[jd]; /* (only with a table: s->T) */
    size_t n = q->len, m = b->len;
    const size_t *pos = s->cw->pos + s->cw->pos_off[jd];
    double *rm = s->rowmin, la = 0, lb = 0;
    for (size_t i = 0; i < n; i++)
        rm[i] = INFINITY;
    for (size_t j = 0; j < m; j++)
        lb += b->weight[j] * s->colmin(s->T + pos[j] * n, rm, n);
    for (size_t i = 0; i < n; i++)
        la += q->weight[i] * rm[i];
    la /= wass__sum(q->weight, n);
    lb /= wass__sum(b->weight, m);
    return la > lb ? la : lb;
}

/* One query's search: the query, the corpus and where the k best go. */
typedef struct {
    const wass_wordvec *wv;
    const wass_bag *q, *corpus;
    const double *cq, *cc; /* centroids of the query and of the corpus */
    size_t nc, excl;
    const wass_knn_options *o;
    scratch *s;
    counters *cnt;
    wass_error_info *err;
} query;

/* The cost matrix of the query against corpus document j, into s->C. */
static int costs(const query *Q, size_t j) {
    if (cost_of(Q->s, Q->q, Q->corpus, j))
        return wass__fail(Q->err, WASS_ERR_NOMEM, "out of memory for the word distances");
    return WASS_OK;
}

/* The exact WMD of the query and corpus document j from s->C (counted). */
static int exact(const query *Q, size_t j, double *d) {
    Q->cnt->exact++;
    return wass__wmd_solve(Q->s->C, Q->q, &Q->corpus[j], d, NULL, NULL, Q->err);
}

/* Every candidate scored (WMD without pruning, or RWMD). */
static int scan_all(const query *Q, topk *t) {
    const wass_bag *q = Q->q, *corpus = Q->corpus;
    scratch *s = Q->s;
    int rwmd = Q->o->method == WASS_KNN_RWMD, rc = WASS_OK;
    for (size_t j = 0; j < Q->nc && !rc; j++) {
        if (j == Q->excl) continue;
        Q->cnt->candidates++;
        double d = INFINITY;
        if (corpus[j].len && rwmd && s->T) {
            d = relaxed_of(s, q, corpus, j);
        } else if (corpus[j].len) {
            if ((rc = costs(Q, j))) break;
            if (rwmd)
                d = wass__wmd_relaxed(s->C, q, &corpus[j]);
            else
                rc = exact(Q, j, &d);
        }
        topk_push(t, (cand){d, j});
    }
    return rc;
}

/* The keys the searches order the candidates by: the centroid, relaxed or
 * ICT bound of the query and corpus document j (not empty). */
static int key_wcd(const query *Q, size_t j, double *out) {
    size_t dim = Q->wv->dim;
    *out = wass__wmd_wcd(Q->cq, Q->cc + j * dim, dim, &Q->o->wmd);
    return WASS_OK;
}

static int key_relaxed(const query *Q, size_t j, double *out) {
    if (Q->s->T) {
        *out = relaxed_of(Q->s, Q->q, Q->corpus, j);
        return WASS_OK;
    }
    int rc = costs(Q, j);
    if (rc == WASS_OK) *out = wass__wmd_relaxed(Q->s->C, Q->q, &Q->corpus[j]);
    return rc;
}

static int key_ict(const query *Q, size_t j, double *out) {
    int rc = costs(Q, j);
    if (rc == WASS_OK) *out = wass__wmd_ict(Q->s->C, Q->q, &Q->corpus[j], Q->s->ict);
    return rc;
}

/* The candidates (the corpus but the excluded document; empty ones at
 * +inf) sorted by key into s->order, and counted; *n receives how many. */
static int order_by(const query *Q, int (*key)(const query *Q, size_t j, double *out), size_t *n) {
    scratch *s = Q->s;
    int rc = WASS_OK;
    *n = 0;
    for (size_t j = 0; j < Q->nc; j++) {
        if (j == Q->excl) continue;
        double v = INFINITY;
        if (Q->corpus[j].len && (rc = key(Q, j, &v))) break;
        s->order[*n].d = v;
        s->order[*n].i = j;
        (*n)++;
    }
    Q->cnt->candidates += *n;
    qsort(s->order, *n, sizeof *s->order, cmp_cand);
    return rc;
}

/* Every bound first, exact solves in bound order: WASS_PRUNE_RWMD orders
 * by the relaxed bounds (with tight, the ICT bound is tried only on those
 * that reach an exact solve); WASS_PRUNE_ICT by the ICT bound of every
 * document. */
static int bound_order(const query *Q, topk *t) {
    const wass_bag *q = Q->q, *corpus = Q->corpus;
    scratch *s = Q->s;
    counters *cnt = Q->cnt;
    int ict_all = Q->o->prune == WASS_PRUNE_ICT, lazy = !ict_all && Q->o->tight;
    size_t n;
    int rc = order_by(Q, ict_all ? key_ict : key_relaxed, &n);
    for (size_t r = 0; r < n && !rc; r++) {
        size_t j = s->order[r].i;
        if (can_prune(t, s->order[r].d)) { /* sorted: all the rest too */
            if (ict_all)
                cnt->pruned_ict += n - r;
            else
                cnt->pruned_rwmd += n - r;
            break;
        }
        double d = INFINITY;
        if (corpus[j].len) {
            if ((rc = costs(Q, j))) break;
            if (lazy && t->n == t->k && can_prune(t, wass__wmd_ict(s->C, q, &corpus[j], s->ict))) {
                cnt->pruned_ict++;
                continue;
            }
            rc = exact(Q, j, &d);
        }
        topk_push(t, (cand){d, j});
    }
    return rc;
}

/* Kusner's prefetch and prune: documents in WCD order, the relaxed (and
 * ICT) bound skipping exact solves. */
static int prefetch_prune(const query *Q, topk *t) {
    const wass_bag *q = Q->q, *corpus = Q->corpus;
    scratch *s = Q->s;
    counters *cnt = Q->cnt;
    size_t n;
    int rc = order_by(Q, key_wcd, &n);
    for (size_t r = 0; r < n && !rc; r++) {
        size_t j = s->order[r].i;
        if (can_prune(t, s->order[r].d)) { /* WCD: sorted, so all the rest too */
            cnt->pruned_wcd += n - r;
            break;
        }
        double d = INFINITY;
        if (corpus[j].len) {
            /* the relaxed bound straight from the table; the cost matrix
             * only for the documents it does not skip */
            if (t->n == t->k && s->T && can_prune(t, relaxed_of(s, q, corpus, j))) {
                cnt->pruned_rwmd++;
                continue;
            }
            if ((rc = costs(Q, j))) break;
            if (t->n == t->k) {
                if (!s->T && can_prune(t, wass__wmd_relaxed(s->C, q, &corpus[j]))) {
                    cnt->pruned_rwmd++;
                    continue;
                }
                if (Q->o->tight && can_prune(t, wass__wmd_ict(s->C, q, &corpus[j], s->ict))) {
                    cnt->pruned_ict++;
                    continue;
                }
            }
            rc = exact(Q, j, &d);
        }
        topk_push(t, (cand){d, j});
    }
    return rc;
}

static int one_query(const wass_wordvec *wv, const wass_bag *q, const double *cq,
                     const wass_bag *corpus, size_t nc, const double *cc, size_t excl,
                     const wass_knn_options *o, scratch *s, size_t *out_idx, double *out_d,
                     counters *cnt, wass_error_info *err) {
    size_t k = o->k, dim = wv->dim;
    topk t = {s->top, 0, k};
    const query Q = {wv, q, corpus, cq, cc, nc, excl, o, s, cnt, err};
    int rc = WASS_OK;
    if (s->T && q->len && o->method != WASS_KNN_WCD) {
        wass__wmd_words R;
        wass__wmd_rows(wv, q->word, q->len, &o->wmd, s->rowbuf, &R);
        wass__wmd_cost_kernel(&R, &s->cw->P, &o->wmd, s->T, 1, q->len);
    }
    if (q->len == 0) {
        for (size_t j = 0; j < nc; j++)
            if (j != excl) {
                cnt->candidates++;
                topk_push(&t, (cand){INFINITY, j});
            }
    } else if (o->method == WASS_KNN_WCD) {
        for (size_t j = 0; j < nc; j++) {
            if (j == excl) continue;
            cnt->candidates++;
            double d = corpus[j].len ? wass__wmd_wcd(cq, cc + j * dim, dim, &o->wmd) : INFINITY;
            topk_push(&t, (cand){d, j});
        }
    } else if (o->method == WASS_KNN_RWMD || !o->prune) {
        rc = scan_all(&Q, &t);
    } else if (o->prune >= WASS_PRUNE_RWMD) {
        rc = bound_order(&Q, &t);
    } else {
        rc = prefetch_prune(&Q, &t);
    }
    for (size_t r = 0; r < k; r++) {
        out_idx[r] = r < t.n ? t.c[r].i : WASS_NOT_FOUND;
        out_d[r] = r < t.n ? t.c[r].d : INFINITY;
    }
    return rc;
}

/* The options and bags wass_knn accepts; *maxq, *maxc receive the longest
 * query and corpus bags. */
static int knn_check(const wass_wordvec *wv, const wass_bag *queries, size_t nq,
                     const wass_bag *corpus, size_t nc, const wass_knn_options *opt,
                     size_t *maxq_out, size_t *maxc_out, wass_error_info *err) {
    wass_knn_options o = *opt;
    if (!wv || !wv->vec || wv->dim == 0)
        return wass__fail(err, WASS_ERR_INVALID, "word vectors are missing");
    if ((nq && !queries) || (nc && !corpus))
        return wass__fail(err, WASS_ERR_INVALID, "queries or corpus is NULL");
    if (o.k == 0) return wass__fail(err, WASS_ERR_INVALID, "k must be at least 1");
    if ((int)o.prune < WASS_PRUNE_NONE || (int)o.prune > WASS_PRUNE_ICT)
        return wass__fail(err, WASS_ERR_INVALID, "prune must be 0, 1, 2 or 3, found %d",
                          (int)o.prune);
    if (o.method < WASS_KNN_WMD || o.method > WASS_KNN_RWMD)
        return wass__fail(err, WASS_ERR_INVALID, "unknown kNN method %d", (int)o.method);
    if (o.wmd.distance != WASS_WMD_EUCLIDEAN && o.wmd.distance != WASS_WMD_COSINE)
        return wass__fail(err, WASS_ERR_INVALID, "unknown word distance %d", (int)o.wmd.distance);
    int rc;
    size_t maxq = 1, maxc = 1;
    for (size_t i = 0; i < nq; i++) {
        if ((rc = wass__wmd_check_bag(wv, &queries[i], "query", err))) return rc;
        if (queries[i].len > maxq) maxq = queries[i].len;
    }
    for (size_t j = 0; j < nc; j++) {
        if ((rc = wass__wmd_check_bag(wv, &corpus[j], "corpus", err))) return rc;
        if (corpus[j].len > maxc) maxc = corpus[j].len;
    }
    if (o.exclude)
        for (size_t i = 0; i < nq; i++)
            if (o.exclude[i] >= nc && o.exclude[i] != WASS_NOT_FOUND)
                return wass__fail(err, WASS_ERR_SIZE, "exclude[%zu] = %zu >= corpus size %zu", i,
                                  o.exclude[i], nc);
    size_t nk, cm, dimq, dimc;
    if (!wass__mul_ok(nq, o.k, &nk) || !wass__mul_ok(maxq, maxc, &cm) ||
        !wass__mul_ok(nq, wv->dim, &dimq) || !wass__mul_ok(nc, wv->dim, &dimc))
        return wass__fail(err, WASS_ERR_SIZE, "sizes overflow");
    *maxq_out = maxq;
    *maxc_out = maxc;
    return WASS_OK;
}

/* The table of corpus words (see corpus_words) when it pays: several
 * queries, words repeating across documents, bounded memory. Returns its
 * per-thread entries, 0 for none (costs are then computed per pair). */
static size_t corpus_table(const wass_wordvec *wv, const wass_bag *corpus, size_t nc, size_t nq,
                           size_t maxq, const wass_knn_options *opt, corpus_words *cw_out) {
    const wass_knn_options o = *opt;
    corpus_words cw;
    memset(&cw, 0, sizeof cw);
    size_t table = 0; /* entries of a per-thread table, 0 = none */
    if (o.method != WASS_KNN_WCD && nq > 1) {
        cw.upos = calloc(wv->count, sizeof *cw.upos);
        size_t total = 0;
        for (size_t j = 0; j < nc; j++)
            total += corpus[j].len;
        cw.U = malloc((total ? total : 1) * sizeof *cw.U);
        if (cw.upos && cw.U) {
            for (size_t j = 0; j < nc; j++)
                for (size_t r = 0; r < corpus[j].len; r++) {
                    size_t w = corpus[j].word[r];
                    if (!cw.upos[w]) {
                        cw.U[cw.nu++] = w;
                        cw.upos[w] = cw.nu;
                    }
                }
            /* worth it when words repeat across documents; bounded memory */
            if (cw.nu < total && maxq * cw.nu <= ((size_t)1 << 23)) table = maxq * cw.nu;
        }
        if (table) {
            cw.packbuf = malloc(wass__wmd_packed_size(cw.nu, wv->dim) * sizeof *cw.packbuf);
            cw.pos = malloc(total * sizeof *cw.pos);
            cw.pos_off = malloc((nc + 1) * sizeof *cw.pos_off);
            if (cw.packbuf && cw.pos && cw.pos_off) {
                wass__wmd_pack(wv, cw.U, cw.nu, &o.wmd, cw.packbuf, &cw.P);
                size_t p = 0;
                for (size_t j = 0; j < nc; j++) {
                    cw.pos_off[j] = p;
                    for (size_t r = 0; r < corpus[j].len; r++)
                        cw.pos[p++] = cw.upos[corpus[j].word[r]] - 1;
                }
                cw.pos_off[nc] = p;
            } else
                table = 0; /* per-pair costs instead */
        }
    }
    *cw_out = cw;
    return table;
}

static void corpus_words_free(corpus_words *cw) {
    free(cw->upos);
    free(cw->U);
    free(cw->packbuf);
    free(cw->pos);
    free(cw->pos_off);
}

/* A thread's scratch (s->T NULL when the table is off or does not fit);
 * returns 0 when the rest does not fit. */
static int scratch_init(scratch *s, const corpus_words *cw, const wass_wordvec *wv,
                        const wass_knn_options *o, size_t table, size_t maxq, size_t maxc,
                        size_t nc) {
    size_t cm = maxq * maxc;
    s->cw = cw;
    s->wv = wv;
    s->wo = &o->wmd;
    s->T = table ? malloc(table * sizeof *s->T) : NULL; /* NULL: per-pair costs */
    s->rowbuf = s->T ? malloc(wass__wmd_rows_size(maxq, wv->dim) * sizeof *s->rowbuf) : NULL;
    s->rowmin = s->T ? malloc(maxq * sizeof *s->rowmin) : NULL;
    s->colmin = pick_colmin();
    if (!s->rowbuf || !s->rowmin) {
        free(s->T);
        s->T = NULL;
    }
    s->C = malloc(cm * sizeof *s->C);
    s->order = malloc((nc ? nc : 1) * sizeof *s->order);
    s->top = malloc(o->k * sizeof *s->top);
    s->ict = malloc(wass__wmd_ict_scratch(maxq > maxc ? maxq : maxc));
    return s->C && s->order && s->top && s->ict;
}

static void scratch_free(scratch *s) {
    free(s->ict);
    free(s->T);
    free(s->rowbuf);
    free(s->rowmin);
    free(s->C);
    free(s->order);
    free(s->top);
}

static void counters_add(counters *total, const counters *c) {
    total->candidates += c->candidates;
    total->exact += c->exact;
    total->pruned_wcd += c->pruned_wcd;
    total->pruned_rwmd += c->pruned_rwmd;
    total->pruned_ict += c->pruned_ict;
}

/* The word centroids of every query and corpus document (the WCD bound and
 * the kusner order need them); empty queries are counted in res. */
static void knn_centroids(const wass_wordvec *wv, const wass_bag *queries, size_t nq,
                          const wass_bag *corpus, size_t nc, const wass_knn_options *o, double *cq,
                          double *cc, wass_knn_result *res) {
    for (size_t i = 0; i < nq; i++) {
        if (queries[i].len)
            wass__wmd_centroid(wv, &queries[i], &o->wmd, cq + i * wv->dim);
        else
            res->empty_queries++;
    }
    for (size_t j = 0; j < nc; j++)
        if (corpus[j].len) wass__wmd_centroid(wv, &corpus[j], &o->wmd, cc + j * wv->dim);
}

/* Every query answered into res, in parallel with a scratch per thread;
 * the first failure (or a scratch that does not fit) stops the queries not
 * yet started and lands in *first_err. The counters of all threads are
 * summed into *total. Returns whether anything failed. */
static int knn_queries(const wass_wordvec *wv, const wass_bag *queries, size_t nq,
                       const wass_bag *corpus, size_t nc, const wass_knn_options *opt,
                       const double *cq, const double *cc, const corpus_words *cw, size_t table,
                       size_t maxq, size_t maxc, wass_knn_result *res, counters *total,
                       wass_error_info *first_err) {
    const wass_knn_options o = *opt;
    int nthreads = wass__threads(o.wmd.threads);
    if ((size_t)nthreads > nq) nthreads = nq ? (int)nq : 1;
    int failed = 0;
    size_t done = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(nthreads)
#endif
    {
        scratch s;
        counters cnt = {0, 0, 0, 0, 0};
        int ok = scratch_init(&s, cw, wv, &o, table, maxq, maxc, nc);
        if (!ok) {
#ifdef _OPENMP
#pragma omp critical(wass_knn_err)
#endif
            {
                if (!failed) {
                    failed = 1;
                    wass__fail(first_err, WASS_ERR_NOMEM, "out of memory for the kNN scratch");
                }
            }
        }
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#pragma omp for schedule(dynamic, 1)
#endif
        for (size_t i = 0; i < nq; i++) {
            int stop;
#ifdef _OPENMP
#pragma omp atomic read
#endif
            stop = failed;
            if (stop || !ok) continue;
            wass_error_info e;
            wass__clear(&e);
            size_t excl = o.exclude ? o.exclude[i] : WASS_NOT_FOUND;
            int r = one_query(wv, &queries[i], cq + i * wv->dim, corpus, nc, cc, excl, &o, &s,
                              res->index + i * o.k, res->dist + i * o.k, &cnt, &e);
            if (r) {
#ifdef _OPENMP
#pragma omp critical(wass_knn_err)
#endif
                {
                    if (!failed) {
                        failed = 1;
                        *first_err = e;
                        first_err->code = r;
                    }
                }
            }
            size_t now;
#ifdef _OPENMP
#pragma omp atomic capture
#endif
            now = ++done;
            if (tid == 0 && o.progress)
                o.progress((double)now / (double)nq, "knn", o.progress_user);
        }
#ifdef _OPENMP
#pragma omp critical(wass_knn_sum)
#endif
        { counters_add(total, &cnt); }
        scratch_free(&s);
    }
    return failed;
}

int wass_knn(const wass_wordvec *wv, const wass_bag *queries, size_t nq, const wass_bag *corpus,
             size_t nc, const wass_knn_options *opt, wass_knn_result *res, wass_error_info *err) {
    wass__clear(err);
    if (!res) return wass__fail(err, WASS_ERR_INVALID, "result is NULL");
    memset(res, 0, sizeof *res);
    wass_knn_options o;
    if (opt)
        o = *opt;
    else
        wass_knn_options_default(&o);
    size_t maxq = 1, maxc = 1, dim = wv ? wv->dim : 0;
    int rc = knn_check(wv, queries, nq, corpus, nc, &o, &maxq, &maxc, err);
    if (rc) return rc;
    size_t nk = nq * o.k, dimq = nq * dim, dimc = nc * dim;
    double t0 = wass__now();
    res->nq = nq;
    res->k = o.k;
    res->index = malloc((nk ? nk : 1) * sizeof *res->index);
    res->dist = malloc((nk ? nk : 1) * sizeof *res->dist);
    double *cq = malloc((dimq ? dimq : 1) * sizeof *cq);
    double *cc = malloc((dimc ? dimc : 1) * sizeof *cc);
    if (!res->index || !res->dist || !cq || !cc) {
        free(cq);
        free(cc);
        wass_knn_result_free(res);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    knn_centroids(wv, queries, nq, corpus, nc, &o, cq, cc, res);

    corpus_words cw;
    size_t table = corpus_table(wv, corpus, nc, nq, maxq, &o, &cw);
    counters total = {0, 0, 0, 0, 0};
    wass_error_info first_err;
    wass__clear(&first_err);
    if (o.progress) o.progress(0.0, "knn", o.progress_user);
    int failed = knn_queries(wv, queries, nq, corpus, nc, &o, cq, cc, &cw, table, maxq, maxc, res,
                             &total, &first_err);
    free(cq);
    free(cc);
    corpus_words_free(&cw);
    if (failed) {
        if (err) *err = first_err;
        rc = first_err.code ? first_err.code : WASS_ERR_INTERNAL;
        wass_knn_result_free(res);
        return rc;
    }
    if (o.progress) o.progress(1.0, "knn", o.progress_user);
    res->candidates = total.candidates;
    res->exact_solves = total.exact;
    res->pruned_wcd = total.pruned_wcd;
    res->pruned_rwmd = total.pruned_rwmd;
    res->pruned_ict = total.pruned_ict;
    res->seconds = wass__now() - t0;
    return WASS_OK;
}
