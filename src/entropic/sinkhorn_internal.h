/*
 * sinkhorn_internal.h - the log-sum-exp kernels behind the Sinkhorn solver
 * (sinkhorn_kernel.c) and the solver core shared by wass_sinkhorn and
 * wass_sinkhorn_divergence (sinkhorn.c). Not installed.
 *
 * Notation: an n x m cost C (dense, point clouds or callback), and
 *   side 0 ("rows"):    out_i = LSE_j (h_j - C_ij * inv_eps),  h of length m
 *   side 1 ("columns"): out_j = LSE_i (h_i - C_ij * inv_eps),  h of length n
 * with LSE_k(z_k) = log sum_k exp(z_k), computed as max + log sum exp(z - max)
 * so that no term overflows and the largest term is exactly 1.
 */
#ifndef WASS_SINKHORN_INTERNAL_H
#define WASS_SINKHORN_INTERNAL_H

#include "common/internal.h"

/* Precomputed kernel of the scaling-domain path (see sk_kmat_build). */
typedef struct {
    double *K;       /* n x m: exp((f0_i + g0_j - C_ij) / eps), 0 below exp(-708) */
    void *Kmem;      /* the allocation K lies in (aligned inside) */
    double *part;    /* nb x m partial column sums, one row per block of rows */
    double *f0, *g0; /* potentials absorbed into K (n, m) */
    double *wv;      /* m: column weights of a pass */
    double *xr;      /* n: row maxima / row weights of a pass */
    size_t nb;       /* number of row blocks (SK_KROWS rows each) */
    double eps;      /* epsilon K was built for */
    int valid;
} sk_kmat;

typedef struct {
    size_t n, m;
    wass_cost cost;  /* copy of the problem's cost */
    double *Xt, *Yt; /* points: transposed clouds (d x n, d x m), owned */
    int threads;     /* OpenMP threads (>= 1) */
    double *scratch; /* threads * stride doubles, owned */
    size_t stride;
    int isa;     /* kernel variant chosen for this machine */
    sk_kmat *km; /* precomputed kernel, or NULL (log-domain passes only) */
} sk_kernel;

/* Prepare the kernel for an n x m problem (copies nothing but the clouds). */
int sk_kernel_init(sk_kernel *k, const wass_problem *pb, int threads, wass_error_info *err);
void sk_kernel_free(sk_kernel *k);

/* Allocate the precomputed kernel when it fits in budget bytes (K, the
 * partial column sums and their work arrays). Returns 1 when enabled, 0 when
 * not (too large, or out of memory: the log-domain passes need no more). */
int sk_kmat_enable(sk_kernel *k, double budget);

/* Scaling-domain passes. sk_kmat_build computes K for potentials f0 = f,
 * g0 = g at epsilon eps and, when Lcols is non-NULL, the column log-sum-exps
 * Lcols_j = LSE_i (la_i + (f_i - C_ij) / eps) (what the g update needs, as
 * sk_lse side 1 with h = la + f / eps). Returns 1, or 0 when K would not
 * represent the sums safely (an exponent above 300, a column sum out of
 * [1e-150, 1e150]); then K is marked invalid.
 *
 * sk_kmat_fused makes one pass over K: for each row, the row log-sum-exp
 * L_i = LSE_j (lb_j + (g_j - C_ij) / eps) (as sk_lse side 0), the update
 * fn_i = c1 f_i + c2 L_i, and, when Lcols is non-NULL, the column sums of the
 * next g update, for the potentials fn, in Lcols. With next_eps > 0 each row,
 * once used, is rebuilt in place for the next epsilon with f0 = fn, g0 = g
 * (an annealing step costs no separate build), and Lcols is for next_eps.
 * *next_ok receives whether
 * K may serve the next pass without a rebuild. Returns 1 on success, 0 when
 * the sums are unsafe (a row sum outside [1e-150, 1e150]), SK_DRIFT when g
 * has moved too far from g0 (rebuild and retry). Sums are combined in a fixed
 * order: results do not depend on the thread count. */
