/*
 * _wass_wmd.c - the Word Mover's Distance part of the `_wass` extension:
 * WMD and its bounds (WCD, RWMD) between two bags of words, k-NN search
 * and k-NN classification over a corpus of bags. The word vectors are the
 * WordVecs objects of _wass_wordvec.c (wass_py_wordvec), the bags the
 * (word indices, weights) pairs of convert.c.
 * Only the public headers <wass.h> and <wass/wmd.h> are used.
 */
#include "wass_py.h"
#include "wass/wmd.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Word Mover's Distance                                                    */
/* ------------------------------------------------------------------------ */

static int wmd_opts(wass_wmd_options *o, const char *distance, int normalize, PyObject *threads) {
    wass_wmd_options_default(o);
    if (distance && wass_wmd_distance_parse(distance, &o->distance)) {
        PyErr_Format(WassError, "unknown word distance '%s' (expected euclidean or cosine)",
                     distance);
        return -1;
    }
    o->normalize = normalize;
    return get_threads(threads, &o->threads);
}

/* wmd(vectors, a, b, distance, normalize, what): what = "wmd" | "wcd" | "rwmd" */
static PyObject *py_wmd(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"vectors", "a", "b", "distance", "normalize", "what", NULL};
    PyObject *vo, *pa, *pb;
    const char *distance = NULL, *what = "wmd";
    int normalize = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO|zps", kwlist, &vo, &pa, &pb, &distance,
                                     &normalize, &what))
        return NULL;
    const wass_wordvec *wv = wass_py_wordvec(vo);
    if (!wv) return NULL;
    wass_wmd_options o;
    if (wmd_opts(&o, distance, normalize, NULL)) return NULL;
    wass_knn_method mode;
    if (wass_knn_method_parse(what, &mode) != WASS_OK)
        return PyErr_Format(WassError, "unknown quantity '%s'", what);
    wass_bag a, b;
    if (bag_of(pa, "a", -1, &a)) return NULL;
    if (bag_of(pb, "b", -1, &b)) {
        bag_release(&a);
        return NULL;
    }
    wass_error_info err;
    memset(&err, 0, sizeof err);
    wass_wmd_result r;
    memset(&r, 0, sizeof r);
    double v = NAN;
    int rc;
    Py_BEGIN_ALLOW_THREADS if (mode == WASS_KNN_WMD) rc = wass_wmd(wv, &a, &b, &o, &r, &err);
    else if (mode == WASS_KNN_WCD) rc = wass_wcd(wv, &a, &b, &o, &v, &err);
    else rc = wass_rwmd(wv, &a, &b, &o, &v, &err);
    Py_END_ALLOW_THREADS bag_release(&a);
    bag_release(&b);
    if (rc) return raise_wass(rc, &err);
    if (mode != WASS_KNN_WMD) return PyFloat_FromDouble(v);
    return Py_BuildValue("{s:d,s:d,s:d,s:i,s:s,s:O,s:L,s:d}", "distance", r.distance, "wcd", r.wcd,
                         "rwmd", r.rwmd, "status", r.status, "status_string",
                         wass_status_string(r.status), "empty", r.empty ? Py_True : Py_False,
                         "iterations", (long long)r.iterations, "seconds", r.seconds);
}

static int knn_opts(wass_knn_options *o, Py_ssize_t k, const char *method, int prune, int tight,
                    const char *distance, int normalize, PyObject *threads) {
    wass_knn_options_default(o);
    if (k < 1) {
        PyErr_Format(WassError, "k = %zd must be at least 1", k);
        return -1;
    }
    o->k = (size_t)k;
    if (wass_knn_method_parse(method, &o->method) != WASS_OK) {
        PyErr_Format(WassError, "unknown kNN method '%s' (expected wmd, wcd or rwmd)", method);
        return -1;
    }
    o->prune = (wass_knn_prune)prune; /* checked by wass_knn */
    o->tight = tight;
    return wmd_opts(&o->wmd, distance, normalize, threads);
}

static PyObject *index_matrix(const size_t *idx, size_t nq, size_t k) {
    npy_intp dims[2] = {(npy_intp)nq, (npy_intp)k};
    PyObject *a = PyArray_SimpleNew(2, dims, NPY_INTP);
    if (!a) return NULL;
    npy_intp *p = PyArray_DATA((PyArrayObject *)a);
    for (size_t t = 0; t < nq * k; t++)
        p[t] = idx[t] == WASS_NOT_FOUND ? -1 : (npy_intp)idx[t];
    return a;
}

static PyObject *double_matrix(const double *x, size_t nq, size_t k) {
    npy_intp dims[2] = {(npy_intp)nq, (npy_intp)k};
    PyObject *a = PyArray_SimpleNew(2, dims, NPY_DOUBLE);
    if (a && nq && k) memcpy(PyArray_DATA((PyArrayObject *)a), x, nq * k * sizeof *x);
    return a;
}

