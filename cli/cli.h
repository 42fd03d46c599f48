/*
 * cli.h - the `wass` command-line tool: the subcommands and the helpers they
 * share (option parsing, loading signature and vector files, JSON output,
 * error messages and exit codes, progress on a terminal).
 *
 * To add a subcommand `foo`: write cli/cmd_foo.c defining
 * `int cmd_foo(int argc, char **argv)` (argv[0] is "foo"), declare it below,
 * and add ONE line to the table in cli/main.c. A command returns its exit
 * code: CLI_OK, CLI_BAD_INPUT or CLI_FAILURE.
 */
#ifndef WASS_CLI_H
#define WASS_CLI_H

#include "wass.h"

#include <stdio.h>

/* Exit codes. */
enum {
    CLI_OK = 0,       /* success */
    CLI_FAILURE = 1,  /* internal failure, or a solve that is not certified optimal */
    CLI_BAD_INPUT = 2 /* bad input file, bad option, usage error */
};

/* ---- subcommands (one file each) ---------------------------------------------- */
int cmd_emd(int argc, char **argv);
int cmd_line(int argc, char **argv);
int cmd_div(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_sinkhorn(int argc, char **argv);
int cmd_sliced(int argc, char **argv);
int cmd_embed(int argc, char **argv);
int cmd_bound(int argc, char **argv);
int cmd_wmd(int argc, char **argv);
int cmd_knn(int argc, char **argv);
int cmd_retrieve(int argc, char **argv);
int cmd_graphs(int argc, char **argv);

/* ---- messages ------------------------------------------------------------------ */

/* "wass CMD: message" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Report a library error about a file: "wass CMD: FILE:LINE: message" (LINE
 * only when known). Returns the exit code for the error. */
int cli_file_error(const char *cmd, const char *path, const wass_error_info *err);
/* Report a library error not tied to a file: "wass CMD: message". Returns the
 * exit code for the error. */
int cli_lib_error(const char *cmd, const wass_error_info *err);
/* Exit code for a library error code: CLI_FAILURE for out-of-memory,
 * internal errors and failed writes (WASS_ERR_IO while writing is mapped by
 * the caller), CLI_BAD_INPUT otherwise. */
int cli_exit_code(int wass_err);
/* Report a solve that failed with rc (cli_lib_error), and when the totals
 * of the weights did not match, "(use USE for distributions of different
 * total mass)". Returns the exit code. */
int cli_solve_error(const char *cmd, int rc, const wass_error_info *err, const char *use);

/* ---- options ------------------------------------------------------------------- */

/* True when arg is "--help" or "-h". */
int cli_is_help(const char *arg);

/* Match an option with a value at argv[*i]: "--name VALUE" or "--name=VALUE".
 * Returns 1 and sets *value (advancing *i past a separate value), 0 when
 * argv[*i] is not this option, -1 (after printing an error) when the value is
 * missing. */
int cli_opt(const char *cmd, int argc, char **argv, int *i, const char *name, const char **value);
/* Match a flag ("--name"); "--name=..." is an error (-1). */
int cli_flag(const char *cmd, char **argv, int i, const char *name);

/* ---- the command line, table-driven ------------------------------------------- */

/* What an option's value is and where it goes. */
typedef enum {
    CLI_STR,    /* const char * (the text itself) */
    CLI_DOUBLE, /* double, finite */
    CLI_LONG,   /* long in [lo, hi] */
    CLI_SIZE,   /* size_t in [lo, hi] */
    CLI_FLAG,   /* int set to 1; no value */
    CLI_FN,     /* fn(cmd, name, value, target) parses the value */
    CLI_FN_FLAG /* fn(cmd, name, NULL, target); no value */
} cli_kind;

/* Parse an option's value into target: 1 done, 0 bad (after printing the
 * error naming the option). */
typedef int (*cli_opt_fn)(const char *cmd, const char *name, const char *value, void *target);

/* One option: "--name VALUE" / "--name=VALUE" (or "--name" for the flags).
 * given (may be NULL) is set to 1 when the option appears. */
typedef struct {
    const char *name;
    cli_kind kind;
    void *target;
    int *given;
    long lo, hi;   /* CLI_LONG, CLI_SIZE: the accepted range */
    cli_opt_fn fn; /* CLI_FN, CLI_FN_FLAG */
} cli_option;

/* Table rows: a string, a number (given may be NULL), an integer in
 * [lo, hi], a size in [lo, hi], a flag, a value parsed by fn, a flag handled
 * by fn; the end of a table. */
#define CLI_OPT_STR(n, t)                                                                          \
    { .name = (n), .kind = CLI_STR, .target = (t) }
#define CLI_OPT_DOUBLE(n, t, g)                                                                    \
    { .name = (n), .kind = CLI_DOUBLE, .target = (t), .given = (g) }
#define CLI_OPT_LONG(n, t, l, h)                                                                   \
    { .name = (n), .kind = CLI_LONG, .target = (t), .lo = (l), .hi = (h) }
#define CLI_OPT_SIZE(n, t, l, h)                                                                   \
    { .name = (n), .kind = CLI_SIZE, .target = (t), .lo = (l), .hi = (h) }
#define CLI_OPT_FLAG(n, t)                                                                         \
    { .name = (n), .kind = CLI_FLAG, .target = (t) }
#define CLI_OPT_FN(n, f, t)                                                                        \
    { .name = (n), .kind = CLI_FN, .target = (t), .fn = (f) }
#define CLI_OPT_FN_FLAG(n, f, t)                                                                   \
    { .name = (n), .kind = CLI_FN_FLAG, .target = (t), .fn = (f) }
#define CLI_OPT_END                                                                                \
    { .name = NULL }

/* A command's command line: its options (tables that end with a NULL name),
 * where the positional arguments go, and how it reads them. */
typedef struct {
    const char *cmd;
    const char *usage;         /* printed on -h / --help */
    const cli_option *options; /* the command's table */
    const cli_option *shared;  /* a second table (options shared by commands), or NULL */
    const char **pos;          /* the positional arguments, at most max_pos */
    int max_pos;
    const char *extra;   /* the error for one positional too many ('%s': it) */
    const char *unknown; /* "option" (default) or "argument": in the error */
    int long_only;       /* only "--x" is an option ("-x" is positional) */
    int no_end_marker;   /* "--" does not end the options */
} cli_command_line;

/* The result of cli_parse_args after -h / --help printed the usage. */
#define CLI_HELP (-1)

/* Parse argv[1..argc-1] (argv[0] is the command) against the tables, in the
 * order given: each option parsed and stored as it appears; positional
 * arguments into cl->pos, their count in *npos. Returns CLI_OK,
 * CLI_BAD_INPUT (after printing the error) or CLI_HELP. */
int cli_parse_args(const cli_command_line *cl, int argc, char **argv, int *npos);

/* The command line of a command that reads two files (what: "signature",
 * "sample", "histogram"): options (and the shared table, may be NULL), and
 * at most two positional paths into
 * paths[0..1] (their count in *npos; a third is an error naming it). With
 * need_two, fewer than two is an error too. Returns as cli_parse_args. */
int cli_parse_two_files(const char *cmd, const char *usage, const cli_option *options,
                        const cli_option *shared, const char *what, int need_two, int argc,
                        char **argv, const char **paths, int *npos);

/* Parse numbers given to an option; print an error naming the option and
 * return 0 when the text is not a (finite) number / an integer in range. */
int cli_parse_double(const char *cmd, const char *opt, const char *text, double *out);
int cli_parse_long(const char *cmd, const char *opt, const char *text, long lo, long hi, long *out);

/* ---- inputs -------------------------------------------------------------------- */

/* A signature: n weighted points of dimension d (file rows: weight, then the
 * d coordinates). */
typedef struct {
    size_t n, d;
    double *w;   /* n */
    double *X;   /* n x d */
    int float32; /* read from a float32 .npy file */
} cli_signature;

/* Load a signature file (text or .npy). Checks: at least 2 columns, weights
 * nonnegative and not all zero. Prints the error and returns its exit code. */
int cli_load_signature(const char *cmd, const char *path, cli_signature *out);
void cli_signature_free(cli_signature *s);

/* Load two signature files that must have the same dimension (the error
 * names both files). Prints the error and returns its exit code; on failure
 * both are freed. */
int cli_load_signature_pair(const char *cmd, const char *path_a, const char *path_b,
                            cli_signature *A, cli_signature *B);

/* The inputs of a transport problem, given either as a dense cost matrix with
 * two weight vectors (--cost C --a WA --b WB) or as two signatures with a
 * ground metric. pb points into the rest; free everything with
 * cli_problem_free (also after a failed load). */
typedef struct {
    cli_signature A, B; /* signature form */
    wass_matrix C;      /* dense form */
    double *wa, *wb;
    wass_problem pb;
    double mass_tol; /* balanced tolerance that follows the weights' precision: 1e-9,
                        or 32 float32 ulps (3.8e-6) when a weight file is float32 */
} cli_problem;

/* 32 ulps of float32: totals of float32 weights normalized to 1 agree to this. */
#define CLI_FLOAT32_MASS_TOL (32 * 1.1920928955078125e-07)

/* Balanced solvers with the library's fixed 1e-9 test (Sinkhorn): when the
 * totals of float32 weights agree within in->mass_tol, rescale b to a's
 * total (in double). */
void cli_balance_weights(cli_problem *in);

/* A transport problem as a command line gives it: two signature files
 * (a_path, b_path: the positional arguments) or --cost C --a WA --b WB, and
 * the ground: --metric NAME, --q Q (have_q when given), --p P (cost =
 * metric^P; with --cost the power the costs are already raised to). */
typedef struct {
    const char *a_path, *b_path, *cost_path, *wa_path, *wb_path, *metric_name;
    double q, p;
    int have_q, have_p;
} cli_problem_args;

/* The options of a problem (--cost, --a, --b, --metric, --q, --p) as a
 * table into t (CLI_PROBLEM_OPTIONS rows, the end included), for a
 * command's second table; pa gets the defaults q = 2, p = 1. */
#define CLI_PROBLEM_OPTIONS 7
void cli_problem_table(cli_problem_args *pa, cli_option table[CLI_PROBLEM_OPTIONS]);

/* pa->cost_path != NULL: the dense form (wa_path and wb_path required, the
 * cost raised to the power p); else the signatures a_path and b_path with
 * ground. Prints the error and returns its exit code. */
int cli_load_problem(const char *cmd, const cli_problem_args *pa, const wass_ground *ground,
                     cli_problem *out);
void cli_problem_free(cli_problem *in);
/* Help text for commands that read a transport problem: its two forms (the
 * next line says what a file may be), and the ground metric options. */
#define CLI_HELP_PROBLEM_INPUTS                                                                    \
    "  A, B           signature files, one point a row: the weight, then the\n"                    \
    "                 coordinates; both with the same number of coordinates\n"                     \
    "  --cost C       an n x m cost matrix (instead of A and B)\n"                                 \
    "  --a WA         the n weights of the rows of C (one value a row)\n"                          \
    "  --b WB         the m weights of the columns of C\n"                                         \
    "  Files are text (comma, tab or space separated; '#' starts a comment) or\n"
#define CLI_HELP_METRIC                                                                            \
    "  --metric NAME  ground metric between points: euclidean (default),\n"                        \
    "                 sqeuclidean, cityblock, chebyshev, minkowski\n"                              \
    "  --q Q          exponent of the Minkowski metric (>= 1, default 2)\n"

/* Check that the arguments give exactly one form of a problem: npos
 * positional signature files (2 expected) or all of --cost, --a, --b (and
 * then no --metric / --q). Prints the error; returns CLI_OK or CLI_BAD_INPUT. */
int cli_check_problem_form(const char *cmd, int npos, const cli_problem_args *pa);

/* The ground of a problem from --metric NAME (default euclidean), --q Q
 * (Minkowski only) and --p P; *label (may be NULL) receives the metric's
 * name, or "dense" with --cost (the ground then only carries p). Prints the
 * error; returns CLI_OK or CLI_BAD_INPUT. */
int cli_ground(const char *cmd, const cli_problem_args *pa, wass_ground *out, const char **label);

/* Load a vector: one value a row (n x 1), a single row (1 x n) or a 1-D .npy.
 * Prints the error and returns its exit code. *out is malloc'ed. */
int cli_load_vector(const char *cmd, const char *path, double **out, size_t *n);
/* The same, and *float32 = 1 when the file is a float32 .npy. */
int cli_load_vector_f32(const char *cmd, const char *path, double **out, size_t *n, int *float32);

/* Load a matrix ("-" reads standard input); prints the error and returns its
 * exit code. The loaders below go through it. */
int cli_load_matrix(const char *cmd, const char *path, wass_matrix *out);

/* Write a matrix atomically (wass_matrix_write); prints the error and
 * returns CLI_FAILURE when it fails. */
int cli_write_matrix(const char *cmd, const char *path, size_t rows, size_t cols,
                     const double *data);
/* Several output files, all or none (wass_matrix_write_all). */
int cli_write_matrices(const char *cmd, size_t count, const char *const *paths,
                       const wass_matrix *mats);

/* Write two vectors as one column, x (nx values) then y (ny), atomically
 * (dual potentials u then v, Sinkhorn potentials f then g); prints the
 * error and returns CLI_FAILURE when it fails. */
int cli_write_pair(const char *cmd, const char *path, const double *x, size_t nx, const double *y,
                   size_t ny);

/* ---- JSON output --------------------------------------------------------------- */

/* One flat JSON object written to a stream. Numbers are printed with %.17g;
 * non-finite numbers are written as the strings "inf", "-inf" and "nan"
 * (JSON has no such numbers). */
typedef struct {
    FILE *f;
    int count;
} cli_json;

void cli_json_begin(cli_json *j, FILE *f);
void cli_json_num(cli_json *j, const char *key, double v);
void cli_json_int(cli_json *j, const char *key, long long v);
void cli_json_str(cli_json *j, const char *key, const char *v);
void cli_json_bool(cli_json *j, const char *key, int v);
void cli_json_null(cli_json *j, const char *key);
/* The output of a command whose answer is one number v: with json, j is
 * begun on stdout with {key: v} and 1 returned (the caller adds its fields
 * and ends it); else v alone with 17 significant digits, and 0. */
int cli_output_number(cli_json *j, int json, const char *key, double v);
/* The sizes of a problem: "n", "m" and, when d > 0, "d". */
void cli_json_sizes(cli_json *j, size_t n, size_t m, size_t d);
void cli_json_end(cli_json *j);
/* Write s as a JSON string literal (quotes and escapes included). */
void cli_json_write_string(FILE *f, const char *s);

/* ---- progress ------------------------------------------------------------------ */

/* A wass_progress_fn that draws "wass CMD: stage 42%" on stderr; user must
 * point to a cli_progress_state. Install it only when cli_progress_enabled()
 * (stderr is a terminal); cli_progress_done clears the line. */
typedef struct {
    const char *cmd;
    int drawn;
    int last_permille;
} cli_progress_state;

void cli_progress(double fraction, const char *stage, void *user);
int cli_progress_enabled(void);
void cli_progress_done(cli_progress_state *st);
/* Install cli_progress reporting to st in *fn and *user when
 * cli_progress_enabled(); else leave them as they are. */
void cli_progress_attach(cli_progress_state *st, wass_progress_fn *fn, void **user);

#endif
