"""Time-series charts (Apache ECharts options, plain JSON-ready dicts) from a snapshot.

Every system is drawn in its own colour (:mod:`scoresim.describe.systems`) and solid, the control
grey and dashed, on the same axes; shares are in percent. A second quantity in the same chart (loyal
posts, private dissent) is dotted. Each week with a scheduled change (the mandatory date,
``[[schedule]]`` entries) gets a marked vertical line; hovering it says what changed. Legends
scroll on one line, so they never run into the axis titles. The charts of the tiers and the
network are in :mod:`~scoresim.dashboard.tiercharts`.

Examples
--------
>>> line("seed", [[1, 5.0]], "#d62728", SOLID)["lineStyle"]
{'type': 'solid', 'width': 2, 'color': '#d62728'}
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from scoresim.dashboard.arms import point
from scoresim.dashboard.snapshot import Snapshot, event_lines, event_systems
from scoresim.describe.palette import EVENT_COLOUR

SOLID, DASHED, DOTTED = "solid", "dashed", "dotted"


def line(name: str, data: list[list], colour: str, dash: str) -> dict[str, Any]:
    """A line series of ``[week, value]`` points."""
    return {
        "type": "line",
        "name": name,
        "data": data,
        "showSymbol": False,
        "lineStyle": {"type": dash, "width": 1.6 if dash == DASHED else 2, "color": colour},
        "itemStyle": {"color": colour},
    }


def frame(snap: Snapshot, title: str, y_name: str) -> dict[str, Any]:
    """The common layout: title, a one-line scrolling legend, axes by week."""
    return {
        "animation": False,
        "title": {
            "text": title,
            "left": 8,
            "top": 4,
            "textStyle": {"fontSize": 14, "fontWeight": "bold"},
            "subtextStyle": {"fontSize": 11, "color": "#555"},
        },
        "tooltip": {"trigger": "axis", "confine": True},
        "legend": {
            "type": "scroll",
            "top": 28,
            "left": 8,
            "right": 8,
            "itemWidth": 18,
            "textStyle": {"fontSize": 11},
        },
        "grid": {"left": 64, "right": 20, "top": 64, "bottom": 44},
        "xAxis": {
            "type": "value",
            "name": "week",
            "nameLocation": "middle",
            "nameGap": 26,
            "min": 0,
            "max": max(snap.horizon, 1),
        },
        "yAxis": {
            "type": "value",
            "name": y_name,
            "nameLocation": "middle",
            "nameGap": 46,
            "nameTextStyle": {"fontSize": 11, "color": "#555"},
        },
        "series": [],
    }


def event_series(snap: Snapshot) -> dict[str, Any]:
    """An empty series carrying the event lines (and the week shown, while scrubbing).

    Each line is labelled with its week and the system (or systems) it belongs to, and drawn in
    that system's colour when it is one system's; hovering it says what changed."""
    events = list(snap.events)
    systems = event_systems(events)
    colours = {arm.name: arm.colour for arm in snap.arms}
    marks: list[dict[str, Any]] = []
    for step, text in event_lines(events):
        names = systems[step]
        mark: dict[str, Any] = {
            "xAxis": step,
            "name": text,
            "label": {"formatter": f"wk {step} · {', '.join(names)}"},
        }
        if len(names) == 1 and names[0] in colours:
            colour = colours[names[0]]
            mark["lineStyle"] = {"color": colour}
            mark["label"]["color"] = colour
        marks.append(mark)  # fmt: skip
    if snap.scrubbing:
        marks.append(
            {
                "xAxis": snap.t,
                "name": f"showing week {snap.t} of {snap.latest}",
                "label": {"formatter": "shown", "color": "#1565c0"},
                "lineStyle": {"color": "#1565c0", "type": "dashed", "width": 1},
            }
        )
    return {
        "type": "line",
        "name": "events",
        "data": [],
        "markLine": {
            "symbol": "none",
            "silent": False,
            "animation": False,
            "lineStyle": {"color": EVENT_COLOUR, "type": "solid", "width": 2, "opacity": 0.75},
            "emphasis": {"lineStyle": {"width": 4}},
            "label": {"position": "insideEndTop", "fontSize": 10, "color": EVENT_COLOUR},
            "data": marks,
        },
    }


def arms_lines(
    snap: Snapshot, key: str, scale: float = 1.0, second: str | None = None, label: str = ""
) -> list[dict[str, Any]]:
    """``key`` for every system (solid) and the control (dashed); ``second`` dotted."""
    out = []
    for arm in snap.all_arms:
        dash = DASHED if arm.control else SOLID
        out.append(line(arm.name, arm.points(key, scale), arm.colour, dash))
    if second is not None:
        for arm in snap.all_arms:
            name = f"{arm.name} · {label}"
            out.append(line(name, arm.points(second, scale), arm.colour, DOTTED))
    return out


def time_chart(
    snap: Snapshot,
    title: str,
    y_name: str,
    series: list[dict[str, Any]],
    legend: list[str] | None = None,
) -> dict[str, Any]:
    """A chart over weeks with the given series, the event lines and a legend of systems."""
    opt = frame(snap, title, y_name)
    opt["series"] = [*series, event_series(snap)]
    opt["legend"]["data"] = legend if legend is not None else [a.name for a in snap.all_arms]
    return opt


def adoption_chart(snap: Snapshot) -> dict[str, Any]:
    """Share of agents enrolled (scored)."""
    opt = time_chart(snap, "Enrolment", "% of agents", arms_lines(snap, "adoption", 100))
    opt["yAxis"].update(min=0, max=100)
    return opt


def posts_chart(snap: Snapshot) -> dict[str, Any]:
    """Critical posts per capita (solid) and loyal posts (dotted)."""
    series = arms_lines(snap, "critical_posts", second="loyal_posts", label="loyal")
    return time_chart(snap, "Posts per agent: critical (solid), loyal (dotted)", "posts", series)


def dissent_chart(snap: Snapshot) -> dict[str, Any]:
    """Expressed dissent (solid) and private dissent (dotted): the gap is falsification."""
    series = arms_lines(snap, "expressed_mean", second="dissent_mean", label="private")
    return time_chart(
        snap, "Dissent: expressed (solid), private (dotted)", "mean dissent (0-1)", series
    )


def speaking_share(row: dict[str, float]) -> float:
    """Of the private critics, the share who are public critics (NaN if there is none).

    >>> speaking_share({"public_critics": 0.1, "private_critics": 0.4})
    0.25
    """
    private = row.get("private_critics", math.nan)
    return row.get("public_critics", math.nan) / private if private > 0 else math.nan


def speaking_chart(snap: Snapshot) -> dict[str, Any]:
    """The speaking share of the critics, per system and the control."""
    series = []
    for arm in snap.all_arms:
        data = [point(r["step"], speaking_share(r), 100) for r in arm.rows]
        series.append(line(arm.name, data, arm.colour, DASHED if arm.control else SOLID))
    opt = time_chart(snap, "Critics who say so", "% of private critics", series)
    opt["yAxis"].update(min=0, max=100)
    return opt


def isolated_chart(snap: Snapshot) -> dict[str, Any]:
    """Share of agents with no friend left."""
    return time_chart(snap, "Isolated agents", "% of agents", arms_lines(snap, "isolated", 100))


def listed_chart(snap: Snapshot) -> dict[str, Any]:
    """Share of agents on the defaulter blacklist (model v2)."""
    return time_chart(snap, "On the blacklist", "% of agents", arms_lines(snap, "listed", 100))


ChartMaker = Callable[[Snapshot], dict[str, Any]]
