"""A mechanism that is not in scoresim's model, added from a user's own file.

Word of sanctions spreads through friendships: an agent sanctioned this step knows, and every
agent who knows tells each friend with probability ``tell`` per step. The phase keeps one
column of its own, ``knows``, and one metric, ``knows_of_sanctions`` (the share who know). It
reads the society and the step's record and writes only its own state, so the model's own
results are unchanged, bit for bit.

Run it with ``python examples/word_of_sanctions.py``; docs/architecture.md walks through it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from scoresim import ExtraPhase, Scenario, Simulation


class WordParams(NamedTuple):
    """The phase's own parameters (a NamedTuple also passes straight into a numba kernel)."""

    tell: float  # the chance that an agent who knows tells a given friend, per step


def spread_word(society, params: WordParams, rng: np.random.Generator, rec) -> None:
    """Those sanctioned this step learn of it; each agent hears from each friend who knows
    with probability ``tell``: ``P(hear) = 1 - (1 - tell) ** friends_who_know``."""
    knows = society.extra["knows"]
    knows |= rec.sanctioned
    friends_who_know = society.graph.neighbour_sum(knows)
    knows |= rng.random(society.n) < 1.0 - (1.0 - params.tell) ** friends_who_know


WORD_OF_SANCTIONS = ExtraPhase(
    name="word_of_sanctions",
    run=spread_word,
    after="scoring",  # the step's sanctions are known once scoring has run
    params=WordParams(tell=0.01),
    state={"knows": (bool, False)},
    metrics={"knows_of_sanctions": lambda society: float(society.extra["knows"].mean())},
)


if __name__ == "__main__":
    small = Scenario.preset("seed").with_overrides({"population.agents": 5000, "steps": 52})
    run = Simulation(small, extra_phases=[WORD_OF_SANCTIONS]).run()
    print(run.metrics[["step", "adoption", "knows_of_sanctions"]].iloc[::13].to_string(index=False))
