/*
 * wass.h - the core public header of libwass: Wasserstein distances and
 * optimal transport, exact (network simplex, certified) and approximate
 * (Sinkhorn, sliced, grid embeddings, lower bounds), divergences and I/O.
 * It includes three parts kept in headers of their own: <wass/embed.h>
 * (grid embeddings and their L1 distances), <wass/grid.h> (exact W1 on a
 * pixel grid) and <wass/pairwise.h> (distance matrices).
 * Applications have their own headers: <wass/wmd.h> (Word Mover's Distance),
 * <wass/image.h> (images), <wass/graph.h> (graphs).
 *
 * Conventions (see STYLE.md of the project):
 *  - Every call returns an error code (wass_error, 0 = WASS_OK, negative =
 *    the call could not be carried out). How a solve ended is a separate
 *    status (wass_status) stored in the result.
 *  - Inputs are const and never retained after a call returns.
 *  - Outputs go either to caller buffers of documented size or to memory owned
 *    by a result struct, released by the matching *_free (which accepts NULL
 *    and zeroed structs, and may be called twice).
 *  - The library never prints, never exits, keeps no mutable global state:
 *    any number of threads may call it at once on different data.
 *  - Sizes and indices are size_t (64-bit on every supported platform).
 *  - Matrices are row-major doubles: element (i, j) of an n x m matrix is
 *    M[i * m + j]. Point clouds are n x d row-major.
 */
#ifndef WASS_H
#define WASS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WASS_VERSION_MAJOR 0
#define WASS_VERSION_MINOR 1
#define WASS_VERSION_PATCH 0
#define WASS_VERSION_STRING "0.1.0"

/* Every public function is marked WASS_API; the shared library is built with
 * hidden visibility, so only these are exported. */
#if defined(_WIN32) && defined(WASS_BUILDING_SHARED)
#define WASS_API __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define WASS_API __attribute__((visibility("default")))
#else
#define WASS_API
#endif

/* ======================================================================== */
/* Errors, status, messages                                                  */
/* ======================================================================== */

/* What went wrong with a call (the call could not be carried out). */
typedef enum {
    WASS_OK = 0,
    WASS_ERR_INVALID = -1,       /* an argument is invalid (NULL, bad option value) */
    WASS_ERR_NAN = -2,           /* NaN or infinity in an input, or a cost that under- or
                                    overflows double precision */
    WASS_ERR_NEGATIVE = -3,      /* a negative weight / mass */
    WASS_ERR_ZERO_MASS = -4,     /* all weights of a distribution are zero */
    WASS_ERR_MASS_MISMATCH = -5, /* totals differ beyond the tolerance (balanced mode) */
    WASS_ERR_SIZE = -6,          /* sizes are zero, do not match, or overflow */
    WASS_ERR_NOMEM = -7,         /* out of memory */
    WASS_ERR_IO = -8,            /* a file could not be opened, read or written */
    WASS_ERR_FORMAT = -9,        /* a file is malformed (ragged rows, bad number, truncated) */
    WASS_ERR_DTYPE = -10,        /* unsupported data type (e.g. .npy int64 or big-endian) */
    WASS_ERR_UNSUPPORTED = -11,  /* a valid request this function does not support */
    WASS_ERR_INTERNAL = -12      /* a bug: an internal consistency check failed */
} wass_error;

/* How a solve ended. Only WASS_OPTIMAL (exact solvers) and WASS_CONVERGED
 * (iterative solvers) mean that the numbers in a result are the answer. */
typedef enum {
    WASS_OPTIMAL = 0,         /* exact solver: certified optimal */
    WASS_CONVERGED = 1,       /* iterative solver: stopping tolerance reached */
    WASS_ITERATION_LIMIT = 2, /* stopped at max_iter: the result is NOT the answer */
    WASS_INFEASIBLE = 3,      /* the problem has no feasible solution */
    WASS_NOT_CONVERGED = 4,   /* iterative solver failed (e.g. numerical breakdown) */
    WASS_NOT_SOLVED = 5       /* no solve happened (error before the solve) */
} wass_status;

/* Static English text for an error code / a status. Never NULL. */
WASS_API const char *wass_strerror(int code);
WASS_API const char *wass_status_string(int status);
/* The status in words, the same as wass_status_string ("optimal",
 * "converged", "iteration limit", "infeasible", "not converged", "not
 * solved"; "unknown status" out of range), and back (WASS_ERR_INVALID for
 * another name). */
