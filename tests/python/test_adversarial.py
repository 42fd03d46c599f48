"""Degenerate and adversarial inputs for the exact solver, through `wass emd`.

Inputs on which the usual anchors fail must still give the optimal cost:
tiny masses, float32-rounded marginals, costs spanning 1e-9 to 1e12, one
point against many, all costs equal, many exact ties, plus the two ways a
solve must refuse to answer (pivot limit reached, masses that differ).

References are independent of the solver under test:
  - closed forms (one point against many, all costs equal, 1-D problems by
    the monotone coupling, scaling of masses);
  - "planted" optima: a basic feasible plan P (north-west corner rule) and
    potentials u, v are drawn first, the costs are C_ij = u_i + v_j on the
    support of P and u_i + v_j + s_ij (s_ij > 0) elsewhere, so that P is
    optimal and the optimum is sum a_i u_i + sum b_j v_j exactly;
  - scipy's HiGHS and POT where they are right.
Where the anchors are wrong (seen with scipy 1.10 / POT 0.8 / OpenCV 4.6):
  - masses scaled to a total of 1e-12: HiGHS returns 0 (its absolute primal
    tolerance swallows the whole problem); POT is right;
  - planted optimum with slack 1e-12 .. 1: HiGHS off by ~2e-9 (relative);
  - costs spanning 1e-9 .. 1e12: POT off by 3e-4 relative (optimum ~1) and by
    a factor 6e4 (optimum ~1e-9); HiGHS off by 2e-9 and by a factor 4;
    on random such costs with uniform weights POT is off by a factor 400
    (the Hungarian method and HiGHS agree there);
  - cv2.EMD is float32 throughout and returns suboptimal flows from ~100
    points on (bench/README.md).

Needs env WASS_CLI (``make test-python`` sets it); fails when missing.
"""
import json
import os
import re
import subprocess

import numpy as np
import pytest

from scipy.optimize import linprog
from scipy.sparse import eye, kron, vstack

CERT_TOL = 1e-9


def cli():
    path = os.environ.get("WASS_CLI")
    assert path, "WASS_CLI is not set (path of the wass binary)"
    assert os.path.isfile(path) and os.access(path, os.X_OK), "WASS_CLI=%s is not executable" % path
    return path


def run_emd(args, json_out=True):
    p = subprocess.run([cli(), "emd"] + [str(a) for a in args] + (["--json"] if json_out else []),
                       capture_output=True, text=True, timeout=60)
    assert "unsupported" not in p.stderr.lower() and "not supported" not in p.stderr.lower(), \
        "the solver is not implemented: %s" % p.stderr
    js = json.loads(p.stdout) if json_out and p.stdout.strip() else None
    return p.returncode, js, p.stdout, p.stderr


def solve_dense(tmp_path, C, a, b, extra=(), dtype=np.float64):
    """Solve through --cost/--a/--b files; assert success and the certificate."""
    for k, v in zip("Cab", (C, a, b)):
        np.save(tmp_path / (k + ".npy"), np.asarray(v, dtype))
    rc, js, _, err = run_emd(["--cost", tmp_path / "C.npy", "--a", tmp_path / "a.npy",
                              "--b", tmp_path / "b.npy"] + list(extra))
    assert rc == 0, err
    assert js["status"] == "optimal" and js["certified"] is True, js
    assert js["marginal_error"] <= CERT_TOL
    assert js["min_reduced_cost"] >= -CERT_TOL
    assert js["duality_gap"] <= CERT_TOL
    return js


def solve_points(tmp_path, X, a, Y, b, extra=()):
    np.save(tmp_path / "A.npy", np.column_stack([a, X]))
    np.save(tmp_path / "B.npy", np.column_stack([b, Y]))
    rc, js, _, err = run_emd([tmp_path / "A.npy", tmp_path / "B.npy"] + list(extra))
    assert rc == 0, err
    assert js["status"] == "optimal" and js["certified"] is True, js
    return js


def highs_cost(C, a, b):
    n, m = C.shape
    A = vstack([kron(eye(n), np.ones((1, m))), kron(np.ones((1, n)), eye(m))]).tocsr()
    r = linprog(C.ravel(), A_eq=A, b_eq=np.concatenate([a, b]), bounds=(0, None), method="highs")
    assert r.status == 0, r.message
    return float(r.fun)


def rel(x, ref, floor=0.0):
    return abs(x - ref) / max(abs(ref), floor, 1e-300)


