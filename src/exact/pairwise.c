/*
 * pairwise.c - distance matrices: every pair of a block of two sets of
 * distributions (point clouds or histograms on one support), solved exactly
 * (wass_emd) or with Sinkhorn, one single-threaded solve per pair, the pairs
 * spread over OpenMP threads. Every solve owns its memory, so the numbers do
 * not depend on the thread count or the schedule, and each entry is bitwise
 * the single-pair call's answer.
 */
#include "common/internal.h"
#include "common/parallel.h"
#include "exact/pairwise_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void wass_pairwise_options_default(wass_pairwise_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
    opt->method = WASS_PAIRWISE_EMD;
    wass_options_default(&opt->emd);
    wass_sinkhorn_options_default(&opt->sinkhorn);
    opt->threads = 0;
}

/* ------------------------------------------------------------------------ */
/* The loop over pairs                                                      */
/* ------------------------------------------------------------------------ */

int wass__pairwise_drive(const wass_block *blk, int symmetric, int threads,
                         wass_progress_fn progress, void *progress_user, wass__pair_fn fn,
                         void *user, double *out, int *status, wass_error_info *err) {
    size_t ni = blk->i1 - blk->i0, nj = blk->j1 - blk->j0, total;
    if (!wass__mul_ok(ni, nj, &total))
        return wass__fail(err, WASS_ERR_SIZE, "block of %zu x %zu pairs overflows", ni, nj);
    /* pairs actually solved, for the progress fraction */
    size_t todo = 0;
    for (size_t r = 0; r < ni; r++) {
        size_t i = blk->i0 + r;
        if (!symmetric || i < blk->j0)
            todo += nj;
        else if (i < blk->j1)
            todo += blk->j1 - i;
    }
    if (progress) progress(0.0, "pairs", progress_user);
    size_t reported = 0, step = todo / 200 + 1;
    wass__loop loop;
    wass__loop_init(&loop, total);
    int nt = wass__threads(threads);
    if ((size_t)nt > todo) nt = todo ? (int)todo : 1;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
#endif
    for (size_t k = 0; k < total; k++) {
        size_t i = blk->i0 + k / nj, j = blk->j0 + k % nj;
        if (symmetric && i > j) continue;
        double v = NAN;
        int st = WASS_NOT_SOLVED;
        wass_error_info e;
        memset(&e, 0, sizeof e);
        int rc = fn(user, i, j, &v, &st, &e);
        out[k] = rc == WASS_OK ? v : NAN;
        if (status) status[k] = rc == WASS_OK ? st : WASS_NOT_SOLVED;
        size_t now = wass__loop_item_done(&loop, k, rc, &e, 1);
        /* only the calling thread reports (thread 0 of the team) */
        if (progress && wass__loop_reporter() && now < todo && now - reported >= step) {
            reported = now;
            progress((double)now / (double)todo, "pairs", progress_user);
        }
    }
    if (symmetric)
        for (size_t r = 0; r < ni; r++)
            for (size_t c = 0; c < nj; c++) {
                size_t i = blk->i0 + r, j = blk->j0 + c;
                if (i <= j) continue;
                int inside = j >= blk->i0 && j < blk->i1 && i >= blk->j0 && i < blk->j1;
                size_t mk = (j - blk->i0) * nj + (i - blk->j0);
                out[r * nj + c] = inside ? out[mk] : NAN;
                if (status) status[r * nj + c] = WASS_NOT_SOLVED;
            }
    if (progress) progress(1.0, "pairs", progress_user);
    if (wass__loop_failed(&loop))
        return wass__fail(err, loop.rc, "pair (%zu, %zu): %s", blk->i0 + loop.bad / nj,
                          blk->j0 + loop.bad % nj, loop.err.message);
    return WASS_OK;
}

/* ------------------------------------------------------------------------ */
/* Clouds and histograms                                                    */
/* ------------------------------------------------------------------------ */

typedef struct {
    const wass_pairwise_problem *pb;
    const wass_set *A, *B;
    wass_options emd;
    wass_sinkhorn_options sk;
    wass_pairwise_method method;
} pair_ctx;

