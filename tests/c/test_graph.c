/*
 * test_graph.c - the graph application: the TU reader on good and malformed
 * folders (every error message checked, nothing loaded on error) and on
 * texts in memory, the
 * spectral embedding on graphs with known spectra, the small-problem
 * transport solver against the core wass_emd on random problems, the
 * all-pairs distances (symmetric, zero diagonal, equal to wass_emd_many), and
 * the SVM and folds on tiny inputs.
 */
#include "apps/graph/graph_internal.h"
#include "test_util.h"
#include "wass/graph.h"

#include <stdlib.h>
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#include <sys/stat.h>
#include <unistd.h>

static char root[256];

static void write_text(const char *dir, const char *suffix, const char *text) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s_%s", dir, strrchr(dir, '/') + 1, suffix);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

/* a folder DS with two graphs: a triangle (nodes 1-3) and an edge (4-5) */
static void make_ds(const char *name, const char *A, const char *ind, const char *gl,
                    const char *nl, char *dir, size_t cap) {
    snprintf(dir, cap, "%s/%s", root, name);
    mkdir(dir, 0700);
    if (A) write_text(dir, "A.txt", A);
    if (ind) write_text(dir, "graph_indicator.txt", ind);
    if (gl) write_text(dir, "graph_labels.txt", gl);
    if (nl) write_text(dir, "node_labels.txt", nl);
}

static const char *GOOD_A = "1, 2\n2, 1\n2, 3\n3, 2\n3, 1\n1, 3\n4, 5\n5, 4\n";
static const char *GOOD_IND = "1\n1\n1\n2\n2\n";
static const char *GOOD_GL = "1\n-1\n";
static const char *GOOD_NL = "0\n1\n0\n2\n2\n";

static void expect_error(const char *name, const char *A, const char *ind, const char *gl,
                         const char *nl, int code, const char *want) {
    char dir[512];
    make_ds(name, A, ind, gl, nl, dir, sizeof dir);
    wass_graph_set gs;
    wass_error_info e;
    int rc = wass_tu_load(dir, &gs, &e);
    CHECK_MSG(rc == code, "%s: rc %d, want %d (%s)", name, rc, code, e.message);
    CHECK_MSG(strstr(e.message, want) != NULL, "%s: message '%s' lacks '%s'", name, e.message,
              want);
    CHECK(gs.graphs == 0 && gs.node_offset == NULL && gs.adj == NULL && gs.graph_label == NULL);
}

static void test_reader(void) {
    char dir[512];
    make_ds("GOOD", GOOD_A, GOOD_IND, GOOD_GL, GOOD_NL, dir, sizeof dir);
    wass_graph_set gs;
    wass_error_info e;
    int rc = wass_tu_load(dir, &gs, &e);
    CHECK_MSG(rc == WASS_OK, "%s", e.message);
    if (rc == WASS_OK) {
        CHECK(gs.graphs == 2 && gs.nodes == 5);
        CHECK(gs.node_offset[1] == 3 && gs.node_offset[2] == 5);
        CHECK(gs.graph_label[0] == 1 && gs.graph_label[1] == -1);
        CHECK(gs.node_label && gs.node_label[1] == 1 && gs.node_label[4] == 2);
        CHECK(gs.adj_offset[1] - gs.adj_offset[0] == 2 && gs.adj[0] == 1 && gs.adj[1] == 2);
        CHECK(gs.adj_offset[5] == 8);
        CHECK(gs.node_attr == NULL);
    }
    wass_graph_set_free(&gs);
    wass_graph_set_free(&gs); /* twice is harmless */

    /* one direction only and repeats: the same undirected graph */
    make_ds("ONEWAY", "1, 2\n2, 3\n3, 1\n1, 2\n4, 5\n", GOOD_IND, GOOD_GL, NULL, dir, sizeof dir);
    rc = wass_tu_load(dir, &gs, &e);
    CHECK(rc == WASS_OK && gs.adj_offset[5] == 8 && gs.node_label == NULL);
    wass_graph_set_free(&gs);

    expect_error("RANGE", "1, 2\n2, 9\n", GOOD_IND, GOOD_GL, NULL, WASS_ERR_FORMAT,
                 "RANGE_A.txt:2: node id 9 out of range 1..5");
    expect_error("ZERO", "0, 2\n", GOOD_IND, GOOD_GL, NULL, WASS_ERR_FORMAT,
                 "ZERO_A.txt:1: node id 0 out of range 1..5");
    expect_error("ACROSS", "1, 2\n3, 4\n", GOOD_IND, GOOD_GL, NULL, WASS_ERR_FORMAT,
                 "ACROSS_A.txt:2: edge 3, 4 joins graph 1 and graph 2");
    expect_error("NOTINT", "1, 2\n2, x\n", GOOD_IND, GOOD_GL, NULL, WASS_ERR_FORMAT,
                 "NOTINT_A.txt:2: expected an edge 'i, j' (two integers), found '2, x'");
    expect_error("FLOAT", "1, 2.5\n", GOOD_IND, GOOD_GL, NULL, WASS_ERR_FORMAT,
                 "FLOAT_A.txt:1: expected an edge 'i, j' (two integers), found '1, 2.5'");
    expect_error("UNSORTED", GOOD_A, "1\n2\n1\n2\n2\n", GOOD_GL, NULL, WASS_ERR_FORMAT,
                 "UNSORTED_graph_indicator.txt:3: graph indicator not sorted: graph 1 after "
                 "graph 2");
    expect_error("GAP", GOOD_A, "1\n1\n1\n3\n3\n", "1\n2\n3\n", NULL, WASS_ERR_FORMAT,
                 "GAP_graph_indicator.txt:4: graph 3 follows graph 1: graph 2 has no nodes");
    expect_error("INDTEXT", GOOD_A, "1\n1\none\n2\n2\n", GOOD_GL, NULL, WASS_ERR_FORMAT,
                 "INDTEXT_graph_indicator.txt:3: expected one integer (a graph id), found 'one'");
    expect_error("FEWLABELS", GOOD_A, GOOD_IND, "1\n", NULL, WASS_ERR_FORMAT,
                 "FEWLABELS_graph_labels.txt:2: expected 2 lines (one per graph in the graph "
                 "indicator), found 1");
    expect_error("MANYLABELS", GOOD_A, GOOD_IND, "1\n2\n3\n", NULL, WASS_ERR_FORMAT,
                 "MANYLABELS_graph_labels.txt:3: expected 2 lines (one per graph in the graph "
                 "indicator), found 3");
    expect_error("LABELTEXT", GOOD_A, GOOD_IND, "1\nb\n", NULL, WASS_ERR_FORMAT,
                 "LABELTEXT_graph_labels.txt:2: expected one integer (a graph label), found 'b'");
    expect_error("NODELABELS", GOOD_A, GOOD_IND, GOOD_GL, "0\n1\n", WASS_ERR_FORMAT,
                 "NODELABELS_node_labels.txt:3: expected 5 lines (one per node in the graph "
                 "indicator), found 2");
    expect_error("NOEDGES", NULL, GOOD_IND, GOOD_GL, NULL, WASS_ERR_IO,
                 "NOEDGES_A.txt: cannot open");
    expect_error("NOIND", GOOD_A, NULL, GOOD_GL, NULL, WASS_ERR_IO,
                 "NOIND_graph_indicator.txt: cannot open");
    expect_error("NOGL", GOOD_A, GOOD_IND, NULL, NULL, WASS_ERR_IO,
                 "NOGL_graph_labels.txt: cannot open");
    expect_error("EMPTYIND", GOOD_A, "", GOOD_GL, NULL, WASS_ERR_FORMAT,
                 "EMPTYIND_graph_indicator.txt:1: no nodes");
    CHECK(wass_tu_load("/nonexistent-folder/XYZ", &gs, &e) == WASS_ERR_IO);
    CHECK(strstr(e.message, "XYZ_graph_indicator.txt: cannot open") != NULL);
}

