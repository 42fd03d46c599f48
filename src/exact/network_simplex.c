/*
 * network_simplex.c - primal network simplex for the uncapacitated
 * transportation problem with implicit arcs.
 *
 * Nodes: sources 0..n-1, sinks n..n+m-1, and an artificial root N = n + m.
 * The basis is a spanning tree rooted at the root. Every real node stores the
 * tree arc to its parent: the parent alone determines that arc (a source
 * below a sink is the arc source->sink pointing up; a sink below a source is
 * the arc source->sink pointing down; a node below the root hangs on an
 * artificial arc node->root of cost zero and flow zero). The flow on that arc
 * is flow[node]. Preorder is kept in a doubly linked thread with subtree
 * sizes and the last node of each subtree, so that a pivot costs the length
 * of the cycle plus the size of the re-hung subtree.
 *
 * Potentials phi: the reduced cost of arc x->y with cost c is
 * c - phi[x] + phi[y]; for a real arc (i, j) that is C_ij - u_i - v_j with
 * u_i = phi[i], v_j = -phi[n + j].
 *
 * Strongly feasible trees: every tree arc carrying zero flow points towards
 * the root, so any node can send positive flow to the root. The start
 * satisfies this (real start arcs carry positive flow, artificial arcs point
 * to the root), and the leaving-arc rule (the
 * last blocking arc met when walking the cycle from its apex in the direction
 * of the flow) preserves it, so degenerate pivots cannot cycle. Flows are
 * updated by exact subtraction of the blocking amount, so a zero flow in
 * floating point is an exact zero.
 *
 * Pricing: block search over the n*m arcs in a rotating row-major order,
 * costs read a row segment at a time.
 *
 * Tree construction and checks live in ns_tree.c, shortlist pricing in
 * ns_price.c and the start heuristics in ns_start.c (shared state in
 * exact/ns_internal.h).
 */
#include "exact/ns_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A pivot's cycle: its two sides bottom-up (in t->path_a from the entering
 * source, t->path_b from the entering sink, the apex excluded) and the
 * leaving arc on them. */
typedef struct {
    ns_node na, nb; /* lengths of the two sides */
    ns_node q_out;  /* index of the leaving arc on its side */
    int side;       /* 1: the leaving arc is on path_a, 2: on path_b */
    double delta;   /* flow sent around the cycle */
} ns_cycle;

/* First half of a pivot on entering arc first -> second: record the cycle,
 * choose the leaving arc by the strongly feasible rule and send the flow
 * around the cycle. Kept apart from the tree surgery because it alone
 * decides the pivot's outcome. */
static int pivot_cycle(ns_tree *t, ns_node first, ns_node second, ns_cycle *cy) {
    const ns_node *parent = t->parent, *size = t->size;
    double *flow = t->flow;
    /* The two sides of the cycle, bottom-up, are recorded once (pa from
     * first, pb from second, the apex excluded); the later passes read these
     * arrays instead of chasing parent pointers again. */
    ns_node *pa = t->path_a, *pb = t->path_b;
    ns_node na = 0, nb = 0;
    ns_node a = first, b = second;
    while (a != b) {
        if (size[a] < size[b]) {
            pa[na++] = a;
            a = parent[a];
        } else {
            pb[nb++] = b;
            b = parent[b];
        }
    }
    /* leaving arc: strongly feasible rule */
    double delta = INFINITY;
    ns_node q_out = -1;
    int side = 0;
    for (ns_node q = 0; q < na; q++) {
        ns_node x = pa[q];
        if (is_up(t, x) && flow[x] < delta) {
            delta = flow[x];
            q_out = q;
            side = 1;
        }
    }
    for (ns_node q = 0; q < nb; q++) {
        ns_node x = pb[q];
        if (!is_up(t, x) && flow[x] <= delta) {
            delta = flow[x];
            q_out = q;
            side = 2;
        }
    }
    if (q_out < 0) return WASS_ERR_INTERNAL; /* unbounded cycle: impossible */
    if (delta > 0) {
        for (ns_node q = 0; q < na; q++)
            flow[pa[q]] += is_up(t, pa[q]) ? -delta : delta;
        for (ns_node q = 0; q < nb; q++)
            flow[pb[q]] += is_up(t, pb[q]) ? delta : -delta;
    }
    cy->na = na;
    cy->nb = nb;
    cy->q_out = q_out;
    cy->side = side;
    cy->delta = delta;
    return WASS_OK;
}

