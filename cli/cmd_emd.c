/*
 * cmd_emd.c - `wass emd`: exact optimal transport between two signature
 * files (or a dense cost matrix and two weight vectors) with wass_emd, the
 * certificate checked on every solve, optional plan and dual files.
 */
#include "cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *const emd_usage =
    "usage: wass emd A B [options]\n"
    "       wass emd --cost C --a WA --b WB [options]\n"
    "\n"
    "Exact optimal transport (network simplex) with a certificate of optimality.\n"
    "\n"
    "inputs:\n" CLI_HELP_PROBLEM_INPUTS
    "  NumPy .npy (float64 or float32, 1-D or 2-D); - reads standard input.\n"
    "\n"
    "options:\n" CLI_HELP_METRIC
    "  --p P          cost = metric^P (default 1); distance = cost^(1/P) is W_P.\n"
    "                 With --cost: the power the given costs are already raised to\n"
    "  --mass MODE    balanced: the totals must agree (default; within 1e-9\n"
    "                 relative, 3.8e-6 when a weight file is float32 .npy); normalize: both\n"
    "                 scaled to total 1; partial: Rubner's EMD, moves\n"
    "                 min(total A, total B) and reports cost = work / flow\n"
    "  --plan FILE    write the optimal plan, one nonzero flow a row: i,j,mass\n"
    "                 (0-based row of A / C, 0-based row of B / column of C)\n"
    "  --duals FILE   write the dual potentials as one column of n + m values:\n"
    "                 u_0..u_{n-1} (for A) then v_0..v_{m-1} (for B), with\n"
    "                 u_i + v_j <= C_ij and equality where the plan moves mass\n"
    "                 Output files are written atomically (never partially);\n"
    "                 FILE ending in .npy gives a float64 .npy file\n"
    "  --json         print one JSON object instead of the bare cost\n"
    "  --threads T    number of threads (0 = all cores, the default)\n"
    "  --max-iter N   pivot limit (0 = none, the default)\n"
    "  -h, --help     show this help\n"
    "\n"
    "output:\n"
    "  the optimal cost, printed with 17 significant digits. With --json the\n"
    "  object has: cost, distance, status, certified, iterations, seconds,\n"
    "  certify_seconds, marginal_error, min_reduced_cost, duality_gap, n, m,\n"
    "  work, flow, p, metric, mass, plan_len (non-finite numbers as the strings\n"
    "  \"inf\", \"-inf\", \"nan\").\n"
    "\n"
    "Every solve is certified: marginal error <= 1e-9, most negative reduced\n"
    "cost >= -1e-9 and duality gap <= 1e-9, else wass emd reports it and exits\n"
    "with status 1 (also when the pivot limit is reached). Bad input exits 2.\n";

typedef struct {
    cli_problem_args pa;
    const char *mass_name, *plan_path, *duals_path;
    int json;
    long threads;
    long max_iter;
} emd_args;

