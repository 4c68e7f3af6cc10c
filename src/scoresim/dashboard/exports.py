"""What a page downloads: the metrics of every run, and the whole view as one HTML file.

The metrics table has one row per (run, week) with a ``run`` column first, built from the
published history only. The HTML snapshot is self-contained, for a handout: the caveat, the
headline numbers of every system, each chart (interactive: the ECharts library is inlined from
Solara's local assets, so the file loads nothing from anywhere) with its explanation, and the
scheduled changes. Opening it needs no server and no network.
"""

from __future__ import annotations

import html
import io
import json
from pathlib import Path

import pandas as pd

from scoresim.dashboard.arms import ArmSpec
from scoresim.dashboard.catalogue import CARDS, card_text, charts_for, support_line
from scoresim.dashboard.echarts import ECHARTS_VERSION
from scoresim.dashboard.snapshot import Snapshot, event_lines, headline
from scoresim.dashboard.worker import Published
from scoresim.describe.systems import STATUS_LABELS
from scoresim.metrics import metric_columns
from scoresim.phases.params import Params
from scoresim.results.tables import metrics_frame as rows_frame


def metrics_frame(published: Published | None, specs: tuple[ArmSpec, ...]) -> pd.DataFrame:
    """Metrics so far of every system and the control, a ``run`` column first."""
    if published is None:
        columns = metric_columns(Params.from_scenario(specs[0].scenario))
        return pd.DataFrame(columns=["run", *columns])
    frames = []
    columns: list[str] = []
    for arm in published.runs.arms:
        names = metric_columns(arm.sim.params)
        columns += [c for c in names if c not in columns]
        part = rows_frame(arm.history.rows[: published.t], names)
        frames.append(part.assign(run=arm.spec.name))
    out = pd.concat([f.reindex(columns=["run", *columns]) for f in frames], ignore_index=True)
    return out


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """A table as Parquet bytes."""
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def echarts_source() -> str:
    """The ECharts library shipped in Solara's local assets (minified)."""
    from solara.server import settings

    path = Path(settings.assets.proxy_cache_dir) / f"echarts@{ECHARTS_VERSION}/dist/echarts.min.js"
    return path.read_text(encoding="utf-8")


STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; max-width: 1400px; }
h1 { font-size: 22px; margin-bottom: 4px; }
.caveat { background: #fff8e1; border-left: 4px solid #f9a825; padding: 8px 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { border: 1px solid #ddd; border-top: 4px solid var(--c); border-radius: 6px;
        padding: 8px 12px; min-width: 230px; }
.card h3 { margin: 0 0 6px; font-size: 15px; color: var(--c); }
.card td { padding: 1px 6px 1px 0; font-size: 13px; }
.card td.v { font-weight: bold; text-align: right; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; }
.chart { border: 1px solid #ddd; border-radius: 6px; padding: 8px; }
.chart .plot { height: 340px; }
.explain { font-size: 12px; color: #444; }
dt { font-weight: bold; font-size: 13px; } dd { font-size: 12px; margin: 0 0 6px 12px; }
"""


def _script_json(value: object) -> str:
    """JSON safe inside a ``<script>`` element."""
    return json.dumps(value, allow_nan=False).replace("</", "<\\/")


def snapshot_html(snap: Snapshot, echarts_js: str | None = None) -> str:
    """The view of ``snap`` as one self-contained HTML document."""
    e = html.escape
    names = ", ".join(a.name for a in snap.arms)
    title = f"scoresim: {names} against the control, week {snap.t} of {snap.horizon}"
    cards = []
    for arm in snap.arms:
        numbers = headline(arm, snap.control)
        rows = "".join(
            f"<tr><td title='{e(c.help)}'>{e(c.label)}</td>"
            f"<td class='v'>{e(card_text(c, numbers))}</td></tr>"
            for c in CARDS
            if c.key != "listed" or arm.listing
        )
        cards.append(
            f"<div class='card' style='--c:{arm.colour}'><h3>{e(arm.name)} "
            f"<small>({e(STATUS_LABELS[arm.status])})</small></h3><table>{rows}</table>"
            f"<p class='support'>{e(support_line(numbers))}</p></div>"
        )
    shown = charts_for(snap)
    options = [c.make(snap) for c in shown]
    blocks = "".join(
        f"<div class='chart'><div class='plot' id='chart-{i}'></div>"
        f"<p class='explain'><b>What this shows.</b> {e(c.help)}</p></div>"
        for i, c in enumerate(shown)
    )
    glossary = "".join(f"<dt>{e(c.label)}</dt><dd>{e(c.help)}</dd>" for c in CARDS)
    events = "".join(f"<li>{e(text)}</li>" for _, text in event_lines(list(snap.events)))
    js = echarts_js if echarts_js is not None else echarts_source()
    safe_js = js.replace("</script", "<\\/script")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>{STYLE}</style></head>
<body>
<h1>{e(title)}</h1>
<p class="caveat">{e(snap.caveat)}</p>
<div class="cards">{"".join(cards)}</div>
<h2>Scheduled changes</h2><ul>{events or "<li>none</li>"}</ul>
<div class="charts">{blocks}</div>
<h2>What the numbers mean</h2><dl>{glossary}</dl>
<p class="explain">Made with scoresim, an agent-based simulator of social credit scoring
systems. Effects compare each system with the control: the same synthetic society, the same
seed, with no scoring.</p>
<script>{safe_js}</script>
<script>
const options = {_script_json(options)};
options.forEach((o, i) => echarts.init(document.getElementById("chart-" + i)).setOption(o));
</script>
</body></html>
"""
