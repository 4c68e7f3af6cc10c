"""Model v3's fields: bad input refused in one line naming the field (by ``Scenario`` and by
``scoresim validate``), what the schedule may and may not set, and a schedule that changes a
v3 field equal to runs spliced at its step (docs/model.md 6.7 and 7)."""

from __future__ import annotations

import pandas as pd
import pytest

from scoresim.cli import main
from scoresim.core.errors import ScenarioError
from scoresim.scenario import Scenario
from scoresim.simulation import Simulation
from test_v2_schedule import entry, small, splice

#: TOML body -> the start of its one-line error
BAD = {
    "unknown expression model": ('[expression]\nmodel = "spiral"\n', "expression.model:"),
    "unknown gaming model": ('[adaptation]\ngaming_model = "best"\n',
                             "adaptation.gaming_model:"),
    "confidence 0": ("[adaptation]\nconfidence = 0.0\n", "adaptation.confidence:"),
    "confidence above 1": ("[adaptation]\nconfidence = 1.5\n", "adaptation.confidence:"),
    "stubborn share above 1": ("[population]\nstubborn_share = 1.2\n",
                               "population.stubborn_share:"),
    "stubborn share below 0": ("[population]\nstubborn_share = -0.1\n",
                               "population.stubborn_share:"),
    "backlash above 1": ("[adaptation]\nbacklash = 2.0\n", "adaptation.backlash:"),
    "backlash below 0": ("[adaptation]\nbacklash = -0.5\n", "adaptation.backlash:"),
    "negative sanction weight": ("[expression]\nsanction_weight = -1.0\n",
                                 "expression.sanction_weight:"),
    "negative conviction": ("[expression]\nconviction = -0.1\n", "expression.conviction:"),
    "negative stake exponent": ("[adaptation]\nstake_exponent = -1.0\n",
                                "adaptation.stake_exponent:"),
    "gaming reach 0": ("[adaptation]\ngaming_reach = 0.0\n", "adaptation.gaming_reach:"),
    "aware share above 1": ("[population]\naware_share = 1.5\n", "population.aware_share:"),
    "threshold b 0": ("[expression]\nthreshold = { a = 1.0, b = 0.0 }\n",
                      "expression.threshold.b:"),
    "unknown expression field": ("[expression]\nvolume = 3\n", "expression.volume:"),
    "scheduled expression model": (
        '[[schedule]]\nstep = 3\nset = { "expression.model" = "threshold" }\n',
        "schedule.0.set.expression.model: cannot be scheduled"),
    "scheduled gaming model": (
        '[[schedule]]\nstep = 3\nset = { "adaptation.gaming_model" = "threshold" }\n',
        "schedule.0.set.adaptation.gaming_model: cannot be scheduled"),
    "scheduled threshold": (
        '[[schedule]]\nstep = 3\nset = { "expression.threshold.a" = 2.0 }\n',
        "schedule.0.set.expression.threshold.a: cannot be scheduled"),
    "scheduled susceptibility": (
        '[[schedule]]\nstep = 3\nset = { "population.susceptibility.a" = 2.0 }\n',
        "schedule.0.set.population.susceptibility.a: cannot be scheduled"),
    "scheduled backlash out of range": (
        '[[schedule]]\nstep = 3\nset = { "adaptation.backlash" = 3.0 }\n',
        "schedule.0.set: adaptation.backlash:"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_refused_with_one_line_naming_the_field(case, tmp_path, capsys):
    body, field = BAD[case]
    path = tmp_path / "bad.toml"
    path.write_text('base = "seed"\nsteps = 20\n' + body)
    with pytest.raises(ScenarioError) as err:
        Scenario.load(path)
    message = str(err.value)
    assert message.startswith(field) and "\n" not in message, message
    assert main(["validate", str(path)]) == 2
    out, err_text = capsys.readouterr()
    assert out == "" and err_text == f"scoresim: error: {message}\n"


def test_the_fields_that_may_be_scheduled_are():
    sc = small("seed", schedule=[entry(3, adaptation__confidence=0.5, adaptation__backlash=0.1,
                                       adaptation__stake_exponent=1.0,
                                       adaptation__gaming_reach=20.0,
                                       expression__sanction_weight=4.0,
                                       expression__conviction=0.0)])  # fmt: skip
    ((_, later),) = sc.timeline()
    assert later.expression.sanction_weight == 4.0 and later.adaptation.confidence == 0.5


def test_a_schedule_changing_v3_fields_equals_runs_spliced_at_its_steps():
    v3 = {
        "expression.model": "threshold",
        "adoption.mandatory_step": 2,
        "population.susceptibility": {"a": 2.0, "b": 2.0},
        "adaptation.backlash": 0.1,
    }
    sc = small("seed", **v3, schedule=[
        entry(4, expression__sanction_weight=8.0, adaptation__confidence=0.3),
        entry(6, expression__sanction_weight=0.0, expression__conviction=0.0),
    ])  # fmt: skip
    whole = Simulation(sc, seed=2).run()
    spliced = splice(sc, seed=2)
    pd.testing.assert_frame_equal(whole.metrics, spliced.metrics, check_exact=True)
    pd.testing.assert_frame_equal(whole.agents, spliced.agents, check_exact=True)
    pd.testing.assert_frame_equal(whole.edges, spliced.edges, check_exact=True)
    plain = Simulation(sc.with_overrides({"schedule": []}), seed=2).run()
    assert not plain.metrics["public_critics"].equals(whole.metrics["public_critics"])
