/*
 * fuzz_tu.c - the TU graph reader on any bytes, then the spectral embedding
 * and the distances of what it accepted.
 *
 * Framing: the input is split at lines holding exactly "#" (or "#-": the
 * part before it then ends without its last '\n') into a header and the
 * files DS_A.txt, DS_graph_indicator.txt, DS_graph_labels.txt,
 * DS_node_labels.txt and DS_node_attributes.txt, in that order (a file
 * without its part is empty). The header's first byte is a set of flags:
 *   bit 0, 1   DS_node_labels.txt, DS_node_attributes.txt exist;
 *   bit 2      also written to a private folder and read by wass_tu_load,
 *              which must agree with the reader on memory;
 *   bits 4-5   0, 1, 2: DS_A.txt, the indicator or the graph labels do not
 *              exist; 3: all three do ('0' .. '7' leave them all);
 *   bits 6-7   distance method: exact, emd_many, grid, exact.
 * A load must fail with a message or give a consistent set: node counts
 * adding up, one graph label a graph, sorted symmetric adjacency inside each
 * graph holding every edge line, finite attributes. Small sets are then
 * embedded (dim 3, LAPACK) and their first graphs compared (exact or grid).
 */
#include "apps/graph/graph_internal.h"
#include "fuzz_util.h"

#include <math.h>
#include <sys/stat.h>

#define PARTS (1 + WASS__TU_FILES)

static const char *const SUFFIX[WASS__TU_FILES] = {
    "A.txt", "graph_indicator.txt", "graph_labels.txt", "node_labels.txt", "node_attributes.txt"};

/* The private folder (created once): its sub-folder DS holds the files. */
static char folder[300];

static void remove_folder(void) {
    char p[400];
    for (int f = 0; f < WASS__TU_FILES; f++) {
        snprintf(p, sizeof p, "%s/DS_%s", folder, SUFFIX[f]);
        remove(p);
    }
    remove(folder);
    char *slash = strrchr(folder, '/');
    if (slash) {
        *slash = '\0';
        remove(folder);
    }
}

