/*
 * cmd_graphs.c - `wass graphs`: graph classification by matching node
 * embeddings (Nikolentzos et al. 2017) on a data set in the TU text format:
 * spectral node embeddings, the EMD between every pair of graphs (or the
 * grid approximation), and an SVM on exp(-gamma D) by nested stratified
 * cross-validation.
 */
#include "cli.h"
#include "npz.h"
#include "wass/graph.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static const char *const graphs_usage =
    "usage: wass graphs DIR --dim D [options]\n"
    "\n"
    "Graph similarity by matching node embeddings (Nikolentzos, Meladianos and\n"
    "Vazirgiannis, AAAI 2017). DIR holds a data set in the TU text format\n"
    "(DS_A.txt, DS_graph_indicator.txt, DS_graph_labels.txt, optional\n"
    "DS_node_labels.txt; DS = the folder's name). Each node is embedded by the\n"
    "absolute values of the eigenvectors of its graph's adjacency matrix for the\n"
    "D largest eigenvalues in magnitude (zero-padded below D nodes); the\n"
    "distance of two graphs is the exact EMD between their nodes (uniform\n"
    "weights, Euclidean ground cost), on all cores; the kernel exp(-gamma D)\n"
    "feeds an SVM (libsvm) evaluated by stratified cross-validation, gamma and C\n"
    "chosen by an inner cross-validation on each training fold alone.\n"
    "\n"
    "  --dim D             embedding dimension (required, >= 1)\n"
    "  --labels            labelled variant: ground cost ||x - y|| + P between\n"
    "                      nodes of different labels (needs DS_node_labels.txt)\n"
    "  --label-penalty P   P of --labels (default 1)\n"
    "  --approx            grid-embedding (pyramid-match) L1 distance instead of\n"
    "                      the exact EMD\n"
    "  --emd-many          exact EMD through the core wass_emd_many (reference)\n"
    "  --cv K              outer folds (default 10); 0 = no classification\n"
    "  --inner K           inner folds choosing gamma and C (default 5)\n"
    "  --psd MODE          none (default): the kernel as it is; clip: negative\n"
    "                      eigenvalues of each training block set to 0\n"
    "  --seed S            folds (and grid shift with --approx), default 0\n"
    "  --threads N         0 = all cores (default)\n"
    "  --distances F.npy   write the graphs x graphs distance matrix\n"
    "  --embeddings F.npz  write what the distances were computed from: X (nodes\n"
    "                      x D float64, graph g = rows offset[g]..offset[g+1]-1),\n"
    "                      offset (int64), graph_label (int64) and, with\n"
    "                      node labels, node_label (int64)\n"
    "  --json              one JSON object on stdout\n"
    "\n"
    "A progress line is drawn on stderr when it is a terminal.\n";

/* Peak resident memory of this program: VmHWM of /proc/self/status (its own
 * address space; getrusage's ru_maxrss may include the parent that forked
 * it), else ru_maxrss. */
static double peak_rss_mib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        char line[256];
        double kb = -1;
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "VmHWM:", 6) == 0) {
                kb = strtod(line + 6, NULL);
                break;
            }
        fclose(f);
        if (kb >= 0) return kb / 1024.0;
    }
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
    return (double)ru.ru_maxrss / 1024.0; /* kilobytes on Linux */
}

static int write_embeddings(const char *cmd, const char *path, const wass_graph_set *gs,
                            const wass_graph_embedding *E) {
    size_t G = gs->graphs, N = gs->nodes;
    int64_t *off = malloc((G + 1) * sizeof *off), *gl = malloc(G * sizeof *gl);
    int64_t *nl = gs->node_label ? malloc(N * sizeof *nl) : NULL;
    if (!off || !gl || (gs->node_label && !nl)) {
        free(off);
        free(gl);
        free(nl);
        cli_error(cmd, "out of memory");
        return CLI_FAILURE;
    }
    for (size_t g = 0; g <= G; g++)
        off[g] = (int64_t)E->offset[g];
    for (size_t g = 0; g < G; g++)
        gl[g] = gs->graph_label[g];
    for (size_t k = 0; nl && k < N; k++)
        nl[k] = gs->node_label[k];
    cli_npz_array arr[4] = {{"X", N, E->dim, E->X, NULL},
                            {"offset", G + 1, 0, NULL, off},
                            {"graph_label", G, 0, NULL, gl},
                            {"node_label", N, 0, NULL, nl}};
    int rc = cli_npz_write(path, arr, nl ? 4 : 3) ? CLI_FAILURE : CLI_OK;
    if (rc) cli_error(cmd, "%s: cannot write: %s", path, strerror(errno));
    free(off);
    free(gl);
    free(nl);
    return rc;
}

