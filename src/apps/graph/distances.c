/*
 * distances.c - the distance between every pair of graphs of an embedded
 * set: the exact EMD between their node clouds (uniform weights, Euclidean
 * ground cost, optionally a penalty between nodes of different labels) on
 * all cores, by the small-problem solver of transport.c (each answer
 * certified, wass_emd where it is not) or by the core wass_emd_many; or the
 * grid-embedding approximation (wass_embed, wass_sparse_l1).
 */
#include "apps/graph/graph_internal.h"
#include "common/parallel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRAPH_CERT_TOL 1e-9

void wass_graph_distance_options_default(wass_graph_distance_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
    opt->method = WASS_GRAPH_EXACT;
    opt->label_penalty = 1.0;
}

typedef struct {
    size_t done, total, fallbacks;
    size_t work;     /* pairs solved (the progress' whole) */
    size_t distinct; /* graphs solved */
    double max_gap, min_reduced;
} progress_state;

static void report(const wass_graph_distance_options *opt, progress_state *ps, size_t done,
                   const char *stage) {
    if (opt->progress)
        opt->progress(ps->work ? (double)done / (double)ps->work : 1.0, stage, opt->progress_user);
}

/* the exact EMD of one pair by wass_emd (the reference path); masses s, t */
static int emd_pair(size_t n, size_t m, const double *C, const int *s, const int *t, double *out,
                    wass_error_info *e) {
    double *a = malloc((n + m) * sizeof *a);
    if (!a) {
        snprintf(e->message, sizeof e->message, "out of memory");
        return WASS_ERR_NOMEM;
    }
    double S = 0.0;
    for (size_t i = 0; i < n; i++) {
        a[i] = s[i];
        S += s[i];
    }
    for (size_t j = 0; j < m; j++)
        a[n + j] = t[j];
    wass_problem pb = {.n = n, .m = m, .a = a, .b = a + n, .cost = wass_cost_dense(C, m, 1.0)};
    wass_options o;
    wass_options_default(&o);
    o.threads = 1;
    o.want_plan = 0;
    wass_result r;
    int rc = wass_emd(&pb, &o, &r, e);
    if (rc == WASS_OK && r.status != WASS_OPTIMAL) {
        snprintf(e->message, sizeof e->message, "not certified optimal by wass_emd either: %s",
                 r.message);
        rc = WASS_ERR_INTERNAL;
    }
    if (rc == WASS_OK) *out = r.cost / S; /* the total for the integer masses given */
    wass_result_free(&r);
    free(a);
    return rc;
}

/* One pair by the small solver, wass_emd where it is not certified. The
 * graph of more nodes goes on the rows (fewer mass units a row: fewer
 * augmentations; each search then scans the shorter side), on equal node
 * counts the one of more points. */
static int fast_pair(wass__transport_work *w, const wass__merged_nodes *mn,
                     const wass_graph_embedding *E, const wass_graph_distance_options *opt,
                     size_t g, size_t h, int *s, int *t, double *out, int *fell,
                     wass__transport_result *res, wass_error_info *e) {
    size_t n = E->offset[g + 1] - E->offset[g], m = E->offset[h + 1] - E->offset[h];
    size_t q = wass__gcd(n, m), a = g, b = h, fa = m / q, fb = n / q;
    size_t na = mn->off[g + 1] - mn->off[g], nb = mn->off[h + 1] - mn->off[h];
    if (fa > fb || (fa == fb && na < nb)) {
        a = h;
        b = g;
        size_t tn = na;
        na = nb;
        nb = tn;
        tn = fa;
        fa = fb;
        fb = tn;
    }
    for (size_t i = 0; i < na; i++)
        s[i] = (int)(mn->mult[mn->off[a] + i] * fa);
    for (size_t j = 0; j < nb; j++)
        t[j] = (int)(mn->mult[mn->off[b] + j] * fb);
    size_t ld;
    double *C = wass__transport_costs(w, na, nb, &ld);
    int src = WASS_ERR_SIZE;
    if (C) {
        wass__pair_costs(mn, a, b, opt->labels, opt->label_penalty, C, ld);
        src = wass__transport_solve(w, na, nb, s, t, GRAPH_CERT_TOL, res);
    }
    *fell = src != WASS_OK || !res->certified;
    if (!*fell) {
        *out = res->cost;
        return WASS_OK;
    }
    /* the reference path: the costs again (the buffer may be too small) */
    double *Cd = malloc(na * nb * sizeof *Cd);
    if (!Cd) {
        snprintf(e->message, sizeof e->message, "out of memory");
        return WASS_ERR_NOMEM;
    }
    wass__pair_costs(mn, a, b, opt->labels, opt->label_penalty, Cd, nb);
    int rc = emd_pair(na, nb, Cd, s, t, out, e);
    free(Cd);
    return rc;
}

