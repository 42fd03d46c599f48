/*
 * names.c - the words of the core enums, both ways (wass_X_name and
 * wass_X_parse), for the front ends and messages: errors, statuses,
 * metrics, cost kinds, mass modes, exact algorithms, divergences, grid
 * metrics, pairwise methods.
 */
#include "common/internal.h"

#include <string.h>
#include <strings.h>

const char *wass__enum_name(const char *const *names, size_t count, int v) {
    return v >= 0 && (size_t)v < count ? names[v] : "unknown";
}

int wass__enum_value(const char *const *names, size_t count, const char *name, int any_case) {
    if (!name) return -1;
    for (size_t k = 0; k < count; k++)
        if ((any_case ? strcasecmp(name, names[k]) : strcmp(name, names[k])) == 0) return (int)k;
    return -1;
}

const char *wass_strerror(int code) {
    switch (code) {
    case WASS_OK:
        return "success";
    case WASS_ERR_INVALID:
        return "invalid argument";
    case WASS_ERR_NAN:
        return "NaN or infinity in input";
    case WASS_ERR_NEGATIVE:
        return "negative weight";
    case WASS_ERR_ZERO_MASS:
        return "total mass is zero";
    case WASS_ERR_MASS_MISMATCH:
        return "total masses differ";
    case WASS_ERR_SIZE:
        return "size mismatch or invalid size";
    case WASS_ERR_NOMEM:
        return "out of memory";
    case WASS_ERR_IO:
        return "input/output error";
    case WASS_ERR_FORMAT:
        return "malformed input file";
    case WASS_ERR_DTYPE:
        return "unsupported data type";
    case WASS_ERR_UNSUPPORTED:
        return "unsupported request";
    case WASS_ERR_INTERNAL:
        return "internal error";
    default:
        return "unknown error";
    }
}

/* Indexed by -code (WASS_OK = 0 ... WASS_ERR_INTERNAL = -12). */
static const char *const error_names[] = {
    "ok",    "invalid", "nan",    "negative", "zero_mass",   "mass_mismatch", "size",
    "nomem", "io",      "format", "dtype",    "unsupported", "internal"};

const char *wass_error_name(int code) {
    return (code <= 0 && (size_t)-code < WASS__COUNT(error_names)) ? error_names[-code] : "unknown";
}

int wass_error_parse(const char *name, wass_error *out) {
    int k = wass__enum_value(error_names, WASS__COUNT(error_names), name, 0);
    if (k < 0 || !out) return WASS_ERR_INVALID;
    *out = (wass_error)-k;
    return WASS_OK;
}

const char *wass_status_name(wass_status status) {
    switch (status) {
    case WASS_OPTIMAL:
        return "optimal";
    case WASS_CONVERGED:
        return "converged";
    case WASS_ITERATION_LIMIT:
        return "iteration limit";
    case WASS_INFEASIBLE:
        return "infeasible";
    case WASS_NOT_CONVERGED:
        return "not converged";
    case WASS_NOT_SOLVED:
        return "not solved";
    default:
        return "unknown status";
    }
}

const char *wass_status_string(int status) {
    return wass_status_name((wass_status)status);
}

int wass_status_parse(const char *name, wass_status *out) {
    for (int k = WASS_OPTIMAL; k <= WASS_NOT_SOLVED; k++)
        if (name && out && strcmp(name, wass_status_name((wass_status)k)) == 0) {
            *out = (wass_status)k;
            return WASS_OK;
        }
    return WASS_ERR_INVALID;
}

int wass_metric_parse(const char *name, wass_metric *out) {
    static const struct {
        const char *name;
        wass_metric metric;
    } table[] = {{"euclidean", WASS_EUCLIDEAN},     {"l2", WASS_EUCLIDEAN},
                 {"sqeuclidean", WASS_SQEUCLIDEAN}, {"cityblock", WASS_CITYBLOCK},
                 {"manhattan", WASS_CITYBLOCK},     {"l1", WASS_CITYBLOCK},
                 {"chebyshev", WASS_CHEBYSHEV},     {"linf", WASS_CHEBYSHEV},
                 {"minkowski", WASS_MINKOWSKI}};
    if (!name || !out) return WASS_ERR_INVALID;
    for (size_t k = 0; k < sizeof table / sizeof table[0]; k++)
        if (strcasecmp(name, table[k].name) == 0) {
            *out = table[k].metric;
            return WASS_OK;
        }
    return WASS_ERR_INVALID;
}