static int parse_psd(const char *cmd, const char *name, const char *v, void *target) {
    if (wass_graph_psd_parse(v, (wass_graph_psd *)target) != WASS_OK) {
        cli_error(cmd, "%s: expected none or clip, found '%s'", name, v);
        return 0;
    }
    return 1;
}

/* What the command line asked for. */
typedef struct {
    const char *dir, *dist_path, *emb_path;
    long dim, cv, inner, threads, seed;
    double penalty;
    int labels, approx, many, json;
    wass_graph_psd psd;
} graphs_args;

/* Parse and check the command line into *a. Returns -1 to go on, else the
 * exit code (CLI_OK after --help). */
static int graphs_parse(int argc, char **argv, graphs_args *a) {
    const char *cmd = "graphs";
    *a = (graphs_args){.cv = 10, .inner = 5, .penalty = 1.0, .psd = WASS_GRAPH_PSD_NONE};
    const cli_option options[] = {CLI_OPT_LONG("--dim", &a->dim, 1, 4096),
                                  CLI_OPT_LONG("--cv", &a->cv, 0, 1000000),
                                  CLI_OPT_LONG("--inner", &a->inner, 2, 1000000),
                                  CLI_OPT_LONG("--seed", &a->seed, 0, 2147483647L),
                                  CLI_OPT_LONG("--threads", &a->threads, 0, 4096),
                                  CLI_OPT_DOUBLE("--label-penalty", &a->penalty, NULL),
                                  CLI_OPT_FN("--psd", parse_psd, &a->psd),
                                  CLI_OPT_STR("--distances", &a->dist_path),
                                  CLI_OPT_STR("--embeddings", &a->emb_path),
                                  CLI_OPT_FLAG("--labels", &a->labels),
                                  CLI_OPT_FLAG("--approx", &a->approx),
                                  CLI_OPT_FLAG("--emd-many", &a->many),
                                  CLI_OPT_FLAG("--json", &a->json),
                                  CLI_OPT_END};
    const char *pos[1] = {NULL};
    const cli_command_line cl = {.cmd = cmd,
                                 .usage = graphs_usage,
                                 .options = options,
                                 .pos = pos,
                                 .max_pos = 1,
                                 .extra = "expected one data set folder, found a second: '%s'"};
    int npos, prc = cli_parse_args(&cl, argc, argv, &npos);
    if (prc) return prc == CLI_HELP ? CLI_OK : prc;
    a->dir = npos ? pos[0] : NULL;
    if (a->cv == 1) {
        cli_error(cmd, "--cv: expected 0 (no classification) or at least 2 folds");
        return CLI_BAD_INPUT;
    }
    if (a->penalty < 0) {
        cli_error(cmd, "--label-penalty: expected a number >= 0, found %g", a->penalty);
        return CLI_BAD_INPUT;
    }
    if (!a->dir) {
        cli_error(cmd, "expected a data set folder (see 'wass graphs --help')");
        return CLI_BAD_INPUT;
    }
    if (!(a->dim > 0)) {
        cli_error(cmd, "--dim D is required");
        return CLI_BAD_INPUT;
    }
    if (a->approx && (a->labels || a->many)) {
        cli_error(cmd, a->labels ? "--approx has no labelled variant (drop --labels)"
                                 : "--approx and --emd-many exclude each other");
        return CLI_BAD_INPUT;
    }
    return -1;
}

