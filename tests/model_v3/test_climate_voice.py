"""7.5's climate_voice_corr in floating point: centred co-moments in fixed chunks against numpy's
``corrcoef``, where speech is nearly constant (the review's reproducer: running sums of squares
cancelled there, raising a math domain error inside adaptation or giving inf) and on random
data (hypothesis); the chunks merged by Chan et al.'s update against the moments of the whole."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scoresim.core.moments import merge_comoments, pearson_of_comoments, pearson_of_sums
from scoresim.phases.climate_voice import climate_voice_comoments, climate_voice_corr

CRITIC = 4  # the start-of-phase flag bit of the privately critical


def corr_both_flavours(flags, censor, supports):
    """The correlation from the serial and the threaded kernel, which must agree bit for bit."""
    serial = climate_voice_corr(climate_voice_comoments(False, flags, censor, supports))
    threaded = climate_voice_corr(climate_voice_comoments(True, flags, censor, supports))
    assert serial == threaded or (np.isnan(serial) and np.isnan(threaded))
    return serial


@pytest.mark.parametrize("tiny", [1e-6, 1e-7, 3e-8, 1e-9, 1e-12])
@pytest.mark.parametrize("where", [0, 66_667])  # also as the first critic, the reference pair
def test_one_barely_censored_critic_among_200000(tiny, where):
    n = 200_000
    supports = (np.arange(n) % 10) / 10.0
    censor = np.zeros(n)
    censor[where] = tiny
    flags = np.full(n, CRITIC, np.uint8)
    got = corr_both_flavours(flags, censor, supports)
    # the exact value does not depend on tiny: y - mean(y) is tiny * (1[i = where] - 1/n)
    centred = supports - supports.mean()
    exact = -centred[where] / np.sqrt((centred**2).sum() * (1 - 1 / n))
    assert got == pytest.approx(exact, rel=1e-12)
    if tiny >= 1e-9:  # below, numpy's own one-pass mean loses the digits (2.5e-6 at 1e-12)
        assert got == pytest.approx(np.corrcoef(supports, 1 - censor)[0, 1], rel=1e-9)


def test_critics_only_and_nan_without_variance():
    rng = np.random.default_rng(3)
    n = 5000
    supports, censor = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    critic = rng.uniform(0, 1, n) < 0.3
    flags = np.where(critic, CRITIC | 3, 3).astype(np.uint8)  # the other bits do not count
    expected = np.corrcoef(supports[critic], 1 - censor[critic])[0, 1]
    assert corr_both_flavours(flags, censor, supports) == pytest.approx(expected, abs=1e-14)
    speech_constant = np.where(critic, 0.25, censor)
    assert np.isnan(corr_both_flavours(flags, speech_constant, supports))
    support_constant = np.where(critic, 0.5, supports)
    assert np.isnan(corr_both_flavours(flags, censor, support_constant))
    one = np.zeros(n, np.uint8)
    one[17] = CRITIC
    assert np.isnan(corr_both_flavours(one, censor, supports))
    assert np.isnan(corr_both_flavours(np.zeros(n, np.uint8), censor, supports))


# supports are shares of friends; censor anywhere in [0, 1], sometimes exactly 0 or 1
unit = st.floats(0, 1)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 400),
    seed=st.integers(0, 2**32 - 1),
    zero_share=st.sampled_from([0.0, 0.5, 0.99]),
    scale=st.sampled_from([1.0, 1e-3, 1e-8]),
)
def test_climate_voice_corr_against_numpy_on_random_data(n, seed, zero_share, scale):
    rng = np.random.default_rng(seed)
    supports = rng.integers(0, 11, n) / 10.0
    censor = scale * rng.uniform(0, 1, n) * (rng.uniform(0, 1, n) >= zero_share)
    critic = rng.uniform(0, 1, n) < 0.7
    flags = np.where(critic, CRITIC, 0).astype(np.uint8)
    got = corr_both_flavours(flags, censor, supports)
    x, y = supports[critic], 1 - censor[critic]
    if critic.sum() < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        assert np.isnan(got)
    else:
        assert got == pytest.approx(np.corrcoef(x, y)[0, 1], rel=1e-7, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    xy=hnp.arrays(np.float64, st.tuples(st.integers(2, 60), st.just(2)), elements=unit),
    cuts=st.lists(st.integers(0, 60), max_size=6),
)
def test_merged_chunks_have_the_moments_of_the_whole(xy, cuts):
    edges = [0, *sorted(c for c in cuts if c <= len(xy)), len(xy)]
    rows = np.zeros((len(edges) - 1, 6))
    for r, (lo, hi) in enumerate(itertools.pairwise(edges)):
        part = xy[lo:hi]
        if len(part):
            d = part - part.mean(axis=0)
            rows[r] = len(part), *part.mean(axis=0), *(d * d).sum(axis=0), (d[:, 0] * d[:, 1]).sum()
    count, mx, my, cxx, cyy, cxy = merge_comoments(rows)
    d = xy - xy.mean(axis=0)
    assert count == len(xy)
    assert (mx, my) == pytest.approx(tuple(xy.mean(axis=0)), abs=1e-14)
    assert (cxx, cyy, cxy) == pytest.approx(
        ((d[:, 0] ** 2).sum(), (d[:, 1] ** 2).sum(), (d[:, 0] * d[:, 1]).sum()), abs=1e-12
    )
    r = pearson_of_comoments(count, cxx, cyy, cxy)
    assert np.isnan(r) or -1.0 <= r <= 1.0


def test_the_sums_correlation_is_nan_not_an_error_when_rounding_eats_a_variance():
    # sums as rounding leaves them: E[y^2] - E[y]^2 below 0 (a math domain error before), or
    # both below 0 (a finite product: a value that was wrong), or an overflow
    assert np.isnan(pearson_of_sums(2, 1.0, 2.0, 1.0, 1.9999, 1.0))
    assert np.isnan(pearson_of_sums(2, 2.0, 2.0, 1.9999, 1.9999, 2.0))
    assert np.isnan(pearson_of_sums(2, 1.0, 1.0, 1.0, np.inf, 1.0))
