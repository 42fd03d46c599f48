/*
 * test_wmd.c - Word Mover's Distance: hand-computed values, the lower bounds
 * on random documents, tokenizer / stop words / OOV counts, empty documents,
 * TF-IDF, kNN with pruning equal to brute force, classification.
 */
#include "test_util.h"
#include "wass.h"
#include "wass/wmd.h"

#include <stdlib.h>

static int have_emd = 1; /* 0 while the exact solver is not built in */

static void make_vocab(wass_wordvec *wv) {
    /* 2-D vectors: alpha (0,0), beta (1,0), gamma (0,1), delta (3,4) */
    const char *words[] = {"alpha", "beta", "gamma", "delta", "caf\xc3\xa9"};
    const float vec[] = {0, 0, 1, 0, 0, 1, 3, 4, 2, 2};
    wass_error_info e;
    int rc = wass_wordvec_from_arrays(words, vec, 5, 2, wv, &e);
    CHECK_MSG(rc == WASS_OK, "%s", e.message);
}

static void bag(const wass_wordvec *wv, const char *text, const wass_text_options *o, wass_bag *b) {
    wass_error_info e;
    int rc = wass_bag_from_text(wv, text, strlen(text), o, b, &e);
    CHECK_MSG(rc == WASS_OK, "%s", e.message);
}

static void test_hand_values(void) {
    wass_wordvec wv;
    make_vocab(&wv);
    wass_bag a, b;
    bag(&wv, "Alpha, alpha; BETA!", NULL, &a);
    bag(&wv, "gamma delta", NULL, &b);
    CHECK(a.len == 2 && a.kept == 3);
    CHECK_CLOSE(a.weight[0], 2.0 / 3, 1e-15);
    wass_wmd_result r;
    wass_error_info e;
    int rc = wass_wmd(&wv, &a, &b, NULL, &r, &e);
    if (rc == WASS_ERR_UNSUPPORTED) {
        have_emd = 0;
        printf("note: exact solver not built in, exact WMD checks skipped (%s)\n", e.message);
    } else {
        CHECK_MSG(rc == WASS_OK, "%s", e.message);
        /* flows alpha->gamma 1/2, alpha->delta 1/6, beta->delta 1/3 */
        CHECK_CLOSE(r.distance, 4.0 / 3 + 2 * sqrt(5.0) / 3, 1e-12);
        CHECK(r.status == WASS_OPTIMAL && !r.empty);
        CHECK_CLOSE(r.wcd, sqrt(49.0 / 36 + 25.0 / 4), 1e-12);
        CHECK_CLOSE(r.rwmd, 0.5 + sqrt(5.0), 1e-12);
    }
    double v;
    CHECK(wass_wcd(&wv, &a, &b, NULL, &v, &e) == WASS_OK);
    CHECK_CLOSE(v, sqrt(49.0 / 36 + 25.0 / 4), 1e-12);
    CHECK(wass_rwmd(&wv, &a, &b, NULL, &v, &e) == WASS_OK);
    CHECK_CLOSE(v, 0.5 + sqrt(5.0), 1e-12);
    /* a one-word document: all mass goes to that word */
    wass_bag c;
    bag(&wv, "delta", NULL, &c);
    if (have_emd) {
        CHECK(wass_wmd(&wv, &a, &c, NULL, &r, &e) == WASS_OK);
        CHECK_CLOSE(r.distance, 2.0 / 3 * 5 + 1.0 / 3 * sqrt(20.0), 1e-12);
        /* cosine: 1 - cos between unit vectors; alpha is the zero vector and
         * stays zero after normalization, so its distance to delta is 1 */
        wass_wmd_options o;
        wass_wmd_options_default(&o);
        o.distance = WASS_WMD_COSINE;
        CHECK(wass_wmd(&wv, &a, &c, &o, &r, &e) == WASS_OK);
        CHECK_CLOSE(r.distance, 2.0 / 3 * 1 + 1.0 / 3 * (1 - 3.0 / 5), 1e-12);
        /* normalized euclidean: beta (1,0) vs delta (0.6,0.8) */
        o.distance = WASS_WMD_EUCLIDEAN;
        o.normalize = 1;
        CHECK(wass_wmd(&wv, &a, &c, &o, &r, &e) == WASS_OK);
        CHECK_CLOSE(r.distance, 2.0 / 3 * 1 + 1.0 / 3 * sqrt(0.16 + 0.64), 1e-12);
        CHECK(wass_wmd(&wv, &a, &a, NULL, &r, &e) == WASS_OK);
        CHECK_CLOSE(r.distance, 0.0, 1e-14);
    }
    wass_bag_free(&a);
    wass_bag_free(&b);
    wass_bag_free(&c);
    wass_wordvec_free(&wv);
}

