/*
 * _wass.c - the CPython extension behind the `wass` Python module: converts
 * numpy arrays (float64/float32, any strides) to the C-contiguous doubles the
 * public API of libwass expects, checks their shapes, releases the GIL around
 * every call into the library, maps its error codes to Python exceptions and
 * returns plain dicts / arrays that python/wass/__init__.py wraps.
 *
 * Only include/wass.h is used: the module is a front end of the library.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wass.h"
#include "wass/wmd.h"

static PyObject *WassError; /* wass.WassError, a ValueError */

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/* Raise the Python exception for a library error code; returns NULL. */
static PyObject *raise_wass(int code, const wass_error_info *err) {
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
static void shape_str(PyArrayObject *arr, char *buf, size_t size) {
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
 * and at least one element (copying only when needed). numpy arrays must have
 * a floating dtype; Python sequences and scalars of ints/floats are accepted.
 * Errors name the argument. Returns a new reference or NULL. */
static PyArrayObject *as_double(PyObject *obj, const char *name, int lo, int hi) {
    PyArrayObject *src;
    int is_array = PyArray_Check(obj);
    if (is_array) {
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
    int ok = PyTypeNum_ISFLOAT(t) || (!is_array && (PyTypeNum_ISINTEGER(t) || PyTypeNum_ISBOOL(t)));
    if (!ok) {
        PyObject *dt = PyObject_Str((PyObject *)PyArray_DESCR(src));
        if (dt) {
            PyErr_Format(PyExc_TypeError, "%s must be a float64 or float32 array, got dtype %U",
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
    PyArrayObject *out = (PyArrayObject *)PyArray_FROMANY(
        (PyObject *)src, NPY_DOUBLE, lo, hi, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED);
    Py_DECREF(src);
    return out;
}

/* Optional array: NULL result with *arr = NULL when obj is None. Returns 0/-1. */
static int opt_double(PyObject *obj, const char *name, int lo, int hi, PyArrayObject **arr) {
    *arr = NULL;
    if (!obj || obj == Py_None) return 0;
    *arr = as_double(obj, name, lo, hi);
    return *arr ? 0 : -1;
}

static double *data_of(PyArrayObject *arr) {
    return arr ? (double *)PyArray_DATA(arr) : NULL;
}

static size_t len0(PyArrayObject *arr) {
    return (size_t)PyArray_DIM(arr, 0);
}

/* Check a 1-D weight array against the expected length. */
static int check_len(PyArrayObject *w, const char *name, size_t n, const char *what) {
    if (!w || len0(w) == n) return 0;
    char shp[96];
    shape_str(w, shp, sizeof shp);
    PyErr_Format(PyExc_ValueError, "%s must have shape (%zu,)%s%s, got %s", name, n,
                 what ? " to match " : "", what ? what : "", shp);
    return -1;
}

static PyObject *new_vector(const double *x, size_t n) {
    npy_intp dims[1] = {(npy_intp)n};
    PyObject *arr = PyArray_SimpleNew(1, dims, NPY_DOUBLE);
    if (arr && n) memcpy(PyArray_DATA((PyArrayObject *)arr), x, n * sizeof(double));
    return arr;
}

/* ------------------------------------------------------------------------ */
/* Optional scalar options (None = library default)                         */
/* ------------------------------------------------------------------------ */

static int get_double(PyObject *obj, const char *name, double *out) {
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

static int get_i64(PyObject *obj, const char *name, int64_t *out) {
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

static int get_int(PyObject *obj, const char *name, int *out) {
    int64_t v = *out;
    if (get_i64(obj, name, &v)) return -1;
    if (v < INT32_MIN || v > INT32_MAX) {
        PyErr_Format(PyExc_ValueError, "%s = %lld is out of range", name, (long long)v);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int get_bool(PyObject *obj, int *out) {
    if (!obj || obj == Py_None) return 0;
    int v = PyObject_IsTrue(obj);
    if (v < 0) return -1;
    *out = v;
    return 0;
}

static int get_metric(const char *name, wass_metric *out) {
    if (wass_metric_parse(name, out) != WASS_OK) {
        PyErr_Format(WassError,
                     "unknown metric '%s' (expected euclidean, sqeuclidean, cityblock, "
                     "chebyshev or minkowski)",
                     name);
        return -1;
    }
    return 0;
}

static int get_ground(const char *metric, double p, double q, wass_ground *g) {
    wass_metric mt;
    if (get_metric(metric, &mt)) return -1;
    *g = wass_ground_make(mt, p);
    g->q = q;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Problems: weights + a dense cost M or two point clouds X, Y              */
/* ------------------------------------------------------------------------ */

typedef struct {
    PyArrayObject *a, *b, *M, *X, *Y;
    wass_problem pb;
} problem_args;

static void problem_args_clear(problem_args *pa) {
    Py_CLEAR(pa->a);
    Py_CLEAR(pa->b);
    Py_CLEAR(pa->M);
    Py_CLEAR(pa->X);
    Py_CLEAR(pa->Y);
}

static size_t dim_of(PyArrayObject *pts) {
    return PyArray_NDIM(pts) == 1 ? 1 : (size_t)PyArray_DIM(pts, 1);
}

/* Convert the two clouds X (n x d or n) and Y (m x d or m); checks d. */
static int get_clouds(PyObject *X, PyObject *Y, PyArrayObject **Xa, PyArrayObject **Ya) {
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

static int build_problem(problem_args *pa, PyObject *a, PyObject *b, PyObject *M, PyObject *X,
                         PyObject *Y, const char *metric, double p, double q) {
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
static int build_cloud(wass_cloud *c, PyArrayObject *X, PyArrayObject *w) {
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
static int put(PyObject *d, const char *key, PyObject *val) {
    if (!val) return -1;
    int rc = PyDict_SetItemString(d, key, val);
    Py_DECREF(val);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* emd: exact solve (network simplex), optionally with the W1 critic         */
/* ------------------------------------------------------------------------ */

static PyObject *result_dict(const wass_result *r) {
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
        cert = Py_BuildValue("{s:d,s:d,s:d,s:d,s:d}", "marginal_error", r->cert.marginal_error,
                             "min_reduced_cost", r->cert.min_reduced_cost, "duality_gap",
                             r->cert.duality_gap, "primal", r->cert.primal, "dual", r->cert.dual);
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

static PyObject *py_emd(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"a",          "b",       "M",         "X",     "Y",
                             "metric",     "p",       "q",         "mass",  "mass_tol",
                             "max_iter",   "threads", "certify",   "duals", "plan",
                             "block_size", "critic",  "algorithm", NULL};
    PyObject *a = Py_None, *b = Py_None, *M = Py_None, *X = Py_None, *Y = Py_None;
    const char *metric = "euclidean", *mass = NULL;
    double p = 1.0, q = 2.0;
    PyObject *mass_tol = NULL, *max_iter = NULL, *threads = NULL, *certify = NULL, *duals = NULL,
             *plan = NULL, *block_size = NULL;
    int critic = 0;
    const char *algorithm = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOOOsddzOOOOOOOpz", kwlist, &a, &b, &M, &X, &Y,
                                     &metric, &p, &q, &mass, &mass_tol, &max_iter, &threads,
                                     &certify, &duals, &plan, &block_size, &critic, &algorithm))
        return NULL;
    wass_options opt;
    memset(&opt, 0, sizeof opt);
    wass_options_default(&opt);
    if (get_double(mass_tol, "mass_tol", &opt.mass_tol) ||
        get_i64(max_iter, "max_iter", &opt.max_iter) || get_int(threads, "threads", &opt.threads) ||
        get_bool(certify, &opt.certify) || get_bool(duals, &opt.want_duals) ||
        get_bool(plan, &opt.want_plan) || get_i64(block_size, "block_size", &opt.block_size))
        return NULL;
    if (critic) opt.want_duals = 1;
    if (algorithm) {
        if (!strcmp(algorithm, "auto"))
            opt.algorithm = WASS_ALGO_AUTO;
        else if (!strcmp(algorithm, "simplex"))
            opt.algorithm = WASS_ALGO_SIMPLEX;
        else if (!strcmp(algorithm, "colgen"))
            opt.algorithm = WASS_ALGO_COLGEN;
        else
            return PyErr_Format(
                WassError, "unknown algorithm '%s' (expected auto, simplex or colgen)", algorithm);
    }

    problem_args pa;
    if (build_problem(&pa, a, b, M, X, Y, metric, p, q)) {
        problem_args_clear(&pa);
        return NULL;
    }
    if (mass) {
        int prc = wass_mass_parse(mass, &opt.mass);
        if (prc) {
            problem_args_clear(&pa);
            if (prc == WASS_ERR_INVALID)
                return PyErr_Format(
                    WassError, "unknown mass mode '%s' (expected balanced, normalize or partial)",
                    mass);
            return raise_wass(prc, NULL);
        }
    }
    wass_result res;
    memset(&res, 0, sizeof res);
    wass_error_info err;
    memset(&err, 0, sizeof err);
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = wass_emd(&pa.pb, &opt, &res, &err);
    Py_END_ALLOW_THREADS if (rc) {
        wass_result_free(&res);
        problem_args_clear(&pa);
        return raise_wass(rc, &err);
    }
    PyObject *d = result_dict(&res);
    if (d && critic && res.status == WASS_OPTIMAL) {
        PyObject *fa, *fb;
        npy_intp dn[1] = {(npy_intp)pa.pb.n}, dm[1] = {(npy_intp)pa.pb.m};
        fa = PyArray_SimpleNew(1, dn, NPY_DOUBLE);
        fb = PyArray_SimpleNew(1, dm, NPY_DOUBLE);
        double viol = 0.0;
        if (!fa || !fb) {
            Py_XDECREF(fa);
            Py_XDECREF(fb);
            Py_CLEAR(d);
        } else {
            double *pfa = PyArray_DATA((PyArrayObject *)fa),
                   *pfb = PyArray_DATA((PyArrayObject *)fb);
            Py_BEGIN_ALLOW_THREADS rc = wass_critic(&pa.pb, &res, pfa, pfb, &viol, &err);
            Py_END_ALLOW_THREADS if (rc) {
                Py_DECREF(fa);
                Py_DECREF(fb);
                Py_CLEAR(d);
                raise_wass(rc, &err);
            }
            else if (put(d, "critic_a", fa) || put(d, "critic_b", fb) ||
                     put(d, "lipschitz_violation", PyFloat_FromDouble(viol))) {
                Py_CLEAR(d);
            }
        }
    }
    wass_result_free(&res);
    problem_args_clear(&pa);
    return d;
}

/* ------------------------------------------------------------------------ */
/* Relaxed lower bound                                                      */
/* ------------------------------------------------------------------------ */

static PyObject *py_bound_relaxed(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"a", "b", "M", "X", "Y", "metric", "p", "q", "threads", NULL};
    PyObject *a = Py_None, *b = Py_None, *M = Py_None, *X = Py_None, *Y = Py_None;
    PyObject *threads = NULL;
    const char *metric = "euclidean";
    double p = 1.0, q = 2.0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOOOsddO", kwlist, &a, &b, &M, &X, &Y, &metric,
                                     &p, &q, &threads))
        return NULL;
    int nthreads = 0;
    if (get_int(threads, "threads", &nthreads)) return NULL;
    problem_args pa;
    if (build_problem(&pa, a, b, M, X, Y, metric, p, q)) {
        problem_args_clear(&pa);
        return NULL;
    }
    double out = NAN;
    wass_error_info err;
    memset(&err, 0, sizeof err);
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = wass_bound_relaxed(&pa.pb, nthreads, &out, &err);
    Py_END_ALLOW_THREADS problem_args_clear(&pa);
    if (rc) return raise_wass(rc, &err);
    return PyFloat_FromDouble(out);
}

/* ------------------------------------------------------------------------ */
/* Sinkhorn                                                                 */
/* ------------------------------------------------------------------------ */

static int sinkhorn_options(wass_sinkhorn_options *opt, double reg, PyObject *tol,
                            PyObject *max_iter, PyObject *eps_scaling, PyObject *scaling_factor,
                            PyObject *tau, PyObject *threads) {
    memset(opt, 0, sizeof *opt);
    wass_sinkhorn_options_default(opt);
    opt->reg = reg;
    if (get_double(tol, "tol", &opt->tol) || get_i64(max_iter, "max_iter", &opt->max_iter) ||
        get_bool(eps_scaling, &opt->eps_scaling) ||
        get_double(scaling_factor, "scaling_factor", &opt->scaling_factor) ||
        get_double(tau, "tau", &opt->tau) || get_int(threads, "threads", &opt->threads))
        return -1;
    return 0;
}

static PyObject *py_sinkhorn(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"a",
                             "b",
                             "M",
                             "X",
                             "Y",
                             "reg",
                             "metric",
                             "p",
                             "q",
                             "tol",
                             "max_iter",
                             "eps_scaling",
                             "scaling_factor",
                             "tau",
                             "init_f",
                             "init_g",
                             "plan",
                             "threads",
                             NULL};
    PyObject *a = Py_None, *b = Py_None, *M = Py_None, *X = Py_None, *Y = Py_None;
    const char *metric = "euclidean";
    double reg = 0.0, p = 1.0, q = 2.0;
    PyObject *tol = NULL, *max_iter = NULL, *eps_scaling = NULL, *scaling_factor = NULL,
             *tau = NULL, *init_f = Py_None, *init_g = Py_None, *threads = NULL;
    int want_plan = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOOOdsddOOOOOOOpO", kwlist, &a, &b, &M, &X, &Y,
                                     &reg, &metric, &p, &q, &tol, &max_iter, &eps_scaling,
                                     &scaling_factor, &tau, &init_f, &init_g, &want_plan, &threads))
        return NULL;
    wass_sinkhorn_options opt;
    if (sinkhorn_options(&opt, reg, tol, max_iter, eps_scaling, scaling_factor, tau, threads))
        return NULL;
    opt.want_plan = want_plan;
    problem_args pa;
    PyArrayObject *f0 = NULL, *g0 = NULL;
    PyObject *d = NULL;
    wass_sinkhorn_result res;
    memset(&res, 0, sizeof res);
    if (build_problem(&pa, a, b, M, X, Y, metric, p, q)) goto done;
    if (opt_double(init_f, "init_f", 1, 1, &f0) || opt_double(init_g, "init_g", 1, 1, &g0) ||
        check_len(f0, "init_f", pa.pb.n, NULL) || check_len(g0, "init_g", pa.pb.m, NULL))
        goto done;
    opt.init_f = data_of(f0);
    opt.init_g = data_of(g0);
    wass_error_info err;
    memset(&err, 0, sizeof err);
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = wass_sinkhorn(&pa.pb, &opt, &res, &err);
    Py_END_ALLOW_THREADS if (rc) {
        raise_wass(rc, &err);
        goto done;
    }
    d = PyDict_New();
    if (!d) goto done;
    PyObject *plan = Py_None;
    if (res.plan) {
        npy_intp dims[2] = {(npy_intp)res.n, (npy_intp)res.m};
        plan = PyArray_SimpleNew(2, dims, NPY_DOUBLE);
        if (plan)
            memcpy(PyArray_DATA((PyArrayObject *)plan), res.plan, res.n * res.m * sizeof(double));
    } else
        Py_INCREF(plan);
    if (put(d, "plan", plan) ||
        put(d, "f", res.f ? new_vector(res.f, res.n) : (Py_INCREF(Py_None), Py_None)) ||
        put(d, "g", res.g ? new_vector(res.g, res.m) : (Py_INCREF(Py_None), Py_None)) ||
        put(d, "status", PyLong_FromLong(res.status)) ||
        put(d, "status_string", PyUnicode_FromString(wass_status_string(res.status))) ||
        put(d, "message", PyUnicode_DecodeUTF8(res.message, strlen(res.message), "replace")) ||
        put(d, "cost", PyFloat_FromDouble(res.cost)) ||
        put(d, "objective", PyFloat_FromDouble(res.objective)) ||
        put(d, "marginal_error", PyFloat_FromDouble(res.marginal_error)) ||
        put(d, "iterations", PyLong_FromLongLong(res.iterations)) ||
        put(d, "seconds", PyFloat_FromDouble(res.seconds)))
        Py_CLEAR(d);
done:
    wass_sinkhorn_result_free(&res);
    Py_XDECREF(f0);
    Py_XDECREF(g0);
    problem_args_clear(&pa);
    return d;
}

/* ------------------------------------------------------------------------ */
/* Two weighted clouds: Sinkhorn divergence, sliced, embedding, centroid     */
/* ------------------------------------------------------------------------ */

typedef struct {
    PyArrayObject *X, *Y, *a, *b;
    wass_cloud P, Q;
} cloud_pair;

static void cloud_pair_clear(cloud_pair *cp) {
    Py_CLEAR(cp->X);
    Py_CLEAR(cp->Y);
    Py_CLEAR(cp->a);
    Py_CLEAR(cp->b);
}

static int build_pair(cloud_pair *cp, PyObject *X, PyObject *Y, PyObject *a, PyObject *b) {
    memset(cp, 0, sizeof *cp);
    if (get_clouds(X, Y, &cp->X, &cp->Y)) return -1;
    if (opt_double(a, "a", 1, 1, &cp->a) || opt_double(b, "b", 1, 1, &cp->b)) return -1;
    if (check_len(cp->a, "a", len0(cp->X), "X") || check_len(cp->b, "b", len0(cp->Y), "Y"))
        return -1;
    build_cloud(&cp->P, cp->X, cp->a);
    build_cloud(&cp->Q, cp->Y, cp->b);
    return 0;
}

static PyObject *py_sinkhorn_divergence(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"X",       "Y", "a",   "b",        "reg",         "metric",
                             "p",       "q", "tol", "max_iter", "eps_scaling", "scaling_factor",
                             "threads", NULL};
    PyObject *X, *Y, *a = Py_None, *b = Py_None;
    const char *metric = "euclidean";
    double reg = 0.0, p = 1.0, q = 2.0;
    PyObject *tol = NULL, *max_iter = NULL, *eps_scaling = NULL, *scaling_factor = NULL,
             *threads = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OOdsddOOOOO", kwlist, &X, &Y, &a, &b, &reg,
                                     &metric, &p, &q, &tol, &max_iter, &eps_scaling,
                                     &scaling_factor, &threads))
        return NULL;
    wass_sinkhorn_options opt;
    wass_ground g;
    if (sinkhorn_options(&opt, reg, tol, max_iter, eps_scaling, scaling_factor, NULL, threads) ||
        get_ground(metric, p, q, &g))
        return NULL;
    cloud_pair cp;
    if (build_pair(&cp, X, Y, a, b)) {
        cloud_pair_clear(&cp);
        return NULL;
    }
    wass_sinkhorn_divergence_result res;
    memset(&res, 0, sizeof res);
    wass_error_info err;
    memset(&err, 0, sizeof err);
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = wass_sinkhorn_divergence_ex(&cp.P, &cp.Q, &g, &opt, &res, &err);
    Py_END_ALLOW_THREADS cloud_pair_clear(&cp);
    if (rc) return raise_wass(rc, &err);
    return Py_BuildValue("{s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:i,s:s,s:s,s:L,s:d}", "divergence",
                         res.divergence, "ot_ab", res.ot_ab, "ot_aa", res.ot_aa, "ot_bb", res.ot_bb,
                         "cost_ab", res.cost_ab, "cost_aa", res.cost_aa, "cost_bb", res.cost_bb,
                         "marginal_error", res.marginal_error, "status", res.status,
                         "status_string", wass_status_string(res.status), "message", res.message,
                         "iterations", (long long)res.iterations, "seconds", res.seconds);
}

static PyObject *py_sliced(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"X", "Y",          "a",       "b",          "projections", "seed",
                             "p", "max_sliced", "threads", "directions", NULL};
    PyObject *X, *Y, *a = Py_None, *b = Py_None;
    PyObject *projections = NULL, *seed = NULL, *p = NULL, *threads = NULL, *dirs = Py_None;
    int max_sliced = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OOOOOpOO", kwlist, &X, &Y, &a, &b, &projections,
                                     &seed, &p, &max_sliced, &threads, &dirs))
        return NULL;
    wass_sliced_options opt;
    memset(&opt, 0, sizeof opt);
    wass_sliced_options_default(&opt);
    int64_t proj = (int64_t)opt.projections, sd = (int64_t)opt.seed;
    if (get_i64(projections, "projections", &proj) || get_i64(seed, "seed", &sd) ||
        get_double(p, "p", &opt.p) || get_int(threads, "threads", &opt.threads))
        return NULL;
    if (proj < 1)
        return PyErr_Format(WassError, "projections = %lld must be >= 1", (long long)proj);
    opt.projections = (size_t)proj;
    opt.seed = (uint64_t)sd;
    opt.max_sliced = max_sliced;
    cloud_pair cp;
    PyArrayObject *D = NULL;
    if (build_pair(&cp, X, Y, a, b) || opt_double(dirs, "directions", 2, 2, &D)) {
        cloud_pair_clear(&cp);
        return NULL;
    }
    if (D) {
        if ((size_t)PyArray_DIM(D, 1) != cp.P.d) {
            char shp[96];
            shape_str(D, shp, sizeof shp);
            PyErr_Format(PyExc_ValueError, "directions must have shape (k, %zu), got %s", cp.P.d,
                         shp);
            Py_DECREF(D);
            cloud_pair_clear(&cp);
            return NULL;
        }
        opt.projections = len0(D);
        opt.directions = data_of(D);
    }
    double out = NAN;
    wass_error_info err;
    memset(&err, 0, sizeof err);
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = wass_sliced(&cp.P, &cp.Q, &opt, &out, &err);
    Py_END_ALLOW_THREADS Py_XDECREF(D);
    cloud_pair_clear(&cp);
    if (rc) return raise_wass(rc, &err);
    return PyFloat_FromDouble(out);
}

static PyObject *py_embed_distance(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"X", "Y", "a", "b", "seed", "levels", "cell", NULL};
    PyObject *X, *Y, *a = Py_None, *b = Py_None, *seed = NULL, *levels = NULL, *cell = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OOOOO", kwlist, &X, &Y, &a, &b, &seed, &levels,
                                     &cell))
        return NULL;
    wass_embed_options opt;
    memset(&opt, 0, sizeof opt);
    wass_embed_options_default(&opt);
    int64_t sd = (int64_t)opt.seed;
    if (get_i64(seed, "seed", &sd) || get_int(levels, "levels", &opt.levels) ||
        get_double(cell, "cell", &opt.cell))
        return NULL;
    opt.seed = (uint64_t)sd;
    cloud_pair cp;
    if (build_pair(&cp, X, Y, a, b)) {
        cloud_pair_clear(&cp);
        return NULL;
    }
    wass_cloud both[2] = {cp.P, cp.Q};
    wass_embed_frame fr;
    wass_sparse ex, ey;
    memset(&fr, 0, sizeof fr);
    memset(&ex, 0, sizeof ex);
    memset(&ey, 0, sizeof ey);
    wass_error_info err;
    memset(&err, 0, sizeof err);
    double out = NAN;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = wass_embed_frame_init(&fr, both, 2, &opt, &err);
    if (!rc) rc = wass_embed(&fr, &cp.P, &ex, &err);
    if (!rc) rc = wass_embed(&fr, &cp.Q, &ey, &err);
    if (!rc) out = wass_sparse_l1(&ex, &ey);
    Py_END_ALLOW_THREADS wass_sparse_free(&ex);
    wass_sparse_free(&ey);
    wass_embed_frame_free(&fr);
    cloud_pair_clear(&cp);
    if (rc) return raise_wass(rc, &err);
    return PyFloat_FromDouble(out);
}

