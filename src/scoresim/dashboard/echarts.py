"""An ECharts figure for Solara that sends only what changed, exports PNG and explains events.

A chart's option is split in two synced parts (:func:`split`): a ``base`` that changes rarely
(axes, styles, event lines, and the points of each line in whole chunks of :data:`CHUNK` weeks)
and ``ops``, the small rest (the newest points, titles, bars, the network's tiers and ties).
ipywidgets sends a trait only when its value changes, so while a run goes on each redraw sends
the ops, at most a chunk of points per line, instead of every point since week 0; the browser
rebuilds the option (:func:`merge` is the same rule in Python, for the tests).

The widget also keeps the newest option until ECharts has loaded (Solara's own ``FigureEcharts``
fails on an early option), resizes with its container, offers a "PNG" button (the chart as an
image, at twice the screen resolution) and, when the pointer is over an event line, shows what
changed in that week. ECharts comes from Solara's local asset folder (``solara-assets``).

Examples
--------
>>> opt = {"title": {"text": "t"}, "series": [{"type": "line", "data": [[1, 0.5], [2, 0.6]]}]}
>>> base, ops = split(opt, chunk=1)
>>> base["series"][0]["data"], ops
([[1, 0.5], [2, 0.6]], [['set', 'title', {'text': 't'}]])
>>> merge(*split(opt, chunk=64)) == opt
True
"""

from __future__ import annotations

import copy
import json
from typing import Any

import ipyvuetify
import solara
import traitlets

ECHARTS_VERSION = "5.4.0"  # the release shipped in solara-assets
#: Weeks of points per line kept in the rarely changing part of an option.
CHUNK = 64

Op = list[Any]


def split(option: dict[str, Any], chunk: int = CHUNK) -> tuple[dict[str, Any], list[Op]]:
    """The rarely changing ``base`` of an option and the ``ops`` that complete it.

    A graph's links are sent grouped by their style (in order of first appearance), so
    ``merge(*split(option))`` gives the option back when its links come grouped, as the network
    chart's do.
    """
    base = dict(option)
    ops: list[Op] = []
    if "title" in base:
        ops.append(["set", "title", base.pop("title")])
    series = []
    for i, s in enumerate(option.get("series", [])):
        s = dict(s)
        data = s.get("data", [])
        if s.get("type") == "line" and data:
            keep = len(data) // chunk * chunk
            s["data"] = data[:keep]
            if keep < len(data):
                ops.append(["append", f"series.{i}.data", data[keep:]])
        elif s.get("type") == "bar":
            s["data"] = []
            ops.append(["set", f"series.{i}.data", data])
        elif s.get("type") == "graph":
            s["data"] = [{k: v for k, v in n.items() if k != "category"} for n in data]
            if any("category" in n for n in data):
                ops.append(["field", f"series.{i}.data", "category",
                            [n.get("category") for n in data]])  # fmt: skip
            data_links, s["links"] = s.get("links", []), []
            groups: dict[str, tuple[dict[str, Any], list[int]]] = {}
            for link in data_links:
                extra = {k: v for k, v in link.items() if k not in ("source", "target")}
                key = json.dumps(extra, sort_keys=True)
                groups.setdefault(key, (extra, []))[1].extend((link["source"], link["target"]))
            for extra, flat in groups.values():
                ops.append(["pairs", f"series.{i}.links", flat, extra])
        series.append(s)
    if "series" in option:
        base["series"] = series
    return base, ops


def merge(base: dict[str, Any], ops: list[Op]) -> dict[str, Any]:
    """The option again from ``base`` and ``ops`` (what the browser does, in Python)."""
    opt = copy.deepcopy(base)
    for kind, path, *args in ops:
        *parents, last = path.split(".")
        node: Any = opt
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if kind == "set":
            node[last] = args[0]
        elif kind == "append":
            node[last] = [*node.get(last, []), *args[0]]
        elif kind == "field":
            for item, value in zip(node[last], args[1], strict=True):
                item[args[0]] = value
        elif kind == "pairs":
            flat, extra = args
            node.setdefault(last, []).extend(
                {"source": flat[j], "target": flat[j + 1], **extra} for j in range(0, len(flat), 2)
            )
    return opt