/* Add delta to the potentials of the cnt nodes of the thread from a to b,
 * walked from both ends at once: the walk is bound by the latency of its
 * loads, and two independent chains of them overlap (random weights, 3-D,
 * 1000 points: 257 nodes a pivot). Each potential gets the same one
 * addition as in a walk from one end. */
static void shift_run(double *phi, const ns_node *orig, const ns_node *thread, const ns_node *rev,
                      ns_node a, ns_node b, ns_node cnt, double delta) {
    for (ns_node c = cnt / 2; c > 0; c--) {
        phi[orig[a]] += delta;
        phi[orig[b]] += delta;
        a = thread[a];
        b = rev[b];
    }
    if (cnt & 1) phi[orig[a]] += delta;
}

/* Second half of a pivot: cut the subtree T below the leaving arc, re-root
 * it at the entering end u_in, hang it below v_in and shift its potentials
 * by sigma. Costs the stem length plus the smaller side of the tree, which
 * is what keeps pivots cheap on large trees. */
static void rehang_subtree(ns_tree *t, const ns_cycle *cy, ns_node v_in, double sigma) {
    ns_node *parent = t->parent, *thread = t->thread, *rev = t->rev, *size = t->size,
            *last = t->last;
    double *flow = t->flow;
    /* the side of the leaving arc: stem[0] = u_in up to stem[k] = u_out,
     * then v_out .. below the apex; oth[] = v_in .. below the apex */
    const ns_node *stem = cy->side == 1 ? t->path_a : t->path_b;
    const ns_node *oth = cy->side == 1 ? t->path_b : t->path_a;
    ns_node nside = cy->side == 1 ? cy->na : cy->nb, noth = cy->side == 1 ? cy->nb : cy->na;
    ns_node k = cy->q_out;
    ns_node u_in = stem[0], u_out = stem[k];

    /* detach the subtree T of u_out */
    ns_node v_out = parent[u_out];
    ns_node T_size = size[u_out], T_last = last[u_out];
    ns_node before = rev[u_out], after = thread[T_last];
    thread[before] = after;
    rev[after] = before;
    for (ns_node x = v_out; x != -1 && last[x] == T_last; x = parent[x])
        last[x] = before;
    for (ns_node q = k + 1; q < nside; q++)
        size[stem[q]] -= T_size;

    /* preorder of T re-rooted at u_in, as pieces of the old thread (T is
     * detached, its own links intact): the subtree of u_in, then for each
     * stem node cur above prv what its old subtree holds before and after
     * the subtree of prv. Linking the pieces costs the stem length, not the
     * size of T. */
    ns_node *buf = t->buf, np = 0;
    buf[np++] = u_in;
    buf[np++] = last[u_in];
    for (ns_node s = 1; s <= k; s++) {
        ns_node cur = stem[s], prv = stem[s - 1];
        buf[np++] = cur;
        buf[np++] = rev[prv];
        if (last[prv] != last[cur]) {
            buf[np++] = thread[last[prv]];
            buf[np++] = last[cur];
        }
    }
    for (ns_node q = 2; q < np; q += 2) {
        thread[buf[q - 1]] = buf[q];
        rev[buf[q]] = buf[q - 1];
    }
    ns_node newlast = buf[np - 1];
    /* reverse the stem */
    for (ns_node s = k; s >= 1; s--) {
        ns_node cur = stem[s], prv = stem[s - 1];
        parent[cur] = prv;
        flow[cur] = flow[prv];
        size[cur] = T_size - size[prv];
    }
    parent[u_in] = v_in;
    flow[u_in] = cy->delta;
    size[u_in] = T_size;
    for (ns_node s = 0; s <= k; s++)
        last[stem[s]] = newlast;
    /* insert T after v_in */
    ns_node nxt = thread[v_in];
    thread[v_in] = u_in;
    rev[u_in] = v_in;
    thread[newlast] = nxt;
    rev[nxt] = newlast;
    /* T's potentials move by sigma relative to the rest: shift the smaller
     * side (the root's potential may drift from 0; only differences count,
     * and the potentials are recomputed from the root before output) */
    if (2 * T_size <= t->N + 1)
        shift_run(t->phi, t->orig, thread, rev, u_in, newlast, T_size, sigma);
    else /* nxt .. v_in around the root */
        shift_run(t->phi, t->orig, thread, rev, nxt, v_in, t->N + 1 - T_size, -sigma);
    ns_node x;
    for (x = v_in; x != -1 && last[x] == v_in; x = parent[x])
        last[x] = newlast;
    for (ns_node q = 0; q < noth; q++)
        size[oth[q]] += T_size;
}

