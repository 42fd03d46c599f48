/*
 * cmd_embed.c - `wass embed`: L1 distance between the randomly shifted grid
 * embeddings of two signature files (wass_embed_frame_init, wass_embed,
 * wass_sparse_l1), an approximation of W1.
 */
#include "cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *const embed_usage =
    "usage: wass embed A B [--seed S] [--levels L] [--cell C] [--json]\n"
    "\n"
    "Approximate W1 (Euclidean ground) by a hierarchical grid embedding\n"
    "(Indyk-Thaper): nested grids of sides C, 2C, 4C, ... shifted by one random\n"
    "vector; each signature becomes the masses of its cells times the cell sides,\n"
    "and the distance is the L1 distance of the two vectors. In expectation it\n"
    "lies within a factor O(d log(spread / C)) of W1; it never falls below\n"
    "W1 / sqrt(d) - C. Weights are normalized.\n"
    "\n"
    "  A, B         signature files, one point a row: the weight, then the\n"
    "               coordinates (text or .npy, as for 'wass emd')\n"
    "  --seed S     seed of the grid shift (default 0)\n"
    "  --levels L   number of levels (1..58; default: enough for the spread)\n"
    "  --cell C     finest cell side (default: spread / (2 n^(1/d)), n the larger\n"
    "               signature, d the dimension)\n"
    "  --json       print {\"distance\", \"levels\", \"cell\", \"nnz_a\", \"nnz_b\", \"seed\",\n"
    "               \"n\", \"m\", \"d\"}\n"
    "  -h, --help   show this help\n"
    "\n"
    "output: the embedding distance, printed with 17 significant digits.\n"
    "Bad input (or a dimension too large for exact cell keys) exits 2.\n";

int cmd_embed(int argc, char **argv) {
    const char *cmd = "embed";
    const char *paths[2] = {NULL, NULL};
    int json = 0, have_cell = 0;
    long seed = 0, levels = 0;
    double cell = 0;
    const cli_option options[] = {
        CLI_OPT_LONG("--seed", &seed, 0, LONG_MAX), CLI_OPT_LONG("--levels", &levels, 1, 58),
        CLI_OPT_DOUBLE("--cell", &cell, &have_cell), CLI_OPT_FLAG("--json", &json), CLI_OPT_END};
    int npos, rc = cli_parse_two_files(cmd, embed_usage, options, NULL, "signature", 0, argc, argv,
                                       paths, &npos);
    if (rc) return rc == CLI_HELP ? CLI_OK : rc;
    if (have_cell && !(cell > 0)) {
        cli_error(cmd, "--cell: %g must be positive", cell);
        return CLI_BAD_INPUT;
    }
    if (npos != 2) {
        cli_error(cmd, "two signature files expected, got %d (see 'wass embed --help')", npos);
        return CLI_BAD_INPUT;
    }
    cli_signature A = {0}, B = {0};
    wass_embed_frame fr;
    wass_sparse ea, eb;
    memset(&fr, 0, sizeof fr);
    memset(&ea, 0, sizeof ea);
    memset(&eb, 0, sizeof eb);
    if ((rc = cli_load_signature_pair(cmd, paths[0], paths[1], &A, &B))) goto done;
    wass_cloud both[2] = {{A.n, A.d, A.X, A.w}, {B.n, B.d, B.X, B.w}};
    wass_embed_options opt;
    wass_embed_options_default(&opt);
    opt.seed = (uint64_t)seed;
    opt.levels = (int)levels;
    opt.cell = cell;
    wass_error_info err;
    if (wass_embed_frame_init(&fr, both, 2, &opt, &err) != WASS_OK ||
        wass_embed(&fr, &both[0], &ea, &err) != WASS_OK ||
        wass_embed(&fr, &both[1], &eb, &err) != WASS_OK) {
        rc = cli_lib_error(cmd, &err);
        goto done;
    }
    double dist = wass_sparse_l1(&ea, &eb);
    cli_json j;
    if (cli_output_number(&j, json, "distance", dist)) {
        cli_json_int(&j, "levels", fr.levels);
        cli_json_num(&j, "cell", fr.cell);
        cli_json_int(&j, "nnz_a", (long long)ea.len);
        cli_json_int(&j, "nnz_b", (long long)eb.len);
        cli_json_int(&j, "seed", seed);
        cli_json_sizes(&j, A.n, B.n, A.d);
        cli_json_end(&j);
    }
    rc = CLI_OK;
done:
    wass_sparse_free(&ea);
    wass_sparse_free(&eb);
    wass_embed_frame_free(&fr);
    cli_signature_free(&A);
    cli_signature_free(&B);
    return rc;
}