WASS_API const char *wass_status_name(wass_status status);
WASS_API int wass_status_parse(const char *name, wass_status *out);
/* The error code as a short stable identifier ("ok", "invalid", "nan",
 * "negative", "zero_mass", "mass_mismatch", "size", "nomem", "io",
 * "format", "dtype", "unsupported", "internal"; "unknown" for another
 * code), and back (WASS_ERR_INVALID for another name). */
WASS_API const char *wass_error_name(int code);
WASS_API int wass_error_parse(const char *name, wass_error *out);

/* Detail of an error: a human-readable message naming the problem (e.g.
 * "line 7: expected 4 columns, found 3", "weights a sum to 1 but b to 1.5").
 * Functions that take a wass_error_info * fill it on failure when it is
 * non-NULL; on success message[0] == '\0'. */
typedef struct {
    wass_error code;   /* the error returned */
    long line;         /* 1-based line of a text file, 0 when not applicable */
    char message[512]; /* NUL-terminated */
} wass_error_info;

/* ======================================================================== */
/* Ground costs                                                             */
/* ======================================================================== */

typedef enum {
    WASS_EUCLIDEAN = 0,   /* ||x - y||_2 */
    WASS_SQEUCLIDEAN = 1, /* ||x - y||_2^2 (not a metric; W_2^2 with p = 1) */
    WASS_CITYBLOCK = 2,   /* ||x - y||_1 */
    WASS_CHEBYSHEV = 3,   /* ||x - y||_inf */
    WASS_MINKOWSKI = 4    /* ||x - y||_q, q >= 1 */
} wass_metric;

/* A ground metric raised to a power: cost(x, y) = metric(x, y)^p.
 * The Wasserstein distance W_p is (optimal cost)^(1/p). */
typedef struct {
    wass_metric metric;
    double q; /* Minkowski exponent (only for WASS_MINKOWSKI), >= 1 */
    double p; /* power applied to the metric, >= 1 (any > 0 accepted for costs) */
} wass_ground;

/* {metric, q = 2, p} */
WASS_API wass_ground wass_ground_make(wass_metric metric, double p);
/* Parse "euclidean", "sqeuclidean", "cityblock", "chebyshev", "minkowski"
 * (also "l2", "l1", "linf", "manhattan"); returns WASS_ERR_INVALID if unknown. */
WASS_API int wass_metric_parse(const char *name, wass_metric *out);
WASS_API const char *wass_metric_name(wass_metric metric);

/* d(x, y)^p for two points of dimension d. */
WASS_API double wass_ground_eval(const wass_ground *g, const double *x, const double *y, size_t d);

typedef double (*wass_cost_fn)(size_t i, size_t j, void *user);

typedef enum { WASS_COST_DENSE = 0, WASS_COST_POINTS = 1, WASS_COST_CALLBACK = 2 } wass_cost_kind;
/* "dense", "points", "callback". */
WASS_API const char *wass_cost_kind_name(wass_cost_kind kind);
WASS_API int wass_cost_kind_parse(const char *name, wass_cost_kind *out);

/* How the n x m cost matrix is given. Build it with the constructors below. */
typedef struct {
    wass_cost_kind kind;
    /* WASS_COST_DENSE: C is n x ld row-major (ld = m for a plain matrix; row i
     * starts at C + i * ld). p (>0) is the power the cost is already raised
     * to; used only to report distance = cost^(1/p). */
    const double *C;
    size_t ld;
    /* WASS_COST_POINTS: X is n x d, Y is m x d, cost = ground(X_i, Y_j). No
     * n x m matrix is ever formed. */
    const double *X, *Y;
    size_t d;
    wass_ground ground;
    /* WASS_COST_CALLBACK: cost(i, j) = fn(i, j, user); must be thread-safe
     * when threads > 1; p as for dense. */
    wass_cost_fn fn;
    void *user;
    double p;
} wass_cost;

WASS_API wass_cost wass_cost_dense(const double *C, size_t ld, double p);
WASS_API wass_cost wass_cost_points(const double *X, const double *Y, size_t d, wass_ground ground);
WASS_API wass_cost wass_cost_callback(wass_cost_fn fn, void *user, double p);
/* C(i, j) for any kind (no bounds checks). */
WASS_API double wass_cost_eval(const wass_cost *c, size_t i, size_t j);
/* The power p a cost is raised to (ground.p for points, p otherwise). */
WASS_API double wass_cost_power(const wass_cost *c);

