"""Calibration: fit a scenario's parameters to published aggregates, with uncertainty.

``scoresim calibrate CAL.toml`` reads a calibration file (:mod:`.spec`), runs history matching
(:mod:`.history`) or ABC-SMC (:mod:`.abc`) over simulations on the sweep engine's backends
(:mod:`.evaluate`), keeps every simulation in a DuckDB file for resume (:mod:`.store`) and
writes the posterior, the summaries, a posterior predictive check and the calibrated scenario
(:mod:`.outputs`). Targets may be expressions of metric columns, in the outcome language of
sweeps and comparisons (:mod:`scoresim.experiments.outcomes`).
"""

from scoresim.calibration.run import CalibrationRun, calibrate, default_folder
from scoresim.calibration.spec import CalibrationSpec

__all__ = ["CalibrationRun", "CalibrationSpec", "calibrate", "default_folder"]
