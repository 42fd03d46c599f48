/*
 * wmd_knn.c - exact k nearest neighbours under the Word Mover's Distance with
 * lower bounds that skip exact solves: Kusner et al.'s prefetch-and-prune
 * (documents visited in order of the word centroid distance; the relaxed WMD
 * skips exact solves that cannot enter the current k best), or documents
 * visited in order of their relaxed (or ICT) bound, plus kNN classification
 * with k chosen by cross-validation.
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

static int one_query(const wass_wordvec *wv, const wass_bag *q, const double *cq,
                     const wass_bag *corpus, size_t nc, const double *cc, size_t excl,
                     const wass_knn_options *o, scratch *s, size_t *out_idx, double *out_d,
                     counters *cnt, wass_error_info *err) {
    size_t k = o->k, dim = wv->dim;
    topk t = {s->top, 0, k};
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
        for (size_t j = 0; j < nc && !rc; j++) {
            if (j == excl) continue;
            cnt->candidates++;
            double d = INFINITY;
            if (corpus[j].len && o->method == WASS_KNN_RWMD && s->T) {
                d = relaxed_of(s, q, corpus, j);
            } else if (corpus[j].len) {
                if (cost_of(s, q, corpus, j)) {
                    rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory for the word distances");
                    break;
                }
                if (o->method == WASS_KNN_RWMD)
                    d = wass__wmd_relaxed(s->C, q, &corpus[j]);
                else {
                    rc = wass__wmd_solve(s->C, q, &corpus[j], &d, NULL, NULL, err);
                    cnt->exact++;
                }
            }
            topk_push(&t, (cand){d, j});
        }
    } else if (o->prune >= WASS_PRUNE_RWMD) { /* every bound first, exact solves in bound order */
        /* prune = 2: the relaxed bounds order the documents, and with tight
         * the ICT bound is tried only on those that reach an exact solve;
         * prune = 3: the ICT bound of every document orders them */
        int ict_all = o->prune == WASS_PRUNE_ICT, lazy = !ict_all && o->tight;
        size_t n = 0;
        for (size_t j = 0; j < nc; j++) {
            if (j == excl) continue;
            double rw = INFINITY;
            if (corpus[j].len && !ict_all && s->T) {
                rw = relaxed_of(s, q, corpus, j);
            } else if (corpus[j].len) {
                if (cost_of(s, q, corpus, j)) {
                    rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory for the word distances");
                    break;
                }
                rw = ict_all ? wass__wmd_ict(s->C, q, &corpus[j], s->ict)
                             : wass__wmd_relaxed(s->C, q, &corpus[j]);
            }
            s->order[n].d = rw;
            s->order[n].i = j;
            n++;
        }
        cnt->candidates += n;
        qsort(s->order, n, sizeof *s->order, cmp_cand);
        for (size_t r = 0; r < n && !rc; r++) {
            size_t j = s->order[r].i;
            if (can_prune(&t, s->order[r].d)) { /* sorted: all the rest too */
                if (ict_all)
                    cnt->pruned_ict += n - r;
                else
                    cnt->pruned_rwmd += n - r;
                break;
            }
            double d = INFINITY;
            if (corpus[j].len) {
                if (cost_of(s, q, corpus, j)) {
                    rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory for the word distances");
                    break;
                }
                if (lazy && t.n == t.k &&
                    can_prune(&t, wass__wmd_ict(s->C, q, &corpus[j], s->ict))) {
                    cnt->pruned_ict++;
                    continue;
                }
                rc = wass__wmd_solve(s->C, q, &corpus[j], &d, NULL, NULL, err);
                cnt->exact++;
            }
            topk_push(&t, (cand){d, j});
        }
    } else { /* Kusner's prefetch and prune */
        size_t n = 0;
        for (size_t j = 0; j < nc; j++) {
            if (j == excl) continue;
            s->order[n].d =
                corpus[j].len ? wass__wmd_wcd(cq, cc + j * dim, dim, &o->wmd) : INFINITY;
            s->order[n].i = j;
            n++;
        }
        cnt->candidates += n;
        qsort(s->order, n, sizeof *s->order, cmp_cand);
        for (size_t r = 0; r < n && !rc; r++) {
            size_t j = s->order[r].i;
            if (can_prune(&t, s->order[r].d)) { /* WCD: sorted, so all the rest too */
                cnt->pruned_wcd += n - r;
                break;
            }
            double d = INFINITY;
            if (corpus[j].len) {
                /* the relaxed bound straight from the table; the cost matrix
                 * only for the documents it does not skip */
                if (t.n == t.k && s->T && can_prune(&t, relaxed_of(s, q, corpus, j))) {
                    cnt->pruned_rwmd++;
                    continue;
                }
                if (cost_of(s, q, corpus, j)) {
                    rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory for the word distances");
                    break;
                }
                if (t.n == t.k) {
                    if (!s->T && can_prune(&t, wass__wmd_relaxed(s->C, q, &corpus[j]))) {
                        cnt->pruned_rwmd++;
                        continue;
                    }
                    if (o->tight && can_prune(&t, wass__wmd_ict(s->C, q, &corpus[j], s->ict))) {
                        cnt->pruned_ict++;
                        continue;
                    }
                }
                rc = wass__wmd_solve(s->C, q, &corpus[j], &d, NULL, NULL, err);
                cnt->exact++;
            }
            topk_push(&t, (cand){d, j});
        }
    }
    for (size_t r = 0; r < k; r++) {
        out_idx[r] = r < t.n ? t.c[r].i : WASS_NOT_FOUND;
        out_d[r] = r < t.n ? t.c[r].d : INFINITY;
    }
    return rc;
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
    for (size_t i = 0; i < nq; i++) {
        if (queries[i].len)
            wass__wmd_centroid(wv, &queries[i], &o.wmd, cq + i * wv->dim);
        else
            res->empty_queries++;
    }
    for (size_t j = 0; j < nc; j++)
        if (corpus[j].len) wass__wmd_centroid(wv, &corpus[j], &o.wmd, cc + j * wv->dim);

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
    int nthreads = wass__threads(o.wmd.threads);
    if ((size_t)nthreads > nq) nthreads = nq ? (int)nq : 1;
    counters total = {0, 0, 0, 0, 0};
    int failed = 0;
    wass_error_info first_err;
    wass__clear(&first_err);
    size_t done = 0;
    if (o.progress) o.progress(0.0, "knn", o.progress_user);
