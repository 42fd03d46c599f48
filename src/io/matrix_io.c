/*
 * matrix_io.c - reading and writing 2-D tables of doubles: delimited text
 * (comma, tab, space or mixtures, '#' comments) and NumPy .npy (float64 /
 * float32, little-endian, C order, 1-D or 2-D). Writes are atomic: the data
 * goes to a temporary file in the destination's folder which is then renamed
 * over the destination, so a reader never sees a partial file.
 */
#include "common/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6

/* Text of errno without touching shared state (XSI strerror_r). */
static const char *errtext(int e, char *buf, size_t len) {
    if (strerror_r(e, buf, len) != 0) snprintf(buf, len, "error %d", e);
    return buf;
}

/* ---- growing buffer of doubles -------------------------------------------- */

typedef struct {
    double *v;
    size_t len, cap;
} dbuf;

static int dbuf_push(dbuf *b, double x) {
    if (b->len == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        if (cap < b->cap || cap > SIZE_MAX / sizeof(double)) return 0;
        double *v = realloc(b->v, cap * sizeof(double));
        if (!v) return 0;
        b->v = v;
        b->cap = cap;
    }
    b->v[b->len++] = x;
    return 1;
}

/* ---- text ------------------------------------------------------------------ */

static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Parse one line into buf. Returns WASS_OK with *ncols set (0 for a blank or
 * comment line), or an error. */
static int parse_line(char *s, long lineno, dbuf *buf, size_t *ncols, wass_error_info *err) {
    size_t col = 0;
    char *p = s;
    /* strip the comment and the newline */
    for (char *q = s; *q; q++)
        if (*q == '#' || *q == '\n') {
            *q = '\0';
            break;
        }
    for (;;) {
        while (is_space(*p))
            p++;
        if (*p == '\0') {
            if (col > 0 && p > s) {
                /* a separator directly before the end ("1,2,") */
                char *r = p;
                while (r > s && is_space(r[-1]))
                    r--;
                if (r > s && r[-1] == ',')
                    return wass__fail_line(
                        err, WASS_ERR_FORMAT, lineno,
                        "line %ld, column %zu: empty field after a trailing comma", lineno,
                        col + 1);
            }
            break;
        }
        if (*p == ',')
            return wass__fail_line(err, WASS_ERR_FORMAT, lineno,
                                   "line %ld, column %zu: empty field", lineno, col + 1);
        char *tok = p;
        while (*p && *p != ',' && !is_space(*p))
            p++;
        char save = *p;
        *p = '\0';
        col++;
        char *end;
        errno = 0;
        double x = strtod(tok, &end);
        if (end == tok || *end != '\0') {
            char shown[64];
            size_t tl = strlen(tok);
            if (tl > 40)
                snprintf(shown, sizeof shown, "%.40s...", tok);
            else
                snprintf(shown, sizeof shown, "%s", tok);
            return wass__fail_line(err, WASS_ERR_FORMAT, lineno,
                                   "line %ld, column %zu: '%s' is not a number", lineno, col,
                                   shown);
        }
        if (isnan(x))
            return wass__fail_line(err, WASS_ERR_NAN, lineno,
                                   "line %ld, column %zu: NaN is not allowed", lineno, col);
        if (isinf(x))
            return wass__fail_line(err, WASS_ERR_NAN, lineno,
                                   "line %ld, column %zu: '%s' is infinite (not allowed)", lineno,
                                   col, tok);
        if (!dbuf_push(buf, x))
            return wass__fail(err, WASS_ERR_NOMEM, "out of memory after %zu values", buf->len);
        *p = save;
        /* one separator: spaces, optionally one comma, spaces */
        while (is_space(*p))
            p++;
        if (*p == ',') {
            p++;
            while (is_space(*p))
                p++;
            if (*p == ',')
                return wass__fail_line(err, WASS_ERR_FORMAT, lineno,
                                       "line %ld, column %zu: empty field", lineno, col + 1);
            if (*p == '\0')
                return wass__fail_line(err, WASS_ERR_FORMAT, lineno,
                                       "line %ld, column %zu: empty field after a trailing comma",
                                       lineno, col + 1);
        }
    }
    *ncols = col;
    return WASS_OK;
}

