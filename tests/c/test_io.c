/*
 * test_io.c - wass_matrix_read / wass_matrix_write: text and .npy round
 * trips, .npy files built byte by byte (independently of the writer), every
 * malformed-input error with its message, and atomic writes that leave no
 * file behind when they fail.
 */
#include "test_util.h"
#include "wass.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static const char *path_of(const char *name) {
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

static void put_bytes(const char *name, const void *data, size_t len) {
    FILE *f = fopen(path_of(name), "wb");
    if (!f) {
        perror("fopen");
        exit(2);
    }
    fwrite(data, 1, len, f);
    fclose(f);
}

static void put_text(const char *name, const char *text) {
    put_bytes(name, text, strlen(text));
}

/* An .npy file, version major.0, with the given header dict and payload. */
static void put_npy(const char *name, int major, const char *dict, const void *payload,
                    size_t plen) {
    unsigned char buf[4096];
    size_t pre = major == 1 ? 10 : 12, dl = strlen(dict);
    size_t total = pre + dl + 1, pad = (64 - total % 64) % 64, hlen = dl + pad + 1;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    buf[8] = (unsigned char)(hlen & 0xff);
    buf[9] = (unsigned char)(hlen >> 8);
    if (major != 1) buf[10] = buf[11] = 0;
    memcpy(buf + pre, dict, dl);
    memset(buf + pre + dl, ' ', pad);
    buf[pre + dl + pad] = '\n';
    memcpy(buf + pre + hlen, payload, plen);
    put_bytes(name, buf, pre + hlen + plen);
}

static int read_ok(const char *name, wass_matrix *m) {
    wass_error_info e;
    int rc = wass_matrix_read(path_of(name), m, &e);
    CHECK_MSG(rc == WASS_OK, "%s: %s", name, e.message);
    CHECK(e.message[0] == '\0');
    return rc == WASS_OK;
}

/* Read must fail with this code and a message containing `want`. */
static void read_fails(const char *name, int code, const char *want, long line) {
    wass_matrix m = {7, 7, (double *)&m, 0};
    wass_error_info e;
    int rc = wass_matrix_read(path_of(name), &m, &e);
    CHECK_MSG(rc == code, "%s: rc %d (%s), want %d", name, rc, e.message, code);
    CHECK_MSG(e.code == code, "%s: err.code %d", name, e.code);
    CHECK_MSG(strstr(e.message, want) != NULL, "%s: message '%s' lacks '%s'", name, e.message,
              want);
    CHECK_MSG(e.line == line, "%s: line %ld, want %ld", name, e.line, line);
    CHECK(m.data == NULL && m.rows == 0 && m.cols == 0);
    wass_matrix_free(&m);
}

static void test_text(void) {
    wass_matrix m;
    put_text("mixed.txt", "# header comment\n"
                          "1, 2.5\t-3e2\n"
                          "\n"
                          "   4 ,5,6   # trailing comment\r\n"
                          "7\t8 9\n");
    if (read_ok("mixed.txt", &m)) {
        CHECK(m.rows == 3 && m.cols == 3);
        const double want[] = {1, 2.5, -300, 4, 5, 6, 7, 8, 9};
        for (int k = 0; k < 9; k++)
            CHECK_CLOSE(m.data[k], want[k], 0);
    }
    wass_matrix_free(&m);
    wass_matrix_free(&m); /* twice is fine */
    wass_matrix_free(NULL);

    /* a UTF-8 byte order mark before the first line is skipped */
    put_text("bom.txt", "\xEF\xBB\xBF"
                        "0.5,1\n0.5,2\n");
    if (read_ok("bom.txt", &m)) CHECK(m.rows == 2 && m.cols == 2 && m.data[0] == 0.5);
    wass_matrix_free(&m);

    /* round trip of awkward doubles through text: exact with %.17g */
    double vals[12];
    uint64_t s = 42;
    for (int k = 0; k < 12; k++)
        vals[k] = (test_rand_unif(&s) - 0.5) * pow(10.0, k * 3 - 18);
    vals[3] = 0.1;
    vals[4] = 1.0 / 3.0;
    vals[5] = -0.0;
    wass_matrix w = {4, 3, vals, 0};
    wass_error_info e;
    CHECK(wass_matrix_write(path_of("rt.txt"), &w, &e) == WASS_OK);
    if (read_ok("rt.txt", &m)) {
        CHECK(m.rows == 4 && m.cols == 3);
        for (int k = 0; k < 12; k++)
            CHECK(m.data[k] == vals[k]);
    }
    wass_matrix_free(&m);
}