def planted(rng, n, m, slack, pot=1.0):
    """A transport problem with a known optimum. slack(shape) draws the
    positive reduced costs off the plan, potentials are U(0, pot). Returns
    C, a, b, the optimal cost."""
    a = rng.uniform(0.1, 1.0, n)
    b = rng.uniform(0.1, 1.0, m)
    a /= a.sum()
    b /= b.sum()
    b *= a.sum() / b.sum()
    # north-west corner rule: a spanning tree of n + m - 1 cells
    on = np.zeros((n, m), bool)
    ra, rb = a.copy(), b.copy()
    i = j = 0
    while i < n and j < m:
        on[i, j] = True
        t = min(ra[i], rb[j])
        ra[i] -= t
        rb[j] -= t
        if i == n - 1:
            j += 1
        elif j == m - 1:
            i += 1
        elif ra[i] <= rb[j]:
            i += 1
        else:
            j += 1
    u = rng.uniform(0.0, pot, n)
    v = rng.uniform(0.0, pot, m)
    C = u[:, None] + v[None, :]
    C = np.where(on, C, C + slack((n, m)))
    opt = float(a @ u + b @ v)
    return C, a, b, opt


# ------------------------------------------------------------------ tiny masses

def test_tiny_total_mass(tmp_path):
    """Masses summing to 1e-12: cost scales exactly (HiGHS returns 0 here)."""
    rng = np.random.default_rng(1)
    C = rng.uniform(0, 10, (30, 25))
    a = rng.uniform(0.1, 1, 30)
    b = rng.uniform(0.1, 1, 25)
    a /= a.sum()
    b /= b.sum()
    ref = highs_cost(C, a, b)
    js = solve_dense(tmp_path, C, a * 1e-12, b * 1e-12)
    assert rel(js["cost"], ref * 1e-12) <= 1e-9, (js["cost"], ref * 1e-12)
    assert abs(js["flow"] - 1e-12) <= 1e-21


def test_tiny_entries(tmp_path):
    """Some weights 1e-12 among ordinary ones (HiGHS and POT agree here)."""
    rng = np.random.default_rng(2)
    C = rng.uniform(0, 10, (40, 40))
    a = rng.uniform(0.1, 1, 40)
    b = rng.uniform(0.1, 1, 40)
    a[:12] = 1e-12
    b[20:35] = 1e-12
    a /= a.sum()
    b /= b.sum()
    ref = highs_cost(C, a, b)
    js = solve_dense(tmp_path, C, a, b)
    assert rel(js["cost"], ref) <= 1e-9


def test_tiny_planted(tmp_path):
    """Planted optimum with slack between 1e-12 and 1."""
    rng = np.random.default_rng(3)
    C, a, b, opt = planted(rng, 35, 28, lambda s: 10.0 ** rng.uniform(-12, 0, s))
    js = solve_dense(tmp_path, C, a, b)
    assert rel(js["cost"], opt) <= 1e-9


# ------------------------------------------------------------------ float32 marginals

def test_float32_marginals_within_tolerance(tmp_path):
    """float32 weights whose totals differ by less than the balanced tolerance
    (but not exactly): solved in balanced mode, b rescaled to a's total."""
    rng = np.random.default_rng(4)
    n, m = 50, 60
    a = (rng.uniform(0.1, 1, n) / n).astype(np.float32)
    b = (rng.uniform(0.1, 1, m) / m).astype(np.float32)
    b = b * np.float32(a.astype(float).sum() / b.astype(float).sum())
    # bring the float64 totals within ~1e-10 (relative) without making them equal
    diff = a.astype(float).sum() - b.astype(float).sum()
    b[-1] = np.float32(b[-1].astype(float) + diff)
    b[0] = np.float32(1e-6)  # one float32 ulp of it is ~1e-13 of the total
    b[0] = np.nextafter(b[0], np.float32(1))
    diff = a.astype(float).sum() - b.astype(float).sum()
    b[-1] = np.float32(b[-1].astype(float) + diff)
    if a.astype(float).sum() == b.astype(float).sum():
        b[0] = np.nextafter(b[0], np.float32(1))
    a64, b64 = a.astype(float), b.astype(float)
    gap = abs(a64.sum() - b64.sum()) / a64.sum()
    assert 0 < gap < 1e-9, gap
    C = rng.uniform(0, 5, (n, m))
    js = solve_dense(tmp_path, C, a, b, dtype=np.float32)
    ref = highs_cost(C.astype(np.float32).astype(float), a64, b64 * (a64.sum() / b64.sum()))
    assert rel(js["cost"], ref) <= 1e-9, (js["cost"], ref)


