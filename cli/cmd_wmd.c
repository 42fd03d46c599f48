/*
 * cmd_wmd.c - `wass wmd`: Word Mover's Distance between two documents (and
 * its lower bounds WCD and RWMD), or between the two texts of every line of a
 * pairs file.
 */
#include "wmd_cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const wmd_usage =
    "usage: wass wmd DOC1 DOC2 --vectors V [options]\n"
    "       wass wmd --text TEXT1 TEXT2 --vectors V [options]\n"
    "       wass wmd --pairs FILE --vectors V [options]\n"
    "\n"
    "Word Mover's Distance (Kusner et al. 2015): the exact optimal transport\n"
    "between the bags of words of two documents, the cost of moving one word\n"
    "to another being the distance between their word vectors. Also prints\n"
    "the word centroid distance (WCD) and relaxed WMD (RWMD), lower bounds.\n"
    "\n"
    "  DOC1 DOC2          text files (or, with --text, the texts themselves)\n"
    "  --pairs FILE       one pair a line, 'TEXT1<TAB>TEXT2'; prints one line\n"
    "                     'wmd wcd rwmd' per pair (JSON: one object a line)\n"
    "  --vectors V        word vectors: word2vec text or binary, GloVe text,\n"
    "                     wink-embeddings JSON, or a .wassvec cache (a cache\n"
    "                     of V is written to the cache directory and reused)\n"
    "  --cache-dir DIR    the cache directory (default $WASS_CACHE_DIR, else\n"
    "                     $XDG_CACHE_HOME/wass, else ~/.cache/wass; never\n"
    "                     beside V); --no-cache: neither read nor write one\n"
    "  --stopwords F      stop-word file (one word a line), 'en' for the\n"
    "                     shipped share/stopwords_en.txt, 'none' (default)\n"
    "  --distance D       euclidean (default) or cosine (1 - cos)\n"
    "  --normalize        unit-normalize word vectors (euclidean)\n"
    "  --tfidf            TF-IDF weights, idf over the documents given\n"
    "  --min-len N        drop tokens shorter than N bytes (default 1)\n"
    "  --keep-non-ascii   bytes >= 0x80 belong to tokens (default: separators)\n"
    "  --json             JSON output\n"
    "\n"
    "Tokens are lowercased runs of ASCII letters and digits. Words without a\n"
    "vector are dropped and counted. A document left empty gets distance inf\n"
    "and a warning.\n";

typedef struct {
    wass_wordvec wv;
    wass_stopwords sw;
    int have_sw;
    wass_text_options to;
    wass_wmd_options wo;
    int tfidf, json;
} ctx;

static int make_bag(const char *cmd, ctx *c, const char *text, size_t len, wass_bag *b) {
    wass_error_info e;
    int rc = wass_bag_from_text(&c->wv, text, len, &c->to, b, &e);
    if (rc) return cli_lib_error(cmd, &e);
    return CLI_OK;
}

/* Begin the JSON object of one distance: wmd, wcd, rwmd, empty. */
static void json_result(cli_json *j, const wass_wmd_result *r) {
    cli_json_begin(j, stdout);
    cli_json_num(j, "wmd", r->distance);
    cli_json_num(j, "wcd", r->wcd);
    cli_json_num(j, "rwmd", r->rwmd);
    cli_json_bool(j, "empty", r->empty);
}

static void json_bag(cli_json *j, const char *p, const wass_bag *b) {
    const struct {
        const char *name;
        size_t value;
    } field[] = {{"tokens", b->tokens},     {"kept", b->kept},       {"distinct", b->len},
                 {"stop", b->stop_dropped}, {"oov", b->oov_dropped}, {"short", b->short_dropped}};
    for (size_t k = 0; k < sizeof field / sizeof field[0]; k++) {
        char key[32];
        snprintf(key, sizeof key, "%s_%s", p, field[k].name);
        cli_json_int(j, key, (long long)field[k].value);
    }
}

/* WMD of two bags (weights already final); prints a warning for empties. */
static int distance(const char *cmd, ctx *c, wass_bag *a, wass_bag *b, wass_wmd_result *r,
                    const char *where) {
    wass_error_info e;
    int rc = wass_wmd(&c->wv, a, b, &c->wo, r, &e);
    if (rc) return cli_lib_error(cmd, &e);
    if (r->empty)
        fprintf(stderr,
                "wass %s: warning: %s%s no word with a vector after filtering; distance "
                "is inf\n",
                cmd, where,
                a->len == 0 ? (b->len == 0 ? "both documents have" : "document 1 has")
                            : "document 2 has");
    return CLI_OK;
}