static int make_folder(void) {
    if (folder[0]) return 1;
    const char *tmp = getenv("TMPDIR");
    char t[256];
    snprintf(t, sizeof t, "%s/wass_fuzz_tu_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(t)) return 0;
    snprintf(folder, sizeof folder, "%s/DS", t);
    if (mkdir(folder, 0700) != 0) return 0;
    atexit(remove_folder);
    return 1;
}

/* Lines as the format counts them: a last line without '\n' counts. */
static size_t lines_of(const char *s, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += s[i] == '\n';
    return n + (len > 0 && s[len - 1] != '\n');
}

/* Line k (0-based) of a text, NUL-terminated into buf. */
static const char *line_at(const char *s, size_t len, size_t *pos, char *buf, size_t cap) {
    if (*pos >= len) return NULL;
    const char *e = memchr(s + *pos, '\n', len - *pos);
    size_t l = e ? (size_t)(e - (s + *pos)) : len - *pos;
    size_t c = l < cap - 1 ? l : cap - 1;
    memcpy(buf, s + *pos, c);
    buf[c] = '\0';
    *pos += l + 1;
    return buf;
}

static int has_edge(const wass_graph_set *gs, size_t i, size_t j) {
    size_t lo = gs->adj_offset[i], hi = gs->adj_offset[i + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (gs->adj[mid] == j) return 1;
        if (gs->adj[mid] < j)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Everything a loaded set promises, against the texts it came from. */
static void check_set(const wass_graph_set *gs, const wass__tu_texts *t, char *buf, size_t cap) {
    size_t G = gs->graphs, N = gs->nodes;
    if (G == 0 || N == 0 || N != lines_of(t->text[1], t->len[1])) abort();
    if (G != lines_of(t->text[2], t->len[2]) || !gs->graph_label) abort();
    if (gs->node_offset[0] != 0 || gs->node_offset[G] != N) abort();
    for (size_t g = 0; g < G; g++)
        if (gs->node_offset[g + 1] <= gs->node_offset[g]) abort(); /* no graph empty */
    size_t pos = 0, g = 0;
    for (size_t k = 0; k < N; k++) { /* the indicator, read again */
        long v;
        if (!line_at(t->text[1], t->len[1], &pos, buf, cap) || sscanf(buf, "%ld", &v) != 1) abort();
        while (k >= gs->node_offset[g + 1])
            g++;
        if ((size_t)v != g + 1) abort();
    }
    if ((gs->node_label != NULL) != (t->text[3] != NULL)) abort();
    if ((gs->node_attr != NULL) != (t->text[4] != NULL) || (gs->attr_dim > 0) != !!gs->node_attr)
        abort();
    for (size_t k = 0; k < N * gs->attr_dim; k++)
        if (!isfinite(gs->node_attr[k])) abort();
    volatile unsigned sum = 0;
    for (size_t k = 0; k < G; k++)
        sum += (unsigned)gs->graph_label[k];
    for (size_t k = 0; gs->node_label && k < N; k++)
        sum += (unsigned)gs->node_label[k];
    if (gs->adj_offset[0] != 0) abort();
    for (g = 0; g < G; g++)
        for (size_t i = gs->node_offset[g]; i < gs->node_offset[g + 1]; i++)
            for (size_t e = gs->adj_offset[i]; e < gs->adj_offset[i + 1]; e++) {
                size_t j = gs->adj[e];
                if (j < gs->node_offset[g] || j >= gs->node_offset[g + 1]) abort();
                if (e > gs->adj_offset[i] && j <= gs->adj[e - 1]) abort(); /* sorted, no repeat */
                if (!has_edge(gs, j, i)) abort();                          /* symmetric */
            }
    pos = 0;
    while (line_at(t->text[0], t->len[0], &pos, buf, cap)) { /* every edge line is there */
        long a, b;
        if (buf[strspn(buf, " \t\r")] == '\0') continue;
        if (sscanf(buf, "%ld ,%ld", &a, &b) != 2 || a < 1 || b < 1 || (size_t)a > N ||
            (size_t)b > N || !has_edge(gs, (size_t)a - 1, (size_t)b - 1))
            abort();
    }
}

/* Embedding (dim 3) and the distances between the first graphs, for small
 * sets only (dense eigenproblems). */
static void embed_and_compare(const wass_graph_set *gs, int flags) {
    size_t nmax = 0;
    for (size_t g = 0; g < gs->graphs; g++)
        if (gs->node_offset[g + 1] - gs->node_offset[g] > nmax)
            nmax = gs->node_offset[g + 1] - gs->node_offset[g];
    if (nmax > 40 || gs->nodes > 400) return;
    wass_graph_embedding E;
    wass_error_info err;
    if (wass_graph_embed(gs, 3, 1, &E, &err) != WASS_OK) {
        if (!err.message[0]) abort();
        return;
    }
    for (size_t k = 0; k < E.nodes * E.dim; k++)
        if (!(E.X[k] >= 0 && E.X[k] <= 1 + 1e-9)) abort(); /* |unit eigenvector entries| */
    static const int methods[4] = {WASS_GRAPH_EXACT, WASS_GRAPH_EMD_MANY, WASS_GRAPH_GRID,
                                   WASS_GRAPH_EXACT};
    wass_graph_distance_options o;
    wass_graph_distance_options_default(&o);
    o.method = methods[(flags >> 6) & 3];
    o.labels = E.label && o.method != WASS_GRAPH_GRID;
    o.threads = 1;
    wass_graph_embedding sub = E;
    sub.graphs = E.graphs < 5 ? E.graphs : 5;
    sub.nodes = E.offset[sub.graphs];
    double D[25];
    if (wass_graph_distances(&sub, &o, D, NULL, &err) == WASS_OK) {
        size_t G = sub.graphs;
        for (size_t i = 0; i < G; i++)
            for (size_t j = 0; j < G; j++)
                if (!(isfinite(D[i * G + j]) && D[i * G + j] >= 0) ||
                    D[i * G + j] != D[j * G + i] || (i == j && D[i * G + j] != 0))
                    abort();
    } else if (!err.message[0]) {
        abort();
    }
    wass_graph_embedding_free(&E);
}

static int same_set(const wass_graph_set *a, const wass_graph_set *b) {
    size_t G = a->graphs, N = a->nodes;
    if (G != b->graphs || N != b->nodes || a->attr_dim != b->attr_dim) return 0;
    if (memcmp(a->node_offset, b->node_offset, (G + 1) * sizeof(size_t)) ||
        memcmp(a->adj_offset, b->adj_offset, (N + 1) * sizeof(size_t)) ||
        memcmp(a->adj, b->adj, a->adj_offset[N] * sizeof(size_t)) ||
        memcmp(a->graph_label, b->graph_label, G * sizeof(int)))
        return 0;
    if ((a->node_label != NULL) != (b->node_label != NULL) ||
        (a->node_label && memcmp(a->node_label, b->node_label, N * sizeof(int))))
        return 0;
    return !a->attr_dim || !memcmp(a->node_attr, b->node_attr, N * a->attr_dim * sizeof(double));
}

/* The same texts as files in the private folder, read by wass_tu_load. */
static void compare_with_files(const wass__tu_texts *t, int rc, const wass_graph_set *gs,
                               const wass_error_info *err) {
    if (!make_folder()) return;
    char p[400];
    for (int f = 0; f < WASS__TU_FILES; f++) {
        snprintf(p, sizeof p, "%s/DS_%s", folder, SUFFIX[f]);
        if (t->text[f] && !fuzz_write(p, (const uint8_t *)t->text[f], t->len[f])) return;
    }
    wass_graph_set fs;
    wass_error_info ferr;
    int frc = wass_tu_load(folder, &fs, &ferr);
    for (int f = 0; f < WASS__TU_FILES; f++) { /* nothing left behind between runs */
        snprintf(p, sizeof p, "%s/DS_%s", folder, SUFFIX[f]);
        remove(p);
    }
    if (frc != rc || ferr.line != err->line) abort();
    if (rc == WASS_OK) {
        if (!same_set(gs, &fs)) abort();
        wass_graph_set_free(&fs);
        return;
    }
    /* the same message, the folder in front of the paths */
    size_t l = strlen(folder);
    if (rc == WASS_ERR_FORMAT && strlen(ferr.message) < sizeof ferr.message - 1 &&
        (strncmp(ferr.message, folder, l) != 0 || strcmp(ferr.message + l + 1, err->message) != 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    size_t start[PARTS] = {0}, len[PARTS] = {0};
    int n = 0;
    size_t from = 0;
    for (size_t p = 0; p <= size && n < PARTS; p++) {
        /* "#" or "#-" alone on a line; after "#-" the part ends without its '\n' */
        size_t w = 0;
        if (p < size && s[p] == '#' && (p == 0 || s[p - 1] == '\n')) {
            w = p + 1 < size && s[p + 1] == '-' ? 2 : 1;
            if (p + w < size && s[p + w] != '\n') w = 0;
        }
        if (w || p == size) {
            start[n] = from;
            len[n] = p - from;
            if (w == 2 && len[n] > 0) len[n]--;
            n++;
            from = p + w + 1;
            p += w;
        }
    }
    if (n == PARTS) len[PARTS - 1] = size - start[PARTS - 1]; /* the last part takes the rest */
    int flags = len[0] ? (unsigned char)s[start[0]] : 0;
    wass__tu_texts t = {"DS", {NULL}, {0}};
    for (int f = 0; f < WASS__TU_FILES; f++) {
        t.text[f] = f + 1 < n ? s + start[f + 1] : "";
        t.len[f] = f + 1 < n ? len[f + 1] : 0;
    }
    if (!(flags & 1)) t.text[WASS__TU_NODE_LABELS] = NULL;
    if (!(flags & 2)) t.text[WASS__TU_NODE_ATTRIBUTES] = NULL;
    if (((flags >> 4) & 3) != 3) t.text[(flags >> 4) & 3] = NULL; /* A, indicator, graph labels */

    wass_graph_set gs;
    wass_error_info err;
    int rc = wass__tu_load_texts(&t, &gs, &err);
    if (rc == WASS_OK) {
        char *buf = malloc(size + 1); /* a line of the input, whole */
        if (!buf) abort();
        check_set(&gs, &t, buf, size + 1);
        free(buf);
    } else if (!err.message[0] || gs.graphs || gs.node_offset) {
        abort(); /* a refusal names the problem and returns nothing */
    }
    if (flags & 4) compare_with_files(&t, rc, &gs, &err);
    if (rc == WASS_OK) {
        embed_and_compare(&gs, flags);
        wass_graph_set_free(&gs);
    }
    return 0;
}
