/*
 * _wass_wordvec.c - the word-vector part of the `_wass` extension: word
 * vectors and stop words as Python objects owning the library's structs,
 * their loading (files, vector cache) and construction from arrays or
 * lists, and bags of words (from text or counts, IDF weights).
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
/* Word vectors, stop words, bags of words                                  */
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

static int vec_format_parse(const char *name, wass_vec_format *out) {
    if (wass_vec_format_parse(name, out) == WASS_OK) return 0;
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
    wass_vec_format f = ((WordVecObject *)self)->wv.format;
    return PyUnicode_FromString(f == WASS_VEC_AUTO ? "arrays" : wass_vec_format_name(f));
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

/* wordvec_load(path, format="auto", use_cache=True, cache_path=None, max_words=0,
 *              cache_dir=None) */
static PyObject *py_wordvec_load(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"path",      "format",    "use_cache", "cache_path",
                             "max_words", "cache_dir", NULL};
    PyObject *path = NULL, *cache = NULL, *cache_obj = Py_None, *dir = NULL, *dir_obj = Py_None;
    const char *format = "auto";
    int use_cache = 1;
    Py_ssize_t max_words = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|spOnO", kwlist, PyUnicode_FSConverter, &path,
                                     &format, &use_cache, &cache_obj, &max_words, &dir_obj))
        return NULL;
    if ((cache_obj != Py_None && !PyUnicode_FSConverter(cache_obj, &cache)) ||
        (dir_obj != Py_None && !PyUnicode_FSConverter(dir_obj, &dir))) {
        Py_DECREF(path);
        Py_XDECREF(cache);
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
    o.cache_dir = dir ? PyBytes_AS_STRING(dir) : NULL;
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
    Py_XDECREF(dir);
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
    PyArrayObject *idf_arr = as_double(idf, "idf", 1, 1);
    if (!idf_arr) goto done;
    for (size_t k = 0; k < bag.len; k++)
        if (bag.word[k] >= len0(idf_arr)) {
            PyErr_Format(WassError, "bag word index %zu is beyond the idf array (%zu words)",
                         bag.word[k], len0(idf_arr));
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
    int rc = wass_bag_apply_idf(&bag, data_of(idf_arr), &err);
    PyMem_Free(w);
    ret = rc ? raise_wass(rc, &err) : new_vector(bag.weight, bag.len);
done:
    Py_XDECREF(idf_arr);
    bag_release(&bag);
    return ret;
}

PyMethodDef wass_py_wordvec_methods[] = {
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
    {NULL, NULL, 0, NULL}};

/* Registers the WordVecs and StopWords types; 0 or -1 with an exception. */
int wass_py_wordvec_init(PyObject *mod) {
    if (PyType_Ready(&WordVecType) < 0 || PyType_Ready(&StopWordsType) < 0) return -1;
    Py_INCREF(&WordVecType);
    if (PyModule_AddObject(mod, "WordVecs", (PyObject *)&WordVecType)) return -1;
    Py_INCREF(&StopWordsType);
    if (PyModule_AddObject(mod, "StopWords", (PyObject *)&StopWordsType)) return -1;
    return 0;
}

/* The library's word vectors inside a WordVecs object (for the other files of
 * the module), or NULL with a TypeError. */
const wass_wordvec *wass_py_wordvec(PyObject *obj) {
    WordVecObject *wv = get_wv(obj);
    return wv ? &wv->wv : NULL;
}
