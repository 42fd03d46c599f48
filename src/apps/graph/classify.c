/*
 * classify.c - graph classification with the kernel exp(-gamma D): an SVM
 * (svm.c) evaluated by stratified k-fold cross-validation, gamma and C
 * chosen on each training fold alone by an inner stratified
 * cross-validation. The kernel of a distance that is not negative definite
 * is indefinite; it is used as it is, or its training blocks are projected
 * on the positive semidefinite cone (negative eigenvalues clipped, LAPACK).
 */
#include "common/internal.h"
#include "common/parallel.h"
#include "wass/graph.h"

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double default_gamma[] = {1e-3, 1e-2, 1e-1, 1.0, 10.0};
static const double default_C[] = {1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0};

void wass_graph_classify_options_default(wass_graph_classify_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
    opt->folds = 10;
    opt->inner_folds = 5;
    opt->psd = WASS_GRAPH_PSD_NONE;
}

void wass_graph_classify_result_free(wass_graph_classify_result *res) {
    if (!res) return;
    free(res->fold_accuracy);
    free(res->fold_gamma);
    free(res->fold_C);
    memset(res, 0, sizeof *res);
}

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int wass_graph_folds(const int *y, size_t n, size_t folds, uint64_t seed, size_t *fold,
                     wass_error_info *err) {
    wass__clear(err);
    if (!y || !fold) return wass__fail(err, WASS_ERR_INVALID, "y or fold is NULL");
    if (folds < 2 || folds > n)
        return wass__fail(err, WASS_ERR_INVALID, "%zu folds for %zu items (need 2 <= folds <= n)",
                          folds, n);
    int *cls = malloc(n * sizeof *cls);
    size_t *members = malloc(n * sizeof *members);
    if (!cls || !members) {
        free(cls);
        free(members);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    memcpy(cls, y, n * sizeof *cls);
    qsort(cls, n, sizeof *cls, cmp_int);
    size_t dealt = 0;
    uint64_t st = seed;
    for (size_t c = 0; c < n; c++) {
        if (c > 0 && cls[c] == cls[c - 1]) continue;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (y[i] == cls[c]) members[k++] = i;
        for (size_t i = k; i > 1; i--) {
            size_t r = (size_t)(splitmix(&st) % i);
            size_t tmp = members[i - 1];
            members[i - 1] = members[r];
            members[r] = tmp;
        }
        for (size_t i = 0; i < k; i++)
            fold[members[i]] = (dealt + i) % folds;
        dealt += k;
    }
    free(cls);
    free(members);
    return WASS_OK;
}

/* Project a symmetric n x n matrix on the PSD cone; returns the number of
 * negative eigenvalues, or -1 when LAPACK fails. */
static long clip_psd(size_t n, double *K) {
    double *A = malloc(n * n * sizeof *A), *Z = malloc(n * n * sizeof *Z),
           *w = malloc(n * sizeof *w);
    lapack_int *sup = malloc(2 * n * sizeof *sup);
    long neg = -1;
    if (A && Z && w && sup) {
        memcpy(A, K, n * n * sizeof *A);
        lapack_int m = 0;
        lapack_int info =
            LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'A', 'U', (lapack_int)n, A, (lapack_int)n, 0, 0,
                           0, 0, 0.0, &m, w, Z, (lapack_int)n, sup);
        if (info == 0 && (size_t)m == n) {
            neg = 0;
            size_t first = 0; /* eigenvalues ascending: keep first .. n-1 */
            while (first < n && w[first] < 0) {
                first++;
                neg++;
            }
            if (neg > 0) {
                for (size_t i = 0; i < n; i++)
                    for (size_t j = i; j < n; j++) {
                        double s = 0;
                        for (size_t k = first; k < n; k++)
                            s += w[k] * Z[i * n + k] * Z[j * n + k];
                        K[i * n + j] = K[j * n + i] = s;
                    }
            }
        }
    }
    free(A);
    free(Z);
    free(w);
    free(sup);
    return neg;
}

