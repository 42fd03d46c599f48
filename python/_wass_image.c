/*
 * _wass_image.c - the images part of the `_wass` extension: readers (PNG,
 * PGM/PPM, IDX), signatures (grey, colour, contour), the exact grid W1
 * solver (wass_grid_emd, a core solver used by image retrieval) and
 * retrieval. Only the public headers <wass.h> and <wass/image.h> are used.
 */
#include "wass_py.h"
#include "wass/image.h"

#include <string.h>
#include <time.h>

static PyObject *py_image_read(PyObject *self, PyObject *args) {
    const char *path;
    if (!PyArg_ParseTuple(args, "s", &path)) return NULL;
    wass_image img;
    wass_error_info err;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = wass_image_read(path, &img, &err);
    Py_END_ALLOW_THREADS if (rc) return raise_wass(rc, &err);
    npy_intp dims[3] = {(npy_intp)img.height, (npy_intp)img.width, img.channels};
    PyObject *arr = PyArray_SimpleNew(3, dims, NPY_DOUBLE);
    if (arr)
        memcpy(PyArray_DATA((PyArrayObject *)arr), img.pixels,
               img.width * img.height * (size_t)img.channels * sizeof(double));
    wass_image_free(&img);
    return arr;
}

static PyObject *py_idx_read_images(PyObject *self, PyObject *args) {
    const char *path;
    Py_ssize_t max_count = 0;
    if (!PyArg_ParseTuple(args, "s|n", &path, &max_count)) return NULL;
    if (max_count < 0) return PyErr_Format(PyExc_ValueError, "max_count must be >= 0");
    wass_idx_images set;
    wass_error_info err;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = wass_idx_read_images(path, (size_t)max_count, &set, &err);
    Py_END_ALLOW_THREADS if (rc) return raise_wass(rc, &err);
    npy_intp dims[3] = {(npy_intp)set.count, (npy_intp)set.rows, (npy_intp)set.cols};
    PyObject *arr = PyArray_SimpleNew(3, dims, NPY_UINT8);
    if (arr)
        memcpy(PyArray_DATA((PyArrayObject *)arr), set.pixels, set.count * set.rows * set.cols);
    wass_idx_images_free(&set);
    return arr;
}

static PyObject *py_idx_read_labels(PyObject *self, PyObject *args) {
    const char *path;
    Py_ssize_t max_count = 0;
    if (!PyArg_ParseTuple(args, "s|n", &path, &max_count)) return NULL;
    if (max_count < 0) return PyErr_Format(PyExc_ValueError, "max_count must be >= 0");
    unsigned char *lab;
    size_t n;
    wass_error_info err;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = wass_idx_read_labels(path, (size_t)max_count, &lab, &n, &err);
    Py_END_ALLOW_THREADS if (rc) return raise_wass(rc, &err);
    npy_intp dims[1] = {(npy_intp)n};
    PyObject *arr = PyArray_SimpleNew(1, dims, NPY_UINT8);
    if (arr && n) memcpy(PyArray_DATA((PyArrayObject *)arr), lab, n);
    free(lab);
    return arr;
}

static PyObject *signature_tuple(wass_signature *s) {
    npy_intp dims[2] = {(npy_intp)s->n, (npy_intp)s->d};
    PyObject *X = PyArray_SimpleNew(2, dims, NPY_DOUBLE);
    PyObject *w = X ? new_vector(s->w, s->n) : NULL;
    if (X && s->n) memcpy(PyArray_DATA((PyArrayObject *)X), s->X, s->n * s->d * sizeof(double));
    wass_signature_free(s);
    if (!X || !w) {
        Py_XDECREF(X);
        Py_XDECREF(w);
        return NULL;
    }
    return Py_BuildValue("(NN)", X, w);
}

static PyObject *py_grey_signature(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"grey", "pool", NULL};
    PyObject *g;
    Py_ssize_t pool = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|n", kwlist, &g, &pool)) return NULL;
    if (pool < 1) return PyErr_Format(PyExc_ValueError, "pool must be at least 1");
    PyArrayObject *a = as_double(g, "grey", 2, 2);
    if (!a) return NULL;
    wass_signature s;
    wass_error_info err;
    int rc = wass_grey_signature(data_of(a), (size_t)PyArray_DIM(a, 0), (size_t)PyArray_DIM(a, 1),
                                 (size_t)pool, &s, &err);
    Py_DECREF(a);
    if (rc) return raise_wass(rc, &err);
    return signature_tuple(&s);
}

