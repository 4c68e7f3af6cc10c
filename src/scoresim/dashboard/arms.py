"""The systems a page compares, built on one society and stepped in lock-step, with their history.

Every arm (up to four systems and the ``control``) gets the population, graph, horizon and seed
of the first system (:func:`~scoresim.experiments.arms.same_society`, the rule of every
comparison), so all start from the same synthetic society: the
common random numbers of a paired comparison (the control of MODEL.md section 4). :class:`Runs`
steps them together; each arm's :class:`ArmHistory` keeps what the page draws of every week
(metrics rows, employment by tier, the score histogram, the tiers and ties of the network
sample), so that any past week can be shown again. The history grows by a few hundred bytes per
arm and week besides the metrics row; with the dashboard's caps (agents, steps, four systems)
memory per page stays bounded.

Threads: only the worker thread steps and records. Readers use the published week ``t`` and read
``history[: t + 1]`` (lists that are only appended to), never the simulations themselves.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np

from scoresim.dashboard.network import NetworkSample, NetworkView
from scoresim.describe.systems import SystemStatus
from scoresim.experiments.arms import same_society
from scoresim.scenario import Scenario
from scoresim.simulation import Simulation

NOT_ENROLLED = "not enrolled"
#: Bins of the score histogram.
SCORE_BINS = 60


def control_for(scenario: Scenario) -> Scenario:
    """The ``control`` preset on the society of ``scenario``
    (:func:`~scoresim.experiments.arms.same_society`)."""
    return same_society(Scenario.preset("control"), scenario)


def employment_by_tier(sim: Simulation) -> dict[str, float]:
    """Share employed among enrolled agents of each tier, and among agents not enrolled.

    NaN for a group with no agent.
    """
    soc = sim.society
    names = sim.params.tiers.names
    group = np.where(soc.enrolled, soc.tier.astype(np.int64), len(names))
    total = np.bincount(group, minlength=len(names) + 1)
    employed = np.bincount(group, weights=soc.employed.astype(np.float64), minlength=len(names) + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, employed / np.maximum(total, 1), np.nan)
    return dict(zip([*names, NOT_ENROLLED], share.tolist(), strict=True))


def point(step: int, value: float | None, scale: float = 1.0) -> list:
    """A chart point ``[step, value * scale]``; NaN becomes ``'-'`` (a gap in ECharts).

    Examples
    --------
    >>> point(3, 0.5, 100), point(4, float("nan"))
    ([3, 50.0], [4, '-'])
    """
    ok = value is not None and not math.isnan(value)
    return [int(step), round(value * scale, 6) if ok else "-"]


@dataclass(frozen=True)
class ArmSpec:
    """One system to run: its label, resolved scenario, colour and status."""

    name: str
    scenario: Scenario
    colour: str
    status: SystemStatus
    control: bool = False


@dataclass
class ArmHistory:
    """What the page draws of one arm, week by week (index 0: the society before any step)."""

    rows: list[dict[str, float]]  # the simulation's own metrics rows (index w-1 for week w)
    bins: np.ndarray  # score histogram edges
    employment: list[dict[str, float]] = field(default_factory=list)  # index w-1 for week w
    score_counts: list[np.ndarray] = field(default_factory=list)  # index w
    groups: list[np.ndarray] = field(default_factory=list)  # sampled agents' tier (-1: none)
    added: list[np.ndarray] = field(default_factory=list)  # sample ties new in week w
    removed: list[np.ndarray] = field(default_factory=list)  # sample ties gone in week w
    _keys: np.ndarray | None = None  # the sample's ties as of the last recorded week
    _replayed: tuple[int, set[int] | None] = (0, None)  # read side: the last replayed week
    _points: dict[tuple[str, str, float], list[list]] = field(default_factory=dict, repr=False)
    _points_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def points(self, key: str, scale: float, week: int, employment: bool = False) -> list[list]:
        """Chart points of a metric (or of employment in a group) for weeks ``1..week``.

        Kept between redraws and extended by the weeks added since, so a redraw costs a slice,
        not a pass over every week (the points of a week never change).
        """
        rows = self.employment if employment else self.rows
        with self._points_lock:
            cache = self._points.setdefault(("e" if employment else "r", key, scale), [])
            for w in range(len(cache), min(week, len(rows))):
                cache.append(point(w + 1, rows[w].get(key, math.nan), scale))
            return cache[:week]

    def record(self, sim: Simulation, sample: NetworkSample) -> None:
        """Append the state of ``sim`` now (called after the build and after every step)."""
        soc = sim.society
        if sim.t > 0:
            self.employment.append(employment_by_tier(sim))
        counts = np.histogram(soc.score[soc.enrolled], bins=self.bins)[0].astype(np.int32)
        self.score_counts.append(counts)
        nodes = sample.nodes
        tiers = np.where(soc.enrolled[nodes], soc.tier[nodes].astype(np.int8), np.int8(-1))
        self.groups.append(tiers.astype(np.int8))
        keys = sample.keys_now(soc.graph)
        if self._keys is None:
            empty = np.zeros(0, np.int64)
            self.added.append(empty)
            self.removed.append(empty)
        else:
            self.added.append(np.setdiff1d(keys, self._keys, assume_unique=True))
            self.removed.append(np.setdiff1d(self._keys, keys, assume_unique=True))
        self._keys = keys

    def network_at(self, week: int, sample: NetworkSample) -> NetworkView:
        """The sample's ties in ``week`` compared with the start, replayed from the changes.

        The page's thread keeps the last replayed week, so following a run replays one week
        per redraw, and going back replays from the start (a few thousand ties at most).
        """
        done, now = self._replayed if self._replayed[0] <= week else (0, None)
        if now is None:
            now = set(sample.initial_keys.tolist())
        now = set(now)
        for w in range(done + 1, week + 1):
            now.difference_update(self.removed[w].tolist())
            now.update(self.added[w].tolist())
        self._replayed = (week, now)
        return sample.compare(np.array(sorted(now), dtype=np.int64))


@dataclass
class Arm:
    """A system with its simulation and history."""

    spec: ArmSpec
    sim: Simulation
    history: ArmHistory


@dataclass
class Runs:
    """The arms of one comparison (the control last), stepped together."""

    specs: tuple[ArmSpec, ...]
    arms: list[Arm]
    sample: NetworkSample

    @classmethod
    def build(cls, specs: tuple[ArmSpec, ...], sample_size: int) -> Runs:
        """Build every arm's society (all the same society) and record week 0."""
        sims = [Simulation(s.scenario) for s in specs]
        first = specs[0].scenario
        rng = np.random.default_rng([first.seed, 0x5C0])  # the drawing's own stream
        sample = NetworkSample.draw(sims[0].society.graph, sample_size, rng)
        arms = []
        for spec, sim in zip(specs, sims, strict=True):
            score = spec.scenario.policy.score
            bins = np.linspace(score.min, score.max, SCORE_BINS + 1)
            history = ArmHistory(rows=sim.rows, bins=bins)
            history.record(sim, sample)
            arms.append(Arm(spec, sim, history))
        return cls(specs, arms, sample)

    @property
    def t(self) -> int:
        return self.arms[0].sim.t

    @property
    def done(self) -> bool:
        return self.arms[0].sim.done

    def step(self) -> None:
        """One step of every arm, then record it."""
        for arm in self.arms:
            arm.sim.step()
        for arm in self.arms:
            arm.history.record(arm.sim, self.sample)
