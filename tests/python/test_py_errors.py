"""Bad input to the Python module: every error names the argument and the
problem, with the right exception type (checked before any solve runs)."""
import numpy as np
import pytest

import wass

RNG = np.random.default_rng(7)
A = np.full(3, 1 / 3)
B = np.full(4, 1 / 4)
M = RNG.random((3, 4))
X = RNG.random((3, 2))
Y = RNG.random((4, 2))


def test_wass_error_is_value_error_with_code():
    assert issubclass(wass.WassError, ValueError)
    with pytest.raises(wass.WassError) as info:
        wass.emd(np.array([1.0, -1.0, 1.0]), B, M)
    assert info.value.code == wass._wass.ERR_NEGATIVE


@pytest.mark.parametrize("dtype", [np.complex128, object, "U3", "datetime64[s]"])
def test_bad_dtype_of_cost(dtype):
    with pytest.raises(TypeError, match=r"M must hold real numbers \(a float, integer or bool "
                                        r"dtype\), got dtype"):
        wass.emd(A, B, M.astype(dtype) if dtype != "datetime64[s]" else
                 np.zeros(M.shape, dtype))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.int8, np.bool_, np.float16,
                                   np.float32, np.longdouble])
def test_any_real_dtype_is_converted(dtype):
    """Integer, bool and every float dtype are converted to float64, like
    lists of ints (the same answer as the float64 input)."""
    Mi = np.array([[0, 1, 2], [2, 1, 0], [1, 3, 1]])
    ref = wass.emd2([0.5, 0.25, 0.25], [0.25, 0.25, 0.5], Mi.astype(float))
    got = wass.emd2([0.5, 0.25, 0.25], [0.25, 0.25, 0.5], Mi.astype(dtype))
    assert got == pytest.approx(ref if dtype != np.bool_ else
                                wass.emd2([0.5, 0.25, 0.25], [0.25, 0.25, 0.5],
                                          Mi.astype(bool).astype(float)), rel=1e-12)
    Xi = np.array([[0, 0], [1, 0], [0, 3]]).astype(dtype)
    Yi = np.array([[2, 0], [1, 1]]).astype(dtype)
    assert wass.wasserstein(Xi, Yi) == pytest.approx(
        wass.wasserstein(Xi.astype(float), Yi.astype(float)), rel=1e-12)


def test_integer_weights_like_lists():
    """np.array([1, 1, 1]) means the same as [1, 1, 1] (as POT)."""
    assert wass.emd2(np.array([1, 1, 1]), np.array([1, 1, 1, 0]), M) == pytest.approx(
        wass.emd2([1, 1, 1], [1, 1, 1, 0], M))
    assert wass.wasserstein_1d(np.arange(3), [1.0, 2.0]) == pytest.approx(
        wass.wasserstein_1d(np.arange(3.0), [1.0, 2.0]))


def test_bad_dtype_names_each_argument():
    with pytest.raises(TypeError, match=r"^a must hold real numbers .* got dtype complex128"):
        wass.emd(np.array([1, 1, 1], complex), B, M)
    with pytest.raises(TypeError, match=r"^b must hold .* got dtype complex128"):
        wass.emd(A, B.astype(complex), M)
    with pytest.raises(TypeError, match=r"^X must hold .* got dtype object"):
        wass.wasserstein(np.arange(6).reshape(3, 2).astype(object), Y)
    with pytest.raises(TypeError, match=r"^Y must hold .* got dtype <U1"):
        wass.wasserstein(X, np.array([["a", "b"]]))
    with pytest.raises(TypeError, match=r"^u_values must hold .* got dtype complex128"):
        wass.wasserstein_1d(np.arange(3) + 0j, [1.0, 2.0])
    with pytest.raises(TypeError, match=r"^q must hold .* got dtype object"):
        wass.tv([0.5, 0.5], np.array([0.5, None]))
    with pytest.raises(TypeError, match=r"^M must hold real numbers .* got dtype object"):
        wass.emd(A, B, {"x": 1})


