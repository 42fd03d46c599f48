/*
 * emd_steps.h - the steps of an exact solve, one file each, in the order
 * wass_emd (emd.c) runs them: validate (emd.c), prepare the masses and the
 * active points (emd_prepare.c), choose the algorithm (emd_prepare.c),
 * build the cost oracle the simplex reads (emd_oracle.c), solve (network
 * simplex, column generation or assignment: network_simplex.c,
 * emd_colgen.c, assignment.c), assemble the result in the caller's indices
 * (emd_assemble.c), certify (emd.c with certify.c).
 */
#ifndef WASS_EMD_STEPS_H
#define WASS_EMD_STEPS_H

#include "exact/emd_internal.h"
#include "exact/network_simplex.h"

/* A problem after preparation: effective masses, the points with positive
 * weight (merged by location for column generation), a dummy node for
 * partial transport. */
typedef struct {
    size_t n, m;       /* the problem's sizes */
    double *a2, *b2;   /* n, m: effective weights (wass__emd_masses) */
    double A, B;       /* their totals */
    size_t *ia, *jb;   /* nr, mr: active point (or group) -> original index */
    double *sup, *dem; /* n2, m2: supplies and demands of the solve */
    size_t nr, mr;     /* active points (groups) */
    size_t n2, m2;     /* nodes of the solve: nr (mr) plus the dummy, if any */
    int dummy_row, dummy_col;
    int use_colgen; /* the algorithm chosen: column generation, else simplex */
    int merged;     /* coincident points merged into groups gs / gt */
    wass__groups gs, gt;
} wass__emd_prep;

/* Masses, zero weights out, the algorithm chosen, coincident points merged
 * (column generation only), the dummy node. Free with wass__emd_prep_free
 * (also after a failure). */
int wass__emd_prepare(const wass_problem *pb, const wass_options *opt, wass__emd_prep *p,
                      wass_error_info *err);
void wass__emd_prep_free(wass__emd_prep *p);

/* How the simplex reads costs: the compressed indices mapped back, point
 * clouds gathered (X) and transposed (Y) for the cost oracle's rows. */
typedef struct {
    const wass_cost *c;
    const size_t *ia, *jb; /* compressed -> original index */
    size_t nreal, mreal;   /* rows >= nreal / cols >= mreal are the dummy (cost 0) */
    double *Xc, *YT;       /* nreal x d, d x mreal */
    float *Xf, *YTf;       /* the same centred, in single precision (3-D W1 / W2^2) */
    double fR2;            /* bound of the squared centred coordinates */
    size_t d;
    wass_ground g;   /* the ground of the rows (an equal form: W2 as sqeuclidean) */
    wass_ground pre; /* pricing: the ground before its monotone transform */
    int fast;        /* WASS__FAST_*: a cheap monotone form for pricing */
    size_t *so, *ko; /* north-west corner orders (point clouds) */
} wass__emd_oracle;

enum { WASS__FAST_NONE = 0, WASS__FAST_EUCLID1, WASS__FAST_SQ, WASS__FAST_L1, WASS__FAST_LINF };

/* Fill in (the simplex's input: sizes, masses, cost and pricing callbacks,
 * start order, limits) for the prepared problem; cx holds what the callbacks
 * read. Free cx with wass__emd_oracle_free (also after a failure). */
int wass__emd_oracle_init(const wass_problem *pb, const wass_options *opt, const wass__emd_prep *p,
                          wass__emd_oracle *cx, wass__ns_input *in, wass_error_info *err);
void wass__emd_oracle_free(wass__emd_oracle *cx);

/* emd_price_f32.c: dense pricing of 2-D and 3-D clouds (W1, W2^2) with a
 * float first pass; the arguments of price_space of emd_oracle.c plus d,
 * the float copies of the points (xf, yf, centred), R2 (a bound of
 * the squared differences of the centred coordinates) and P (a bound of
 * |ui|, |best| and of the duals and of their float copies). Available where
 * the CPU has AVX2, usable where wass__price_f32_usable(R2, P). */
int wass__price_f32_available(void);
int wass__price_f32_usable(double R2, double P);
size_t wass__price_space_f32(size_t d, const double *xi, const double *const yt[3], const float *xf,
                             const float *const yf[3], size_t len, int w1, double ui,
                             const double *pv, double R2, double P, double *best);

/* The solver's output in the caller's indices: duals for every point (the
 * c-transform for zero-weight points), the plan without the dummy, sorted,
 * split back over merged points; work, flow, cost, distance, iterations and
 * status into res. */
/* The multiscale start of the dense simplex on point clouds
 * (emd_dense_start.c): whether it applies, and the start itself, a basis
 * for wass__ns_input's start / start_tops (arcs NULL when there is none). */
typedef struct {
    wass__ns_arc *arcs;
    size_t len;
    size_t *tops;
    size_t ntops;
} wass__dense_start_t;

int wass__dense_start_wanted(const wass_problem *pb, const wass_options *opt,
                             const wass__emd_prep *p);
int wass__dense_start(const wass_problem *pb, const wass_options *opt, const wass__emd_prep *p,
                      const wass__emd_oracle *cx, const wass__ns_input *in, wass__dense_start_t *s);
void wass__dense_start_free(wass__dense_start_t *s);

int wass__emd_assemble(const wass_problem *pb, const wass_options *opt, const wass__emd_prep *p,
                       const wass__ns_output *out, wass_result *res, wass_error_info *err);

#endif
