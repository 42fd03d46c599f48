# test_cli_sinkhorn.sh - `wass sinkhorn`: cost, objective, plan and potentials
# against POT (sinkhorn_log), the dense-cost form, unbalanced marginals, the
# Sinkhorn divergence, the log-domain passes alone (--kernel-memory 0), the
# iteration limit and bad input (exit 2, message).
source "$(dirname "$0")/lib.sh"

"$PY" - "$T" <<'PYEOF' || fail "reference generation"
import sys, numpy as np, ot
d = sys.argv[1]
rng = np.random.default_rng(3)
X = rng.random((40, 2)); Y = rng.random((30, 2)) + [0.2, 0.1]
a = rng.random(40) + 0.2; a /= a.sum(); b = rng.random(30) + 0.2; b /= b.sum()
np.savetxt(d + "/A.txt", np.c_[a, X], delimiter=",")
np.savetxt(d + "/B.txt", np.c_[b, Y], delimiter=" ")
np.savetxt(d + "/B3.txt", np.c_[b, Y, Y[:, :1]], delimiter=" ")
np.savetxt(d + "/B2.txt", np.c_[2 * b, Y], delimiter=" ")
M = ot.dist(X, Y)
np.save(d + "/C.npy", M); np.savetxt(d + "/wa.txt", a); np.savetxt(d + "/wb.txt", b)
reg = 0.05
def solve(a, b, M):
    P, log = ot.sinkhorn(a, b, M, reg, method="sinkhorn_log", numItermax=100000, stopThr=1e-12, log=True)
    obj = (P * M).sum() + reg * (P * np.log(P / np.outer(a, b))).sum()
    return P, log, (P * M).sum(), obj
P, log, cost, obj = solve(a, b, M)
np.save(d + "/P.npy", P)
div = obj - 0.5 * (solve(a, a, ot.dist(X, X))[3] + solve(b, b, ot.dist(Y, Y))[3])
tau = 0.5
b2 = 2 * b
Pu = ot.unbalanced.sinkhorn_unbalanced(a, b2, M - reg * (np.log(a)[:, None] + np.log(b2)[None, :]),
                                       reg, tau, numItermax=100000, stopThr=1e-14)
open(d + "/ref.txt", "w").write("%.17g %.17g %.17g %.17g\n" % (cost, obj, div, (Pu * M).sum()))
PYEOF
read -r COST OBJ DIV UCOST <"$T/ref.txt"

if expect_ok sinkhorn "$T/A.txt" "$T/B.txt" --reg 0.05 --metric sqeuclidean; then
    close "$(cat "$T/out")" "$COST" 1e-8 "cost vs POT sinkhorn_log"
fi

if expect_ok sinkhorn "$T/A.txt" "$T/B.txt" --reg=0.05 --metric sqeuclidean --json --tol 1e-11 \
    --plan "$T/plan.npy" --potentials "$T/fg.txt"; then
    CHECKS=$((CHECKS + 1))
    "$PY" - "$T" "$COST" "$OBJ" <<'PYEOF' || fail "JSON / plan / potentials"
import json, sys, numpy as np
d, cost, obj = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
o = json.load(open(d + "/out"))
for k in ("cost", "objective", "marginal_error", "iterations", "seconds", "status", "reg", "n", "m"):
    assert k in o, "missing " + k
assert o["status"] == "converged" and o["n"] == 40 and o["m"] == 30 and o["reg"] == 0.05, o
assert abs(o["cost"] - cost) < 1e-9 * cost and abs(o["objective"] - obj) < 1e-9 * obj, o
assert 0 <= o["marginal_error"] < 1e-11 and o["iterations"] > 0, o
P = np.load(d + "/plan.npy"); Pr = np.load(d + "/P.npy")
assert P.shape == (40, 30) and np.abs(P - Pr).max() < 1e-9 * Pr.max(), np.abs(P - Pr).max()
A = np.loadtxt(d + "/A.txt", delimiter=","); B = np.loadtxt(d + "/B.txt")
fg = np.loadtxt(d + "/fg.txt"); f, g = fg[:40], fg[40:]
C = ((A[:, None, 1:] - B[None, :, 1:]) ** 2).sum(-1)
Q = A[:, :1] * B[:, 0][None, :] * np.exp((f[:, None] + g[None, :] - C) / 0.05)
assert np.abs(Q - P).max() < 1e-12, np.abs(Q - P).max()
PYEOF
fi