static int read_text(FILE *f, const char *path, wass_matrix *out, wass_error_info *err) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long lineno = 0;
    size_t cols = 0, rows = 0;
    long first_line = 0;
    dbuf buf = {NULL, 0, 0};
    int rc = WASS_OK;
    while ((got = getline(&line, &cap, f)) != -1) {
        lineno++;
        if ((size_t)got != strlen(line)) {
            rc = wass__fail_line(err, WASS_ERR_FORMAT, lineno,
                                 "line %ld: contains a NUL byte (binary file?)", lineno);
            goto done;
        }
        size_t nc = 0;
        /* a UTF-8 byte order mark (some spreadsheet exports) is not data */
        char *start = line;
        if (lineno == 1 && got >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) start += 3;
        if ((rc = parse_line(start, lineno, &buf, &nc, err))) goto done;
        if (nc == 0) continue;
        if (rows == 0) {
            cols = nc;
            first_line = lineno;
        } else if (nc != cols) {
            rc = wass__fail_line(err, WASS_ERR_FORMAT, lineno,
                                 "line %ld: expected %zu columns, found %zu (line %ld has %zu)",
                                 lineno, cols, nc, first_line, cols);
            goto done;
        }
        rows++;
    }
    if (ferror(f)) {
        char eb[128];
        rc = wass__fail(err, WASS_ERR_IO, "cannot read '%s': %s", path,
                        errtext(errno, eb, sizeof eb));
        goto done;
    }
    if (rows == 0) {
        rc = wass__fail(err, WASS_ERR_FORMAT, "no data (the file is empty or holds only comments)");
        goto done;
    }
    out->rows = rows;
    out->cols = cols;
    out->data = buf.v;
    buf.v = NULL;
done:
    free(line);
    free(buf.v);
    return rc;
}

/* ---- .npy ------------------------------------------------------------------ */

/* Find 'key' in the header dict and return a pointer just after its ':'. */
static const char *npy_key(const char *h, const char *key) {
    char pat[32];
    const char *q;
    snprintf(pat, sizeof pat, "'%s'", key);
    q = strstr(h, pat);
    if (!q) {
        snprintf(pat, sizeof pat, "\"%s\"", key);
        q = strstr(h, pat);
    }
    if (!q) return NULL;
    q += strlen(pat);
    while (*q == ' ')
        q++;
    if (*q != ':') return NULL;
    q++;
    while (*q == ' ')
        q++;
    return q;
}

/* The preamble and header text of a .npy stream: *h (malloc'ed,
 * NUL-terminated), *hend = the offset where the data starts. */
static int npy_header(FILE *f, char **h, size_t *hend, wass_error_info *err) {
    unsigned char pre[12];
    *h = NULL;
    if (fread(pre, 1, 10, f) != 10)
        return wass__fail(err, WASS_ERR_FORMAT, "truncated .npy file (no complete header)");
    int major = pre[6], minor = pre[7];
    size_t hlen, hstart;
    if (major == 1) {
        hlen = (size_t)pre[8] | ((size_t)pre[9] << 8);
        hstart = 10;
    } else if (major == 2 || major == 3) {
        if (fread(pre + 10, 1, 2, f) != 2)
            return wass__fail(err, WASS_ERR_FORMAT, "truncated .npy file (no complete header)");
        hlen = (size_t)pre[8] | ((size_t)pre[9] << 8) | ((size_t)pre[10] << 16) |
               ((size_t)pre[11] << 24);
        hstart = 12;
    } else {
        return wass__fail(err, WASS_ERR_FORMAT, "unsupported .npy format version %d.%d", major,
                          minor);
    }
    if (hlen > (1u << 20))
        return wass__fail(err, WASS_ERR_FORMAT, ".npy header length %zu is implausible", hlen);
    *h = malloc(hlen + 1);
    if (!*h) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    if (fread(*h, 1, hlen, f) != hlen)
        return wass__fail(err, WASS_ERR_FORMAT, "truncated .npy file (header cut short)");
    (*h)[hlen] = '\0';
    *hend = hstart + hlen;
    return WASS_OK;
}

/* The item size of the header's dtype (float64 or float32, little-endian)
 * and its C order. */
