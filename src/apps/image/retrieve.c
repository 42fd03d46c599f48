/*
 * retrieve.c - the k nearest database signatures to each query under W1:
 * exact with lower-bound pruning, the grid embedding alone, the embedding
 * with exact re-ranking, or brute force.
 *
 * Exact mode: for every database entry two cheap lower bounds, the centroid
 * bound (Jensen) and a projection bound (W1 of the one-dimensional
 * projections: along each axis, and for points on a lattice also along the
 * diagonals; the ground distance dominates each projected distance, and
 * for cityblock the sum over the axes). Candidates are visited in increasing
 * order of the bound and solved exactly until the bound exceeds the k-th
 * distance found, which gives exactly the brute-force answer. When all
 * points lie on one unit lattice (grey signatures) the projections are
 * cumulative sums over the lattice lines, O(width + height) a pair, and
 * the exact solves run on the grid (wass_grid_emd: the grid graph for
 * cityblock / chebyshev, the transport between the parts of a - b for
 * euclidean on frames of up to 4096 pixels).
 */
#include "apps/image/image_internal.h"
#include "common/internal.h"
#include "common/parallel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void wass_retrieve_options_default(wass_retrieve_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
    opt->mode = WASS_RETRIEVE_EXACT;
    opt->k = 10;
    opt->metric = WASS_EUCLIDEAN;
}

static const char *const retrieve_mode_names[] = {"exact", "embed", "rerank", "brute"};

const char *wass_retrieve_mode_name(wass_retrieve_mode mode) {
    return wass__enum_name(retrieve_mode_names, WASS__COUNT(retrieve_mode_names), (int)mode);
}

int wass_retrieve_mode_parse(const char *name, wass_retrieve_mode *out) {
    int k = wass__enum_value(retrieve_mode_names, WASS__COUNT(retrieve_mode_names), name, 0);
    if (k < 0 || !out) return WASS_ERR_INVALID;
    *out = (wass_retrieve_mode)k;
    return WASS_OK;
}

void wass_retrieve_result_free(wass_retrieve_result *res) {
    if (!res) return;
    free(res->index);
    free(res->distance);
    free(res->exact_solves);
    memset(res, 0, sizeof *res);
}

typedef struct {
    const wass_cloud *db, *q;
    size_t count, nq, d;
    wass_retrieve_options opt;
    wass_ground ground;
    /* lattice */
    int lattice, grid;
    double ox, oy;
    size_t W, H, ndir, bins; /* directions of the projection bound, bins of all */
    size_t off[4], len[4];
    double *cdf;  /* (count + nq) x bins */
    double *mean; /* (count + nq) x d */
} rctx;

static const wass_cloud *cloud_of(const rctx *c, size_t id) {
    return id < c->count ? &c->db[id] : &c->q[id - c->count];
}

static double weight(const wass_cloud *P, size_t i, double total) {
    return (P->w ? P->w[i] : 1.0) / total;
}

static double total_of(const wass_cloud *P) {
    return P->w ? wass__sum(P->w, P->n) : (double)P->n;
}

/* all 2-D points on the unit lattice from (ox, oy)? */
static int detect_lattice(rctx *c) {
    if (c->d != 2) return 0;
    double ox = INFINITY, oy = INFINITY, mx = -INFINITY, my = -INFINITY;
    size_t tot = c->count + c->nq;
    for (size_t id = 0; id < tot; id++) {
        const wass_cloud *P = cloud_of(c, id);
        for (size_t i = 0; i < P->n; i++) {
            double x = P->X[2 * i], y = P->X[2 * i + 1];
            ox = fmin(ox, x), oy = fmin(oy, y), mx = fmax(mx, x), my = fmax(my, y);
        }
    }
    if (!(mx - ox < 65536) || !(my - oy < 65536)) return 0;
    for (size_t id = 0; id < tot; id++) {
        const wass_cloud *P = cloud_of(c, id);
        for (size_t i = 0; i < P->n; i++) {
            double x = P->X[2 * i] - ox, y = P->X[2 * i + 1] - oy;
            if (fabs(x - nearbyint(x)) > 1e-9 || fabs(y - nearbyint(y)) > 1e-9) return 0;
        }
    }
    c->ox = ox, c->oy = oy;
    c->W = (size_t)nearbyint(mx - ox) + 1;
    c->H = (size_t)nearbyint(my - oy) + 1;
    return c->W * c->H <= ((size_t)1 << 24);
}

