/*
 * wmd_pairwise.c - the Word Mover's Distance matrix of two sets of bags (or
 * of one set with itself), one wass_wmd per pair on the pairwise loop of
 * src/exact/pairwise.c, so each entry is bitwise what wass_wmd returns.
 */
#include "apps/wmd/wmd_internal.h"
#include "common/internal.h"
#include "exact/pairwise_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const wass_wordvec *wv;
    const wass_bag *A, *B;
    wass_wmd_options o;
} wmd_ctx;

static int wmd_pair(void *user, size_t i, size_t j, double *value, int *status,
                    wass_error_info *err) {
    const wmd_ctx *c = user;
    wass_wmd_result r;
    int rc = wass_wmd(c->wv, &c->A[i], &c->B[j], &c->o, &r, err);
    *status = rc == WASS_OK ? r.status : WASS_NOT_SOLVED;
    *value = (rc == WASS_OK && r.status == WASS_OPTIMAL) ? r.distance : NAN;
    return rc;
}

static int check_bags(const wass_wordvec *wv, const wass_bag *S, const char *name, size_t lo,
                      size_t hi, wass_error_info *err) {
    char label[48];
    for (size_t k = lo; k < hi; k++) {
        snprintf(label, sizeof label, "%s[%zu]", name, k);
        int rc = wass__wmd_check_bag(wv, &S[k], label, err);
        if (rc) return rc;
    }
    return WASS_OK;
}

int wass_wmd_pairwise(const wass_wordvec *wv, const wass_bag *A, size_t na, const wass_bag *B,
                      size_t nb, const wass_block *blk_in, const wass_wmd_options *opt,
                      const wass_pairwise_options *popt_in, double *out, int *status,
                      wass_error_info *err) {
    wass__clear(err);
    if (!wv || !wv->vec || wv->dim == 0)
        return wass__fail(err, WASS_ERR_INVALID, "word vectors are missing");
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "out is NULL");
    if (!A || na == 0) return wass__fail(err, WASS_ERR_SIZE, "set A has no bags");
    int same = B == NULL;
    if (same) {
        B = A;
        nb = na;
    } else if (nb == 0)
        return wass__fail(err, WASS_ERR_SIZE, "set B has no bags");
    wass_pairwise_options popt;
    if (popt_in)
        popt = *popt_in;
    else
        wass_pairwise_options_default(&popt);
    if (popt.method != WASS_PAIRWISE_EMD)
        return wass__fail(err, WASS_ERR_UNSUPPORTED, "the WMD matrix is exact only");
    wmd_ctx c;
    c.wv = wv;
    c.A = A;
    c.B = B;
    if (opt)
        c.o = *opt;
    else
        wass_wmd_options_default(&c.o);
    c.o.threads = 1;
    if (c.o.distance != WASS_WMD_EUCLIDEAN && c.o.distance != WASS_WMD_COSINE)
        return wass__fail(err, WASS_ERR_INVALID, "unknown word distance %d", (int)c.o.distance);
    wass_block blk = {0, na, 0, nb};
    if (blk_in) blk = *blk_in;
    if (blk.i0 > blk.i1 || blk.i1 > na || blk.j0 > blk.j1 || blk.j1 > nb)
        return wass__fail(err, WASS_ERR_SIZE,
                          "block rows %zu..%zu x columns %zu..%zu outside the %zu x %zu matrix",
                          blk.i0, blk.i1, blk.j0, blk.j1, na, nb);
    if (blk.i0 == blk.i1 || blk.j0 == blk.j1) return WASS_OK;
    int rc = check_bags(wv, A, "A", blk.i0, blk.i1, err);
    if (!rc) rc = check_bags(wv, B, same ? "A" : "B", blk.j0, blk.j1, err);
    if (rc) return rc;
    return wass__pairwise_drive(&blk, same, popt.threads, popt.progress, popt.progress_user,
                                wmd_pair, &c, out, status, err);
}
