"""The voice recovered after a system is lifted (experiments.lift): the definition by hand, its
fixed points, the refusals, and ``compare --lift-step`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoresim.cli import main
from scoresim.core.errors import ScenarioError
from scoresim.experiments.compare import compare
from scoresim.experiments.effects import headline_table
from scoresim.experiments.lift import EFFECT, check_lift, lift_effect

STEPS = 8


def _runs(voice: dict[tuple[str, int], list[float]]) -> pd.DataFrame:
    """A two-arm runs table from each (arm, replication)'s voice over weeks 1..STEPS."""
    rows = [
        {"arm": arm, "replication": rep, "step": week + 1, "voice_expressed": value}
        for (arm, rep), series in voice.items()
        for week, value in enumerate(series)
    ]
    return pd.DataFrame(rows)


def _recovered(runs: pd.DataFrame, lift_step: int, weeks: int) -> pd.Series:
    table = headline_table(runs, agents=500, extra=(lift_effect(lift_step, weeks),))
    return table.set_index("effect").loc[EFFECT]


def test_voice_recovered_by_hand() -> None:
    # replication r: the arm's voice is 0.2 at week 3 and 0.5 at week 7, the control's 0.8 at
    # week 7: of the 0.6 lost at the lift, 0.3 is back: one half; a second replication gets
    # nothing back (0); a third lost nothing (undefined, left out)
    arm = {0: [0.2] * 3 + [0.3] * 3 + [0.5] * 2, 1: [0.3] * STEPS, 2: [0.6] * STEPS}
    control = {0: [0.8] * STEPS, 1: [0.7] * STEPS, 2: [0.6] * STEPS}
    runs = _runs({**{("treatment", r): s for r, s in arm.items()},
                  **{("control", r): s for r, s in control.items()}})  # fmt: skip
    row = _recovered(runs, lift_step=3, weeks=4)
    assert row["estimate"] == pytest.approx(0.25)  # mean of 0.5 and 0
    assert row["replications"] == 2 and row["min_agents"] == 500  # its support
    assert row["treatment"] == pytest.approx((0.5 + 0.3 + 0.6) / 3)  # E_T at week 7
    assert row["control"] == pytest.approx((0.8 + 0.7 + 0.6) / 3)


@settings(max_examples=40, deadline=None)
@given(before=st.floats(0.0, 1.0), control=st.floats(0.0, 1.0), share=st.floats(0.0, 1.0))
def test_voice_recovered_is_the_share_of_the_gap_closed(
    before: float, control: float, share: float
) -> None:
    """An arm that closes a share of its gap to the control recovers that share (1: back where
    the never-scored society is; 0: nothing back)."""
    if abs(control - before) < 1e-6:
        return
    after = before + share * (control - before)
    series = [before] * 3 + [after] * (STEPS - 3)
    runs = _runs({("treatment", r): series for r in range(3)}
                 | {("control", r): [control] * STEPS for r in range(3)})  # fmt: skip
    assert _recovered(runs, 3, 4)["estimate"] == pytest.approx(share, abs=1e-9)


def test_a_lift_the_runs_cannot_measure_is_refused() -> None:
    check_lift(312, 52, 416)
    for args, field in (((0, 52, 416), "--lift-step"), ((312, 0, 416), "--recovery-weeks"),
                        ((380, 52, 416), "--lift-step")):  # fmt: skip
        with pytest.raises(ScenarioError, match=f"^{field}: "):
            check_lift(*args)


SMALL = {"population.agents": 300, "steps": 12, "adoption.mandatory_step": 3}
LIFT = [{"step": 6, "set": {"policy.detect.critical": 0.0, "policy.detect.false_positive": 0.0}}]


def test_compare_with_a_lift_adds_the_effect_and_records_it(tmp_path: Path) -> None:
    cmp = compare("seed", replications=3, seed=4, overrides={**SMALL, "schedule": LIFT},
                  lift_step=6, recovery_weeks=4, out=tmp_path / "cmp")  # fmt: skip
    row = cmp.headline.set_index("effect").loc[EFFECT]
    voice = cmp.runs.pivot_table(index=["arm", "replication"], columns="step",
                                 values="voice_expressed")  # fmt: skip
    t, c = voice.loc["treatment"], voice.loc["control"]
    by_hand = ((t[10] - t[6]) / (c[10] - t[6])).mean()
    assert row["estimate"] == pytest.approx(by_hand)
    info = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert info["lift"] == {"step": 6, "weeks": 4}
    assert EFFECT in {e["name"] for e in info["effects_added"]}
    assert EFFECT in set(pd.read_csv(tmp_path / "cmp" / "headline.csv")["effect"])
    plain = compare("seed", replications=3, seed=4, overrides={**SMALL, "schedule": LIFT})
    assert EFFECT not in set(plain.headline["effect"]) and "lift" not in plain.summary()
    assert np.allclose(plain.runs["voice_expressed"], cmp.runs["voice_expressed"])


@pytest.mark.parametrize(("argv", "message"), [
    (["--recovery-weeks", "10"], "--recovery-weeks: needs --lift-step"),
    (["--lift-step", "10"], "--lift-step: week 10 + 52 is after the runs' last week (12)"),
])  # fmt: skip
def test_cli_refuses_a_bad_lift_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    out = tmp_path / "cmp"
    sets = [a for k, v in SMALL.items() for a in ("--set", f"{k}={v}")]
    rc = main(["compare", "seed", *sets, *argv, "--replications", "3", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc != 0 and message in err and len(err.splitlines()) == 1
    assert not out.exists()
