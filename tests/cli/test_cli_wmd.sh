# test_cli_wmd.sh - `wass wmd` and `wass knn` on small generated word vectors:
# WMD against POT's ot.emd2 on the same bags (nBOW, euclidean and cosine),
# the pairs mode, kNN predictions against a brute-force kNN in Python with
# ot.emd2, label folders and label files, empty documents, bad input.
source "$(dirname "$0")/lib.sh"
export WASS_CACHE_DIR="$T/cache" # the vector cache goes there, never beside the vectors

"$PY" - "$T" <<'PYEOF'
import sys, os, re, json, numpy as np, ot
from scipy.spatial.distance import cdist
d = sys.argv[1]
r = np.random.default_rng(5)
words = ["w%d" % i for i in range(30)]
V = r.normal(size=(30, 4)).astype(np.float32)
with open(d + "/glove.txt", "w") as f:
    for w, v in zip(words, V):
        f.write(w + " " + " ".join("%.9g" % x for x in v) + "\n")
with open(d + "/stop.txt", "w") as f:
    f.write("# stop words\nw0\nW1\n")
def tokens(text, stop=()):
    return [t for t in re.findall(r"[a-z0-9]+", text.lower()) if t not in stop and t in words]
def bag(text, stop=()):
    t = tokens(text, stop)
    u = sorted(set(t), key=words.index)
    return [words.index(w) for w in u], np.array([t.count(w) / len(t) for w in u])
def wmd(t1, t2, cosine=False, stop=()):
    i1, a = bag(t1, stop); i2, b = bag(t2, stop)
    X, Y = V[i1].astype(float), V[i2].astype(float)
    if cosine:
        X = X / np.linalg.norm(X, axis=1, keepdims=True); Y = Y / np.linalg.norm(Y, axis=1, keepdims=True)
        C = np.maximum(1 - X @ Y.T, 0)
    else:
        C = cdist(X, Y)
    return ot.emd2(a, b, C)
docs = []
for k in range(40):
    n = int(r.integers(3, 9))
    lab = k % 2
    ws = [words[int(j)] for j in r.integers(lab * 15, lab * 15 + 15, size=n)]
    docs.append((("even" if lab == 0 else "odd"), " ".join(ws).upper() + ", unknown-word!"))
t1, t2 = docs[0][1], docs[1][1]
open(d + "/d1.txt", "w").write(t1)
open(d + "/d2.txt", "w").write(t2)
open(d + "/empty.txt", "w").write("nothing here zzz")
with open(d + "/pairs.tsv", "w") as f:
    for k in range(0, 10, 2):
        f.write(docs[k][1] + "\t" + docs[k + 3][1] + "\n")
ref = {"wmd": wmd(t1, t2), "cos": wmd(t1, t2, cosine=True),
       "stop": wmd(t1, t2, stop={"w0", "w1"}),
       "pairs": [wmd(docs[k][1], docs[k + 3][1]) for k in range(0, 10, 2)]}
train, test = docs[:30], docs[30:]
for name, rows in (("train", train), ("test", test)):
    with open(d + "/%s.tsv" % name, "w") as f:
        for lab, t in rows:
            f.write(lab + "\t" + t + "\n")
    for i, (lab, t) in enumerate(rows):
        os.makedirs(d + "/%s_dir/%s" % (name, lab), exist_ok=True)
        open(d + "/%s_dir/%s/doc%02d.txt" % (name, lab, i), "w").write(t)
# brute-force 3-NN, ties by (distance, index), vote ties to the nearest label
pred = []
for lab, t in test:
    ds = sorted((wmd(t, u), j) for j, (_, u) in enumerate(train))[:3]
    labs = [train[j][0] for _, j in ds]
    best = max(set(labs), key=lambda l: (labs.count(l), -labs.index(l)))
    pred.append(best)
# label folders list the documents by label, then by name
order = [i for i in range(len(test)) if test[i][0] == "even"] + [i for i in range(len(test)) if test[i][0] == "odd"]
with open(d + "/ref.txt", "w") as f:
    for k in ("wmd", "cos", "stop"):
        f.write("%s %r\n" % (k, ref[k]))
    for k, v in enumerate(ref["pairs"]):
        f.write("pair%d %r\n" % (k, v))
    f.write("pred %s\n" % ",".join(pred))
    f.write("pred_dir %s\n" % ",".join(pred[i] for i in order))
PYEOF
ref() { awk -v k="$1" '$1 == k { print $2 }' "$T/ref.txt"; }
# jget KEY: a value of the flat JSON object in $T/out
jget() { sed -e 's/^{//' -e 's/}$//' "$T/out" | tr ',' '\n' | sed 's/^ *//' | awk -F': *' -v k="\"$1\"" '$1 == k { gsub(/"/, "", $2); print $2 }'; }

