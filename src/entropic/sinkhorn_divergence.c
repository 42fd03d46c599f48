/*
 * sinkhorn_divergence.c - debiased Sinkhorn divergence between two weighted
 * point clouds: S = OT_eps(a,b) - (OT_eps(a,a) + OT_eps(b,b)) / 2, the two
 * symmetric problems solved by the averaged iteration (one potential), the
 * two-sided one from a multiscale start (sinkhorn_multiscale.c) or a warm
 * start, and the gradients with respect to the points from the three plans.
 */
#include "entropic/sinkhorn_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One of the three problems: clouds X (weights a, n points) and Y (b, m),
 * Y = X for a symmetric one. */
typedef struct {
    const double *X, *a, *Y, *b;
    size_t n, m;
    int symmetric;
    const double *init_f; /* warm start of f, or NULL */
    double *f, *g;        /* potentials out (n, m; g unused when symmetric) */
    double *gx, *gy;      /* or NULL: sum_j P_ij dc(x_i, y_j)/dx_i (n x d), and the same
                             over i for y_j (m x d; not for a symmetric problem) */
} dv_problem;

/* The dual objective of potentials f, g whose plan has total mass `mass`:
 * <a, f> + <b, g> - eps (mass - 1) (balanced; unbalanced: -tau <a,
 * e^(-f / tau) - 1> - tau <b, e^(-g / tau) - 1> for the first two terms).
 * It equals OT_eps at the fixed point and is a lower bound of it anywhere;
 * near the fixed point its error is second order in the marginal error,
 * where the objective of the plan itself is first order (at tol 1e-4 on
 * Gaussian clouds: 6e-7 of OT_eps against 2e-4). t: scratch of max(n, m). */
static double dual_objective(const dv_problem *q, const double *g, double mass, double reg,
                             double tau, double *t) {
    const double *w[2] = {q->a, q->b}, *pot[2] = {q->f, g};
    size_t len[2] = {q->n, q->m};
    double obj = -reg * (mass - 1.0);
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < len[s]; i++)
            t[i] = tau > 0 ? -tau * w[s][i] * expm1(-pot[s][i] / tau) : w[s][i] * pot[s][i];
        obj += wass__sum(t, len[s]);
    }
    return obj;
}

/* Cost <P, C>, OT_eps (the dual objective) and, when asked, the point
 * gradients of <P, C> at the plan of (f, g): from the row (and column) sums
 * and first moments of the plan (squared Euclidean cost: d/dx_i = 2 (r_i x_i
 * - sum_j P_ij y_j)). */
static int evaluate(const sk_kernel *k, const dv_problem *q, size_t d, double reg, double tau,
                    double *cost, double *ot, wass_error_info *err) {
    size_t n = q->n, m = q->m, big = n > m ? n : m;
    double *r = malloc((3 * n + 2 * m + big + (n + m) * d) * sizeof(double));
    if (!r) return wass__fail(err, WASS_ERR_NOMEM, "out of memory (Sinkhorn divergence)");
    double *w = r + n, *c = w + n, *la = c + m, *lb = la + n, *t = lb + m, *mx = t + big;
    double *my = mx + n * d;
    for (size_t i = 0; i < n; i++)
        la[i] = log(q->a[i]);
    for (size_t j = 0; j < m; j++)
        lb[j] = log(q->b[j]);
    const double *g = q->symmetric ? q->f : q->g;
    int rc = sk_plan_moments(k, 0, la, lb, q->f, g, reg, r, w, q->gx ? mx : NULL);
    if (!rc && q->gy) rc = sk_plan_moments(k, 1, la, lb, q->f, g, reg, c, NULL, my);
    if (rc) {
        free(r);
        return wass__fail(err, rc, "out of memory (Sinkhorn divergence)");
    }
    *cost = wass__sum(w, n);
    *ot = dual_objective(q, g, wass__sum(r, n), reg, tau, t);
    if (q->gx)
        for (size_t i = 0; i < n; i++)
            for (size_t s = 0; s < d; s++)
                q->gx[i * d + s] = 2.0 * (r[i] * q->X[i * d + s] - mx[i * d + s]);
    if (q->gy)
        for (size_t j = 0; j < m; j++)
            for (size_t s = 0; s < d; s++)
                q->gy[j * d + s] = 2.0 * (c[j] * q->Y[j * d + s] - my[j * d + s]);
    free(r);
    return WASS_OK;
}

