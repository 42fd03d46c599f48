/*
 * _wass_pairwise.c - distance matrices in the `_wass` extension: many
 * distributions packed into flat arrays (point clouds: all points stacked
 * with offsets; histograms: one row each; bags: word indices and weights
 * stacked with offsets), a block of the matrix computed by wass_pairwise or
 * wass_wmd_pairwise with the GIL released, progress to a Python callable.
 */
#include "wass_py.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Packed sets                                                              */
/* ------------------------------------------------------------------------ */

/* int64 offsets of `count` + 1 entries, nondecreasing from 0 to `total`. */
static PyArrayObject *get_offsets(PyObject *obj, const char *name, size_t total, size_t *count) {
    PyArrayObject *o = (PyArrayObject *)PyArray_FROMANY(
        obj, NPY_INT64, 1, 1, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED | NPY_ARRAY_FORCECAST);
    if (!o) return NULL;
    const int64_t *v = PyArray_DATA(o);
    size_t len = (size_t)PyArray_DIM(o, 0);
    if (len < 2 || v[0] != 0 || (size_t)v[len - 1] != total) {
        PyErr_Format(PyExc_ValueError, "%s must run from 0 to %zu with at least 2 entries", name,
                     total);
        Py_DECREF(o);
        return NULL;
    }
    for (size_t k = 1; k < len; k++)
        if (v[k] < v[k - 1]) {
            PyErr_Format(PyExc_ValueError, "%s must be nondecreasing (entry %zu)", name, k);
            Py_DECREF(o);
            return NULL;
        }
    *count = len - 1;
    return o;
}

typedef struct {
    PyArrayObject *X, *w, *off, *H;
    wass_cloud *clouds;
    wass_set set;
} packed_set;

static void packed_clear(packed_set *s) {
    Py_CLEAR(s->X);
    Py_CLEAR(s->w);
    Py_CLEAR(s->off);
    Py_CLEAR(s->H);
    PyMem_Free(s->clouds);
    s->clouds = NULL;
}

/* clouds (X: N x d points, w: N weights or None, off: count + 1) or
 * histograms (H: count x n). */
static int packed_get(packed_set *s, const char *name, PyObject *X, PyObject *w, PyObject *off,
                      PyObject *H) {
    memset(s, 0, sizeof *s);
    char nm[64];
    if (H != Py_None) {
        snprintf(nm, sizeof nm, "%s histograms", name);
        s->H = as_double(H, nm, 2, 2);
        if (!s->H) return -1;
        s->set.H = data_of(s->H);
        s->set.count = (size_t)PyArray_DIM(s->H, 0);
        s->set.n = (size_t)PyArray_DIM(s->H, 1);
        return 0;
    }
    snprintf(nm, sizeof nm, "%s points", name);
    s->X = as_double(X, nm, 2, 2);
    if (!s->X) return -1;
    size_t N = (size_t)PyArray_DIM(s->X, 0), d = (size_t)PyArray_DIM(s->X, 1), count;
    snprintf(nm, sizeof nm, "%s weights", name);
    if (opt_double(w, nm, 1, 1, &s->w) || check_len(s->w, nm, N, "points")) return -1;
    snprintf(nm, sizeof nm, "%s offsets", name);
    s->off = get_offsets(off, nm, N, &count);
    if (!s->off) return -1;
    s->clouds = PyMem_Calloc(count, sizeof *s->clouds);
    if (!s->clouds) {
        PyErr_NoMemory();
        return -1;
    }
    const int64_t *o = PyArray_DATA(s->off);
    const double *px = data_of(s->X), *pw = data_of(s->w);
    for (size_t k = 0; k < count; k++) {
        s->clouds[k].n = (size_t)(o[k + 1] - o[k]);
        s->clouds[k].d = d;
        s->clouds[k].X = px + (size_t)o[k] * d;
        s->clouds[k].w = pw ? pw + (size_t)o[k] : NULL;
    }
    s->set.clouds = s->clouds;
    s->set.count = count;
    return 0;
}