/* A discrete transport problem: weights a (n), b (m), and a cost. */
typedef struct {
    size_t n, m;
    const double *a; /* n nonnegative weights; NULL = uniform 1/n */
    const double *b; /* m nonnegative weights; NULL = uniform 1/m */
    wass_cost cost;
} wass_problem;

/* A weighted point cloud (a "signature"): n points of dimension d. */
typedef struct {
    size_t n, d;
    const double *X; /* n x d */
    const double *w; /* n weights; NULL = uniform 1/n */
} wass_cloud;

/* Validate a problem's weights and sizes without solving: NaN/Inf, negative
 * weights, zero total mass, NULL pointers, zero sizes, n*m overflow. Does not
 * scan the whole cost (solvers check the costs they read). */
WASS_API int wass_problem_check(const wass_problem *pb, wass_error_info *err);

/* Progress reports for long work: fraction in [0,1] (negative if unknown),
 * stage is a short static string. Called from the calling thread only. */
typedef void (*wass_progress_fn)(double fraction, const char *stage, void *user);

/* ======================================================================== */
/* Exact optimal transport: network simplex                                  */
/* ======================================================================== */

typedef enum {
    WASS_MASS_BALANCED = 0,  /* totals must agree within mass_tol (relative); b is
                                then rescaled to a's total */
    WASS_MASS_NORMALIZE = 1, /* both rescaled to total 1 */
    WASS_MASS_PARTIAL = 2    /* Rubner's EMD: flow = min(sum a, sum b),
                                cost = work / flow */
} wass_mass_mode;

/* Which exact algorithm wass_emd runs. Both are exact and certified. */
typedef enum {
    WASS_ALGO_AUTO = 0,    /* column generation for large point clouds, else simplex */
    WASS_ALGO_SIMPLEX = 1, /* network simplex pricing all n*m pairs (any cost kind) */
    WASS_ALGO_COLGEN = 2   /* column generation (point clouds only): network simplex on
                              sparse candidate arcs (nearest neighbours + a greedy start),
                              then pricing of all n*m pairs with the duals, adding violated
                              pairs, until none is left; memory O(n + m + arcs). When all
                              masses are equal and n = m (an assignment: uniform weights,
                              no max_iter) the sparse problems are solved by shortest
                              augmenting paths instead of the simplex */
} wass_algorithm;
/* "auto", "simplex", "colgen". */
WASS_API const char *wass_algorithm_name(wass_algorithm algorithm);
WASS_API int wass_algorithm_parse(const char *name, wass_algorithm *out);

typedef struct {
    wass_mass_mode mass;
    double mass_tol;           /* relative tolerance on |sum a - sum b|, default 1e-9 */
    int64_t max_iter;          /* pivot limit; 0 (default) = no limit. Reaching it gives
                                  status WASS_ITERATION_LIMIT, never a silent answer */
    int want_plan;             /* default 1 */
    int want_duals;            /* default 1 (needed for the certificate and critic) */
    int certify;               /* default 1: run wass_certify on the result */
    int threads;               /* 0 = all cores (OpenMP), 1 = single thread */
    int64_t block_size;        /* pricing block size, 0 = automatic */
    wass_progress_fn progress; /* may be NULL */
    void *progress_user;
    wass_algorithm algorithm; /* default WASS_ALGO_AUTO */
    double cert_tol;          /* "certified" means |cost - optimum| <= gap_bound <=
                                 cert_tol * |cost| (see wass_certificate); default 1e-9.
                                 The floor for double precision is a few 1e-16 times
                                 the problem's condition (sum P (|C| + |u| + |v|) /
                                 |cost|); 0 = the default */
} wass_options;

WASS_API void wass_options_default(wass_options *opt);
/* Parse "balanced", "normalize", "partial" (any case; also "normalized");
 * the name of a mode ("unknown" out of range). */
WASS_API int wass_mass_parse(const char *name, wass_mass_mode *out);
WASS_API const char *wass_mass_name(wass_mass_mode mass);

/* One entry of a sparse transport plan. */
typedef struct {
    size_t i, j;
    double mass;
} wass_flow;

