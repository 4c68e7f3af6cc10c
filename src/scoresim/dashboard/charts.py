"""Chart specifications (Apache ECharts options, plain JSON-ready dicts) from a snapshot.

The browser draws them, so the server only builds these small dicts while the simulation runs.
The scenario is drawn solid and its control dashed, on the same axes; shares are in percent.

Examples
--------
>>> tier_colours(4)
['#c62828', '#ef6c00', '#1e88e5', '#2e7d32']
>>> _points([1, 2], [0.5, float("nan")], scale=100)
[[1, 50.0], [2, '-']]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from scoresim.dashboard.controller import NOT_ENROLLED, Snapshot

SCENARIO_DASH, CONTROL_DASH = "solid", "dashed"
GREY = "#9e9e9e"
_TIER_ANCHORS = ("#c62828", "#ef6c00", "#1e88e5", "#2e7d32")
CRITICAL, LOYAL = "#c62828", "#1565c0"
PRIVATE, EXPRESSED = "#6a1b9a", "#ef6c00"
TREATED, CONTROL = "#1565c0", "#616161"


def tier_colours(n: int) -> list[str]:
    """``n`` colours from red (lowest tier) to green (highest)."""
    if n <= len(_TIER_ANCHORS):
        picks = [round(i * (len(_TIER_ANCHORS) - 1) / max(n - 1, 1)) for i in range(n)]
        return [_TIER_ANCHORS[p] for p in picks]
    rgb = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in _TIER_ANCHORS]
    out = []
    for i in range(n):
        x = i * (len(rgb) - 1) / (n - 1)
        lo = min(int(x), len(rgb) - 2)
        f = x - lo
        mix = [round(a + (b - a) * f) for a, b in zip(rgb[lo], rgb[lo + 1], strict=True)]
        out.append("#" + "".join(f"{c:02x}" for c in mix))
    return out


def _points(steps: Sequence[float], values: Sequence[float], scale: float = 1.0) -> list[list]:
    """``[step, value]`` pairs; NaN becomes ``'-'`` (a gap in ECharts)."""
    out: list[list] = []
    for s, v in zip(steps, values, strict=True):
        ok = v is not None and not math.isnan(v)
        out.append([int(s), round(v * scale, 6) if ok else "-"])
    return out


def _series(
    name: str, rows: list[dict[str, float]], key: str, colour: str, dash: str, scale: float = 1.0
) -> dict[str, Any]:
    return {
        "type": "line",
        "name": name,
        "data": _points([r["step"] for r in rows], [r[key] for r in rows], scale),
        "showSymbol": False,
        "lineStyle": {"type": dash, "width": 2 if dash == SCENARIO_DASH else 1.6, "color": colour},
        "itemStyle": {"color": colour},
    }


def _frame(snap: Snapshot, title: str, subtitle: str, y_name: str) -> dict[str, Any]:
    return {
        "animation": False,
        "title": {
            "text": title,
            "subtext": subtitle,
            "left": 8,
            "textStyle": {"fontSize": 14, "fontWeight": "bold"},
            "subtextStyle": {"fontSize": 11, "color": "#555"},
        },
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 44, "left": 8, "itemWidth": 18, "textStyle": {"fontSize": 11}},
        "grid": {"left": 52, "right": 18, "top": 92, "bottom": 42},
        "xAxis": {
            "type": "value",
            "name": "step (week)",
            "nameLocation": "middle",
            "nameGap": 24,
            "min": 0,
            "max": max(snap.horizon, 1),
        },
        "yAxis": {"type": "value", "name": y_name, "nameTextStyle": {"align": "left"}},
        "series": [],
    }


def _run_names(snap: Snapshot) -> tuple[str, str]:
    return snap.scenario_name, "control"


def _both_runs(
    snap: Snapshot, key: str, colour: str, control_colour: str | None = None, label: str = "",
    scale: float = 1.0,
) -> list[dict[str, Any]]:
    """One metric as two lines: the scenario solid, its control dashed."""
    name, ctl = _run_names(snap)
    prefix = f"{label} · " if label else ""
    return [
        _series(prefix + name, snap.treated, key, colour, SCENARIO_DASH, scale),
        _series(prefix + ctl, snap.control, key, control_colour or colour, CONTROL_DASH, scale),
    ]


def adoption_chart(snap: Snapshot) -> dict[str, Any]:
    """Share of agents enrolled (scored)."""
    opt = _frame(snap, "Enrolment", "share of agents who are scored", "% of agents")
    opt["yAxis"].update(min=0, max=100)
    opt["series"] = _both_runs(snap, "adoption", TREATED, CONTROL, scale=100)
    return opt


def score_histogram(snap: Snapshot) -> dict[str, Any]:
    """Scores of enrolled agents now, bars coloured by tier, tier bounds marked."""
    colours = tier_colours(len(snap.tier_names))
    bins, counts = snap.score_bins, snap.score_counts
    width = float(bins[1] - bins[0])
    data = []
    for left, count in zip(bins[:-1].tolist(), counts.tolist(), strict=True):
        tier = sum(1 for m in snap.tier_min_scores if m <= left) - 1
        data.append(
            {"value": [left + width / 2, count], "itemStyle": {"color": colours[max(tier, 0)]}}
        )
    lines = [
        {"xAxis": m, "name": n, "label": {"formatter": n, "fontSize": 10}}
        for m, n in zip(snap.tier_min_scores[1:], snap.tier_names[1:], strict=True)
    ]
    lines.append(
        {
            "xAxis": snap.low_threshold,
            "name": "low threshold",
            "lineStyle": {"color": "#b71c1c", "type": "dashed"},
            "label": {"formatter": "low", "fontSize": 10, "position": "insideEndTop"},
        }
    )
    opt = _frame(
        snap,
        f"Score distribution, step {snap.t}",
        "enrolled agents, coloured by tier; the control scores nobody",
        "agents",
    )
    opt["legend"] = {"show": False}
    opt["tooltip"] = {"trigger": "item"}
    opt["xAxis"].update(name="score", min=snap.score_range[0], max=snap.score_range[1])
    opt["series"] = [
        {
            "type": "bar",
            "name": "agents",
            "data": data,
            "barWidth": "90%",
            "barCategoryGap": "0%",
            "markLine": {
                "symbol": "none",
                "silent": True,
                "lineStyle": {"color": "#424242", "type": "dotted"},
                "data": lines,
            },
        }
    ]
    return opt


def tier_shares_chart(snap: Snapshot) -> dict[str, Any]:
    """Share of enrolled agents in each tier over time."""
    opt = _frame(snap, "Tier shares", "among enrolled agents (the control has none)", "%")
    opt["yAxis"].update(min=0, max=100)
    colours = tier_colours(len(snap.tier_names))
    opt["series"] = [
        _series(name, snap.treated, f"tier_{name}", colour, SCENARIO_DASH, 100)
        for name, colour in zip(snap.tier_names, colours, strict=True)
    ]
    return opt


def posts_chart(snap: Snapshot) -> dict[str, Any]:
    """Critical and loyal posts per capita."""
    opt = _frame(snap, "Posts per capita", "each step, all agents", "posts per agent")
    opt["series"] = [
        *_both_runs(snap, "critical_posts", CRITICAL, label="critical"),
        *_both_runs(snap, "loyal_posts", LOYAL, label="loyal"),
    ]
    return opt


def dissent_chart(snap: Snapshot) -> dict[str, Any]:
    """Private and expressed dissent: the gap between them is preference falsification."""
    gap = f"{snap.treated[-1]['falsification_gap']:.3f}" if snap.treated else "-"
    opt = _frame(
        snap,
        "Private vs expressed dissent",
        f"mean over agents; the gap is preference falsification (now {gap})",
        "mean dissent (0-1)",
    )
    opt["series"] = [
        *_both_runs(snap, "dissent_mean", PRIVATE, label="private"),
        *_both_runs(snap, "expressed_mean", EXPRESSED, label="expressed"),
    ]
    return opt


def isolated_chart(snap: Snapshot) -> dict[str, Any]:
    """Share of agents with no friend left."""
    opt = _frame(snap, "Isolated agents", "share with no friend left (ostracism)", "% of agents")
    opt["series"] = _both_runs(snap, "isolated", TREATED, CONTROL, scale=100)
    return opt


def employment_chart(snap: Snapshot) -> dict[str, Any]:
    """Share employed in each tier (enrolled agents), among the non-enrolled, and the control."""
    opt = _frame(snap, "Employment by tier", "share employed in each group", "% employed")
    steps = [r["step"] for r in snap.treated]
    groups = [*snap.tier_names, NOT_ENROLLED]
    colours = [*tier_colours(len(snap.tier_names)), GREY]
    series = []
    for group, colour in zip(groups, colours, strict=True):
        values = [row[group] for row in snap.employment]
        series.append(
            {
                "type": "line",
                "name": group,
                "data": _points(steps, values, 100),
                "showSymbol": False,
                "lineStyle": {"width": 2, "color": colour},
                "itemStyle": {"color": colour},
            }
        )
    series.append(
        _series("all · control", snap.control, "employment", "#212121", CONTROL_DASH, 100)
    )
    opt["series"] = series
    return opt


def network_chart(snap: Snapshot) -> dict[str, Any]:
    """Sampled agents at fixed positions, coloured by tier, with their kept, new and cut ties."""
    names = [*snap.tier_names, NOT_ENROLLED]
    colours = [*tier_colours(len(snap.tier_names)), GREY]
    view = snap.network
    subtitle = "building the society..."
    nodes: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    if view is not None and snap.positions is not None and snap.node_groups is not None:
        subtitle = (
            f"{len(snap.positions)} agents · {len(view.kept) + len(view.added)} ties "
            f"(blue: {len(view.added)} new) · red dashed: {len(view.cut)} cut since step 0"
        )
        for (x, y), g in zip(snap.positions.tolist(), snap.node_groups.tolist(), strict=True):
            nodes.append(
                {
                    "x": round(x * 100, 3),
                    "y": round(y * 100, 3),
                    "category": g if g >= 0 else len(names) - 1,
                }
            )
        links += [{"source": u, "target": v} for u, v in view.kept]
        links += [
            {
                "source": u,
                "target": v,
                "lineStyle": {"color": "#1565c0", "width": 1.6, "opacity": 0.9},
            }
            for u, v in view.added
        ]
        links += [
            {
                "source": u,
                "target": v,
                "lineStyle": {"color": "#e53935", "type": "dashed", "width": 1, "opacity": 0.55},
            }
            for u, v in view.cut
        ]
    return {
        "animation": False,
        "title": {
            "text": f"Friendship network sample, step {snap.t}",
            "subtext": subtitle,
            "left": 8,
            "textStyle": {"fontSize": 14, "fontWeight": "bold"},
            "subtextStyle": {"fontSize": 11, "color": "#555"},
        },
        "legend": {"top": 44, "left": 8, "data": names, "textStyle": {"fontSize": 11}},
        "series": [
            {
                "type": "graph",
                "layout": "none",
                "top": 80,
                "bottom": 12,
                "left": 16,
                "right": 16,
                "roam": False,
                "silent": True,
                "symbolSize": 7,
                "categories": [
                    {
                        "name": n,
                        "itemStyle": {"color": c, "borderColor": "#fff", "borderWidth": 0.5},
                    }
                    for n, c in zip(names, colours, strict=True)
                ],
                "data": nodes,
                "links": links,
                "lineStyle": {"color": "#9e9e9e", "width": 0.7, "opacity": 0.55},
            }
        ],
    }


CHARTS = (
    adoption_chart,
    score_histogram,
    tier_shares_chart,
    posts_chart,
    dissent_chart,
    isolated_chart,
    employment_chart,
)