/* Solve one problem; its potentials go to q->f, q->g. */
static int solve_one(const dv_problem *q, size_t d, const wass_ground *g,
                     const wass_sinkhorn_options *opt, double *ot, double *cost, sk_outcome *oc,
                     wass_error_info *err) {
    size_t n = q->n, m = q->m;
    wass_problem pb = {
        .n = n, .m = m, .a = q->a, .b = q->b, .cost = wass_cost_points(q->X, q->Y, d, *g)};
    sk_kernel k;
    int rc = sk_kernel_init(&k, &pb, opt->threads, err);
    if (rc) return rc;
    double cmin, cmax;
    if ((rc = sk_cost_range(&k, &cmin, &cmax, err))) goto done;
    sk_kmat_enable(&k, opt->kernel_memory); /* not enabled: log-domain passes */
    sk_params par;
    sk_params_from(&par, opt, opt->eps_scaling && !q->init_f ? cmax - cmin : 0.0);
    par.symmetric = q->symmetric;            /* then a short Anderson history (SK_ANDERSON_SYM) */
    double *gg = q->symmetric ? q->f : q->g; /* a symmetric problem: g = f */
    memset(gg, 0, m * sizeof(double));
    if (q->init_f) {
        memcpy(q->f, q->init_f, n * sizeof(double));
    } else if (!q->symmetric && n > 64 && m > 64) {
        int64_t coarse_iters = 0; /* not counted: a few points each */
        if ((rc = sk_multiscale_start(&pb, q->a, q->b, &par, opt->threads, opt->kernel_memory, q->f,
                                      q->g, &coarse_iters, err)))
            goto done;
        par.start_eps = 0.0;
    } else {
        memset(q->f, 0, n * sizeof(double));
    }
    if ((rc = sk_solve(&k, q->a, q->b, &par, q->f, gg, oc, err))) goto done;
    rc = evaluate(&k, q, d, opt->reg, opt->tau, cost, ot, err);
done:
    sk_kernel_free(&k);
    return rc;
}

static int check_options(const wass_sinkhorn_options *o, wass_error_info *err) {
    int rc;
    if ((rc = sk_check_params(o, err))) return rc;
    if (o->init_f || o->init_g || o->want_plan)
        return wass__fail(err, WASS_ERR_UNSUPPORTED,
                          "the Sinkhorn divergence returns no plan and takes its warm start "
                          "through wass_sinkhorn_divergence_solve (init_f_ab, init_f_aa, "
                          "init_f_bb), not init_f / init_g");
    return WASS_OK;
}

static int check_io(const wass_sinkhorn_divergence_io *io, const wass_cloud *P, const wass_cloud *Q,
                    const wass_ground *g, wass_error_info *err) {
    int given = (io->init_f_ab != NULL) + (io->init_f_aa != NULL) + (io->init_f_bb != NULL), rc;
    if (given != 0 && given != 3)
        return wass__fail(err, WASS_ERR_INVALID,
                          "warm start: give all of init_f_ab, init_f_aa and init_f_bb, or none");
    if (given && ((rc = wass__check_finite(io->init_f_ab, P->n, "init_f_ab", err)) ||
                  (rc = wass__check_finite(io->init_f_aa, P->n, "init_f_aa", err)) ||
                  (rc = wass__check_finite(io->init_f_bb, Q->n, "init_f_bb", err))))
        return rc;
    if ((io->grad_P || io->grad_Q) && !(g->metric == WASS_SQEUCLIDEAN && g->p == 1.0))
        return wass__fail(err, WASS_ERR_UNSUPPORTED,
                          "gradients of the Sinkhorn divergence are computed for the squared "
                          "Euclidean ground with p = 1 only (got %s, p = %g)",
                          wass_metric_name(g->metric), g->p);
    return WASS_OK;
}

/* The three problems and S; buffers for the potentials and gradients that
 * io does not give are allocated here. */
static int solve_three(const wass_cloud *P, const wass_cloud *Q, const wass_ground *g,
                       const wass_sinkhorn_options *o, const wass_sinkhorn_divergence_io *io,
                       const double *a, const double *b, wass_sinkhorn_divergence_result *res,
                       wass_error_info *err) {
    size_t n = P->n, m = Q->n, d = P->d;
    int grad = io->grad_P || io->grad_Q;
    double *buf = malloc((2 * n + 2 * m + (grad ? 2 * (n + m) * d : 0)) * sizeof(double));
    if (!buf) return wass__fail(err, WASS_ERR_NOMEM, "out of memory (Sinkhorn divergence)");
    double *pf[4] = {buf, buf + n, buf + n + m, buf + 2 * n + m}; /* f_ab, g_ab, f_aa, f_bb */
    double *gab = grad ? buf + 2 * (n + m) : NULL, *gba = grad ? gab + n * d : NULL;
    double *gaa = grad ? gba + m * d : NULL, *gbb = grad ? gaa + n * d : NULL;
    dv_problem q[3] = {
        {P->X, a, Q->X, b, n, m, 0, io->init_f_ab, pf[0], pf[1], gab, gba},
        {P->X, a, P->X, a, n, n, 1, io->init_f_aa, pf[2], NULL, gaa, NULL},
        {Q->X, b, Q->X, b, m, m, 1, io->init_f_bb, pf[3], NULL, gbb, NULL},
    };
    double *ot[3] = {&res->ot_ab, &res->ot_aa, &res->ot_bb};
    double *cost[3] = {&res->cost_ab, &res->cost_aa, &res->cost_bb};
    sk_outcome oc[3];
    int rc = WASS_OK;
    for (int t = 0; t < 3 && !rc; t++)
        rc = solve_one(&q[t], d, g, o, ot[t], cost[t], &oc[t], err);
    if (rc) goto done;
    /* Both measures have mass 1, so the unbalanced mass term
     * eps/2 (m(a) - m(b))^2 of the debiasing vanishes. */
    res->divergence = res->ot_ab - 0.5 * (res->ot_aa + res->ot_bb);
    res->status = WASS_CONVERGED;
    static const char *names[3] = {"(P, Q)", "(P, P)", "(Q, Q)"};
    for (int t = 0; t < 3; t++) {
        res->iterations += oc[t].iterations;
        if (oc[t].marginal_error > res->marginal_error) res->marginal_error = oc[t].marginal_error;
        if (oc[t].status != WASS_CONVERGED && res->status == WASS_CONVERGED) {
            res->status = oc[t].status;
            snprintf(res->message, sizeof res->message, "problem %s: %.200s", names[t],
                     oc[t].message);
        }
    }
    double *outs[4] = {io->f_ab, io->g_ab, io->f_aa, io->f_bb};
    size_t lens[4] = {n, m, n, m};
    for (int t = 0; t < 4; t++)
        if (outs[t]) memcpy(outs[t], pf[t], lens[t] * sizeof(double));
    /* dS/dx = G_ab - G_aa: X appears twice in OT(a, a), whose plan and cost
     * are symmetric, so d OT(a, a) / dx_i = 2 G_aa,i */
    if (io->grad_P)
        for (size_t i = 0; i < n * d; i++)
            io->grad_P[i] = gab[i] - gaa[i];
    if (io->grad_Q)
        for (size_t j = 0; j < m * d; j++)
            io->grad_Q[j] = gba[j] - gbb[j];
done:
    free(buf);
    return rc;
}

