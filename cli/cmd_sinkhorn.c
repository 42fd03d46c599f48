/*
 * cmd_sinkhorn.c - `wass sinkhorn`: entropic optimal transport (log-domain
 * Sinkhorn with epsilon scaling) between two signature files or a dense cost
 * with two weight vectors; unbalanced (KL-relaxed) marginals; the debiased
 * Sinkhorn divergence between two signatures.
 */
#include "cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *const sinkhorn_usage =
    "usage: wass sinkhorn A B --reg R [options]\n"
    "       wass sinkhorn --cost C --a WA --b WB --reg R [options]\n"
    "\n"
    "Entropic optimal transport: min <P, C> + R KL(P | a x b) over plans P with\n"
    "marginals a and b (Sinkhorn iterations with epsilon scaling, log-domain or\n"
    "on a precomputed kernel).\n"
    "\n"
    "inputs:\n" CLI_HELP_PROBLEM_INPUTS "  NumPy .npy (float64 or float32, 1-D or 2-D).\n"
    "\n"
    "options:\n"
    "  --reg R        entropic regularization epsilon > 0, in cost units (required)\n"
    "  --tol T        stop when the L1 error of the marginals < T (default 1e-9)\n"
    "  --max-iter N   iteration limit (default 100000); reaching it exits 1\n"
    "  --unbalanced TAU  relax the marginals: + TAU (KL(P1 | a) + KL(P'1 | b))\n"
    "                 instead of the constraints (TAU > 0; masses may differ)\n"
    "  --divergence   debiased Sinkhorn divergence S = OT(A,B) - (OT(A,A) +\n"
    "                 OT(B,B))/2 of the entropic objectives (signatures only;\n"
    "                 weights normalized to total 1)\n" CLI_HELP_METRIC
    "  --p P          cost = metric^P (default 1)\n"
    "  --mass MODE    balanced: the totals must agree (default); normalize: both\n"
    "                 scaled to total 1\n"
    "  --no-scaling   no epsilon annealing (start directly at R)\n"
    "  --kernel-memory MB  memory for a precomputed kernel exp(-C/R) (default\n"
    "                 1024 MiB): when it fits, iterations read it instead of\n"
    "                 recomputing costs and exponentials; 0 = never (memory\n"
    "                 O(n + m)); same answer either way\n"
    "  --plan FILE    write the dense n x m entropic plan\n"
    "  --potentials FILE  write the potentials f (n values) then g (m values) as\n"
    "                 one column: P_ij = a_i b_j exp((f_i + g_j - C_ij) / R)\n"
    "                 Output files are written atomically; FILE ending in .npy\n"
    "                 gives a float64 .npy file\n"
    "  --json         print one JSON object instead of the bare number\n"
    "  --threads T    number of threads (0 = all cores, the default)\n"
    "  -h, --help     show this help\n"
    "\n"
    "output:\n"
    "  the transport cost sum P_ij C_ij of the entropic plan (with --divergence:\n"
    "  S), 17 significant digits. With --json the object has: cost, objective\n"
    "  (the entropic value above), marginal_error, iterations, seconds, status,\n"
    "  reg, tau, n, m, metric, p (and divergence, ot_ab, ot_aa, ot_bb, cost_aa,\n"
    "  cost_bb with --divergence).\n"
    "\n"
    "Exit status: 0 converged, 1 stopped at the iteration limit or failed, 2 bad\n"
    "input.\n";

typedef struct {
    cli_problem_args pa;
    const char *mass_name, *plan_path, *pot_path;
    double reg, tol, tau, kernel_mb;
    int json, have_reg, have_tau, divergence, no_scaling, have_kernel_mb;
    long threads, max_iter;
} sk_args;

