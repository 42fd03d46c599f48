/*
 * _wass_entropic.c - the entropic part of the `_wass` extension: Sinkhorn
 * solves (balanced and unbalanced, dense or point-cloud costs, potentials
 * and plans) and the debiased Sinkhorn divergence between two weighted
 * clouds. Only the public headers are used.
 */
#include "wass_py.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
        get_double(tau, "tau", &opt->tau) || get_threads(threads, &opt->threads))
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
                             "progress",
                             NULL};
    PyObject *a = Py_None, *b = Py_None, *M = Py_None, *X = Py_None, *Y = Py_None;
    const char *metric = "euclidean";
    double reg = 0.0, p = 1.0, q = 2.0;
    PyObject *tol = NULL, *max_iter = NULL, *eps_scaling = NULL, *scaling_factor = NULL,
             *tau = NULL, *init_f = Py_None, *init_g = Py_None, *threads = NULL,
             *progress = Py_None;
    int want_plan = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOOOdsddOOOOOOOpOO", kwlist, &a, &b, &M, &X, &Y,
                                     &reg, &metric, &p, &q, &tol, &max_iter, &eps_scaling,
                                     &scaling_factor, &tau, &init_f, &init_g, &want_plan, &threads,
                                     &progress))
        return NULL;
    wass_sinkhorn_options opt;
    if (sinkhorn_options(&opt, reg, tol, max_iter, eps_scaling, scaling_factor, tau, threads))
        return NULL;
    opt.want_plan = want_plan;
    py_progress pp;
    if (py_progress_init(&pp, progress)) return NULL;
    if (pp.fn) {
        opt.progress = py_progress_cb;
        opt.progress_user = &pp;
    }
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
        py_progress_raise(&pp);
        PyErr_Clear();
        raise_wass(rc, &err);
        goto done;
    }
    if (py_progress_raise(&pp)) goto done;
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
/* Sinkhorn divergence                                                      */
/* ------------------------------------------------------------------------ */

/* New float64 arrays of the given lengths (len[t] x cols[t]; cols 0 = 1-D)
 * for the outputs asked (want[t]); their data in data[t]. */
static int new_outputs(int count, const int *want, const npy_intp *len, const npy_intp *cols,
                       PyObject **arr, double **data) {
    for (int t = 0; t < count; t++) {
        arr[t] = NULL;
        data[t] = NULL;
    }
    for (int t = 0; t < count; t++) {
        if (!want[t]) continue;
        npy_intp dims[2] = {len[t], cols[t]};
        arr[t] = PyArray_SimpleNew(cols[t] ? 2 : 1, dims, NPY_DOUBLE);
        if (!arr[t]) {
            for (int u = 0; u < t; u++)
                Py_XDECREF(arr[u]);
            return -1;
        }
        data[t] = (double *)PyArray_DATA((PyArrayObject *)arr[t]);
    }
    return 0;
}

