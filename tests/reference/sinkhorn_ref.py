"""Reference values for tests/c/test_sinkhorn.c, computed with POT.

Usage: python3 sinkhorn_ref.py OUTFILE

Writes test cases (point clouds, weights, epsilon, tau) together with POT's
answers as a plain text file the C test reads: one record per line,
"key value value ...". Everything is seeded, so the file is reproducible.

Conventions (POT 0.8.x):
  * ot.sinkhorn(..., method='sinkhorn_log', log=True) returns the plan
    P = exp(-M/reg + log_u + log_v); in wass's potentials f, g
    (P_ij = a_i b_j exp((f_i + g_j - C_ij)/reg)) that is
    f = reg (log_u - log a), g = reg (log_v - log b).
  * ot.sinkhorn2 returns <P, M> only: wass's `cost`.
  * wass's objective is <P, M> + reg KL(P | a x b) (+ tau KL of the
    marginals when unbalanced), with the generalized KL.
  * ot.unbalanced.sinkhorn_unbalanced(a, b, M, reg, reg_m) takes the entropy
    relative to the all-ones matrix: the same plan as wass with tau = reg_m
    is obtained with the cost M - reg (log a_i + log b_j).
  * ot.bregman.empirical_sinkhorn_divergence debiases the costs <P, M> (and
    clips at 0); wass debiases the entropic objectives.
"""
import sys

import numpy as np
import ot


def kl_gen(x, y):
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    pos = x > 0
    return float(np.sum(x[pos] * np.log(x[pos] / y[pos])) - x.sum() + y.sum())


def balanced(a, b, M, reg):
    P, log = ot.sinkhorn(a, b, M, reg, method="sinkhorn_log", numItermax=200000,
                         stopThr=1e-12, log=True, warn=False)
    with np.errstate(divide="ignore"):
        f = reg * (log["log_u"] - np.log(a))
        g = reg * (log["log_v"] - np.log(b))
    cost = float(np.sum(P * M))
    obj = cost + reg * kl_gen(P.ravel(), np.outer(a, b).ravel())
    return P, f, g, cost, obj


def unbalanced(a, b, M, reg, tau):
    Mp = M - reg * (np.log(a)[:, None] + np.log(b)[None, :])
    P, log = ot.unbalanced.sinkhorn_unbalanced(a, b, Mp, reg, tau, numItermax=200000,
                                               stopThr=1e-14, log=True)
    f = reg * log["logu"]
    g = reg * log["logv"]
    cost = float(np.sum(P * M))
    obj = (cost + reg * kl_gen(P.ravel(), np.outer(a, b).ravel())
           + tau * kl_gen(P.sum(1), a) + tau * kl_gen(P.sum(0), b))
    return P, f, g, cost, obj


def vec(out, key, v):
    out.write(key + " " + " ".join("%.17g" % x for x in np.ravel(v)) + "\n")


def main():
    out = open(sys.argv[1], "w")
    rng = np.random.default_rng(20240611)

    # Balanced problems at several epsilon, non-uniform weights, 2-D clouds.
    for k, (n, m, reg, metric) in enumerate([(30, 40, 0.5, "sqeuclidean"),
                                             (30, 40, 0.05, "sqeuclidean"),
                                             (30, 40, 0.01, "sqeuclidean"),
                                             (25, 20, 0.05, "euclidean")]):
        X = rng.random((n, 2))
        Y = rng.random((m, 2)) + [0.2, 0.0]
        a = rng.random(n) + 0.1
        a /= a.sum()
        b = rng.random(m) + 0.1
        b /= b.sum()
        M = ot.dist(X, Y, metric=metric)
        P, f, g, cost, obj = balanced(a, b, M, reg)
        out.write("case balanced%d %d %d 2 %.17g 0 %s\n" % (k, n, m, reg, metric))
        vec(out, "X", X)
        vec(out, "Y", Y)
        vec(out, "a", a)
        vec(out, "b", b)
        vec(out, "cost", [cost])
        vec(out, "obj", [obj])
        vec(out, "f", f)
        vec(out, "g", g)
        vec(out, "emd", [ot.emd2(a, b, M)])
        out.write("end\n")

    # Small epsilon: 1e-3 of the cost scale, on a problem where Sinkhorn
    # converges in a few thousand iterations (points on a line, matched
    # with clear cost gaps); exp(-C/eps) underflows to 0 for most pairs.
    n = m = 16
    X = np.c_[np.arange(n) / n, np.zeros(n)]
    Y = X[rng.permutation(n)] + [0.01, 0.02] + 0.003 * rng.random((n, 2))
    a = rng.random(n) + 0.5
    a /= a.sum()
    b = a[rng.permutation(n)]
    M = ot.dist(X, Y)
    reg = 1e-3
    P, f, g, cost, obj = balanced(a, b, M, reg)
    out.write("case smalleps %d %d 2 %.17g 0 sqeuclidean\n" % (n, m, reg))
    for key, v in (("X", X), ("Y", Y), ("a", a), ("b", b), ("cost", [cost]), ("obj", [obj]),
                   ("f", f), ("g", g), ("emd", [ot.emd2(a, b, M)])):
        vec(out, key, v)
    out.write("end\n")

    # Unbalanced problems (different total masses).
    for k, (n, m, reg, tau) in enumerate([(30, 35, 0.1, 1.0), (20, 25, 0.05, 0.2)]):
        X = rng.random((n, 2))
        Y = rng.random((m, 2)) + [0.3, 0.1]
        a = rng.random(n) + 0.1
        a *= 1.0 / a.sum()
        b = rng.random(m) + 0.1
        b *= 1.5 / b.sum()
        M = ot.dist(X, Y)
        P, f, g, cost, obj = unbalanced(a, b, M, reg, tau)
        out.write("case unbalanced%d %d %d 2 %.17g %.17g sqeuclidean\n" % (k, n, m, reg, tau))
        for key, v in (("X", X), ("Y", Y), ("a", a), ("b", b), ("cost", [cost]),
                       ("obj", [obj]), ("f", f), ("g", g)):
            vec(out, key, v)
        out.write("end\n")

    # Sinkhorn divergence between two clouds.
    n, m, reg = 30, 25, 0.1
    X = rng.random((n, 2))
    Y = rng.random((m, 2)) * 0.8 + [0.3, 0.2]
    a = rng.random(n) + 0.1
    a /= a.sum()
    b = rng.random(m) + 0.1
    b /= b.sum()
    objs, costs = [], []
    for (U, wu, V, wv) in ((X, a, Y, b), (X, a, X, a), (Y, b, Y, b)):
        _, _, _, c, o = balanced(wu, wv, ot.dist(U, V), reg)
        objs.append(o)
        costs.append(c)
    pot_div = ot.bregman.empirical_sinkhorn_divergence(X, Y, reg, a=a, b=b)
    out.write("case divergence %d %d 2 %.17g 0 sqeuclidean\n" % (n, m, reg))
    for key, v in (("X", X), ("Y", Y), ("a", a), ("b", b),
                   ("div", [objs[0] - 0.5 * (objs[1] + objs[2])]),
                   ("ots", objs), ("costs", costs), ("potdiv", [float(pot_div)])):
        vec(out, key, v)
    out.write("end\n")
    out.close()


if __name__ == "__main__":
    main()
