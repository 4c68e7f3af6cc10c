"""The building blocks of a report page: sections, embedded figures, tables, a caveat.

Styles are inline and figures are embedded PNG data URIs: a page has no script and fetches
nothing, so it opens offline and can be mailed as one file.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from scoresim.core.version import version
from scoresim.describe.systems import System, figure_caveat
from scoresim.report import figures
from scoresim.scenario.versions import code_line

CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0 auto;
       max-width: 1200px; padding: 1.5rem 2rem; color: #1c2833; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #d5d8dc; padding-bottom: 0.2rem;
     margin-top: 2.2rem; }
p.meta { color: #566573; margin-top: 0; }
p.note { color: #566573; font-size: 0.9rem; }
nav a { margin-right: 1rem; font-size: 0.9rem; }
img { max-width: 100%; height: auto; display: block; margin: 0.5rem 0; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
th, td { border: 1px solid #d5d8dc; padding: 0.25rem 0.6rem; text-align: right; }
th { background: #f4f6f7; }
td:first-child, th:first-child { text-align: left; }
pre { background: #f4f6f7; padding: 0.8rem; overflow-x: auto; font-size: 0.8rem; }
p.caveat { background: #fdf2e9; border-left: 4px solid #e67e22; padding: 0.6rem 0.9rem; }
span.swatch { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.4em;
              vertical-align: -0.1em; border: 1px solid #566573; }
span.support { color: #566573; font-size: 0.75rem; }
table.systems td { text-align: left; vertical-align: top; }
"""


class Page:
    """Sections of a report page, rendered to one HTML string."""

    def __init__(self, title: str, meta: str, caveat: str = "", code: str = "") -> None:
        self.title, self.meta, self.caveat = title, meta, caveat
        self.code = code or f"scoresim {version()}"  # the footer's code line
        self.sections: list[tuple[str, str, str]] = []

    def section(self, heading: str, body: str) -> None:
        anchor = "".join(c if c.isalnum() else "-" for c in heading.lower()).strip("-")
        self.sections.append((anchor, heading, body))

    def render(self) -> str:
        caveat = f'<p class="caveat">{self.caveat}</p>\n' if self.caveat else ""
        nav = " ".join(f'<a href="#{a}">{html.escape(h)}</a>' for a, h, _ in self.sections)
        body = "\n".join(f'<section id="{a}">\n<h2>{html.escape(h)}</h2>\n{b}\n</section>'
                         for a, h, b in self.sections)  # fmt: skip
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<link rel="icon" href="data:,">\n'
            f"<title>{html.escape(self.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"<header><h1>{html.escape(self.title)}</h1>\n"
            f'<p class="meta">{self.meta}</p>\n{caveat}<nav>{nav}</nav></header>\n{body}\n'
            f'<footer><p class="note">{html.escape(self.code)}; report written '
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. The citizens are synthetic.</p>"
            "</footer>\n</body>\n</html>\n"
        )


def figure_line(systems: Iterable[System], scenarios: Iterable[Any] = (),
                model: str | None = None) -> str:  # fmt: skip
    """The caveat line of a page's figures: its systems' statuses, synthetic citizens, the
    package and model version (:func:`~scoresim.describe.systems.figure_caveat`)."""
    return figure_caveat(systems, code_line(scenarios, commit=False, model=model))


def img(fig: figures.Figure, alt: str, caveat: str) -> str:
    """A figure embedded as a PNG stamped with its caveat line (drawn and in its metadata)."""
    return f'<img alt="{html.escape(alt)}" src="{figures.to_data_uri(fig, caveat)}">'


def table(frame: pd.DataFrame, digits: int = 4) -> str:
    """A DataFrame as an HTML table (floats to ``digits`` significant digits, NaN as n/a).

    Examples
    --------
    >>> table(pd.DataFrame({"a": [0.123456, float("nan")]}))
    '<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>0.1235</td></tr><tr><td>n/a</td></tr></tbody></table>'
    """

    def cell(v: object) -> str:
        if isinstance(v, float):
            return "n/a" if math.isnan(v) else f"{v:.{digits}g}"
        if v is None or v is pd.NA:
            return ""
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))  # fmt: skip
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def scenario_block(label: str, toml: str) -> str:
    return (
        f"<details><summary>{html.escape(label)}</summary><pre>{html.escape(toml)}</pre></details>"
    )


def swatch(colour: str) -> str:
    """A small square of a system's colour, for tables and captions."""
    return f'<span class="swatch" style="background:{html.escape(colour)}"></span>'


def write_atomic(out: Path, text: str) -> Path:
    """Write ``text`` to ``out`` through a temporary sibling renamed into place (an earlier
    file is replaced only by a whole one), with the permissions a new file would get."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
