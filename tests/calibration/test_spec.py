"""Calibration files: every bad field ends in one line naming it, exit 2, nothing written."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scoresim.calibration.spec import CalibrationSpec
from scoresim.cli import main
from scoresim.core.errors import ScenarioError
from scoresim.experiments.outcomes import parse

from .conftest import BASE, calibration, write


def _target(**changes: Any) -> list[dict[str, Any]]:
    first = {"name": "t", "metric": "adoption", "step": 5, "value": 0.1, "sd": 0.01}
    first.update(changes)
    return [{k: v for k, v in first.items() if v is not None}]


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("unknown metric", calibration(targets=_target(metric="adoptoin")),
     "targets.0.metric: unknown metric column 'adoptoin'"),
    ("unknown metric in an expression", calibration(targets=_target(metric="cumsum(nope)")),
     "targets.0.metric: unknown metric column 'nope'"),
    ("disallowed function", calibration(targets=_target(metric="exp(adoption)")),
     "targets.0.metric: unknown function 'exp'"),
    ("control column without a control", calibration(
        targets=_target(metric="1 - critical_posts / control.critical_posts")),
     "targets.0.metric: 'control.critical_posts' reads a paired control run"),
    ("a reduced metric with a step", calibration(targets=_target(metric="mean(adoption, 1, 5)")),
     "targets.0.step: the metric is already one number of a run"),
    ("a series metric without step or window", calibration(targets=_target(step=None)),
     "targets.0.step: give step = N or window = [A, B], or reduce the metric"),
    ("a window of the metric beyond the run", calibration(
        targets=_target(step=None, metric="mean(adoption, 15, 30)")),
     "targets.0.metric: mean(): bad step 30, beyond the run's 20 steps"),
    ("low >= high", calibration(parameters={"adoption.innovation": {"low": 0.01, "high": 0.01}}),
     "parameters.adoption.innovation.low: must be below high"),
    ("log prior at zero", calibration(parameters={
        "adoption.innovation": {"low": 0.0, "high": 0.01, "scale": "log"}}),
     "parameters.adoption.innovation.low: a log-uniform prior needs low > 0"),
    ("unknown parameter", calibration(parameters={"adoption.nope": {"low": 0.0, "high": 1.0}}),
     "parameters.adoption.nope: unknown scenario field"),
    ("non-numeric parameter", calibration(parameters={"graph.kind": {"low": 0.0, "high": 1.0}}),
     "parameters.graph.kind: not a numeric field"),
    ("prior outside the field's range", calibration(
        parameters={"adoption.innovation": {"low": 0.5, "high": 2.0}}),
     "parameters.adoption.innovation: value 2.0 is invalid"),
    ("step beyond steps", calibration(targets=_target(step=21)),
     "targets.0.step: step 21 is beyond the run's 20 steps"),
    ("window beyond steps", calibration(targets=_target(step=None, window=[10, 30])),
     "targets.0.window: step 30 is beyond the run's 20 steps"),
    ("window reversed", calibration(targets=_target(step=None, window=[10, 5])),
     "targets.0.window: the first step must not follow the second"),
    ("step and window", calibration(targets=_target(window=[1, 2])),
     "targets.0.step: give step = N or window = [A, B]"),
    ("sd with low/high", calibration(targets=_target(low=0.0, high=0.2)),
     "targets.0.sd: give value and sd, or low and high, not both"),
    ("value without sd", calibration(targets=_target(sd=None)),
     "targets.0.sd: value needs sd"),
    ("negative sd", calibration(targets=_target(sd=-0.1)),
     "targets.0.sd: Input should be greater than 0"),
    ("interval low >= high", calibration(targets=_target(value=None, sd=None, low=0.3, high=0.2)),
     "targets.0.low: must be below high"),
    ("no targets", calibration(targets=[]), "targets: List should have at least 1 item"),
    ("every target held out", calibration(targets=_target(held_out=True)),
     "targets: every target is held out"),
    ("no parameters", calibration(parameters={}), "parameters: Dictionary should have at least"),
    ("unknown method", calibration(method="mcmc"), "method: Input should be 'history' or 'abc'"),
    ("unknown field", calibration(sampler="lhs"), "sampler: unknown field"),
    ("unknown budget field", calibration(budget={"wavs": 3}), "budget.wavs: unknown field"),
    ("bad budget", calibration(budget={"particles": 1}),
     "budget.particles: Input should be greater than or equal to 2"),
    ("bad set", calibration(set={"population.agnets": 10}), "set.population.agnets: unknown field"),
    ("unknown scenario", calibration(scenario="nope"), "scenario: nope: not a preset"),
    ("unknown control", calibration(control="nope"), "control: nope: not a preset"),
    ("duplicate target", calibration(targets=_target() * 2), "targets: the name 't' is used twice"),
    ("float seed", calibration(seed=1.5), "seed: Input should be a valid integer"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "data", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_file_one_line_exit_2_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, data: dict[str, Any],
    message: str,
) -> None:  # fmt: skip
    path = write(tmp_path / "bad.toml", data)
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert message in err, err
    assert "Traceback" not in err
    assert not out.exists() and not (tmp_path / "out.duckdb").exists()


@pytest.mark.parametrize(("argv", "message"), [
    (["--workers", "0"], "--workers: expected a positive integer"),
    (["--method", "mcmc"], "argument --method: invalid choice"),
    (["--max-minutes", "-1"], "--max-minutes: must be positive"),
    (["--address", "127.0.0.1:1"], "--address: only used with --backend ray"),
])  # fmt: skip
def test_bad_options(tmp_path: Path, cal_file: Path, capsys: pytest.CaptureFixture[str],
                     argv: list[str], message: str) -> None:  # fmt: skip
    out = tmp_path / "out"
    with pytest.raises(SystemExit) if argv[0] in ("--workers", "--method") else nullcontext():
        assert main(["calibrate", str(cal_file), "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert not out.exists() and not (tmp_path / "out.duckdb").exists()


def test_missing_and_malformed_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", str(tmp_path / "none.toml")]) == 2
    assert "none.toml: file not found" in capsys.readouterr().err
    (tmp_path / "bad.toml").write_text("name = ")
    assert main(["calibrate", str(tmp_path / "bad.toml")]) == 2
    assert "malformed TOML" in capsys.readouterr().err


def test_interval_targets_read_as_two_sd() -> None:
    spec = CalibrationSpec.from_dict(calibration())
    late = spec.targets[1]
    assert (late.mean, late.sd, late.low, late.high) == pytest.approx((0.15, 0.025, 0.1, 0.2))
    assert [t.held_out for t in spec.targets] == [False, False, True]
    assert [t.name for t in spec.fitted] == ["early", "late"]


def test_fingerprint_ignores_stopping_rules_only() -> None:
    spec = CalibrationSpec.from_dict(calibration())
    budget = BASE["budget"]
    longer = CalibrationSpec.from_dict(
        calibration(
            budget={**budget, "waves": 9, "generations": 9, "max_simulations": 7, "checks": 3}
        )
    )
    other = CalibrationSpec.from_dict(calibration(budget={**budget, "particles": 9}))
    method = CalibrationSpec.from_dict(calibration(method="history"))
    assert spec.fingerprint == longer.fingerprint == method.fingerprint
    assert spec.fingerprint != other.fingerprint


def test_control_arm_takes_shared_overrides_only() -> None:
    spec = CalibrationSpec.from_dict(calibration(
        control="control",
        parameters={"adoption.innovation": {"low": 0.001, "high": 0.01},
                    "activity.critical_propensity": {"low": 0.2, "high": 0.8}},
        targets=_target(metric="1 - critical_posts / control.critical_posts")))  # fmt: skip
    arms = spec.scenarios({"adoption.innovation": 0.005, "activity.critical_propensity": 0.7}, 3)
    t, c = arms["treatment"], arms["control"]
    assert (t.seed, c.seed, t.population.agents, c.population.agents) == (3, 3, 500, 500)
    assert t.activity.critical_propensity == c.activity.critical_propensity == 0.7
    assert (t.adoption.innovation, c.adoption.innovation) == (0.005, 0.0)  # not shared
    assert spec.series == {"treatment": ["critical_posts"], "control": ["critical_posts"]}


# --------------------------------------------------------------------------- expressions
def test_expression_cumulative_ratio_matches_numpy() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.integers(0, 5, 50).astype(float), rng.integers(1, 5, 50).astype(float)
    e = parse("cumsum(a) / cumsum(b)", ["step", "a", "b"])
    assert np.array_equal(e.evaluate({"a": a, "b": b}), np.cumsum(a) / np.cumsum(b))
    assert np.array_equal(parse("-(a - 2) * 3", ["a"]).evaluate({"a": a}), -(a - 2) * 3)


def test_expression_undefined_values_are_nan() -> None:
    out = parse("a / b", ["a", "b"]).evaluate({"a": np.array([1.0, 0.0]),
                                              "b": np.array([0.0, 0.0])})  # fmt: skip
    assert np.isnan(out).all()


@pytest.mark.parametrize(
    "text",
    [
        "a.b",
        "a[0]",
        "a if a else a",
        "a ** 2",
        "lambda: 1",
        "cumsum(a, 1)",
        "'x'",
        "a < 1",
        "step",
        "cumsum",
    ],
)
def test_expression_rejects_everything_else(text: str) -> None:
    with pytest.raises(ScenarioError):
        parse(text, ["a", "step"])
