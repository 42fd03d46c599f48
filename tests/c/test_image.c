/*
 * test_image.c - the image application in C: PGM/PPM and IDX readers and
 * their errors (messages checked), grey and contour signatures (contours
 * traced in order, points by arc length: a square, a ring, two blobs) on
 * hand-made images, and retrieval (exact with pruning, rerank over the whole
 * database) against the brute force, on the grid solver and on the dense
 * simplex.
 */
#include "test_util.h"
#include "wass/image.h"

#include <stdlib.h>
#include <string.h>

static const char *write_file(const char *name, const void *data, size_t len) {
    static char path[4][256];
    static int slot = 0;
    char *p = path[slot++ % 4];
    snprintf(p, 256, "%s/tests/%s", WASS_BINARY_DIR, name);
    FILE *f = fopen(p, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
    return p;
}

static int has(const wass_error_info *e, const char *s) {
    return strstr(e->message, s) != NULL;
}

static void test_readers(void) {
    wass_image img;
    wass_error_info e;
    const char *p = write_file("a.pgm", "P2 3 1 4\n0 2 4\n", 15);
    CHECK(wass_image_read(p, &img, &e) == WASS_OK);
    CHECK(img.width == 3 && img.height == 1 && img.channels == 1);
    CHECK(img.pixels[1] == 0.5 && img.pixels[2] == 1.0);
    wass_image_free(&img);
    static const unsigned char p6[] = "P6\n1 1\n255\n\xff\x00\x80";
    p = write_file("a.ppm", p6, sizeof p6 - 1);
    CHECK(wass_image_read(p, &img, &e) == WASS_OK);
    CHECK(img.channels == 3 && img.pixels[0] == 1 && img.pixels[1] == 0);
    double grey;
    CHECK(wass_image_grey(&img, &grey, &e) == WASS_OK);
    CHECK_CLOSE(grey, 0.299 + 0.114 * 128.0 / 255.0, 1e-15);
    wass_image_free(&img);
    p = write_file("cut.pgm", "P5 4 4 255\nabc", 14);
    CHECK(wass_image_read(p, &img, &e) == WASS_ERR_FORMAT);
    CHECK_MSG(has(&e, p) && has(&e, "truncated P5 file"), "%s", e.message);
    CHECK(img.pixels == NULL);
    p = write_file("cut.png", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0", 18);
    CHECK(wass_image_read(p, &img, &e) == WASS_ERR_FORMAT);
    CHECK_MSG(has(&e, p) && has(&e, "truncated PNG"), "%s", e.message);
    /* IDX: good, wrong magic, truncated */
    unsigned char idx[16 + 2 * 2 * 3] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3};
    for (int i = 0; i < 12; i++)
        idx[16 + i] = (unsigned char)(i * 20);
    p = write_file("ok.idx", idx, sizeof idx);
    wass_idx_images set;
    CHECK(wass_idx_read_images(p, 0, &set, &e) == WASS_OK);
    CHECK(set.count == 2 && set.rows == 2 && set.cols == 3 && set.pixels[11] == 220);
    wass_idx_images_free(&set);
    p = write_file("short.idx", idx, sizeof idx - 1);
    CHECK(wass_idx_read_images(p, 0, &set, &e) == WASS_ERR_FORMAT);
    CHECK_MSG(has(&e, p) && has(&e, "truncated IDX file") && has(&e, "ends in image 1"), "%s",
              e.message);
    idx[3] = 1;
    p = write_file("magic.idx", idx, sizeof idx);
    CHECK(wass_idx_read_images(p, 0, &set, &e) == WASS_ERR_FORMAT);
    CHECK_MSG(has(&e, p) && has(&e, "not an IDX image file (magic 0x00000801"), "%s", e.message);
    unsigned char *lab;
    size_t n;
    CHECK(wass_idx_read_labels(p, 0, &lab, &n, &e) == WASS_OK && n == 2 && lab[0] == 0);
    free(lab);
}

static void test_contours(void);

static void test_signatures(void) {
    double g[6] = {0, 3, 0, 1, 0, 0};
    wass_signature s;
    CHECK(wass_grey_signature(g, 2, 3, 1, &s, NULL) == WASS_OK);
    CHECK(s.n == 2 && s.d == 2);
    CHECK(s.X[0] == 1 && s.X[1] == 0 && s.w[0] == 0.75);
    CHECK(s.X[2] == 0 && s.X[3] == 1 && s.w[1] == 0.25);
    wass_signature_free(&s);
    test_contours();
}

/* number of points of s within Chebyshev distance d of (x, y) */
static size_t points_near(const wass_signature *s, double x, double y, double d) {
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        k += fmax(fabs(s->X[2 * i] - x), fabs(s->X[2 * i + 1] - y)) <= d;
    return k;
}

/* Contours traced in order and sampled by arc length, on hand-made shapes. */
static void test_contours(void) {
    wass_signature s;
    wass_error_info e;
    /* a 3 x 3 square: its 8 border pixels in order around it (perimeter 8),
     * never the centre */
    double sq[25] = {0};
    for (int r = 1; r < 4; r++)
        for (int c = 1; c < 4; c++)
            sq[r * 5 + c] = 1;
    CHECK(wass_contour_signature(sq, 5, 5, 0.5, 8, &s, NULL) == WASS_OK);
    CHECK(s.n == 8 && s.d == 2);
    for (size_t i = 0; i < s.n; i++) {
        CHECK(!(s.X[2 * i] == 2 && s.X[2 * i + 1] == 2));
        CHECK(s.X[2 * i] == nearbyint(s.X[2 * i]) && s.w[i] == 1.0 / 8);
        size_t j = (i + 1) % s.n; /* consecutive points are neighbours */
        CHECK(fabs(s.X[2 * i] - s.X[2 * j]) + fabs(s.X[2 * i + 1] - s.X[2 * j + 1]) == 1);
    }
    wass_signature_free(&s);
    /* 100 points: all on the border polygon (Chebyshev distance 1 from the
     * centre) */
    CHECK(wass_contour_signature(sq, 5, 5, 0.5, 100, &s, NULL) == WASS_OK);
    CHECK(s.n == 100 && points_near(&s, 2, 2, 0.99) == 0 && points_near(&s, 2, 2, 1) == 100);
    wass_signature_free(&s);
    /* a ring: 7 x 7 with a 3 x 3 hole. The outer border has 24 unit steps,
     * the hole's border 8 unit and 4 diagonal steps (its corners are not
     * 4-adjacent to the hole), so it gets 40 (8 + 4 sqrt 2) / (32 + 4 sqrt 2)
     * = 14.5 of 40 points */
    double ring[81] = {0};
    for (int r = 1; r < 8; r++)
        for (int c = 1; c < 8; c++)
            ring[r * 9 + c] = r < 3 || r > 5 || c < 3 || c > 5;
    CHECK(wass_contour_signature(ring, 9, 9, 0.5, 40, &s, &e) == WASS_OK);
    size_t inner = points_near(&s, 4, 4, 2.0), outer = points_near(&s, 4, 4, 3.0) - inner;
    CHECK(s.n == 40 && inner + outer == 40 && (inner == 14 || inner == 15));
    CHECK(points_near(&s, 4, 4, 1.49) == 0); /* none in the hole (its diagonals: 1.5) */
    wass_signature_free(&s);
    /* two blobs, 2 x 2 and 4 x 4: points in proportion to the perimeters,
     * 4 : 12 */
    double two[120] = {0};
    for (int r = 1; r < 3; r++)
        for (int c = 1; c < 3; c++)
            two[r * 12 + c] = 1;
    for (int r = 5; r < 9; r++)
        for (int c = 6; c < 10; c++)
            two[r * 12 + c] = 1;
    CHECK(wass_contour_signature(two, 10, 12, 0.5, 16, &s, NULL) == WASS_OK);
    CHECK(points_near(&s, 1.5, 1.5, 0.5) == 4 && points_near(&s, 7.5, 6.5, 1.5) == 12);
    wass_signature_free(&s);
    /* an isolated pixel and a thin line (traced on both sides: 2 x 3 steps) */
    double dots[21] = {0};
    dots[0] = 1;
    dots[2 * 7 + 2] = dots[2 * 7 + 3] = dots[2 * 7 + 4] = dots[2 * 7 + 5] = 1;
    CHECK(wass_contour_signature(dots, 3, 7, 0.5, 7, &s, NULL) == WASS_OK);
    CHECK(points_near(&s, 0, 0, 0) == 1 && points_near(&s, 3.5, 2, 1.5) == 6);
    wass_signature_free(&s);
    /* errors */
    CHECK(wass_contour_signature(sq, 5, 5, 2.0, 8, &s, &e) == WASS_ERR_ZERO_MASS);
    CHECK(strstr(e.message, "empty") != NULL);
    CHECK(wass_contour_signature(sq, 5, 5, 0.5, 0, &s, &e) == WASS_ERR_INVALID);
    CHECK(wass_contour_signature(sq, 0, 5, 0.5, 8, &s, &e) == WASS_ERR_SIZE);
    CHECK(wass_contour_signature(sq, 5, 5, NAN, 8, &s, &e) == WASS_ERR_NAN);
}

static void test_retrieval(void) {
    enum { COUNT = 40, NQ = 3, R = 7, C = 6 };
    uint64_t st = 11;
    static double img[COUNT + NQ][R * C];
    wass_signature sig[COUNT + NQ];
    wass_cloud cl[COUNT + NQ];
    for (int t = 0; t < COUNT + NQ; t++) {
        for (int i = 0; i < R * C; i++)
            img[t][i] = test_rand_unif(&st) < 0.3 ? test_rand_unif(&st) : 0;
        img[t][test_rand_u64(&st) % (R * C)] += 1;
        CHECK(wass_grey_signature(img[t], R, C, 1, &sig[t], NULL) == WASS_OK);
        cl[t] = wass_signature_cloud(&sig[t]);
    }
    wass_metric metrics[2] = {WASS_CITYBLOCK, WASS_EUCLIDEAN};
    for (int mi = 0; mi < 2; mi++) {
        wass_retrieve_options o;
        wass_retrieve_options_default(&o);
        o.k = 5;
        o.metric = metrics[mi];
        wass_retrieve_result brute, ex, rr;
        wass_error_info e;
        o.mode = WASS_RETRIEVE_BRUTE;
        CHECK(wass_retrieve(cl, COUNT, cl + COUNT, NQ, &o, &brute, &e) == WASS_OK);
        o.mode = WASS_RETRIEVE_EXACT;
        CHECK(wass_retrieve(cl, COUNT, cl + COUNT, NQ, &o, &ex, &e) == WASS_OK);
        o.mode = WASS_RETRIEVE_RERANK;
        o.rerank = COUNT;
        CHECK(wass_retrieve(cl, COUNT, cl + COUNT, NQ, &o, &rr, &e) == WASS_OK);
        CHECK(brute.grid && ex.grid); /* grey signatures on a 7 x 6 frame: the grid solver */
        for (int q = 0; q < NQ; q++) {
            CHECK(brute.exact_solves[q] == COUNT && ex.exact_solves[q] <= COUNT);
            for (int t = 0; t < 5; t++) {
                CHECK(ex.index[q * 5 + t] == brute.index[q * 5 + t]);
                CHECK(rr.index[q * 5 + t] == brute.index[q * 5 + t]);
                CHECK(ex.distance[q * 5 + t] == brute.distance[q * 5 + t]);
            }
            /* the brute force's distance is the dense simplex's */
            size_t b = brute.index[q * 5];
            wass_problem pb = {
                cl[COUNT + q].n, cl[b].n, cl[COUNT + q].w, cl[b].w,
                wass_cost_points(cl[COUNT + q].X, cl[b].X, 2, wass_ground_make(metrics[mi], 1))};
            wass_result res;
            CHECK(wass_emd(&pb, NULL, &res, NULL) == WASS_OK);
            CHECK_CLOSE(brute.distance[q * 5], res.cost, 1e-9);
            wass_result_free(&res);
        }
        wass_retrieve_result_free(&brute);
        wass_retrieve_result_free(&ex);
        wass_retrieve_result_free(&rr);
    }
    /* embed mode: the k smallest merges of the embeddings in one frame from
     * all signatures (what it computed before the packed set) */
    {
        wass_retrieve_options o;
        wass_retrieve_options_default(&o);
        o.k = 5;
        o.seed = 3;
        o.mode = WASS_RETRIEVE_EMBED;
        wass_retrieve_result em;
        CHECK(wass_retrieve(cl, COUNT, cl + COUNT, NQ, &o, &em, NULL) == WASS_OK);
        wass_embed_options eo;
        wass_embed_options_default(&eo);
        eo.seed = 3;
        wass_embed_frame fr;
        CHECK(wass_embed_frame_init(&fr, cl, COUNT + NQ, &eo, NULL) == WASS_OK);
        wass_sparse sp[COUNT + NQ];
        for (int t = 0; t < COUNT + NQ; t++)
            CHECK(wass_embed(&fr, &cl[t], &sp[t], NULL) == WASS_OK);
        for (int q = 0; q < NQ; q++) {
            double d[COUNT];
            int used[COUNT] = {0};
            for (int b = 0; b < COUNT; b++)
                d[b] = wass_sparse_l1(&sp[COUNT + q], &sp[b]);
            for (int t = 0; t < 5; t++) { /* the t-th smallest, ties to the lower index */
                int best = -1;
                for (int b = 0; b < COUNT; b++)
                    if (!used[b] && (best < 0 || d[b] < d[best])) best = b;
                used[best] = 1;
                CHECK(em.index[q * 5 + t] == (size_t)best);
                CHECK_CLOSE(em.distance[q * 5 + t], d[best], 1e-12 * d[best]);
            }
        }
        for (int t = 0; t < COUNT + NQ; t++)
            wass_sparse_free(&sp[t]);
        wass_embed_frame_free(&fr);
        wass_retrieve_result_free(&em);
    }
    wass_retrieve_options o;
    wass_retrieve_options_default(&o);
    wass_retrieve_result res;
    wass_error_info e;
    /* euclidean on a lattice frame of more than 4096 pixels: the general solver */
    {
        const double X[] = {0, 0, 69, 69, 3, 4}, Y[] = {1, 1, 68, 60}, w3[] = {0.2, 0.3, 0.5},
                     w2[] = {0.5, 0.5};
        wass_cloud far[2] = {{3, 2, X, w3}, {2, 2, Y, w2}};
        CHECK(wass_retrieve(far, 2, far, 1, &o, &res, &e) == WASS_OK);
        CHECK(!res.grid && res.index[0] == 0 && res.distance[0] == 0);
        wass_retrieve_result_free(&res);
    }
    o.metric = WASS_MINKOWSKI;
    CHECK(wass_retrieve(cl, COUNT, cl, 1, &o, &res, &e) == WASS_ERR_UNSUPPORTED);
    o.metric = WASS_EUCLIDEAN;
    CHECK(wass_retrieve(cl, 0, cl, 1, &o, &res, &e) == WASS_ERR_SIZE);
    for (int t = 0; t < COUNT + NQ; t++)
        wass_signature_free(&sig[t]);
}

int main(void) {
    test_readers();
    test_signatures();
    test_retrieval();
    return test_main_end("test_image");
}
