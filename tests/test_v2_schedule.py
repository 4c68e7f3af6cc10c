"""Model v2, the policy timeline (docs/model.md 6.7), and the bad input model v2 refuses.

A ``[[schedule]]`` entry sets fields from its step on, before that step's adoption; at step
``t`` a field holds the value of the entry with the largest step ``<= t`` that sets it (the
later one in the list at equal steps), else its base value. So a run with a schedule must be
bit-identical to runs spliced at the scheduled steps: run the base scenario to step ``K - 1``,
replace the quantities in force by those of the scenario scheduled from ``K``, and go on.

Bad input (records and timeline) is refused with one line that names the field, by
``Scenario`` (a ``ScenarioError``) and by ``scoresim validate FILE`` (exit 2, one line on
stderr, nothing on stdout).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoresim.cli import main
from scoresim.core.errors import ScenarioError
from scoresim.phases.params import Params
from scoresim.scenario import Scenario
from scoresim.simulation import Simulation

SCORESIM = Path(sys.executable).parent / "scoresim"


def small(preset, **fields):
    overrides = {"population.agents": 3_000, "steps": 8, "schedule": [], **fields}
    return Scenario.preset(preset).with_overrides(overrides)


def entry(step, **fields):
    return {"step": step, "set": {k.replace("__", "."): v for k, v in fields.items()}}


# =========================================================================== the step of a change
def test_a_field_changes_exactly_at_its_step():
    sc = small("seed", schedule=[entry(4, policy__detect__critical=0.95, tiers__poor__reach=0.2)])
    sim = Simulation(sc, seed=1)
    seen = []
    for _ in range(sc.steps):
        sim.step()
        p = sim.params.scenario
        seen.append(
            (sim.t, p.policy.detect.critical, p.tiers[0].reach, float(sim.params.tiers.reach[0]))
        )
    assert seen[:3] == [(t, 0.8, 0.5, 0.5) for t in (1, 2, 3)]
    assert seen[3:] == [(t, 0.95, 0.2, 0.2) for t in range(4, 9)]
    assert sim.scenario == sc  # the recorded scenario keeps its schedule


def test_equal_steps_the_later_entry_wins_and_values_persist():
    sc = small("seed", schedule=[
        entry(6, policy__decay=0.5),
        entry(3, policy__decay=0.1, tiers__poor__reach=0.3),
        entry(3, policy__decay=0.2),
    ])  # fmt: skip
    timeline = sc.timeline()
    assert [k for k, _ in timeline] == [3, 6]
    assert [(s.policy.decay, s.tiers[0].reach) for _, s in timeline] == [(0.2, 0.3), (0.5, 0.3)]
    assert all(not s.schedule for _, s in timeline)
    sim = Simulation(sc)
    decays = []
    for _ in range(sc.steps):
        sim.step()
        decays.append(sim.params.scenario.policy.decay)
    assert decays == [0.02, 0.02, 0.2, 0.2, 0.2, 0.5, 0.5, 0.5]


def test_list_entries_are_addressed_by_name():
    sc = small("rongcheng", schedule=[entry(
        2, tiers__C__inspection=1.25, policy__records__donation__rate=0.25,
        policy__posts__critical_topics__tiananmen_photo__delta=-7.0,
    )])  # fmt: skip
    ((_, later),) = sc.timeline()
    assert [t.inspection for t in later.tiers] == [2.0, 1.25, 1.0, 1.0, 1.0, 1.0]
    rates = {r.name: r.rate for r in later.policy.records}
    assert rates["donation"] == 0.25
    assert rates["volunteering"] == sc.policy.records[3].rate == 0.01  # the others unchanged
    topics = {t.name: t.delta for t in later.policy.posts.critical_topics}
    assert topics == {"tiananmen_photo": -7.0, "market_crash_link": 0.0}
    assert later.tiers[1].name == "C"
    # by index too, as --set does
    ((_, by_index),) = small("seed", schedule=[entry(2, tiers__0__reach=0.1)]).timeline()
    assert by_index.tiers[0].reach == 0.1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(1, 6),
            st.sampled_from(["policy.decay", "tiers.poor.reach"]),
            st.sampled_from([0.0, 0.1, 0.3, 0.7]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_the_value_in_force_is_that_of_the_last_entry_at_or_before_the_step(entries):
    sc = Scenario.preset("seed").with_overrides({
        "population.agents": 40, "graph.degree": 4, "steps": 6,
        "schedule": [{"step": k, "set": {f: v}} for k, f, v in entries],
    })  # fmt: skip
    base = {"policy.decay": 0.02, "tiers.poor.reach": 0.5}

    def expected(field, t):  # the reference reading of 6.7
        hits = [(k, i, v) for i, (k, f, v) in enumerate(entries) if f == field and k <= t]
        return max(hits)[2] if hits else base[field]

    sim = Simulation(sc)
    for t in range(1, 7):
        sim.step()
        p = sim.params.scenario
        assert (p.policy.decay, p.tiers[0].reach) == (
            expected("policy.decay", t),
            expected("tiers.poor.reach", t),
        )


# =========================================================================== splicing
def splice(sc, seed):
    """The base scenario run step by step, with the quantities in force replaced by hand at
    every scheduled step."""
    sim = Simulation(sc.with_overrides({"schedule": []}), seed=seed)
    for step, later in sc.timeline():
        sim.run(step - 1 - sim.t)
        sim.params = Params.from_scenario(later)
    return sim.run()


SPLICES = {
    "v1 fields": small(
        "seed",
        schedule=[
            entry(
                4,
                policy__detect__critical=0.95,
                tiers__poor__reach=0.2,
                policy__posts__critical_topics__tiananmen_photo__delta=-80.0,
            ),
            entry(6, policy__friend_weight=0.1, network__drop_rate=0.3),
        ],
    ),
    "blacklist": small(
        "defaulter-blacklist",
        **{
            "economy.loan_apply": 0.3,
            "economy.default": 0.05,
            "blacklist.from_default": 1.0,
            "schedule": [
                entry(
                    5,
                    blacklist__hire_multiplier=0.5,
                    blacklist__shaming_drop=0.3,
                    blacklist__comply=0.1,
                )
            ],
        },
    ),
    "records": small(
        "rongcheng",
        schedule=[
            entry(
                3,
                policy__records__traffic_penalty__rate=0.5,
                tiers__C__inspection=1.0,
                policy__deterrence=0.9,
            ),
            entry(7, policy__records__volunteering__delta=40.0, tiers__AAA__perk_value=0.5),
        ],
    ),
    "records from rate 0": small(
        "seed",
        **{
            "policy.records": [
                {"name": "theft", "kind": "offence", "rate": 0.0, "delta": -30.0, "detect": 0.7}
            ],
            "schedule": [entry(4, policy__records__theft__rate=0.8)],
        },
    ),
}


@pytest.mark.parametrize("case", list(SPLICES))
def test_a_run_with_a_schedule_equals_runs_spliced_at_its_steps(case):
    sc = SPLICES[case]
    whole = Simulation(sc, seed=2).run()
    spliced = splice(sc, seed=2)
    pd.testing.assert_frame_equal(whole.metrics, spliced.metrics, check_exact=True)
    pd.testing.assert_frame_equal(whole.agents, spliced.agents, check_exact=True)
    pd.testing.assert_frame_equal(whole.edges, spliced.edges, check_exact=True)
    # and the schedule did something: the run without it differs
    plain = Simulation(sc.with_overrides({"schedule": []}), seed=2).run()
    first = sc.timeline()[0][0]
    assert not plain.metrics.equals(whole.metrics)
    pd.testing.assert_frame_equal(plain.metrics.iloc[: first - 1], whole.metrics.iloc[: first - 1])


def test_a_blacklist_switched_on_later_lists_only_from_its_step():
    sc = small("seed", **{
        "economy.loan_apply": 0.5, "economy.default": 0.2, "blacklist.from_default": 1.0,
        "schedule": [entry(5, blacklist__enabled=True)],
    })  # fmt: skip
    m = Simulation(sc, seed=3).run().metrics
    assert (m["listings"].iloc[:4] == 0).all() and (m["listed"].iloc[:4] == 0).all()
    assert m["listings"].iloc[4] > 0 and (m["ever_listed"].diff().iloc[4:] >= 0).all()


# =========================================================================== bad input
RECORD = 'name = "theft"\nkind = "offence"\nrate = 0.1\ndelta = -5.0\ndetect = 0.5\n'


def schedule(step, body):
    return f"[[schedule]]\nstep = {step}\nset = {{ {body} }}\n"


BAD = {
    "unknown record kind": (
        "[[policy.records]]\n" + RECORD.replace('"offence"', '"crime"'),
        "policy.records.0.kind:",
    ),
    "negative rate": (
        "[[policy.records]]\n" + RECORD.replace("0.1", "-0.1"),
        "policy.records.0.rate:",
    ),
    "lists on a deed": (
        "[[policy.records]]\n" + RECORD.replace('"offence"', '"deed"') + "lists = true\n",
        "policy.records.0.lists:",
    ),
    "detect above 1": (
        "[[policy.records]]\n" + RECORD.replace("0.5", "1.5"),
        "policy.records.0.detect:",
    ),
    "step 0": (schedule(0, '"policy.decay" = 0.1'), "schedule.0.step:"),
    "step beyond the horizon, bad value": (
        "steps = 10\n" + schedule(11, '"policy.decay" = 2.0'),
        "schedule.0.set: policy.decay:",
    ),
    "no such field": (
        schedule(3, '"policy.nonexistent" = 0.1'),
        "schedule.0.set.policy.nonexistent:",
    ),
    "no such list entry": (schedule(3, '"tiers.awful.reach" = 0.1'), "schedule.0.set.tiers.awful:"),
    "population": (schedule(3, '"population.agents" = 10'), "schedule.0.set.population.agents:"),
    "graph": (schedule(3, '"graph.rewire" = 0.5'), "schedule.0.set.graph.rewire:"),
    "steps": (schedule(3, '"steps" = 20'), "schedule.0.set.steps:"),
    "seed": (schedule(3, '"seed" = 2'), "schedule.0.set.seed:"),
    "value out of range": (
        schedule(2, '"policy.decay" = 0.1') + schedule(3, '"policy.detect.critical" = 1.5'),
        "schedule.1.set: policy.detect.critical:",
    ),
    "value of the wrong type": (
        schedule(3, '"policy.decay" = "high"'),
        "schedule.0.set: policy.decay:",
    ),
}


def write(tmp_path, body):
    path = tmp_path / "bad.toml"
    path.write_text('base = "seed"\n' + body)
    return path


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_refused_with_one_line_naming_the_field(case, tmp_path, capsys):
    body, field = BAD[case]
    path = write(tmp_path, body)
    with pytest.raises(ScenarioError) as err:
        Scenario.load(path)
    message = str(err.value)
    assert message.startswith(field) and "\n" not in message, message
    assert main(["validate", str(path)]) == 2
    out, err_text = capsys.readouterr()
    assert out == ""
    assert err_text == f"scoresim: error: {message}\n"


def test_bad_input_through_the_real_command(tmp_path):
    path = write(tmp_path, schedule(3, '"population.agents" = 10'))
    done = subprocess.run(
        [str(SCORESIM), "validate", str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "schedule.0.set.population.agents" in lines[0]
    assert "Traceback" not in done.stderr


def test_a_good_schedule_validates(tmp_path, capsys):
    path = write(tmp_path, "steps = 20\n" + schedule(20, '"tiers.poor.reach" = 0.25'))
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"{path}: valid")


def test_overrides_refuse_a_bad_schedule_too():
    with pytest.raises(ScenarioError, match=r"^schedule\.0\.set\.steps: cannot be scheduled"):
        small("seed", schedule=[entry(9, steps=3)])
    assert small("seed", schedule=[entry(8, policy__decay=0.1)]).timeline()[0][0] == 8
    later = small("seed", schedule=[entry(9, policy__decay=0.1)])  # after the horizon: kept
    assert later.timeline() == [] and len(later.schedule) == 1
