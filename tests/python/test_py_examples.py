"""Smoke tests of the examples with tiny step counts."""
import importlib.util
import os

import numpy as np
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


def test_wgan(tmp_path, capsys):
    mod = load("wgan")
    res = mod.main(["--steps", "8", "--log-every", "4", "--batch", "32", "--eval-batch", "64",
                    "--width", "16", "--n-critic", "2", "--threads", "1", "--out", str(tmp_path)])
    assert (tmp_path / "wgan.png").stat().st_size > 1000
    for r in res.values():
        assert len(r["exact"]) == 3 and np.all(r["exact"] > 0)
    assert "correlation" in capsys.readouterr().out
