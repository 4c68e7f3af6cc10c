"""Terminal output of a calibration: a progress bar per wave or generation, and the tables.

On a terminal a rich bar shows the wave or generation, its points or accepted particles, the
simulations done, the current epsilon or kept fraction, and an ETA. Elsewhere (a log, a test)
it prints one plain line per stored simulation and one per finished round.
"""

from __future__ import annotations

import math
import sys
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from scoresim.core.progress import format_value


class CalibrationProgress:
    """Progress of a calibration run.

    Examples
    --------
    >>> with CalibrationProgress("abc", rounds=2, width=4, tty=False) as p:
    ...     p.round("start", {"generation": 0, "epsilon": float("inf")})
    ...     p.simulation(("abc", 0, 3, 0, "treatment"), 1)
    generation 1/2: epsilon inf
    simulation abc round 0 point 3 replication 0 treatment stored (1 new, 0 earlier)
    """

    def __init__(self, method: str, rounds: int, width: int, earlier: int = 0,
                 tty: bool | None = None, console: Console | None = None) -> None:  # fmt: skip
        self.method, self.rounds, self.width, self.earlier = method, rounds, width, earlier
        self.tty = sys.stdout.isatty() if tty is None else tty
        self.console = console or Console()
        self.progress: Progress | None = None
        self.task: Any = None
        self.new = 0
        self.label = ""

    def __enter__(self) -> CalibrationProgress:
        if self.tty:
            self.progress = Progress(
                TextColumn("{task.description}"), BarColumn(),
                TextColumn("{task.completed:.0f}/{task.total:.0f} {task.fields[unit]} · "
                           "{task.fields[sims]} simulations · {task.fields[note]}"),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=self.console)  # fmt: skip
            self.progress.start()
        return self

    def round(self, event: str, info: dict[str, float]) -> None:
        """A wave or generation starts or ends."""
        if "wave" in info:
            self.label = f"wave {int(info['wave']) + 1}/{self.rounds}"
            note = f"kept {info['kept_fraction']:.3f}" if event == "end" else ""
            unit = "points"
        else:
            self.label = f"generation {int(info['generation']) + 1}/{self.rounds}"
            note = f"epsilon {format_value(info['epsilon'])}"
            if event == "end":
                note += f", acceptance {info['acceptance']:.3f}, ESS {info['ess']:.1f}"
            unit = "particles"
        if event == "start":
            self.start(self.label, self.width, unit, note)
        elif self.progress is None:
            print(f"{self.label} done: {note}, {int(info['simulations'])} simulations",
                  flush=True)  # fmt: skip

    def start(self, label: str, total: int, unit: str, note: str = "") -> None:
        """A new bar (or, off a terminal, one line)."""
        self.label = label
        if self.progress is not None:
            if self.task is not None:
                self.progress.remove_task(self.task)
            self.task = self.progress.add_task(
                label, total=total, unit=unit, sims=self.new + self.earlier, note=note
            )
        else:
            print(f"{label}: {note}".rstrip(": "), flush=True)

    def point(self, done: int, value: float) -> None:
        """Points done (history, with the running kept fraction) or particles accepted (abc)."""
        if self.progress is not None and self.task is not None:
            note = (
                f"kept {value:.3f}"
                if self.method == "history" and self.label[:4] == "wave"
                else f"epsilon {format_value(value)}"
                if not math.isnan(value)
                else ""
            )
            self.progress.update(self.task, completed=done, note=note,
                                 sims=self.new + self.earlier)  # fmt: skip

    def simulation(self, key: tuple[str, int, int, int, str], new: int) -> None:
        """One simulation stored."""
        self.new = new
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, sims=self.new + self.earlier)
        elif self.progress is None:
            stage, round_, index, rep, arm = key
            print(
                f"simulation {stage} round {round_} point {index} replication {rep} {arm} "
                f"stored ({new} new, {self.earlier} earlier)",
                flush=True,
            )

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        if self.progress is not None:
            self.progress.stop()