static PyObject *py_bound_centroid(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"X", "Y", "a", "b", "metric", "p", "q", NULL};
    PyObject *X, *Y, *a = Py_None, *b = Py_None;
    const char *metric = "euclidean";
    double p = 1.0, q = 2.0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OOsdd", kwlist, &X, &Y, &a, &b, &metric, &p, &q))
        return NULL;
    wass_ground g;
    if (get_ground(metric, p, q, &g)) return NULL;
    cloud_pair cp;
    if (build_pair(&cp, X, Y, a, b)) {
        cloud_pair_clear(&cp);
        return NULL;
    }
    double out = NAN;
    wass_error_info err;
    memset(&err, 0, sizeof err);
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = wass_bound_centroid(&cp.P, &cp.Q, &g, &out, &err);
    Py_END_ALLOW_THREADS cloud_pair_clear(&cp);
    if (rc) return raise_wass(rc, &err);
    return PyFloat_FromDouble(out);
}

/* ------------------------------------------------------------------------ */
/* One dimension                                                            */
/* ------------------------------------------------------------------------ */

/* line(u, v, u_weights, v_weights, p): u, v 1-D -> float; 2-D (k x n, k x m)
 * -> k distances (problem t uses row t). */
static PyObject *py_line(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"u", "v", "u_weights", "v_weights", "p", "threads", NULL};
    PyObject *u, *v, *uw = Py_None, *vw = Py_None, *threads = NULL;
    double p = 1.0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OOdO", kwlist, &u, &v, &uw, &vw, &p, &threads))
        return NULL;
    int nthreads = 0;
    if (get_int(threads, "threads", &nthreads)) return NULL;
    PyArrayObject *U = NULL, *V = NULL, *UW = NULL, *VW = NULL;
    PyObject *ret = NULL;
    if (!(U = as_double(u, "u_values", 1, 2))) goto done;
    int nd = PyArray_NDIM(U);
    if (!(V = as_double(v, "v_values", nd, nd))) goto done;
    if (opt_double(uw, "u_weights", nd, nd, &UW) || opt_double(vw, "v_weights", nd, nd, &VW))
        goto done;
    char s1[96], s2[96];
    if (UW && !PyArray_SAMESHAPE(U, UW)) {
        shape_str(U, s1, sizeof s1);
        shape_str(UW, s2, sizeof s2);
        PyErr_Format(PyExc_ValueError, "u_weights must have shape %s to match u_values, got %s", s1,
                     s2);
        goto done;
    }
    if (VW && !PyArray_SAMESHAPE(V, VW)) {
        shape_str(V, s1, sizeof s1);
        shape_str(VW, s2, sizeof s2);
        PyErr_Format(PyExc_ValueError, "v_weights must have shape %s to match v_values, got %s", s1,
                     s2);
        goto done;
    }
    wass_error_info err;
    memset(&err, 0, sizeof err);
    int rc;
    if (nd == 1) {
        double out = NAN;
        size_t n = len0(U), m = len0(V);
        Py_BEGIN_ALLOW_THREADS rc =
            wass_line(data_of(U), data_of(UW), n, data_of(V), data_of(VW), m, p, &out, &err);
        Py_END_ALLOW_THREADS if (rc) raise_wass(rc, &err);
        else ret = PyFloat_FromDouble(out);
    } else {
        size_t k = len0(U);
        if ((size_t)PyArray_DIM(V, 0) != k) {
            shape_str(U, s1, sizeof s1);
            shape_str(V, s2, sizeof s2);
            PyErr_Format(PyExc_ValueError,
                         "u_values and v_values must hold the same number of problems, got "
                         "shapes %s and %s",
                         s1, s2);
            goto done;
        }
        size_t n = (size_t)PyArray_DIM(U, 1), m = (size_t)PyArray_DIM(V, 1);
        npy_intp dims[1] = {(npy_intp)k};
        PyObject *out = PyArray_SimpleNew(1, dims, NPY_DOUBLE);
        if (!out) goto done;
        double *po = PyArray_DATA((PyArrayObject *)out);
        Py_BEGIN_ALLOW_THREADS rc = wass_line_batch(data_of(U), data_of(UW), n, data_of(V),
                                                    data_of(VW), m, k, p, nthreads, po, &err);
        Py_END_ALLOW_THREADS if (rc) {
            Py_DECREF(out);
            raise_wass(rc, &err);
        }
        else ret = out;
    }
