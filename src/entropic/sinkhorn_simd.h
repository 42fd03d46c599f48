/*
 * sinkhorn_simd.h - the hot loops of the Sinkhorn solver, written once with
 * GCC/Clang vector extensions and compiled several times by
 * sinkhorn_kernel.c, once per instruction set (SK_ATTR, SK_NAME set by the
 * includer, and the vector types SK_VD / SK_VL / SK_VU of SK_L lanes: the
 * machine's own width, 8 for AVX-512, 4 for AVX2, 2 for the baseline; a
 * wider vector than the machine's is kept in memory by GCC, about 8 times
 * slower). Not a normal header: no include guard on purpose.
 *
 * The exponential is evaluated in SK_L lanes with a branch-free
 * Cody-Waite reduction and a degree-12 Taylor polynomial (relative error
 * about 2e-16 on [-708, 709]; arguments below -708 give ~1e-308 instead of a
 * denormal or 0, negligible next to the largest term, which is exactly 1).
 * Sums are accumulated per lane in index order and the lanes combined in a
 * fixed order, so every result is independent of the number of threads
 * (the lane count, hence the last bits, depends on the instruction set).
 */

/* exp of SK_L lanes. */
static SK_ATTR inline __attribute__((always_inline)) SK_VD SK_NAME(vexp)(SK_VD x) {
    const SK_VD lo = SK_SPLAT(-708.0), hi = SK_SPLAT(709.0);
    SK_VL m1 = x < lo;
    x = (SK_VD)(((SK_VL)x & ~m1) | ((SK_VL)lo & m1));
    SK_VL m2 = x > hi;
    x = (SK_VD)(((SK_VL)x & ~m2) | ((SK_VL)hi & m2));
    const SK_VD shifter = SK_SPLAT(0x1.8p52);
    SK_VD t = x * SK_SPLAT(1.4426950408889634) + shifter;
    SK_VD kd = t - shifter;
    SK_VD r = x - kd * SK_SPLAT(6.93147180369123816490e-01);
    r = r - kd * SK_SPLAT(1.90821492927058770002e-10);
    SK_VD p = SK_SPLAT(1.0 / 479001600.0);
    p = p * r + SK_SPLAT(1.0 / 39916800.0);
    p = p * r + SK_SPLAT(1.0 / 3628800.0);
    p = p * r + SK_SPLAT(1.0 / 362880.0);
    p = p * r + SK_SPLAT(1.0 / 40320.0);
    p = p * r + SK_SPLAT(1.0 / 5040.0);
    p = p * r + SK_SPLAT(1.0 / 720.0);
    p = p * r + SK_SPLAT(1.0 / 120.0);
    p = p * r + SK_SPLAT(1.0 / 24.0);
    p = p * r + SK_SPLAT(1.0 / 6.0);
    p = p * r + SK_SPLAT(0.5);
    p = p * r + SK_SPLAT(1.0);
    p = p * r + SK_SPLAT(1.0);
    SK_VU e = ((SK_VU)t + ((SK_VU){0} + 1023)) << 52;
    return p * (SK_VD)e;
}

static SK_ATTR inline SK_VD SK_NAME(vload)(const double *p) {
    SK_VD v;
    memcpy(&v, p, sizeof v);
    return v;
}

static SK_ATTR inline void SK_NAME(vstore)(double *p, SK_VD v) {
    memcpy(p, &v, sizeof v);
}

static SK_ATTR inline SK_VD SK_NAME(vmax)(SK_VD a, SK_VD b) {
    SK_VL m = a > b;
    return (SK_VD)(((SK_VL)a & m) | ((SK_VL)b & ~m));
}

/* Load the tail x[0..len) (len < SK_L) padded with `pad`. */
static SK_ATTR inline SK_VD SK_NAME(vtail)(const double *x, size_t len, double pad) {
    double t[SK_L];
    for (size_t l = 0; l < SK_L; l++)
        t[l] = l < len ? x[l] : pad;
    return SK_NAME(vload)(t);
}

static SK_ATTR inline double SK_NAME(hsum)(SK_VD v) {
    double s = 0.0;
    for (int l = 0; l < SK_L; l++)
        s += v[l];
    return s;
}

