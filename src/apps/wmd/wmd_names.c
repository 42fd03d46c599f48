/*
 * wmd_names.c - the words of the Word Mover's Distance enums (vector file
 * formats, word distances, kNN methods and pruning), both ways, for the
 * front ends.
 */
#include "common/internal.h"
#include "wass/wmd.h"

static const char *const vec_names[] = {"auto",  "word2vec", "word2vec-binary",
                                        "glove", "wink",     "cache"};
static const char *const distance_names[] = {"euclidean", "cosine"};
static const char *const method_names[] = {"wmd", "wcd", "rwmd"};
static const char *const prune_names[] = {"none", "kusner", "rwmd", "ict"};

const char *wass_vec_format_name(wass_vec_format format) {
    return wass__enum_name(vec_names, WASS__COUNT(vec_names), (int)format);
}

int wass_vec_format_parse(const char *name, wass_vec_format *out) {
    int k = wass__enum_value(vec_names, WASS__COUNT(vec_names), name, 0);
    if (k < 0 || !out) return WASS_ERR_INVALID;
    *out = (wass_vec_format)k;
    return WASS_OK;
}

const char *wass_wmd_distance_name(wass_wmd_distance distance) {
    return wass__enum_name(distance_names, WASS__COUNT(distance_names), (int)distance);
}

int wass_wmd_distance_parse(const char *name, wass_wmd_distance *out) {
    int k = wass__enum_value(distance_names, WASS__COUNT(distance_names), name, 1);
    if (k < 0 || !out) return WASS_ERR_INVALID;
    *out = (wass_wmd_distance)k;
    return WASS_OK;
}

const char *wass_knn_method_name(wass_knn_method method) {
    return wass__enum_name(method_names, WASS__COUNT(method_names), (int)method);
}

int wass_knn_method_parse(const char *name, wass_knn_method *out) {
    int k = wass__enum_value(method_names, WASS__COUNT(method_names), name, 0);
    if (k < 0 || !out) return WASS_ERR_INVALID;
    *out = (wass_knn_method)k;
    return WASS_OK;
}

const char *wass_knn_prune_name(wass_knn_prune prune) {
    return wass__enum_name(prune_names, WASS__COUNT(prune_names), (int)prune);
}

int wass_knn_prune_parse(const char *name, wass_knn_prune *out) {
    int k = wass__enum_value(prune_names, WASS__COUNT(prune_names), name, 0);
    if (k < 0 || !out) return WASS_ERR_INVALID;
    *out = (wass_knn_prune)k;
    return WASS_OK;
}
