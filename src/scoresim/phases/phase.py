"""A phase of the step: a function over the society, known by a name and a random stream."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from scoresim.phases.params import Params
from scoresim.phases.record import StepRecord
from scoresim.society.agents import Society

#: ``run(society, params, rng, rec)``: advance ``society`` by one phase of step ``rec.t``
PhaseFunction = Callable[[Society, Params, np.random.Generator, StepRecord], None]


class Phase(NamedTuple):
    """One phase of the step, as :class:`scoresim.Simulation` runs it.

    Parameters
    ----------
    name : str
        What the phase is called: its key in ``Simulation.phase_seconds``.
    stream : str
        The name of its random stream. A built-in stream is a child of the run's
        ``SeedSequence`` in a fixed order (``scoresim.simulation.STREAMS``); any other name is
        derived from the seed and the name (:func:`scoresim.core.streams.named_stream`). Either
        way the draws do not depend on the name of ``run``, so renaming it changes no bit.
    run : callable
        ``run(society, params, rng, rec)``: reads and writes the arrays of ``society`` (and the
        fields of ``rec``, this step's :class:`~scoresim.phases.record.StepRecord`), with
        ``params`` the quantities in force (:class:`~scoresim.phases.params.Params`, whose
        ``bundle`` gives the phase its parameters) and ``rng`` its stream, from which it takes
        one key per step (``scoresim.core.counter_rng.step_key``).
    """

    name: str
    stream: str
    run: PhaseFunction
