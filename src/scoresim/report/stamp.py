"""The caveat every figure carries: one function stamps it, drawn and in the file.

:func:`png` draws the caveat line (:func:`scoresim.describe.systems.figure_caveat`) as a
footer inside the image, so that a cropped or forwarded chart still says what it is, and
writes it into the PNG's metadata as a ``Caveat`` text chunk (with ``Software``). Every PNG the
reports embed (run, comparison, brief, sweep and calibration) goes through it; the dashboard's
PNG export stamps the same line in the browser (:mod:`scoresim.dashboard.echarts`).

Examples
--------
>>> from PIL import Image
>>> import io
>>> fig = Figure(figsize=(3, 2)); _ = fig.add_subplot().plot([0, 1])
>>> Image.open(io.BytesIO(png(fig, "hypothetical · synthetic citizens"))).text["Caveat"]
'hypothetical · synthetic citizens'
"""

from __future__ import annotations

import io
import textwrap

from matplotlib.figure import Figure

from scoresim.core.version import version

#: The footer's font size (points) and colour.
FOOTER_SIZE = 7.0
FOOTER_COLOUR = "#4d5656"


def stamp(fig: Figure, line: str) -> Figure:
    """Draw ``line`` as the figure's footer (below every panel; wrapped only where the figure
    is narrower than the line)."""
    chars = max(40, int(fig.get_figwidth() * 72 / (FOOTER_SIZE * 0.55)))
    text = "\n".join(textwrap.wrap(line, chars)) or line
    fig.supxlabel(text, fontsize=FOOTER_SIZE, color=FOOTER_COLOUR)
    return fig


def png(fig: Figure, line: str, dpi: int = 100) -> bytes:
    """The figure as PNG bytes, stamped with ``line`` (drawn and as a text chunk)."""
    stamp(fig, line)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi,
                metadata={"Caveat": line, "Software": f"scoresim {version()}"})  # fmt: skip
    return buffer.getvalue()
