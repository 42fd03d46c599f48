/*
 * _wass_graph.c - the graph part of the `_wass` extension (matching node
 * embeddings): the TU reader, spectral embeddings, all-pairs distances, SVM
 * cross-validation and one SVM on a precomputed kernel. Only the public
 * headers <wass.h> and <wass/graph.h> are used.
 */
#include "wass_py.h"
#include "wass/graph.h"

#include <stdint.h>
#include <string.h>

/* a C-contiguous array of the given type (new reference) */
static PyArrayObject *as_type(PyObject *obj, int type, int nd, const char *name) {
    PyArrayObject *a = (PyArrayObject *)PyArray_FROMANY(
        obj, type, nd, nd, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED | NPY_ARRAY_FORCECAST);
    if (!a) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s must be a %d-D array of numbers", name, nd);
    }
    return a;
}

static PyObject *sizes_array(const size_t *x, size_t n) {
    npy_intp dims[1] = {(npy_intp)n};
    PyObject *arr = PyArray_SimpleNew(1, dims, NPY_INT64);
    if (!arr) return NULL;
    int64_t *p = PyArray_DATA((PyArrayObject *)arr);
    for (size_t k = 0; k < n; k++)
        p[k] = (int64_t)x[k];
    return arr;
}

static PyObject *ints_array(const int *x, size_t n) {
    npy_intp dims[1] = {(npy_intp)n};
    PyObject *arr = PyArray_SimpleNew(1, dims, NPY_INT64);
    if (!arr) return NULL;
    int64_t *p = PyArray_DATA((PyArrayObject *)arr);
    for (size_t k = 0; k < n; k++)
        p[k] = x[k];
    return arr;
}

static PyObject *py_tu_load(PyObject *self, PyObject *args) {
    const char *path;
    if (!PyArg_ParseTuple(args, "s", &path)) return NULL;
    wass_graph_set gs;
    wass_error_info e;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = wass_tu_load(path, &gs, &e);
    Py_END_ALLOW_THREADS if (rc) return raise_wass(rc, &e);
    PyObject *d = PyDict_New();
    if (!d) goto fail;
    if (put(d, "node_offset", sizes_array(gs.node_offset, gs.graphs + 1)) ||
        put(d, "adj_offset", sizes_array(gs.adj_offset, gs.nodes + 1)) ||
        put(d, "adj", sizes_array(gs.adj, gs.adj_offset[gs.nodes])) ||
        put(d, "graph_label", ints_array(gs.graph_label, gs.graphs)))
        goto fail;
    if (gs.node_label) {
        if (put(d, "node_label", ints_array(gs.node_label, gs.nodes))) goto fail;
    } else if (PyDict_SetItemString(d, "node_label", Py_None))
        goto fail;
    if (gs.node_attr) {
        npy_intp dims[2] = {(npy_intp)gs.nodes, (npy_intp)gs.attr_dim};
        PyObject *a = PyArray_SimpleNew(2, dims, NPY_DOUBLE);
        if (a)
            memcpy(PyArray_DATA((PyArrayObject *)a), gs.node_attr,
                   gs.nodes * gs.attr_dim * sizeof(double));
        if (put(d, "node_attr", a)) goto fail;
    } else if (PyDict_SetItemString(d, "node_attr", Py_None))
        goto fail;
    wass_graph_set_free(&gs);
    return d;
fail:
    Py_XDECREF(d);
    wass_graph_set_free(&gs);
    return NULL;
}

static PyObject *py_spectral_embed(PyObject *self, PyObject *args) {
    PyObject *Aobj;
    Py_ssize_t dim;
    if (!PyArg_ParseTuple(args, "On", &Aobj, &dim)) return NULL;
    if (dim < 1) return PyErr_Format(WassError, "dim must be >= 1, got %zd", dim);
    PyArrayObject *A = as_type(Aobj, NPY_DOUBLE, 2, "adjacency");
    if (!A) return NULL;
    npy_intp n = PyArray_DIM(A, 0);
    if (PyArray_DIM(A, 1) != n) {
        Py_DECREF(A);
        return PyErr_Format(WassError, "adjacency must be square, got %zd x %zd", (Py_ssize_t)n,
                            (Py_ssize_t)PyArray_DIM(A, 1));
    }
    npy_intp dims[2] = {n, dim}, d1[1] = {dim};
    PyObject *X = PyArray_SimpleNew(2, dims, NPY_DOUBLE), *w = PyArray_SimpleNew(1, d1, NPY_DOUBLE);
    if (!X || !w) {
        Py_DECREF(A);
        Py_XDECREF(X);
        Py_XDECREF(w);
        return NULL;
    }
    wass_error_info e;
    int rc = wass_graph_spectral_embed((size_t)n, PyArray_DATA(A), (size_t)dim,
                                       PyArray_DATA((PyArrayObject *)X),
                                       PyArray_DATA((PyArrayObject *)w), &e);
    Py_DECREF(A);
    if (rc) {
        Py_DECREF(X);
        Py_DECREF(w);
        return raise_wass(rc, &e);
    }
    return Py_BuildValue("NN", X, w);
}

