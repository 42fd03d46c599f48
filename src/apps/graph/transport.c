/*
 * transport.c - exact transport for many small dense problems with integer
 * masses (uniform node weights 1/n and 1/m become m/g and n/g units, g =
 * gcd(n, m)), by successive shortest augmenting paths with the flow
 * components as the unit of the search.
 *
 * The start: column reduction v_j = min_i C_ij and row reduction u_i =
 * min_j (C_ij - v_j), each followed by a greedy flow on its arcs (reduced
 * cost zero). Then, for each row with supply left, a Dijkstra search on the
 * residual graph with reduced costs C_ij - u_i - v_j >= 0 towards the
 * nearest column with demand left. Flow arcs have reduced cost zero in both
 * directions, so a flow component (a tree of the flow forest) is reached as a
 * whole at one distance: the search enters whole components and keeps one
 * key per column (its least distance from the rows of the tree), lowered by
 * all rows of a component at once with the keys in vector registers
 * (transport_simd.h). The components are kept between searches as the flow
 * forest (parent pointers, and each tree's rows and columns at its root;
 * section "the flow forest"): entering one is a look-up, the path of an
 * augmentation a climb up the pointers. The start's flows always form a
 * forest (a cycle would alternate column-reduction arcs (i_k, j_k) and
 * row-reduction arcs (i_k+1, j_k), and the first column of a row's minimum,
 * j_k for row i_k+1, would then lie before j_k+1 all around it), which is
 * checked; where it does not (non-finite costs) the searches find the
 * components breadth first on bitmasks of the flow arcs (section "one
 * search"; the same components, paths and flows).
 * The relaxation also records the row that set each key (the first row of
 * the last entry that lowered it): the tree parent of a column entered by
 * its key. The potentials
 * are updated Jonker-Volgenant style and the flow is augmented along the
 * path; a search goes on after an augmentation that only filled its column
 * or emptied flow arcs of the last component entered only (entered again,
 * less the part cut off), and starts again from its row after one that
 * emptied a flow arc of an earlier component.
 *
 * Flows are integers, so the marginals hold exactly; the answer is certified
 * by transport_certify.c, which trusts only the costs, the masses, the flows
 * and the column duals.
 */
#include "apps/graph/graph_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TRW WASS__TR_WORDS
/* a node's place in the search tree: entry * TR_LOC + level (levels of an
 * entry < 2 (n + m) + 1 <= 1025) */
#define TR_LOC 2048

/* The vector helpers are macros, not functions: no 32-byte vector is ever
 * passed to or returned from a function, so the baseline instantiation
 * needs no AVX (a compiler may refuse, or pass such vectors in memory on one
 * side and in registers on the other), and both instantiations compile the
 * same expressions. Arguments that are evaluated more than once are plain
 * variables or loads at every use. */
typedef double tr_v4d __attribute__((vector_size(32)));
typedef int64_t tr_v4l __attribute__((vector_size(32)));
typedef double tr_v4du __attribute__((vector_size(32), aligned(8))); /* unaligned access */

#define tr_load(p) (*(const tr_v4du *)(p))
#define tr_store(p, x) (*(tr_v4du *)(p) = (x))
/* mask ? a : b, lane by lane */
#define tr_blend(mask, a, b) ((tr_v4d)(((mask) & (tr_v4l)(a)) | (~(mask) & (tr_v4l)(b))))
/* lane q all ones when bit q of bits4 is set */
#define tr_lanes(bits4)                                                                            \
    ((((tr_v4l){0, 0, 0, 0} + (int64_t)(bits4)) & (tr_v4l){1, 2, 4, 8}) != (tr_v4l){0, 0, 0, 0})
/* a < b ? a : b, the semantics of MINPD */
#define tr_min(a, b) ((a) < (b) ? (a) : (b))
#define tr_hmin(x) tr_min(tr_min((x)[0], (x)[1]), tr_min((x)[2], (x)[3]))
#define tr_vmin_generic(a, b) tr_blend((a) < (b), a, b)

#define TR_ATTR
#define TR_NAME(x) x##_generic
#define TR_VMIN(a, b) tr_vmin_generic(a, b)
#define TR_MOVEMASK(e) (int)(((e)[0] & 1) | ((e)[1] & 2) | ((e)[2] & 4) | ((e)[3] & 8))
#define TR_BLENDV(mask, a, b) tr_blend(mask, a, b)
#include "apps/graph/transport_simd.h"
#undef TR_ATTR
#undef TR_NAME
#undef TR_VMIN
#undef TR_MOVEMASK
#undef TR_BLENDV

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(WASS_NO_CLONES)
#define TR_X86 1
#define TR_ATTR __attribute__((target("avx2")))
#define TR_NAME(x) x##_avx2
#define TR_VMIN(a, b) ((tr_v4d)__builtin_ia32_minpd256((a), (b)))
#define TR_MOVEMASK(e) __builtin_ia32_movmskpd256((tr_v4d)(e))
/* mask ? a : b by lane (the mask all ones or all zeros a lane) */
#define TR_BLENDV(mask, a, b) ((tr_v4d)__builtin_ia32_blendvpd256((b), (a), (tr_v4d)(mask)))
#include "apps/graph/transport_simd.h"
#undef TR_ATTR
#undef TR_NAME
#undef TR_VMIN
#undef TR_MOVEMASK
#undef TR_BLENDV
#endif

/* The keys after entry t joined the tree; the least, and in eq the columns
 * that have it. */
static double relax(wass__transport_work *w, int t, uint64_t *eq) {
#ifdef TR_X86
    if (w->isa) return tr_relax_avx2(w, t, eq);
#endif
    return tr_relax_generic(w, t, eq);
}

/* ---- workspace ------------------------------------------------------------ */

