# test_cli_retrieve.sh - `wass retrieve` on a folder of tiny PGM images and on
# an IDX file made here: the nearest image of a query from the database is
# itself at distance 0, the distance to another image is POT's ot.emd2 with
# the pixel grid's cost, exact and brute force agree, and bad input (unknown
# mode, missing files, a truncated image, an IDX with a wrong magic) exits 2
# with a message naming the problem and nothing on stdout.
source "$(dirname "$0")/lib.sh"

"$PY" - "$T" <<'PYEOF'
import gzip, struct, sys, numpy as np, ot
d = sys.argv[1]
r = np.random.default_rng(3)
imgs = r.integers(0, 256, size=(12, 5, 6))
imgs[imgs < 128] = 0
imgs[:, 2, 3] = 255
import os
os.mkdir(d + "/db")
for i, im in enumerate(imgs):
    with open("%s/db/im%02d.pgm" % (d, i), "w") as f:
        f.write("P2 6 5 255\n" + " ".join(map(str, im.ravel())) + "\n")
with open(d + "/db.idx.gz", "wb") as f:
    f.write(gzip.compress(struct.pack(">IIII", 0x803, 12, 5, 6) + imgs.astype(np.uint8).tobytes()))
with open(d + "/bad.idx", "wb") as f:
    f.write(struct.pack(">IIII", 0x801, 12, 5, 6) + bytes(360))
rr, cc = np.divmod(np.arange(30), 6)
P = np.stack([cc, rr], 1).astype(float)
for metric in ["euclidean", "cityblock"]:
    M = ot.dist(P, P, metric=metric)
    a, b = imgs[4].ravel() / imgs[4].sum(), imgs[7].ravel() / imgs[7].sum()
    open("%s/w47_%s" % (d, metric), "w").write("%.17g" % ot.emd2(a, b, M))
PYEOF

for metric in euclidean cityblock; do
    expect_ok retrieve --db "$T/db" --query "$T/db/im04.pgm" -k 12 --metric $metric
    got=$(awk '$1 == "im04.pgm" { print $2 }' "$T/out")
    close "$got" 0 1e-12 "self distance ($metric)"
    got=$(awk '$1 == "im07.pgm" { print $2 }' "$T/out")
    close "$got" "$(cat "$T/w47_$metric")" 1e-9 "im04 to im07 ($metric)"
    sort "$T/out" >"$T/exact"
    expect_ok retrieve --db "$T/db" --query "$T/db/im04.pgm" -k 12 --metric $metric --mode brute
    sort "$T/out" >"$T/brute"
    CHECKS=$((CHECKS + 1))
    cmp -s "$T/exact" "$T/brute" || fail "exact and brute force differ ($metric)"
    expect_ok retrieve --db "$T/db.idx.gz" --query "$T/db.idx.gz" --query-index 7 -k 1 --json \
        --metric $metric
    CHECKS=$((CHECKS + 1))
    grep -q '"results": \[{"name": 7, "distance": 0}\]' "$T/out" || fail "IDX self: $(cat "$T/out")"
done
expect_ok retrieve --db "$T/db" --query "$T/db/im04.pgm" -k 3 --mode embed
expect_ok retrieve --db "$T/db" --query "$T/db/im04.pgm" -k 3 --mode rerank --rerank 5

expect_fail 2 "--mode: unknown mode 'fast'" retrieve --db "$T/db" --query "$T/db/im04.pgm" --mode fast
expect_fail 2 "--db and --query are required" retrieve --db "$T/db"
expect_fail 2 "nope.pgm: cannot open" retrieve --db "$T/db" --query "$T/nope.pgm"
expect_fail 2 "not an IDX image file (magic 0x00000801" retrieve --db "$T/bad.idx" --query "$T/db/im04.pgm"
expect_fail 2 "--query-index 40, but the file has 12 images" retrieve --db "$T/db" --query "$T/db.idx.gz" --query-index 40
head -c 20 "$T/db/im03.pgm" >"$T/db/im99.pgm"
expect_fail 2 "im99.pgm: truncated P2 file" retrieve --db "$T/db" --query "$T/db/im04.pgm"
finish
