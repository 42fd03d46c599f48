/*
 * embed.c - randomly shifted hierarchical grid embedding of point clouds
 * (Indyk & Thaper 2003; Grauman & Darrell's pyramid match 2004): a cloud
 * becomes a sparse vector indexed by (level, cell) holding mass in the cell
 * times the side of the cell, so that the L1 distance between two such
 * vectors approximates W1. Keys are packed exactly (no hashing): level in the
 * top 6 bits, the cell's coordinates as a mixed-radix number below; see
 * wass.h for the derived cell and level count and the limits.
 */
#include "common/internal.h"
#include "line/radix_sort.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEVEL_SHIFT 58
#define MAX_LEVELS 58
#define INDEX_LIMIT ((double)((uint64_t)1 << LEVEL_SHIFT)) /* 2^58 cells per level */

void wass_embed_options_default(wass_embed_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
}

void wass_embed_frame_free(wass_embed_frame *fr) {
    if (!fr) return;
    free(fr->origin);
    free(fr->lo);
    free(fr->hi);
    memset(fr, 0, sizeof *fr);
}

void wass_sparse_free(wass_sparse *s) {
    if (!s) return;
    free(s->keys);
    free(s->vals);
    memset(s, 0, sizeof *s);
}

/* Number of cells level side h spans in coordinate k, and the index of the
 * box's lowest cell. Points x in [lo, hi] have floor((x - o) / h) in
 * [base, base + count - 1] because rounding is monotone. */
static double span(double lo, double hi, double o, double h, double *base) {
    double b = floor((lo - o) / h), t = floor((hi - o) / h);
    *base = b;
    return t - b + 1.0;
}

/* log2 of the number of keys a level needs (sum over coordinates). */
static double level_bits(const wass_embed_frame *fr, int l) {
    double h = ldexp(fr->cell, l), bits = 0.0, base;
    for (size_t k = 0; k < fr->d; k++)
        bits += log2(span(fr->lo[k], fr->hi[k], fr->origin[k], h, &base));
    return bits;
}

static int level_fits(const wass_embed_frame *fr, int l) {
    double h = ldexp(fr->cell, l), prod = 1.0, base;
    for (size_t k = 0; k < fr->d; k++) {
        prod *= span(fr->lo[k], fr->hi[k], fr->origin[k], h, &base);
        if (prod > INDEX_LIMIT) return 0;
    }
    return 1;
}

static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void set_origin(wass_embed_frame *fr, uint64_t seed) {
    double top = ldexp(fr->cell, fr->levels - 1);
    uint64_t state = mix64(seed ^ 0x2545f4914f6cdd1dull);
    for (size_t k = 0; k < fr->d; k++) {
        state += 0x9e3779b97f4a7c15ull;
        double u = (double)(mix64(state) >> 11) * 0x1.0p-53; /* [0, 1) */
        fr->origin[k] = fr->lo[k] - u * top;
    }
}