static void test_text_errors(void) {
    put_text("ragged.txt", "1,2,3,4\n5,6,7,8\n\n# c\n1,2,3,4\n1,2,3,4\n1,2,3\n");
    read_fails("ragged.txt", WASS_ERR_FORMAT, "line 7: expected 4 columns, found 3", 7);
    put_text("badnum.txt", "1,2\n3,4\n5,abc\n");
    read_fails("badnum.txt", WASS_ERR_FORMAT, "line 3, column 2: 'abc' is not a number", 3);
    put_text("badnum2.txt", "1,2x\n");
    read_fails("badnum2.txt", WASS_ERR_FORMAT, "'2x' is not a number", 1);
    put_text("nan.txt", "1 2\n3 nan\n");
    read_fails("nan.txt", WASS_ERR_NAN, "line 2, column 2: NaN", 2);
    put_text("inf.txt", "1 2\n-inf 3\n");
    read_fails("inf.txt", WASS_ERR_NAN, "line 2, column 1: '-inf' is infinite", 2);
    put_text("overflow.txt", "1e999\n");
    read_fails("overflow.txt", WASS_ERR_NAN, "infinite", 1);
    put_text("empty.txt", "");
    read_fails("empty.txt", WASS_ERR_FORMAT, "no data", 0);
    put_text("comments.txt", "# only\n\n   \n# comments\n");
    read_fails("comments.txt", WASS_ERR_FORMAT, "no data", 0);
    put_text("emptyfield.txt", "1,,2\n");
    read_fails("emptyfield.txt", WASS_ERR_FORMAT, "line 1, column 2: empty field", 1);
    put_text("trailing.txt", "1,2\n3,4,\n");
    read_fails("trailing.txt", WASS_ERR_FORMAT, "line 2, column 3: empty field", 2);
    put_bytes("nul.txt", "1,2\n3\0,4\n", 9);
    read_fails("nul.txt", WASS_ERR_FORMAT, "NUL byte", 2);
    read_fails("does-not-exist.txt", WASS_ERR_IO, "No such file", 0);
    read_fails(".", WASS_ERR_IO, "directory", 0);

    wass_error_info e;
    wass_matrix m;
    CHECK(wass_matrix_read(NULL, &m, &e) == WASS_ERR_INVALID);
    CHECK(wass_matrix_read(path_of("nan.txt"), NULL, &e) == WASS_ERR_INVALID);
    CHECK(wass_matrix_read(path_of("nan.txt"), &m, NULL) == WASS_ERR_NAN); /* err may be NULL */
}