done:
    Py_XDECREF(U);
    Py_XDECREF(V);
    Py_XDECREF(UW);
    Py_XDECREF(VW);
    return ret;
}

/* ------------------------------------------------------------------------ */
/* Divergences between histograms                                           */
/* ------------------------------------------------------------------------ */

static PyObject *py_divergence(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"p", "q", "kind", "bits", NULL};
    PyObject *p, *q;
    const char *kind;
    int bits = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOs|p", kwlist, &p, &q, &kind, &bits)) return NULL;
    wass_divergence_kind k;
    PyArrayObject *P = NULL, *Q = NULL;
    PyObject *ret = NULL;
    if (!(P = as_double(p, "p", 1, 1)) || !(Q = as_double(q, "q", 1, 1))) goto done;
    if (len0(P) != len0(Q)) {
        PyErr_Format(PyExc_ValueError, "p and q must have the same length, got %zu and %zu",
                     len0(P), len0(Q));
        goto done;
    }
    int rc = wass_divergence_parse(kind, &k);
    if (rc == WASS_ERR_INVALID) {
        PyErr_Format(WassError, "unknown divergence '%s' (expected tv, kl or js)", kind);
        goto done;
    }
    if (rc) {
        raise_wass(rc, NULL);
        goto done;
    }
    wass_error_info err;
    memset(&err, 0, sizeof err);
    double out = NAN;
    size_t inf_at = (size_t)-1;
    size_t n = len0(P);
    Py_BEGIN_ALLOW_THREADS rc = wass_divergence(data_of(P), data_of(Q), n, k,
                                                bits ? WASS_DIV_BITS : 0u, &out, &inf_at, &err);
    Py_END_ALLOW_THREADS if (rc) {
        raise_wass(rc, &err);
        goto done;
    }
    if (inf_at == (size_t)-1)
        ret = Py_BuildValue("(dO)", out, Py_None);
    else
        ret = Py_BuildValue("(dn)", out, (Py_ssize_t)inf_at);