#define SK_DRIFT 2
int sk_kmat_build(const sk_kernel *k, const double *la, const double *f, const double *g,
                  double eps, double *Lcols);
int sk_kmat_fused(const sk_kernel *k, const double *la, const double *lb, const double *f,
                  const double *g, double c1, double c2, double next_eps, double *L, double *fn,
                  double *Lcols, int *next_ok);
/* Plan of potentials f, g at epsilon eps from K (as two sk_plan_pass calls:
 * row sums, row sums of P_ij C_ij, column sums, plan if non-NULL). Returns 0
 * (nothing done) unless K is valid for eps and f, g are close to f0, g0. */
int sk_kmat_plan(const sk_kernel *k, const double *la, const double *lb, const double *f,
                 const double *g, double eps, double *rsum, double *wsum, double *csum,
                 double *plan);

/* Weights w_j = exp(lw_j + (g_j - g0_j) / eps) (ie = 1 / eps) of the kernel's
 * columns (or rows) for potentials g, when K was built with g0; returns 0
 * when some |g_j - g0_j| / eps is too large for K to serve. */
int sk_kmat_weights(const double *lw, const double *g, const double *g0, size_t len, double ie,
                    double *w);

/* The row helpers of the passes, compiled for the best instruction set:
 * the cost line of sk_lse (side 0: row i, side 1: column i; buf of
 * max(n, m) doubles, unused for a dense row); sum x_j y_j (a fixed order);
 * sk_plan_line: e_j = exp(alpha + beta_j - c_j ie) into out (may be NULL),
 * returns sum e_j, *wsum = sum e_j c_j; on the precomputed kernel,
 * sk_kscale: out_j = x K_ij w_j over row i, returns their sum; sk_kcols8:
 * the eight columns j0.. of P_il = x_i K_il w_l over all rows, s[l] = sum_i
 * P_il, mt[t * 8 + l] = sum_i P_il X_it (X: n x d); sk_kentry: K_ij. */
const double *sk_cost_line(const sk_kernel *k, int side, size_t i, double *buf);
double sk_dot(const sk_kernel *k, const double *x, const double *y, size_t len);
double sk_plan_line(const sk_kernel *k, const double *c, const double *beta, size_t len,
                    double alpha, double ie, double *wsum, double *out);
double sk_kscale(const sk_kernel *k, size_t i, const double *w, double x, double *out);
void sk_kcols8(const sk_kernel *k, size_t j0, const double *x, const double *w, const double *X,
               size_t d, double *s, double *mt);
double sk_kentry(const sk_kernel *k, size_t i, size_t j);

/* Row (side 0) or column (side 1) sums of the plan P_ij = a_i b_j exp((f_i +
 * g_j - C_ij) / eps) between point clouds (la = log a, lb = log b), and its
 * first moments: side 0: sum_i = sum_j P_ij, wsum_i = sum_j P_ij C_ij (may
 * be NULL), mom (n x d; may be NULL) = sum_j P_ij y_j; side 1: sum_j, mom
 * (m x d) = sum_i P_ij x_i (wsum unused). On the precomputed kernel when it holds
 * these potentials at eps, else from the costs. Every line is summed in a
 * fixed order by one thread. Returns WASS_OK or WASS_ERR_NOMEM. */
int sk_plan_moments(const sk_kernel *k, int side, const double *la, const double *lb,
                    const double *f, const double *g, double eps, double *sum, double *wsum,
                    double *mom);

/* Smallest and largest cost. Dense and callback costs: a scan of all n*m
 * entries, which also rejects NaN/Inf costs. Points: [0, ground(lo, hi)]
 * with lo/hi the corners of the common bounding box (an upper bound). */
int sk_cost_range(const sk_kernel *k, double *cmin, double *cmax, wass_error_info *err);

/* Log-sum-exp over one side (see the top of this file). shift (may be NULL):
 * guesses of the results (e.g. the previous iteration's), which let most
 * lines be done in one pass instead of two; the result does not depend on
 * the guess beyond rounding. */
