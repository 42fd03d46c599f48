/*
 * wmd_text.c - text to bags of words for the Word Mover's Distance: a
 * tokenizer (lowercased runs of ASCII letters and digits), stop words, an
 * explicit out-of-vocabulary policy (dropped and counted), and nBOW or TF-IDF
 * weights.
 */
#include "common/internal.h"
#include "wass/wmd.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wass_text_options_default(wass_text_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
    opt->min_len = 1;
}

int wass_stopwords_from_list(const char *const *words, size_t count, wass_stopwords *out,
                             wass_error_info *err) {
    wass__clear(err);
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "output is NULL");
    return wass_wordvec_from_arrays(words, NULL, count, 0, &out->set, err);
}

int wass_stopwords_load(const char *path, wass_stopwords *out, wass_error_info *err) {
    wass__clear(err);
    if (!path || !out) return wass__fail(err, WASS_ERR_INVALID, "path or output is NULL");
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) return wass__fail(err, WASS_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    char **words = NULL;
    size_t n = 0, cap = 0;
    char line[1024];
    long lineno = 0;
    int rc = WASS_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t l = strlen(line);
        if (l == sizeof line - 1 && line[l - 1] != '\n' && !feof(f)) {
            rc =
                wass__fail_line(err, WASS_ERR_FORMAT, lineno, "%s: line %ld: longer than %zu bytes",
                                path, lineno, sizeof line - 2);
            break;
        }
        char *h = strchr(line, '#');
        if (h) *h = '\0';
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        char *e = s + strlen(s);
        while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
            e--;
        *e = '\0';
        if (!*s) continue;
        for (char *p = s; *p; p++) {
            if (*p == ' ' || *p == '\t') {
                rc =
                    wass__fail_line(err, WASS_ERR_FORMAT, lineno,
                                    "%s: line %ld: expected one word, found '%s'", path, lineno, s);
                break;
            }
            if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
        }
        if (rc) break;
        if (n == cap) {
            size_t c2 = cap ? 2 * cap : 256;
            char **q = realloc(words, c2 * sizeof *q);
            if (!q) {
                rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
                break;
            }
            words = q;
            cap = c2;
        }
        if (!(words[n] = strdup(s))) {
            rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
            break;
        }
        n++;
    }
    if (!rc && ferror(f)) rc = wass__fail(err, WASS_ERR_IO, "read error on '%s'", path);
    fclose(f);
    if (!rc) rc = wass_wordvec_from_arrays((const char *const *)words, NULL, n, 0, &out->set, err);
    for (size_t i = 0; i < n; i++)
        free(words[i]);
    free(words);
    return rc;
}

void wass_stopwords_free(wass_stopwords *sw) {
    if (sw) wass_wordvec_free(&sw->set);
}

void wass_bag_free(wass_bag *bag) {
    if (!bag) return;
    free(bag->word);
    free(bag->count);
    free(bag->weight);
    memset(bag, 0, sizeof *bag);
}

static int cmp_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* From a list of indices (with repeats): sorted distinct words with counts,
 * nBOW weights. Takes ownership of idx. */
static int bag_from_indices(size_t *idx, size_t n, wass_bag *out, wass_error_info *err) {
    qsort(idx, n, sizeof *idx, cmp_size);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || idx[i] != idx[i - 1]) distinct++;
    out->word = malloc((distinct ? distinct : 1) * sizeof *out->word);
    out->count = malloc((distinct ? distinct : 1) * sizeof *out->count);
    out->weight = malloc((distinct ? distinct : 1) * sizeof *out->weight);
    if (!out->word || !out->count || !out->weight) {
        free(idx);
        wass_bag_free(out);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || idx[i] != idx[i - 1]) {
            out->word[k] = idx[i];
            out->count[k] = 0;
            k++;
        }
        out->count[k - 1] += 1;
    }
    out->len = distinct;
    for (size_t i = 0; i < distinct; i++)
        out->weight[i] = out->count[i] / (double)n;
    free(idx);
    return WASS_OK;
}

