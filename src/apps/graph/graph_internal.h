/*
 * graph_internal.h - what the graph application's files share (not
 * installed): the small-problem transport solver used for all pairs, its
 * certificate, the pair costs between merged node clouds, and the TU reader
 * on texts in memory (for the fuzzer).
 */
#ifndef WASS_GRAPH_INTERNAL_H
#define WASS_GRAPH_INTERNAL_H

#include "common/internal.h"
#include "wass/graph.h"

#include <stdint.h>

/* ---- the small transport solver (transport.c, transport_simd.h) --------- */

/* Nodes are kept in bitmasks of WASS__TR_WORDS 64-bit words a side: the
 * solver takes problems up to WASS__TR_MAX rows and columns. */
#define WASS__TR_WORDS 4
#define WASS__TR_MAX (64 * WASS__TR_WORDS)

/* One flow component entered by a search, at distance d: its rows and
 * columns, and its breadth-first levels (alternately columns and rows from
 * the entry node, nlev masks from levm[lev0]). */
typedef struct {
    double d;
    int start;  /* the entry column, or ~row for the search's root */
    int parent; /* the tree row the entry column was reached from (-1: root) */
    int nlev, lev0;
    uint64_t rows[WASS__TR_WORDS], cols[WASS__TR_WORDS];
} wass__tr_entry;

/* Workspace for problems up to nmax x mmax (one per thread). The costs of
 * the current problem are C (n rows of stride ld, ld = m rounded up to 4,
 * padding columns zero). */
typedef struct {
    size_t nmax, mmax, ldmax;
    size_t n, m, ld;
    int nw, mw;     /* bitmask words in use for rows and columns */
    int isa;        /* instruction set of the kernels (transport.c) */
    size_t xn, xld; /* the flows in x: rows and stride of the last problem (0: none) */
    int xmw;        /* its mask words a row */
    double *C;
    double *u, *v, *key, *rowmin;
    double *krow; /* per column: the row that set its key */
    int *x;       /* flows, n x ld */
    int *rs, *rt, *pred, *prow, *arg;
    uint64_t *rmask; /* per row: columns with positive flow (WASS__TR_WORDS words) */
    uint64_t *cmask; /* per column: rows with positive flow */
    uint64_t *levm;  /* level masks of the entries of one search */
    wass__tr_entry *ent;
    int *rloc, *cloc; /* per row / column: its entry and level in the search tree */
    int nent, nlevm, maxent, maxlev;
    uint64_t sink[WASS__TR_WORDS]; /* columns with demand left */
    uint64_t fin[WASS__TR_WORDS];  /* columns in the current search tree */
    uint64_t labr[WASS__TR_WORDS]; /* rows in the current search tree */
    size_t searches;               /* shortest-path searches, all problems (statistics) */
    /* The flow forest kept between searches (transport.c): node k is row k
     * (k < F) or column k - F, F = 64 for one word a side, else
     * 64 WASS__TR_WORDS. */
    int forest;                      /* 1 (one word a side), 2 (more), 0: the searches do without */
    int noforest;                    /* set: never keep the forest (tests) */
    int16_t *fpar;                   /* tree parent of each node, -1 at a tree's root (2 F) */
    uint64_t *fcr, *fcc;             /* at a root's index: the rows and columns of its tree */
    int16_t *fpj;                    /* per entry column of a search: its parent row */
    uint64_t fstart[WASS__TR_WORDS]; /* the entry columns of the search */
} wass__transport_work;

/* The answer for one problem. */
typedef struct {
    double cost;        /* sum_ij x_ij C_ij / S (S the total mass) */
    double gap;         /* certified bound on |cost - optimum|, relative to cost */
    double min_reduced; /* most negative C_ij - u_i - v_j of the solver's own
                           duals, relative to max |C| (0 when none is negative) */
    int certified;      /* gap <= tol (or below the rounding floor) and
                           min_reduced >= -tol */
} wass__transport_result;

int wass__transport_work_init(wass__transport_work *w, size_t nmax, size_t mmax);
void wass__transport_work_free(wass__transport_work *w);

/* row[m .. ld) = 0 for ld - m <= 3 (the padding of a row of the cost buffer),
 * entry by entry: a loop would become a call to memset. */
static inline void wass__zero_pad(double *row, size_t m, size_t ld) {
    if (m < ld) row[m] = 0.0;
    if (m + 1 < ld) row[m + 1] = 0.0;
    if (m + 2 < ld) row[m + 2] = 0.0;
}

/* The cost buffer for the next problem, n x m (n <= nmax, m <= mmax): the
 * caller writes C_ij at [i * ld + j] for j < m and zeros for m <= j < ld.
 * NULL when the problem is too large for the workspace. */
double *wass__transport_costs(wass__transport_work *w, size_t n, size_t m, size_t *ld);

