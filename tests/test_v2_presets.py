"""Model v2, the presets of the documented systems (docs/model.md 6.6): ``zhima-2015``,
``rongcheng`` and ``defaulter-blacklist``.

Each validates, extends ``seed`` (so the same seed gives the same population and graph), is
listed by ``scoresim presets`` with a one-line description, and ``scoresim show`` prints it
resolved, as TOML that loads back to the same scenario. Each has the features 6.6 describes,
and cites or marks as assumed every number (rule in :func:`uncommented_numbers`). Model v2's
metric columns stay 0 in ``seed`` and ``control`` runs, where their mechanisms are off.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources

import numpy as np
import pytest

from scoresim.cli import main
from scoresim.metrics import V2_COLUMNS
from scoresim.scenario import Scenario, preset_descriptions
from scoresim.simulation import Simulation

NEW = ("zhima-2015", "rongcheng", "defaulter-blacklist")
V1_POPULATION = ("dissent0", "fear", "import_taste", "post_rate", "buy_rate", "income",
                 "employed")  # fmt: skip
#: columns of model v2 whose mechanism is not a v2 switch: opinion shares exist in every run
ALWAYS_ON = ("private_critics", "public_critics")


def preset_text(name):
    return resources.files("scoresim.scenario.presets").joinpath(f"{name}.toml").read_text()


def small(name, **fields):
    return Scenario.preset(name).with_overrides(
        {"population.agents": 2_000, "steps": 5, "schedule": [], **fields}
    )


# =========================================================================== validity, base
@pytest.mark.parametrize("name", NEW)
def test_preset_validates_through_the_cli(name, capsys):
    path = resources.files("scoresim.scenario.presets").joinpath(f"{name}.toml")
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{path}: valid") and err == ""
    sc = Scenario.preset(name)
    assert sc.name == name


@pytest.mark.parametrize("name", NEW)
def test_preset_is_the_seed_society(name):
    assert tomllib.loads(preset_text(name))["base"] == "seed"
    seed = Scenario.preset("seed")
    sc = Scenario.preset(name)
    assert sc.population == seed.population and sc.graph == seed.graph
    assert sc.steps == seed.steps and sc.seed == seed.seed
    a, b = Simulation(small(name), seed=9), Simulation(small("seed"), seed=9)
    for trait in V1_POPULATION:
        np.testing.assert_array_equal(getattr(a.society, trait), getattr(b.society, trait))
    np.testing.assert_array_equal(a.society.graph.src, b.society.graph.src)
    np.testing.assert_array_equal(a.society.graph.dst, b.society.graph.dst)
    np.testing.assert_array_equal(a.society.graph.indptr, b.society.graph.indptr)


def test_presets_lists_each_with_a_one_line_description(capsys):
    assert main(["presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    descriptions = preset_descriptions()
    for name in (*NEW, "seed", "control"):
        (line,) = [x for x in lines if x.split()[0] == name]
        text = descriptions[name]
        assert text and "\n" not in text and line.endswith(text)
        assert line.split(None, 1)[1] == text


@pytest.mark.parametrize("name", NEW)
def test_show_prints_a_resolved_toml_that_loads_back(name, capsys, tmp_path):
    assert main(["show", name]) == 0
    text = capsys.readouterr().out
    assert "base" not in tomllib.loads(text)
    path = tmp_path / "shown.toml"
    path.write_text(text)
    assert Scenario.load(path) == Scenario.preset(name)
    assert Scenario.load(path).to_dict() == Scenario.preset(name).to_dict()


# =========================================================================== what 6.6 describes
def test_zhima_2015_as_documented():
    sc = Scenario.preset("zhima-2015")
    assert sc.adoption.mandatory_step == "never" and sc.adoption.initial == 0.0
    assert (sc.policy.score.min, sc.policy.score.max) == (350.0, 950.0)
    assert [t.min_score for t in sc.tiers] == [350.0, 550.0, 600.0, 650.0, 700.0]
    assert all(t.delta == 0.0 for t in sc.policy.posts.critical_topics)
    assert sc.policy.posts.loyal_delta == 0.0
    det = sc.policy.detect
    assert det.critical == det.loyal == det.false_positive == 0.0
    assert sc.policy.default_penalty > 0 and sc.policy.repayment_delta > 0
    assert sc.policy.income_weight > 0
    assert sc.policy.low_friend_penalty == 0.0 and sc.network.drop_rate == 0.0
    perks = [t.perk_value for t in sc.tiers]
    assert perks[:2] == [0.0, 0.0] and all(p > 0 for p in perks[2:])  # from 600
    assert [t.public for t in sc.tiers][-1] and not sc.tiers[0].public
    approvals = [t.loan_approval for t in sc.tiers]
    assert approvals == sorted(approvals) and approvals[0] < approvals[-1]
    assert all(t.hire_multiplier == 1.0 and t.reach == 1.0 and not t.travel_ban for t in sc.tiers)
    assert not sc.blacklist.enabled


def test_rongcheng_as_documented():
    sc = Scenario.preset("rongcheng")
    assert sc.adoption.initial == 1.0 and sc.policy.score.base == 1000.0
    assert {t.name: t.min_score for t in sc.tiers} == {
        "D": sc.policy.score.min,
        "C": 600.0,
        "B": 850.0,
        "A": 960.0,
        "AA": 1030.0,
        "AAA": 1050.0,
    }
    pol = sc.policy
    assert pol.friend_weight == pol.low_friend_penalty == pol.decay == 0.0
    assert pol.detect.critical == pol.detect.loyal == pol.detect.false_positive == 0.0
    assert {pol.purchases.desirable.delta, pol.purchases.undesirable.delta} == {0.0}
    kinds = {r.kind for r in pol.records}
    assert kinds == {"offence", "deed"}
    assert {2.0, 30.0, 10.0} <= {r.delta for r in pol.records if r.kind == "deed"}
    assert all(r.delta < 0 for r in pol.records if r.kind == "offence")
    inspection = {t.name: t.inspection for t in sc.tiers}
    assert inspection["C"] > 1 and inspection["D"] > 1
    assert all(
        t.loan_approval == sc.tiers[0].loan_approval
        and t.hire_multiplier == 1.0
        and t.reach == 1.0
        and not t.travel_ban
        for t in sc.tiers
    )  # no penalty
    assert all(t.perk_value > 0 for t in sc.tiers if t.name.startswith("A"))
    ((step, later),) = sc.timeline()  # later rules: C and D lose their extra inspection
    assert 1 < step <= sc.steps
    assert all(t.inspection == 1.0 for t in later.tiers)


def test_defaulter_blacklist_as_documented():
    sc = Scenario.preset("defaulter-blacklist")
    ad = sc.adoption
    assert ad.initial == ad.innovation == ad.imitation == 0.0 and ad.mandatory_step == "never"
    bl = sc.blacklist
    assert bl.enabled and bl.from_default > 0 and bl.comply > 0
    ((step, later),) = sc.timeline()  # the 2016 memoranda widen the bans
    assert later.blacklist.hire_multiplier < bl.hire_multiplier
    assert 1 < step <= sc.steps


@pytest.mark.parametrize("name", NEW)
def test_preset_runs_and_keeps_its_v1_columns_defined(name):
    run = Simulation(small(name, steps=4), seed=1).run()
    m = run.metrics
    assert list(m["step"]) == [1, 2, 3, 4]
    assert np.isfinite(m[["dissent_mean", "employment", "edges"]].to_numpy()).all()
    assert {"listed", "ever_listed"} <= set(run.agents.columns)


# =========================================================================== citations
NAMES = re.compile(r"^\s*(name|description|base)\s*=")
NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(\.\d+)?([eE][-+]?\d+)?(?![\w])")
TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*$")


def _split_comment(line):
    """``(code, comment)``: the line cut at its first ``#`` outside a string."""
    quoted = False
    for k, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "#" and not quoted:
            return line[:k], line[k + 1 :].strip()
    return line, ""


