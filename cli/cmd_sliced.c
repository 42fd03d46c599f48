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
    int npos = 0, json = 0, only_pos = 0, mx = 0;
    double p = 2.0;
    long K = 100, seed = 0, threads = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int r;
        if (!only_pos && a[0] == '-' && a[1] != '\0') {
            if (cli_is_help(a)) {
                fputs(sliced_usage, stdout);
                return CLI_OK;
            }
            if (strcmp(a, "--") == 0) {
                only_pos = 1;
                continue;
            }
            if ((r = cli_opt(cmd, argc, argv, &i, "--projections", &v)) != 0) {
                if (r < 0 || !cli_parse_long(cmd, "--projections", v, 1, LONG_MAX, &K))
                    return CLI_BAD_INPUT;
                continue;
            }
            if ((r = cli_opt(cmd, argc, argv, &i, "--seed", &v)) != 0) {
                if (r < 0 || !cli_parse_long(cmd, "--seed", v, 0, LONG_MAX, &seed))
                    return CLI_BAD_INPUT;
                continue;
            }
            if ((r = cli_opt(cmd, argc, argv, &i, "--p", &v)) != 0) {
                if (r < 0 || !cli_parse_double(cmd, "--p", v, &p)) return CLI_BAD_INPUT;
                continue;
            }
            if ((r = cli_opt(cmd, argc, argv, &i, "--metric", &v)) != 0) {
                if (r < 0) return CLI_BAD_INPUT;
                metric = v;
                continue;
            }
            if ((r = cli_opt(cmd, argc, argv, &i, "--threads", &v)) != 0) {
                if (r < 0 || !cli_parse_long(cmd, "--threads", v, 0, 4096, &threads))
                    return CLI_BAD_INPUT;
                continue;
            }
            if ((r = cli_flag(cmd, argv, i, "--max")) != 0) {
                if (r < 0) return CLI_BAD_INPUT;
                mx = 1;
                continue;
            }
            if ((r = cli_flag(cmd, argv, i, "--json")) != 0) {
                if (r < 0) return CLI_BAD_INPUT;
                json = 1;
                continue;
            }
            cli_error(cmd, "unknown option '%s' (see 'wass sliced --help')", a);
            return CLI_BAD_INPUT;
        }
        if (npos >= 2) {
            cli_error(cmd, "unexpected argument '%s' (two signature files expected)", a);
            return CLI_BAD_INPUT;
        }
        paths[npos++] = a;
    }
    if (npos != 2) {
        cli_error(cmd, "two signature files expected, got %d (see 'wass sliced --help')", npos);
        return CLI_BAD_INPUT;
    }
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
    int rc;
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
    if (json) {
        cli_json j;
        cli_json_begin(&j, stdout);
        cli_json_num(&j, "distance", dist);
        cli_json_num(&j, "p", p);
        cli_json_int(&j, "projections", K);
        cli_json_int(&j, "seed", seed);
        cli_json_bool(&j, "max", mx);
        cli_json_int(&j, "n", (long long)A.n);
        cli_json_int(&j, "m", (long long)B.n);
        cli_json_int(&j, "d", (long long)A.d);
        cli_json_end(&j);
    } else {
        printf("%.17g\n", dist);
    }
    rc = CLI_OK;
done:
    cli_signature_free(&A);
    cli_signature_free(&B);
    return rc;
}