/* Exact transport between integer supplies s (n) and demands t (m) of equal
 * total S over the costs in the buffer: successive shortest augmenting paths
 * (transport_simd.h), then the certificate of transport_certify.c with
 * tolerance tol. WASS_ERR_NEGATIVE / WASS_ERR_MASS_MISMATCH for bad masses,
 * WASS_ERR_SIZE for a problem the workspace cannot hold, WASS_ERR_INTERNAL
 * when the search fails (non-finite costs); res is set on WASS_OK only. */
int wass__transport_solve(wass__transport_work *w, size_t n, size_t m, const int *s, const int *t,
                          double tol, wass__transport_result *res);

/* The same on a dense n x m cost matrix (row-major), copied into the buffer. */
int wass__transport_solve_dense(wass__transport_work *w, size_t n, size_t m, const double *C,
                                const int *s, const int *t, double tol,
                                wass__transport_result *res);

/* The certificate (transport_certify.c) of integer flows x (n x ld) for the
 * costs C (n x ld) and masses s, t: exact marginals, primal cost, and the
 * bound of certify.c on |cost - optimum| from the column duals v and the
 * feasible row duals u'_i = pred(rowmin_i), rowmin_i = min_j fl(C_ij - v_j)
 * (precomputed, with cmax = max |C_ij|; nonneg: no cost is negative); u are
 * the solver's own row duals (for min_reduced). The plan: x on the arcs of
 * arcs (n rows of WASS__TR_WORDS words, bit j of row i: arc ij), or every
 * nonzero x_ij when arcs is NULL. WASS_ERR_INTERNAL when the plan does not
 * meet the marginals (or lists a column >= m, or a flow <= 0). */
int wass__transport_certify(const double *C, size_t n, size_t m, size_t ld, const int *x,
                            const uint64_t *arcs, const int *s, const int *t, const double *u,
                            const double *v, const double *rowmin, double cmax, int nonneg,
                            double tol, wass__transport_result *res);

/* ---- pair costs between merged node clouds (pair_cost.c) ---------------- */

/* Nodes of one graph whose embeddings agree within WASS__MERGE_TOL in every
 * coordinate (and, labelled, whose labels agree) are one point carrying
 * their summed mass. Graph g's points are rep[off[g] .. off[g + 1]) (global
 * node ids), each standing for mult[] nodes; XT holds every graph's point
 * coordinates transposed (graph g: dim rows of off[g + 1] - off[g] values
 * from XT + dim * off[g]), the layout the cost rows are computed from. */
#define WASS__MERGE_TOL 1e-12
#define WASS__PAIR_MAXDIM 256 /* embedding dimensions the pair costs take */
typedef struct {
    size_t graphs, dim;
    size_t *off, *rep, *mult;
    double *XT;
    int *label; /* per point, or NULL */
    int avx2;   /* the cost rows' instruction set */
} wass__merged_nodes;

/* WASS_ERR_SIZE for more than WASS__PAIR_MAXDIM dimensions, WASS_ERR_NOMEM. */
int wass__merged_nodes_init(wass__merged_nodes *mn, const wass_graph_embedding *E, int labels);
void wass__merged_nodes_free(wass__merged_nodes *mn);

/* Ground costs between the points of graphs a (rows) and b (columns) into C
 * (na x ld, padding columns zero): ||x - y|| (the operations of
 * wass_ground_eval), plus penalty where the labels differ when labels. */
void wass__pair_costs(const wass__merged_nodes *mn, size_t a, size_t b, int labels, double penalty,
                      double *C, size_t ld);

/* Copies (graph_copies.c): a graph whose points are those of an earlier one
 * up to their order and WASS__MERGE_TOL in every coordinate (the same node
 * count, multiplicities and, labelled, labels) gets that one's distances to
 * every graph, and distance zero to it; each distance moves by at most
 * 4 sqrt(d) WASS__MERGE_TOL. canon (graphs, caller-owned): canon[g] = the
 * first graph g matches (canon[g] = g for the first); *count = the number of
 * distinct graphs. nodes: the graphs' node offsets (graphs + 1).
 * WASS_ERR_NOMEM. */
int wass__merged_nodes_distinct(const wass__merged_nodes *mn, const size_t *nodes, size_t *canon,
                                size_t *count);

/* The files of a TU data set, in the order of wass__tu_texts.text. */
enum {
    WASS__TU_A,
    WASS__TU_GRAPH_INDICATOR,
    WASS__TU_GRAPH_LABELS,
    WASS__TU_NODE_LABELS,
    WASS__TU_NODE_ATTRIBUTES,
    WASS__TU_FILES
};

/* A TU data set in memory: name (as the folder's last component: the
 * messages say "name_A.txt:LINE: ..."), and each file's text[f] of len[f]
 * bytes (NUL bytes refused as in a file), or text[f] NULL where the file
 * does not exist. */
typedef struct {
    const char *name;
    const char *text[WASS__TU_FILES];
    size_t len[WASS__TU_FILES];
} wass__tu_texts;

/* wass_tu_load on texts in memory: the same checks, results and messages
 * (paths "name_SUFFIX"). The texts are not modified. */
int wass__tu_load_texts(const wass__tu_texts *texts, wass_graph_set *out, wass_error_info *err);

#endif