static int knn_fill(PyObject *d, const wass_knn_result *r) {
    return put(d, "index", index_matrix(r->index, r->nq, r->k)) ||
           put(d, "dist", double_matrix(r->dist, r->nq, r->k)) ||
           put(d, "candidates", PyLong_FromUnsignedLongLong(r->candidates)) ||
           put(d, "exact_solves", PyLong_FromUnsignedLongLong(r->exact_solves)) ||
           put(d, "pruned_wcd", PyLong_FromUnsignedLongLong(r->pruned_wcd)) ||
           put(d, "pruned_rwmd", PyLong_FromUnsignedLongLong(r->pruned_rwmd)) ||
           put(d, "pruned_ict", PyLong_FromUnsignedLongLong(r->pruned_ict)) ||
           put(d, "empty_queries", PyLong_FromSize_t(r->empty_queries)) ||
           put(d, "seconds", PyFloat_FromDouble(r->seconds));
}

/* knn(vectors, queries, corpus, k, method, prune, tight, distance, normalize,
 * threads, exclude) -> dict */
static PyObject *py_knn(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"vectors", "queries",  "corpus",   "k",         "method",
                             "prune",   "tight",    "distance", "normalize", "threads",
                             "exclude", "progress", NULL};
    PyObject *vo, *qs, *cs, *threads = NULL, *exclude = Py_None, *progress = Py_None;
    Py_ssize_t k = 10;
    const char *method = "wmd", *distance = NULL;
    int prune = 2, tight = 1, normalize = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO|nsipzpOOO", kwlist, &vo, &qs, &cs, &k, &method,
                                     &prune, &tight, &distance, &normalize, &threads, &exclude,
                                     &progress))
        return NULL;
    const wass_wordvec *wv = wass_py_wordvec(vo);
    if (!wv) return NULL;
    wass_knn_options o;
    if (knn_opts(&o, k, method, prune, tight, distance, normalize, threads)) return NULL;
    py_progress pp;
    if (py_progress_init(&pp, progress)) return NULL;
    if (pp.fn) {
        o.progress = py_progress_cb;
        o.progress_user = &pp;
    }
    bag_list q, c;
    if (bag_list_get(qs, "queries", &q)) return NULL;
    if (bag_list_get(cs, "corpus", &c)) {
        bag_list_free(&q);
        return NULL;
    }
    size_t *ex = NULL;
    PyObject *ret = NULL;
    if (exclude != Py_None) {
        PyArrayObject *e = (PyArrayObject *)PyArray_FROMANY(
            exclude, NPY_INT64, 1, 1, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED);
        if (!e) goto done;
        if (len0(e) != q.n) {
            PyErr_Format(PyExc_ValueError, "exclude must have one entry per query (%zu), got %zu",
                         q.n, len0(e));
            Py_DECREF(e);
            goto done;
        }
        ex = PyMem_Malloc((q.n ? q.n : 1) * sizeof *ex);
        if (!ex) {
            Py_DECREF(e);
            PyErr_NoMemory();
            goto done;
        }
        const int64_t *pe = PyArray_DATA(e);
        for (size_t i = 0; i < q.n; i++)
            ex[i] = pe[i] < 0 ? WASS_NOT_FOUND : (size_t)pe[i];
        Py_DECREF(e);
        o.exclude = ex;
    }
    wass_knn_result r;
    memset(&r, 0, sizeof r);
    wass_error_info err;
    memset(&err, 0, sizeof err);
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = wass_knn(wv, q.bag, q.n, c.bag, c.n, &o, &r, &err);
    Py_END_ALLOW_THREADS if (rc || py_progress_raise(&pp)) {
        if (rc) {
            PyErr_Clear();
            raise_wass(rc, &err);
        }
        wass_knn_result_free(&r);
        goto done;
    }
    ret = PyDict_New();
    if (ret && knn_fill(ret, &r)) Py_CLEAR(ret);
    wass_knn_result_free(&r);
done:
    PyMem_Free(ex);
    bag_list_free(&q);
    bag_list_free(&c);
    return ret;
}

/* Integer labels >= 0, one per bag; PyMem-allocated. */
static int *label_array(PyObject *obj, const char *name, size_t n) {
    PyArrayObject *a = (PyArrayObject *)PyArray_FROMANY(obj, NPY_INT64, 1, 1,
                                                        NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED);
    if (!a) return NULL;
    int *out = NULL;
    if (len0(a) != n) {
        PyErr_Format(PyExc_ValueError, "%s must have one entry per document (%zu), got %zu", name,
                     n, len0(a));
        goto done;
    }
    out = PyMem_Malloc((n ? n : 1) * sizeof *out);
    if (!out) {
        PyErr_NoMemory();
        goto done;
    }
    const int64_t *p = PyArray_DATA(a);
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0 || p[i] > INT32_MAX) {
            PyErr_Format(WassError, "%s[%zu] = %lld must be in 0..%d", name, i, (long long)p[i],
                         INT32_MAX);
            PyMem_Free(out);
            out = NULL;
            goto done;
        }
        out[i] = (int)p[i];
    }
