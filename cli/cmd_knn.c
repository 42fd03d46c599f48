/*
 * cmd_knn.c - `wass knn`: k-nearest-neighbour classification of documents
 * under the Word Mover's Distance (or its bounds WCD / RWMD), exact, with
 * Kusner's prefetch-and-prune; k fixed or chosen by cross-validation.
 */
#include "wmd_cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const knn_usage =
    "usage: wass knn --vectors V --train DIR|FILE --test DIR|FILE [-k K] [options]\n"
    "\n"
    "Classifies each test document by a majority vote of its k nearest training\n"
    "documents under the Word Mover's Distance (exact; prefetch-and-prune skips\n"
    "the exact solves that cannot change the k nearest). Without -k, k is chosen\n"
    "among 1, 3, .., --k-max by cross-validation on the training set.\n"
    "\n"
    "  --train, --test    DIR: DIR/<label>/<document> files (labels are the\n"
    "                     folder names); FILE: one document a line,\n"
    "                     '<label><TAB><text>'\n"
    "  --vectors V        word vectors (see 'wass wmd --help'); --no-cache,\n"
    "                     --cache-dir DIR\n"
    "  -k K               neighbours (default: cross-validation)\n"
    "  --k-max K          largest k tried by cross-validation (default 19)\n"
    "  --folds F          cross-validation folds (default 5)\n"
    "  --seed S           seed of the fold assignment (default 0)\n"
    "  --method M         wmd (default), wcd or rwmd: what ranks neighbours\n"
    "  --prune P          rwmd (default): every RWMD first, exact solves in RWMD\n"
    "                     order until it reaches the k-th distance;\n"
    "                     kusner: corpus in WCD order, RWMD skips (Kusner et al.);\n"
    "                     ict: every ICT bound first, exact solves in ICT order;\n"
    "                     none: brute force (exact WMD to every document)\n"
    "  --no-prune         the same as --prune none\n"
    "  --no-ict           prune with RWMD alone (default: also the tighter ICT\n"
    "                     bound where RWMD cannot skip a solve)\n"
    "  --threads N        threads (default: all cores)\n"
    "  --max-train N, --max-test N   use only the first N documents\n"
    "  --stopwords F, --min-len N, --keep-non-ascii, --distance D, --normalize,\n"
    "  --tfidf            as for 'wass wmd' (idf from the training set)\n"
    "  --predictions      print 'index predicted true' per test document\n"
    "  --json             JSON output\n"
    "\n"
    "Exit status 0 on success, 2 on bad input.\n";

static int parse_method(const char *cmd, const char *name, const char *v, void *target) {
    if (wass_knn_method_parse(v, target) == WASS_OK) return 1;
    cli_error(cmd, "%s: expected wmd, wcd or rwmd, found '%s'", name, v);
    return 0;
}

static int parse_prune(const char *cmd, const char *name, const char *v, void *target) {
    if (wass_knn_prune_parse(v, target) == WASS_OK) return 1;
    cli_error(cmd, "%s: expected rwmd, kusner, ict or none, found '%s'", name, v);
    return 0;
}

static int set_no_prune(const char *cmd, const char *name, const char *v, void *target) {
    *(wass_knn_prune *)target = WASS_PRUNE_NONE;
    return 1;
}

static int set_no_ict(const char *cmd, const char *name, const char *v, void *target) {
    *(int *)target = 0;
    return 1;
}

static int bags_of(const char *cmd, const wass_wordvec *wv, const wmd_docs *d, size_t n,
                   const wass_text_options *to, wass_bag **out, size_t *empty, size_t *oov,
                   size_t *kept) {
    wass_bag *b = calloc(n ? n : 1, sizeof *b);
    if (!b) {
        cli_error(cmd, "out of memory");
        return CLI_FAILURE;
    }
    *empty = *oov = *kept = 0;
    for (size_t i = 0; i < n; i++) {
        wass_error_info e;
        if (wass_bag_from_text(wv, d->text[i], d->len[i], to, &b[i], &e)) {
            for (size_t k = 0; k < i; k++)
                wass_bag_free(&b[k]);
            free(b);
            return cli_lib_error(cmd, &e);
        }
        *empty += b[i].len == 0;
        *oov += b[i].oov_dropped;
        *kept += b[i].kept;
    }
    *out = b;
    return CLI_OK;
}

