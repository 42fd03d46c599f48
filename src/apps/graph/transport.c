/*
 * transport.c - exact transport for many small dense problems with integer
 * masses (uniform node weights 1/n and 1/m become m/g and n/g units, g =
 * gcd(n, m)): successive shortest augmenting paths (Dijkstra on reduced
 * costs, Jonker-Volgenant style potential updates) after a greedy start on
 * the arcs of zero reduced cost. Flows are integers, so the marginals are
 * met exactly; the answer is certified by the duality gap against the
 * c-transform of the column duals, computed here without trusting the
 * solver's row duals.
 */
#include "apps/graph/graph_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void wass__transport_work_free(wass__transport_work *w) {
    if (!w) return;
    free(w->u);
    free(w->v);
    free(w->dcol);
    free(w->drow);
    free(w->x);
    free(w->rs);
    free(w->rt);
    free(w->pred);
    free(w->prow);
    free(w->todo);
    free(w->done);
    free(w->lab);
    free(w->rowlab);
    free(w->ccount);
    free(w->td);
    free(w->tv);
    free(w->tp);
    free(w->tr);
    free(w->crow);
    memset(w, 0, sizeof *w);
}

int wass__transport_work_init(wass__transport_work *w, size_t nmax, size_t mmax) {
    memset(w, 0, sizeof *w);
    size_t nm;
    if (!wass__mul_ok(nmax, mmax, &nm)) return WASS_ERR_SIZE;
    w->nmax = nmax;
    w->mmax = mmax;
    w->u = malloc(nmax * sizeof *w->u);
    w->drow = malloc(nmax * sizeof *w->drow);
    w->v = malloc(mmax * sizeof *w->v);
    w->dcol = malloc(mmax * sizeof *w->dcol);
    w->x = malloc(nm * sizeof *w->x);
    w->rs = malloc(nmax * sizeof *w->rs);
    w->rt = malloc(mmax * sizeof *w->rt);
    w->pred = malloc(mmax * sizeof *w->pred);
    w->prow = malloc(nmax * sizeof *w->prow);
    w->todo = malloc(mmax * sizeof *w->todo);
    w->done = malloc(mmax * sizeof *w->done);
    w->lab = malloc(nmax * sizeof *w->lab);
    w->rowlab = calloc(nmax, 1);
    w->ccount = malloc(mmax * sizeof *w->ccount);
    w->td = malloc(mmax * sizeof *w->td);
    w->tv = malloc(mmax * sizeof *w->tv);
    w->tp = malloc(mmax * sizeof *w->tp);
    w->tr = malloc(mmax);
    w->crow = malloc(nm * sizeof *w->crow);
    if (!w->u || !w->drow || !w->v || !w->dcol || !w->x || !w->rs || !w->rt || !w->pred ||
        !w->prow || !w->todo || !w->done || !w->lab || !w->rowlab || !w->ccount || !w->crow ||
        !w->td || !w->tv || !w->tp || !w->tr) {
        wass__transport_work_free(w);
        return WASS_ERR_NOMEM;
    }
    return WASS_OK;
}

/* x_ij += a, keeping the lists of rows with flow in each column */
static inline void add_flow(wass__transport_work *w, size_t m, size_t i, size_t j, int a) {
    int *x = w->x + i * m + j;
    int old = *x;
    *x = old + a;
    size_t *list = w->crow + j * w->nmax;
    if (old == 0 && *x > 0) {
        list[w->ccount[j]++] = i;
    } else if (old > 0 && *x == 0) {
        int c = w->ccount[j];
        for (int k = 0; k < c; k++)
            if (list[k] == i) {
                list[k] = list[c - 1];
                break;
            }
        w->ccount[j] = c - 1;
    }
}

/* One shortest augmenting path from row i0 (which has supply left) to the
 * nearest column with demand left; potentials updated, flow augmented. The
 * columns not yet reached for good are kept packed (id, distance, dual,
 * predecessor, demand left?) so that the scans run over contiguous arrays. */