/* accuracy of one SVM: train on items tr (ntr), test on te (nte) */
static int evaluate(const double *D, const int *y, size_t n, const size_t *tr, size_t ntr,
                    const size_t *te, size_t nte, double gamma, const double *Cs, size_t nC,
                    int psd, double *Ktr, double *Kte, int *ytr, int *pred, double *acc,
                    size_t *neg, wass_error_info *err) {
    for (size_t i = 0; i < ntr; i++) {
        ytr[i] = y[tr[i]];
        for (size_t j = 0; j < ntr; j++)
            Ktr[i * ntr + j] = exp(-gamma * D[tr[i] * n + tr[j]]);
    }
    for (size_t t = 0; t < nte; t++)
        for (size_t j = 0; j < ntr; j++)
            Kte[t * ntr + j] = exp(-gamma * D[te[t] * n + tr[j]]);
    if (psd == WASS_GRAPH_PSD_CLIP) {
        long k = clip_psd(ntr, Ktr);
        if (k < 0) return wass__fail(err, WASS_ERR_INTERNAL, "LAPACK dsyevr failed (kernel)");
        if (neg) *neg += (size_t)k;
    }
    for (size_t c = 0; c < nC; c++) {
        int rc = wass_svm_precomputed(Ktr, ytr, ntr, Cs[c], Kte, nte, pred, err);
        if (rc) return rc;
        size_t ok = 0;
        for (size_t t = 0; t < nte; t++)
            ok += pred[t] == y[te[t]];
        acc[c] = nte ? (double)ok / (double)nte : 0.0;
    }
    return WASS_OK;
}

typedef struct {
    size_t *tr, *te, *itr, *ite, *ifold, *sub;
    double *Ktr, *Kte, *acc, *score, *dist;
    int *ytr, *ysub, *pred;
} fold_work;

static void fold_work_free(fold_work *w) {
    free(w->tr);
    free(w->te);
    free(w->itr);
    free(w->ite);
    free(w->ifold);
    free(w->sub);
    free(w->Ktr);
    free(w->Kte);
    free(w->acc);
    free(w->score);
    free(w->dist);
    free(w->ytr);
    free(w->ysub);
    free(w->pred);
}

