"""What happens to speech when a system is lifted: the share of the lost voice that is back.

A system that is lifted (a ``[[schedule]]`` entry at week ``L`` that sets every score delta and
detection to 0, drops the friend terms and makes every tier neutral, as ``examples/lifted.toml``
does) leaves the society it has silenced. Whether the silence outlives the sanction is the
hysteresis of the threshold model (docs/model.md 7.2; Kuran 1989, 1995; Noelle-Neumann 1974).
The measure, per paired replication, of the voice expressed (docs/model.md 7.5)::

    voice recovered = (E_T(L + W) - E_T(L)) / (E_C(L + W) - E_T(L)),  E = voice_expressed

is the share of the gap to the control at the lift that is closed ``W`` weeks later (default
:data:`RECOVERY_WEEKS`, a year): 1 when the arm is back where the never-scored society is, 0
when nothing came back, NaN where the arm had lost nothing at the lift. It is a headline effect
written in the outcome language (:mod:`~scoresim.experiments.outcomes`), the same as
``compare --effect 'voice recovered=...'`` with that expression. The user gives ``L``
(``compare --lift-step L``; ``W``: ``--recovery-weeks``): a lift is a schedule entry like any
other, and which entry lifts a system is the user's reading, not the simulator's.

Examples
--------
>>> effect = lift_effect(312)
>>> for part in effect.expression.split(" / "):
...     print(part)
(voice_expressed[364] - voice_expressed[312])
(control.voice_expressed[364] - voice_expressed[312])
>>> effect.paired, effect.support
('treatment', 'everyone')
"""

from __future__ import annotations

from scoresim.core.errors import ScenarioError
from scoresim.experiments.headline_effects import HeadlineEffect

#: Weeks after the lift at which the voice is read (a year).
RECOVERY_WEEKS = 52
#: The metric column the measure reads (docs/model.md 7.5).
VOICE = "voice_expressed"
EFFECT = "voice recovered"


def check_lift(lift_step: int, weeks: int, steps: int) -> None:
    """Refuse a lift the runs cannot measure, in one line naming the option."""
    if lift_step < 1:
        raise ScenarioError(f"--lift-step: must be at least 1 (got {lift_step})")
    if weeks < 1:
        raise ScenarioError(f"--recovery-weeks: must be at least 1 (got {weeks})")
    if lift_step + weeks > steps:
        raise ScenarioError(f"--lift-step: week {lift_step} + {weeks} is after the runs' last "
                            f"week ({steps})")  # fmt: skip


def lift_effect(lift_step: int, weeks: int = RECOVERY_WEEKS) -> HeadlineEffect:
    """The headline effect ``voice recovered`` of a system lifted at ``lift_step``, read
    ``weeks`` later: the arm's own value per replication (a one-sample interval), resting on
    every agent; ``treatment`` and ``control`` show each arm's voice at ``lift_step + weeks``."""
    before, after = f"{VOICE}[{lift_step}]", f"{VOICE}[{lift_step + weeks}]"
    expression = f"({after} - {before}) / (control.{after} - {before})"
    definition = (f"(E_T({lift_step + weeks}) - E_T({lift_step})) / "
                  f"(E_C({lift_step + weeks}) - E_T({lift_step})), E = {VOICE}")  # fmt: skip
    return HeadlineEffect(EFFECT, expression, "treatment", definition, shown=(after, after),
                          support="everyone")  # fmt: skip