int wass_bag_from_text(const wass_wordvec *wv, const char *text, size_t len,
                       const wass_text_options *opt, wass_bag *out, wass_error_info *err) {
    wass__clear(err);
    if (!wv || !out || (!text && len)) return wass__fail(err, WASS_ERR_INVALID, "NULL argument");
    memset(out, 0, sizeof *out);
    wass_text_options o;
    if (opt)
        o = *opt;
    else
        wass_text_options_default(&o);
    size_t cap = 64, n = 0;
    size_t *idx = malloc(cap * sizeof *idx);
    char *tok = malloc(len + 1);
    if (!idx || !tok) {
        free(idx);
        free(tok);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    size_t p = 0;
    while (p < len) {
        unsigned char c = (unsigned char)text[p];
        int in = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 (o.keep_non_ascii && c >= 0x80);
        if (!in) {
            p++;
            continue;
        }
        size_t tl = 0;
        while (p < len) {
            c = (unsigned char)text[p];
            if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c - 'A' + 'a');
            else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       (o.keep_non_ascii && c >= 0x80)))
                break;
            tok[tl++] = (char)c;
            p++;
        }
        out->tokens++;
        if (tl < o.min_len) {
            out->short_dropped++;
            continue;
        }
        if (o.stop && wass_wordvec_find(&o.stop->set, tok, tl) != WASS_NOT_FOUND) {
            out->stop_dropped++;
            continue;
        }
        size_t w = wass_wordvec_find(wv, tok, tl);
        if (w == WASS_NOT_FOUND) {
            out->oov_dropped++;
            continue;
        }
        if (n == cap) {
            size_t *q = realloc(idx, 2 * cap * sizeof *idx);
            if (!q) {
                free(idx);
                free(tok);
                return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
            }
            idx = q;
            cap *= 2;
        }
        idx[n++] = w;
    }
    free(tok);
    out->kept = n;
    size_t tokens = out->tokens, s = out->short_dropped, st = out->stop_dropped,
           oov = out->oov_dropped;
    int rc = bag_from_indices(idx, n, out, err);
    out->tokens = tokens;
    out->short_dropped = s;
    out->stop_dropped = st;
    out->oov_dropped = oov;
    out->kept = n;
    return rc;
}

int wass_bag_from_counts(const size_t *word, const double *count, size_t len, size_t vocab_size,
                         wass_bag *out, wass_error_info *err) {
    wass__clear(err);
    if (!out || (len && (!word || !count)))
        return wass__fail(err, WASS_ERR_INVALID, "NULL argument");
    memset(out, 0, sizeof *out);
    double total = 0;
    for (size_t i = 0; i < len; i++) {
        if (word[i] >= vocab_size)
            return wass__fail(err, WASS_ERR_SIZE, "word index %zu >= vocabulary size %zu", word[i],
                              vocab_size);
        if (!isfinite(count[i])) return wass__fail(err, WASS_ERR_NAN, "count %zu is not finite", i);
        if (count[i] < 0) return wass__fail(err, WASS_ERR_NEGATIVE, "count %zu is negative", i);
        total += count[i];
    }
    if (!isfinite(total))
        return wass__fail(err, WASS_ERR_NAN,
                          "counts sum to infinity (overflow of finite counts): scale them down");
    size_t *idx = malloc((len ? len : 1) * sizeof *idx);
    if (!idx) return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (count[i] > 0) idx[n++] = i; /* positions, sorted by word below */
    /* sort positions by word, then merge */
    size_t *w = malloc((n ? n : 1) * sizeof *w);
    if (!w) {
        free(idx);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        w[i] = word[idx[i]];
    int rc = bag_from_indices(w, n, out, err); /* counts occurrences; redone below */
    if (rc) {
        free(idx);
        return rc;
    }
    for (size_t k = 0; k < out->len; k++)
        out->count[k] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t lo = 0, hi = out->len;
        size_t target = word[idx[i]];
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (out->word[mid] < target)
                lo = mid + 1;
            else
                hi = mid;
        }
        out->count[lo] += count[idx[i]];
    }
    for (size_t k = 0; k < out->len; k++)
        out->weight[k] = out->count[k] / total;
    out->tokens = out->kept = (size_t)llround(total);
    free(idx);
    return WASS_OK;
}

int wass_idf_fit(const wass_bag *bags, size_t nbags, size_t vocab_size, double *idf,
                 wass_error_info *err) {
    wass__clear(err);
    if ((nbags && !bags) || !idf) return wass__fail(err, WASS_ERR_INVALID, "NULL argument");
    for (size_t w = 0; w < vocab_size; w++)
        idf[w] = 0;
    for (size_t d = 0; d < nbags; d++)
        for (size_t k = 0; k < bags[d].len; k++) {
            if (bags[d].word[k] >= vocab_size)
                return wass__fail(err, WASS_ERR_SIZE, "bag %zu: word index %zu >= %zu", d,
                                  bags[d].word[k], vocab_size);
            idf[bags[d].word[k]] += 1;
        }
    for (size_t w = 0; w < vocab_size; w++)
        idf[w] = log((1.0 + (double)nbags) / (1.0 + idf[w])) + 1.0;
    return WASS_OK;
}

int wass_bag_apply_idf(wass_bag *bag, const double *idf, wass_error_info *err) {
    wass__clear(err);
    if (!bag || !idf) return wass__fail(err, WASS_ERR_INVALID, "NULL argument");
    double total = 0;
    for (size_t k = 0; k < bag->len; k++) {
        bag->weight[k] = bag->count[k] * idf[bag->word[k]];
        total += bag->weight[k];
    }
    if (bag->len && !(total > 0 && isfinite(total)))
        return wass__fail(err, WASS_ERR_ZERO_MASS, "TF-IDF weights sum to %g", total);
    for (size_t k = 0; k < bag->len; k++)
        bag->weight[k] /= total;
    return WASS_OK;
}
