/*
 * graph_names.c - the words of the graph application's enums, both ways
 * (wass_X_name and wass_X_parse), for the front ends: distance methods and
 * the treatment of an indefinite kernel.
 */
#include "common/internal.h"
#include "wass/graph.h"

static const char *const method_names[] = {"exact", "emd_many", "grid"};
static const char *const psd_names[] = {"none", "clip"};

const char *wass_graph_method_name(wass_graph_method method) {
    return wass__enum_name(method_names, WASS__COUNT(method_names), (int)method);
}

int wass_graph_method_parse(const char *name, wass_graph_method *out) {
    int k = wass__enum_value(method_names, WASS__COUNT(method_names), name, 0);
    if (k < 0 || !out) return WASS_ERR_INVALID;
    *out = (wass_graph_method)k;
    return WASS_OK;
}

const char *wass_graph_psd_name(wass_graph_psd psd) {
    return wass__enum_name(psd_names, WASS__COUNT(psd_names), (int)psd);
}

int wass_graph_psd_parse(const char *name, wass_graph_psd *out) {
    int k = wass__enum_value(psd_names, WASS__COUNT(psd_names), name, 0);
    if (k < 0 || !out) return WASS_ERR_INVALID;
    *out = (wass_graph_psd)k;
    return WASS_OK;
}
