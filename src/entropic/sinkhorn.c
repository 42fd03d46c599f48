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
 * mixing on g (sk_params.anderson, see aa_step); an extrapolated g has
 * inexact columns, whose error is then added exactly from the column
 * log-sum-exps of f that the g update computed anyway. The solver also
 * stops on the state (T_f(g), g) of an extrapolated g, the one the
 * acceleration drives to the fixed point: its rows are exact and the next
 * column pass gives its column error. Symmetric problems
 * use their averaged update; with anderson = 0, two-sided problems use the
 * plain iteration with over-relaxation.
 */
#include "entropic/sinkhorn_internal.h"

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

/* L1 column error of the plan of (f, g), given L_j = log sum_i a_i
 * exp((f_i - C_ij) / eps) (the column log-sum-exps of f): the columns are
 * b_j exp(g_j / eps + L_j), against b_j (balanced) or b_j exp(-g_j / tau). */
static double col_error(const double *b, const double *g, const double *L, double ie, double tau,
                        size_t m, double *e) {
    for (size_t j = 0; j < m; j++) {
        double c = b[j] * exp(g[j] * ie + L[j]);
        double target = tau > 0 ? b[j] * exp(-g[j] / tau) : b[j];
        e[j] = fabs(c - target);
    }
    return wass__sum(e, m);
}

/* ---- Anderson acceleration ----------------------------------------------- */

/* Type II Anderson mixing on g at the final epsilon, for the map
 * G(g) = T_g(T_f(g)) of one plain Sinkhorn iteration. The history holds the
 * differences of the last residuals r = G(g) - g and of the G values; the
 * next g is G(g_k) - dG gamma with gamma the regularized least-squares
 * solution of min |r_k - dR gamma|. Safeguard: when |r| (L2) grows by
 * more than SK_AA_GROWTH from the last accepted point, the point is dropped,
 * the history cleared, and the plain step from the accepted point taken;
 * the plain step is taken too when the extrapolated point gives non-finite
 * marginals. A long history (SK_ANDERSON = 32) matters where
 * eps is small against the spread of the costs: Gaussian clouds at
 * eps = 0.05, n = 1000, take 1741 iterations with 8 and about 100 with 32.
 * The inner products of the history are kept and only the newest one's
 * are computed, so a step costs O(history m). The fixed point is that of
 * plain Sinkhorn. All sums are serial: no thread count dependence. */
typedef struct {
    int cap, len, head, have_prev, restarted;
    size_t m;
    double prev_rn;
    double *dR, *dG, *r_prev, *G_prev, *r;
    double gram[SK_AA_MAX][SK_AA_MAX]; /* dR_u . dR_v of the slots in use */
} sk_aa;

static void aa_reset(sk_aa *s) {
    s->len = 0, s->head = 0;
}

/* Safeguard: a point whose residual exceeds this factor times that of the
 * last accepted one is rejected. Anderson iterates are not monotone; a
 * factor of 1 (restart at every increase) cost 2x more iterations over
 * uniform, Gaussian and clustered clouds at eps = 0.05 and 0.01, and no
 * test at all (restart only on non-finite values) let tiny problems at
 * eps = 1e-3 diverge. */
#define SK_AA_GROWTH 3.0

static double dot(const double *x, const double *y, size_t m) {
    double t = 0;
    for (size_t j = 0; j < m; j++)
        t += x[j] * y[j];
    return t;
}

/* Solve H x = y (p x p, p <= SK_AA_MAX) by Gaussian elimination with partial
 * pivoting; 0 when singular or not finite. */