static PyObject *py_contour_signature(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"grey", "threshold", "points", NULL};
    PyObject *g;
    double thr = 0.5;
    Py_ssize_t points = 100;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|dn", kwlist, &g, &thr, &points)) return NULL;
    if (points < 1) return PyErr_Format(PyExc_ValueError, "points must be at least 1");
    PyArrayObject *a = as_double(g, "grey", 2, 2);
    if (!a) return NULL;
    wass_signature s;
    wass_error_info err;
    int rc = wass_contour_signature(data_of(a), (size_t)PyArray_DIM(a, 0),
                                    (size_t)PyArray_DIM(a, 1), thr, (size_t)points, &s, &err);
    Py_DECREF(a);
    if (rc) return raise_wass(rc, &err);
    return signature_tuple(&s);
}

static PyObject *py_colour_signature(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"image", "k", "seed", "max_iter", NULL};
    PyObject *g;
    Py_ssize_t k = 8;
    unsigned long long seed = 0;
    int max_iter = 100;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|nKi", kwlist, &g, &k, &seed, &max_iter))
        return NULL;
    if (k < 1) return PyErr_Format(PyExc_ValueError, "k must be at least 1");
    PyArrayObject *a = as_double(g, "image", 2, 3);
    if (!a) return NULL;
    int ch = PyArray_NDIM(a) == 3 ? (int)PyArray_DIM(a, 2) : 1;
    if (ch < 1 || ch > 4) {
        Py_DECREF(a);
        return PyErr_Format(PyExc_ValueError, "image must have 1 to 4 channels, got %d", ch);
    }
    wass_image img = {(size_t)PyArray_DIM(a, 1), (size_t)PyArray_DIM(a, 0), ch, data_of(a)};
    wass_signature s;
    wass_error_info err;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc =
        wass_colour_signature(&img, (size_t)k, (uint64_t)seed, max_iter, &s, &err);
    Py_END_ALLOW_THREADS Py_DECREF(a);
    if (rc) return raise_wass(rc, &err);
    return signature_tuple(&s);
}

static PyObject *cert_dict(const wass_certificate *c) {
    return Py_BuildValue("{s:d,s:d,s:d,s:d,s:d}", "marginal_error", c->marginal_error,
                         "min_reduced_cost", c->min_reduced_cost, "duality_gap", c->duality_gap,
                         "primal", c->primal, "dual", c->dual);
}

static int grid_metric(const char *name, wass_grid_metric *out) {
    static const char *const alias[] = {"l1", "linf", "l2"};
    if (wass_grid_metric_parse(name, out) == WASS_OK) {
        return 0;
    }
    for (int k = 0; k < 3; k++)
        if (strcmp(name, alias[k]) == 0) {
            *out = (wass_grid_metric)k;
            return 0;
        }
    PyErr_Format(WassError,
                 "grid metric must be cityblock (l1), chebyshev (linf) or euclidean (l2), got '%s'",
                 name);
    return -1;
}

/* The moves of an L2 result as (from, to, mass) arrays. */
static PyObject *moves_tuple(const wass_grid_result *res) {
    npy_intp k = (npy_intp)res->nmoves;
    PyObject *fr = PyArray_SimpleNew(1, &k, NPY_INT64), *to = PyArray_SimpleNew(1, &k, NPY_INT64);
    PyObject *ms = PyArray_SimpleNew(1, &k, NPY_DOUBLE);
    if (!fr || !to || !ms) {
        Py_XDECREF(fr);
        Py_XDECREF(to);
        Py_XDECREF(ms);
        return NULL;
    }
    int64_t *f = PyArray_DATA((PyArrayObject *)fr), *t = PyArray_DATA((PyArrayObject *)to);
    double *w = PyArray_DATA((PyArrayObject *)ms);
    for (npy_intp q = 0; q < k; q++) {
        f[q] = (int64_t)res->moves[q].from;
        t[q] = (int64_t)res->moves[q].to;
        w[q] = res->moves[q].mass;
    }
    return Py_BuildValue("(NNN)", fr, to, ms);
}

