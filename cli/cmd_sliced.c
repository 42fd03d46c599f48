/*
 * cmd_sliced.c - `wass sliced`: sliced (or max-sliced) Wasserstein distance
 * between two signature files (wass_sliced).
 */
#include "cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *const sliced_usage =
    "usage: wass sliced A B [--projections K] [--seed S] [--p P] [--max] [--threads T] [--json]\n"
    "\n"
    "Sliced Wasserstein distance: both clouds are projected on K random unit\n"
    "directions (uniform on the sphere, drawn from the seed), each 1-D problem is\n"
    "solved exactly, and SW_P = (mean over directions of W_P^P)^(1/P). With --max,\n"
    "the largest W_P over the directions (max-sliced). Weights are normalized.\n"
    "\n"
    "  A, B            signature files, one point a row: the weight, then the\n"
    "                  coordinates (text or .npy, as for 'wass emd')\n"
    "  --projections K number of directions (default 100)\n"
    "  --seed S        seed of the directions (default 0); the result does not\n"
    "                  depend on the number of threads\n"
    "  --p P           order (>= 1, default 2)\n"
    "  --metric NAME   only euclidean (projections use the Euclidean inner product)\n"
    "  --max           max-sliced instead of the mean\n"
    "  --threads T     number of threads (0 = all cores, the default)\n"
    "  --json          print {\"distance\", \"p\", \"projections\", \"seed\", \"max\", \"n\",\n"
    "                  \"m\", \"d\"}\n"
    "  -h, --help      show this help\n"
    "\n"
    "output: the distance, printed with 17 significant digits. Bad input exits 2.\n";

int cmd_sliced(int argc, char **argv) {
    const char *cmd = "sliced";
    const char *paths[2] = {NULL, NULL}, *metric = NULL;
    int json = 0, mx = 0;
    double p = 2.0;
    long K = 100, seed = 0, threads = 0;
    const cli_option options[] = {CLI_OPT_LONG("--projections", &K, 1, LONG_MAX),
                                  CLI_OPT_LONG("--seed", &seed, 0, LONG_MAX),
                                  CLI_OPT_DOUBLE("--p", &p, NULL),
                                  CLI_OPT_STR("--metric", &metric),
                                  CLI_OPT_LONG("--threads", &threads, 0, 4096),
                                  CLI_OPT_FLAG("--max", &mx),
                                  CLI_OPT_FLAG("--json", &json),
                                  CLI_OPT_END};
    int npos, rc = cli_parse_two_files(cmd, sliced_usage, options, NULL, "signature", 1, argc, argv,
                                       paths, &npos);
    if (rc) return rc == CLI_HELP ? CLI_OK : rc;
    if (metric) {
        wass_metric mt;
        if (wass_metric_parse(metric, &mt) != WASS_OK) {
            cli_error(cmd,
                      "--metric: unknown metric '%s' (euclidean, sqeuclidean, cityblock, "
                      "chebyshev, minkowski)",
                      metric);
            return CLI_BAD_INPUT;
        }
        if (mt != WASS_EUCLIDEAN) {
            cli_error(cmd,
                      "--metric %s: sliced Wasserstein projects with the Euclidean inner "
                      "product; only euclidean applies",
                      metric);
            return CLI_BAD_INPUT;
        }
    }
    if (!(p >= 1)) {
        cli_error(cmd, "--p: %g must be >= 1", p);
        return CLI_BAD_INPUT;
    }
    cli_signature A = {0}, B = {0};
    if ((rc = cli_load_signature_pair(cmd, paths[0], paths[1], &A, &B))) goto done;
    wass_cloud P = {A.n, A.d, A.X, A.w}, Q = {B.n, B.d, B.X, B.w};
    wass_sliced_options opt;
    wass_sliced_options_default(&opt);
    opt.projections = (size_t)K;
    opt.seed = (uint64_t)seed;
    opt.p = p;
    opt.max_sliced = mx;
    opt.threads = (int)threads;
    double dist;
    wass_error_info err;
    if (wass_sliced(&P, &Q, &opt, &dist, &err) != WASS_OK) {
        rc = cli_lib_error(cmd, &err);
        goto done;
    }
    cli_json j;
    if (cli_output_number(&j, json, "distance", dist)) {
        cli_json_num(&j, "p", p);
        cli_json_int(&j, "projections", K);
        cli_json_int(&j, "seed", seed);
        cli_json_bool(&j, "max", mx);
        cli_json_sizes(&j, A.n, B.n, A.d);
        cli_json_end(&j);
    }
    rc = CLI_OK;
done:
    cli_signature_free(&A);
    cli_signature_free(&B);
    return rc;
}
