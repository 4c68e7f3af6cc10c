"""The educator's answer key (docs/tutorials/educator-answers.md): every card typed through the
dashboard's own fields, its numbers those the page shows, the file computed at the dashboard's
defaults, and every card's expected answer borne out there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scoresim import Scenario
from scoresim.dashboard.controller import DEFAULT_SYSTEM, Controller
from scoresim.dashboard.lesson import (
    CARDS,
    answer_key,
    answer_key_text,
    card_numbers,
    card_scenario,
    check_expectations,
)
from scoresim.dashboard.snapshot import headline

DOCS = Path(__file__).parents[2] / "docs" / "tutorials"
KEY_FILE = DOCS / "educator-answers.md"
SMALL = {"population.agents": 300, "steps": 24, "adoption.mandatory_step": 8, "seed": 3}


def _changed(a: object, b: object, path: str = "") -> list[str]:
    if isinstance(a, dict):
        return [p for k in a for p in _changed(a[k], b[k], f"{path}{k}.")]
    if isinstance(a, list) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b, strict=True))
                for p in _changed(x, y, f"{path}{i}.")]  # fmt: skip
    return [] if a == b else [path.rstrip(".")]


def test_every_card_is_a_change_of_the_fields_it_names():
    default = Scenario.preset(DEFAULT_SYSTEM)
    for card in CARDS:
        changed = _changed(default.to_dict(), card_scenario(card).to_dict())
        assert sorted(changed) == sorted(path for path, _ in card.edits), card.title
        assert card.expect and card.says


def test_the_key_reads_what_the_page_shows(tmp_path):
    base = Scenario.preset("seed").with_overrides(SMALL)
    for card in (CARDS[1], CARDS[3]):  # mistakes; never mandatory
        page = Controller(base, scenario_root=tmp_path, sample_size=40)
        try:
            for path, text in card.edits:  # as a group types its card
                assert page.set_field(path, text) is None
            page.set_pace(None)
            assert page.wait_idle(60) and page.step(SMALL["steps"]) is None
            assert page.wait_idle(120)
            snap = page.snapshot()
            assert snap.t == SMALL["steps"]
            assert headline(snap.arms[0], snap.control) == card_numbers(card, base)
        finally:
            page.close()


def test_a_card_that_is_not_borne_out_is_named():
    seed = {"chilling": 0.5, "gap": 0.08, "isolated": 0.01, "enrolled": 1.0}
    less = {**seed, "chilling": 0.2}
    assert check_expectations({"no change": seed, "No detection": less}, CARDS[:1]) == []
    same = {"no change": seed, "No detection": seed}  # no less chilling without detection
    assert check_expectations(same, CARDS[:1]) == ["No detection"]


def test_the_key_file_names_the_dashboards_defaults_and_every_card():
    page = Controller(scenario_root=Path.cwd())  # what a page opens with
    try:
        opened = page.scenario
    finally:
        page.close()
    text = KEY_FILE.read_text()
    assert f"scenario key `{opened.key()}`" in text
    assert f"{opened.population.agents:,} agents, {opened.steps} weeks, seed {opened.seed}" in text
    rows = [line for line in text.splitlines() if re.match(r"\| \d ", line)]
    assert [row.split(" | ")[0][2:] for row in rows] == [
        f"{i} {card.title}" for i, card in enumerate(CARDS, start=1)
    ]
    tutorial = (DOCS / "educator.md").read_text()
    for i, card in enumerate(CARDS, start=1):  # the cards handed out are the cards answered
        assert f"{i}. *{card.title}*: {card.says}." in tutorial, card.title
    assert "{include} educator-answers.md" in tutorial
    for words in ("--max-runs", "--host 0.0.0.0", "2nd in line"):
        assert words in tutorial, words


@pytest.mark.slow
def test_the_key_file_is_recomputed_at_the_dashboards_defaults():
    """Eight runs of 10,000 agents over 312 weeks: the committed key is what the code gives at
    the dashboard's defaults, and every card's expected answer holds there."""
    default = Scenario.preset(DEFAULT_SYSTEM)
    key = answer_key(default)
    assert check_expectations(key) == []
    assert answer_key_text(default, key) == KEY_FILE.read_text()
