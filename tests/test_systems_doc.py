"""docs/systems.md is what the presets say (it is generated from them)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from scoresim import Scenario
from scoresim.describe.systems_doc import DOCUMENTED, preset_rows, systems_markdown

PAGE = Path(__file__).parents[1] / "docs" / "systems.md"


def test_the_page_is_the_generated_one() -> None:
    assert PAGE.read_text() == systems_markdown(), "run: python -m scoresim.describe.systems_doc"


def test_every_row_of_a_documented_system_cites_a_source_or_says_assumed() -> None:
    for name in DOCUMENTED:
        for field, _, source in preset_rows(name):
            assert source.strip(), f"{name}: {field} has no source"


def test_rows_name_real_fields_holding_the_values_shown() -> None:
    for name in DOCUMENTED:
        preset = Scenario.preset(name)
        for field, value, _ in preset_rows(name):
            if field.startswith(("schedule.", "policy.records.")):
                continue
            shown = tomllib.loads(f"v = {value}")["v"]
            # setting the field to the value shown changes nothing (and fails if no such field)
            assert preset.with_overrides({field: shown}) == preset, f"{name}: {field}"
