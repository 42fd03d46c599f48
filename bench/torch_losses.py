"""Step time of wass.torch's losses: forward + backward at n = m = 500, 2-D.

Usage (from the repository root, after `make`):
    PYTHONPATH=build/python /usr/bin/python3 bench/torch_losses.py [--n 500] [--reg 0.05]
        [--repeat 15] [--threads 1]

One step is loss(X, Y) and loss.backward() with X requiring a gradient,
float64, uniform weights, squared Euclidean cost. Timed in the same run and
interleaved (exact, Sinkhorn, exact, ...), so that a loaded machine slows
all of them alike; medians over --repeat steps, each on fresh data.

  * exact: wass.torch.wasserstein_loss (W_2^2, network simplex / assignment);
  * sinkhorn: wass.torch.sinkhorn_divergence_loss at reg (default tol 1e-4,
    the training tolerance, eps scaling off), and at tol 1e-9;
  * before: the earlier implementation's path, for reference: three separate
    wass.sinkhorn solves at tol 1e-12 with dense plans (forward only).

Families: points uniform in the unit square (as bench/sinkhorn.py), and two
Gaussian clouds N(0, I) and N((1, 0), I) (costs up to about 60).
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--reg", type=float, default=0.05)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--threads", type=int, default=1, help="torch and wass threads")
    args = ap.parse_args(argv)

    import torch

    import wass
    import wass.torch as wt

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    n, reg, th = args.n, args.reg, args.threads

    def family(name):
        if name == "uniform square":
            return rng.random((n, 2)), rng.random((n, 2))
        return rng.standard_normal((n, 2)), rng.standard_normal((n, 2)) + [1.0, 0.0]

    def step(loss, X, Y):
        Xt = torch.tensor(X, requires_grad=True)
        t0 = time.perf_counter()
        out = loss(Xt, torch.tensor(Y))
        out.backward()
        return time.perf_counter() - t0

    def before(X, Y):
        t0 = time.perf_counter()
        for A, B in ((X, Y), (X, X), (Y, Y)):
            wass.sinkhorn(None, None, None, reg, X=A, Y=B, metric="sqeuclidean", p=1, tol=1e-12,
                          log=True, threads=th)
        return time.perf_counter() - t0

    losses = {
        "exact": lambda X, Y: wt.wasserstein_loss(X, Y, threads=th),
        "sinkhorn tol 1e-4 (default)": lambda X, Y: wt.sinkhorn_divergence_loss(
            X, Y, reg=reg, threads=th),
        "sinkhorn tol 1e-9": lambda X, Y: wt.sinkhorn_divergence_loss(X, Y, reg=reg, tol=1e-9,
                                                                     threads=th),
    }
    print("n = m = %d, 2-D, reg %g, %d threads, medians of %d steps (forward + backward)"
          % (n, reg, th, args.repeat))
    for fam in ("uniform square", "Gaussian clouds"):
        times = {k: [] for k in list(losses) + ["before (3 solves, tol 1e-12, forward)"]}
        iters = {}
        for r in range(args.repeat + 1):
            X, Y = family(fam)
            for k, fn in losses.items():
                t = step(fn, X, Y)
                if r:
                    times[k].append(t)
            if r < 3:
                times["before (3 solves, tol 1e-12, forward)"].append(before(X, Y))
            for tol in (1e-4, 1e-9):
                _, d = wass.sinkhorn_divergence(X, Y, reg, metric="sqeuclidean", p=1, tol=tol,
                                                eps_scaling=False, log=True, threads=th)
                iters.setdefault(tol, []).append(d["iterations"])
            print(".", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        ex = statistics.median(times["exact"])
        print("%s:" % fam)
        for k, v in times.items():
            med = statistics.median(v)
            print("  %-40s %8.1f ms   %5.1fx exact" % (k, 1e3 * med, med / ex))
        for tol, v in iters.items():
            print("  iterations (three solves together) at tol %g: median %d" %
                  (tol, statistics.median(v)))
    print("load average: %s" % " ".join("%.2f" % x for x in os.getloadavg()))


if __name__ == "__main__":
    main()
