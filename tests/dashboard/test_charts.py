"""Charts, their explanations, events, the chart widget's split option, the HTML handout, the
palette, the glossary and the server's start-up checks, without a browser."""

from __future__ import annotations

import itertools
import json
import re
import warnings
from html import escape

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("solara")

from scoresim import Scenario, Simulation
from scoresim.cli import main
from scoresim.core.errors import ScenarioError
from scoresim.dashboard import charts, tiercharts
from scoresim.dashboard.arms import NOT_ENROLLED, control_for, point
from scoresim.dashboard.catalogue import CARDS, CHARTS, charts_for
from scoresim.dashboard.controller import Controller
from scoresim.dashboard.echarts import CHUNK, merge, split
from scoresim.dashboard.exports import snapshot_html
from scoresim.dashboard.server import quiet, serve
from scoresim.describe.glossary import EFFECTS, GLOSSARY, METRICS
from scoresim.describe.palette import NEW_TIE, tier_colours
from scoresim.describe.systems import SYSTEMS, caveat, describe
from scoresim.experiments.effects import headline_table
from scoresim.metrics import metric_columns

SMALL = {"population.agents": 300, "steps": 300, "seed": 2, "adoption.mandatory_step": 5}


@pytest.fixture(scope="module")
def advanced():
    c = Controller(Scenario.preset("seed").with_overrides(SMALL), sample_size=60)
    c.set_pace(None)
    assert c.wait_idle(60) and c.step(140) is None and c.wait_idle(120)
    yield c
    c.close()


def test_each_marker_names_the_system_it_belongs_to(tmp_path):
    seed = Scenario.preset("seed").with_overrides({"population.agents": 200, "steps": 200,
                                                   "adoption.mandatory_step": 156})  # fmt: skip
    c = Controller(seed, scenario_root=tmp_path, sample_size=40)
    try:
        assert c.set_systems(["rongcheng", "defaulter-blacklist"]) is None
        snap = c.snapshot()
        marks = {m["xAxis"]: m for m in charts.event_series(snap)["markLine"]["data"]}
        labels = {week: m["label"]["formatter"] for week, m in marks.items()}
        assert labels == {118: "wk 118 · defaulter-blacklist", 156: "wk 156 · seed, rongcheng"}
        assert "lineStyle" not in marks[156]  # two systems' week: the neutral colour
        assert marks[118]["lineStyle"]["color"] == SYSTEMS["defaulter-blacklist"].colour
        assert marks[118]["label"]["color"] == SYSTEMS["defaulter-blacklist"].colour
        assert "(defaulter-blacklist)" in marks[118]["name"]
    finally:
        c.close()


def _time_charts(snap):
    return [c for c in charts_for(snap) if c.key not in ("network", "scores")]


def test_every_chart_is_json_with_a_title_and_an_explanation(advanced):
    snap = advanced.snapshot()
    for chart in charts_for(snap):
        option = chart.make(snap)
        json.dumps(option, allow_nan=False)  # NaN would break the browser's JSON
        assert option["title"]["text"]
        assert len(chart.help) > 80 and "." in chart.help
    assert {c.key for c in charts_for(snap)} == {c.key for c in CHARTS} - {"listed"}


def test_time_charts_draw_each_system_in_its_colour_and_mark_the_events(advanced):
    snap = advanced.snapshot()
    for chart in _time_charts(snap):
        option = chart.make(snap)
        events = [s for s in option["series"] if s["name"] == "events"]
        assert len(events) == 1, chart.key
        marks = events[0]["markLine"]["data"]
        assert [m["xAxis"] for m in marks] == [5]
        assert marks[0]["name"] == "week 5: enrolment becomes mandatory (seed)"
        assert marks[0]["label"]["formatter"] == "wk 5 · seed"  # whose change, without hovering
        assert marks[0]["lineStyle"]["color"] == SYSTEMS["seed"].colour
        assert events[0]["markLine"]["silent"] is False  # hovering it says what changed
    adoption = charts.adoption_chart(snap)
    by_name = {s["name"]: s for s in adoption["series"]}
    assert by_name["seed"]["lineStyle"]["color"] == SYSTEMS["seed"].colour
    assert by_name["control"]["lineStyle"] == {"type": "dashed", "width": 1.6,
                                               "color": SYSTEMS["control"].colour}  # fmt: skip
    assert [p[0] for p in by_name["seed"]["data"]] == list(range(1, 141))
    assert adoption["legend"]["type"] == "scroll"  # one line: never over the axis title
    assert adoption["yAxis"]["nameLocation"] == "middle"


