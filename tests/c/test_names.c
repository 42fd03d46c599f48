/*
 * test_names.c - the words of the error codes, both ways: every code has a
 * distinct stable name that parses back to it; other names and codes are
 * refused.
 */
#include "test_util.h"
#include "wass.h"
#include "wass/graph.h"
#include "wass/image.h"

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

/* Every value of an enum of count values (0..count-1) has a distinct name
 * that parses back to it; count itself, unknown names and NULL are refused. */
#define ROUND_TRIP(type, count, name_fn, parse_fn)                                                 \
    do {                                                                                           \
        for (int k = 0; k < (count); k++) {                                                        \
            const char *nm = name_fn((type)k);                                                     \
            CHECK_MSG(strcmp(nm, "unknown") != 0, #type " %d has no name", k);                     \
            for (int j = 0; j < k; j++)                                                            \
                CHECK(strcmp(nm, name_fn((type)j)) != 0);                                          \
            type back = (type)((k + 1) % (count));                                                 \
            CHECK_MSG(parse_fn(nm, &back) == WASS_OK && (int)back == k, #type " %s", nm);          \
        }                                                                                          \
        CHECK(strcmp(name_fn((type)(count)), "unknown") == 0);                                     \
        type out = (type)0;                                                                        \
        CHECK(parse_fn("bogus", &out) == WASS_ERR_INVALID && (int)out == 0);                       \
        CHECK(parse_fn(NULL, &out) == WASS_ERR_INVALID);                                           \
        CHECK(parse_fn(name_fn((type)0), NULL) == WASS_ERR_INVALID);                               \
    } while (0)

static void test_enum_names(void) {
    ROUND_TRIP(wass_grid_metric, 3, wass_grid_metric_name, wass_grid_metric_parse);
    ROUND_TRIP(wass_pairwise_method, 2, wass_pairwise_method_name, wass_pairwise_method_parse);
    ROUND_TRIP(wass_retrieve_mode, 4, wass_retrieve_mode_name, wass_retrieve_mode_parse);
    ROUND_TRIP(wass_graph_method, 3, wass_graph_method_name, wass_graph_method_parse);
    ROUND_TRIP(wass_graph_psd, 2, wass_graph_psd_name, wass_graph_psd_parse);
    CHECK(strcmp(wass_grid_metric_name(WASS_GRID_LINF), "chebyshev") == 0);
    CHECK(strcmp(wass_grid_metric_name(WASS_GRID_L2), "euclidean") == 0);
    CHECK(strcmp(wass_graph_psd_name(WASS_GRAPH_PSD_CLIP), "clip") == 0);
    CHECK(strcmp(wass_retrieve_mode_name(WASS_RETRIEVE_EXACT), "exact") == 0);
}

int main(void) {
    test_error_names();
    test_enum_names();
    return test_main_end("test_names");
}