/* Independent check of an exact result (see wass_certify).
 *
 * What "certified" means: |cost - optimum| <= gap_bound and gap_bound <=
 * tol * |cost| (tol = wass_options.cert_tol, default 1e-9) or gap_bound <=
 * floor, the precision floor (below), and the plan's marginals match the
 * weights within 1e-9 (relative to the mass moved). The floor matters only
 * where the optimum is near 0 against the potentials (identical clouds: the
 * totals of equal weights summed in another order differ by an ulp, which
 * moves the optimum of the double-precision problem off 0).
 * gap_bound is computed with every rounding error bounded from above
 * (compensated sums, a dual made feasible by directed rounding; masses
 * scaled by a power of two so that nothing underflows), so rounding cannot
 * make it lie. "optimum" is that of the problem whose costs are the
 * library's double-precision values (wass_cost_eval) and whose weights are
 * the plan's own marginals; against the given weights the bound holds from
 * below rigorously (cost - optimum <= gap_bound) and from above to first
 * order in the marginal error. Point-cloud costs that under- or overflow
 * double precision are refused (an error naming it), never certified. */
typedef struct {
    int checked;             /* 1 when the fields below were computed */
    double marginal_error;   /* max_i |sum_j P_ij - a_i| and over j, relative to
                                the total mass (after mass handling) */
    double min_reduced_cost; /* min over ALL (i, j) of C_ij - u_i - v_j of the
                                solver's duals, relative to max |C_ij| (>= -tol
                                when they are optimal; informative: the bound
                                below does not rely on them) */
    double duality_gap;      /* gap_bound / |primal|: the relative error bound */
    double primal;           /* sum P_ij C_ij (work) */
    double dual;             /* primal - gap_bound: a lower bound of the optimal work */
    double gap_bound;        /* bound on |work - optimal work| (absolute) */
    double tol;              /* the tolerance it was held to */
    double floor;            /* the precision floor: 32 u (sum a |u'| + sum b |v|), u =
                                2^-53: the uncertainty of the optimum itself from the
                                weights' rounding to double, and the bound's own
                                rounding allowance */
    int certified;           /* 1: gap_bound <= max(tol * |primal|, floor) and the
                                marginals within 1e-9 */
} wass_certificate;

typedef struct {
    wass_status status;
    double cost;     /* optimal total cost sum P_ij C_ij; in partial mode work / flow */
    double distance; /* cost^(1/p) (W_p) */
    double work;     /* sum P_ij C_ij */
    double flow;     /* total mass moved */
    size_t n, m;
    wass_flow *plan; /* plan_len nonzero entries (<= n + m - 1), sorted by (i, j); owned */
    size_t plan_len;
    double *u;          /* n dual potentials (owned; NULL unless want_duals) */
    double *v;          /* m dual potentials; u_i + v_j <= C_ij, equality on the plan */
    int64_t iterations; /* simplex pivots (for assignments solved by augmenting paths:
                           the columns scanned by their shortest-path searches) */
    double seconds;     /* wall time of the solve */
    double certify_seconds;
    wass_certificate cert;
    char message[256];        /* detail when status != WASS_OPTIMAL */
    wass_algorithm algorithm; /* the one that ran (SIMPLEX or COLGEN) */
    int64_t rounds;           /* column generation: pricing rounds (0 for the simplex) */
    size_t candidate_arcs;    /* column generation: arcs in the final restricted problem */
} wass_result;

/* Solve the exact transport problem. opt may be NULL (defaults). res is
 * overwritten (call wass_result_free on it afterwards, also on error).
 * Zero-weight points take no part in the solve; their duals come from the
 * c-transform, so u_i + v_j <= C_ij holds over all pairs. With opt->certify,
 * a result that is not certified (see wass_certificate) gets status
 * WASS_NOT_CONVERGED and a message with the bound and the marginal error. */
WASS_API int wass_emd(const wass_problem *pb, const wass_options *opt, wass_result *res,
                      wass_error_info *err);
WASS_API void wass_result_free(wass_result *res);

/* Recompute the certificate of res from the problem alone (trusting nothing
 * else in res): marginal error of res->plan, most negative reduced cost over
 * all n*m pairs, the bound on the cost's error (see wass_certificate).
 * Honors opt->mass, opt->threads and opt->cert_tol. WASS_ERR_NAN when a cost
 * is NaN or infinite, WASS_ERR_UNSUPPORTED when a point-cloud cost between
 * distinct points underflows double precision. */
WASS_API int wass_certify(const wass_problem *pb, const wass_options *opt, const wass_result *res,
                          wass_certificate *cert);

/* Kantorovich-Rubinstein critic for W1 (metric ground cost, p == 1; duals
 * from a balanced or normalize solve of the same problem): fills
 * f_a (n) and f_b (m), the values on both supports of a 1-Lipschitz function
 * f with sum a_i f_a[i] - sum b_j f_b[j] = W1 (after mass normalization).
 * *lipschitz_violation receives max over pairs of |f(x) - f(y)| - d(x, y)
 * (<= ~0): over X x Y for any cost, and also X x X and Y x Y for points. */
