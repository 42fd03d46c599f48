/*
 * test_wmd_loaders.c - every word-vector loader (word2vec text and binary,
 * GloVe, wink JSON, the binary cache) reads a small file right and rejects
 * truncated or malformed ones with a message naming the problem.
 */
#include "test_util.h"
#include "wass.h"
#include "wass/wmd.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[400];

static const char *path_of(const char *name) {
    static char p[4][512];
    static int k = 0;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void write_file(const char *name, const void *data, size_t len) {
    FILE *f = fopen(path_of(name), "wb");
    CHECK(f != NULL);
    if (!f) return;
    fwrite(data, 1, len, f);
    fclose(f);
}

static void write_text(const char *name, const char *s) {
    write_file(name, s, strlen(s));
}

static wass_wordvec_options nocache(wass_vec_format f) {
    wass_wordvec_options o;
    wass_wordvec_options_default(&o);
    o.use_cache = 0;
    o.format = f;
    return o;
}

/* The three words every good fixture holds: the (1,2,3), cat (0.5,-1,2e-3),
 * "dog" (-4,0,1). */
static void check_good(const wass_wordvec *wv, const char *what) {
    CHECK_MSG(wv->count == 3 && wv->dim == 3, "%s: count %zu dim %zu", what, wv->count, wv->dim);
    if (wv->count != 3 || wv->dim != 3) return;
    size_t t = wass_wordvec_find(wv, "the", 3), c = wass_wordvec_find(wv, "cat", 3),
           d = wass_wordvec_find(wv, "dog", 3);
    CHECK(t == 0 && c == 1 && d == 2);
    CHECK(wass_wordvec_find(wv, "cow", 3) == WASS_NOT_FOUND);
    CHECK(wass_wordvec_find(wv, "th", 2) == WASS_NOT_FOUND);
    CHECK(strcmp(wass_wordvec_word(wv, 1), "cat") == 0);
    CHECK(wv->vec[0] == 1.0f && wv->vec[2] == 3.0f);
    CHECK(wv->vec[3] == 0.5f && wv->vec[5] == 2e-3f);
    CHECK(wv->vec[6] == -4.0f && wv->vec[8] == 1.0f);
}

/* Loading must fail with `code` and a message containing `needle`. */
static void expect_fail(const char *name, wass_vec_format f, int code, const char *needle) {
    wass_wordvec wv;
    wass_error_info e;
    wass_wordvec_options o = nocache(f);
    int rc = wass_wordvec_load(path_of(name), &o, &wv, &e);
    CHECK_MSG(rc == code, "%s: rc %d, want %d (%s)", name, rc, code, e.message);
    CHECK_MSG(strstr(e.message, needle) != NULL, "%s: message '%s' lacks '%s'", name, e.message,
              needle);
    CHECK(wv.count == 0 && wv.vec == NULL);
    wass_wordvec_free(&wv);
}

static void load_ok(const char *name, wass_vec_format f, wass_vec_format want) {
    wass_wordvec wv;
    wass_error_info e;
    wass_wordvec_options o = nocache(f);
    int rc = wass_wordvec_load(path_of(name), &o, &wv, &e);
    CHECK_MSG(rc == WASS_OK, "%s: %s", name, e.message);
    CHECK_MSG((int)wv.format == (int)want, "%s: format %d, want %d", name, (int)wv.format,
              (int)want);
    check_good(&wv, name);
    wass_wordvec_free(&wv);
}

static void test_word2vec_text(void) {
    write_text("w.txt", "3 3\nthe 1 2 3\ncat 0.5 -1 2e-3\n\ndog -4 0 1\n");
    load_ok("w.txt", WASS_VEC_AUTO, WASS_VEC_WORD2VEC_TEXT);
    write_text("w_dup.txt", "4 3\nthe 1 2 3\ncat 0.5 -1 2e-3\nthe 9 9 9\ndog -4 0 1\n");
    wass_wordvec wv;
    wass_error_info e;
    wass_wordvec_options o = nocache(WASS_VEC_AUTO);
    CHECK(wass_wordvec_load(path_of("w_dup.txt"), &o, &wv, &e) == WASS_OK);
    CHECK(wv.duplicates == 1);
    check_good(&wv, "w_dup.txt");
    wass_wordvec_free(&wv);
    write_text("w_trunc.txt", "3 3\nthe 1 2 3\ncat 0.5 -1 2e-3\n");
    expect_fail("w_trunc.txt", WASS_VEC_AUTO, WASS_ERR_FORMAT,
                "expected 3 words as the header says, found 2");
    write_text("w_cut.txt", "3 3\nthe 1 2 3\ncat 0.5 -1 2e-3\ndog -4 0");
    expect_fail("w_cut.txt", WASS_VEC_AUTO, WASS_ERR_FORMAT,
                "line 4: expected 3 numbers after 'dog', found 2");
    write_text("w_bad.txt", "3 3\nthe 1 2 3\ncat 0.5 x -1\ndog -4 0 1\n");
    expect_fail("w_bad.txt", WASS_VEC_AUTO, WASS_ERR_FORMAT,
                "line 3: expected a finite number as value 2 of 'cat', found 'x'");
    write_text("w_long.txt", "3 3\nthe 1 2 3 4\ncat 0.5 -1 2e-3\ndog -4 0 1\n");
    expect_fail("w_long.txt", WASS_VEC_AUTO, WASS_ERR_FORMAT,
                "line 2: expected 3 numbers after 'the', found more");
    write_text("w_more.txt", "2 3\nthe 1 2 3\ncat 0.5 -1 2e-3\ndog -4 0 1\n");
    expect_fail("w_more.txt", WASS_VEC_AUTO, WASS_ERR_FORMAT,
                "the header says 2 words, but there are more");
    write_text("w_hdr.txt", "the 1 2 3\n");
    expect_fail("w_hdr.txt", WASS_VEC_WORD2VEC_TEXT, WASS_ERR_FORMAT,
                "line 1: expected the word2vec header");
    write_text("w_nan.txt", "1 3\nthe 1 nan 3\n");
    expect_fail("w_nan.txt", WASS_VEC_AUTO, WASS_ERR_FORMAT, "expected a finite number");
    expect_fail("does_not_exist.txt", WASS_VEC_AUTO, WASS_ERR_IO, "cannot open");
}

static void test_glove(void) {
    write_text("g.txt", "the 1 2 3\r\ncat 0.5 -1 2e-3\r\ndog -4 0 1");
    load_ok("g.txt", WASS_VEC_AUTO, WASS_VEC_GLOVE);
    write_text("g_rag.txt", "the 1 2 3\ncat 0.5 -1\ndog -4 0 1\n");
    expect_fail("g_rag.txt", WASS_VEC_AUTO, WASS_ERR_FORMAT,
                "line 2: expected 3 numbers after 'cat', found 2");
    write_text("g_novec.txt", "the\n");
    expect_fail("g_novec.txt", WASS_VEC_GLOVE, WASS_ERR_FORMAT,
                "line 1: GloVe word 'the' has no vector");
    write_text("g_empty.txt", "\n\n");
    expect_fail("g_empty.txt", WASS_VEC_GLOVE, WASS_ERR_FORMAT, "no word vectors");
}

static void test_word2vec_binary(void) {
    const char *words[3] = {"the", "cat", "dog"};
    float v[9] = {1, 2, 3, 0.5f, -1, 2e-3f, -4, 0, 1};
    unsigned char buf[256];
    size_t n = (size_t)snprintf((char *)buf, sizeof buf, "3 3\n");
    for (int i = 0; i < 3; i++) {
        n += (size_t)snprintf((char *)buf + n, sizeof buf - n, "%s ", words[i]);
        memcpy(buf + n, v + 3 * i, 12);
        n += 12;
        buf[n++] = '\n';
    }
    write_file("b.bin", buf, n);
    load_ok("b.bin", WASS_VEC_AUTO, WASS_VEC_WORD2VEC_BINARY);
    write_file("b.vec", buf, n); /* detected by its contents, not the name */
    load_ok("b.vec", WASS_VEC_AUTO, WASS_VEC_WORD2VEC_BINARY);
    write_file("b_trunc.bin", buf, n - 7);
    expect_fail("b_trunc.bin", WASS_VEC_AUTO, WASS_ERR_FORMAT,
                "word 3 ('dog'): expected 12 bytes of float32, the file ended after 6");
    write_file("b_short.bin", buf, n - 13 - 4);
    expect_fail("b_short.bin", WASS_VEC_WORD2VEC_BINARY, WASS_ERR_FORMAT,
                "the header \"3 3\" needs at least 42 bytes of records, the file has 34");
    /* a header whose dimension overflows dim * 4, or is negative, or whose
     * sizes the file cannot hold: refused before anything is allocated */
    write_text("b_wrap.bin", "1 4611686018427387904\nw ");
    expect_fail("b_wrap.bin", WASS_VEC_WORD2VEC_BINARY, WASS_ERR_FORMAT,
                "expected the word2vec header \"count dim\"");
    write_text("b_huge.bin", "3 4111111111\nw ");
    expect_fail("b_huge.bin", WASS_VEC_WORD2VEC_BINARY, WASS_ERR_FORMAT,
                "expected the word2vec header");
    write_text("b_big.bin", "1000000 1000\nw abcd");
    expect_fail("b_big.bin", WASS_VEC_WORD2VEC_BINARY, WASS_ERR_FORMAT,
                "needs at least 4002000000 bytes of records");
    write_text("w_neg.txt", "1 -1\nw 1\n");
    expect_fail("w_neg.txt", WASS_VEC_WORD2VEC_TEXT, WASS_ERR_FORMAT,
                "expected the word2vec header");
    write_text("w_tab.txt", "5\t-3\nw 1\n");
    expect_fail("w_tab.txt", WASS_VEC_WORD2VEC_BINARY, WASS_ERR_FORMAT,
                "expected the word2vec header");
    float bad = NAN;
    memcpy(buf + 4 + 4 + 4, &bad, 4); /* second value of "the" */
    write_file("b_nan.bin", buf, n);
    expect_fail("b_nan.bin", WASS_VEC_WORD2VEC_BINARY, WASS_ERR_FORMAT,
                "word 1 ('the'): value 2 is not a finite number");
}

static void test_wink(void) {
    const char *good =
        "{\"precision\":8,\"l2NormIndex\":3,\"wordIndex\":4,\"size\":3,\"dimensions\":3,"
        "\"words\":[\"the\",\"cat\",\"dog\",\"\\\"q\\u00e9\\\"\"],\n"
        "\"vectors\":{\"the\":[1,2,3,3.74,0],\"cat\":[0.5,-1,2e-3,1.1,1],\n"
        "\"dog\":[-4,0,1,4.12,2]},\"unkVector\":[0,0,0,0,-1]}\n";
    write_text("k.json", good);
    load_ok("k.json", WASS_VEC_AUTO, WASS_VEC_WINK_JSON);
    /* escapes in words are decoded to UTF-8 */
    write_text("k_esc.json", "{\"dimensions\":1,\"vectors\":{\"caf\\u00e9\":[1],\"a\\\"b\":[2],"
                             "\"\\ud83d\\ude00\":[3]}}");
    wass_wordvec wv;
    wass_error_info e;
    wass_wordvec_options o = nocache(WASS_VEC_AUTO);
    CHECK_MSG(wass_wordvec_load(path_of("k_esc.json"), &o, &wv, &e) == WASS_OK, "%s", e.message);
    CHECK(wv.count == 3 && wv.dim == 1);
    CHECK(wass_wordvec_find(&wv, "caf\xc3\xa9", 5) == 0);
    CHECK(wass_wordvec_find(&wv, "a\"b", 3) == 1);
    CHECK(wass_wordvec_find(&wv, "\xf0\x9f\x98\x80", 4) == 2);
    wass_wordvec_free(&wv);
    /* truncated in the middle of a vector */
    size_t cut = (size_t)(strstr(good, "\"dog\"") - good) + 12;
    write_file("k_trunc.json", good, cut);
    expect_fail("k_trunc.json", WASS_VEC_AUTO, WASS_ERR_FORMAT, "found end of file (truncated?)");
    write_text("k_ragged.json", "{\"dimensions\":3,\"vectors\":{\"the\":[1,2,3],\"cat\":[1,2]}}");
    expect_fail("k_ragged.json", WASS_VEC_AUTO, WASS_ERR_FORMAT,
                "the vector of 'cat' has 2 values, expected 3 like the others");
    write_text("k_dim.json", "{\"dimensions\":4,\"vectors\":{\"the\":[1,2,3]}}");
    expect_fail("k_dim.json", WASS_VEC_AUTO, WASS_ERR_FORMAT,
                "the vector of 'the' has 3 values, expected 4");
    write_text("k_size.json", "{\"size\":5,\"dimensions\":1,\"vectors\":{\"the\":[1]}}");
    expect_fail("k_size.json", WASS_VEC_AUTO, WASS_ERR_FORMAT,
                "\"size\" says 5 words, but \"vectors\" holds 1");
    write_text("k_num.json", "{\"vectors\":{\"the\":[1,zz,3]}}");
    expect_fail("k_num.json", WASS_VEC_AUTO, WASS_ERR_FORMAT, "expected a number, found 'z'");
    write_text("k_novec.json", "{\"words\":[\"a\"]}");
    expect_fail("k_novec.json", WASS_VEC_AUTO, WASS_ERR_FORMAT, "no \"vectors\" object");
    write_text("k_trail.json", "{\"vectors\":{\"the\":[1]}} x");
    expect_fail("k_trail.json", WASS_VEC_AUTO, WASS_ERR_FORMAT, "expected the end of the file");
    write_text("k_colon.json", "{\"vectors\" {\"the\":[1]}}");
    expect_fail("k_colon.json", WASS_VEC_WINK_JSON, WASS_ERR_FORMAT,
                "line 1, byte 11: expected ':' after an object key, found '{'");
}

/* The one cache file in the cache directory cdir (path into out). */
static int find_cache(const char *cdir, char *out, size_t cap) {
    DIR *d = opendir(cdir);
    int found = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, ".wassvec") && !strstr(e->d_name, ".tmp")) {
            snprintf(out, cap, "%s/%s", cdir, e->d_name);
            found++;
        }
    if (d) closedir(d);
    return found;
}

