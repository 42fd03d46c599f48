/*
 * transport_simd.h - the vector loops of the small transport solver
 * (transport.c): the start (column and row reduction), the keys of a search
 * (relax, with the columns of the least key), and the certificate's scan of
 * all pairs. Written once with
 * GCC/Clang vector extensions of 4 doubles and compiled twice by
 * transport.c, for the baseline and for AVX2 (TR_ATTR, TR_NAME, TR_VMIN and
 * TR_MOVEMASK set by the includer). Only additions, subtractions, comparisons and
 * minima: every instruction set gives bitwise the same results. Not a normal
 * header: no include guard on purpose.
 */

/* Costs of row i at columns j0 .. j0 + 4 NV (NV <= 6: the keys and their
 * rows of the block fit in the 16 vector registers, the column duals are
 * read from vw): the keys of the columns not in the tree lowered to min over
 * the rows of e of (d - u_i) + C_ij - v_j, with the first row that set each
 * (krow); columns in the tree get +inf. Keys kept in registers across the
 * rows. */
#define TR_RELAX_BLOCK(NV, EQ)                                                                     \
    do {                                                                                           \
        tr_v4d k[NV], kr[NV];                                                                      \
        double vw[4 * NV];                                                                         \
        uint64_t fb = w->fin[j0 / 64] >> (j0 % 64);                                                \
        if (j0 % 64 > 64 - 4 * NV) fb |= w->fin[j0 / 64 + 1] << (64 - j0 % 64);                    \
        fb &= (1ULL << (4 * NV)) - 1;                                                              \
        for (int q = 0; q < NV; q++) {                                                             \
            tr_v4l f = tr_lanes((fb >> (4 * q)) & 15);                                             \
            k[q] = tr_blend(f, inf, tr_load(key + j0 + 4 * q));                                    \
            kr[q] = tr_load(krow + j0 + 4 * q);                                                    \
            tr_store(vw + 4 * q, tr_blend(f, ninf, tr_load(v + j0 + 4 * q)));                      \
        }                                                                                          \
        for (int r = 0; r < w->nw; r++)                                                            \
            for (uint64_t bits = e->rows[r]; bits; bits &= bits - 1) {                             \
                size_t i = (size_t)r * 64 + (size_t)__builtin_ctzll(bits);                         \
                const double *Ci = C + i * ld + j0;                                                \
                double bi = e->d - u[i], fi = (double)i;                                           \
                tr_v4d b = {bi, bi, bi, bi}, ri = {fi, fi, fi, fi};                                \
                for (int q = 0; q < NV; q++) {                                                     \
                    tr_v4d c = (b + tr_load(Ci + 4 * q)) - tr_load(vw + 4 * q);                    \
                    tr_v4l lt = c < k[q];                                                          \
                    k[q] = TR_BLENDV(lt, c, k[q]);                                                 \
                    kr[q] = TR_BLENDV(lt, ri, kr[q]);                                              \
                }                                                                                  \
            }                                                                                      \
        for (int q = 0; q < NV; q++) {                                                             \
            tr_store(key + j0 + 4 * q, k[q]);                                                      \
            tr_store(krow + j0 + 4 * q, kr[q]);                                                    \
            mn = TR_VMIN(mn, k[q]);                                                                \
        }                                                                                          \
        if (EQ) { /* the only block: the columns of the least key from the registers */            \
            double h = tr_hmin(mn);                                                                \
            const tr_v4d hv = {h, h, h, h};                                                        \
            uint64_t bits = 0;                                                                     \
            for (int q = 0; q < NV; q++)                                                           \
                bits |= (uint64_t)TR_MOVEMASK((tr_v4l)(k[q] == hv)) << (4 * q);                    \
            eq[0] = bits;                                                                          \
        }                                                                                          \
    } while (0)

/* The keys after entry t joined the tree (krow: the row that set each
 * key); returns the least key d, with eq (WASS__TR_WORDS words) the columns
 * whose key is d (padding and tree columns have key +inf, never equal to a
 * finite d). */