void sk_lse(const sk_kernel *k, int side, const double *h, double inv_eps, const double *shift,
            double *out);

/* Entries P_ij = exp(alpha_i + beta_j - C_ij * inv_eps).
 * side 0: sum[i] = sum_j P_ij, wsum[i] = sum_j P_ij C_ij (wsum may be NULL),
 *         plan (n x m, may be NULL) receives P.
 * side 1: sum[j] = sum_i P_ij (wsum and plan unused). */
void sk_plan_pass(const sk_kernel *k, int side, const double *alpha, const double *beta,
                  double inv_eps, double *sum, double *wsum, double *plan);

/* The solver core on validated input. a (n), b (m) are the weights (already
 * uniform-filled, balanced ones with equal totals); f (n), g (m) hold the
 * starting potentials and receive the result. symmetric: n == m, a == b and
 * C symmetric; the averaged iteration f <- (f + T(f)) / 2 is used and g = f.
 * start_eps: first epsilon of the annealing (<= reg: none). */
typedef struct {
    double reg, tol, tau, scaling_factor, start_eps;
    int64_t max_iter;
    int symmetric;
    int init_g_only; /* start with an f update from g */
    int anderson;    /* history of Anderson acceleration at the final eps (0: off; a
                        symmetric problem uses at most SK_ANDERSON_SYM) */
    wass_progress_fn progress;
    void *progress_user;
} sk_params;

/* Anderson history used by the solvers (sk_params.anderson), the history of
 * a symmetric problem (at most that), and the cap. */
#define SK_ANDERSON 32
#define SK_ANDERSON_SYM 4
#define SK_AA_MAX 64

typedef struct {
    int status;
    double marginal_error;
    int64_t iterations;
    char message[256];
} sk_outcome;

/* The parameters of a solve from the caller's options: reg, tol, tau,
 * max_iter, scaling_factor and progress, the given start_eps, Anderson
 * acceleration on (SK_ANDERSON), symmetric and init_g_only off. */
void sk_params_from(sk_params *par, const wass_sinkhorn_options *opt, double start_eps);

int sk_solve(const sk_kernel *k, const double *a, const double *b, const sk_params *par, double *f,
             double *g, sk_outcome *out, wass_error_info *err);

/* Multiscale start (sinkhorn_multiscale.c) of a two-sided balanced problem
 * between point clouds (pb->cost of kind WASS_COST_POINTS; a, b normalized
 * weights): f (n) and g (m; may be NULL) receive potentials at par->reg,
 * each a half-iteration from the coarse problem's, from which sk_solve
 * starts (its first update is g's, from f). The coarse problems are solved
 * with par's tolerance at par->reg, the smallest one from zero (annealing
 * from par->start_eps when > 0); their iterations are added to *iterations. */
int sk_multiscale_start(const wass_problem *pb, const double *a, const double *b,
                        const sk_params *par, int threads, double kernel_memory, double *f,
                        double *g, int64_t *iterations, wass_error_info *err);

/* cost = sum P_ij C_ij, objective = entropic value (see wass.h), plan if
 * non-NULL, for the plan of potentials f, g at epsilon reg; merr (if
 * non-NULL) = the L1 marginal error of that plan, recomputed from its row and
 * column sums (against a, b, or a exp(-f / tau), b exp(-g / tau)). */
int sk_evaluate(const sk_kernel *k, const double *a, const double *b, const double *f,
                const double *g, double reg, double tau, double *cost, double *objective,
                double *plan, double *merr, wass_error_info *err);

/* The checks of the options every Sinkhorn entry shares (reg, tol,
 * max_iter, tau, scaling_factor, threads, kernel_memory): WASS_ERR_INVALID
 * naming the first bad one. */
int sk_check_params(const wass_sinkhorn_options *o, wass_error_info *err);

/* Copy of a weight vector (uniform 1/n when w is NULL) in *out (malloc'ed)
 * and its total. Weights must already be validated. */
int sk_weights(const double *w, size_t n, double **out, double *total, wass_error_info *err);

#endif
