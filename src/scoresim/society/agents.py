"""The society: one numpy array per agent state variable (struct of arrays) and the graph.

docs/model.md section 1. The population is drawn from its own random stream, in a fixed order, so
it depends only on the seed and the ``population`` fields; initial enrolment takes the last v1
draw of that stream (one uniform per agent), so ``adoption.initial`` changes nothing else.

Model v2 (section 6) adds state that only its mechanisms read: the offence propensity and civic
traits (drawn after every v1 draw, and only when some record kind exists in the run's timeline)
and the blacklist flags (only when the blacklist is enabled at some step). Otherwise these are
empty arrays: a mechanism that is off costs no memory. Model v3's traits (section 7) likewise,
from a stream of their own (:mod:`scoresim.society.traits`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
from numba import njit

from scoresim.scenario import Scenario
from scoresim.society.graph import Graph
from scoresim.society.tiers import TierTable
from scoresim.society.traits import draw_traits


@njit(inline="always", cache=True)
def expressed_of(dissent: float, censor: float) -> float:
    """Expressed dissent of one agent inside a kernel (what :attr:`Society.expressed` gives)."""
    return dissent * (1.0 - censor)


@dataclass
class Society:
    """Agent state at the end of the last phase that ran. Arrays have length ``n``."""

    # fixed traits
    dissent0: np.ndarray
    fear: np.ndarray
    import_taste: np.ndarray
    post_rate: np.ndarray
    buy_rate: np.ndarray
    income: np.ndarray
    # changing state
    dissent: np.ndarray
    employed: np.ndarray
    enrolled: np.ndarray
    score: np.ndarray
    censor: np.ndarray
    buy_conform: np.ndarray
    risk: np.ndarray
    gaming: np.ndarray
    has_loan: np.ndarray
    defaulted: np.ndarray
    wealth: np.ndarray
    tier: np.ndarray
    climate: np.ndarray
    graph: Graph = field(repr=False)
    # model v2, empty when its mechanism is off for the whole run
    propensity: np.ndarray = field(default_factory=lambda: np.zeros(0))  # offences, mean 1
    civic: np.ndarray = field(default_factory=lambda: np.zeros(0))  # good deeds, mean 1
    listed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # on the blacklist
    ever_listed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    #: listed in the last consequences: the listing's score_delta is due at the next scoring
    listing_pending: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    # model v3 (section 7), empty when its mechanism is off (society.traits): lambda of 7.1
    # (below 0: the current climate_weight), theta of 7.2, aware of 7.4
    susceptibility: np.ndarray = field(default_factory=lambda: np.zeros(0))
    threshold: np.ndarray = field(default_factory=lambda: np.zeros(0))
    aware: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    #: what the phases keep between steps, by name: tallies derived from the state (each knows
    #: what it was derived from and is redone when that changes), memory to reuse, settings
    derived: dict[str, object] = field(default_factory=dict, repr=False)
    #: the state of phases added from Python, by column name (``scoresim.phases.extension``)
    extra: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return int(self.dissent.size)

    @property
    def expressed(self) -> np.ndarray:
        """Publicly expressed dissent, ``dissent * (1 - censor)``."""
        return self.dissent * (1.0 - self.censor)

    @property
    def blacklist_on(self) -> bool:
        """Whether the run has a blacklist (its flags exist)."""
        return self.listed.size > 0

    @classmethod
    def initial(
        cls,
        scenario: Scenario,
        population_rng: np.random.Generator,
        graph: Graph,
        later: Sequence[Scenario] = (),
    ) -> Society:
        """Step 0 of docs/model.md section 1; ``later`` are the scenarios the timeline switches
        to (they decide which model v2 state the run needs).

        Examples
        --------
        >>> import numpy as np
        >>> from scoresim import Scenario
        >>> from scoresim.society.graph import Graph
        >>> s = Scenario.preset("seed").with_overrides({"population.agents": 20})
        >>> g = Graph(20, np.array([0, 1]), np.array([1, 2]))
        >>> soc = Society.initial(s, np.random.default_rng(0), g)
        >>> soc.score[:3].tolist(), soc.censor[:3].tolist()
        ([600.0, 600.0, 600.0], [0.0, 0.0, 0.0])
        """
        return cls.from_draws(scenario, draw_population(scenario, population_rng, later), graph)

    @classmethod
    def from_draws(cls, scenario: Scenario, draws: dict[str, np.ndarray], graph: Graph) -> Society:
        """Step 0 from the population's random draws (:func:`draw_population`) and the graph;
        model v3's traits (:func:`scoresim.society.traits.draw_traits`) from their own stream."""
        n = scenario.population.agents
        score = np.full(n, scenario.policy.score.base)
        zeros = np.zeros(n)
        return cls(
            **draws,
            **draw_traits(scenario),
            dissent=draws["dissent0"].copy(),
            score=score,
            censor=zeros.copy(),
            buy_conform=zeros.copy(),
            risk=zeros.copy(),
            gaming=zeros.copy(),
            has_loan=np.zeros(n, bool),
            defaulted=np.zeros(n, bool),
            wealth=zeros.copy(),
            tier=TierTable.from_scenario(scenario).of_agents(score, draws["enrolled"]),
            climate=zeros,
            graph=graph,
        )

    def release_buffers(self) -> None:
        """Let go of what the phases keep between steps (done once no step will come)."""
        self.derived.clear()

    def arrays(self) -> dict[str, np.ndarray]:
        """The per-agent arrays by name (the graph excluded), extra phases' state last."""
        return {
            **{f.name: getattr(self, f.name) for f in fields(self)
               if f.name not in ("graph", "derived", "extra")},
            **self.extra,
        }  # fmt: skip


