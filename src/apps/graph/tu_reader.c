/*
 * tu_reader.c - the TU Dortmund graph benchmark text format: DS_A.txt (edges),
 * DS_graph_indicator.txt, DS_graph_labels.txt and the optional
 * DS_node_labels.txt and DS_node_attributes.txt, read into a wass_graph_set.
 * Every file is read whole (from its folder, or from memory through
 * wass__tu_load_texts) and its lines counted before the arrays they size
 * are allocated; any error leaves nothing loaded.
 */
#include "apps/graph/graph_internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *buf;
    size_t len;
    char path[1024];
} text_file;

/* Where the files come from: the folder dir, or (dir NULL) the texts in
 * memory of wass__tu_load_texts. */
typedef struct {
    const char *dir;
    const wass__tu_texts *mem;
} tu_source;

/* A file in memory: copied (the parser writes into its buffer). */
static int read_memory(const wass__tu_texts *mem, int which, int optional, text_file *tf,
                       wass_error_info *err) {
    const char *text = mem->text[which];
    if (!text) {
        if (optional) return WASS_OK;
        return wass__fail(err, WASS_ERR_IO, "%s: cannot open: no such file", tf->path);
    }
    tf->len = mem->len[which];
    tf->buf = malloc(tf->len + 1);
    if (!tf->buf) return wass__fail(err, WASS_ERR_NOMEM, "%s: out of memory", tf->path);
    memcpy(tf->buf, text, tf->len);
    tf->buf[tf->len] = '\0';
    return WASS_OK;
}

static int read_path(int optional, text_file *tf, wass_error_info *err) {
    FILE *f = fopen(tf->path, "rb");
    if (!f) {
        if (optional && errno == ENOENT) return WASS_OK;
        return wass__fail(err, WASS_ERR_IO, "%s: cannot open: %s", tf->path, strerror(errno));
    }
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return wass__fail(err, WASS_ERR_IO, "%s: cannot seek", tf->path);
    }
    long sz = ftell(f);
    if (sz < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return wass__fail(err, WASS_ERR_IO, "%s: cannot read its size", tf->path);
    }
    tf->buf = malloc((size_t)sz + 1);
    if (!tf->buf) {
        fclose(f);
        return wass__fail(err, WASS_ERR_NOMEM, "%s: out of memory (%ld bytes)", tf->path, sz);
    }
    size_t got = fread(tf->buf, 1, (size_t)sz, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != (size_t)sz) {
        free(tf->buf);
        tf->buf = NULL;
        return wass__fail(err, WASS_ERR_IO, "%s: read error", tf->path);
    }
    tf->buf[sz] = '\0';
    tf->len = (size_t)sz;
    return WASS_OK;
}

static const char *const SUFFIX[WASS__TU_FILES] = {
    "A.txt", "graph_indicator.txt", "graph_labels.txt", "node_labels.txt", "node_attributes.txt"};

/* Read file `which` whole; optional files that do not exist give *exists = 0. */
static int read_file(const tu_source *src, const char *ds, int which, int optional, int *exists,
                     text_file *tf, wass_error_info *err) {
    memset(tf, 0, sizeof *tf);
    if (exists) *exists = 0;
    int w = src->dir ? snprintf(tf->path, sizeof tf->path, "%s/%s_%s", src->dir, ds, SUFFIX[which])
                     : snprintf(tf->path, sizeof tf->path, "%s_%s", ds, SUFFIX[which]);
    if (w < 0 || (size_t)w >= sizeof tf->path)
        return wass__fail(err, WASS_ERR_INVALID, "%s: path too long", src->dir ? src->dir : ds);
    int rc =
        src->dir ? read_path(optional, tf, err) : read_memory(src->mem, which, optional, tf, err);
    if (rc || !tf->buf) return rc;
    if (memchr(tf->buf, '\0', tf->len)) {
        free(tf->buf);
        tf->buf = NULL;
        return wass__fail(err, WASS_ERR_FORMAT, "%s: not a text file (NUL byte)", tf->path);
    }
    if (exists) *exists = 1;
    return WASS_OK;
}