/* X (nodes x dim), offset (graphs + 1), labels (nodes) or None */
static int get_embedding(PyObject *Xo, PyObject *offo, PyObject *labo, PyArrayObject **X,
                         PyArrayObject **off, PyArrayObject **lab, wass_graph_embedding *E) {
    *X = as_type(Xo, NPY_DOUBLE, 2, "X");
    *off = *X ? as_type(offo, NPY_INT64, 1, "offset") : NULL;
    *lab = NULL;
    if (!*off) return -1;
    if (labo && labo != Py_None && !(*lab = as_type(labo, NPY_INT, 1, "labels"))) return -1;
    memset(E, 0, sizeof *E);
    size_t nodes = (size_t)PyArray_DIM(*X, 0);
    npy_intp G1 = PyArray_DIM(*off, 0);
    if (G1 < 2) {
        PyErr_SetString(WassError, "offset must have graphs + 1 >= 2 entries");
        return -1;
    }
    const int64_t *o = PyArray_DATA(*off);
    if (o[0] != 0 || (size_t)o[G1 - 1] != nodes) {
        PyErr_Format(WassError, "offset must run from 0 to the %zu rows of X", nodes);
        return -1;
    }
    for (npy_intp g = 0; g + 1 < G1; g++)
        if (o[g + 1] <= o[g]) {
            PyErr_Format(WassError, "offset must increase (graph %zd has no nodes)", (Py_ssize_t)g);
            return -1;
        }
    if (*lab && (size_t)PyArray_DIM(*lab, 0) != nodes) {
        PyErr_Format(WassError, "labels must have one entry per node (%zu), got %zd", nodes,
                     (Py_ssize_t)PyArray_DIM(*lab, 0));
        return -1;
    }
    E->graphs = (size_t)G1 - 1;
    E->nodes = nodes;
    E->dim = (size_t)PyArray_DIM(*X, 1);
    E->X = PyArray_DATA(*X);
    E->label = *lab ? PyArray_DATA(*lab) : NULL;
    E->offset = PyMem_Malloc((size_t)G1 * sizeof *E->offset);
    if (!E->offset) {
        PyErr_NoMemory();
        return -1;
    }
    for (npy_intp g = 0; g < G1; g++)
        E->offset[g] = (size_t)o[g];
    return 0;
}

static PyObject *py_pairwise(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"X",    "offset",  "labels", "method", "label_penalty",
                             "seed", "threads", NULL};
    PyObject *Xo, *offo, *labo = Py_None;
    const char *method = "exact";
    double penalty = 1.0;
    unsigned long long seed = 0;
    int threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OsdKi", kwlist, &Xo, &offo, &labo, &method,
                                     &penalty, &seed, &threads))
        return NULL;
    wass_graph_distance_options opt;
    wass_graph_distance_options_default(&opt);
    if (wass_graph_method_parse(method, &opt.method) != WASS_OK)
        return PyErr_Format(WassError, "unknown method '%s' (expected exact, emd_many or grid)",
                            method);
    PyArrayObject *X, *off, *lab;
    wass_graph_embedding E;
    memset(&E, 0, sizeof E);
    PyObject *ret = NULL, *D = NULL;
    if (get_embedding(Xo, offo, labo, &X, &off, &lab, &E)) goto done;
    opt.labels = lab != NULL;
    opt.label_penalty = penalty;
    opt.seed = seed;
    opt.threads = threads;
    npy_intp dims[2] = {(npy_intp)E.graphs, (npy_intp)E.graphs};
    D = PyArray_SimpleNew(2, dims, NPY_DOUBLE);
    if (!D) goto done;
    wass_graph_distance_info info;
    wass_error_info e;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc =
        wass_graph_distances(&E, &opt, PyArray_DATA((PyArrayObject *)D), &info, &e);
    Py_END_ALLOW_THREADS if (rc) {
        raise_wass(rc, &e);
        goto done;
    }
    PyObject *d = PyDict_New();
    if (!d || put(d, "pairs", PyLong_FromSize_t(info.pairs)) ||
        put(d, "fallbacks", PyLong_FromSize_t(info.fallbacks)) ||
        put(d, "distinct_graphs", PyLong_FromSize_t(info.distinct)) ||
        put(d, "max_gap", PyFloat_FromDouble(info.max_gap)) ||
        put(d, "min_reduced", PyFloat_FromDouble(info.min_reduced)) ||
        put(d, "seconds", PyFloat_FromDouble(info.seconds))) {
        Py_XDECREF(d);
        goto done;
    }
    ret = Py_BuildValue("ON", D, d);
