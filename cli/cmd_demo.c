/*
 * cmd_demo.c - `wass demo`: the worked examples of a lecture on the
 * Wasserstein distance, computed with the library and printed readably:
 * (1) a 5-bin transport problem with cost |i - j| solved as a linear program
 * (plan, cost, dual potentials); (2) the parallel-lines example, where W1
 * follows |theta| smoothly while TV, KL and JS jump as soon as theta != 0;
 * (3) one sand pile moved onto another in the plane.
 */
#include "cli.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const demo_usage =
    "usage: wass demo\n"
    "\n"
    "Print the worked examples of the Wasserstein distance, computed live:\n"
    "  1. two 5-bin histograms, cost |i - j|: the optimal plan (5 x 5), the cost\n"
    "     and the dual potentials of the linear program\n"
    "  2. parallel lines P_0 = (0, Z), P_theta = (theta, Z), Z uniform on [0, 1]\n"
    "     (200 samples, fixed seed): TV, KL, JS and W1 for several theta\n"
    "  3. two sand piles in the plane moved into each other: the plan and the cost\n"
    "\n"
    "  -h, --help  show this help\n";

/* Solve and check the certificate; prints the error and returns nonzero
 * (res then released) when the solve is not certified optimal. */
static int solve(const wass_problem *pb, wass_result *res) {
    wass_options opt;
    wass_error_info err;
    memset(&opt, 0, sizeof opt);
    wass_options_default(&opt);
    opt.threads = 1;
    int rc = wass_emd(pb, &opt, res, &err);
    if (rc != WASS_OK) {
        rc = cli_lib_error("demo", &err);
    } else if (res->status != WASS_OPTIMAL || !res->cert.checked || !res->cert.certified) {
        cli_error("demo", "the solve is not certified optimal (status '%s')",
                  wass_status_string(res->status));
        rc = CLI_FAILURE;
    }
    if (rc) wass_result_free(res);
    return rc;
}

/* Round values that differ from zero by rounding alone, so "-0.000" is not printed. */
static double tidy(double x) {
    return fabs(x) < 5e-12 ? 0.0 : x;
}

static void rule(void) {
    puts("------------------------------------------------------------------------------");
}

/* ---- 1. five bins on a line ------------------------------------------------------ */

