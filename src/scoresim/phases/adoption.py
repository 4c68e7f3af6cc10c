"""Phase 1, adoption: Bass diffusion of enrolment, then a mandatory date (docs/model.md 2.1).

Bass (1969), "A new product growth for model consumer durables", Management Science 15(5): each
non-enrolled agent enrols with probability ``innovation + imitation * (enrolled neighbours / k_i)``,
the network form of the Bass hazard ``p + q F``; an isolated agent uses ``innovation`` alone. From
``adoption.mandatory_step`` on every agent is enrolled. Enrolment is never undone. All agents
decide from the same snapshot of who is enrolled.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from scoresim.core.counter_rng import agent_key, step_key, uniform
from scoresim.core.jit import kernel, use_threads
from scoresim.phases.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society.agents import Society
from scoresim.society.enrolled_friends import KEY as TALLY
from scoresim.society.enrolled_friends import enrolled_friends, set_enrolled


@kernel
def _enrol(indptr, enrolled, friends, innovation, imitation, key):
    n = enrolled.size
    out = enrolled.copy()
    for i in prange(n):
        if enrolled[i]:
            continue
        degree = indptr[i + 1] - indptr[i]
        p = innovation
        if degree > 0:
            p += imitation * friends[i] / degree
        out[i] = uniform(agent_key(key, i), 0) < p
    return out


def adoption(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Enrol agents: all of them from the mandatory step on, else by the Bass hazard."""
    a = params.scenario.adoption
    mandatory = params.scenario.mandatory_step
    key = step_key(rng)
    if mandatory is not None and rec.t >= mandatory:
        if not society.enrolled.all():  # replaced, not written in place, and only once
            society.enrolled = np.ones(society.n, np.bool_)
        society.derived.pop(TALLY, None)  # no longer needed; let go of the arrays it holds
        return
    friends = enrolled_friends(society)  # kept up to date, not recounted (see the module)
    new = _enrol(
        use_threads(society.n), society.graph.indptr, society.enrolled, friends,
        a.innovation, a.imitation, key,
    )  # fmt: skip
    set_enrolled(society, new)
