/*
 * sinkhorn.c - entropic optimal transport by log-domain Sinkhorn iterations
 * with epsilon scaling, balanced or with KL-relaxed marginals (unbalanced).
 *
 * The potentials are updated by exact log-sum-exp passes (sinkhorn_kernel.c),
 * so small epsilon cannot underflow. When it fits in opt->kernel_memory, the
 * kernel exp((f0_i + g0_j - C_ij) / eps) with the potentials of its build
 * folded in is computed once per epsilon and each iteration is one fused
 * pass over it (scaling domain); iterations where it cannot hold the sums
 * safely run in the log domain, and both give the same numbers to rounding. The marginal error of
 * the current potentials comes for free: after the g update the column marginals are exact, and the
 * row sums of that plan are a_i exp(f_i/eps + LSE_i), where LSE_i is what the next f update
 * computes anyway. The solver stops on that error and returns exactly the
 * potentials whose error it measured.
 *
 * At the final epsilon, two-sided problems are accelerated by Anderson
 * mixing on g (sk_params.anderson, anderson.c); an extrapolated g has
 * inexact columns, whose error is then added exactly from the column
 * log-sum-exps of f that the g update computed anyway. The solver also
 * stops on the state (T_f(g), g) of an extrapolated g, the one the
 * acceleration drives to the fixed point: its rows are exact and the next
 * column pass gives its column error. Symmetric problems
 * use their averaged update, with a short Anderson history on f
 * (SK_ANDERSON_SYM: about 3 of 10 iterations fewer at tol 1e-4, and no
 * gain from a longer one); with anderson = 0, two-sided problems use the
 * plain iteration with over-relaxation.
 */
#include "entropic/anderson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wass_sinkhorn_options_default(wass_sinkhorn_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
    opt->reg = 0.05;
    opt->tol = 1e-9;
    opt->max_iter = 100000;
    opt->eps_scaling = 1;
    opt->scaling_factor = 0.5;
    opt->tau = 0.0;
    opt->want_plan = 0;
    opt->threads = 0;
    opt->kernel_memory = 1073741824.0; /* 1 GiB */
}

void wass_sinkhorn_result_free(wass_sinkhorn_result *res) {
    if (!res) return;
    free(res->f);
    free(res->g);
    free(res->plan);
    res->f = res->g = res->plan = NULL;
}

/* ---- solver core --------------------------------------------------------- */

static double lambda_of(double tau, double eps) {
    return tau > 0 ? tau / (tau + eps) : 1.0;
}

/* Largest log of a row or column mass over its target at which the errors
 * are evaluated. A state beyond it is hopeless (an error above e^300), and
 * an exponent up to e^709 would still be finite in each term and overflow in
 * their sum: an extrapolated potential far from the fixed point must give a
 * huge error, never an infinite or NaN one. */
#define SK_ERR_EXP 300.0

/* exp(x) for the error sums: x above SK_ERR_EXP (or NaN) counts as
 * SK_ERR_EXP, and *over is set. */
static double err_exp(double x, int *over) {
    if (x <= SK_ERR_EXP) return exp(x);
    *over = 1;
    return exp(SK_ERR_EXP);
}

/* L1 column error of the plan of (f, g), given L_j = log sum_i a_i
 * exp((f_i - C_ij) / eps) (the column log-sum-exps of f): the columns are
 * b_j exp(g_j / eps + L_j), against b_j (balanced) or b_j exp(-g_j / tau).
 * INFINITY when some column is beyond SK_ERR_EXP of its target, or g is not
 * finite (an extrapolated g that went too far). */
static double col_error(const double *b, const double *g, const double *L, double ie, double tau,
                        size_t m, double *e) {
    int over = 0;
    for (size_t j = 0; j < m; j++) {
        double c = b[j] * err_exp(g[j] * ie + L[j], &over);
        double target = tau > 0 ? b[j] * err_exp(-g[j] / tau, &over) : b[j];
        e[j] = fabs(c - target);
    }
    return over ? INFINITY : wass__sum(e, m);
}

/* Iterations spent at each intermediate epsilon of the annealing. */
#define SK_STAGE_ITERS 1

/* The solver's state between iterations: the problem, the work arrays, the
 * annealing, the acceleration (Anderson or over-relaxation) and the kernel
 * path's bookkeeping. */
