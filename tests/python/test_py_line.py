"""wass.wasserstein_1d against scipy.stats.wasserstein_distance and
ot.wasserstein_1d; wass.tv / kl / js against scipy and closed forms."""
import numpy as np
import ot
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy, wasserstein_distance

import wass


def test_scipy_example_and_weights():
    assert wass.wasserstein_1d([0, 1, 3], [5, 6, 8]) == pytest.approx(5.0, rel=1e-14)
    rng = np.random.default_rng(1)
    u, v = rng.normal(size=50), rng.normal(1, 2, size=70)
    uw, vw = rng.random(50), rng.random(70)
    ref = wasserstein_distance(u, v, uw, vw)
    assert wass.wasserstein_1d(u, v, uw, vw) == pytest.approx(ref, rel=1e-9)


@pytest.mark.parametrize("p", [1, 2, 3.5])
def test_power_p_against_pot(p):
    rng = np.random.default_rng(2)
    u, v = rng.random(40), rng.random(33) * 2
    uw, vw = rng.random(40), rng.random(33)
    # POT's name, POT's meaning: W_p to the power p
    ref = ot.wasserstein_1d(u, v, uw / uw.sum(), vw / vw.sum(), p=p)
    assert wass.wasserstein_1d(u, v, uw, vw, p=p) == pytest.approx(ref, rel=1e-9)
    assert wass.wasserstein_1d(u, v, [], [], p=p) == pytest.approx(
        ot.wasserstein_1d(u, v, p=p), rel=1e-9)


def test_scipy_names_scipy_meaning():
    """wasserstein_distance and energy_distance as scipy.stats."""
    from scipy.stats import energy_distance
    rng = np.random.default_rng(7)
    for t in range(5):
        u, v = rng.normal(size=30 + t), rng.normal(0.5, 2, size=41)
        uw, vw = rng.random(30 + t), rng.random(41)
        uw[0] = 0.0
        assert wass.wasserstein_distance(u, v) == pytest.approx(wasserstein_distance(u, v),
                                                                rel=1e-12)
        assert wass.wasserstein_distance(u, v, uw, vw) == pytest.approx(
            wasserstein_distance(u, v, uw, vw), rel=1e-12)
        assert wass.energy_distance(u, v) == pytest.approx(energy_distance(u, v), rel=1e-12)
        assert wass.energy_distance(u, v, uw, vw) == pytest.approx(
            energy_distance(u, v, uw, vw), rel=1e-12)
    # ties and integer samples
    assert wass.energy_distance([0, 1, 1, 3], [1, 2]) == pytest.approx(
        energy_distance([0, 1, 1, 3], [1, 2]), rel=1e-12)
    with pytest.raises(wass.WassError, match="negative"):
        wass.energy_distance([0.0, 1.0], [1.0], [1.0, -1.0])
    with pytest.raises(wass.WassError, match="NaN"):
        wass.energy_distance([0.0, np.nan], [1.0])


@pytest.mark.parametrize("metric,p", [("sqeuclidean", 1), ("minkowski", 1.5),
                                      ("euclidean", 1), ("cityblock", 1)])
def test_emd_1d_plan_against_pot(metric, p):
    rng = np.random.default_rng(8)
    u, v = rng.normal(size=25), rng.normal(1, 1, size=19)
    a, b = rng.random(25), rng.random(19)
    a /= a.sum()
    b /= b.sum()
    G = wass.emd_1d(u, v, a, b, metric=metric, p=p)
    np.testing.assert_allclose(G, ot.emd_1d(u, v, a, b, metric=metric, p=p), atol=1e-14)
    assert wass.emd2_1d(u, v, a, b, metric=metric, p=p) == pytest.approx(
        ot.emd2_1d(u, v, a, b, metric=metric, p=p), rel=1e-12)
    np.testing.assert_allclose(G.sum(1), a, atol=1e-15)
    # sparse form and uniform weights
    S = wass.emd_1d(u[:, None], v[:, None], dense=False)
    np.testing.assert_allclose(S.toarray(), ot.emd_1d(u, v), atol=1e-15)
    with pytest.raises(wass.WassError, match="same total mass"):
        wass.emd_1d(u, v, a, 2 * b)


def test_batch_columns_float32_strided():
    rng = np.random.default_rng(3)
    U, V = rng.random((25, 4)), rng.random((30, 4))
    ref = ot.wasserstein_1d(U, V, p=2)
    np.testing.assert_allclose(wass.wasserstein_1d(U, V, p=2), ref, rtol=1e-9)
    u32 = rng.random(20).astype(np.float32)
    v32 = rng.random(15).astype(np.float32)
    ref32 = wasserstein_distance(u32.astype(np.float64), v32.astype(np.float64))
    assert wass.wasserstein_1d(u32, v32) == pytest.approx(ref32, rel=1e-9)
    big = rng.random(60)
    assert wass.wasserstein_1d(big[::3], big[1::2]) == pytest.approx(
        wasserstein_distance(big[::3], big[1::2]), rel=1e-9)


def test_line_errors():
    with pytest.raises(wass.WassError, match=r"negative"):
        wass.wasserstein_1d([0.0, 1.0], [2.0], u_weights=[1.0, -1.0])
    with pytest.raises(wass.WassError, match=r"NaN"):
        wass.wasserstein_1d([0.0, np.nan], [2.0])


def test_divergences():
    rng = np.random.default_rng(4)
    p, q = rng.random(10), rng.random(10)
    pn, qn = p / p.sum(), q / q.sum()
    assert wass.tv(p, q) == pytest.approx(0.5 * np.abs(pn - qn).sum(), rel=1e-12)
    assert wass.kl(p, q) == pytest.approx(entropy(p, q), rel=1e-12)
    assert wass.kl(p, q, bits=True) == pytest.approx(entropy(p, q, base=2), rel=1e-12)
    assert wass.js(p, q) == pytest.approx(jensenshannon(p, q) ** 2, rel=1e-10)
    assert wass.js(p, q, bits=True) == pytest.approx(jensenshannon(p, q, base=2) ** 2,
                                                     rel=1e-10)


def test_disjoint_supports():
    p, q = np.array([0.5, 0.5, 0, 0]), np.array([0, 0, 0.5, 0.5])
    assert wass.tv(p, q) == pytest.approx(1.0)
    assert wass.kl(p, q) == np.inf
    assert wass.js(p, q) == pytest.approx(np.log(2), rel=1e-14)
    assert wass.js(p, q, bits=True) == pytest.approx(1.0, rel=1e-14)