void wass__transport_work_free(wass__transport_work *w) {
    if (!w) return;
    free(w->C);
    free(w->u);
    free(w->v);
    free(w->key);
    free(w->krow);
    free(w->rowmin);
    free(w->x);
    free(w->rs);
    free(w->rt);
    free(w->pred);
    free(w->prow);
    free(w->arg);
    free(w->rmask);
    free(w->cmask);
    free(w->levm);
    free(w->ent);
    free(w->rloc);
    free(w->cloc);
    free(w->fpar);
    free(w->fcr);
    free(w->fcc);
    free(w->fpj);
    memset(w, 0, sizeof *w);
}

int wass__transport_work_init(wass__transport_work *w, size_t nmax, size_t mmax) {
    memset(w, 0, sizeof *w);
    if (nmax == 0 || mmax == 0) return WASS_ERR_SIZE;
    if (nmax > WASS__TR_MAX) nmax = WASS__TR_MAX;
    if (mmax > WASS__TR_MAX) mmax = WASS__TR_MAX;
    size_t ld = (mmax + 3) & ~(size_t)3;
    w->nmax = nmax;
    w->mmax = mmax;
    w->ldmax = ld;
    /* a search enters at most n + m components, each with at most
     * 2 (n + m) + 1 levels in all */
    w->maxent = (int)(nmax + mmax + 1);
    w->maxlev = (int)(2 * (nmax + mmax) + w->maxent + 1);
    w->C = malloc(nmax * ld * sizeof *w->C);
    w->u = malloc(nmax * sizeof *w->u);
    w->v = malloc(ld * sizeof *w->v);
    w->key = malloc(ld * sizeof *w->key);
    w->krow = malloc(ld * sizeof *w->krow);
    w->rowmin = malloc(nmax * sizeof *w->rowmin);
    w->x = calloc(nmax * ld, sizeof *w->x); /* flows and their masks start clean */
    w->rs = malloc(nmax * sizeof *w->rs);
    w->rt = malloc(ld * sizeof *w->rt);
    w->pred = malloc(ld * sizeof *w->pred);
    w->prow = malloc(nmax * sizeof *w->prow);
    w->arg = malloc(ld * sizeof *w->arg);
    w->rmask = calloc(nmax * TRW, sizeof *w->rmask);
    w->cmask = calloc(ld * TRW, sizeof *w->cmask);
    w->levm = malloc((size_t)w->maxlev * TRW * sizeof *w->levm);
    w->ent = malloc((size_t)w->maxent * sizeof *w->ent);
    w->rloc = malloc(nmax * sizeof *w->rloc);
    w->cloc = malloc(ld * sizeof *w->cloc);
    w->fpar = malloc(2 * WASS__TR_MAX * sizeof *w->fpar);
    w->fcr = malloc(2 * WASS__TR_MAX * TRW * sizeof *w->fcr);
    w->fcc = malloc(2 * WASS__TR_MAX * TRW * sizeof *w->fcc);
    w->fpj = malloc(WASS__TR_MAX * sizeof *w->fpj);
    if (!w->C || !w->u || !w->v || !w->key || !w->krow || !w->rowmin || !w->x || !w->rs || !w->rt ||
        !w->pred || !w->prow || !w->arg || !w->rmask || !w->cmask || !w->levm || !w->ent ||
        !w->rloc || !w->cloc || !w->fpar || !w->fcr || !w->fcc || !w->fpj) {
        wass__transport_work_free(w);
        return WASS_ERR_NOMEM;
    }
#ifdef TR_X86
    /* the CPU model is read once by libgcc's constructor */
    w->isa = __builtin_cpu_supports("avx2") ? 1 : 0;
#endif
    return WASS_OK;
}

double *wass__transport_costs(wass__transport_work *w, size_t n, size_t m, size_t *ld) {
    if (n == 0 || m == 0 || n > w->nmax || m > w->mmax) return NULL;
    w->n = n;
    w->m = m;
    w->ld = (m + 3) & ~(size_t)3;
    if (ld) *ld = w->ld;
    return w->C;
}

/* ---- flows ---------------------------------------------------------------- */

static inline void set_bit(uint64_t *words, int k) {
    words[(unsigned)k / 64] |= 1ULL << ((unsigned)k % 64);
}

static inline void clear_bit(uint64_t *words, int k) {
    words[(unsigned)k / 64] &= ~(1ULL << ((unsigned)k % 64));
}

/* Keys +inf and the padding columns m .. ld - 1 (one word: ld - m <= 3,
 * 64 divisible by 4) in the tree, for a new search. */
static inline void search_init(wass__transport_work *w) {
    size_t m = w->m, ld = w->ld;
    const tr_v4d inf = {INFINITY, INFINITY, INFINITY, INFINITY};
    for (size_t j = 0; j < ld; j += 4)
        tr_store(w->key + j, inf);
    if (m < ld) w->fin[m / 64] |= ((1ULL << (ld - m)) - 1) << (m % 64);
}

/* x_ij += a, keeping the bitmasks of the flow arcs */
static inline void add_flow(wass__transport_work *w, int i, int j, int a) {
    int *x = w->x + (size_t)i * w->ld + j;
    int old = *x;
    *x = old + a;
    if (old == 0) {
        set_bit(w->rmask + (size_t)i * TRW, j);
        set_bit(w->cmask + (size_t)j * TRW, i);
    } else if (*x == 0) {
        clear_bit(w->rmask + (size_t)i * TRW, j);
        clear_bit(w->cmask + (size_t)j * TRW, i);
    }
}

/* Zero the flows of the last problem (xn rows, stride xld, xmw mask words)
 * and their masks through the masks: add_flow keeps them in step, so no
 * full clear of the buffers is needed. */
static void clear_flows(wass__transport_work *w) {
    for (size_t i = 0; i < w->xn; i++) {
        uint64_t *ri = w->rmask + i * TRW;
        for (int q = 0; q < w->xmw; q++) {
            for (uint64_t b = ri[q]; b; b &= b - 1) {
                size_t j = (size_t)q * 64 + (size_t)__builtin_ctzll(b);
                w->x[i * w->xld + j] = 0;
                memset(w->cmask + j * TRW, 0, TRW * sizeof *w->cmask);
            }
            ri[q] = 0;
        }
    }
    w->xn = 0;
}

