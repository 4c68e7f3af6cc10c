"""scoresim: an agent-based simulator of social credit scoring systems.

The citizens are synthetic; posts and purchases are abstract categories. scoresim studies what
a scoring system does to a society; it never scores a real person.
"""

from scoresim.errors import ScenarioError
from scoresim.scenario import Scenario

__version__ = "0.1.0"

__all__ = ["Scenario", "ScenarioError", "__version__"]