static int apply_idf(const char *cmd, ctx *c, wass_bag *bags, size_t n) {
    double *idf = malloc(c->wv.count * sizeof *idf);
    if (!idf) {
        cli_error(cmd, "out of memory");
        return CLI_FAILURE;
    }
    wass_error_info e;
    int rc = wass_idf_fit(bags, n, c->wv.count, idf, &e);
    for (size_t i = 0; i < n && !rc; i++)
        rc = wass_bag_apply_idf(&bags[i], idf, &e);
    free(idf);
    if (rc) return cli_lib_error(cmd, &e);
    return CLI_OK;
}

static int run_pairs(const char *cmd, ctx *c, const char *path) {
    char *buf;
    size_t len;
    int rc = wmd_read_file(cmd, path, &buf, &len);
    if (rc) return rc;
    size_t cap = 0, n = 0;
    wass_bag *bags = NULL;
    long line = 0;
    for (size_t p = 0; p < len && rc == CLI_OK;) {
        line++;
        size_t e = p;
        while (e < len && buf[e] != '\n')
            e++;
        size_t end = e > p && buf[e - 1] == '\r' ? e - 1 : e;
        if (end > p) {
            const char *tab = memchr(buf + p, '\t', end - p);
            if (!tab) {
                cli_error(cmd, "%s:%ld: expected 'TEXT1<TAB>TEXT2', found no tab", path, line);
                rc = CLI_BAD_INPUT;
                break;
            }
            if (n + 2 > cap) {
                cap = cap ? 2 * cap : 64;
                wass_bag *q = realloc(bags, cap * sizeof *q);
                if (!q) {
                    cli_error(cmd, "out of memory");
                    rc = CLI_FAILURE;
                    break;
                }
                bags = q;
            }
            rc = make_bag(cmd, c, buf + p, (size_t)(tab - (buf + p)), &bags[n]);
            if (rc) break;
            n++;
            rc = make_bag(cmd, c, tab + 1, (size_t)(buf + end - (tab + 1)), &bags[n]);
            if (rc) break;
            n++;
        }
        p = e + 1;
    }
    free(buf);
    if (rc == CLI_OK && c->tfidf) rc = apply_idf(cmd, c, bags, n);
    double total = 0;
    for (size_t k = 0; k + 1 < n && rc == CLI_OK; k += 2) {
        wass_wmd_result r;
        char where[64];
        snprintf(where, sizeof where, "pair %zu: ", k / 2 + 1);
        rc = distance(cmd, c, &bags[k], &bags[k + 1], &r, where);
        if (rc) break;
        total += r.seconds;
        if (c->json) {
            cli_json j;
            json_result(&j, &r);
            cli_json_num(&j, "seconds", r.seconds);
            cli_json_end(&j);
        } else {
            printf("%.17g %.17g %.17g\n", r.distance, r.wcd, r.rwmd);
        }
        /* a reader that went away (SIGPIPE ignored) stops the work */
        if (fflush(stdout) != 0 || ferror(stdout)) {
            cli_error(cmd, "cannot write the output after pair %zu (closed pipe or full disk)",
                      k / 2 + 1);
            rc = CLI_FAILURE;
        }
    }
    if (rc == CLI_OK)
        fprintf(stderr, "wass %s: %zu pairs, %.6f s in WMD (%.1f pairs/s)\n", cmd, n / 2, total,
                total > 0 ? (double)(n / 2) / total : 0.0);
    for (size_t k = 0; k < n; k++)
        wass_bag_free(&bags[k]);
    free(bags);
    return rc;
}

