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
PNG_TEXT_JS
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
      const ratio = 2;
      const image = new Image();
      image.onload = () => {
        const footer = 16 * ratio;
        const canvas = document.createElement("canvas");
        canvas.width = image.width;
        canvas.height = image.height + footer;
        const ctx = canvas.getContext("2d");
        ctx.fillStyle = "#fff";
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        ctx.drawImage(image, 0, 0);
        const text = this.caveat || "";
        let size = 10 * ratio;
        do {
          ctx.font = `${size}px sans-serif`;
          size -= 1;
        } while (size > 4 && ctx.measureText(text).width > canvas.width - 8 * ratio);
        ctx.fillStyle = "#4d5656";
        ctx.fillText(text, 4 * ratio, image.height + footer - 5 * ratio);
        const raw = atob(canvas.toDataURL("image/png").split(",")[1]);
        const bytes = Uint8Array.from(raw, (c) => c.charCodeAt(0));
        const blob = new Blob([pngWithText(bytes, "Caveat", text)], { type: "image/png" });
        const link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = `${this.filename || "chart"}.png`;
        document.body.appendChild(link);
        link.click();
        link.remove();
      };
      const options = { type: "png", pixelRatio: ratio, backgroundColor: "#fff" };
      image.src = this.chart.getDataURL(options);
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

#: ``pngWithText(bytes, key, text)``: a PNG (Uint8Array) with a ``tEXt`` chunk ``key`` = ``text``
#: after its header chunk (Latin-1; other characters become "?"), as matplotlib writes the
#: report's figures: the dashboard's PNG export carries its caveat in its metadata too.
PNG_TEXT_JS = """
function pngCrc(bytes) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < bytes.length; n++) {
    c = (crc ^ bytes[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function pngWithText(bytes, key, text) {
  const latin = (s) => Array.from(s, (ch) => (ch.charCodeAt(0) < 256 ? ch.charCodeAt(0) : 63));
  const body = Uint8Array.from([..."tEXt"].map((ch) => ch.charCodeAt(0))
    .concat(latin(key), [0], latin(text)));
  const chunk = new Uint8Array(body.length + 8);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, body.length - 4);
  chunk.set(body, 4);
  view.setUint32(body.length + 4, pngCrc(body));
  const at = 33;  // the signature (8) and the IHDR chunk (25)
  const out = new Uint8Array(bytes.length + chunk.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(chunk, at);
  out.set(bytes.subarray(at), at + chunk.length);
  return out;
}
"""
TEMPLATE = TEMPLATE.replace("PNG_TEXT_JS", PNG_TEXT_JS)


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
    ``attributes`` go on the chart's container; ``filename`` names the PNG download, which
    ``caveat`` stamps."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    option = traitlets.Any(Payload({})).tag(sync=True, to_json=_to_json)
    ops = traitlets.Any(Payload([])).tag(sync=True, to_json=_to_json)
    filename = traitlets.Unicode("chart").tag(sync=True)
    caveat = traitlets.Unicode("").tag(sync=True)
    attributes = traitlets.Dict(default_value=None, allow_none=True).tag(sync=True)


@solara.component
def Echart(option: Payload, height: str = "300px", filename: str = "chart",  # noqa: N802
           caveat: str = "") -> Any:  # fmt: skip
    """An ECharts chart filling its container's width (``option`` wrapped in a Payload); its
    PNG export carries ``caveat`` (a drawn footer and a ``Caveat`` text chunk)."""
    base, ops = split(option.data)
    return EchartsWidget.element(
        option=Payload(base),
        ops=Payload(ops),
        filename=filename,
        caveat=caveat,
        attributes={"style": f"height: {height}; width: 100%;"},
    )
