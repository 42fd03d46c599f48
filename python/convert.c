/*
 * convert.c - conversions shared by the files of the `_wass` extension:
 * numpy arrays (any real dtype, any strides) to the C-contiguous doubles
 * of the public API, shape checks, scalars, metrics, problems and result
 * dicts, and the mapping of library error codes to Python exceptions.
 */
#include "wass_py.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

PyObject *WassError; /* wass.WassError, a ValueError */

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/* Raise the Python exception for a library error code; returns NULL. */
PyObject *raise_wass(int code, const wass_error_info *err) {
    const char *msg = (err && err->message[0]) ? err->message : wass_strerror(code);
    PyObject *type;
    switch (code) {
    case WASS_ERR_NOMEM:
        type = PyExc_MemoryError;
        break;
    case WASS_ERR_UNSUPPORTED:
        type = PyExc_NotImplementedError;
        break;
    case WASS_ERR_IO:
        type = PyExc_OSError;
        break;
    case WASS_ERR_DTYPE:
        type = PyExc_TypeError;
        break;
    case WASS_ERR_INTERNAL:
        type = PyExc_RuntimeError;
        break;
    default:
        type = WassError;
        break;
    }
    PyObject *exc = PyObject_CallFunction(type, "s", msg);
    if (!exc) return NULL;
    PyObject *c = PyLong_FromLong(code);
    if (c) {
        PyObject_SetAttrString(exc, "code", c);
        Py_DECREF(c);
    }
    PyErr_Clear();
    PyErr_SetObject(type, exc);
    Py_DECREF(exc);
    return NULL;
}

/* "(3, 5)" / "(3,)" */
void shape_str(PyArrayObject *arr, char *buf, size_t size) {
    int nd = PyArray_NDIM(arr);
    npy_intp *dims = PyArray_DIMS(arr);
    size_t len = 0;
    len += (size_t)snprintf(buf + len, size - len, "(");
    for (int k = 0; k < nd && len < size; k++)
        len += (size_t)snprintf(buf + len, size - len, "%s%ld", k ? ", " : "", (long)dims[k]);
    if (len < size) snprintf(buf + len, size - len, nd == 1 ? ",)" : ")");
}

/* ------------------------------------------------------------------------ */
/* Array conversion                                                         */
/* ------------------------------------------------------------------------ */

/* Convert obj to a C-contiguous, aligned float64 array with lo..hi dimensions
 * and at least one element (copying only when needed). Any real dtype is
 * accepted and converted (float64/32/16, long double, signed and unsigned
 * integers, bool), from numpy arrays and Python sequences alike; complex,
 * object, string and date dtypes are rejected. Errors name the argument.
 * Returns a new reference or NULL. */
PyArrayObject *as_double(PyObject *obj, const char *name, int lo, int hi) {
    PyArrayObject *src;
    if (PyArray_Check(obj)) {
        src = (PyArrayObject *)obj;
        Py_INCREF(src);
    } else {
        src = (PyArrayObject *)PyArray_FROM_O(obj);
        if (!src) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "%s must be an array of real numbers, got %s", name,
                         Py_TYPE(obj)->tp_name);
            return NULL;
        }
    }
    int t = PyArray_TYPE(src);
    int ok = PyTypeNum_ISFLOAT(t) || PyTypeNum_ISINTEGER(t) || PyTypeNum_ISBOOL(t);
    if (!ok) {
        PyObject *dt = PyObject_Str((PyObject *)PyArray_DESCR(src));
        if (dt) {
            PyErr_Format(PyExc_TypeError,
                         "%s must hold real numbers (a float, integer or bool dtype), got dtype "
                         "%U",
                         name, dt);
            Py_DECREF(dt);
        }
        Py_DECREF(src);
        return NULL;
    }
    int nd = PyArray_NDIM(src);
    if (nd < lo || nd > hi) {
        char shp[96];
        shape_str(src, shp, sizeof shp);
        const char *what = nd == 0 ? "a scalar" : "shape ";
        if (nd == 0) shp[0] = '\0';
        if (lo == hi)
            PyErr_Format(PyExc_ValueError, "%s must be a %d-D array, got %s%s", name, lo, what,
                         shp);
        else
            PyErr_Format(PyExc_ValueError, "%s must be a %d-D or %d-D array, got %s%s", name, lo,
                         hi, what, shp);
        Py_DECREF(src);
        return NULL;
    }
    if (PyArray_SIZE(src) == 0) {
        char shp[96];
        shape_str(src, shp, sizeof shp);
        PyErr_Format(WassError, "%s is empty (shape %s)", name, shp);
        Py_DECREF(src);
        return NULL;
    }
    /* forcecast: long double (the one real dtype numpy will not cast safely) */
    PyArrayObject *out = (PyArrayObject *)PyArray_FROMANY(
        (PyObject *)src, NPY_DOUBLE, lo, hi,
        NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED | NPY_ARRAY_FORCECAST);
    Py_DECREF(src);
    return out;
}