done:
    Py_XDECREF(D);
    PyMem_Free(E.offset);
    Py_XDECREF(X);
    Py_XDECREF(off);
    Py_XDECREF(lab);
    return ret;
}

static int get_grid(PyObject *o, const char *name, PyArrayObject **arr) {
    *arr = NULL;
    if (!o || o == Py_None) return 0;
    *arr = as_type(o, NPY_DOUBLE, 1, name);
    return *arr ? 0 : -1;
}

static PyObject *py_classify(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"D",  "y",   "folds", "inner_folds", "gammas",
                             "Cs", "psd", "seed",  "threads",     NULL};
    PyObject *Do, *yo, *go = Py_None, *co = Py_None;
    Py_ssize_t folds = 10, inner = 5;
    const char *psd = "none";
    unsigned long long seed = 0;
    int threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|nnOOsKi", kwlist, &Do, &yo, &folds, &inner, &go,
                                     &co, &psd, &seed, &threads))
        return NULL;
    wass_graph_classify_options opt;
    wass_graph_classify_options_default(&opt);
    if (wass_graph_psd_parse(psd, &opt.psd) != WASS_OK)
        return PyErr_Format(WassError, "unknown psd '%s' (expected none or clip)", psd);
    if (folds < 2 || inner < 2)
        return PyErr_Format(WassError, "folds and inner_folds must be >= 2");
    PyArrayObject *D = as_type(Do, NPY_DOUBLE, 2, "D"),
                  *y = D ? as_type(yo, NPY_INT, 1, "y") : NULL;
    PyArrayObject *ga = NULL, *ca = NULL;
    PyObject *ret = NULL;
    wass_graph_classify_result res;
    memset(&res, 0, sizeof res);
    if (!y || get_grid(go, "gammas", &ga) || get_grid(co, "Cs", &ca)) goto done;
    size_t n = (size_t)PyArray_DIM(D, 0);
    if ((size_t)PyArray_DIM(D, 1) != n || (size_t)PyArray_DIM(y, 0) != n) {
        PyErr_Format(WassError, "D must be n x n and y of length n (D is %zd x %zd, y %zd)",
                     (Py_ssize_t)PyArray_DIM(D, 0), (Py_ssize_t)PyArray_DIM(D, 1),
                     (Py_ssize_t)PyArray_DIM(y, 0));
        goto done;
    }
    opt.folds = (size_t)folds;
    opt.inner_folds = (size_t)inner;
    opt.seed = seed;
    opt.threads = threads;
    if (ga) {
        opt.gammas = PyArray_DATA(ga);
        opt.ngammas = (size_t)PyArray_DIM(ga, 0);
    }
    if (ca) {
        opt.Cs = PyArray_DATA(ca);
        opt.nC = (size_t)PyArray_DIM(ca, 0);
    }
    wass_error_info e;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc =
        wass_graph_classify(PyArray_DATA(D), PyArray_DATA(y), n, &opt, &res, &e);
    Py_END_ALLOW_THREADS if (rc) {
        raise_wass(rc, &e);
        goto done;
    }
    PyObject *d = PyDict_New();
    if (!d || put(d, "mean", PyFloat_FromDouble(res.mean)) ||
        put(d, "std", PyFloat_FromDouble(res.std)) ||
        put(d, "fold_accuracy", new_vector(res.fold_accuracy, res.folds)) ||
        put(d, "fold_gamma", new_vector(res.fold_gamma, res.folds)) ||
        put(d, "fold_C", new_vector(res.fold_C, res.folds)) ||
        put(d, "clipped_eigenvalues", PyLong_FromSize_t(res.negative_eigenvalues)) ||
        put(d, "seconds", PyFloat_FromDouble(res.seconds))) {
        Py_XDECREF(d);
        goto done;
    }
    ret = d;