static PyObject *py_grid_emd(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"a", "b", "metric", "spacing", "max_iter", "certify", NULL};
    PyObject *ao, *bo, *mi = NULL, *ce = NULL;
    const char *metric = "cityblock";
    double spacing = 1.0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|sdOO", kwlist, &ao, &bo, &metric, &spacing, &mi,
                                     &ce))
        return NULL;
    wass_grid_options opt;
    wass_grid_options_default(&opt);
    opt.spacing = spacing;
    if (grid_metric(metric, &opt.metric) || get_i64(mi, "max_iter", &opt.max_iter) ||
        get_bool(ce, &opt.certify))
        return NULL;
    PyArrayObject *a = as_double(ao, "a", 2, 2);
    if (!a) return NULL;
    PyArrayObject *b = as_double(bo, "b", 2, 2);
    if (!b) {
        Py_DECREF(a);
        return NULL;
    }
    if (PyArray_DIM(a, 0) != PyArray_DIM(b, 0) || PyArray_DIM(a, 1) != PyArray_DIM(b, 1)) {
        Py_DECREF(a);
        Py_DECREF(b);
        return PyErr_Format(PyExc_ValueError, "a and b must have the same shape");
    }
    size_t rows = (size_t)PyArray_DIM(a, 0), cols = (size_t)PyArray_DIM(a, 1);
    wass_grid_result res;
    wass_error_info err;
    int rc;
    const double *pa = data_of(a), *pb = data_of(b);
    Py_BEGIN_ALLOW_THREADS rc = wass_grid_emd(pa, pb, rows, cols, &opt, &res, &err);
    Py_END_ALLOW_THREADS Py_DECREF(a);
    Py_DECREF(b);
    if (rc) return raise_wass(rc, &err);
    npy_intp fd[3] = {(npy_intp)rows, (npy_intp)cols, res.edges};
    npy_intp pd[2] = {(npy_intp)rows, (npy_intp)cols};
    int l2 = opt.metric == WASS_GRID_L2;
    Py_INCREF(Py_None); /* the one reference of flows or moves that is None */
    PyObject *flows = l2 ? Py_None : PyArray_SimpleNew(3, fd, NPY_DOUBLE);
    PyObject *moves = l2 ? moves_tuple(&res) : Py_None;
    PyObject *pot = PyArray_SimpleNew(2, pd, NPY_DOUBLE);
    if (!flows || !pot || !moves) {
        Py_XDECREF(flows);
        Py_XDECREF(pot);
        Py_XDECREF(moves);
        wass_grid_result_free(&res);
        return NULL;
    }
    if (!l2)
        memcpy(PyArray_DATA((PyArrayObject *)flows), res.flows,
               rows * cols * (size_t)res.edges * sizeof(double));
    memcpy(PyArray_DATA((PyArrayObject *)pot), res.potential, rows * cols * sizeof(double));
    PyObject *d = Py_BuildValue("{s:i,s:d,s:N,s:N,s:N,s:L,s:d,s:N,s:s}", "status", res.status,
                                "cost", res.cost, "flows", flows, "moves", moves, "potential", pot,
                                "iterations", (long long)res.iterations, "seconds", res.seconds,
                                "certificate", cert_dict(&res.cert), "message", res.message);
    wass_grid_result_free(&res);
    return d;
}

/* a list of (X, w) pairs -> clouds; arrays kept in *keep (a list) */
static int clouds_of(PyObject *seq, const char *name, PyObject *keep, wass_cloud **out, size_t *n) {
    PyObject *fast = PySequence_Fast(seq, "db and queries must be sequences of (X, w) pairs");
    if (!fast) return -1;
    Py_ssize_t len = PySequence_Fast_GET_SIZE(fast);
    wass_cloud *c = PyMem_Calloc(len ? (size_t)len : 1, sizeof *c);
    if (!c) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < len; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(fast, i), *xo, *wo;
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
            PyErr_Format(PyExc_TypeError, "%s[%zd] must be a pair (X, w)", name, i);
            goto fail;
        }
        xo = PyTuple_GET_ITEM(item, 0);
        wo = PyTuple_GET_ITEM(item, 1);
        PyArrayObject *X = as_double(xo, "X", 2, 2), *w = NULL;
        if (!X) goto fail;
        if (PyList_Append(keep, (PyObject *)X)) {
            Py_DECREF(X);
            goto fail;
        }
        Py_DECREF(X);
        if (wo != Py_None) {
            w = as_double(wo, "w", 1, 1);
            if (!w) goto fail;
            if (PyList_Append(keep, (PyObject *)w)) {
                Py_DECREF(w);
                goto fail;
            }
            Py_DECREF(w);
            if (check_len(w, "w", len0(X), "X")) goto fail;
        }
        build_cloud(&c[i], X, w);
    }
    Py_DECREF(fast);
    *out = c;
    *n = (size_t)len;
    return 0;
fail:
    Py_DECREF(fast);
    PyMem_Free(c);
    return -1;
}

