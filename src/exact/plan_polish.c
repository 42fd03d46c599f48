/*
 * plan_polish.c - recompute the flows of an optimal basic plan from the
 * weights. A basic plan is a spanning forest of the bipartite graph; its
 * flows are fixed by the weights: the flow of an arc is the net supply of
 * the subtree below it. The simplex gets them by pivoting, where the
 * rounding of weights whose totals differ by an ulp can land on any arc; a
 * dear arc then carries that ulp (3 x 1 costs 0, 0, 1e10: the cost off by
 * 2.6e-8 relative). Here every subtree is summed afresh from the weights,
 * and the mismatch of the totals stays at the root of each tree: the node
 * whose potential, shifted by the weighted median of all potentials, is
 * nearest 0 (ties: the most arcs). To first order the cost then moves by the
 * mismatch times that potential, i.e. by nothing the certificate can see. A plan that is not a
 * forest (split over coincident points), or whose flows would change by more
 * than rounding, is left as it was.
 */
#include "exact/emd_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* nodes: rows 0..n-1, columns n..n+m-1 */
int wass__plan_polish(wass_flow *plan, size_t np, size_t n, size_t m, const double *a,
                      const double *b, const double *u, const double *vp) {
    size_t N = n + m;
    if (np == 0 || !u || !vp) return 0;
    double t = wass__cert_shift(u, a, n, vp, b, m);
    size_t *deg = calloc(N + 1, sizeof *deg), *adj = malloc(2 * np * sizeof *adj);
    size_t *order = malloc(N * sizeof *order), *parc = malloc(N * sizeof *parc);
    double *net = malloc(N * sizeof *net), *flow = malloc(np * sizeof *flow);
    unsigned char *seen = calloc(N, 1);
    int changed = 0;
    if (!deg || !adj || !order || !parc || !net || !flow || !seen) goto done;
    for (size_t k = 0; k < np; k++) {
        deg[plan[k].i + 1]++;
        deg[n + plan[k].j + 1]++;
    }
    for (size_t v = 0; v < N; v++) /* CSR offsets in deg[0..N] */
        deg[v + 1] += deg[v];
    size_t *fill = malloc(N * sizeof *fill);
    if (!fill) goto done;
    memcpy(fill, deg, N * sizeof *fill);
    for (size_t k = 0; k < np; k++) {
        adj[fill[plan[k].i]++] = k;
        adj[fill[n + plan[k].j]++] = k;
    }
    free(fill);
    for (size_t v = 0; v < N; v++)
        net[v] = v < n ? a[v] : -b[v - n];
    size_t done_arcs = 0;
    for (size_t start = 0; start < N; start++) {
        if (seen[start] || deg[start + 1] == deg[start]) continue;
        /* the root: potential nearest 0 after the shift, then most arcs */
        size_t head = 0, tail = 0, root = start;
        double rpot = INFINITY;
        order[tail++] = start;
        seen[start] = 1;
        while (head < tail) {
            size_t v = order[head++];
            double pot = fabs(v < n ? u[v] + t : vp[v - n] - t);
            if (pot < rpot || (pot == rpot && deg[v + 1] - deg[v] > deg[root + 1] - deg[root])) {
                root = v;
                rpot = pot;
            }
            for (size_t q = deg[v]; q < deg[v + 1]; q++) {
                size_t k = adj[q], w = v < n ? n + plan[k].j : plan[k].i;
                if (!seen[w]) {
                    seen[w] = 1;
                    order[tail++] = w;
                }
            }
        }
        size_t comp = tail, first = 0;
        for (size_t q = 0; q < comp; q++)
            seen[order[q]] = 2; /* in this component, not yet ordered from root */
        head = first;
        tail = first;
        order[tail++] = root;
        seen[root] = 3;
        parc[root] = (size_t)-1;
        size_t arcs = 0;
        while (head < tail) {
            size_t v = order[head++];
            for (size_t q = deg[v]; q < deg[v + 1]; q++) {
                size_t k = adj[q], w = v < n ? n + plan[k].j : plan[k].i;
                if (k == parc[v]) continue;
                if (seen[w] == 3) goto done; /* a cycle: not a forest */
                seen[w] = 3;
                parc[w] = k;
                order[tail++] = w;
                arcs++;
            }
        }
        if (arcs + 1 != comp) goto done;
        for (size_t q = comp; q-- > 1;) { /* leaves first: subtree supplies */
            size_t v = order[q], k = parc[v];
            flow[k] = v < n ? net[v] : -net[v];
            size_t up = v < n ? n + plan[k].j : plan[k].i;
            net[up] += net[v];
        }
        done_arcs += arcs;
    }
    if (done_arcs != np) goto done;
    double total = 0.0;
    for (size_t k = 0; k < np; k++)
        total += fabs(plan[k].mass);
    for (size_t k = 0; k < np; k++)
        if (!(fabs(flow[k] - plan[k].mass) <= 1e-12 * total)) goto done;
    for (size_t k = 0; k < np; k++) /* a degenerate arc's rounding below 0 is 0 */
        plan[k].mass = flow[k] > 0 ? flow[k] : 0.0;
    changed = 1;
done:
    free(deg);
    free(adj);
    free(order);
    free(parc);
    free(net);
    free(flow);
    free(seen);
    return changed;
}
