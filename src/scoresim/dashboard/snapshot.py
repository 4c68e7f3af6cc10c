"""What the page draws, copied at one instant and at one week: :class:`Snapshot`.

A snapshot holds every system's metrics up to the viewed week (the newest one, or an earlier
week the scrubber asks for), the control's, the tier-level data of the system in focus (score
histogram, employment by tier, the network sample) and the scheduled changes of every system
(:class:`Event`: the mandatory date and ``[[schedule]]`` entries), which the charts mark on their
time axes. It is built from published history only, so it never waits for a step.

Examples
--------
>>> from scoresim import Scenario
>>> events_of("seed", Scenario.preset("seed"))
[Event(step=260, arm='seed', text='enrolment becomes mandatory')]
>>> event_lines([Event(260, "seed", "enrolment becomes mandatory"),
...              Event(260, "mine", "enrolment becomes mandatory")])
[(260, 'week 260: enrolment becomes mandatory (seed, mine)')]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoresim.dashboard.arms import SCORE_BINS, ArmHistory, ArmSpec, point
from scoresim.dashboard.network import NetworkView
from scoresim.dashboard.worker import Published, Status
from scoresim.describe.systems import SystemStatus
from scoresim.experiments.channels import VOICE_COLUMNS, chill_channels
from scoresim.scenario import Scenario

#: The headline keys of the chill's channels (docs/model.md 7.5).
CHANNEL_KEYS = {"private drift": "private_drift", "self-censorship": "self_censorship",
                "throttling": "throttling"}  # fmt: skip


@dataclass(frozen=True)
class Event:
    """A scheduled change of one system at the start of a week."""

    step: int
    arm: str
    text: str


def _format(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def events_of(name: str, scenario: Scenario) -> list[Event]:
    """The mandatory date and the ``[[schedule]]`` entries of a scenario, by week, up to its
    horizon (an entry after it is never applied, so it marks nothing)."""
    out = []
    if (m := scenario.mandatory_step) is not None:
        out.append(Event(m, name, "enrolment becomes mandatory"))
    for entry in getattr(scenario, "schedule", None) or []:
        step = entry["step"] if isinstance(entry, dict) else entry.step
        changes = entry["set"] if isinstance(entry, dict) else entry.set
        if int(step) > scenario.steps:
            continue
        text = ", ".join(f"{k} = {_format(v)}" for k, v in dict(changes).items())
        out.append(Event(int(step), name, text or "schedule entry"))
    return sorted(out, key=lambda e: e.step)


def event_systems(events: list[Event]) -> dict[int, list[str]]:
    """The systems with a change in each week, in the order of the page's systems.

    >>> event_systems([Event(5, "seed", "x"), Event(9, "rongcheng", "y"), Event(5, "zhima", "z")])
    {5: ['seed', 'zhima'], 9: ['rongcheng']}
    """
    out: dict[int, list[str]] = {}
    for e in events:
        names = out.setdefault(e.step, [])
        if e.arm not in names:
            names.append(e.arm)
    return dict(sorted(out.items()))


def event_lines(events: list[Event]) -> list[tuple[int, str]]:
    """One line per week with a change: ``(week, what changed and in which systems)``."""
    by_step: dict[int, dict[str, list[str]]] = {}
    for e in events:
        by_step.setdefault(e.step, {}).setdefault(e.text, []).append(e.arm)
    out = []
    for step in sorted(by_step):
        parts = [f"{text} ({', '.join(arms)})" for text, arms in by_step[step].items()]
        out.append((step, f"week {step}: " + "; ".join(parts)))
    return out


@dataclass(frozen=True)
class ArmView:
    """One system (or the control) up to the viewed week."""

    name: str
    colour: str
    status: SystemStatus
    control: bool
    rows: list[dict[str, float]]  # weeks 1..t
    tier_names: tuple[str, ...]
    tier_min_scores: tuple[float, ...]
    score_range: tuple[float, float]
    low_threshold: float
    listing: bool  # a defaulter blacklist is enabled (model v2)
    agents: int = 0  # the society's size (the support of the headline numbers)
    history: ArmHistory | None = field(default=None, compare=False, repr=False)

    def points(self, key: str, scale: float = 1.0) -> list[list]:
        """Chart points of a metric up to the viewed week (cached in the history)."""
        if self.history is not None:
            return self.history.points(key, scale, len(self.rows))
        return [point(r["step"], r.get(key, math.nan), scale) for r in self.rows]


@dataclass(frozen=True, eq=False)
class Focus:
    """Tier-level data of the system in focus at the viewed week."""

    name: str
    colour: str
    employment: list[dict[str, float]]  # weeks 1..t
    score_bins: np.ndarray  # edges, len = counts + 1
    score_counts: np.ndarray  # enrolled agents per bin
    positions: np.ndarray | None  # (k, 2) layout of the sampled agents
    node_groups: np.ndarray | None  # tier index per sampled agent, -1 if not enrolled
    network: NetworkView | None
    history: ArmHistory | None = field(default=None, repr=False)

    def employment_points(self, group: str) -> list[list]:
        """Chart points (percent) of employment in a tier group up to the viewed week."""
        if self.history is not None:
            return self.history.points(group, 100.0, len(self.employment), employment=True)
        return [point(w + 1, row[group], 100.0) for w, row in enumerate(self.employment)]


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Everything the page shows, copied at one instant (safe to read without a lock).

    Compared by identity: every redraw's snapshot is new, so the page's components that take
    one always redraw (Solara skips a component whose arguments compare equal).
    """

    version: int
    t: int  # the week shown
    latest: int  # the newest week computed
    horizon: int
    status: Status
    message: str
    steps_per_second: float
    pace: float | None
    pending: bool  # edits that apply at the next reset
    arms: tuple[ArmView, ...]  # the systems, without the control
    control: ArmView | None
    focus: ArmView | None  # the system whose tiers and network are drawn
    tiers: Focus | None
    events: tuple[Event, ...]
    caveat: str
    runs_in_use: int
    max_runs: int
    figure_caveat: str = ""  # the line each exported PNG carries
    waiting: int = 0  # pages in line for a run slot
    queue_position: int | None = None  # this page's place in that line (1: next), None if not

    @property
    def scrubbing(self) -> bool:
        """Whether an earlier week than the newest is shown."""
        return self.t < self.latest

    @property
    def all_arms(self) -> tuple[ArmView, ...]:
        """The systems and the control."""
        return (*self.arms, self.control) if self.control is not None else self.arms

    @property
    def scenario_name(self) -> str:
        """The first system's name."""
        return self.arms[0].name if self.arms else ""