const char *wass_metric_name(wass_metric metric) {
    switch (metric) {
    case WASS_EUCLIDEAN:
        return "euclidean";
    case WASS_SQEUCLIDEAN:
        return "sqeuclidean";
    case WASS_CITYBLOCK:
        return "cityblock";
    case WASS_CHEBYSHEV:
        return "chebyshev";
    case WASS_MINKOWSKI:
        return "minkowski";
    }
    return "unknown";
}

static const char *const cost_kind_names[] = {"dense", "points", "callback"};
static const char *const algorithm_names[] = {"auto", "simplex", "colgen"};
static const char *const mass_names[] = {"balanced", "normalize", "partial"};
static const char *const divergence_names[] = {"tv", "kl", "js"};

const char *wass_cost_kind_name(wass_cost_kind kind) {
    return wass__enum_name(cost_kind_names, WASS__COUNT(cost_kind_names), (int)kind);
}

int wass_cost_kind_parse(const char *name, wass_cost_kind *out) {
    int k = wass__enum_value(cost_kind_names, WASS__COUNT(cost_kind_names), name, 0);
    if (k < 0 || !out) return WASS_ERR_INVALID;
    *out = (wass_cost_kind)k;
    return WASS_OK;
}

const char *wass_algorithm_name(wass_algorithm algorithm) {
    return wass__enum_name(algorithm_names, WASS__COUNT(algorithm_names), (int)algorithm);
}

int wass_algorithm_parse(const char *name, wass_algorithm *out) {
    int k = wass__enum_value(algorithm_names, WASS__COUNT(algorithm_names), name, 0);
    if (k < 0 || !out) return WASS_ERR_INVALID;
    *out = (wass_algorithm)k;
    return WASS_OK;
}

const char *wass_mass_name(wass_mass_mode mass) {
    return wass__enum_name(mass_names, WASS__COUNT(mass_names), (int)mass);
}

int wass_mass_parse(const char *name, wass_mass_mode *out) {
    if (!name || !out) return WASS_ERR_INVALID;
    if (strcasecmp(name, "balanced") == 0)
        *out = WASS_MASS_BALANCED;
    else if (strcasecmp(name, "normalize") == 0 || strcasecmp(name, "normalized") == 0)
        *out = WASS_MASS_NORMALIZE;
    else if (strcasecmp(name, "partial") == 0)
        *out = WASS_MASS_PARTIAL;
    else
        return WASS_ERR_INVALID;
    return WASS_OK;
}

const char *wass_divergence_name(wass_divergence_kind kind) {
    return wass__enum_name(divergence_names, WASS__COUNT(divergence_names), (int)kind);
}

int wass_divergence_parse(const char *name, wass_divergence_kind *out) {
    static const struct {
        const char *name;
        wass_divergence_kind kind;
    } table[] = {{"tv", WASS_DIV_TV}, {"total-variation", WASS_DIV_TV},
                 {"kl", WASS_DIV_KL}, {"kullback-leibler", WASS_DIV_KL},
                 {"js", WASS_DIV_JS}, {"jensen-shannon", WASS_DIV_JS}};
    if (!name || !out) return WASS_ERR_INVALID;
    for (size_t k = 0; k < sizeof table / sizeof table[0]; k++)
        if (strcasecmp(name, table[k].name) == 0) {
            *out = table[k].kind;
            return WASS_OK;
        }
    return WASS_ERR_INVALID;
}

static const char *const grid_metric_names[] = {"cityblock", "chebyshev", "euclidean"};

const char *wass_grid_metric_name(wass_grid_metric metric) {
    return wass__enum_name(grid_metric_names, WASS__COUNT(grid_metric_names), (int)metric);
}

int wass_grid_metric_parse(const char *name, wass_grid_metric *out) {
    int k = wass__enum_value(grid_metric_names, WASS__COUNT(grid_metric_names), name, 0);
    if (k < 0 || !out) return WASS_ERR_INVALID;
    *out = (wass_grid_metric)k;
    return WASS_OK;
}

static const char *const pairwise_method_names[] = {"emd", "sinkhorn"};

const char *wass_pairwise_method_name(wass_pairwise_method method) {
    return wass__enum_name(pairwise_method_names, WASS__COUNT(pairwise_method_names), (int)method);
}

int wass_pairwise_method_parse(const char *name, wass_pairwise_method *out) {
    int k = wass__enum_value(pairwise_method_names, WASS__COUNT(pairwise_method_names), name, 0);
    if (k < 0 || !out) return WASS_ERR_INVALID;
    *out = (wass_pairwise_method)k;
    return WASS_OK;
}