TEMPLATE = """
<template>
  <div class="echart-box" style="position: relative; width: 100%;">
    <div ref="chart" v-bind="attributes"></div>
    <button class="png-export" title="Download this chart as a PNG image"
            @click="savePng">PNG</button>
    <div ref="hint" class="event-hint" style="display: none"></div>
  </div>
</template>
<script>
module.exports = {
  mounted() {
    this.loadRequire()
      .then(() => {
        if (window.jupyterVue) {
          define("vue", [], () => window.jupyterVue.Vue);
        } else {
          define("vue", ["jupyter-vue"], (jupyterVue) => jupyterVue.Vue);
        }
        return new Promise((resolve) =>
          requirejs([`${this.cdnBase()}/echarts@ECHARTS_VERSION/dist/echarts.js`], resolve));
      })
      .then((echarts) => {
        if (this.disposed) return;
        this.chart = echarts.init(this.$refs.chart);
        this.$refs.chart.__scoresimChart = this.chart;
        this.draw();
        this.chart.on("mouseover", (p) => this.hover(p, true));
        this.chart.on("mouseout", (p) => this.hover(p, false));
        this.observer = new ResizeObserver(() => this.chart && this.chart.resize());
        this.observer.observe(this.$refs.chart);
      });
  },
  beforeDestroy() {
    this.disposed = true;
    if (this.observer) this.observer.disconnect();
    if (this.chart) this.chart.dispose();
  },
  watch: {
    option() { this.draw(); },
    ops() { this.draw(); },
  },
  methods: {
    merged() {
      const opt = JSON.parse(JSON.stringify(this.option || {}));
      for (const op of this.ops || []) {
        const [kind, path] = op;
        const keys = path.split(".");
        const last = keys.pop();
        let node = opt;
        for (const k of keys) node = node[k];
        if (kind === "set") node[last] = op[2];
        else if (kind === "append") node[last] = (node[last] || []).concat(op[2]);
        else if (kind === "field") node[last].forEach((item, i) => { item[op[2]] = op[3][i]; });
        else if (kind === "pairs") {
          const list = node[last] || (node[last] = []);
          const flat = op[2];
          for (let i = 0; i < flat.length; i += 2) {
            list.push(Object.assign({ source: flat[i], target: flat[i + 1] }, op[3]));
          }
        }
      }
      return opt;
    },
    draw() {
      if (this.chart) this.chart.setOption(this.merged(), true);
    },
    hover(p, on) {
      if (p.componentType !== "markLine" || !this.$refs.hint) return;
      this.$refs.hint.textContent = on ? p.name : "";
      this.$refs.hint.style.display = on ? "block" : "none";
    },
    savePng() {
      if (!this.chart) return;
      const link = document.createElement("a");
      link.href = this.chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
      link.download = `${this.filename || "chart"}.png`;
      document.body.appendChild(link);
      link.click();
      link.remove();
    },
    loadRequire() {
      if (window.requirejs) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = `${this.cdnBase()}/requirejs@2.3.6/require.js`;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    },
    cdnBase() {
      if (window.solara && window.solara.cdn) return window.solara.cdn;
      let base = document.body.dataset.baseUrl || document.baseURI;
      if (!base.endsWith("/")) base += "/";
      return `${base}_solara/cdn`;
    },
  },
};
</script>
""".replace("ECHARTS_VERSION", ECHARTS_VERSION)


class Payload:
    """JSON data compared with Python's built-in ``==`` (which runs in C).

    Solara compares a component's arguments, and reacton does it one element at a time in
    Python, which for a chart of thousands of points costs more than drawing it; wrapped, the
    comparison is one ``==`` of lists. The widget sends the wrapped data as it is.

    Examples
    --------
    >>> Payload([[1, 2.0]]) == Payload([[1, 2.0]]), Payload([1]) == Payload([2])
    (True, False)
    """

    __slots__ = ("data",)
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, data: Any) -> None:
        self.data = data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Payload) and self.data == other.data


def _to_json(value: Any, widget: Any) -> Any:
    return value.data if isinstance(value, Payload) else value


class EchartsWidget(ipyvuetify.VuetifyTemplate):
    """The widget: ``option`` and ``ops`` as :func:`split` makes them (as :class:`Payload`);
    ``attributes`` go on the chart's container; ``filename`` names the PNG download."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    option = traitlets.Any(Payload({})).tag(sync=True, to_json=_to_json)
    ops = traitlets.Any(Payload([])).tag(sync=True, to_json=_to_json)
    filename = traitlets.Unicode("chart").tag(sync=True)
    attributes = traitlets.Dict(default_value=None, allow_none=True).tag(sync=True)


@solara.component
def Echart(option: Payload, height: str = "300px", filename: str = "chart") -> Any:  # noqa: N802
    """An ECharts chart filling its container's width (``option`` wrapped in a Payload)."""
    base, ops = split(option.data)
    return EchartsWidget.element(
        option=Payload(base),
        ops=Payload(ops),
        filename=filename,
        attributes={"style": f"height: {height}; width: 100%;"},
    )
