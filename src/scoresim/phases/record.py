"""What one step leaves for later phases and for the metrics (not part of the agent state)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scoresim.core.buffers import reuse_or_empty

#: the per-agent count fields of a :class:`StepRecord` (``critical_by_topic`` is topics x n)
COUNT_FIELDS = (
    "critical_by_topic", "loyal", "neutral", "desirable", "undesirable", "groceries",
    "detected_critical", "false_positives",
)  # fmt: skip


@dataclass
class StepRecord:
    """Per-step transient quantities, filled in by the phases in order.

    Counts are per agent (length ``n``) unless said otherwise, as unsigned integers of the
    narrowest width that has held every step's largest count so far (uint8 unless someone posted
    or bought over 255 times in a step): cast them before subtracting.
    """

    t: int
    critical_by_topic: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.uint8))
    loyal: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    neutral: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    desirable: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    undesirable: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    groceries: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    detected_critical: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    false_positives: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    sanctioned: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    loans_denied: int = 0
    travel_denied: int = 0
    # model v2: records (6.1), empty without record kinds; and the blacklist's counts (6.3)
    record_points: np.ndarray = field(default_factory=lambda: np.zeros(0))
    record_flags: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    offences: int = 0
    offences_registered: int = 0
    deeds_registered: int = 0
    listings: int = 0
    delistings: int = 0
    edges_dropped: int = 0
    edges_added: int = 0
    # model v3 (7.5): the activity phase's expected critical posts per capita, from private
    # dissent, expressed dissent and expressed dissent times reach; and the adaptation phase's
    # correlation of support and speech among the privately critical
    voice_private: float = float("nan")
    voice_expressed: float = float("nan")
    voice_posted: float = float("nan")
    climate_voice_corr: float = float("nan")
    #: the record of the step before, whose arrays this step may reuse (see :meth:`empty`)
    spare: StepRecord | None = field(default=None, repr=False)

    def empty(self, name: str, shape: int | tuple[int, ...], dtype: type) -> np.ndarray:
        """An uninitialised array for the field ``name``: the spare record's if it fits and
        nothing else holds it (:func:`scoresim.core.buffers.reuse_or_empty`), else a new one."""
        return reuse_or_empty(vars(self.spare) if self.spare else {}, name, shape, dtype)