/* Load the data set and embed its nodes. On failure nothing is left to free. */
static int graphs_load(const graphs_args *a, wass_graph_set *gs, wass_graph_embedding *E) {
    const char *cmd = "graphs";
    wass_error_info e;
    if (wass_tu_load(a->dir, gs, &e)) return cli_lib_error(cmd, &e);
    if (a->labels && !gs->node_label) {
        cli_error(cmd, "%s: --labels needs node labels (DS_node_labels.txt), none found", a->dir);
        wass_graph_set_free(gs);
        return CLI_BAD_INPUT;
    }
    if (gs->graphs < 2) {
        cli_error(cmd, "%s: %zu graph: nothing to compare", a->dir, gs->graphs);
        wass_graph_set_free(gs);
        return CLI_BAD_INPUT;
    }
    if (wass_graph_embed(gs, (size_t)a->dim, (int)a->threads, E, &e)) {
        int rc = cli_lib_error(cmd, &e);
        wass_graph_set_free(gs);
        return rc;
    }
    return CLI_OK;
}

/* The G x G distance matrix into *D (malloc'ed; the caller frees it, also
 * on failure). */
static int graphs_distances(const graphs_args *a, const wass_graph_embedding *E, size_t G,
                            double **D, wass_graph_distance_info *info) {
    const char *cmd = "graphs";
    wass_error_info e;
    if (G > SIZE_MAX / G / sizeof(double) || !(*D = malloc(G * G * sizeof **D))) {
        cli_error(cmd, "out of memory (%zu x %zu distances)", G, G);
        return CLI_FAILURE;
    }
    cli_progress_state ps = {cmd, 0, -1};
    wass_graph_distance_options dopt;
    wass_graph_distance_options_default(&dopt);
    dopt.method = a->approx ? WASS_GRAPH_GRID : a->many ? WASS_GRAPH_EMD_MANY : WASS_GRAPH_EXACT;
    dopt.labels = a->labels;
    dopt.label_penalty = a->penalty;
    dopt.seed = (uint64_t)a->seed;
    dopt.threads = (int)a->threads;
    cli_progress_attach(&ps, &dopt.progress, &dopt.progress_user);
    int lrc = wass_graph_distances(E, &dopt, *D, info, &e);
    if (dopt.progress) cli_progress_done(&ps);
    return lrc ? cli_lib_error(cmd, &e) : CLI_OK;
}

/* The SVM's cross-validated accuracy on the distances D (a->cv > 0). */
static int graphs_classify(const graphs_args *a, const wass_graph_set *gs, const double *D,
                           wass_graph_classify_result *cr) {
    const char *cmd = "graphs";
    wass_error_info e;
    size_t G = gs->graphs;
    if ((size_t)a->cv > G) {
        cli_error(cmd, "--cv %ld: more folds than the %zu graphs", a->cv, G);
        return CLI_BAD_INPUT;
    }
    wass_graph_classify_options copt;
    wass_graph_classify_options_default(&copt);
    copt.folds = (size_t)a->cv;
    copt.inner_folds = (size_t)a->inner;
    copt.psd = a->psd;
    copt.seed = (uint64_t)a->seed;
    copt.threads = (int)a->threads;
    cli_progress_state ps2 = {cmd, 0, -1};
    cli_progress_attach(&ps2, &copt.progress, &copt.progress_user);
    int lrc = wass_graph_classify(D, gs->graph_label, G, &copt, cr, &e);
    if (copt.progress) cli_progress_done(&ps2);
    return lrc ? cli_lib_error(cmd, &e) : CLI_OK;
}

static const char *graphs_method(const graphs_args *a) {
    return a->approx ? "grid" : a->many ? "emd_many" : "exact";
}