typedef struct {
    const sk_kernel *k;
    const double *a, *b;
    const sk_params *par;
    size_t n, m;
    double *f, *g;
    double *la, *lb, *h, *L, *e, *sh, *Lc, *fn; /* Lc, fn: kernel path column LSEs, next f */
    int sym, use_aa;
    sk_aa aa;
    double eps;
    int stage_iters;
    int64_t final_iters; /* iterations done at the final epsilon */
    /* Over-relaxation (two-sided problems when Anderson is off): once at the
     * final epsilon, the plain iteration's contraction rate theta is
     * measured, then the updates become x <- (1 - w) x + w T(x) with
     * w = 2 / (1 + sqrt(1 - theta)), the optimal factor near the fixed
     * point. Relaxed states have inexact columns, so when the estimated error
     * (rows of this state + columns of the previous one) drops below tol, the
     * last updates are plain again and the stop is decided on an exact
     * error. If the error grows instead, relaxation is switched off. */
    double omega, col_err, prev_err, theta_prev;
    int plain_final, polish, relax_off, grow;
    /* Kernel path (k->km): have_cols says that Lc holds the column LSEs for
     * the current f at the current eps (from the last build or fused pass).
     * Where K cannot hold the sums (see sk_kmat_build) the iteration runs in
     * the log domain, and K is tried again later: at once at a new epsilon,
     * else after 4, 8, 16, ... iterations (the potentials may have settled). */
    int have_cols;
    int f_exact;               /* f = T_f(g) exactly at the current eps (see below) */
    int64_t retry_at, backoff; /* after a refusal: next try, doubling gaps */
} sk_state;

/* Work arrays, logs of the weights, the first epsilon, f from g if asked. */
static int state_init(sk_state *st, const sk_kernel *k, const double *a, const double *b,
                      const sk_params *par, double *f, double *g, wass_error_info *err) {
    size_t n = k->n, m = k->m, big = n > m ? n : m;
    memset(st, 0, sizeof *st);
    st->k = k;
    st->a = a;
    st->b = b;
    st->par = par;
    st->n = n;
    st->m = m;
    st->f = f;
    st->g = g;
    st->sym = par->symmetric;
    st->la = malloc((3 * n + 3 * m + 3 * big) * sizeof(double));
    if (!st->la) return wass__fail(err, WASS_ERR_NOMEM, "out of memory (Sinkhorn work arrays)");
    st->lb = st->la + n;
    st->h = st->lb + m;
    st->L = st->h + big;
    st->e = st->L + big;
    st->sh = st->e + big;
    st->Lc = st->sh + big;
    st->fn = st->Lc + m;
    /* Anderson acceleration (two-sided problems, final epsilon): replaces
     * the over-relaxation. */
    st->use_aa = par->anderson > 0 && !st->sym;
    int hist = st->sym ? (par->anderson < SK_ANDERSON_SYM ? par->anderson : SK_ANDERSON_SYM)
                       : par->anderson;
    if (hist > 0 && sk_aa_init(&st->aa, hist, m))
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory (Anderson history)");
    for (size_t i = 0; i < n; i++)
        st->la[i] = log(a[i]); /* log 0 = -inf: no mass there */
    for (size_t j = 0; j < m; j++)
        st->lb[j] = log(b[j]);
    st->eps = par->start_eps > par->reg ? par->start_eps : par->reg;
    if (par->init_g_only && !st->sym) { /* f from the given g */
        double ie = 1.0 / st->eps, lam = lambda_of(par->tau, st->eps);
        for (size_t j = 0; j < m; j++)
            st->h[j] = st->lb[j] + g[j] * ie;
        sk_lse(k, 0, st->h, ie, NULL, st->L);
        for (size_t i = 0; i < n; i++)
            f[i] = -lam * st->eps * st->L[i];
    }
    st->omega = 1.0;
    st->col_err = st->prev_err = INFINITY;
    st->theta_prev = -1.0;
    st->relax_off = st->sym || st->use_aa;
    st->backoff = 4;
    return WASS_OK;
}

static void state_free(sk_state *st) {
    sk_aa_free(&st->aa);
    free(st->la);
}

/* Whether this iteration runs on the precomputed kernel (built for the
 * current epsilon when needed). */