static PyObject *py_retrieve(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"db",     "queries", "k",       "mode", "metric",
                             "rerank", "seed",    "threads", NULL};
    PyObject *dbo, *qo;
    Py_ssize_t k = 10, rerank = 0;
    const char *mode = "exact", *metric = "euclidean";
    unsigned long long seed = 0;
    int threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|nssnKi", kwlist, &dbo, &qo, &k, &mode, &metric,
                                     &rerank, &seed, &threads))
        return NULL;
    wass_retrieve_options opt;
    wass_retrieve_options_default(&opt);
    wass_retrieve_mode m;
    if (wass_retrieve_mode_parse(mode, &m))
        return PyErr_Format(WassError, "unknown mode '%s' (exact, embed, rerank or brute)", mode);
    if (k < 1) return PyErr_Format(PyExc_ValueError, "k must be at least 1");
    if (rerank < 0) return PyErr_Format(PyExc_ValueError, "rerank must be >= 0");
    if (get_metric(metric, &opt.metric)) return NULL;
    opt.mode = m;
    opt.k = (size_t)k;
    opt.rerank = (size_t)rerank;
    opt.seed = seed;
    opt.threads = threads;
    PyObject *keep = PyList_New(0);
    if (!keep) return NULL;
    wass_cloud *db = NULL, *q = NULL;
    size_t ndb = 0, nq = 0;
    PyObject *out = NULL;
    if (clouds_of(dbo, "db", keep, &db, &ndb) || clouds_of(qo, "queries", keep, &q, &nq)) goto done;
    wass_retrieve_result res;
    wass_error_info err;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = wass_retrieve(db, ndb, q, nq, &opt, &res, &err);
    Py_END_ALLOW_THREADS if (rc) {
        raise_wass(rc, &err);
        goto done;
    }
    npy_intp dims[2] = {(npy_intp)res.nq, (npy_intp)res.k};
    PyObject *idx = PyArray_SimpleNew(2, dims, NPY_INTP);
    PyObject *dist = PyArray_SimpleNew(2, dims, NPY_DOUBLE);
    PyObject *solves = PyArray_SimpleNew(1, dims, NPY_INTP);
    if (idx && dist && solves) {
        npy_intp *pi = PyArray_DATA((PyArrayObject *)idx), *ps;
        ps = PyArray_DATA((PyArrayObject *)solves);
        for (size_t t = 0; t < res.nq * res.k; t++)
            pi[t] = (npy_intp)res.index[t];
        for (size_t t = 0; t < res.nq; t++)
            ps[t] = (npy_intp)res.exact_solves[t];
        memcpy(PyArray_DATA((PyArrayObject *)dist), res.distance, res.nq * res.k * sizeof(double));
        out = Py_BuildValue("{s:N,s:N,s:N,s:O,s:d}", "index", idx, "distance", dist, "exact_solves",
                            solves, "grid", res.grid ? Py_True : Py_False, "seconds", res.seconds);
    } else {
        Py_XDECREF(idx);
        Py_XDECREF(dist);
        Py_XDECREF(solves);
    }
    wass_retrieve_result_free(&res);
done:
    PyMem_Free(db);
    PyMem_Free(q);
    Py_DECREF(keep);
    return out;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The embedding distances of A (queries) to B (rows of an embedding set),
 * one frame for both: D (len(A) x len(B)) and how the set was stored. */
