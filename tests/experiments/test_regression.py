"""SRC and PRCC against closed forms: a linear model's exact coefficients, a monotone non-linear
model's PRCC near 1, an independent output's near 0, and the bootstrap's intervals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoresim.experiments import regression


def _design(n: int = 400, d: int = 3, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.0, 1.0, (n, d)) * np.array([1.0, 10.0, 0.5])[:d]


@given(st.lists(st.floats(-5.0, 5.0), min_size=3, max_size=3))
@settings(max_examples=40, deadline=None)
def test_src_of_a_linear_model_is_exact(slopes: list[float]) -> None:
    """y = a.x: SRC_i = a_i sd(x_i) / sd(y) exactly, and R² = 1."""
    X = _design()
    a = np.array(slopes)
    y = X @ a + 3.0
    if np.std(y) < 1e-6:  # every slope ~0: nothing to explain
        return
    coefficients, r2 = regression.src(X, y)
    assert coefficients == pytest.approx(a * X.std(axis=0) / y.std(), abs=1e-9)
    assert r2 == pytest.approx(1.0)


def test_src_with_noise_reports_the_explained_share() -> None:
    """y = x0 + e with var(e) = var(x0): the fit explains half the variance."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20_000, 2))
    y = X[:, 0] + rng.normal(size=20_000)
    coefficients, r2 = regression.src(X, y)
    assert r2 == pytest.approx(0.5, abs=0.02)
    assert coefficients == pytest.approx([np.sqrt(0.5), 0.0], abs=0.02)


def test_prcc_of_a_linear_model_equals_the_partial_correlation() -> None:
    """For untied data PRCC is the partial correlation of the ranks: here checked against the
    residual definition computed independently with numpy's lstsq."""
    rng = np.random.default_rng(2)
    X = rng.random((300, 3))
    y = 2 * X[:, 0] - X[:, 1] + 0.3 * rng.random(300)
    coefficients, _ = regression.prcc(X, y)
    ranks = np.column_stack([np.argsort(np.argsort(c)) + 1.0 for c in (*X.T, y)])
    for i in range(3):
        others = np.column_stack([np.ones(300), np.delete(ranks[:, :3], i, axis=1)])
        rx = ranks[:, i] - others @ np.linalg.lstsq(others, ranks[:, i], rcond=None)[0]
        ry = ranks[:, 3] - others @ np.linalg.lstsq(others, ranks[:, 3], rcond=None)[0]
        assert coefficients[i] == pytest.approx(np.corrcoef(rx, ry)[0, 1], abs=1e-12)
    assert coefficients[0] > 0.9 and coefficients[1] < -0.8 and abs(coefficients[2]) < 0.15


def test_prcc_of_a_monotone_nonlinear_model_is_near_one() -> None:
    """y = exp(8 x0) + small noise: strongly non-linear, monotone. PRCC is near 1 where SRC's
    linear fit explains far less; with a second monotone driver, y = exp(8 x0) - 200 x1^3,
    both show (the first near +1, the second clearly negative) and the irrelevant input stays
    near 0."""
    rng = np.random.default_rng(3)
    X = rng.random((500, 3))
    y = np.exp(8 * X[:, 0]) + rng.normal(0, 0.5, 500)
    coefficients, r2_ranks = regression.prcc(X, y)
    assert coefficients[0] > 0.99 and np.abs(coefficients[1:]).max() < 0.15
    src, r2_linear = regression.src(X, y)
    assert r2_ranks > 0.98 and r2_linear < 0.8 and src[0] < coefficients[0]
    y = np.exp(8 * X[:, 0]) - 200 * X[:, 1] ** 3 + rng.normal(0, 0.5, 500)
    coefficients, r2_ranks = regression.prcc(X, y)
    assert coefficients[0] > 0.9 and coefficients[1] < -0.5 and abs(coefficients[2]) < 0.15
    assert r2_ranks > regression.src(X, y)[1]


def test_a_non_monotone_response_has_a_low_r2() -> None:
    """y = (x0 - 0.5)^2: no parameter has a monotone effect; both regressions say so."""
    X = np.random.default_rng(4).random((400, 2))
    y = (X[:, 0] - 0.5) ** 2
    assert regression.src(X, y)[1] < 0.1
    assert regression.prcc(X, y)[1] < 0.1


def test_a_constant_parameter_or_output_gives_nan() -> None:
    X = np.random.default_rng(5).random((50, 2))
    assert np.isnan(regression.src(X, np.ones(50))[0]).all()
    X[:, 1] = 1.0  # a parameter that never varies has no PRCC; the other keeps its own
    coefficients, _ = regression.prcc(X, X[:, 0])
    assert np.isnan(coefficients[1]) and coefficients[0] == pytest.approx(1.0)


def test_bootstrap_intervals_cover_and_are_reproducible() -> None:
    rng = np.random.default_rng(6)
    X = rng.random((200, 2))
    y = X[:, 0] + 0.5 * rng.normal(size=200)
    for method in ("src", "prcc"):
        low, high = regression.bootstrap(X, y, method, seed=3, resamples=400)
        again = regression.bootstrap(X, y, method, seed=3, resamples=400)
        assert np.array_equal(low, again[0]) and np.array_equal(high, again[1])
        estimate = (regression.prcc if method == "prcc" else regression.src)(X, y)[0]
        assert (low <= estimate).all() and (estimate <= high).all()
        assert low[0] > 0 and low[1] < 0 < high[1]  # x0 matters, x1 does not
        other = regression.bootstrap(X, y, method, seed=4, resamples=400)
        assert not np.array_equal(low, other[0])


def test_prcc_p_values_follow_marino_equation_9() -> None:
    """t = r sqrt((n - 2 - p) / (1 - r²)), two-sided, n - 2 - p degrees of freedom."""
    from scipy import stats

    r, n = np.array([0.3, -0.5, 0.0]), 40
    t = r * np.sqrt((n - 2 - 2) / (1 - r**2))
    assert regression.prcc_p_values(r, n) == pytest.approx(2 * stats.t.sf(np.abs(t), n - 4))
    assert np.isnan(regression.prcc_p_values(r, 4)).all()  # no degrees of freedom left