static int parse_args(int argc, char **argv, sk_args *o) {
    const char *cmd = "sinkhorn";
    memset(o, 0, sizeof *o);
    wass_sinkhorn_options def;
    wass_sinkhorn_options_default(&def);
    cli_option problem[CLI_PROBLEM_OPTIONS];
    cli_problem_table(&o->pa, problem);
    o->tol = def.tol;
    o->max_iter = (long)def.max_iter;
    const char *pos[2] = {NULL, NULL};
    const cli_option options[] = {
        CLI_OPT_STR("--mass", &o->mass_name),
        CLI_OPT_STR("--plan", &o->plan_path),
        CLI_OPT_STR("--potentials", &o->pot_path),
        CLI_OPT_DOUBLE("--reg", &o->reg, &o->have_reg),
        CLI_OPT_DOUBLE("--tol", &o->tol, NULL),
        CLI_OPT_DOUBLE("--unbalanced", &o->tau, &o->have_tau),
        CLI_OPT_DOUBLE("--kernel-memory", &o->kernel_mb, &o->have_kernel_mb),
        CLI_OPT_FLAG("--json", &o->json),
        CLI_OPT_FLAG("--divergence", &o->divergence),
        CLI_OPT_FLAG("--no-scaling", &o->no_scaling),
        CLI_OPT_LONG("--threads", &o->threads, 0, 4096),
        CLI_OPT_LONG("--max-iter", &o->max_iter, 1, LONG_MAX),
        CLI_OPT_END};
    int npos, rc = cli_parse_two_files(cmd, sinkhorn_usage, options, problem, "signature", 0, argc,
                                       argv, pos, &npos);
    if (rc) return rc;
    o->pa.a_path = pos[0];
    o->pa.b_path = pos[1];
    if (cli_check_problem_form(cmd, npos, &o->pa)) return CLI_BAD_INPUT;
    if (o->pa.cost_path && o->divergence) {
        cli_error(cmd, "--divergence needs two signature files, not --cost");
        return CLI_BAD_INPUT;
    }
    if (!o->have_reg) {
        cli_error(cmd, "--reg R (the entropic regularization, > 0) is required");
        return CLI_BAD_INPUT;
    }
    if (!(o->reg > 0)) {
        cli_error(cmd, "--reg: %g must be positive", o->reg);
        return CLI_BAD_INPUT;
    }
    if (!(o->tol > 0)) {
        cli_error(cmd, "--tol: %g must be positive", o->tol);
        return CLI_BAD_INPUT;
    }
    if (o->have_tau && !(o->tau > 0)) {
        cli_error(cmd, "--unbalanced: %g must be positive", o->tau);
        return CLI_BAD_INPUT;
    }
    if (!(o->pa.p > 0)) {
        cli_error(cmd, "--p: %g must be positive", o->pa.p);
        return CLI_BAD_INPUT;
    }
    if (o->have_kernel_mb && !(o->kernel_mb >= 0)) {
        cli_error(cmd, "--kernel-memory: %g must be >= 0 (MiB; 0 = log-domain passes only)",
                  o->kernel_mb);
        return CLI_BAD_INPUT;
    }
    if (o->divergence && (o->plan_path || o->pot_path)) {
        cli_error(cmd, "--plan and --potentials do not apply to --divergence");
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}

static void normalize(double *w, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += w[i];
    if (s > 0)
        for (size_t i = 0; i < n; i++)
            w[i] /= s;
}

static void print_json(const sk_args *o, const wass_sinkhorn_options *opt, const wass_problem *pb,
                       const wass_sinkhorn_result *res, const wass_sinkhorn_divergence_result *dres,
                       wass_status status, const char *metric) {
    cli_json j;
    cli_json_begin(&j, stdout);
    if (o->divergence) {
        cli_json_num(&j, "divergence", dres->divergence);
        cli_json_num(&j, "cost", dres->cost_ab);
        cli_json_num(&j, "objective", dres->ot_ab);
        cli_json_num(&j, "ot_ab", dres->ot_ab);
        cli_json_num(&j, "ot_aa", dres->ot_aa);
        cli_json_num(&j, "ot_bb", dres->ot_bb);
        cli_json_num(&j, "cost_aa", dres->cost_aa);
        cli_json_num(&j, "cost_bb", dres->cost_bb);
        cli_json_num(&j, "marginal_error", dres->marginal_error);
        cli_json_int(&j, "iterations", (long long)dres->iterations);
        cli_json_num(&j, "seconds", dres->seconds);
    } else {
        cli_json_num(&j, "cost", res->cost);
        cli_json_num(&j, "objective", res->objective);
        cli_json_num(&j, "marginal_error", res->marginal_error);
        cli_json_int(&j, "iterations", (long long)res->iterations);
        cli_json_num(&j, "seconds", res->seconds);
    }
    cli_json_str(&j, "status", wass_status_string(status));
    cli_json_num(&j, "reg", o->reg);
    cli_json_num(&j, "tau", opt->tau);
    cli_json_sizes(&j, pb->n, pb->m, 0);
    cli_json_str(&j, "metric", metric);
    cli_json_num(&j, "p", o->pa.p);
    cli_json_end(&j);
}

int cmd_sinkhorn(int argc, char **argv) {
    const char *cmd = "sinkhorn";
    sk_args o;
    int rc = parse_args(argc, argv, &o);
    if (rc < 0) return CLI_OK; /* --help */
    if (rc) return rc;

    wass_mass_mode mass = WASS_MASS_BALANCED;
    if (o.mass_name &&
        (wass_mass_parse(o.mass_name, &mass) != WASS_OK || mass == WASS_MASS_PARTIAL)) {
        cli_error(cmd, "--mass: unknown mode '%s' (balanced or normalize)", o.mass_name);
        return CLI_BAD_INPUT;
    }
    int norm = mass == WASS_MASS_NORMALIZE;
    wass_ground ground;
    const char *metric;
    if (cli_ground(cmd, &o.pa, &ground, &metric)) return CLI_BAD_INPUT;

    wass_sinkhorn_options opt;
    wass_sinkhorn_options_default(&opt);
    opt.reg = o.reg;
    opt.tol = o.tol;
    opt.max_iter = (int64_t)o.max_iter;
    opt.tau = o.have_tau ? o.tau : 0.0;
    opt.eps_scaling = !o.no_scaling;
    opt.threads = (int)o.threads;
    if (o.have_kernel_mb) opt.kernel_memory = o.kernel_mb * 1048576.0;
    opt.want_plan = o.plan_path != NULL;
    cli_progress_state prog = {cmd, 0, -1};
    cli_progress_attach(&prog, &opt.progress, &opt.progress_user);

    cli_problem in;
    memset(&in, 0, sizeof in);
    wass_sinkhorn_result res;
    wass_sinkhorn_divergence_result dres;
    wass_error_info err;
    memset(&res, 0, sizeof res);
    memset(&dres, 0, sizeof dres);

    if ((rc = cli_load_problem(cmd, &o.pa, &ground, &in))) goto done;
    if (norm) {
        normalize((double *)in.pb.a, in.pb.n);
        normalize((double *)in.pb.b, in.pb.m);
    } else if (!o.have_tau) {
        cli_balance_weights(&in); /* float32 weight files: within 32 ulps is balanced */
    }

    int status;
    if (o.divergence) {
        wass_cloud P = {in.A.n, in.A.d, in.A.X, in.A.w}, Q = {in.B.n, in.B.d, in.B.X, in.B.w};
        rc = wass_sinkhorn_divergence_ex(&P, &Q, &ground, &opt, &dres, &err);
        status = dres.status;
    } else {
        rc = wass_sinkhorn(&in.pb, &opt, &res, &err);
        status = res.status;
    }
    cli_progress_done(&prog);
    if (rc != WASS_OK) {
        rc = cli_solve_error(cmd, rc, &err, "--mass normalize, or --unbalanced TAU");
        goto done;
    }
    if (status == WASS_CONVERGED && !o.divergence) {
        /* all output files or none */
        const char *paths[2];
        wass_matrix mats[2];
        size_t nout = 0;
        double *fg = NULL;
        if (o.plan_path) {
            paths[nout] = o.plan_path;
            mats[nout++] = (wass_matrix){.rows = res.n, .cols = res.m, .data = res.plan};
        }
        if (o.pot_path) {
            fg = malloc((res.n + res.m) * sizeof *fg);
            if (!fg) {
                cli_error(cmd, "out of memory");
                rc = CLI_FAILURE;
                goto done;
            }
            memcpy(fg, res.f, res.n * sizeof *fg);
            memcpy(fg + res.n, res.g, res.m * sizeof *fg);
            paths[nout] = o.pot_path;
            mats[nout++] = (wass_matrix){.rows = res.n + res.m, .cols = 1, .data = fg};
        }
        rc = nout ? cli_write_matrices(cmd, nout, paths, mats) : CLI_OK;
        free(fg);
        if (rc) goto done;
    }
    if (o.json) print_json(&o, &opt, &in.pb, &res, &dres, status, metric);
    if (status != WASS_CONVERGED) {
        const char *msg = o.divergence ? dres.message : res.message;
        cli_error(cmd, "the solve ended with status '%s'%s%s", wass_status_string(status),
                  msg[0] ? ": " : "", msg);
        rc = CLI_FAILURE;
        goto done;
    }
    if (!o.json) printf("%.17g\n", o.divergence ? dres.divergence : res.cost);
    rc = CLI_OK;
done:
    wass_sinkhorn_result_free(&res);
    cli_problem_free(&in);
    return rc;
}