/* What `wass knn` was asked and what it loaded. */
typedef struct {
    const char *vectors, *train_path, *test_path;
    long k, k_max, folds, seed, threads, max_train, max_test;
    int json, tfidf, no_cache, predictions;
    const char *cache_dir; /* --cache-dir: where the vector cache lives */
    wmd_text_args ta;
    wass_classify_options co;
    double t0, t_vec;
    wass_wordvec wv;
    wass_stopwords sw;
    int have_sw;
    wmd_docs train, test;
    wmd_labels names;
    wass_bag *btrain, *btest;
    size_t ntrain, ntest, ntrain_labels, empty_train, empty_test, oov, kept;
    wass_classify_result res;
} knn_ctx;

static int parse_args(int argc, char **argv, knn_ctx *c) {
    const char *cmd = "knn";
    c->k_max = 19;
    c->folds = 5;
    c->ta.min_len = 1;
    wass_classify_options_default(&c->co);
    cli_option text_options[WMD_TEXT_OPTIONS];
    wmd_text_table(&c->ta, text_options);
    const cli_option options[] = {
        CLI_OPT_STR("--vectors", &c->vectors),
        CLI_OPT_STR("--train", &c->train_path),
        CLI_OPT_STR("--test", &c->test_path),
        CLI_OPT_LONG("-k", &c->k, 1, 100000),
        CLI_OPT_LONG("--k-max", &c->k_max, 1, 100000),
        CLI_OPT_LONG("--folds", &c->folds, 2, 1000),
        CLI_OPT_LONG("--seed", &c->seed, 0, 2147483647L),
        CLI_OPT_LONG("--threads", &c->threads, 0, 4096),
        CLI_OPT_LONG("--max-train", &c->max_train, 1, 100000000L),
        CLI_OPT_LONG("--max-test", &c->max_test, 1, 100000000L),
        CLI_OPT_FN("--method", parse_method, &c->co.knn.method),
        CLI_OPT_FN("--distance", wmd_parse_distance, &c->co.knn.wmd.distance),
        CLI_OPT_FLAG("--normalize", &c->co.knn.wmd.normalize),
        CLI_OPT_FN("--prune", parse_prune, &c->co.knn.prune),
        CLI_OPT_FN_FLAG("--no-ict", set_no_ict, &c->co.knn.tight),
        CLI_OPT_FN_FLAG("--no-prune", set_no_prune, &c->co.knn.prune),
        CLI_OPT_FLAG("--tfidf", &c->tfidf),
        CLI_OPT_FLAG("--no-cache", &c->no_cache),
        CLI_OPT_STR("--cache-dir", &c->cache_dir),
        CLI_OPT_FLAG("--predictions", &c->predictions),
        CLI_OPT_FLAG("--json", &c->json),
        CLI_OPT_END};
    const cli_command_line cl = {.cmd = cmd,
                                 .usage = knn_usage,
                                 .options = options,
                                 .shared = text_options,
                                 .max_pos = 0,
                                 .extra = "unknown argument '%s' (see 'wass knn --help')",
                                 .unknown = "argument",
                                 .no_end_marker = 1};
    int npos, rc = cli_parse_args(&cl, argc, argv, &npos);
    if (rc) return rc;
    if (!c->train_path || !c->test_path) {
        cli_error(cmd, "--train and --test are required (see 'wass knn --help')");
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}

/* Stop words, both document sets and their bags of words. */
static int load_documents(const char *cmd, knn_ctx *c) {
    int rc = wmd_load_stopwords(cmd, &c->ta, &c->sw, &c->have_sw);
    if (!rc) rc = wmd_load_docs(cmd, c->train_path, &c->train, &c->names);
    c->ntrain_labels = c->names.n;
    if (!rc) rc = wmd_load_docs(cmd, c->test_path, &c->test, &c->names);
    if (rc) return rc;
    size_t o2 = 0, k2 = 0;
    c->ntrain =
        c->max_train && (size_t)c->max_train < c->train.n ? (size_t)c->max_train : c->train.n;
    c->ntest = c->max_test && (size_t)c->max_test < c->test.n ? (size_t)c->max_test : c->test.n;
    wass_text_options to;
    wass_text_options_default(&to);
    to.min_len = c->ta.min_len;
    to.keep_non_ascii = c->ta.keep_non_ascii;
    to.stop = c->have_sw ? &c->sw : NULL;
    rc = bags_of(cmd, &c->wv, &c->train, c->ntrain, &to, &c->btrain, &c->empty_train, &c->oov,
                 &c->kept);
    if (!rc)
        rc = bags_of(cmd, &c->wv, &c->test, c->ntest, &to, &c->btest, &c->empty_test, &o2, &k2);
    c->oov += o2;
    c->kept += k2;
    return rc;
}

/* TF-IDF weights, idf from the training set. */
static int apply_tfidf(const char *cmd, knn_ctx *c) {
    double *idf = malloc(c->wv.count * sizeof *idf);
    wass_error_info e;
    if (!idf) {
        cli_error(cmd, "out of memory");
        return CLI_FAILURE;
    }
    int lr = wass_idf_fit(c->btrain, c->ntrain, c->wv.count, idf, &e);
    for (size_t i = 0; i < c->ntrain && !lr; i++)
        lr = wass_bag_apply_idf(&c->btrain[i], idf, &e);
    for (size_t i = 0; i < c->ntest && !lr; i++)
        lr = wass_bag_apply_idf(&c->btest[i], idf, &e);
    free(idf);
    return lr ? cli_lib_error(cmd, &e) : CLI_OK;
}

static int classify(const char *cmd, knn_ctx *c) {
    wass_classify_options *co = &c->co;
    co->k = (size_t)c->k;
    co->k_max = (size_t)c->k_max;
    co->folds = (size_t)c->folds;
    co->seed = (uint64_t)c->seed;
    co->knn.wmd.threads = (int)c->threads;
    cli_progress_state prog = {cmd, 0, -1};
    cli_progress_attach(&prog, &co->knn.progress, &co->knn.progress_user);
    wass_error_info e;
    int lr = wass_knn_classify(&c->wv, c->btrain, c->train.label, c->ntrain, c->btest,
                               c->test.label, c->ntest, co, &c->res, &e);
    cli_progress_done(&prog);
    return lr ? cli_lib_error(cmd, &e) : CLI_OK;
}

static void print_json(const knn_ctx *c, double total) {
    const wass_classify_result *res = &c->res;
    uint64_t cand = res->knn.candidates, ex = res->knn.exact_solves;
    cli_json j;
    cli_json_begin(&j, stdout);
    cli_json_str(&j, "method", wass_knn_method_name(c->co.knn.method));
    cli_json_str(&j, "prune", wass_knn_prune_name(c->co.knn.prune));
    cli_json_str(&j, "distance", wass_wmd_distance_name(c->co.knn.wmd.distance));
    cli_json_str(&j, "weights", c->tfidf ? "tfidf" : "nbow");
    cli_json_int(&j, "train", (long long)c->ntrain);
    cli_json_int(&j, "test", (long long)c->ntest);
    cli_json_int(&j, "labels", (long long)c->ntrain_labels);
    cli_json_int(&j, "k", (long long)res->k);
    cli_json_bool(&j, "k_by_cv", c->k == 0);
    cli_json_num(&j, "test_error", res->test_error);
    for (size_t kk = 1; kk <= res->k_max; kk += 2) {
        char key[32];
        snprintf(key, sizeof key, "cv_error_k%zu", kk);
        if (!isnan(res->cv_error[kk - 1])) cli_json_num(&j, key, res->cv_error[kk - 1]);
    }
    cli_json_int(&j, "test_candidates", (long long)cand);
    cli_json_int(&j, "test_exact_solves", (long long)ex);
    cli_json_int(&j, "test_pruned_wcd", (long long)res->knn.pruned_wcd);
    cli_json_int(&j, "test_pruned_rwmd", (long long)res->knn.pruned_rwmd);
    cli_json_int(&j, "test_pruned_ict", (long long)res->knn.pruned_ict);
    cli_json_bool(&j, "ict", c->co.knn.tight);
    cli_json_num(&j, "test_avoided_share", cand ? 1.0 - (double)ex / (double)cand : 0.0);
    cli_json_num(&j, "test_knn_seconds", res->knn.seconds);
    cli_json_int(&j, "all_candidates", (long long)res->candidates);
    cli_json_int(&j, "all_exact_solves", (long long)res->exact_solves);
    cli_json_num(&j, "classify_seconds", res->seconds);
    cli_json_num(&j, "vectors_seconds", c->t_vec);
    cli_json_bool(&j, "vectors_from_cache", c->wv.from_cache);
    cli_json_num(&j, "total_seconds", total);
    cli_json_int(&j, "tokens_kept", (long long)c->kept);
    cli_json_int(&j, "tokens_oov", (long long)c->oov);
    cli_json_int(&j, "empty_train", (long long)c->empty_train);
    cli_json_int(&j, "empty_test", (long long)c->empty_test);
    cli_json_end(&j);
}

static void print_text(const knn_ctx *c, double total) {
    const wass_classify_result *res = &c->res;
    uint64_t cand = res->knn.candidates, ex = res->knn.exact_solves;
    double avoided = cand ? 1.0 - (double)ex / (double)cand : 0.0;
    int brute = c->co.knn.prune == WASS_PRUNE_NONE;
    printf("method %s%s%s%s, k = %zu%s, %zu training and %zu test documents, %zu labels\n",
           wass_knn_method_name(c->co.knn.method), brute ? " (brute force)" : " (prune: ",
           brute ? "" : wass_knn_prune_name(c->co.knn.prune), brute ? "" : ")", res->k,
           c->k == 0 ? " (cross-validation)" : "", c->ntrain, c->ntest, c->ntrain_labels);
    if (c->k == 0) {
        printf("cross-validation error:");
        for (size_t kk = 1; kk <= res->k_max; kk += 2)
            if (!isnan(res->cv_error[kk - 1])) printf(" k=%zu %.4f", kk, res->cv_error[kk - 1]);
        printf("\n");
    }
    if (!isnan(res->test_error)) printf("test error %.4f\n", res->test_error);
    printf("test queries: %llu candidates, %llu exact WMD solves (%.1f%% avoided: "
           "%llu by WCD, %llu by RWMD, %llu by ICT), %.3f s\n",
           (unsigned long long)cand, (unsigned long long)ex, 100 * avoided,
           (unsigned long long)res->knn.pruned_wcd, (unsigned long long)res->knn.pruned_rwmd,
           (unsigned long long)res->knn.pruned_ict, res->knn.seconds);
    printf("tokens: %zu kept, %zu out of vocabulary; total %.3f s\n", c->kept, c->oov, total);
    if (c->predictions)
        for (size_t i = 0; i < c->ntest; i++) {
            int p = res->predicted[i];
            printf("%zu %s %s\n", i, p >= 0 ? c->names.name[p] : "-",
                   c->names.name[c->test.label[i]]);
        }
}

static void knn_ctx_free(knn_ctx *c) {
    wass_classify_result_free(&c->res);
    for (size_t i = 0; i < c->ntrain && c->btrain; i++)
        wass_bag_free(&c->btrain[i]);
    for (size_t i = 0; i < c->ntest && c->btest; i++)
        wass_bag_free(&c->btest[i]);
    free(c->btrain);
    free(c->btest);
    wmd_docs_free(&c->train);
    wmd_docs_free(&c->test);
    wmd_labels_free(&c->names);
    if (c->have_sw) wass_stopwords_free(&c->sw);
    wass_wordvec_free(&c->wv);
}

int cmd_knn(int argc, char **argv) {
    const char *cmd = "knn";
    knn_ctx c;
    memset(&c, 0, sizeof c);
    int rc = parse_args(argc, argv, &c);
    if (rc) return rc == CLI_HELP ? CLI_OK : rc;
    c.t0 = wmd_now();
    rc = wmd_load_vectors(cmd, c.vectors, !c.no_cache, c.cache_dir, &c.wv);
    if (rc) return rc;
    c.t_vec = wmd_now() - c.t0;
    rc = load_documents(cmd, &c);
    if (!rc && c.tfidf) rc = apply_tfidf(cmd, &c);
    if (!rc && (c.empty_train || c.empty_test))
        fprintf(stderr,
                "wass %s: warning: %zu training and %zu test documents have no word with a "
                "vector after filtering (their distances are inf)\n",
                cmd, c.empty_train, c.empty_test);
    if (!rc) rc = classify(cmd, &c);
    if (!rc) {
        double total = wmd_now() - c.t0;
        if (c.json)
            print_json(&c, total);
        else
            print_text(&c, total);
    }
    knn_ctx_free(&c);
    return rc;
}