int cmd_wmd(int argc, char **argv) {
    const char *cmd = "wmd";
    const char *vectors = NULL, *pairs = NULL, *docs[2] = {NULL, NULL};
    int ndocs = 0, literal = 0, no_cache = 0;
    const char *cache_dir = NULL;
    wmd_text_args ta = {NULL, 1, 0};
    ctx c;
    memset(&c, 0, sizeof c);
    wass_wmd_options_default(&c.wo);
    cli_option text_options[WMD_TEXT_OPTIONS];
    wmd_text_table(&ta, text_options);
    const cli_option options[] = {CLI_OPT_STR("--vectors", &vectors),
                                  CLI_OPT_STR("--pairs", &pairs),
                                  CLI_OPT_FN("--distance", wmd_parse_distance, &c.wo.distance),
                                  CLI_OPT_FLAG("--normalize", &c.wo.normalize),
                                  CLI_OPT_FLAG("--tfidf", &c.tfidf),
                                  CLI_OPT_FLAG("--json", &c.json),
                                  CLI_OPT_FLAG("--text", &literal),
                                  CLI_OPT_FLAG("--no-cache", &no_cache),
                                  CLI_OPT_STR("--cache-dir", &cache_dir),
                                  CLI_OPT_END};
    const cli_command_line cl = {.cmd = cmd,
                                 .usage = wmd_usage,
                                 .options = options,
                                 .shared = text_options,
                                 .pos = docs,
                                 .max_pos = 2,
                                 .extra = "expected two documents, found a third: '%s'",
                                 .long_only = 1,
                                 .no_end_marker = 1};
    int rc = cli_parse_args(&cl, argc, argv, &ndocs);
    if (rc) return rc == CLI_HELP ? CLI_OK : rc;
    int use_cache = !no_cache;
    if (pairs ? ndocs != 0 : ndocs != 2) {
        cli_error(cmd, pairs ? "--pairs takes no document arguments"
                             : "expected two documents (see 'wass wmd --help')");
        return CLI_BAD_INPUT;
    }
    rc = wmd_load_vectors(cmd, vectors, use_cache, cache_dir, &c.wv);
    if (rc) return rc;
    rc = wmd_load_stopwords(cmd, &ta, &c.sw, &c.have_sw);
    if (rc) {
        wass_wordvec_free(&c.wv);
        return rc;
    }
    wass_text_options_default(&c.to);
    c.to.min_len = ta.min_len;
    c.to.keep_non_ascii = ta.keep_non_ascii;
    c.to.stop = c.have_sw ? &c.sw : NULL;
    if (pairs) {
        rc = run_pairs(cmd, &c, pairs);
    } else {
        wass_bag b[2];
        memset(b, 0, sizeof b);
        for (int k = 0; k < 2 && rc == CLI_OK; k++) {
            if (literal) {
                rc = make_bag(cmd, &c, docs[k], strlen(docs[k]), &b[k]);
            } else {
                char *text;
                size_t len;
                rc = wmd_read_file(cmd, docs[k], &text, &len);
                if (rc == CLI_OK) {
                    rc = make_bag(cmd, &c, text, len, &b[k]);
                    free(text);
                }
            }
        }
        if (rc == CLI_OK && c.tfidf) rc = apply_idf(cmd, &c, b, 2);
        wass_wmd_result res;
        if (rc == CLI_OK) rc = distance(cmd, &c, &b[0], &b[1], &res, "");
        if (rc == CLI_OK) {
            if (c.json) {
                cli_json j;
                json_result(&j, &res);
                cli_json_str(&j, "distance", wass_wmd_distance_name(c.wo.distance));
                cli_json_bool(&j, "normalize", c.wo.normalize);
                cli_json_str(&j, "weights", c.tfidf ? "tfidf" : "nbow");
                cli_json_int(&j, "vocabulary", (long long)c.wv.count);
                cli_json_int(&j, "dim", (long long)c.wv.dim);
                json_bag(&j, "doc1", &b[0]);
                json_bag(&j, "doc2", &b[1]);
                cli_json_num(&j, "seconds", res.seconds);
                cli_json_end(&j);
            } else {
                printf("wmd  %.10g\nwcd  %.10g\nrwmd %.10g\n", res.distance, res.wcd, res.rwmd);
                for (int k = 0; k < 2; k++)
                    printf("doc%d: %zu tokens, %zu kept (%zu distinct), dropped: %zu stop "
                           "words, %zu out of vocabulary, %zu too short\n",
                           k + 1, b[k].tokens, b[k].kept, b[k].len, b[k].stop_dropped,
                           b[k].oov_dropped, b[k].short_dropped);
            }
        }
        wass_bag_free(&b[0]);
        wass_bag_free(&b[1]);
    }
    wass_stopwords_free(&c.sw);
    wass_wordvec_free(&c.wv);
    return rc;
}
