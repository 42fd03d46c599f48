/*
 * sinkhorn_divergence.c - debiased Sinkhorn divergence between two weighted
 * point clouds: S = OT_eps(a,b) - (OT_eps(a,a) + OT_eps(b,b)) / 2, the two
 * symmetric problems solved by the averaged iteration (one potential).
 */
#include "entropic/sinkhorn_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One entropic problem between clouds X (weights a) and Y (weights b); its
 * potentials are copied to f_out (n) and g_out (m) when they are not NULL. */
static int solve_one(const double *X, const double *a, size_t n, const double *Y, const double *b,
                     size_t m, size_t d, const wass_ground *g, const wass_sinkhorn_options *opt,
                     int symmetric, double *ot, double *cost, sk_outcome *oc, double *f_out,
                     double *g_out, wass_error_info *err) {
    wass_problem pb = {.n = n, .m = m, .a = a, .b = b, .cost = wass_cost_points(X, Y, d, *g)};
    sk_kernel k;
    double *f = NULL, *gg = NULL;
    int rc = sk_kernel_init(&k, &pb, opt->threads, err);
    if (rc) return rc;
    double cmin, cmax;
    if ((rc = sk_cost_range(&k, &cmin, &cmax, err))) goto done;
    sk_kmat_enable(&k, opt->kernel_memory); /* not enabled: log-domain passes */
    f = calloc(n, sizeof(double));
    gg = calloc(m, sizeof(double));
    if (!f || !gg) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory (potentials)");
        goto done;
    }
    sk_params par;
    sk_params_from(&par, opt, opt->eps_scaling ? cmax - cmin : 0.0);
    par.symmetric = symmetric; /* then Anderson acceleration is unused */
    if ((rc = sk_solve(&k, a, b, &par, f, gg, oc, err))) goto done;
    rc = sk_evaluate(&k, a, b, f, gg, opt->reg, opt->tau, cost, ot, NULL, NULL, err);
    if (!rc && f_out) memcpy(f_out, f, n * sizeof(double));
    if (!rc && g_out) memcpy(g_out, gg, m * sizeof(double));
done:
    free(f);
    free(gg);
    sk_kernel_free(&k);
    return rc;
}

int wass_sinkhorn_divergence_potentials(const wass_cloud *P, const wass_cloud *Q,
                                        const wass_ground *g, const wass_sinkhorn_options *opt,
                                        wass_sinkhorn_divergence_result *res, double *f_ab,
                                        double *g_ab, double *f_aa, double *f_bb,
                                        wass_error_info *err) {
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
    if (!(o.reg > 0 && isfinite(o.reg)))
        return wass__fail(err, WASS_ERR_INVALID, "reg (epsilon) = %g must be positive and finite",
                          o.reg);
    if (!(o.tol > 0 && isfinite(o.tol)))
        return wass__fail(err, WASS_ERR_INVALID, "tol = %g must be positive and finite", o.tol);
    if (o.max_iter <= 0)
        return wass__fail(err, WASS_ERR_INVALID, "max_iter = %lld must be positive",
                          (long long)o.max_iter);
    if (!(o.tau >= 0 && isfinite(o.tau)))
        return wass__fail(err, WASS_ERR_INVALID, "tau = %g must be >= 0 and finite (0 = balanced)",
                          o.tau);
    if (o.eps_scaling && !(o.scaling_factor > 0 && o.scaling_factor < 1))
        return wass__fail(err, WASS_ERR_INVALID, "scaling_factor = %g must lie in (0, 1)",
                          o.scaling_factor);
    if (o.threads < 0)
        return wass__fail(err, WASS_ERR_INVALID, "threads = %d must be >= 0", o.threads);
    if (!(o.kernel_memory >= 0))
        return wass__fail(err, WASS_ERR_INVALID,
                          "kernel_memory = %g must be >= 0 (bytes; 0 = log-domain passes only)",
                          o.kernel_memory);
    if (o.init_f || o.init_g || o.want_plan)
        return wass__fail(err, WASS_ERR_UNSUPPORTED,
                          "the Sinkhorn divergence takes no warm start and returns no plan");

    double *a = NULL, *b = NULL, ta, tb;
    if ((rc = sk_weights(P->w, P->n, &a, &ta, err))) goto done;
    if ((rc = sk_weights(Q->w, Q->n, &b, &tb, err))) goto done;
    for (size_t i = 0; i < P->n; i++)
        a[i] /= ta;
    for (size_t j = 0; j < Q->n; j++)
        b[j] /= tb;

    sk_outcome oc[3];
    size_t d = P->d;
    if ((rc = solve_one(P->X, a, P->n, Q->X, b, Q->n, d, g, &o, 0, &res->ot_ab, &res->cost_ab,
                        &oc[0], f_ab, g_ab, err)))
        goto done;
    if ((rc = solve_one(P->X, a, P->n, P->X, a, P->n, d, g, &o, 1, &res->ot_aa, &res->cost_aa,
                        &oc[1], f_aa, NULL, err)))
        goto done;
    if ((rc = solve_one(Q->X, b, Q->n, Q->X, b, Q->n, d, g, &o, 1, &res->ot_bb, &res->cost_bb,
                        &oc[2], f_bb, NULL, err)))
        goto done;
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
done:
    free(a);
    free(b);
    res->seconds = wass__now() - t0;
    return rc;
}

int wass_sinkhorn_divergence_ex(const wass_cloud *P, const wass_cloud *Q, const wass_ground *g,
                                const wass_sinkhorn_options *opt,
                                wass_sinkhorn_divergence_result *res, wass_error_info *err) {
    return wass_sinkhorn_divergence_potentials(P, Q, g, opt, res, NULL, NULL, NULL, NULL, err);
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