static PyObject *py_sinkhorn_divergence(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"X",         "Y",          "a",           "b",
                             "reg",       "metric",     "p",           "q",
                             "tol",       "max_iter",   "eps_scaling", "scaling_factor",
                             "threads",   "potentials", "gradients",   "init_f_ab",
                             "init_f_aa", "init_f_bb",  NULL};
    PyObject *X, *Y, *a = Py_None, *b = Py_None;
    const char *metric = "euclidean";
    double reg = 0.0, p = 1.0, q = 2.0;
    PyObject *tol = NULL, *max_iter = NULL, *eps_scaling = NULL, *scaling_factor = NULL,
             *threads = NULL, *init[3] = {Py_None, Py_None, Py_None};
    int potentials = 0, gradients = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OOdsddOOOOOppOOO", kwlist, &X, &Y, &a, &b, &reg,
                                     &metric, &p, &q, &tol, &max_iter, &eps_scaling,
                                     &scaling_factor, &threads, &potentials, &gradients, &init[0],
                                     &init[1], &init[2]))
        return NULL;
    wass_sinkhorn_options opt;
    wass_ground g;
    if (sinkhorn_options(&opt, reg, tol, max_iter, eps_scaling, scaling_factor, NULL, threads) ||
        get_ground(metric, p, q, &g))
        return NULL;
    cloud_pair cp;
    PyArrayObject *iv[3] = {NULL, NULL, NULL};
    PyObject *out[6] = {NULL, NULL, NULL, NULL, NULL, NULL}, *d = NULL;
    static const char *inames[3] = {"init_f_ab", "init_f_aa", "init_f_bb"};
    if (build_pair(&cp, X, Y, a, b)) goto done;
    size_t ilen[3] = {cp.P.n, cp.P.n, cp.Q.n};
    for (int t = 0; t < 3; t++)
        if (opt_double(init[t], inames[t], 1, 1, &iv[t]) ||
            check_len(iv[t], inames[t], ilen[t], NULL))
            goto done;
    /* potentials: f_ab, g_ab, f_aa, f_bb (wass.torch's weight gradients);
     * gradients: dS/dX (n x d), dS/dY (m x d) */
    int want[6] = {potentials, potentials, potentials, potentials, gradients, gradients};
    npy_intp len[6] = {(npy_intp)cp.P.n, (npy_intp)cp.Q.n, (npy_intp)cp.P.n,
                       (npy_intp)cp.Q.n, (npy_intp)cp.P.n, (npy_intp)cp.Q.n};
    npy_intp cols[6] = {0, 0, 0, 0, (npy_intp)cp.P.d, (npy_intp)cp.P.d};
    double *od[6];
    if (new_outputs(6, want, len, cols, out, od)) goto done;
    wass_sinkhorn_divergence_io io = {data_of(iv[0]), data_of(iv[1]), data_of(iv[2]), od[0], od[1],
                                      od[2],          od[3],          od[4],          od[5]};
    wass_sinkhorn_divergence_result res;
    memset(&res, 0, sizeof res);
    wass_error_info err;
    memset(&err, 0, sizeof err);
    int rc;
    Py_BEGIN_ALLOW_THREADS rc =
        wass_sinkhorn_divergence_solve(&cp.P, &cp.Q, &g, &opt, &io, &res, &err);
    Py_END_ALLOW_THREADS if (rc) {
        raise_wass(rc, &err);
        goto done;
    }
    d = Py_BuildValue("{s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:i,s:s,s:s,s:L,s:d}", "divergence",
                      res.divergence, "ot_ab", res.ot_ab, "ot_aa", res.ot_aa, "ot_bb", res.ot_bb,
                      "cost_ab", res.cost_ab, "cost_aa", res.cost_aa, "cost_bb", res.cost_bb,
                      "marginal_error", res.marginal_error, "status", res.status, "status_string",
                      wass_status_string(res.status), "message", res.message, "iterations",
                      (long long)res.iterations, "seconds", res.seconds);
    static const char *names[6] = {"f_ab", "g_ab", "f_aa", "f_bb", "grad_X", "grad_Y"};
    for (int t = 0; t < 6 && d; t++)
        if (out[t] && PyDict_SetItemString(d, names[t], out[t])) Py_CLEAR(d);
done:
    for (int t = 0; t < 6; t++)
        Py_XDECREF(out[t]);
    for (int t = 0; t < 3; t++)
        Py_XDECREF(iv[t]);
    cloud_pair_clear(&cp);
    return d;
}

PyMethodDef wass_py_entropic_methods[] = {
    {"sinkhorn", KW py_sinkhorn, METH_VARARGS | METH_KEYWORDS,
     "sinkhorn(a, b, M=None, X=None, Y=None, reg=..., ...) -> dict: entropic transport."},
    {"sinkhorn_divergence", KW py_sinkhorn_divergence, METH_VARARGS | METH_KEYWORDS,
     "sinkhorn_divergence(X, Y, a, b, reg, ...) -> debiased Sinkhorn divergence."},
    {NULL, NULL, 0, NULL}};