static int prepare(rctx *c, wass_error_info *err) {
    size_t tot = c->count + c->nq;
    c->mean = calloc(tot * c->d, sizeof(double));
    if (!c->mean) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    for (size_t id = 0; id < tot; id++) {
        const wass_cloud *P = cloud_of(c, id);
        double t = total_of(P);
        for (size_t i = 0; i < P->n; i++)
            for (size_t k = 0; k < c->d; k++)
                c->mean[id * c->d + k] += weight(P, i, t) * P->X[i * c->d + k];
    }
    c->lattice = detect_lattice(c);
    /* the euclidean grid solve computes its potential at every pixel of the
     * frame: worth it on small frames (28 x 28 images) only */
    c->grid = c->lattice && (c->ground.metric != WASS_EUCLIDEAN || c->W * c->H <= 4096);
    if (!c->lattice) return WASS_OK;
    c->ndir = 4;
    c->len[0] = c->W, c->len[1] = c->H, c->len[2] = c->len[3] = c->W + c->H - 1;
    c->bins = 0;
    for (size_t k = 0; k < 4; k++)
        c->off[k] = c->bins, c->bins += c->len[k];
    c->cdf = calloc(tot * c->bins, sizeof(double));
    if (!c->cdf) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    for (size_t id = 0; id < tot; id++) {
        const wass_cloud *P = cloud_of(c, id);
        double t = total_of(P), *F = c->cdf + id * c->bins;
        for (size_t i = 0; i < P->n; i++) {
            size_t x = (size_t)nearbyint(P->X[2 * i] - c->ox);
            size_t y = (size_t)nearbyint(P->X[2 * i + 1] - c->oy);
            double w = weight(P, i, t);
            F[c->off[0] + x] += w;
            F[c->off[1] + y] += w;
            F[c->off[2] + x + y] += w;
            F[c->off[3] + x + (c->H - 1 - y)] += w;
        }
        for (size_t k = 0; k < 4; k++)
            for (size_t b = 1; b < c->len[k]; b++)
                F[c->off[k] + b] += F[c->off[k] + b - 1];
    }
    return WASS_OK;
}

/* combine per-direction 1-D distances (axes x, y; diagonals x+y, x-y in
 * raw lattice units, NAN when unknown) into a bound for the metric */
static double combine(wass_metric m, double ax, double ay, double dp, double dm) {
    double best;
    if (m == WASS_CITYBLOCK) {
        best = ax + ay;
        if (!isnan(dp)) best = fmax(best, fmax(dp, dm));
    } else if (m == WASS_CHEBYSHEV) {
        best = fmax(ax, ay);
        if (!isnan(dp)) best = fmax(best, 0.5 * fmax(dp, dm));
    } else {
        best = fmax(ax, ay);
        if (!isnan(dp)) best = fmax(best, fmax(dp, dm) / sqrt(2.0));
    }
    return best;
}

static double centroid_bound(const rctx *c, size_t qa, size_t b) {
    return wass_ground_eval(&c->ground, c->mean + qa * c->d, c->mean + b * c->d, c->d);
}

static double lattice_bound(const rctx *c, size_t qa, size_t b) {
    const double *F = c->cdf + qa * c->bins, *G = c->cdf + b * c->bins;
    double s[4];
    for (size_t k = 0; k < 4; k++) {
        double acc = 0;
        for (size_t t = c->off[k]; t + 1 < c->off[k] + c->len[k]; t++)
            acc += fabs(F[t] - G[t]);
        s[k] = acc;
    }
    return combine(c->ground.metric, s[0], s[1], s[2], s[3]);
}

/* axis projections through wass_line (any d) */
static int line_bound(const rctx *c, const wass_cloud *P, const wass_cloud *Q, double *tmp,
                      double *out, wass_error_info *err) {
    double acc = 0, mx = 0;
    for (size_t k = 0; k < c->d; k++) {
        for (size_t i = 0; i < P->n; i++)
            tmp[i] = P->X[i * c->d + k];
        for (size_t j = 0; j < Q->n; j++)
            tmp[P->n + j] = Q->X[j * c->d + k];
        double w;
        int rc = wass_line(tmp, P->w, P->n, tmp + P->n, Q->w, Q->n, 1.0, &w, err);
        if (rc) return rc;
        acc += w;
        mx = fmax(mx, w);
    }
    *out = c->ground.metric == WASS_CITYBLOCK ? acc : mx;
    return WASS_OK;
}

