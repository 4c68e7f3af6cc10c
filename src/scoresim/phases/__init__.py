"""The phases of one step, docs/model.md section 2, one module each, run in this order."""

from scoresim.phases.record import StepRecord

__all__ = ["StepRecord"]