static int npy_dtype(const char *h, size_t *item, wass_error_info *err) {
    char descr[32] = "";
    const char *q = npy_key(h, "descr");
    if (!q || (*q != '\'' && *q != '"')) {
        if (q && *q == '[')
            return wass__fail(err, WASS_ERR_DTYPE,
                              "unsupported .npy dtype (structured array; need float64 or float32)");
        return wass__fail(err, WASS_ERR_FORMAT, ".npy header has no 'descr' entry");
    }
    char quote = *q++;
    size_t k = 0;
    while (*q && *q != quote && k + 1 < sizeof descr)
        descr[k++] = *q++;
    descr[k] = '\0';
    if (*q != quote)
        return wass__fail(err, WASS_ERR_FORMAT, ".npy header has a malformed 'descr' entry");
    if (strcmp(descr, "<f8") == 0)
        *item = 8;
    else if (strcmp(descr, "<f4") == 0)
        *item = 4;
    else
        return wass__fail(err, WASS_ERR_DTYPE,
                          "unsupported .npy dtype '%s' (need float64 or float32)", descr);
    q = npy_key(h, "fortran_order");
    if (!q) return wass__fail(err, WASS_ERR_FORMAT, ".npy header has no 'fortran_order' entry");
    if (strncmp(q, "True", 4) == 0)
        return wass__fail(err, WASS_ERR_DTYPE,
                          "unsupported .npy layout: fortran_order is True (save a C-ordered "
                          "array, e.g. numpy.ascontiguousarray)");
    if (strncmp(q, "False", 5) != 0)
        return wass__fail(err, WASS_ERR_FORMAT,
                          ".npy header has a malformed 'fortran_order' entry");
    return WASS_OK;
}

/* The header's shape: 1-D (rows x 1) or 2-D. */
static int npy_shape(const char *h, size_t *rows, size_t *cols, wass_error_info *err) {
    const char *q = npy_key(h, "shape");
    if (!q || *q != '(')
        return wass__fail(err, WASS_ERR_FORMAT, ".npy header has no 'shape' entry");
    q++;
    size_t dims[8];
    int nd = 0;
    for (;;) {
        while (*q == ' ')
            q++;
        if (*q == ')') break;
        if (*q < '0' || *q > '9')
            return wass__fail(err, WASS_ERR_FORMAT, ".npy header has a malformed 'shape' entry");
        size_t v = 0;
        while (*q >= '0' && *q <= '9') {
            size_t dgt = (size_t)(*q - '0');
            if (v > (SIZE_MAX - dgt) / 10)
                return wass__fail(err, WASS_ERR_FORMAT, ".npy shape dimension overflows");
            v = v * 10 + dgt;
            q++;
        }
        while (*q == 'L' || *q == ' ')
            q++;
        if (nd == 8)
            return wass__fail(err, WASS_ERR_FORMAT, ".npy array has more than 8 dimensions");
        dims[nd++] = v;
        if (*q == ',')
            q++;
        else if (*q != ')')
            return wass__fail(err, WASS_ERR_FORMAT, ".npy header has a malformed 'shape' entry");
    }
    if (nd == 1 || nd == 2) {
        *rows = dims[0];
        *cols = nd == 2 ? dims[1] : 1;
        return WASS_OK;
    }
    char shape[160];
    size_t off = (size_t)snprintf(shape, sizeof shape, "(");
    for (int k = 0; k < nd && off < sizeof shape; k++)
        off += (size_t)snprintf(shape + off, sizeof shape - off, k ? ", %zu" : "%zu", dims[k]);
    if (off < sizeof shape) snprintf(shape + off, sizeof shape - off, "%s)", nd == 1 ? "," : "");
    return wass__fail(err, WASS_ERR_FORMAT,
                      "unsupported .npy shape %s: %d dimensions (need 1-D or 2-D)", shape, nd);
}

/* count little-endian values of item bytes from f into data (doubles),
 * each finite; cols names their place in messages. */