static int get_block(PyObject *obj, size_t rows, size_t cols, wass_block *b) {
    b->i0 = 0;
    b->i1 = rows;
    b->j0 = 0;
    b->j1 = cols;
    if (obj == Py_None) return 0;
    long long v[4];
    if (!PyArg_ParseTuple(obj, "LLLL", &v[0], &v[1], &v[2], &v[3])) return -1;
    for (int t = 0; t < 4; t++)
        if (v[t] < 0) {
            PyErr_SetString(PyExc_ValueError, "block bounds must be nonnegative");
            return -1;
        }
    b->i0 = (size_t)v[0];
    b->i1 = (size_t)v[1];
    b->j0 = (size_t)v[2];
    b->j1 = (size_t)v[3];
    return 0;
}

/* Run the block with the GIL released; returns (out, status) or NULL. */
typedef int (*block_fn)(void *user, const wass_block *blk, wass_pairwise_options *popt, double *out,
                        int *status, wass_error_info *err);

static PyObject *run_block(block_fn fn, void *user, const wass_block *blk,
                           wass_pairwise_options *popt, PyObject *progress) {
    size_t ni = blk->i1 >= blk->i0 ? blk->i1 - blk->i0 : 0;
    size_t nj = blk->j1 >= blk->j0 ? blk->j1 - blk->j0 : 0;
    npy_intp dims[2] = {(npy_intp)ni, (npy_intp)nj};
    PyObject *out = PyArray_SimpleNew(2, dims, NPY_DOUBLE);
    PyObject *st = PyArray_SimpleNew(2, dims, NPY_INT32);
    if (!out || !st) {
        Py_XDECREF(out);
        Py_XDECREF(st);
        return NULL;
    }
    py_progress pp;
    if (py_progress_init(&pp, progress)) {
        Py_DECREF(out);
        Py_DECREF(st);
        return NULL;
    }
    if (pp.fn) {
        popt->progress = py_progress_cb;
        popt->progress_user = &pp;
    }
    wass_error_info err;
    memset(&err, 0, sizeof err);
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = fn(user, blk, popt, PyArray_DATA((PyArrayObject *)out),
                                   PyArray_DATA((PyArrayObject *)st), &err);
    Py_END_ALLOW_THREADS if (py_progress_raise(&pp) || rc) {
        Py_DECREF(out);
        Py_DECREF(st);
        if (PyErr_Occurred()) return NULL;
        return raise_wass(rc, &err);
    }
    return Py_BuildValue("(NN)", out, st);
}

/* ------------------------------------------------------------------------ */
/* Clouds and histograms                                                    */
/* ------------------------------------------------------------------------ */

static int cloud_block(void *user, const wass_block *blk, wass_pairwise_options *popt, double *out,
                       int *status, wass_error_info *err) {
    return wass_pairwise(user, blk, popt, out, status, err);
}