static void test_tokenizer(void) {
    wass_wordvec wv;
    make_vocab(&wv);
    const char *stop[] = {"gamma"};
    wass_stopwords sw;
    wass_error_info e;
    CHECK(wass_stopwords_from_list(stop, 1, &sw, &e) == WASS_OK);
    wass_text_options o;
    wass_text_options_default(&o);
    o.stop = &sw;
    wass_bag b;
    const char *text = "Gamma ALPHA x2 caf\xc3\xa9 unknown-word beta";
    bag(&wv, text, &o, &b);
    /* tokens: gamma alpha x2 caf unknown word beta (non-ASCII separates) */
    CHECK(b.tokens == 7);
    CHECK(b.stop_dropped == 1);
    CHECK(b.oov_dropped == 4); /* x2, caf, unknown, word */
    CHECK(b.kept == 2 && b.len == 2);
    wass_bag_free(&b);
    o.keep_non_ascii = 1;
    o.min_len = 3;
    bag(&wv, text, &o, &b);
    /* x2 is too short; café is kept whole and found */
    CHECK(b.tokens == 7 && b.short_dropped == 1 && b.kept == 3 && b.len == 3);
    CHECK(b.word[2] == 4);
    wass_bag_free(&b);
    /* only stop words and unknown words: an empty document */
    bag(&wv, "gamma ... zzz", &o, &b);
    CHECK(b.len == 0 && b.kept == 0);
    wass_bag a;
    bag(&wv, "alpha", NULL, &a);
    wass_wmd_result r;
    CHECK(wass_wmd(&wv, &a, &b, NULL, &r, &e) == WASS_OK);
    CHECK(isinf(r.distance) && r.empty == 1);
    double v;
    CHECK(wass_rwmd(&wv, &b, &a, NULL, &v, &e) == WASS_OK && isinf(v));
    CHECK(wass_wcd(&wv, &b, &a, NULL, &v, &e) == WASS_OK && isinf(v));
    wass_bag_free(&a);
    wass_bag_free(&b);
    /* a stop-word file */
    char path[512];
    snprintf(path, sizeof path, "%s/share/stopwords_en.txt", WASS_SOURCE_DIR);
    wass_stopwords en;
    CHECK_MSG(wass_stopwords_load(path, &en, &e) == WASS_OK, "%s", e.message);
    CHECK(wass_wordvec_find(&en.set, "the", 3) != WASS_NOT_FOUND);
    CHECK(wass_wordvec_find(&en.set, "ther", 4) == WASS_NOT_FOUND);
    CHECK(en.set.count > 100);
    wass_stopwords_free(&en);
    CHECK(wass_stopwords_load("/nonexistent/stop.txt", &en, &e) == WASS_ERR_IO);
    wass_stopwords_free(&sw);
    wass_wordvec_free(&wv);
}