def test_float32_marginals_follow_their_precision(tmp_path):
    """Uniform 1/3 and 1/7 in float32 differ by ~3e-8 (relative), far above
    float64's 1e-9 but within 32 float32 ulps: balanced mode accepts them
    (the tolerance follows the precision of the weight files) and gives the
    cost of the rescaled problem."""
    C = np.arange(21, dtype=float).reshape(3, 7) % 5
    a = np.full(3, 1 / 3, np.float32)
    b = np.full(7, 1 / 7, np.float32)
    a64, b64 = a.astype(float), b.astype(float)
    assert abs(a64.sum() - b64.sum()) > 1e-9
    js = solve_dense(tmp_path, C, a, b, dtype=np.float32)
    ref = highs_cost(C, a64, b64 * (a64.sum() / b64.sum()))
    assert rel(js["cost"], ref) <= 1e-9
    # the same weights as float64 files are refused (1e-9 applies)
    for k, v in zip("Cab", (C, a64, b64)):
        np.save(tmp_path / (k + ".npy"), v)
    args = ["--cost", tmp_path / "C.npy", "--a", tmp_path / "a.npy", "--b", tmp_path / "b.npy"]
    rc, _, out, err = run_emd(args, json_out=False)
    assert rc == 2 and "mass_tol 1e-09" in err, (rc, err)


def test_float32_marginals_beyond_tolerance_normalize(tmp_path):
    """float32 weights 1e-4 apart (relative): balanced mode refuses (exit 2,
    the message gives the float32 tolerance and the fix), --mass normalize
    solves."""
    C = np.arange(21, dtype=float).reshape(3, 7) % 5
    a = np.full(3, 1 / 3, np.float32)
    b = np.full(7, 1.0001 / 7, np.float32)
    for k, v in zip("Cab", (C, a, b)):
        np.save(tmp_path / (k + ".npy"), v)
    args = ["--cost", tmp_path / "C.npy", "--a", tmp_path / "a.npy", "--b", tmp_path / "b.npy"]
    rc, _, out, err = run_emd(args, json_out=False)
    assert rc == 2, (rc, out, err)
    assert "mass_tol 3.81e-06" in err and "--mass normalize" in err, err
    assert out.strip() == ""
    js = solve_dense(tmp_path, C, a, b, extra=["--mass", "normalize"], dtype=np.float32)
    a64, b64 = a.astype(float), b.astype(float)
    ref = highs_cost(C, a64 / a64.sum(), b64 / b64.sum())
    assert rel(js["cost"], ref) <= 1e-9