static int small_solve(double H[SK_AA_MAX][SK_AA_MAX], double *y, int p) {
    for (int c = 0; c < p; c++) {
        int piv = c;
        for (int r = c + 1; r < p; r++)
            if (fabs(H[r][c]) > fabs(H[piv][c])) piv = r;
        if (!(fabs(H[piv][c]) > 0) || !isfinite(H[piv][c])) return 0;
        if (piv != c) {
            for (int q = 0; q < p; q++) {
                double t = H[c][q];
                H[c][q] = H[piv][q];
                H[piv][q] = t;
            }
            double t = y[c];
            y[c] = y[piv];
            y[piv] = t;
        }
        for (int r = c + 1; r < p; r++) {
            double l = H[r][c] / H[c][c];
            for (int q = c; q < p; q++)
                H[r][q] -= l * H[c][q];
            y[r] -= l * y[c];
        }
    }
    for (int c = p - 1; c >= 0; c--) {
        double t = y[c];
        for (int q = c + 1; q < p; q++)
            t -= H[c][q] * y[q];
        y[c] = t / H[c][c];
        if (!isfinite(y[c])) return 0;
    }
    return 1;
}

/* One step: x = the g that produced Gx = G(x). Writes the next g into out.
 * Returns 0 when out is Gx (the plain step), 1 when it is an extrapolated
 * point, 2 when x was rejected and out is the plain step from the last
 * accepted point (G of it, kept from its step). */
static int aa_step(sk_aa *s, const double *x, const double *Gx, double *out) {
    size_t m = s->m;
    for (size_t j = 0; j < m; j++)
        s->r[j] = Gx[j] - x[j];
    double rn = sqrt(dot(s->r, s->r, m));
    int extrap = 0;
    if (s->have_prev && !s->restarted && !(rn < SK_AA_GROWTH * s->prev_rn)) {
        /* x is much worse than the last accepted point: drop it, restart
         * from the plain step of that point; the point reached is accepted
         * whatever its residual (no loop), and the pair it makes with the
         * last accepted point starts the new history. */
        memcpy(out, s->G_prev, m * sizeof(double));
        aa_reset(s);
        s->restarted = 1;
        return 2;
    }
    s->restarted = 0;
    if (s->have_prev) {
        double *dr = s->dR + (size_t)s->head * m, *dg = s->dG + (size_t)s->head * m;
        for (size_t j = 0; j < m; j++) {
            dr[j] = s->r[j] - s->r_prev[j];
            dg[j] = Gx[j] - s->G_prev[j];
        }
        /* the slots in use are 0 .. len-1; only the new one's inner
         * products are computed: O(cap m) a step */
        int slot = s->head;
        s->head = (s->head + 1) % s->cap;
        if (s->len < s->cap) s->len++;
        int p = s->len;
        for (int v = 0; v < p; v++)
            s->gram[slot][v] = s->gram[v][slot] = dot(dr, s->dR + (size_t)v * m, m);
        double H[SK_AA_MAX][SK_AA_MAX], y[SK_AA_MAX], tr = 0;
        for (int u = 0; u < p; u++) {
            y[u] = dot(s->dR + (size_t)u * m, s->r, m);
            for (int v = 0; v < p; v++)
                H[u][v] = s->gram[u][v];
            tr += H[u][u];
        }
        for (int u = 0; u < p; u++)
            H[u][u] += 1e-10 * tr / p; /* Tikhonov, relative */
        if (small_solve(H, y, p)) {
            for (size_t j = 0; j < m; j++)
                out[j] = Gx[j];
            for (int u = 0; u < p; u++) {
                const double *du = s->dG + (size_t)u * m;
                for (size_t j = 0; j < m; j++)
                    out[j] -= y[u] * du[j];
            }
            extrap = 1;
        } else {
            aa_reset(s);
        }
    }
    if (!extrap) memcpy(out, Gx, m * sizeof(double));
    memcpy(s->r_prev, s->r, m * sizeof(double));
    memcpy(s->G_prev, Gx, m * sizeof(double));
    s->prev_rn = rn;
    s->have_prev = 1;
    return extrap;
}

/* Iterations spent at each intermediate epsilon of the annealing. */
#define SK_STAGE_ITERS 1