WASS_API int wass_critic(const wass_problem *pb, const wass_result *res, double *f_a, double *f_b,
                         double *lipschitz_violation, wass_error_info *err);

/* Many independent exact problems at once (e.g. all pairs among a set of
 * distributions). problems[k] is solved as by wass_emd(&problems[k], opt)
 * with one thread each, the problems spread over opt->threads OpenMP threads
 * (0 = all cores); no state is shared, so the results are bitwise identical
 * for any thread count. costs[k] receives the optimal cost (NaN when not
 * WASS_OPTIMAL) and statuses[k] the wass_status (WASS_NOT_SOLVED for a
 * problem whose call failed; statuses may be NULL). opt->want_plan and
 * want_duals are ignored (nothing but the cost is kept); certify is honored.
 * Returns WASS_OK when every problem could be solved, otherwise the error of
 * the first failing problem (err names its index); the others are still
 * solved. */
WASS_API int wass_emd_many(const wass_problem *problems, size_t count, const wass_options *opt,
                           double *costs, int *statuses, wass_error_info *err);

/* ======================================================================== */
/* One dimension                                                            */
/* ======================================================================== */

/* W_p between two weighted samples on the real line (u: n values, uw: n
 * weights or NULL for uniform; v, vw likewise), exact for discrete measures:
 * W_p^p = integral over t in [0,1] of |F^-1(t) - G^-1(t)|^p dt (quantile
 * functions). p >= 1, or p = INFINITY for W_inf. Weights are normalized.
 * O((n + m) log(n + m)) work (radix sort, multi-threaded on large inputs).
 * *out receives W_p (the p-th root taken). */
WASS_API int wass_line(const double *u, const double *uw, size_t n, const double *v,
                       const double *vw, size_t m, double p, double *out, wass_error_info *err);

/* k independent 1-D problems sharing sizes: problem t uses u + t*n, uw + t*n
 * (or NULL), v + t*m, vw + t*m (or NULL); out[t] = W_p (out: k, caller-
 * owned). Problems run in parallel (threads: 0 = all cores), each exactly as
 * wass_line would compute it, whatever the thread count. */
WASS_API int wass_line_batch(const double *u, const double *uw, size_t n, const double *v,
                             const double *vw, size_t m, size_t k, double p, int threads,
                             double *out, wass_error_info *err);

/* ======================================================================== */
/* Elementary distances between histograms on one support                    */
/* ======================================================================== */

typedef enum { WASS_DIV_TV = 0, WASS_DIV_KL = 1, WASS_DIV_JS = 2 } wass_divergence_kind;

#define WASS_DIV_BITS 1u /* logarithms base 2 instead of natural */

/* TV = (1/2) sum |p - q|; KL(P||Q) = sum p log(p/q) (+inf when some q_i = 0
 * where p_i > 0; *infinite_at receives the first such i, else (size_t)-1);
 * JS = (KL(P||M) + KL(Q||M)) / 2, M = (P + Q)/2. Both histograms are
 * normalized to total 1 first. infinite_at may be NULL. */
WASS_API int wass_divergence(const double *p, const double *q, size_t n, wass_divergence_kind kind,
                             unsigned flags, double *out, size_t *infinite_at,
                             wass_error_info *err);
/* "tv", "kl", "js" (parse: any case, also "total-variation",
 * "kullback-leibler", "jensen-shannon"). */
WASS_API int wass_divergence_parse(const char *name, wass_divergence_kind *out);
WASS_API const char *wass_divergence_name(wass_divergence_kind kind);

/* ======================================================================== */
/* Entropic optimal transport: Sinkhorn                                      */
/* ======================================================================== */