/* The reader on texts in memory (the fuzzer's entry): the same set as from
 * the folder, the same messages with "name_SUFFIX" paths, optional files
 * absent, the texts left as they were. */
static void test_reader_memory(void) {
    char dir[512];
    make_ds("MEM", GOOD_A, GOOD_IND, GOOD_GL, GOOD_NL, dir, sizeof dir);
    wass_graph_set fs, ms;
    wass_error_info e;
    CHECK(wass_tu_load(dir, &fs, &e) == WASS_OK);
    char ind[16];
    snprintf(ind, sizeof ind, "%s", GOOD_IND);
    wass__tu_texts t = {"MEM", {GOOD_A, ind, GOOD_GL, GOOD_NL, NULL}, {0}};
    for (int f = 0; f < WASS__TU_FILES; f++)
        t.len[f] = t.text[f] ? strlen(t.text[f]) : 0;
    int rc = wass__tu_load_texts(&t, &ms, &e);
    CHECK_MSG(rc == WASS_OK, "%s", e.message);
    if (rc == WASS_OK) {
        CHECK(ms.graphs == fs.graphs && ms.nodes == fs.nodes && ms.attr_dim == 0);
        CHECK(memcmp(ms.adj_offset, fs.adj_offset, (fs.nodes + 1) * sizeof(size_t)) == 0);
        CHECK(memcmp(ms.adj, fs.adj, fs.adj_offset[fs.nodes] * sizeof(size_t)) == 0);
        CHECK(memcmp(ms.node_label, fs.node_label, fs.nodes * sizeof(int)) == 0);
        CHECK(strcmp(ind, GOOD_IND) == 0); /* read, not written */
    }
    wass_graph_set_free(&ms);
    wass_graph_set_free(&fs);
    t.text[WASS__TU_NODE_ATTRIBUTES] = "1.5, 2\n0, 0\n1, 1\n2, 2\n3, 3"; /* no final newline */
    t.len[WASS__TU_NODE_ATTRIBUTES] = strlen(t.text[WASS__TU_NODE_ATTRIBUTES]);
    CHECK(wass__tu_load_texts(&t, &ms, &e) == WASS_OK && ms.attr_dim == 2 &&
          ms.node_attr[0] == 1.5 && ms.node_attr[9] == 3);
    wass_graph_set_free(&ms);
    t.text[WASS__TU_GRAPH_LABELS] = "1\n"; /* the count first: one line is not two */
    t.len[WASS__TU_GRAPH_LABELS] = 2;
    CHECK(wass__tu_load_texts(&t, &ms, &e) == WASS_ERR_FORMAT && e.line == 2);
    CHECK_MSG(strstr(e.message, "MEM_graph_labels.txt:2: expected 2 lines") == e.message, "%s",
              e.message);
    CHECK(ms.graphs == 0 && ms.node_offset == NULL);
    t.text[WASS__TU_GRAPH_LABELS] = GOOD_GL;
    t.len[WASS__TU_GRAPH_LABELS] = strlen(GOOD_GL);
    t.len[WASS__TU_GRAPH_INDICATOR] = 3; /* a NUL byte inside: not a text */
    ind[1] = '\0';
    CHECK(wass__tu_load_texts(&t, &ms, &e) == WASS_ERR_FORMAT);
    CHECK(strstr(e.message, "MEM_graph_indicator.txt: not a text file (NUL byte)") != NULL);
    t.text[WASS__TU_A] = NULL;
    t.len[WASS__TU_GRAPH_INDICATOR] = strlen(GOOD_IND);
    snprintf(ind, sizeof ind, "%s", GOOD_IND);
    CHECK(wass__tu_load_texts(&t, &ms, &e) == WASS_ERR_IO);
    CHECK(strstr(e.message, "MEM_A.txt: cannot open") != NULL);
    t.name = "";
    CHECK(wass__tu_load_texts(&t, &ms, &e) == WASS_ERR_INVALID);
    CHECK(wass__tu_load_texts(NULL, &ms, &e) == WASS_ERR_INVALID);
}

