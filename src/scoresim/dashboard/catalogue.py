"""The dashboard's charts and headline numbers, each with its plain-language explanation.

The explanations are composed from :mod:`scoresim.describe.glossary`, so a chart says what it
shows and how to read the direction of a change in the glossary's words. :func:`charts_for`
lists the charts a snapshot calls for (the blacklist chart only when a system has a blacklist).

Examples
--------
>>> [c.key for c in CHARTS][:3]
['network', 'adoption', 'scores']
>>> print(CARDS[1].label, "-", CARDS[1].help.split(":")[0])
Chilling effect - How many fewer critical posts the scored society writes than its control
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scoresim.dashboard import charts, tiercharts
from scoresim.dashboard.charts import ChartMaker
from scoresim.dashboard.snapshot import Snapshot
from scoresim.describe.glossary import EFFECTS, METRICS
from scoresim.experiments.support import MIN_GROUP, too_few


def _say(*terms: str) -> str:
    """The glossary's ``what`` and ``sign`` of the given terms, one sentence pair each."""
    entries = [METRICS.get(t) or EFFECTS[t] for t in terms]
    return " ".join(f"{e.label}: {e.what} {e.sign}" for e in entries)


@dataclass(frozen=True)
class Chart:
    """A chart: CSS key, maker and its "what this shows" text."""

    key: str
    make: ChartMaker
    help: str


CONTROL_NOTE = "Solid lines: the systems; dashed grey: the control (the same society, unscored)."

CHARTS: tuple[Chart, ...] = (
    Chart("network", tiercharts.network_chart,
          "A sample of agents of the system in focus and their friendships, always at the same "
          "places. Colour: the agent's tier (light grey: not scored). Indigo: ties made since "
          "week 0; red dashed: ties cut since week 0, when people drop friends whose low score "
          "costs them points (ostracism). More red and indigo: the network is being rewired by "
          "the score."),
    Chart("adoption", charts.adoption_chart, f"{_say('adoption')} {CONTROL_NOTE}"),
    Chart("scores", tiercharts.score_histogram,
          "How many enrolled agents of the system in focus have each score at the week shown; "
          "bars are coloured by tier and each band names its tier. The dashed line is the low "
          "threshold: friends scoring below it cost points. Bars moving left mean falling "
          "scores; a pile-up in the lowest band means more people under its penalties."),
    Chart("tiers", tiercharts.tier_shares_chart,
          f"{_say('tier_<name>')} Shown for the system in focus; the control has no tiers."),
    Chart("posts", charts.posts_chart,
          f"{_say('critical_posts', 'loyal_posts')} The chilling effect is the gap between a "
          f"system's solid line and the control's. {CONTROL_NOTE}"),
    Chart("dissent", charts.dissent_chart,
          f"{_say('expressed_mean', 'dissent_mean')} The space between a system's dotted and "
          f"solid lines is its falsification gap. {CONTROL_NOTE}"),
    Chart("speaking", charts.speaking_chart,
          f"Of the agents who are critical in private, the share who say so in public "
          f"(public critics / private critics). {_say('private_critics', 'public_critics')} "
          f"A falling line: critics falling silent. {CONTROL_NOTE}"),
    Chart("isolated", charts.isolated_chart, f"{_say('isolated')} {CONTROL_NOTE}"),
    Chart("employment", tiercharts.employment_chart,
          f"{_say('employment_poor')} One line per tier of the system in focus, one for its "
          "agents not enrolled, and the control's overall employment (dashed)."),
    Chart("listed", charts.listed_chart, f"{_say('listed')} {CONTROL_NOTE}"),
)  # fmt: skip


def charts_for(snap: Snapshot) -> list[Chart]:
    """The charts this view shows (the blacklist chart only where a system has a blacklist)."""
    listing = any(a.listing for a in snap.arms)
    return [c for c in CHARTS if c.key != "listed" or listing]


@dataclass(frozen=True)
class Card:
    """A headline number: the key of :func:`~scoresim.dashboard.snapshot.headline`, a label,
    how to format it, what it means, and the key of the agents it rests on."""

    key: str
    label: str
    kind: str  # "share": a share in percent; "points": a signed difference in points
    help: str
    group: str = "agents"  # the headline key holding the size of the group behind the number