static int demo_bins(void) {
    enum { N = 5 };
    const double a[N] = {0.2, 0.3, 0.2, 0.2, 0.1};
    const double b[N] = {0.1, 0.1, 0.2, 0.3, 0.3};
    double C[N * N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            C[i * N + j] = fabs((double)(i - j));
    rule();
    puts("1. Transport between two histograms on 5 bins, cost C_ij = |i - j|");
    rule();
    puts("The linear program: minimize sum_ij P_ij C_ij over plans P >= 0 whose");
    puts("row sums are a and column sums are b.\n");
    printf("  bin i      ");
    for (int i = 0; i < N; i++)
        printf("%7d", i);
    printf("\n  a (from)   ");
    for (int i = 0; i < N; i++)
        printf("%7.2f", a[i]);
    printf("\n  b (to)     ");
    for (int i = 0; i < N; i++)
        printf("%7.2f", b[i]);
    puts("\n");

    wass_problem pb = {.n = N, .m = N, .a = a, .b = b, .cost = wass_cost_dense(C, N, 1.0)};
    wass_result res;
    int rc = solve(&pb, &res);
    if (rc) return rc;
    double P[N * N] = {0};
    for (size_t k = 0; k < res.plan_len; k++)
        P[res.plan[k].i * N + res.plan[k].j] = res.plan[k].mass;
    puts("Optimal plan P (row i = from bin i, column j = to bin j; . = 0):\n");
    printf("         ");
    for (int j = 0; j < N; j++)
        printf("   to %d", j);
    printf("  | row sum\n");
    for (int i = 0; i < N; i++) {
        printf("  from %d ", i);
        for (int j = 0; j < N; j++) {
            double v = P[i * N + j];
            if (fabs(v) < 5e-13)
                printf("%7s", ".");
            else
                printf("%7.3f", v);
        }
        double rs = 0;
        for (int j = 0; j < N; j++)
            rs += P[i * N + j];
        printf("  | %.3f\n", rs);
    }
    printf("  col sum");
    for (int j = 0; j < N; j++) {
        double cs = 0;
        for (int i = 0; i < N; i++)
            cs += P[i * N + j];
        printf("%7.3f", cs);
    }
    /* the 1-D closed form: W1 = sum_k |F_a(k) - F_b(k)| for unit spacing */
    double Fa = 0, Fb = 0, closed = 0;
    for (int k = 0; k < N - 1; k++) {
        Fa += a[k];
        Fb += b[k];
        closed += fabs(Fa - Fb);
    }
    printf("\n\nOptimal cost  sum P_ij |i - j| = %.6f\n", res.cost);
    printf("Closed form on a line: sum_k |F_a(k) - F_b(k)| = %.6f (cumulative sums)\n\n", closed);
    puts("Dual potentials (u_i + v_j <= |i - j|, with equality where P_ij > 0):");
    printf("  u ");
    for (int i = 0; i < N; i++)
        printf("%8.3f", tidy(res.u[i]));
    printf("\n  v ");
    for (int j = 0; j < N; j++)
        printf("%8.3f", tidy(res.v[j]));
    double dual = 0;
    for (int i = 0; i < N; i++)
        dual += a[i] * res.u[i] + b[i] * res.v[i];
    printf("\n  dual objective sum a_i u_i + sum b_j v_j = %.6f (equals the cost)\n", dual);
    printf("  certificate: marginal error %.1e, min reduced cost %.1e, duality gap %.1e\n\n",
           res.cert.marginal_error, res.cert.min_reduced_cost, res.cert.duality_gap);
    wass_result_free(&res);
    return CLI_OK;
}

/* ---- 2. parallel lines ----------------------------------------------------------- */

static double unif(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

static void print_val(double v) {
    if (isinf(v))
        printf("%10s", "inf");
    else
        printf("%10.4f", v);
}

static int demo_lines(void) {
    enum { N = 200 };
    const double thetas[] = {-1, -0.5, -0.1, -0.01, 0, 0.01, 0.1, 0.5, 1};
    const size_t T = sizeof thetas / sizeof thetas[0];
    rule();
    puts("2. Parallel lines: P_0 = (0, Z) and P_theta = (theta, Z), Z ~ Uniform[0, 1]");
    rule();
    printf("Both are sampled with the same %d values of Z (fixed seed), each point of\n", N);
    puts("mass 1/200. TV, KL and JS compare the masses on the union of the two");
    puts("supports; W1 is the exact optimal transport cost with Euclidean ground cost.\n");
    double *z = malloc(N * sizeof *z);
    double *X = malloc(2 * N * sizeof *X), *Y = malloc(2 * N * sizeof *Y);
    double *hp = malloc(2 * N * sizeof *hp), *hq = malloc(2 * N * sizeof *hq);
    int rc = CLI_OK;
    if (!z || !X || !Y || !hp || !hq) {
        cli_error("demo", "out of memory");
        rc = CLI_FAILURE;
        goto done;
    }
    uint64_t seed = 20170126u;
    for (int i = 0; i < N; i++)
        z[i] = unif(&seed);
    printf("  %8s %10s %10s %10s %10s %10s\n", "theta", "W1", "|theta|", "TV", "KL", "JS");
    for (size_t t = 0; t < T; t++) {
        double th = thetas[t];
        for (int i = 0; i < N; i++) {
            X[2 * i] = 0.0;
            X[2 * i + 1] = z[i];
            Y[2 * i] = th;
            Y[2 * i + 1] = z[i];
        }
        /* union support: the points of P_0, then those of P_theta not among them */
        size_t u = 0;
        for (int i = 0; i < N; i++) {
            hp[u] = 1.0 / N;
            hq[u] = 0.0;
            u++;
        }
        for (int j = 0; j < N; j++) {
            int found = -1;
            for (int i = 0; i < N && found < 0; i++)
                if (X[2 * i] == Y[2 * j] && X[2 * i + 1] == Y[2 * j + 1]) found = i;
            if (found >= 0) {
                hq[found] += 1.0 / N;
            } else {
                hp[u] = 0.0;
                hq[u] = 1.0 / N;
                u++;
            }
        }
        double dv[3];
        wass_error_info err;
        for (int k = 0; k < 3; k++)
            if (wass_divergence(hp, hq, u, (wass_divergence_kind)k, 0u, &dv[k], NULL, &err)) {
                rc = cli_lib_error("demo", &err);
                goto done;
            }
        wass_cost cost = wass_cost_points(X, Y, 2, wass_ground_make(WASS_EUCLIDEAN, 1.0));
        wass_problem pb = {.n = N, .m = N, .cost = cost};
        wass_result res;
        rc = solve(&pb, &res);
        double w1 = res.cost;
        wass_result_free(&res);
        if (rc) goto done;
        printf("  %8.2f %10.4f %10.4f", th, w1, fabs(th));
        print_val(dv[0]);
        print_val(dv[1]);
        print_val(dv[2]);
        putchar('\n');
    }
    printf("\nAs soon as theta != 0 the supports are disjoint: TV jumps to 1, KL to inf\n");
    printf("and JS to log 2 = %.4f, whatever the size of theta. Only W1 = |theta| goes\n",
           log(2.0));
    puts("to 0 continuously, which makes it usable as a loss for learning theta.\n");
done:
    free(z);
    free(X);
    free(Y);
    free(hp);
    free(hq);
    return rc;
}

/* ---- 3. sand piles --------------------------------------------------------------- */

static int demo_sand(void) {
    /* pile A: 6 grains near (0, 0); pile B: 4 heaps near (4, 2), heavier */
    const double X[] = {0.0, 0.0, 0.5, 0.2, -0.3, 0.4, 0.2, -0.5, -0.4, -0.2, 0.1, 0.6};
    const double wa[] = {1, 1, 1, 1, 1, 1};
    const double Y[] = {4.0, 2.0, 4.5, 2.4, 3.6, 1.5, 4.2, 1.6};
    const double wb[] = {2, 1.5, 1.5, 1};
    const size_t n = 6, m = 4;
    rule();
    puts("3. Two sand piles in the plane: move pile A onto pile B");
    rule();
    puts("Pile A: 6 grains of mass 1 near (0, 0). Pile B: 4 heaps of masses 2, 1.5,");
    puts("1.5, 1 near (4, 2). Moving mass w over a distance d costs w * d.\n");
    wass_cost cost = wass_cost_points(X, Y, 2, wass_ground_make(WASS_EUCLIDEAN, 1.0));
    wass_problem pb = {.n = n, .m = m, .a = wa, .b = wb, .cost = cost};
    wass_result res;
    int rc = solve(&pb, &res);
    if (rc) return rc;
    puts("Optimal plan (every move of sand):");
    printf("  %-16s %-16s %8s %9s %9s\n", "from (A)", "to (B)", "mass", "distance", "work");
    for (size_t k = 0; k < res.plan_len; k++) {
        size_t i = res.plan[k].i, j = res.plan[k].j;
        double d = wass_cost_eval(&pb.cost, i, j);
        char from[32], to[32];
        snprintf(from, sizeof from, "(%.1f, %.1f)", X[2 * i], X[2 * i + 1]);
        snprintf(to, sizeof to, "(%.1f, %.1f)", Y[2 * j], Y[2 * j + 1]);
        printf("  %-16s %-16s %8.4f %9.4f %9.4f\n", from, to, res.plan[k].mass, d,
               res.plan[k].mass * d);
    }
    printf("\nTotal work %.6f for a total mass of %.6f\n", res.work, res.flow);
    printf("W1 = work / mass = %.6f (the average distance a unit of sand travels)\n",
           res.work / res.flow);
    wass_result_free(&res);
    return CLI_OK;
}

int cmd_demo(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(demo_usage, stdout);
            return CLI_OK;
        }
        cli_error("demo", "unexpected argument '%s' (see 'wass demo --help')", argv[i]);
        return CLI_BAD_INPUT;
    }
    int rc;
    if ((rc = demo_bins())) return rc;
    if ((rc = demo_lines())) return rc;
    return demo_sand();
}