/* the path P_n: eigenvalues 2 cos(k pi / (n + 1)), eigenvector k has
 * components sqrt(2 / (n + 1)) sin(i k pi / (n + 1)) */
static void test_embed(void) {
    const size_t n = 7, dim = 3;
    double A[49] = {0}, X[21], w[3];
    for (size_t i = 0; i + 1 < n; i++)
        A[i * n + i + 1] = A[(i + 1) * n + i] = 1;
    wass_error_info e;
    CHECK(wass_graph_spectral_embed(n, A, dim, X, w, &e) == WASS_OK);
    /* |lambda| descending: k = 1 and k = n tie (2cos(pi/8), -2cos(pi/8)); the
     * larger eigenvalue first, then its negative, then k = 2 */
    double lam[3] = {2 * cos(M_PI / 8), -2 * cos(M_PI / 8), 2 * cos(2 * M_PI / 8)};
    int k_of[3] = {1, 7, 2};
    for (size_t c = 0; c < dim; c++) {
        CHECK_CLOSE(w[c], lam[c], 1e-12);
        for (size_t i = 0; i < n; i++)
            CHECK_CLOSE(X[i * dim + c], fabs(sqrt(2.0 / 8) * sin((i + 1) * k_of[c] * M_PI / 8)),
                        1e-12);
    }
    /* fewer nodes than dim: zero padding */
    double B[4] = {0, 1, 1, 0}, Y[10], v[5];
    CHECK(wass_graph_spectral_embed(2, B, 5, Y, v, &e) == WASS_OK);
    CHECK_CLOSE(Y[0], sqrt(0.5), 1e-14);
    CHECK(Y[2] == 0 && Y[3] == 0 && Y[4] == 0 && Y[9] == 0 && v[4] == 0);
    B[1] = 2; /* not symmetric */
    CHECK(wass_graph_spectral_embed(2, B, 2, Y, v, &e) == WASS_ERR_INVALID);
    CHECK(strstr(e.message, "not symmetric") != NULL);
}

/* the fast solver against wass_emd on random problems, some degenerate:
 * ties, equal rows and columns, n = 1 or m = 1, n != m, zero costs */
