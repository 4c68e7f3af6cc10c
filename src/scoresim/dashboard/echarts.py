"""An ECharts figure for Solara that accepts new options before the library has loaded.

Solara's ``FigureEcharts`` applies a changed option as soon as it arrives, and fails (a console
error) when that happens before ECharts is loaded, which a live dashboard does on every page
load. This widget keeps the newest option and draws it once the chart exists; it also resizes
with its container. ECharts is loaded from Solara's local asset folder (``solara-assets``).
"""

from __future__ import annotations

from typing import Any

import ipyvuetify
import solara
import traitlets

ECHARTS_VERSION = "5.4.0"  # the release shipped in solara-assets

TEMPLATE = """
<template>
  <div ref="chart" v-bind="attributes"></div>
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
        this.chart.setOption(this.option, true);
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
    option() {
      if (this.chart) this.chart.setOption(this.option, true);
    },
  },
  methods: {
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


class EchartsWidget(ipyvuetify.VuetifyTemplate):
    """The widget: ``option`` is an ECharts option dict; ``attributes`` go on the container."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    option = traitlets.Any({}).tag(sync=True)
    attributes = traitlets.Dict(default_value=None, allow_none=True).tag(sync=True)


@solara.component
def Echart(option: dict[str, Any], height: str = "300px") -> Any:  # noqa: N802
    """An ECharts chart filling its container's width."""
    return EchartsWidget.element(
        option=option, attributes={"style": f"height: {height}; width: 100%;"}
    )
