/*
 * cmd_knn.c - `wass knn`: k-nearest-neighbour classification of documents
 * under the Word Mover's Distance (or its bounds WCD / RWMD), exact, with
 * Kusner's prefetch-and-prune; k fixed or chosen by cross-validation.
 */
#include "wmd_cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f, "usage: wass knn --vectors V --train DIR|FILE --test DIR|FILE [-k K] [options]\n"
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
               "Exit status 0 on success, 2 on bad input.\n");
}

static const char *method_name(wass_knn_method m) {
    return m == WASS_KNN_WCD ? "wcd" : m == WASS_KNN_RWMD ? "rwmd" : "wmd";
}

static const char *prune_name(int p) {
    return p == 0 ? "none" : p == 1 ? "kusner" : p == 2 ? "rwmd" : "ict";
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
    const char *vectors = NULL, *train_path = NULL, *test_path = NULL, *v;
    const char *cache_dir = NULL;
    long k = 0, k_max = 19, folds = 5, seed = 0, threads = 0, max_train = 0, max_test = 0;
    int json = 0, tfidf = 0, use_cache = 1, predictions = 0, r;
    wmd_text_args ta = {NULL, 1, 0};
    wass_classify_options co;
    wass_classify_options_default(&co);
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return CLI_OK;
        }
        if ((r = cli_opt(cmd, argc, argv, &i, "--vectors", &v))) {
            if (r < 0) return CLI_BAD_INPUT;
            vectors = v;
        } else if ((r = cli_opt(cmd, argc, argv, &i, "--cache-dir", &v))) {
            if (r < 0) return CLI_BAD_INPUT;
            cache_dir = v;
        } else if ((r = cli_opt(cmd, argc, argv, &i, "--train", &v))) {
            if (r < 0) return CLI_BAD_INPUT;
            train_path = v;
        } else if ((r = cli_opt(cmd, argc, argv, &i, "--test", &v))) {
            if (r < 0) return CLI_BAD_INPUT;
            test_path = v;
        } else if ((r = cli_opt(cmd, argc, argv, &i, "-k", &v))) {
            if (r < 0 || !cli_parse_long(cmd, "-k", v, 1, 100000, &k)) return CLI_BAD_INPUT;
        } else if ((r = cli_opt(cmd, argc, argv, &i, "--k-max", &v))) {
            if (r < 0 || !cli_parse_long(cmd, "--k-max", v, 1, 100000, &k_max))
                return CLI_BAD_INPUT;
        } else if ((r = cli_opt(cmd, argc, argv, &i, "--folds", &v))) {
            if (r < 0 || !cli_parse_long(cmd, "--folds", v, 2, 1000, &folds)) return CLI_BAD_INPUT;
        } else if ((r = cli_opt(cmd, argc, argv, &i, "--seed", &v))) {
            if (r < 0 || !cli_parse_long(cmd, "--seed", v, 0, 2147483647L, &seed))
                return CLI_BAD_INPUT;
        } else if ((r = cli_opt(cmd, argc, argv, &i, "--threads", &v))) {
            if (r < 0 || !cli_parse_long(cmd, "--threads", v, 0, 4096, &threads))
                return CLI_BAD_INPUT;
        } else if ((r = cli_opt(cmd, argc, argv, &i, "--max-train", &v))) {
            if (r < 0 || !cli_parse_long(cmd, "--max-train", v, 1, 100000000L, &max_train))
                return CLI_BAD_INPUT;
        } else if ((r = cli_opt(cmd, argc, argv, &i, "--max-test", &v))) {
            if (r < 0 || !cli_parse_long(cmd, "--max-test", v, 1, 100000000L, &max_test))
                return CLI_BAD_INPUT;
        } else if ((r = cli_opt(cmd, argc, argv, &i, "--method", &v))) {
            if (r < 0) return CLI_BAD_INPUT;
            if (strcmp(v, "wmd") == 0)
                co.knn.method = WASS_KNN_WMD;
            else if (strcmp(v, "wcd") == 0)
                co.knn.method = WASS_KNN_WCD;
            else if (strcmp(v, "rwmd") == 0)
                co.knn.method = WASS_KNN_RWMD;
            else {
                cli_error(cmd, "--method: expected wmd, wcd or rwmd, found '%s'", v);
                return CLI_BAD_INPUT;
            }
        } else if ((r = cli_opt(cmd, argc, argv, &i, "--distance", &v))) {
            if (r < 0) return CLI_BAD_INPUT;
            if (wass_wmd_distance_parse(v, &co.knn.wmd.distance)) {
                cli_error(cmd, "--distance: expected euclidean or cosine, found '%s'", v);
                return CLI_BAD_INPUT;
            }
        } else if ((r = wmd_text_arg(cmd, argc, argv, &i, &ta))) {
            if (r < 0) return CLI_BAD_INPUT;
        } else if ((r = cli_flag(cmd, argv, i, "--normalize"))) {
            if (r < 0) return CLI_BAD_INPUT;
            co.knn.wmd.normalize = 1;
        } else if ((r = cli_opt(cmd, argc, argv, &i, "--prune", &v))) {
            if (r < 0) return CLI_BAD_INPUT;
            if (strcmp(v, "kusner") == 0)
                co.knn.prune = 1;
            else if (strcmp(v, "rwmd") == 0)
                co.knn.prune = 2;
            else if (strcmp(v, "ict") == 0)
                co.knn.prune = 3;
            else if (strcmp(v, "none") == 0)
                co.knn.prune = 0;
            else {
                cli_error(cmd, "--prune: expected rwmd, kusner, ict or none, found '%s'", v);
                return CLI_BAD_INPUT;
            }
        } else if ((r = cli_flag(cmd, argv, i, "--no-ict"))) {
            if (r < 0) return CLI_BAD_INPUT;
            co.knn.tight = 0;
        } else if ((r = cli_flag(cmd, argv, i, "--no-prune"))) {
            if (r < 0) return CLI_BAD_INPUT;
            co.knn.prune = 0;
        } else if ((r = cli_flag(cmd, argv, i, "--tfidf"))) {
            if (r < 0) return CLI_BAD_INPUT;
            tfidf = 1;
        } else if ((r = cli_flag(cmd, argv, i, "--no-cache"))) {
            if (r < 0) return CLI_BAD_INPUT;
            use_cache = 0;
        } else if ((r = cli_flag(cmd, argv, i, "--predictions"))) {
            if (r < 0) return CLI_BAD_INPUT;
            predictions = 1;
        } else if ((r = cli_flag(cmd, argv, i, "--json"))) {
            if (r < 0) return CLI_BAD_INPUT;
            json = 1;
        } else {
            cli_error(cmd, "unknown argument '%s' (see 'wass knn --help')", argv[i]);
            return CLI_BAD_INPUT;
        }
    }
    if (!train_path || !test_path) {
        cli_error(cmd, "--train and --test are required (see 'wass knn --help')");
        return CLI_BAD_INPUT;
    }
    double t0 = wmd_now();
    wass_wordvec wv;
    int rc = wmd_load_vectors(cmd, vectors, use_cache, cache_dir, &wv);
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
            cli_json_str(&j, "method", method_name(co.knn.method));
            cli_json_str(&j, "prune", prune_name(co.knn.prune));
            cli_json_str(&j, "distance",
                         co.knn.wmd.distance == WASS_WMD_COSINE ? "cosine" : "euclidean");
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
            printf("method %s%s, k = %zu%s, %zu training and %zu test documents, %zu labels\n",
                   method_name(co.knn.method),
                   co.knn.prune == 0   ? " (brute force)"
                   : co.knn.prune == 1 ? " (prune: kusner)"
                   : co.knn.prune == 2 ? " (prune: rwmd)"
                                       : " (prune: ict)",
                   res.k, k == 0 ? " (cross-validation)" : "", ntrain, ntest, ntrain_labels);
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
