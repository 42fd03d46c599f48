/*
 * wmd_cli.h - helpers shared by `wass wmd` and `wass knn` (wmd_common.c).
 */
#ifndef WASS_WMD_CLI_H
#define WASS_WMD_CLI_H

#include "cli.h"
#include "wass/wmd.h"

/* Text options given on the command line. */
typedef struct {
    const char *stopwords; /* NULL / "none", "en" (the shipped list) or a path */
    size_t min_len;
    int keep_non_ascii;
} wmd_text_args;

/* The text options (--stopwords, --min-len, --keep-non-ascii) as a table
 * into t (WMD_TEXT_OPTIONS rows, the end included), shared by wmd and knn. */
#define WMD_TEXT_OPTIONS 4
void wmd_text_table(wmd_text_args *t, cli_option table[WMD_TEXT_OPTIONS]);
/* --distance euclidean|cosine into a wass_wmd_distance (a cli_opt_fn). */
int wmd_parse_distance(const char *cmd, const char *name, const char *value, void *target);
int wmd_load_stopwords(const char *cmd, const wmd_text_args *t, wass_stopwords *sw, int *have);
int wmd_load_vectors(const char *cmd, const char *path, int use_cache, const char *cache_dir,
                     wass_wordvec *wv);
/* Monotonic wall clock in seconds. */
double wmd_now(void);
/* Whole file into a NUL-terminated buffer (malloc'ed). */
int wmd_read_file(const char *cmd, const char *path, char **out, size_t *len);

/* Documents with labels. */
typedef struct {
    size_t n, cap;
    char **text;
    size_t *len;
    int *label;
} wmd_docs;

/* Label names; ids are indices (shared between train and test sets). */
typedef struct {
    size_t n;
    char **name;
} wmd_labels;

/* DIR: DIR/label/doc files (sorted by name); FILE: "label<TAB>text" lines. */
int wmd_load_docs(const char *cmd, const char *path, wmd_docs *d, wmd_labels *names);
void wmd_docs_free(wmd_docs *d);
void wmd_labels_free(wmd_labels *l);

#endif