# dense cost form: the same answer
if expect_ok sinkhorn --cost "$T/C.npy" --a "$T/wa.txt" --b "$T/wb.txt" --reg 0.05; then
    close "$(cat "$T/out")" "$COST" 1e-8 "dense cost vs POT"
fi

# unbalanced: POT's sinkhorn_unbalanced on the cost shifted by reg log(a b)
if expect_ok sinkhorn "$T/A.txt" "$T/B2.txt" --reg 0.05 --metric sqeuclidean --unbalanced 0.5 --tol 1e-12; then
    close "$(cat "$T/out")" "$UCOST" 1e-7 "unbalanced cost vs POT"
fi

# divergence of the entropic objectives
if expect_ok sinkhorn "$T/A.txt" "$T/B.txt" --reg 0.05 --metric sqeuclidean --divergence --tol 1e-11; then
    close "$(cat "$T/out")" "$DIV" 1e-8 "divergence vs POT objectives"
fi
if expect_ok sinkhorn "$T/A.txt" "$T/A.txt" --reg 0.05 --divergence --json; then
    "$PY" -c "import json,sys; o=json.load(open('$T/out')); assert abs(o['divergence']) < 1e-10 and o['status'] == 'converged', o" ||
        fail "S(A, A) = 0"
fi
# normalize makes unequal totals acceptable
expect_ok sinkhorn "$T/A.txt" "$T/B2.txt" --reg 0.05 --metric sqeuclidean --mass normalize &&
    close "$(cat "$T/out")" "$COST" 1e-8 "normalize"

# iteration limit: exit 1 with the reason
CHECKS=$((CHECKS + 1))
run sinkhorn "$T/A.txt" "$T/B.txt" --reg 0.01 --max-iter 3
[[ $RC -eq 1 ]] && grep -q "iteration limit" "$T/err" || fail "iteration limit: rc $RC $(cat "$T/err")"

# bad input
# the log-domain passes alone (--kernel-memory 0) give the same cost
if expect_ok sinkhorn "$T/A.txt" "$T/B.txt" --reg 0.05 --metric sqeuclidean --kernel-memory 0 \
    --tol 1e-11; then
    close "$(cat "$T/out")" "$COST" 1e-8 "cost with --kernel-memory 0 vs POT sinkhorn_log"
fi
expect_fail 2 "--kernel-memory" sinkhorn "$T/A.txt" "$T/B.txt" --reg 0.05 --kernel-memory -1
expect_fail 2 "--reg R" sinkhorn "$T/A.txt" "$T/B.txt"
expect_fail 2 "--reg" sinkhorn "$T/A.txt" "$T/B.txt" --reg 0
expect_fail 2 "--reg" sinkhorn "$T/A.txt" "$T/B.txt" --reg abc
expect_fail 2 "--tol" sinkhorn "$T/A.txt" "$T/B.txt" --reg 0.1 --tol -1
expect_fail 2 "--unbalanced" sinkhorn "$T/A.txt" "$T/B.txt" --reg 0.1 --unbalanced 0
expect_fail 2 "unknown metric" sinkhorn "$T/A.txt" "$T/B.txt" --reg 0.1 --metric foo
expect_fail 2 "sum to" sinkhorn "$T/A.txt" "$T/B2.txt" --reg 0.1
expect_fail 2 "dimension mismatch" sinkhorn "$T/A.txt" "$T/B3.txt" --reg 0.1
expect_fail 2 "--divergence needs" sinkhorn --cost "$T/C.npy" --a "$T/wa.txt" --b "$T/wb.txt" --reg 0.1 --divergence
expect_fail 2 "go together" sinkhorn --cost "$T/C.npy" --a "$T/wa.txt" --reg 0.1
expect_fail 2 "unknown option" sinkhorn "$T/A.txt" "$T/B.txt" --reg 0.1 --bogus
expect_fail 2 "missing.txt" sinkhorn "$T/A.txt" "$T/missing.txt" --reg 0.1
expect_fail 2 "weights" sinkhorn --cost "$T/C.npy" --a "$T/wa.txt" --b "$T/wa.txt" --reg 0.1
[[ -e $T/never.txt ]] && fail "output file created on failure"
finish