def test_histogram_network_and_employment_follow_the_snapshot(advanced):
    snap = advanced.snapshot()
    hist = tiercharts.score_histogram(snap)
    bars = hist["series"][0]
    enrolled = round(snap.arms[0].rows[-1]["adoption"] * 300)
    assert sum(d["value"][1] for d in bars["data"]) == enrolled
    areas = bars["markArea"]["data"]
    assert [a[0]["name"] for a in areas] == ["poor", "fair", "good", "excellent"]
    rows = [a[0]["label"]["offset"][1] for a in areas]
    assert all(r1 != r2 for r1, r2 in itertools.pairwise(rows))  # staggered labels
    net = tiercharts.network_chart(snap)["series"][0]
    view = snap.tiers.network
    assert len(net["data"]) == snap.tiers.positions.shape[0]
    assert len(net["links"]) == len(view.kept) + len(view.added) + len(view.cut)
    employment = tiercharts.employment_chart(snap)
    names = [s["name"] for s in employment["series"]]
    assert names == ["poor", "fair", "good", "excellent", NOT_ENROLLED, "all · control", "events"]


def test_tier_colours_share_no_blue_with_new_ties_or_systems():
    for n in (2, 4, 5, 7):
        for colour in tier_colours(n):
            r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
            assert b < max(r, g), colour  # red to green, never blue
            assert colour not in {s.colour for s in SYSTEMS.values()} and colour != NEW_TIE


# ------------------------------------------------------------------ the widget's split option
def test_split_sends_only_the_newest_points_and_round_trips(advanced):
    for week in (0, 1, CHUNK - 1, CHUNK, 130, 131, 140):
        advanced.scrub(week)
        snap = advanced.snapshot()
        for chart in charts_for(snap):
            option = chart.make(snap)
            base, ops = split(option)
            assert merge(base, ops) == option, (chart.key, week)
            for op in ops:
                if op[0] == "append":
                    assert 0 < len(op[2]) < CHUNK
    advanced.scrub(None)


def test_from_week_to_week_a_run_sends_only_its_newest_points():
    c = Controller(Scenario.preset("seed").with_overrides(SMALL), sample_size=60)
    c.set_pace(None)
    try:
        bases, sizes = [], []
        for target in (130, 131, 132):
            assert c.wait_idle(60) and c.step(target - c.snapshot().latest) is None
            assert c.wait_idle(120)
            snap = c.snapshot()
            parts = [split(chart.make(snap)) for chart in _time_charts(snap)]
            bases.append([base for base, _ in parts])
            sizes.append(sum(len(json.dumps(ops)) for _, ops in parts))
        assert bases[0] == bases[1] == bases[2]  # unchanged: not sent again
        full = sum(len(json.dumps(chart.make(snap))) for chart in _time_charts(snap))
        assert max(sizes) < full / 3
    finally:
        c.close()


points = st.lists(st.tuples(st.integers(0, 999), st.floats(-1, 1)), max_size=200)


@settings(max_examples=60, deadline=None)
@given(st.lists(points, min_size=1, max_size=4), st.integers(1, 80), st.text(max_size=8))
def test_merge_of_split_is_the_option(lines, chunk, title):
    option = {
        "title": {"text": title},
        "xAxis": {"max": 10},
        "series": [
            {"type": "line", "name": str(i), "data": [list(p) for p in data]}
            for i, data in enumerate(lines)
        ],
    }
    base, ops = split(option, chunk=chunk)
    assert merge(base, ops) == option
    for s in base["series"]:
        assert len(s["data"]) % chunk == 0


