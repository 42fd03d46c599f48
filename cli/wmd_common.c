/*
 * wmd_common.c - what `wass wmd` and `wass knn` share: the text options
 * (--stopwords, --min-len, --keep-non-ascii), loading word vectors and stop
 * words with clear messages, reading whole files, and labelled document sets
 * (a folder with one sub-folder per label, or a file of "label<TAB>text"
 * lines).
 */
#include "wmd_cli.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

double wmd_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int wmd_read_file(const char *cmd, const char *path, char **out, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error(cmd, "cannot open '%s': %s", path, strerror(errno));
        return CLI_BAD_INPUT;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        cap *= 2;
        char *q = realloc(buf, cap + 1);
        if (!q) {
            free(buf);
            buf = NULL;
        } else
            buf = q;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf) {
        cli_error(cmd, "out of memory reading '%s'", path);
        return CLI_FAILURE;
    }
    if (bad) {
        free(buf);
        cli_error(cmd, "cannot read '%s'", path);
        return CLI_BAD_INPUT;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return CLI_OK;
}

/* The shipped list: share/stopwords_en.txt next to the executable's folder
 * (build/wass -> share/) or installed under share/wass/. */
static int find_shipped_stopwords(char *path, size_t cap) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return 0;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) return 0;
    *slash = '\0';
    const char *tries[] = {"/../share/stopwords_en.txt", "/../share/wass/stopwords_en.txt",
                           "/share/stopwords_en.txt"};
    for (size_t k = 0; k < sizeof tries / sizeof tries[0]; k++) {
        snprintf(path, cap, "%s%s", exe, tries[k]);
        if (access(path, R_OK) == 0) return 1;
    }
    return 0;
}

void wmd_text_table(wmd_text_args *t, cli_option table[WMD_TEXT_OPTIONS]) {
    const cli_option rows[WMD_TEXT_OPTIONS] = {
        CLI_OPT_STR("--stopwords", &t->stopwords), CLI_OPT_SIZE("--min-len", &t->min_len, 1, 1000),
        CLI_OPT_FLAG("--keep-non-ascii", &t->keep_non_ascii), CLI_OPT_END};
    memcpy(table, rows, sizeof rows);
}

int wmd_parse_distance(const char *cmd, const char *name, const char *value, void *target) {
    if (wass_wmd_distance_parse(value, target) == WASS_OK) return 1;
    cli_error(cmd, "%s: expected euclidean or cosine, found '%s'", name, value);
    return 0;
}

int wmd_load_stopwords(const char *cmd, const wmd_text_args *t, wass_stopwords *sw, int *have) {
    *have = 0;
    if (!t->stopwords || strcmp(t->stopwords, "none") == 0) return CLI_OK;
    char shipped[PATH_MAX + 64];
    const char *path = t->stopwords;
    if (strcmp(path, "en") == 0) {
        if (!find_shipped_stopwords(shipped, sizeof shipped)) {
            cli_error(cmd, "--stopwords en: the shipped list share/stopwords_en.txt was not "
                           "found next to the executable; give its path instead");
            return CLI_BAD_INPUT;
        }
        path = shipped;
    }
    wass_error_info e;
    int rc = wass_stopwords_load(path, sw, &e);
    if (rc) return cli_file_error(cmd, path, &e);
    *have = 1;
    return CLI_OK;
}

int wmd_load_vectors(const char *cmd, const char *path, int use_cache, const char *cache_dir,
                     wass_wordvec *wv) {
    if (!path) {
        cli_error(cmd, "--vectors FILE is required (word2vec text or binary, GloVe text, "
                       "wink-embeddings JSON or a .wassvec cache)");
        return CLI_BAD_INPUT;
    }
    wass_wordvec_options o;
    wass_wordvec_options_default(&o);
    o.use_cache = use_cache;
    o.cache_dir = cache_dir;
    wass_error_info e;
    int rc = wass_wordvec_load(path, &o, wv, &e);
    if (rc) return cli_file_error(cmd, path, &e);
    return CLI_OK;
}

/* ---- labelled document sets ------------------------------------------------------ */

static int label_id(wmd_docs *d, const char *label, size_t len, wmd_labels *names) {
    for (size_t k = 0; k < names->n; k++)
        if (strlen(names->name[k]) == len && memcmp(names->name[k], label, len) == 0) return (int)k;
    char **q = realloc(names->name, (names->n + 1) * sizeof *q);
    if (!q) return -1;
    names->name = q;
    names->name[names->n] = malloc(len + 1);
    if (!names->name[names->n]) return -1;
    memcpy(names->name[names->n], label, len);
    names->name[names->n][len] = '\0';
    (void)d;
    return (int)names->n++;
}

