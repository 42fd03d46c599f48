# test_cli_approx.sh - `wass sliced`, `wass embed`, `wass bound` on text and
# .npy signatures: sliced in 1-D against scipy (exact: every direction is
# +-1), in 3-D against POT's Monte Carlo estimate (statistical), thread-count
# independence; embedding sandwich W1/sqrt(d) - cell <= embed with W1 from
# POT's ot.emd2; bounds against numpy and below ot.emd2; bad input.
source "$(dirname "$0")/lib.sh"

"$PY" - "$T" <<'PYEOF'
import sys, numpy as np, ot
from scipy.stats import wasserstein_distance
from scipy.spatial.distance import cdist
d = sys.argv[1]
r = np.random.default_rng(11)
def sig(path, w, X):
    M = np.column_stack([w, X])
    if path.endswith(".npy"):
        np.save(path, M)
    else:
        np.savetxt(path, M, fmt="%.17g", delimiter=",")
# 1-D
u, v = r.normal(size=40), r.exponential(size=33)
uw, vw = r.random(40) + 0.1, r.random(33) + 0.1
sig(d + "/a1.txt", uw, u); sig(d + "/b1.npy", vw, v)
# 3-D
n, m = 45, 38
X, Y = r.normal(size=(n, 3)), r.normal(size=(m, 3)) * 1.3 + 0.4
a, b = r.random(n) + 0.1, r.random(m) + 0.1
sig(d + "/a3.txt", a, X); sig(d + "/b3.npy", b, Y)
an, bn = a / a.sum(), b / b.sum()
C = cdist(X, Y)
np.savetxt(d + "/C.txt", C ** 2, fmt="%.17g")
np.savetxt(d + "/wa.txt", a, fmt="%.17g"); np.savetxt(d + "/wb.txt", b, fmt="%.17g")
sw = [ot.sliced_wasserstein_distance(X, Y, an, bn, n_projections=10000, p=2, seed=s) for s in range(2)]
with open(d + "/ref.txt", "w") as f:
    f.write("w1 %r\n" % wasserstein_distance(u, v, uw, vw))
    f.write("w2 %r\n" % ot.wasserstein_1d(u, v, uw / uw.sum(), vw / vw.sum(), p=2) ** 0.5)
    f.write("sw2 %r\n" % np.mean(sw))
    f.write("emd1 %r\n" % ot.emd2(an, bn, C))
    f.write("emd2 %r\n" % ot.emd2(an, bn, C ** 2))
    f.write("cen1 %r\n" % np.linalg.norm(an @ X - bn @ Y))
    f.write("rel2 %r\n" % max(an @ (C ** 2).min(1), bn @ (C ** 2).min(0)))
    f.write("relcb %r\n" % max(an @ cdist(X, Y, "cityblock").min(1), bn @ cdist(X, Y, "cityblock").min(0)))
PYEOF
refv() { awk -v k="$1" '$1 == k { print $2 }' "$T/ref.txt"; }

# ---- sliced
expect_ok sliced "$T/a1.txt" "$T/b1.npy" --p 1 --projections 5 && close "$(cat "$T/out")" "$(refv w1)" 1e-12 "1-D sliced = W1"
expect_ok sliced "$T/a1.txt" "$T/b1.npy" --projections 3 --max && close "$(cat "$T/out")" "$(refv w2)" 1e-12 "1-D max-sliced = W2"
expect_ok sliced "$T/a3.txt" "$T/b3.npy" --projections 10000 --seed 4 && close "$(cat "$T/out")" "$(refv sw2)" 0.015 "SW2 vs POT"
expect_ok sliced "$T/a3.txt" "$T/b3.npy" --projections 300 --seed 9 --threads 1 && cp "$T/out" "$T/t1"
expect_ok sliced "$T/a3.txt" "$T/b3.npy" --projections 300 --seed 9 --threads 3 && cp "$T/out" "$T/t3"
CHECKS=$((CHECKS + 1)); cmp -s "$T/t1" "$T/t3" || fail "sliced depends on the thread count"
expect_ok sliced "$T/a3.txt" "$T/b3.npy" --projections 300 --seed 10 && cp "$T/out" "$T/s10"
CHECKS=$((CHECKS + 1)); cmp -s "$T/t1" "$T/s10" && fail "sliced ignores the seed"
if expect_ok sliced "$T/a3.txt" "$T/b3.npy" --projections 50 --json --max --p 1.5; then
    CHECKS=$((CHECKS + 1))
    "$PY" -c "