static void forest_build(wass__transport_work *w);

/* The start: the greedy flows of the column and row reductions. */
static void start(wass__transport_work *w, const int *s, const int *t) {
    size_t n = w->n, m = w->m, ld = w->ld;
    clear_flows(w);
    w->xn = n;
    w->xld = ld;
    w->xmw = (int)((m + 63) / 64);
    for (size_t i = 0; i < n; i++) {
        w->rs[i] = s[i];
        wass__zero_pad(w->C + i * ld, m, ld);
    }
    for (size_t j = 0; j < ld; j++)
        w->rt[j] = j < m ? t[j] : 0;
#ifdef TR_X86
    if (w->isa)
        tr_reduce_avx2(w);
    else
#endif
        tr_reduce_generic(w);
    wass__zero_pad(w->v, m, ld);
    int16_t *par = w->fpar; /* the flow forest's parent pointers (forest_build) */
    const size_t fc = n <= 64 && m <= 64 ? 64 : 64 * TRW;
    for (size_t i = 0; i < n; i++)
        par[i] = -1;
    for (size_t j = 0; j < m; j++)
        par[fc + j] = -1;
    for (size_t j = 0; j < m; j++) {
        int i = w->arg[j], a = w->rs[i] < w->rt[j] ? w->rs[i] : w->rt[j];
        if (a > 0) {
            add_flow(w, i, (int)j, a);
            w->rs[i] -= a;
            w->rt[j] -= a;
            par[fc + j] = (int16_t)i;
        }
    }
    for (size_t i = 0; i < n; i++) {
        int j = w->prow[i], a = w->rs[i] < w->rt[j] ? w->rs[i] : w->rt[j];
        if (a > 0) {
            if (w->x[i * ld + (size_t)j] == 0) par[i] = (int16_t)(fc + (size_t)j);
            add_flow(w, (int)i, j, a);
            w->rs[i] -= a;
            w->rt[j] -= a;
        }
    }
    for (int q = 0; q < TRW; q++)
        w->sink[q] = 0;
    for (size_t j = 0; j < m; j++)
        if (w->rt[j] > 0) set_bit(w->sink, (int)j);
    w->nw = (int)((n + 63) / 64);
    w->mw = (int)((m + 63) / 64);
    forest_build(w);
}

/* ---- one search ------------------------------------------------------------ */

/* A new entry at distance d for column j0 (or row i0 when j0 < 0). */
static wass__tr_entry *new_entry(wass__transport_work *w, int i0, int j0, double d) {
    wass__tr_entry *e = &w->ent[w->nent++];
    e->d = d;
    e->lev0 = w->nlevm;
    e->nlev = 0;
    e->start = j0 >= 0 ? j0 : ~i0;
    e->parent = -1;
    for (int q = 0; q < TRW; q++)
        e->rows[q] = e->cols[q] = 0;
    return e;
}

/* The lowest column of e with demand left, or -1. */
static int entry_sink(const wass__transport_work *w, const wass__tr_entry *e) {
    for (int q = 0; q < w->mw; q++) {
        uint64_t sb = e->cols[q] & w->sink[q];
        if (sb) return q * 64 + __builtin_ctzll(sb);
    }
    return -1;
}

/* enter() for problems of one word a side (n, m <= 64) */
static int enter1(wass__transport_work *w, int i0, int j0, double d) {
    wass__tr_entry *e = new_entry(w, i0, j0, d);
    const uint64_t *cmask = w->cmask, *rmask = w->rmask;
    uint64_t *lm = w->levm + (size_t)e->lev0 * TRW;
    uint64_t labr = w->labr[0], fin = w->fin[0], er = 0, ec = 0, fr = 0, fc = 0;
    int colturn = j0 >= 0, nlev = 0;
    if (colturn) {
        fc = 1ULL << j0;
        fin |= fc;
    } else {
        fr = 1ULL << i0;
        labr |= fr;
    }
    int *cloc = w->cloc, *rloc = w->rloc, loc = (w->nent - 1) * TR_LOC;
    for (;; colturn = !colturn, loc++) {
        uint64_t acc = 0;
        if (colturn) {
            lm[(size_t)nlev++ * TRW] = fc;
            ec |= fc;
            for (uint64_t b = fc; b; b &= b - 1) {
                int j = __builtin_ctzll(b);
                acc |= cmask[(size_t)j * TRW];
                cloc[j] = loc;
            }
            fr = acc & ~labr;
            labr |= fr;
            if (!fr) break;
        } else {
            lm[(size_t)nlev++ * TRW] = fr;
            er |= fr;
            for (uint64_t b = fr; b; b &= b - 1) {
                int i = __builtin_ctzll(b);
                acc |= rmask[(size_t)i * TRW];
                rloc[i] = loc;
            }
            fc = acc & ~fin;
            fin |= fc;
            if (!fc) break;
        }
    }
    e->nlev = nlev;
    w->nlevm += nlev;
    w->labr[0] = labr;
    w->fin[0] = fin;
    e->rows[0] = er;
    e->cols[0] = ec;
    return entry_sink(w, e);
}

/* Enter the flow component of column j0 (or of row i0 when j0 < 0) at
 * distance d: breadth first by levels on the bitmasks (levels alternately
 * columns and rows from the entry node); its nodes join the tree. Returns
 * the lowest new column with demand left, or -1. */
static int enter_words(wass__transport_work *w, int i0, int j0, double d);

static int enter(wass__transport_work *w, int i0, int j0, double d) {
    return w->nw == 1 && w->mw == 1 ? enter1(w, i0, j0, d) : enter_words(w, i0, j0, d);
}

