"""What each metric and headline effect is measured in: its unit, its range, and how it is shown.

One :class:`Quantity` per quantity: a share is shown in percent, a difference of two shares in
percentage points (pp), anything else (a Gini coefficient, a correlation, a mean dissent) as a
plain number. Its range bounds every interval and band drawn of it (a share's band never leaves
[0, 1]). Numbers are shown at the precision their interval supports: the estimate and its
interval are rounded to the decimal of the interval half-width's second significant digit (at
most :data:`MAX_DECIMALS`), so ``-4.088e-05`` with an interval of +-0.002 reads ``0.0000``.

The terminal tables, the reports, the brief and the dashboard's cards format with
:func:`format_estimate`, so a number reads the same everywhere and ``n/a`` means the same
thing (undefined: nothing to measure) everywhere.

Examples
--------
>>> format_estimate(0.0493, 0.035, 0.065, effect_quantity("employment gap, poor tier"))
'+4.9 pp [+3.5, +6.5]'
>>> format_estimate(0.31, math.nan, math.nan, effect_quantity("share ever listed"))
'31.0%'
>>> format_estimate(-4.088e-05, -0.0021, 0.0020, effect_quantity("wealth Gini change"))
'0.0000 [-0.0021, +0.0020]'
>>> format_estimate(math.nan, math.nan, math.nan, effect_quantity("chilling effect"))
'n/a'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The most decimals shown; below that a number reads 0.0000 (zero at a precision no headline
#: needs), which keeps a row of the terminal table within 80 columns.
MAX_DECIMALS = 4

#: How an undefined number (nothing to measure: nobody in the group, a control that scores
#: nobody) reads in every output.
NOT_AVAILABLE = "n/a"


@dataclass(frozen=True)
class Quantity:
    """A quantity's unit and range: ``unit`` is ``%`` (a share), ``pp`` (a difference of shares)
    or ``""``; values are multiplied by ``scale`` for display; ``low``/``high`` bound it."""

    unit: str = ""
    low: float = -math.inf
    high: float = math.inf
    signed: bool = True  # a difference: shown with its sign

    @property
    def scale(self) -> float:
        return 100.0 if self.unit in ("%", "pp") else 1.0

    def clip(self, value: float) -> float:
        """``value`` kept inside the quantity's range (NaN stays NaN)."""
        return value if math.isnan(value) else min(max(value, self.low), self.high)


SHARE = Quantity("%", 0.0, 1.0, signed=False)
SHARE_DIFFERENCE = Quantity("pp", -1.0, 1.0)
UNIT_DIFFERENCE = Quantity("", -1.0, 1.0)  # a difference of two values in [0, 1]
CORRELATION = Quantity("", -1.0, 1.0)
COUNT = Quantity("", 0.0, math.inf, signed=False)
PLAIN = Quantity()

#: The headline effects (rows of ``headline.csv``); an effect not listed is a plain number.
EFFECT_QUANTITIES: dict[str, Quantity] = {
    # 1 - ratio of two counts: at most 1 (no critical post left), unbounded below
    "chilling effect": Quantity("%", -math.inf, 1.0),
    "falsification gap": UNIT_DIFFERENCE,
    "pluralistic ignorance": Quantity("", -2.0, 2.0),  # difference of two values in [-1, 1]
    "isolated share": SHARE_DIFFERENCE,
    "employment gap, poor tier": SHARE_DIFFERENCE,
    "wealth Gini change": UNIT_DIFFERENCE,
    "score-dissent correlation": CORRELATION,
    "share ever listed": SHARE,
    "travel denied per listed person": COUNT,
    "employment gap, listed": SHARE_DIFFERENCE,
    # model v3 (7.5): each 1 - a ratio of two non-negative values, at most 1
    "self-censorship effect": Quantity("%", -math.inf, 1.0),
    "throttling effect": Quantity("%", -math.inf, 1.0),
    "private drift": Quantity("%", -math.inf, 1.0),
}

_SHARES = ("adoption", "sanctioned", "false_positive_only", "isolated", "employment",
           "employment_poor", "listed", "ever_listed", "perk_share", "private_critics",
           "public_critics", "employment_listed")  # fmt: skip
_UNIT = ("dissent_mean", "expressed_mean", "falsification_gap", "wealth_gini", "score_gini")
_COUNTS = ("critical_posts", "loyal_posts", "imports", "edges", "loans_denied", "travel_denied",
           "listings", "delistings", "offences", "offences_registered", "deeds_registered",
           "score_sd", "voice_private", "voice_expressed", "voice_posted")  # fmt: skip

