"""Phase 1, adoption: Bass diffusion of enrolment, then a mandatory date (docs/model.md 2.1).

Bass (1969), "A new product growth for model consumer durables", Management Science 15(5): each
non-enrolled agent enrols with probability ``innovation + imitation * (enrolled neighbours / k_i)``,
the network form of the Bass hazard ``p + q F``; an isolated agent uses ``innovation`` alone. From
``adoption.mandatory_step`` on every agent is enrolled. Enrolment is never undone. All agents
decide from the same snapshot of who is enrolled.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import prange

from scoresim.core.counter_rng import agent_key, step_key, uniform
from scoresim.core.jit import kernel, use_threads
from scoresim.phases.params import Params
from scoresim.phases.phase import Phase
from scoresim.phases.record import StepRecord
from scoresim.scenario import Scenario
from scoresim.society.agents import Society
from scoresim.society.enrolled_friends import KEY as TALLY
from scoresim.society.enrolled_friends import enrolled_friends, set_enrolled
from scoresim.society.tiers import TierTable


class AdoptionParams(NamedTuple):
    """The parameters of :func:`adoption` (scenario table ``[adoption]``)."""

    innovation: float  #: Bass's p, ``adoption.innovation``
    imitation: float  #: Bass's q, ``adoption.imitation``
    #: the first step of mandatory enrolment, ``adoption.mandatory_step``; inf if never within
    #: the run
    mandatory_from: float

    @classmethod
    def of(cls, scenario: Scenario, tiers: TierTable) -> AdoptionParams:
        """The bundle of ``scenario`` (``mandatory_from`` is ``inf`` for "never")."""
        a, mandatory = scenario.adoption, scenario.mandatory_step
        return cls(
            innovation=a.innovation,
            imitation=a.imitation,
            mandatory_from=math.inf if mandatory is None else float(mandatory),
        )


@kernel
def _enrol(indptr, enrolled, friends, key, p):
    n = enrolled.size
    out = enrolled.copy()
    for i in prange(n):
        if enrolled[i]:
            continue
        degree = indptr[i + 1] - indptr[i]
        q = p.innovation
        if degree > 0:
            q += p.imitation * friends[i] / degree
        out[i] = uniform(agent_key(key, i), 0) < q
    return out


def adoption(society: Society, params: Params, rng: np.random.Generator, rec: StepRecord) -> None:
    """Enrol agents: all of them from the mandatory step on, else by the Bass hazard.

    Reads
    -----
    society.enrolled, society.graph : arrays
        Who is enrolled at the start of the phase, and the friendships.
    society.derived["enrolled_friends"] : int array
        The tally of enrolled friends per agent, kept up to date between steps
        (``scoresim.society.enrolled_friends``).
    rec.t : int
        The step, against ``adoption.mandatory_step``.

    Writes
    ------
    society.enrolled : bool array
        Enrolment after this step's decisions (never undone).

    Notes
    -----
    Parameters: :class:`AdoptionParams`. Each non-enrolled agent ``i`` enrols with probability
    ``innovation + imitation * F_i``, ``F_i`` the share of its friends enrolled at the start of
    the phase (``innovation`` alone without friends), one uniform per agent.

    References
    ----------
    1. Bass, F. M. (1969). A new product growth for model consumer durables. *Management
       Science* 15(5), 215-227.
    2. docs/model.md, section 2.1.
    """
    p = params.bundle(AdoptionParams)
    key = step_key(rng)
    if rec.t >= p.mandatory_from:
        if not society.enrolled.all():  # replaced, not written in place, and only once
            society.enrolled = np.ones(society.n, np.bool_)
        society.derived.pop(TALLY, None)  # no longer needed; let go of the arrays it holds
        return
    friends = enrolled_friends(society)  # kept up to date, not recounted (see the module)
    new = _enrol(use_threads(society.n), society.graph.indptr, society.enrolled, friends, key, p)
    set_enrolled(society, new)


PHASE = Phase(name="adoption", stream="adoption", run=adoption)