/* One pivot on entering arc (i, j) with reduced cost rc < 0. */
static int pivot(ns_tree *t, size_t i, size_t j, double rc) {
    ns_node first = t->pos[i], second = t->pos[t->n + j];
    ns_cycle cy;
    int r = pivot_cycle(t, first, second, &cy);
    if (r) return r;
    /* the entering arc's end outside T, and T's potential shift */
    rehang_subtree(t, &cy, cy.side == 1 ? second : first, cy.side == 1 ? rc : -rc);
    return WASS_OK;
}

/* Rough max |C| from the start arcs and a deterministic sample of pairs. */
static double estimate_scale(ns_tree *t, const wass__ns_arc *arcs, size_t narcs) {
    double s = 0.0;
    for (size_t k = 0; k < narcs; k++) {
        double c = fabs(arc_cost1(t, arcs[k].i, arcs[k].j));
        if (c > s) s = c;
    }
    uint64_t st = 0x243f6a8885a308d3ull;
    size_t samples = t->n + t->m;
    if (samples > 4096) samples = 4096;
    for (size_t k = 0; k < samples; k++) {
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        size_t i = (size_t)((st >> 33) % t->n);
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        size_t j = (size_t)((st >> 33) % t->m);
        double c = fabs(arc_cost1(t, i, j));
        if (c > s) s = c;
    }
    return s;
}

void wass__ns_output_free(wass__ns_output *out) {
    if (!out) return;
    free(out->flows);
    free(out->u);
    free(out->v);
    free(out->tree);
    free(out->tops);
    memset(out, 0, sizeof *out);
}

static double pricing_tol(double maxphi) {
    double tol = 1e-13 * maxphi;
    return tol > 0 ? tol : DBL_MIN;
}

#ifndef NS_RELABEL_EVERY
#define NS_RELABEL_EVERY 1024
#endif

/* State of one wass__ns_solve call, shared by its steps below. */
typedef struct {
    const wass__ns_input *in;
    ns_tree t;
    cand_list cand;
    double *qr;              /* scratch of q_add for full pricing rounds */
    size_t *qj;              /* likewise */
    size_t k_short;          /* shortlist length per source; 0 = no shortlist */
    size_t q_add;            /* arcs a full round may add per row */
    double scale;            /* rough max |C|, for the debug check */
    double maxphi;           /* max |phi| at the last recompute */
    double tol;              /* pricing tolerance */
    size_t sp_i, sp_k, sp_B; /* rotating position and block of sparse pricing */
    int64_t since_recompute; /* pivots since the potentials were recomputed */
    int dbg;                 /* what tree_validate reported */
    double pmax;             /* a bound of every |phi| */
} ns_solver;

/* Rotating position of the dense block search over the n*m arcs in
 * row-major order, kept across pricing calls so that the search resumes
 * where the last one stopped. */
typedef struct {
    size_t B;      /* block size */
    size_t pi, pj; /* next arc to price */
} ns_dense_pos;

/* Pick the shortlist length (automatic, given or off) and build the
 * shortlists with the scratch that full rounds need. */
static int setup_shortlist(ns_solver *s) {
    const wass__ns_input *in = s->in;
    size_t n = in->n, m = in->m;
    /* shortlist pricing: candidates first, full rounds to complete them */
    size_t k_short = 0;
    if (in->shortlist > 0)
        k_short = (size_t)in->shortlist;
    else if (in->shortlist == 0 && m >= 32 && n >= 4)
        k_short = (size_t)fmax(10.0, ceil(3.0 * log2((double)m)));
    if (k_short > m) k_short = m;
    if (in->arc_ptr) k_short = 0; /* the caller's candidates rule */
    s->k_short = k_short;
    s->q_add = k_short;
    if (!k_short) return WASS_OK;
    s->qr = malloc(s->q_add * sizeof(double));
    s->qj = malloc(s->q_add * sizeof(size_t));
    if (!s->qr || !s->qj) return WASS_ERR_NOMEM;
    return wass__ns_cand_init(&s->t, &s->cand, k_short);
}

/* North-west corner start on the full supplies and demands (the start when
 * there is neither a given start nor a shortlist). */
