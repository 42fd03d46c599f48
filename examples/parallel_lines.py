"""Learning parallel lines (Arjovsky, Chintala and Bottou, 2017, Example 1).

P0 is the law of (0, Z) and P_theta the law of (theta, Z), Z uniform on
[0, 1]; both are represented by the same n samples of Z. We learn theta by
gradient descent

  * on the exact W1 (wass.torch.wasserstein_loss, Euclidean metric, p = 1):
    W1(P0, P_theta) = |theta|, its gradient is sign(theta) and theta goes to 0;
  * on the Jensen-Shannon divergence of the two histograms over the union of
    the supports: it is log 2 for every theta != 0, its gradient is zero and
    theta never moves.

Also plots TV, KL, JS and W1 against theta. Run from the repository root:

    PYTHONPATH=build/python /usr/bin/python3 examples/parallel_lines.py

Writes parallel_lines.png into --out (default build/examples/).
"""
import argparse
import math
import os
import sys

import numpy as np


def supports(theta, z):
    """The two samples as point clouds (n x 2)."""
    P0 = np.column_stack([np.zeros_like(z), z])
    Pt = np.column_stack([np.full_like(z, theta), z])
    return P0, Pt


def histograms(P0, Pt):
    """Uniform weights of both samples as histograms over the union of supports."""
    pts = np.vstack([P0, Pt])
    _, inverse = np.unique(pts, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    k = inverse.max() + 1
    n = len(P0)
    p = np.bincount(inverse[:n], minlength=k) / n
    q = np.bincount(inverse[n:], minlength=k) / len(Pt)
    return p, q


def divergences(theta, z, wass):
    P0, Pt = supports(theta, z)
    p, q = histograms(P0, Pt)
    return {
        "TV": wass.tv(p, q),
        "KL": wass.kl(q, p),  # KL(P_theta || P0)
        "JS": wass.js(p, q),
        "W1": wass.wasserstein(P0, Pt, metric="euclidean", p=1),
    }


def descend_w1(theta0, z, steps, lr, decay, torch, wt):
    """Gradient descent on the exact W1 through wass.torch (autograd)."""
    Y = torch.tensor(np.column_stack([np.zeros_like(z), z]), dtype=torch.float64)
    zt = torch.tensor(z, dtype=torch.float64)
    theta = torch.tensor(theta0, dtype=torch.float64, requires_grad=True)
    traj = [theta0]
    for t in range(steps):
        X = torch.stack([theta.expand_as(zt), zt], dim=1)
        loss = wt.wasserstein_loss(X, Y, p=1, metric="euclidean")
        (g,) = torch.autograd.grad(loss, theta)
        with torch.no_grad():
            theta -= lr * decay ** t * g
        traj.append(float(theta))
    return traj


def descend_js(theta0, z, steps, lr, wass, h=1e-4):
    """Gradient descent on JS: its derivative (central difference; JS is
    constant away from theta = 0) is zero, so theta stays put."""
    def js_at(t):
        P0, Pt = supports(t, z)
        return wass.js(*histograms(P0, Pt))

    theta = theta0
    traj = [theta]
    grads = []
    for _ in range(steps):
        g = (js_at(theta + h) - js_at(theta - h)) / (2 * h)
        grads.append(g)
        theta -= lr * g
        traj.append(theta)
    return traj, grads


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=64, help="samples of Z (default 64)")
    ap.add_argument("--steps", type=int, default=200, help="gradient steps (default 200)")
    ap.add_argument("--theta0", type=float, default=1.0, help="initial theta (default 1)")
    ap.add_argument("--lr", type=float, default=0.05, help="initial step size (default 0.05)")
    ap.add_argument("--decay", type=float, default=0.97, help="step size decay per step")
    ap.add_argument("--grid", type=int, default=81, help="theta values in the distance plot")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=os.path.join("build", "examples"), help="output folder")
    args = ap.parse_args(argv)

    import torch
    import wass
    import wass.torch as wt

    torch.set_num_threads(2)
    rng = np.random.default_rng(args.seed)
    z = np.sort(rng.random(args.n))

    traj_w1 = descend_w1(args.theta0, z, args.steps, args.lr, args.decay, torch, wt)
    traj_js, js_grads = descend_js(args.theta0, z, args.steps, args.lr, wass)

    thetas = np.linspace(-1, 1, args.grid)
    if 0.0 not in thetas:
        thetas = np.sort(np.append(thetas, 0.0))
    curves = {k: [] for k in ("TV", "KL", "JS", "W1")}
    for t in thetas:
        for k, v in divergences(t, z, wass).items():
            curves[k].append(v)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.8))
    ax1.plot(traj_w1, label="gradient descent on W1 (exact, wass)")
    ax1.plot(traj_js, "--", label="gradient descent on JS")
    ax1.axhline(0, color="gray", lw=0.5)
    ax1.set_xlabel("step")
    ax1.set_ylabel("theta")
    ax1.set_title("Learning parallel lines")
    ax1.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    # TV, JS and KL are step functions of theta: constant on theta < 0 and on
    # theta > 0, another value at theta = 0. Each piece is drawn apart (no line
    # through the jump); the value at 0 is a filled dot, the open ends circles.
    th = np.asarray(thetas)
    at0 = int(np.argmin(np.abs(th)))
    neg, pos = th < 0, th > 0
    ax2.plot(th, curves["W1"], color="tab:blue", label="W1 = |theta| (continuous)")
    for key, color, label, ms in (("TV", "tab:green", "TV (1 for theta != 0)", 11),
                                  ("JS", "tab:orange", "JS (log 2 for theta != 0)", 7.5)):
        v = np.asarray(curves[key])
        ax2.plot(th[neg], v[neg], color=color, label=label)
        ax2.plot(th[pos], v[pos], color=color)
        ends = [v[neg][-1], v[pos][0]] if neg.any() and pos.any() else []
        ax2.plot([0.0] * len(ends), ends, "o", mfc="white", color=color, ms=8, zorder=3)
        ax2.plot([0.0], [v[at0]], "o", color=color, ms=ms, zorder=3)
    ax2.plot([0.0], [curves["KL"][at0]], "s", color="tab:red", ms=4, zorder=4,
             label="KL(P_theta || P0) = 0 at theta = 0, +inf elsewhere")
    ax2.set_xlabel("theta")
    ax2.set_ylabel("distance between P0 and P_theta")
    ax2.set_title("Distances between P0 and P_theta")
    ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8,
               frameon=False)
    fig.tight_layout()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "parallel_lines.png")
    fig.savefig(path, dpi=110)

    i0 = int(np.argmin(np.abs(thetas)))
    i1 = int(np.argmin(np.abs(thetas - 0.5)))
    print("parallel lines: n = %d samples of Z, %d steps from theta = %g" %
          (args.n, args.steps, args.theta0))
    print("  W1 descent: final theta = %.3g" % traj_w1[-1])
    print("  JS descent: final theta = %.3g (max |dJS/dtheta| seen = %.3g)" %
          (traj_js[-1], max(abs(g) for g in js_grads) if js_grads else 0.0))
    print("  at theta = 0: TV = %.3g, KL = %.3g, JS = %.3g, W1 = %.3g" %
          tuple(curves[k][i0] for k in ("TV", "KL", "JS", "W1")))
    print("  at theta = %.2g: TV = %.3g, KL = %s, JS = %.4f (log 2 = %.4f), W1 = %.4f" %
          (thetas[i1], curves["TV"][i1], curves["KL"][i1], curves["JS"][i1], math.log(2),
           curves["W1"][i1]))
    print("  wrote %s" % path)
    return traj_w1, traj_js


if __name__ == "__main__":
    main()
    sys.exit(0)