static SK_ATTR inline double SK_NAME(hmax)(SK_VD v) {
    double s = v[0];
    for (int l = 1; l < SK_L; l++)
        s = v[l] > s ? v[l] : s;
    return s;
}

/* Cost vector for lanes j..j+SK_L-1: mode 0 reads c[], mode 1 (squared
 * Euclidean) and 2 (Euclidean) compute it from x (d coordinates) and the
 * transposed cloud Yt (d x len). rest < SK_L: tail, padded with cost 0. */
static SK_ATTR inline __attribute__((always_inline)) SK_VD
SK_NAME(cvec)(int mode, const double *c, const double *x, const double *Yt, size_t d, size_t len,
              size_t j, size_t rest) {
    if (mode == 0) return rest ? SK_NAME(vtail)(c + j, rest, 0.0) : SK_NAME(vload)(c + j);
    SK_VD s = SK_SPLAT(0.0);
    for (size_t k = 0; k < d; k++) {
        const double *y = Yt + k * len + j;
        SK_VD t = SK_SPLAT(x[k]) - (rest ? SK_NAME(vtail)(y, rest, x[k]) : SK_NAME(vload)(y));
        s += t * t;
    }
    if (mode == 2)
        for (int l = 0; l < SK_L; l++)
            s[l] = sqrt(s[l]);
    return s;
}

/* LSE_j (h_j - C_j * inv_eps) over j < len, costs as in cvec. With a shift
 * (a guess of the result, e.g. from the previous iteration) one pass
 * suffices: sum exp(z - shift), accepted when the largest z is within 500 of
 * the shift (no term overflows, none that matters underflows); otherwise,
 * and without a shift, a first pass finds the maximum. */
static SK_ATTR inline __attribute__((always_inline)) double
SK_NAME(lse_core)(int mode, const double *c, const double *x, const double *Yt, size_t d,
                  const double *h, size_t len, double inv_eps, int has_shift, double shift) {
    const SK_VD ie = SK_SPLAT(inv_eps);
    size_t body = len - len % SK_L, rest = len - body;
    double mask[SK_L];
    for (size_t l = 0; l < SK_L; l++)
        mask[l] = l < rest ? 1.0 : 0.0;
    double M;
    if (has_shift) {
        const SK_VD vs = SK_SPLAT(shift);
        SK_VD s = SK_SPLAT(0.0), mx = SK_SPLAT(-INFINITY);
        for (size_t j = 0; j < body; j += SK_L) {
            SK_VD z = SK_NAME(vload)(h + j) - SK_NAME(cvec)(mode, c, x, Yt, d, len, j, 0) * ie;
            mx = SK_NAME(vmax)(mx, z);
            s += SK_NAME(vexp)(z - vs);
        }
        if (rest) {
            SK_VD z = SK_NAME(vtail)(h + body, rest, -INFINITY) -
                      SK_NAME(cvec)(mode, c, x, Yt, d, len, body, rest) * ie;
            mx = SK_NAME(vmax)(mx, z);
            s += SK_NAME(vload)(mask) * SK_NAME(vexp)(z - vs);
        }
        M = SK_NAME(hmax)(mx);
        if (M - shift <= 500.0 && M - shift >= -500.0) return shift + log(SK_NAME(hsum)(s));
    } else {
        SK_VD mx = SK_SPLAT(-INFINITY);
        for (size_t j = 0; j < body; j += SK_L)
            mx = SK_NAME(vmax)(mx, SK_NAME(vload)(h + j) -
                                       SK_NAME(cvec)(mode, c, x, Yt, d, len, j, 0) * ie);
        if (rest)
            mx = SK_NAME(vmax)(mx, SK_NAME(vtail)(h + body, rest, -INFINITY) -
                                       SK_NAME(cvec)(mode, c, x, Yt, d, len, body, rest) * ie);
        M = SK_NAME(hmax)(mx);
    }
    if (!(M > -INFINITY)) return M; /* every h_j = -inf (cannot happen: positive mass) */
    const SK_VD vm = SK_SPLAT(M);
    SK_VD s = SK_SPLAT(0.0);
    for (size_t j = 0; j < body; j += SK_L)
        s += SK_NAME(vexp)(SK_NAME(vload)(h + j) -
                           SK_NAME(cvec)(mode, c, x, Yt, d, len, j, 0) * ie - vm);
    if (rest)
        s += SK_NAME(vload)(mask) *
             SK_NAME(vexp)(SK_NAME(vtail)(h + body, rest, -INFINITY) -
                           SK_NAME(cvec)(mode, c, x, Yt, d, len, body, rest) * ie - vm);
    return M + log(SK_NAME(hsum)(s));
}

