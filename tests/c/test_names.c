/*
 * test_names.c - the words of the error codes, both ways: every code has a
 * distinct stable name that parses back to it; other names and codes are
 * refused.
 */
#include "test_util.h"
#include "wass.h"

static void test_error_names(void) {
    const wass_error codes[] = {WASS_OK,           WASS_ERR_INVALID,   WASS_ERR_NAN,
                                WASS_ERR_NEGATIVE, WASS_ERR_ZERO_MASS, WASS_ERR_MASS_MISMATCH,
                                WASS_ERR_SIZE,     WASS_ERR_NOMEM,     WASS_ERR_IO,
                                WASS_ERR_FORMAT,   WASS_ERR_DTYPE,     WASS_ERR_UNSUPPORTED,
                                WASS_ERR_INTERNAL};
    const size_t n = sizeof codes / sizeof codes[0];
    for (size_t k = 0; k < n; k++) {
        const char *name = wass_error_name(codes[k]);
        CHECK_MSG(strcmp(name, "unknown") != 0, "code %d has no name", (int)codes[k]);
        for (size_t j = 0; j < k; j++)
            CHECK(strcmp(name, wass_error_name(codes[j])) != 0);
        wass_error back = WASS_ERR_INTERNAL;
        if (codes[k] == WASS_ERR_INTERNAL) back = WASS_OK;
        CHECK_MSG(wass_error_parse(name, &back) == WASS_OK && back == codes[k], "%s", name);
    }
    CHECK(strcmp(wass_error_name(WASS_ERR_INVALID), "invalid") == 0);
    CHECK(strcmp(wass_error_name(WASS_ERR_NAN), "nan") == 0);
    CHECK(strcmp(wass_error_name(1), "unknown") == 0);
    CHECK(strcmp(wass_error_name(-13), "unknown") == 0);
    wass_error out = WASS_OK;
    CHECK(wass_error_parse("bogus", &out) == WASS_ERR_INVALID && out == WASS_OK);
    CHECK(wass_error_parse("unknown", &out) == WASS_ERR_INVALID);
    CHECK(wass_error_parse("Invalid", &out) == WASS_ERR_INVALID);
    CHECK(wass_error_parse(NULL, &out) == WASS_ERR_INVALID);
    CHECK(wass_error_parse("nan", NULL) == WASS_ERR_INVALID);
}

int main(void) {
    test_error_names();
    return test_main_end("test_names");
}