done:
    Py_XDECREF(P);
    Py_XDECREF(Q);
    return ret;
}

/* ------------------------------------------------------------------------ */
/* Word Mover's Distance                                                    */
/* ------------------------------------------------------------------------ */

/* Word vectors and stop words are objects owning the library's structs; a
 * bag of words travels as a pair (word indices, weights) of arrays, checked
 * by the library against the vocabulary on every call. */

typedef struct {
    PyObject_HEAD wass_wordvec wv;
} WordVecObject;

typedef struct {
    PyObject_HEAD wass_stopwords sw;
} StopWordsObject;

static PyTypeObject WordVecType, StopWordsType;

static void wordvec_dealloc(PyObject *self) {
    wass_wordvec_free(&((WordVecObject *)self)->wv);
    Py_TYPE(self)->tp_free(self);
}

static void stopwords_dealloc(PyObject *self) {
    wass_stopwords_free(&((StopWordsObject *)self)->sw);
    Py_TYPE(self)->tp_free(self);
}

static const char *vec_format_name(int f) {
    switch (f) {
    case WASS_VEC_WORD2VEC_TEXT:
        return "word2vec";
    case WASS_VEC_WORD2VEC_BINARY:
        return "word2vec-binary";
    case WASS_VEC_GLOVE:
        return "glove";
    case WASS_VEC_WINK_JSON:
        return "wink";
    case WASS_VEC_CACHE:
        return "cache";
    default:
        return "auto";
    }
}

static int vec_format_parse(const char *name, wass_vec_format *out) {
    static const wass_vec_format all[] = {
        WASS_VEC_AUTO,  WASS_VEC_WORD2VEC_TEXT, WASS_VEC_WORD2VEC_BINARY,
        WASS_VEC_GLOVE, WASS_VEC_WINK_JSON,     WASS_VEC_CACHE};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        if (!strcmp(name, vec_format_name(all[k]))) {
            *out = all[k];
            return 0;
        }
    PyErr_Format(WassError,
                 "unknown vector format '%s' (expected auto, word2vec, word2vec-binary, glove, "
                 "wink or cache)",
                 name);
    return -1;
}

/* A word (str or bytes) as UTF-8 bytes; a new reference to a bytes object. */
static PyObject *word_bytes(PyObject *w, const char *what) {
    if (PyUnicode_Check(w)) return PyUnicode_AsUTF8String(w);
    if (PyBytes_Check(w)) {
        Py_INCREF(w);
        return w;
    }
    PyErr_Format(PyExc_TypeError, "%s must be str or bytes, got %s", what, Py_TYPE(w)->tp_name);
    return NULL;
}

static PyObject *wordvec_getattr_count(PyObject *self, void *c) {
    (void)c;
    return PyLong_FromSize_t(((WordVecObject *)self)->wv.count);
}
static PyObject *wordvec_getattr_dim(PyObject *self, void *c) {
    (void)c;
    return PyLong_FromSize_t(((WordVecObject *)self)->wv.dim);
}
static PyObject *wordvec_getattr_dup(PyObject *self, void *c) {
    (void)c;
    return PyLong_FromSize_t(((WordVecObject *)self)->wv.duplicates);
}
static PyObject *wordvec_getattr_format(PyObject *self, void *c) {
    (void)c;
    int f = ((WordVecObject *)self)->wv.format;
    return PyUnicode_FromString(f == WASS_VEC_AUTO ? "arrays" : vec_format_name(f));
}
static PyObject *wordvec_getattr_from_cache(PyObject *self, void *c) {
    (void)c;
    return PyBool_FromLong(((WordVecObject *)self)->wv.from_cache);
}
static PyObject *wordvec_getattr_cache_written(PyObject *self, void *c) {
    (void)c;
    return PyBool_FromLong(((WordVecObject *)self)->wv.cache_written);
}