static int one_fold(const double *D, const int *y, size_t n, const size_t *fold, size_t f,
                    const wass_graph_classify_options *opt, const double *gam, size_t ng,
                    const double *Cs, size_t nC, double *acc_out, double *g_out, double *c_out,
                    size_t *neg, wass_error_info *err) {
    fold_work w;
    memset(&w, 0, sizeof w);
    size_t ntr = 0, nte = 0;
    for (size_t i = 0; i < n; i++) {
        if (fold[i] == f)
            nte++;
        else
            ntr++;
    }
    size_t npair = ntr * (ntr - 1) / 2;
    w.tr = malloc(ntr * sizeof *w.tr);
    w.te = malloc(nte * sizeof *w.te);
    w.itr = malloc(ntr * sizeof *w.itr);
    w.ite = malloc(ntr * sizeof *w.ite);
    w.ifold = malloc(ntr * sizeof *w.ifold);
    w.Ktr = malloc(ntr * ntr * sizeof *w.Ktr);
    w.Kte = malloc((nte > ntr ? nte : ntr) * ntr * sizeof *w.Kte);
    w.acc = malloc(nC * sizeof *w.acc);
    w.score = calloc(ng * nC, sizeof *w.score);
    w.dist = malloc((npair ? npair : 1) * sizeof *w.dist);
    w.ytr = malloc(ntr * sizeof *w.ytr);
    w.ysub = malloc(ntr * sizeof *w.ysub);
    w.pred = malloc((nte > ntr ? nte : ntr) * sizeof *w.pred);
    int rc = WASS_OK;
    if (!w.tr || !w.te || !w.itr || !w.ite || !w.ifold || !w.Ktr || !w.Kte || !w.acc || !w.score ||
        !w.dist || !w.ytr || !w.ysub || !w.pred) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory (fold %zu)", f + 1);
        goto done;
    }
    ntr = nte = 0;
    for (size_t i = 0; i < n; i++) {
        if (fold[i] == f)
            w.te[nte++] = i;
        else
            w.tr[ntr++] = i;
    }
    /* gamma scale from the training fold alone */
    double scale = 1.0;
    if (!opt->gammas) {
        size_t k = 0;
        for (size_t i = 0; i < ntr; i++)
            for (size_t j = i + 1; j < ntr; j++)
                w.dist[k++] = D[w.tr[i] * n + w.tr[j]];
        qsort(w.dist, k, sizeof *w.dist, cmp_double);
        double med = k ? w.dist[k / 2] : 1.0;
        scale = med > 0 ? 1.0 / med : 1.0;
    }
    for (size_t i = 0; i < ntr; i++)
        w.ysub[i] = y[w.tr[i]];
    rc = wass_graph_folds(w.ysub, ntr, opt->inner_folds, opt->seed + 1000003u * (f + 1), w.ifold,
                          err);
    if (rc) goto done;
    for (size_t k = 0; k < opt->inner_folds && !rc; k++) {
        size_t a = 0, b = 0;
        for (size_t i = 0; i < ntr; i++) {
            if (w.ifold[i] == k)
                w.ite[b++] = w.tr[i];
            else
                w.itr[a++] = w.tr[i];
        }
        for (size_t g = 0; g < ng && !rc; g++) {
            rc = evaluate(D, y, n, w.itr, a, w.ite, b, gam[g] * scale, Cs, nC, opt->psd, w.Ktr,
                          w.Kte, w.ytr, w.pred, w.acc, NULL, err);
            for (size_t c = 0; c < nC && !rc; c++)
                w.score[g * nC + c] += w.acc[c] * (double)b;
        }
    }
    if (rc) goto done;
    size_t bg = 0, bc = 0;
    for (size_t g = 0; g < ng; g++)
        for (size_t c = 0; c < nC; c++)
            if (w.score[g * nC + c] > w.score[bg * nC + bc] + 1e-9) {
                bg = g;
                bc = c;
            }
    *g_out = gam[bg] * scale;
    *c_out = Cs[bc];
    rc = evaluate(D, y, n, w.tr, ntr, w.te, nte, gam[bg] * scale, Cs + bc, 1, opt->psd, w.Ktr,
                  w.Kte, w.ytr, w.pred, w.acc, neg, err);
    if (!rc) *acc_out = w.acc[0];
done:
    fold_work_free(&w);
    return rc;
}