/* enter() for problems of more than one word a side (out of line: its
 * zeroed arrays would otherwise be set up before the one-word test) */
static __attribute__((noinline)) int enter_words(wass__transport_work *w, int i0, int j0,
                                                 double d) {
    wass__tr_entry *e = new_entry(w, i0, j0, d);
    uint64_t fr[TRW], fc[TRW], acc[TRW];
    for (int q = 0; q < TRW; q++)
        fr[q] = fc[q] = 0;
    int colturn = j0 >= 0;
    if (colturn) {
        set_bit(fc, j0);
        set_bit(w->fin, j0);
    } else {
        set_bit(fr, i0);
        set_bit(w->labr, i0);
    }
    uint64_t *lm = w->levm + (size_t)e->lev0 * TRW;
    for (int any = 1; any; colturn = !colturn, lm += TRW, e->nlev++) {
        const uint64_t *front = colturn ? fc : fr, *adj = colturn ? w->cmask : w->rmask;
        uint64_t *seen = colturn ? w->labr : w->fin, *next = colturn ? fr : fc;
        uint64_t *all = colturn ? e->cols : e->rows;
        int fw = colturn ? w->mw : w->nw, nx = colturn ? w->nw : w->mw;
        memset(acc, 0, sizeof acc); /* a fixed size: no call */
        int *loc = colturn ? w->cloc : w->rloc, here = (w->nent - 1) * TR_LOC + e->nlev;
        for (int q = 0; q < fw; q++) {
            lm[q] = front[q];
            all[q] |= front[q];
            for (uint64_t b = front[q]; b; b &= b - 1) {
                int k = q * 64 + __builtin_ctzll(b);
                const uint64_t *a = adj + (size_t)k * TRW;
                for (int r = 0; r < nx; r++)
                    acc[r] |= a[r];
                loc[k] = here;
            }
        }
        any = 0;
        for (int q = 0; q < nx; q++) {
            next[q] = acc[q] & ~seen[q];
            seen[q] |= next[q];
            any |= next[q] != 0;
        }
    }
    w->nlevm += e->nlev;
    return entry_sink(w, e);
}

/* The entry of the tree holding row (isrow) or column k, and its level
 * there (recorded when it was entered). */
static int locate(const wass__transport_work *w, int k, int isrow, int *lev) {
    int loc = isrow ? w->rloc[k] : w->cloc[k];
    *lev = loc % TR_LOC;
    return loc / TR_LOC;
}

/* A node of level L - 1 of entry e adjacent to node k by a flow arc: a row
 * with flow into column k (rowside), or a column row k ships to. */
static int level_neighbour(const wass__transport_work *w, const wass__tr_entry *e, int L, int k,
                           int rowside) {
    const uint64_t *lm = w->levm + (size_t)(e->lev0 + L - 1) * TRW;
    const uint64_t *adj = rowside ? w->cmask + (size_t)k * TRW : w->rmask + (size_t)k * TRW;
    for (int q = 0; q < (rowside ? w->nw : w->mw); q++)
        if (adj[q] & lm[q]) return q * 64 + __builtin_ctzll(adj[q] & lm[q]);
    return -1;
}

/* The path of the tree from column sink back to the root row i0: pred[j]
 * (the row before column j) and prow[i] (the column before row i) of its
 * nodes. 0, or -1 when the tree is inconsistent (a bug). */
static int trace(wass__transport_work *w, int sink, int i0) {
    int j = sink;
    for (int guard = 0; guard <= w->nent; guard++) {
        int L, t = locate(w, j, 0, &L);
        if (t < 0) return -1;
        const wass__tr_entry *e = &w->ent[t];
        while (L > 0) { /* down the levels: column j, then the row before it */
            int i = level_neighbour(w, e, L, j, 1);
            if (i < 0) return -1;
            w->pred[j] = i;
            if (--L == 0) return i == i0 ? 0 : -1; /* the root */
            int jj = level_neighbour(w, e, L, i, 0);
            if (jj < 0) return -1;
            w->prow[i] = jj;
            j = jj;
            L--;
        }
        int i = e->parent; /* j is e's entry column, reached from row i */
        if (i < 0) return -1;
        w->pred[j] = i;
        if (i == i0) return 0;
        int Lr, tr = locate(w, i, 1, &Lr);
        if (tr < 0 || Lr < 1) return -1;
        int jj = level_neighbour(w, &w->ent[tr], Lr, i, 0);
        if (jj < 0) return -1;
        w->prow[i] = jj;
        j = jj;
    }
    return -1;
}

/* Flow along the traced path from row i0 to column sink: the most it can
 * carry. Returns 0 when no flow arc of the path emptied, CUT_LAST when
 * those that emptied all lie in the last entry of the tree, CUT_TREE when
 * one lies in an earlier entry. */
enum { CUT_LAST = 1, CUT_TREE = 2 };
static int push(wass__transport_work *w, int i0, int sink) {
    size_t ld = w->ld;
    const int *x = w->x, *pred = w->pred, *prow = w->prow;
    const uint64_t *last = w->ent[w->nent - 1].rows;
    int delta = w->rs[i0] < w->rt[sink] ? w->rs[i0] : w->rt[sink];
    for (int j = sink, i = pred[j]; i != i0; j = prow[i], i = pred[j])
        if (x[(size_t)i * ld + prow[i]] < delta) delta = x[(size_t)i * ld + prow[i]];
    int cut = 0;
    for (int j = sink;;) {
        int i = pred[j];
        add_flow(w, i, j, delta);
        if (i == i0) break;
        int jp = prow[i];
        add_flow(w, i, jp, -delta);
        if (x[(size_t)i * ld + jp] == 0)
            cut |= (last[i / 64] >> (i % 64)) & 1 ? CUT_LAST : CUT_TREE;
        j = jp;
    }
    w->rs[i0] -= delta;
    w->rt[sink] -= delta;
    if (w->rt[sink] == 0) clear_bit(w->sink, sink);
    return cut;
}