static TR_ATTR double TR_NAME(tr_relax)(wass__transport_work *w, int t, uint64_t *eq) {
    const wass__tr_entry *e = &w->ent[t];
    const size_t ld = w->ld;
    const double *C = w->C, *u = w->u, *v = w->v;
    double *key = w->key, *krow = w->krow;
    const tr_v4d inf = {INFINITY, INFINITY, INFINITY, INFINITY};
    const tr_v4d ninf = -inf;
    tr_v4d mn = inf;
    /* one pass over the rows for up to 24 columns */
    size_t j0 = 0;
    switch (ld / 4) {
    case 6:
        TR_RELAX_BLOCK(6, 1);
        return eq[1] = eq[2] = eq[3] = 0, tr_hmin(mn);
    case 5:
        TR_RELAX_BLOCK(5, 1);
        return eq[1] = eq[2] = eq[3] = 0, tr_hmin(mn);
    case 4:
        TR_RELAX_BLOCK(4, 1);
        return eq[1] = eq[2] = eq[3] = 0, tr_hmin(mn);
    case 3:
        TR_RELAX_BLOCK(3, 1);
        return eq[1] = eq[2] = eq[3] = 0, tr_hmin(mn);
    case 2:
        TR_RELAX_BLOCK(2, 1);
        return eq[1] = eq[2] = eq[3] = 0, tr_hmin(mn);
    case 1:
        TR_RELAX_BLOCK(1, 1);
        return eq[1] = eq[2] = eq[3] = 0, tr_hmin(mn);
    default:
        break;
    }
    /* blocks of 16 columns, then the last 4 to 24 in one pass over the rows */
    for (; ld - j0 > 24; j0 += 16)
        TR_RELAX_BLOCK(4, 0);
    switch ((ld - j0) / 4) {
    case 6:
        TR_RELAX_BLOCK(6, 0);
        break;
    case 5:
        TR_RELAX_BLOCK(5, 0);
        break;
    case 4:
        TR_RELAX_BLOCK(4, 0);
        break;
    case 3:
        TR_RELAX_BLOCK(3, 0);
        break;
    case 2:
        TR_RELAX_BLOCK(2, 0);
        break;
    default:
        TR_RELAX_BLOCK(1, 0);
        break;
    }
    double d = tr_hmin(mn);
    const tr_v4d dv = {d, d, d, d};
    for (int q = 0; q < TRW; q++)
        eq[q] = 0;
    for (size_t j = 0; j < ld; j += 4) {
        tr_v4l c = tr_load(key + j) == dv;
        eq[j / 64] |= (uint64_t)TR_MOVEMASK(c) << (j % 64);
    }
    return d;
}
#undef TR_RELAX_BLOCK

/* Column reduction of columns j0 .. j0 + 4 NV: v_j = min_i C_ij (first row on
 * ties) with its row in arg[j], the NV blocks' minima carried side by side
 * over the rows (independent chains of compares and blends). */
#define TR_COLRED_BLOCK(NV)                                                                        \
    do {                                                                                           \
        tr_v4d best[NV];                                                                           \
        tr_v4l arg[NV];                                                                            \
        for (int q = 0; q < NV; q++) {                                                             \
            best[q] = tr_load(C + j0 + 4 * q);                                                     \
            arg[q] = (tr_v4l){0, 0, 0, 0};                                                         \
        }                                                                                          \
        for (size_t i = 1; i < n; i++) {                                                           \
            tr_v4l iv = {(int64_t)i, (int64_t)i, (int64_t)i, (int64_t)i};                          \
            for (int q = 0; q < NV; q++) {                                                         \
                tr_v4d c = tr_load(C + i * ld + j0 + 4 * q);                                       \
                tr_v4l lt = c < best[q];                                                           \
                best[q] = tr_blend(lt, c, best[q]);                                                \
                arg[q] = (lt & iv) | (~lt & arg[q]);                                               \
            }                                                                                      \
        }                                                                                          \
        for (int q = 0; q < NV; q++) {                                                             \
            tr_store(v + j0 + 4 * q, best[q]);                                                     \
            for (int l = 0; l < 4; l++)                                                            \
                w->arg[j0 + 4 * (size_t)q + (size_t)l] = (int)arg[q][l];                           \
        }                                                                                          \
    } while (0)

