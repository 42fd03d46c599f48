/*
 * common.c - helpers shared by the subcommands of `wass`: messages and exit
 * codes, option parsing (--opt VALUE and --opt=VALUE), loading signature,
 * vector and matrix files through wass_matrix_read, atomic output files,
 * flat JSON objects, and a progress line on a terminal.
 */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- messages ------------------------------------------------------------------ */

void cli_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "wass %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_exit_code(int wass_err) {
    switch (wass_err) {
    case WASS_OK:
        return CLI_OK;
    case WASS_ERR_NOMEM:
    case WASS_ERR_INTERNAL:
        return CLI_FAILURE;
    default:
        return CLI_BAD_INPUT;
    }
}

/* The library's file messages start with "line N: " or "line N, ". When the
 * line is printed as FILE:N, drop that prefix so it is not said twice. */
static const char *strip_line_prefix(const char *msg, long line) {
    char pre[32];
    int k = snprintf(pre, sizeof pre, "line %ld", line);
    if (k > 0 && strncmp(msg, pre, (size_t)k) == 0) {
        const char *r = msg + k;
        if (r[0] == ':' && r[1] == ' ') return r + 2;
        if (r[0] == ',' && r[1] == ' ') return r + 2;
    }
    return msg;
}

/* Messages that begin with the file's name ("PATH: " or "'PATH': ") lose it
 * here, where the name is printed in front anyway. */
static const char *strip_path_prefix(const char *msg, const char *path) {
    size_t l = strlen(path);
    if (strncmp(msg, path, l) == 0 && msg[l] == ':' && msg[l + 1] == ' ') return msg + l + 2;
    if (msg[0] == '\'' && strncmp(msg + 1, path, l) == 0 && msg[l + 1] == '\'' &&
        msg[l + 2] == ':' && msg[l + 3] == ' ')
        return msg + l + 4;
    return msg;
}

int cli_file_error(const char *cmd, const char *path, const wass_error_info *err) {
    const char *msg = err->message[0] ? err->message : wass_strerror(err->code);
    if (err->code != WASS_ERR_IO) msg = strip_path_prefix(msg, path);
    if (err->code == WASS_ERR_IO)
        cli_error(cmd, "%s", msg); /* the library names the file already */
    else if (err->line > 0)
        cli_error(cmd, "%s:%ld: %s", path, err->line, strip_line_prefix(msg, err->line));
    else
        cli_error(cmd, "%s: %s", path, msg);
    return cli_exit_code(err->code);
}

int cli_lib_error(const char *cmd, const wass_error_info *err) {
    cli_error(cmd, "%s", err->message[0] ? err->message : wass_strerror(err->code));
    return cli_exit_code(err->code);
}

int cli_solve_error(const char *cmd, int rc, const wass_error_info *err, const char *use) {
    int code = cli_lib_error(cmd, err);
    if (rc == WASS_ERR_MASS_MISMATCH)
        fprintf(stderr, "wass %s: (use %s for distributions of different total mass)\n", cmd, use);
    return code;
}

/* ---- options ------------------------------------------------------------------- */

