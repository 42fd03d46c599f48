/*
 * cmd_bound.c - `wass bound`: a cheap lower bound on the optimal transport
 * cost between two signatures (or a cost matrix with two weight vectors):
 * centroid (wass_bound_centroid) or relaxed (wass_bound_relaxed).
 */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const bound_usage =
    "usage: wass bound A B --kind centroid|relaxed [--metric NAME] [--q Q] [--p P] [--json]\n"
    "       wass bound --cost C --a WA --b WB --kind relaxed [--p P] [--json]\n"
    "\n"
    "A lower bound on the optimal transport cost (what 'wass emd --mass normalize'\n"
    "computes), far cheaper than solving. Weights are normalized to total 1.\n"
    "\n"
    "  --kind centroid  metric(mean A, mean B)^P (Jensen): needs a cost convex in\n"
    "                   x - y, i.e. P >= 1 (P >= 1/2 for sqeuclidean); O((n + m) d)\n"
    "  --kind relaxed   max of sum_i a_i min_j C_ij and sum_j b_j min_i C_ij (each\n"
    "                   point ships all its mass to its cheapest partner); any\n"
    "                   cost; O(n m)\n"
    "  A, B             signature files, one point a row: the weight, then the\n"
    "                   coordinates (text or .npy, as for 'wass emd')\n"
    "  --cost C --a WA --b WB  a dense n x m cost matrix and its weights (relaxed only)\n"
    "  --metric NAME    euclidean (default), sqeuclidean, cityblock, chebyshev,\n"
    "                   minkowski\n"
    "  --q Q            exponent of the Minkowski metric (>= 1, default 2)\n"
    "  --p P            cost = metric^P (default 1); with --cost, the power the costs\n"
    "                   are already raised to\n"
    "  --threads T      number of threads for relaxed (0 = all cores, the default)\n"
    "  --json           print {\"bound\", \"distance_bound\", \"kind\", \"metric\", \"p\", \"n\",\n"
    "                   \"m\"}; distance_bound = bound^(1/P) bounds W_P from below\n"
    "  -h, --help       show this help\n"
    "\n"
    "output: the bound on the cost, printed with 17 significant digits. Bad input\n"
    "or a bound that does not hold for the cost exits 2.\n";

int cmd_bound(int argc, char **argv) {
    const char *cmd = "bound";
    const char *paths[2] = {NULL, NULL}, *kind = NULL;
    int json = 0;
    long threads = 0;
    cli_problem_args pa;
    memset(&pa, 0, sizeof pa);
    cli_option problem[CLI_PROBLEM_OPTIONS];
    cli_problem_table(&pa, problem);
    const cli_option options[] = {CLI_OPT_STR("--kind", &kind),
                                  CLI_OPT_LONG("--threads", &threads, 0, 4096),
                                  CLI_OPT_FLAG("--json", &json), CLI_OPT_END};
    int npos, rc = cli_parse_two_files(cmd, bound_usage, options, problem, "signature", 0, argc,
                                       argv, paths, &npos);
    if (rc) return rc == CLI_HELP ? CLI_OK : rc;
    pa.a_path = paths[0];
    pa.b_path = paths[1];
    if (!kind) {
        cli_error(cmd, "--kind is required: centroid or relaxed (see 'wass bound --help')");
        return CLI_BAD_INPUT;
    }
    int centroid = strcmp(kind, "centroid") == 0;
    if (!centroid && strcmp(kind, "relaxed") != 0) {
        cli_error(cmd, "--kind: unknown bound '%s' (centroid or relaxed)", kind);
        return CLI_BAD_INPUT;
    }
    if (centroid && pa.cost_path && pa.wa_path && pa.wb_path && npos == 0) {
        cli_error(cmd, "--kind centroid needs point coordinates (two signature files), not --cost");
        return CLI_BAD_INPUT;
    }
    if (cli_check_problem_form(cmd, npos, &pa)) return CLI_BAD_INPUT;
    const double p = pa.p;
    if (!(p > 0)) {
        cli_error(cmd, "--p: %g must be positive", p);
        return CLI_BAD_INPUT;
    }
    wass_ground g;
    const char *metric;
    if (cli_ground(cmd, &pa, &g, &metric)) return CLI_BAD_INPUT;

    cli_problem in;
    memset(&in, 0, sizeof in);
    double bound = 0;
    wass_error_info err;
    if ((rc = cli_load_problem(cmd, &pa, &g, &in))) goto done;
    if (centroid) {
        wass_cloud P = {in.A.n, in.A.d, in.A.X, in.A.w}, Q = {in.B.n, in.B.d, in.B.X, in.B.w};
        rc = wass_bound_centroid(&P, &Q, &g, &bound, &err);
    } else {
        rc = wass_bound_relaxed(&in.pb, (int)threads, &bound, &err);
    }
    if (rc != WASS_OK) {
        rc = cli_lib_error(cmd, &err);
        goto done;
    }
    cli_json j;
    if (cli_output_number(&j, json, "bound", bound)) {
        cli_json_num(&j, "distance_bound", pow(bound, 1.0 / p));
        cli_json_str(&j, "kind", centroid ? "centroid" : "relaxed");
        cli_json_str(&j, "metric", metric);
        cli_json_num(&j, "p", p);
        cli_json_sizes(&j, in.pb.n, in.pb.m, 0);
        cli_json_end(&j);
    }
    rc = CLI_OK;
done:
    cli_problem_free(&in);
    return rc;
}