def uncommented_numbers(text):
    """Lines holding a number that no comment explains.

    The rule: a line whose code holds a number outside strings (an assignment, or an entry of
    a multi-line array) must carry a ``#`` comment itself, or come right after a comment line,
    or lie in a table (or array of tables) whose header has a comment on its line or right
    above it (for an array of tables, at any of its headers). ``name``, ``description`` and
    ``base`` lines are not numbers. Whether the words of a comment cite a source or say
    "assumed" is left to review: this checks that no number stands bare.
    """
    bad = []
    above = False  # the line before was a comment line
    covered: dict[str, bool] = {}
    table = ""
    for no, line in enumerate(text.splitlines(), 1):
        code, comment = _split_comment(line)
        if not code.strip():
            above = bool(comment)
            continue
        header = TABLE.match(code)
        if header:
            table = header.group(1)
            covered[table] = covered.get(table, False) or above or bool(comment)
        elif not NAMES.match(code):
            bare = re.sub(r'"[^"]*"', '""', code)
            if NUMBER.search(bare) and not (comment or above or covered.get(table, False)):
                bad.append(f"{no}: {line.strip()}")
        above = False
    return bad


def test_the_citation_rule_catches_a_bare_number():
    text = (
        "# a block comment (a source)\n[a]\nx = 1.0\n\n[b]\ny = 2.0  # assumed\nz = 3\n"
        'w = { name = "n", delta = 0.0 }\n# assumed\nv = 4\ns = "12"\nname = "x2"\n'
        "r = [\n  { rate = 0.5 },  # assumed\n  { rate = 0.25 },\n]\n"
        "[[t]]  # (a source)\nk = 1\n[[u]]\nk = 2e-3\n[[t]]\nk = 5\n"
    )
    assert uncommented_numbers(text) == [
        "7: z = 3",
        '8: w = { name = "n", delta = 0.0 }',
        "15: { rate = 0.25 },",
        "20: k = 2e-3",
    ]


@pytest.mark.parametrize("name", NEW)
def test_every_number_in_the_preset_is_cited_or_marked_assumed(name):
    bad = uncommented_numbers(preset_text(name))
    assert not bad, f"{name}: {len(bad)} bare numbers: {bad[:6]}"


# =========================================================================== v2 off in v1 presets
@pytest.mark.parametrize("name", ["seed", "control"])
def test_v2_columns_are_zero_in_seed_and_control(name):
    run = Simulation(small(name, steps=20), seed=5).run()
    m = run.metrics
    for column in V2_COLUMNS:
        if column == "employment_listed":
            assert m[column].isna().all()
        elif column not in ALWAYS_ON:
            assert (m[column] == 0).all(), column
    # opinion shares are always measured: expressed <= dissent, so public critics are private ones
    assert (m["private_critics"] > 0).all() and (m["public_critics"] <= m["private_critics"]).all()
    assert not run.agents["listed"].any() and not run.agents["ever_listed"].any()
