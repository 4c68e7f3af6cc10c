"""A live web dashboard: systems side by side on one society, at a pace a teacher can narrate.

``scoresim dashboard`` serves it (Solara, on 127.0.0.1 by default). The modules, from the model
to the page:

- :mod:`~scoresim.dashboard.fields` (what can be edited and how typed text is read) and
  :mod:`~scoresim.dashboard.editor` (the edited scenario and its errors);
- :mod:`~scoresim.dashboard.loading` (scenario files: uploads, paths, the scenario folder);
- :mod:`~scoresim.dashboard.arms` (the systems and the control on one society, stepped in
  lock-step, with every week's history) and :mod:`~scoresim.dashboard.network` (the network
  sample and its layout);
- :mod:`~scoresim.dashboard.worker` (the background thread and its pace) and
  :mod:`~scoresim.dashboard.slots` (the server's cap on runs at once);
- :mod:`~scoresim.dashboard.controller` (one page's state and commands; no web framework) and
  :mod:`~scoresim.dashboard.snapshot` (what the page draws, at any past week);
- :mod:`~scoresim.dashboard.charts`, :mod:`~scoresim.dashboard.tiercharts` (chart
  specifications) and :mod:`~scoresim.dashboard.catalogue` (charts and headline numbers with
  their explanations, from :mod:`scoresim.describe.glossary`);
- :mod:`~scoresim.dashboard.exports` (metrics tables, the HTML handout);
- :mod:`~scoresim.dashboard.echarts` (the chart widget: sends only what changed, PNG export),
  :mod:`~scoresim.dashboard.panels`, :mod:`~scoresim.dashboard.views` and
  :mod:`~scoresim.dashboard.app` (the Solara page) and :mod:`~scoresim.dashboard.server` (the
  launcher).
"""
