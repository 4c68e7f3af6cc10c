"""Phase 1, adoption: Bass diffusion of enrolment, then a mandatory date (MODEL.md 2.1).

Bass (1969), "A new product growth for model consumer durables", Management Science 15(5): each
non-enrolled agent enrols with probability ``innovation + imitation * (enrolled neighbours / k_i)``,
the network form of the Bass hazard ``p + q F``; an isolated agent uses ``innovation`` alone. From
``adoption.mandatory_step`` on every agent is enrolled. Enrolment is never undone.
"""

from __future__ import annotations

import numpy as np

from scoresim.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society import Society


def enrolment_probability(society: Society, params: Params) -> np.ndarray:
    """Per-agent probability of enrolling this step (before the mandatory date)."""
    a = params.scenario.adoption
    share = society.graph.neighbour_mean(society.enrolled, empty=0.0)
    return np.minimum(1.0, a.innovation + a.imitation * share)


def adoption(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Enrol agents: all of them from the mandatory step on, else by the Bass hazard."""
    mandatory = params.scenario.mandatory_step
    if mandatory is not None and rec.t >= mandatory:
        society.enrolled[:] = True
        return
    p = enrolment_probability(society, params)
    society.enrolled |= rng.random(society.n) < p