static int npy_values(FILE *f, const char *path, size_t item, size_t count, size_t cols,
                      double *data, wass_error_info *err) {
    unsigned char chunk[8192];
    char eb[128];
    size_t done_n = 0, per = sizeof chunk / item;
    while (done_n < count) {
        size_t want = count - done_n < per ? count - done_n : per;
        size_t got = fread(chunk, item, want, f);
        if (got != want) {
            if (ferror(f))
                return wass__fail(err, WASS_ERR_IO, "cannot read '%s': %s", path,
                                  errtext(errno, eb, sizeof eb));
            return wass__fail(err, WASS_ERR_FORMAT,
                              ".npy header declares %zu values but the file holds only %zu", count,
                              done_n + got);
        }
        for (size_t k = 0; k < got; k++) {
            const unsigned char *b = chunk + k * item;
            double x;
            if (item == 8) {
                uint64_t u = 0;
                for (int t = 7; t >= 0; t--)
                    u = (u << 8) | b[t];
                memcpy(&x, &u, 8);
            } else {
                uint32_t u = 0;
                float fl;
                for (int t = 3; t >= 0; t--)
                    u = (u << 8) | b[t];
                memcpy(&fl, &u, 4);
                x = (double)fl;
            }
            size_t idx = done_n + k;
            if (!isfinite(x))
                return wass__fail(err, WASS_ERR_NAN, "row %zu, column %zu: %s is not allowed",
                                  idx / cols + 1, idx % cols + 1, isnan(x) ? "NaN" : "infinity");
            data[idx] = x;
        }
        done_n += got;
    }
    return WASS_OK;
}

/* fsize: the stream's total size in bytes (the data must fit in it). */
static int read_npy(FILE *f, size_t fsize, const char *path, wass_matrix *out,
                    wass_error_info *err) {
    char *h = NULL;
    double *data = NULL;
    size_t start = 0, item = 0, rows = 0, cols = 0, count, bytes;
    int rc = npy_header(f, &h, &start, err);
    if (!rc) rc = npy_dtype(h, &item, err);
    if (!rc) rc = npy_shape(h, &rows, &cols, err);
    if (rc) goto done;
    if (!wass__mul_ok(rows, cols, &count) || !wass__mul_ok(count, item, &bytes)) {
        rc = wass__fail(err, WASS_ERR_FORMAT, ".npy shape (%zu, %zu) overflows", rows, cols);
        goto done;
    }
    if (count == 0) {
        rc = wass__fail(err, WASS_ERR_FORMAT, "no data (.npy array of shape (%zu, %zu) is empty)",
                        rows, cols);
        goto done;
    }
    /* compare with the bytes actually present before allocating anything */
    size_t avail = fsize > start ? fsize - start : 0;
    if (avail < bytes) {
        rc = wass__fail(err, WASS_ERR_FORMAT,
                        ".npy header declares %zu values (shape (%zu, %zu)) but the file holds "
                        "only %zu",
                        count, rows, cols, avail / item);
        goto done;
    }
    data = malloc(count * sizeof(double));
    if (!data) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory for %zu x %zu values", rows, cols);
        goto done;
    }
    if ((rc = npy_values(f, path, item, count, cols, data, err))) goto done;
    out->rows = rows;
    out->cols = cols;
    out->data = data;
    out->float32 = item == 4;
    data = NULL;
done:
    free(h);
    free(data);
    return rc;
}