#ifdef _OPENMP
#pragma omp parallel num_threads(nthreads)
#endif
    {
        scratch s;
        s.cw = &cw;
        s.wv = wv;
        s.wo = &o.wmd;
        s.T = table ? malloc(table * sizeof *s.T) : NULL; /* NULL: per-pair costs */
        s.rowbuf = s.T ? malloc(wass__wmd_rows_size(maxq, wv->dim) * sizeof *s.rowbuf) : NULL;
        s.rowmin = s.T ? malloc(maxq * sizeof *s.rowmin) : NULL;
        s.colmin = pick_colmin();
        if (!s.rowbuf || !s.rowmin) {
            free(s.T);
            s.T = NULL;
        }
        s.C = malloc(cm * sizeof *s.C);
        s.order = malloc((nc ? nc : 1) * sizeof *s.order);
        s.top = malloc(o.k * sizeof *s.top);
        counters cnt = {0, 0, 0, 0, 0};
        s.ict = malloc(wass__wmd_ict_scratch(maxq > maxc ? maxq : maxc));
        int ok = s.C && s.order && s.top && s.ict;
        if (!ok) {
#ifdef _OPENMP
#pragma omp critical(wass_knn_err)
#endif
            {
                if (!failed) {
                    failed = 1;
                    wass__fail(&first_err, WASS_ERR_NOMEM, "out of memory for the kNN scratch");
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
                        first_err = e;
                        first_err.code = r;
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
        {
            total.candidates += cnt.candidates;
            total.exact += cnt.exact;
            total.pruned_wcd += cnt.pruned_wcd;
            total.pruned_rwmd += cnt.pruned_rwmd;
            total.pruned_ict += cnt.pruned_ict;
        }
        free(s.ict);
        free(s.T);
        free(s.rowbuf);
        free(s.rowmin);
        free(s.C);
        free(s.order);
        free(s.top);
    }
    free(cq);
    free(cc);
    free(cw.upos);
    free(cw.U);
    free(cw.packbuf);
    free(cw.pos);
    free(cw.pos_off);
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

/* ------------------------------------------------------------------------ */
/* Classification                                                            */
/* ------------------------------------------------------------------------ */

static int vote(const size_t *idx, size_t k, const int *labels, int maxlabel, int *votes,
                size_t *first) {
    for (int l = 0; l <= maxlabel; l++) {
        votes[l] = 0;
        first[l] = (size_t)-1;
    }
    for (size_t r = 0; r < k; r++) {
        if (idx[r] == WASS_NOT_FOUND) continue;
        int l = labels[idx[r]];
        votes[l]++;
        if (first[l] == (size_t)-1) first[l] = r;
    }
    int best = -1;
    for (int l = 0; l <= maxlabel; l++) {
        if (votes[l] == 0) continue;
        if (best < 0 || votes[l] > votes[best] ||
            (votes[l] == votes[best] && first[l] < first[best]))
            best = l;
    }
    return best;
}

static int max_label(const int *labels, size_t n, int *out, wass_error_info *err) {
    int m = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] < 0) return wass__fail(err, WASS_ERR_INVALID, "label %zu is negative", i);
        if (labels[i] > m) m = labels[i];
    }
    *out = m;
    return WASS_OK;
}