int wass_sinkhorn_divergence_solve(const wass_cloud *P, const wass_cloud *Q, const wass_ground *g,
                                   const wass_sinkhorn_options *opt,
                                   const wass_sinkhorn_divergence_io *io,
                                   wass_sinkhorn_divergence_result *res, wass_error_info *err) {
    double t0 = wass__now();
    wass__clear(err);
    if (!res) return wass__fail(err, WASS_ERR_INVALID, "result pointer is NULL");
    memset(res, 0, sizeof *res);
    res->status = WASS_NOT_SOLVED;
    int rc;
    if ((rc = wass__check_cloud(P, "cloud P", "P", "weights of P", NULL, err)) ||
        (rc = wass__check_cloud(Q, "cloud Q", "Q", "weights of Q", NULL, err)))
        return rc;
    if (P->d != Q->d)
        return wass__fail(err, WASS_ERR_SIZE, "clouds have different dimensions (%zu and %zu)",
                          P->d, Q->d);
    if ((rc = wass__check_ground(g, err))) return rc;
    wass_sinkhorn_options o;
    if (opt)
        o = *opt;
    else
        wass_sinkhorn_options_default(&o);
    wass_sinkhorn_divergence_io none;
    memset(&none, 0, sizeof none);
    if (!io) io = &none;
    if ((rc = check_options(&o, err)) || (rc = check_io(io, P, Q, g, err))) return rc;

    double *a = NULL, *b = NULL, ta, tb;
    if ((rc = sk_weights(P->w, P->n, &a, &ta, err))) goto done;
    if ((rc = sk_weights(Q->w, Q->n, &b, &tb, err))) goto done;
    for (size_t i = 0; i < P->n; i++)
        a[i] /= ta;
    for (size_t j = 0; j < Q->n; j++)
        b[j] /= tb;
    rc = solve_three(P, Q, g, &o, io, a, b, res, err);
done:
    free(a);
    free(b);
    res->seconds = wass__now() - t0;
    return rc;
}

int wass_sinkhorn_divergence_potentials(const wass_cloud *P, const wass_cloud *Q,
                                        const wass_ground *g, const wass_sinkhorn_options *opt,
                                        wass_sinkhorn_divergence_result *res, double *f_ab,
                                        double *g_ab, double *f_aa, double *f_bb,
                                        wass_error_info *err) {
    wass_sinkhorn_divergence_io io;
    memset(&io, 0, sizeof io);
    io.f_ab = f_ab;
    io.g_ab = g_ab;
    io.f_aa = f_aa;
    io.f_bb = f_bb;
    return wass_sinkhorn_divergence_solve(P, Q, g, opt, &io, res, err);
}

int wass_sinkhorn_divergence_ex(const wass_cloud *P, const wass_cloud *Q, const wass_ground *g,
                                const wass_sinkhorn_options *opt,
                                wass_sinkhorn_divergence_result *res, wass_error_info *err) {
    return wass_sinkhorn_divergence_solve(P, Q, g, opt, NULL, res, err);
}

int wass_sinkhorn_divergence(const wass_cloud *P, const wass_cloud *Q, const wass_ground *g,
                             const wass_sinkhorn_options *opt, double *out, wass_status *status,
                             wass_error_info *err) {
    if (!out || !status)
        return wass__fail(err, WASS_ERR_INVALID, "output or status pointer is NULL");
    wass_sinkhorn_divergence_result res;
    int rc = wass_sinkhorn_divergence_ex(P, Q, g, opt, &res, err);
    if (rc) return rc;
    *out = res.divergence;
    *status = res.status;
    return WASS_OK;
}