/* The pairs of the distinct graphs rep[0 .. R) (ascending) by the small
 * solver, on nt threads. */
static void exact_pairs(const wass_graph_embedding *E, const wass_graph_distance_options *opt,
                        int nt, size_t nmax, const wass__merged_nodes *mn, const size_t *rep,
                        size_t R, double *D, progress_state *ps, wass__loop *loop) {
    size_t G = E->graphs;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
#endif
    {
        wass__transport_work w;
        int wrc = wass__transport_work_init(&w, nmax, nmax);
        int *s = malloc(nmax * sizeof *s), *t = malloc(nmax * sizeof *t);
        int ok = wrc == WASS_OK && s && t;
        size_t fb = 0;
        double mg = 0, mr = 0;
        int master = wass__loop_reporter();
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1) nowait
#endif
        for (size_t a = 0; a < R; a++) {
            int prc = WASS_OK;
            wass_error_info e;
            memset(&e, 0, sizeof e);
            size_t g = rep[a], b = a + 1, h = g + 1;
            if (!ok) {
                prc = WASS_ERR_NOMEM;
                snprintf(e.message, sizeof e.message, "out of memory (workspace)");
            }
            for (; b < R && !prc; b++) {
                double c = NAN;
                int fell = 0;
                wass__transport_result res;
                h = rep[b];
                prc = fast_pair(&w, mn, E, opt, g, h, s, t, &c, &fell, &res, &e);
                if (prc) break;
                if (fell) {
                    fb++;
                } else {
                    if (res.gap > mg) mg = res.gap;
                    if (res.min_reduced < mr) mr = res.min_reduced;
                }
                D[g * G + h] = c;
                D[h * G + g] = c;
            }
            D[g * G + g] = 0.0;
            size_t now = wass__loop_item_done(loop, g * (G + 1) + h, prc, &e, R - 1 - a);
            if (master) report(opt, ps, now, "distances");
        }
#ifdef _OPENMP
#pragma omp critical(wass_graph_dist_err)
#endif
        {
            ps->fallbacks += fb;
            if (mg > ps->max_gap) ps->max_gap = mg;
            if (mr < ps->min_reduced) ps->min_reduced = mr;
        }
        wass__transport_work_free(&w);
        free(s);
        free(t);
    }
}

/* Every pair by the small solver, each distinct graph once: a graph with
 * the points of an earlier one up to order and rounding
 * (wass__merged_nodes_distinct, graph_copies.c) gets that one's row, and 0
 * against it. */
