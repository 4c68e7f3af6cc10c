"""Terminal output: a progress bar while a run advances, and how a table cell shows a value.

rich is imported only when something is drawn: ``scoresim run`` in a pipe or a script never
loads it.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from rich.console import Console


class Steppable(Protocol):
    """What the progress bar drives: a :class:`~scoresim.simulation.Simulation`."""

    t: int
    scenario: Any

    def steps(self) -> Iterator[Any]: ...


def step_with_progress(sim: Steppable, label: str, console: Console | None = None) -> None:
    """Advance ``sim`` to its horizon, with a progress bar when standard output is a terminal."""
    if not sys.stdout.isatty():
        for _ in sim.steps():
            pass
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("steps"), TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=console or Console(), transient=False) as progress:
        task = progress.add_task(label, total=sim.scenario.steps, completed=sim.t)
        for _ in sim.steps():
            progress.advance(task)


def format_value(value: object) -> str:
    """A table cell: floats to 4 significant digits, NaN and None as ``n/a``.

    >>> format_value(0.123456), format_value(float("nan")), format_value(3)
    ('0.1235', 'n/a', '3')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.4g}" if isinstance(value, float) else str(value)