static void test_npy(void) {
    wass_matrix m;
    /* float64, 2-D, version 1.0 */
    double d6[6] = {1.5, -2, 3.25, 1e-300, 1e300, 0.1};
    put_npy("f8.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", d6,
            sizeof d6);
    if (read_ok("f8.npy", &m)) {
        CHECK(m.rows == 2 && m.cols == 3);
        CHECK(m.float32 == 0);
        for (int k = 0; k < 6; k++)
            CHECK(m.data[k] == d6[k]);
    }
    wass_matrix_free(&m);
    /* float32, 1-D, version 2.0: read as a column, converted exactly */
    float f4[4] = {0.5f, -1.25f, 3.1f, 1e-20f};
    put_npy("f4.npy", 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", f4,
            sizeof f4);
    if (read_ok("f4.npy", &m)) {
        CHECK(m.rows == 4 && m.cols == 1);
        CHECK(m.float32 == 1); /* the precision of the source is reported */
        for (int k = 0; k < 4; k++)
            CHECK(m.data[k] == (double)f4[k]);
    }
    wass_matrix_free(&m);
    /* float32 2-D */
    put_npy("f4b.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", f4,
            sizeof f4);
    if (read_ok("f4b.npy", &m)) {
        CHECK(m.rows == 2 && m.cols == 2);
        CHECK(m.data[2] == (double)3.1f);
    }
    wass_matrix_free(&m);

    /* writer round trip, checked against the bytes numpy would write */
    double vals[6] = {1, 2, 3, 4, 5, 1.0 / 3.0};
    wass_matrix w = {3, 2, vals, 0};
    wass_error_info e;
    CHECK(wass_matrix_write(path_of("rt.npy"), &w, &e) == WASS_OK);
    if (read_ok("rt.npy", &m)) {
        CHECK(m.rows == 3 && m.cols == 2);
        for (int k = 0; k < 6; k++)
            CHECK(m.data[k] == vals[k]);
    }
    wass_matrix_free(&m);
    FILE *f = fopen(path_of("rt.npy"), "rb");
    unsigned char head[128];
    size_t got = f ? fread(head, 1, sizeof head, f) : 0;
    if (f) fclose(f);
    CHECK(got == 128);
    CHECK(memcmp(head, "\x93NUMPY\x01\x00", 8) == 0);
    size_t hlen = (size_t)head[8] | ((size_t)head[9] << 8);
    CHECK((10 + hlen) % 64 == 0);
    CHECK(head[10 + hlen - 1] == '\n');
    const char *dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }";
    CHECK(memcmp(head + 10, dict, strlen(dict)) == 0);
}

static void test_npy_errors(void) {
    int64_t i8[2] = {1, 2};
    put_npy("i8.npy", 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", i8,
            sizeof i8);
    read_fails("i8.npy", WASS_ERR_DTYPE, "unsupported .npy dtype '<i8' (need float64 or float32)",
               0);
    double d4[4] = {1, 2, 3, 4};
    put_npy("be.npy", 1, "{'descr': '>f8', 'fortran_order': False, 'shape': (4,), }", d4,
            sizeof d4);
    read_fails("be.npy", WASS_ERR_DTYPE, "'>f8'", 0);
    put_npy("fortran.npy", 1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", d4,
            sizeof d4);
    read_fails("fortran.npy", WASS_ERR_DTYPE, "fortran_order", 0);
    put_npy("trunc.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", d4,
            sizeof d4);
    read_fails("trunc.npy", WASS_ERR_FORMAT, "declares 6 values", 0);
    read_fails("trunc.npy", WASS_ERR_FORMAT, "holds only 4", 0);
    put_npy("huge.npy", 1,
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", d4,
            sizeof d4);
    read_fails("huge.npy", WASS_ERR_FORMAT, "declares 1000000000000 values", 0);
    put_npy("overflow.npy", 1,
            "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296000, 4294967296000), }",
            d4, sizeof d4);
    read_fails("overflow.npy", WASS_ERR_FORMAT, "overflows", 0);
    put_npy("3d.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 2), }", d4,
            sizeof d4);
    read_fails("3d.npy", WASS_ERR_FORMAT, "(1, 2, 2): 3 dimensions", 0);
    put_npy("zero.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }", d4, 0);
    read_fails("zero.npy", WASS_ERR_FORMAT, "no data", 0);
    double dn[4] = {1, 2, NAN, 4};
    put_npy("nan.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", dn,
            sizeof dn);
    read_fails("nan.npy", WASS_ERR_NAN, "row 2, column 1: NaN", 0);
    float fi[2] = {1, INFINITY};
    put_npy("inf.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", fi,
            sizeof fi);
    read_fails("inf.npy", WASS_ERR_NAN, "row 2, column 1: infinity", 0);
    put_npy("v9.npy", 9, "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", d4,
            sizeof d4);
    read_fails("v9.npy", WASS_ERR_FORMAT, "version 9.0", 0);
    put_bytes("short.npy", "\x93NUMPY\x01", 7);
    read_fails("short.npy", WASS_ERR_FORMAT, "truncated", 0);
    put_bytes("cuthead.npy", "\x93NUMPY\x01\x00\x76\x00{'descr'", 17);
    read_fails("cuthead.npy", WASS_ERR_FORMAT, "truncated", 0);
}