static int northwest_start(const wass__ns_input *in, wass__ns_arc *start, size_t *narcs) {
    size_t n = in->n, m = in->m;
    double *rs = malloc(n * sizeof(double)), *rd = malloc(m * sizeof(double));
    if (!rs || !rd) {
        free(rs);
        free(rd);
        return WASS_ERR_NOMEM;
    }
    memcpy(rs, in->supply, n * sizeof(double));
    memcpy(rd, in->demand, m * sizeof(double));
    *narcs = wass__ns_northwest(in, rs, rd, start, 0);
    free(rs);
    free(rd);
    return WASS_OK;
}

/* Build the start basis (given, greedy on the shortlists or north-west),
 * its potentials and the first pricing tolerance. */
static int start_basis(ns_solver *s) {
    const wass__ns_input *in = s->in;
    size_t n = in->n, m = in->m;
    const wass__ns_arc *arcs = in->start;
    size_t narcs = in->start_len;
    wass__ns_arc *start = NULL;
    int rc = WASS_OK;
    if (!arcs) {
        start = malloc((n + m) * sizeof *start);
        if (!start) return WASS_ERR_NOMEM;
        if (s->k_short)
            rc = wass__ns_greedy_start(in, &s->cand, start, &narcs);
        else
            rc = northwest_start(in, start, &narcs);
        if (rc) goto done;
        arcs = start;
    }
    rc = wass__ns_tree_init(&s->t, arcs, narcs);
    if (rc) goto done;
    s->scale = in->cost_scale > 0 ? in->cost_scale : estimate_scale(&s->t, arcs, narcs);
    free(start);
    start = NULL;
    if (!wass__ns_recompute_potentials(&s->t, &s->maxphi)) {
        rc = WASS_ERR_NAN;
        goto done;
    }
    /* Pricing tolerance: C_ij - u_i - v_j carries a rounding error of order
     * eps * (|C_ij| + |u_i| + |v_j|), and only arcs whose cost is comparable
     * to the potentials can have a negative reduced cost, so the tolerance
     * follows the current potentials (re-derived whenever they are
     * recomputed). Tying it to the largest cost instead lets a basis with
     * costs spanning 1e-9..1e12 stop with reduced costs of -0.03 on arcs
     * costing 1e-4. */
    s->tol = pricing_tol(s->maxphi);
done:
    free(start);
    return rc;
}

/* Block sizes of the dense and the sparse search (about the square root of
 * the number of arcs unless the caller fixes them). */
static void setup_blocks(ns_solver *s, ns_dense_pos *d) {
    const wass__ns_input *in = s->in;
    size_t total = in->n * in->m;
    size_t B = (size_t)ceil(sqrt((double)total));
    if (B < 16) B = 16;
    if (in->block_size > 0) B = (size_t)in->block_size;
    if (B > total) B = total;
    d->B = B;
    d->pi = 0;
    d->pj = 0;
    if (in->arc_ptr) {
        size_t nnz = in->arc_ptr[in->n];
        s->sp_B = in->block_size > 0 ? (size_t)in->block_size : (size_t)ceil(sqrt((double)nnz));
        if (s->sp_B < 16) s->sp_B = 16;
    }
}

/* Dense block search over all n*m arcs from the rotating position, costs
 * read a row segment at a time: the most negative reduced cost of the first
 * block that holds one. Returns whether an entering arc was found. */
static int price_dense(ns_solver *s, ns_dense_pos *d, double *bestp, size_t *bi, size_t *bj) {
    const wass__ns_input *in = s->in;
    size_t n = in->n, m = in->m, total = n * m, B = d->B, pi = d->pi, pj = d->pj;
    const double *phiv = s->t.phi + n;
    double *rowc = s->t.rowc;
    double best = -s->tol;
    int found = 0;
    size_t scanned = 0, inblock = 0;
    while (scanned < total) {
        size_t seg = m - pj;
        if (seg > B - inblock) seg = B - inblock;
        if (seg > total - scanned) seg = total - scanned;
        double ui = s->t.phi[pi];
        const double *pv = phiv + pj;
        double lbest = best;
        size_t lk = (size_t)-1;
        if (in->price_row_b) {
            lk = in->price_row_b(in->cost_ctx, pi, pj, seg, ui, pv, s->pmax, &lbest, rowc);
        } else if (in->price_row) {
            lk = in->price_row(in->cost_ctx, pi, pj, seg, ui, pv, &lbest, rowc);
        } else {
            in->cost_row(in->cost_ctx, pi, pj, seg, rowc);
            for (size_t k = 0; k < seg; k++) {
                double r = rowc[k] - ui + pv[k];
                if (r < lbest) {
                    lbest = r;
                    lk = k;
                }
            }
        }
        if (lk != (size_t)-1) {
            best = lbest;
            *bi = pi;
            *bj = pj + lk;
            found = 1;
        }
        pj += seg;
        if (pj == m) {
            pj = 0;
            if (++pi == n) pi = 0;
        }
        scanned += seg;
        inblock += seg;
        if (inblock == B) {
            if (found) break;
            inblock = 0;
        }
    }
    d->pi = pi;
    d->pj = pj;
    *bestp = best;
    return found;
}