static void test_transport(void) {
    uint64_t st = 7;
    wass__transport_work w;
    CHECK(wass__transport_work_init(&w, 70, 70) == WASS_OK);
    double C[4900];
    int s[70], t[70];
    double worst = 0, worst_gap = 0;
    for (int rep = 0; rep < 600; rep++) {
        size_t n = 1 + test_rand_u64(&st) % (rep < 500 ? 40 : 70);
        size_t m = rep % 50 == 7 ? 1 : 1 + test_rand_u64(&st) % (rep < 500 ? 40 : 70);
        int kind = rep % 5;
        for (size_t k = 0; k < n * m; k++) {
            double r = test_rand_unif(&st);
            C[k] = kind == 0   ? r
                   : kind == 1 ? floor(4 * r)        /* many ties */
                   : kind == 2 ? (double)(k % 3)     /* structured ties */
                   : kind == 3 ? (double)(k / m % 2) /* equal rows in pairs */
                               : 0.0;                /* all equal */
        }
        size_t a = n, b = m;
        while (b) {
            size_t q = a % b;
            a = b;
            b = q;
        }
        for (size_t i = 0; i < n; i++)
            s[i] = (int)(m / a) * (rep % 7 == 3 ? 1 + (int)(i % 3) : 1);
        int tot = 0;
        for (size_t i = 0; i < n; i++)
            tot += s[i];
        for (size_t j = 0; j < m; j++)
            t[j] = (int)(n / a);
        if (rep % 7 == 3) { /* unequal masses: the columns take the rest in turn */
            for (size_t j = 0; j < m; j++)
                t[j] = tot / (int)m;
            t[m - 1] += tot - (tot / (int)m) * (int)m;
        }
        wass__transport_result res;
        int rc = wass__transport_solve_dense(&w, n, m, C, s, t, 1e-9, &res);
        CHECK_MSG(rc == WASS_OK && res.certified, "rep %d (%zu x %zu): rc %d certified %d", rep, n,
                  m, rc, rc == WASS_OK ? res.certified : -1);
        if (rc != WASS_OK) continue;
        if (res.gap > worst_gap) worst_gap = res.gap;
        double *a2 = malloc((n + m) * sizeof *a2);
        for (size_t i = 0; i < n; i++)
            a2[i] = s[i];
        for (size_t j = 0; j < m; j++)
            a2[n + j] = t[j];
        wass_problem pb = {
            .n = n, .m = m, .a = a2, .b = a2 + n, .cost = wass_cost_dense(C, m, 1.0)};
        wass_result r;
        wass_error_info e;
        CHECK(wass_emd(&pb, NULL, &r, &e) == WASS_OK && r.status == WASS_OPTIMAL);
        double d = fabs(res.cost - r.cost / tot); /* wass_emd: the total, masses as given */
        if (d > worst) worst = d;
        wass_result_free(&r);
        free(a2);
    }
    CHECK_MSG(worst <= 1e-12, "worst difference to wass_emd %g", worst);
    CHECK_MSG(worst_gap <= 1e-12, "worst certified gap %g", worst_gap);
    int bad[2] = {1, 1}, bt[2] = {1, 2}, neg[2] = {-1, 3};
    wass__transport_result res;
    CHECK(wass__transport_solve_dense(&w, 2, 2, C, bad, bt, 1e-9, &res) == WASS_ERR_MASS_MISMATCH);
    CHECK(wass__transport_solve_dense(&w, 2, 2, C, neg, bt, 1e-9, &res) == WASS_ERR_NEGATIVE);
    CHECK(wass__transport_solve_dense(&w, 71, 2, C, bad, bt, 1e-9, &res) == WASS_ERR_SIZE);
    /* a certificate that must fail: optimal flows, duals moved off */
    int s2[2] = {1, 1}, t2[2] = {1, 1};
    double C2[4] = {0, 1, 1, 0};
    CHECK(wass__transport_solve_dense(&w, 2, 2, C2, s2, t2, 1e-9, &res) == WASS_OK);
    CHECK(res.certified && res.cost == 0);
    int xbad[4] = {0, 1, 1, 0};
    double u0[2] = {0, 0}, v0[2] = {0, 0}, rm[2] = {0, 0};
    CHECK(wass__transport_certify(C2, 2, 2, 2, xbad, NULL, s2, t2, u0, v0, rm, 1, 1, 1e-9, &res) ==
          WASS_OK);
    CHECK(!res.certified && res.cost == 1);
    int xoff[4] = {1, 1, 0, 0};
    CHECK(wass__transport_certify(C2, 2, 2, 2, xoff, NULL, s2, t2, u0, v0, rm, 1, 1, 1e-9, &res) ==
          WASS_ERR_INTERNAL);
    /* the plan given as a list of arcs: the same answer; an arc without flow,
     * a column out of range or a missing arc is refused */
    uint64_t arcs[2 * WASS__TR_WORDS] = {0};
    arcs[0] = 2;              /* row 0: column 1 */
    arcs[WASS__TR_WORDS] = 1; /* row 1: column 0 */
    CHECK(wass__transport_certify(C2, 2, 2, 2, xbad, arcs, s2, t2, u0, v0, rm, 1, 1, 1e-9, &res) ==
          WASS_OK);
    CHECK(!res.certified && res.cost == 1);
    arcs[0] = 3; /* x_00 = 0 listed */
    CHECK(wass__transport_certify(C2, 2, 2, 2, xbad, arcs, s2, t2, u0, v0, rm, 1, 1, 1e-9, &res) ==
          WASS_ERR_INTERNAL);
    arcs[0] = 2 | 4; /* column 2 of a 2-column problem */
    CHECK(wass__transport_certify(C2, 2, 2, 2, xbad, arcs, s2, t2, u0, v0, rm, 1, 1, 1e-9, &res) ==
          WASS_ERR_INTERNAL);
    arcs[0] = 0; /* row 0's flow left out */
    CHECK(wass__transport_certify(C2, 2, 2, 2, xbad, arcs, s2, t2, u0, v0, rm, 1, 1, 1e-9, &res) ==
          WASS_ERR_INTERNAL);
    wass__transport_work_free(&w);
}

/* the searches on the flow forest kept between them (one word a side, and
 * more) and the searches that find the components breadth first give
 * bitwise the same flows and answers, ties included */
static void test_transport_forest(void) {
    uint64_t st = 33;
    wass__transport_work w;
    CHECK(wass__transport_work_init(&w, 140, 140) == WASS_OK);
    double *C = malloc(140 * 140 * sizeof *C);
    int s[140], t[140], *x0 = malloc(140 * 140 * sizeof *x0);
    int used[3] = {0, 0, 0};
    for (int rep = 0; rep < 120; rep++) {
        size_t lim = rep < 80 ? 64 : 140;
        size_t n = 1 + test_rand_u64(&st) % lim, m = 1 + test_rand_u64(&st) % lim;
        int kind = rep % 3;
        for (size_t k = 0; k < n * m; k++) {
            double r = test_rand_unif(&st);
            C[k] = kind == 0 ? r : kind == 1 ? floor(3 * r) : (double)((k / m + k % m) % 4);
        }
        size_t a = n, b = m;
        while (b) {
            size_t q = a % b;
            a = b;
            b = q;
        }
        for (size_t i = 0; i < n; i++)
            s[i] = (int)(m / a) * (1 + (int)(i % 2));
        int tot = 0;
        for (size_t i = 0; i < n; i++)
            tot += s[i];
        for (size_t j = 0; j < m; j++)
            t[j] = tot / (int)m;
        t[m - 1] += tot - (tot / (int)m) * (int)m;
        wass__transport_result r[2];
        for (int off = 0; off <= 1; off++) {
            w.noforest = off;
            CHECK(wass__transport_solve_dense(&w, n, m, C, s, t, 1e-9, &r[off]) == WASS_OK);
            CHECK(r[off].certified);
            if (off == 0) {
                used[w.forest]++;
                memcpy(x0, w.x, n * w.ld * sizeof *x0);
            } else {
                CHECK(w.forest == 0);
                CHECK(memcmp(x0, w.x, n * w.ld * sizeof *x0) == 0);
            }
        }
        CHECK_MSG(r[0].cost == r[1].cost && r[0].gap == r[1].gap &&
                      r[0].min_reduced == r[1].min_reduced,
                  "rep %d (%zu x %zu): %.17g against %.17g", rep, n, m, r[0].cost, r[1].cost);
    }
    w.noforest = 0;
    /* every start's flows were a forest, one word a side and more */
    CHECK_MSG(used[0] == 0 && used[1] > 0 && used[2] > 0, "forest use %d %d %d", used[0], used[1],
              used[2]);
    wass__transport_work_free(&w);
    free(C);
    free(x0);
}