/* Problem solved (epsilon = reg, tau = unbalanced relaxation):
 *
 *   OT_eps(a, b) = min_{P >= 0} <P, C> + eps KL(P | a x b)
 *                               [+ tau KL(P 1 | a) + tau KL(P^T 1 | b) if tau > 0]
 *
 * with the generalized KL(x | y) = sum x log(x / y) - x + y, the entropy
 * taken relative to the product measure a x b (so P_ij = 0 where a_i b_j = 0),
 * and, for tau = 0 (balanced), the constraints P 1 = a, P^T 1 = b. The plan
 * is P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps) for potentials f, g, found
 * by log-domain Sinkhorn iterations (no underflow for any eps > 0):
 *   f_i = -lambda eps log sum_j b_j exp((g_j - C_ij) / eps), lambda = tau / (tau + eps)
 * (lambda = 1 balanced), and likewise g from f; at the final epsilon g is
 * extrapolated by safeguarded Anderson acceleration (same fixed point; the
 * stopping test is the exact marginal error of the returned potentials; the
 * symmetric problems of the divergence use the averaged update).
 * Every iteration costs two passes over the n x m costs, or one pass over a
 * precomputed kernel when it fits in kernel_memory. For balanced problems of
 * total mass 1, OT_eps = sum a_i f_i + sum b_j g_j at convergence, and it
 * differs from the "<P, C> + eps sum P log P" convention of POT and Cuturi by
 * the constant eps (sum a log a + sum b log b); the plan is the same. For
 * tau > 0 POT's sinkhorn_unbalanced (reg_m = tau, its default reg_type
 * "entropy") uses the entropy sum P log P - P, relative to the all-ones
 * matrix, instead: that problem is this one with the cost
 * C_ij + eps (log a_i + log b_j) (the same plan; the Python module's
 * sinkhorn_unbalanced does this). POT's reg_type="kl" is this problem. */
typedef struct {
    double reg;            /* epsilon > 0 (absolute, in cost units) */
    double tol;            /* stop when the L1 marginal error < tol; default 1e-9. Unbalanced:
                              L1 distance of the plan's marginals to their optimal values
                              a exp(-f / tau), b exp(-g / tau) */
    int64_t max_iter;      /* default 100000 (one iteration = one update of f and of g) */
    int eps_scaling;       /* default 1: anneal epsilon from the cost spread (max - min
                              cost; for point clouds a bound from the bounding box) down to
                              reg, warm-starting each stage; ignored when init_f or init_g
                              is given (then the solve starts at reg) */
    double scaling_factor; /* epsilon multiplier per stage in (0,1), default 0.5 */
    double tau;            /* unbalanced KL marginal relaxation; 0 = balanced (default) */
    const double *init_f;  /* warm start potentials (n) at reg, or NULL */
    const double *init_g;  /* (m) or NULL; used only when init_f is NULL */
    int want_plan;         /* 1: dense n x m plan in the result (default 0) */
    int threads;           /* 0 = all cores; results do not depend on it */
    wass_progress_fn progress;
    void *progress_user;
    double kernel_memory; /* bytes (default 2^30 = 1 GiB; may be +inf): when the dense
                             kernel exp((f_i + g_j - C_ij) / eps) (n m doubles, plus
                             n m / 64 for partial sums) fits, it is computed once per
                             epsilon and the iterations run on it in the scaling domain,
                             one pass over memory per iteration instead of two passes
                             of exponentials; potentials drifting far from those folded
                             into it are absorbed by a rebuild, and where it cannot hold
                             the sums safely (tiny eps) the log-domain passes take over.
                             0: log-domain passes only (memory O(n + m)). Both give
                             the same answer to rounding. */
} wass_sinkhorn_options;

WASS_API void wass_sinkhorn_options_default(wass_sinkhorn_options *opt);

typedef struct {
    wass_status status;    /* WASS_CONVERGED / WASS_ITERATION_LIMIT / WASS_NOT_CONVERGED */
    double cost;           /* transport cost sum P_ij C_ij of the entropic plan (what POT's
                              sinkhorn2 returns) */
    double objective;      /* OT_eps above, evaluated on the returned plan:
                              <P, C> + eps KL(P | a x b) [+ tau KL terms] */
    double marginal_error; /* L1 error of the marginals at exit (see tol) */
    size_t n, m;
    double *f;    /* n potentials (owned): P_ij = a_i b_j exp((f_i + g_j - C_ij)/reg) */
    double *g;    /* m potentials */
    double *plan; /* n x m dense plan when want_plan, else NULL */
    int64_t iterations;
    double seconds;
    char message[256];
} wass_sinkhorn_result;

/* Entropic transport between a and b. Balanced (tau = 0): the totals must
 * agree within 1e-9 relative (b is then rescaled to a's total); weights need
 * not sum to 1. Dense and callback costs are scanned once (NaN/Inf rejected).
 * Memory: O(n + m) besides a dense cost or the requested plan. res is
 * overwritten; call wass_sinkhorn_result_free on it afterwards, also on error. */
WASS_API int wass_sinkhorn(const wass_problem *pb, const wass_sinkhorn_options *opt,
                           wass_sinkhorn_result *res, wass_error_info *err);
WASS_API void wass_sinkhorn_result_free(wass_sinkhorn_result *res);

