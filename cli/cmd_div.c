/*
 * cmd_div.c - `wass div`: total variation, Kullback-Leibler or
 * Jensen-Shannon between two histograms on one support (wass_divergence).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char *const div_usage =
    "usage: wass div P Q --kind tv|kl|js [--bits] [--json]\n"
    "\n"
    "Elementary distance between two histograms on the same support (bin i of P\n"
    "and bin i of Q are the same point). Both are normalized to total 1.\n"
    "\n"
    "  P, Q         one nonnegative mass a row (text or .npy), the same length;\n"
    "               - reads standard input\n"
    "  --kind KIND  tv: total variation (1/2) sum |p - q|\n"
    "               kl: Kullback-Leibler sum p log(p / q) (inf when some q_i = 0\n"
    "                   where p_i > 0; the first such bin is reported on stderr)\n"
    "               js: Jensen-Shannon (KL(P||M) + KL(Q||M)) / 2, M = (P + Q) / 2\n"
    "  --bits       logarithms base 2 (default: natural logarithms)\n"
    "  --json       print {\"kind\": ..., \"value\": ..., \"bits\": ..., \"n\": ...,\n"
    "               \"infinite_at\": bin or null}; inf is written as \"inf\"\n"
    "  -h, --help   show this help\n"
    "\n"
    "output: the value, printed with 17 significant digits (inf for an infinite KL).\n";

int cmd_div(int argc, char **argv) {
    const char *cmd = "div";
    const char *paths[2] = {NULL, NULL}, *kind_name = NULL;
    int json = 0, bits = 0;
    const cli_option options[] = {CLI_OPT_STR("--kind", &kind_name), CLI_OPT_FLAG("--bits", &bits),
                                  CLI_OPT_FLAG("--json", &json), CLI_OPT_END};
    int npos, rc = cli_parse_two_files(cmd, div_usage, options, NULL, "histogram", 1, argc, argv,
                                       paths, &npos);
    if (rc) return rc == CLI_HELP ? CLI_OK : rc;
    if (!kind_name) {
        cli_error(cmd, "--kind is required (tv, kl or js)");
        return CLI_BAD_INPUT;
    }
    wass_divergence_kind kind;
    if (wass_divergence_parse(kind_name, &kind) != WASS_OK) {
        cli_error(cmd, "--kind: unknown divergence '%s' (tv, kl or js)", kind_name);
        return CLI_BAD_INPUT;
    }
    double *p = NULL, *q = NULL;
    size_t n = 0, m = 0;
    if ((rc = cli_load_vector(cmd, paths[0], &p, &n))) goto done;
    if ((rc = cli_load_vector(cmd, paths[1], &q, &m))) goto done;
    if (n != m) {
        cli_error(cmd, "the histograms differ in length: %s has %zu bins, %s has %zu", paths[0], n,
                  paths[1], m);
        rc = CLI_BAD_INPUT;
        goto done;
    }
    double value;
    size_t inf_at;
    wass_error_info err;
    if (wass_divergence(p, q, n, kind, bits ? WASS_DIV_BITS : 0u, &value, &inf_at, &err)) {
        rc = cli_lib_error(cmd, &err);
        goto done;
    }
    if (inf_at != (size_t)-1)
        fprintf(stderr,
                "wass div: KL is infinite: bin %zu (0-based; row %zu) has mass in %s but none "
                "in %s\n",
                inf_at, inf_at + 1, paths[0], paths[1]);
    if (json) {
        cli_json j;
        cli_json_begin(&j, stdout);
        cli_json_str(&j, "kind", wass_divergence_name(kind));
        cli_json_num(&j, "value", value);
        cli_json_bool(&j, "bits", bits);
        cli_json_int(&j, "n", (long long)n);
        if (inf_at != (size_t)-1)
            cli_json_int(&j, "infinite_at", (long long)inf_at);
        else
            cli_json_null(&j, "infinite_at");
        cli_json_end(&j);
    } else {
        printf("%.17g\n", value);
    }
    rc = CLI_OK;
done:
    free(p);
    free(q);
    return rc;
}
