# test_cli_emd.sh - `wass emd`: Rubner's example, JSON fields, plan and dual
# files checked against POT and scipy's HiGHS, the metrics and mass modes, the
# dense-cost form, and every kind of bad input (exit 2, message on stderr, no
# output file created).
source "$(dirname "$0")/lib.sh"

# ---- Rubner, Tomasi & Guibas' example (weights, then L*a*b* coordinates) ------
printf '0.4,100,40,22\n0.3,211,20,2\n0.2,32,190,150\n0.1,2,100,100\n' >"$T/a.txt"
printf '# weight L a b\n0.5 0 0 0\n0.3\t50\t100\t80\n0.2, 255, 255, 255\n' >"$T/b.txt"
RUBNER=160.5427628080944 # POT ot.emd2 with Euclidean ground distance
if expect_ok emd "$T/a.txt" "$T/b.txt"; then
    close "$(cat "$T/out")" 160.54276 1e-7 "Rubner EMD"
    close "$(cat "$T/out")" $RUBNER 1e-12 "Rubner EMD vs POT"
    [[ $(wc -l <"$T/out") -eq 1 ]] || fail "default output is one line"
    [[ -s $T/err ]] && fail "stderr not empty (progress must show only on a terminal): $(cat "$T/err")"
fi

if expect_ok emd "$T/a.txt" "$T/b.txt" --json --plan "$T/plan.txt" --duals="$T/duals.npy"; then
    CHECKS=$((CHECKS + 1))
    "$PY" - "$T" $RUBNER <<'PYEOF' || fail "Rubner JSON / plan / duals"
import json, sys, numpy as np
d, want = sys.argv[1], float(sys.argv[2])
o = json.load(open(d + "/out"))
for k in ("cost", "distance", "status", "certified", "iterations", "seconds", "certify_seconds",
          "marginal_error", "min_reduced_cost", "duality_gap", "n", "m", "work", "flow", "p",
          "metric", "mass", "plan_len"):
    assert k in o, "missing " + k
assert o["status"] == "optimal" and o["certified"] is True, o
assert abs(o["cost"] - want) <= 1e-9 * want and abs(o["distance"] - want) <= 1e-9 * want, o
assert o["n"] == 4 and o["m"] == 3 and o["p"] == 1 and o["metric"] == "euclidean", o
assert o["mass"] == "balanced" and abs(o["flow"] - 1) < 1e-12, o
assert o["marginal_error"] <= 1e-9 and o["min_reduced_cost"] >= -1e-9 and o["duality_gap"] <= 1e-9
A = np.loadtxt(d + "/a.txt", delimiter=","); B = np.array([[.5, 0, 0, 0], [.3, 50, 100, 80], [.2, 255, 255, 255]])
C = np.linalg.norm(A[:, None, 1:] - B[None, :, 1:], axis=2)
P = np.loadtxt(d + "/plan.txt", delimiter=",", ndmin=2)
assert P.shape == (o["plan_len"], 3), P.shape
i, j, f = P[:, 0].astype(int), P[:, 1].astype(int), P[:, 2]
assert (f >= 0).all() and (i >= 0).all() and (i < 4).all() and (j >= 0).all() and (j < 3).all()
assert abs((f * C[i, j]).sum() - want) < 1e-9 * want
assert np.allclose(np.bincount(i, f, 4), A[:, 0], atol=1e-12)
assert np.allclose(np.bincount(j, f, 3), B[:, 0], atol=1e-12)
uv = np.load(d + "/duals.npy")
assert uv.dtype == np.float64 and uv.shape == (7, 1), uv.shape
u, v = uv[:4, 0], uv[4:, 0]
assert (u[:, None] + v[None, :] <= C + 1e-9 * C.max()).all()
assert np.allclose(u[i] + v[j], C[i, j], atol=1e-9 * C.max())
assert abs(A[:, 0] @ u + B[:, 0] @ v - want) < 1e-9 * want
PYEOF
fi
ls "$T" | grep -q "\.tmp\." && fail "temporary files left behind"