/* Read a whole non-seekable stream (a pipe, a FIFO) into memory. */
static int slurp(FILE *f, const char *path, char **buf, size_t *len, wass_error_info *err) {
    char eb[128];
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    if (!b) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    for (;;) {
        if (n == cap) {
            char *nb = cap <= SIZE_MAX / 2 ? realloc(b, cap * 2) : NULL;
            if (!nb) {
                free(b);
                return wass__fail(err, WASS_ERR_NOMEM, "out of memory reading '%s'", path);
            }
            b = nb;
            cap *= 2;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        int e = errno;
        free(b);
        return wass__fail(err, WASS_ERR_IO, "cannot read '%s': %s", path,
                          errtext(e, eb, sizeof eb));
    }
    *buf = b;
    *len = n;
    return WASS_OK;
}

int wass_matrix_read(const char *path, wass_matrix *out, wass_error_info *err) {
    char eb[128];
    wass__clear(err);
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "output matrix is NULL");
    out->rows = out->cols = 0;
    out->data = NULL;
    out->float32 = 0;
    if (!path) return wass__fail(err, WASS_ERR_INVALID, "path is NULL");
    FILE *f = fopen(path, "rb");
    if (!f)
        return wass__fail(err, WASS_ERR_IO, "cannot open '%s': %s", path,
                          errtext(errno, eb, sizeof eb));
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        int e = errno;
        fclose(f);
        return wass__fail(err, WASS_ERR_IO, "cannot read '%s': %s", path,
                          errtext(e, eb, sizeof eb));
    }
    if (S_ISDIR(st.st_mode)) {
        fclose(f);
        return wass__fail(err, WASS_ERR_IO, "cannot read '%s': it is a directory", path);
    }
    int rc;
    size_t fsize = 0;
    char *mem = NULL;
    if (S_ISREG(st.st_mode)) {
        fsize = (size_t)st.st_size;
    } else {
        /* a pipe or a device: it cannot be rewound after sniffing the magic
         * bytes, so read it whole and parse it from memory */
        rc = slurp(f, path, &mem, &fsize, err);
        fclose(f);
        if (rc) return rc;
        if (fsize == 0) {
            free(mem);
            return wass__fail(err, WASS_ERR_FORMAT,
                              "no data (the file is empty or holds only comments)");
        }
        f = fmemopen(mem, fsize, "rb");
        if (!f) {
            int e = errno;
            free(mem);
            return wass__fail(err, WASS_ERR_IO, "cannot read '%s': %s", path,
                              errtext(e, eb, sizeof eb));
        }
    }
    unsigned char magic[NPY_MAGIC_LEN];
    size_t got = fread(magic, 1, NPY_MAGIC_LEN, f);
    if (ferror(f)) {
        int e = errno;
        rc = wass__fail(err, WASS_ERR_IO, "cannot read '%s': %s", path, errtext(e, eb, sizeof eb));
    } else if (fseek(f, 0, SEEK_SET) != 0) {
        int e = errno;
        rc = wass__fail(err, WASS_ERR_IO, "cannot read '%s': %s", path, errtext(e, eb, sizeof eb));
    } else if (got == NPY_MAGIC_LEN && memcmp(magic, NPY_MAGIC, NPY_MAGIC_LEN) == 0) {
        rc = read_npy(f, fsize, path, out, err);
    } else {
        rc = read_text(f, path, out, err);
    }
    fclose(f);
    free(mem);
    if (rc) {
        out->rows = out->cols = 0;
        out->data = NULL;
    }
    return rc;
}

/* ---- writing --------------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int write_text(FILE *f, const wass_matrix *mat) {
    for (size_t i = 0; i < mat->rows; i++) {
        const double *r = mat->data + i * mat->cols;
        for (size_t j = 0; j < mat->cols; j++)
            if (fprintf(f, j ? ",%.17g" : "%.17g", r[j]) < 0) return 0;
        if (fputc('\n', f) == EOF) return 0;
    }
    return 1;
}

static int write_npy(FILE *f, const wass_matrix *mat) {
    char dict[128];
    int dl = snprintf(dict, sizeof dict,
                      "{'descr': '<f8', 'fortran_order': False, 'shape': (%zu, %zu), }", mat->rows,
                      mat->cols);
    if (dl < 0 || (size_t)dl >= sizeof dict) return 0;
    /* magic(6) + version(2) + length(2) + dict + padding + '\n' = multiple of 64 */
    size_t total = 10 + (size_t)dl + 1;
    size_t pad = (64 - total % 64) % 64;
    size_t hlen = (size_t)dl + pad + 1;
    unsigned char pre[10] = {0x93,
                             'N',
                             'U',
                             'M',
                             'P',
                             'Y',
                             1,
                             0,
                             (unsigned char)(hlen & 0xff),
                             (unsigned char)(hlen >> 8)};
    if (fwrite(pre, 1, 10, f) != 10 || fwrite(dict, 1, (size_t)dl, f) != (size_t)dl) return 0;
    for (size_t k = 0; k < pad; k++)
        if (fputc(' ', f) == EOF) return 0;
    if (fputc('\n', f) == EOF) return 0;
    size_t count = mat->rows * mat->cols;
    unsigned char chunk[8192];
    size_t per = sizeof chunk / 8;
    for (size_t s = 0; s < count; s += per) {
        size_t n = count - s < per ? count - s : per;
        for (size_t k = 0; k < n; k++) {
            uint64_t u;
            memcpy(&u, &mat->data[s + k], 8);
            for (int t = 0; t < 8; t++)
                chunk[k * 8 + (size_t)t] = (unsigned char)(u >> (8 * t));
        }
        if (fwrite(chunk, 8, n, f) != n) return 0;
    }
    return 1;
}