static void test_tfidf(void) {
    wass_wordvec wv;
    make_vocab(&wv);
    wass_bag d[3];
    bag(&wv, "alpha beta", NULL, &d[0]);
    bag(&wv, "alpha gamma", NULL, &d[1]);
    bag(&wv, "alpha alpha delta", NULL, &d[2]);
    double idf[5];
    wass_error_info e;
    CHECK(wass_idf_fit(d, 3, wv.count, idf, &e) == WASS_OK);
    CHECK_CLOSE(idf[0], log(4.0 / 4.0) + 1, 1e-15);
    CHECK_CLOSE(idf[1], log(4.0 / 2.0) + 1, 1e-15);
    CHECK_CLOSE(idf[4], log(4.0 / 1.0) + 1, 1e-15);
    CHECK(wass_bag_apply_idf(&d[2], idf, &e) == WASS_OK);
    double wa = 2 * idf[0], wd = idf[3];
    CHECK_CLOSE(d[2].weight[0], wa / (wa + wd), 1e-15);
    CHECK_CLOSE(d[2].weight[1], wd / (wa + wd), 1e-15);
    for (int i = 0; i < 3; i++)
        wass_bag_free(&d[i]);
    wass_wordvec_free(&wv);
}

/* Random vocabulary and documents. */
typedef struct {
    wass_wordvec wv;
    wass_bag *docs;
    size_t n;
} corpus;

static void make_corpus(corpus *c, size_t vocab, size_t dim, size_t ndocs, uint64_t seed) {
    char **words = malloc(vocab * sizeof *words);
    float *vec = malloc(vocab * dim * sizeof *vec);
    for (size_t i = 0; i < vocab; i++) {
        words[i] = malloc(24);
        snprintf(words[i], 24, "w%zu", i);
        for (size_t k = 0; k < dim; k++)
            vec[i * dim + k] = (float)(2 * test_rand_unif(&seed) - 1);
    }
    wass_error_info e;
    CHECK(wass_wordvec_from_arrays((const char *const *)words, vec, vocab, dim, &c->wv, &e) ==
          WASS_OK);
    c->n = ndocs;
    c->docs = calloc(ndocs, sizeof *c->docs);
    for (size_t d = 0; d < ndocs; d++) {
        size_t len = 1 + test_rand_u64(&seed) % 12;
        if (d % 7 == 3 && d > 0) { /* exact duplicates create ties */
            size_t *w = malloc(c->docs[d - 1].len * sizeof *w);
            memcpy(w, c->docs[d - 1].word, c->docs[d - 1].len * sizeof *w);
            CHECK(wass_bag_from_counts(w, c->docs[d - 1].count, c->docs[d - 1].len, vocab,
                                       &c->docs[d], &e) == WASS_OK);
            free(w);
            continue;
        }
        if (d % 11 == 5) { /* an empty document */
            CHECK(wass_bag_from_counts(NULL, NULL, 0, vocab, &c->docs[d], &e) == WASS_OK);
            continue;
        }
        size_t w[12];
        double cnt[12];
        for (size_t k = 0; k < len; k++) {
            w[k] = test_rand_u64(&seed) % vocab;
            cnt[k] = 1 + (double)(test_rand_u64(&seed) % 3);
        }
        CHECK(wass_bag_from_counts(w, cnt, len, vocab, &c->docs[d], &e) == WASS_OK);
    }
    for (size_t i = 0; i < vocab; i++)
        free(words[i]);
    free(words);
    free(vec);
}

static void free_corpus(corpus *c) {
    for (size_t d = 0; d < c->n; d++)
        wass_bag_free(&c->docs[d]);
    free(c->docs);
    wass_wordvec_free(&c->wv);
}

/* The bounds against the approximation module's generic ones on the same
 * word vectors (as point clouds) and weights. */
