/*
 * main.c - entry point of the `wass` command-line tool: dispatches to the
 * subcommands listed in the table below (one line each; see cli.h for how to
 * add one).
 */
#include "cli.h"

#include <string.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"emd", cmd_emd, "exact Wasserstein / Earth Mover's distance between two signatures"},
    {"line", cmd_line, "exact W_p between two samples on the real line"},
    {"div", cmd_div, "total variation, KL or Jensen-Shannon between two histograms"},
    {"sliced", cmd_sliced, "sliced / max-sliced Wasserstein distance between two signatures"},
    {"embed", cmd_embed, "grid-embedding approximation of W1 between two signatures"},
    {"bound", cmd_bound, "lower bound (centroid or relaxed) on the optimal cost"},
    {"wmd", cmd_wmd, "Word Mover's Distance between two documents (word vectors)"},
    {"knn", cmd_knn, "k-nearest-neighbour document classification under the WMD"},
    {"retrieve", cmd_retrieve, "the k nearest images of a database under the EMD"},
    {"graphs", cmd_graphs, "graph classification by matching node embeddings (EMD, SVM)"},
    {"demo", cmd_demo, "worked examples: W1 versus TV, KL and JS"},
    {"sinkhorn", cmd_sinkhorn, "entropic optimal transport (Sinkhorn) and Sinkhorn divergence"},
};

static void usage(FILE *f) {
    fprintf(f, "usage: wass <command> [options]\n"
               "       wass --help | --version\n"
               "\n"
               "Wasserstein distances and optimal transport, exact and certified.\n"
               "\n"
               "commands:\n");
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        fprintf(f, "  %-8s %s\n", commands[k].name, commands[k].summary);
    fprintf(f, "\n"
               "Run 'wass <command> --help' for the options of a command.\n"
               "Exit status: 0 success, 2 bad input or usage, 1 internal failure or a solve\n"
               "that is not certified optimal.\n");
}

/* --help and --version also fail when their output cannot be written. */
static int flushed(void) {
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "wass: cannot write the output\n");
        return CLI_FAILURE;
    }
    return CLI_OK;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return CLI_BAD_INPUT;
    }
    const char *name = argv[1];
    if (cli_is_help(name) || strcmp(name, "help") == 0) {
        usage(stdout);
        return flushed();
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("wass %s\n", WASS_VERSION_STRING);
        return flushed();
    }
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        if (strcmp(name, commands[k].name) == 0) {
            int rc = commands[k].run(argc - 1, argv + 1);
            if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "wass %s: cannot write the output\n", name);
                return CLI_FAILURE;
            }
            return rc;
        }
    fprintf(stderr, "wass: unknown command '%s' (run 'wass --help' for the list)\n", name);
    return CLI_BAD_INPUT;
}
