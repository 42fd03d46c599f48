/*
 * fuzz_cli_files.c - the command-line tool's own input loaders on any bytes
 * (what `wass` makes of a file after the library has read it, and the one
 * format the tool parses itself). The first byte picks the loader, the rest
 * is the file:
 *   0  labelled documents, "label<TAB>text" lines (wass knn --train/--test),
 *      loaded twice into the same label names as train and test sets are:
 *      the second load must give the same labels;
 *   1  a signature (weight column then coordinates; wass emd A B);
 *   2  a weight vector (--a / --b).
 * What loads must be consistent (labels in range, texts as long as they
 * say; nonnegative finite weights of positive sum, finite coordinates).
 */
#include "fuzz_util.h"
#include "wmd_cli.h"

#include <math.h>

static void check_docs(const wmd_docs *d, const wmd_labels *names) {
    if (d->n == 0 || names->n == 0) abort();
    for (size_t i = 0; i < d->n; i++) {
        if (d->label[i] < 0 || (size_t)d->label[i] >= names->n) abort();
        if (d->text[i][d->len[i]] != '\0' || memchr(d->text[i], '\n', d->len[i])) abort();
    }
    for (size_t k = 0; k < names->n; k++)
        if (!names->name[k][0] || strchr(names->name[k], '\t') || strchr(names->name[k], '\n'))
            abort();
}

static void docs(const char *path) {
    wmd_docs a, b;
    wmd_labels names = {0, NULL};
    if (wmd_load_docs("knn", path, &a, &names) == CLI_OK) {
        check_docs(&a, &names);
        size_t n = names.n;
        if (wmd_load_docs("knn", path, &b, &names) != CLI_OK) abort();
        if (names.n != n || b.n != a.n) abort(); /* no new label the second time */
        for (size_t i = 0; i < a.n; i++)
            if (a.label[i] != b.label[i] || a.len[i] != b.len[i] ||
                memcmp(a.text[i], b.text[i], a.len[i]) != 0)
                abort();
        wmd_docs_free(&b);
    }
    wmd_docs_free(&a);
    wmd_labels_free(&names);
}

static void signature(const char *path) {
    cli_signature s;
    if (cli_load_signature("emd", path, &s) != CLI_OK) {
        if (s.w || s.X || s.n) abort(); /* a refusal leaves nothing */
        return;
    }
    double total = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (!(s.w[i] >= 0 && isfinite(s.w[i]))) abort();
        total += s.w[i];
    }
    if (!(total > 0) || s.d == 0) abort();
    for (size_t k = 0; k < s.n * s.d; k++)
        if (!isfinite(s.X[k])) abort();
    cli_signature_free(&s);
}

static void vector(const char *path) {
    double *v;
    size_t n;
    int f32;
    if (cli_load_vector_f32("emd", path, &v, &n, &f32) != CLI_OK) {
        if (v || n) abort();
        return;
    }
    for (size_t k = 0; k < n; k++)
        if (!isfinite(v[k])) abort();
    free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const char *path = fuzz_file(".in");
    if (!fuzz_write(path, data + 1, size - 1)) return 0;
    switch (data[0] % 3) {
    case 0:
        docs(path);
        break;
    case 1:
        signature(path);
        break;
    default:
        vector(path);
        break;
    }
    remove(path);
    return 0;
}
