/*
 * anderson.c - type II Anderson mixing with a safeguard, for the Sinkhorn
 * solver (see anderson.h).
 */
#include "entropic/anderson.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int sk_aa_init(sk_aa *s, int history, size_t m) {
    memset(s, 0, sizeof *s);
    s->cap = history < SK_AA_MAX ? history : SK_AA_MAX;
    /* more history than dimensions only makes the least squares singular */
    if ((size_t)s->cap > m / 2) s->cap = m / 2 > 1 ? (int)(m / 2) : 1;
    s->m = m;
    s->dR = malloc((2 * (size_t)s->cap + 5) * m * sizeof(double));
    if (!s->dR) return WASS_ERR_NOMEM;
    s->dG = s->dR + (size_t)s->cap * m;
    s->r_prev = s->dG + (size_t)s->cap * m;
    s->G_prev = s->r_prev + m;
    s->r = s->G_prev + m;
    s->x = s->r + m;
    s->Gx = s->x + m;
    return WASS_OK;
}

void sk_aa_free(sk_aa *s) {
    if (!s) return;
    free(s->dR);
    memset(s, 0, sizeof *s);
}

void sk_aa_reset(sk_aa *s) {
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

int sk_aa_step(sk_aa *s, const double *x, const double *Gx, double *out) {
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
        sk_aa_reset(s);
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
            sk_aa_reset(s);
        }
    }
    if (!extrap) memcpy(out, Gx, m * sizeof(double));
    memcpy(s->r_prev, s->r, m * sizeof(double));
    memcpy(s->G_prev, Gx, m * sizeof(double));
    s->prev_rn = rn;
    s->have_prev = 1;
    return extrap;
}