static SK_ATTR double SK_NAME(lse_row)(const double *c, const double *h, size_t len, double inv_eps,
                                       int has_shift, double shift) {
    return SK_NAME(lse_core)(0, c, NULL, NULL, 0, h, len, inv_eps, has_shift, shift);
}

static SK_ATTR double SK_NAME(lse_row_sq)(const double *x, const double *Yt, size_t d,
                                          const double *h, size_t len, double inv_eps,
                                          int has_shift, double shift) {
    return SK_NAME(lse_core)(1, NULL, x, Yt, d, h, len, inv_eps, has_shift, shift);
}

static SK_ATTR double SK_NAME(lse_row_eu)(const double *x, const double *Yt, size_t d,
                                          const double *h, size_t len, double inv_eps,
                                          int has_shift, double shift) {
    return SK_NAME(lse_core)(2, NULL, x, Yt, d, h, len, inv_eps, has_shift, shift);
}

/* Row of the plan: e_j = exp(alpha + beta_j - c_j * inv_eps); returns sum e_j,
 * *wsum = sum e_j c_j, out (may be NULL) receives e. */
static SK_ATTR double SK_NAME(plan_row)(const double *c, const double *beta, size_t len,
                                        double alpha, double inv_eps, double *wsum, double *out) {
    const SK_VD ie = SK_SPLAT(inv_eps), va = SK_SPLAT(alpha);
    size_t body = len - len % SK_L;
    SK_VD s = SK_SPLAT(0.0), w = SK_SPLAT(0.0);
    for (size_t j = 0; j < body; j += SK_L) {
        SK_VD cj = SK_NAME(vload)(c + j);
        SK_VD e = SK_NAME(vexp)(va + SK_NAME(vload)(beta + j) - cj * ie);
        s += e;
        w += e * cj;
        if (out) SK_NAME(vstore)(out + j, e);
    }
    if (body < len) {
        double mask[SK_L], t[SK_L];
        size_t rest = len - body;
        for (size_t l = 0; l < SK_L; l++)
            mask[l] = l < rest ? 1.0 : 0.0;
        SK_VD cj = SK_NAME(vtail)(c + body, rest, 0.0);
        SK_VD e = SK_NAME(vload)(mask) *
                  SK_NAME(vexp)(va + SK_NAME(vtail)(beta + body, rest, -INFINITY) - cj * ie);
        s += e;
        w += e * cj;
        SK_NAME(vstore)(t, e);
        if (out)
            for (size_t l = 0; l < rest; l++)
                out[body + l] = t[l];
    }
    *wsum = SK_NAME(hsum)(w);
    return SK_NAME(hsum)(s);
}

/* Costs from point x (d coordinates) to the len points of Yt (d x len,
 * transposed) into c: the library's cost oracle, inlined here to be compiled
 * for this instruction set. */
static SK_ATTR void SK_NAME(cost_row)(const wass_ground *g, const double *x, const double *Yt,
                                      size_t d, size_t len, double *c) {
    wass__cost_row_t(g, x, Yt, len, d, len, c);
}

/* Dense column log-sum-exp over columns [j0, j1) (j0 a multiple of 8):
 * out_j = LSE_i (h_i - C_ij * inv_eps). s: scratch of 2 (j1 - j0) doubles.
 * With shift (guesses of out, may be NULL) one pass, as in lse_core. */
