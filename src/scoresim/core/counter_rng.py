"""Counter-based random numbers for compiled kernels, independent of threads and agent order.

Each phase owns a ``numpy.random.Generator`` (spawned from the run's ``SeedSequence``) and takes
one 64-bit key from it per step (:func:`step_key`). Inside a kernel, agent ``i`` derives its own
key ``agent_key(key, i)`` and its ``j``-th uniform is ``uniform(agent_key, j)``: the SplitMix64
output function (Steele, Lea & Flood 2014) applied to a Weyl sequence, used in counter mode as
in Salmon et al. (2011), "Parallel random numbers: as easy as 1, 2, 3". Every draw is a pure
function of (seed, phase, step, agent, draw number), so results are bit-identical whatever the
number of threads and whatever order agents are visited in.

Poisson variates use inversion for small means and Hörmann's (1993) PTRS transformed rejection
for means of 10 and more (the algorithm numpy uses).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TO_UNIT = 2.0**-53
#: 1/k for the Poisson inversion: a multiplication instead of a division in its inner loop
_RECIPROCALS = np.array([0.0, *(1.0 / k for k in range(1, 65))])


def step_key(rng: np.random.Generator) -> np.uint64:
    """One 64-bit key for this step of a phase, drawn from the phase's generator."""
    return np.uint64(rng.integers(0, 2**64, dtype=np.uint64))


@njit(inline="always", cache=True)
def mix64(z: np.uint64) -> np.uint64:
    """The SplitMix64 finaliser: a bijective 64-bit mixer."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(inline="always", cache=True)
def agent_key(key: np.uint64, agent: int) -> np.uint64:
    """The key of one agent's draws within a step."""
    return mix64(key + np.uint64(agent + 1) * _GOLDEN)


@njit(inline="always", cache=True)
def uniform(akey: np.uint64, counter: int) -> float:
    """The ``counter``-th uniform in [0, 1) of an agent's stream (53 random bits)."""
    return float(mix64(akey + np.uint64(counter + 1) * _GOLDEN) >> _S11) * _TO_UNIT


#: Poisson means below this are drawn by inversion (one uniform), others by PTRS
INVERSION_BELOW = 10.0


@njit(inline="always", cache=True)
def by_inversion(lam: float) -> bool:
    """Whether :func:`poisson` draws a Poisson(lam) by inversion (``0 < lam < 10``)."""
    return 0.0 < lam < INVERSION_BELOW


@njit(inline="always", cache=True)
def inversion_continues(u: float, cdf: float, k: int) -> bool:
    """Whether the inversion of ``u`` goes past ``k`` (capped at 1000)."""
    return u > cdf and k < 1000


@njit(inline="always", cache=True)
def inversion_term(term: float, lam: float, k: int) -> float:
    """The Poisson probability of ``k`` from that of ``k - 1`` (``term``)."""
    return term * (lam * _RECIPROCALS[k] if k < _RECIPROCALS.size else lam / k)


@njit(inline="always", cache=True)
def poisson_start(akey: np.uint64, counter: int, lam: float) -> tuple[float, float, int, int]:
    """Start a Poisson(lam) draw from ``counter`` whose count a loop finds one unit at a time
    (:func:`poisson_continues`, :func:`inversion_term`), so that the loop can do the work of
    each unit as soon as it is known to exist: the same numbers as :func:`poisson`, in one loop
    where a draw of the count and a loop over it would each end in a mispredicted branch.

    Returns ``(u, term, known, first)``: the inversion's uniform and ``exp(-lam)``, and
    ``known = -1``; or, for a mean the inversion does not draw, the count ``known`` drawn at
    once. ``first`` is the counter of the first uniform after the count's own (unit ``k``'s
    is ``first + k - 1``; the next draw's, ``first + count``)."""
    if by_inversion(lam):
        return uniform(akey, counter), math.exp(-lam), -1, counter + 1
    known, first = poisson(akey, counter, lam)
    return 0.0, 0.0, known, first


@njit(inline="always", cache=True)
def poisson_continues(u: float, cdf: float, known: int, k: int) -> bool:
    """Whether the count of a draw begun by :func:`poisson_start` goes past ``k``."""
    return k < known if known >= 0 else inversion_continues(u, cdf, k)


@njit(inline="always", cache=True)
def poisson(akey: np.uint64, counter: int, lam: float) -> tuple[int, int]:
    """A Poisson(lam) draw using uniforms from ``counter`` on; returns (value, next counter).

    Inlined where it is called: the inversion for small means, the common case, is a short loop
    a call would cost a fifth of; the rejection method for large ones stays a call. A caller
    may run the inversion's loop itself (:func:`by_inversion`, :func:`inversion_continues`,
    :func:`inversion_term`) to do work per unit of the count inside it."""
    if lam <= 0.0:
        return 0, counter
    if lam < INVERSION_BELOW:
        u = uniform(akey, counter)
        term = math.exp(-lam)
        cdf = term
        k = 0
        while inversion_continues(u, cdf, k):
            k += 1
            term = inversion_term(term, lam, k)
            cdf += term
        return k, counter + 1
    return _poisson_ptrs(akey, counter, lam)


@njit(cache=True)
def _poisson_ptrs(akey: np.uint64, counter: int, lam: float) -> tuple[int, int]:
    """Hörmann's PTRS for ``lam >= 10``: a Poisson draw using uniforms from ``counter`` on."""
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = uniform(akey, counter) - 0.5
        v = uniform(akey, counter + 1)
        counter += 2
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return int(k), counter
        if k < 0 or (us < 0.013 and v > us):
            continue
        lhs = math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)
        if lhs <= -lam + k * loglam - math.lgamma(k + 1.0):
            return int(k), counter


@njit(inline="always", cache=True)
def binomial_thin(akey: np.uint64, counter: int, count: int, p: float) -> tuple[int, int]:
    """How many of ``count`` events survive independent thinning with probability ``p``."""
    if p >= 1.0:
        return count, counter
    if p <= 0.0:
        return 0, counter
    kept = 0
    for _ in range(count):
        if uniform(akey, counter) < p:
            kept += 1
        counter += 1
    return kept, counter
