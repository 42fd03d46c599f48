# test_cli_basics.sh - usage, --help of every subcommand, option syntax, and
# `wass div` against scipy (entropy, jensenshannon) and hand values.
source "$(dirname "$0")/lib.sh"

expect_ok --help && grep -q "usage: wass <command>" "$T/out" || fail "wass --help text"
expect_ok --version && grep -q "^wass [0-9]" "$T/out" || fail "wass --version text"
for cmd in emd line div demo; do
    grep -q "^  $cmd " <("$W" --help) || fail "wass --help does not list $cmd"
done
# every command listed by `wass --help` answers --help and -h with its usage
cmds=$("$W" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
[[ $(wc -w <<<"$cmds") -ge 4 ]] || fail "command list not found in wass --help"
for cmd in $cmds; do
    expect_ok "$cmd" --help && grep -q "usage: wass $cmd" "$T/out" || fail "wass $cmd --help text"
    expect_ok "$cmd" -h
done
expect_fail 2 "unknown command 'frobnicate'" frobnicate
CHECKS=$((CHECKS + 1)); "$W" >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "wass without a command must exit 2"

# ---- div ----------------------------------------------------------------------
printf '0.1\n0.2\n0.7\n' >"$T/p.txt"
printf '# q, not normalized\n3\n3\n4\n' >"$T/q.txt"
printf '0.5\n0\n0.5\n' >"$T/z.txt"
"$PY" - "$T" <<'PYEOF'
import sys, numpy as np
d = sys.argv[1]
np.save(d + "/p32.npy", np.array([0.1, 0.2, 0.7], dtype=np.float32))
np.save(d + "/q2d.npy", np.array([[3.0], [3.0], [4.0]]))
PYEOF
"$PY" - "$T" >"$T/ref.txt" <<'PYEOF'
import sys, numpy as np
from scipy.stats import entropy
from scipy.spatial.distance import jensenshannon
d = sys.argv[1]
for x, y in (("p", "q"), ("q", "p")):
    p = np.loadtxt(d + "/" + x + ".txt"); q = np.loadtxt(d + "/" + y + ".txt")
    p = p / p.sum(); q = q / q.sum()
    for bits, base in (("nats", None), ("bits", 2)):
        print(x + y, "tv", bits, repr(0.5 * np.abs(p - q).sum()))
        print(x + y, "kl", bits, repr(entropy(p, q, base=base)))
        print(x + y, "js", bits, repr(jensenshannon(p, q, base=base) ** 2))
PYEOF
ref() { awk -v a="$1" -v k="$2" -v b="$3" '$1 == a && $2 == k && $3 == b { print $4 }' "$T/ref.txt"; }
for k in tv kl js; do
    expect_ok div "$T/p.txt" "$T/q.txt" --kind "$k" && close "$(cat "$T/out")" "$(ref pq $k nats)" 1e-12 "div $k"
    expect_ok div "$T/p.txt" "$T/q.txt" --kind="$k" --bits && close "$(cat "$T/out")" "$(ref pq $k bits)" 1e-12 "div $k --bits"
    expect_ok div "$T/q.txt" "$T/p.txt" --kind "$k" && close "$(cat "$T/out")" "$(ref qp $k nats)" 1e-12 "div $k (swapped)"
done
close "$("$W" div "$T/p.txt" "$T/q.txt" --kind tv)" 0.3 1e-15 "div tv hand value"
# .npy inputs (float32 converted; 2-D N x 1)
expect_ok div "$T/p32.npy" "$T/q2d.npy" --kind js && close "$(cat "$T/out")" "$(ref pq js nats)" 1e-7 "div js npy"
# streams that cannot be rewound (pipes), text and .npy
expect_ok div <(cat "$T/p.txt") <(cat "$T/q.txt") --kind kl && close "$(cat "$T/out")" "$(ref pq kl nats)" 1e-12 "div from pipes"
expect_ok div <(cat "$T/p32.npy") <(cat "$T/q2d.npy") --kind js && close "$(cat "$T/out")" "$(ref pq js nats)" 1e-7 "div npy from pipes"
expect_fail 2 "no data" div <(true) "$T/q.txt" --kind tv
close "$("$W" div - "$T/q.txt" --kind kl <"$T/p.txt")" "$(ref pq kl nats)" 1e-12 "div from standard input"
# infinite KL: the first bin with p > 0 and q = 0 is reported
expect_ok div "$T/p.txt" "$T/z.txt" --kind kl
[[ $(cat "$T/out") == inf ]] || fail "KL with q = 0 under p: got $(cat "$T/out")"
grep -qF "bin 1 (0-based; row 2)" "$T/err" || fail "infinite KL bin not reported: $(cat "$T/err")"
expect_ok div "$T/p.txt" "$T/z.txt" --kind kl --json
CHECKS=$((CHECKS + 1))
"$PY" -c "
import json, sys
o = json.load(open('$T/out'))
assert o['kind'] == 'kl' and o['value'] == 'inf' and o['infinite_at'] == 1 and o['n'] == 3 and o['bits'] is False, o
" || fail "div --json with infinite KL"
expect_ok div "$T/p.txt" "$T/q.txt" --kind js --bits --json
CHECKS=$((CHECKS + 1))
"$PY" -c "
import json
o = json.load(open('$T/out'))
assert o['kind'] == 'js' and o['bits'] is True and o['infinite_at'] is None and 0 < o['value'] < 1, o
" || fail "div --json"

# bad input
printf '0.1\n-0.2\n0.7\n' >"$T/neg.txt"
printf '0\n0\n0\n' >"$T/zero.txt"
printf '0.1\n0.2\n' >"$T/short.txt"
printf '0.1,1\n0.2,2\n' >"$T/wide.txt"
expect_fail 2 "--kind is required" div "$T/p.txt" "$T/q.txt"
expect_fail 2 "unknown divergence 'hellinger'" div "$T/p.txt" "$T/q.txt" --kind hellinger
expect_fail 2 "weight p[1] = -0.2 is negative" div "$T/neg.txt" "$T/q.txt" --kind tv
expect_fail 2 "weights q sum to zero" div "$T/p.txt" "$T/zero.txt" --kind tv
expect_fail 2 "differ in length" div "$T/p.txt" "$T/short.txt" --kind tv
expect_fail 2 "expected a vector" div "$T/wide.txt" "$T/wide.txt" --kind tv
expect_fail 2 "cannot open" div "$T/p.txt" "$T/missing.txt" --kind tv
expect_fail 2 "unknown option '--bogus'" div "$T/p.txt" "$T/q.txt" --kind tv --bogus
expect_fail 2 "option --bits takes no value" div "$T/p.txt" "$T/q.txt" --kind tv --bits=1
expect_fail 2 "option --kind needs a value" div "$T/p.txt" "$T/q.txt" --kind
expect_fail 2 "two histogram files expected" div "$T/p.txt" --kind tv
# output that cannot be written is a failure, --help and --version included (M7)
if [[ -w /dev/full ]]; then
    for args in "--help" "--version" "emd --help"; do
        CHECKS=$((CHECKS + 1))
        # shellcheck disable=SC2086
        "$W" $args >/dev/full 2>"$T/err" && fail "wass $args > /dev/full exited 0"
        grep -q "cannot write the output" "$T/err" || fail "wass $args > /dev/full: $(cat "$T/err")"
    done
fi
finish