/* The count x dim float32 vectors, a read-only view kept alive by self. */
static PyObject *wordvec_getattr_vectors(PyObject *self, void *c) {
    (void)c;
    wass_wordvec *wv = &((WordVecObject *)self)->wv;
    npy_intp dims[2] = {(npy_intp)wv->count, (npy_intp)wv->dim};
    PyObject *arr = PyArray_SimpleNewFromData(2, dims, NPY_FLOAT32, wv->vec);
    if (!arr) return NULL;
    Py_INCREF(self);
    if (PyArray_SetBaseObject((PyArrayObject *)arr, self) < 0) {
        Py_DECREF(arr);
        return NULL;
    }
    PyArray_CLEARFLAGS((PyArrayObject *)arr, NPY_ARRAY_WRITEABLE);
    return arr;
}

static PyGetSetDef wordvec_getset[] = {
    {"count", wordvec_getattr_count, NULL, "number of distinct words", NULL},
    {"dim", wordvec_getattr_dim, NULL, "dimension of the vectors", NULL},
    {"duplicates", wordvec_getattr_dup, NULL, "words seen again in the source and skipped", NULL},
    {"format", wordvec_getattr_format, NULL, "format of the source that was read", NULL},
    {"from_cache", wordvec_getattr_from_cache, NULL, "read from a valid binary cache", NULL},
    {"cache_written", wordvec_getattr_cache_written, NULL, "a fresh cache was written", NULL},
    {"vectors", wordvec_getattr_vectors, NULL, "count x dim float32 array (read-only view)", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

/* find(word) -> index or -1 */
static PyObject *wordvec_find(PyObject *self, PyObject *w) {
    PyObject *b = word_bytes(w, "word");
    if (!b) return NULL;
    size_t i = wass_wordvec_find(&((WordVecObject *)self)->wv, PyBytes_AS_STRING(b),
                                 (size_t)PyBytes_GET_SIZE(b));
    Py_DECREF(b);
    return PyLong_FromSsize_t(i == WASS_NOT_FOUND ? -1 : (Py_ssize_t)i);
}

/* word(i) -> str (undecodable bytes escaped as surrogates) */
static PyObject *wordvec_word(PyObject *self, PyObject *arg) {
    wass_wordvec *wv = &((WordVecObject *)self)->wv;
    Py_ssize_t i = PyNumber_AsSsize_t(arg, PyExc_IndexError);
    if (i == -1 && PyErr_Occurred()) return NULL;
    if (i < 0) i += (Py_ssize_t)wv->count;
    if (i < 0 || (size_t)i >= wv->count)
        return PyErr_Format(PyExc_IndexError, "word index out of range (vocabulary of %zu words)",
                            wv->count);
    const char *s = wass_wordvec_word(wv, (size_t)i);
    return PyUnicode_DecodeUTF8(s, strlen(s), "surrogateescape");
}

static PyObject *wordvec_save_cache(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"path", "source", NULL};
    PyObject *path = NULL, *src = NULL, *src_obj = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|O", kwlist, PyUnicode_FSConverter, &path,
                                     &src_obj))
        return NULL;
    if (src_obj != Py_None && !PyUnicode_FSConverter(src_obj, &src)) {
        Py_DECREF(path);
        return NULL;
    }
    wass_error_info err;
    memset(&err, 0, sizeof err);
    int rc;
    const char *p = PyBytes_AS_STRING(path), *s = src ? PyBytes_AS_STRING(src) : NULL;
    Py_BEGIN_ALLOW_THREADS rc = wass_wordvec_save_cache(&((WordVecObject *)self)->wv, p, s, &err);
    Py_END_ALLOW_THREADS Py_DECREF(path);
    Py_XDECREF(src);
    if (rc) return raise_wass(rc, &err);
    Py_RETURN_NONE;
}

static Py_ssize_t wordvec_len(PyObject *self) {
    return (Py_ssize_t)((WordVecObject *)self)->wv.count;
}

static int wordvec_contains(PyObject *self, PyObject *w) {
    if (!PyUnicode_Check(w) && !PyBytes_Check(w)) return 0;
    PyObject *b = word_bytes(w, "word");
    if (!b) return -1;
    size_t i = wass_wordvec_find(&((WordVecObject *)self)->wv, PyBytes_AS_STRING(b),
                                 (size_t)PyBytes_GET_SIZE(b));
    Py_DECREF(b);
    return i != WASS_NOT_FOUND;
}

static PyMethodDef wordvec_methods[] = {
    {"find", wordvec_find, METH_O, "find(word) -> vocabulary index of word, or -1."},
    {"word", wordvec_word, METH_O, "word(i) -> the word at vocabulary index i."},
    {"save_cache", (PyCFunction)(void (*)(void))wordvec_save_cache, METH_VARARGS | METH_KEYWORDS,
     "save_cache(path, source=None): write the binary cache (valid for `source`)."},
    {NULL, NULL, 0, NULL}};

static PySequenceMethods wordvec_seq = {.sq_length = wordvec_len, .sq_contains = wordvec_contains};

static PyTypeObject WordVecType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "wass._wass.WordVecs",
    .tp_basicsize = sizeof(WordVecObject),
    .tp_dealloc = wordvec_dealloc,
    .tp_as_sequence = &wordvec_seq,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Word vectors owned by libwass (made by wordvec_load / wordvec_from_arrays).",
    .tp_methods = wordvec_methods,
    .tp_getset = wordvec_getset,
};

static Py_ssize_t stopwords_len(PyObject *self) {
    return (Py_ssize_t)((StopWordsObject *)self)->sw.set.count;
}

static int stopwords_contains(PyObject *self, PyObject *w) {
    if (!PyUnicode_Check(w) && !PyBytes_Check(w)) return 0;
    PyObject *b = word_bytes(w, "word");
    if (!b) return -1;
    size_t i = wass_wordvec_find(&((StopWordsObject *)self)->sw.set, PyBytes_AS_STRING(b),
                                 (size_t)PyBytes_GET_SIZE(b));
    Py_DECREF(b);
    return i != WASS_NOT_FOUND;
}

static PySequenceMethods stopwords_seq = {.sq_length = stopwords_len,
                                          .sq_contains = stopwords_contains};

static PyTypeObject StopWordsType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "wass._wass.StopWords",
    .tp_basicsize = sizeof(StopWordsObject),
    .tp_dealloc = stopwords_dealloc,
    .tp_as_sequence = &stopwords_seq,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A set of stop words owned by libwass (stopwords_load / stopwords_from_list).",
};

static WordVecObject *get_wv(PyObject *obj) {
    if (!PyObject_TypeCheck(obj, &WordVecType)) {
        PyErr_Format(PyExc_TypeError, "vectors must be word vectors (wass.WordVectors), got %s",
                     Py_TYPE(obj)->tp_name);
        return NULL;
    }
    return (WordVecObject *)obj;
}

/* wordvec_load(path, format="auto", use_cache=True, cache_path=None, max_words=0) */
static PyObject *py_wordvec_load(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"path", "format", "use_cache", "cache_path", "max_words", NULL};
    PyObject *path = NULL, *cache = NULL, *cache_obj = Py_None;
    const char *format = "auto";
    int use_cache = 1;
    Py_ssize_t max_words = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|spOn", kwlist, PyUnicode_FSConverter, &path,
                                     &format, &use_cache, &cache_obj, &max_words))
        return NULL;
    if (cache_obj != Py_None && !PyUnicode_FSConverter(cache_obj, &cache)) {
        Py_DECREF(path);
        return NULL;
    }
    wass_wordvec_options o;
    wass_wordvec_options_default(&o);
    PyObject *ret = NULL;
    WordVecObject *obj = NULL;
    if (vec_format_parse(format, &o.format)) goto done;
    if (max_words < 0) {
        PyErr_Format(WassError, "max_words = %zd must be >= 0", max_words);
        goto done;
    }
    o.use_cache = use_cache;
    o.cache_path = cache ? PyBytes_AS_STRING(cache) : NULL;
    o.max_words = (size_t)max_words;
    obj = PyObject_New(WordVecObject, &WordVecType);
    if (!obj) goto done;
    memset(&obj->wv, 0, sizeof obj->wv);
    wass_error_info err;
    memset(&err, 0, sizeof err);
    int rc;
    const char *p = PyBytes_AS_STRING(path);
    Py_BEGIN_ALLOW_THREADS rc = wass_wordvec_load(p, &o, &obj->wv, &err);
    Py_END_ALLOW_THREADS if (rc) {
        if (rc == WASS_ERR_IO) {
            /* a missing file is the common case: FileNotFoundError (an OSError) */
            PyObject *type = access(p, F_OK) != 0 ? PyExc_FileNotFoundError : PyExc_OSError;
            PyErr_SetString(type, err.message[0] ? err.message : wass_strerror(rc));
        } else
            raise_wass(rc, &err);
        goto done;
    }
    ret = (PyObject *)obj;
    obj = NULL;