# ---- random clouds against POT: metrics, powers, mass modes, dense cost ---------
"$PY" - "$T" <<'PYEOF'
import sys, numpy as np, ot
from scipy.optimize import linprog
d = sys.argv[1]
rng = np.random.default_rng(5)
X, Y = rng.normal(size=(30, 3)), rng.normal(size=(40, 3)) + 0.5
a, b = rng.random(30) + 0.1, rng.random(40) + 0.1
a /= a.sum(); b /= b.sum()
np.savetxt(d + "/X.txt", np.column_stack([a, X]), delimiter=",", fmt="%.17g")
np.save(d + "/Y.npy", np.column_stack([b, Y]))
np.save(d + "/Y32.npy", np.column_stack([b, Y]).astype(np.float32))
np.savetxt(d + "/Y3.txt", np.column_stack([3 * b, Y]), fmt="%.17g")  # total 3
ref = {}
for name, M in (("euclidean", ot.dist(X, Y, "euclidean")), ("sqeuclidean", ot.dist(X, Y, "sqeuclidean")),
                ("cityblock", ot.dist(X, Y, "cityblock")), ("chebyshev", ot.dist(X, Y, "chebyshev")),
                ("minkowski3", ot.dist(X, Y, "minkowski", p=3))):
    ref[name] = ot.emd2(a, b, M)
ref["euclidean_p2"] = ot.emd2(a, b, ot.dist(X, Y, "euclidean") ** 2)
C = rng.random((6, 9)) * 10
wa, wb = rng.random(6), rng.random(9)
wa /= wa.sum(); wb /= wb.sum()
np.save(d + "/C.npy", C)
np.savetxt(d + "/wa.txt", wa, fmt="%.17g"); np.savetxt(d + "/wb.txt", wb, fmt="%.17g")
ref["dense"] = ot.emd2(wa, wb, C)
# partial (Rubner) EMD: total 1 versus total 3, moves flow 1, cost = work / flow
M = ot.dist(X, Y, "euclidean")
n, m = M.shape
Aub = np.zeros((n + m, n * m))
for i in range(n): Aub[i, i * m:(i + 1) * m] = 1
for j in range(m): Aub[n + j, j::m] = 1
r = linprog(M.ravel(), A_ub=Aub, b_ub=np.concatenate([a, 3 * b]), A_eq=np.ones((1, n * m)), b_eq=[1.0], method="highs")
ref["partial"] = r.fun / 1.0
with open(d + "/ref.txt", "w") as f:
    for k, v in ref.items(): f.write("%s %r\n" % (k, v))
PYEOF
refv() { awk -v k="$1" '$1 == k { print $2 }' "$T/ref.txt"; }
for m in euclidean sqeuclidean cityblock chebyshev; do
    expect_ok emd "$T/X.txt" "$T/Y.npy" --metric "$m" && close "$(cat "$T/out")" "$(refv $m)" 1e-9 "metric $m"
done
expect_ok emd "$T/X.txt" "$T/Y.npy" --metric minkowski --q 3 && close "$(cat "$T/out")" "$(refv minkowski3)" 1e-9 "minkowski q=3"
expect_ok emd "$T/X.txt" "$T/Y32.npy" --metric=l1 --threads 1 --mass normalize && close "$(cat "$T/out")" "$(refv cityblock)" 1e-5 "float32 npy"
if expect_ok emd "$T/X.txt" "$T/Y.npy" --p 2 --json; then
    CHECKS=$((CHECKS + 1))
    "$PY" -c "
import json, math
o = json.load(open('$T/out')); want = $(refv euclidean_p2)
assert abs(o['cost'] - want) < 1e-9 * want and abs(o['distance'] - math.sqrt(want)) < 1e-9, o
assert o['p'] == 2" || fail "--p 2: cost = W2^2, distance = W2"
fi
expect_ok emd "$T/X.txt" "$T/Y3.txt" --mass normalize && close "$(cat "$T/out")" "$(refv euclidean)" 1e-9 "--mass normalize"
expect_ok emd "$T/X.txt" "$T/Y3.txt" --mass partial && close "$(cat "$T/out")" "$(refv partial)" 1e-8 "--mass partial vs HiGHS"
expect_fail 2 "--mass normalize" emd "$T/X.txt" "$T/Y3.txt"
expect_ok emd --cost "$T/C.npy" --a "$T/wa.txt" --b="$T/wb.txt" && close "$(cat "$T/out")" "$(refv dense)" 1e-9 "dense cost"
expect_ok emd --cost "$T/C.npy" --a "$T/wa.txt" --b "$T/wb.txt" --plan "$T/dplan.npy" --duals "$T/dduals.txt"
CHECKS=$((CHECKS + 1))
"$PY" -c "
import numpy as np
C = np.load('$T/C.npy'); P = np.load('$T/dplan.npy'); uv = np.loadtxt('$T/dduals.txt')
assert P.shape[1] == 3 and uv.shape == (15,)
assert abs((P[:, 2] * C[P[:, 0].astype(int), P[:, 1].astype(int)]).sum() - $(refv dense)) < 1e-9
" || fail "dense plan / duals files"