#: The per-step metrics (columns of ``metrics.parquet``); ``tier_<name>`` are shares too.
METRIC_QUANTITIES: dict[str, Quantity] = {
    **dict.fromkeys(_SHARES, SHARE),
    **dict.fromkeys(_UNIT, Quantity("", 0.0, 1.0, signed=False)),
    **dict.fromkeys(_COUNTS, COUNT),
    "pluralistic_ignorance": CORRELATION,  # perceived minus actual dissent: in [-1, 1]
    "score_dissent_corr": CORRELATION,
    "score_assortativity": CORRELATION,
    "climate_voice_corr": CORRELATION,
    "bunching": Quantity("", -1.0, math.inf),  # a ratio of two counts minus 1
    "low_tier_income_gap": SHARE_DIFFERENCE,
    "perk_income_gap": SHARE_DIFFERENCE,
}


def effect_quantity(effect: str) -> Quantity:
    """The quantity of a headline effect (a plain number if unknown)."""
    return EFFECT_QUANTITIES.get(effect, PLAIN)


def metric_quantity(metric: str) -> Quantity:
    """The quantity of a metric column (tier shares included; a plain number if unknown).

    >>> metric_quantity("tier_poor").unit, metric_quantity("employment_poor").high
    ('%', 1.0)
    """
    if metric.startswith("tier_"):
        return SHARE
    return METRIC_QUANTITIES.get(metric, Quantity(signed=False))


def decimals(value: float, low: float = math.nan, high: float = math.nan,
             significant: int | None = None) -> int:  # fmt: skip
    """Decimals to show a value (already scaled) with: the second significant digit of its
    interval's half-width; without an interval (or with ``significant``), that many
    significant digits of the value itself (3 by default).

    >>> decimals(4.93, 3.5, 6.5), decimals(0.0493), decimals(1234.0), decimals(0.031, significant=2)
    (1, 4, 0, 3)
    """
    if significant is None and math.isfinite(low) and math.isfinite(high) and high > low:
        return _decimals_of((high - low) / 2, 2)
    return _decimals_of(abs(value), significant or 3)


def _decimals_of(magnitude: float, digits: int) -> int:
    if not math.isfinite(magnitude) or magnitude == 0:
        return 1
    return min(MAX_DECIMALS, max(0, digits - 1 - math.floor(math.log10(magnitude))))


def format_number(value: float, places: int, signed: bool = False) -> str:
    """``value`` to ``places`` decimals, with a sign if ``signed``, never ``-0``."""
    if math.isnan(value):
        return NOT_AVAILABLE
    rounded = round(value, places) + 0.0 or 0.0
    if signed and rounded != 0:
        return f"{rounded:+,.{places}f}"
    return f"{rounded:,.{places}f}"


def format_estimate(estimate: float, low: float, high: float, quantity: Quantity,
                    significant: int | None = None, interval: bool = True) -> str:  # fmt: skip
    """An estimate with its unit and (if ``interval`` and defined) its 95% interval:
    ``+4.9 pp [+3.5, +6.5]``, ``31.0%``, ``0.12 [0.08, 0.16]``; ``n/a`` if undefined.

    ``significant`` rounds to that many significant digits of the estimate (the brief's two)
    instead of the interval's precision.
    """
    if estimate is None or math.isnan(estimate):
        return NOT_AVAILABLE
    s = quantity.scale
    places = decimals(estimate * s, low * s, high * s, significant)
    unit = {"%": "%", "pp": " pp"}.get(quantity.unit, "")
    text = format_number(estimate * s, places, quantity.signed) + unit
    if interval and math.isfinite(low) and math.isfinite(high):
        a, b = (format_number(v * s, places, quantity.signed) for v in (low, high))
        text += f" [{a}, {b}]"
    return text


def arm_quantity(effect: str) -> Quantity:
    """The quantity of the arms' values an effect compares (``treatment``/``control``): a share
    for a difference of shares, a plain number for the chilling effect (posts per capita), else
    the effect's own unit without a sign.

    >>> arm_quantity("employment gap, poor tier").unit, arm_quantity("chilling effect").unit
    ('%', '')
    """
    q = effect_quantity(effect)
    if q.unit == "pp":
        return SHARE
    if q.unit == "%" and q.low < 0:  # a relative change: the arms hold the counts compared
        return Quantity(signed=False)
    return Quantity(q.unit, q.low, q.high, signed=False)
