"""scoresim: an agent-based simulator of social credit scoring systems.

The citizens are synthetic; posts and purchases are abstract categories. scoresim studies what
a scoring system does to a society; it never scores a real person.

One run is :func:`simulate` (or a :class:`Simulation` stepped by hand); many runs are one call
each, as the command line's ``compare``, ``sweep``, ``sensitivity``, ``discover`` and
``calibrate``:

>>> import scoresim
>>> small = {"population.agents": 200, "steps": 4}
>>> result = scoresim.compare("seed", against="control", replications=2, overrides=small)
>>> result.to_frame().loc[0, "effect"]
'chilling effect'

Those five are loaded when first used: ``import scoresim`` loads neither pandas nor DuckDB.
A mechanism that is not in the model is an :class:`ExtraPhase`, added to a run with
``Simulation(scenario, extra_phases=[...])``.
"""

import os as _os
from typing import Any as _Any

# Kernels run a few short parallel regions per step; OpenMP's default busy-waiting between them
# costs far more than it saves as soon as the cores are shared (another process, a test worker).
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from scoresim.core.errors import ScenarioError
from scoresim.core.version import __version__
from scoresim.phases.extension import ExtraPhase
from scoresim.results.run import Run
from scoresim.scenario import Scenario
from scoresim.simulation import Simulation, simulate

__all__ = ["ExtraPhase", "Run", "Scenario", "ScenarioError", "Simulation", "__version__",
           "calibrate", "compare", "discover", "sensitivity", "simulate", "sweep"]  # fmt: skip


def __getattr__(name: str) -> _Any:
    """The experiments over many runs, imported on first use."""
    if name == "compare":
        from scoresim.experiments.compare import compare as value
    elif name == "sweep":
        from scoresim.experiments.sweep import run_sweep as value
    elif name == "sensitivity":
        from scoresim.experiments.sensitivity import sensitivity as value
    elif name == "discover":
        from scoresim.experiments.discovery import discover as value
    elif name == "calibrate":
        from scoresim.calibration.run import calibrate as value
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
