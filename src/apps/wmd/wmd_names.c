/*
 * wmd_names.c - the words of the Word Mover's Distance enums (vector file
 * formats, word distances, kNN methods and pruning), both ways, for the
 * front ends.
 */
#include "wass/wmd.h"

#include <string.h>
#include <strings.h>

/* The name of value v in a table of count names indexed by value. */
static const char *name_of(const char *const *names, size_t count, int v) {
    return v >= 0 && (size_t)v < count ? names[v] : "unknown";
}

/* The index of name in the table (compared exactly, or in any case), or -1. */
static int index_of(const char *const *names, size_t count, const char *name, int any_case) {
    if (!name) return -1;
    for (size_t k = 0; k < count; k++)
        if ((any_case ? strcasecmp(name, names[k]) : strcmp(name, names[k])) == 0) return (int)k;
    return -1;
}

#define COUNT(t) (sizeof(t) / sizeof((t)[0]))

static const char *const vec_names[] = {"auto",  "word2vec", "word2vec-binary",
                                        "glove", "wink",     "cache"};
static const char *const distance_names[] = {"euclidean", "cosine"};
static const char *const method_names[] = {"wmd", "wcd", "rwmd"};
static const char *const prune_names[] = {"none", "kusner", "rwmd", "ict"};

const char *wass_vec_format_name(wass_vec_format format) {
    return name_of(vec_names, COUNT(vec_names), (int)format);
}

int wass_vec_format_parse(const char *name, wass_vec_format *out) {
    int k = index_of(vec_names, COUNT(vec_names), name, 0);
    if (k < 0 || !out) return WASS_ERR_INVALID;
    *out = (wass_vec_format)k;
    return WASS_OK;
}

const char *wass_wmd_distance_name(wass_wmd_distance distance) {
    return name_of(distance_names, COUNT(distance_names), (int)distance);
}

int wass_wmd_distance_parse(const char *name, wass_wmd_distance *out) {
    int k = index_of(distance_names, COUNT(distance_names), name, 1);
    if (k < 0 || !out) return WASS_ERR_INVALID;
    *out = (wass_wmd_distance)k;
    return WASS_OK;
}

const char *wass_knn_method_name(wass_knn_method method) {
    return name_of(method_names, COUNT(method_names), (int)method);
}

int wass_knn_method_parse(const char *name, wass_knn_method *out) {
    int k = index_of(method_names, COUNT(method_names), name, 0);
    if (k < 0 || !out) return WASS_ERR_INVALID;
    *out = (wass_knn_method)k;
    return WASS_OK;
}

const char *wass_knn_prune_name(wass_knn_prune prune) {
    return name_of(prune_names, COUNT(prune_names), (int)prune);
}

int wass_knn_prune_parse(const char *name, wass_knn_prune *out) {
    int k = index_of(prune_names, COUNT(prune_names), name, 0);
    if (k < 0 || !out) return WASS_ERR_INVALID;
    *out = (wass_knn_prune)k;
    return WASS_OK;
}
