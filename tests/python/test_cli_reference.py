"""`wass emd` (the CLI) against independent exact solvers on random instances.

Every instance is solved by the CLI and by POT (ot.emd2, network simplex) and
scipy's HiGHS (linprog, dual simplex / IPM + crossover); the costs must agree to
1e-9 relative, the certificate fields the CLI prints must hold, and the plan it
writes is checked here (marginals, cost) without trusting the solver.

Instances vary: n != m, n or m = 1, dimensions 1..10, integer costs with many
ties, zero weights, duplicate points, text and .npy files, float32 .npy, and
W_p for p in {1, 2, 3} with several ground metrics (distance = cost^(1/p)).

Needs env WASS_CLI = path of the wass binary (``make test-python`` sets it);
fails, does not skip, when it is missing.
"""
import json
import os
import subprocess

import numpy as np
import pytest

import ot
from scipy.optimize import linprog
from scipy.sparse import eye, kron, vstack

TOL = 1e-9
CERT_TOL = 1e-9


# ---------------------------------------------------------------- helpers

def cli():
    path = os.environ.get("WASS_CLI")
    assert path, "WASS_CLI is not set (path of the wass binary)"
    assert os.path.isfile(path) and os.access(path, os.X_OK), "WASS_CLI=%s is not executable" % path
    return path


def run_emd(args, check=True):
    """Run `wass emd ARGS --json`; return (returncode, parsed JSON or None, stderr)."""
    p = subprocess.run([cli(), "emd"] + [str(a) for a in args] + ["--json"],
                       capture_output=True, text=True, timeout=60)
    js = None
    if p.stdout.strip():
        js = json.loads(p.stdout)
    if check:
        assert "not supported" not in p.stderr.lower() and "unsupported" not in p.stderr.lower(), \
            "the solver is not implemented: %s" % p.stderr
        assert p.returncode == 0, "wass emd %s exited %d: %s" % (args, p.returncode, p.stderr)
        assert js is not None, "no JSON on stdout"
    return p.returncode, js, p.stderr


def highs_cost(C, a, b):
    n, m = C.shape
    A = vstack([kron(eye(n), np.ones((1, m))), kron(np.ones((1, n)), eye(m))]).tocsr()
    r = linprog(C.ravel(), A_eq=A, b_eq=np.concatenate([a, b]), bounds=(0, None), method="highs")
    assert r.status == 0, r.message
    return float(r.fun)


def pot_cost(C, a, b):
    return float(ot.emd2(np.ascontiguousarray(a), np.ascontiguousarray(b),
                         np.ascontiguousarray(C), numItermax=10**8))


def ground(X, Y, metric, p, q=2.0):
    D = X[:, None, :] - Y[None, :, :]
    if metric == "euclidean":
        g = np.sqrt((D * D).sum(-1))
    elif metric == "sqeuclidean":
        g = (D * D).sum(-1)
    elif metric == "cityblock":
        g = np.abs(D).sum(-1)
    elif metric == "chebyshev":
        g = np.abs(D).max(-1)
    elif metric == "minkowski":
        g = (np.abs(D) ** q).sum(-1) ** (1.0 / q)
    else:
        raise ValueError(metric)
    return g ** p


def close(x, ref, scale, tol=TOL):
    """|x - ref| <= tol * max(|ref|, scale): relative, with a floor for optimal
    costs of 0 (scale = the size of the costs times the mass)."""
    return abs(x - ref) <= tol * max(abs(ref), scale)


def check_certificate(js):
    assert js["status"] == "optimal", js
    assert js["certified"] is True, js
    assert js["marginal_error"] <= CERT_TOL, js
    assert js["min_reduced_cost"] >= -CERT_TOL, js
    assert js["duality_gap"] <= CERT_TOL, js


def check_plan(plan_path, C, a, b, cost):
    """The plan file (rows i, j, mass) is feasible and costs what was reported."""
    P = np.load(plan_path) if plan_path.endswith(".npy") else np.loadtxt(plan_path, delimiter=",",
                                                                          ndmin=2)
    n, m = C.shape
    assert P.ndim == 2 and P.shape[1] == 3
    assert len(P) <= n + m - 1, "a basic plan has at most n + m - 1 entries"
    i = P[:, 0].astype(int)
    j = P[:, 1].astype(int)
    assert np.all(P[:, 0] == i) and np.all(P[:, 1] == j)
    assert np.all((0 <= i) & (i < n)) and np.all((0 <= j) & (j < m))
    assert np.all(P[:, 2] >= 0)
    tot = a.sum()
    ra = np.bincount(i, P[:, 2], n)
    rb = np.bincount(j, P[:, 2], m)
    bs = b * (tot / b.sum())  # balanced mode: b rescaled to a's total
    assert np.abs(ra - a).max() <= 1e-9 * tot
    assert np.abs(rb - bs).max() <= 1e-9 * tot
    pc = float(np.sum(P[:, 2] * C[i, j]))
    assert close(pc, cost, np.abs(C).max() * tot)