/* The column of the least key (eq: the columns that have it): the lowest
 * with demand left, else the lowest. */
static int find(const wass__transport_work *w, const uint64_t *eq) {
    for (int q = 0; q < w->mw; q++) {
        uint64_t sb = eq[q] & w->sink[q] & ~w->fin[q];
        if (sb) return q * 64 + __builtin_ctzll(sb);
    }
    for (int q = 0; q < w->mw; q++)
        if (eq[q]) return q * 64 + __builtin_ctzll(eq[q]);
    return -1;
}

/* The row that set column j's key (recorded by the relaxation: the first
 * row of the last entry that lowered it), or -1 when it is not a row of the
 * tree (a bug). */
static int key_row(const wass__transport_work *w, int j) {
    double r = w->krow[j];
    if (!(r >= 0 && r < (double)w->n)) return -1;
    int i = (int)r;
    return (w->labr[i / 64] >> (i % 64)) & 1 ? i : -1;
}

/* Potentials after a search ending at distance d: every node of an entry at
 * distance e_d moves by d - e_d (rows u += , columns v -=). */
static void potentials(wass__transport_work *w, double d) {
    for (int t = 0; t < w->nent; t++) {
        const wass__tr_entry *e = &w->ent[t];
        double dl = d - e->d;
        if (dl == 0) continue;
        for (int q = 0; q < w->mw; q++)
            for (uint64_t b = e->cols[q]; b; b &= b - 1)
                w->v[q * 64 + __builtin_ctzll(b)] -= dl;
        for (int q = 0; q < w->nw; q++)
            for (uint64_t b = e->rows[q]; b; b &= b - 1)
                w->u[q * 64 + __builtin_ctzll(b)] += dl;
    }
}

/* After an augmentation emptied flow arcs of the last entry only (not yet
 * relaxed: no key comes from it), the entry again from its entry node: the
 * part cut off leaves the tree, with the keys its columns had from the
 * earlier entries, and is entered again when one of them is the least.
 * Every distance of the tree stays what it was: the augmentation changed
 * arcs between nodes of the tree only, and none from the tree into the part
 * cut off but the emptied ones. The part cut off is a flow component of its
 * own (no flow arc to the tree) whose flows all lie at the one distance it
 * was entered at, so the potentials at the end of the search keep its arcs
 * tight whether or not it is entered again, and its arcs from the tree
 * non-negative (its keys are at least the final distance when it is not).
 * Returns the lowest column of the entry with demand left, or -1. */
static int reenter_last(wass__transport_work *w, double d) {
    wass__tr_entry *e = &w->ent[w->nent - 1];
    int start = e->start, parent = e->parent;
    for (int q = 0; q < TRW; q++) {
        w->labr[q] &= ~e->rows[q];
        w->fin[q] &= ~e->cols[q];
    }
    w->nent--;
    w->nlevm -= e->nlev;
    int sink = start >= 0 ? enter(w, -1, start, d) : enter(w, ~start, -1, d);
    w->ent[w->nent - 1].parent = parent;
    return sink;
}

/* One search from row i0 (supply left): augments along shortest paths until
 * a flow arc of an earlier entry than the last empties or i0's supply is
 * gone. 0, or -1 on failure (non-finite costs, or a bug). */
static int search(wass__transport_work *w, int i0) {
    size_t m = w->m;
    for (int q = 0; q < TRW; q++)
        w->fin[q] = w->labr[q] = 0;
    search_init(w);
    w->nent = w->nlevm = 0;
    w->searches++;
    double d = 0.0;
    int sink = enter(w, i0, -1, d);
    for (;;) {
        while (sink >= 0) { /* the component just entered holds a column with demand */
            if (trace(w, sink, i0)) return -1;
            int cut = push(w, i0, sink);
            if (cut >= CUT_TREE || w->rs[i0] == 0) {
                potentials(w, d);
                return 0;
            }
            if (cut) { /* the last entry lost the part below the arc: enter it again */
                sink = reenter_last(w, d);
                continue;
            }
            sink = -1;
            for (int q = 0; q < w->mw && sink < 0; q++) {
                uint64_t sb = w->fin[q] & w->sink[q];
                if (sb) sink = q * 64 + __builtin_ctzll(sb);
            }
        }
        if (w->nent >= w->maxent || w->nlevm + 2 * (int)(w->n + m) + 2 > w->maxlev) return -1;
        uint64_t eq[TRW];
        d = relax(w, w->nent - 1, eq);
        if (!(d < INFINITY)) return -1;
        int j = find(w, eq);
        if (j < 0) return -1;
        int p = key_row(w, j);
        if (p < 0) return -1;
        sink = enter(w, -1, j, d);
        w->ent[w->nent - 1].parent = p;
    }
}

/* ---- the flow forest ---------------------------------------------------------- */

/* The searches keep the flow components between them: the flow arcs form a
 * forest (the start's flows are checked to; an augmentation only adds arcs
 * between the distinct components of the search tree it passes, and empties
 * others), kept with a parent pointer a node and, at each tree's root, its
 * rows and columns. A search roots the tree of its row i0 at i0, and each
 * component it enters at its entry node; an augmentation hangs the
 * components on its path below their parent rows, so the tree of i0 stays
 * rooted at i0 with each entry's nodes below its entry node. Entering a
 * component is then a look-up instead of a breadth-first search, and the
 * path of an augmentation is found by climbing the parent pointers from its
 * sink to i0. The searches enter the same components, find the same paths
 * (a path in a forest is unique) and make the same augmentations as with
 * the breadth-first search. The functions take W, the mask words a side (1,
 * or WASS__TR_WORDS), as a constant: node k is row k (k < 64 W) or column
 * k - 64 W; masks of node k at [k * TRW]. */
#define FF static inline __attribute__((always_inline))

static inline int bit_of(const uint64_t *words, int k) {
    return (int)((words[(unsigned)k / 64] >> ((unsigned)k % 64)) & 1);
}

