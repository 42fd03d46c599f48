/*
 * sliced.c - sliced and max-sliced Wasserstein distances between two point
 * clouds: project both clouds on random unit directions (Gaussian vectors,
 * normalized, one counter-based stream per direction so that the result
 * does not depend on the thread count), solve each 1-D problem exactly with
 * the quantile merge of line.c, and combine: SW_p = (mean W_p^p)^(1/p),
 * max-sliced = max W_p. Directions are processed in parallel; the per-
 * direction values are summed in direction order.
 */
#include "common/internal.h"
#include "common/parallel.h"
#include "line/line_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wass_sliced_options_default(wass_sliced_options *opt) {
    if (!opt) return;
    memset(opt, 0, sizeof *opt);
    opt->projections = 100;
    opt->seed = 0;
    opt->p = 2.0;
    opt->max_sliced = 0;
    opt->threads = 0;
    opt->directions = NULL;
}

static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* One direction: splitmix64 stream keyed by (seed, t); Box-Muller normals. */
static void direction(size_t d, uint64_t seed, size_t t, double *out) {
    uint64_t state = mix64(seed ^ 0x5851f42d4c957f2dull) + mix64((uint64_t)t + 1);
    for (;;) {
        double norm2 = 0.0;
        for (size_t k = 0; k < d; k += 2) {
            state += 0x9e3779b97f4a7c15ull;
            double u1 = ((double)(mix64(state) >> 11) + 1.0) * 0x1.0p-53; /* (0, 1] */
            state += 0x9e3779b97f4a7c15ull;
            double u2 = (double)(mix64(state) >> 11) * 0x1.0p-53;
            double r = sqrt(-2.0 * log(u1)), a = 6.283185307179586 * u2;
            out[k] = r * cos(a);
            if (k + 1 < d) out[k + 1] = r * sin(a);
        }
        for (size_t k = 0; k < d; k++)
            norm2 += out[k] * out[k];
        if (norm2 > 1e-200) {
            double inv = 1.0 / sqrt(norm2);
            for (size_t k = 0; k < d; k++)
                out[k] *= inv;
            return;
        }
    }
}

int wass_sliced_directions(size_t d, size_t k, uint64_t seed, double *out, wass_error_info *err) {
    wass__clear(err);
    size_t dk;
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "output array is NULL");
    if (d == 0 || k == 0)
        return wass__fail(err, WASS_ERR_SIZE, "dimension (%zu) and count (%zu) must be positive", d,
                          k);
    if (!wass__mul_ok(d, k, &dk)) return wass__fail(err, WASS_ERR_SIZE, "d * k overflows");
    for (size_t t = 0; t < k; t++)
        direction(d, seed, t, out + t * d);
    return WASS_OK;
}

static void project(const wass_cloud *C, const double *theta, double *out) {
    size_t d = C->d;
    for (size_t i = 0; i < C->n; i++) {
        const double *x = C->X + i * d;
        double s = 0.0;
        for (size_t k = 0; k < d; k++)
            s += x[k] * theta[k];
        out[i] = s;
    }
}

int wass_sliced(const wass_cloud *P, const wass_cloud *Q, const wass_sliced_options *opt,
                double *out, wass_error_info *err) {
    wass__clear(err);
    wass_sliced_options def;
    if (!opt) {
        wass_sliced_options_default(&def);
        opt = &def;
    }
    int rc;
    double tp, tq;
    if (!out) return wass__fail(err, WASS_ERR_INVALID, "output pointer is NULL");
    if ((rc = wass__check_cloud(P, "cloud P", "P", "P", &tp, err))) return rc;
    if ((rc = wass__check_cloud(Q, "cloud Q", "Q", "Q", &tq, err))) return rc;
    if (P->d != Q->d)
        return wass__fail(err, WASS_ERR_SIZE, "dimensions differ: P has d = %zu, Q has d = %zu",
                          P->d, Q->d);
    if (!(opt->p >= 1.0 && isfinite(opt->p)))
        return wass__fail(err, WASS_ERR_INVALID, "p = %g must be >= 1 and finite", opt->p);
    size_t K = opt->projections, d = P->d, kd;
    if (K == 0) return wass__fail(err, WASS_ERR_INVALID, "number of projections is zero");
    size_t kbytes;
    if (!wass__mul_ok(K, d, &kd) || !wass__mul_ok(K, sizeof(double), &kbytes))
        return wass__fail(err, WASS_ERR_SIZE,
                          "projections = %zu: too many (projections * d doubles overflow memory "
                          "sizes)",
                          K);
    if (opt->directions && (rc = wass__check_finite(opt->directions, kd, "directions", err)))
        return rc;

    int nt;
    wass__line_work *work = wass__line_works(opt->threads, K, P->n, Q->n, P->w || Q->w, &nt);
    double *vals = malloc(kbytes);
    double *buf = NULL;
    size_t per = P->n + Q->n + d;
    size_t total;
    int nomem = !vals || !work || !wass__mul_ok(per, (size_t)nt, &total);
    if (!nomem) nomem = !(buf = malloc(total * sizeof *buf));
    if (!nomem) {
        const double p = opt->p;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
#endif
        for (size_t t = 0; t < K; t++) {
            int me = wass__thread_num();
            double *pp = buf + (size_t)me * per, *pq = pp + P->n, *theta = pq + Q->n;
            if (opt->directions)
                memcpy(theta, opt->directions + t * d, d * sizeof *theta);
            else
                direction(d, opt->seed, t, theta);
            project(P, theta, pp);
            project(Q, theta, pq);
            vals[t] = wass__line_pp(pp, P->w, tp, P->n, pq, Q->w, tq, Q->n, p, 1, &work[me]);
        }
        if (opt->max_sliced) {
            double mx = 0.0;
            for (size_t t = 0; t < K; t++)
                if (vals[t] > mx) mx = vals[t];
            *out = pow(mx, 1.0 / p);
        } else {
            *out = pow(wass__sum(vals, K) / (double)K, 1.0 / p);
        }
    }
    wass__line_works_free(work, nt);
    free(buf);
    free(vals);
    if (nomem)
        return wass__fail(err, WASS_ERR_NOMEM,
                          "out of memory (%zu projections, %d threads' scratch)", K, nt);
    return WASS_OK;
}
