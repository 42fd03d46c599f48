"""Smoke tests of the examples with tiny step counts."""
import importlib.util
import os

import numpy as np
import ot
import pytest

pytest.importorskip("torch")
pytest.importorskip("matplotlib")

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples")


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_parallel_lines(tmp_path, capsys):
    mod = load("parallel_lines")
    traj_w1, traj_js = mod.main(["--n", "16", "--steps", "60", "--grid", "9",
                                 "--out", str(tmp_path)])
    assert (tmp_path / "parallel_lines.png").stat().st_size > 1000
    assert abs(traj_w1[-1]) < 0.1 < abs(traj_w1[0])  # W1 descent reaches theta ~ 0
    assert all(t == traj_js[0] for t in traj_js)  # JS gives no gradient
    assert "W1 descent" in capsys.readouterr().out


def test_wgan_quick(tmp_path, capsys):
    """The --quick smoke run: every dataset and model, the figures, --json."""
    import json

    mod = load("wgan")
    out = tmp_path / "wgan.json"
    results, report = mod.main(["--quick", "--jobs", "1", "--out", str(tmp_path),
                                "--json", str(out)])
    for d in ("ring8", "grid25"):
        assert (tmp_path / ("wgan_%s.png" % d)).stat().st_size > 1000
    js = json.loads(out.read_text())
    for d, total in (("ring8", 8), ("grid25", 25)):
        for m in ("gan", "wgan_clip", "wgan_gp"):
            s = js[d][m]
            assert s["modes_total"] == total and 0 <= s["modes"] <= total
            assert s["w1"] > 0 and s["floor"] > 0
            assert -1 <= s["corr"] <= 1
            r = results[d][m]
            assert len(r["w1"]) == len(r["step"]) == 4 and np.all(r["w1"] > 0)
            # the logged W1 is the exact one between the final samples (POT)
            n, m = len(r["real"]), len(r["fake"])
            ref = ot.emd2(np.full(n, 1 / n), np.full(m, 1 / m),
                          ot.dist(r["real"], r["fake"], metric="euclidean"))
            assert r["w1"][-1] == pytest.approx(ref, rel=1e-9)
            # modes by hand: >= 1 % of the samples within 3 sigma of a center
            c = mod.centers(d)
            near = [(np.linalg.norm(r["fake"] - ck, axis=1) <= 3 * mod.STD).mean() for ck in c]
            assert s["modes"] == sum(f >= 0.01 for f in near)
    assert "floor" in capsys.readouterr().out