int wass_graph_classify(const double *D, const int *y, size_t n,
                        const wass_graph_classify_options *opt_in, wass_graph_classify_result *res,
                        wass_error_info *err) {
    wass__clear(err);
    if (!res) return wass__fail(err, WASS_ERR_INVALID, "res is NULL");
    memset(res, 0, sizeof *res);
    double t0 = wass__now();
    wass_graph_classify_options opt;
    if (opt_in)
        opt = *opt_in;
    else
        wass_graph_classify_options_default(&opt);
    if (!D || !y) return wass__fail(err, WASS_ERR_INVALID, "D or y is NULL");
    size_t nn;
    if (n < 4 || !wass__mul_ok(n, n, &nn))
        return wass__fail(err, WASS_ERR_SIZE, "%zu items: too few to cross-validate", n);
    if (opt.folds < 2 || opt.folds > n)
        return wass__fail(err, WASS_ERR_INVALID, "folds = %zu not in 2..%zu", opt.folds, n);
    if (opt.inner_folds < 2)
        return wass__fail(err, WASS_ERR_INVALID, "inner folds = %zu, need >= 2", opt.inner_folds);
    if (opt.psd != WASS_GRAPH_PSD_NONE && opt.psd != WASS_GRAPH_PSD_CLIP)
        return wass__fail(err, WASS_ERR_INVALID, "unknown psd mode %d", (int)opt.psd);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double d = D[i * n + j];
            if (!isfinite(d) || d < 0)
                return wass__fail(err, WASS_ERR_INVALID, "D[%zu][%zu] = %g: not finite and >= 0", i,
                                  j, d);
            if (d != D[j * n + i])
                return wass__fail(err, WASS_ERR_INVALID, "D is not symmetric at (%zu, %zu)", i, j);
        }
    const double *gam = opt.gammas ? opt.gammas : default_gamma;
    size_t ng = opt.gammas ? opt.ngammas : sizeof default_gamma / sizeof *default_gamma;
    const double *Cs = opt.Cs ? opt.Cs : default_C;
    size_t nC = opt.Cs ? opt.nC : sizeof default_C / sizeof *default_C;
    if (ng == 0 || nC == 0) return wass__fail(err, WASS_ERR_INVALID, "empty gamma or C grid");
    for (size_t g = 0; g < ng; g++)
        if (!(gam[g] > 0 && isfinite(gam[g])))
            return wass__fail(err, WASS_ERR_INVALID, "gamma %g must be > 0", gam[g]);
    for (size_t c = 0; c < nC; c++)
        if (!(Cs[c] > 0 && isfinite(Cs[c])))
            return wass__fail(err, WASS_ERR_INVALID, "C %g must be > 0", Cs[c]);
    size_t F = opt.folds;
    size_t *fold = malloc(n * sizeof *fold);
    res->fold_accuracy = calloc(F, sizeof *res->fold_accuracy);
    res->fold_gamma = calloc(F, sizeof *res->fold_gamma);
    res->fold_C = calloc(F, sizeof *res->fold_C);
    if (!fold || !res->fold_accuracy || !res->fold_gamma || !res->fold_C) {
        free(fold);
        wass_graph_classify_result_free(res);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    int rc = wass_graph_folds(y, n, F, opt.seed, fold, err);
    if (rc) {
        free(fold);
        wass_graph_classify_result_free(res);
        return rc;
    }
    /* every training fold must be splittable by the inner folds */
    wass__loop loop;
    wass__loop_init(&loop, F);
    size_t neg = 0;
    int nt = wass__threads(opt.threads);
    if ((size_t)nt > F) nt = (int)F;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) reduction(+ : neg)
#endif
    for (size_t f = 0; f < F; f++) {
        wass_error_info e;
        memset(&e, 0, sizeof e);
        size_t k = 0;
        int r = one_fold(D, y, n, fold, f, &opt, gam, ng, Cs, nC, &res->fold_accuracy[f],
                         &res->fold_gamma[f], &res->fold_C[f], &k, &e);
        neg += k;
        size_t now = wass__loop_item_done(&loop, f, r, &e, 1);
        if (wass__loop_reporter() && opt.progress)
            opt.progress((double)now / (double)F, "cross-validation", opt.progress_user);
    }
    free(fold);
    if (wass__loop_failed(&loop)) {
        wass_graph_classify_result_free(res);
        return wass__fail(err, loop.rc, "fold %zu: %s", loop.bad + 1, loop.err.message);
    }
    res->folds = F;
    double s = 0;
    for (size_t f = 0; f < F; f++)
        s += res->fold_accuracy[f];
    res->mean = s / (double)F;
    double v = 0;
    for (size_t f = 0; f < F; f++)
        v += (res->fold_accuracy[f] - res->mean) * (res->fold_accuracy[f] - res->mean);
    res->std = sqrt(v / (double)F);
    res->negative_eigenvalues = neg;
    res->seconds = wass__now() - t0;
    return WASS_OK;
}
