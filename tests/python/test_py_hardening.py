"""Regressions of the independent review's defects seen from Python (the
C and CLI tests hold the others): sizes that overflow, scaled evaluation,
cancellation, and options checked as the CLI checks them."""
import numpy as np
import pytest

import wass


def test_sliced_projections_overflow():  # D2
    X, Y = np.zeros((2, 1)), np.ones((3, 1))
    with pytest.raises(wass.WassError, match="too many"):
        wass.sliced(X, Y, projections=2**62)


def test_wasserstein_1d_scaled():  # D8
    assert wass.wasserstein_1d(np.array([-1e308, 1e308]), np.array([0.0])) == 1e308
    assert wass.wasserstein_1d(np.array([-1e-310, 1e-310]), np.array([0.0])) == 1e-310
    # (POT's meaning: W_p^p) the sum of gap^p overflows inside, W_p^p itself does not
    assert wass.wasserstein_1d(np.array([1e100, -1e100]), np.array([0.0]), p=3) == \
        pytest.approx(1e300)
    assert wass.wasserstein_distance(np.array([-1e308, 1e308]), np.array([0.0])) == 1e308
    with pytest.raises(wass.WassError, match="overflows"):
        wass.wasserstein_1d(np.array([-1.7e308]), np.array([1.7e308]))


@pytest.mark.parametrize("big", [1e3, 1e6, 1e8])
def test_wmd_no_cancellation(big):  # D9
    v = np.array([[big, 0.5, 0.25], [big, 0.6, 0.2]], dtype=np.float32)
    wv = wass.WordVectors.from_arrays(["a", "b"], v)
    true = float(np.linalg.norm(v[0].astype(float) - v[1].astype(float)))
    d, wcd = wass.wmd(wv, "a", "b"), wass.wcd(wv, "a", "b")
    assert d == pytest.approx(true, rel=1e-12)
    assert d >= wcd and d >= wass.rwmd(wv, "a", "b")


def test_options_checked_like_the_cli():  # M3, M1
    X, Y = np.zeros((2, 1)), np.ones((2, 1))
    with pytest.raises(ValueError, match="threads = -5"):
        wass.solve(X=X, Y=Y, threads=-5)
    # an infinite mass tolerance takes any totals (b rescaled to a's)
    r = wass.solve(np.array([1.0, 1.0]), np.array([1.0, 2.0]), np.ones((2, 2)),
                   mass_tol=float("inf"))
    assert r.cost == pytest.approx(2.0)
    with pytest.raises(wass.WassError, match="sum to infinity"):
        wass.solve(np.array([1.5e308, 1.5e308]), np.array([1.0, 1.0]), np.ones((2, 2)))