/* both builds of the vector loops (AVX2 where the CPU has it, and the
 * baseline) give bitwise the same costs, flows and answers */
static void test_transport_isa(void) {
    uint64_t st = 21;
    wass__transport_work w;
    CHECK(wass__transport_work_init(&w, 90, 90) == WASS_OK);
    double C[8100];
    int s[90], t[90], x0[8100];
    for (int rep = 0; rep < 60; rep++) {
        size_t n = 1 + test_rand_u64(&st) % 90, m = 1 + test_rand_u64(&st) % 90;
        for (size_t k = 0; k < n * m; k++)
            C[k] = rep % 2 ? test_rand_unif(&st) : floor(3 * test_rand_unif(&st));
        for (size_t i = 0; i < n; i++)
            s[i] = (int)m;
        for (size_t j = 0; j < m; j++)
            t[j] = (int)n;
        wass__transport_result r[2];
        int have = w.isa;
        for (int isa = 0; isa <= have; isa++) {
            w.isa = isa;
            CHECK(wass__transport_solve_dense(&w, n, m, C, s, t, 1e-9, &r[isa]) == WASS_OK);
            CHECK(r[isa].certified);
            if (isa == 0)
                memcpy(x0, w.x, n * w.ld * sizeof *x0);
            else
                CHECK(memcmp(x0, w.x, n * w.ld * sizeof *x0) == 0);
        }
        w.isa = have;
        if (have)
            CHECK(r[0].cost == r[1].cost && r[0].gap == r[1].gap &&
                  r[0].min_reduced == r[1].min_reduced);
    }
    wass__transport_work_free(&w);
    /* the pair costs: both builds, and the scalar formula */
    wass_graph_embedding E;
    memset(&E, 0, sizeof E);
    size_t off[3] = {0, 7, 18};
    double X[18 * 5];
    for (size_t k = 0; k < 18 * 5; k++)
        X[k] = test_rand_unif(&st);
    E.graphs = 2;
    E.nodes = 18;
    E.dim = 5;
    E.offset = off;
    E.X = X;
    wass__merged_nodes mn;
    CHECK(wass__merged_nodes_init(&mn, &E, 0) == WASS_OK);
    double A[11 * 12], B[11 * 12];
    int have = mn.avx2;
    mn.avx2 = 0;
    wass__pair_costs(&mn, 1, 0, 0, 0.0, A, 8);
    mn.avx2 = have;
    wass__pair_costs(&mn, 1, 0, 0, 0.0, B, 8);
    CHECK(memcmp(A, B, 11 * 8 * sizeof *A) == 0);
    for (size_t i = 0; i < 11; i++)
        for (size_t j = 0; j < 8; j++) {
            double sq = 0;
            for (size_t k = 0; k < 5; k++) {
                double d = X[(7 + i) * 5 + k] - X[j * 5 + k];
                sq += d * d;
            }
            CHECK(A[i * 8 + j] == (j < 7 ? sqrt(sq) : 0.0));
        }
    wass__merged_nodes_free(&mn);
}

