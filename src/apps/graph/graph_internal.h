/*
 * graph_internal.h - what the graph application's files share (not
 * installed): the small-problem transport solver used for all pairs, and
 * the TU reader on texts in memory (for the fuzzer).
 */
#ifndef WASS_GRAPH_INTERNAL_H
#define WASS_GRAPH_INTERNAL_H

#include "common/internal.h"
#include "wass/graph.h"

/* Workspace of the small transport solver for problems up to nmax x mmax
 * (one per thread). */
typedef struct {
    size_t nmax, mmax;
    double *u, *v, *dcol, *drow;
    int *x, *rs, *rt;
    int *ccount;       /* rows with positive flow in column j: ccount[j] ... */
    size_t *crow;      /* ... listed at crow[j * nmax ..] */
    double *td, *tv;   /* columns still to reach: distance, dual */
    size_t *tp;        /* ... predecessor row */
    unsigned char *tr; /* ... demand left */
    size_t *pred, *prow, *todo, *done, *lab;
    unsigned char *rowlab;
} wass__transport_work;

int wass__transport_work_init(wass__transport_work *w, size_t nmax, size_t mmax);
void wass__transport_work_free(wass__transport_work *w);

/* Exact transport between integer supplies s (n) and demands t (m) of equal
 * total S, dense costs C (n x m row-major): *cost = min sum x_ij C_ij / S.
 * *gap receives the relative duality gap against the c-transform of the
 * solver's column duals (a feasible dual whatever the solver did), and
 * *min_reduced the most negative C_ij - u_i - v_j of the solver's own duals
 * relative to max |C|. Returns WASS_ERR_INTERNAL when the flow does not meet
 * the marginals (a bug). */
int wass__transport_solve(wass__transport_work *w, size_t n, size_t m, const double *C,
                          const int *s, const int *t, double *cost, double *gap,
                          double *min_reduced);

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