def test_float32_signatures_cli_emd_and_sinkhorn(tmp_path):
    """99 of 100 normalized float32 histograms used to fail the 1e-9 balance
    test; as float32 .npy signatures they are solved by emd and sinkhorn."""
    rng = np.random.default_rng(12)
    for t in range(5):
        a = rng.uniform(size=40).astype(np.float32)
        a /= a.sum()
        b = rng.uniform(size=30).astype(np.float32)
        b /= b.sum()
        X, Y = rng.normal(size=(40, 2)), rng.normal(size=(30, 2))
        np.save(tmp_path / "A.npy", np.column_stack([a, X]).astype(np.float32))
        np.save(tmp_path / "B.npy", np.column_stack([b, Y]).astype(np.float32))
        rc, js, _, err = run_emd([tmp_path / "A.npy", tmp_path / "B.npy"])
        assert rc == 0, err
        a64, b64 = a.astype(float), b.astype(float)
        M = np.sqrt(((X.astype(np.float32).astype(float)[:, None] -
                      Y.astype(np.float32).astype(float)[None]) ** 2).sum(-1))
        assert rel(js["cost"], highs_cost(M, a64, b64 * (a64.sum() / b64.sum()))) <= 1e-9
        p = subprocess.run([cli(), "sinkhorn", str(tmp_path / "A.npy"), str(tmp_path / "B.npy"),
                            "--reg", "0.1"], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr


# ------------------------------------------------------------------ cost range

def test_cost_span_planted(tmp_path):
    """Costs from 1e-9 to 1e12 with a planted optimum. (On this instance POT
    and HiGHS give costs far from each other.)"""
    rng = np.random.default_rng(5)
    # potentials ~1e-9 so that the optimum itself is tiny next to max C
    C, a, b, opt = planted(rng, 30, 30, lambda s: 10.0 ** rng.uniform(-9, 12, s), pot=1e-9)
    assert C.min() < 1e-8 and C.max() > 1e11
    js = solve_dense(tmp_path, C, a, b)
    assert rel(js["cost"], opt) <= 1e-9, (js["cost"], opt)
    C, a, b, opt = planted(rng, 30, 30, lambda s: 10.0 ** rng.uniform(-9, 12, s), pot=1.0)
    js = solve_dense(tmp_path, C, a, b)
    assert rel(js["cost"], opt) <= 1e-9, (js["cost"], opt)


def test_cost_span_random(tmp_path):
    """Random costs 10^U(-9, 12), uniform weights: an assignment problem,
    so the Hungarian method (scipy linear_sum_assignment) gives the optimum;
    HiGHS agrees with it, POT is off by a factor 400."""
    rng = np.random.default_rng(8)
    C = 10.0 ** rng.uniform(-9, 12, (30, 30))
    a = np.full(30, 1 / 30)
    b = np.full(30, 1 / 30)
    plan = tmp_path / "plan.npy"
    js = solve_dense(tmp_path, C, a, b, extra=["--plan", plan])
    P = np.load(plan)
    i, j = P[:, 0].astype(int), P[:, 1].astype(int)
    assert np.abs(np.bincount(i, P[:, 2], 30) - a).max() <= 1e-12
    assert np.abs(np.bincount(j, P[:, 2], 30) - b).max() <= 1e-12
    assert rel(float(P[:, 2] @ C[i, j]), js["cost"]) <= 1e-12
    # uniform weights: an assignment problem, solved exactly by the Hungarian method
    from scipy.optimize import linear_sum_assignment

    r, c = linear_sum_assignment(C)
    assert rel(js["cost"], C[r, c].sum() / 30) <= 1e-9


# ------------------------------------------------------------------ one against many

@pytest.mark.parametrize("n,m", [(1, 1), (1, 500), (400, 1)])
def test_one_point_against_many(tmp_path, n, m):
    rng = np.random.default_rng(9 + n + m)
    X = rng.normal(size=(n, 3))
    Y = rng.normal(size=(m, 3))
    a = rng.uniform(0.1, 1, n)
    b = rng.uniform(0.1, 1, m)
    a /= a.sum()
    b /= b.sum()
    D = np.sqrt(((X[:, None] - Y[None]) ** 2).sum(-1))
    ref = float((a[:, None] * b[None, :] * D).sum())  # the only feasible plan
    js = solve_points(tmp_path, X, a, Y, b, extra=["--plan", tmp_path / "plan.npy"])
    assert rel(js["cost"], ref) <= 1e-9
    assert js["plan_len"] == max(n, m)
    P = np.load(tmp_path / "plan.npy")
    assert len(P) == max(n, m)
    assert np.abs(P[:, 2] - (b if n == 1 else a)).max() <= 1e-15


# ------------------------------------------------------------------ all equal, ties

def test_all_costs_equal(tmp_path):
    rng = np.random.default_rng(10)
    a = rng.uniform(0, 1, 80)
    b = rng.uniform(0, 1, 70)
    b *= a.sum() / b.sum()
    C = np.full((80, 70), 2.5)
    js = solve_dense(tmp_path, C, a, b)
    assert rel(js["cost"], 2.5 * a.sum()) <= 1e-12


def test_identical_clouds_with_duplicates(tmp_path):
    """The same cloud (many duplicate points) in two orders: W = 0, and the
    solver must find it through a fully degenerate problem. (An optimum of 0
    also checks that the certificate's relative duality gap has a floor above
    rounding: a gap of 1e-17 absolute is no evidence of suboptimality.)"""
    rng = np.random.default_rng(11)
    X = rng.integers(0, 3, (60, 2)).astype(float)  # 9 distinct points, 60 rows
    a = rng.uniform(0, 1, 60)
    a /= a.sum()
    js = solve_points(tmp_path, X, a, X[::-1].copy(), a[::-1].copy())
    assert abs(js["cost"]) <= 1e-15


def test_all_costs_zero(tmp_path):
    js = solve_dense(tmp_path, np.zeros((10, 20)), np.full(10, 0.1), np.full(20, 0.05))
    assert abs(js["cost"]) <= 1e-15


def w_1d(x, wx, y, wy, p):
    """Exact W_p^p on the line: the monotone coupling of the quantile functions."""
    ix, iy = np.argsort(x, kind="stable"), np.argsort(y, kind="stable")
    x, wx, y, wy = x[ix], wx[ix] / wx.sum(), y[iy], wy[iy] / wy.sum()
    cx, cy = np.cumsum(wx), np.cumsum(wy)
    t = np.unique(np.concatenate([[0.0], cx, cy]))
    t = t[t <= 1.0]
    mid = (t[:-1] + t[1:]) / 2
    qx = x[np.minimum(np.searchsorted(cx, mid), len(x) - 1)]
    qy = y[np.minimum(np.searchsorted(cy, mid), len(y) - 1)]
    return float(np.sum(np.diff(t) * np.abs(qx - qy) ** p))


@pytest.mark.parametrize("p", [1, 2, 3])
def test_ties_on_integer_line(tmp_path, p):
    """1-D points on a few integers (huge numbers of exact ties, duplicates):
    W_p^p against the monotone coupling."""
    rng = np.random.default_rng(12 + p)
    x = rng.integers(0, 6, 150).astype(float)
    y = rng.integers(2, 8, 130).astype(float)
    wx = rng.integers(1, 4, 150).astype(float)
    wy = rng.integers(1, 4, 130).astype(float)
    wx /= wx.sum()
    wy /= wy.sum()
    ref = w_1d(x, wx, y, wy, p)
    js = solve_points(tmp_path, x[:, None], wx, y[:, None], wy, extra=["--p", p])
    assert rel(js["cost"], ref) <= 1e-9, (js["cost"], ref)


def test_ties_integer_costs_vs_highs(tmp_path):
    """Costs in {0, 1} (every vertex degenerate) and a grid with integer
    coordinates: HiGHS and POT are exact on these; so must wass be."""
    rng = np.random.default_rng(14)
    C = rng.integers(0, 2, (60, 45)).astype(float)
    a = np.full(60, 1 / 60)
    b = np.full(45, 1 / 45)
    js = solve_dense(tmp_path, C, a, b)
    assert rel(js["cost"], highs_cost(C, a, b), 1e-12) <= 1e-9
    g = np.stack(np.meshgrid(np.arange(8.0), np.arange(8.0)), -1).reshape(-1, 2)
    wa = rng.integers(0, 5, 64).astype(float)
    wb = rng.integers(0, 5, 64).astype(float)
    wa /= wa.sum()
    wb /= wb.sum()
    D = np.sqrt(((g[:, None] - g[None]) ** 2).sum(-1))
    js = solve_points(tmp_path, g, wa, g, wb)
    assert rel(js["cost"], highs_cost(D, wa, wb)) <= 1e-9


# ------------------------------------------------------------------ refusals

def test_iteration_limit_is_not_an_answer(tmp_path):
    rng = np.random.default_rng(15)
    C = rng.uniform(0, 1, (60, 60))
    a = np.full(60, 1 / 60)
    for k, v in zip("Cab", (C, a, a)):
        np.save(tmp_path / (k + ".npy"), v)
    args = ["--cost", tmp_path / "C.npy", "--a", tmp_path / "a.npy", "--b", tmp_path / "b.npy",
            "--max-iter", "1"]
    rc, js, out, err = run_emd(args)
    assert rc != 0 and rc != 2, (rc, err)
    assert js is not None and js["status"] == "iteration limit", js
    assert js["certified"] is False
    assert err.strip(), "a message on stderr"
    rc, _, out, err = run_emd(args, json_out=False)
    assert rc != 0 and out.strip() == "", "no bare cost printed for an unfinished solve"
    # and without the limit the same problem solves
    js = solve_dense(tmp_path, C, a, a)
    assert js["iterations"] > 1


def test_mass_mismatch_names_both_totals(tmp_path):
    rng = np.random.default_rng(16)
    X, Y = rng.normal(size=(5, 2)), rng.normal(size=(4, 2))
    a = np.array([0.5, 0.25, 0.5, 0.25, 0.5])       # total 2
    b = np.array([1.0, 1.25, 0.75, 0.5])            # total 3.5
    np.save(tmp_path / "A.npy", np.column_stack([a, X]))
    np.save(tmp_path / "B.npy", np.column_stack([b, Y]))
    rc, _, out, err = run_emd([tmp_path / "A.npy", tmp_path / "B.npy"], json_out=False)
    assert rc == 2, (rc, err)
    assert out.strip() == ""
    nums = [float(t) for t in re.findall(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", err)]
    assert any(abs(x - 2.0) < 1e-9 for x in nums), err
    assert any(abs(x - 3.5) < 1e-9 for x in nums), err
    # just beyond the tolerance (relative 1e-9) is refused too; within it is accepted
    b2 = b * (2.0 / 3.5) * (1 + 1e-7)
    np.save(tmp_path / "B.npy", np.column_stack([b2, Y]))
    rc, _, _, err = run_emd([tmp_path / "A.npy", tmp_path / "B.npy"], json_out=False)
    assert rc == 2, err
    b3 = b * (2.0 / 3.5) * (1 + 1e-12)
    np.save(tmp_path / "B.npy", np.column_stack([b3, Y]))
    rc, _, _, err = run_emd([tmp_path / "A.npy", tmp_path / "B.npy"], json_out=False)
    assert rc == 0, err