static void cross_check_bounds(const wass_wordvec *wv, const wass_bag *a, const wass_bag *b,
                               double wcd, double rw) {
    size_t d = wv->dim;
    double *X = malloc(a->len * d * sizeof *X), *Y = malloc(b->len * d * sizeof *Y);
    for (size_t i = 0; i < a->len; i++)
        for (size_t k = 0; k < d; k++)
            X[i * d + k] = wv->vec[a->word[i] * d + k];
    for (size_t j = 0; j < b->len; j++)
        for (size_t k = 0; k < d; k++)
            Y[j * d + k] = wv->vec[b->word[j] * d + k];
    wass_ground g = wass_ground_make(WASS_EUCLIDEAN, 1.0);
    wass_cloud P = {a->len, d, X, a->weight}, Q = {b->len, d, Y, b->weight};
    double v;
    wass_error_info e;
    int rc = wass_bound_centroid(&P, &Q, &g, &v, &e);
    if (rc != WASS_ERR_UNSUPPORTED) {
        CHECK_MSG(rc == WASS_OK, "%s", e.message);
        CHECK_CLOSE(v, wcd, 1e-12);
    }
    wass_problem pb;
    memset(&pb, 0, sizeof pb);
    pb.n = a->len;
    pb.m = b->len;
    pb.a = a->weight;
    pb.b = b->weight;
    pb.cost = wass_cost_points(X, Y, d, g);
    rc = wass_bound_relaxed(&pb, 1, &v, &e);
    if (rc != WASS_ERR_UNSUPPORTED) {
        CHECK_MSG(rc == WASS_OK, "%s", e.message);
        CHECK_CLOSE(v, rw, 1e-12);
    }
    free(X);
    free(Y);
}

static void test_bounds_random(void) {
    corpus c;
    make_corpus(&c, 60, 6, 40, 7);
    wass_error_info e;
    int checked = 0;
    for (int cosine = 0; cosine < 2; cosine++) {
        wass_wmd_options o;
        wass_wmd_options_default(&o);
        o.distance = cosine ? WASS_WMD_COSINE : WASS_WMD_EUCLIDEAN;
        for (size_t i = 0; i < c.n; i += 3)
            for (size_t j = 1; j < c.n; j += 4) {
                double wcd, rw;
                CHECK(wass_wcd(&c.wv, &c.docs[i], &c.docs[j], &o, &wcd, &e) == WASS_OK);
                CHECK(wass_rwmd(&c.wv, &c.docs[i], &c.docs[j], &o, &rw, &e) == WASS_OK);
                if (!cosine && c.docs[i].len && c.docs[j].len)
                    cross_check_bounds(&c.wv, &c.docs[i], &c.docs[j], wcd, rw);
                if (!have_emd) continue;
                wass_wmd_result r;
                CHECK_MSG(wass_wmd(&c.wv, &c.docs[i], &c.docs[j], &o, &r, &e) == WASS_OK, "%s",
                          e.message);
                if (isinf(r.distance)) {
                    CHECK(r.empty && (c.docs[i].len == 0 || c.docs[j].len == 0));
                    continue;
                }
                CHECK_MSG(wcd <= r.distance * (1 + 1e-12) + 1e-14, "wcd %g > wmd %g", wcd,
                          r.distance);
                CHECK_MSG(rw <= r.distance * (1 + 1e-12) + 1e-14, "rwmd %g > wmd %g", rw,
                          r.distance);
                CHECK(rw >= 0 && wcd >= 0);
                wass_wmd_result r2;
                CHECK(wass_wmd(&c.wv, &c.docs[j], &c.docs[i], &o, &r2, &e) == WASS_OK);
                CHECK_CLOSE(r2.distance, r.distance, 1e-12);
                checked++;
            }
    }
    if (have_emd) CHECK(checked > 100);
    free_corpus(&c);
}