/* Writes mat in full to a fresh temporary file beside path (*tmp_out, the
 * caller renames or unlinks it and frees the name). */
static int write_tmp(const char *path, const wass_matrix *mat, char **tmp_out,
                     wass_error_info *err) {
    char eb[128];
    *tmp_out = NULL;
    if (!path || !*path) return wass__fail(err, WASS_ERR_INVALID, "path is NULL or empty");
    if (!mat) return wass__fail(err, WASS_ERR_INVALID, "matrix is NULL");
    size_t count;
    if (!wass__mul_ok(mat->rows, mat->cols, &count) || count > SIZE_MAX / 8)
        return wass__fail(err, WASS_ERR_SIZE, "matrix size %zu x %zu overflows", mat->rows,
                          mat->cols);
    if (count > 0 && !mat->data) return wass__fail(err, WASS_ERR_INVALID, "matrix data is NULL");
    for (size_t k = 0; k < count; k++)
        if (!isfinite(mat->data[k]))
            return wass__fail(
                err, WASS_ERR_NAN, "row %zu, column %zu is %s (files hold finite numbers only)",
                k / mat->cols + 1, k % mat->cols + 1, isnan(mat->data[k]) ? "NaN" : "infinite");
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16);
    if (!tmp) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return wass__fail(err, WASS_ERR_IO, "cannot write '%s': %s", path,
                          errtext(e, eb, sizeof eb));
    }
    /* mkstemp creates 0600; give the file the usual permissions of a data file */
    (void)fchmod(fd, 0644);
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        int e = errno;
        close(fd);
        unlink(tmp);
        free(tmp);
        return wass__fail(err, WASS_ERR_IO, "cannot write '%s': %s", path,
                          errtext(e, eb, sizeof eb));
    }
    int ok = ends_with(path, ".npy") ? write_npy(f, mat) : write_text(f, mat);
    int e = errno;
    if (ok && fflush(f) != 0) {
        ok = 0;
        e = errno;
    }
    if (ok && fsync(fileno(f)) != 0 && errno != EINVAL && errno != EROFS) {
        ok = 0;
        e = errno;
    }
    if (fclose(f) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (!ok) {
        unlink(tmp);
        free(tmp);
        return wass__fail(err, WASS_ERR_IO, "cannot write '%s': %s", path,
                          errtext(e, eb, sizeof eb));
    }
    *tmp_out = tmp;
    return WASS_OK;
}

int wass_matrix_write(const char *path, const wass_matrix *mat, wass_error_info *err) {
    if (!mat) {
        wass__clear(err);
        return wass__fail(err, WASS_ERR_INVALID, "matrix is NULL");
    }
    return wass_matrix_write_all(1, &path, mat, err);
}

int wass_matrix_write_all(size_t count, const char *const *paths, const wass_matrix *mats,
                          wass_error_info *err) {
    char eb[128];
    wass__clear(err);
    if (count && (!paths || !mats))
        return wass__fail(err, WASS_ERR_INVALID, "paths or matrices are NULL");
    char **tmp = calloc(count ? count : 1, sizeof *tmp);
    if (!tmp) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    int rc = WASS_OK;
    size_t k = 0;
    for (; k < count && rc == WASS_OK; k++)
        rc = write_tmp(paths[k], &mats[k], &tmp[k], err);
    for (k = 0; k < count && rc == WASS_OK; k++)
        if (rename(tmp[k], paths[k]) != 0) {
            int e = errno;
            rc = wass__fail(err, WASS_ERR_IO, "cannot write '%s': %s", paths[k],
                            errtext(e, eb, sizeof eb));
        } else {
            free(tmp[k]);
            tmp[k] = NULL;
        }
    for (k = 0; k < count; k++)
        if (tmp[k]) {
            unlink(tmp[k]);
            free(tmp[k]);
        }
    free(tmp);
    return rc;
}

void wass_matrix_free(wass_matrix *mat) {
    if (!mat) return;
    free(mat->data);
    mat->data = NULL;
    mat->rows = mat->cols = 0;
}