done:
    wass_graph_classify_result_free(&res);
    Py_XDECREF(D);
    Py_XDECREF(y);
    Py_XDECREF(ga);
    Py_XDECREF(ca);
    return ret;
}

static PyObject *py_folds(PyObject *self, PyObject *args) {
    PyObject *yo;
    Py_ssize_t folds;
    unsigned long long seed = 0;
    if (!PyArg_ParseTuple(args, "On|K", &yo, &folds, &seed)) return NULL;
    PyArrayObject *y = as_type(yo, NPY_INT, 1, "y");
    if (!y) return NULL;
    size_t n = (size_t)PyArray_DIM(y, 0);
    if (folds < 2) {
        Py_DECREF(y);
        return PyErr_Format(WassError, "folds must be >= 2");
    }
    size_t *f = PyMem_Malloc((n ? n : 1) * sizeof *f);
    if (!f) {
        Py_DECREF(y);
        return PyErr_NoMemory();
    }
    wass_error_info e;
    int rc = wass_graph_folds(PyArray_DATA(y), n, (size_t)folds, seed, f, &e);
    Py_DECREF(y);
    PyObject *ret = rc ? raise_wass(rc, &e) : sizes_array(f, n);
    PyMem_Free(f);
    return ret;
}

static PyObject *py_svm_precomputed(PyObject *self, PyObject *args) {
    PyObject *Ko, *yo, *To;
    double C;
    if (!PyArg_ParseTuple(args, "OOdO", &Ko, &yo, &C, &To)) return NULL;
    PyArrayObject *K = as_type(Ko, NPY_DOUBLE, 2, "Ktrain");
    PyArrayObject *y = K ? as_type(yo, NPY_INT, 1, "ytrain") : NULL;
    PyArrayObject *T = y ? as_type(To, NPY_DOUBLE, 2, "Ktest") : NULL;
    PyObject *ret = NULL, *P = NULL;
    if (!T) goto done;
    size_t n = (size_t)PyArray_DIM(K, 0), nt = (size_t)PyArray_DIM(T, 0);
    if ((size_t)PyArray_DIM(K, 1) != n || (size_t)PyArray_DIM(y, 0) != n ||
        (size_t)PyArray_DIM(T, 1) != n) {
        PyErr_SetString(WassError, "Ktrain must be n x n, ytrain of length n, Ktest m x n");
        goto done;
    }
    npy_intp dims[1] = {(npy_intp)nt};
    P = PyArray_SimpleNew(1, dims, NPY_INT);
    if (!P) goto done;
    wass_error_info e;
    int rc = wass_svm_precomputed(PyArray_DATA(K), PyArray_DATA(y), n, C, PyArray_DATA(T), nt,
                                  PyArray_DATA((PyArrayObject *)P), &e);
    if (rc) {
        raise_wass(rc, &e);
        goto done;
    }
    ret = P;
    P = NULL;
done:
    Py_XDECREF(P);
    Py_XDECREF(K);
    Py_XDECREF(y);
    Py_XDECREF(T);
    return ret;
}

PyMethodDef wass_py_graph_methods[] = {
    {"graph_tu_load", py_tu_load, METH_VARARGS,
     "graph_tu_load(folder) -> dict of arrays (node_offset, adj_offset, adj, graph_label, "
     "node_label or None, node_attr or None)."},
    {"graph_spectral_embed", py_spectral_embed, METH_VARARGS,
     "graph_spectral_embed(adjacency, dim) -> (X, eigenvalues)."},
    {"graph_pairwise", KW py_pairwise, METH_VARARGS | METH_KEYWORDS,
     "graph_pairwise(X, offset, labels=None, method='exact', label_penalty=1, seed=0, "
     "threads=0) -> (D, info)."},
    {"graph_classify", KW py_classify, METH_VARARGS | METH_KEYWORDS,
     "graph_classify(D, y, folds=10, inner_folds=5, gammas=None, Cs=None, psd='none', seed=0, "
     "threads=0) -> dict."},
    {"graph_folds", py_folds, METH_VARARGS, "graph_folds(y, folds, seed=0) -> fold of each item."},
    {"svm_precomputed", py_svm_precomputed, METH_VARARGS,
     "svm_precomputed(Ktrain, ytrain, C, Ktest) -> predicted labels."},
    {NULL, NULL, 0, NULL}};