#: agents per slice of the population's draws (:func:`fill_population`): 64 KB of floats, which
#: the drawing thread's heap recycles from slice to slice (larger slices left more memory there)
DRAW_CHUNK = 1 << 13


def draw_population(
    scenario: Scenario, rng: np.random.Generator, later: Sequence[Scenario] = ()
) -> dict[str, np.ndarray]:
    """The random part of step 0 (docs/model.md section 1) from the population's stream: the
    traits, employment and initial enrolment, then model v2's traits when some record kind
    exists in the timeline (``scenario`` and ``later``) and the blacklist flags when the
    blacklist is on at some step (:func:`empty_population`, :func:`fill_population`)."""
    arrays = empty_population(scenario, later)
    fill_population(arrays, scenario, rng, later)
    return arrays


def empty_population(scenario: Scenario, later: Sequence[Scenario] = ()) -> dict[str, np.ndarray]:
    """The arrays :func:`fill_population` fills, by name, in the order of the draws (the
    blacklist flags, which are not drawn, all false). Made by the thread that will own them:
    :class:`scoresim.Simulation` makes them in its own thread and fills them in another."""
    n, timeline = scenario.population.agents, (scenario, *later)
    arrays = {name: np.empty(n, dtype) for name, dtype, _ in _draws(scenario, timeline)}
    if any(sc.blacklist.enabled for sc in timeline):
        arrays |= {k: np.zeros(n, bool) for k in ("listed", "ever_listed", "listing_pending")}
    return arrays


def fill_population(
    arrays: dict[str, np.ndarray], scenario: Scenario, rng: np.random.Generator,
    later: Sequence[Scenario] = (),
) -> None:  # fmt: skip
    """Draw the population into ``arrays`` (:func:`empty_population`), one trait after the
    other and each in slices of :data:`DRAW_CHUNK` agents: the same numbers as one call per
    trait (numpy's generators fill in sequence), with only a slice's memory made here. numpy
    lets go of the GIL while it draws, so this runs in a thread beside the graph's building."""
    n = scenario.population.agents
    for name, _, draw in _draws(scenario, (scenario, *later)):
        out = arrays[name]
        for a in range(0, n, DRAW_CHUNK):
            out[a : a + DRAW_CHUNK] = draw(rng, min(DRAW_CHUNK, n - a))


def _draws(scenario: Scenario, timeline: Sequence[Scenario]) -> list[tuple[str, type, Callable]]:
    """(name, dtype, draw) of each drawn array in the fixed order of the draws; ``draw(rng,
    k)`` gives the next ``k`` values. Model v2's traits come after every v1 draw, so v1's
    society is the same with or without them."""
    p, initial = scenario.population, scenario.adoption.initial
    draws: list[tuple[str, type, Callable]] = [
        ("dissent0", np.float64, lambda rng, k: rng.beta(p.dissent.a, p.dissent.b, k)),
        ("fear", np.float64, lambda rng, k: rng.beta(p.fear.a, p.fear.b, k)),
        ("import_taste", np.float64,
         lambda rng, k: rng.beta(p.import_taste.a, p.import_taste.b, k)),
        ("post_rate", np.float64,
         lambda rng, k: rng.gamma(p.post_rate_shape, p.post_rate / p.post_rate_shape, k)),
        ("buy_rate", np.float64,
         lambda rng, k: rng.gamma(p.buy_rate_shape, p.buy_rate / p.buy_rate_shape, k)),
        ("income", np.float64, lambda rng, k: rng.lognormal(p.income_mu, p.income_sigma, k)),
        ("employed", np.bool_, lambda rng, k: rng.random(k) < p.employed),
        ("enrolled", np.bool_, lambda rng, k: rng.random(k) < initial),
    ]  # fmt: skip
    if any(sc.policy.records for sc in timeline):
        draws += [
            ("propensity", np.float64,
             lambda rng, k: rng.gamma(p.propensity_shape, 1.0 / p.propensity_shape, k)),
            ("civic", np.float64, lambda rng, k: rng.gamma(p.civic_shape, 1.0 / p.civic_shape, k)),
        ]  # fmt: skip
    return draws


def society_fields() -> tuple[str, ...]:
    """The names of the society's own arrays and attributes (what an extra phase's state
    column may not be called)."""
    return tuple(f.name for f in fields(Society))