static void test_knn(void) {
    corpus c;
    make_corpus(&c, 80, 5, 90, 11);
    wass_error_info e;
    size_t nq = 15;
    wass_bag *q = c.docs;       /* queries: the first 15 documents */
    wass_bag *cp = c.docs + nq; /* corpus: the rest */
    size_t nc = c.n - nq;
    for (int method = 0; method < 3; method++) {
        if (method == 0 && !have_emd) continue;
        wass_knn_options o;
        wass_knn_options_default(&o);
        o.k = 7;
        o.method = (wass_knn_method)method;
        o.prune = 0;
        o.wmd.threads = 1;
        wass_knn_result brute, pr, pr2;
        int rc = wass_knn(&c.wv, q, nq, cp, nc, &o, &brute, &e);
        CHECK_MSG(rc == WASS_OK, "%s", e.message);
        o.prune = 1;
        CHECK(wass_knn(&c.wv, q, nq, cp, nc, &o, &pr, &e) == WASS_OK);
        o.wmd.threads = 2;
        o.prune = 2;
        CHECK(wass_knn(&c.wv, q, nq, cp, nc, &o, &pr2, &e) == WASS_OK);
        for (int tight = 0; tight < 2 && method == 0; tight++)
            for (int prune = 1; prune <= 3; prune++) {
                wass_knn_result x;
                o.tight = tight;
                o.prune = prune;
                CHECK(wass_knn(&c.wv, q, nq, cp, nc, &o, &x, &e) == WASS_OK);
                int eq = 1;
                for (size_t i = 0; i < nq * o.k; i++)
                    if (x.index[i] != brute.index[i]) eq = 0;
                CHECK_MSG(eq, "tight %d prune %d differs from brute force", tight, prune);
                if (tight || prune == 3)
                    CHECK(x.pruned_ict > 0);
                else
                    CHECK(x.pruned_ict == 0);
                wass_knn_result_free(&x);
            }
        o.tight = 1;
        int same = 1;
        for (size_t i = 0; i < nq * o.k; i++)
            if (brute.index[i] != pr.index[i] || brute.index[i] != pr2.index[i] ||
                !(brute.dist[i] == pr.dist[i] || (isinf(brute.dist[i]) && isinf(pr.dist[i]))))
                same = 0;
        CHECK_MSG(same, "method %d: pruned kNN differs from brute force", method);
        /* sorted by (distance, index) */
        for (size_t qq = 0; qq < nq; qq++)
            for (size_t r = 1; r < o.k; r++) {
                double d0 = brute.dist[qq * o.k + r - 1], d1 = brute.dist[qq * o.k + r];
                CHECK(d0 < d1 ||
                      (d0 == d1 && brute.index[qq * o.k + r - 1] < brute.index[qq * o.k + r]) ||
                      (isinf(d0) && isinf(d1)));
            }
        if (method == 0) {
            CHECK(brute.exact_solves > pr.exact_solves);
            CHECK(pr.candidates == nq * nc);
            CHECK(pr.exact_solves + pr.pruned_rwmd + pr.pruned_wcd <= pr.candidates);
            CHECK(pr.empty_queries == brute.empty_queries);
            CHECK(brute.exact_solves > pr2.exact_solves);
            printf("knn: %llu (WCD order) and %llu (RWMD order) of %llu exact solves\n",
                   (unsigned long long)pr.exact_solves, (unsigned long long)pr2.exact_solves,
                   (unsigned long long)brute.exact_solves);
            /* brute force is really the exact WMD */
            wass_wmd_result r;
            CHECK(wass_wmd(&c.wv, &q[1], &cp[brute.index[1 * o.k + 2]], NULL, &r, &e) == WASS_OK);
            CHECK(r.distance == brute.dist[1 * o.k + 2]);
        }
        wass_knn_result_free(&brute);
        wass_knn_result_free(&pr);
        wass_knn_result_free(&pr2);
    }
    /* errors */
    wass_knn_options o;
    wass_knn_options_default(&o);
    o.k = 0;
    wass_knn_result r;
    CHECK(wass_knn(&c.wv, q, nq, cp, nc, &o, &r, &e) == WASS_ERR_INVALID);
    wass_knn_result_free(&r);
    free_corpus(&c);
}

