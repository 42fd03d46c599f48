"""Step time of wass.torch's losses: forward + backward at n = m = 500, 2-D.

Usage (from the repository root, after `make`):
    PYTHONPATH=build/python /usr/bin/python3 bench/torch_losses.py [--n 500] [--reg 0.05]
        [--repeat 15] [--threads 1] [--flow-steps 15]

One step is loss(X, Y) and loss.backward() with X requiring a gradient,
float64, uniform weights, squared Euclidean cost. Timed in the same run and
interleaved (exact, Sinkhorn, exact, ...), so that a loaded machine slows
all of them alike; medians over --repeat steps, each on fresh data, of the
wall time and of the process's CPU time (less sensitive to other jobs).

  * exact: wass.torch.wasserstein_loss (W_2^2, network simplex / assignment);
  * sinkhorn: wass.torch.sinkhorn_divergence_loss at reg (default tol 1e-4,
    the training tolerance, eps scaling off), no warm start (fresh data:
    nothing to start from), and at tol 1e-9;
  * before: the first implementation's path, for reference: three separate
    wass.sinkhorn solves at tol 1e-12 with dense plans (forward only).

Families: points uniform in the unit square (as bench/sinkhorn.py); two
Gaussian clouds N(0, I) and N((1, 0), I) (costs up to about 60); clusters:
each cloud drawn around its own 4 centres N(0, 9 I) with spread 0.3 and
random memberships (costs up to about 200; between clusters plain Sinkhorn
crawls).

Gradient flow (the warm start): --flow-steps steps of X <- X - 0.05 n grad S
from the Gaussian clouds, the same points moving, timed with
warm_start=dict (each solve starts from the last potentials) and without,
interleaved step by step.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

FAMILIES = ("uniform square", "Gaussian clouds", "clusters")


def family(name, rng, n):
    if name == "uniform square":
        return rng.random((n, 2)), rng.random((n, 2))
    if name == "Gaussian clouds":
        return rng.standard_normal((n, 2)), rng.standard_normal((n, 2)) + [1.0, 0.0]
    cx, cy = 3 * rng.standard_normal((4, 2)), 3 * rng.standard_normal((4, 2))
    return (cx[rng.integers(0, 4, n)] + 0.3 * rng.standard_normal((n, 2)),
            cy[rng.integers(0, 4, n)] + 0.3 * rng.standard_normal((n, 2)))


def clock():
    return time.perf_counter(), time.process_time()


def since(t0):
    w, c = clock()
    return w - t0[0], c - t0[1]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--reg", type=float, default=0.05)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--threads", type=int, default=1, help="torch and wass threads")
    ap.add_argument("--flow-steps", type=int, default=15)
    args = ap.parse_args(argv)

    import torch

    import wass
    import wass.torch as wt

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    n, reg, th = args.n, args.reg, args.threads
    load0 = os.getloadavg()

    def step(loss, X, Y):
        Xt = torch.tensor(X, requires_grad=True)
        t0 = clock()
        out = loss(Xt, torch.tensor(Y))
        out.backward()
        return since(t0)

    def before(X, Y):
        t0 = clock()
        for A, B in ((X, Y), (X, X), (Y, Y)):
            wass.sinkhorn(None, None, None, reg, X=A, Y=B, metric="sqeuclidean", p=1, tol=1e-12,
                          log=True, threads=th)
        return since(t0)

    losses = {
        "exact": lambda X, Y: wt.wasserstein_loss(X, Y, threads=th),
        "sinkhorn tol 1e-4 (default, no warm start)": lambda X, Y: wt.sinkhorn_divergence_loss(
            X, Y, reg=reg, threads=th),
        "sinkhorn tol 1e-9": lambda X, Y: wt.sinkhorn_divergence_loss(X, Y, reg=reg, tol=1e-9,
                                                                     threads=th),
    }
    old = "before (3 solves, tol 1e-12, forward)"
    print("n = m = %d, 2-D, reg %g, %d threads, medians of %d steps (forward + backward); "
          "wall ms / CPU ms, and ratios to the exact loss" % (n, reg, th, args.repeat))
    for fam in FAMILIES:
        times = {k: [] for k in list(losses) + [old]}
        iters = {}
        for r in range(args.repeat + 1):
            X, Y = family(fam, rng, n)
            for k, fn in losses.items():
                t = step(fn, X, Y)
                if r:
                    times[k].append(t)
            if r < 3:
                times[old].append(before(X, Y))
            for tol in (1e-4, 1e-9):
                _, d = wass.sinkhorn_divergence(X, Y, reg, metric="sqeuclidean", p=1, tol=tol,
                                                eps_scaling=False, log=True, threads=th)
                iters.setdefault(tol, []).append(d["iterations"])
            print(".", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        ex = [statistics.median(t[u] for t in times["exact"]) for u in (0, 1)]
        print("%s:" % fam)
        for k, v in times.items():
            med = [statistics.median(t[u] for t in v) for u in (0, 1)]
            print("  %-44s %7.1f / %7.1f ms   %5.2fx / %5.2fx exact"
                  % (k, 1e3 * med[0], 1e3 * med[1], med[0] / ex[0], med[1] / ex[1]))
        for tol, v in iters.items():
            print("  iterations (three solves, points' level) at tol %g: median %d" %
                  (tol, statistics.median(v)))
    flow(args, wt, torch, rng)
    print("load average: %s at the start, %s at the end" % (
        " ".join("%.2f" % x for x in load0), " ".join("%.2f" % x for x in os.getloadavg())))


def flow(args, wt, torch, rng):
    """The same points moving: warm start against cold solves."""
    if args.flow_steps <= 0:
        return
    x, y = family("Gaussian clouds", rng, args.n)
    Xs = {"warm": torch.tensor(x, requires_grad=True), "cold": torch.tensor(x, requires_grad=True)}
    Y = torch.tensor(y)
    cache, times, vals = {}, {"warm": [], "cold": []}, {"warm": [], "cold": []}
    for s in range(args.flow_steps):
        for key in ("warm", "cold"):
            X = Xs[key]
            X.grad = None
            t0 = clock()
            loss = wt.sinkhorn_divergence_loss(X, Y, reg=args.reg, threads=args.threads,
                                               warm_start=cache if key == "warm" else None)
            loss.backward()
            t = since(t0)
            with torch.no_grad():
                X -= 0.05 * args.n * X.grad  # each point 10% of the way (grad carries 1/n)
            if s:
                times[key].append(t)
            vals[key].append(float(loss))
    w, c = ([statistics.median(t[u] for t in times[k]) for u in (0, 1)] for k in ("warm", "cold"))
    print("gradient flow, Gaussian clouds, %d steps of X -= 0.05 n grad (the same points moving):"
          % args.flow_steps)
    print("  %-44s %7.1f / %7.1f ms" % ("sinkhorn tol 1e-4, warm start (dict)", 1e3 * w[0],
                                         1e3 * w[1]))
    print("  %-44s %7.1f / %7.1f ms   warm / cold %.2f / %.2f" % (
        "sinkhorn tol 1e-4, no warm start", 1e3 * c[0], 1e3 * c[1], w[0] / c[0], w[1] / c[1]))
    print("  loss from %.4g to %.4g (warm) and %.4g (cold)"
          % (vals["warm"][0], vals["warm"][-1], vals["cold"][-1]))


if __name__ == "__main__":
    main()
