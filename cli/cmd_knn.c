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

int cmd_knn(int argc, char **argv) {
    const char *cmd = "knn";
    const char *vectors = NULL, *train_path = NULL, *test_path = NULL;
    long k = 0, k_max = 19, folds = 5, seed = 0, threads = 0, max_train = 0, max_test = 0;
    int json = 0, tfidf = 0, no_cache = 0, predictions = 0;
    const char *cache_dir = NULL;
    wmd_text_args ta = {NULL, 1, 0};
    wass_classify_options co;
    wass_classify_options_default(&co);
    cli_option text_options[WMD_TEXT_OPTIONS];
    wmd_text_table(&ta, text_options);
    const cli_option options[] = {
        CLI_OPT_STR("--vectors", &vectors),
        CLI_OPT_STR("--train", &train_path),
        CLI_OPT_STR("--test", &test_path),
        CLI_OPT_LONG("-k", &k, 1, 100000),
        CLI_OPT_LONG("--k-max", &k_max, 1, 100000),
        CLI_OPT_LONG("--folds", &folds, 2, 1000),
        CLI_OPT_LONG("--seed", &seed, 0, 2147483647L),
        CLI_OPT_LONG("--threads", &threads, 0, 4096),
        CLI_OPT_LONG("--max-train", &max_train, 1, 100000000L),
        CLI_OPT_LONG("--max-test", &max_test, 1, 100000000L),
        CLI_OPT_FN("--method", parse_method, &co.knn.method),
        CLI_OPT_FN("--distance", wmd_parse_distance, &co.knn.wmd.distance),
        CLI_OPT_FLAG("--normalize", &co.knn.wmd.normalize),
        CLI_OPT_FN("--prune", parse_prune, &co.knn.prune),
        CLI_OPT_FN_FLAG("--no-ict", set_no_ict, &co.knn.tight),
        CLI_OPT_FN_FLAG("--no-prune", set_no_prune, &co.knn.prune),
        CLI_OPT_FLAG("--tfidf", &tfidf),
        CLI_OPT_FLAG("--no-cache", &no_cache),
        CLI_OPT_STR("--cache-dir", &cache_dir),
        CLI_OPT_FLAG("--predictions", &predictions),
        CLI_OPT_FLAG("--json", &json),
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
    if (rc) return rc == CLI_HELP ? CLI_OK : rc;
    int use_cache = !no_cache;
    if (!train_path || !test_path) {
        cli_error(cmd, "--train and --test are required (see 'wass knn --help')");
        return CLI_BAD_INPUT;
    }
    double t0 = wmd_now();
    wass_wordvec wv;
    rc = wmd_load_vectors(cmd, vectors, use_cache, cache_dir, &wv);
    if (rc) return rc;
    double t_vec = wmd_now() - t0;
    wass_stopwords sw;
    int have_sw = 0;
    wmd_docs train, test;
    memset(&train, 0, sizeof train);
    memset(&test, 0, sizeof test);
    wmd_labels names = {0, NULL};
    wass_bag *btrain = NULL, *btest = NULL;
    size_t ntrain = 0, ntest = 0;
    wass_classify_result res;
    memset(&res, 0, sizeof res);
    rc = wmd_load_stopwords(cmd, &ta, &sw, &have_sw);
    if (!rc) rc = wmd_load_docs(cmd, train_path, &train, &names);
    size_t ntrain_labels = names.n;
    if (!rc) rc = wmd_load_docs(cmd, test_path, &test, &names);
    size_t empty_train = 0, empty_test = 0, oov = 0, kept = 0, o2 = 0, k2 = 0;
    if (!rc) {
        ntrain = max_train && (size_t)max_train < train.n ? (size_t)max_train : train.n;
        ntest = max_test && (size_t)max_test < test.n ? (size_t)max_test : test.n;
        wass_text_options to;
        wass_text_options_default(&to);
        to.min_len = ta.min_len;
        to.keep_non_ascii = ta.keep_non_ascii;
        to.stop = have_sw ? &sw : NULL;
        rc = bags_of(cmd, &wv, &train, ntrain, &to, &btrain, &empty_train, &oov, &kept);
        if (!rc) rc = bags_of(cmd, &wv, &test, ntest, &to, &btest, &empty_test, &o2, &k2);
        oov += o2;
        kept += k2;
    }
    if (!rc && tfidf) {
        double *idf = malloc(wv.count * sizeof *idf);
        wass_error_info e;
        if (!idf) {
            cli_error(cmd, "out of memory");
            rc = CLI_FAILURE;
        } else {
            int lr = wass_idf_fit(btrain, ntrain, wv.count, idf, &e);
            for (size_t i = 0; i < ntrain && !lr; i++)
                lr = wass_bag_apply_idf(&btrain[i], idf, &e);
            for (size_t i = 0; i < ntest && !lr; i++)
                lr = wass_bag_apply_idf(&btest[i], idf, &e);
            if (lr) rc = cli_lib_error(cmd, &e);
            free(idf);
        }
    }
    if (!rc && (empty_train || empty_test))
        fprintf(stderr,
                "wass %s: warning: %zu training and %zu test documents have no word with a "
                "vector after filtering (their distances are inf)\n",
                cmd, empty_train, empty_test);
    if (!rc) {
        co.k = (size_t)k;
        co.k_max = (size_t)k_max;
        co.folds = (size_t)folds;
        co.seed = (uint64_t)seed;
        co.knn.wmd.threads = (int)threads;
        cli_progress_state prog = {cmd, 0, -1};
        if (cli_progress_enabled()) {
            co.knn.progress = cli_progress;
            co.knn.progress_user = &prog;
        }
        wass_error_info e;
        int lr = wass_knn_classify(&wv, btrain, train.label, ntrain, btest, test.label, ntest, &co,
                                   &res, &e);
        cli_progress_done(&prog);
        if (lr) rc = cli_lib_error(cmd, &e);
    }
    if (!rc) {
        double total = wmd_now() - t0;
        uint64_t cand = res.knn.candidates, ex = res.knn.exact_solves;
        double avoided = cand ? 1.0 - (double)ex / (double)cand : 0.0;
        if (json) {
            cli_json j;
            cli_json_begin(&j, stdout);
            cli_json_str(&j, "method", wass_knn_method_name(co.knn.method));
            cli_json_str(&j, "prune", wass_knn_prune_name(co.knn.prune));
            cli_json_str(&j, "distance", wass_wmd_distance_name(co.knn.wmd.distance));
            cli_json_str(&j, "weights", tfidf ? "tfidf" : "nbow");
            cli_json_int(&j, "train", (long long)ntrain);
            cli_json_int(&j, "test", (long long)ntest);
            cli_json_int(&j, "labels", (long long)ntrain_labels);
            cli_json_int(&j, "k", (long long)res.k);
            cli_json_bool(&j, "k_by_cv", k == 0);
            cli_json_num(&j, "test_error", res.test_error);
            for (size_t kk = 1; kk <= res.k_max; kk += 2) {
                char key[32];
                snprintf(key, sizeof key, "cv_error_k%zu", kk);
                if (!isnan(res.cv_error[kk - 1])) cli_json_num(&j, key, res.cv_error[kk - 1]);
            }
            cli_json_int(&j, "test_candidates", (long long)cand);
            cli_json_int(&j, "test_exact_solves", (long long)ex);
            cli_json_int(&j, "test_pruned_wcd", (long long)res.knn.pruned_wcd);
            cli_json_int(&j, "test_pruned_rwmd", (long long)res.knn.pruned_rwmd);
            cli_json_int(&j, "test_pruned_ict", (long long)res.knn.pruned_ict);
            cli_json_bool(&j, "ict", co.knn.tight);
            cli_json_num(&j, "test_avoided_share", avoided);
            cli_json_num(&j, "test_knn_seconds", res.knn.seconds);
            cli_json_int(&j, "all_candidates", (long long)res.candidates);
            cli_json_int(&j, "all_exact_solves", (long long)res.exact_solves);
            cli_json_num(&j, "classify_seconds", res.seconds);
            cli_json_num(&j, "vectors_seconds", t_vec);
            cli_json_bool(&j, "vectors_from_cache", wv.from_cache);
            cli_json_num(&j, "total_seconds", total);
            cli_json_int(&j, "tokens_kept", (long long)kept);
            cli_json_int(&j, "tokens_oov", (long long)oov);
            cli_json_int(&j, "empty_train", (long long)empty_train);
            cli_json_int(&j, "empty_test", (long long)empty_test);
            cli_json_end(&j);
        } else {
            printf("method %s%s%s%s, k = %zu%s, %zu training and %zu test documents, %zu labels\n",
                   wass_knn_method_name(co.knn.method),
                   co.knn.prune == WASS_PRUNE_NONE ? " (brute force)" : " (prune: ",
                   co.knn.prune == WASS_PRUNE_NONE ? "" : wass_knn_prune_name(co.knn.prune),
                   co.knn.prune == WASS_PRUNE_NONE ? "" : ")", res.k,
                   k == 0 ? " (cross-validation)" : "", ntrain, ntest, ntrain_labels);
            if (k == 0) {
                printf("cross-validation error:");
                for (size_t kk = 1; kk <= res.k_max; kk += 2)
                    if (!isnan(res.cv_error[kk - 1]))
                        printf(" k=%zu %.4f", kk, res.cv_error[kk - 1]);
                printf("\n");
            }
            if (!isnan(res.test_error)) printf("test error %.4f\n", res.test_error);
            printf("test queries: %llu candidates, %llu exact WMD solves (%.1f%% avoided: "
                   "%llu by WCD, %llu by RWMD, %llu by ICT), %.3f s\n",
                   (unsigned long long)cand, (unsigned long long)ex, 100 * avoided,
                   (unsigned long long)res.knn.pruned_wcd, (unsigned long long)res.knn.pruned_rwmd,
                   (unsigned long long)res.knn.pruned_ict, res.knn.seconds);
            printf("tokens: %zu kept, %zu out of vocabulary; total %.3f s\n", kept, oov, total);
            if (predictions)
                for (size_t i = 0; i < ntest; i++) {
                    int p = res.predicted[i];
                    printf("%zu %s %s\n", i, p >= 0 ? names.name[p] : "-",
                           names.name[test.label[i]]);
                }
        }
    }
    wass_classify_result_free(&res);
    for (size_t i = 0; i < ntrain && btrain; i++)
        wass_bag_free(&btrain[i]);
    for (size_t i = 0; i < ntest && btest; i++)
        wass_bag_free(&btest[i]);
    free(btrain);
    free(btest);
    wmd_docs_free(&train);
    wmd_docs_free(&test);
    wmd_labels_free(&names);
    if (have_sw) wass_stopwords_free(&sw);
    wass_wordvec_free(&wv);
    return rc;
}