# ground costs that underflow (points 1.5e-170 apart; q or p of 1100) are refused, never
# certified as 0 (D7); a trivial 3 x 1 problem with costs 0, 0, 1e10 is certified (D10)
printf '0.5,0\n0.5,3e-170\n' > "$T/At.txt"
printf '1,1.5e-170\n' > "$T/Bt.txt"
printf '0.5,0\n0.5,1\n' > "$T/A7.txt"
printf '1,0.5\n' > "$T/B7.txt"
expect_fail 2 "underflows double precision" emd "$T/At.txt" "$T/Bt.txt"
expect_fail 2 "underflows double precision" emd "$T/A7.txt" "$T/B7.txt" --metric minkowski --q 1100
expect_fail 2 "underflows double precision" emd "$T/A7.txt" "$T/B7.txt" --p 1100
printf '0\n0\n1e10\n' > "$T/c3.txt"
printf '1\n1e9\n1\n' > "$T/a3.txt"
printf '1\n' > "$T/b1.txt"
expect_ok emd --cost "$T/c3.txt" --a "$T/a3.txt" --b "$T/b1.txt" --mass normalize --json && {
    CHECKS=$((CHECKS + 1))
    grep -q '"certified": true' "$T/out" || fail "3 x 1 not certified: $(cat "$T/out")"
    close "$(sed 's/.*"cost": \([^,]*\),.*/\1/' "$T/out")" 9.99999998 1e-15 "3 x 1 cost"
}

# all output files or none (D12): a duals file that cannot be written leaves no plan file
rm -f "$T/p12.txt"
expect_fail 1 "cannot write '$T/nodir/d.txt'" emd "$T/X.txt" "$T/Y3.txt" --mass normalize --plan "$T/p12.txt" --duals "$T/nodir/d.txt"
CHECKS=$((CHECKS + 1))
[[ ! -e "$T/p12.txt" ]] && ! ls "$T"/p12.txt.tmp* >/dev/null 2>&1 || fail "a plan file (or a temporary) left after a failed --duals"

# pivot limit: not optimal -> exit 1, no output files
"$PY" -c "
import numpy as np
r = np.random.default_rng(1)
np.savetxt('$T/big1.txt', np.column_stack([np.ones(60), r.normal(size=(60, 2))]))
np.savetxt('$T/big2.txt', np.column_stack([np.ones(60), r.normal(size=(60, 2))]))"
expect_fail 1 "iteration limit" emd "$T/big1.txt" "$T/big2.txt" --max-iter 1 --plan "$T/never.txt"
[[ -e $T/never.txt ]] && fail "plan file written for a non-optimal solve"

