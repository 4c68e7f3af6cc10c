"""Random streams keyed by stable names: the one place a run's seed becomes random numbers.

A seed given as an argument (``Simulation(seed=)``, ``simulate(seed=)``, the CLI's ``--seed``,
``compare(seed=)``) first becomes the scenario's recorded seed (:func:`with_seed`); a run then
reads its seed from its scenario only and makes all its streams in :func:`run_streams`.

The built-in streams are the children of ``SeedSequence(seed)``, spawned in a fixed order of
names: child ``k`` is ``SeedSequence(seed, spawn_key=(k,))``, so a stream's draws depend on its
place in that order, never on the name of the function that uses it, and a stream appended to
the order leaves the others as they were. A stream for any other name (a mechanism added from
outside the package) is derived from the seed and its name alone (:func:`named_stream`):
``SeedSequence(seed, spawn_key=(NAMED_STREAM_TAG, *digest(name)))``. Its spawn key has five
words where a built-in child's has one, so it never coincides with one of them, and adding it
changes no other stream.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, TypeVar

import numpy as np

#: first word of the spawn key of a stream derived by name (ASCII "NAME"); a spawn key word is
#: 32 bits, so a larger tag would be split into two words and could coincide with a grandchild
NAMED_STREAM_TAG = 0x4E414D45


class Seeded(Protocol):
    """What :func:`with_seed` needs of a scenario (:class:`scoresim.Scenario` is one)."""

    @property
    def seed(self) -> int: ...

    def with_overrides(self, overrides: Mapping[str, object]) -> Seeded: ...


S = TypeVar("S", bound=Seeded)


def with_seed(scenario: S, seed: int | None) -> S:
    """``scenario`` with ``seed`` as its recorded seed; itself when ``seed`` is None or equal.

    The one way a seed argument enters a run: the seed a run uses is the one its scenario records.

    Examples
    --------
    >>> from scoresim import Scenario
    >>> sc = Scenario.preset("seed")
    >>> with_seed(sc, 7).seed, with_seed(sc, None) is sc, with_seed(sc, sc.seed) is sc
    (7, True, True)
    """
    if seed is None or seed == scenario.seed:
        return scenario
    return scenario.with_overrides({"seed": int(seed)})  # type: ignore[return-value]


def name_words(name: str) -> tuple[int, ...]:
    """Four 32-bit words of the BLAKE2b digest of ``name`` (UTF-8): stable across versions,
    platforms and processes (unlike :func:`hash`).

    >>> name_words("rumours")
    (580591994, 3919036972, 2467633376, 3743075921)
    """
    digest = hashlib.blake2b(name.encode(), digest_size=16).digest()
    return tuple(int.from_bytes(digest[k : k + 4], "little") for k in range(0, 16, 4))


def named_seed_sequence(seed: int, name: str) -> np.random.SeedSequence:
    """The seed sequence of :func:`named_stream`, whose children (``spawn``) give a named
    stream's own sub-streams (one per trait of model v3's population, for instance)."""
    return np.random.SeedSequence(seed, spawn_key=(NAMED_STREAM_TAG, *name_words(name)))


def named_stream(seed: int, name: str) -> np.random.Generator:
    """The stream of a name that is not among a run's built-in streams, from (seed, name) alone.

    Examples
    --------
    >>> same = named_stream(1, "rumours").random() == named_stream(1, "rumours").random()
    >>> other = named_stream(1, "rumours").random() == named_stream(1, "protests").random()
    >>> same, other
    (True, False)
    """
    return np.random.default_rng(named_seed_sequence(seed, name))


def run_streams(
    seed: int, spawned: Sequence[str], named: Iterable[str] = ()
) -> dict[str, np.random.Generator]:
    """A run's streams by name: ``spawned`` are the children of ``SeedSequence(seed)`` in that
    order; each of ``named`` not among them is :func:`named_stream`.

    Examples
    --------
    >>> streams = run_streams(3, ["population", "graph"], named=["graph", "rumours"])
    >>> list(streams)
    ['population', 'graph', 'rumours']
    >>> child = np.random.default_rng(np.random.SeedSequence(3).spawn(2)[1])
    >>> streams["graph"].random() == child.random()
    True
    """
    children = np.random.SeedSequence(seed).spawn(len(spawned))
    streams = {name: np.random.default_rng(s) for name, s in zip(spawned, children, strict=True)}
    for name in named:
        if name not in streams:
            streams[name] = named_stream(seed, name)
    return streams