static PyObject *py_pairwise(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"X",        "w",         "off", "H",           "X2",       "w2",
                             "off2",     "H2",        "M",   "block",       "metric",   "p",
                             "q",        "method",    "reg", "mass",        "mass_tol", "max_iter",
                             "certify",  "algorithm", "tol", "eps_scaling", "tau",      "threads",
                             "progress", NULL};
    PyObject *X = Py_None, *w = Py_None, *off = Py_None, *H = Py_None, *X2 = Py_None, *w2 = Py_None,
             *off2 = Py_None, *H2 = Py_None, *M = Py_None, *block = Py_None;
    const char *metric = "euclidean", *method = "emd", *mass = NULL, *algorithm = NULL;
    double p = 1.0, q = 2.0, reg = 0.0;
    PyObject *mass_tol = NULL, *max_iter = NULL, *certify = NULL, *tol = NULL, *eps_scaling = NULL,
             *tau = NULL, *threads = NULL, *progress = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOOOOOOOOsddsdzOOOzOOOOO", kwlist, &X, &w, &off,
                                     &H, &X2, &w2, &off2, &H2, &M, &block, &metric, &p, &q, &method,
                                     &reg, &mass, &mass_tol, &max_iter, &certify, &algorithm, &tol,
                                     &eps_scaling, &tau, &threads, &progress))
        return NULL;
    wass_pairwise_options popt;
    wass_pairwise_options_default(&popt);
    if (wass_pairwise_method_parse(method, &popt.method) != WASS_OK)
        return PyErr_Format(WassError, "unknown method '%s' (expected emd or sinkhorn)", method);
    int64_t mi = 0;
    if (get_double(mass_tol, "mass_tol", &popt.emd.mass_tol) ||
        get_i64(max_iter, "max_iter", &mi) || get_bool(certify, &popt.emd.certify) ||
        get_double(tol, "tol", &popt.sinkhorn.tol) ||
        get_bool(eps_scaling, &popt.sinkhorn.eps_scaling) ||
        get_double(tau, "tau", &popt.sinkhorn.tau) || get_threads(threads, &popt.threads))
        return NULL;
    if (max_iter && max_iter != Py_None) {
        popt.emd.max_iter = mi;
        popt.sinkhorn.max_iter = mi;
    }
    popt.sinkhorn.reg = reg;
    if (mass && wass_mass_parse(mass, &popt.emd.mass))
        return PyErr_Format(
            WassError, "unknown mass mode '%s' (expected balanced, normalize or partial)", mass);
    if (algorithm && wass_algorithm_parse(algorithm, &popt.emd.algorithm) != WASS_OK)
        return PyErr_Format(WassError, "unknown algorithm '%s' (expected auto, simplex or colgen)",
                            algorithm);
    wass_pairwise_problem pb;
    memset(&pb, 0, sizeof pb);
    packed_set A, B;
    memset(&B, 0, sizeof B);
    PyArrayObject *Ma = NULL;
    PyObject *res = NULL;
    if (packed_get(&A, "A", X, w, off, H)) goto done;
    pb.A = A.set;
    if (X2 != Py_None || H2 != Py_None) {
        if (packed_get(&B, "B", X2, w2, off2, H2)) goto done;
        pb.B = B.set;
    }
    if (A.set.clouds) {
        if (get_ground(metric, p, q, &pb.ground)) goto done;
    } else {
        if (M == Py_None) {
            PyErr_SetString(PyExc_ValueError, "histograms need a cost matrix M");
            goto done;
        }
        Ma = as_double(M, "M", 2, 2);
        if (!Ma) goto done;
        size_t nb = pb.B.H ? pb.B.n : pb.A.n;
        if ((size_t)PyArray_DIM(Ma, 0) != pb.A.n || (size_t)PyArray_DIM(Ma, 1) != nb) {
            char shp[96];
            shape_str(Ma, shp, sizeof shp);
            PyErr_Format(PyExc_ValueError, "M must have shape (%zu, %zu), got %s", pb.A.n, nb, shp);
            goto done;
        }
        pb.M = data_of(Ma);
        pb.p = p;
    }
    wass_block blk;
    if (get_block(block, pb.A.count, pb.B.count ? pb.B.count : pb.A.count, &blk)) goto done;
    res = run_block(cloud_block, &pb, &blk, &popt, progress);
done:
    Py_XDECREF(Ma);
    packed_clear(&A);
    packed_clear(&B);
    return res;
}

/* ------------------------------------------------------------------------ */
/* Bags of words                                                            */
/* ------------------------------------------------------------------------ */

typedef struct {
    PyArrayObject *words, *weights, *off;
    size_t *idx;
    wass_bag *bags;
    size_t count;
} packed_bags;

static void bags_clear(packed_bags *s) {
    Py_CLEAR(s->words);
    Py_CLEAR(s->weights);
    Py_CLEAR(s->off);
    PyMem_Free(s->idx);
    PyMem_Free(s->bags);
    s->idx = NULL;
    s->bags = NULL;
}