# ---- bad input: exit 2, message on stderr, no output file ------------------------
"$PY" - "$T" <<'PYEOF'
import sys, numpy as np
d = sys.argv[1]
np.save(d + "/int.npy", np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int64))
np.save(d + "/3d.npy", np.ones((2, 2, 2)))
np.save(d + "/fortran.npy", np.asfortranarray(np.ones((3, 2))))
np.save(d + "/nan.npy", np.array([[0.5, 1.0], [0.5, np.nan]]))
# a header declaring 10^6 x 10^6 float64 values followed by 16 bytes of data
hdr = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }"
hdr += " " * (64 - (10 + len(hdr) + 1) % 64) + "\n"
with open(d + "/huge.npy", "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + len(hdr).to_bytes(2, "little") + hdr.encode() + b"\0" * 16)
PYEOF
printf '0.5,1,2\n0.5,nan,3\n' >"$T/nan.txt"
printf '0.5,1,2\n-0.5,2,3\n' >"$T/neg.txt"
printf '0,1,2\n0,2,3\n' >"$T/zero.txt"
printf '0.5,1\n0.5,2\n' >"$T/dim1.txt"
: >"$T/empty.txt"
printf '1,2,3\n1,2,3\n\n1,2,3\n# c\n1,2,3\n1,2,3\n1,2\n' >"$T/ragged.txt"
printf '0.5,1,2\n0.5,abc,3\n' >"$T/word.txt"
printf '0.5\n0.5\n' >"$T/onecol.txt"
printf '0.5,1,2\n0.5,2,3\n' >"$T/ok2.txt"
bad() {
    local text=$1 a=$2 b=$3
    shift 3
    rm -f "$T/p.out" "$T/d.out"
    expect_fail 2 "$text" emd "$a" "$b" --plan "$T/p.out" --duals "$T/d.out" "$@"
    [[ -e $T/p.out || -e $T/d.out ]] && fail "output file created for bad input: $text"
    ls "$T" | grep -q "\.tmp\." && fail "temporary file left behind: $text"
}
bad "nan.txt:2: column 2: NaN is not allowed" "$T/nan.txt" "$T/ok2.txt"
bad "nan.npy: row 2, column 2: NaN" "$T/ok2.txt" "$T/nan.npy"
bad "neg.txt: row 2: weight -0.5 is negative" "$T/neg.txt" "$T/ok2.txt"
bad "zero.txt: the weights (first column) sum to zero" "$T/ok2.txt" "$T/zero.txt"
bad "dimension mismatch" "$T/ok2.txt" "$T/dim1.txt"
bad "empty.txt: no data" "$T/empty.txt" "$T/ok2.txt"
bad "ragged.txt:8: expected 3 columns, found 2" "$T/ragged.txt" "$T/ok2.txt"
bad "word.txt:2: column 2: 'abc' is not a number" "$T/word.txt" "$T/ok2.txt"
bad "needs a weight column and at least one coordinate column" "$T/onecol.txt" "$T/ok2.txt"
bad "unsupported .npy dtype '<i8' (need float64 or float32)" "$T/ok2.txt" "$T/int.npy"
bad "unsupported .npy shape (2, 2, 2)" "$T/3d.npy" "$T/ok2.txt"
bad "fortran_order" "$T/fortran.npy" "$T/ok2.txt"
bad "declares 1000000000000 values" "$T/huge.npy" "$T/ok2.txt"
bad "declares 1000000000000 values" <(cat "$T/huge.npy") "$T/ok2.txt"
bad "cannot open '$T/missing.txt': No such file or directory" "$T/missing.txt" "$T/ok2.txt"
bad "cannot read '$T': it is a directory" "$T" "$T/ok2.txt"
bad "unknown metric 'hamming'" "$T/ok2.txt" "$T/ok2.txt" --metric hamming
bad "unknown mode 'half'" "$T/ok2.txt" "$T/ok2.txt" --mass half
bad "unknown option '--frobnicate'" "$T/ok2.txt" "$T/ok2.txt" --frobnicate
bad "--q applies to --metric minkowski only" "$T/ok2.txt" "$T/ok2.txt" --q 3
bad "--p: 'x' is not a finite number" "$T/ok2.txt" "$T/ok2.txt" --p x
bad "--p: -1 must be positive" "$T/ok2.txt" "$T/ok2.txt" --p=-1
bad "--threads: 'two' is not an integer" "$T/ok2.txt" "$T/ok2.txt" --threads two
bad "--max-iter: -5 is out of range" "$T/ok2.txt" "$T/ok2.txt" --max-iter -5
bad "option --json takes no value" "$T/ok2.txt" "$T/ok2.txt" --json=yes
expect_fail 2 "two signature files expected, got 1" emd "$T/ok2.txt"
expect_fail 2 "option --metric needs a value" emd "$T/ok2.txt" "$T/ok2.txt" --metric
expect_fail 2 "not both" emd "$T/ok2.txt" --cost "$T/C.npy" --a "$T/wa.txt" --b "$T/wb.txt"
expect_fail 2 "missing --b" emd --cost "$T/C.npy" --a "$T/wa.txt"
expect_fail 2 "--metric applies to signature files" emd --cost "$T/C.npy" --a "$T/wa.txt" --b "$T/wb.txt" --metric l1
expect_fail 2 "the cost matrix is 6 x 9 but --a has 9 weights and --b has 9" emd --cost "$T/C.npy" --a "$T/wb.txt" --b "$T/wb.txt"
# an output file that cannot be written: exit 1, nothing left behind
expect_fail 1 "cannot write '$T/no-dir/plan.txt'" emd "$T/a.txt" "$T/b.txt" --plan "$T/no-dir/plan.txt"
finish
