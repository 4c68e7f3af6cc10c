"""Bundled presets and TOML scenario files, resolved against their ``base`` preset; the one TOML
reader of every input file (scenario, sweep, calibration)."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from scoresim.core.errors import ScenarioError


def preset_names() -> list[str]:
    """Names of the bundled presets."""
    files = resources.files("scoresim.scenario.presets").iterdir()
    return sorted(f.name[:-5] for f in files if f.name.endswith(".toml"))


def preset_dict(name: str) -> dict[str, Any]:
    if name not in preset_names():
        raise ScenarioError(f"base: unknown preset {name!r} (known: {', '.join(preset_names())})")
    text = resources.files("scoresim.scenario.presets").joinpath(f"{name}.toml").read_text()
    return tomllib.loads(text)


def read_toml(path: Path) -> dict[str, Any]:
    """The table of a TOML input file; any problem with the file itself (missing, unreadable,
    empty, malformed, nested too deeply) is one :class:`ScenarioError` line naming it."""
    return read_toml_text(path)[0]


def read_toml_text(path: Path) -> tuple[dict[str, Any], str]:
    """:func:`read_toml`'s table and the text it was read from."""
    if not path.exists():
        raise ScenarioError(f"{path}: file not found")
    if not path.is_file():
        raise ScenarioError(f"{path}: not a file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    return parse_toml(text, str(path)), text


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """The table of an input file's TOML ``text`` (a file's or an upload's): empty, malformed
    or too deeply nested text is one :class:`ScenarioError` line naming ``source``."""
    if not text.strip():
        raise ScenarioError(f"{source}: file is empty")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: malformed TOML ({exc})") from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise ScenarioError(f"{source}: malformed TOML (nested too deeply)") from None
    if not data:
        raise ScenarioError(f"{source}: file has no fields")
    if nesting(data) > MAX_NESTING:
        raise ScenarioError(f"{source}: nested too deeply (more than {MAX_NESTING} levels)")
    return data


#: tables and arrays inside each other: an input file needs at most 4; past this it is broken
MAX_NESTING = 32


def nesting(value: Any, limit: int = MAX_NESTING) -> int:
    """How deeply tables and arrays nest in ``value`` (counted up to ``limit + 1``).

    >>> nesting({"a": [1, {"b": 2}]}), nesting(3)
    (3, 0)
    """
    if limit < 0 or not isinstance(value, dict | list):
        return 0
    items = value.values() if isinstance(value, dict) else value
    return 1 + max((nesting(v, limit - 1) for v in items), default=0)


def resolve_base(data: dict[str, Any], source: str, depth: int = 0) -> dict[str, Any]:
    data = copy.deepcopy(data)
    base = data.pop("base", "seed")
    if not isinstance(base, str):
        raise ScenarioError(f"base: must be a preset name (got {type(base).__name__})")
    if depth > 8:
        raise ScenarioError(f"base: presets extend each other in a cycle ({source})")
    base_data = preset_dict(base)
    if "base" in base_data:
        base_data = resolve_base(base_data, f"preset {base!r}", depth + 1)
    return deep_merge(base_data, data)


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Merge ``over`` into ``base``: tables merge, anything else (lists included) replaces."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out
