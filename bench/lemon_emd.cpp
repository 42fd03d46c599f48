// lemon_emd.cpp - the same transport instance solved by LEMON's network
// simplex (the solver POT's ot.emd wraps), with no Python in between: the
// complete bipartite graph of n x m arcs, costs evaluated once, block-search
// pivoting (LEMON's default, as in POT). Prints one JSON line.
//
//   g++ -O2 -std=c++11 bench/lemon_emd.cpp -llemon -o build/lemon_emd
//   build/lemon_emd PREFIX N M D METRIC
//     PREFIX.{a,b,x,y}.f64: raw float64 weights (N, M) and points (N x D,
//     M x D), as written by `build/scale_bench dump`; METRIC: euclidean |
//     sqeuclidean (W1 or W2^2).
//
// Times: "build_seconds" (graph and costs), "solve_seconds" (the simplex),
// "solve_cpu_seconds" (its CPU time).
#include <lemon/network_simplex.h>
#include <lemon/static_graph.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
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

int main(int argc, char **argv) {
    if (argc < 6) {
        std::fprintf(stderr, "usage: %s PREFIX N M D euclidean|sqeuclidean\n", argv[0]);
        return 2;
    }
    const char *prefix = argv[1];
    size_t n = std::strtoull(argv[2], nullptr, 10), m = std::strtoull(argv[3], nullptr, 10);
    size_t d = std::strtoull(argv[4], nullptr, 10);
    bool sq = std::strcmp(argv[5], "sqeuclidean") == 0;
    if (!sq && std::strcmp(argv[5], "euclidean") != 0) return 2;
    std::vector<double> a = load(prefix, "a", n), b = load(prefix, "b", m);
    std::vector<double> X = load(prefix, "x", n * d), Y = load(prefix, "y", m * d);

    auto t0 = std::chrono::steady_clock::now();
    typedef lemon::StaticDigraph G;
    G g;
    std::vector<std::pair<int, int>> arcs;
    arcs.reserve(n * m);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++)
            arcs.push_back(std::make_pair((int)i, (int)(n + j)));
    g.build((int)(n + m), arcs.begin(), arcs.end());
    std::vector<std::pair<int, int>>().swap(arcs);
    G::ArcMap<double> cost(g);
    G::NodeMap<double> supply(g);
    // the two totals agree only up to rounding; with LEMON's GEQ supply type
    // (every source ships all, a sink takes at most its demand) the sources
    // are shrunk by 1e-13 relative so that the problem is feasible; that
    // moves the cost by about 1e-13 relative, far below the 1e-9 compared
    for (size_t i = 0; i < n; i++)
        supply[g.node((int)i)] = a[i] * (1.0 - 1e-13);
    for (size_t j = 0; j < m; j++)
        supply[g.node((int)(n + j))] = -b[j];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++) {
            double s = 0;
            for (size_t t = 0; t < d; t++) {
                double e = X[i * d + t] - Y[j * d + t];
                s += e * e;
            }
            cost[g.arc((int)(i * m + j))] = sq ? s : std::sqrt(s);
        }
    auto t1 = std::chrono::steady_clock::now();
    std::clock_t c1 = std::clock();
    lemon::NetworkSimplex<G, double, double> ns(g);
    ns.costMap(cost).supplyMap(supply);
    ns.supplyType(ns.GEQ);
    int r = ns.run();
    auto t2 = std::chrono::steady_clock::now();
    std::clock_t c2 = std::clock();
    double total = r == ns.OPTIMAL ? ns.totalCost<double>() : NAN;
    std::printf("{\"lemon_status\": %d, \"lemon_cost\": %.17g, \"lemon_build_seconds\": %.3f, "
                "\"lemon_solve_seconds\": %.3f, \"lemon_solve_cpu_seconds\": %.4f}\n",
                r, total, std::chrono::duration<double>(t1 - t0).count(),
                std::chrono::duration<double>(t2 - t1).count(),
                (double)(c2 - c1) / CLOCKS_PER_SEC);
    return r == ns.OPTIMAL ? 0 : 1;
}