import json
o = json.load(open('$T/out'))
assert o['projections'] == 50 and o['max'] is True and o['p'] == 1.5 and o['d'] == 3 and o['n'] == 45 and o['m'] == 38, o
assert 0 < o['distance'] < 10, o
" || fail "sliced --json"
fi
expect_fail 2 "dimension mismatch" sliced "$T/a1.txt" "$T/b3.npy"
expect_fail 2 "--p: 0.5 must be >= 1" sliced "$T/a3.txt" "$T/b3.npy" --p 0.5
expect_fail 2 "only euclidean applies" sliced "$T/a3.txt" "$T/b3.npy" --metric cityblock
expect_fail 2 "--projections" sliced "$T/a3.txt" "$T/b3.npy" --projections 0
expect_fail 2 "two signature files expected, got 1" sliced "$T/a3.txt"

# ---- embed
if expect_ok embed "$T/a3.txt" "$T/b3.npy" --json --seed 3; then
    CHECKS=$((CHECKS + 1))
    "$PY" -c "
import json, math
o = json.load(open('$T/out'))
w1 = $(refv emd1)
assert o['levels'] >= 2 and o['cell'] > 0 and o['nnz_a'] > 0 and o['nnz_b'] > 0 and o['d'] == 3, o
assert w1 <= math.sqrt(3) * (o['distance'] + o['cell']) * (1 + 1e-12), (o, w1)
assert o['distance'] < 30 * w1, (o, w1)
" || fail "embed --json / sandwich"
fi
expect_ok embed "$T/a3.txt" "$T/a3.txt" && close "$(cat "$T/out")" 0 0 "embed of identical signatures"
expect_ok embed "$T/a3.txt" "$T/b3.npy" --seed 3 --levels 4 --cell 0.5 --json
CHECKS=$((CHECKS + 1))
"$PY" -c "
import json
o = json.load(open('$T/out'))
assert o['levels'] == 4 and o['cell'] == 0.5, o
" || fail "embed --levels/--cell"
expect_fail 2 "--cell: -1 must be positive" embed "$T/a3.txt" "$T/b3.npy" --cell -1
expect_fail 2 "--levels" embed "$T/a3.txt" "$T/b3.npy" --levels 99
expect_fail 2 "bits" embed "$T/a3.txt" "$T/b3.npy" --cell 1e-12 --levels 2
expect_fail 2 "dimension mismatch" embed "$T/a1.txt" "$T/b3.npy"

# ---- bound
expect_ok bound "$T/a3.txt" "$T/b3.npy" --kind centroid && close "$(cat "$T/out")" "$(refv cen1)" 1e-12 "centroid bound"
expect_ok bound "$T/a3.txt" "$T/b3.npy" --kind relaxed --p 2 && close "$(cat "$T/out")" "$(refv rel2)" 1e-12 "relaxed bound"
CHECKS=$((CHECKS + 1))
awk -v g="$(cat "$T/out")" -v w="$(refv emd2)" 'BEGIN { exit !(g <= w * (1 + 1e-12)) }' || fail "relaxed bound above the exact cost"
expect_ok bound "$T/a3.txt" "$T/b3.npy" --kind relaxed --metric cityblock && close "$(cat "$T/out")" "$(refv relcb)" 1e-12 "relaxed cityblock"
expect_ok bound --cost "$T/C.txt" --a "$T/wa.txt" --b "$T/wb.txt" --kind relaxed --p 2 && close "$(cat "$T/out")" "$(refv rel2)" 1e-12 "relaxed from --cost"
if expect_ok bound "$T/a3.txt" "$T/b3.npy" --kind centroid --p 2 --json; then
    CHECKS=$((CHECKS + 1))
    "$PY" -c "
import json
o = json.load(open('$T/out'))
assert o['kind'] == 'centroid' and o['metric'] == 'euclidean' and o['p'] == 2, o
assert abs(o['bound'] - $(refv cen1) ** 2) < 1e-12 and abs(o['distance_bound'] - $(refv cen1)) < 1e-12, o
assert o['bound'] <= $(refv emd2), o
" || fail "bound --json"
fi
expect_fail 2 "--kind is required" bound "$T/a3.txt" "$T/b3.npy"
expect_fail 2 "unknown bound 'tight'" bound "$T/a3.txt" "$T/b3.npy" --kind tight
expect_fail 2 "needs p >= 1" bound "$T/a3.txt" "$T/b3.npy" --kind centroid --p 0.5
expect_fail 2 "needs point coordinates" bound --cost "$T/C.txt" --a "$T/wa.txt" --b "$T/wb.txt" --kind centroid
expect_fail 2 "unknown metric 'l7'" bound "$T/a3.txt" "$T/b3.npy" --kind relaxed --metric l7
expect_fail 2 "the cost matrix is 45 x 38 but --a has 38" bound --cost "$T/C.txt" --a "$T/wb.txt" --b "$T/wb.txt" --kind relaxed
finish