typedef struct {
    wass_status status;               /* WASS_CONVERGED only when all three solves converged */
    double divergence;                /* S = ot_ab - (ot_aa + ot_bb) / 2 */
    double ot_ab, ot_aa, ot_bb;       /* OT_eps of the three problems: the dual objective of
                                         their potentials (second-order error) */
    double cost_ab, cost_aa, cost_bb; /* transport costs sum P_ij C_ij of their plans */
    double marginal_error;            /* largest of the three */
    int64_t iterations;               /* total over the three solves, at the points (not the
                                         multiscale start's coarse levels) */
    double seconds;
    char message[256];
} wass_sinkhorn_divergence_result;

/* Debiased Sinkhorn divergence S = OT_eps(a,b) - (OT_eps(a,a) + OT_eps(b,b))/2
 * between two clouds (same d, weights normalized to total 1) with a ground
 * cost; OT_eps is the entropic objective above (tau > 0 allowed). The
 * symmetric problems use the averaged iteration f <- (f + T(f)) / 2; (P, Q)
 * with more than 64 points a side starts from the problem between cells of
 * 4 points, solved recursively and lifted by a half-iteration (eps_scaling
 * anneals only the smallest level). S >= 0 and S(a, a) = 0. Note POT's
 * empirical_sinkhorn_divergence debiases the transport costs <P, C> instead (and clips at 0): that
 * is cost_ab - (cost_aa + cost_bb) / 2 here. The short form writes the divergence to *out and how
 * the three solves ended to *status (WASS_CONVERGED, or the first of them that is not, e.g.
 * WASS_ITERATION_LIMIT): a solve that stops early is a status, never an error.
 * The _ex form gives the whole result. */
WASS_API int wass_sinkhorn_divergence(const wass_cloud *P, const wass_cloud *Q,
                                      const wass_ground *g, const wass_sinkhorn_options *opt,
                                      double *out, wass_status *status, wass_error_info *err);
WASS_API int wass_sinkhorn_divergence_ex(const wass_cloud *P, const wass_cloud *Q,
                                         const wass_ground *g, const wass_sinkhorn_options *opt,
                                         wass_sinkhorn_divergence_result *res,
                                         wass_error_info *err);
/* As wass_sinkhorn_divergence_ex, and the potentials of the three problems
 * (P->n or Q->n doubles each, in caller buffers; any may be NULL): f_ab, g_ab
 * of (P, Q), f_aa of (P, P) and f_bb of (Q, Q) (a symmetric problem's two
 * potentials are equal). With the normalized weights a, b and eps = reg, the
 * plans are P_ab = a_i b_j exp((f_ab_i + g_ab_j - C(x_i, y_j)) / eps), and so
 * on, and the gradients of S are (envelope theorem) dS/da = f_ab - f_aa and
 * dS/db = g_ab - f_bb (up to constants), and the plans' weighted cost
 * gradients for the points. Unspecified when the call returns an error. */
WASS_API int wass_sinkhorn_divergence_potentials(const wass_cloud *P, const wass_cloud *Q,
                                                 const wass_ground *g,
                                                 const wass_sinkhorn_options *opt,
                                                 wass_sinkhorn_divergence_result *res, double *f_ab,
                                                 double *g_ab, double *f_aa, double *f_bb,
                                                 wass_error_info *err);

/* Inputs and outputs of wass_sinkhorn_divergence_solve (caller buffers, any
 * may be NULL). Warm start: f_ab, f_aa (P->n) and f_bb (Q->n) of an earlier
 * solve at the same reg and sizes, all three or none: each problem starts
 * there (g_ab from f_ab by a half-iteration), not from the multiscale start
 * or the annealing; the same fixed points, fewer iterations when the clouds
 * moved little (a training loop). Out: the potentials, as in _potentials,
 * and dS/dx_i (P->n x d) and dS/dy_j (Q->n x d), row-major, from the three
 * plans (envelope theorem; squared Euclidean ground with p = 1 only). */
typedef struct {
    const double *init_f_ab, *init_f_aa, *init_f_bb;
    double *f_ab, *g_ab, *f_aa, *f_bb;
    double *grad_P, *grad_Q;
} wass_sinkhorn_divergence_io;

/* The divergence with warm start, potentials and gradients (io may be NULL). */
WASS_API int wass_sinkhorn_divergence_solve(const wass_cloud *P, const wass_cloud *Q,
                                            const wass_ground *g, const wass_sinkhorn_options *opt,
                                            const wass_sinkhorn_divergence_io *io,
                                            wass_sinkhorn_divergence_result *res,
                                            wass_error_info *err);