static int solve_pair(void *user, size_t i, size_t j, double *value, int *status,
                      wass_error_info *err) {
    const pair_ctx *c = user;
    wass_problem pr;
    memset(&pr, 0, sizeof pr);
    if (c->A->clouds) {
        const wass_cloud *P = &c->A->clouds[i], *Q = &c->B->clouds[j];
        pr.n = P->n;
        pr.m = Q->n;
        pr.a = P->w;
        pr.b = Q->w;
        pr.cost = wass_cost_points(P->X, Q->X, P->d, c->pb->ground);
    } else {
        pr.n = c->A->n;
        pr.m = c->B->n;
        pr.a = c->A->H + i * c->A->n;
        pr.b = c->B->H + j * c->B->n;
        pr.cost = wass_cost_dense(c->pb->M, c->B->n, c->pb->p);
    }
    int rc;
    if (c->method == WASS_PAIRWISE_EMD) {
        wass_result r;
        rc = wass_emd(&pr, &c->emd, &r, err);
        *status = rc == WASS_OK ? r.status : WASS_NOT_SOLVED;
        *value = (rc == WASS_OK && r.status == WASS_OPTIMAL) ? r.cost : NAN;
        wass_result_free(&r);
    } else {
        wass_sinkhorn_result r;
        rc = wass_sinkhorn(&pr, &c->sk, &r, err);
        *status = rc == WASS_OK ? r.status : WASS_NOT_SOLVED;
        *value = (rc == WASS_OK && r.status == WASS_CONVERGED) ? r.cost : NAN;
        wass_sinkhorn_result_free(&r);
    }
    return rc;
}

/* Check distributions lo..hi-1 of a set; errors name "<name>[k]". */
static int check_set(const wass_set *S, const char *name, size_t lo, size_t hi, size_t d,
                     wass_error_info *err) {
    wass_error_info e;
    double total;
    for (size_t k = lo; k < hi; k++) {
        int rc;
        if (S->clouds) {
            const wass_cloud *P = &S->clouds[k];
            if (P->n == 0 || !P->X)
                return wass__fail(err, WASS_ERR_SIZE, "%s[%zu]: the cloud has no points", name, k);
            if (P->d != d)
                return wass__fail(err, WASS_ERR_SIZE,
                                  "%s[%zu]: points of dimension %zu, expected %zu", name, k, P->d,
                                  d);
            size_t nd;
            if (!wass__mul_ok(P->n, P->d, &nd))
                return wass__fail(err, WASS_ERR_SIZE, "%s[%zu]: size overflows", name, k);
            rc = wass__check_finite(P->X, nd, "points", &e);
            if (!rc) rc = wass__check_weights(P->w, P->n, "weights", &total, &e);
        } else {
            rc = wass__check_weights(S->H + k * S->n, S->n, "weights", &total, &e);
        }
        if (rc) return wass__fail(err, rc, "%s[%zu]: %s", name, k, e.message);
    }
    return WASS_OK;
}

static int check_sets(const wass_set *A, const wass_set *B, int same, wass_error_info *err) {
    const wass_set *S[2] = {A, B};
    for (int t = 0; t < 2 - same; t++) {
        const char *name = t ? "B" : "A";
        if (!!S[t]->clouds == !!S[t]->H)
            return wass__fail(err, WASS_ERR_INVALID, "set %s needs exactly one of clouds, H", name);
        if (S[t]->count == 0)
            return wass__fail(err, WASS_ERR_SIZE, "set %s has no distributions", name);
        if (S[t]->H && S[t]->n == 0)
            return wass__fail(err, WASS_ERR_SIZE, "set %s: histograms of size 0", name);
    }
    if (!same && !!A->clouds != !!B->clouds)
        return wass__fail(err, WASS_ERR_INVALID,
                          "sets A and B must both be clouds or both be histograms");
    return WASS_OK;
}

