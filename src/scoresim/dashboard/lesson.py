"""The educator's lesson (docs/tutorials/educator.md): the group cards, each a change a group
types into the dashboard, and their answer key, computed at the dashboard's defaults.

Each card's scenario is made the way a page makes it (:class:`LessonEditor`: the dashboard's
fields, its parsing and checks, from the system a page opens with), run with its control to the
horizon, and read as the page's headline cards read it at the last week
(:func:`~scoresim.dashboard.snapshot.headline_numbers`,
:func:`~scoresim.dashboard.catalogue.card_text`, with its "too few" for a small group).
Each card also says what the group should find, and :func:`check_expectations` holds the
numbers to it. :func:`write_answer_key` writes the key the tutorial includes::

    python -m scoresim.dashboard.lesson docs/tutorials/educator-answers.txt
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scoresim.dashboard.arms import control_for
from scoresim.dashboard.catalogue import CARDS as HEADLINE_CARDS
from scoresim.dashboard.catalogue import card_text
from scoresim.dashboard.controller import DEFAULT_SYSTEM
from scoresim.dashboard.editor import ScenarioEditor
from scoresim.dashboard.fields import MAX_AGENTS, MAX_STEPS
from scoresim.dashboard.snapshot import headline_numbers
from scoresim.scenario import Scenario
from scoresim.simulation import Simulation

#: The dashboard's headline cards the key reports (the blacklist card is for other systems).
SHOWN = ("enrolled", "chilling", "gap", "isolated", "employment_gap")

Numbers = dict[str, float]


@dataclass(frozen=True)
class LessonCard:
    """A group's card: the fields it changes (as typed into the Parameters panel) and what the
    group should find, as a sentence and as a check of its numbers against ``seed``'s."""

    title: str
    says: str
    edits: tuple[tuple[str, str], ...]
    expect: str
    holds: Callable[[Numbers, Numbers], bool]


#: The reference row: the system as it opens.
NO_CHANGE = LessonCard("no change", "run the system as it opens", (),
                       "the reference for every card", lambda card, seed: True)  # fmt: skip

CARDS: tuple[LessonCard, ...] = (
    LessonCard(
        "No detection", "set the detection rate of critical posts to 0",
        (("policy.detect.critical", "0"),),
        "less chilling than with detection, but not none: people still censor themselves out of "
        "the baseline awareness of being watched and their friends' mistaken sanctions",
        lambda card, seed: 0 < card["chilling"] < seed["chilling"],
    ),
    LessonCard(
        "Mistakes", "raise the false-positive rate from 0.01 to 0.1",
        (("policy.detect.false_positive", "0.1"),),
        "sanctions for nothing frighten too, and push people below the low threshold, where "
        "friends drop them: more chilling and a much larger isolated share than seed's",
        lambda card, seed: card["chilling"] > seed["chilling"]
        and card["isolated"] > 2 * seed["isolated"] > 0,
    ),
    LessonCard(
        "No friend penalty", "set the friend weight and the low-friend penalty to 0",
        (("policy.friend_weight", "0"), ("policy.low_friend_penalty", "0")),
        "nobody is dropped for a friend's low score: no more isolated people than in the control, "
        "while the chilling effect stays about seed's (within 5 points)",
        lambda card, seed: abs(card["isolated"]) < min(abs(seed["isolated"]), 0.001)
        and abs(card["chilling"] - seed["chilling"]) < 0.05,
    ),
    LessonCard(
        "Never mandatory", "set the mandatory step to never",
        (("adoption.mandatory_step", "never"),),
        "only part of the society ever enrols, and the chilling effect and the falsification gap "
        "are smaller",
        lambda card, seed: card["enrolled"] < 1 and card["chilling"] < seed["chilling"]
        and card["gap"] < seed["gap"],
    ),
    LessonCard(
        "Unaware citizens", "set awareness to 0",
        (("adaptation.awareness", "0"),),
        "a little less self-censorship than seed's (a smaller chilling effect and falsification "
        "gap): most of the fear comes from the sanctions people see, not from awareness",
        lambda card, seed: card["chilling"] < seed["chilling"] and card["gap"] < seed["gap"],
    ),
    LessonCard(
        "Harsh scoring", "double the penalty of every critical topic (-40 to -80, -20 to -40)",
        (("policy.posts.critical_topics.0.delta", "-80"),
         ("policy.posts.critical_topics.1.delta", "-40")),
        "a larger chilling effect, and far more people isolated: heavier penalties push more "
        "people below the low threshold, where friends drop them",
        lambda card, seed: card["chilling"] > seed["chilling"]
        and card["isolated"] > 4 * seed["isolated"] > 0,
    ),
)  # fmt: skip