done:
    Py_XDECREF(obj);
    Py_XDECREF(path);
    Py_XDECREF(cache);
    return ret;
}

/* The words of a sequence as UTF-8 C strings: *keep holds the bytes. */
static const char **word_list(PyObject *seq, const char *what, Py_ssize_t *n, PyObject **keep) {
    *keep = PySequence_Fast(seq, "words must be a sequence of str");
    if (!*keep) return NULL;
    *n = PySequence_Fast_GET_SIZE(*keep);
    PyObject *bytes = PyList_New(*n);
    const char **w = PyMem_Malloc((size_t)(*n ? *n : 1) * sizeof *w);
    if (!bytes || !w) {
        Py_XDECREF(bytes);
        PyMem_Free(w);
        Py_CLEAR(*keep);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < *n; i++) {
        PyObject *b = word_bytes(PySequence_Fast_GET_ITEM(*keep, i), what);
        if (!b) goto fail;
        PyList_SET_ITEM(bytes, i, b);
        if ((size_t)PyBytes_GET_SIZE(b) != strlen(PyBytes_AS_STRING(b))) {
            PyErr_Format(WassError, "%s %zd contains a NUL character", what, i);
            goto fail;
        }
        w[i] = PyBytes_AS_STRING(b);
    }
    Py_DECREF(*keep);
    *keep = bytes;
    return w;
fail:
    Py_DECREF(bytes);
    PyMem_Free(w);
    Py_CLEAR(*keep);
    return NULL;
}

/* wordvec_from_arrays(words, vectors): vectors n x d float32/float64 */
static PyObject *py_wordvec_from_arrays(PyObject *self, PyObject *args) {
    PyObject *words, *vectors;
    if (!PyArg_ParseTuple(args, "OO", &words, &vectors)) return NULL;
    PyObject *keep = NULL, *ret = NULL;
    PyArrayObject *V = NULL, *V32 = NULL;
    const char **w = NULL;
    WordVecObject *obj = NULL;
    Py_ssize_t n;
    if (!(V = as_double(vectors, "vectors", 2, 2))) goto done;
    if (!(w = word_list(words, "word", &n, &keep))) goto done;
    if ((size_t)n != len0(V)) {
        char shp[96];
        shape_str(V, shp, sizeof shp);
        PyErr_Format(PyExc_ValueError, "vectors must have one row per word (%zd words), got %s", n,
                     shp);
        goto done;
    }
    V32 = (PyArrayObject *)PyArray_FROMANY((PyObject *)V, NPY_FLOAT32, 2, 2,
                                           NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED |
                                               NPY_ARRAY_FORCECAST);
    if (!V32) goto done;
    /* float64 values beyond the float32 range would become infinite */
    const double *dv = data_of(V);
    for (size_t k = 0; k < (size_t)PyArray_SIZE(V); k++)
        if (isfinite(dv[k]) && fabs(dv[k]) > 3.4028234663852886e38) {
            PyErr_Format(WassError, "vectors: value %g of word %zu is beyond the float32 range",
                         dv[k], k / (size_t)PyArray_DIM(V, 1));
            goto done;
        }
    obj = PyObject_New(WordVecObject, &WordVecType);
    if (!obj) goto done;
    memset(&obj->wv, 0, sizeof obj->wv);
    wass_error_info err;
    memset(&err, 0, sizeof err);
    int rc = wass_wordvec_from_arrays(w, (const float *)PyArray_DATA(V32), (size_t)n,
                                      (size_t)PyArray_DIM(V32, 1), &obj->wv, &err);
    if (rc) {
        raise_wass(rc, &err);
        goto done;
    }
    ret = (PyObject *)obj;
    obj = NULL;
done:
    Py_XDECREF(obj);
    Py_XDECREF(V);
    Py_XDECREF(V32);
    Py_XDECREF(keep);
    PyMem_Free(w);
    return ret;
}

static PyObject *py_stopwords_load(PyObject *self, PyObject *args) {
    PyObject *path;
    if (!PyArg_ParseTuple(args, "O&", PyUnicode_FSConverter, &path)) return NULL;
    StopWordsObject *obj = PyObject_New(StopWordsObject, &StopWordsType);
    if (!obj) {
        Py_DECREF(path);
        return NULL;
    }
    memset(&obj->sw, 0, sizeof obj->sw);
    wass_error_info err;
    memset(&err, 0, sizeof err);
    int rc = wass_stopwords_load(PyBytes_AS_STRING(path), &obj->sw, &err);
    if (rc) {
        if (rc == WASS_ERR_IO && access(PyBytes_AS_STRING(path), F_OK) != 0)
            PyErr_SetString(PyExc_FileNotFoundError, err.message);
        else
            raise_wass(rc, &err);
        Py_DECREF(path);
        Py_DECREF(obj);
        return NULL;
    }
    Py_DECREF(path);
    return (PyObject *)obj;
}

static PyObject *py_stopwords_from_list(PyObject *self, PyObject *words) {
    PyObject *keep;
    Py_ssize_t n;
    const char **w = word_list(words, "stop word", &n, &keep);
    if (!w) return NULL;
    StopWordsObject *obj = PyObject_New(StopWordsObject, &StopWordsType);
    if (obj) {
        memset(&obj->sw, 0, sizeof obj->sw);
        wass_error_info err;
        memset(&err, 0, sizeof err);
        int rc = wass_stopwords_from_list(w, (size_t)n, &obj->sw, &err);
        if (rc) {
            raise_wass(rc, &err);
            Py_CLEAR(obj);
        }
    }
    Py_DECREF(keep);
    PyMem_Free(w);
    return (PyObject *)obj;
}

/* A library bag as a dict of arrays and counters. */
static PyObject *bag_dict(const wass_bag *bag) {
    npy_intp dims[1] = {(npy_intp)bag->len};
    PyObject *w = PyArray_SimpleNew(1, dims, NPY_INTP);
    if (!w) return NULL;
    npy_intp *pw = PyArray_DATA((PyArrayObject *)w);
    for (size_t k = 0; k < bag->len; k++)
        pw[k] = (npy_intp)bag->word[k];
    PyObject *d = PyDict_New();
    if (!d) {
        Py_DECREF(w);
        return NULL;
    }
    if (put(d, "words", w) || put(d, "counts", new_vector(bag->count, bag->len)) ||
        put(d, "weights", new_vector(bag->weight, bag->len)) ||
        put(d, "tokens", PyLong_FromSize_t(bag->tokens)) ||
        put(d, "kept", PyLong_FromSize_t(bag->kept)) ||
        put(d, "short_dropped", PyLong_FromSize_t(bag->short_dropped)) ||
        put(d, "stop_dropped", PyLong_FromSize_t(bag->stop_dropped)) ||
        put(d, "oov_dropped", PyLong_FromSize_t(bag->oov_dropped))) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

/* bag_from_text(vectors, text, min_len=1, keep_non_ascii=False, stopwords=None) */
static PyObject *py_bag_from_text(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"vectors", "text", "min_len", "keep_non_ascii", "stopwords", NULL};
    PyObject *vo, *text, *stop = Py_None;
    Py_ssize_t min_len = 1;
    int keep = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|npO", kwlist, &vo, &text, &min_len, &keep,
                                     &stop))
        return NULL;
    WordVecObject *wv = get_wv(vo);
    if (!wv) return NULL;
    wass_text_options o;
    wass_text_options_default(&o);
    if (min_len < 0) return PyErr_Format(WassError, "min_len = %zd must be >= 0", min_len);
    o.min_len = (size_t)min_len;
    o.keep_non_ascii = keep;
    if (stop != Py_None) {
        if (!PyObject_TypeCheck(stop, &StopWordsType))
            return PyErr_Format(PyExc_TypeError, "stopwords must be wass stop words, got %s",
                                Py_TYPE(stop)->tp_name);
        o.stop = &((StopWordsObject *)stop)->sw;
    }
    PyObject *b = word_bytes(text, "text");
    if (!b) return NULL;
    wass_bag bag;
    memset(&bag, 0, sizeof bag);
    wass_error_info err;
    memset(&err, 0, sizeof err);
    int rc;
    const char *s = PyBytes_AS_STRING(b);
    size_t len = (size_t)PyBytes_GET_SIZE(b);
    Py_BEGIN_ALLOW_THREADS rc = wass_bag_from_text(&wv->wv, s, len, &o, &bag, &err);
    Py_END_ALLOW_THREADS Py_DECREF(b);
    PyObject *ret = rc ? raise_wass(rc, &err) : bag_dict(&bag);
    wass_bag_free(&bag);
    return ret;
}

