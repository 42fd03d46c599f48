/*
 * wmd_classify.c - kNN classification of documents under the Word Mover's
 * Distance: majority votes of the neighbours (wass_knn), k chosen by
 * cross-validation on the training set.
 */
#include "apps/wmd/wmd_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* k by cross-validation on the training set: each fold's documents
 * classified by the rest for k = 1, 3, .., k_max (res->cv_error); *k_out
 * receives the best. */
static int cross_validate(const wass_wordvec *wv, const wass_bag *train, const int *train_labels,
                          size_t ntrain, const wass_classify_options *o, wass_classify_result *res,
                          size_t *k_out, wass_error_info *err) {
    int rc = WASS_OK;
    size_t *perm = malloc(ntrain * sizeof *perm);
    wass_bag *q = malloc(ntrain * sizeof *q), *c = malloc(ntrain * sizeof *c);
    size_t *cidx = malloc(ntrain * sizeof *cidx), *qidx = malloc(ntrain * sizeof *qidx);
    int *clab = malloc(ntrain * sizeof *clab), *pred = malloc(ntrain * sizeof *pred);
    size_t *wrong = calloc(res->k_max, sizeof *wrong);
    if (!perm || !q || !c || !cidx || !qidx || !clab || !pred || !wrong) rc = WASS_ERR_NOMEM;
    if (!rc) {
        uint64_t s = o->seed;
        for (size_t i = 0; i < ntrain; i++)
            perm[i] = i;
        for (size_t i = ntrain; i > 1; i--) {
            size_t j = (size_t)(splitmix(&s) % i);
            size_t t = perm[i - 1];
            perm[i - 1] = perm[j];
            perm[j] = t;
        }
    }
    for (size_t f = 0; f < o->folds && !rc; f++) {
        size_t nqf = 0, ncf = 0;
        for (size_t r = 0; r < ntrain; r++) {
            size_t i = perm[r];
            if (r % o->folds == f) {
                q[nqf] = train[i];
                qidx[nqf++] = i;
            } else {
                c[ncf] = train[i];
                clab[ncf] = train_labels[i];
                cidx[ncf++] = i;
            }
        }
        wass_knn_options ko = o->knn;
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
            if (kk > ntrain - (ntrain + o->folds - 1) / o->folds) break;
            res->cv_error[kk - 1] = (double)wrong[kk - 1] / (double)ntrain;
            if (res->cv_error[kk - 1] < best) {
                best = res->cv_error[kk - 1];
                *k_out = kk;
            }
        }
        if (*k_out == 0) *k_out = 1;
    }
    free(perm);
    free(q);
    free(c);
    free(cidx);
    free(qidx);
    free(clab);
    free(pred);
    free(wrong);
    return rc;
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
    if (k == 0 && (rc = cross_validate(wv, train, train_labels, ntrain, &o, res, &k, err))) {
        wass_classify_result_free(res);
        if (rc == WASS_ERR_NOMEM) return wass__fail(err, rc, "out of memory");
        return rc;
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
