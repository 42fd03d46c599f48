"""Images (wass.images): the readers against OpenCV / Pillow on tiny images
made here (PNG of every colour type, 8 and 16 bit, palette; PGM/PPM plain
and binary; IDX plain and gzip'ed), every reader error with its message,
the signatures on hand-made images, the grid solver against POT's ot.emd2
with the cityblock / chebyshev cost, retrieval against a brute force in
POT, and `wass retrieve` against the Python module."""
import gzip
import json
import os
import struct
import subprocess
import zlib

import cv2
import numpy as np
import ot
import pytest
from PIL import Image

import wass
import wass.images as wi


def cli():
    path = os.environ.get("WASS_CLI")
    assert path, "WASS_CLI is not set (path of the wass binary)"
    return path


# ---- readers ---------------------------------------------------------------------------


def test_png_grey_rgb_rgba_8_and_16_bit(tmp_path):
    rng = np.random.default_rng(0)
    for shape, dtype in [((5, 7), np.uint8), ((5, 7), np.uint16), ((4, 6, 3), np.uint8),
                         ((4, 6, 3), np.uint16), ((3, 5, 4), np.uint8), ((3, 5, 4), np.uint16)]:
        top = np.iinfo(dtype).max
        img = rng.integers(0, top + 1, size=shape, dtype=dtype)
        p = str(tmp_path / "x.png")
        assert cv2.imwrite(p, img)
        got = wi.read_image(p)
        want = img.astype(float) / top
        if want.ndim == 2:
            want = want[:, :, None]
        elif want.shape[2] == 3:
            want = want[:, :, ::-1]  # OpenCV writes BGR
        else:
            want = want[:, :, [2, 1, 0, 3]]
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def test_png_palette_and_grey_alpha(tmp_path):
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, size=(6, 5, 3), dtype=np.uint8)
    pal = Image.fromarray(rgb).quantize(colors=4)
    p = str(tmp_path / "pal.png")
    pal.save(p)
    want = np.asarray(pal.convert("RGB"), dtype=float) / 255
    np.testing.assert_array_equal(wi.read_image(p), want)
    la = rng.integers(0, 256, size=(4, 3, 2), dtype=np.uint8)
    p = str(tmp_path / "la.png")
    Image.fromarray(la, mode="LA").save(p)
    np.testing.assert_array_equal(wi.read_image(p), la / 255.0)
    # 1-bit grey expands to 0 / 1
    bits = rng.integers(0, 2, size=(5, 9)).astype(bool)
    p = str(tmp_path / "bits.png")
    Image.fromarray(bits).save(p)
    np.testing.assert_array_equal(wi.read_image(p)[:, :, 0], bits.astype(float))


def test_pnm_plain_and_binary(tmp_path):
    p2 = tmp_path / "a.pgm"
    p2.write_text("P2\n# a comment\n3 2\n10\n0 5 10\n# more\n1 2 3\n")
    np.testing.assert_allclose(wi.read_image(str(p2))[:, :, 0], [[0, .5, 1], [.1, .2, .3]])
    p3 = tmp_path / "a.ppm"
    p3.write_text("P3 2 1 255 255 0 0 0 0 255\n")
    np.testing.assert_allclose(wi.read_image(str(p3)), [[[1, 0, 0], [0, 0, 1]]])
    p5 = tmp_path / "b.pgm"
    p5.write_bytes(b"P5\n2 2\n65535\n" + struct.pack(">4H", 0, 1, 65535, 32768))
    np.testing.assert_allclose(wi.read_image(str(p5))[:, :, 0],
                               [[0, 1 / 65535], [1, 32768 / 65535]])
    p6 = tmp_path / "b.ppm"
    p6.write_bytes(b"P6 1 2 255\n" + bytes([255, 128, 0, 1, 2, 3]))
    np.testing.assert_allclose(wi.read_image(str(p6)),
                               np.array([[[255, 128, 0]], [[1, 2, 3]]]) / 255)


def write_idx(path, arr, magic, gz):
    data = struct.pack(">I", magic) + b"".join(struct.pack(">I", s) for s in arr.shape)
    data += arr.astype(np.uint8).tobytes()
    (gzip.open if gz else open)(path, "wb").write(data)


