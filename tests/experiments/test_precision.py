"""Replications chosen by precision (compare --replications auto): it stops when it should,
gives the same replications whatever --workers, and is the fixed comparison of as many."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scoresim.cli import main
from scoresim.core.errors import ScenarioError
from scoresim.experiments.compare import arm_headlines, compare
from scoresim.experiments.precision import BATCH, HISTORY_COLUMNS, PrecisionRule, PrecisionTrace
from scoresim.report.compare_page import compare_page

SMALL = {"population.agents": 200, "steps": 6}
SMALL_ARGS = ["--set", "population.agents=200", "--set", "steps=6", "--seed", "3"]


def _trace(rows: list[tuple[str, int, float, float]], precision: float) -> PrecisionTrace:
    history = pd.DataFrame([("treatment", e, n, est, h) for e, n, est, h in rows],
                           columns=list(HISTORY_COLUMNS))  # fmt: skip
    return PrecisionTrace(PrecisionRule(precision, max_replications=15), history)


def test_needed_replications_and_what_stopped_the_run_by_hand() -> None:
    trace = _trace([
        ("a", 5, 1.0, 0.05), ("b", 5, 1.0, 0.5), ("c", 5, math.nan, math.nan),
        ("a", 10, 1.0, 0.2), ("b", 10, 1.0, 0.08), ("c", 10, math.nan, math.nan),
        ("a", 15, 1.0, 0.09), ("b", 15, 1.0, 0.07), ("c", 15, math.nan, math.nan),
    ], precision=0.1)  # fmt: skip
    needed = trace.needed().set_index("effect")
    # a dipped below at 5, rose above at 10: it needed 15 (below from then on)
    assert needed["needed"].to_dict() == pytest.approx({"a": 15.0, "b": 10.0, "c": math.nan},
                                                       nan_ok=True)  # fmt: skip
    assert needed["status"].to_dict() == {"a": "reached", "b": "reached", "c": "not shown"}
    assert trace.reached and trace.stopped_by() == ["a"] and trace.replications == 15
    capped = _trace([("a", 5, 1.0, 0.5), ("b", 5, 1.0, 0.01)], precision=0.1)
    assert not capped.reached and capped.stopped_by() == ["a"]
    assert "cap of 5 replications: still above 0.1: a" in capped.verdict()


@pytest.mark.parametrize(("rule", "message"), [
    ({"precision": 0.0}, "--precision: must be a positive number"),
    ({"precision": math.inf}, "--precision: must be a positive number"),
    ({"precision": 0.1, "max_replications": 1}, "--max-replications: must be at least 2"),
])  # fmt: skip
def test_bad_rules_are_refused(rule: dict, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        PrecisionRule(**rule)


def test_it_stops_at_the_first_batch_where_every_effect_is_precise_enough() -> None:
    fixed = compare("seed", replications=3 * BATCH, seed=3, overrides=SMALL)

    def widest(n: int) -> float:
        """The rule's test after n replications: the widest half-width of a defined effect
        (an effect defined in one replication only has no interval yet: infinitely wide)."""
        h = arm_headlines(fixed.runs[fixed.runs["replication"] < n], fixed.arms)[0]
        half = np.fmax(h["ci_high"] - h["estimate"], h["estimate"] - h["ci_low"])
        half = half[h["estimate"].notna()]
        return float(half.fillna(math.inf).max())

    widths = [widest(k * BATCH) for k in (1, 2, 3)]
    assert widths[2] < min(widths[:2])  # the tiny society's widest interval narrows
    precision = (widths[2] + min(widths[:2])) / 2 if math.isfinite(min(widths[:2])) else (
        widths[2] * 1.01)  # fmt: skip
    auto = compare("seed", replications="auto", precision=precision, seed=3, overrides=SMALL)
    assert auto.replications == 3 * BATCH
    assert auto.precision is not None and auto.precision.reached
    history = auto.precision.history
    assert sorted(set(history["replications"])) == [BATCH, 2 * BATCH, 3 * BATCH]
    last = history[history["replications"] == 3 * BATCH]
    assert (last["half_width"].dropna() < precision).all()
    # and it is the fixed comparison of as many replications, run for run and bit for bit
    pd.testing.assert_frame_equal(auto.runs, fixed.runs)
    pd.testing.assert_frame_equal(auto.headline, fixed.headline)
    pd.testing.assert_frame_equal(auto.effects, fixed.effects)
    # a precision no batch meets: the cap, and the effects still above it are named
    capped = compare("seed", replications="auto", precision=1e-9, max_replications=7, seed=3,
                     overrides=SMALL)  # fmt: skip
    assert capped.replications == 7 and capped.precision is not None
    assert not capped.precision.reached and capped.precision.stopped_by()
    assert sorted(set(capped.precision.history["replications"])) == [BATCH, 7]


def test_same_replications_whatever_the_workers_and_the_report_draws_them(tmp_path: Path) -> None:
    folders = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        argv = ["compare", "seed", *SMALL_ARGS, "--replications", "auto", "--precision", "0.01",
                "--max-replications", "12", "--workers", str(workers),
                "--effect", "late=mean(critical_posts, -3, -1)", "--out", str(out)]  # fmt: skip
        assert main(argv) == 0
        folders[workers] = out
    one, two = folders[1], folders[2]
    for name in ("runs.parquet", "effects.parquet", "headline.csv", "precision.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    info = json.loads((one / "compare.json").read_text())
    rule = info["replications_by_precision"]
    assert info["replications"] == pd.read_parquet(one / "runs.parquet")["replication"].nunique()
    assert rule["precision"] == 0.01 and rule["max_replications"] == 12
    assert {e["effect"] for e in rule["needed"]} >= {"chilling effect", "late"}
    assert info["effects_added"] == [{"name": "late", "expression": "mean(critical_posts, -3, -1)",
                                      "paired": "difference"}]  # fmt: skip
    page = compare_page(one).render()
    assert "Replications by precision" in page and "95% half-width" not in page.split(
        "Replications by precision")[0]  # fmt: skip


@pytest.mark.parametrize(("argv", "message"), [
    (["--precision", "0.1"], "--precision: only with --replications auto"),
    (["--max-replications", "9"], "--max-replications: only with --replications auto"),
    (["--replications", "auto"], "--precision: --replications auto needs it"),
    (["--replications", "auto", "--precision", "-1"], "--precision: must be a positive number"),
])  # fmt: skip
def test_bad_options_are_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    out = tmp_path / "cmp"
    assert main(["compare", *SMALL_ARGS, *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not out.exists()


def test_replications_must_be_a_number_or_auto(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["compare", "--replications", "many"])
    assert exc.value.code == 2
    assert "--replications: expected a positive integer or auto, got 'many'" in (
        capsys.readouterr().err)  # fmt: skip
