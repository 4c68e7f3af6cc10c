"""The phases of one step, docs/model.md section 2, one module each, run in this order.

Each module holds a phase's function, its compiled kernels, its parameter bundle (a
``NamedTuple`` built from the scenario, see :mod:`scoresim.phases.params`) and its
:class:`~scoresim.phases.phase.Phase` record, which names the phase and its random stream.
"""

from scoresim.phases import activity, adaptation, adoption, consequences, network, records, scoring
from scoresim.phases.phase import Phase
from scoresim.phases.record import StepRecord

#: docs/model.md section 2, in order (records: model v2, 6.1)
PHASES: tuple[Phase, ...] = (
    adoption.PHASE, activity.PHASE, records.PHASE, scoring.PHASE, consequences.PHASE,
    adaptation.PHASE, network.PHASE,
)  # fmt: skip

__all__ = ["PHASES", "Phase", "StepRecord"]
