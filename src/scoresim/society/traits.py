"""Model v3's traits (docs/model.md section 7): susceptibility, expression threshold, awareness.

They come from a population stream of their own, derived from the seed and the name
:data:`TRAITS_STREAM` alone (:func:`scoresim.core.streams.named_seed_sequence`), so no earlier
stream depends on it and a v1 or v2 society is drawn exactly as before. Each trait has its own
child of that stream (:data:`TRAITS`, in spawn order), so switching one on changes no other, and
each is drawn only when its mechanism is on; otherwise its array is empty (zero size) and the
kernels use the value that stands for "off".

Every field that shapes a trait (``population.*``, ``expression.threshold``,
``expression.model``) is fixed for the run (the schedule refuses it), so the base scenario
alone decides which traits a run draws.
"""

from __future__ import annotations

import numpy as np

from scoresim.core.streams import named_seed_sequence
from scoresim.scenario import Scenario

#: the name the traits' stream is derived from
TRAITS_STREAM = "population.v3"
#: the traits' arrays (``Society`` fields), in the spawn order of their child streams:
#: ``susceptibility`` is 7.1's lambda, ``threshold`` 7.2's theta, ``aware`` 7.4's aware
TRAITS = ("susceptibility", "threshold", "aware")
#: a susceptibility below 0 stands for "the current ``adaptation.climate_weight``" (7.1: an
#: agent that is not stubborn when ``susceptibility.a = 0``; the weight may be scheduled)
COMMON_SUSCEPTIBILITY = -1.0


def susceptibility_on(scenario: Scenario) -> bool:
    """Whether 7.1's lambda is drawn: ``susceptibility.a > 0`` or ``stubborn_share > 0``."""
    p = scenario.population
    return p.susceptibility.a > 0.0 or p.stubborn_share > 0.0


def trait_bytes(scenario: Scenario) -> dict[str, int]:
    """Bytes per agent of each trait :func:`draw_traits` draws for ``scenario`` (0 when off).

    >>> from scoresim import Scenario
    >>> trait_bytes(Scenario.preset("seed").with_overrides({"expression.model": "threshold"}))
    {'susceptibility': 0, 'threshold': 8, 'aware': 0}
    """
    return {
        "susceptibility": 8 if susceptibility_on(scenario) else 0,
        "threshold": 8 if scenario.expression.model == "threshold" else 0,
        "aware": 1 if scenario.population.aware_share < 1.0 else 0,
    }


def draw_traits(scenario: Scenario) -> dict[str, np.ndarray]:
    """Model v3's traits of ``scenario``'s society by name, each empty when its mechanism is off.

    - ``susceptibility`` (7.1, Friedkin & Johnsen 1999): one uniform ``u_i`` per agent, then, if
      ``a > 0``, one ``Beta(a, b)`` per agent; 0 where ``u_i < stubborn_share``, else the Beta
      draw, or :data:`COMMON_SUSCEPTIBILITY` when ``a = 0``.
    - ``threshold`` (7.2, Granovetter 1978): ``Beta(a, b)`` of ``expression.threshold``, when
      ``expression.model = "threshold"``.
    - ``aware`` (7.4, Kostka 2019): ``u_i < aware_share``, when ``aware_share < 1``.

    Examples
    --------
    >>> from scoresim import Scenario
    >>> sc = Scenario.preset("seed").with_overrides({"population.agents": 5, "graph.degree": 2})
    >>> {k: v.size for k, v in draw_traits(sc).items()}
    {'susceptibility': 0, 'threshold': 0, 'aware': 0}
    >>> on = sc.with_overrides({"population.stubborn_share": 0.5})
    >>> draw_traits(on)["susceptibility"].tolist()
    [-1.0, 0.0, -1.0, 0.0, -1.0]
    """
    n, p = scenario.population.agents, scenario.population
    streams = dict(zip(TRAITS, named_seed_sequence(scenario.seed, TRAITS_STREAM).spawn(3),
                       strict=True))  # fmt: skip
    out = {"susceptibility": np.zeros(0), "threshold": np.zeros(0), "aware": np.zeros(0, bool)}
    on = trait_bytes(scenario)
    if on["susceptibility"]:
        rng = np.random.default_rng(streams["susceptibility"])
        stubborn = rng.random(n) < p.stubborn_share
        s = p.susceptibility
        lam = rng.beta(s.a, s.b, n) if s.a > 0.0 else np.full(n, COMMON_SUSCEPTIBILITY)
        lam[stubborn] = 0.0
        out["susceptibility"] = lam
    if on["threshold"]:
        t = scenario.expression.threshold
        out["threshold"] = np.random.default_rng(streams["threshold"]).beta(t.a, t.b, n)
    if on["aware"]:
        out["aware"] = np.random.default_rng(streams["aware"]).random(n) < p.aware_share
    return out