int cli_is_help(const char *arg) {
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int cli_opt(const char *cmd, int argc, char **argv, int *i, const char *name, const char **value) {
    const char *a = argv[*i];
    size_t len = strlen(name);
    if (strncmp(a, name, len) != 0) return 0;
    if (a[len] == '=') {
        *value = a + len + 1;
        if (!**value) {
            cli_error(cmd, "option %s needs a value", name);
            return -1;
        }
        return 1;
    }
    if (a[len] != '\0') return 0;
    if (*i + 1 >= argc) {
        cli_error(cmd, "option %s needs a value", name);
        return -1;
    }
    *i += 1;
    *value = argv[*i];
    return 1;
}

int cli_flag(const char *cmd, char **argv, int i, const char *name) {
    const char *a = argv[i];
    size_t len = strlen(name);
    if (strncmp(a, name, len) != 0) return 0;
    if (a[len] == '\0') return 1;
    if (a[len] == '=') {
        cli_error(cmd, "option %s takes no value", name);
        return -1;
    }
    return 0;
}

/* Find argv[*i] in a table: 1 matched and stored, 0 not in it, -1 error. */
static int match_option(const char *cmd, const cli_option *t, int argc, char **argv, int *i) {
    for (; t && t->name; t++) {
        const char *v = NULL;
        int flag = t->kind == CLI_FLAG || t->kind == CLI_FN_FLAG;
        int r = flag ? cli_flag(cmd, argv, *i, t->name) : cli_opt(cmd, argc, argv, i, t->name, &v);
        if (r == 0) continue;
        if (r < 0) return -1;
        long x = 0;
        switch (t->kind) {
        case CLI_STR:
            *(const char **)t->target = v;
            break;
        case CLI_DOUBLE:
            if (!cli_parse_double(cmd, t->name, v, t->target)) return -1;
            break;
        case CLI_LONG:
            if (!cli_parse_long(cmd, t->name, v, t->lo, t->hi, t->target)) return -1;
            break;
        case CLI_SIZE:
            if (!cli_parse_long(cmd, t->name, v, t->lo, t->hi, &x)) return -1;
            *(size_t *)t->target = (size_t)x;
            break;
        case CLI_FLAG:
            *(int *)t->target = 1;
            break;
        case CLI_FN:
        case CLI_FN_FLAG:
            if (!t->fn(cmd, t->name, v, t->target)) return -1;
            break;
        }
        if (t->given) *t->given = 1;
        return 1;
    }
    return 0;
}

int cli_parse_args(const cli_command_line *cl, int argc, char **argv, int *npos) {
    const char *cmd = cl->cmd;
    int only_pos = 0;
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && cli_is_help(a)) {
            fputs(cl->usage, stdout);
            return CLI_HELP;
        }
        if (!only_pos && a[0] == '-' && a[1] != '\0' && (!cl->long_only || a[1] == '-')) {
            if (!cl->no_end_marker && strcmp(a, "--") == 0) {
                only_pos = 1;
                continue;
            }
            int r = match_option(cmd, cl->options, argc, argv, &i);
            if (r == 0) r = match_option(cmd, cl->shared, argc, argv, &i);
            if (r < 0) return CLI_BAD_INPUT;
            if (r > 0) continue;
            cli_error(cmd, "unknown %s '%s' (see 'wass %s --help')",
                      cl->unknown ? cl->unknown : "option", a, cmd);
            return CLI_BAD_INPUT;
        }
        if (*npos >= cl->max_pos) {
            cli_error(cmd, cl->extra, a);
            return CLI_BAD_INPUT;
        }
        cl->pos[(*npos)++] = a;
    }
    return CLI_OK;
}

int cli_parse_two_files(const char *cmd, const char *usage, const cli_option *options,
                        const cli_option *shared, const char *what, int need_two, int argc,
                        char **argv, const char **paths, int *npos) {
    char extra[96];
    snprintf(extra, sizeof extra, "unexpected argument '%%s' (two %s files expected)", what);
    const cli_command_line cl = {.cmd = cmd,
                                 .usage = usage,
                                 .options = options,
                                 .shared = shared,
                                 .pos = paths,
                                 .max_pos = 2,
                                 .extra = extra};
    int rc = cli_parse_args(&cl, argc, argv, npos);
    if (rc == CLI_OK && need_two && *npos != 2) {
        cli_error(cmd, "two %s files expected, got %d (see 'wass %s --help')", what, *npos, cmd);
        rc = CLI_BAD_INPUT;
    }
    return rc;
}

int cli_parse_double(const char *cmd, const char *opt, const char *text, double *out) {
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(v)) {
        cli_error(cmd, "%s: '%s' is not a finite number", opt, text);
        return 0;
    }
    *out = v;
    return 1;
}

int cli_parse_long(const char *cmd, const char *opt, const char *text, long lo, long hi,
                   long *out) {
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE) {
        cli_error(cmd, "%s: '%s' is not an integer", opt, text);
        return 0;
    }
    if (v < lo || v > hi) {
        cli_error(cmd, "%s: %ld is out of range [%ld, %ld]", opt, v, lo, hi);
        return 0;
    }
    *out = v;
    return 1;
}

/* ---- inputs -------------------------------------------------------------------- */

int cli_load_matrix(const char *cmd, const char *path, wass_matrix *out) {
    wass_error_info err;
    /* "-" is standard input (read whole: it cannot be rewound) */
    int rc = wass_matrix_read(strcmp(path, "-") == 0 ? "/dev/stdin" : path, out, &err);
    if (rc) return cli_file_error(cmd, path, &err);
    return CLI_OK;
}