/* Rows and columns of the flow component of node k, breadth first on the
 * flow bitmasks. */
FF void forest_component(const wass__transport_work *w, int k, uint64_t *rows, uint64_t *cols,
                         const int W) {
    const uint64_t *cmask = w->cmask, *rmask = w->rmask;
    const int FCW = 64 * W;
    uint64_t fr[TRW], fc[TRW], acc[TRW];
    for (int q = 0; q < W; q++)
        fr[q] = fc[q] = rows[q] = cols[q] = 0;
    if (k < FCW) {
        set_bit(fr, k);
        set_bit(rows, k);
    } else {
        set_bit(fc, k - FCW);
        set_bit(cols, k - FCW);
    }
    for (;;) {
        uint64_t any = 0;
        for (int q = 0; q < W; q++)
            acc[q] = 0;
        for (int q = 0; q < W; q++)
            for (uint64_t b = fr[q]; b; b &= b - 1) {
                const uint64_t *a = rmask + (size_t)(q * 64 + __builtin_ctzll(b)) * TRW;
                for (int r = 0; r < W; r++)
                    acc[r] |= a[r];
            }
        for (int q = 0; q < W; q++) {
            fc[q] |= acc[q] & ~cols[q];
            cols[q] |= fc[q];
            any |= fc[q];
        }
        if (!any) break;
        any = 0;
        for (int q = 0; q < W; q++)
            acc[q] = 0;
        for (int q = 0; q < W; q++)
            for (uint64_t b = fc[q]; b; b &= b - 1) {
                const uint64_t *a = cmask + (size_t)(q * 64 + __builtin_ctzll(b)) * TRW;
                for (int r = 0; r < W; r++)
                    acc[r] |= a[r];
            }
        for (int q = 0; q < W; q++) {
            fr[q] = acc[q] & ~rows[q];
            rows[q] |= fr[q];
            any |= fr[q];
            fc[q] = 0;
        }
        if (!any) break;
    }
}

#ifdef TR_CHECK
#include <stdio.h>
/* the forest against the flows (a build with -DTR_CHECK) */
static void forest_check(const wass__transport_work *w, const char *where, const int W) {
    int n = (int)w->n, m = (int)w->m, arcs = 0, roots = 0, FCW = 64 * W;
    for (int i = 0; i < n; i++)
        for (int q = 0; q < W; q++)
            arcs += __builtin_popcountll(w->rmask[(size_t)i * TRW + q]);
    for (int k = 0; k < FCW + m; k++) {
        if (k >= n && k < FCW) continue;
        int p = w->fpar[k];
        if (p < 0) {
            uint64_t r[TRW], c[TRW];
            roots++;
            forest_component(w, k, r, c, W);
            for (int q = 0; q < W; q++)
                if (r[q] != w->fcr[(size_t)k * TRW + q] || c[q] != w->fcc[(size_t)k * TRW + q]) {
                    fprintf(stderr, "%s: masks of root %d\n", where, k);
                    abort();
                }
            continue;
        }
        int i = k < FCW ? k : p, j = k < FCW ? p - FCW : k - FCW;
        if ((k < FCW) == (p < FCW) || w->x[(size_t)i * w->ld + (size_t)j] <= 0) {
            fprintf(stderr, "%s: pointer %d -> %d without flow\n", where, k, p);
            abort();
        }
    }
    if (arcs != n + m - roots) {
        fprintf(stderr, "%s: %d arcs, %d nodes, %d roots\n", where, arcs, n + m, roots);
        abort();
    }
}
#define FCHECK(w, s, W) forest_check(w, s, W)
#else
#define FCHECK(w, s, W) ((void)0)
#endif

/* The forest of the start's flows (parent pointers set by start(): each
 * column to the row of its column-reduction arc, each row to the column of
 * its new row-reduction arc), when the pointers hold no cycle (w->forest:
 * 1 for one word a side, 2 for more; 0 and the searches enter components
 * breadth first). A cycle leaves its nodes without a root: the trees of the
 * roots then miss them. */
FF void forest_build_w(wass__transport_work *w, const int W) {
    int n = (int)w->n, m = (int)w->m, FCW = 64 * W;
    uint64_t cr[TRW], cc[TRW], all = 1;
    for (int q = 0; q < W; q++)
        cr[q] = cc[q] = 0;
    uint64_t roots[2 * TRW]; /* the nodes without a parent, rows then columns */
    for (int q = 0; q < 2 * W; q++)
        roots[q] = 0;
    for (int i = 0; i < n; i++)
        roots[i / 64] |= (uint64_t)(w->fpar[i] < 0) << (i % 64);
    for (int j = 0; j < m; j++)
        roots[W + j / 64] |= (uint64_t)(w->fpar[FCW + j] < 0) << (j % 64);
    for (int q = 0; q < 2 * W; q++)
        for (uint64_t b = roots[q]; b; b &= b - 1) {
            int k = (q < W ? 0 : FCW - 64 * W) + q * 64 + __builtin_ctzll(b);
            uint64_t *r = w->fcr + (size_t)k * TRW, *c = w->fcc + (size_t)k * TRW;
            forest_component(w, k, r, c, W);
            for (int p = 0; p < W; p++) {
                cr[p] |= r[p];
                cc[p] |= c[p];
            }
        }
    for (int q = 0; q < W; q++) { /* every node in a tree */
        int nr = n - 64 * q, nc = m - 64 * q;
        uint64_t fr = nr >= 64 ? ~0ULL : nr > 0 ? (1ULL << nr) - 1 : 0;
        uint64_t fc = nc >= 64 ? ~0ULL : nc > 0 ? (1ULL << nc) - 1 : 0;
        all &= cr[q] == fr && cc[q] == fc;
    }
    w->forest = all ? (W == 1 ? 1 : 2) : 0;
    if (w->forest) FCHECK(w, "build", W);
}