def arm_view(
    spec: ArmSpec, rows: list[dict[str, float]], history: ArmHistory | None = None
) -> ArmView:
    """A system's view from its spec and its rows up to the viewed week."""
    sc = spec.scenario
    return ArmView(
        name=spec.name,
        colour=spec.colour,
        status=spec.status,
        control=spec.control,
        rows=rows,
        tier_names=tuple(t.name for t in sc.tiers),
        tier_min_scores=tuple(t.min_score for t in sc.tiers),
        score_range=(sc.policy.score.min, sc.policy.score.max),
        low_threshold=sc.policy.low_threshold,
        listing=bool(getattr(getattr(sc, "blacklist", None), "enabled", False)),
        agents=sc.population.agents,
        history=history,
    )


def views(
    specs: tuple[ArmSpec, ...], published: Published | None, week: int, focus_name: str | None
) -> tuple[tuple[ArmView, ...], ArmView | None, ArmView | None, Focus | None]:
    """Systems, control, the focus system and its tier data at ``week`` of ``published``."""
    arms, control = [], None
    focus_index = next((i for i, s in enumerate(specs) if s.name == focus_name), 0)
    tiers = None
    for i, spec in enumerate(specs):
        rows: list[dict[str, float]] = []
        history = None
        if published is not None:
            history = published.runs.arms[i].history
            rows = history.rows[:week]
        view = arm_view(spec, rows, history)
        if spec.control:
            control = view
        else:
            arms.append(view)
        if i == focus_index:
            tiers = _focus(spec, published, i, week)
    focus = arms[focus_index] if focus_index < len(arms) else None
    return tuple(arms), control, focus, tiers


def _focus(spec: ArmSpec, published: Published | None, index: int, week: int) -> Focus:
    score = spec.scenario.policy.score
    if published is None:
        bins = np.linspace(score.min, score.max, SCORE_BINS + 1)
        return Focus(spec.name, spec.colour, [], bins, np.zeros(SCORE_BINS, np.int64),
                     None, None, None)  # fmt: skip
    runs = published.runs
    history = runs.arms[index].history
    network = history.network_at(week, runs.sample)
    return Focus(
        name=spec.name,
        colour=spec.colour,
        employment=history.employment[:week],
        score_bins=history.bins,
        score_counts=history.score_counts[week],
        positions=runs.sample.positions,
        node_groups=history.groups[week],
        network=network,
        history=history,
    )


def headline(arm: ArmView, control: ArmView | None) -> dict[str, float]:
    """Headline numbers of a system at the viewed week, against the control.

    ``chilling`` is the chilling effect, ``gap``, ``isolated`` and ``employment_gap`` are
    differences from the control (see :data:`scoresim.describe.glossary.EFFECTS`); the raw values
    come with them, and their support: ``agents`` (everyone) and ``lowest_tier_agents`` (the
    enrolled agents of the lowest tier, whom the employment gap rests on). Where the rows carry
    the voice (model v3), the expected chill and its three parts
    (:meth:`~scoresim.experiments.channels.Chill.parts`, keys :data:`CHANNEL_KEYS`).
    """
    if not arm.rows or control is None or not control.rows:
        return {}
    return headline_numbers(arm.rows[-1], control.rows[-1], arm.agents, arm.tier_names)


def headline_numbers(row: dict[str, float], ctl: dict[str, float], agents: int,
                     tier_names: Sequence[str]) -> dict[str, float]:  # fmt: skip
    """:func:`headline` from a system's metrics row and the control's of the same week, in a
    society of ``agents`` whose tiers are ``tier_names`` (lowest first)."""
    crit = ctl["critical_posts"]
    out = {
        "enrolled": row["adoption"],
        "chilling": 1 - row["critical_posts"] / crit if crit > 0 else math.nan,
        "gap": row["falsification_gap"] - ctl["falsification_gap"],
        "gap_value": row["falsification_gap"],
        "gap_control": ctl["falsification_gap"],
        "isolated": row["isolated"] - ctl["isolated"],
        "isolated_value": row["isolated"],
        "isolated_control": ctl["isolated"],
        "employment_gap": row["employment_poor"] - ctl["employment"],
        "employment_poor": row["employment_poor"],
        "employment_control": ctl["employment"],
        "agents": float(agents),
        "lowest_tier_agents": round(row.get(f"tier_{tier_names[0]}", math.nan)
                                    * row["adoption"] * agents)
        if tier_names and row["adoption"] > 0 else 0.0,
    }
    if "listed" in row:
        out["listed"] = row["listed"]
    if all(c in row and c in ctl for c in VOICE_COLUMNS):
        chill = chill_channels(row, ctl)
        out |= {CHANNEL_KEYS[name]: part for name, part in chill.parts().items()}
        out["expected_chill"] = chill.total
    return out