static void test_distances(void) {
    /* random graphs: embeddings, then both exact methods and the grid */
    uint64_t st = 11;
    const size_t G = 30, dim = 4;
    wass_graph_set gs;
    memset(&gs, 0, sizeof gs);
    gs.graphs = G;
    gs.node_offset = calloc(G + 1, sizeof *gs.node_offset);
    for (size_t g = 0; g < G; g++)
        gs.node_offset[g + 1] = gs.node_offset[g] + 2 + test_rand_u64(&st) % 14;
    gs.nodes = gs.node_offset[G];
    gs.adj_offset = calloc(gs.nodes + 1, sizeof *gs.adj_offset);
    gs.adj = malloc(gs.nodes * gs.nodes * sizeof *gs.adj);
    gs.node_label = malloc(gs.nodes * sizeof *gs.node_label);
    size_t e = 0;
    for (size_t g = 0; g < G; g++) {
        size_t b = gs.node_offset[g], n = gs.node_offset[g + 1] - b;
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < n; j++)
                if (i != j && ((i + j) % 3 == 0 || j == i + 1 || i == j + 1)) gs.adj[e++] = b + j;
            gs.adj_offset[b + i + 1] = e;
            gs.node_label[b + i] = (int)(test_rand_u64(&st) % 3);
        }
    }
    wass_graph_embedding E;
    wass_error_info err;
    CHECK(wass_graph_embed(&gs, dim, 0, &E, &err) == WASS_OK);
    double *D = malloc(G * G * sizeof *D), *D2 = malloc(G * G * sizeof *D2);
    for (int labels = 0; labels < 2; labels++) {
        wass_graph_distance_options o;
        wass_graph_distance_options_default(&o);
        o.labels = labels;
        o.label_penalty = 0.5;
        wass_graph_distance_info info;
        CHECK(wass_graph_distances(&E, &o, D, &info, &err) == WASS_OK);
        CHECK(info.pairs == G * (G - 1) / 2 && info.fallbacks == 0);
        o.method = WASS_GRAPH_EMD_MANY;
        o.threads = 1;
        CHECK(wass_graph_distances(&E, &o, D2, &info, &err) == WASS_OK);
        double worst = 0;
        for (size_t k = 0; k < G * G; k++)
            worst = fmax(worst, fabs(D[k] - D2[k]));
        CHECK_MSG(worst <= 1e-12, "labels %d: exact vs emd_many %g", labels, worst);
        for (size_t g = 0; g < G; g++) {
            CHECK(D[g * G + g] == 0);
            for (size_t h = 0; h < G; h++)
                CHECK(D[g * G + h] == D[h * G + g] && D[g * G + h] >= 0);
        }
    }
    wass_graph_distance_options o;
    wass_graph_distance_options_default(&o);
    o.method = WASS_GRAPH_GRID;
    CHECK(wass_graph_distances(&E, &o, D2, NULL, &err) == WASS_OK);
    o.labels = 1;
    CHECK(wass_graph_distances(&E, &o, D2, NULL, &err) == WASS_ERR_UNSUPPORTED);
    free(E.label);
    E.label = NULL;
    o.method = WASS_GRAPH_EXACT;
    CHECK(wass_graph_distances(&E, &o, D2, NULL, &err) == WASS_ERR_INVALID);
    CHECK(strstr(err.message, "no labels") != NULL);
    free(D);
    free(D2);
    wass_graph_embedding_free(&E);
    wass_graph_set_free(&gs);
}

/* stars (leaves are symmetric: with dim 2 their embedding rows agree, so
 * the fast path merges them) with paths: the same numbers as wass_emd_many */
static void test_merged(void) {
    const size_t G = 12;
    wass_graph_set gs;
    memset(&gs, 0, sizeof gs);
    gs.graphs = G;
    gs.node_offset = calloc(G + 1, sizeof *gs.node_offset);
    for (size_t g = 0; g < G; g++)
        gs.node_offset[g + 1] = gs.node_offset[g] + 3 + g;
    gs.nodes = gs.node_offset[G];
    gs.adj_offset = calloc(gs.nodes + 1, sizeof *gs.adj_offset);
    gs.adj = malloc(2 * gs.nodes * sizeof *gs.adj);
    size_t e = 0;
    for (size_t g = 0; g < G; g++) {
        size_t b = gs.node_offset[g], n = gs.node_offset[g + 1] - b;
        for (size_t i = 0; i < n; i++) {
            if (g % 2 == 0) { /* star centred on node 0 */
                if (i == 0)
                    for (size_t j = 1; j < n; j++)
                        gs.adj[e++] = b + j;
                else
                    gs.adj[e++] = b;
            } else { /* path */
                if (i > 0) gs.adj[e++] = b + i - 1;
                if (i + 1 < n) gs.adj[e++] = b + i + 1;
            }
            gs.adj_offset[b + i + 1] = e;
        }
    }
    wass_graph_embedding E;
    wass_error_info err;
    CHECK(wass_graph_embed(&gs, 2, 1, &E, &err) == WASS_OK);
    CHECK(E.X[(gs.node_offset[2] + 1) * 2] == E.X[(gs.node_offset[2] + 2) * 2] ||
          fabs(E.X[(gs.node_offset[2] + 1) * 2] - E.X[(gs.node_offset[2] + 2) * 2]) < 1e-13);
    double *D = malloc(G * G * sizeof *D), *D2 = malloc(G * G * sizeof *D2);
    wass_graph_distance_options o;
    wass_graph_distance_options_default(&o);
    CHECK(wass_graph_distances(&E, &o, D, NULL, &err) == WASS_OK);
    o.method = WASS_GRAPH_EMD_MANY;
    CHECK(wass_graph_distances(&E, &o, D2, NULL, &err) == WASS_OK);
    double worst = 0;
    for (size_t k = 0; k < G * G; k++)
        worst = fmax(worst, fabs(D[k] - D2[k]));
    CHECK_MSG(worst <= 1e-12, "stars and paths: fast vs emd_many %g", worst);
    CHECK(D[0 * G + 2] > 0); /* two different stars */
    free(D);
    free(D2);
    wass_graph_embedding_free(&E);
    wass_graph_set_free(&gs);
}

/* The embedding of graphs src[0 .. G) of base (copies of its graphs). */
static void pick_graphs(const wass_graph_embedding *base, const size_t *src, size_t G,
                        wass_graph_embedding *E) {
    size_t d = base->dim, nodes = 0;
    for (size_t k = 0; k < G; k++)
        nodes += base->offset[src[k] + 1] - base->offset[src[k]];
    *E = (wass_graph_embedding){G,
                                nodes,
                                d,
                                malloc((G + 1) * sizeof(size_t)),
                                malloc(nodes * d * sizeof(double)),
                                malloc(nodes * sizeof(int))};
    E->offset[0] = 0;
    for (size_t k = 0; k < G; k++) {
        size_t o = base->offset[src[k]], n = base->offset[src[k] + 1] - o, b = E->offset[k];
        memcpy(E->X + b * d, base->X + o * d, n * d * sizeof *E->X);
        memcpy(E->label + b, base->label + o, n * sizeof *E->label);
        E->offset[k + 1] = b + n;
    }
}

