"""scoresim: an agent-based simulator of social credit scoring systems.

The citizens are synthetic; posts and purchases are abstract categories. scoresim studies what
a scoring system does to a society; it never scores a real person.
"""

import os as _os

# Kernels run a few short parallel regions per step; OpenMP's default busy-waiting between them
# costs far more than it saves as soon as the cores are shared (another process, a test worker).
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from scoresim.core.errors import ScenarioError
from scoresim.core.version import __version__
from scoresim.results.run import Run
from scoresim.scenario import Scenario
from scoresim.simulation import Simulation, simulate

__all__ = ["Run", "Scenario", "ScenarioError", "Simulation", "__version__", "simulate"]