/* Optional array: NULL result with *arr = NULL when obj is None. Returns 0/-1. */
int opt_double(PyObject *obj, const char *name, int lo, int hi, PyArrayObject **arr) {
    *arr = NULL;
    if (!obj || obj == Py_None) return 0;
    *arr = as_double(obj, name, lo, hi);
    return *arr ? 0 : -1;
}

double *data_of(PyArrayObject *arr) {
    return arr ? (double *)PyArray_DATA(arr) : NULL;
}

size_t len0(PyArrayObject *arr) {
    return (size_t)PyArray_DIM(arr, 0);
}

/* Check a 1-D weight array against the expected length. */
int check_len(PyArrayObject *w, const char *name, size_t n, const char *what) {
    if (!w || len0(w) == n) return 0;
    char shp[96];
    shape_str(w, shp, sizeof shp);
    PyErr_Format(PyExc_ValueError, "%s must have shape (%zu,)%s%s, got %s", name, n,
                 what ? " to match " : "", what ? what : "", shp);
    return -1;
}

PyObject *new_vector(const double *x, size_t n) {
    npy_intp dims[1] = {(npy_intp)n};
    PyObject *arr = PyArray_SimpleNew(1, dims, NPY_DOUBLE);
    if (arr && n) memcpy(PyArray_DATA((PyArrayObject *)arr), x, n * sizeof(double));
    return arr;
}

/* ------------------------------------------------------------------------ */
/* Optional scalar options (None = library default)                         */
/* ------------------------------------------------------------------------ */

int get_double(PyObject *obj, const char *name, double *out) {
    if (!obj || obj == Py_None) return 0;
    double v = PyFloat_AsDouble(obj);
    if (v == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s must be a number, got %s", name, Py_TYPE(obj)->tp_name);
        return -1;
    }
    *out = v;
    return 0;
}

int get_i64(PyObject *obj, const char *name, int64_t *out) {
    if (!obj || obj == Py_None) return 0;
    if (PyFloat_Check(obj) || !PyIndex_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be an integer, got %s", name, Py_TYPE(obj)->tp_name);
        return -1;
    }
    long long v = PyLong_AsLongLong(obj);
    if (v == -1 && PyErr_Occurred()) return -1;
    *out = (int64_t)v;
    return 0;
}