static int kernel_pass(sk_state *st, int64_t iterations) {
    const sk_kernel *k = st->k;
    if (!k->km || iterations < st->retry_at) return 0;
    const double *gg = st->sym ? st->f : st->g;
    if (!(st->have_cols && k->km->valid && k->km->eps == st->eps))
        st->have_cols = sk_kmat_build(k, st->la, st->f, gg, st->eps, st->sym ? NULL : st->Lc);
    if (!st->have_cols) {
        st->retry_at = iterations + st->backoff;
        st->backoff *= 2;
    }
    return st->have_cols;
}

/* The Anderson step on g (f = T_f(g) at this epsilon: L gives G(g)); the
 * column error of an extrapolated g into *aa_col. */
static void anderson_g(sk_state *st, double ie, double lam, double *aa_col) {
    size_t m = st->m;
    double *g = st->g;
    memcpy(st->aa.x, g, m * sizeof(double));
    for (size_t j = 0; j < m; j++)
        st->aa.Gx[j] = -lam * st->eps * st->L[j];
    if (sk_aa_step(&st->aa, st->aa.x, st->aa.Gx, g)) {
        /* extrapolated g, or the restart point: its columns are not exact
         * for this f; their error is exact from the column LSEs of f */
        *aa_col = col_error(st->b, g, st->L, ie, st->par->tau, m, st->e);
        if (!isfinite(*aa_col)) { /* too far (or not finite): back to the plain step */
            memcpy(g, st->aa.Gx, m * sizeof(double));
            sk_aa_reset(&st->aa);
            *aa_col = 0.0;
        }
    }
}

/* The g update (two-sided problems): with w = 1 the columns become exact
 * (optimal for tau > 0). Returns 1 when the state before it, (T_f(g), g),
 * meets the tolerance (out filled): the solve stops on it. */
static int g_update(sk_state *st, double ie, double lam, double w, int kpass, double *aa_col,
                    sk_outcome *out) {
    size_t n = st->n, m = st->m;
    const double tau = st->par->tau;
    double *f = st->f, *g = st->g, *L = st->L;
    if (kpass) {
        memcpy(L, st->Lc, m * sizeof(double));
    } else {
        for (size_t i = 0; i < n; i++)
            st->h[i] = st->la[i] + f[i] * ie;
        for (size_t j = 0; j < m; j++)
            st->sh[j] = -g[j] * ie / lam;
        sk_lse(st->k, 1, st->h, ie, st->sh, L);
    }
    if (st->f_exact) {
        /* (f, g) with f = T_f(g): its rows are exact, and L gives its
         * column error. This is the state that Anderson drives to the fixed
         * point; stop on it when it is done. */
        double cerr = col_error(st->b, g, L, ie, tau, m, st->e);
        if (cerr < st->par->tol) {
            out->marginal_error = cerr;
            out->status = WASS_CONVERGED;
            return 1;
        }
    }
    if (st->omega > 1.0) /* column error of the state before this update */
        st->col_err = col_error(st->b, g, L, ie, tau, m, st->e);
    if (st->use_aa && st->eps <= st->par->reg && st->final_iters > 0)
        anderson_g(st, ie, lam, aa_col);
    else
        for (size_t j = 0; j < m; j++)
            g[j] = (1.0 - w) * g[j] - w * lam * st->eps * L[j];
    return 0;
}

/* The row pass: LSE_i for the f update and the row error of (f, g); on the
 * kernel, fused with the column sums of the next g update. Returns whether
 * it ran on the kernel. */
static int row_pass(sk_state *st, double ie, double lam, double c1, double c2, double eps_next,
                    int kpass, int64_t iterations) {
    const sk_kernel *k = st->k;
    const double *gg = st->sym ? st->f : st->g;
    if (kpass) {
        double *lc = st->sym ? NULL : st->Lc, ne = eps_next != st->eps ? eps_next : 0.0;
        int r = sk_kmat_fused(k, st->la, st->lb, st->f, gg, c1, c2, ne, st->L, st->fn, lc,
                              &st->have_cols);
        if (r == SK_DRIFT)
            r = sk_kmat_build(k, st->la, st->f, gg, st->eps, NULL) &&
                sk_kmat_fused(k, st->la, st->lb, st->f, gg, c1, c2, ne, st->L, st->fn, lc,
                              &st->have_cols) == 1;
        if (r != 1) {
            kpass = 0;
            st->have_cols = 0;
            st->retry_at = iterations + st->backoff;
            st->backoff *= 2;
        }
    }
    if (!kpass) {
        for (size_t j = 0; j < st->m; j++)
            st->h[j] = st->lb[j] + gg[j] * ie;
        for (size_t i = 0; i < st->n; i++)
            st->sh[i] = -st->f[i] * ie / lam;
        sk_lse(k, 0, st->h, ie, st->sh, st->L);
    }
    return kpass;
}

