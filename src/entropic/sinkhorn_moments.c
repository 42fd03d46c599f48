/*
 * sinkhorn_moments.c - row and column sums of an entropic plan between point
 * clouds with its first moments sum_j P_ij y_j and sum_i P_ij x_i: what the
 * gradient of an entropic cost with respect to the points needs (for the
 * squared Euclidean cost, d/dx_i <P, C> = 2 (r_i x_i - sum_j P_ij y_j) at the
 * optimal plan, by the envelope theorem). One pass over the precomputed
 * kernel a side, or over the costs with exponentials where the kernel does
 * not hold the potentials.
 */
#include "entropic/sinkhorn_internal.h"

#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static int thread_id(void) {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* Whether the kernel holds the plan of (f, g) at eps; then km->xr and km->wv
 * receive the row and column factors: P_ij = xr_i K_ij wv_j. */
static int kernel_ready(const sk_kernel *k, const double *la, const double *lb, const double *f,
                        const double *g, double eps) {
    sk_kmat *km = k->km;
    if (!km || !km->valid || km->eps != eps) return 0;
    return sk_kmat_weights(lb, g, km->g0, k->m, 1.0 / eps, km->wv) &&
           sk_kmat_weights(la, f, km->f0, k->n, 1.0 / eps, km->xr);
}

/* Rows: sums, weighted costs and moments over Y. */
static void rows(const sk_kernel *k, int kern, const double *alpha, const double *beta, double ie,
                 double *buf, size_t stride, double *sum, double *wsum, double *mom) {
    const wass_cost *c = &k->cost;
    size_t n = k->n, m = k->m, d = c->d;
#pragma omp parallel for num_threads(k->threads) schedule(static)
    for (size_t i = 0; i < n; i++) {
        double *prow = buf + (size_t)thread_id() * stride, *cb = prow + m, w = 0.0;
        const double *cr = (!kern || wsum) ? sk_cost_line(k, 0, i, cb) : NULL;
        if (kern) {
            sum[i] = sk_kscale(k, i, k->km->wv, k->km->xr[i], prow);
            if (wsum) w = sk_dot(k, prow, cr, m);
        } else {
            sum[i] = sk_plan_line(k, cr, beta, m, alpha[i], ie, &w, prow);
        }
        if (wsum) wsum[i] = w;
        for (size_t t = 0; mom && t < d; t++)
            mom[i * d + t] = sk_dot(k, prow, k->Yt + t * m, m);
    }
}

/* Columns: sums and moments over X; on the kernel by blocks of eight
 * columns read row after row. */
static void cols(const sk_kernel *k, int kern, const double *alpha, const double *beta, double ie,
                 double *buf, size_t stride, double *sum, double *mom) {
    const wass_cost *c = &k->cost;
    size_t n = k->n, m = k->m, d = c->d;
    if (!kern) {
#pragma omp parallel for num_threads(k->threads) schedule(static)
        for (size_t j = 0; j < m; j++) {
            double *pcol = buf + (size_t)thread_id() * stride, *cb = pcol + n, w;
            const double *cc = sk_cost_line(k, 1, j, cb);
            sum[j] = sk_plan_line(k, cc, alpha, n, beta[j], ie, &w, pcol);
            for (size_t t = 0; t < d; t++)
                mom[j * d + t] = sk_dot(k, pcol, k->Xt + t * n, n);
        }
        return;
    }
    const sk_kmat *km = k->km;
    size_t blocks = m / 8;
#pragma omp parallel for num_threads(k->threads) schedule(static)
    for (size_t q = 0; q < blocks; q++) {
        double *s = buf + (size_t)thread_id() * stride, *mt = s + 8;
        sk_kcols8(k, 8 * q, km->xr, km->wv + 8 * q, c->X, d, s, mt);
        for (size_t l = 0; l < 8; l++) {
            sum[8 * q + l] = s[l];
            for (size_t t = 0; t < d; t++)
                mom[(8 * q + l) * d + t] = mt[t * 8 + l];
        }
    }
    for (size_t j = 8 * blocks; j < m; j++) { /* the last m % 8 columns */
        double s = 0.0, *mt = buf;
        memset(mt, 0, d * sizeof(double));
        for (size_t i = 0; i < n; i++) {
            double p = km->xr[i] * sk_kentry(k, i, j) * km->wv[j];
            s += p;
            for (size_t t = 0; t < d; t++)
                mt[t] += p * c->X[i * d + t];
        }
        sum[j] = s;
        memcpy(mom + j * d, mt, d * sizeof(double));
    }
}

int sk_plan_moments(const sk_kernel *k, int side, const double *la, const double *lb,
                    const double *f, const double *g, double eps, double *sum, double *wsum,
                    double *mom) {
    size_t n = k->n, m = k->m, d = k->cost.d, big = n > m ? n : m;
    size_t stride = 2 * big + 8 * d + 8;
    double *buf = malloc((size_t)k->threads * stride * sizeof(double));
    double *alpha = malloc((n + m) * sizeof(double)), *beta = alpha ? alpha + n : NULL;
    if (!buf || !alpha) {
        free(buf);
        free(alpha);
        return WASS_ERR_NOMEM;
    }
    const double ie = 1.0 / eps;
    for (size_t i = 0; i < n; i++)
        alpha[i] = la[i] + f[i] * ie;
    for (size_t j = 0; j < m; j++)
        beta[j] = lb[j] + g[j] * ie;
    int kern = kernel_ready(k, la, lb, f, g, eps);
    if (side == 0)
        rows(k, kern, alpha, beta, ie, buf, stride, sum, wsum, mom);
    else
        cols(k, kern, alpha, beta, ie, buf, stride, sum, mom);
    /* the vectorized exp gives ~1e-308 for exp(-inf): points without mass
     * carry exactly none */
    const double *lw = side == 0 ? la : lb;
    for (size_t i = 0; i < (side == 0 ? n : m); i++)
        if (lw[i] == -INFINITY) {
            sum[i] = 0.0;
            if (side == 0 && wsum) wsum[i] = 0.0;
            if (mom) memset(mom + i * d, 0, d * sizeof(double));
        }
    free(buf);
    free(alpha);
    return WASS_OK;
}