/* Lines of a text: a line is terminated by '\n' (or the end); a last empty
 * line after the final newline does not count. Blank lines are errors where
 * a value is expected, so they are counted too. */
static size_t count_lines(const text_file *tf) {
    size_t n = 0;
    for (size_t i = 0; i < tf->len; i++)
        if (tf->buf[i] == '\n') n++;
    if (tf->len > 0 && tf->buf[tf->len - 1] != '\n') n++;
    return n;
}

/* Cursor over lines: *line is NUL-terminated in place (the '\n' and a '\r'
 * replaced), returns 0 at the end. */
static int next_line(text_file *tf, size_t *pos, char **line) {
    if (*pos >= tf->len) return 0;
    char *s = tf->buf + *pos;
    char *e = memchr(s, '\n', tf->len - *pos);
    size_t l = e ? (size_t)(e - s) : tf->len - *pos;
    *pos += l + 1;
    if (l > 0 && s[l - 1] == '\r') l--;
    s[l] = '\0';
    *line = s;
    return 1;
}

static const char *skip_ws(const char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* One integer at *s (leading blanks allowed); advances *s past it. */
static int parse_long(const char **s, long *out) {
    const char *p = skip_ws(*s);
    if (!*p) return 0;
    char *end;
    errno = 0;
    long v = strtol(p, &end, 10);
    if (end == p || errno == ERANGE) return 0;
    *out = v;
    *s = end;
    return 1;
}

/* A line holding exactly one integer. */
static int parse_single(const char *line, long *out) {
    const char *s = line;
    if (!parse_long(&s, out)) return 0;
    return *skip_ws(s) == '\0';
}

static void clip_text(const char *line, char *out, size_t cap) {
    size_t l = strlen(line);
    if (l + 1 > cap) l = cap - 4;
    memcpy(out, line, l);
    if (l < strlen(line))
        strcpy(out + l, "...");
    else
        out[l] = '\0';
}

static int bad_line(wass_error_info *err, const text_file *tf, long line, const char *what,
                    const char *text) {
    char shown[64];
    clip_text(text, shown, sizeof shown);
    return wass__fail_line(err, WASS_ERR_FORMAT, line, "%s:%ld: %s, found '%s'", tf->path, line,
                           what, shown);
}

static int cmp_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* The folder's last component names the files (trailing slashes ignored). */
static int dataset_name(const char *dir, char *name, size_t cap, wass_error_info *err) {
    size_t l = strlen(dir);
    while (l > 1 && dir[l - 1] == '/')
        l--;
    size_t b = l;
    while (b > 0 && dir[b - 1] != '/')
        b--;
    if (l == b || l - b + 1 > cap)
        return wass__fail(err, WASS_ERR_INVALID, "%s: cannot tell the data set's name", dir);
    memcpy(name, dir + b, l - b);
    name[l - b] = '\0';
    return WASS_OK;
}

void wass_graph_set_free(wass_graph_set *gs) {
    if (!gs) return;
    free(gs->node_offset);
    free(gs->adj_offset);
    free(gs->adj);
    free(gs->graph_label);
    free(gs->node_label);
    free(gs->node_attr);
    memset(gs, 0, sizeof *gs);
}

/* graph indicator: node -> graph, checked sorted and without gaps */
static int load_indicator(text_file *tf, wass_graph_set *gs, size_t **graph_of,
                          wass_error_info *err) {
    size_t n = count_lines(tf);
    if (n == 0) return wass__fail_line(err, WASS_ERR_FORMAT, 1, "%s:1: no nodes", tf->path);
    size_t *g = malloc(n * sizeof *g);
    if (!g) return wass__fail(err, WASS_ERR_NOMEM, "%s: out of memory", tf->path);
    size_t pos = 0, k = 0;
    char *line;
    long prev = 0;
    while (next_line(tf, &pos, &line)) {
        long v;
        long ln = (long)k + 1;
        if (!parse_single(line, &v)) {
            free(g);
            return bad_line(err, tf, ln, "expected one integer (a graph id)", line);
        }
        if (v < 1 || (k == 0 && v != 1)) {
            free(g);
            return wass__fail_line(err, WASS_ERR_FORMAT, ln,
                                   "%s:%ld: graph id %ld: the first graph must be 1", tf->path, ln,
                                   v);
        }
        if (v < prev) {
            free(g);
            return wass__fail_line(err, WASS_ERR_FORMAT, ln,
                                   "%s:%ld: graph indicator not sorted: graph %ld after graph %ld",
                                   tf->path, ln, v, prev);
        }
        if (v > prev + 1) {
            free(g);
            return wass__fail_line(err, WASS_ERR_FORMAT, ln,
                                   "%s:%ld: graph %ld follows graph %ld: graph %ld has no nodes",
                                   tf->path, ln, v, prev, prev + 1);
        }
        prev = v;
        g[k++] = (size_t)(v - 1);
    }
    gs->nodes = n;
    gs->graphs = (size_t)prev;
    gs->node_offset = calloc(gs->graphs + 1, sizeof *gs->node_offset);
    if (!gs->node_offset) {
        free(g);
        return wass__fail(err, WASS_ERR_NOMEM, "%s: out of memory", tf->path);
    }
    for (size_t i = 0; i < n; i++)
        gs->node_offset[g[i] + 1]++;
    for (size_t i = 0; i < gs->graphs; i++)
        gs->node_offset[i + 1] += gs->node_offset[i];
    *graph_of = g;
    return WASS_OK;
}

static int load_int_column(text_file *tf, size_t expect, const char *what, const char *count_of,
                           int **out, wass_error_info *err) {
    size_t n = count_lines(tf);
    if (n != expect)
        return wass__fail_line(err, WASS_ERR_FORMAT, (long)(n < expect ? n + 1 : expect + 1),
                               "%s:%zu: expected %zu lines (one per %s), found %zu", tf->path,
                               n < expect ? n + 1 : expect + 1, expect, count_of, n);
    int *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return wass__fail(err, WASS_ERR_NOMEM, "%s: out of memory", tf->path);
    size_t pos = 0, k = 0;
    char *line;
    while (next_line(tf, &pos, &line)) {
        long x;
        if (!parse_single(line, &x) || x < INT_MIN || x > INT_MAX) {
            free(v);
            return bad_line(err, tf, (long)k + 1, what, line);
        }
        v[k++] = (int)x;
    }
    *out = v;
    return WASS_OK;
}

static int load_attributes(text_file *tf, size_t nodes, wass_graph_set *gs, wass_error_info *err) {
    size_t n = count_lines(tf);
    if (n != nodes)
        return wass__fail_line(err, WASS_ERR_FORMAT, (long)(n < nodes ? n + 1 : nodes + 1),
                               "%s:%zu: expected %zu lines (one per node), found %zu", tf->path,
                               n < nodes ? n + 1 : nodes + 1, nodes, n);
    /* the first line fixes the number of columns */
    size_t cols = 1;
    for (size_t i = 0; i < tf->len && tf->buf[i] != '\n'; i++)
        if (tf->buf[i] == ',') cols++;
    size_t total;
    if (!wass__mul_ok(n, cols, &total))
        return wass__fail(err, WASS_ERR_SIZE, "%s: too many attributes", tf->path);
    double *a = malloc(total * sizeof *a);
    if (!a) return wass__fail(err, WASS_ERR_NOMEM, "%s: out of memory", tf->path);
    size_t pos = 0, k = 0;
    char *line;
    while (next_line(tf, &pos, &line)) {
        const char *s = line;
        for (size_t c = 0; c < cols; c++) {
            s = skip_ws(s);
            char *end;
            double v = strtod(s, &end);
            if (end == s || !isfinite(v)) {
                free(a);
                return bad_line(err, tf, (long)k + 1, "expected finite comma-separated numbers",
                                line);
            }
            a[k * cols + c] = v;
            s = skip_ws(end);
            if (c + 1 < cols) {
                if (*s != ',') {
                    free(a);
                    char what[96];
                    snprintf(what, sizeof what, "expected %zu comma-separated numbers", cols);
                    return bad_line(err, tf, (long)k + 1, what, line);
                }
                s++;
            }
        }
        if (*skip_ws(s) != '\0') {
            free(a);
            char what[96];
            snprintf(what, sizeof what, "expected %zu comma-separated numbers", cols);
            return bad_line(err, tf, (long)k + 1, what, line);
        }
        k++;
    }
    gs->attr_dim = cols;
    gs->node_attr = a;
    return WASS_OK;
}

/* edges: both directions merged, sorted, repeats dropped */
static int load_edges(text_file *tf, const size_t *graph_of, wass_graph_set *gs,
                      wass_error_info *err) {
    size_t lines = count_lines(tf), N = gs->nodes;
    size_t cap;
    if (!wass__mul_ok(lines, 2, &cap))
        return wass__fail(err, WASS_ERR_SIZE, "%s: too many edges", tf->path);
    size_t *src = malloc((cap ? cap : 1) * sizeof *src);
    size_t *dst = malloc((cap ? cap : 1) * sizeof *dst);
    size_t *deg = calloc(N + 1, sizeof *deg);
    if (!src || !dst || !deg) {
        free(src);
        free(dst);
        free(deg);
        return wass__fail(err, WASS_ERR_NOMEM, "%s: out of memory", tf->path);
    }
    size_t pos = 0, k = 0, e = 0;
    char *line;
    int rc = WASS_OK;
    while (next_line(tf, &pos, &line)) {
        long ln = (long)++k, a, b;
        const char *s = line;
        if (*skip_ws(s) == '\0') continue; /* a blank line carries no edge */
        int ok = parse_long(&s, &a);
        if (ok) {
            s = skip_ws(s);
            ok = *s == ',';
            if (ok) s++;
        }
        ok = ok && parse_long(&s, &b) && *skip_ws(s) == '\0';
        if (!ok) {
            rc = bad_line(err, tf, ln, "expected an edge 'i, j' (two integers)", line);
            break;
        }
        long bad = (a < 1 || (size_t)a > N) ? a : (b < 1 || (size_t)b > N) ? b : 0;
        if (bad || a < 1 || b < 1) {
            rc = wass__fail_line(err, WASS_ERR_FORMAT, ln,
                                 "%s:%ld: node id %ld out of range 1..%zu (the graph indicator "
                                 "has %zu nodes)",
                                 tf->path, ln, bad ? bad : (a < 1 ? a : b), N, N);
            break;
        }
        size_t i = (size_t)a - 1, j = (size_t)b - 1;
        if (graph_of[i] != graph_of[j]) {
            rc = wass__fail_line(err, WASS_ERR_FORMAT, ln,
                                 "%s:%ld: edge %ld, %ld joins graph %zu and graph %zu", tf->path,
                                 ln, a, b, graph_of[i] + 1, graph_of[j] + 1);
            break;
        }
        src[e] = i;
        dst[e] = j;
        e++;
        if (i != j) {
            src[e] = j;
            dst[e] = i;
            e++;
        }
    }
    if (rc) {
        free(src);
        free(dst);
        free(deg);
        return rc;
    }
    for (size_t t = 0; t < e; t++)
        deg[src[t] + 1]++;
    for (size_t i = 0; i < N; i++)
        deg[i + 1] += deg[i];
    size_t *adj = malloc((e ? e : 1) * sizeof *adj);
    size_t *fill = malloc((N ? N : 1) * sizeof *fill);
    if (!adj || !fill) {
        free(src);
        free(dst);
        free(deg);
        free(adj);
        free(fill);
        return wass__fail(err, WASS_ERR_NOMEM, "%s: out of memory", tf->path);
    }
    memcpy(fill, deg, N * sizeof *fill);
    for (size_t t = 0; t < e; t++)
        adj[fill[src[t]]++] = dst[t];
    free(src);
    free(dst);
    free(fill);
    /* sort each list, drop repeats, compact */
    size_t out = 0;
    for (size_t i = 0; i < N; i++) {
        size_t b0 = deg[i], b1 = deg[i + 1];
        qsort(adj + b0, b1 - b0, sizeof *adj, cmp_size);
        deg[i] = out;
        for (size_t t = b0; t < b1; t++)
            if (t == b0 || adj[t] != adj[t - 1]) adj[out++] = adj[t];
    }
    deg[N] = out;
    gs->adj_offset = deg;
    gs->adj = adj;
    return WASS_OK;
}

/* The five files of the data set ds in turn, each checked against the ones
 * before it. */
static int tu_load(const tu_source *src, const char *ds, wass_graph_set *out,
                   wass_error_info *err) {
    wass_graph_set gs;
    memset(&gs, 0, sizeof gs);
    text_file tf;
    size_t *graph_of = NULL;
    int exists;

    int rc = read_file(src, ds, WASS__TU_GRAPH_INDICATOR, 0, NULL, &tf, err);
    if (rc) return rc;
    rc = load_indicator(&tf, &gs, &graph_of, err);
    free(tf.buf);
    if (rc) goto fail;

    rc = read_file(src, ds, WASS__TU_GRAPH_LABELS, 0, NULL, &tf, err);
    if (rc) goto fail;
    rc = load_int_column(&tf, gs.graphs, "expected one integer (a graph label)",
                         "graph in the graph indicator", &gs.graph_label, err);
    free(tf.buf);
    if (rc) goto fail;

    rc = read_file(src, ds, WASS__TU_NODE_LABELS, 1, &exists, &tf, err);
    if (rc) goto fail;
    if (exists) {
        rc = load_int_column(&tf, gs.nodes, "expected one integer (a node label)",
                             "node in the graph indicator", &gs.node_label, err);
        free(tf.buf);
        if (rc) goto fail;
    }

    rc = read_file(src, ds, WASS__TU_NODE_ATTRIBUTES, 1, &exists, &tf, err);
    if (rc) goto fail;
    if (exists) {
        rc = load_attributes(&tf, gs.nodes, &gs, err);
        free(tf.buf);
        if (rc) goto fail;
    }

    rc = read_file(src, ds, WASS__TU_A, 0, NULL, &tf, err);
    if (rc) goto fail;
    rc = load_edges(&tf, graph_of, &gs, err);
    free(tf.buf);
    if (rc) goto fail;
    free(graph_of);
    *out = gs;
    return WASS_OK;
fail:
    free(graph_of);
    wass_graph_set_free(&gs);
    return rc;
}

int wass_tu_load(const char *dir, wass_graph_set *out, wass_error_info *err) {
    wass__clear(err);
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "out is NULL");
    memset(out, 0, sizeof *out);
    if (!dir || !*dir) return wass__fail(err, WASS_ERR_INVALID, "no folder given");
    char ds[256];
    int rc = dataset_name(dir, ds, sizeof ds, err);
    if (rc) return rc;
    tu_source src = {dir, NULL};
    return tu_load(&src, ds, out, err);
}

int wass__tu_load_texts(const wass__tu_texts *texts, wass_graph_set *out, wass_error_info *err) {
    wass__clear(err);
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "out is NULL");
    memset(out, 0, sizeof *out);
    if (!texts || !texts->name || !*texts->name || strlen(texts->name) >= 256)
        return wass__fail(err, WASS_ERR_INVALID, "no data set name given");
    tu_source src = {NULL, texts};
    return tu_load(&src, texts->name, out, err);
}