static void forest_build(wass__transport_work *w) {
    if (w->noforest)
        w->forest = 0;
    else if (w->nw == 1 && w->mw == 1)
        forest_build_w(w, 1);
    else
        forest_build_w(w, TRW);
}

/* Root node k's tree at k; its rows and columns move to k's index. */
FF int forest_reroot(wass__transport_work *w, int k, const int W) {
    int prev = -1, cur = k;
    for (int guard = 0; cur >= 0; guard++) {
        if (guard > 2 * 64 * W) return -1;
        int next = w->fpar[cur];
        w->fpar[cur] = (int16_t)prev;
        prev = cur;
        cur = next;
    }
    if (prev != k)
        for (int q = 0; q < W; q++) {
            w->fcr[(size_t)k * TRW + q] = w->fcr[(size_t)prev * TRW + q];
            w->fcc[(size_t)k * TRW + q] = w->fcc[(size_t)prev * TRW + q];
        }
    return 0;
}

/* The flow arc ij emptied, in the tree rooted at i0: the part below it
 * becomes a tree of its own. -1 when it was not an edge of the forest (a
 * bug). */
FF int forest_cut(wass__transport_work *w, int i0, int i, int j, const int W) {
    int c = 64 * W + j, child;
    if (w->fpar[c] == i)
        child = c;
    else if (w->fpar[i] == c)
        child = i;
    else
        return -1;
    w->fpar[child] = -1;
    clear_bit(w->rmask + (size_t)i * TRW, j);
    clear_bit(w->cmask + (size_t)j * TRW, i);
    uint64_t *pr = w->fcr + (size_t)child * TRW, *pc = w->fcc + (size_t)child * TRW;
    forest_component(w, child, pr, pc, W);
    for (int q = 0; q < W; q++) {
        w->fcr[(size_t)i0 * TRW + q] &= ~pr[q];
        w->fcc[(size_t)i0 * TRW + q] &= ~pc[q];
    }
    return 0;
}

/* enter() on the forest: the component of column j0 (or of row i0 when
 * j0 < 0), all outside the tree, joins it at distance d, rooted at its
 * entry node. -2 on an inconsistent forest (a bug). */
FF int enter_forest(wass__transport_work *w, int i0, int j0, double d, const int W) {
    wass__tr_entry *e = &w->ent[w->nent++];
    e->d = d;
    e->start = j0 >= 0 ? j0 : ~i0;
    e->parent = -1;
    int k = j0 >= 0 ? 64 * W + j0 : i0, sink = -1;
    if (forest_reroot(w, k, W)) return -2;
    for (int q = 0; q < W; q++) {
        uint64_t r = w->fcr[(size_t)k * TRW + q], c = w->fcc[(size_t)k * TRW + q];
        e->rows[q] = r;
        e->cols[q] = c;
        w->labr[q] |= r;
        w->fin[q] |= c;
        uint64_t sb = c & w->sink[q];
        if (sb && sink < 0) sink = q * 64 + __builtin_ctzll(sb);
    }
    return sink;
}

/* trace() on the forest: from the sink up the parent pointers to i0, from
 * an entry column not yet hung below its parent row to that row (fpj);
 * *delta: the most the path can carry. */
FF int trace_forest(wass__transport_work *w, int sink, int i0, int *delta, const int W) {
    const int16_t *par = w->fpar;
    const int *x = w->x;
    const size_t ld = w->ld;
    const int FCW = 64 * W;
    int dl = w->rs[i0] < w->rt[sink] ? w->rs[i0] : w->rt[sink];
    for (int y = FCW + sink, guard = 0; y != i0; guard++) {
        int p = par[y];
        if (guard > 2 * FCW) return -1;
        if (y >= FCW) {
            if (p < 0) {
                if (!bit_of(w->fstart, y - FCW)) return -1;
                p = w->fpj[y - FCW];
            }
            w->pred[y - FCW] = p;
        } else {
            if (p < 0) return -1;
            w->prow[y] = p - FCW;
            int f = x[(size_t)y * ld + (size_t)(p - FCW)]; /* the arc the path empties by */
            if (f < dl) dl = f;
        }
        y = p;
    }
    *delta = dl;
    return 0;
}

/* push() on the forest (delta units): the entry components the path enters by an arc
 * without flow are hung below its row (root side first: the row's tree is
 * then rooted at i0), and the arcs it empties cut their trees. -1 on an
 * inconsistent forest (a bug). */
FF int push_forest(wass__transport_work *w, int i0, int sink, int delta, const int W) {
    size_t ld = w->ld;
    const int *x = w->x, *pred = w->pred, *prow = w->prow;
    const uint64_t *last = w->ent[w->nent - 1].rows;
    const int FCW = 64 * W;
    int cut = 0, nnew = 0, ngone = 0;
    int fresh[2 * 64 * W], gone[2 * 64 * W]; /* arcs as row * FCW + column */
    for (int j = sink;;) {
        int i = pred[j];
        if (x[(size_t)i * ld + j] == 0) fresh[nnew++] = i * FCW + j;
        add_flow(w, i, j, delta);
        if (i == i0) break;
        int jp = prow[i];
        add_flow(w, i, jp, -delta);
        if (x[(size_t)i * ld + jp] == 0) {
            cut |= bit_of(last, i) ? CUT_LAST : CUT_TREE;
            gone[ngone++] = i * FCW + jp;
        }
        j = jp;
    }
    w->rs[i0] -= delta;
    w->rt[sink] -= delta;
    if (w->rt[sink] == 0) clear_bit(w->sink, sink);
    for (int k = nnew - 1; k >= 0; k--) {
        int i = fresh[k] / FCW, c = FCW + fresh[k] % FCW;
        if (w->fpar[c] >= 0) return -1;
        w->fpar[c] = (int16_t)i;
        for (int q = 0; q < W; q++) {
            w->fcr[(size_t)i0 * TRW + q] |= w->fcr[(size_t)c * TRW + q];
            w->fcc[(size_t)i0 * TRW + q] |= w->fcc[(size_t)c * TRW + q];
        }
    }
    /* the emptied arcs one at a time: their bits back in the masks, each
     * cleared by its cut (so that a cut's breadth-first search sees the
     * forest of the cuts before it) */
    for (int k = 0; k < ngone; k++) {
        set_bit(w->rmask + (size_t)(gone[k] / FCW) * TRW, gone[k] % FCW);
        set_bit(w->cmask + (size_t)(gone[k] % FCW) * TRW, gone[k] / FCW);
    }
    for (int k = 0; k < ngone; k++)
        if (forest_cut(w, i0, gone[k] / FCW, gone[k] % FCW, W)) return -1;
    FCHECK(w, "push", W);
    return cut;
}

