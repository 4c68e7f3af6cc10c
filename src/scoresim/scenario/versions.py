"""Which model a scenario runs, and which code made a result.

The model has versions of its own (docs/model.md): v1 is sections 1-5; v2 adds the mechanisms
of the documented systems (section 6: records of offences and deeds, tier perks and
inspection, the court blacklist, the inputs of a commercial credit score, a policy timeline);
v3 the behaviour of section 7 (susceptibility and bounded confidence, the threshold model of
expression, the stake and backlash, threshold gaming, awareness). A scenario is the version of
the highest section whose mechanisms it switches on: every mechanism is off at its default, so
a field away from its default (at the start or by its schedule) is what switches it on.

:func:`code_identity` names the code: the package version, the model version of the scenarios
and, run from a git checkout, the commit and whether the tree had uncommitted changes (nothing
when git is missing or the package is not in a checkout).

Examples
--------
>>> from scoresim.scenario import Scenario
>>> model_version(Scenario.preset("seed")), model_version(Scenario.preset("rongcheng"))
('v1', 'v2')
>>> model_version(Scenario.preset("seed").with_overrides({"blacklist.enabled": True}))
'v2'
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scoresim.core.version import version

#: Model v3 (section 7): dotted field -> its default (the mechanism is off there). Fields that a
#: scenario of this version does not have count as their defaults.
V3_DEFAULTS: dict[str, Any] = {
    "expression.model": "linear",
    "population.susceptibility.a": 0.0,
    "population.stubborn_share": 0.0,
    "population.aware_share": 1.0,
    "adaptation.confidence": 1.0,
    "adaptation.stake_exponent": 0.0,
    "adaptation.backlash": 0.0,
    "adaptation.gaming_model": "heuristic",
}
#: Model v2 (section 6): dotted field -> its default, besides records, tiers and the schedule.
V2_DEFAULTS: dict[str, Any] = {
    "blacklist.enabled": False,
    "policy.repayment_delta": 0.0,
    "policy.income_weight": 0.0,
}
_MISSING = object()


def _field(scenario: Any, dotted: str) -> Any:
    value = scenario
    for part in dotted.split("."):
        value = getattr(value, part, _MISSING)
        if value is _MISSING:
            return _MISSING
    return value


def _away(scenario: Any, defaults: dict[str, Any]) -> bool:
    """Whether a field of ``defaults`` is away from its default, at the start or scheduled."""
    for name, default in defaults.items():
        value = _field(scenario, name)
        if value is not _MISSING and value != default:
            return True
    for entry in getattr(scenario, "schedule", None) or ():
        changes = entry.get("set", {}) if isinstance(entry, dict) else getattr(entry, "set", {})
        if any(name in defaults and value != defaults[name]
               for name, value in (changes or {}).items()):  # fmt: skip
            return True
    return False


def model_version(scenario: Any) -> str:
    """``v1``, ``v2`` or ``v3``: the highest model section whose mechanisms the scenario uses."""
    if _away(scenario, V3_DEFAULTS):
        return "v3"
    policy = getattr(scenario, "policy", None)
    tiers = getattr(scenario, "tiers", None) or ()
    perks = any(
        getattr(t, "perk_value", 0.0) != 0.0 or getattr(t, "inspection", 1.0) != 1.0 for t in tiers
    )
    v2 = (
        bool(getattr(policy, "records", None))
        or perks
        or bool(getattr(scenario, "schedule", None))
        or _away(scenario, V2_DEFAULTS)
    )
    return "v2" if v2 else "v1"


def models_of(scenarios: Iterable[Any]) -> str:
    """The highest model version among scenarios (``v1`` for none)."""
    return max((model_version(s) for s in scenarios), default="v1", key=lambda v: int(v[1:]))


@functools.cache
def git_state() -> dict[str, Any] | None:
    """``{"commit": sha, "dirty": bool}`` of the git checkout the package is imported from, or
    None (not a checkout, git missing or failing)."""
    here = Path(__file__).resolve().parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(here), *args], capture_output=True, text=True,
                              timeout=10, check=True)  # fmt: skip
        return done.stdout.strip()

    try:
        top = Path(git("rev-parse", "--show-toplevel")).resolve()
        if not (top / "src" / "scoresim").is_dir():  # a checkout of something else
            return None
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return {"commit": commit, "dirty": dirty}


def code_identity(scenarios: Iterable[Any] = ()) -> dict[str, Any]:
    """The code that made a result: ``version``, ``model`` and ``git`` (None outside a
    checkout), for summary.json, compare.json and the sweep's and calibration's records."""
    return {"version": version(), "model": models_of(scenarios), "git": git_state()}


def code_line(scenarios: Iterable[Any] = (), commit: bool = True,
              model: str | None = None) -> str:  # fmt: skip
    """The identity in words, for footers and captions: ``scoresim 0.2.0, model v2, commit
    1de8232 (uncommitted changes)``; without ``commit`` the version and model alone (a figure's
    bytes then depend on the code's version, not on each commit). ``model`` gives the model
    version where no scenario is at hand (a sweep's or calibration's record)."""
    ident = code_identity(scenarios)
    text = f"scoresim {ident['version']}, model {model or ident['model']}"
    if commit and ident["git"]:
        text += f", commit {ident['git']['commit'][:7]}"
        text += " (uncommitted changes)" if ident["git"]["dirty"] else ""
    return text