static int bags_get(packed_bags *s, const char *name, PyObject *words, PyObject *weights,
                    PyObject *off) {
    memset(s, 0, sizeof *s);
    char nm[64];
    s->words = (PyArrayObject *)PyArray_FROMANY(words, NPY_INT64, 1, 1,
                                                NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED);
    if (!s->words) return -1;
    size_t N = (size_t)PyArray_DIM(s->words, 0);
    snprintf(nm, sizeof nm, "%s weights", name);
    s->weights = (PyArrayObject *)PyArray_FROMANY(weights, NPY_DOUBLE, 1, 1,
                                                  NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED);
    if (!s->weights) return -1;
    if ((size_t)PyArray_DIM(s->weights, 0) != N) {
        PyErr_Format(PyExc_ValueError, "%s: %zu weights for %zu words", name,
                     (size_t)PyArray_DIM(s->weights, 0), N);
        return -1;
    }
    snprintf(nm, sizeof nm, "%s offsets", name);
    s->off = get_offsets(off, nm, N, &s->count);
    if (!s->off) return -1;
    s->idx = PyMem_Malloc((N ? N : 1) * sizeof *s->idx);
    s->bags = PyMem_Calloc(s->count, sizeof *s->bags);
    if (!s->idx || !s->bags) {
        PyErr_NoMemory();
        return -1;
    }
    const int64_t *wd = PyArray_DATA(s->words), *o = PyArray_DATA(s->off);
    for (size_t t = 0; t < N; t++)
        s->idx[t] = wd[t] < 0 ? (size_t)-1 : (size_t)wd[t];
    double *wt = PyArray_DATA(s->weights);
    for (size_t k = 0; k < s->count; k++) {
        s->bags[k].len = (size_t)(o[k + 1] - o[k]);
        s->bags[k].word = s->idx + o[k];
        s->bags[k].weight = wt + o[k];
        s->bags[k].count = wt + o[k];
    }
    return 0;
}

typedef struct {
    const wass_wordvec *wv;
    packed_bags *A, *B;
    wass_wmd_options o;
} wmd_call;

static int wmd_block(void *user, const wass_block *blk, wass_pairwise_options *popt, double *out,
                     int *status, wass_error_info *err) {
    wmd_call *c = user;
    return wass_wmd_pairwise(c->wv, c->A->bags, c->A->count, c->B ? c->B->bags : NULL,
                             c->B ? c->B->count : 0, blk, &c->o, popt, out, status, err);
}

static PyObject *py_wmd_pairwise(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"vectors",  "words",    "weights", "off",      "words2",
                             "weights2", "off2",     "block",   "distance", "normalize",
                             "threads",  "progress", NULL};
    PyObject *vo, *words, *weights, *off, *words2 = Py_None, *weights2 = Py_None, *off2 = Py_None,
                                          *block = Py_None, *threads = NULL, *progress = Py_None;
    const char *distance = NULL;
    int normalize = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOO|OOOOzpOO", kwlist, &vo, &words, &weights, &off,
                                     &words2, &weights2, &off2, &block, &distance, &normalize,
                                     &threads, &progress))
        return NULL;
    wmd_call c;
    memset(&c, 0, sizeof c);
    c.wv = wass_py_wordvec(vo);
    if (!c.wv) return NULL;
    wass_wmd_options_default(&c.o);
    if (distance && wass_wmd_distance_parse(distance, &c.o.distance))
        return PyErr_Format(WassError, "unknown word distance '%s' (expected euclidean or cosine)",
                            distance);
    c.o.normalize = normalize;
    wass_pairwise_options popt;
    wass_pairwise_options_default(&popt);
    if (get_threads(threads, &popt.threads)) return NULL;
    packed_bags A, B;
    memset(&B, 0, sizeof B);
    PyObject *res = NULL;
    if (bags_get(&A, "A", words, weights, off)) goto done;
    c.A = &A;
    if (words2 != Py_None) {
        if (bags_get(&B, "B", words2, weights2, off2)) goto done;
        c.B = &B;
    }
    wass_block blk;
    if (get_block(block, A.count, c.B ? B.count : A.count, &blk)) goto done;
    res = run_block(wmd_block, &c, &blk, &popt, progress);
done:
    bags_clear(&A);
    bags_clear(&B);
    return res;
}

PyMethodDef wass_py_pairwise_methods[] = {
    {"pairwise", KW py_pairwise, METH_VARARGS | METH_KEYWORDS,
     "pairwise(X, w, off, H, X2, w2, off2, H2, M, block, ...) -> (costs, statuses) of a block."},
    {"wmd_pairwise", KW py_wmd_pairwise, METH_VARARGS | METH_KEYWORDS,
     "wmd_pairwise(vectors, words, weights, off, words2, weights2, off2, block, ...) -> "
     "(distances, statuses) of a block."},
    {NULL, NULL, 0, NULL}};