/* The summary as one JSON object on stdout. */
static void graphs_print_json(const graphs_args *a, const wass_graph_set *gs,
                              const wass_graph_distance_info *info,
                              const wass_graph_classify_result *cr) {
    cli_json j;
    cli_json_begin(&j, stdout);
    cli_json_int(&j, "graphs", (long long)gs->graphs);
    cli_json_int(&j, "nodes", (long long)gs->nodes);
    cli_json_int(&j, "dim", a->dim);
    cli_json_str(&j, "method", graphs_method(a));
    cli_json_bool(&j, "labels", a->labels);
    if (a->labels) cli_json_num(&j, "label_penalty", a->penalty);
    cli_json_int(&j, "pairs", (long long)info->pairs);
    cli_json_int(&j, "distinct_graphs", (long long)info->distinct);
    cli_json_num(&j, "seconds_distances", info->seconds);
    cli_json_num(&j, "pairs_per_second", info->seconds > 0 ? info->pairs / info->seconds : 0);
    if (!a->approx) {
        cli_json_int(&j, "fallbacks", (long long)info->fallbacks);
        cli_json_num(&j, "max_gap", info->max_gap);
    }
    if (a->cv > 0) {
        cli_json_int(&j, "folds", a->cv);
        cli_json_int(&j, "inner_folds", a->inner);
        cli_json_str(&j, "psd", wass_graph_psd_name(a->psd));
        cli_json_num(&j, "accuracy_mean", cr->mean);
        cli_json_num(&j, "accuracy_std", cr->std);
        cli_json_int(&j, "clipped_eigenvalues", (long long)cr->negative_eigenvalues);
        cli_json_num(&j, "seconds_cv", cr->seconds);
        fprintf(stdout, ", \"fold_accuracy\": [");
        for (size_t f = 0; f < cr->folds; f++)
            fprintf(stdout, "%s%.17g", f ? ", " : "", cr->fold_accuracy[f]);
        fprintf(stdout, "]");
    } else {
        cli_json_int(&j, "folds", 0);
        cli_json_null(&j, "accuracy_mean");
        cli_json_null(&j, "accuracy_std");
    }
    cli_json_int(&j, "seed", a->seed);
    cli_json_num(&j, "peak_rss_mib", peak_rss_mib());
    cli_json_end(&j);
}

/* The summary as text lines on stdout. */
static void graphs_print_text(const graphs_args *a, const wass_graph_set *gs,
                              const wass_graph_distance_info *info,
                              const wass_graph_classify_result *cr) {
    printf("%s: %zu graphs, %zu nodes, dim %ld, %s%s distances\n", a->dir, gs->graphs, gs->nodes,
           a->dim, graphs_method(a), a->labels ? " labelled" : "");
    printf("pairs %zu in %.3f s (%.0f pairs/s)", info->pairs, info->seconds,
           info->seconds > 0 ? info->pairs / info->seconds : 0.0);
    if (!a->approx)
        printf(", certified (max gap %.1e, fallbacks %zu)", info->max_gap, info->fallbacks);
    printf("\n");
    if (a->cv > 0)
        printf("accuracy %.2f +- %.2f %% (%ld-fold, inner %ld, psd %s, seed %ld, %.2f s)\n",
               100 * cr->mean, 100 * cr->std, a->cv, a->inner, wass_graph_psd_name(a->psd), a->seed,
               cr->seconds);
    printf("peak memory %.1f MiB\n", peak_rss_mib());
}

int cmd_graphs(int argc, char **argv) {
    const char *cmd = "graphs";
    graphs_args a;
    int rc = graphs_parse(argc, argv, &a);
    if (rc >= 0) return rc;
    wass_graph_set gs;
    wass_graph_embedding E;
    if ((rc = graphs_load(&a, &gs, &E))) return rc;
    size_t G = gs.graphs;
    double *D = NULL;
    wass_graph_distance_info info;
    if ((rc = graphs_distances(&a, &E, G, &D, &info))) goto done;
    if (a.dist_path && (rc = cli_write_matrix(cmd, a.dist_path, G, G, D))) goto done;
    if (a.emb_path && (rc = write_embeddings(cmd, a.emb_path, &gs, &E))) goto done;
    wass_graph_classify_result cr;
    memset(&cr, 0, sizeof cr);
    if (a.cv > 0 && (rc = graphs_classify(&a, &gs, D, &cr))) goto done;
    if (a.json)
        graphs_print_json(&a, &gs, &info, &cr);
    else
        graphs_print_text(&a, &gs, &info, &cr);
    wass_graph_classify_result_free(&cr);
done:
    free(D);
    wass_graph_embedding_free(&E);
    wass_graph_set_free(&gs);
    return rc;
}