static void clear_dir(const char *cdir) {
    DIR *d = opendir(cdir);
    struct dirent *e;
    char p[1024];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(p, sizeof p, "%s/%s", cdir, e->d_name);
            remove(p);
        }
    if (d) closedir(d);
}

static void test_cache(void) {
    write_text("c.txt", "3 3\nthe 1 2 3\ncat 0.5 -1 2e-3\ndog -4 0 1\n");
    char cdir[512], cpath[1024];
    snprintf(cdir, sizeof cdir, "%s", path_of("cachedir/sub"));
    clear_dir(cdir);
    remove(path_of("c.txt.wassvec"));
    wass_wordvec wv;
    wass_error_info e;
    wass_wordvec_options o;
    wass_wordvec_options_default(&o);
    o.cache_dir = cdir; /* created (0700, with its parent) when the cache is written */
    CHECK(wass_wordvec_load(path_of("c.txt"), &o, &wv, &e) == WASS_OK);
    CHECK(wv.from_cache == 0 && wv.cache_written == 1);
    wass_wordvec_free(&wv);
    CHECK(find_cache(cdir, cpath, sizeof cpath) == 1);
    CHECK(access(path_of("c.txt.wassvec"), F_OK) != 0); /* never beside the source */
    struct stat st;
    CHECK(stat(cdir, &st) == 0 && (st.st_mode & 0777) == 0700);
    CHECK(wass_wordvec_load(path_of("c.txt"), &o, &wv, &e) == WASS_OK);
    CHECK(wv.from_cache == 1 && wv.format == WASS_VEC_WORD2VEC_TEXT);
    check_good(&wv, "cache");
    wass_wordvec_free(&wv);
    /* WASS_CACHE_DIR is the default directory; set to "" it disables caching */
    wass_wordvec_options od;
    wass_wordvec_options_default(&od);
    setenv("WASS_CACHE_DIR", cdir, 1);
    CHECK(wass_wordvec_load(path_of("c.txt"), &od, &wv, &e) == WASS_OK && wv.from_cache == 1);
    wass_wordvec_free(&wv);
    setenv("WASS_CACHE_DIR", "", 1);
    CHECK(wass_wordvec_load(path_of("c.txt"), &od, &wv, &e) == WASS_OK);
    CHECK(wv.from_cache == 0 && wv.cache_written == 0);
    wass_wordvec_free(&wv);
    unsetenv("WASS_CACHE_DIR");
    od.cache_dir = ""; /* the option, too */
    CHECK(wass_wordvec_load(path_of("c.txt"), &od, &wv, &e) == WASS_OK);
    CHECK(wv.from_cache == 0 && wv.cache_written == 0);
    wass_wordvec_free(&wv);
    /* the cache read directly */
    wass_wordvec_options oc = nocache(WASS_VEC_AUTO);
    CHECK(wass_wordvec_load(cpath, &oc, &wv, &e) == WASS_OK);
    check_good(&wv, "cache direct");
    wass_wordvec_free(&wv);
    /* a changed source makes the cache stale: parsed again, rewritten */
    write_text("c.txt", "3 3\nthe 1 2 3\ncat 0.5 -1 2e-3\ndog -4 0 1\n\n");
    CHECK(wass_wordvec_load(path_of("c.txt"), &o, &wv, &e) == WASS_OK);
    CHECK(wv.from_cache == 0 && wv.cache_written == 1);
    wass_wordvec_free(&wv);
    CHECK(find_cache(cdir, cpath, sizeof cpath) == 1); /* replaced, no temporary left */
    /* truncated and corrupted caches */
    FILE *f = fopen(cpath, "rb");
    unsigned char buf[1024];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f) fclose(f);
    CHECK(n > 88);
    if (n <= 88) return;
    write_file("t.wassvec", buf, n - 5);
    expect_fail("t.wassvec", WASS_VEC_AUTO, WASS_ERR_FORMAT, "(truncated?)");
    write_file("t2.wassvec", buf, 40);
    expect_fail("t2.wassvec", WASS_VEC_CACHE, WASS_ERR_FORMAT,
                "cache truncated: expected a 88-byte header");
    buf[100] ^= 0x40;
    write_file("x.wassvec", buf, n);
    expect_fail("x.wassvec", WASS_VEC_AUTO, WASS_ERR_FORMAT, "cache checksum mismatch");
    buf[100] ^= 0x40;
    buf[12] = 77; /* format */
    write_file("f.wassvec", buf, n);
    expect_fail("f.wassvec", WASS_VEC_AUTO, WASS_ERR_FORMAT, "unknown source format 77");
    buf[12] = 1;
    buf[8] = 99; /* version */
    write_file("v.wassvec", buf, n);
    expect_fail("v.wassvec", WASS_VEC_CACHE, WASS_ERR_FORMAT, "bad magic or version");
    buf[8] = 1;
    /* a corrupted cache for a good source is rebuilt, not an error */
    write_file("bad.wassvec", buf, n - 3);
    rename(path_of("bad.wassvec"), cpath);
    CHECK(wass_wordvec_load(path_of("c.txt"), &o, &wv, &e) == WASS_OK);
    CHECK(wv.from_cache == 0 && wv.cache_written == 1);
    check_good(&wv, "rebuilt");
    wass_wordvec_free(&wv);
    /* explicit cache path */
    o.cache_path = path_of("other.wassvec");
    remove(o.cache_path);
    CHECK(wass_wordvec_load(path_of("w.txt"), &o, &wv, &e) == WASS_OK && wv.cache_written);
    wass_wordvec_free(&wv);
    CHECK(wass_wordvec_load(path_of("w.txt"), &o, &wv, &e) == WASS_OK && wv.from_cache);
    wass_wordvec_free(&wv);
    /* a planted link at a predictable temporary name is never followed */
    write_text("victim.txt", "precious");
    char link[600];
    snprintf(link, sizeof link, "%s.tmp%ld", path_of("other.wassvec"), (long)getpid());
    remove(link);
    CHECK(symlink(path_of("victim.txt"), link) == 0);
    CHECK(wass_wordvec_save_cache(&wv, path_of("other.wassvec"), NULL, &e) == WASS_OK);
    f = fopen(path_of("victim.txt"), "rb");
    char got[16] = "";
    if (f) {
        CHECK(fread(got, 1, 8, f) == 8);
        fclose(f);
    }
    CHECK(memcmp(got, "precious", 8) == 0);
    remove(link);
}

