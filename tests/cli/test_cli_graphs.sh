# test_cli_graphs.sh - `wass graphs` on a small generated TU folder: JSON
# fields, the distance matrix against POT's ot.emd2 on the written
# embeddings, no output file on failure, and bad input (each message, exit 2).
source "$(dirname "$0")/lib.sh"

# 24 random graphs of two kinds (paths and dense graphs), in the TU format
"$PY" - "$T/TOY" <<'PYEOF'
import sys, os, numpy as np
d = sys.argv[1]; os.makedirs(d)
r = np.random.default_rng(3)
edges, ind, gl, nl, base = [], [], [], [], 0
for g in range(24):
    n = int(r.integers(4, 12)); kind = g % 2
    for i in range(n):
        for j in range(i + 1, n):
            if (kind == 0 and j == i + 1) or (kind == 1 and r.random() < 0.6):
                edges += [(base + i + 1, base + j + 1), (base + j + 1, base + i + 1)]
    ind += [g + 1] * n; nl += list(r.integers(0, 3, n)); gl.append(kind); base += n
open(d + "/TOY_A.txt", "w").write("".join("%d, %d\n" % e for e in edges))
open(d + "/TOY_graph_indicator.txt", "w").write("".join("%d\n" % x for x in ind))
open(d + "/TOY_graph_labels.txt", "w").write("".join("%d\n" % x for x in gl))
open(d + "/TOY_node_labels.txt", "w").write("".join("%d\n" % x for x in nl))
PYEOF

if expect_ok graphs "$T/TOY" --dim 3 --cv 4 --inner 2 --json --distances "$T/D.npy" \
    --embeddings "$T/E.npz"; then
    "$PY" - "$T" <<'PYEOF' || fail "graphs: JSON or distances wrong"
import sys, json, numpy as np, ot
t = sys.argv[1]
j = json.load(open(t + "/out"))
assert j["graphs"] == 24 and j["pairs"] == 276 and j["dim"] == 3 and j["folds"] == 4, j
assert j["accuracy_mean"] >= 0.9, j  # paths against dense graphs
D = np.load(t + "/D.npy"); z = np.load(t + "/E.npz"); X, o = z["X"], z["offset"]
assert (D == D.T).all() and (np.diag(D) == 0).all()
for g in range(24):
    for h in range(g + 1, 24):
        A, B = X[o[g]:o[g + 1]], X[o[h]:o[h + 1]]
        M = np.sqrt(((A[:, None] - B[None]) ** 2).sum(-1))
        v = ot.emd2(np.full(len(A), 1 / len(A)), np.full(len(B), 1 / len(B)), M)
        assert abs(v - D[g, h]) <= 1e-9, (g, h, v, D[g, h])
PYEOF
fi
expect_ok graphs "$T/TOY" --dim 3 --labels --cv 0
grep -q "labelled distances" "$T/out" || fail "graphs --labels: summary line missing"
expect_ok graphs "$T/TOY" --dim 3 --approx --cv 3 --inner 2
grep -q "grid distances" "$T/out" || fail "graphs --approx: summary line missing"

expect_fail 2 "--dim D is required" graphs "$T/TOY"
expect_fail 2 "expected a data set folder" graphs --dim 3
expect_fail 2 "--approx has no labelled variant" graphs "$T/TOY" --dim 3 --approx --labels
expect_fail 2 "--psd: expected none or clip" graphs "$T/TOY" --dim 3 --psd maybe
expect_fail 2 "unknown option '--bogus'" graphs "$T/TOY" --dim 3 --bogus
expect_fail 2 "NOPE_graph_indicator.txt: cannot open" graphs "$T/NOPE" --dim 3

mkdir "$T/BAD"
cp "$T/TOY/TOY_graph_indicator.txt" "$T/BAD/BAD_graph_indicator.txt"
cp "$T/TOY/TOY_graph_labels.txt" "$T/BAD/BAD_graph_labels.txt"
{ head -n 3 "$T/TOY/TOY_A.txt"; echo "1, 100000"; } >"$T/BAD/BAD_A.txt"
expect_fail 2 "BAD_A.txt:4: node id 100000 out of range" graphs "$T/BAD" --dim 3 \
    --distances "$T/bad.npy"
[[ -e $T/bad.npy ]] && fail "graphs: wrote a distance file for bad input"
mkdir "$T/NOLAB"
for f in A graph_indicator graph_labels; do cp "$T/TOY/TOY_$f.txt" "$T/NOLAB/NOLAB_$f.txt"; done
expect_fail 2 "--labels needs node labels" graphs "$T/NOLAB" --dim 3 --labels

finish