/* L1 row error of (f, g) from the row LSEs; *finite = 0 on a breakdown (a
 * non-finite log-sum-exp). A row beyond SK_ERR_EXP of its target (the state
 * after a wild extrapolation) gives a huge, finite error: the iteration
 * goes on from the finite potentials. */
static double row_error(sk_state *st, double ie, int *finite) {
    const double tau = st->par->tau;
    int over = 0;
    *finite = 1;
    for (size_t i = 0; i < st->n; i++) {
        double r = st->a[i] * err_exp(st->f[i] * ie + st->L[i], &over);
        double target = tau > 0 ? st->a[i] * err_exp(-st->f[i] / tau, &over) : st->a[i];
        st->e[i] = fabs(r - target);
        if (!isfinite(st->L[i]) || !isfinite(st->f[i])) *finite = 0;
    }
    double merr = wass__sum(st->e, st->n);
    return st->sym ? 2.0 * merr : merr; /* rows and columns of a symmetric plan */
}

/* Over-relaxation at the final epsilon: measure the plain rate, then relax;
 * back to plain Sinkhorn for good when it diverges. */
static void relax_update(sk_state *st, double merr) {
    if (!(st->eps <= st->par->reg) || st->relax_off || st->polish) return;
    if (st->omega == 1.0) {
        double theta = merr / st->prev_err;
        if (++st->plain_final >= 6 && theta > 0 && theta < 1 && st->theta_prev > 0 &&
            fabs(theta - st->theta_prev) < 0.05 * theta) {
            double wopt = 2.0 / (1.0 + sqrt(1.0 - theta));
            if (wopt > 1.05) st->omega = wopt > 1.9 ? 1.9 : wopt;
        }
        st->theta_prev = theta;
    } else if (merr > st->prev_err) {
        if (++st->grow >= 4) {
            st->omega = 1.0;
            st->relax_off = 1;
        }
    } else {
        st->grow = 0;
    }
}

/* The f update (at the epsilon of the next iteration) and the annealing. */
static void f_update_and_anneal(sk_state *st, double c1, double c2, double w, double eps_next,
                                int kpass) {
    const double reg = st->par->reg;
    if (st->eps <= reg) st->final_iters++;
    st->f_exact = st->use_aa && w == 1.0 && st->eps <= reg;
    const int sym_aa = st->sym && st->aa.dR && st->eps <= reg;
    if (sym_aa) memcpy(st->aa.x, st->f, st->n * sizeof(double));
    if (kpass)
        memcpy(st->f, st->fn, st->n * sizeof(double));
    else
        for (size_t i = 0; i < st->n; i++)
            st->f[i] = c1 * st->f[i] + c2 * st->L[i];
    if (sym_aa) { /* Anderson on the averaged map, at the final epsilon */
        memcpy(st->aa.Gx, st->f, st->n * sizeof(double));
        sk_aa_step(&st->aa, st->aa.x, st->aa.Gx, st->f);
    }
    if (eps_next != st->eps) {
        st->eps = eps_next;
        st->stage_iters = 0;
        st->prev_err = INFINITY;
        st->retry_at = 0; /* a new epsilon: try the kernel again */
    } else if (st->eps > reg) {
        st->stage_iters++;
    }
}