static void test_classify(void) {
    /* two clusters of words; documents drawn from one cluster each */
    size_t vocab = 40, dim = 3;
    char **words = malloc(vocab * sizeof *words);
    float *vec = malloc(vocab * dim * sizeof *vec);
    uint64_t seed = 5;
    for (size_t i = 0; i < vocab; i++) {
        words[i] = malloc(24);
        snprintf(words[i], 24, "v%zu", i);
        for (size_t k = 0; k < dim; k++)
            vec[i * dim + k] = (float)((i < vocab / 2 ? 0 : 4) + test_rand_unif(&seed));
    }
    wass_wordvec wv;
    wass_error_info e;
    CHECK(wass_wordvec_from_arrays((const char *const *)words, vec, vocab, dim, &wv, &e) == 0);
    size_t n = 60;
    wass_bag *docs = calloc(n, sizeof *docs);
    int *lab = malloc(n * sizeof *lab);
    for (size_t d = 0; d < n; d++) {
        lab[d] = (int)(d % 2);
        size_t w[5];
        double cnt[5] = {1, 1, 1, 1, 1};
        for (int k = 0; k < 5; k++)
            w[k] = lab[d] * vocab / 2 + test_rand_u64(&seed) % (vocab / 2);
        CHECK(wass_bag_from_counts(w, cnt, 5, vocab, &docs[d], &e) == WASS_OK);
    }
    wass_classify_options o;
    wass_classify_options_default(&o);
    o.k_max = 7;
    o.knn.method = have_emd ? WASS_KNN_WMD : WASS_KNN_RWMD;
    wass_classify_result r;
    int rc = wass_knn_classify(&wv, docs, lab, 40, docs + 40, lab + 40, 20, &o, &r, &e);
    CHECK_MSG(rc == WASS_OK, "%s", e.message);
    if (rc == WASS_OK) {
        CHECK(r.k >= 1 && r.k <= 7 && r.k % 2 == 1);
        CHECK(r.test_error == 0.0);
        CHECK(r.cv_error[0] == 0.0 && isnan(r.cv_error[1]));
        for (size_t i = 0; i < 20; i++)
            CHECK(r.predicted[i] == lab[40 + i]);
    }
    wass_classify_result_free(&r);
    wass_classify_result_free(&r); /* twice is fine */
    /* a vote with a tie goes to the label whose neighbour is nearest */
    size_t idx[4] = {3, 1, 0, 2};
    double dist[4] = {0.1, 0.2, 0.3, 0.4};
    int labels[4] = {0, 1, 0, 1};
    wass_knn_result kr = {1, 4, idx, dist, 0, 0, 0, 0, 0, 0, 0};
    int pred;
    CHECK(wass_knn_vote(&kr, 4, labels, &pred, &e) == WASS_OK && pred == 1);
    CHECK(wass_knn_vote(&kr, 3, labels, &pred, &e) == WASS_OK && pred == 1);
    labels[0] = 2; /* neighbour 2 now votes for 2, neighbours 3,1 for 1 */
    CHECK(wass_knn_vote(&kr, 3, labels, &pred, &e) == WASS_OK && pred == 1);
    CHECK(wass_knn_vote(&kr, 5, labels, &pred, &e) == WASS_ERR_INVALID);
    for (size_t d = 0; d < n; d++)
        wass_bag_free(&docs[d]);
    free(docs);
    free(lab);
    for (size_t i = 0; i < vocab; i++)
        free(words[i]);
    free(words);
    free(vec);
    wass_wordvec_free(&wv);
}