V="$T/glove.txt"
expect_ok wmd "$T/d1.txt" "$T/d2.txt" --vectors "$V" --json && close "$(jget wmd)" "$(ref wmd)" 1e-9 "WMD vs ot.emd2"
expect_ok wmd "$T/d1.txt" "$T/d2.txt" --vectors "$V" --json && {
    close "$(jget doc1_oov)" 2 0 "OOV count (unknown, word)"
    ls "$T"/cache/glove.txt-*.wassvec >/dev/null 2>&1 || fail "no vector cache written in the cache directory"
    [[ ! -e "$V.wassvec" ]] || fail "a cache written beside the vectors"
}
expect_ok wmd "$T/d1.txt" "$T/d2.txt" --vectors "$V" --cache-dir "$T/cache2" && {
    CHECKS=$((CHECKS + 1))
    ls "$T"/cache2/glove.txt-*.wassvec >/dev/null 2>&1 || fail "--cache-dir: no cache there"
}
WASS_CACHE_DIR= expect_ok wmd "$T/d1.txt" "$T/d2.txt" --vectors "$T/glove.txt" --json && {
    CHECKS=$((CHECKS + 1))
    [[ "$(jget vectors_from_cache)" != "true" && ! -e "$V.wassvec" ]] || fail "WASS_CACHE_DIR='' still caches"
}
expect_ok wmd "$T/d1.txt" "$T/d2.txt" --vectors "$V" --distance cosine --json && close "$(jget wmd)" "$(ref cos)" 1e-9 "cosine WMD vs ot.emd2"
expect_ok wmd "$T/d1.txt" "$T/d2.txt" --vectors "$V" --stopwords "$T/stop.txt" --json && close "$(jget wmd)" "$(ref stop)" 1e-9 "WMD with stop words"
expect_ok wmd --text "$(cat "$T/d1.txt")" "$(cat "$T/d2.txt")" --vectors "$V" && close "$(awk '$1=="wmd"{print $2}' "$T/out")" "$(ref wmd)" 1e-9 "WMD of --text"
# a reader that goes away stops the pairs (SIGPIPE ignored: the write error; M8)
for k in $(seq 1 400); do cat "$T/pairs.tsv"; done > "$T/many.tsv"
CHECKS=$((CHECKS + 1))
( trap '' PIPE; "$W" wmd --pairs "$T/many.tsv" --vectors "$V" 2>"$T/err8"; echo $? > "$T/rc8" ) | head -c 1 >/dev/null
sleep 0.2
[[ "$(cat "$T/rc8")" == 1 ]] && grep -q "cannot write the output after pair" "$T/err8" ||
    fail "pairs after the reader left: rc $(cat "$T/rc8"), $(cat "$T/err8")"
expect_ok wmd --pairs "$T/pairs.tsv" --vectors "$V" && for k in 0 1 2 3 4; do
    close "$(awk -v k=$k 'NR==k+1{print $1}' "$T/out")" "$(ref pair$k)" 1e-9 "pair $k"
done
# an empty document: inf and a warning, exit 0
expect_ok wmd "$T/d1.txt" "$T/empty.txt" --vectors "$V" --json && {
    CHECKS=$((CHECKS + 1))
    [[ "$(jget wmd)" == "inf" && "$(jget empty)" == "true" ]] || fail "empty document: $(cat "$T/out")"
    grep -q "warning: document 2 has no word with a vector" "$T/err" || fail "no warning: $(cat "$T/err")"
}
# kNN: label file and label folders, pruned and brute force, against Python
for train in "$T/train.tsv" "$T/train_dir"; do
    test=${train/train/test}
    for prune in rwmd kusner ict none; do
        expect_ok knn --vectors "$V" --train "$train" --test "$test" -k 3 --prune $prune --predictions && {
            got=$(awk 'NR>4 && NF==3 {printf "%s,", $2}' "$T/out")
            [[ $train == *dir ]] && want=$(ref pred_dir) || want=$(ref pred)
            CHECKS=$((CHECKS + 1))
            [[ "$got" == "$want," ]] || fail "knn predictions ($train, $prune): got '$got', want '$want'"
        }
    done
done
expect_ok knn --vectors "$V" --train "$T/train.tsv" --test "$T/test.tsv" --k-max 5 --folds 3 --json && {
    CHECKS=$((CHECKS + 1))
    k=$(jget k); [[ $k == 1 || $k == 3 || $k == 5 ]] || fail "CV chose k = $k"
}
# bad input: exit 2 and a message naming the problem
expect_fail 2 "--vectors FILE is required" wmd "$T/d1.txt" "$T/d2.txt"
expect_fail 2 "expected two documents" wmd "$T/d1.txt" --vectors "$V"
printf 'w0 1 2\nw1 1\n' >"$T/bad.txt"
expect_fail 2 "bad.txt:2: expected 2 numbers after 'w1', found 1" wmd "$T/d1.txt" "$T/d2.txt" --vectors "$T/bad.txt"
CHECKS=$((CHECKS + 1))
[[ $(grep -o "bad.txt" "$T/err" | wc -l) == 1 ]] || fail "the file named more than once (M5): $(cat "$T/err")"
expect_fail 2 "cannot open" wmd "$T/d1.txt" "$T/nope.txt" --vectors "$V"
expect_fail 2 "--distance: expected euclidean or cosine" wmd "$T/d1.txt" "$T/d2.txt" --vectors "$V" --distance l1
printf 'even\tw1 w2\nno label here\n' >"$T/badtrain.tsv"
expect_fail 2 "badtrain.tsv:2: expected 'label<TAB>text'" knn --vectors "$V" --train "$T/badtrain.tsv" --test "$T/test.tsv"
# a label with a NUL byte was a new label at each line (the same label, two classes)
printf 'ev\0en\tw1 w2\nev\0en\tw2 w3\n' >"$T/nultrain.tsv"
expect_fail 2 "nultrain.tsv:1: the label has a NUL byte" knn --vectors "$V" --train "$T/nultrain.tsv" --test "$T/test.tsv"
expect_fail 2 "--train and --test are required" knn --vectors "$V" --train "$T/train.tsv"
expect_fail 2 "--prune: expected rwmd, kusner, ict or none" knn --vectors "$V" --train "$T/train.tsv" --test "$T/test.tsv" --prune fast
finish