/* One iteration; returns 1 when the solve ends (out->status set). */
static int iterate(sk_state *st, sk_outcome *out) {
    const sk_params *par = st->par;
    const double reg = par->reg, eps = st->eps;
    const double ie = 1.0 / eps, lam = lambda_of(par->tau, eps);
    const double w = st->polish ? 1.0 : st->omega;
    double aa_col = 0.0; /* column error of an extrapolated g */
    int kpass = kernel_pass(st, out->iterations);
    if (!st->sym && g_update(st, ie, lam, w, kpass, &aa_col, out)) return 1;
    const double c1 = st->sym ? 0.5 : 1.0 - w;
    const double c2 = st->sym ? -0.5 * lam * eps : -w * lam * eps;
    /* the annealing steps after this iteration: K is rebuilt by this pass */
    double eps_next = eps;
    if (eps > reg && st->stage_iters + 1 >= SK_STAGE_ITERS) {
        eps_next = eps * par->scaling_factor;
        if (eps_next < reg) eps_next = reg;
    }
    kpass = row_pass(st, ie, lam, c1, c2, eps_next, kpass, out->iterations);
    int finite;
    double merr = row_error(st, ie, &finite);
    out->iterations++;
    if (!finite) {
        out->status = WASS_NOT_CONVERGED;
        snprintf(out->message, sizeof out->message,
                 "numerical breakdown at iteration %lld (epsilon %.3g): non-finite potentials",
                 (long long)out->iterations, eps);
        return 1;
    }
    if (w == 1.0) { /* exact: columns are right after a plain g update */
        merr += aa_col;
        out->marginal_error = merr;
        if (eps <= reg && merr < par->tol) {
            out->status = WASS_CONVERGED;
            return 1;
        }
    } else {
        out->marginal_error = merr + st->col_err; /* estimate */
        if (merr + st->col_err < par->tol) st->polish = 1;
    }
    relax_update(st, merr);
    st->prev_err = merr;
    f_update_and_anneal(st, c1, c2, w, eps_next, kpass);
    if (par->progress && out->iterations % 16 == 0)
        par->progress(-1.0, st->eps > reg ? "sinkhorn: annealing epsilon" : "sinkhorn",
                      par->progress_user);
    return 0;
}

int sk_solve(const sk_kernel *k, const double *a, const double *b, const sk_params *par, double *f,
             double *g, sk_outcome *out, wass_error_info *err) {
    sk_state st;
    int rc = state_init(&st, k, a, b, par, f, g, err);
    if (rc) {
        state_free(&st);
        return rc;
    }
    out->status = WASS_ITERATION_LIMIT;
    out->marginal_error = INFINITY;
    out->iterations = 0;
    out->message[0] = '\0';
    for (;;) {
        if (out->iterations >= par->max_iter) {
            snprintf(out->message, sizeof out->message,
                     "stopped at max_iter = %lld with L1 marginal error %.3g >= tol %.3g%s",
                     (long long)par->max_iter, out->marginal_error, par->tol,
                     st.eps > par->reg ? " (still annealing epsilon)" : "");
            break;
        }
        if (iterate(&st, out)) break;
    }
    if (st.sym) memcpy(g, f, k->n * sizeof(double));
    state_free(&st);
    return WASS_OK;
}

static double kl_gen(const double *x, const double *y, size_t len, double *tmp) {
    for (size_t i = 0; i < len; i++) {
        double t = y[i] - x[i];
        if (x[i] > 0) t += x[i] * log(x[i] / y[i]);
        tmp[i] = t;
    }
    return wass__sum(tmp, len);
}

int sk_evaluate(const sk_kernel *k, const double *a, const double *b, const double *f,
                const double *g, double reg, double tau, double *cost, double *objective,
                double *plan, double *merr, wass_error_info *err) {
    size_t n = k->n, m = k->m, big = n > m ? n : m;
    double *alpha = malloc((4 * n + 3 * m + big) * sizeof(double));
    if (!alpha) return wass__fail(err, WASS_ERR_NOMEM, "out of memory (Sinkhorn evaluation)");
    double *beta = alpha + n, *r = beta + m, *w = r + n, *c = w + n, *t = c + m;
    double *la = t + big, *lb = la + n;
    double ie = 1.0 / reg;
    for (size_t i = 0; i < n; i++) {
        la[i] = log(a[i]);
        alpha[i] = la[i] + f[i] * ie;
    }
    for (size_t j = 0; j < m; j++) {
        lb[j] = log(b[j]);
        beta[j] = lb[j] + g[j] * ie;
    }
    if (!sk_kmat_plan(k, la, lb, f, g, reg, r, w, c, plan)) {
        sk_plan_pass(k, 0, alpha, beta, ie, r, w, plan);
        sk_plan_pass(k, 1, alpha, beta, ie, c, NULL, NULL);
        /* the vectorized exp gives ~1e-308 for exp(-inf): points without
         * mass carry exactly none (else KL(r | a) = inf for tau > 0) */
        for (size_t i = 0; i < n; i++)
            if (a[i] == 0) {
                r[i] = w[i] = 0;
                if (plan) memset(plan + i * m, 0, m * sizeof(double));
            }
        for (size_t j = 0; j < m; j++)
            if (b[j] == 0) {
                c[j] = 0;
                if (plan)
                    for (size_t i = 0; i < n; i++)
                        plan[i * m + j] = 0;
            }
    }
    *cost = wass__sum(w, n);
    double mass = wass__sum(r, n), ma = wass__sum(a, n), mb = wass__sum(b, m);
    for (size_t i = 0; i < n; i++)
        t[i] = f[i] * r[i];
    double obj = wass__sum(t, n);
    for (size_t j = 0; j < m; j++)
        t[j] = g[j] * c[j];
    obj += wass__sum(t, m);
    obj -= reg * (mass - ma * mb);
    if (tau > 0) obj += tau * (kl_gen(r, a, n, t) + kl_gen(c, b, m, t));
    *objective = obj;
    if (merr) { /* from the plan itself, trusting no iteration's estimate */
        for (size_t i = 0; i < n; i++)
            t[i] = fabs(r[i] - (tau > 0 ? a[i] * exp(-f[i] / tau) : a[i]));
        double e = wass__sum(t, n);
        for (size_t j = 0; j < m; j++)
            t[j] = fabs(c[j] - (tau > 0 ? b[j] * exp(-g[j] / tau) : b[j]));
        e += wass__sum(t, m);
        *merr = e == e ? e : INFINITY;
    }
    free(alpha);
    return WASS_OK;
}