def rand_weights(rng, n, zeros=False):
    w = rng.uniform(0.1, 1.0, n)
    if zeros and n > 1:
        k = rng.integers(1, max(2, n // 3))
        w[rng.choice(n, size=min(k, n - 1), replace=False)] = 0.0
    return w / w.sum()


# ---------------------------------------------------------------- dense cost matrices

def dense_instance(seed):
    rng = np.random.default_rng(1000 + seed)
    kind = seed % 6
    sizes = [(1, 1), (1, 7), (9, 1), (5, 5), (8, 13), (20, 11), (30, 30), (40, 25), (2, 60)]
    n, m = sizes[seed % len(sizes)] if seed < 18 else (int(rng.integers(1, 45)),
                                                      int(rng.integers(1, 45)))
    if kind == 0:    # real costs
        C = rng.uniform(0, 10, (n, m))
    elif kind == 1:  # integer costs with ties
        C = rng.integers(0, 4, (n, m)).astype(float)
    elif kind == 2:  # all equal but one column cheaper
        C = np.full((n, m), 3.0)
        C[:, rng.integers(m)] = 1.0
    elif kind == 3:  # points with duplicates, d 1..10
        d = int(rng.integers(1, 11))
        X = rng.integers(0, 3, (n, d)).astype(float)
        Y = np.vstack([X[: min(n, m)], rng.integers(0, 3, (max(0, m - n), d))])[:m].astype(float)
        C = ground(X, Y, "euclidean", 1.0)
    elif kind == 4:  # large spread of magnitudes
        C = 10.0 ** rng.uniform(-3, 3, (n, m))
    else:            # negative costs are valid in a transport LP
        C = rng.normal(0, 5, (n, m))
    a = rand_weights(rng, n, zeros=seed % 4 == 1)
    b = rand_weights(rng, m, zeros=seed % 4 == 2)
    if seed % 5 == 3:  # unnormalized, equal totals
        a *= 7.5
        b *= 7.5
    return C, a, b


@pytest.mark.parametrize("seed", range(80))
def test_dense_vs_pot_and_highs(seed, tmp_path):
    C, a, b = dense_instance(seed)
    ref_h = highs_cost(C, a, b)
    ref_p = pot_cost(C, a, b)
    scale = np.abs(C).max() * a.sum()
    assert close(ref_p, ref_h, scale, 1e-7), "the two references disagree: %r %r" % (ref_p, ref_h)
    text = seed % 7 == 0
    ext = ".csv" if text else ".npy"
    paths = {k: str(tmp_path / (k + ext)) for k in "Cab"}
    for k, v in zip("Cab", (C, a, b)):
        if text:
            np.savetxt(paths[k], np.atleast_2d(v) if k == "C" else v[:, None], delimiter=",",
                       fmt="%.17g")
        else:
            np.save(paths[k], v)
    plan = str(tmp_path / "plan.npy")
    _, js, _ = run_emd(["--cost", paths["C"], "--a", paths["a"], "--b", paths["b"],
                        "--plan", plan])
    check_certificate(js)
    assert js["n"] == C.shape[0] and js["m"] == C.shape[1]
    assert close(js["cost"], ref_h, scale), (js["cost"], ref_h, ref_p)
    check_plan(plan, C, a, b, js["cost"])


# ---------------------------------------------------------------- point clouds, W_p

METRICS = ["euclidean", "sqeuclidean", "cityblock", "chebyshev", "minkowski"]


def cloud_instance(seed):
    rng = np.random.default_rng(5000 + seed)
    d = 1 + seed % 10
    n = [1, 3, 17, 30, 24, 1, 12, 40][seed % 8]
    m = [1, 29, 17, 8, 1, 25, 36, 33][(seed // 8) % 8]
    X = rng.normal(size=(n, d))
    Y = rng.normal(size=(m, d)) * 1.3 + 0.7
    if seed % 3 == 0 and n > 2 and m > 2:  # duplicate points, within and across clouds
        X[1] = X[0]
        Y[0] = X[0]
        Y[2] = Y[1]
    a = rand_weights(rng, n, zeros=seed % 5 == 0)
    b = rand_weights(rng, m, zeros=seed % 5 == 1)
    return X, Y, a, b


@pytest.mark.parametrize("seed", range(72))
def test_signatures_wp(seed, tmp_path):
    X, Y, a, b = cloud_instance(seed)
    p = [1, 2, 3][seed % 3]
    metric = METRICS[(seed // 3) % len(METRICS)]
    q = 3.0
    C = ground(X, Y, metric, p, q)
    ref = highs_cost(C, a, b)
    assert close(pot_cost(C, a, b), ref, C.max(), 1e-7)
    float32 = seed % 11 == 4
    if seed % 4 == 3:  # text signature files
        pa, pb = str(tmp_path / "A.txt"), str(tmp_path / "B.txt")
        np.savetxt(pa, np.column_stack([a, X]), fmt="%.17g")
        np.savetxt(pb, np.column_stack([b, Y]), fmt="%.17g", delimiter="\t")
    else:
        pa, pb = str(tmp_path / "A.npy"), str(tmp_path / "B.npy")
        SA, SB = np.column_stack([a, X]), np.column_stack([b, Y])
        if float32:
            # float32 files: the reference uses the same (rounded) values; the
            # rounded weights need not have equal totals, so normalize
            SA, SB = SA.astype(np.float32), SB.astype(np.float32)
            X, Y = SA[:, 1:].astype(float), SB[:, 1:].astype(float)
            a, b = SA[:, 0].astype(float), SB[:, 0].astype(float)
            a, b = a / a.sum(), b / b.sum()
            C = ground(X, Y, metric, p, q)
            ref = highs_cost(C, a, b)
        np.save(pa, SA)
        np.save(pb, SB)
    args = [pa, pb, "--metric", metric, "--p", p]
    if metric == "minkowski":
        args += ["--q", q]
    if float32:
        args += ["--mass", "normalize"]
    rc, js, err = run_emd(args)
    assert rc == 0, err
    check_certificate(js)
    assert close(js["cost"], ref, C.max() * a.sum()), (metric, p, js["cost"], ref)
    assert js["p"] == p
    assert abs(js["distance"] - js["cost"] ** (1.0 / p)) <= 1e-12 * max(1.0, js["distance"])


def test_sqeuclidean_is_euclidean_p2(tmp_path):
    """W2^2 two ways: --metric sqeuclidean (p 1) and --metric euclidean --p 2."""
    rng = np.random.default_rng(7)
    X, Y = rng.normal(size=(50, 3)), rng.normal(size=(40, 3)) + 0.5
    a, b = rand_weights(rng, 50), rand_weights(rng, 40)
    np.save(tmp_path / "A.npy", np.column_stack([a, X]))
    np.save(tmp_path / "B.npy", np.column_stack([b, Y]))
    _, j1, _ = run_emd([tmp_path / "A.npy", tmp_path / "B.npy", "--metric", "sqeuclidean"])
    _, j2, _ = run_emd([tmp_path / "A.npy", tmp_path / "B.npy", "--metric", "euclidean", "--p", 2])
    ref = pot_cost(ground(X, Y, "sqeuclidean", 1.0), a, b)
    assert close(j1["cost"], ref, 1.0) and close(j2["cost"], ref, 1.0)
    assert abs(j2["distance"] - np.sqrt(ref)) <= 1e-9 * np.sqrt(ref)
    assert abs(j1["distance"] - ref) <= 1e-9 * ref  # p = 1: distance = cost


def test_dense_p_reports_root(tmp_path):
    """--cost with --p P: the costs are already powers; distance = cost^(1/P)."""
    rng = np.random.default_rng(11)
    X, Y = rng.normal(size=(20, 2)), rng.normal(size=(15, 2))
    C = ground(X, Y, "euclidean", 3.0)
    a, b = rand_weights(rng, 20), rand_weights(rng, 15)
    for k, v in zip("Cab", (C, a, b)):
        np.save(tmp_path / (k + ".npy"), v)
    _, js, _ = run_emd(["--cost", tmp_path / "C.npy", "--a", tmp_path / "a.npy",
                        "--b", tmp_path / "b.npy", "--p", 3])
    ref = highs_cost(C, a, b)
    assert close(js["cost"], ref, C.max())
    assert abs(js["distance"] - ref ** (1 / 3)) <= 1e-9 * ref ** (1 / 3)