/* Caches that pass the checksum but hold what no loader would build (a
 * NaN vector, a word with a NUL byte, a word twice) are refused; words with
 * a NUL byte are refused by every loader, so the cache cannot change an
 * answer. */
static void test_cache_contents(void) {
    const char *words[] = {"a", "b"};
    float vec[] = {1, 2, 3, 4};
    wass_wordvec wv;
    wass_error_info e;
    CHECK(wass_wordvec_from_arrays(words, vec, 2, 2, &wv, &e) == WASS_OK);
    vec[1] = NAN;
    wv.vec[1] = NAN;
    CHECK(wass_wordvec_save_cache(&wv, path_of("nan.wassvec"), NULL, &e) == WASS_OK);
    expect_fail("nan.wassvec", WASS_VEC_AUTO, WASS_ERR_NAN, "the vector of 'a' in the cache");
    wv.vec[1] = 2;
    wv.pool[0] = 'b'; /* "b" twice */
    CHECK(wass_wordvec_save_cache(&wv, path_of("dup.wassvec"), NULL, &e) == WASS_OK);
    expect_fail("dup.wassvec", WASS_VEC_AUTO, WASS_ERR_FORMAT, "holds a word twice");
    wv.pool[0] = 'a';
    wv.offset[1] = 1; /* word 0 = "a" up to offset 1: no terminating NUL */
    CHECK(wass_wordvec_save_cache(&wv, path_of("off.wassvec"), NULL, &e) == WASS_OK);
    expect_fail("off.wassvec", WASS_VEC_AUTO, WASS_ERR_FORMAT, "cache word 0 is invalid");
    wass_wordvec_free(&wv);
    write_text("nul.json", "{\"vectors\": {\"x\\u0000y\": [0, 0], \"x\": [3, 4]}}");
    expect_fail("nul.json", WASS_VEC_AUTO, WASS_ERR_FORMAT, "holds a NUL byte");
    write_file("nul.txt", "x\0y 1 2\nx 3 4\n", 14);
    expect_fail("nul.txt", WASS_VEC_GLOVE, WASS_ERR_FORMAT, "holds a NUL byte");
    write_text("big.json", "{\"vectors\": {\"x\": [1e300, 4]}}");
    expect_fail("big.json", WASS_VEC_AUTO, WASS_ERR_FORMAT, "overflows float32");
}