int wass_knn_vote(const wass_knn_result *knn, size_t k, const int *corpus_labels, int *predicted,
                  wass_error_info *err) {
    wass__clear(err);
    if (!knn || !corpus_labels || !predicted)
        return wass__fail(err, WASS_ERR_INVALID, "NULL argument");
    if (k == 0 || k > knn->k)
        return wass__fail(err, WASS_ERR_INVALID, "k = %zu must be in 1..%zu", k, knn->k);
    /* labels are read only at the neighbours' indices */
    int m = 0;
    for (size_t i = 0; i < knn->nq * knn->k; i++)
        if (knn->index[i] != WASS_NOT_FOUND) {
            int l = corpus_labels[knn->index[i]];
            if (l < 0) return wass__fail(err, WASS_ERR_INVALID, "a corpus label is negative");
            if (l > m) m = l;
        }
    int *votes = malloc((size_t)(m + 1) * sizeof *votes);
    size_t *first = malloc((size_t)(m + 1) * sizeof *first);
    if (!votes || !first) {
        free(votes);
        free(first);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    for (size_t q = 0; q < knn->nq; q++)
        predicted[q] = vote(knn->index + q * knn->k, k, corpus_labels, m, votes, first);
    free(votes);
    free(first);
    return WASS_OK;
}

void wass_classify_options_default(wass_classify_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
    opt->k = 0;
    opt->k_max = 19;
    opt->folds = 5;
    opt->seed = 0;
    wass_knn_options_default(&opt->knn);
}

void wass_classify_result_free(wass_classify_result *res) {
    if (!res) return;
    free(res->cv_error);
    free(res->predicted);
    wass_knn_result_free(&res->knn);
    memset(res, 0, sizeof *res);
}

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int wass_knn_classify(const wass_wordvec *wv, const wass_bag *train, const int *train_labels,
                      size_t ntrain, const wass_bag *test, const int *test_labels, size_t ntest,
                      const wass_classify_options *opt, wass_classify_result *res,
                      wass_error_info *err) {
    wass__clear(err);
    if (!res) return wass__fail(err, WASS_ERR_INVALID, "result is NULL");
    memset(res, 0, sizeof *res);
    wass_classify_options o;
    if (opt)
        o = *opt;
    else
        wass_classify_options_default(&o);
    if (!train || !train_labels || ntrain == 0)
        return wass__fail(err, WASS_ERR_INVALID, "the training set is empty");
    if (ntest && !test) return wass__fail(err, WASS_ERR_INVALID, "test documents are NULL");
    int maxl, rc;
    if ((rc = max_label(train_labels, ntrain, &maxl, err))) return rc;
    double t0 = wass__now();
    size_t k = o.k;
    if (k == 0) {
        if (o.k_max == 0) return wass__fail(err, WASS_ERR_INVALID, "k_max must be at least 1");
        if (o.folds < 2 || o.folds > ntrain)
            return wass__fail(err, WASS_ERR_INVALID,
                              "cross-validation needs 2 <= folds (%zu) <= training size (%zu)",
                              o.folds, ntrain);
    }
    res->k_max = o.k_max ? o.k_max : k;
    res->cv_error = malloc(res->k_max * sizeof *res->cv_error);
    res->predicted = malloc((ntest ? ntest : 1) * sizeof *res->predicted);
    if (!res->cv_error || !res->predicted) {
        wass_classify_result_free(res);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < res->k_max; i++)
        res->cv_error[i] = NAN;
    if (k == 0) {
        size_t *perm = malloc(ntrain * sizeof *perm);
        wass_bag *q = malloc(ntrain * sizeof *q), *c = malloc(ntrain * sizeof *c);
        size_t *cidx = malloc(ntrain * sizeof *cidx), *qidx = malloc(ntrain * sizeof *qidx);
        int *clab = malloc(ntrain * sizeof *clab), *pred = malloc(ntrain * sizeof *pred);
        size_t *wrong = calloc(res->k_max, sizeof *wrong);
        if (!perm || !q || !c || !cidx || !qidx || !clab || !pred || !wrong) rc = WASS_ERR_NOMEM;
        if (!rc) {
            uint64_t s = o.seed;
            for (size_t i = 0; i < ntrain; i++)
                perm[i] = i;
            for (size_t i = ntrain; i > 1; i--) {
                size_t j = (size_t)(splitmix(&s) % i);
                size_t t = perm[i - 1];
                perm[i - 1] = perm[j];
                perm[j] = t;
            }
        }
        for (size_t f = 0; f < o.folds && !rc; f++) {
            size_t nqf = 0, ncf = 0;
            for (size_t r = 0; r < ntrain; r++) {
                size_t i = perm[r];
                if (r % o.folds == f) {
                    q[nqf] = train[i];
                    qidx[nqf++] = i;
                } else {
                    c[ncf] = train[i];
                    clab[ncf] = train_labels[i];
                    cidx[ncf++] = i;
                }
            }
            wass_knn_options ko = o.knn;
            ko.k = res->k_max < ncf ? res->k_max : ncf;
            ko.exclude = NULL;
            wass_knn_result kr;
            rc = wass_knn(wv, q, nqf, c, ncf, &ko, &kr, err);
            if (rc) break;
            res->exact_solves += kr.exact_solves;
            res->candidates += kr.candidates;
            for (size_t kk = 1; kk <= ko.k; kk += 2) {
                rc = wass_knn_vote(&kr, kk, clab, pred, err);
                if (rc) break;
                for (size_t r = 0; r < nqf; r++)
                    if (pred[r] != train_labels[qidx[r]]) wrong[kk - 1]++;
            }
            wass_knn_result_free(&kr);
        }
        if (!rc) {
            double best = INFINITY;
            for (size_t kk = 1; kk <= res->k_max; kk += 2) {
                if (kk > ntrain - (ntrain + o.folds - 1) / o.folds) break;
                res->cv_error[kk - 1] = (double)wrong[kk - 1] / (double)ntrain;
                if (res->cv_error[kk - 1] < best) {
                    best = res->cv_error[kk - 1];
                    k = kk;
                }
            }
            if (k == 0) k = 1;
        }
        free(perm);
        free(q);
        free(c);
        free(cidx);
        free(qidx);
        free(clab);
        free(pred);
        free(wrong);
        if (rc) {
            wass_classify_result_free(res);
            if (rc == WASS_ERR_NOMEM) return wass__fail(err, rc, "out of memory");
            return rc;
        }
    }
    res->k = k;
    wass_knn_options ko = o.knn;
    ko.k = k < ntrain ? k : ntrain;
    ko.exclude = NULL;
    rc = wass_knn(wv, test, ntest, train, ntrain, &ko, &res->knn, err);
    if (!rc) rc = wass_knn_vote(&res->knn, ko.k, train_labels, res->predicted, err);
    if (rc) {
        wass_classify_result_free(res);
        return rc;
    }
    res->exact_solves += res->knn.exact_solves;
    res->candidates += res->knn.candidates;
    res->test_error = NAN;
    if (test_labels && ntest) {
        size_t wrong = 0;
        for (size_t i = 0; i < ntest; i++)
            wrong += res->predicted[i] != test_labels[i];
        res->test_error = (double)wrong / (double)ntest;
    }
    res->seconds = wass__now() - t0;
    return WASS_OK;
}