typedef struct {
    double *ha, *hb, *tmp;
    double *key;
    size_t *order;
    double *dist;
} scratch;

static int exact_pair(const rctx *c, scratch *s, const wass_cloud *P, const wass_cloud *Q,
                      size_t qi, size_t bi, double *out, wass_error_info *err) {
    int rc;
    if (c->grid) {
        size_t N = c->W * c->H;
        double tp = total_of(P), tq = total_of(Q);
        for (size_t i = 0; i < P->n; i++)
            s->ha[(size_t)nearbyint(P->X[2 * i + 1] - c->oy) * c->W +
                  (size_t)nearbyint(P->X[2 * i] - c->ox)] += weight(P, i, tp);
        for (size_t j = 0; j < Q->n; j++)
            s->hb[(size_t)nearbyint(Q->X[2 * j + 1] - c->oy) * c->W +
                  (size_t)nearbyint(Q->X[2 * j] - c->ox)] += weight(Q, j, tq);
        wass_grid_options go;
        wass_grid_options_default(&go);
        go.metric = c->ground.metric == WASS_CHEBYSHEV   ? WASS_GRID_LINF
                    : c->ground.metric == WASS_EUCLIDEAN ? WASS_GRID_L2
                                                         : WASS_GRID_L1;
        wass_grid_result gr;
        rc = wass_grid_emd(s->ha, s->hb, c->H, c->W, &go, &gr, err);
        memset(s->ha, 0, N * sizeof(double));
        memset(s->hb, 0, N * sizeof(double));
        if (rc == WASS_OK && gr.status != WASS_OPTIMAL)
            rc = wass__fail(err, WASS_ERR_INTERNAL, "query %zu, entry %zu: grid solve %s: %s", qi,
                            bi, wass_status_string(gr.status), gr.message);
        *out = gr.cost;
        wass_grid_result_free(&gr);
        return rc;
    }
    wass_problem pb = {P->n, Q->n, P->w, Q->w, wass_cost_points(P->X, Q->X, c->d, c->ground)};
    wass_options o;
    wass_options_default(&o);
    o.mass = WASS_MASS_NORMALIZE;
    o.threads = 1;
    o.want_plan = 0;
    wass_result r;
    rc = wass_emd(&pb, &o, &r, err);
    if (rc == WASS_OK && r.status != WASS_OPTIMAL)
        rc = wass__fail(err, WASS_ERR_INTERNAL, "query %zu, entry %zu: exact solve %s: %s", qi, bi,
                        wass_status_string(r.status), r.message);
    *out = r.cost;
    wass_result_free(&r);
    return rc;
}

/* keep the k best (distance, index) pairs sorted; returns the k-th distance */
static void topk_insert(size_t *idx, double *dist, size_t *len, size_t k, size_t i, double d) {
    size_t n = *len;
    if (n == k && (d > dist[n - 1] || (d == dist[n - 1] && i > idx[n - 1]))) return;
    size_t pos = n < k ? n : k - 1;
    while (pos > 0 && (dist[pos - 1] > d || (dist[pos - 1] == d && idx[pos - 1] > i))) {
        if (pos < k) idx[pos] = idx[pos - 1], dist[pos] = dist[pos - 1];
        pos--;
    }
    idx[pos] = i;
    dist[pos] = d;
    if (n < k) *len = n + 1;
}

/* sort order[0..n) by key (ties by index), without global state */
static void order_by(size_t *order, const double *key, size_t n) {
    /* merge sort on indices: stable, thread-safe */
    size_t *tmp = malloc(n * sizeof *tmp);
    if (!tmp) { /* fall back: insertion sort */
        for (size_t i = 1; i < n; i++) {
            size_t v = order[i], j = i;
            while (j > 0 && (key[order[j - 1]] > key[v] ||
                             (key[order[j - 1]] == key[v] && order[j - 1] > v))) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = v;
        }
        return;
    }
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) {
                size_t a = order[i], b = order[j];
                int take_a = key[a] < key[b] || (key[a] == key[b] && a < b);
                tmp[o++] = take_a ? order[i++] : order[j++];
            }
            while (i < mid)
                tmp[o++] = order[i++];
            while (j < hi)
                tmp[o++] = order[j++];
        }
        memcpy(order, tmp, n * sizeof *order);
    }
    free(tmp);
}