static int count_entries(void) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    if (!d) return -1;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void test_atomic(void) {
    double vals[4] = {1, 2, 3, 4};
    wass_matrix w = {2, 2, vals, 0};
    wass_error_info e;
    int before = count_entries();
    /* destination folder missing: nothing may be created */
    CHECK(wass_matrix_write(path_of("no-such-dir/out.txt"), &w, &e) == WASS_ERR_IO);
    CHECK(strstr(e.message, "cannot write") != NULL);
    /* the destination is a folder: the temp file is written, the rename
     * fails, and the temp file must be removed */
    CHECK(mkdir(path_of("adir"), 0755) == 0);
    before = count_entries();
    CHECK(wass_matrix_write(path_of("adir"), &w, &e) == WASS_ERR_IO);
    CHECK(count_entries() == before);
    /* a read-only folder (only meaningful when not running as root) */
    CHECK(mkdir(path_of("ro"), 0555) == 0);
    if (geteuid() != 0) {
        CHECK(wass_matrix_write(path_of("ro/out.npy"), &w, &e) == WASS_ERR_IO);
        CHECK(access(path_of("ro/out.npy"), F_OK) != 0);
    }
    /* several files: all or none (D12) */
    {
        char p1[512], p2[512];
        snprintf(p1, sizeof p1, "%s", path_of("all1.txt"));
        snprintf(p2, sizeof p2, "%s", path_of("no-such-dir/all2.txt"));
        const char *paths[2] = {p1, p2};
        wass_matrix mats[2] = {w, w};
        before = count_entries();
        CHECK(wass_matrix_write_all(2, paths, mats, &e) == WASS_ERR_IO);
        CHECK(strstr(e.message, "no-such-dir/all2.txt") != NULL);
        CHECK(access(p1, F_OK) != 0 && count_entries() == before);
        snprintf(p2, sizeof p2, "%s", path_of("all2.npy"));
        CHECK(wass_matrix_write_all(2, paths, mats, &e) == WASS_OK);
        CHECK(access(p1, F_OK) == 0 && access(p2, F_OK) == 0);
        CHECK(count_entries() == before + 2);
    }
    /* NaN is refused and no file appears */
    double bad[2] = {1, NAN};
    wass_matrix wb = {1, 2, bad, 0};
    CHECK(wass_matrix_write(path_of("nan-out.txt"), &wb, &e) == WASS_ERR_NAN);
    CHECK(access(path_of("nan-out.txt"), F_OK) != 0);
    /* an existing file is replaced whole */
    put_text("replace.txt", "9,9,9\n9,9,9\n9,9,9\n");
    CHECK(wass_matrix_write(path_of("replace.txt"), &w, &e) == WASS_OK);
    wass_matrix m;
    if (read_ok("replace.txt", &m)) CHECK(m.rows == 2 && m.cols == 2 && m.data[3] == 4);
    wass_matrix_free(&m);
    struct stat st;
    CHECK(stat(path_of("replace.txt"), &st) == 0 && (st.st_mode & 0777) == 0644);
    CHECK(wass_matrix_write(NULL, &w, &e) == WASS_ERR_INVALID);
    CHECK(wass_matrix_write(path_of("x.txt"), NULL, &e) == WASS_ERR_INVALID);
    rmdir(path_of("adir"));
    rmdir(path_of("ro"));
}

static void cleanup(void) {
    DIR *d = opendir(dir);
    struct dirent *de;
    if (!d) return;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) unlink(path_of(de->d_name));
    closedir(d);
    rmdir(dir);
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/wass_test_io_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_text();
    test_text_errors();
    test_npy();
    test_npy_errors();
    test_atomic();
    cleanup();
    return test_main_end("test_io");
}
