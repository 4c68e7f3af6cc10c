"""A run identifies its code (issue 20): the package version, the model version by the
mechanisms used, and the git commit and dirty flag when run from a checkout (nothing, and no
failure, when git is missing or the package is not in a checkout)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

import scoresim
from scoresim.cli import main
from scoresim.scenario import Scenario, versions
from scoresim.scenario.versions import V3_DEFAULTS, code_identity, code_line, model_version

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("preset", "model"), [
    ("seed", "v1"), ("control", "v1"), ("zhima-2015", "v2"), ("rongcheng", "v2"),
    ("defaulter-blacklist", "v2"),
])  # fmt: skip
def test_presets_have_the_model_version_of_their_mechanisms(preset: str, model: str) -> None:
    assert model_version(Scenario.preset(preset)) == model


@pytest.mark.parametrize("override", [
    {"blacklist.enabled": True}, {"policy.repayment_delta": 1.0}, {"policy.income_weight": 2.0},
    {"tiers.0.perk_value": 1.0}, {"tiers.1.inspection": 2.0},
    {"policy.records": [{"name": "fine", "kind": "offence", "rate": 0.01, "delta": -5.0,
                         "detect": 0.5}]},
    {"schedule": [{"step": 5, "set": {"policy.friend_weight": 0.0}}]},
])  # fmt: skip
def test_any_section_6_mechanism_makes_v2(override: dict) -> None:
    assert model_version(Scenario.preset("seed").with_overrides(override)) == "v2"


@pytest.mark.parametrize("field", sorted(V3_DEFAULTS))
def test_any_section_7_field_away_from_its_default_makes_v3(field: str) -> None:
    """Read with getattr: a scenario object carrying the section 7 fields (the model may not
    have them yet) is v3 as soon as one leaves its default."""
    base = Scenario.preset("seed")
    section, *rest = field.split(".")
    default = V3_DEFAULTS[field]
    changed = "threshold" if isinstance(default, str) else default + 0.5

    def tree(path: list[str], value: object) -> object:
        return value if not path else SimpleNamespace(**{path[0]: tree(path[1:], value)})

    fake = SimpleNamespace(**{k: getattr(base, k) for k in ("policy", "tiers", "schedule")},
                           **{section: tree(rest, changed)})  # fmt: skip
    assert model_version(fake) == "v3"
    same = SimpleNamespace(**{k: getattr(base, k) for k in ("policy", "tiers", "schedule")},
                           **{section: tree(rest, default)})  # fmt: skip
    assert model_version(same) == "v1"


def test_summary_and_compare_json_carry_version_model_and_commit(tmp_path: Path) -> None:
    small = ["--set", "population.agents=150", "--set", "steps=4"]
    assert main(["run", "seed", "--seed", "1", "--out", str(tmp_path / "run"), *small]) == 0
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["version"] == scoresim.__version__ == "0.2.0"
    assert summary["model"] == "v1"
    assert main(["compare", "zhima-2015", "--replications", "1", "--seed", "1", *small,
                 "--out", str(tmp_path / "cmp")]) == 0  # fmt: skip
    info = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert info["version"] == "0.2.0" and info["model"] == "v2"
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                          text=True)  # fmt: skip
    if head.returncode == 0 and (ROOT / ".git").exists():
        assert summary["git"]["commit"] == head.stdout.strip()
        assert isinstance(summary["git"]["dirty"], bool)
        report = main(["report", str(tmp_path / "cmp")])
        assert report == 0
        footer = (tmp_path / "cmp" / "report.html").read_text()
        assert re.search(rf"scoresim 0\.2\.0, model v2, commit {head.stdout[:7]}", footer)


def test_no_git_no_checkout_no_failure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    versions.git_state.cache_clear()
    monkeypatch.setenv("PATH", str(tmp_path))  # no git on the path
    try:
        assert versions.git_state() is None
        ident = code_identity([Scenario.preset("seed")])
        assert ident == {"version": "0.2.0", "model": "v1", "git": None}
        assert code_line([Scenario.preset("seed")]) == "scoresim 0.2.0, model v1"
    finally:
        versions.git_state.cache_clear()


def test_a_checkout_of_something_else_is_not_ours(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:  # fmt: skip
    versions.git_state.cache_clear()
    other = tmp_path / "other"
    other.mkdir()
    subprocess.run(["git", "init", "-q", str(other)], check=True)
    monkeypatch.setattr(versions, "__file__", str(other / "versions.py"))
    try:
        assert versions.git_state() is None
    finally:
        versions.git_state.cache_clear()
