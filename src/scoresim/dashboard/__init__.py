"""A live web dashboard: edit a scenario, run it beside its control, watch the society change.

``scoresim dashboard`` serves it (Solara, on 127.0.0.1 by default). The modules:
:mod:`~scoresim.dashboard.fields` (what can be edited and how typed text is read),
:mod:`~scoresim.dashboard.controller` (state, background stepping, downloads; no web framework),
:mod:`~scoresim.dashboard.network` (the network sample and its layout),
:mod:`~scoresim.dashboard.charts` (chart specifications from a snapshot),
:mod:`~scoresim.dashboard.echarts` (the chart widget), :mod:`~scoresim.dashboard.app` (the Solara
page) and :mod:`~scoresim.dashboard.server` (the launcher).
"""