int wass_embed_frame_init(wass_embed_frame *fr, const wass_cloud *clouds, size_t count,
                          const wass_embed_options *opt, wass_error_info *err) {
    wass__clear(err);
    if (!fr) return wass__fail(err, WASS_ERR_INVALID, "frame is NULL");
    memset(fr, 0, sizeof *fr);
    wass_embed_options def;
    if (!opt) {
        wass_embed_options_default(&def);
        opt = &def;
    }
    if (!clouds || count == 0)
        return wass__fail(err, WASS_ERR_SIZE, "no clouds to build a frame from");
    if (!(opt->cell >= 0 && isfinite(opt->cell)))
        return wass__fail(err, WASS_ERR_INVALID, "cell = %g must be positive (or 0 for automatic)",
                          opt->cell);
    if (opt->levels < 0 || opt->levels > MAX_LEVELS)
        return wass__fail(err, WASS_ERR_INVALID,
                          "levels = %d must be in 1..%d (or 0 for automatic)", opt->levels,
                          MAX_LEVELS);
    size_t d = clouds[0].d, nmax = 0;
    int rc;
    for (size_t c = 0; c < count; c++) {
        char name[48];
        snprintf(name, sizeof name, "cloud %zu", c);
        if ((rc = wass__check_cloud(&clouds[c], name, name, name, NULL, err))) return rc;
        if (clouds[c].d != d)
            return wass__fail(err, WASS_ERR_SIZE, "cloud %zu has d = %zu, cloud 0 has d = %zu", c,
                              clouds[c].d, d);
        if (clouds[c].n > nmax) nmax = clouds[c].n;
    }
    fr->d = d;
    fr->origin = malloc(d * sizeof *fr->origin);
    fr->lo = malloc(d * sizeof *fr->lo);
    fr->hi = malloc(d * sizeof *fr->hi);
    if (!fr->origin || !fr->lo || !fr->hi) {
        wass_embed_frame_free(fr);
        return wass__fail(err, WASS_ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < d; k++) {
        fr->lo[k] = INFINITY;
        fr->hi[k] = -INFINITY;
    }
    for (size_t c = 0; c < count; c++)
        for (size_t i = 0; i < clouds[c].n; i++)
            for (size_t k = 0; k < d; k++) {
                double x = clouds[c].X[i * d + k];
                if (x < fr->lo[k]) fr->lo[k] = x;
                if (x > fr->hi[k]) fr->hi[k] = x;
            }
    double E = 0.0;
    for (size_t k = 0; k < d; k++)
        if (fr->hi[k] - fr->lo[k] > E) E = fr->hi[k] - fr->lo[k];
    if (!isfinite(E)) {
        wass_embed_frame_free(fr);
        return wass__fail(err, WASS_ERR_NAN, "the clouds' spread overflows a double");
    }
    int derived = opt->cell == 0 && opt->levels == 0;
    double cell = opt->cell;
    if (cell == 0) {
        if (E == 0)
            cell = 1.0;
        else if (opt->levels > 0)
            cell = E / ldexp(1.0, opt->levels - 1);
        else
            cell = E / (2.0 * pow((double)nmax, 1.0 / (double)d));
    }
    int levels = opt->levels;
    if (levels == 0) {
        levels = E > cell ? (int)ceil(log2(E / cell)) + 1 : 1;
        if (levels > MAX_LEVELS) levels = MAX_LEVELS;
    }
    fr->cell = cell;
    fr->levels = levels;
    set_origin(fr, opt->seed);
    /* the finest level needs the most key bits; coarsen a derived frame */
    while (!level_fits(fr, 0)) {
        if (!derived || fr->levels == 1) {
            int bad = 0;
            while (bad < fr->levels - 1 && !level_fits(fr, bad + 1))
                bad++;
            double bits = level_bits(fr, derived ? 0 : bad);
            int code = WASS_ERR_UNSUPPORTED;
            if (derived)
                wass__fail(err, code,
                           "d = %zu is too large for collision-free cell keys: even one level "
                           "needs %.0f bits (at most %d)",
                           d, ceil(bits), LEVEL_SHIFT);
            else
                wass__fail(err, code,
                           "level %d (cell side %g) needs %.0f bits for its cell keys (at most "
                           "%d): use a larger cell or fewer levels",
                           bad, ldexp(fr->cell, bad), ceil(bits), LEVEL_SHIFT);
            wass_embed_frame_free(fr);
            return code;
        }
        fr->cell *= 2.0;
        fr->levels -= 1;
        set_origin(fr, opt->seed);
    }
    return WASS_OK;
}

int wass_embed(const wass_embed_frame *fr, const wass_cloud *P, wass_sparse *out,
               wass_error_info *err) {
    wass__clear(err);
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "output is NULL");
    memset(out, 0, sizeof *out);
    if (!fr || !fr->origin || !fr->lo || !fr->hi || fr->levels < 1 || fr->levels > MAX_LEVELS ||
        !(fr->cell > 0))
        return wass__fail(err, WASS_ERR_INVALID, "frame is not initialized");
    int rc;
    double tot;
    if ((rc = wass__check_cloud(P, "cloud", "cloud", "cloud", &tot, err))) return rc;
    size_t d = fr->d, n = P->n, L = (size_t)fr->levels, total;
    if (P->d != d)
        return wass__fail(err, WASS_ERR_SIZE, "cloud has d = %zu, the frame d = %zu", P->d, d);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < d; k++) {
            double x = P->X[i * d + k];
            if (x < fr->lo[k] || x > fr->hi[k])
                return wass__fail(err, WASS_ERR_INVALID,
                                  "point %zu lies outside the frame's bounding box (coordinate "
                                  "%zu = %g not in [%g, %g]); build the frame from every cloud",
                                  i, k, x, fr->lo[k], fr->hi[k]);
        }
    if (!wass__mul_ok(n, L, &total)) return wass__fail(err, WASS_ERR_SIZE, "n * levels overflows");
    double *base = malloc(L * d * sizeof *base);
    uint64_t *stride = malloc(L * d * sizeof *stride);
    uint64_t *keys = wass__big_alloc(total * sizeof *keys),
             *ktmp = wass__big_alloc(total * sizeof *ktmp);
    double *vals = wass__big_alloc(total * sizeof *vals),
           *vtmp = wass__big_alloc(total * sizeof *vtmp);
    if (!base || !stride || !keys || !ktmp || !vals || !vtmp) {
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory for %zu entries", total);
        goto done;
    }
    for (size_t l = 0; l < L; l++) {
        double h = ldexp(fr->cell, (int)l), prod = 1.0;
        for (size_t k = 0; k < d; k++) {
            double cnt = span(fr->lo[k], fr->hi[k], fr->origin[k], h, &base[l * d + k]);
            stride[l * d + k] = (uint64_t)prod;
            prod *= cnt;
            if (prod > INDEX_LIMIT) {
                rc = wass__fail(err, WASS_ERR_UNSUPPORTED,
                                "level %zu needs more than %d bits for its cell keys", l,
                                LEVEL_SHIFT);
                goto done;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        const double *x = P->X + i * d;
        double mass = (P->w ? P->w[i] : 1.0) / (P->w ? tot : (double)n);
        for (size_t l = 0; l < L; l++) {
            double h = ldexp(fr->cell, (int)l);
            uint64_t key = 0;
            for (size_t k = 0; k < d; k++) {
                double idx = floor((x[k] - fr->origin[k]) / h) - base[l * d + k];
                key += (uint64_t)idx * stride[l * d + k];
            }
            keys[i * L + l] = ((uint64_t)l << LEVEL_SHIFT) | key;
            vals[i * L + l] = mass * h;
        }
    }
    wass__radix_sort(keys, vals, total, ktmp, vtmp, wass__threads(0));
    size_t len = 0;
    for (size_t t = 0; t < total; t++) {
        if (len && keys[len - 1] == keys[t]) {
            vals[len - 1] += vals[t];
        } else {
            keys[len] = keys[t];
            vals[len] = vals[t];
            len++;
        }
    }
    /* drop cells whose mass is exactly zero (zero-weight points) */
    size_t kept = 0;
    for (size_t t = 0; t < len; t++)
        if (vals[t] != 0.0) {
            keys[kept] = keys[t];
            vals[kept] = vals[t];
            kept++;
        }
    out->keys = malloc((kept ? kept : 1) * sizeof *out->keys);
    out->vals = malloc((kept ? kept : 1) * sizeof *out->vals);
    if (!out->keys || !out->vals) {
        wass_sparse_free(out);
        rc = wass__fail(err, WASS_ERR_NOMEM, "out of memory");
        goto done;
    }
    memcpy(out->keys, keys, kept * sizeof *keys);
    memcpy(out->vals, vals, kept * sizeof *vals);
    out->len = kept;
    rc = WASS_OK;
done:
    free(base);
    free(stride);
    free(keys);
    free(ktmp);
    free(vals);
    free(vtmp);
    return rc;
}

/* s + t = hi + lo exactly (Knuth's TwoSum: no branch, any order of |s|, |t|) */
static inline void two_sum(double *s, double *c, double t) {
    double u = *s + t, bp = u - *s;
    *c += (*s - (u - bp)) + (t - bp);
    *s = u;
}

/* Equal keys are tested first (embeddings in one frame share most cells),
 * and the sum is compensated with a branch-free TwoSum (the same error
 * term as Neumaier's, so the same result). A branch-free merge (the
 * smaller key taken by conditional moves) measured slower: it chains each
 * step's loads on the previous comparison, where a predicted branch runs
 * ahead. */
double wass_sparse_l1(const wass_sparse *x, const wass_sparse *y) {
    size_t i = 0, j = 0, nx = x ? x->len : 0, ny = y ? y->len : 0;
    double s = 0.0, c = 0.0;
    const uint64_t *kx = nx ? x->keys : NULL, *ky = ny ? y->keys : NULL;
    const double *vx = nx ? x->vals : NULL, *vy = ny ? y->vals : NULL;
    while (i < nx && j < ny) {
        uint64_t a = kx[i], b = ky[j];
        double t;
        if (a == b)
            t = fabs(vx[i++] - vy[j++]);
        else if (a < b)
            t = fabs(vx[i++]);
        else
            t = fabs(vy[j++]);
        two_sum(&s, &c, t);
    }
    for (; i < nx; i++)
        two_sum(&s, &c, fabs(vx[i]));
    for (; j < ny; j++)
        two_sum(&s, &c, fabs(vy[j]));
    return s + c;
}
