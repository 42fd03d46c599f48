// lemon_grid.cpp - W1 between two histograms on one pixel grid as a min-cost
// flow on the grid graph (4 neighbours for cityblock, 8 for chebyshev, unit
// costs, uncapacitated, both directions), solved by LEMON: the anchor for
// wass_grid_emd on the same graph. Prints one JSON line.
//
//   g++ -O2 -std=c++11 bench/lemon_grid.cpp -llemon -o build/lemon_grid
//   build/lemon_grid PREFIX ROWS COLS METRIC ALGO
//     PREFIX.{a,b}.f64: raw float64 histograms (ROWS * COLS, row-major, each
//     normalized to 1); METRIC: cityblock | chebyshev; ALGO:
//       ns      network simplex, double supplies (as POT runs it)
//       ns_int  network simplex, supplies rounded to integers (units of 2^-40)
//       cs      cost scaling (push-relabel), integer supplies as ns_int
//       cs_int  the same as cs (alias)
//   With integer supplies the cost is that of the rounded supplies (off by
//   about 1e-12 relative, far below the 1e-9 compared).
//
// Times: "build_seconds" (the graph), "solve_seconds" (the algorithm, wall
// clock) and "solve_cpu_seconds" (its CPU time).
#include <lemon/cost_scaling.h>
#include <lemon/network_simplex.h>
#include <lemon/static_graph.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

static std::vector<double> load(const char *prefix, const char *ext, size_t count) {
    std::vector<double> v(count);
    char path[4096];
    std::snprintf(path, sizeof path, "%s.%s.f64", prefix, ext);
    FILE *fp = std::fopen(path, "rb");
    if (!fp || std::fread(v.data(), sizeof(double), count, fp) != count) {
        std::fprintf(stderr, "cannot read %s\n", path);
        std::exit(2);
    }
    std::fclose(fp);
    return v;
}

typedef lemon::StaticDigraph G;

template <class Solver, class V>
static double solve(Solver &s, const G &g, const G::ArcMap<long long> &cost,
                    const G::NodeMap<V> &supply, int *status) {
    s.costMap(cost).supplyMap(supply);
    int r = s.run();
    *status = r;
    return r == s.OPTIMAL ? s.template totalCost<double>() : NAN;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        std::fprintf(stderr, "usage: %s PREFIX ROWS COLS cityblock|chebyshev ns|ns_int|cs\n",
                     argv[0]);
        return 2;
    }
    const char *prefix = argv[1];
    long rows = std::strtol(argv[2], nullptr, 10), cols = std::strtol(argv[3], nullptr, 10);
    bool cheb = std::strcmp(argv[4], "chebyshev") == 0;
    if (!cheb && std::strcmp(argv[4], "cityblock") != 0) return 2;
    std::string algo = argv[5];
    size_t N = (size_t)(rows * cols);
    std::vector<double> a = load(prefix, "a", N), b = load(prefix, "b", N);

    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::pair<int, int>> arcs;
    const int dr[4] = {0, 1, 1, 1}, dc[4] = {1, 0, 1, -1};
    for (long r = 0; r < rows; r++)
        for (long c = 0; c < cols; c++)
            for (int k = 0; k < (cheb ? 4 : 2); k++) {
                long r2 = r + dr[k], c2 = c + dc[k];
                if (r2 >= rows || c2 < 0 || c2 >= cols) continue;
                arcs.push_back(std::make_pair((int)(r * cols + c), (int)(r2 * cols + c2)));
                arcs.push_back(std::make_pair((int)(r2 * cols + c2), (int)(r * cols + c)));
            }
    std::sort(arcs.begin(), arcs.end()); // StaticDigraph wants arcs by source
    G g;
    g.build((int)N, arcs.begin(), arcs.end());
    G::ArcMap<long long> cost(g, 1);
    auto t1 = std::chrono::steady_clock::now();
    std::clock_t c1 = std::clock();
    int status = -1;
    double total;
    if (algo == "ns") {
        // double supplies: every source ships all, a sink takes at most its
        // demand (GEQ), sources shrunk by 1e-13 relative so that it is feasible
        G::NodeMap<double> supply(g);
        for (size_t u = 0; u < N; u++) {
            double s = a[u] - b[u];
            supply[g.node((int)u)] = s > 0 ? s * (1.0 - 1e-13) : s;
        }
        lemon::NetworkSimplex<G, double, long long> ns(g);
        ns.supplyType(ns.GEQ);
        total = solve(ns, g, cost, supply, &status);
    } else {
        const double unit = std::ldexp(1.0, 40);
        G::NodeMap<long long> supply(g);
        long long sum = 0;
        for (size_t u = 0; u < N; u++) {
            long long s = (long long)std::llround(a[u] * unit) - std::llround(b[u] * unit);
            supply[g.node((int)u)] = s;
            sum += s;
        }
        supply[g.node(0)] -= sum; // balance exactly
        if (algo == "ns_int") {
            lemon::NetworkSimplex<G, long long, long long> ns(g);
            total = solve(ns, g, cost, supply, &status) / unit;
        } else if (algo == "cs" || algo == "cs_int") {
            lemon::CostScaling<G, long long, long long> cs(g);
            total = solve(cs, g, cost, supply, &status) / unit;
        } else {
            return 2;
        }
    }
    auto t2 = std::chrono::steady_clock::now();
    double cpu = (double)(std::clock() - c1) / CLOCKS_PER_SEC;
    std::printf("{\"lemon_algo\": \"%s\", \"lemon_status\": %d, \"lemon_cost\": %.17g, "
                "\"lemon_build_seconds\": %.4f, \"lemon_solve_seconds\": %.4f, "
                "\"lemon_solve_cpu_seconds\": %.4f}\n",
                algo.c_str(), status, total, std::chrono::duration<double>(t1 - t0).count(),
                std::chrono::duration<double>(t2 - t1).count(), cpu);
    return std::isfinite(total) ? 0 : 1;
}