/* ---- public entry -------------------------------------------------------- */

int sk_check_params(const wass_sinkhorn_options *o, wass_error_info *err) {
    if (!(o->reg > 0 && isfinite(o->reg)))
        return wass__fail(err, WASS_ERR_INVALID, "reg (epsilon) = %g must be positive and finite",
                          o->reg);
    if (!(o->tol > 0 && isfinite(o->tol)))
        return wass__fail(err, WASS_ERR_INVALID, "tol = %g must be positive and finite", o->tol);
    if (o->max_iter <= 0)
        return wass__fail(err, WASS_ERR_INVALID, "max_iter = %lld must be positive",
                          (long long)o->max_iter);
    if (!(o->tau >= 0 && isfinite(o->tau)))
        return wass__fail(err, WASS_ERR_INVALID, "tau = %g must be >= 0 and finite (0 = balanced)",
                          o->tau);
    if (o->eps_scaling && !(o->scaling_factor > 0 && o->scaling_factor < 1))
        return wass__fail(err, WASS_ERR_INVALID, "scaling_factor = %g must lie in (0, 1)",
                          o->scaling_factor);
    if (o->threads < 0)
        return wass__fail(err, WASS_ERR_INVALID, "threads = %d must be >= 0", o->threads);
    if (!(o->kernel_memory >= 0))
        return wass__fail(err, WASS_ERR_INVALID,
                          "kernel_memory = %g must be >= 0 (bytes; 0 = log-domain passes only)",
                          o->kernel_memory);
    return WASS_OK;
}

static int check_options(const wass_sinkhorn_options *o, size_t n, size_t m, wass_error_info *err) {
    int rc;
    if ((rc = sk_check_params(o, err))) return rc;
    if (o->init_f && (rc = wass__check_finite(o->init_f, n, "init_f", err))) return rc;
    if (o->init_g && (rc = wass__check_finite(o->init_g, m, "init_g", err))) return rc;
    return WASS_OK;
}

void sk_params_from(sk_params *par, const wass_sinkhorn_options *opt, double start_eps) {
    memset(par, 0, sizeof *par);
    par->reg = opt->reg;
    par->tol = opt->tol;
    par->tau = opt->tau;
    par->max_iter = opt->max_iter;
    par->scaling_factor = opt->scaling_factor;
    par->start_eps = start_eps;
    par->anderson = SK_ANDERSON;
    par->progress = opt->progress;
    par->progress_user = opt->progress_user;
}

int sk_weights(const double *w, size_t n, double **out, double *total, wass_error_info *err) {
    double *x = malloc(n * sizeof(double));
    if (!x) return wass__fail(err, WASS_ERR_NOMEM, "out of memory (weights)");
    for (size_t i = 0; i < n; i++)
        x[i] = w ? w[i] : 1.0 / (double)n;
    *total = wass__sum(x, n);
    *out = x;
    return WASS_OK;
}