static int docs_push(wmd_docs *d, char *text, size_t len, int label) {
    if (d->n == d->cap) {
        size_t c = d->cap ? 2 * d->cap : 64;
        char **t = realloc(d->text, c * sizeof *t);
        if (!t) return 0;
        d->text = t;
        size_t *l = realloc(d->len, c * sizeof *l);
        if (!l) return 0;
        d->len = l;
        int *b = realloc(d->label, c * sizeof *b);
        if (!b) return 0;
        d->label = b;
        d->cap = c;
    }
    d->text[d->n] = text;
    d->len[d->n] = len;
    d->label[d->n] = label;
    d->n++;
    return 1;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the entries of a folder (without . and ..). */
static char **list_dir(const char *path, size_t *n) {
    DIR *dir = opendir(path);
    *n = 0;
    if (!dir) return NULL;
    char **names = NULL;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (e->d_name[0] == '.') continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            char **q = realloc(names, cap * sizeof *q);
            if (!q) break;
            names = q;
        }
        names[(*n)++] = strdup(e->d_name);
    }
    closedir(dir);
    if (*n) qsort(names, *n, sizeof *names, cmp_str);
    return names;
}

int wmd_load_docs(const char *cmd, const char *path, wmd_docs *d, wmd_labels *names) {
    memset(d, 0, sizeof *d);
    struct stat st;
    if (stat(path, &st) != 0) {
        cli_error(cmd, "cannot open '%s': %s", path, strerror(errno));
        return CLI_BAD_INPUT;
    }
    if (S_ISDIR(st.st_mode)) {
        size_t nl;
        char **labels = list_dir(path, &nl);
        int rc = CLI_OK;
        for (size_t k = 0; k < nl && rc == CLI_OK; k++) {
            char sub[PATH_MAX];
            snprintf(sub, sizeof sub, "%s/%s", path, labels[k]);
            struct stat s2;
            if (stat(sub, &s2) != 0 || !S_ISDIR(s2.st_mode)) {
                cli_error(cmd,
                          "'%s': expected only label folders (DIR/label/doc), found the "
                          "file '%s'",
                          path, labels[k]);
                rc = CLI_BAD_INPUT;
                break;
            }
            int id = label_id(d, labels[k], strlen(labels[k]), names);
            if (id < 0) {
                cli_error(cmd, "out of memory reading '%s'", path);
                rc = CLI_FAILURE;
                break;
            }
            size_t nf;
            char **files = list_dir(sub, &nf);
            for (size_t f = 0; f < nf && rc == CLI_OK; f++) {
                char fp[2 * PATH_MAX + 2];
                snprintf(fp, sizeof fp, "%s/%s", sub, files[f]);
                char *text;
                size_t len;
                rc = wmd_read_file(cmd, fp, &text, &len);
                if (rc == CLI_OK && !docs_push(d, text, len, id)) {
                    free(text);
                    rc = CLI_FAILURE;
                }
            }
            for (size_t f = 0; f < nf; f++)
                free(files[f]);
            free(files);
        }
        for (size_t k = 0; k < nl; k++)
            free(labels[k]);
        free(labels);
        if (rc == CLI_OK && d->n == 0) {
            cli_error(cmd, "'%s': no documents (expected DIR/label/doc files)", path);
            rc = CLI_BAD_INPUT;
        }
        return rc;
    }
    char *buf;
    size_t len;
    int rc = wmd_read_file(cmd, path, &buf, &len);
    if (rc) return rc;
    long line = 0;
    size_t p = 0;
    while (p < len && rc == CLI_OK) {
        line++;
        size_t e = p;
        while (e < len && buf[e] != '\n')
            e++;
        size_t end = e;
        if (end > p && buf[end - 1] == '\r') end--;
        if (end > p) {
            const char *tab = memchr(buf + p, '\t', end - p);
            if (!tab || tab == buf + p) {
                cli_error(cmd, "%s:%ld: expected 'label<TAB>text', found %s", path, line,
                          tab ? "an empty label" : "no tab");
                rc = CLI_BAD_INPUT;
                break;
            }
            if (memchr(buf + p, '\0', (size_t)(tab - (buf + p)))) { /* labels are names */
                cli_error(cmd, "%s:%ld: the label has a NUL byte", path, line);
                rc = CLI_BAD_INPUT;
                break;
            }
            int id = label_id(d, buf + p, (size_t)(tab - (buf + p)), names);
            size_t tl = (size_t)(buf + end - (tab + 1));
            char *text = malloc(tl + 1);
            if (id < 0 || !text) {
                free(text);
                rc = CLI_FAILURE;
                break;
            }
            memcpy(text, tab + 1, tl);
            text[tl] = '\0';
            if (!docs_push(d, text, tl, id)) {
                free(text);
                rc = CLI_FAILURE;
            }
        }
        p = e + 1;
    }
    free(buf);
    if (rc == CLI_FAILURE) cli_error(cmd, "out of memory reading '%s'", path);
    if (rc == CLI_OK && d->n == 0) {
        cli_error(cmd, "'%s': no documents (expected 'label<TAB>text' lines)", path);
        rc = CLI_BAD_INPUT;
    }
    return rc;
}

void wmd_docs_free(wmd_docs *d) {
    for (size_t i = 0; i < d->n; i++)
        free(d->text[i]);
    free(d->text);
    free(d->len);
    free(d->label);
    memset(d, 0, sizeof *d);
}

void wmd_labels_free(wmd_labels *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->name[i]);
    free(l->name);
    memset(l, 0, sizeof *l);
}