def test_wrong_shapes():
    with pytest.raises(ValueError, match=r"^M must have shape \(3, 4\), got \(3, 5\)$"):
        wass.emd(A, B, RNG.random((3, 5)))
    with pytest.raises(ValueError, match=r"^M must have shape \(3, 4\), got \(4, 3\)$"):
        wass.emd2(A, B, M.T.copy())
    with pytest.raises(ValueError, match=r"^M must be a 2-D array, got shape \(12,\)$"):
        wass.emd(A, B, M.ravel())
    with pytest.raises(ValueError, match=r"^a must be a 1-D array, got shape \(3, 1\)$"):
        wass.emd(A[:, None], B, M)
    with pytest.raises(ValueError, match=r"^b must be a 1-D array, got a scalar$"):
        wass.emd(A, 1.0, M)
    with pytest.raises(ValueError, match=r"X and Y must have the same dimension \(columns\), "
                                         r"got X of shape \(3, 2\) and Y of shape \(4, 3\)"):
        wass.wasserstein(X, RNG.random((4, 3)))
    with pytest.raises(ValueError, match=r"^a must have shape \(3,\) to match X, got \(4,\)$"):
        wass.wasserstein(X, Y, a=B)
    with pytest.raises(ValueError, match=r"^b must have shape \(4,\) to match Y, got \(3,\)$"):
        wass.solve(None, A, X=X, Y=Y)
    with pytest.raises(ValueError, match=r"^p and q must have the same length, got 2 and 3$"):
        wass.kl([0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match=r"^u_weights must have shape \(3,\) to match u_values, "
                                         r"got \(2,\)$"):
        wass.wasserstein_1d([0.0, 1.0, 2.0], [1.0], u_weights=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"^init_f must have shape \(3,\), got \(4,\)$"):
        wass.sinkhorn(A, B, M, 0.1, init_f=np.zeros(4))


def test_nan_and_inf():
    with pytest.raises(wass.WassError, match=r"weight a\[1\] is NaN"):
        wass.emd(np.array([0.5, np.nan, 0.5]), B, M)
    with pytest.raises(wass.WassError, match=r"weight b\[3\] is infinite"):
        wass.emd(A, np.array([0.25, 0.25, 0.25, np.inf]), M)
    Xn = X.copy()
    Xn[2, 1] = np.nan
    with pytest.raises(wass.WassError, match=r"X\[5\] is NaN"):
        wass.wasserstein(Xn, Y)
    # float32 input is converted before the check
    with pytest.raises(wass.WassError, match=r"weight a\[0\] is NaN"):
        wass.emd(np.array([np.nan, 1, 1], dtype=np.float32), B, M)


def test_negative_and_zero_weights():
    with pytest.raises(wass.WassError, match=r"weight b\[2\] = -0.5 is negative"):
        wass.emd2(A, np.array([0.5, 0.5, -0.5, 0.5]), M)
    with pytest.raises(wass.WassError, match=r"weights a sum to zero"):
        wass.emd2(np.zeros(3), B, M)
    with pytest.raises(wass.WassError, match=r"weight a\[0\] = -1 is negative"):
        wass.wasserstein(X, Y, a=np.array([-1.0, 1.0, 1.0]))


def test_empty_arrays():
    # empty weights mean uniform, as POT's a=[]
    np.testing.assert_array_equal(wass.emd(np.array([]), B, M), wass.emd(None, B, M))
    with pytest.raises(wass.WassError, match=r"^M is empty \(shape \(0, 4\)\)$"):
        wass.emd(None, B, np.zeros((0, 4)))
    with pytest.raises(wass.WassError, match=r"^X is empty \(shape \(0, 2\)\)$"):
        wass.wasserstein(np.zeros((0, 2)), Y)
    with pytest.raises(wass.WassError, match=r"^Y is empty \(shape \(0, 2\)\)$"):
        wass.wasserstein(X, np.zeros((0, 2)))
    with pytest.raises(wass.WassError, match=r"^v_values is empty"):
        wass.wasserstein_1d([1.0], [])
    with pytest.raises(wass.WassError, match=r"^p is empty"):
        wass.js([], [])


def test_bad_options():
    with pytest.raises(wass.WassError, match=r"unknown metric 'hamming' \(expected euclidean"):
        wass.wasserstein(X, Y, metric="hamming")
    with pytest.raises(ValueError, match=r"give either a cost matrix M or point clouds X and Y, "
                                         r"not both"):
        wass.solve(A, B, M, X=X, Y=Y)
    with pytest.raises(ValueError, match=r"give a cost matrix M or point clouds X and Y"):
        wass.solve(A, B)
    with pytest.raises(ValueError, match=r"point clouds need both X and Y"):
        wass.solve(A, B, X=X)
    with pytest.raises(TypeError, match=r"max_iter must be an integer, got float"):
        wass.emd(A, B, M, max_iter=2.5)
    with pytest.raises(TypeError, match=r"threads must be an integer, got str"):
        wass.emd(A, B, M, threads="4")
    with pytest.raises(wass.WassError, match=r"power p = -1 must be positive"):
        wass.solve(A, B, M, p=-1)
    with pytest.raises(wass.WassError, match=r"Minkowski exponent q = 0.5 must be >= 1"):
        wass.wasserstein(X, Y, metric="minkowski", q=0.5)
    with pytest.raises(wass.WassError, match=r"projections = 0 must be >= 1"):
        wass.sliced(X, Y, projections=0)