/* reenter_last() on the forest: the last entry keeps the nodes of its
 * entry node's tree (rooted at i0 once hung below its parent row). */
FF int reenter_last_forest(wass__transport_work *w, int i0, const int W) {
    wass__tr_entry *e = &w->ent[w->nent - 1];
    int k = e->start >= 0 ? 64 * W + e->start : ~e->start, sink = -1;
    if (w->fpar[k] >= 0) k = i0;
    for (int q = 0; q < W; q++) {
        w->labr[q] &= ~e->rows[q];
        w->fin[q] &= ~e->cols[q];
        e->rows[q] &= w->fcr[(size_t)k * TRW + q];
        e->cols[q] &= w->fcc[(size_t)k * TRW + q];
        w->labr[q] |= e->rows[q];
        w->fin[q] |= e->cols[q];
        uint64_t sb = e->cols[q] & w->sink[q];
        if (sb && sink < 0) sink = q * 64 + __builtin_ctzll(sb);
    }
    return sink;
}

/* search() on the forest. */
FF int search_forest_w(wass__transport_work *w, int i0, const int W) {
    for (int q = 0; q < TRW; q++)
        w->fin[q] = w->labr[q] = w->fstart[q] = 0;
    search_init(w);
    w->nent = 0;
    w->searches++;
    double d = 0.0;
    int sink = enter_forest(w, i0, -1, d, W);
    for (;;) {
        if (sink < -1) return -1;
        while (sink >= 0) {
            int delta;
            if (trace_forest(w, sink, i0, &delta, W)) return -1;
            int cut = push_forest(w, i0, sink, delta, W);
            if (cut < 0) return -1;
            if (cut >= CUT_TREE || w->rs[i0] == 0) {
                potentials(w, d);
                return 0;
            }
            if (cut) {
                sink = reenter_last_forest(w, i0, W);
                continue;
            }
            sink = -1;
            for (int q = 0; q < W && sink < 0; q++) {
                uint64_t sb = w->fin[q] & w->sink[q];
                if (sb) sink = q * 64 + __builtin_ctzll(sb);
            }
        }
        if (w->nent >= w->maxent) return -1;
        uint64_t eq[TRW];
        d = relax(w, w->nent - 1, eq);
        if (!(d < INFINITY)) return -1;
        int j = find(w, eq);
        if (j < 0) return -1;
        int p = key_row(w, j);
        if (p < 0) return -1;
        sink = enter_forest(w, -1, j, d, W);
        w->ent[w->nent - 1].parent = p;
        w->fpj[j] = (int16_t)p;
        set_bit(w->fstart, j);
    }
}

static int search_forest1(wass__transport_work *w, int i0) {
    return search_forest_w(w, i0, 1);
}

static __attribute__((noinline)) int search_forest4(wass__transport_work *w, int i0) {
    return search_forest_w(w, i0, TRW);
}

/* ---- the solver -------------------------------------------------------------- */

static int check_masses(size_t n, size_t m, const int *s, const int *t) {
    long ss = 0, st = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0) return WASS_ERR_NEGATIVE;
        ss += s[i];
    }
    for (size_t j = 0; j < m; j++) {
        if (t[j] < 0) return WASS_ERR_NEGATIVE;
        st += t[j];
    }
    return ss != st || ss == 0 ? WASS_ERR_MASS_MISMATCH : WASS_OK;
}

int wass__transport_solve(wass__transport_work *w, size_t n, size_t m, const int *s, const int *t,
                          double tol, wass__transport_result *res) {
    if (n == 0 || m == 0 || n > w->nmax || m > w->mmax || n != w->n || m != w->m)
        return WASS_ERR_SIZE;
    int rc = check_masses(n, m, s, t);
    if (rc) return rc;
    start(w, s, t);
    for (size_t i0 = 0; i0 < n; i0++)
        while (w->rs[i0] > 0)
            if (w->forest == 1   ? search_forest1(w, (int)i0)
                : w->forest == 2 ? search_forest4(w, (int)i0)
                                 : search(w, (int)i0))
                return WASS_ERR_INTERNAL;
    double cmax, cmin;
#ifdef TR_X86
    if (w->isa)
        tr_scan_avx2(w, &cmax, &cmin);
    else
#endif
        tr_scan_generic(w, &cmax, &cmin);
    return wass__transport_certify(w->C, n, m, w->ld, w->x, w->rmask, s, t, w->u, w->v, w->rowmin,
                                   cmax, cmin >= 0, tol, res);
}

int wass__transport_solve_dense(wass__transport_work *w, size_t n, size_t m, const double *C,
                                const int *s, const int *t, double tol,
                                wass__transport_result *res) {
    size_t ld;
    double *B = wass__transport_costs(w, n, m, &ld);
    if (!B) return WASS_ERR_SIZE;
    for (size_t i = 0; i < n; i++) {
        memcpy(B + i * ld, C + i * m, m * sizeof *C);
        for (size_t j = m; j < ld; j++)
            B[i * ld + j] = 0.0;
    }
    return wass__transport_solve(w, n, m, s, t, tol, res);
}