int wass_sinkhorn(const wass_problem *pb, const wass_sinkhorn_options *opt,
                  wass_sinkhorn_result *res, wass_error_info *err) {
    double t0 = wass__now();
    wass__clear(err);
    if (!res) return wass__fail(err, WASS_ERR_INVALID, "result pointer is NULL");
    memset(res, 0, sizeof *res);
    res->status = WASS_NOT_SOLVED;
    int rc = wass_problem_check(pb, err);
    if (rc) return rc;
    res->n = pb->n;
    res->m = pb->m;
    wass_sinkhorn_options defaults;
    if (!opt) {
        wass_sinkhorn_options_default(&defaults);
        opt = &defaults;
    }
    if ((rc = check_options(opt, pb->n, pb->m, err))) return rc;

    size_t n = pb->n, m = pb->m, nm = n * m; /* n * m checked by wass_problem_check */
    if (opt->want_plan && nm > SIZE_MAX / sizeof(double))
        return wass__fail(err, WASS_ERR_SIZE, "plan of %zu x %zu entries is too large", n, m);

    double *a = NULL, *b = NULL, ta = 0.0, tb = 0.0;
    sk_kernel k;
    memset(&k, 0, sizeof k);
    if ((rc = sk_weights(pb->a, n, &a, &ta, err))) goto done;
    if ((rc = sk_weights(pb->b, m, &b, &tb, err))) goto done;
    if (opt->tau == 0) {
        if (fabs(ta - tb) > 1e-9 * fmax(ta, tb)) {
            rc = wass__fail(err, WASS_ERR_MASS_MISMATCH,
                            "weights a sum to %.17g but b to %.17g (balanced Sinkhorn needs "
                            "equal totals; normalize them or use tau > 0)",
                            ta, tb);
            goto done;
        }
        for (size_t j = 0; j < m; j++)
            b[j] *= ta / tb;
    }
    if ((rc = sk_kernel_init(&k, pb, opt->threads, err))) goto done;
    double cmin = 0, cmax = 0;
    if ((rc = sk_cost_range(&k, &cmin, &cmax, err))) goto done;
    sk_kmat_enable(&k, opt->kernel_memory); /* not enabled: log-domain passes */

    res->f = calloc(n, sizeof(double));
    res->g = calloc(m, sizeof(double));
    if (opt->want_plan) res->plan = malloc(nm * sizeof(double));
    if (!res->f || !res->g || (opt->want_plan && !res->plan)) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory (potentials or plan)");
        goto done;
    }
    if (opt->init_f) memcpy(res->f, opt->init_f, n * sizeof(double));
    if (opt->init_g) memcpy(res->g, opt->init_g, m * sizeof(double));

    sk_params par;
    sk_params_from(&par, opt,
                   (opt->eps_scaling && !opt->init_f && !opt->init_g) ? cmax - cmin : 0.0);
    par.init_g_only = !opt->init_f && opt->init_g;
    sk_outcome oc;
    if ((rc = sk_solve(&k, a, b, &par, res->f, res->g, &oc, err))) goto done;
    double merr;
    if ((rc = sk_evaluate(&k, a, b, res->f, res->g, opt->reg, opt->tau, &res->cost, &res->objective,
                          res->plan, &merr, err)))
        goto done;
    res->status = oc.status;
    res->iterations = oc.iterations;
    res->marginal_error = fmax(oc.marginal_error, merr);
    memcpy(res->message, oc.message, sizeof res->message);
    /* the iteration's error is measured in the log domain; the plan's own
     * sums decide (epsilon far below the costs underflows the kernel) */
    if (res->status == WASS_CONVERGED && !(merr <= opt->tol + 1e-13 * (ta + tb))) {
        res->status = WASS_NOT_CONVERGED;
        snprintf(res->message, sizeof res->message,
                 "the plan's marginals are off by %.3g (L1, recomputed from the plan; tol %.3g): "
                 "epsilon %.3g against costs up to %.3g (kernel underflow?)",
                 merr, opt->tol, opt->reg, cmax);
    }
    if (!isfinite(res->cost) || !isfinite(res->objective)) {
        res->status = WASS_NOT_CONVERGED;
        snprintf(res->message, sizeof res->message, "non-finite cost or objective");
    }

done:
    sk_kernel_free(&k);
    free(a);
    free(b);
    if (rc) {
        wass_sinkhorn_result_free(res);
        res->status = WASS_NOT_SOLVED;
    }
    res->seconds = wass__now() - t0;
    return rc;
}