static int exact_fast(const wass_graph_embedding *E, const wass_graph_distance_options *opt, int nt,
                      size_t nmax, double *D, progress_state *ps, wass_error_info *err) {
    size_t G = E->graphs, R = 0;
    /* a failure's index is g (G + 1) + h: the first graph g wins, h says
     * which pair of its row failed (h <= G) */
    wass__loop loop;
    wass__loop_init(&loop, G * (G + 1));
    wass__merged_nodes mn;
    int mrc = wass__merged_nodes_init(&mn, E, opt->labels);
    if (mrc == WASS_ERR_SIZE)
        return wass__fail(err, mrc, "%zu embedding dimensions: at most %d for the exact method",
                          E->dim, WASS__PAIR_MAXDIM);
    if (mrc) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    size_t *canon = malloc(G * sizeof *canon), *rep = malloc(G * sizeof *rep);
    if (!canon || !rep || wass__merged_nodes_distinct(&mn, E->offset, canon, &R)) {
        free(canon);
        free(rep);
        wass__merged_nodes_free(&mn);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    for (size_t g = 0, k = 0; g < G; g++)
        if (canon[g] == g) rep[k++] = g;
    ps->work = R * (R - 1) / 2;
    ps->distinct = R;
    exact_pairs(E, opt, nt, nmax, &mn, rep, R, D, ps, &loop);
    wass__merged_nodes_free(&mn);
    free(rep);
    if (!wass__loop_failed(&loop)) {
        for (size_t g = 0; g < G; g++) /* the columns of the copies, then their rows */
            if (canon[g] == g)
                for (size_t h = 0; h < G; h++)
                    D[g * G + h] = D[g * G + canon[h]];
        for (size_t g = 0; g < G; g++)
            if (canon[g] != g) memcpy(D + g * G, D + canon[g] * G, G * sizeof *D);
    }
    free(canon);
    if (wass__loop_failed(&loop))
        return wass__fail(err, loop.rc, "graphs %zu and %zu: %s", loop.bad / (G + 1) + 1,
                          loop.bad % (G + 1) + 1, loop.err.message);
    return WASS_OK;
}

/* labelled costs through the core API: a callback over the two clouds */
typedef struct {
    const wass_graph_embedding *E;
    size_t g, h;
    double penalty;
} pair_cost;

static double pair_cost_fn(size_t i, size_t j, void *user) {
    const pair_cost *p = user;
    const wass_graph_embedding *E = p->E;
    size_t d = E->dim, a = E->offset[p->g] + i, b = E->offset[p->h] + j;
    double s = 0;
    for (size_t k = 0; k < d; k++) {
        double t = E->X[a * d + k] - E->X[b * d + k];
        s += t * t;
    }
    return sqrt(s) + (E->label[a] != E->label[b] ? p->penalty : 0.0);
}

static int exact_many(const wass_graph_embedding *E, const wass_graph_distance_options *opt, int nt,
                      double *D, progress_state *ps, wass_error_info *err) {
    size_t G = E->graphs;
    wass_problem *pb = malloc(G * sizeof *pb);
    pair_cost *pc = malloc(G * sizeof *pc);
    double *c = malloc(G * sizeof *c);
    int *st = malloc(G * sizeof *st);
    int rc = WASS_OK;
    if (!pb || !pc || !c || !st) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
        goto done;
    }
    wass_options o;
    wass_options_default(&o);
    o.threads = nt;
    wass_ground eu = wass_ground_make(WASS_EUCLIDEAN, 1.0);
    size_t doneps = 0;
    for (size_t g = 0; g < G && !rc; g++) {
        size_t k = 0;
        for (size_t h = g + 1; h < G; h++, k++) {
            memset(&pb[k], 0, sizeof pb[k]);
            pb[k].n = E->offset[g + 1] - E->offset[g];
            pb[k].m = E->offset[h + 1] - E->offset[h];
            if (opt->labels) {
                pc[k] = (pair_cost){E, g, h, opt->label_penalty};
                pb[k].cost = wass_cost_callback(pair_cost_fn, &pc[k], 1.0);
            } else {
                pb[k].cost = wass_cost_points(E->X + E->offset[g] * E->dim,
                                              E->X + E->offset[h] * E->dim, E->dim, eu);
            }
        }
        wass_error_info e;
        rc = wass_emd_many(pb, k, &o, c, st, &e);
        if (rc) {
            rc = wass__fail(err, rc, "graph %zu: %s", g + 1, e.message);
            break;
        }
        for (size_t h = g + 1, q = 0; h < G; h++, q++) {
            if (!isfinite(c[q])) {
                rc = wass__fail(err, WASS_ERR_INTERNAL,
                                "graphs %zu and %zu: wass_emd_many ended with status '%s'", g + 1,
                                h + 1, wass_status_string(st[q]));
                break;
            }
            D[g * G + h] = D[h * G + g] = c[q];
        }
        D[g * G + g] = 0.0;
        doneps += k;
        report(opt, ps, doneps, "distances (wass_emd_many)");
    }
done:
    free(pb);
    free(pc);
    free(c);
    free(st);
    return rc;
}

static int grid(const wass_graph_embedding *E, const wass_graph_distance_options *opt, int nt,
                double *D, progress_state *ps, wass_error_info *err) {
    size_t G = E->graphs;
    wass_cloud *cl = malloc(G * sizeof *cl);
    wass_sparse *sp = calloc(G, sizeof *sp);
    wass_embed_frame fr;
    wass_embed_set set;
    memset(&fr, 0, sizeof fr);
    memset(&set, 0, sizeof set);
    int rc = WASS_OK;
    if (!cl || !sp) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t g = 0; g < G; g++)
        cl[g] = (wass_cloud){E->offset[g + 1] - E->offset[g], E->dim, E->X + E->offset[g] * E->dim,
                             NULL};
    wass_embed_options eo;
    wass_embed_options_default(&eo);
    eo.seed = opt->seed;
    rc = wass_embed_frame_init(&fr, cl, G, &eo, err);
    if (rc) goto done;
    for (size_t g = 0; g < G && !rc; g++)
        rc = wass_embed(&fr, &cl[g], &sp[g], err);
    if (rc) goto done;
    wass_embed_set_options so;
    wass_embed_set_options_default(&so);
    so.threads = nt;
    rc = wass_embed_set_pack(sp, G, &so, &set, err);
    if (rc) goto done;
    if (set.dense) {
        /* rows of D in blocks of graphs against the packed set (both
         * triangles: the dense sum is symmetric bit for bit) */
        for (size_t g0 = 0; g0 < G && !rc; g0 += 64) {
            size_t ng = G - g0 < 64 ? G - g0 : 64;
            rc = wass_embed_set_l1(&set, sp + g0, ng, D + g0 * G, err);
            report(opt, ps, (g0 + ng) * (G - 1) / 2, "distances (grid)");
        }
        goto done;
    }
    wass__loop loop;
    wass__loop_init(&loop, G);
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 4)
#endif
    for (size_t g = 0; g < G; g++) {
        D[g * G + g] = 0.0;
        for (size_t h = g + 1; h < G; h++)
            D[g * G + h] = D[h * G + g] = wass_sparse_l1(&sp[g], &sp[h]);
        size_t now = wass__loop_item_done(&loop, g, WASS_OK, NULL, G - 1 - g);
        if (wass__loop_reporter()) report(opt, ps, now, "distances (grid)");
    }
