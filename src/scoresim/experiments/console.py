"""Output of experiments: a progress bar over runs and the tables, for a terminal or a notebook."""

from __future__ import annotations

import math
import sys
from types import TracebackType
from typing import TYPE_CHECKING

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from scoresim.core.progress import format_value
from scoresim.experiments.headline_view import legend, markdown, markdown_table, print_table
from scoresim.results.display import html_number, html_table

if TYPE_CHECKING:
    from scoresim.experiments.comparison import Comparison
    from scoresim.experiments.precision import PrecisionTrace


class RunProgress:
    """Runs done, failed and remaining, with an ETA.

    On a terminal it draws a rich progress bar; elsewhere it prints one plain line per finished
    run when ``lines`` is true (for logs), nothing otherwise.

    Examples
    --------
    >>> with RunProgress("demo", total=2, lines=False) as p:
    ...     p.update(ok=True); p.update(ok=False)
    >>> p.done, p.failed, p.remaining
    (1, 1, 0)
    """

    def __init__(self, label: str, total: int, lines: bool = False,
                 console: Console | None = None) -> None:  # fmt: skip
        self.label, self.total, self.lines = label, total, lines
        self.console = console or Console()
        self.done = self.failed = 0
        self.progress: Progress | None = None

    @property
    def remaining(self) -> int:
        return self.total - self.done - self.failed

    def __enter__(self) -> RunProgress:
        if sys.stdout.isatty():
            columns = (TextColumn("{task.description}"), BarColumn(),
                       TextColumn("[green]{task.fields[done]} done[/] "
                                  "[red]{task.fields[failed]} failed[/] "
                                  "{task.fields[remaining]} remaining"),
                       TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())  # fmt: skip
            self.progress = Progress(*columns, console=self.console)
            self.progress.start()
            self.task = self.progress.add_task(self.label, total=self.total, done=0, failed=0,
                                               remaining=self.total)  # fmt: skip
        return self

    def update(self, ok: bool, note: str = "") -> None:
        """Count one finished run."""
        if ok:
            self.done += 1
        else:
            self.failed += 1
        if self.progress is not None:
            self.progress.update(self.task, advance=1, done=self.done, failed=self.failed,
                                 remaining=self.remaining)  # fmt: skip
        elif self.lines:
            status = "done" if ok else "failed"
            print(f"{status} {note} ({self.done} done, {self.failed} failed, "
                  f"{self.remaining} remaining)", flush=True)  # fmt: skip

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        if self.progress is not None:
            self.progress.stop()


def print_comparison(result: Comparison, title: str, console: Console | None = None,
                     fmt: str = "table") -> None:  # fmt: skip
    """The headline effects of a comparison with their support
    (:mod:`~scoresim.experiments.headline_view`): fitted to the terminal (``table``), or as
    ``csv`` (``headline.csv``'s text) or ``markdown`` on standard output."""
    if fmt == "csv":
        print(result.headline.to_csv(index=False), end="")
    elif fmt == "markdown":
        print(f"**{title}**\n\n{markdown(result.headline, result.min_group)}\n\n"
              f"{legend(result.min_group)}")  # fmt: skip
    else:
        print_table(result.headline, title, console, result.min_group)


def print_frame(frame: pd.DataFrame, title: str, console: Console | None = None,
                fmt: str = "table") -> None:  # fmt: skip
    """A small DataFrame as a rich table (floats to 4 significant digits), or as ``csv`` or
    ``markdown`` (the same cells) on standard output."""
    if fmt == "csv":
        print(frame.to_csv(index=False), end="")
        return
    if fmt == "markdown":
        cells = frame.map(lambda v: format_value(v) if isinstance(v, float) else str(v))
        print(f"**{title}**\n\n{markdown_table(cells)}\n")
        return
    console = console or Console()
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(str(col), justify="left" if frame[col].dtype == object else "right")
    for row in frame.itertuples(index=False):
        table.add_row(*(format_value(v) if isinstance(v, float) else str(v) for v in row))
    console.print(table)


def frame_html(frame: pd.DataFrame) -> str:
    """A small DataFrame as an HTML table, floats as :func:`print_frame` shows them.

    Examples
    --------
    >>> text = frame_html(pd.DataFrame({"x": [0.123456], "name": ["a"]}))
    >>> "<th" in text and ">0.1235</td>" in text and ">a</td>" in text
    True
    """
    rows = [[html_number(v) if isinstance(v, float) else v for v in row]
            for row in frame.itertuples(index=False)]  # fmt: skip
    return html_table([str(c) for c in frame.columns], rows)


def print_precision(trace: PrecisionTrace, console: Console | None = None) -> None:
    """How ``--replications auto`` went: each effect's replications needed and last
    half-width, then one line saying where the run stopped and why."""
    console = console or Console()
    table = trace.needed()
    if set(table["arm"]) == {"treatment"}:
        table = table.drop(columns="arm")
    table = table.assign(needed=[("" if math.isnan(n) else str(int(n))) for n in table["needed"]])
    print_frame(table, f"Replications by precision: each effect's 95% half-width against "
                f"{trace.rule.precision:g}", console)  # fmt: skip
    console.print(trace.verdict(), soft_wrap=True)