/* Column reduction v_j = min_i C_ij (first row on ties) with its row in
 * arg[j], then row reduction u_i = min_j (C_ij - v_j) with its first column
 * in prow[i] (found without a branch: the columns equal to the minimum as a
 * bitmask, its lowest bit). */
static TR_ATTR void TR_NAME(tr_reduce)(wass__transport_work *w) {
    const size_t n = w->n, m = w->m, ld = w->ld;
    const double *C = w->C;
    double *u = w->u, *v = w->v;
    for (size_t j0 = 0; j0 < ld; j0 += 16) {
        switch ((ld - j0) / 4) {
        case 1:
            TR_COLRED_BLOCK(1);
            break;
        case 2:
            TR_COLRED_BLOCK(2);
            break;
        case 3:
            TR_COLRED_BLOCK(3);
            break;
        default:
            TR_COLRED_BLOCK(4);
            break;
        }
    }
    const tr_v4d inf = {INFINITY, INFINITY, INFINITY, INFINITY};
    tr_v4l tail = tr_lanes((m % 4) ? (1u << (m % 4)) - 1 : 15);
    for (size_t i = 0; i < n; i++) {
        const double *Ci = C + i * ld;
        tr_v4d mn = inf;
        for (size_t j = 0; j < ld; j += 4) {
            tr_v4d r = tr_load(Ci + j) - tr_load(v + j);
            if (j + 4 >= ld) r = tr_blend(tail, r, inf);
            mn = TR_VMIN(mn, r);
        }
        double h = tr_hmin(mn);
        const tr_v4d hv = {h, h, h, h};
        uint64_t eq[TRW] = {0, 0, 0, 0};
        for (size_t j = 0; j < ld; j += 4)
            eq[j / 64] |= (uint64_t)TR_MOVEMASK((tr_v4l)(tr_load(Ci + j) - tr_load(v + j) == hv))
                          << (j % 64);
        size_t jm = m - 1; /* the first column of the minimum */
        for (int q = TRW - 1; q >= 0; q--)
            if (eq[q]) jm = (size_t)q * 64 + (size_t)__builtin_ctzll(eq[q]);
        if (jm >= m) jm = m - 1;
        u[i] = h;
        w->prow[i] = (int)jm;
    }
}
#undef TR_COLRED_BLOCK

/* The certificate's scan of all pairs: rowmin_i = min_j fl(C_ij - v_j),
 * *cmax = max |C_ij|, *cmin = min C_ij. */
static TR_ATTR void TR_NAME(tr_scan)(wass__transport_work *w, double *cmax, double *cmin) {
    const size_t n = w->n, m = w->m, ld = w->ld;
    const double *C = w->C, *v = w->v;
    const tr_v4d inf = {INFINITY, INFINITY, INFINITY, INFINITY}, zero = {0, 0, 0, 0};
    tr_v4l tail = tr_lanes((m % 4) ? (1u << (m % 4)) - 1 : 15);
    tr_v4d hi = zero, lo = inf;
    for (size_t i = 0; i < n; i++) {
        const double *Ci = C + i * ld;
        tr_v4d mn = inf;
        for (size_t j = 0; j < ld; j += 4) {
            tr_v4d c = tr_load(Ci + j), r = c - tr_load(v + j);
            if (j + 4 >= ld) {
                r = tr_blend(tail, r, inf);
                lo = TR_VMIN(lo, tr_blend(tail, c, inf));
            } else
                lo = TR_VMIN(lo, c);
            mn = TR_VMIN(mn, r);
            tr_v4d a = tr_blend(c < zero, -c, c);
            hi = tr_blend(a > hi, a, hi);
        }
        w->rowmin[i] = tr_hmin(mn);
    }
    *cmax = -tr_hmin(-hi);
    *cmin = tr_hmin(lo);
}