/* ======================================================================== */
/* Sliced Wasserstein                                                        */
/* ======================================================================== */

typedef struct {
    size_t projections;       /* default 100 */
    uint64_t seed;            /* default 0 */
    double p;                 /* default 2; >= 1 and finite */
    int max_sliced;           /* 0: mean over directions (SW_p); 1: max over directions */
    int threads;              /* 0 = all cores */
    const double *directions; /* NULL (default): random from seed; else
                                 projections x d row-major, used as given */
} wass_sliced_options;

WASS_API void wass_sliced_options_default(wass_sliced_options *opt);
/* SW_p = (mean_theta W_p^p(theta.P, theta.Q))^(1/p), directions uniform on the
 * sphere from the seed; max-sliced: max_theta W_p. Same d required. The
 * result depends only on the inputs and the seed, not on the thread count.
 * opt may be NULL (defaults). */
WASS_API int wass_sliced(const wass_cloud *P, const wass_cloud *Q, const wass_sliced_options *opt,
                         double *out, wass_error_info *err);

/* The k random unit directions of dimension d that wass_sliced uses for a
 * seed (Gaussian vectors, normalized; direction t depends on seed and t
 * only): out is k x d row-major, caller-owned. */
WASS_API int wass_sliced_directions(size_t d, size_t k, uint64_t seed, double *out,
                                    wass_error_info *err);

/* ======================================================================== */
/* Lower bounds                                                              */
/* ======================================================================== */

/* Centroid bound: metric(mean P, mean Q)^p <= optimal cost, by Jensen's
 * inequality, valid when the cost is a convex function of x - y: the norm
 * metrics (euclidean, cityblock, chebyshev, minkowski) with p >= 1, and
 * sqeuclidean with p >= 1/2 (giving ||mean P - mean Q||^(2p)). Other powers
 * are refused with WASS_ERR_UNSUPPORTED. Weights normalized. O((n + m) d). */
WASS_API int wass_bound_centroid(const wass_cloud *P, const wass_cloud *Q, const wass_ground *g,
                                 double *out, wass_error_info *err);
/* Relaxed bound: max of the two one-sided relaxations (each point sends all
 * its mass to its cheapest partner: sum_i a_i min_j C_ij, and the same over
 * columns) <= optimal cost, for any cost (non-finite costs are refused with
 * WASS_ERR_NAN). Weights normalized. One pass over the n x m costs;
 * threads: 0 = all cores; the result does not depend on the thread count. */
WASS_API int wass_bound_relaxed(const wass_problem *pb, int threads, double *out,
                                wass_error_info *err);

/* ======================================================================== */
/* Matrices and files                                                        */
/* ======================================================================== */

typedef struct {
    size_t rows, cols;
    double *data; /* rows x cols row-major (owned) */
    int float32;  /* set by wass_matrix_read: 1 when the values came from a float32
                     .npy file (precision 2^-24, so totals agree only to ~1e-7),
                     0 for float64 and text; ignored by wass_matrix_write */
} wass_matrix;

/* Read a 2-D table of numbers from a text file (comma, tab or space
 * separated, '#' comments, blank lines ignored; every row the same number of
 * columns) or a NumPy .npy file (float64 or float32, little-endian, C order,
 * 1-D (read as a column) or 2-D). The format is chosen by the magic bytes.
 * Errors name the line and the problem; NaN/Inf are rejected. */
WASS_API int wass_matrix_read(const char *path, wass_matrix *out, wass_error_info *err);
/* Write as text ("%.17g", one row a line, comma-separated) or .npy (float64)
 * when the path ends in ".npy"; atomically (temp file + rename). */
WASS_API int wass_matrix_write(const char *path, const wass_matrix *mat, wass_error_info *err);
/* Write count matrices to count files, all or none: every one is written in
 * full to a temporary file beside its path first; only when all succeeded
 * are they renamed into place (a failing rename after that, e.g. a path
 * removed meanwhile, is the only way some can land without the others). On
 * error no temporary file is left. */
WASS_API int wass_matrix_write_all(size_t count, const char *const *paths, const wass_matrix *mats,
                                   wass_error_info *err);
WASS_API void wass_matrix_free(wass_matrix *mat);

#ifdef __cplusplus
}
#endif

/* Parts of the core API in headers of their own (each includes this one). */
#include "wass/embed.h"
#include "wass/grid.h"
#include "wass/pairwise.h"

#endif /* WASS_H */
