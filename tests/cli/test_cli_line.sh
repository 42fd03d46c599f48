# test_cli_line.sh - `wass line`: exact 1-D W_p from text and .npy samples
# (weighted or not) against scipy.stats.wasserstein_distance (p = 1) and POT's
# ot.wasserstein_1d (p = 2, which returns W_p^p), plus bad input.
source "$(dirname "$0")/lib.sh"

"$PY" - "$T" <<'PYEOF'
import sys, numpy as np, ot
from scipy.stats import wasserstein_distance
d = sys.argv[1]
r = np.random.default_rng(3)
u, v = r.normal(size=57), r.exponential(size=31) + 0.3
uw, vw = r.random(57) + 0.01, r.random(31) + 0.01
np.savetxt(d + "/u.txt", u, fmt="%.17g")
np.save(d + "/v.npy", v)
np.savetxt(d + "/uw.txt", np.column_stack([u, uw]), fmt="%.17g", delimiter=",")
np.save(d + "/vw.npy", np.column_stack([v, vw]))
np.save(d + "/v32.npy", v.astype(np.float32))
np.save(d + "/vcol.npy", v[:, None])
with open(d + "/ref.txt", "w") as f:
    f.write("w1 %r\n" % wasserstein_distance(u, v))
    f.write("w1w %r\n" % wasserstein_distance(u, v, uw, vw))
    f.write("w2 %r\n" % ot.wasserstein_1d(u, v, p=2) ** 0.5)
    f.write("w2w %r\n" % ot.wasserstein_1d(u, v, uw / uw.sum(), vw / vw.sum(), p=2) ** 0.5)
    f.write("w1f32 %r\n" % wasserstein_distance(u, v.astype(np.float32).astype(float)))
PYEOF
refv() { awk -v k="$1" '$1 == k { print $2 }' "$T/ref.txt"; }
expect_ok line "$T/u.txt" "$T/v.npy" && close "$(cat "$T/out")" "$(refv w1)" 1e-12 "W1"
expect_ok line "$T/u.txt" "$T/vcol.npy" && close "$(cat "$T/out")" "$(refv w1)" 1e-12 "W1 (N x 1 npy)"
expect_ok line "$T/u.txt" "$T/v32.npy" && close "$(cat "$T/out")" "$(refv w1f32)" 1e-12 "W1 (float32 npy)"
expect_ok line "$T/uw.txt" "$T/vw.npy" && close "$(cat "$T/out")" "$(refv w1w)" 1e-12 "weighted W1"
expect_ok line "$T/u.txt" "$T/v.npy" --p 2 && close "$(cat "$T/out")" "$(refv w2)" 1e-12 "W2"
expect_ok line "$T/uw.txt" "$T/vw.npy" --p=2 && close "$(cat "$T/out")" "$(refv w2w)" 1e-12 "weighted W2"
if expect_ok line "$T/uw.txt" "$T/vw.npy" --json; then
    CHECKS=$((CHECKS + 1))
    "$PY" -c "
import json
o = json.load(open('$T/out'))
assert o['n'] == 57 and o['m'] == 31 and o['p'] == 1 and abs(o['distance'] - $(refv w1w)) < 1e-12, o
" || fail "line --json"
fi

printf '1,0.5\n2,-1\n' >"$T/neg.txt"
printf '1,2,3\n' >"$T/wide.txt"
printf '1\nx\n' >"$T/word.txt"
expect_fail 2 "neg.txt: row 2: weight -1 is negative" line "$T/neg.txt" "$T/u.txt"
expect_fail 2 "found 3 columns" line "$T/wide.txt" "$T/u.txt"
expect_fail 2 "word.txt:2: column 1: 'x' is not a number" line "$T/word.txt" "$T/u.txt"
expect_fail 2 "cannot open" line "$T/u.txt" "$T/missing.npy"
expect_fail 2 "--p: 0.5 must be >= 1" line "$T/u.txt" "$T/v.npy" --p 0.5
expect_fail 2 "unknown option '--metric'" line "$T/u.txt" "$T/v.npy" --metric l1
expect_fail 2 "two sample files expected, got 1" line "$T/u.txt"
finish