static void augment(wass__transport_work *w, size_t n, size_t m, const double *C, size_t i0) {
    double *u = w->u, *v = w->v, *dfin = w->dcol, *dr = w->drow;
    double *td = w->td, *tv = w->tv;
    int *x = w->x, *rs = w->rs, *rt = w->rt;
    size_t *tj = w->todo, *tp = w->tp, *pred = w->pred, *prow = w->prow, *done = w->done;
    size_t *lab = w->lab;
    unsigned char *rowlab = w->rowlab, *tr = w->tr;
    (void)n;
    (void)x;
    const double *Ci = C + i0 * m;
    double ui = u[i0];
    for (size_t j = 0; j < m; j++) {
        tj[j] = j;
        tv[j] = v[j];
        td[j] = Ci[j] - ui - v[j];
        tp[j] = i0;
        tr[j] = rt[j] > 0;
    }
    size_t ntodo = m, ndone = 0, nlab = 0;
    rowlab[i0] = 1;
    lab[nlab++] = i0;
    dr[i0] = 0.0;
    size_t sink = 0;
    double D = 0.0;
    for (;;) {
        double bd = td[0], bs = INFINITY;
        size_t bi = 0, si = 0;
        for (size_t k = 0; k < ntodo; k++) {
            double dk = td[k];
            int lo = dk < bd, slo = tr[k] && dk < bs;
            bd = lo ? dk : bd;
            bi = lo ? k : bi;
            bs = slo ? dk : bs;
            si = slo ? k : si;
        }
        /* a column with demand left wins a tie */
        int is_sink = bs == bd;
        size_t best = is_sink ? si : bi;
        size_t j = tj[best];
        pred[j] = tp[best];
        dfin[j] = bd;
        done[ndone++] = j;
        ntodo--;
        tj[best] = tj[ntodo];
        td[best] = td[ntodo];
        tv[best] = tv[ntodo];
        tp[best] = tp[ntodo];
        tr[best] = tr[ntodo];
        D = bd;
        if (is_sink || ntodo == 0) {
            sink = j;
            break;
        }
        const size_t *list = w->crow + j * w->nmax;
        for (int q = 0, qn = w->ccount[j]; q < qn; q++) {
            size_t i = list[q];
            if (rowlab[i]) continue;
            rowlab[i] = 1;
            lab[nlab++] = i;
            dr[i] = D;
            prow[i] = j;
            const double *Cr = C + i * m;
            double base = D - u[i];
            for (size_t k = 0; k < ntodo; k++) {
                double nd = base + Cr[tj[k]] - tv[k];
                int better = nd < td[k];
                td[k] = better ? nd : td[k];
                tp[k] = better ? i : tp[k];
            }
        }
    }
    for (size_t k = 0; k < ndone; k++) {
        size_t j = done[k];
        v[j] -= D - dfin[j];
    }
    for (size_t k = 0; k < nlab; k++) {
        size_t i = lab[k];
        u[i] += D - dr[i];
        rowlab[i] = 0;
    }
    int delta = rs[i0] < rt[sink] ? rs[i0] : rt[sink];
    for (size_t j = sink, i = pred[j]; i != i0; j = prow[i], i = pred[j])
        if (w->x[i * m + prow[i]] < delta) delta = w->x[i * m + prow[i]];
    for (size_t j = sink;;) {
        size_t i = pred[j];
        add_flow(w, m, i, j, delta);
        if (i == i0) break;
        add_flow(w, m, i, prow[i], -delta);
        j = prow[i];
    }
    rs[i0] -= delta;
    rt[sink] -= delta;
}