/* Query qi: its k nearest into out_idx / out_dist, the exact solves into
 * *solves. ekey: in the embed and rerank modes, the embedding distances
 * from the query to every database entry. */
static int query_exact(const rctx *c, scratch *s, size_t qi, const double *ekey, size_t *out_idx,
                       double *out_dist, size_t *solves, wass_error_info *err) {
    const size_t count = c->count, k = c->opt.k < count ? c->opt.k : count;
    const wass_cloud *Q = &c->q[qi];
    const size_t qa = count + qi;
    size_t len = 0, ns = 0;
    int rc = WASS_OK;
    wass_retrieve_mode mode = c->opt.mode;
    for (size_t b = 0; b < count; b++)
        s->order[b] = b;
    if (mode == WASS_RETRIEVE_BRUTE) {
        for (size_t b = 0; b < count && rc == WASS_OK; b++) {
            double d;
            rc = exact_pair(c, s, Q, &c->db[b], qi, b, &d, err);
            ns++;
            if (rc == WASS_OK) topk_insert(out_idx, out_dist, &len, k, b, d);
        }
    } else if (mode == WASS_RETRIEVE_EMBED || mode == WASS_RETRIEVE_RERANK) {
        memcpy(s->key, ekey, count * sizeof *s->key);
        if (mode == WASS_RETRIEVE_EMBED) {
            for (size_t b = 0; b < count; b++)
                topk_insert(out_idx, out_dist, &len, k, b, s->key[b]);
        } else {
            size_t R = c->opt.rerank ? c->opt.rerank : 10 * k;
            if (R < k) R = k;
            if (R > count) R = count;
            order_by(s->order, s->key, count);
            for (size_t t = 0; t < R && rc == WASS_OK; t++) {
                size_t b = s->order[t];
                double d;
                rc = exact_pair(c, s, Q, &c->db[b], qi, b, &d, err);
                ns++;
                if (rc == WASS_OK) topk_insert(out_idx, out_dist, &len, k, b, d);
            }
        }
    } else {
        for (size_t b = 0; b < count; b++) {
            double lb = centroid_bound(c, qa, b);
            if (c->lattice) lb = fmax(lb, lattice_bound(c, qa, b));
            s->key[b] = lb;
        }
        order_by(s->order, s->key, count);
        for (size_t t = 0; t < count && rc == WASS_OK; t++) {
            size_t b = s->order[t];
            double kth = len == k ? out_dist[k - 1] : INFINITY;
            double slack = kth * (1 + 1e-9) + 1e-12;
            if (s->key[b] > slack) break; /* every later bound is larger */
            if (!c->lattice && len == k) {
                double lb;
                rc = line_bound(c, Q, &c->db[b], s->tmp, &lb, err);
                if (rc) break;
                if (lb > slack) continue;
            }
            double d;
            rc = exact_pair(c, s, Q, &c->db[b], qi, b, &d, err);
            ns++;
            if (rc == WASS_OK) topk_insert(out_idx, out_dist, &len, k, b, d);
        }
    }
    *solves = ns;
    return rc;
}

/* The inputs wass_retrieve accepts, checked in the order of its errors;
 * fills c's inputs, sizes and ground, and *maxn with the largest
 * signature (the scratch is sized by it). */