class LessonEditor(ScenarioEditor):
    """A page's Parameters panel without the page: the same fields, parsing and checks."""

    def __init__(self, scenario: Scenario | None = None) -> None:
        self.scenario_root = Path.cwd().resolve()
        self.max_agents, self.max_steps = MAX_AGENTS, MAX_STEPS
        self._edit(scenario or Scenario.preset(DEFAULT_SYSTEM))


def card_scenario(card: LessonCard, base: Scenario | None = None) -> Scenario:
    """The scenario a group runs once it has typed its card's changes into the dashboard."""
    editor = LessonEditor(base)
    for path, text in card.edits:
        if message := editor.set_field(path, text):
            raise ValueError(f"card {card.title!r}: {message}")
    if editor.errors:
        raise ValueError(f"card {card.title!r}: {next(iter(editor.errors.values()))}")
    return editor.scenario


def final_rows(scenario: Scenario) -> tuple[dict[str, float], dict[str, float]]:
    """The last week's metrics of ``scenario`` and of its control (the page's dashed lines)."""
    runs = Simulation(scenario), Simulation(control_for(scenario))
    for sim in runs:
        sim.run()
    return runs[0].rows[-1], runs[1].rows[-1]


def card_numbers(card: LessonCard, base: Scenario | None = None) -> Numbers:
    """The headline numbers a group reads at the last week of its card's run."""
    scenario = card_scenario(card, base)
    tiers = [tier.name for tier in scenario.tiers]
    return headline_numbers(*final_rows(scenario), scenario.population.agents, tiers)


def answer_key(base: Scenario | None = None,
               cards: Sequence[LessonCard] = CARDS) -> dict[str, Numbers]:  # fmt: skip
    """Each card's headline numbers (``no change`` first), keyed by the card's title."""
    return {card.title: card_numbers(card, base) for card in (NO_CHANGE, *cards)}


def check_expectations(key: dict[str, Numbers], cards: Sequence[LessonCard] = CARDS) -> list[str]:
    """The cards whose expected answer the numbers of ``key`` do not bear out."""
    seed = key[NO_CHANGE.title]
    return [card.title for card in cards if not card.holds(key[card.title], seed)]


def answer_key_text(scenario: Scenario, key: dict[str, Numbers],
                    cards: Sequence[LessonCard] = CARDS) -> str:  # fmt: skip
    """The answer ``key`` computed at ``scenario``, as Markdown: what it was computed at, and
    one row per card."""
    shown = [c for c in HEADLINE_CARDS if c.key in SHOWN]
    head = ["card", "change", *(c.label for c in shown), "what the group should find"]
    lines = [
        f"Computed at the dashboard's defaults: `{scenario.name}` as a page opens it, "
        f"{scenario.population.agents:,} agents, {scenario.steps} weeks, seed {scenario.seed}, "
        f"read at week {scenario.steps} (scenario key `{scenario.key()}`). Generated by "
        "`python -m scoresim.dashboard.lesson`; do not edit by hand.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for number, card in enumerate((NO_CHANGE, *cards)):
        values = [card_text(c, key[card.title]) for c in shown]
        label = f"{number} {card.title}" if number else card.title
        lines.append("| " + " | ".join([label, card.says, *values, card.expect]) + " |")
    return "\n".join(lines) + "\n"


def write_answer_key(path: str | Path, base: Scenario | None = None) -> Path:
    """Write :func:`answer_key_text` to ``path``; refuse if a card's expectation fails."""
    scenario = base or Scenario.preset(DEFAULT_SYSTEM)
    key = answer_key(scenario)
    if failed := check_expectations(key):
        raise ValueError(f"expected answers not borne out: {', '.join(failed)}")
    Path(path).write_text(answer_key_text(scenario, key), encoding="utf-8")
    return Path(path)


if __name__ == "__main__":  # pragma: no cover
    print(write_answer_key(sys.argv[1] if len(sys.argv) > 1 else "educator-answers.txt"))