/* graphs with the points of an earlier one up to order and rounding get its
 * distances copied (bitwise its row), 0 between copies, each within 1e-12
 * of what the pair gives alone and of wass_emd_many: exact copies, one
 * coordinate one unit in the last place off, nodes permuted with a
 * coordinate 1e-14 off; graphs that are not copies are solved as distinct:
 * other labels (labelled), one more node, a coordinate 1e-9 off */
static void test_duplicates(void) {
    uint64_t st = 5;
    const size_t B = 14, d = 3;
    size_t sz[14] = {1, 7, 12, 3, 20, 9, 1, 15, 6, 11, 4, 18, 15, 6}, nodes = 0;
    for (size_t g = 0; g < B; g++)
        nodes += sz[g];
    wass_graph_embedding base = {B,
                                 nodes,
                                 d,
                                 malloc((B + 1) * sizeof(size_t)),
                                 malloc(nodes * d * sizeof(double)),
                                 malloc(nodes * sizeof(int))};
    base.offset[0] = 0;
    for (size_t g = 0; g < B; g++)
        base.offset[g + 1] = base.offset[g] + sz[g];
    for (size_t v = 0; v < nodes; v++) {
        for (size_t k = 0; k < d; k++) /* a coarse grid: ties and merged nodes */
            base.X[v * d + k] = (double)(test_rand_u64(&st) % 4) / 4;
        base.label[v] = (int)(test_rand_u64(&st) % 2);
    }
    size_t b9 = base.offset[9], b10, b11, b12, b13;
    base.X[base.offset[5] * d + 1] = 0.75; /* not 0: the core refuses an underflowing cost */
    memcpy(base.X + b9 * d, base.X + base.offset[5] * d, 9 * d * sizeof *base.X);
    memcpy(base.label + b9, base.label + base.offset[5], 9 * sizeof *base.label);
    base.X[b9 * d + 1] = nextafter(base.X[b9 * d + 1], 2.0); /* graph 9: graph 5 ... */
    base.offset[10] = b10 = b9 + 9;                          /* ... nodes, one coordinate off */
    for (size_t v = 0; v < 4; v++) { /* graph 10: graph 3 reversed, then one more node */
        size_t from = v < 3 ? base.offset[3] + 2 - v : base.offset[3];
        memcpy(base.X + (b10 + v) * d, base.X + from * d, d * sizeof *base.X);
        base.label[b10 + v] = base.label[from];
    }
    base.offset[11] = b11 = b10 + 4;
    for (size_t v = 0; v < 20; v++) { /* graph 11: graph 4, other labels */
        memcpy(base.X + (b11 + v) * d, base.X + (base.offset[4] + v) * d, d * sizeof *base.X);
        base.label[b11 + v] = 1 - base.label[base.offset[4] + v];
    }
    base.offset[12] = b12 = b11 + 20;
    for (size_t v = 0; v < 15; v++) { /* graph 12: graph 7 reversed, ... */
        size_t from = base.offset[7] + 14 - v;
        memcpy(base.X + (b12 + v) * d, base.X + from * d, d * sizeof *base.X);
        base.label[b12 + v] = base.label[from];
    }
    base.X[(b12 + 3) * d + 2] += 1e-14; /* ... a coordinate 1e-14 off */
    base.offset[13] = b13 = b12 + 15;
    memcpy(base.X + b13 * d, base.X + base.offset[8] * d, 6 * d * sizeof *base.X);
    memcpy(base.label + b13, base.label + base.offset[8], 6 * sizeof *base.label);
    base.X[(b13 + 2) * d] += 1e-9; /* graph 13: graph 8, a coordinate 1e-9 off */
    base.offset[14] = b13 + 6;
    base.nodes = b13 + 6;
    const size_t src[] = {0, 1, 2, 4, 3, 4, 5, 2, 9, 6, 7, 4, 8, 10, 0, 11, 2, 6, 1, 12, 7, 13, 8};
    const size_t G = sizeof src / sizeof *src;
    wass_graph_embedding E, P;
    pick_graphs(&base, src, G, &E);
    double *D = malloc(G * G * sizeof *D), *D2 = malloc(G * G * sizeof *D2), Dp[4];
    wass_error_info err;
    for (int labels = 0; labels < 2; labels++) {
        /* the class of each base graph: the first base graph it copies */
        size_t cls[14];
        for (size_t g = 0; g < B; g++)
            cls[g] = g;
        cls[9] = 5;
        cls[12] = 7;
        if (!labels) cls[11] = 4;
        wass_graph_distance_options o;
        wass_graph_distance_options_default(&o);
        o.labels = labels;
        wass_graph_distance_info info;
        CHECK(wass_graph_distances(&E, &o, D, &info, &err) == WASS_OK);
        CHECK(info.pairs == G * (G - 1) / 2 && info.fallbacks == 0);
        int rows = 1, zeros = 1;
        double alone = 0;
        for (size_t g = 0; g < G; g++)
            for (size_t h = 0; h < G; h++) {
                if (g < h) {
                    size_t two[2] = {src[g], src[h]};
                    pick_graphs(&base, two, 2, &P);
                    CHECK(wass_graph_distances(&P, &o, Dp, NULL, &err) == WASS_OK);
                    alone = fmax(alone, fabs(D[g * G + h] - Dp[1]));
                    wass_graph_embedding_free(&P);
                }
                if (cls[src[g]] == cls[src[h]]) zeros &= D[g * G + h] == 0;
                /* every copy's row is the row of the first graph of its class */
                size_t f = 0;
                while (cls[src[f]] != cls[src[g]])
                    f++;
                rows &= D[g * G + h] == D[f * G + h] && D[h * G + g] == D[h * G + f];
            }
        CHECK_MSG(rows, "labels %d: a copy's row differs from its class' first", labels);
        CHECK_MSG(zeros, "labels %d: copies not at distance 0", labels);
        CHECK_MSG(alone <= 1e-12, "labels %d: with copies vs the pairs alone %g", labels, alone);
        CHECK(D[6 * G + 8] == 0 && D[10 * G + 19] == 0); /* one ulp; permuted and 1e-14 */
        CHECK(D[15 * G + 3] > 0 || !labels);             /* other labels */
        CHECK(D[21 * G + 22] > 0 && D[4 * G + 13] > 0);  /* 1e-9 off; one more node */
        o.method = WASS_GRAPH_EMD_MANY;
        o.threads = 1;
        CHECK_MSG(wass_graph_distances(&E, &o, D2, NULL, &err) == WASS_OK, "%s", err.message);
        double worst = 0;
        for (size_t k = 0; k < G * G; k++)
            worst = fmax(worst, fabs(D[k] - D2[k]));
        CHECK_MSG(worst <= 1e-12, "labels %d: with copies vs emd_many %g", labels, worst);
    }
    free(D);
    free(D2);
    wass_graph_embedding_free(&E);
    wass_graph_embedding_free(&base);
}