/* Entering arc by the pricing in force: the caller's sparse arcs, the
 * shortlists, or the dense block search. Returns whether one was found. */
static int find_entering(ns_solver *s, ns_dense_pos *d, double *best, size_t *bi, size_t *bj) {
    const wass__ns_input *in = s->in;
    *best = -s->tol;
    if (in->arc_ptr) /* sparse candidate arcs */
        return wass__ns_price_sparse(in, s->t.phi, s->tol, s->sp_B, &s->sp_i, &s->sp_k, best, bi,
                                     bj);
    if (s->k_short) { /* no implicit block search */
        size_t Bc = (size_t)ceil(sqrt((double)s->cand.len));
        if (Bc < 16) Bc = 16;
        if (in->block_size > 0) Bc = (size_t)in->block_size;
        return wass__ns_price_cand(&s->t, &s->cand, Bc, s->tol, bi, bj, best);
    }
    return price_dense(s, d, best, bi, bj);
}

/* Recompute the potentials from the root and re-derive the tolerance (drift
 * of the incremental updates must not decide optimality). */
static int refresh_potentials(ns_solver *s) {
    if (!wass__ns_recompute_potentials(&s->t, &s->maxphi)) return WASS_ERR_NAN;
    s->since_recompute = 0;
    s->tol = pricing_tol(s->maxphi);
    s->pmax = s->maxphi;
    return WASS_OK;
}

/* Pricing found nothing, so the basis looks optimal: confirm with exact
 * potentials, then (with shortlists) by a full pricing round over all n*m
 * arcs. Returns 1 to keep pivoting, 0 when optimal, or an error code. */
static int confirm_optimal(ns_solver *s) {
    if (s->since_recompute != 0) {
        int rc = refresh_potentials(s);
        return rc ? rc : 1;
    }
    if (s->k_short) {
        int64_t added = wass__ns_cand_round(&s->t, &s->cand, s->tol, s->q_add, s->qr, s->qj);
        if (added < 0) return (int)added;
        if (added > 0) return 1;
    }
    return 0;
}

/* Bookkeeping after pivot number iter: the optional tree check, periodic
 * exact potentials, progress reports. */
static int after_pivot(ns_solver *s, int64_t iter) {
    const wass__ns_input *in = s->in;
    int64_t recompute_every = s->t.N > 1000 ? s->t.N : 1000;
    if (in->debug_check &&
        (s->dbg = wass__ns_tree_validate(&s->t, 1e-9 * fmax(1.0, s->scale))) != 1)
        return WASS_ERR_INTERNAL;
    if (++s->since_recompute >= recompute_every) {
        int rc = refresh_potentials(s);
        if (rc) return rc;
    }
    if (iter % NS_RELABEL_EVERY == 0) wass__ns_relabel(&s->t);
    if (in->progress && (iter & 0xffff) == 0)
        in->progress(-1.0, "network simplex", in->progress_user);
    return WASS_OK;
}

/* Copy the duals, the positive flows and (with want_tree) the whole basis
 * from the final tree into out. */