/* 1-D array of vocabulary indices (integers >= 0) copied to size_t;
 * *n its length. PyMem-allocated (also for n = 0). */
static size_t *index_array(PyObject *obj, const char *name, size_t *n) {
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
static double *value_array(PyObject *obj, const char *name, size_t n) {
    PyArrayObject *a = (PyArrayObject *)PyArray_FROM_O(obj);
    if (!a) return NULL;
    int t = PyArray_TYPE(a);
    int ok = PyArray_SIZE(a) == 0 || PyTypeNum_ISFLOAT(t) ||
             (!PyArray_Check(obj) && PyTypeNum_ISINTEGER(t));
    if (!ok) {
        PyObject *dt = PyObject_Str((PyObject *)PyArray_DESCR(a));
        if (dt) {
            PyErr_Format(PyExc_TypeError, "%s must be a float64 or float32 array, got dtype %U",
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

/* Bags given as a Python sequence of (words, weights) pairs. */
typedef struct {
    wass_bag *bag;
    size_t n;
} bag_list;

static void bag_list_free(bag_list *bl) {
    if (bl->bag)
        for (size_t i = 0; i < bl->n; i++) {
            PyMem_Free(bl->bag[i].word);
            PyMem_Free(bl->bag[i].weight);
        }
    PyMem_Free(bl->bag);
    bl->bag = NULL;
    bl->n = 0;
}

static int bag_of(PyObject *pair, const char *name, Py_ssize_t idx, wass_bag *bag) {
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

static int bag_list_get(PyObject *seq, const char *name, bag_list *bl) {
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

static void bag_release(wass_bag *bag) {
    PyMem_Free(bag->word);
    PyMem_Free(bag->weight);
    memset(bag, 0, sizeof *bag);
}

/* bag_from_counts(vectors, words, counts) -> dict */
static PyObject *py_bag_from_counts(PyObject *self, PyObject *args) {
    PyObject *vo, *words, *counts;
    if (!PyArg_ParseTuple(args, "OOO", &vo, &words, &counts)) return NULL;
    WordVecObject *wv = get_wv(vo);
    if (!wv) return NULL;
    PyObject *pair = PyTuple_Pack(2, words, counts);
    if (!pair) return NULL;
    wass_bag in;
    int bad = bag_of(pair, "bag", -1, &in);
    Py_DECREF(pair);
    if (bad) return NULL;
    wass_bag bag;
    memset(&bag, 0, sizeof bag);
    wass_error_info err;
    memset(&err, 0, sizeof err);
    int rc = wass_bag_from_counts(in.word, in.weight, in.len, wv->wv.count, &bag, &err);
    bag_release(&in);
    PyObject *ret = rc ? raise_wass(rc, &err) : bag_dict(&bag);
    wass_bag_free(&bag);
    return ret;
}

/* idf_fit(vectors, bags of (words, counts)) -> idf array (vocabulary size) */
static PyObject *py_idf_fit(PyObject *self, PyObject *args) {
    PyObject *vo, *bags;
    if (!PyArg_ParseTuple(args, "OO", &vo, &bags)) return NULL;
    WordVecObject *wv = get_wv(vo);
    if (!wv) return NULL;
    bag_list bl;
    if (bag_list_get(bags, "bags", &bl)) return NULL;
    npy_intp dims[1] = {(npy_intp)wv->wv.count};
    PyObject *out = PyArray_SimpleNew(1, dims, NPY_DOUBLE);
    if (out) {
        wass_error_info err;
        memset(&err, 0, sizeof err);
        int rc = wass_idf_fit(bl.bag, bl.n, wv->wv.count, PyArray_DATA((PyArrayObject *)out), &err);
        if (rc) {
            Py_CLEAR(out);
            raise_wass(rc, &err);
        }
    }
    bag_list_free(&bl);
    return out;
}

/* bag_apply_idf(words, counts, idf) -> TF-IDF weights */
static PyObject *py_bag_apply_idf(PyObject *self, PyObject *args) {
    PyObject *words, *counts, *idf;
    if (!PyArg_ParseTuple(args, "OOO", &words, &counts, &idf)) return NULL;
    PyObject *pair = PyTuple_Pack(2, words, counts);
    if (!pair) return NULL;
    wass_bag bag;
    int bad = bag_of(pair, "bag", -1, &bag);
    Py_DECREF(pair);
    if (bad) return NULL;
    PyObject *ret = NULL;
    PyArrayObject *I = as_double(idf, "idf", 1, 1);
    if (!I) goto done;
    for (size_t k = 0; k < bag.len; k++)
        if (bag.word[k] >= len0(I)) {
            PyErr_Format(WassError, "bag word index %zu is beyond the idf array (%zu words)",
                         bag.word[k], len0(I));
            goto done;
        }
    double *w = PyMem_Malloc((bag.len ? bag.len : 1) * sizeof *w);
    if (!w) {
        PyErr_NoMemory();
        goto done;
    }
    if (bag.len) memcpy(w, bag.weight, bag.len * sizeof *w);
    bag.count = w; /* counts in w, weights overwritten in bag.weight */
    wass_error_info err;
    memset(&err, 0, sizeof err);
    int rc = wass_bag_apply_idf(&bag, data_of(I), &err);
    PyMem_Free(w);
    ret = rc ? raise_wass(rc, &err) : new_vector(bag.weight, bag.len);
done:
    Py_XDECREF(I);
    bag_release(&bag);
    return ret;
}

static int wmd_opts(wass_wmd_options *o, const char *distance, int normalize, PyObject *threads) {
    wass_wmd_options_default(o);
    if (distance && wass_wmd_distance_parse(distance, &o->distance)) {
        PyErr_Format(WassError, "unknown word distance '%s' (expected euclidean or cosine)",
                     distance);
        return -1;
    }
    o->normalize = normalize;
    return get_int(threads, "threads", &o->threads);
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
    WordVecObject *wv = get_wv(vo);
    if (!wv) return NULL;
    wass_wmd_options o;
    if (wmd_opts(&o, distance, normalize, NULL)) return NULL;
    int mode = !strcmp(what, "wmd") ? 0 : !strcmp(what, "wcd") ? 1 : !strcmp(what, "rwmd") ? 2 : -1;
    if (mode < 0) return PyErr_Format(WassError, "unknown quantity '%s'", what);
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
    Py_BEGIN_ALLOW_THREADS if (mode == 0) rc = wass_wmd(&wv->wv, &a, &b, &o, &r, &err);
    else if (mode == 1) rc = wass_wcd(&wv->wv, &a, &b, &o, &v, &err);
    else rc = wass_rwmd(&wv->wv, &a, &b, &o, &v, &err);
    Py_END_ALLOW_THREADS bag_release(&a);
    bag_release(&b);
    if (rc) return raise_wass(rc, &err);
    if (mode) return PyFloat_FromDouble(v);
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
    if (!strcmp(method, "wmd"))
        o->method = WASS_KNN_WMD;
    else if (!strcmp(method, "wcd"))
        o->method = WASS_KNN_WCD;
    else if (!strcmp(method, "rwmd"))
        o->method = WASS_KNN_RWMD;
    else {
        PyErr_Format(WassError, "unknown kNN method '%s' (expected wmd, wcd or rwmd)", method);
        return -1;
    }
    o->prune = prune;
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
    static char *kwlist[] = {"vectors", "queries",  "corpus",    "k",       "method",  "prune",
                             "tight",   "distance", "normalize", "threads", "exclude", NULL};
    PyObject *vo, *qs, *cs, *threads = NULL, *exclude = Py_None;
    Py_ssize_t k = 10;
    const char *method = "wmd", *distance = NULL;
    int prune = 2, tight = 1, normalize = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO|nsipzpOO", kwlist, &vo, &qs, &cs, &k, &method,
                                     &prune, &tight, &distance, &normalize, &threads, &exclude))
        return NULL;
    WordVecObject *wv = get_wv(vo);
    if (!wv) return NULL;
    wass_knn_options o;
    if (knn_opts(&o, k, method, prune, tight, distance, normalize, threads)) return NULL;
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
    Py_BEGIN_ALLOW_THREADS rc = wass_knn(&wv->wv, q.bag, q.n, c.bag, c.n, &o, &r, &err);
    Py_END_ALLOW_THREADS if (rc) {
        raise_wass(rc, &err);
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
    static char *kwlist[] = {"vectors",     "train",     "train_labels", "test",
                             "test_labels", "k",         "k_max",        "folds",
                             "seed",        "method",    "prune",        "tight",
                             "distance",    "normalize", "threads",      NULL};
    PyObject *vo, *tr, *trl, *te, *tel = Py_None, *threads = NULL;
    Py_ssize_t k = 0, k_max = 19, folds = 5;
    unsigned long long seed = 0;
    const char *method = "wmd", *distance = NULL;
    int prune = 2, tight = 1, normalize = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOO|OnnnKsipzpO", kwlist, &vo, &tr, &trl, &te,
                                     &tel, &k, &k_max, &folds, &seed, &method, &prune, &tight,
                                     &distance, &normalize, &threads))
        return NULL;
    WordVecObject *wv = get_wv(vo);
    if (!wv) return NULL;
    if (k < 0 || k_max < 0 || folds < 0)
        return PyErr_Format(WassError, "k, k_max and folds must be >= 0");
    wass_classify_options o;
    wass_classify_options_default(&o);
    if (knn_opts(&o.knn, 1, method, prune, tight, distance, normalize, threads)) return NULL;
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
    Py_BEGIN_ALLOW_THREADS rc =
        wass_knn_classify(&wv->wv, a.bag, la, a.n, b.bag, lb, b.n, &o, &r, &err);
    Py_END_ALLOW_THREADS if (rc) {
        raise_wass(rc, &err);
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

/* ------------------------------------------------------------------------ */
/* Module                                                                   */
/* ------------------------------------------------------------------------ */

static PyObject *py_strerror(PyObject *self, PyObject *arg) {
    long code = PyLong_AsLong(arg);
    if (code == -1 && PyErr_Occurred()) return NULL;
    return PyUnicode_FromString(wass_strerror((int)code));
}

static PyObject *py_status_string(PyObject *self, PyObject *arg) {
    long code = PyLong_AsLong(arg);
    if (code == -1 && PyErr_Occurred()) return NULL;
    return PyUnicode_FromString(wass_status_string((int)code));
}

#define KW (PyCFunction)(void (*)(void))
static PyMethodDef methods[] = {
    {"emd", KW py_emd, METH_VARARGS | METH_KEYWORDS,
     "emd(a, b, M=None, X=None, Y=None, ...) -> dict: exact transport (network simplex)."},
    {"bound_relaxed", KW py_bound_relaxed, METH_VARARGS | METH_KEYWORDS,
     "bound_relaxed(a, b, M=None, X=None, Y=None, ...) -> relaxed lower bound on the cost."},
    {"sinkhorn", KW py_sinkhorn, METH_VARARGS | METH_KEYWORDS,
     "sinkhorn(a, b, M=None, X=None, Y=None, reg=..., ...) -> dict: entropic transport."},
    {"sinkhorn_divergence", KW py_sinkhorn_divergence, METH_VARARGS | METH_KEYWORDS,
     "sinkhorn_divergence(X, Y, a, b, reg, ...) -> debiased Sinkhorn divergence."},
    {"sliced", KW py_sliced, METH_VARARGS | METH_KEYWORDS,
     "sliced(X, Y, a, b, projections, seed, p, max_sliced, threads) -> sliced W_p."},
    {"embed_distance", KW py_embed_distance, METH_VARARGS | METH_KEYWORDS,
     "embed_distance(X, Y, a, b, seed, levels, cell) -> L1 distance of grid embeddings."},
    {"bound_centroid", KW py_bound_centroid, METH_VARARGS | METH_KEYWORDS,
     "bound_centroid(X, Y, a, b, metric, p, q) -> centroid lower bound on the cost."},
    {"line", KW py_line, METH_VARARGS | METH_KEYWORDS,
     "line(u, v, u_weights, v_weights, p, threads) -> W_p on the real line (batch if 2-D)."},
    {"divergence", KW py_divergence, METH_VARARGS | METH_KEYWORDS,
     "divergence(p, q, kind, bits) -> (value, first index where KL is infinite or None)."},
    {"wordvec_load", KW py_wordvec_load, METH_VARARGS | METH_KEYWORDS,
     "wordvec_load(path, format='auto', use_cache=True, cache_path=None, max_words=0)."},
    {"wordvec_from_arrays", py_wordvec_from_arrays, METH_VARARGS,
     "wordvec_from_arrays(words, vectors) -> word vectors (copied, float32)."},
    {"stopwords_load", py_stopwords_load, METH_VARARGS, "stopwords_load(path) -> stop words."},
    {"stopwords_from_list", py_stopwords_from_list, METH_O,
     "stopwords_from_list(words) -> stop words."},
    {"bag_from_text", KW py_bag_from_text, METH_VARARGS | METH_KEYWORDS,
     "bag_from_text(vectors, text, min_len=1, keep_non_ascii=False, stopwords=None) -> dict."},
    {"bag_from_counts", py_bag_from_counts, METH_VARARGS,
     "bag_from_counts(vectors, words, counts) -> dict (nBOW weights)."},
    {"idf_fit", py_idf_fit, METH_VARARGS, "idf_fit(vectors, [(words, counts), ...]) -> idf."},
    {"bag_apply_idf", py_bag_apply_idf, METH_VARARGS,
     "bag_apply_idf(words, counts, idf) -> TF-IDF weights."},
    {"wmd", KW py_wmd, METH_VARARGS | METH_KEYWORDS,
     "wmd(vectors, (words, weights), (words, weights), distance, normalize, what)."},
    {"knn", KW py_knn, METH_VARARGS | METH_KEYWORDS,
     "knn(vectors, queries, corpus, k, method, prune, tight, ...) -> dict."},
    {"knn_classify", KW py_knn_classify, METH_VARARGS | METH_KEYWORDS,
     "knn_classify(vectors, train, train_labels, test, test_labels, k, ...) -> dict."},
    {"strerror", py_strerror, METH_O, "strerror(code) -> text of a library error code."},
    {"status_string", py_status_string, METH_O, "status_string(status) -> text of a status."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef moduledef = {PyModuleDef_HEAD_INIT,
                                       "_wass",
                                       "C extension of the wass module (use `import wass`).",
                                       -1,
                                       methods,
                                       NULL,
                                       NULL,
                                       NULL,
                                       NULL};

PyMODINIT_FUNC PyInit__wass(void) {
    import_array();
    PyObject *mod = PyModule_Create(&moduledef);
    if (!mod) return NULL;
    WassError = PyErr_NewExceptionWithDoc(
        "wass.WassError",
        "Invalid input rejected by libwass (a ValueError); .code holds the library's error code.",
        PyExc_ValueError, NULL);
    if (!WassError || PyModule_AddObject(mod, "WassError", WassError)) goto fail;
    Py_INCREF(WassError); /* the module's reference was stolen; keep ours */
    if (PyModule_AddStringConstant(mod, "__version__", WASS_VERSION_STRING)) goto fail;
    if (PyType_Ready(&WordVecType) < 0 || PyType_Ready(&StopWordsType) < 0) goto fail;
    Py_INCREF(&WordVecType);
    if (PyModule_AddObject(mod, "WordVecs", (PyObject *)&WordVecType)) goto fail;
    Py_INCREF(&StopWordsType);
    if (PyModule_AddObject(mod, "StopWords", (PyObject *)&StopWordsType)) goto fail;

    static const struct {
        const char *name;
        int value;
    } consts[] = {{"OPTIMAL", WASS_OPTIMAL},
                  {"CONVERGED", WASS_CONVERGED},
                  {"ITERATION_LIMIT", WASS_ITERATION_LIMIT},
                  {"INFEASIBLE", WASS_INFEASIBLE},
                  {"NOT_CONVERGED", WASS_NOT_CONVERGED},
                  {"NOT_SOLVED", WASS_NOT_SOLVED},
                  {"ERR_INVALID", WASS_ERR_INVALID},
                  {"ERR_NAN", WASS_ERR_NAN},
                  {"ERR_NEGATIVE", WASS_ERR_NEGATIVE},
                  {"ERR_ZERO_MASS", WASS_ERR_ZERO_MASS},
                  {"ERR_MASS_MISMATCH", WASS_ERR_MASS_MISMATCH},
                  {"ERR_SIZE", WASS_ERR_SIZE},
                  {"ERR_NOMEM", WASS_ERR_NOMEM},
                  {"ERR_UNSUPPORTED", WASS_ERR_UNSUPPORTED}};
    for (size_t k = 0; k < sizeof consts / sizeof consts[0]; k++)
        if (PyModule_AddIntConstant(mod, consts[k].name, consts[k].value)) goto fail;
    return mod;
fail:
    Py_DECREF(mod);
    return NULL;
}
