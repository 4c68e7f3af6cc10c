"""The quantities in force: a scenario, its tier table, and each phase's parameter bundle.

A phase's parameters are one typed bundle (a ``NamedTuple``, which a compiled kernel takes as
one argument) defined in the phase's module next to its kernel, with a classmethod
``of(scenario, tiers)`` that extracts the scenario's fields and applies the phase's rules
(e.g. :class:`scoresim.phases.network.NetworkParams`). :class:`Params` builds each bundle once
for its scenario, when a phase first asks for it; a new :class:`Params` is made for every
scenario of the policy timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from scoresim.scenario import Scenario
from scoresim.society.tiers import TierTable


class Bundle(Protocol):
    """A phase's parameters, built from a scenario and its tier table."""

    @classmethod
    def of(cls, scenario: Scenario, tiers: TierTable) -> Bundle: ...


B = TypeVar("B", bound=Bundle)


@dataclass(frozen=True)
class Params:
    """A scenario, its tier table, and the phases' parameter bundles built from them.

    Examples
    --------
    >>> from scoresim import Scenario
    >>> from scoresim.phases.scoring import ScoringParams
    >>> p = Params.from_scenario(Scenario.preset("seed"))
    >>> scoring = p.bundle(ScoringParams)
    >>> scoring.topic_deltas.tolist(), scoring.friend_weight, p.bundle(ScoringParams) is scoring
    ([-40.0, -20.0], 0.02, True)
    """

    scenario: Scenario
    tiers: TierTable
    _bundles: dict[type, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Params:
        return cls(scenario=scenario, tiers=TierTable.from_scenario(scenario))

    def bundle(self, kind: type[B]) -> B:
        """The bundle ``kind.of(scenario, tiers)``, built on the first call and kept."""
        built = self._bundles.get(kind)
        if built is None:
            built = self._bundles[kind] = kind.of(self.scenario, self.tiers)
        return built  # type: ignore[no-any-return]
