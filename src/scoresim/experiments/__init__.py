"""Experiments over many runs: counterfactual comparisons, sweeps, sensitivity analysis and
scenario discovery.

- :mod:`~scoresim.experiments.arms`: the arms of a comparison on one society, overrides split
  between the arms and the control;
- :mod:`~scoresim.experiments.compare`, :mod:`~scoresim.experiments.comparison`: one or several
  systems against one control over paired replications, and the folder it writes;
- :mod:`~scoresim.experiments.effects`: paired differences and Student-t intervals;
- :mod:`~scoresim.experiments.spec`, :mod:`~scoresim.experiments.samplers`: sweep definitions and
  designs (grid, random, lhs, sobol, morris);
- :mod:`~scoresim.experiments.backends`: local worker processes or Ray;
- :mod:`~scoresim.experiments.database`, :mod:`~scoresim.experiments.sweep`: runs stored in DuckDB,
  resumable;
- :mod:`~scoresim.experiments.sensitivity`: Sobol and Morris indices (SALib), SRC and PRCC
  (:mod:`~scoresim.experiments.regression`), each method's table and warnings
  (:mod:`~scoresim.experiments.indices`), and over time
  (:mod:`~scoresim.experiments.sensitivity_time`);
- :mod:`~scoresim.experiments.discovery`: scenario discovery, PRIM
  (:mod:`~scoresim.experiments.prim`) on a sweep's runs.

The names below are loaded when first used, so that importing one module of the package (the
dashboard reads :mod:`~scoresim.experiments.arms`) does not load DuckDB and SALib. The functions
named like their modules, ``compare`` and ``sensitivity``, are the package face's:
``scoresim.compare`` and ``scoresim.sensitivity``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Arms", "Comparison", "Sensitivity", "SweepReport", "SweepSpec", "resolve_arms",
           "run_sweep"]  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in ("Arms", "resolve_arms"):
        from scoresim.experiments import arms as module
    elif name == "Comparison":
        from scoresim.experiments import comparison as module
    elif name == "Sensitivity":
        from scoresim.experiments import sensitivity as module
    elif name == "SweepSpec":
        from scoresim.experiments import spec as module
    elif name in ("SweepReport", "run_sweep"):
        from scoresim.experiments import sweep as module
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(module, name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
