/*
 * svm.c - a C-SVC on a precomputed kernel through libsvm: the kernel block
 * handed over in libsvm's sparse layout (column 0 = the item's 1-based
 * serial number, then one entry per training item), training, prediction.
 */
#include "common/internal.h"
#include "wass/graph.h"

#include <libsvm/svm.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* libsvm prints through a global hook; the library never prints. */
static void quiet(const char *s) {
    (void)s;
}

int wass_svm_precomputed(const double *Ktrain, const int *ytrain, size_t ntrain, double C,
                         const double *Ktest, size_t ntest, int *predicted, wass_error_info *err) {
    wass__clear(err);
    if (!Ktrain || !ytrain || (ntest && (!Ktest || !predicted)))
        return wass__fail(err, WASS_ERR_INVALID, "NULL argument");
    if (ntrain == 0) return wass__fail(err, WASS_ERR_SIZE, "no training items");
    if (!(C > 0 && isfinite(C))) return wass__fail(err, WASS_ERR_INVALID, "C must be > 0");
    size_t row = ntrain + 2, cells;
    if (!wass__mul_ok(ntrain, row, &cells) || ntrain > (size_t)1 << 30)
        return wass__fail(err, WASS_ERR_SIZE, "training set too large");
    int rc = wass__check_finite(Ktrain, ntrain * ntrain, "training kernel", err);
    if (rc) return rc;
    struct svm_node *nodes = malloc(cells * sizeof *nodes);
    struct svm_node **xs = malloc(ntrain * sizeof *xs);
    struct svm_node *q = malloc(row * sizeof *q);
    double *yd = malloc(ntrain * sizeof *yd);
    if (!nodes || !xs || !q || !yd) {
        free(nodes);
        free(xs);
        free(q);
        free(yd);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory (kernel of %zu items)", ntrain);
    }
    for (size_t i = 0; i < ntrain; i++) {
        struct svm_node *r = nodes + i * row;
        r[0].index = 0;
        r[0].value = (double)(i + 1);
        for (size_t j = 0; j < ntrain; j++) {
            r[j + 1].index = (int)(j + 1);
            r[j + 1].value = Ktrain[i * ntrain + j];
        }
        r[ntrain + 1].index = -1;
        xs[i] = r;
        yd[i] = ytrain[i];
    }
    struct svm_problem prob = {(int)ntrain, yd, xs};
    struct svm_parameter par;
    memset(&par, 0, sizeof par);
    par.svm_type = C_SVC;
    par.kernel_type = PRECOMPUTED;
    par.C = C;
    par.eps = 1e-3;
    par.cache_size = 100;
    par.shrinking = 1;
    par.probability = 0;
    svm_set_print_string_function(quiet);
    const char *why = svm_check_parameter(&prob, &par);
    struct svm_model *model = NULL;
    if (why) {
        rc = wass__fail(err, WASS_ERR_INVALID, "libsvm: %s", why);
    } else {
        model = svm_train(&prob, &par);
        if (!model) rc = wass__fail(err, WASS_ERR_INTERNAL, "libsvm: training failed");
    }
    for (size_t t = 0; t < ntest && !rc; t++) {
        q[0].index = 0;
        q[0].value = 0;
        for (size_t j = 0; j < ntrain; j++) {
            double k = Ktest[t * ntrain + j];
            if (!isfinite(k)) {
                rc = wass__fail(err, WASS_ERR_NAN, "test kernel row %zu is not finite", t);
                break;
            }
            q[j + 1].index = (int)(j + 1);
            q[j + 1].value = k;
        }
        q[ntrain + 1].index = -1;
        if (!rc) predicted[t] = (int)lround(svm_predict(model, q));
    }
    if (model) svm_free_and_destroy_model(&model);
    free(nodes);
    free(xs);
    free(q);
    free(yd);
    return rc;
}
