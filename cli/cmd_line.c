/*
 * cmd_line.c - `wass line`: exact W_p between two weighted samples on the
 * real line (wass_line).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char *const line_usage =
    "usage: wass line U V [--p P] [--json]\n"
    "\n"
    "Exact Wasserstein distance W_P between two samples on the real line.\n"
    "\n"
    "  U, V        one value a row, optionally a second column with its weight\n"
    "              (uniform weights otherwise; weights are normalized). Text or\n"
    "              .npy (1-D, N x 1 or N x 2; float64 or float32); - reads\n"
    "              standard input\n"
    "  --p P       order of the distance (>= 1, default 1)\n"
    "  --json      print {\"distance\": ..., \"p\": ..., \"n\": ..., \"m\": ...}\n"
    "  -h, --help  show this help\n"
    "\n"
    "output: W_P, printed with 17 significant digits.\n";

/* Split a loaded N x 1 or N x 2 table into values and weights (NULL when
 * there is no weight column). */
static int load_sample(const char *path, double **x, double **w, size_t *n) {
    const char *cmd = "line";
    wass_matrix mat;
    *x = *w = NULL;
    *n = 0;
    int rc = cli_load_matrix(cmd, path, &mat);
    if (rc) return rc;
    if (mat.cols > 2) {
        cli_error(cmd,
                  "%s: expected one value a row, optionally with a weight column, found %zu "
                  "columns",
                  path, mat.cols);
        wass_matrix_free(&mat);
        return CLI_BAD_INPUT;
    }
    *n = mat.rows;
    if (mat.cols == 1) {
        *x = mat.data;
        return CLI_OK;
    }
    *x = malloc(mat.rows * sizeof **x);
    *w = malloc(mat.rows * sizeof **w);
    if (!*x || !*w) {
        free(*x);
        free(*w);
        *x = *w = NULL;
        wass_matrix_free(&mat);
        cli_error(cmd, "out of memory");
        return CLI_FAILURE;
    }
    for (size_t i = 0; i < mat.rows; i++) {
        (*x)[i] = mat.data[2 * i];
        (*w)[i] = mat.data[2 * i + 1];
        if ((*w)[i] < 0) {
            cli_error(cmd, "%s: row %zu: weight %.17g is negative", path, i + 1, (*w)[i]);
            free(*x);
            free(*w);
            *x = *w = NULL;
            wass_matrix_free(&mat);
            return CLI_BAD_INPUT;
        }
    }
    wass_matrix_free(&mat);
    return CLI_OK;
}

int cmd_line(int argc, char **argv) {
    const char *cmd = "line";
    const char *paths[2] = {NULL, NULL};
    int json = 0;
    double p = 1.0;
    const cli_option options[] = {CLI_OPT_DOUBLE("--p", &p, NULL), CLI_OPT_FLAG("--json", &json),
                                  CLI_OPT_END};
    int npos, rc = cli_parse_two_files(cmd, line_usage, options, NULL, "sample", 1, argc, argv,
                                       paths, &npos);
    if (rc) return rc == CLI_HELP ? CLI_OK : rc;
    if (!(p >= 1)) {
        cli_error(cmd, "--p: %g must be >= 1", p);
        return CLI_BAD_INPUT;
    }
    double *u = NULL, *uw = NULL, *v = NULL, *vw = NULL;
    size_t n = 0, m = 0;
    if ((rc = load_sample(paths[0], &u, &uw, &n))) goto done;
    if ((rc = load_sample(paths[1], &v, &vw, &m))) goto done;
    double dist;
    wass_error_info err;
    if (wass_line(u, uw, n, v, vw, m, p, &dist, &err) != WASS_OK) {
        rc = cli_lib_error(cmd, &err);
        goto done;
    }
    cli_json j;
    if (cli_output_number(&j, json, "distance", dist)) {
        cli_json_num(&j, "p", p);
        cli_json_sizes(&j, n, m, 0);
        cli_json_end(&j);
    }
    rc = CLI_OK;
done:
    free(u);
    free(uw);
    free(v);
    free(vw);
    return rc;
}
