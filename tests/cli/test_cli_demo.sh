# test_cli_demo.sh - `wass demo`: the worked examples print the values the
# theory predicts: the 5-bin problem's cost equals the 1-D closed form
# (sum of |cumulative differences| = 0.9), and on parallel lines W1 = |theta|
# while TV = 1, KL = inf and JS = log 2 for every theta != 0 (all 0 at theta = 0).
source "$(dirname "$0")/lib.sh"

if expect_ok demo; then
    CHECKS=$((CHECKS + 1))
    "$PY" - "$T/out" <<'PYEOF' || fail "demo values"
import math, re, sys
text = open(sys.argv[1]).read()
m = re.search(r"Optimal cost  sum P_ij \|i - j\| = ([0-9.]+)", text)
assert m and abs(float(m.group(1)) - 0.9) < 1e-6, "5-bin cost"
assert "dual objective" in text and "certificate" in text
P = re.search(r"Optimal plan P .*?\n\n(.*?)\n  col sum", text, re.S)
assert P and len(P.group(1).strip().splitlines()) == 6, "5 x 5 plan"
rows = re.findall(r"^\s+(-?[0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+(inf|[0-9.]+)\s+([0-9.]+)$", text, re.M)
thetas = [float(r[0]) for r in rows]
assert thetas == [-1, -0.5, -0.1, -0.01, 0, 0.01, 0.1, 0.5, 1], thetas
for th, w1, ab, tv, kl, js in rows:
    th = float(th)
    assert abs(float(w1) - abs(th)) < 1e-4, (th, w1)
    if th == 0:
        assert float(tv) == 0 and kl != "inf" and float(kl) == 0 and float(js) == 0
    else:
        assert float(tv) == 1 and kl == "inf" and abs(float(js) - math.log(2)) < 1e-4, (th, tv, kl, js)
assert re.search(r"Total work [0-9.]+ for a total mass of 6\.0+", text), "sand piles"
assert re.search(r"W1 = work / mass = [0-9.]+", text)
PYEOF
fi
expect_fail 2 "unexpected argument 'extra'" demo extra
finish