/* max_words keeps the first words of every format (a source read only in
 * part is no error, and no cache is written for it). */
static void test_max_words(void) {
    const char *files[] = {"w.txt", "g.txt", "b.bin", "k.json"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        for (size_t lim = 1; lim <= 4; lim++) {
            wass_wordvec wv;
            wass_error_info e;
            wass_wordvec_options o;
            wass_wordvec_options_default(&o);
            o.max_words = lim;
            int rc = wass_wordvec_load(path_of(files[f]), &o, &wv, &e);
            size_t want = lim < 3 ? lim : 3;
            CHECK_MSG(rc == WASS_OK && wv.count == want && wv.cache_written == 0,
                      "%s, max_words %zu: rc %d (%s), %zu words", files[f], lim, rc, e.message,
                      wv.count);
            if (rc == WASS_OK && wv.count >= 1)
                CHECK(strcmp(wass_wordvec_word(&wv, 0), "the") == 0 && wv.vec[2] == 3.0f);
            wass_wordvec_free(&wv);
        }
    }
}

int main(void) {
    snprintf(dir, sizeof dir, "%s/tests/wmd_fixtures", WASS_BINARY_DIR);
    mkdir(dir, 0755);
    test_word2vec_text();
    test_glove();
    test_word2vec_binary();
    test_wink();
    test_cache();
    test_cache_contents();
    test_max_words();
    return test_main_end("test_wmd_loaders");
}