_CHAIN = (
    "Of the control's expected critical voice, the share lost {how}. The three parts add up to "
    "the expected chill (1 - voice posted / the control's), which the chilling effect measures "
    "from the posts actually written."
)
_CHANNEL_HELP = {
    "self-censorship": _CHAIN.format(how="because critics keep quiet (after any drift of their "
                                     "views)"),
    "throttling": _CHAIN.format(how="because the lowest tiers' posts reach fewer people"),
    "private drift": _CHAIN.format(how="because fewer people are critical in private"),
}  # fmt: skip

CARDS: tuple[Card, ...] = (
    Card("enrolled", "Enrolled", "share", f"{METRICS['adoption'].what} {METRICS['adoption'].sign}"),
    Card("chilling", "Chilling effect", "share",
         f"{EFFECTS['chilling effect'].what} {EFFECTS['chilling effect'].sign}"),
    Card("private_drift", "· lost to private drift", "share", _CHANNEL_HELP["private drift"]),
    Card("self_censorship", "· lost to self-censorship", "share",
         _CHANNEL_HELP["self-censorship"]),
    Card("throttling", "· lost to throttled reach", "share", _CHANNEL_HELP["throttling"]),
    Card("gap", "Falsification gap vs control", "points",
         f"{EFFECTS['falsification gap'].what} {EFFECTS['falsification gap'].sign}"),
    Card("isolated", "Isolated vs control", "share_points",
         f"{EFFECTS['isolated share'].what} {EFFECTS['isolated share'].sign}"),
    Card("employment_gap", "Employment gap, lowest tier", "share_points",
         f"{EFFECTS['employment gap, poor tier'].what} "
         f"{EFFECTS['employment gap, poor tier'].sign}", group="lowest_tier_agents"),
    Card("listed", "Blacklisted", "share", f"{METRICS['listed'].what} {METRICS['listed'].sign}"),
)  # fmt: skip


def format_card(card: Card, value: float | None) -> str:
    """A headline value as shown: ``12.3%``, ``+4.1 pp`` (percentage points) or ``+0.081``.

    Examples
    --------
    >>> card = {c.key: c for c in CARDS}
    >>> format_card(card["enrolled"], 0.5), format_card(card["isolated"], -0.012)
    ('50.0%', '-1.2 pp')
    >>> format_card(card["gap"], 0.08)
    '+0.080'
    >>> format_card(CARDS[1], float("nan")), format_card(CARDS[1], -0.00001)
    ('-', '0.0%')
    """
    if value is None or value != value:
        return "-"
    if card.kind == "share":
        return f"{_no_minus_zero(100 * value, 1):.1f}%"
    if card.kind == "share_points":
        return f"{_no_minus_zero(100 * value, 1):+.1f} pp"
    return f"{_no_minus_zero(value, 3):+.3f}"


def card_text(card: Card, numbers: dict[str, float], min_group: int = MIN_GROUP) -> str:
    """A card's number as shown: :func:`format_card`, or ``too few (n = ...)`` when the group
    behind it holds fewer agents than the floor (:mod:`scoresim.experiments.support`).

    >>> gap = next(card for card in CARDS if card.key == "employment_gap")
    >>> card_text(gap, {"employment_gap": 0.049, "lowest_tier_agents": 2.0})
    'too few (n = 2 agents)'
    >>> card_text(gap, {"employment_gap": 0.049, "lowest_tier_agents": 400.0})
    '+4.9 pp'
    """
    value = numbers.get(card.key)
    size = numbers.get(card.group, math.nan)
    if value is not None and value == value and size == size and size < min_group:
        return too_few(None, size, min_group)
    return format_card(card, value)


def support_line(numbers: dict[str, float]) -> str:
    """What a card's numbers rest on: one run (the dashboard runs each system once) of its
    society; the lowest tier's agents when its employment gap is shown.

    >>> support_line({"agents": 2000.0, "lowest_tier_agents": 145.0})
    'one run of 2,000 agents (lowest tier: 145): differences, not estimates'
    """
    if not numbers:
        return ""
    text = f"one run of {int(numbers['agents']):,} agents"
    if numbers.get("lowest_tier_agents"):
        text += f" (lowest tier: {int(numbers['lowest_tier_agents']):,})"
    return text + ": differences, not estimates"


def _no_minus_zero(value: float, digits: int) -> float:
    """``value`` rounded, with a rounded-away negative turned into 0 (no "-0.0%")."""
    return round(value, digits) + 0.0 or 0.0