int wass_pairwise(const wass_pairwise_problem *pb, const wass_block *blk_in,
                  const wass_pairwise_options *opt_in, double *out, int *status,
                  wass_error_info *err) {
    wass__clear(err);
    if (!pb) return wass__fail(err, WASS_ERR_INVALID, "problem is NULL");
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "out is NULL");
    wass_pairwise_options opt;
    if (opt_in)
        opt = *opt_in;
    else
        wass_pairwise_options_default(&opt);
    if (opt.method != WASS_PAIRWISE_EMD && opt.method != WASS_PAIRWISE_SINKHORN)
        return wass__fail(err, WASS_ERR_INVALID, "unknown method %d", (int)opt.method);
    int same = pb->B.count == 0 && !pb->B.clouds && !pb->B.H;
    const wass_set *A = &pb->A, *B = same ? &pb->A : &pb->B;
    int rc = check_sets(A, B, same, err);
    if (rc) return rc;
    wass_block blk = {0, A->count, 0, B->count};
    if (blk_in) blk = *blk_in;
    if (blk.i0 > blk.i1 || blk.i1 > A->count || blk.j0 > blk.j1 || blk.j1 > B->count)
        return wass__fail(err, WASS_ERR_SIZE,
                          "block rows %zu..%zu x columns %zu..%zu outside the %zu x %zu matrix",
                          blk.i0, blk.i1, blk.j0, blk.j1, A->count, B->count);
    if (blk.i0 == blk.i1 || blk.j0 == blk.j1) return WASS_OK;
    int symmetric = same;
    if (A->clouds) {
        rc = wass__check_ground(&pb->ground, err);
        if (rc) return rc;
        size_t d = A->clouds[blk.i0].d;
        if (d == 0) return wass__fail(err, WASS_ERR_SIZE, "A[%zu]: points of dimension 0", blk.i0);
        rc = check_set(A, "A", blk.i0, blk.i1, d, err);
        if (!rc) rc = check_set(B, same ? "A" : "B", blk.j0, blk.j1, d, err);
        if (rc) return rc;
    } else {
        if (!pb->M) return wass__fail(err, WASS_ERR_INVALID, "histograms need a cost matrix M");
        size_t nm;
        if (!wass__mul_ok(A->n, B->n, &nm))
            return wass__fail(err, WASS_ERR_SIZE, "cost matrix size overflows");
        rc = wass__check_finite(pb->M, nm, "cost matrix M", err);
        if (rc) return rc;
        if (!(pb->p > 0)) return wass__fail(err, WASS_ERR_INVALID, "p = %g must be > 0", pb->p);
        rc = check_set(A, "A", blk.i0, blk.i1, 0, err);
        if (!rc) rc = check_set(B, same ? "A" : "B", blk.j0, blk.j1, 0, err);
        if (rc) return rc;
        for (size_t i = 0; symmetric && i < A->n; i++)
            for (size_t j = 0; j < i; j++)
                if (pb->M[i * A->n + j] != pb->M[j * A->n + i]) {
                    symmetric = 0;
                    break;
                }
    }
    pair_ctx c;
    memset(&c, 0, sizeof c);
    c.pb = pb;
    c.A = A;
    c.B = B;
    c.method = opt.method;
    c.emd = opt.emd;
    c.emd.threads = 1;
    c.emd.want_plan = 0;
    c.emd.want_duals = c.emd.certify ? 1 : 0;
    c.emd.progress = NULL;
    c.emd.progress_user = NULL;
    c.sk = opt.sinkhorn;
    c.sk.threads = 1;
    c.sk.want_plan = 0;
    c.sk.init_f = c.sk.init_g = NULL;
    c.sk.progress = NULL;
    c.sk.progress_user = NULL;
    if (opt.method == WASS_PAIRWISE_SINKHORN && !(c.sk.reg > 0))
        return wass__fail(err, WASS_ERR_INVALID, "Sinkhorn needs reg > 0 (got %g)", c.sk.reg);
    return wass__pairwise_drive(&blk, symmetric, opt.threads, opt.progress, opt.progress_user,
                                solve_pair, &c, out, status, err);
}