static int retrieve_check(rctx *c, const wass_cloud *db, size_t count, const wass_cloud *queries,
                          size_t nq, size_t *maxn_out, wass_error_info *err) {
    if (!db || !queries) return wass__fail(err, WASS_ERR_INVALID, "db or queries is NULL");
    if (count == 0) return wass__fail(err, WASS_ERR_SIZE, "the database is empty");
    if (nq == 0) return wass__fail(err, WASS_ERR_SIZE, "no queries");
    if (c->opt.k == 0) return wass__fail(err, WASS_ERR_INVALID, "k must be at least 1");
    if (c->opt.mode < WASS_RETRIEVE_EXACT || c->opt.mode > WASS_RETRIEVE_BRUTE)
        return wass__fail(err, WASS_ERR_INVALID, "unknown retrieval mode %d", (int)c->opt.mode);
    if (c->opt.metric != WASS_EUCLIDEAN && c->opt.metric != WASS_CITYBLOCK &&
        c->opt.metric != WASS_CHEBYSHEV)
        return wass__fail(err, WASS_ERR_UNSUPPORTED,
                          "retrieval supports the euclidean, cityblock and chebyshev metrics");
    c->db = db, c->q = queries, c->count = count, c->nq = nq;
    c->d = db[0].d;
    c->ground = wass_ground_make(c->opt.metric, 1.0);
    size_t maxn = 0;
    for (size_t id = 0; id < count + nq; id++) {
        const wass_cloud *P = id < count ? &db[id] : &queries[id - count];
        const char *what = id < count ? "database entry" : "query";
        size_t at = id < count ? id : id - count;
        if (P->n == 0 || !P->X) return wass__fail(err, WASS_ERR_SIZE, "%s %zu is empty", what, at);
        if (P->d != c->d || P->d == 0)
            return wass__fail(err, WASS_ERR_SIZE, "%s %zu has dimension %zu, expected %zu", what,
                              at, P->d, c->d);
        double t;
        wass_error_info e;
        int rc = wass__check_weights(P->w, P->n, "weights", &t, &e);
        if (!rc) rc = wass__check_finite(P->X, P->n * P->d, "points", &e);
        if (rc) return wass__fail(err, rc, "%s %zu: %s", what, at, e.message);
        if (P->n > maxn) maxn = P->n;
    }
    *maxn_out = maxn;
    return WASS_OK;
}

/* The grid embedding of every signature (database first, then queries) in
 * one frame, for the embed and rerank modes; the database's packed into
 * *set (dense where the frame is small: one vector loop a pair), the
 * queries' kept in emb[count ..]. *emb is set even on failure (entries not
 * embedded are zero): the caller frees it, *fr and *set. */
static int retrieve_embed(const rctx *c, wass_sparse **emb_out, wass_embed_frame *fr,
                          wass_embed_set *set, wass_error_info *err) {
    const size_t count = c->count, nq = c->nq;
    int rc = WASS_OK;
    wass_cloud *all = malloc((count + nq) * sizeof *all);
    wass_sparse *emb = *emb_out = calloc(count + nq, sizeof *emb);
    if (!all || !emb) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    } else {
        memcpy(all, c->db, count * sizeof *all);
        memcpy(all + count, c->q, nq * sizeof *all);
        wass_embed_options eo;
        wass_embed_options_default(&eo);
        eo.seed = c->opt.seed;
        rc = wass_embed_frame_init(fr, all, count + nq, &eo, err);
        for (size_t id = 0; rc == WASS_OK && id < count + nq; id++)
            rc = wass_embed(fr, &all[id], &emb[id], err);
        wass_embed_set_options so;
        wass_embed_set_options_default(&so);
        so.threads = c->opt.threads;
        if (rc == WASS_OK) rc = wass_embed_set_pack(emb, count, &so, set, err);
        for (size_t id = 0; id < count; id++)
            wass_sparse_free(&emb[id]);
    }
    free(all);
    return rc;
}

/* Every query answered into res (k neighbours each), in parallel with a
 * scratch per thread; a failure does not stop the other queries, and the
 * failing query of lowest index names the error, whatever the threads. */
/* Queries q0 .. q1 - 1 answered into res (k neighbours each), in parallel
 * with a scratch per thread; a failure does not stop the other queries,
 * and loop keeps the failing query of lowest index, whatever the threads.
 * K: (q1 - q0) x count embedding distances in the embed and rerank modes. */
static void run_queries(const rctx *c, const double *K, size_t q0, size_t q1, size_t maxn, size_t k,
                        wass_retrieve_result *res, wass__loop *loop) {
    const size_t count = c->count, nq = c->nq;
    int nt = wass__threads(c->opt.threads);
    if ((size_t)nt > q1 - q0) nt = (int)(q1 - q0);
    size_t hist = c->grid ? c->W * c->H : 1;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt)