def test_idx_plain_and_gzip(tmp_path):
    rng = np.random.default_rng(2)
    imgs = rng.integers(0, 256, size=(7, 4, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, size=7, dtype=np.uint8)
    for gz in (False, True):
        pi, pl = str(tmp_path / ("i%d" % gz)), str(tmp_path / ("l%d" % gz))
        write_idx(pi, imgs, 0x803, gz)
        write_idx(pl, labels, 0x801, gz)
        np.testing.assert_array_equal(wi.read_idx(pi), imgs)
        np.testing.assert_array_equal(wi.read_idx(pi, 3), imgs[:3])
        np.testing.assert_array_equal(wi.read_idx_labels(pl), labels)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xffffffff)


def expect_error(path, *words):
    with pytest.raises(wass.WassError) as e:
        if "idx" in os.path.basename(path):
            wi.read_idx(path)
        else:
            wi.read_image(path)
    msg = str(e.value)
    assert path in msg, msg
    for w in words:
        assert w in msg, msg
    return msg


def test_reader_errors(tmp_path):
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, size=(40, 40, 3), dtype=np.uint8)
    good = str(tmp_path / "good.png")
    cv2.imwrite(good, img)
    raw = open(good, "rb").read()
    cut = str(tmp_path / "cut.png")
    open(cut, "wb").write(raw[: len(raw) // 2])
    expect_error(cut, "truncated PNG")
    # a flipped byte inside the IDAT data: a CRC or zlib error
    bad = bytearray(raw)
    at = raw.index(b"IDAT") + 20
    bad[at] ^= 0xff
    corrupt = str(tmp_path / "corrupt.png")
    open(corrupt, "wb").write(bytes(bad))
    expect_error(corrupt, "corrupt PNG")
    # a header claiming 60000 x 60000 pixels in a tiny file: refused, not allocated
    sig = b"\x89PNG\r\n\x1a\n"
    for side, words in [(10000, "more than a file of"), (60000, "too large")]:
        ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
        idat = png_chunk(b"IDAT", zlib.compress(b"\x00" * 100))
        huge = str(tmp_path / "huge.png")
        open(huge, "wb").write(sig + ihdr + idat + png_chunk(b"IEND", b""))
        expect_error(huge, words)
    # PNM
    for name, data, words in [
        ("t.pgm", b"P5 4 4 255\n" + bytes(10), ("truncated P5", "need 16 bytes")),
        ("h.pgm", b"P5 100000 100000 255\n" + bytes(10), ("too large",)),
        ("m.pgm", b"P2 2 2 0\n1 1 1 1", ("maxval 0",)),
        ("v.pgm", b"P2 2 1 10\n3 11\n", ("value 2 is 11, above maxval 10",)),
        ("n.pgm", b"P2 2 2 10\n3 x 1 2\n", ("truncated or bad P2 data",)),
        ("e.pgm", b"", ("empty file",)),
        ("x.bmp", b"BM\x00\x00\x00\x00", ("unsupported image format",)),
    ]:
        p = str(tmp_path / name)
        open(p, "wb").write(data)
        expect_error(p, *words)
    with pytest.raises(OSError, match="missing.png: cannot open"):
        wi.read_image(str(tmp_path / "missing.png"))
    # IDX
    p = str(tmp_path / "magic.idx")
    write_idx(p, np.zeros((2, 3, 3)), 0x802, False)
    expect_error(p, "not an IDX image file", "magic 0x00000802")
    p = str(tmp_path / "short.idx")
    data = struct.pack(">IIII", 0x803, 5, 4, 4) + bytes(40)
    open(p, "wb").write(data)
    expect_error(p, "truncated IDX file", "ends in image 2")
    p = str(tmp_path / "claim.idx")
    open(p, "wb").write(gzip.compress(struct.pack(">IIII", 0x803, 4000000000, 28, 28) + bytes(9)))
    expect_error(p, "corrupt IDX header", "more than the file can hold")
    p = str(tmp_path / "badgz.idx")
    good_gz = gzip.compress(struct.pack(">IIII", 0x803, 2, 8, 8) + bytes(range(128)))
    broken = bytearray(good_gz)
    broken[len(broken) // 2] ^= 0x55
    open(p, "wb").write(bytes(broken))
    with pytest.raises(wass.WassError) as e:
        wi.read_idx(p)
    assert p in str(e.value)
    p = str(tmp_path / "lab.idx")
    write_idx(p, np.zeros(3), 0x803, False)
    with pytest.raises(wass.WassError, match="not an IDX label file"):
        wi.read_idx_labels(p)


# ---- signatures ------------------------------------------------------------------------


def test_grey_signature_hand_made():
    g = np.array([[0, 1, 0], [2, 0, 1.0]])
    X, w = wi.grey_signature(g)
    np.testing.assert_array_equal(X, [[1, 0], [0, 1], [2, 1]])
    np.testing.assert_allclose(w, [0.25, 0.5, 0.25])
    # pooled 2 x 2 on a 3 x 3 image: blocks of 4, 2, 2 and 1 pixels
    g = np.arange(9, dtype=float).reshape(3, 3)
    X, w = wi.grey_signature(g, pool=2)
    np.testing.assert_array_equal(X, [[0.5, 0.5], [2, 0.5], [0.5, 2], [2, 2]])
    np.testing.assert_allclose(w, np.array([0 + 1 + 3 + 4, 2 + 5, 6 + 7, 8]) / 36)
    with pytest.raises(wass.WassError):
        wi.grey_signature(np.zeros((3, 3)))
    with pytest.raises(wass.WassError):
        wi.grey_signature(-np.ones((2, 2)))


def test_contour_signature_shapes():
    g = np.zeros((7, 7))
    g[1:6, 2:5] = 1  # a 5 x 3 rectangle: its border, 12 pixels, perimeter 12
    X, w = wi.contour_signature(g, points=12)
    border = {(x, y) for y in range(1, 6) for x in range(2, 5)} - {(3, 2), (3, 3), (3, 4)}
    assert {(int(x), int(y)) for x, y in X} == border
    np.testing.assert_allclose(w, 1 / 12)
    # in tracing order: consecutive points are 4-neighbours, around the loop
    assert np.all(np.abs(np.diff(X, axis=0, append=X[:1])).sum(1) == 1)
    # evenly spaced by arc length: 4 points on a loop of perimeter 12 are 3 apart
    X4, w4 = wi.contour_signature(g, points=4)
    assert len(X4) == 4 and {tuple(p) for p in X4} <= border
    assert np.all(np.abs(np.diff(X4, axis=0, append=X4[:1])).sum(1) == 3)
    # a ring: the outer border and the hole's border, points by their lengths
    r = np.zeros((9, 9))
    r[1:8, 1:8] = 1
    r[3:6, 3:6] = 0
    Xr, _ = wi.contour_signature(r, points=400)
    d = np.abs(Xr - 4).max(1)
    inner = (d <= 2).sum()
    assert abs(inner - 400 * (8 + 4 * 2 ** 0.5) / (32 + 4 * 2 ** 0.5)) <= 1
    assert np.all((d >= 1.5 - 1e-12) & ((d <= 2) | (np.abs(d - 3) < 1e-12)))
    # two blobs
    b = np.zeros((10, 12))
    b[1:3, 1:3] = 1
    b[5:9, 6:10] = 1
    Xb, _ = wi.contour_signature(b, points=32)
    assert (Xb[:, 1] < 4).sum() == 8 and (Xb[:, 1] > 4).sum() == 24
    with pytest.raises(wass.WassError, match="empty"):
        wi.contour_signature(np.zeros((4, 4)))


def test_colour_signature_two_colours():
    img = np.zeros((4, 4, 3))
    img[:, :3] = [1, 0, 0]  # 12 red pixels
    img[:, 3] = [0, 0, 1]  # 4 blue
    X, w = wi.colour_signature(img, k=4, seed=3)
    order = np.argsort(-w)
    np.testing.assert_allclose(w[order], [0.75, 0.25])
    # CIE Lab of sRGB red and blue (D65)
    np.testing.assert_allclose(X[order[0]], [53.24, 80.09, 67.20], atol=0.02)
    np.testing.assert_allclose(X[order[1]], [32.30, 79.19, -107.86], atol=0.02)
    # deterministic for a seed
    rng = np.random.default_rng(4)
    noisy = rng.random((12, 10, 3))
    a = wi.colour_signature(noisy, k=5, seed=7)
    b = wi.colour_signature(noisy, k=5, seed=7)
    np.testing.assert_array_equal(a[0], b[0])
    assert len(a[1]) == 5 and abs(a[1].sum() - 1) < 1e-12


# ---- grid solver -----------------------------------------------------------------------


def grid_points(rows, cols):
    r, c = np.divmod(np.arange(rows * cols), cols)
    return np.stack([c, r], 1).astype(float)


@pytest.mark.parametrize("metric,pot", [("cityblock", "cityblock"), ("chebyshev", "chebyshev"),
                                        ("euclidean", "euclidean")])
def test_grid_emd_against_pot(metric, pot):
    rng = np.random.default_rng(5)
    for rows, cols in [(1, 5), (4, 4), (7, 11), (16, 16), (28, 28)]:
        P = grid_points(rows, cols)
        M = ot.dist(P, P, metric=pot)
        for _ in range(3):
            a = rng.random((rows, cols)) * (rng.random((rows, cols)) < 0.5)
            b = rng.random((rows, cols))
            a[0, 0] += 0.1
            want = ot.emd2(a.ravel() / a.sum(), b.ravel() / b.sum(), M)
            r = wi.grid_emd(a, b, metric=metric)
            assert abs(r.cost - want) <= 1e-9 * max(1, want)
            assert r.certificate["duality_gap"] <= 1e-9
            # the potential's value is W1 and it is 1-Lipschitz along the edges
            f = r.potential
            assert abs(((a / a.sum() - b / b.sum()) * f).sum() - want) <= 1e-9
            assert np.all(np.abs(np.diff(f, axis=1)) <= 1 + 1e-12)
            if metric == "euclidean":
                # the plan moves a - b's positive part to its negative part
                src, dst, mass = r.moves
                s = a.ravel() / a.sum() - b.ravel() / b.sum()
                net = np.bincount(src, mass, s.size) - np.bincount(dst, mass, s.size)
                np.testing.assert_allclose(net, s, atol=1e-12)
                assert abs(mass @ M[src, dst] - want) <= 1e-9
                assert r.flows is None
                assert np.max(f.ravel()[:, None] - f.ravel()[None, :] - M) <= 1e-9
                continue
            assert r.moves is None
            assert r.flows.shape == (rows, cols, 2 if metric == "cityblock" else 4)
            assert abs(np.abs(r.flows).sum() - want) <= 1e-9
    r2 = wi.grid_emd(a, b, metric=metric, spacing=0.5)
    assert abs(r2.cost - 0.5 * r.cost) <= 1e-12


def test_grid_emd_errors():
    with pytest.raises(wass.WassError):
        wi.grid_emd(np.zeros((2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError):
        wi.grid_emd(np.ones((2, 2)), np.ones((2, 3)))
    with pytest.raises(wass.WassError, match="grid metric"):
        wi.grid_emd(np.ones((2, 2)), np.ones((2, 2)), metric="minkowski")
    a = np.zeros((3, 3))
    a[0, 0] = 1
    b = np.zeros((3, 3))
    b[2, 2] = 1
    with pytest.raises(wass.NotOptimalError):
        wi.grid_emd(a, b, max_iter=1)


# ---- retrieval -------------------------------------------------------------------------


def small_db(seed, count=60, shape=(9, 8)):
    rng = np.random.default_rng(seed)
    db = []
    for _ in range(count):
        img = np.zeros(shape)
        r, c = rng.integers(0, shape[0] - 3), rng.integers(0, shape[1] - 3)
        img[r:r + rng.integers(1, 4), c:c + rng.integers(1, 4)] = rng.random() + 0.2
        img += (rng.random(shape) < 0.1) * rng.random(shape)
        db.append(img)
    return db


@pytest.mark.parametrize("metric", ["euclidean", "cityblock", "chebyshev"])
def test_retrieve_exact_is_brute_force(metric):
    db, qs = small_db(6), small_db(7, count=6)
    k = 10
    P = grid_points(*db[0].shape)
    M = ot.dist(P, P, metric=metric)
    want = np.array([[ot.emd2(q.ravel() / q.sum(), d.ravel() / d.sum(), M) for d in db]
                     for q in qs])
    brute = wi.retrieve(db, qs, k=k, mode="brute", metric=metric)
    exact = wi.retrieve(db, qs, k=k, mode="exact", metric=metric)
    for t in range(len(qs)):
        order = np.lexsort((np.arange(len(db)), np.round(want[t], 12)))[:k]
        np.testing.assert_allclose(brute.distance[t], want[t][brute.index[t]], atol=1e-9)
        np.testing.assert_allclose(np.sort(want[t])[:k], brute.distance[t], atol=1e-9)
        assert set(brute.index[t]) == set(order) or np.allclose(
            want[t][brute.index[t]], want[t][order], atol=1e-9)
    np.testing.assert_array_equal(exact.index, brute.index)
    np.testing.assert_allclose(exact.distance, brute.distance, atol=1e-12)
    assert np.all(exact.exact_solves <= len(db)) and np.all(brute.exact_solves == len(db))
    assert exact.grid  # a 9 x 8 frame: the grid solver for every metric
    # re-ranking the whole database is the brute force too
    rr = wi.retrieve(db, qs, k=k, mode="rerank", rerank=len(db), metric=metric)
    np.testing.assert_array_equal(rr.index, brute.index)


def test_retrieve_pruning_and_embed():
    db, qs = small_db(8, count=150), small_db(9, count=4)
    ex = wi.retrieve(db, qs, k=5)
    assert ex.exact_solves.mean() < 0.5 * len(db)  # the bounds skip most solves
    em = wi.retrieve(db, qs, k=5, mode="embed", seed=3)
    assert np.all(em.exact_solves == 0)
    assert np.all(np.diff(em.distance, axis=1) >= 0)
    rr = wi.retrieve(db, qs, k=5, mode="rerank", rerank=20, seed=3)
    assert np.all(rr.exact_solves == 20)
    # a re-ranked distance is an exact one: never below the true k nearest
    assert np.all(rr.distance[:, 0] >= ex.distance[:, 0] - 1e-12)
    # signatures given directly, colour signatures, errors
    sigs = [wi.grey_signature(d) for d in db[:10]]
    r = wi.retrieve(sigs, sigs[:2], k=1)
    np.testing.assert_array_equal(r.index[:, 0], [0, 1])
    assert np.all(r.distance[:, 0] == 0)
    with pytest.raises(wass.WassError):
        wi.retrieve(db, qs, mode="nope")
    with pytest.raises(wass.WassError):
        wi.retrieve([], qs)
    bad = [(sigs[0][0], -sigs[0][1])] + sigs[1:]
    with pytest.raises(wass.WassError, match="database entry 0: .*negative"):
        wi.retrieve(bad, sigs[:1])


def test_cli_retrieve_matches_python(tmp_path):
    db = small_db(10, count=25)
    folder = tmp_path / "db"
    folder.mkdir()
    names = []
    for i, img in enumerate(db):
        name = "img%02d.png" % i
        cv2.imwrite(str(folder / name), np.round(img / img.max() * 255).astype(np.uint8))
        names.append(name)
    q = str(tmp_path / "q.pgm")
    qimg = np.round(db[3] / db[3].max() * 255).astype(np.uint8)
    cv2.imwrite(q, qimg)
    py_db = [wi.read_image(str(folder / n)) for n in names]
    for mode in ["exact", "embed", "rerank"]:
        out = subprocess.run([cli(), "retrieve", "--db", str(folder), "--query", q, "-k", "4",
                              "--mode", mode, "--json"], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        js = json.loads(out.stdout)
        want = wi.retrieve(py_db, [wi.read_image(q)], k=4, mode=mode)
        assert [r["name"] for r in js["results"]] == [names[i] for i in want.index[0]]
        np.testing.assert_allclose([r["distance"] for r in js["results"]], want.distance[0],
                                   rtol=1e-12)
    assert js["results"][0]["name"] == "img03.png"
    # an IDX database: names are indices
    idx = str(tmp_path / "db-idx3-ubyte.gz")
    write_idx(idx, np.stack([np.round(d / d.max() * 255) for d in db]), 0x803, True)
    out = subprocess.run([cli(), "retrieve", "--db", idx, "--query", idx, "--query-index", "3",
                          "-k", "2", "--json", "--metric", "cityblock"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    js = json.loads(out.stdout)
    assert js["results"][0] == {"name": 3, "distance": 0.0} and js["grid_solver"] is True
    # a broken image in the database: exit 2, the file named
    open(folder / "zz.png", "wb").write(open(folder / names[0], "rb").read()[:60])
    out = subprocess.run([cli(), "retrieve", "--db", str(folder), "--query", q],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "zz.png: truncated PNG" in out.stderr and out.stdout == ""