static SK_ATTR void SK_NAME(lse_cols_dense)(const double *C, size_t ld, size_t n, size_t j0,
                                            size_t j1, const double *h, double inv_eps,
                                            const double *shift, double *out, double *s) {
    const SK_VD ie = SK_SPLAT(inv_eps);
    size_t len = j1 - j0, body = len - len % SK_L, rest = len - body;
    double *mx = s + len;
    double mask[SK_L];
    for (size_t l = 0; l < SK_L; l++)
        mask[l] = l < rest ? 1.0 : 0.0;
    for (size_t j = 0; j < len; j++) {
        mx[j] = -INFINITY;
        s[j] = 0.0;
    }
    if (shift) {
        const double *sh = shift + j0;
        for (size_t i = 0; i < n; i++) {
            const double *row = C + i * ld + j0;
            const SK_VD hi = SK_SPLAT(h[i]);
            for (size_t j = 0; j < body; j += SK_L) {
                SK_VD z = hi - SK_NAME(vload)(row + j) * ie;
                SK_NAME(vstore)(mx + j, SK_NAME(vmax)(SK_NAME(vload)(mx + j), z));
                SK_NAME(vstore)
                (s + j, SK_NAME(vload)(s + j) + SK_NAME(vexp)(z - SK_NAME(vload)(sh + j)));
            }
            if (rest) {
                double t[SK_L], u[SK_L];
                SK_VD z = hi - SK_NAME(vtail)(row + body, rest, 0.0) * ie;
                SK_NAME(vstore)(t, SK_NAME(vmax)(SK_NAME(vtail)(mx + body, rest, -INFINITY), z));
                SK_NAME(vstore)
                (u, SK_NAME(vtail)(s + body, rest, 0.0) +
                        SK_NAME(vload)(mask) *
                            SK_NAME(vexp)(z - SK_NAME(vtail)(sh + body, rest, 0.0)));
                for (size_t l = 0; l < rest; l++) {
                    mx[body + l] = t[l];
                    s[body + l] = u[l];
                }
            }
        }
        int ok = 1;
        for (size_t j = 0; j < len; j++)
            if (!(mx[j] - sh[j] <= 500.0 && mx[j] - sh[j] >= -500.0)) ok = 0;
        if (ok) {
            for (size_t j = 0; j < len; j++)
                out[j0 + j] = sh[j] + log(s[j]);
            return;
        }
        for (size_t j = 0; j < len; j++)
            s[j] = 0.0;
    } else {
        for (size_t i = 0; i < n; i++) {
            const double *row = C + i * ld + j0;
            const SK_VD hi = SK_SPLAT(h[i]);
            for (size_t j = 0; j < body; j += SK_L) {
                SK_NAME(vstore)
                (mx + j, SK_NAME(vmax)(SK_NAME(vload)(mx + j), hi - SK_NAME(vload)(row + j) * ie));
            }
            if (rest) {
                double t[SK_L];
                SK_NAME(vstore)
                (t, SK_NAME(vmax)(SK_NAME(vtail)(mx + body, rest, -INFINITY),
                                  hi - SK_NAME(vtail)(row + body, rest, 0.0) * ie));
                for (size_t l = 0; l < rest; l++)
                    mx[body + l] = t[l];
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        const double *row = C + i * ld + j0;
        const SK_VD hi = SK_SPLAT(h[i]);
        for (size_t j = 0; j < body; j += SK_L) {
            SK_NAME(vstore)
            (s + j, SK_NAME(vload)(s + j) +
                        SK_NAME(vexp)(hi - SK_NAME(vload)(row + j) * ie - SK_NAME(vload)(mx + j)));
        }
        if (rest) {
            double t[SK_L];
            SK_VD e = SK_NAME(vload)(mask) *
                      SK_NAME(vexp)(hi - SK_NAME(vtail)(row + body, rest, 0.0) * ie -
                                    SK_NAME(vtail)(mx + body, rest, 0.0));
            SK_NAME(vstore)(t, SK_NAME(vtail)(s + body, rest, 0.0) + e);
            for (size_t l = 0; l < rest; l++)
                s[body + l] = t[l];
        }
    }
    for (size_t j = 0; j < len; j++)
        out[j0 + j] = mx[j] + log(s[j]);
}

/* Dense column sums of the plan over columns [j0, j1):
 * sum_j = sum_i exp(alpha_i + beta_j - C_ij * inv_eps). */
static SK_ATTR void SK_NAME(plan_cols_dense)(const double *C, size_t ld, size_t n, size_t j0,
                                             size_t j1, const double *alpha, const double *beta,
                                             double inv_eps, double *sum) {
    const SK_VD ie = SK_SPLAT(inv_eps);
    size_t len = j1 - j0, body = len - len % SK_L, rest = len - body;
    double mask[SK_L];
    for (size_t l = 0; l < SK_L; l++)
        mask[l] = l < rest ? 1.0 : 0.0;
    for (size_t j = 0; j < len; j++)
        sum[j0 + j] = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *row = C + i * ld + j0, *bt = beta + j0;
        double *s = sum + j0;
        const SK_VD ai = SK_SPLAT(alpha[i]);
        for (size_t j = 0; j < body; j += SK_L) {
            SK_NAME(vstore)
            (s + j, SK_NAME(vload)(s + j) +
                        SK_NAME(vexp)(ai + SK_NAME(vload)(bt + j) - SK_NAME(vload)(row + j) * ie));
        }
        if (rest) {
            double t[SK_L];
            SK_VD e = SK_NAME(vload)(mask) *
                      SK_NAME(vexp)(ai + SK_NAME(vtail)(bt + body, rest, -INFINITY) -
                                    SK_NAME(vtail)(row + body, rest, 0.0) * ie);
            SK_NAME(vstore)(t, SK_NAME(vtail)(s + body, rest, 0.0) + e);
            for (size_t l = 0; l < rest; l++)
                s[body + l] = t[l];
        }
    }
}

/* ---- precomputed kernel (scaling domain) ---------------------------------- */

/* exp of 8 lanes, exactly 0 below -708 (vexp would give ~1e-308 there: fine
 * next to a largest term of 1, not once multiplied by large scalings). */
static SK_ATTR inline __attribute__((always_inline)) SK_VD SK_NAME(vexp0)(SK_VD x) {
    SK_VL keep = x >= SK_SPLAT(-708.0);
    return (SK_VD)((SK_VL)SK_NAME(vexp)(x) & keep);
}

/* Kernel row K_j = exp((fi + g0_j - c_j) * ie) (0 below exp(-708)) into K;
 * part_j += ai * K_j. Returns the largest exponent. */
static SK_ATTR double SK_NAME(kbuild_row)(const double *c, const double *g0, size_t len, double fi,
                                          double ie, double ai, double *K, double *part) {
    const SK_VD vie = SK_SPLAT(ie), vf = SK_SPLAT(fi), va = SK_SPLAT(ai);
    size_t body = len - len % SK_L, rest = len - body;
    SK_VD mx = SK_SPLAT(-INFINITY);
    for (size_t j = 0; j < body; j += SK_L) {
        SK_VD z = (vf + SK_NAME(vload)(g0 + j) - SK_NAME(vload)(c + j)) * vie;
        mx = SK_NAME(vmax)(mx, z);
        SK_VD e = SK_NAME(vexp0)(z);
        SK_NAME(vstore)(K + j, e);
        SK_NAME(vstore)(part + j, SK_NAME(vload)(part + j) + va * e);
    }
    double M = SK_NAME(hmax)(mx);
    for (size_t j = body; j < body + rest; j++) {
        double z = (fi + g0[j] - c[j]) * ie;
        M = z > M ? z : M;
        double e = z >= -708.0 ? exp(z) : 0.0;
        K[j] = e;
        part[j] += ai * e;
    }
    return M;
}

/* sum_j K_j w_j, in a fixed order. */
static SK_ATTR double SK_NAME(kdot)(const double *K, const double *w, size_t len) {
    size_t body = len - len % (2 * SK_L);
    SK_VD s0 = SK_SPLAT(0.0), s1 = SK_SPLAT(0.0);
    for (size_t j = 0; j < body; j += 2 * SK_L) {
        s0 += SK_NAME(vload)(K + j) * SK_NAME(vload)(w + j);
        s1 += SK_NAME(vload)(K + j + SK_L) * SK_NAME(vload)(w + j + SK_L);
    }
    double s = SK_NAME(hsum)(s0 + s1);
    for (size_t j = body; j < len; j++)
        s += K[j] * w[j];
    return s;
}

/* part_j += x K_j. */
static SK_ATTR void SK_NAME(kaxpy)(const double *K, double x, double *part, size_t len) {
    const SK_VD vx = SK_SPLAT(x);
    size_t body = len - len % SK_L;
    for (size_t j = 0; j < body; j += SK_L)
        SK_NAME(vstore)(part + j, SK_NAME(vload)(part + j) + vx * SK_NAME(vload)(K + j));
    for (size_t j = body; j < len; j++)
        part[j] += x * K[j];
}

/* Plan row P_j = x K_j w_j: returns sum P_j, *wsum = sum P_j c_j, part_j +=
 * P_j, out (may be NULL) receives P. */
static SK_ATTR double SK_NAME(kplan_row)(const double *K, const double *w, const double *c,
                                         size_t len, double x, double *wsum, double *part,
                                         double *out) {
    const SK_VD vx = SK_SPLAT(x);
    size_t body = len - len % SK_L;
    SK_VD s = SK_SPLAT(0.0), ws = SK_SPLAT(0.0);
    for (size_t j = 0; j < body; j += SK_L) {
        SK_VD p = vx * SK_NAME(vload)(K + j) * SK_NAME(vload)(w + j);
        s += p;
        ws += p * SK_NAME(vload)(c + j);
        SK_NAME(vstore)(part + j, SK_NAME(vload)(part + j) + p);
        if (out) SK_NAME(vstore)(out + j, p);
    }
    double S = SK_NAME(hsum)(s), W = SK_NAME(hsum)(ws);
    for (size_t j = body; j < len; j++) {
        double p = x * K[j] * w[j];
        S += p;
        W += p * c[j];
        part[j] += p;
        if (out) out[j] = p;
    }
    *wsum = W;
    return S;
}

/* Row of the plan P_j = x K_j w_j into out; returns sum P_j. */
static SK_ATTR double SK_NAME(kscale_row)(const double *K, const double *w, size_t len, double x,
                                          double *out) {
    const SK_VD vx = SK_SPLAT(x);
    size_t body = len - len % SK_L;
    SK_VD s = SK_SPLAT(0.0);
    for (size_t j = 0; j < body; j += SK_L) {
        SK_VD p = vx * SK_NAME(vload)(K + j) * SK_NAME(vload)(w + j);
        s += p;
        SK_NAME(vstore)(out + j, p);
    }
    double S = SK_NAME(hsum)(s);
    for (size_t j = body; j < len; j++) {
        out[j] = x * K[j] * w[j];
        S += out[j];
    }
    return S;
}

/* Eight columns of the plan P_il = x_i K_il w_l (l < 8; K rows ld apart)
 * over the rows i < n, summed in row order: s[l] = sum_i P_il and
 * mt[t * 8 + l] = sum_i P_il X_it for the d coordinates of X (n x d). */
static SK_ATTR void SK_NAME(kcols8)(const double *K, size_t ld, size_t n, const double *x,
                                    const double *w, const double *X, size_t d, double *s,
                                    double *mt) {
    for (size_t v = 0; v < 8; v += SK_L) {
        const SK_VD vw = SK_NAME(vload)(w + v);
        SK_VD vs = SK_SPLAT(0.0);
        for (size_t t = 0; t < d; t++)
            SK_NAME(vstore)(mt + t * 8 + v, SK_SPLAT(0.0));
        for (size_t i = 0; i < n; i++) {
            SK_VD p = SK_SPLAT(x[i]) * SK_NAME(vload)(K + i * ld + v) * vw;
            vs += p;
            for (size_t t = 0; t < d; t++)
                SK_NAME(vstore)
            (mt + t * 8 + v, SK_NAME(vload)(mt + t * 8 + v) + p * SK_SPLAT(X[i * d + t]));
        }
        SK_NAME(vstore)(s + v, vs);
    }
}
