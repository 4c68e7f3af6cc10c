"""The main area: the caveat, the scheduled changes, a headline card per system, the charts.

Cards and explanations are plain HTML (one widget each, cheap to redraw); each chart is an
:func:`~scoresim.dashboard.echarts.Echart` with its "what this shows" text under it.
"""

from __future__ import annotations

import html
from typing import Any

import solara

from scoresim.dashboard.catalogue import CARDS, card_text, charts_for, support_line
from scoresim.dashboard.controller import Controller
from scoresim.dashboard.echarts import Echart, Payload
from scoresim.dashboard.snapshot import ArmView, Snapshot, event_lines, headline
from scoresim.describe.systems import STATUS_LABELS

#: Page styles: the PNG button and event hint on charts, cards, the caveat banner.
CSS = """
.caveat-banner { background: #fff8e1; border-left: 4px solid #f9a825; padding: 6px 12px;
                 font-size: 13px; margin-bottom: 8px; }
.event-list { font-size: 12px; color: #37474f; margin-bottom: 6px; }
.headline-card { border: 1px solid #e0e0e0; border-top: 4px solid var(--c); border-radius: 6px;
                 padding: 6px 12px; min-width: 250px; background: #fff; }
.headline-card h3 { margin: 0 0 4px; font-size: 15px; color: var(--c); }
.headline-card .kind { font-size: 11px; color: #666; font-weight: normal; }
.headline-card td { font-size: 13px; padding: 1px 10px 1px 0; }
.headline-card td.v { font-weight: bold; text-align: right; }
.headline-card .support { font-size: 11px; color: #666; margin-top: 2px; }
.card-help { font-size: 12px; color: #555; line-height: 1.35; }
.card-help div { margin-bottom: 3px; }
.card-help b { color: #333; }
.chart-explain { font-size: 12px; color: #444; padding: 0 10px 8px; line-height: 1.35; }
.png-export { position: absolute; top: 6px; right: 8px; font-size: 11px; padding: 1px 8px;
              border: 1px solid #bbb; border-radius: 4px; background: #fafafa; cursor: pointer; }
.png-export:hover { background: #eee; }
.event-hint { position: absolute; top: 50px; left: 70px; right: 24px; z-index: 5;
              background: rgba(38, 50, 56, 0.92); color: #fff; font-size: 12px;
              padding: 4px 8px; border-radius: 4px; pointer-events: none; }
"""


def card_html(arm: ArmView, numbers: dict[str, float]) -> str:
    """One system's headline card (its colour on top, each label explained on hover)."""
    e = html.escape
    rows = "".join(
        f"<tr title='{e(c.help)}'><td>{e(c.label)}</td>"
        f"<td class='v card-{c.key}'>{e(card_text(c, numbers))}</td></tr>"
        for c in CARDS
        if c.key != "listed" or arm.listing
    )
    return (
        f"<div class='headline-card' style='--c:{arm.colour}'>"
        f"<h3>{e(arm.name)} <span class='kind'>{e(STATUS_LABELS[arm.status])}</span></h3>"
        f"<table>{rows}</table><div class='support'>{e(support_line(numbers))}</div></div>"
    )


def help_html(listing: bool) -> str:
    """What each headline number means and how to read its sign."""
    e = html.escape
    items = "".join(
        f"<div><b>{e(c.label)}.</b> {e(c.help)}</div>"
        for c in CARDS
        if c.key != "listed" or listing
    )
    return f"<div class='card-help'>{items}</div>"


@solara.component
def Headline(snap: Snapshot) -> None:  # noqa: N802
    """A card per system at the week shown, and what the numbers mean."""
    week = f"week {snap.t}" + (" (an earlier week)" if snap.scrubbing else "")
    solara.Text(f"Headline numbers at {week}, each against the control",
                style={"font-size": "13px", "font-weight": "bold"})  # fmt: skip
    with solara.Row(gap="10px", style={"flex-wrap": "wrap", "margin": "4px 0"}):
        for arm in snap.arms:
            solara.HTML(unsafe_innerHTML=card_html(arm, headline(arm, snap.control)),
                        classes=["headline", f"headline-{arm.name.split(' ')[0]}"])  # fmt: skip
        if len(snap.arms) <= 2:  # beside the cards while there is room
            solara.HTML(unsafe_innerHTML=help_html(any(a.listing for a in snap.arms)),
                        style="flex: 1 1 420px; max-width: 900px;")  # fmt: skip
    if len(snap.arms) > 2:  # one click away (each number also explains itself on hover)
        with solara.Details(summary="What these numbers mean", expand=False):
            solara.HTML(unsafe_innerHTML=help_html(any(a.listing for a in snap.arms)))


@solara.component
def Charts(controller: Controller, snap: Snapshot, on_change: Any) -> None:  # noqa: N802
    """The focus selector and every chart with its explanation."""

    def focus(name: str) -> None:
        controller.set_focus(name)
        on_change()

    if len(snap.arms) > 1 and snap.focus is not None:
        solara.Select("Tiers, scores and network of", values=[a.name for a in snap.arms],
                      value=snap.focus.name, on_value=focus, dense=True,
                      classes=["focus-select"], style={"max-width": "360px"})  # fmt: skip
    with solara.ColumnsResponsive(12, large=6, xlarge=4, gutters_dense=True):
        for chart in charts_for(snap):
            ChartCard(chart.key, Payload(chart.make(snap)), chart.help, snap.t,
                      snap.figure_caveat)  # fmt: skip


@solara.component
def ChartCard(key: str, option: Payload, help_text: str, week: int,  # noqa: N802
              caveat: str = "") -> None:  # fmt: skip
    """One chart and its explanation (skipped by a redraw that leaves its option as it was);
    its PNG export carries the caveat line."""
    with solara.Card(margin=0, classes=["chart", f"chart-{key}"]):
        Echart(option, height="320px", filename=f"{key}-week-{week}", caveat=caveat)
        solara.HTML(unsafe_innerHTML=f"<b>What this shows.</b> {html.escape(help_text)}",
                    classes=["chart-explain"])  # fmt: skip


@solara.component
def Main(controller: Controller, snap: Snapshot, on_change: Any) -> None:  # noqa: N802
    """The main area, top to bottom."""
    solara.Style(CSS)
    solara.HTML(unsafe_innerHTML=html.escape(snap.caveat), classes=["caveat-banner", "caveat"])
    lines = event_lines(list(snap.events))
    text = "; ".join(t for _, t in lines) if lines else "none"
    solara.HTML(unsafe_innerHTML=f"<b>Scheduled changes</b> (marked on every chart over time): "
                f"{html.escape(text)}", classes=["event-list"])  # fmt: skip
    Headline(snap)
    Charts(controller, snap, on_change)