#endif
    {
        scratch s;
        s.ha = calloc(hist, sizeof(double));
        s.hb = calloc(hist, sizeof(double));
        s.tmp = malloc(2 * maxn * sizeof(double));
        s.key = malloc(count * sizeof(double));
        s.order = malloc(count * sizeof(size_t));
        int ok = s.ha && s.hb && s.tmp && s.key && s.order;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (size_t qi = q0; qi < q1; qi++) {
            wass_error_info e;
            memset(&e, 0, sizeof e);
            const double *ekey = K ? K + (qi - q0) * count : NULL;
            int r = ok ? query_exact(c, &s, qi, ekey, res->index + qi * k, res->distance + qi * k,
                                     &res->exact_solves[qi], &e)
                       : wass__fail(&e, WASS_ERR_NOMEM, "out of memory");
            size_t now = wass__loop_item_done(loop, qi, r, &e, 1);
            if (wass__loop_reporter() && c->opt.progress)
                c->opt.progress((double)now / (double)nq, "retrieve", c->opt.progress_user);
        }
        free(s.ha), free(s.hb), free(s.tmp), free(s.key), free(s.order);
    }
}

/* Every query; in the embed and rerank modes the embedding distances of
 * a block of queries first, all together (the set's rows are read once for
 * up to 64 queries), in blocks of at most 2^22 distances. */
static int retrieve_queries(const rctx *c, const wass_sparse *emb, const wass_embed_set *set,
                            size_t maxn, size_t k, wass_retrieve_result *res,
                            wass_error_info *err) {
    const size_t count = c->count, nq = c->nq;
    wass__loop loop;
    wass__loop_init(&loop, nq);
    size_t block = emb ? ((size_t)1 << 22) / count : nq;
    if (block < 1) block = 1;
    if (block > nq) block = nq;
    double *K = emb ? malloc(block * count * sizeof *K) : NULL;
    if (emb && !K) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    int rc = WASS_OK;
    for (size_t q0 = 0; q0 < nq && rc == WASS_OK; q0 += block) {
        size_t q1 = q0 + block < nq ? q0 + block : nq;
        if (emb) rc = wass_embed_set_l1(set, emb + count + q0, q1 - q0, K, err);
        if (rc == WASS_OK) run_queries(c, K, q0, q1, maxn, k, res, &loop);
    }
    free(K);
    if (rc) return rc;
    if (wass__loop_failed(&loop)) return wass__fail(err, loop.rc, "%s", loop.err.message);
    return WASS_OK;
}

int wass_retrieve(const wass_cloud *db, size_t count, const wass_cloud *queries, size_t nq,
                  const wass_retrieve_options *opt_in, wass_retrieve_result *res,
                  wass_error_info *err) {
    wass__clear(err);
    if (!res) return wass__fail(err, WASS_ERR_INVALID, "res is NULL");
    memset(res, 0, sizeof *res);
    rctx c;
    memset(&c, 0, sizeof c);
    if (opt_in)
        c.opt = *opt_in;
    else
        wass_retrieve_options_default(&c.opt);
    size_t maxn = 0;
    int rc = retrieve_check(&c, db, count, queries, nq, &maxn, err);
    if (rc) return rc;
    double t0 = wass__now();
    rc = prepare(&c, err);
    wass_sparse *emb = NULL;
    wass_embed_frame fr;
    wass_embed_set set;
    memset(&fr, 0, sizeof fr);
    memset(&set, 0, sizeof set);
    if (rc == WASS_OK && (c.opt.mode == WASS_RETRIEVE_EMBED || c.opt.mode == WASS_RETRIEVE_RERANK))
        rc = retrieve_embed(&c, &emb, &fr, &set, err);
    size_t k = c.opt.k < count ? c.opt.k : count;
    if (rc == WASS_OK) {
        res->index = malloc(nq * k * sizeof(size_t));
        res->distance = malloc(nq * k * sizeof(double));
        res->exact_solves = calloc(nq, sizeof(size_t));
        if (!res->index || !res->distance || !res->exact_solves)
            rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    if (rc == WASS_OK) rc = retrieve_queries(&c, emb, &set, maxn, k, res, err);
    if (emb)
        for (size_t id = 0; id < count + nq; id++)
            wass_sparse_free(&emb[id]);
    free(emb);
    wass_embed_set_free(&set);
    wass_embed_frame_free(&fr);
    free(c.cdf);
    free(c.mean);
    if (rc != WASS_OK) {
        wass_retrieve_result_free(res);
        return rc;
    }
    res->nq = nq;
    res->k = k;
    res->count = count;
    res->grid = c.grid;
    res->seconds = wass__now() - t0;
    return WASS_OK;
}
