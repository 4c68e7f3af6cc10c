"""The chill, channel by channel: how much of the critical voice a system removes by changing
minds, by silencing and by throttling (docs/model.md 7.5).

From the expected critical voice of a scored society T and its control C, held privately
(``voice_private``, P), as expressed (``voice_expressed``, E) and as posted after the tier's
reach (``voice_posted``, Q)::

    private drift    d = 1 - P_T / P_C
    self-censorship  s = 1 - (E_T / P_T) / (E_C / P_C)
    throttling       t = 1 - Q_T / E_T
    chill            1 - Q_T / Q_C = 1 - (1 - d)(1 - s)(1 - t)   (a control with reach 1: Q_C = E_C)

The stacked bar of a chill follows the voice down that chain: of the control's voice, a share
``d`` is lost to private drift; of what is left, a share ``s`` is kept quiet; of what is said,
a share ``t`` is not carried by the low tiers' reach. The three parts sum to the chill exactly
(a part is negative where a channel adds voice, as backlash can add private dissent).

Examples
--------
>>> c = chill_channels({"voice_private": 0.8, "voice_expressed": 0.4, "voice_posted": 0.3},
...                    {"voice_private": 1.0, "voice_expressed": 1.0, "voice_posted": 1.0})
>>> round(c.private_drift, 6), round(c.self_censorship, 6), round(c.throttling, 6)
(0.2, 0.5, 0.25)
>>> {k: round(v, 6) for k, v in c.parts().items()}, round(c.total, 6)
({'private drift': 0.2, 'self-censorship': 0.4, 'throttling': 0.1}, 0.7)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: The metric columns of the voice (model v3), private to posted.
VOICE_COLUMNS = ("voice_private", "voice_expressed", "voice_posted")
#: The channels in the order the voice passes them.
CHANNELS = ("private drift", "self-censorship", "throttling")


@dataclass(frozen=True)
class Chill:
    """The three channels of one arm's chill and the chill itself (NaN where undefined)."""

    private_drift: float
    self_censorship: float
    throttling: float
    total: float

    def parts(self) -> dict[str, float]:
        """The chill split along the chain private -> expressed -> posted (sums to the chill)."""
        d, s, t = self.private_drift, self.self_censorship, self.throttling
        return {CHANNELS[0]: d, CHANNELS[1]: (1 - d) * s, CHANNELS[2]: (1 - d) * (1 - s) * t}


def _ratio(a: float, b: float) -> float:
    return a / b if b != 0 and math.isfinite(a) and math.isfinite(b) else math.nan


def chill_channels(treatment: Mapping[str, float], control: Mapping[str, float]) -> Chill:
    """The channels of the chill from the voice columns of a scored society and its control."""
    pt, et, qt = (float(treatment[c]) for c in VOICE_COLUMNS)
    pc, ec, qc = (float(control[c]) for c in VOICE_COLUMNS)
    return Chill(
        private_drift=1 - _ratio(pt, pc),
        self_censorship=1 - _ratio(_ratio(et, pt), _ratio(ec, pc)),
        throttling=1 - _ratio(qt, et),
        total=1 - _ratio(qt, qc),
    )


def has_voice(runs: pd.DataFrame) -> bool:
    """Whether a runs table carries the voice columns (results written before model v3 do not)."""
    return all(c in runs.columns for c in VOICE_COLUMNS)


def arm_chill(runs: pd.DataFrame, arm: str, control: str, step: int | None = None) -> Chill:
    """The channels of ``arm`` against ``control`` at ``step`` (default the last), from the
    voice columns' means over replications (ratios of means, so the parts sum to the chill)."""
    step = int(runs["step"].max()) if step is None else step
    at = runs[runs["step"] == step]

    def means(label: str) -> dict[str, float]:
        part = at.loc[at["arm"] == label, list(VOICE_COLUMNS)].astype(np.float64)
        return {c: float(part[c].mean()) if len(part) else math.nan for c in VOICE_COLUMNS}

    return chill_channels(means(arm), means(control))