static int extract_output(const ns_tree *t, const wass__ns_input *in, wass__ns_output *out) {
    size_t n = t->n, m = t->m;
    out->u = malloc((n ? n : 1) * sizeof(double));
    out->v = malloc((m ? m : 1) * sizeof(double));
    out->flows = malloc((n + m) * sizeof(wass__ns_arc));
    if (!out->u || !out->v || !out->flows) return WASS_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        out->u[i] = t->phi[i];
    for (size_t j = 0; j < m; j++)
        out->v[j] = -t->phi[n + j];
    size_t nf = 0;
    for (ns_node x = 0; x < t->N; x++) { /* x: a node; l, lp: labels */
        ns_node l = t->pos[x], lp = t->parent[l], p = t->orig[lp];
        if (lp == t->root || !(t->flow[l] > 0)) continue;
        size_t i = (size_t)x < n ? (size_t)x : (size_t)p;
        size_t j = ((size_t)x < n ? (size_t)p : (size_t)x) - n;
        out->flows[nf].i = i;
        out->flows[nf].j = j;
        out->flows[nf].mass = t->flow[l];
        nf++;
    }
    out->nflows = nf;
    if (!in->want_tree) return WASS_OK;
    /* the whole basis, to restart from it */
    out->tree = malloc((n + m) * sizeof(wass__ns_arc));
    out->tops = malloc((n + m) * sizeof(size_t));
    if (!out->tree || !out->tops) return WASS_ERR_NOMEM;
    for (ns_node x = 0; x < t->N; x++) {
        ns_node l = t->pos[x], lp = t->parent[l], p = t->orig[lp];
        if (lp == t->root) {
            out->tops[out->ntops++] = (size_t)x;
            continue;
        }
        size_t i = (size_t)x < n ? (size_t)x : (size_t)p;
        out->tree[out->ntree].i = i;
        out->tree[out->ntree].j = ((size_t)x < n ? (size_t)p : (size_t)x) - n;
        out->tree[out->ntree++].mass = t->flow[l];
    }
    return WASS_OK;
}

/* Free the pricing scratch (the shortlists and the round buffers). */
static void free_scratch(ns_solver *s) {
    free(s->cand.a);
    s->cand.a = NULL;
    free(s->qr);
    free(s->qj);
    s->qr = NULL;
    s->qj = NULL;
}

int wass__ns_solve(const wass__ns_input *in, wass__ns_output *out, wass_error_info *err) {
    memset(out, 0, sizeof *out);
    out->status = WASS_NOT_SOLVED;
    size_t n = in->n, m = in->m;
    ns_solver s;
    memset(&s, 0, sizeof s);
    s.in = in;
    s.dbg = 1;
    ns_dense_pos d;
    int rc = wass__ns_tree_alloc(&s.t, n, m);
    if (rc) goto fail;
    s.t.in = in;
    if ((rc = setup_shortlist(&s)) || (rc = start_basis(&s))) goto fail;
    setup_blocks(&s, &d);
    s.pmax = s.maxphi;
    int64_t iter = 0;
    int status = WASS_OPTIMAL;
    for (;;) {
        double best;
        size_t bi = 0, bj = 0;
        if (!find_entering(&s, &d, &best, &bi, &bj)) {
            rc = confirm_optimal(&s);
            if (rc < 0) goto fail;
            if (rc > 0) continue;
            break;
        }
        if (in->max_iter > 0 && iter >= in->max_iter) {
            status = WASS_ITERATION_LIMIT;
            break;
        }
        rc = pivot(&s.t, bi, bj, best);
        if (rc) goto fail;
        s.pmax += fabs(best); /* a pivot moves potentials by |best| */
        iter++;
        if ((rc = after_pivot(&s, iter))) goto fail;
    }
    if (s.since_recompute && !wass__ns_recompute_potentials(&s.t, &s.maxphi)) {
        rc = WASS_ERR_NAN;
        goto fail;
    }
    out->status = status;
    out->iterations = iter;
    out->pricing_tol = s.tol;
    free_scratch(&s);
    if ((rc = extract_output(&s.t, in, out))) goto fail;
    wass__ns_tree_free(&s.t);
    return WASS_OK;
fail:
    free_scratch(&s);
    wass__ns_tree_free(&s.t);
    wass__ns_output_free(out);
    out->status = WASS_NOT_SOLVED;
    switch (rc) {
    case WASS_ERR_NOMEM:
        return wass__fail(err, rc, "network simplex: out of memory (n = %zu, m = %zu)", n, m);
    case WASS_ERR_NAN:
        return wass__fail(err, rc, "a cost on the spanning tree is NaN or infinite");
    case WASS_ERR_SIZE:
        return wass__fail(err, rc, "network simplex: n + m = %zu + %zu nodes is too many", n, m);
    default:
        return wass__fail(err, rc, "network simplex: internal consistency check failed (%d)",
                          s.dbg);
    }
}