static int parse_args(int argc, char **argv, emd_args *o) {
    const char *cmd = "emd";
    memset(o, 0, sizeof *o);
    cli_option problem[CLI_PROBLEM_OPTIONS];
    cli_problem_table(&o->pa, problem);
    const char *pos[2] = {NULL, NULL};
    const cli_option options[] = {CLI_OPT_STR("--mass", &o->mass_name),
                                  CLI_OPT_STR("--plan", &o->plan_path),
                                  CLI_OPT_STR("--duals", &o->duals_path),
                                  CLI_OPT_LONG("--threads", &o->threads, 0, 4096),
                                  CLI_OPT_LONG("--max-iter", &o->max_iter, 0, LONG_MAX),
                                  CLI_OPT_FLAG("--json", &o->json),
                                  CLI_OPT_END};
    int npos, rc = cli_parse_two_files(cmd, emd_usage, options, problem, "signature", 0, argc, argv,
                                       pos, &npos);
    if (rc) return rc;
    o->pa.a_path = pos[0];
    o->pa.b_path = pos[1];
    if (cli_check_problem_form(cmd, npos, &o->pa)) return CLI_BAD_INPUT;
    if (!(o->pa.p > 0)) {
        cli_error(cmd, "--p: %g must be positive", o->pa.p);
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}

static void print_json(const emd_args *o, const wass_result *res, const char *metric,
                       const char *mass) {
    cli_json j;
    cli_json_begin(&j, stdout);
    cli_json_num(&j, "cost", res->cost);
    cli_json_num(&j, "distance", res->distance);
    cli_json_str(&j, "status", wass_status_string(res->status));
    /* the library reports a solve optimal only when its certificate holds */
    int certified = res->status == WASS_OPTIMAL && res->cert.checked && res->cert.certified;
    cli_json_bool(&j, "certified", certified);
    cli_json_int(&j, "iterations", (long long)res->iterations);
    cli_json_num(&j, "seconds", res->seconds);
    cli_json_num(&j, "certify_seconds", res->certify_seconds);
    if (res->cert.checked) {
        cli_json_num(&j, "marginal_error", res->cert.marginal_error);
        cli_json_num(&j, "min_reduced_cost", res->cert.min_reduced_cost);
        cli_json_num(&j, "duality_gap", res->cert.duality_gap);
        cli_json_num(&j, "gap_bound", res->cert.gap_bound);
    } else {
        cli_json_null(&j, "marginal_error");
        cli_json_null(&j, "min_reduced_cost");
        cli_json_null(&j, "duality_gap");
        cli_json_null(&j, "gap_bound");
    }
    cli_json_sizes(&j, res->n, res->m, 0);
    cli_json_num(&j, "work", res->work);
    cli_json_num(&j, "flow", res->flow);
    cli_json_num(&j, "p", o->pa.p);
    cli_json_str(&j, "metric", metric);
    cli_json_str(&j, "mass", mass);
    cli_json_int(&j, "plan_len", (long long)res->plan_len);
    cli_json_end(&j);
}

/* The plan (i, j, mass rows) and the duals (u then v), when asked for. */
/* The plan (rows i, j, mass) and the duals (u then v): all output files or
 * none (written to temporaries, renamed only when every one succeeded). */
static int write_outputs(const char *cmd, const emd_args *o, const wass_result *res) {
    if (o->duals_path && (!res->u || !res->v)) {
        cli_error(cmd, "the solver returned no dual potentials");
        return CLI_FAILURE;
    }
    const char *paths[2];
    wass_matrix mats[2];
    size_t nout = 0;
    double *rows = NULL, *uv = NULL;
    if (o->plan_path) {
        rows = malloc((res->plan_len ? res->plan_len : 1) * 3 * sizeof *rows);
        for (size_t k = 0; rows && k < res->plan_len; k++) {
            rows[3 * k] = (double)res->plan[k].i;
            rows[3 * k + 1] = (double)res->plan[k].j;
            rows[3 * k + 2] = res->plan[k].mass;
        }
        paths[nout] = o->plan_path;
        mats[nout++] = (wass_matrix){.rows = res->plan_len, .cols = 3, .data = rows};
    }
    if (o->duals_path) {
        uv = malloc((res->n + res->m) * sizeof *uv);
        if (uv) {
            memcpy(uv, res->u, res->n * sizeof *uv);
            memcpy(uv + res->n, res->v, res->m * sizeof *uv);
        }
        paths[nout] = o->duals_path;
        mats[nout++] = (wass_matrix){.rows = res->n + res->m, .cols = 1, .data = uv};
    }
    int rc;
    if ((o->plan_path && !rows) || (o->duals_path && !uv)) {
        cli_error(cmd, "out of memory");
        rc = CLI_FAILURE;
    } else
        rc = nout ? cli_write_matrices(cmd, nout, paths, mats) : CLI_OK;
    free(rows);
    free(uv);
    return rc;
}

int cmd_emd(int argc, char **argv) {
    const char *cmd = "emd";
    emd_args o;
    int rc = parse_args(argc, argv, &o);
    if (rc < 0) return CLI_OK; /* --help */
    if (rc) return rc;

    wass_options opt;
    memset(&opt, 0, sizeof opt);
    wass_options_default(&opt);
    if (o.mass_name && wass_mass_parse(o.mass_name, &opt.mass) != WASS_OK) {
        cli_error(cmd, "--mass: unknown mode '%s' (balanced, normalize or partial)", o.mass_name);
        return CLI_BAD_INPUT;
    }
    const char *mass = wass_mass_name(opt.mass);
    wass_ground ground;
    const char *metric;
    if (cli_ground(cmd, &o.pa, &ground, &metric)) return CLI_BAD_INPUT;
    opt.threads = (int)o.threads;
    opt.max_iter = (int64_t)o.max_iter;
    opt.want_plan = 1; /* cheap (at most n + m - 1 entries); plan_len is reported */
    opt.want_duals = 1;
    opt.certify = 1;
    cli_progress_state prog = {cmd, 0, -1};
    cli_progress_attach(&prog, &opt.progress, &opt.progress_user);

    cli_problem in;
    memset(&in, 0, sizeof in);
    wass_result res;
    wass_error_info err;
    memset(&res, 0, sizeof res);

    if ((rc = cli_load_problem(cmd, &o.pa, &ground, &in))) goto done;
    opt.mass_tol = in.mass_tol; /* follows the precision of the weight files */

    rc = wass_emd(&in.pb, &opt, &res, &err);
    cli_progress_done(&prog);
    if (rc != WASS_OK) {
        rc = cli_solve_error(cmd, rc, &err, "--mass normalize or --mass partial");
        goto done;
    }
    if (res.status != WASS_OPTIMAL) {
        if (o.json) print_json(&o, &res, metric, mass);
        cli_error(cmd, "the solve ended with status '%s'%s%s", wass_status_string(res.status),
                  res.message[0] ? ": " : "", res.message);
        rc = CLI_FAILURE;
        goto done;
    }
    if (!res.cert.checked) {
        if (o.json) print_json(&o, &res, metric, mass);
        cli_error(cmd, "no optimality certificate was computed");
        rc = CLI_FAILURE;
        goto done;
    }
    if (!res.cert.certified) {
        if (o.json) print_json(&o, &res, metric, mass);
        cli_error(cmd,
                  "the certificate fails: error bound %.3g of the cost (relative, tolerance %g), "
                  "marginal error %.3g",
                  res.cert.duality_gap, res.cert.tol, res.cert.marginal_error);
        rc = CLI_FAILURE;
        goto done;
    }
    if ((rc = write_outputs(cmd, &o, &res))) goto done;
    if (o.json)
        print_json(&o, &res, metric, mass);
    else
        printf("%.17g\n", res.cost);
    rc = CLI_OK;
done:
    wass_result_free(&res);
    cli_problem_free(&in);
    return rc;
}