static void test_svm(void) {
    /* two separable clusters on a line, Gaussian kernel */
    double x[8] = {0, 0.1, 0.2, 0.3, 5, 5.1, 5.2, 5.3};
    int y[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    double K[64], T[4];
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++)
            K[i * 8 + j] = exp(-(x[i] - x[j]) * (x[i] - x[j]));
    double q[2] = {0.05, 5.25};
    for (int t = 0; t < 2; t++)
        for (int j = 0; j < 2; j++)
            (void)j;
    double Kt[16];
    for (int t = 0; t < 2; t++)
        for (int j = 0; j < 8; j++)
            Kt[t * 8 + j] = exp(-(q[t] - x[j]) * (q[t] - x[j]));
    int pred[2] = {-1, -1};
    wass_error_info e;
    CHECK(wass_svm_precomputed(K, y, 8, 1.0, Kt, 2, pred, &e) == WASS_OK);
    CHECK(pred[0] == 0 && pred[1] == 1);
    /* swapped labels: predictions follow */
    int y2[8] = {1, 1, 1, 1, 0, 0, 0, 0};
    CHECK(wass_svm_precomputed(K, y2, 8, 1.0, Kt, 2, pred, &e) == WASS_OK);
    CHECK(pred[0] == 1 && pred[1] == 0);
    CHECK(wass_svm_precomputed(K, y, 8, -1.0, Kt, 2, pred, &e) == WASS_ERR_INVALID);
    (void)T;

    /* folds: stratified, sizes within one */
    int lab[23];
    for (int i = 0; i < 23; i++)
        lab[i] = i % 3 == 0;
    size_t f[23], cnt[5] = {0}, pos[5] = {0};
    CHECK(wass_graph_folds(lab, 23, 5, 3, f, &e) == WASS_OK);
    for (int i = 0; i < 23; i++) {
        cnt[f[i]]++;
        pos[f[i]] += (size_t)lab[i];
    }
    for (int k = 0; k < 5; k++) {
        CHECK(cnt[k] >= 4 && cnt[k] <= 5);
        CHECK(pos[k] >= 1 && pos[k] <= 2);
    }
    CHECK(wass_graph_folds(lab, 23, 1, 0, f, &e) == WASS_ERR_INVALID);

    /* classification of a distance that separates two classes perfectly */
    enum { N = 40 };
    double *D = malloc(N * N * sizeof *D);
    int cls[N];
    for (int i = 0; i < N; i++)
        cls[i] = i % 2;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            D[i * N + j] = i == j ? 0 : (cls[i] == cls[j] ? 1.0 : 3.0) + 0.01 * ((i * j) % 7);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < i; j++)
            D[i * N + j] = D[j * N + i];
    wass_graph_classify_options co;
    wass_graph_classify_options_default(&co);
    co.folds = 5;
    co.inner_folds = 3;
    wass_graph_classify_result r;
    CHECK(wass_graph_classify(D, cls, N, &co, &r, &e) == WASS_OK);
    CHECK_CLOSE(r.mean, 1.0, 1e-12);
    CHECK(r.folds == 5 && r.std == 0);
    wass_graph_classify_result_free(&r);
    co.psd = WASS_GRAPH_PSD_CLIP;
    CHECK(wass_graph_classify(D, cls, N, &co, &r, &e) == WASS_OK);
    CHECK_CLOSE(r.mean, 1.0, 1e-12);
    wass_graph_classify_result_free(&r);
    D[1] = -1;
    CHECK(wass_graph_classify(D, cls, N, &co, &r, &e) == WASS_ERR_INVALID);
    free(D);
}

int main(void) {
    snprintf(root, sizeof root, "%s/graph_test_XXXXXX", WASS_BINARY_DIR);
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 2;
    }
    test_reader();
    test_reader_memory();
    test_embed();
    test_transport();
    test_transport_isa();
    test_transport_forest();
    test_distances();
    test_merged();
    test_duplicates();
    test_svm();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", root);
    return test_main_end("test_graph");
}