# ------------------------------------------------------------------ the HTML handout
def test_the_html_snapshot_is_self_contained(advanced):
    advanced.scrub(100)
    html = snapshot_html(advanced.snapshot(), echarts_js="window.echarts = {init() {}};")
    advanced.scrub(None)
    assert "week 100 of 300" in html and escape(advanced.snapshot().caveat) in html
    assert "Hypothetical: seed" in html and "synthetic" in html
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)  # nothing loaded
    options = json.loads(re.search(r"const options = (.*);\n", html).group(1))
    assert len(options) == len(charts_for(advanced.snapshot()))
    assert options[1]["series"][0]["data"][-1][0] == 100
    full = advanced.snapshot_html()
    assert len(full) > 500_000 and b"echarts" in full  # the library itself is inlined


# ------------------------------------------------------------------ glossary and palette
def test_the_glossary_explains_every_metric_and_headline_effect():
    columns = metric_columns(Simulation(Scenario.preset("seed").with_overrides(SMALL)).params)
    for column in columns[1:]:
        key = "tier_<name>" if column.startswith("tier_") else column
        entry = METRICS[key]
        assert entry.what and entry.sign, column
    blacklist = Scenario.preset("defaulter-blacklist").with_overrides(SMALL)
    runs = []
    for arm, scenario in (("treatment", blacklist), ("control", control_for(blacklist))):
        sim = Simulation(scenario)
        for row in (sim.step() for _ in range(3)):
            runs.append({"arm": arm, "replication": 0, **row})
    effects = headline_table(pd.DataFrame(runs), blacklist=True)["effect"].tolist()
    lifted = {"voice recovered"}  # only with compare --lift-step
    assert len(effects) == 13 and set(effects) == set(EFFECTS) - lifted  # every effect, no other
    assert "negative" in GLOSSARY["pluralistic ignorance"].sign.lower()
    assert {c.key for c in CARDS} >= {"chilling", "gap", "isolated", "employment_gap"}
    assert all(s.colour.startswith("#") for s in SYSTEMS.values())  # every system has one


def test_the_caveat_names_hypothetical_and_documented_systems():
    names = ["seed", "zhima-2015", "rongcheng", "defaulter-blacklist", "mine", "control"]
    text = caveat([describe(n) for n in names], brief=True)
    assert "Hypothetical: seed" in text
    assert "Documented: zhima-2015, rongcheng, defaulter-blacklist" in text
    assert "Your own scenario: mine" in text and "synthetic" in text
    assert "Documented" not in caveat([describe("zhima-2015", preset=False)], brief=True)


# ------------------------------------------------------------------ the server
def test_a_missing_scenario_folder_is_refused_before_the_server_starts(tmp_path, capsys):
    with pytest.raises(ScenarioError, match="--scenarios: folder not found"):
        serve(scenario_root=tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ScenarioError, match="--scenarios: not a folder"):
        serve(scenario_root=tmp_path / "file")
    with pytest.raises(SystemExit) as stop:  # the command line refuses it as it parses
        main(["dashboard", "--scenarios", str(tmp_path / "missing")])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "folder not found" in err[0]
    with pytest.raises(SystemExit):
        main(["dashboard", "--max-runs", "0"])


def test_quiet_keeps_the_cookie_warning_out():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quiet()
        warnings.warn("Cookies with samesite=none require https", UserWarning, stacklevel=1)
    assert caught == []


def test_the_cached_points_are_the_rows_at_any_week(advanced):
    for week in (100, 50, 140, 3, None):
        advanced.scrub(week)
        snap = advanced.snapshot()
        for arm in snap.all_arms:
            for key, scale in (("adoption", 100), ("critical_posts", 1.0)):
                fresh = [point(r["step"], r[key], scale) for r in arm.rows]
                assert arm.points(key, scale) == fresh, (arm.name, key, week)
        employment = [point(w + 1, row["poor"], 100) for w, row in enumerate(snap.tiers.employment)]
        assert snap.tiers.employment_points("poor") == employment
