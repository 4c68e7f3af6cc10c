"""One validation path for the three kinds of input file (issue 18): scenario, sweep and
calibration files are read by one TOML reader and refused by one formatter, in one line that
names the file or the field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from scoresim import Scenario
from scoresim.calibration.spec import CalibrationSpec
from scoresim.core.errors import ScenarioError
from scoresim.experiments.spec import SweepSpec

LOADERS = {"scenario": Scenario.load, "sweep": SweepSpec.load, "calibration": CalibrationSpec.load}

SWEEP: dict[str, Any] = {
    "name": "s",
    "set": {"population.agents": 100, "steps": 4},
    "parameters": {"graph.rewire": {"values": [0.1, 1.0]},
                   "adoption.imitation": {"low": 0.01, "high": 0.2}},
    "outcomes": {"crit": {"metric": "critical_posts"}},
}  # fmt: skip
CALIBRATION: dict[str, Any] = {
    "name": "c",
    "set": {"population.agents": 100, "steps": 10},
    "parameters": {"adoption.innovation": {"low": 0.001, "high": 0.02, "scale": "log"}},
    "targets": [{"name": "a", "metric": "adoption", "step": 5, "value": 0.1, "sd": 0.01}],
}


def _with(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(document)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


@pytest.mark.parametrize(("content", "reason"), [
    (None, "file not found"),
    ("folder", "not a file"),
    ("", "file is empty"),
    (" \n\t\n", "file is empty"),
    ("# only a comment\n", "file has no fields"),
    ("name = ", "malformed TOML (Invalid value"),
    (b"\xff\xfe\x00", "cannot read (UnicodeDecodeError)"),
    ("name = " + "[" * 40 + "]" * 40, "nested too deeply (more than 32 levels)"),
    ("name = " + "[" * 5000 + "]" * 5000, "malformed TOML (nested too deeply)"),
], ids=["missing", "folder", "empty", "blank", "no-fields", "malformed", "not-utf8", "deep",
        "deeper-than-the-parser"])  # fmt: skip
def test_every_kind_of_file_has_the_reader_s_messages(
    tmp_path: Path, content: str | bytes | None, reason: str
) -> None:
    path = tmp_path / "input.toml"
    if content == "folder":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    for kind, load in LOADERS.items():
        with pytest.raises(ScenarioError) as exc:
            load(path)
        assert str(exc.value).startswith(f"{path}: {reason}"), (kind, str(exc.value))


@pytest.mark.parametrize("name", ["", "a/b", "a\\b", ".hidden"])
def test_sweep_and_calibration_names_follow_one_rule(name: str) -> None:
    message = f"name: must not be empty, hold a slash or start with a dot (got {name!r})"
    for spec, document in ((SweepSpec, SWEEP), (CalibrationSpec, CALIBRATION)):
        with pytest.raises(ScenarioError) as exc:
            spec.from_dict(_with(document, name=name))
        assert str(exc.value) == message


def test_a_key_named_like_a_pydantic_tag_keeps_its_name() -> None:
    """pydantic puts a union's member (``int``, ``str``) into an error's path; the formatter
    drops those, but never a key the file holds."""
    outcomes = {"int": {"metric": "critical_posts", "reduce": "median"}}
    with pytest.raises(ScenarioError) as exc:
        SweepSpec.from_dict(_with(SWEEP, outcomes=outcomes))
    assert str(exc.value).startswith("outcomes.int.reduce: must be one of last, first")
    with pytest.raises(ScenarioError) as exc:
        Scenario.preset("seed").with_overrides({"adoption.mandatory_step": "soon"})
    assert str(exc.value).startswith("adoption.mandatory_step: must be a step number")


@pytest.mark.parametrize(("changes", "message"), [
    ({"parameters": None}, "parameters: name at least one field to vary"),
    ({"outcomes": None}, "outcomes: name at least one outcome"),
    ({"outcomes": {"seed": {"metric": "critical_posts"}}},
     "outcomes.seed: name clashes with a runs column"),
    ({"parameters": {"adoption.imitation": {"low": float("nan"), "high": 0.2}}},
     "parameters.adoption.imitation.low: must be a finite number (got nan)"),
    ({"parameters": {"adoption.imitation": {"low": 0.1, "high": 10**400}}},
     "parameters.adoption.imitation.high: must be a finite number (got 1000"),
    ({"outcomes": {"gap": {"metric": "falsification_gap", "reduce": "mean_last"}}},
     "outcomes.gap.k: mean_last needs k, a positive integer (got None)"),
    ({"samples": "8", "seed": -1}, "samples: must be an integer (got '8') (and 1 more)"),
])  # fmt: skip
def test_sweep_file_messages(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        SweepSpec.from_dict(_with(SWEEP, **changes))
    assert str(exc.value).startswith(message), str(exc.value)


@pytest.mark.parametrize(("changes", "message"), [
    ({"set_": {}}, "set_: unknown field"),  # the field is spelt ``set``
    ({"description": 3}, "description: Input should be a valid string (got 3)"),
])  # fmt: skip
def test_calibration_file_messages(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        CalibrationSpec.from_dict(_with(CALIBRATION, **changes))
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "file is empty"),
        ("# only a comment\n", "file has no fields"),
        ("x = " + "[" * 5000, "malformed TOML (nested too deeply)"),
        ("a = " + "[" * 40 + "]" * 40, "nested too deeply (more than 32 levels)"),
        ("name = \n", "malformed TOML"),
    ],
)
def test_a_dashboard_upload_is_read_as_a_file_is(tmp_path: Path, text: str, reason: str) -> None:
    """The dashboard's uploads go through the same reader as scenario files: the same line,
    naming the upload, where the CLI names the file."""
    from scoresim.dashboard.loading import read_scenario

    path = tmp_path / "up.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as from_file:
        Scenario.load(path)
    with pytest.raises(ScenarioError) as from_upload:
        read_scenario(text.encode(), "up.toml", tmp_path)
    assert str(from_file.value) == f"{path}: " + str(from_upload.value).removeprefix("up.toml: ")
    assert reason in str(from_upload.value) and "\n" not in str(from_upload.value)


def test_a_dashboard_upload_without_a_name_is_named_after_its_file(tmp_path: Path) -> None:
    from scoresim.dashboard.loading import read_scenario

    scenario = read_scenario(b"[policy]\nfriend_weight = 0.05\n", "harsh.toml", tmp_path)
    assert (scenario.name, scenario.policy.friend_weight) == ("harsh", 0.05)
    assert scenario == Scenario.load(_written(tmp_path / "harsh.toml"))


def _written(path: Path) -> Path:
    path.write_text("[policy]\nfriend_weight = 0.05\n")
    return path