static PyObject *py_embed_distances(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"A", "B", "seed", "levels", "cell", "max_cells", "threads", NULL};
    PyObject *ao, *bo;
    unsigned long long seed = 0;
    int levels = 0, threads = 0;
    double cell = 0;
    Py_ssize_t max_cells = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|Kidni", kwlist, &ao, &bo, &seed, &levels, &cell,
                                     &max_cells, &threads))
        return NULL;
    if (max_cells < 0) return PyErr_Format(PyExc_ValueError, "max_cells must be >= 0");
    PyObject *keep = PyList_New(0), *out = NULL, *D = NULL;
    if (!keep) return NULL;
    wass_cloud *a = NULL, *b = NULL, *all = NULL;
    size_t na = 0, nb = 0;
    if (clouds_of(ao, "A", keep, &a, &na) || clouds_of(bo, "B", keep, &b, &nb)) goto done;
    if (na == 0 || nb == 0) {
        PyErr_Format(WassError, "embed_distances: A and B must not be empty");
        goto done;
    }
    all = PyMem_Calloc(na + nb, sizeof *all);
    npy_intp dims[2] = {(npy_intp)na, (npy_intp)nb};
    D = PyArray_SimpleNew(2, dims, NPY_DOUBLE);
    if (!all || !D) {
        if (!all) PyErr_NoMemory();
        goto done;
    }
    memcpy(all, a, na * sizeof *a);
    memcpy(all + na, b, nb * sizeof *b);
    wass_embed_options eo;
    wass_embed_options_default(&eo);
    eo.seed = seed;
    eo.levels = levels;
    eo.cell = cell;
    wass_embed_set_options so;
    wass_embed_set_options_default(&so);
    so.max_cells = (size_t)max_cells;
    so.threads = threads;
    wass_embed_frame fr;
    wass_embed_set set;
    wass_sparse *q = NULL;
    memset(&fr, 0, sizeof fr);
    memset(&set, 0, sizeof set);
    wass_error_info err;
    memset(&err, 0, sizeof err);
    double *Dp = PyArray_DATA((PyArrayObject *)D), t0, t1 = 0, t2 = 0, t3 = 0;
    int rc;
    Py_BEGIN_ALLOW_THREADS t0 = now_s();
    rc = wass_embed_frame_init(&fr, all, na + nb, &eo, &err);
    if (!rc) rc = wass_embed_set_build(&fr, b, nb, &so, &set, &err);
    t1 = now_s();
    q = calloc(na, sizeof *q);
    if (!rc && !q) {
        rc = WASS_ERR_NOMEM;
        snprintf(err.message, sizeof err.message, "out of memory");
    }
    for (size_t i = 0; !rc && i < na; i++)
        rc = wass_embed(&fr, &a[i], &q[i], &err);
    t2 = now_s();
    if (!rc) rc = wass_embed_set_l1(&set, q, na, Dp, &err);
    t3 = now_s();
    for (size_t i = 0; q && i < na; i++)
        wass_sparse_free(&q[i]);
    free(q);
    Py_END_ALLOW_THREADS if (rc) raise_wass(rc, &err);
    else out = Py_BuildValue("{s:O,s:O,s:n,s:n,s:i,s:d,s:d,s:d}", "D", D, "dense",
                             set.dense ? Py_True : Py_False, "cells", (Py_ssize_t)set.cells, "rows",
                             (Py_ssize_t)set.rows, "levels", fr.levels, "build_seconds", t1 - t0,
                             "embed_queries_seconds", t2 - t1, "seconds", t3 - t2);
    wass_embed_set_free(&set);
    wass_embed_frame_free(&fr);
done:
    Py_XDECREF(D);
    PyMem_Free(a);
    PyMem_Free(b);
    PyMem_Free(all);
    Py_DECREF(keep);
    return out;
}

PyMethodDef wass_py_image_methods[] = {
    {"image_read", py_image_read, METH_VARARGS,
     "image_read(path) -> (height, width, channels) float array in [0, 1] (PNG, PGM, PPM)."},
    {"idx_read_images", py_idx_read_images, METH_VARARGS,
     "idx_read_images(path, max_count=0) -> (count, rows, cols) uint8 array."},
    {"idx_read_labels", py_idx_read_labels, METH_VARARGS,
     "idx_read_labels(path, max_count=0) -> (count,) uint8 array."},
    {"grey_signature", KW py_grey_signature, METH_VARARGS | METH_KEYWORDS,
     "grey_signature(grey, pool=1) -> (X, w): mass on the pixel grid."},
    {"contour_signature", KW py_contour_signature, METH_VARARGS | METH_KEYWORDS,
     "contour_signature(grey, threshold=0.5, points=100) -> (X, w): points evenly spaced along "
     "the traced contours."},
    {"colour_signature", KW py_colour_signature, METH_VARARGS | METH_KEYWORDS,
     "colour_signature(image, k=8, seed=0, max_iter=100) -> (X, w): k-means in CIE Lab."},
    {"grid_emd", KW py_grid_emd, METH_VARARGS | METH_KEYWORDS,
     "grid_emd(a, b, metric='cityblock'|'chebyshev'|'euclidean', spacing=1, max_iter=None, "
     "certify=True) -> dict."},
    {"retrieve", KW py_retrieve, METH_VARARGS | METH_KEYWORDS,
     "retrieve(db, queries, k=10, mode='exact', metric='euclidean', rerank=0, seed=0, "
     "threads=0) -> dict."},
    {"embed_distances", KW py_embed_distances, METH_VARARGS | METH_KEYWORDS,
     "embed_distances(A, B, seed=0, levels=0, cell=0, max_cells=0, threads=0) -> dict: "
     "D (len(A) x len(B)) of grid-embedding L1 distances and how they were computed."},
    {NULL, NULL, 0, NULL}};

int wass_py_image_init(PyObject *mod) {
    (void)mod;
    return 0;
}