done:
    if (sp)
        for (size_t g = 0; g < G; g++)
            wass_sparse_free(&sp[g]);
    free(sp);
    free(cl);
    wass_embed_set_free(&set);
    wass_embed_frame_free(&fr);
    return rc;
}

int wass_graph_distances(const wass_graph_embedding *E, const wass_graph_distance_options *opt_in,
                         double *D, wass_graph_distance_info *info, wass_error_info *err) {
    wass__clear(err);
    double t0 = wass__now();
    if (info) memset(info, 0, sizeof *info);
    wass_graph_distance_options opt;
    if (opt_in)
        opt = *opt_in;
    else
        wass_graph_distance_options_default(&opt);
    if (!E || !E->offset || !E->X || !D)
        return wass__fail(err, WASS_ERR_INVALID, "embedding or D is NULL");
    size_t G = E->graphs, nmax = 0;
    if (G == 0 || E->dim == 0) return wass__fail(err, WASS_ERR_SIZE, "no graphs");
    for (size_t g = 0; g < G; g++) {
        size_t n = E->offset[g + 1] - E->offset[g];
        if (n == 0) return wass__fail(err, WASS_ERR_SIZE, "graph %zu has no nodes", g + 1);
        if (n > nmax) nmax = n;
    }
    if (E->offset[G] != E->nodes) return wass__fail(err, WASS_ERR_SIZE, "offsets do not add up");
    if (nmax > 46340)
        return wass__fail(err, WASS_ERR_SIZE, "a graph of %zu nodes is too large", nmax);
    size_t total;
    if (!wass__mul_ok(E->nodes, E->dim, &total) || !wass__mul_ok(G, G, &total))
        return wass__fail(err, WASS_ERR_SIZE, "too many graphs");
    int rc = wass__check_finite(E->X, E->nodes * E->dim, "embedding", err);
    if (rc) return rc;
    if (opt.labels && !E->label)
        return wass__fail(err, WASS_ERR_INVALID,
                          "labelled distance asked but the nodes have no labels");
    if (opt.labels && !(opt.label_penalty >= 0 && isfinite(opt.label_penalty)))
        return wass__fail(err, WASS_ERR_INVALID, "label penalty must be finite and >= 0");
    if (opt.method == WASS_GRAPH_GRID && opt.labels)
        return wass__fail(err, WASS_ERR_UNSUPPORTED,
                          "the grid approximation has no labelled variant");
    progress_state ps = {0, G * (G - 1) / 2, 0, G * (G - 1) / 2, G, 0.0, 0.0};
    int nt = wass__threads_for(opt.threads, (double)ps.total * (double)nmax * (double)nmax);
    switch (opt.method) {
    case WASS_GRAPH_EXACT:
        rc = exact_fast(E, &opt, nt, nmax, D, &ps, err);
        break;
    case WASS_GRAPH_EMD_MANY:
        rc = exact_many(E, &opt, wass__threads(opt.threads), D, &ps, err);
        break;
    case WASS_GRAPH_GRID:
        rc = grid(E, &opt, nt, D, &ps, err);
        break;
    default:
        return wass__fail(err, WASS_ERR_INVALID, "unknown method %d", (int)opt.method);
    }
    if (rc) return rc;
    if (info) {
        info->pairs = ps.total;
        info->fallbacks = ps.fallbacks;
        info->max_gap = ps.max_gap;
        info->min_reduced = ps.min_reduced;
        info->seconds = wass__now() - t0;
        info->distinct = ps.distinct;
    }
    return WASS_OK;
}