int wass__transport_solve(wass__transport_work *w, size_t n, size_t m, const double *C,
                          const int *s, const int *t, double *cost, double *gap,
                          double *min_reduced) {
    if (n > w->nmax || m > w->mmax || n == 0 || m == 0) return WASS_ERR_SIZE;
    double *u = w->u, *v = w->v;
    int *x = w->x, *rs = w->rs, *rt = w->rt;
    size_t *arg = w->pred; /* scratch for the start */
    long ss = 0, st = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0) return WASS_ERR_NEGATIVE;
        ss += s[i];
    }
    for (size_t j = 0; j < m; j++) {
        if (t[j] < 0) return WASS_ERR_NEGATIVE;
        st += t[j];
    }
    if (ss != st || ss == 0) return WASS_ERR_MASS_MISMATCH;
    memset(x, 0, n * m * sizeof *x);
    for (size_t i = 0; i < n; i++)
        rs[i] = s[i];
    for (size_t j = 0; j < m; j++) {
        rt[j] = t[j];
        w->ccount[j] = 0;
        v[j] = C[j];
        arg[j] = 0;
    }
    /* column reduction: v_j = min_i C_ij, then greedy on those arcs */
    for (size_t i = 1; i < n; i++) {
        const double *Cr = C + i * m;
        for (size_t j = 0; j < m; j++)
            if (Cr[j] < v[j]) {
                v[j] = Cr[j];
                arg[j] = i;
            }
    }
    for (size_t j = 0; j < m; j++) {
        size_t i = arg[j];
        int a = rs[i] < rt[j] ? rs[i] : rt[j];
        if (a > 0) {
            add_flow(w, m, i, j, a);
            rs[i] -= a;
            rt[j] -= a;
        }
    }
    /* row reduction: u_i = min_j (C_ij - v_j) >= 0 (0 on rows with flow) */
    for (size_t i = 0; i < n; i++) {
        const double *Cr = C + i * m;
        double mn = Cr[0] - v[0];
        size_t jm = 0;
        for (size_t j = 1; j < m; j++) {
            double r = Cr[j] - v[j];
            if (r < mn) {
                mn = r;
                jm = j;
            }
        }
        u[i] = mn;
        if (rs[i] > 0 && rt[jm] > 0) {
            int a = rs[i] < rt[jm] ? rs[i] : rt[jm];
            add_flow(w, m, i, jm, a);
            rs[i] -= a;
            rt[jm] -= a;
        }
    }
    for (size_t i0 = 0; i0 < n; i0++)
        while (rs[i0] > 0)
            augment(w, n, m, C, i0);

    /* check: exact marginals, primal cost, feasible dual by c-transform */
    double S = 0, primal = 0, dual = 0, dual_abs = 0, cmax = 0, minrc = 0;
    for (size_t j = 0; j < m; j++)
        rt[j] = 0;
    for (size_t i = 0; i < n; i++) {
        const double *Cr = C + i * m;
        long row = 0;
        double ci = INFINITY;
        for (size_t j = 0; j < m; j++) {
            int f = x[i * m + j];
            if (f < 0) return WASS_ERR_INTERNAL;
            row += f;
            rt[j] += f;
            primal += f * Cr[j];
            double r = Cr[j] - v[j];
            if (r < ci) ci = r;
            double rc = r - u[i];
            if (rc < minrc) minrc = rc;
            double a = fabs(Cr[j]);
            if (a > cmax) cmax = a;
        }
        if (row != s[i]) return WASS_ERR_INTERNAL;
        S += s[i];
        dual += s[i] * ci;
        dual_abs += s[i] * fabs(ci);
    }
    for (size_t j = 0; j < m; j++) {
        if (rt[j] != t[j]) return WASS_ERR_INTERNAL;
        dual += t[j] * v[j];
        dual_abs += t[j] * fabs(v[j]);
    }
    *cost = primal / S;
    double scale = fmax(fabs(primal), 1e-7 * dual_abs);
    *gap = scale > 0 ? (primal - dual) / scale : 0.0;
    *min_reduced = cmax > 0 ? minrc / cmax : 0.0;
    return WASS_OK;
}