int sk_solve(const sk_kernel *k, const double *a, const double *b, const sk_params *par, double *f,
             double *g, sk_outcome *out, wass_error_info *err) {
    size_t n = k->n, m = k->m, big = n > m ? n : m;
    const double reg = par->reg, tau = par->tau, tol = par->tol;
    const int sym = par->symmetric;
    double *la = malloc((3 * n + 3 * m + 3 * big) * sizeof(double));
    if (!la) return wass__fail(err, WASS_ERR_NOMEM, "out of memory (Sinkhorn work arrays)");
    double *lb = la + n, *h = lb + m, *L = h + big, *e = L + big, *sh = e + big;
    double *Lc = sh + big, *fn = Lc + m; /* kernel path: column LSEs, next f */
    /* Anderson acceleration (two-sided problems, final epsilon): replaces
     * the over-relaxation. */
    const int use_aa = par->anderson > 0 && !sym;
    sk_aa aa;
    memset(&aa, 0, sizeof aa);
    double *aa_x = NULL, *aa_Gx = NULL;
    if (use_aa) {
        aa.cap = par->anderson < SK_AA_MAX ? par->anderson : SK_AA_MAX;
        /* more history than dimensions only makes the least squares singular */
        if ((size_t)aa.cap > m / 2) aa.cap = m / 2 > 1 ? (int)(m / 2) : 1;
        aa.m = m;
        aa.dR = malloc((2 * (size_t)aa.cap + 5) * m * sizeof(double));
        if (!aa.dR) {
            free(la);
            return wass__fail(err, WASS_ERR_NOMEM, "out of memory (Anderson history)");
        }
        aa.dG = aa.dR + (size_t)aa.cap * m;
        aa.r_prev = aa.dG + (size_t)aa.cap * m;
        aa.G_prev = aa.r_prev + m;
        aa.r = aa.G_prev + m;
        aa_x = aa.r + m;
        aa_Gx = aa_x + m;
    }
    int64_t final_iters = 0; /* iterations done at the final epsilon */
    for (size_t i = 0; i < n; i++)
        la[i] = log(a[i]); /* log 0 = -inf: no mass there */
    for (size_t j = 0; j < m; j++)
        lb[j] = log(b[j]);

    double eps = par->start_eps > reg ? par->start_eps : reg;
    int stage_iters = 0;
    out->status = WASS_ITERATION_LIMIT;
    out->marginal_error = INFINITY;
    out->iterations = 0;
    out->message[0] = '\0';

    if (par->init_g_only && !sym) { /* f from the given g */
        double ie = 1.0 / eps, lam = lambda_of(tau, eps);
        for (size_t j = 0; j < m; j++)
            h[j] = lb[j] + g[j] * ie;
        sk_lse(k, 0, h, ie, NULL, L);
        for (size_t i = 0; i < n; i++)
            f[i] = -lam * eps * L[i];
    }

    /* Over-relaxation (two-sided problems when Anderson is off): once at the
     * final epsilon, the plain iteration's contraction rate theta is
     * measured, then the updates become x <- (1 - w) x + w T(x) with
     * w = 2 / (1 + sqrt(1 - theta)), the optimal factor near the fixed
     * point. Relaxed states have inexact columns, so when the estimated error
     * (rows of this state + columns of the previous one) drops below tol, the
     * last updates are plain again and the stop is decided on an exact
     * error. If the error grows instead, relaxation is switched off. */
    double omega = 1.0, col_err = INFINITY, prev_err = INFINITY, theta_prev = -1.0;
    int plain_final = 0, polish = 0, relax_off = sym || use_aa, grow = 0;
    int rc = WASS_OK;
    /* Kernel path (k->km): have_cols says that Lc holds the column LSEs for
     * the current f at the current eps (from the last build or fused pass).
     * Where K cannot hold the sums (see sk_kmat_build) the iteration runs in
     * the log domain, and K is tried again later: at once at a new epsilon,
     * else after 4, 8, 16, ... iterations (the potentials may have settled). */
    int have_cols = 0;
    int f_exact = 0;                   /* f = T_f(g) exactly at the current eps (see below) */
    int64_t retry_at = 0, backoff = 4; /* after a refusal: next try, doubling gaps */
    for (;;) {
        if (out->iterations >= par->max_iter) {
            snprintf(out->message, sizeof out->message,
                     "stopped at max_iter = %lld with L1 marginal error %.3g >= tol %.3g%s",
                     (long long)par->max_iter, out->marginal_error, tol,
                     eps > reg ? " (still annealing epsilon)" : "");
            break;
        }
        const double ie = 1.0 / eps, lam = lambda_of(tau, eps);
        const double w = polish ? 1.0 : omega;
        const double *gg = sym ? f : g;
        double aa_col = 0.0; /* column error of an extrapolated g */
        int kpass = 0;       /* this iteration runs on the precomputed kernel */
        if (k->km && out->iterations >= retry_at) {
            if (!(have_cols && k->km->valid && k->km->eps == eps))
                have_cols = sk_kmat_build(k, la, f, gg, eps, sym ? NULL : Lc);
            if (!have_cols) {
                retry_at = out->iterations + backoff;
                backoff *= 2;
            }
            kpass = have_cols;
        }
        if (!sym) {
            /* g update: with w = 1 the columns become exact (optimal for tau > 0). */
            if (kpass) {
                memcpy(L, Lc, m * sizeof(double));
            } else {
                for (size_t i = 0; i < n; i++)
                    h[i] = la[i] + f[i] * ie;
                for (size_t j = 0; j < m; j++)
                    sh[j] = -g[j] * ie / lam;
                sk_lse(k, 1, h, ie, sh, L);
            }
            if (f_exact) {
                /* (f, g) with f = T_f(g): its rows are exact, and L gives
                 * its column error. This is the state that Anderson
                 * drives to the fixed point; stop on it when it is done. */
                double cerr = col_error(b, g, L, ie, tau, m, e);
                if (cerr < tol) {
                    out->marginal_error = cerr;
                    out->status = WASS_CONVERGED;
                    break;
                }
            }
            if (omega > 1.0) { /* column error of the state before this update */
                col_err = col_error(b, g, L, ie, tau, m, e);
            }
            if (use_aa && eps <= reg && final_iters > 0) {
                /* f = T_f(g) at this epsilon: L gives G(g) */
                memcpy(aa_x, g, m * sizeof(double));
                for (size_t j = 0; j < m; j++)
                    aa_Gx[j] = -lam * eps * L[j];
                if (aa_step(&aa, aa_x, aa_Gx, g)) {
                    /* extrapolated g, or the restart point: its columns
                     * are not exact for this f; their error is exact from
                     * the column LSEs of f */
                    aa_col = col_error(b, g, L, ie, tau, m, e);
                    if (!isfinite(aa_col)) { /* too far: back to the plain step */
                        memcpy(g, aa_Gx, m * sizeof(double));
                        aa_reset(&aa);
                        aa_col = 0.0;
                    }
                }
            } else {
                for (size_t j = 0; j < m; j++)
                    g[j] = (1.0 - w) * g[j] - w * lam * eps * L[j];
            }
        }
        /* row pass: LSE_i for the f update and the row error of (f, g); on
         * the kernel, fused with the column sums of the next g update. */
        const double c1 = sym ? 0.5 : 1.0 - w, c2 = sym ? -0.5 * lam * eps : -w * lam * eps;
        /* the annealing steps after this iteration: K is rebuilt by this pass */
        double eps_next = eps;
        if (eps > reg && stage_iters + 1 >= SK_STAGE_ITERS) {
            eps_next = eps * par->scaling_factor;
            if (eps_next < reg) eps_next = reg;
        }
        if (kpass) {
            double *lc = sym ? NULL : Lc, ne = eps_next != eps ? eps_next : 0.0;
            int r = sk_kmat_fused(k, la, lb, f, gg, c1, c2, ne, L, fn, lc, &have_cols);
            if (r == SK_DRIFT)
                r = sk_kmat_build(k, la, f, gg, eps, NULL) &&
                    sk_kmat_fused(k, la, lb, f, gg, c1, c2, ne, L, fn, lc, &have_cols) == 1;
            if (r != 1) {
                kpass = 0;
                have_cols = 0;
                retry_at = out->iterations + backoff;
                backoff *= 2;
            }
        }
        if (!kpass) {
            for (size_t j = 0; j < m; j++)
                h[j] = lb[j] + gg[j] * ie;
            for (size_t i = 0; i < n; i++)
                sh[i] = -f[i] * ie / lam;
            sk_lse(k, 0, h, ie, sh, L);
        }
        int finite = 1;
        for (size_t i = 0; i < n; i++) {
            double r = a[i] * exp(f[i] * ie + L[i]);
            double target = tau > 0 ? a[i] * exp(-f[i] / tau) : a[i];
            e[i] = fabs(r - target);
            if (!isfinite(L[i]) || !isfinite(e[i])) finite = 0;
        }
        double merr = wass__sum(e, n);
        if (sym) merr *= 2.0; /* rows and columns of a symmetric plan */
        out->iterations++;
        if (!finite) {
            out->status = WASS_NOT_CONVERGED;
            snprintf(out->message, sizeof out->message,
                     "numerical breakdown at iteration %lld (epsilon %.3g): non-finite "
                     "potentials",
                     (long long)out->iterations, eps);
            break;
        }
        if (w == 1.0) { /* exact: columns are right after a plain g update */
            merr += aa_col;
            out->marginal_error = merr;
            if (eps <= reg && merr < tol) {
                out->status = WASS_CONVERGED;
                break;
            }
        } else {
            out->marginal_error = merr + col_err; /* estimate */
            if (merr + col_err < tol) polish = 1;
        }
        if (eps <= reg && !relax_off && !polish) {
            if (omega == 1.0) {
                /* measure the plain rate, then relax */
                double theta = merr / prev_err;
                if (++plain_final >= 6 && theta > 0 && theta < 1 && theta_prev > 0 &&
                    fabs(theta - theta_prev) < 0.05 * theta) {
                    double wopt = 2.0 / (1.0 + sqrt(1.0 - theta));
                    if (wopt > 1.05) omega = wopt > 1.9 ? 1.9 : wopt;
                }
                theta_prev = theta;
            } else if (merr > prev_err) {
                if (++grow >= 4) { /* diverging: back to plain Sinkhorn for good */
                    omega = 1.0;
                    relax_off = 1;
                }
            } else {
                grow = 0;
            }
        }
        prev_err = merr;
        if (eps <= reg) final_iters++;
        /* f = T_f(g) below, at the epsilon of the next iteration */
        f_exact = use_aa && w == 1.0 && eps <= reg;
        if (kpass)
            memcpy(f, fn, n * sizeof(double));
        else
            for (size_t i = 0; i < n; i++)
                f[i] = c1 * f[i] + c2 * L[i];
        if (eps_next != eps) {
            eps = eps_next;
            stage_iters = 0;
            prev_err = INFINITY;
            retry_at = 0; /* a new epsilon: try the kernel again */
        } else if (eps > reg) {
            stage_iters++;
        }
        if (par->progress && out->iterations % 16 == 0)
            par->progress(-1.0, eps > reg ? "sinkhorn: annealing epsilon" : "sinkhorn",
                          par->progress_user);
    }
    if (sym) memcpy(g, f, n * sizeof(double));
    free(aa.dR);
    free(la);
    return rc;
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

static int check_options(const wass_sinkhorn_options *o, size_t n, size_t m, wass_error_info *err) {
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
    int rc;
    if (o->init_f && (rc = wass__check_finite(o->init_f, n, "init_f", err))) return rc;
    if (o->init_g && (rc = wass__check_finite(o->init_g, m, "init_g", err))) return rc;
    return WASS_OK;
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

    double *a = NULL, *b = NULL, ta = 0, tb = 0;
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
    memset(&par, 0, sizeof par);
    par.reg = opt->reg;
    par.tol = opt->tol;
    par.tau = opt->tau;
    par.max_iter = opt->max_iter;
    par.scaling_factor = opt->scaling_factor;
    par.start_eps = (opt->eps_scaling && !opt->init_f && !opt->init_g) ? cmax - cmin : 0.0;
    par.init_g_only = !opt->init_f && opt->init_g;
    par.anderson = SK_ANDERSON;
    par.progress = opt->progress;
    par.progress_user = opt->progress_user;
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