int get_int(PyObject *obj, const char *name, int *out) {
    int64_t v = *out;
    if (get_i64(obj, name, &v)) return -1;
    if (v < INT32_MIN || v > INT32_MAX) {
        PyErr_Format(PyExc_ValueError, "%s = %lld is out of range", name, (long long)v);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* The thread count used where a call passes threads=None (0 = all cores);
 * set by wass.set_num_threads. */
int wass_py_default_threads = 0;

/* threads: None = the module default, else an integer >= 0 (0 = all cores). */
int get_threads(PyObject *obj, int *out) {
    if (!obj || obj == Py_None) {
        *out = wass_py_default_threads;
        return 0;
    }
    int v = 0;
    if (get_int(obj, "threads", &v)) return -1;
    if (v < 0) {
        PyErr_Format(WassError, "threads = %d must be >= 0 (0 or None = all cores)", v);
        return -1;
    }
    *out = v;
    return 0;
}

int get_bool(PyObject *obj, int *out) {
    if (!obj || obj == Py_None) return 0;
    int v = PyObject_IsTrue(obj);
    if (v < 0) return -1;
    *out = v;
    return 0;
}

int get_metric(const char *name, wass_metric *out) {
    if (wass_metric_parse(name, out) != WASS_OK) {
        PyErr_Format(WassError,
                     "unknown metric '%s' (expected euclidean, sqeuclidean, cityblock, "
                     "chebyshev or minkowski)",
                     name);
        return -1;
    }
    return 0;
}

int get_ground(const char *metric, double p, double q, wass_ground *g) {
    wass_metric mt;
    if (get_metric(metric, &mt)) return -1;
    *g = wass_ground_make(mt, p);
    g->q = q;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Problems: weights + a dense cost M or two point clouds X, Y              */
/* ------------------------------------------------------------------------ */

void problem_args_clear(problem_args *pa) {
    Py_CLEAR(pa->a);
    Py_CLEAR(pa->b);
    Py_CLEAR(pa->M);
    Py_CLEAR(pa->X);
    Py_CLEAR(pa->Y);
}

size_t dim_of(PyArrayObject *pts) {
    return PyArray_NDIM(pts) == 1 ? 1 : (size_t)PyArray_DIM(pts, 1);
}

/* Convert the two clouds X (n x d or n) and Y (m x d or m); checks d. */
int get_clouds(PyObject *X, PyObject *Y, PyArrayObject **Xa, PyArrayObject **Ya) {
    *Xa = as_double(X, "X", 1, 2);
    if (!*Xa) return -1;
    *Ya = as_double(Y, "Y", 1, 2);
    if (!*Ya) return -1;
    if (dim_of(*Xa) != dim_of(*Ya)) {
        char sx[96], sy[96];
        shape_str(*Xa, sx, sizeof sx);
        shape_str(*Ya, sy, sizeof sy);
        PyErr_Format(PyExc_ValueError,
                     "X and Y must have the same dimension (columns), got X of shape %s and Y "
                     "of shape %s",
                     sx, sy);
        return -1;
    }
    return 0;
}

int build_problem(problem_args *pa, PyObject *a, PyObject *b, PyObject *M, PyObject *X, PyObject *Y,
                  const char *metric, double p, double q) {
    memset(pa, 0, sizeof *pa);
    int have_M = M && M != Py_None;
    int have_X = X && X != Py_None, have_Y = Y && Y != Py_None;
    if (have_M && (have_X || have_Y)) {
        PyErr_SetString(PyExc_ValueError, "give either a cost matrix M or point clouds X and Y, "
                                          "not both");
        return -1;
    }
    if (!have_M && !(have_X && have_Y)) {
        PyErr_SetString(PyExc_ValueError, (have_X || have_Y)
                                              ? "point clouds need both X and Y"
                                              : "give a cost matrix M or point clouds X and Y");
        return -1;
    }
    if (opt_double(a, "a", 1, 1, &pa->a) || opt_double(b, "b", 1, 1, &pa->b)) return -1;
    if (have_M) {
        if (!(pa->M = as_double(M, "M", 2, 2))) return -1;
        size_t n = pa->a ? len0(pa->a) : (size_t)PyArray_DIM(pa->M, 0);
        size_t m = pa->b ? len0(pa->b) : (size_t)PyArray_DIM(pa->M, 1);
        if ((size_t)PyArray_DIM(pa->M, 0) != n || (size_t)PyArray_DIM(pa->M, 1) != m) {
            char shp[96];
            shape_str(pa->M, shp, sizeof shp);
            PyErr_Format(PyExc_ValueError, "M must have shape (%zu, %zu), got %s", n, m, shp);
            return -1;
        }
        if (!(p > 0 && isfinite(p))) {
            char msg[96];
            snprintf(msg, sizeof msg, "power p = %g must be positive and finite", p);
            PyErr_SetString(WassError, msg);
            return -1;
        }
        pa->pb.n = n;
        pa->pb.m = m;
        pa->pb.cost = wass_cost_dense(data_of(pa->M), m, p);
    } else {
        if (get_clouds(X, Y, &pa->X, &pa->Y)) return -1;
        size_t n = len0(pa->X), m = len0(pa->Y);
        if (check_len(pa->a, "a", n, "X") || check_len(pa->b, "b", m, "Y")) return -1;
        wass_ground g;
        if (get_ground(metric, p, q, &g)) return -1;
        pa->pb.n = n;
        pa->pb.m = m;
        pa->pb.cost = wass_cost_points(data_of(pa->X), data_of(pa->Y), dim_of(pa->X), g);
    }
    pa->pb.a = data_of(pa->a);
    pa->pb.b = data_of(pa->b);
    wass_error_info err;
    int rc = wass_problem_check(&pa->pb, &err);
    if (rc) {
        raise_wass(rc, &err);
        return -1;
    }
    return 0;
}

/* A weighted cloud from X (n x d or n) and optional weights w. */
int build_cloud(wass_cloud *c, PyArrayObject *X, PyArrayObject *w) {
    c->n = len0(X);
    c->d = dim_of(X);
    c->X = data_of(X);
    c->w = data_of(w);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Dict helpers                                                             */
/* ------------------------------------------------------------------------ */

/* d[key] = val, stealing val; returns -1 (with val released) on failure. */
int put(PyObject *d, const char *key, PyObject *val) {
    if (!val) return -1;
    int rc = PyDict_SetItemString(d, key, val);
    Py_DECREF(val);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* emd: exact solve (network simplex), optionally with the W1 critic         */
/* ------------------------------------------------------------------------ */

PyObject *result_dict(const wass_result *r) {
    PyObject *d = PyDict_New();
    if (!d) return NULL;
    size_t L = r->plan_len;
    npy_intp dims[1] = {(npy_intp)L};
    PyObject *pi = PyArray_SimpleNew(1, dims, NPY_INTP);
    PyObject *pj = PyArray_SimpleNew(1, dims, NPY_INTP);
    PyObject *pm = PyArray_SimpleNew(1, dims, NPY_DOUBLE);
    if (!pi || !pj || !pm) {
        Py_XDECREF(pi);
        Py_XDECREF(pj);
        Py_XDECREF(pm);
        Py_DECREF(d);
        return NULL;
    }
    npy_intp *ii = PyArray_DATA((PyArrayObject *)pi), *jj = PyArray_DATA((PyArrayObject *)pj);
    double *mm = PyArray_DATA((PyArrayObject *)pm);
    for (size_t k = 0; k < L; k++) {
        ii[k] = (npy_intp)r->plan[k].i;
        jj[k] = (npy_intp)r->plan[k].j;
        mm[k] = r->plan[k].mass;
    }
    PyObject *cert;
    if (r->cert.checked)
        cert =
            Py_BuildValue("{s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:O}", "marginal_error",
                          r->cert.marginal_error, "min_reduced_cost", r->cert.min_reduced_cost,
                          "duality_gap", r->cert.duality_gap, "primal", r->cert.primal, "dual",
                          r->cert.dual, "gap_bound", r->cert.gap_bound, "tol", r->cert.tol, "floor",
                          r->cert.floor, "certified", r->cert.certified ? Py_True : Py_False);
    else {
        cert = Py_None;
        Py_INCREF(cert);
    }
    PyObject *u, *v;
    if (r->u)
        u = new_vector(r->u, r->n);
    else {
        u = Py_None;
        Py_INCREF(u);
    }
    if (r->v)
        v = new_vector(r->v, r->m);
    else {
        v = Py_None;
        Py_INCREF(v);
    }
    if (put(d, "plan_i", pi) || put(d, "plan_j", pj) || put(d, "plan_mass", pm) ||
        put(d, "certificate", cert) || put(d, "u", u) || put(d, "v", v) ||
        put(d, "status", PyLong_FromLong(r->status)) ||
        put(d, "status_string", PyUnicode_FromString(wass_status_string(r->status))) ||
        put(d, "message", PyUnicode_DecodeUTF8(r->message, strlen(r->message), "replace")) ||
        put(d, "cost", PyFloat_FromDouble(r->cost)) ||
        put(d, "distance", PyFloat_FromDouble(r->distance)) ||
        put(d, "work", PyFloat_FromDouble(r->work)) ||
        put(d, "flow", PyFloat_FromDouble(r->flow)) || put(d, "n", PyLong_FromSize_t(r->n)) ||
        put(d, "m", PyLong_FromSize_t(r->m)) ||
        put(d, "iterations", PyLong_FromLongLong(r->iterations)) ||
        put(d, "seconds", PyFloat_FromDouble(r->seconds)) ||
        put(d, "certify_seconds", PyFloat_FromDouble(r->certify_seconds)) ||
        put(d, "algorithm",
            PyUnicode_FromString(r->algorithm == WASS_ALGO_COLGEN ? "colgen" : "simplex")) ||
        put(d, "rounds", PyLong_FromLongLong(r->rounds)) ||
        put(d, "candidate_arcs", PyLong_FromSize_t(r->candidate_arcs))) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}
/* ------------------------------------------------------------------------ */
/* Progress: a Python callable called from the library's progress hook      */
/* ------------------------------------------------------------------------ */

/* The library calls its hook from the calling thread while the GIL is
 * released: take it, call fn(fraction, stage), and keep the first exception
 * to raise once the solve has returned (the solve itself cannot be stopped). */
void py_progress_cb(double fraction, const char *stage, void *user) {
    py_progress *pp = user;
    PyGILState_STATE st = PyGILState_Ensure();
    if (!pp->failed) {
        PyObject *r = PyObject_CallFunction(pp->fn, "ds", fraction, stage);
        if (r)
            Py_DECREF(r);
        else {
            PyErr_Fetch(&pp->type, &pp->value, &pp->tb);
            pp->failed = 1;
        }
    }
    PyGILState_Release(st);
}

int py_progress_init(py_progress *pp, PyObject *fn) {
    memset(pp, 0, sizeof *pp);
    if (!fn || fn == Py_None) return 0;
    if (!PyCallable_Check(fn)) {
        PyErr_Format(PyExc_TypeError,
                     "progress must be a callable f(fraction, stage) or None, got %s",
                     Py_TYPE(fn)->tp_name);
        return -1;
    }
    pp->fn = fn;
    return 0;
}

int py_progress_raise(py_progress *pp) {
    if (!pp->failed) return 0;
    PyErr_Restore(pp->type, pp->value, pp->tb);
    pp->type = pp->value = pp->tb = NULL;
    pp->failed = 0;
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Two weighted clouds                                                      */
/* ------------------------------------------------------------------------ */

void cloud_pair_clear(cloud_pair *cp) {
    Py_CLEAR(cp->X);
    Py_CLEAR(cp->Y);
    Py_CLEAR(cp->a);
    Py_CLEAR(cp->b);
}

int build_pair(cloud_pair *cp, PyObject *X, PyObject *Y, PyObject *a, PyObject *b) {
    memset(cp, 0, sizeof *cp);
    if (get_clouds(X, Y, &cp->X, &cp->Y)) return -1;
    if (opt_double(a, "a", 1, 1, &cp->a) || opt_double(b, "b", 1, 1, &cp->b)) return -1;
    if (check_len(cp->a, "a", len0(cp->X), "X") || check_len(cp->b, "b", len0(cp->Y), "Y"))
        return -1;
    build_cloud(&cp->P, cp->X, cp->a);
    build_cloud(&cp->Q, cp->Y, cp->b);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Bags of words                                                            */
/* ------------------------------------------------------------------------ */

/* 1-D array of vocabulary indices (integers >= 0) copied to size_t;
 * *n its length. PyMem-allocated (also for n = 0). */
size_t *index_array(PyObject *obj, const char *name, size_t *n) {
    PyArrayObject *a = (PyArrayObject *)PyArray_FROM_O(obj);
    if (!a) return NULL;
    if (PyArray_NDIM(a) != 1) {
        char shp[96];
        shape_str(a, shp, sizeof shp);
        PyErr_Format(PyExc_ValueError, "%s must be a 1-D array of word indices, got shape %s", name,
                     shp);
        Py_DECREF(a);
        return NULL;
    }
    int t = PyArray_TYPE(a);
    if (PyArray_SIZE(a) > 0 && !PyTypeNum_ISINTEGER(t)) {
        PyObject *dt = PyObject_Str((PyObject *)PyArray_DESCR(a));
        if (dt) {
            PyErr_Format(PyExc_TypeError, "%s must hold integer word indices, got dtype %U", name,
                         dt);
            Py_DECREF(dt);
        }
        Py_DECREF(a);
        return NULL;
    }
    PyArrayObject *c = (PyArrayObject *)PyArray_FROMANY((PyObject *)a, NPY_INT64, 1, 1,
                                                        NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED |
                                                            NPY_ARRAY_FORCECAST);
    Py_DECREF(a);
    if (!c) return NULL;
    *n = (size_t)PyArray_DIM(c, 0);
    size_t *out = PyMem_Malloc((*n ? *n : 1) * sizeof *out);
    if (!out) {
        Py_DECREF(c);
        PyErr_NoMemory();
        return NULL;
    }
    const int64_t *v = PyArray_DATA(c);
    for (size_t k = 0; k < *n; k++) {
        if (v[k] < 0) {
            PyErr_Format(WassError, "%s: word index %lld is negative", name, (long long)v[k]);
            PyMem_Free(out);
            Py_DECREF(c);
            return NULL;
        }
        out[k] = (size_t)v[k];
    }
    Py_DECREF(c);
    return out;
}

/* 1-D float array (may be empty) copied to doubles, of length n. */
double *value_array(PyObject *obj, const char *name, size_t n) {
    PyArrayObject *a = (PyArrayObject *)PyArray_FROM_O(obj);
    if (!a) return NULL;
    int t = PyArray_TYPE(a);
    int ok = PyArray_SIZE(a) == 0 || PyTypeNum_ISFLOAT(t) || PyTypeNum_ISINTEGER(t) ||
             PyTypeNum_ISBOOL(t);
    if (!ok) {
        PyObject *dt = PyObject_Str((PyObject *)PyArray_DESCR(a));
        if (dt) {
            PyErr_Format(PyExc_TypeError,
                         "%s must hold real numbers (a float, integer or bool dtype), got dtype "
                         "%U",
                         name, dt);
            Py_DECREF(dt);
        }
        Py_DECREF(a);
        return NULL;
    }
    if (PyArray_NDIM(a) != 1 || (size_t)PyArray_DIM(a, 0) != n) {
        char shp[96];
        shape_str(a, shp, sizeof shp);
        PyErr_Format(PyExc_ValueError,
                     "%s must have shape (%zu,) to match the word indices, got %s", name, n, shp);
        Py_DECREF(a);
        return NULL;
    }
    PyArrayObject *c = (PyArrayObject *)PyArray_FROMANY((PyObject *)a, NPY_DOUBLE, 1, 1,
                                                        NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED |
                                                            NPY_ARRAY_FORCECAST);
    Py_DECREF(a);
    if (!c) return NULL;
    double *out = PyMem_Malloc((n ? n : 1) * sizeof *out);
    if (!out) {
        Py_DECREF(c);
        PyErr_NoMemory();
        return NULL;
    }
    if (n) memcpy(out, PyArray_DATA(c), n * sizeof *out);
    Py_DECREF(c);
    return out;
}

void bag_list_free(bag_list *bl) {
    if (bl->bag)
        for (size_t i = 0; i < bl->n; i++) {
            PyMem_Free(bl->bag[i].word);
            PyMem_Free(bl->bag[i].weight);
        }
    PyMem_Free(bl->bag);
    bl->bag = NULL;
    bl->n = 0;
}

int bag_of(PyObject *pair, const char *name, Py_ssize_t idx, wass_bag *bag) {
    memset(bag, 0, sizeof *bag);
    char what[96];
    if (idx >= 0)
        snprintf(what, sizeof what, "%s[%zd]", name, idx);
    else
        snprintf(what, sizeof what, "%s", name);
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
        PyErr_Format(PyExc_TypeError, "%s must be a bag: a pair (word indices, weights), got %s",
                     what, Py_TYPE(pair)->tp_name);
        return -1;
    }
    char wn[112], vn[112];
    snprintf(wn, sizeof wn, "%s words", what);
    snprintf(vn, sizeof vn, "%s weights", what);
    size_t n;
    bag->word = index_array(PyTuple_GET_ITEM(pair, 0), wn, &n);
    if (!bag->word) return -1;
    bag->len = n;
    bag->weight = value_array(PyTuple_GET_ITEM(pair, 1), vn, n);
    if (!bag->weight) {
        PyMem_Free(bag->word);
        bag->word = NULL;
        return -1;
    }
    bag->count = bag->weight;
    return 0;
}

int bag_list_get(PyObject *seq, const char *name, bag_list *bl) {
    bl->bag = NULL;
    bl->n = 0;
    PyObject *fast = PySequence_Fast(seq, "documents must be a sequence of bags");
    if (!fast) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    bl->bag = PyMem_Calloc((size_t)(n ? n : 1), sizeof *bl->bag);
    if (!bl->bag) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (bag_of(PySequence_Fast_GET_ITEM(fast, i), name, i, &bl->bag[i])) {
            Py_DECREF(fast);
            bag_list_free(bl);
            return -1;
        }
        bl->n = (size_t)i + 1;
    }
    Py_DECREF(fast);
    return 0;
}

void bag_release(wass_bag *bag) {
    PyMem_Free(bag->word);
    PyMem_Free(bag->weight);
    memset(bag, 0, sizeof *bag);
}