static void test_bad_input(void) {
    wass_wordvec wv;
    make_vocab(&wv);
    wass_error_info e;
    size_t w[1] = {9};
    double cnt[1] = {1};
    wass_bag b;
    CHECK(wass_bag_from_counts(w, cnt, 1, wv.count, &b, &e) == WASS_ERR_SIZE);
    w[0] = 1;
    cnt[0] = -1;
    CHECK(wass_bag_from_counts(w, cnt, 1, wv.count, &b, &e) == WASS_ERR_NEGATIVE);
    wass_bag a;
    bag(&wv, "alpha beta", NULL, &a);
    a.word[1] = 99; /* corrupted bag */
    wass_wmd_result r;
    CHECK(wass_wmd(&wv, &a, &a, NULL, &r, &e) == WASS_ERR_SIZE);
    CHECK(strstr(e.message, "vocabulary") != NULL);
    a.word[1] = 1;
    wass_wmd_options o;
    wass_wmd_options_default(&o);
    o.distance = (wass_wmd_distance)7;
    CHECK(wass_wmd(&wv, &a, &a, &o, &r, &e) == WASS_ERR_INVALID);
    wass_wmd_distance dd;
    CHECK(wass_wmd_distance_parse("cosine", &dd) == WASS_OK && dd == WASS_WMD_COSINE);
    CHECK(wass_wmd_distance_parse("manhattan", &dd) == WASS_ERR_INVALID);
    wass_bag_free(&a);
    wass_wordvec_free(&wv);
}

/* D9: near words with a large common component: |x|^2 + |y|^2 - 2 x.y
 * cancelled to 0 (WMD 0 below its own bound WCD 0.112); M6: counts summing
 * to infinity. */
static void test_cancellation(void) {
    const char *words[2] = {"a", "b"};
    for (int e = 3; e <= 8; e++) {
        float big = (float)pow(10.0, e);
        float vec[6] = {big, 0.5f, 0.25f, big, 0.6f, 0.2f};
        wass_wordvec wv;
        wass_error_info err;
        CHECK(wass_wordvec_from_arrays(words, vec, 2, 3, &wv, &err) == WASS_OK);
        size_t ia = 0, ib = 1;
        double one = 1.0;
        wass_bag a, b;
        CHECK(wass_bag_from_counts(&ia, &one, 1, 2, &a, &err) == WASS_OK);
        CHECK(wass_bag_from_counts(&ib, &one, 1, 2, &b, &err) == WASS_OK);
        double want = sqrt(/* the float32 coordinates' exact distance */
                           ((double)0.5f - (double)0.6f) * ((double)0.5f - (double)0.6f) +
                           ((double)0.25f - (double)0.2f) * ((double)0.25f - (double)0.2f));
        wass_wmd_result r;
        if (have_emd) {
            CHECK(wass_wmd(&wv, &a, &b, NULL, &r, &err) == WASS_OK);
            CHECK_MSG(fabs(r.distance - want) <= 1e-12 * want, "1e%d: WMD %.17g, want %.17g", e,
                      r.distance, want);
            CHECK_MSG(r.distance >= r.wcd && r.distance >= r.rwmd, "1e%d: WMD %.17g < bound", e,
                      r.distance);
        }
        double rw;
        CHECK(wass_rwmd(&wv, &a, &b, NULL, &rw, &err) == WASS_OK);
        CHECK_MSG(fabs(rw - want) <= 1e-12 * want, "1e%d: RWMD %.17g, want %.17g", e, rw, want);
        wass_bag_free(&a);
        wass_bag_free(&b);
        wass_wordvec_free(&wv);
    }
    size_t w2[2] = {0, 1};
    double huge[2] = {1.5e308, 1.5e308};
    wass_bag c;
    wass_error_info err;
    CHECK(wass_bag_from_counts(w2, huge, 2, 2, &c, &err) == WASS_ERR_NAN);
    CHECK_MSG(strstr(err.message, "sum to infinity") != NULL, "%s", err.message);
}

int main(void) {
    test_hand_values();
    test_tokenizer();
    test_tfidf();
    test_bounds_random();
    test_knn();
    test_classify();
    test_bad_input();
    test_cancellation();
    return test_main_end("test_wmd");
}
