"""Experiments over many runs: counterfactual comparisons, sweeps and sensitivity analysis.

- :mod:`~scoresim.experiments.compare`: a scenario against its control over paired replications;
- :mod:`~scoresim.experiments.effects`: paired differences and Student-t intervals;
- :mod:`~scoresim.experiments.spec`, :mod:`~scoresim.experiments.samplers`: sweep definitions and
  designs (grid, random, lhs, sobol, morris);
- :mod:`~scoresim.experiments.backends`: local worker processes or Ray;
- :mod:`~scoresim.experiments.database`, :mod:`~scoresim.experiments.sweep`: runs stored in DuckDB,
  resumable;
- :mod:`~scoresim.experiments.sensitivity`: Sobol and Morris indices (SALib).
"""

from scoresim.experiments.compare import Comparison, arms, compare
from scoresim.experiments.sensitivity import sensitivity
from scoresim.experiments.spec import SweepSpec
from scoresim.experiments.sweep import run_sweep

__all__ = ["Comparison", "SweepSpec", "arms", "compare", "run_sweep", "sensitivity"]
