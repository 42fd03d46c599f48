/*
 * _wass.c - the CPython extension behind the `wass` Python module: converts
 * numpy arrays (any real dtype, any strides) to the C-contiguous doubles the
 * public API of libwass expects, checks their shapes, releases the GIL around
 * every call into the library, maps its error codes to Python exceptions and
 * returns plain dicts / arrays that python/wass/__init__.py wraps.
 *
 * This file holds the core (exact, 1-D, sliced, bounds, divergences) and the
 * module's set-up; convert.c the shared conversions (wass_py.h),
 * _wass_entropic.c the Sinkhorn solves, _wass_wordvec.c and _wass_wmd.c the
 * Word Mover's Distance. Only the public headers are used:
 * the module is a front end of the library.
 */
#define WASS_PY_MAIN /* this file imports numpy's array API for the module */
#include "wass_py.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static PyObject *py_emd(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"a",          "b",       "M",         "X",        "Y",
                             "metric",     "p",       "q",         "mass",     "mass_tol",
                             "max_iter",   "threads", "certify",   "duals",    "plan",
                             "block_size", "critic",  "algorithm", "progress", NULL};
    PyObject *a = Py_None, *b = Py_None, *M = Py_None, *X = Py_None, *Y = Py_None;
    const char *metric = "euclidean", *mass = NULL;
    double p = 1.0, q = 2.0;
    PyObject *mass_tol = NULL, *max_iter = NULL, *threads = NULL, *certify = NULL, *duals = NULL,
             *plan = NULL, *block_size = NULL;
    int critic = 0;
    const char *algorithm = NULL;
    PyObject *progress = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOOOsddzOOOOOOOpzO", kwlist, &a, &b, &M, &X, &Y,
                                     &metric, &p, &q, &mass, &mass_tol, &max_iter, &threads,
                                     &certify, &duals, &plan, &block_size, &critic, &algorithm,
                                     &progress))
        return NULL;
    py_progress pp;
    if (py_progress_init(&pp, progress)) return NULL;
    wass_options opt;
    memset(&opt, 0, sizeof opt);
    wass_options_default(&opt);
    if (get_double(mass_tol, "mass_tol", &opt.mass_tol) ||
        get_i64(max_iter, "max_iter", &opt.max_iter) || get_threads(threads, &opt.threads) ||
        get_bool(certify, &opt.certify) || get_bool(duals, &opt.want_duals) ||
        get_bool(plan, &opt.want_plan) || get_i64(block_size, "block_size", &opt.block_size))
        return NULL;
    if (critic) opt.want_duals = 1;
    if (algorithm && wass_algorithm_parse(algorithm, &opt.algorithm) != WASS_OK)
        return PyErr_Format(WassError, "unknown algorithm '%s' (expected auto, simplex or colgen)",
                            algorithm);

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
    if (pp.fn) {
        opt.progress = py_progress_cb;
        opt.progress_user = &pp;
    }
    Py_BEGIN_ALLOW_THREADS rc = wass_emd(&pa.pb, &opt, &res, &err);
    Py_END_ALLOW_THREADS if (rc || py_progress_raise(&pp)) {
        wass_result_free(&res);
        problem_args_clear(&pa);
        return rc ? raise_wass(rc, &err) : NULL;
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
    if (get_threads(threads, &nthreads)) return NULL;
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
/* Two weighted clouds: sliced, embedding, centroid                          */
/* ------------------------------------------------------------------------ */

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
        get_double(p, "p", &opt.p) || get_threads(threads, &opt.threads))
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
    if (get_threads(threads, &nthreads)) return NULL;
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

static PyObject *py_set_num_threads(PyObject *self, PyObject *arg) {
    int v = 0;
    if (get_threads(arg, &v)) return NULL;
    wass_py_default_threads = v;
    Py_RETURN_NONE;
}

static PyObject *py_get_num_threads(PyObject *self, PyObject *unused) {
    return PyLong_FromLong(wass_py_default_threads);
}

static PyMethodDef methods[] = {
    {"emd", KW py_emd, METH_VARARGS | METH_KEYWORDS,
     "emd(a, b, M=None, X=None, Y=None, ...) -> dict: exact transport (network simplex)."},
    {"bound_relaxed", KW py_bound_relaxed, METH_VARARGS | METH_KEYWORDS,
     "bound_relaxed(a, b, M=None, X=None, Y=None, ...) -> relaxed lower bound on the cost."},
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
    {"set_num_threads", py_set_num_threads, METH_O,
     "set_num_threads(n): threads used where threads=None is passed (0 = all cores)."},
    {"get_num_threads", py_get_num_threads, METH_NOARGS,
     "get_num_threads() -> the module default (0 = all cores)."},
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
    if (PyModule_AddFunctions(mod, wass_py_wordvec_methods) || wass_py_wordvec_init(mod)) goto fail;
    if (PyModule_AddFunctions(mod, wass_py_entropic_methods)) goto fail;
    if (PyModule_AddFunctions(mod, wass_py_wmd_methods)) goto fail;
    if (PyModule_AddFunctions(mod, wass_py_image_methods) || wass_py_image_init(mod)) goto fail;
    if (PyModule_AddFunctions(mod, wass_py_pairwise_methods)) goto fail;
    if (PyModule_AddFunctions(mod, wass_py_graph_methods)) goto fail;

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