done:
    Py_DECREF(a);
    return out;
}

/* knn_classify(vectors, train, train_labels, test, test_labels=None, k=0,
 * k_max=19, folds=5, seed=0, prune, tight, distance, normalize, threads) */
static PyObject *py_knn_classify(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"vectors",  "train", "train_labels", "test",      "test_labels",
                             "k",        "k_max", "folds",        "seed",      "method",
                             "prune",    "tight", "distance",     "normalize", "threads",
                             "progress", NULL};
    PyObject *vo, *tr, *trl, *te, *tel = Py_None, *threads = NULL, *progress = Py_None;
    Py_ssize_t k = 0, k_max = 19, folds = 5;
    unsigned long long seed = 0;
    const char *method = "wmd", *distance = NULL;
    int prune = 2, tight = 1, normalize = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOO|OnnnKsipzpOO", kwlist, &vo, &tr, &trl, &te,
                                     &tel, &k, &k_max, &folds, &seed, &method, &prune, &tight,
                                     &distance, &normalize, &threads, &progress))
        return NULL;
    py_progress pp;
    if (py_progress_init(&pp, progress)) return NULL;
    const wass_wordvec *wv = wass_py_wordvec(vo);
    if (!wv) return NULL;
    if (k < 0 || k_max < 0 || folds < 0)
        return PyErr_Format(WassError, "k, k_max and folds must be >= 0");
    wass_classify_options o;
    wass_classify_options_default(&o);
    if (knn_opts(&o.knn, 1, method, prune, tight, distance, normalize, threads)) return NULL;
    if (pp.fn) {
        o.knn.progress = py_progress_cb;
        o.knn.progress_user = &pp;
    }
    o.k = (size_t)k;
    o.k_max = (size_t)k_max;
    o.folds = (size_t)folds;
    o.seed = (uint64_t)seed;
    bag_list a, b;
    int *la = NULL, *lb = NULL;
    PyObject *ret = NULL;
    if (bag_list_get(tr, "train", &a)) return NULL;
    if (bag_list_get(te, "test", &b)) {
        bag_list_free(&a);
        return NULL;
    }
    if (!(la = label_array(trl, "train_labels", a.n))) goto done;
    if (tel != Py_None && !(lb = label_array(tel, "test_labels", b.n))) goto done;
    wass_classify_result r;
    memset(&r, 0, sizeof r);
    wass_error_info err;
    memset(&err, 0, sizeof err);
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = wass_knn_classify(wv, a.bag, la, a.n, b.bag, lb, b.n, &o, &r, &err);
    Py_END_ALLOW_THREADS if (rc || py_progress_raise(&pp)) {
        if (rc) {
            PyErr_Clear();
            raise_wass(rc, &err);
        }
        wass_classify_result_free(&r);
        goto done;
    }
    ret = PyDict_New();
    npy_intp dn[1] = {(npy_intp)b.n};
    PyObject *pred = PyArray_SimpleNew(1, dn, NPY_INTP);
    if (pred)
        for (size_t i = 0; i < b.n; i++)
            ((npy_intp *)PyArray_DATA((PyArrayObject *)pred))[i] = r.predicted[i];
    if (!ret || put(ret, "predicted", pred) || put(ret, "k", PyLong_FromSize_t(r.k)) ||
        put(ret, "cv_error", new_vector(r.cv_error, r.k_max)) ||
        put(ret, "test_error", PyFloat_FromDouble(r.test_error)) || knn_fill(ret, &r.knn) ||
        put(ret, "total_exact_solves", PyLong_FromUnsignedLongLong(r.exact_solves)) ||
        put(ret, "total_candidates", PyLong_FromUnsignedLongLong(r.candidates)) ||
        put(ret, "total_seconds", PyFloat_FromDouble(r.seconds))) {
        if (!ret) Py_XDECREF(pred);
        Py_CLEAR(ret);
    }
    wass_classify_result_free(&r);
done:
    PyMem_Free(la);
    PyMem_Free(lb);
    bag_list_free(&a);
    bag_list_free(&b);
    return ret;
}

PyMethodDef wass_py_wmd_methods[] = {
    {"wmd", KW py_wmd, METH_VARARGS | METH_KEYWORDS,
     "wmd(vectors, (words, weights), (words, weights), distance, normalize, what)."},
    {"knn", KW py_knn, METH_VARARGS | METH_KEYWORDS,
     "knn(vectors, queries, corpus, k, method, prune, tight, ...) -> dict."},
    {"knn_classify", KW py_knn_classify, METH_VARARGS | METH_KEYWORDS,
     "knn_classify(vectors, train, train_labels, test, test_labels, k, ...) -> dict."},
    {NULL, NULL, 0, NULL}};