int cli_load_signature(const char *cmd, const char *path, cli_signature *out) {
    memset(out, 0, sizeof *out);
    wass_matrix mat;
    int rc = cli_load_matrix(cmd, path, &mat);
    if (rc) return rc;
    if (mat.cols < 2) {
        cli_error(cmd,
                  "%s: a signature needs a weight column and at least one coordinate column, "
                  "found %zu column",
                  path, mat.cols);
        wass_matrix_free(&mat);
        return CLI_BAD_INPUT;
    }
    size_t n = mat.rows, d = mat.cols - 1;
    double *w = malloc(n * sizeof *w);
    double *X = malloc(n * d * sizeof *X);
    if (!w || !X) {
        free(w);
        free(X);
        wass_matrix_free(&mat);
        cli_error(cmd, "out of memory");
        return CLI_FAILURE;
    }
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        w[i] = mat.data[i * mat.cols];
        memcpy(X + i * d, mat.data + i * mat.cols + 1, d * sizeof *X);
        if (w[i] < 0) {
            cli_error(cmd, "%s: row %zu: weight %.17g is negative", path, i + 1, w[i]);
            free(w);
            free(X);
            wass_matrix_free(&mat);
            return CLI_BAD_INPUT;
        }
        total += w[i];
    }
    out->float32 = mat.float32;
    wass_matrix_free(&mat);
    if (!(total > 0)) {
        cli_error(cmd, "%s: the weights (first column) sum to zero", path);
        free(w);
        free(X);
        return CLI_BAD_INPUT;
    }
    out->n = n;
    out->d = d;
    out->w = w;
    out->X = X;
    return CLI_OK;
}

int cli_load_signature_pair(const char *cmd, const char *path_a, const char *path_b,
                            cli_signature *A, cli_signature *B) {
    memset(B, 0, sizeof *B);
    int rc = cli_load_signature(cmd, path_a, A);
    if (!rc) rc = cli_load_signature(cmd, path_b, B);
    if (!rc && A->d != B->d) {
        cli_error(cmd, "dimension mismatch: %s has %zu coordinates per point but %s has %zu",
                  path_a, A->d, path_b, B->d);
        rc = CLI_BAD_INPUT;
    }
    if (rc) {
        cli_signature_free(A);
        cli_signature_free(B);
    }
    return rc;
}

void cli_problem_table(cli_problem_args *pa, cli_option table[CLI_PROBLEM_OPTIONS]) {
    pa->q = 2.0;
    pa->p = 1.0;
    const cli_option rows[CLI_PROBLEM_OPTIONS] = {CLI_OPT_STR("--cost", &pa->cost_path),
                                                  CLI_OPT_STR("--a", &pa->wa_path),
                                                  CLI_OPT_STR("--b", &pa->wb_path),
                                                  CLI_OPT_STR("--metric", &pa->metric_name),
                                                  CLI_OPT_DOUBLE("--q", &pa->q, &pa->have_q),
                                                  CLI_OPT_DOUBLE("--p", &pa->p, &pa->have_p),
                                                  CLI_OPT_END};
    memcpy(table, rows, sizeof rows);
}

int cli_load_problem(const char *cmd, const cli_problem_args *pa, const wass_ground *ground,
                     cli_problem *out) {
    const char *cost_path = pa->cost_path, *wa_path = pa->wa_path, *wb_path = pa->wb_path;
    memset(out, 0, sizeof *out);
    int rc;
    if (cost_path) {
        size_t na = 0, nb = 0;
        int fa = 0, fb = 0;
        if ((rc = cli_load_matrix(cmd, cost_path, &out->C))) return rc;
        if ((rc = cli_load_vector_f32(cmd, wa_path, &out->wa, &na, &fa))) return rc;
        if ((rc = cli_load_vector_f32(cmd, wb_path, &out->wb, &nb, &fb))) return rc;
        out->mass_tol = fa || fb ? CLI_FLOAT32_MASS_TOL : 1e-9;
        if (na != out->C.rows || nb != out->C.cols) {
            cli_error(cmd, "the cost matrix is %zu x %zu but --a has %zu weights and --b has %zu",
                      out->C.rows, out->C.cols, na, nb);
            return CLI_BAD_INPUT;
        }
        out->pb.n = out->C.rows;
        out->pb.m = out->C.cols;
        out->pb.a = out->wa;
        out->pb.b = out->wb;
        out->pb.cost = wass_cost_dense(out->C.data, out->C.cols, pa->p);
        return CLI_OK;
    }
    if ((rc = cli_load_signature_pair(cmd, pa->a_path, pa->b_path, &out->A, &out->B))) return rc;
    out->mass_tol = out->A.float32 || out->B.float32 ? CLI_FLOAT32_MASS_TOL : 1e-9;
    out->pb.n = out->A.n;
    out->pb.m = out->B.n;
    out->pb.a = out->A.w;
    out->pb.b = out->B.w;
    out->pb.cost = wass_cost_points(out->A.X, out->B.X, out->A.d, *ground);
    return CLI_OK;
}

