"""Charts of one system's tiers and network (the system in focus), as ECharts options.

Tiers run from red (lowest) to green (highest), with no blue, so no tier shares a colour with
the new ties of the network drawing (indigo). The score histogram names each tier inside its
band, alternating two rows so that narrow neighbouring bands never print over each other.

Examples
--------
>>> from scoresim.describe.palette import tier_colours
>>> _band_labels((350.0, 450.0, 600.0, 650.0), ("poor", "fair", "good", "excellent"), 950.0)[2]
{'name': 'good', 'from': 600.0, 'to': 650.0, 'row': 0}
"""

from __future__ import annotations

from typing import Any

from scoresim.dashboard.arms import NOT_ENROLLED
from scoresim.dashboard.charts import DASHED, SOLID, event_series, frame, line
from scoresim.dashboard.snapshot import Snapshot
from scoresim.describe.palette import CUT_TIE, KEPT_TIE, NEW_TIE, NOT_ENROLLED_COLOUR, tier_colours


def _band_labels(
    mins: tuple[float, ...], names: tuple[str, ...], top: float
) -> list[dict[str, Any]]:
    """Each tier's band ``[from, to)`` and the label row (0 or 1, alternating)."""
    bounds = [*mins[1:], top]
    return [
        {"name": n, "from": lo, "to": hi, "row": i % 2 if i else 0}
        for i, (n, lo, hi) in enumerate(zip(names, mins, bounds, strict=True))
    ]


def score_histogram(snap: Snapshot) -> dict[str, Any]:
    """Scores of the focus system's enrolled agents at the week shown, bars coloured by tier."""
    arm, tiers = snap.focus, snap.tiers
    opt = frame(snap, "Scores", "agents")
    if arm is None or tiers is None:
        return opt
    colours = tier_colours(len(arm.tier_names))
    bins, counts = tiers.score_bins, tiers.score_counts
    width = float(bins[1] - bins[0])
    data = []
    for left, count in zip(bins[:-1].tolist(), counts.tolist(), strict=True):
        tier = sum(1 for m in arm.tier_min_scores if m <= left + 1e-9) - 1
        data.append(
            {"value": [left + width / 2, count], "itemStyle": {"color": colours[max(tier, 0)]}}
        )
    lo, hi = arm.score_range
    bands = _band_labels(arm.tier_min_scores, arm.tier_names, hi)
    areas = [
        [
            {
                "xAxis": max(b["from"], lo),
                "name": b["name"],
                "itemStyle": {"color": colours[i], "opacity": 0.07},
                "label": {"color": colours[i], "offset": [0, 13 * b["row"]]},
            },
            {"xAxis": min(b["to"], hi)},
        ]
        for i, b in enumerate(bands)
    ]
    opt["title"]["text"] = f"Scores in {arm.name}, week {snap.t}"
    opt["legend"] = {"show": False}
    opt["tooltip"] = {"trigger": "item", "confine": True}
    opt["grid"]["top"] = 40
    opt["xAxis"].update(name="score", min=lo, max=hi)
    opt["series"] = [
        {
            "type": "bar",
            "name": "agents",
            "data": data,
            "barWidth": "90%",
            "barCategoryGap": "0%",
            "markArea": {
                "silent": True,
                "label": {"position": "insideTop", "fontSize": 10, "fontWeight": "bold"},
                "data": areas,
            },
            "markLine": {
                "symbol": "none",
                "silent": True,
                "lineStyle": {"color": "#b71c1c", "type": "dashed"},
                "label": {"formatter": "low", "fontSize": 10, "position": "insideEndBottom"},
                "data": [{"xAxis": arm.low_threshold, "name": "low threshold"}],
            },
        }
    ]
    return opt


def tier_shares_chart(snap: Snapshot) -> dict[str, Any]:
    """Share of the focus system's enrolled agents in each tier over time."""
    arm = snap.focus
    opt = frame(snap, "Tier shares", "% of enrolled")
    if arm is None:
        return opt
    opt["title"]["text"] = f"Tier shares in {arm.name}"
    opt["yAxis"].update(min=0, max=100)
    colours = tier_colours(len(arm.tier_names))
    opt["series"] = [
        *(
            line(name, arm.points(f"tier_{name}", 100), colour, SOLID)
            for name, colour in zip(arm.tier_names, colours, strict=True)
        ),
        event_series(snap),
    ]
    opt["legend"]["data"] = list(arm.tier_names)
    return opt


def employment_chart(snap: Snapshot) -> dict[str, Any]:
    """Share employed in each tier of the focus system, among its non-enrolled, and the control."""
    arm, tiers = snap.focus, snap.tiers
    opt = frame(snap, "Employment by tier", "% employed")
    if arm is None or tiers is None:
        return opt
    opt["title"]["text"] = f"Employment by tier in {arm.name}"
    groups = [*arm.tier_names, NOT_ENROLLED]
    colours = [*tier_colours(len(arm.tier_names)), NOT_ENROLLED_COLOUR]
    series = []
    for group, colour in zip(groups, colours, strict=True):
        series.append(line(group, tiers.employment_points(group), colour, SOLID))
    if snap.control is not None:
        c = snap.control
        series.append(line("all · control", c.points("employment", 100), c.colour, DASHED))
    opt["series"] = [*series, event_series(snap)]
    opt["legend"]["data"] = [*groups, "all · control"]
    return opt


def network_chart(snap: Snapshot) -> dict[str, Any]:
    """Sampled agents at fixed positions, coloured by tier, with their kept, new and cut ties."""
    arm, tiers = snap.focus, snap.tiers
    tier_names = arm.tier_names if arm is not None else ()
    names = [*tier_names, NOT_ENROLLED]
    colours = [*tier_colours(len(tier_names)), NOT_ENROLLED_COLOUR]
    view = tiers.network if tiers is not None else None
    subtitle = "building the society..."
    nodes: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    if view is not None and tiers.positions is not None and tiers.node_groups is not None:
        subtitle = (
            f"{len(tiers.positions)} agents · {len(view.kept) + len(view.added)} ties "
            f"(indigo: {len(view.added)} new) · red dashed: {len(view.cut)} cut since week 0"
        )
        for (x, y), g in zip(tiers.positions.tolist(), tiers.node_groups.tolist(), strict=True):
            nodes.append(
                {
                    "x": round(x * 100, 3),
                    "y": round(y * 100, 3),
                    "category": g if g >= 0 else len(names) - 1,
                }
            )
        links += [{"source": u, "target": v} for u, v in view.kept]
        new = {"color": NEW_TIE, "width": 1.8, "opacity": 0.95}
        links += [{"source": u, "target": v, "lineStyle": new} for u, v in view.added]
        cut = {"color": CUT_TIE, "type": "dashed", "width": 1, "opacity": 0.6}
        links += [{"source": u, "target": v, "lineStyle": cut} for u, v in view.cut]
    title = f"Friendships in {arm.name}, week {snap.t}" if arm is not None else "Friendships"
    return {
        "animation": False,
        "title": {
            "text": title,
            "subtext": subtitle,
            "left": 8,
            "top": 4,
            "textStyle": {"fontSize": 14, "fontWeight": "bold"},
            "subtextStyle": {"fontSize": 11, "color": "#555"},
        },
        "legend": {
            "type": "scroll",
            "top": 44,
            "left": 8,
            "right": 8,
            "data": names,
            "textStyle": {"fontSize": 11},
        },
        "series": [
            {
                "type": "graph",
                "layout": "none",
                "top": 76,
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
                "lineStyle": {"color": KEPT_TIE, "width": 0.7, "opacity": 0.55},
            }
        ],
    }
