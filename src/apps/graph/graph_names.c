/*
 * graph_names.c - the words of the graph application's enums, both ways
 * (wass_X_name and wass_X_parse), for the front ends: distance methods and
 * the treatment of an indefinite kernel.
 */
#include "common/internal.h"
#include "wass/graph.h"

#include <string.h>

static const char *const method_names[] = {"exact", "emd_many", "grid"};
static const char *const psd_names[] = {"none", "clip"};

#define COUNT(t) (sizeof(t) / sizeof((t)[0]))

/* The index of name in names[0..count) (exactly), or -1. */
static int index_of(const char *const *names, size_t count, const char *name) {
    if (!name) return -1;
    for (size_t k = 0; k < count; k++)
        if (strcmp(name, names[k]) == 0) return (int)k;
    return -1;
}

const char *wass_graph_method_name(wass_graph_method method) {
    return (size_t)method < COUNT(method_names) ? method_names[method] : "unknown";
}

int wass_graph_method_parse(const char *name, wass_graph_method *out) {
    int k = index_of(method_names, COUNT(method_names), name);
    if (k < 0 || !out) return WASS_ERR_INVALID;
    *out = (wass_graph_method)k;
    return WASS_OK;
}

const char *wass_graph_psd_name(wass_graph_psd psd) {
    return (size_t)psd < COUNT(psd_names) ? psd_names[psd] : "unknown";
}

int wass_graph_psd_parse(const char *name, wass_graph_psd *out) {
    int k = index_of(psd_names, COUNT(psd_names), name);
    if (k < 0 || !out) return WASS_ERR_INVALID;
    *out = (wass_graph_psd)k;
    return WASS_OK;
}