int cli_check_problem_form(const char *cmd, int npos, const cli_problem_args *pa) {
    const char *cost_path = pa->cost_path, *wa_path = pa->wa_path, *wb_path = pa->wb_path;
    int metric_given = pa->metric_name != NULL, q_given = pa->have_q;
    if (cost_path || wa_path || wb_path) {
        if (npos > 0) {
            cli_error(cmd, "give either two signature files or --cost with --a and --b, not both");
            return CLI_BAD_INPUT;
        }
        if (!cost_path || !wa_path || !wb_path) {
            cli_error(cmd, "--cost, --a and --b go together (missing %s)",
                      !cost_path ? "--cost"
                      : !wa_path ? "--a"
                                 : "--b");
            return CLI_BAD_INPUT;
        }
        if (metric_given || q_given) {
            cli_error(cmd, "%s applies to signature files, not to --cost",
                      metric_given ? "--metric" : "--q");
            return CLI_BAD_INPUT;
        }
    } else if (npos != 2) {
        cli_error(cmd, "two signature files expected, got %d (see 'wass %s --help')", npos, cmd);
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}

int cli_ground(const char *cmd, const cli_problem_args *pa, wass_ground *out, const char **label) {
    const char *metric_name = pa->metric_name;
    double p = pa->p;
    wass_metric mt = WASS_EUCLIDEAN;
    *out = wass_ground_make(WASS_EUCLIDEAN, p);
    if (label) *label = "dense";
    if (pa->cost_path) return CLI_OK;
    if (metric_name && wass_metric_parse(metric_name, &mt) != WASS_OK) {
        cli_error(cmd,
                  "--metric: unknown metric '%s' (euclidean, sqeuclidean, cityblock, chebyshev, "
                  "minkowski)",
                  metric_name);
        return CLI_BAD_INPUT;
    }
    if (pa->have_q && mt != WASS_MINKOWSKI) {
        cli_error(cmd, "--q applies to --metric minkowski only");
        return CLI_BAD_INPUT;
    }
    *out = wass_ground_make(mt, p);
    out->q = pa->q;
    if (label) *label = wass_metric_name(mt);
    return CLI_OK;
}

void cli_problem_free(cli_problem *in) {
    if (!in) return;
    cli_signature_free(&in->A);
    cli_signature_free(&in->B);
    wass_matrix_free(&in->C);
    free(in->wa);
    free(in->wb);
    memset(in, 0, sizeof *in);
}

void cli_signature_free(cli_signature *s) {
    if (!s) return;
    free(s->w);
    free(s->X);
    memset(s, 0, sizeof *s);
}

int cli_load_vector(const char *cmd, const char *path, double **out, size_t *n) {
    int f32;
    return cli_load_vector_f32(cmd, path, out, n, &f32);
}

void cli_balance_weights(cli_problem *in) {
    double *b = in->wb ? in->wb : in->B.w;
    const double *a = in->pb.a;
    if (!a || !b || !(in->mass_tol > 1e-9)) return;
    double A = 0, B = 0;
    for (size_t i = 0; i < in->pb.n; i++)
        A += a[i];
    for (size_t j = 0; j < in->pb.m; j++)
        B += b[j];
    if (!(A > 0 && B > 0) || fabs(A - B) > in->mass_tol * fmax(A, B)) return;
    for (size_t j = 0; j < in->pb.m; j++)
        b[j] *= A / B;
}

int cli_load_vector_f32(const char *cmd, const char *path, double **out, size_t *n, int *float32) {
    wass_matrix mat;
    *float32 = 0;
    *out = NULL;
    *n = 0;
    int rc = cli_load_matrix(cmd, path, &mat);
    if (rc) return rc;
    if (mat.cols != 1 && mat.rows != 1) {
        cli_error(cmd, "%s: expected a vector (one value a row), found a %zu x %zu table", path,
                  mat.rows, mat.cols);
        wass_matrix_free(&mat);
        return CLI_BAD_INPUT;
    }
    *n = mat.rows * mat.cols;
    *float32 = mat.float32;
    *out = mat.data; /* ownership moves to the caller */
    return CLI_OK;
}

int cli_write_matrix(const char *cmd, const char *path, size_t rows, size_t cols,
                     const double *data) {
    wass_matrix mat;
    wass_error_info err;
    mat.rows = rows;
    mat.cols = cols;
    mat.data = (double *)data; /* wass_matrix_write does not modify it */
    if (wass_matrix_write(path, &mat, &err)) {
        cli_error(cmd, "%s", err.message[0] ? err.message : wass_strerror(err.code));
        return CLI_FAILURE;
    }
    return CLI_OK;
}

int cli_write_pair(const char *cmd, const char *path, const double *x, size_t nx, const double *y,
                   size_t ny) {
    double *xy = malloc((nx + ny) * sizeof *xy);
    if (!xy) {
        cli_error(cmd, "out of memory");
        return CLI_FAILURE;
    }
    memcpy(xy, x, nx * sizeof *xy);
    memcpy(xy + nx, y, ny * sizeof *xy);
    int rc = cli_write_matrix(cmd, path, nx + ny, 1, xy);
    free(xy);
    return rc;
}

int cli_write_matrices(const char *cmd, size_t count, const char *const *paths,
                       const wass_matrix *mats) {
    wass_error_info err;
    if (wass_matrix_write_all(count, paths, mats, &err)) {
        cli_error(cmd, "%s", err.message[0] ? err.message : wass_strerror(err.code));
        return CLI_FAILURE;
    }
    return CLI_OK;
}

/* ---- JSON ---------------------------------------------------------------------- */

void cli_json_write_string(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        case '\b':
            fputs("\\b", f);
            break;
        case '\f':
            fputs("\\f", f);
            break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", (unsigned)*p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void json_key(cli_json *j, const char *key) {
    fputs(j->count++ ? ", " : "", j->f);
    cli_json_write_string(j->f, key);
    fputs(": ", j->f);
}

void cli_json_begin(cli_json *j, FILE *f) {
    j->f = f;
    j->count = 0;
    fputc('{', f);
}

void cli_json_num(cli_json *j, const char *key, double v) {
    json_key(j, key);
    if (isnan(v))
        fputs("\"nan\"", j->f);
    else if (isinf(v))
        fputs(v > 0 ? "\"inf\"" : "\"-inf\"", j->f);
    else
        fprintf(j->f, "%.17g", v);
}

void cli_json_int(cli_json *j, const char *key, long long v) {
    json_key(j, key);
    fprintf(j->f, "%lld", v);
}

int cli_output_number(cli_json *j, int json, const char *key, double v) {
    if (!json) {
        printf("%.17g\n", v);
        return 0;
    }
    cli_json_begin(j, stdout);
    cli_json_num(j, key, v);
    return 1;
}

void cli_json_sizes(cli_json *j, size_t n, size_t m, size_t d) {
    cli_json_int(j, "n", (long long)n);
    cli_json_int(j, "m", (long long)m);
    if (d > 0) cli_json_int(j, "d", (long long)d);
}

void cli_json_str(cli_json *j, const char *key, const char *v) {
    json_key(j, key);
    cli_json_write_string(j->f, v);
}

void cli_json_bool(cli_json *j, const char *key, int v) {
    json_key(j, key);
    fputs(v ? "true" : "false", j->f);
}

void cli_json_null(cli_json *j, const char *key) {
    json_key(j, key);
    fputs("null", j->f);
}

void cli_json_end(cli_json *j) {
    fputs("}\n", j->f);
}

/* ---- progress ------------------------------------------------------------------ */

int cli_progress_enabled(void) {
    return isatty(STDERR_FILENO);
}

void cli_progress(double fraction, const char *stage, void *user) {
    cli_progress_state *st = user;
    int pm = fraction >= 0 ? (int)(fraction * 1000) : -1;
    if (st->drawn && pm == st->last_permille) return;
    st->last_permille = pm;
    st->drawn = 1;
    if (pm >= 0)
        fprintf(stderr, "\r\033[Kwass %s: %s %5.1f%%", st->cmd, stage ? stage : "", pm / 10.0);
    else
        fprintf(stderr, "\r\033[Kwass %s: %s ...", st->cmd, stage ? stage : "");
    fflush(stderr);
}

void cli_progress_attach(cli_progress_state *st, wass_progress_fn *fn, void **user) {
    if (!cli_progress_enabled()) return;
    *fn = cli_progress;
    *user = st;
}

void cli_progress_done(cli_progress_state *st) {
    if (st && st->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        st->drawn = 0;
    }
}
