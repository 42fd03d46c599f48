/*
 * wass_py.h - what the files of the `_wass` extension share: the numpy
 * import (one array API table for the whole module), the WassError
 * exception, and the conversions between Python objects and the plain
 * arrays and structs of the public C API (python/convert.c).
 */
#ifndef WASS_PY_H
#define WASS_PY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL wass_py_ARRAY_API
#ifndef WASS_PY_MAIN
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#include "wass.h"
#include "wass/wmd.h"

#define KW (PyCFunction)(void (*)(void))

typedef struct {
    PyArrayObject *a, *b, *M, *X, *Y;
    wass_problem pb;
} problem_args;

extern PyObject *WassError; /* wass.WassError, a ValueError */
PyObject *raise_wass(int code, const wass_error_info *err);
void shape_str(PyArrayObject *arr, char *buf, size_t size);
PyArrayObject *as_double(PyObject *obj, const char *name, int lo, int hi);
int opt_double(PyObject *obj, const char *name, int lo, int hi, PyArrayObject **arr);
double *data_of(PyArrayObject *arr);
size_t len0(PyArrayObject *arr);
int check_len(PyArrayObject *w, const char *name, size_t n, const char *what);
PyObject *new_vector(const double *x, size_t n);
int get_double(PyObject *obj, const char *name, double *out);
int get_i64(PyObject *obj, const char *name, int64_t *out);
int get_int(PyObject *obj, const char *name, int *out);
int get_bool(PyObject *obj, int *out);
extern int wass_py_default_threads;
int get_threads(PyObject *obj, int *out);
int get_metric(const char *name, wass_metric *out);
int get_ground(const char *metric, double p, double q, wass_ground *g);
void problem_args_clear(problem_args *pa);
size_t dim_of(PyArrayObject *pts);
int get_clouds(PyObject *X, PyObject *Y, PyArrayObject **Xa, PyArrayObject **Ya);
int build_problem(problem_args *pa, PyObject *a, PyObject *b, PyObject *M, PyObject *X, PyObject *Y,
                  const char *metric, double p, double q);
int build_cloud(wass_cloud *c, PyArrayObject *X, PyArrayObject *w);
int put(PyObject *d, const char *key, PyObject *val);
PyObject *result_dict(const wass_result *r);

/* Two weighted clouds X, Y (n x d, m x d) with optional weights a, b (None =
 * uniform), checked; cloud_pair_clear drops the arrays. */
typedef struct {
    PyArrayObject *X, *Y, *a, *b;
    wass_cloud P, Q;
} cloud_pair;
int build_pair(cloud_pair *cp, PyObject *X, PyObject *Y, PyObject *a, PyObject *b);
void cloud_pair_clear(cloud_pair *cp);

/* Bags of words: a bag is a pair (word indices, weights) of 1-D arrays,
 * copied into PyMem-allocated arrays (bag_release / bag_list_free). name
 * (and idx >= 0) name the argument in errors. */
typedef struct {
    wass_bag *bag;
    size_t n;
} bag_list; /* a Python sequence of bags */
size_t *index_array(PyObject *obj, const char *name, size_t *n);
double *value_array(PyObject *obj, const char *name, size_t n);
int bag_of(PyObject *pair, const char *name, Py_ssize_t idx, wass_bag *bag);
void bag_release(wass_bag *bag);
int bag_list_get(PyObject *seq, const char *name, bag_list *bl);
void bag_list_free(bag_list *bl);

/* A Python progress callable fn(fraction, stage) behind the library's
 * wass_progress_fn: pass py_progress_cb with &pp as the user pointer when
 * pp.fn is set; py_progress_raise after the solve re-raises what fn raised. */
typedef struct {
    PyObject *fn; /* borrowed; NULL = no progress */
    PyObject *type, *value, *tb;
    int failed;
} py_progress;
int py_progress_init(py_progress *pp, PyObject *fn);
void py_progress_cb(double fraction, const char *stage, void *user);
int py_progress_raise(py_progress *pp);

/* Method tables and set-up of the other files of the module. */
extern PyMethodDef wass_py_entropic_methods[];
extern PyMethodDef wass_py_wordvec_methods[];
int wass_py_wordvec_init(PyObject *mod);
extern PyMethodDef wass_py_wmd_methods[];
extern PyMethodDef wass_py_image_methods[];
int wass_py_image_init(PyObject *mod);
extern PyMethodDef wass_py_pairwise_methods[];
const wass_wordvec *wass_py_wordvec(PyObject *obj); /* NULL + TypeError if not WordVecs */
extern PyMethodDef wass_py_graph_methods[];

#endif /* WASS_PY_H */
