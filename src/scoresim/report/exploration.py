"""Figures of exploratory modelling: sensitivity indices over the weeks, and PRIM's peeling
trajectory (coverage against density) with the box chosen. Each is written as a PNG stamped
with its sweep's caveat line (:mod:`scoresim.report.stamp`)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from scoresim.experiments.database import read_sweep
from scoresim.experiments.discovery import Discovery
from scoresim.experiments.indices import MAIN
from scoresim.report.html import sweep_line
from scoresim.report.stamp import png
from scoresim.results.folders import output_error

_LABELS = {
    "sobol": "total Sobol index ST",
    "morris": "Morris mu* (units of the outcome)",
    "src": "standardised regression coefficient",
    "prcc": "partial rank correlation",
}
#: Resolution of the PNG files.
DPI = 110


def indices_over_time(table: pd.DataFrame) -> Figure:
    """One panel per outcome: each parameter's main index (ST, mu*, SRC or PRCC) against the
    week, with its 95% interval as a band where the method gives one.

    Examples
    --------
    >>> t = pd.DataFrame({"step": [1, 1, 2, 2], "outcome": "y", "parameter": ["a", "b"] * 2,
    ...                   "PRCC": [0.9, 0.1, 0.2, 0.8], "PRCC_low": [0.8, 0.0, 0.1, 0.7],
    ...                   "PRCC_high": [1.0, 0.2, 0.3, 0.9]})
    >>> t.attrs["method"] = "prcc"
    >>> [line.get_label() for line in indices_over_time(t).axes[0].lines][:2]  # then the 0 line
    ['a', 'b']
    """
    method = table.attrs["method"]
    value, low, high = MAIN[method]
    outcomes = list(dict.fromkeys(table["outcome"]))
    fig = Figure(figsize=(8, 2.8 * len(outcomes) + 0.4), layout="constrained")
    axes = fig.subplots(len(outcomes), 1, squeeze=False, sharex=True).ravel()
    for ax, outcome in zip(axes, outcomes, strict=True):
        part = table[table["outcome"] == outcome]
        for name, rows in part.groupby("parameter", sort=False):
            line = ax.plot(rows["step"], rows[value], label=str(name), lw=1.5)[0]
            if low is not None:
                ax.fill_between(rows["step"], rows[low].to_numpy(float),
                                rows[high].to_numpy(float), color=line.get_color(),
                                alpha=0.15)  # fmt: skip
        if method in ("src", "prcc"):
            ax.axhline(0.0, color="grey", lw=0.6)
        metric = table.attrs.get("metrics", {}).get(outcome)
        ax.set_title(f"{outcome}: {metric} at each week" if metric else outcome, fontsize=10)
        ax.set_ylabel(_LABELS[method], fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    axes[-1].set_xlabel("week")
    return fig


def peeling_trajectory(found: Discovery) -> Figure:
    """PRIM's peeling trajectory: coverage against density, each box coloured by how many
    parameters it restricts, the chosen box circled and its pasted form marked."""
    trajectory = found.result.trajectory_frame()
    fig = Figure(figsize=(6.5, 4.6), layout="constrained")
    ax = fig.add_subplot()
    points = ax.scatter(trajectory["coverage"], trajectory["density"],
                        c=trajectory["restricted"], cmap="viridis", s=18, zorder=3)  # fmt: skip
    ax.plot(trajectory["coverage"], trajectory["density"], color="grey", lw=0.6, zorder=2)
    chosen = trajectory[trajectory["chosen"]].iloc[0]
    ax.scatter([chosen["coverage"]], [chosen["density"]], s=140, facecolors="none",
               edgecolors="#c0392b", lw=1.5, zorder=4, label="chosen box (peeled)")  # fmt: skip
    box = found.result.box
    ax.scatter([box.coverage], [box.density], marker="*", s=160, color="#c0392b", zorder=5,
               label="chosen box (pasted)")  # fmt: skip
    bar = fig.colorbar(points, ax=ax, label="parameters restricted")
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
    ax.set_xlabel("coverage (share of the runs of interest inside the box)")
    ax.set_ylabel("density (share of the box's runs of interest)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(min(0.0, float(np.nanmin(trajectory["density"]))) - 0.02, 1.02)
    ax.set_title(f"PRIM peeling trajectory: {found.condition}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    return fig


def sweep_caveat(db: str | Path) -> str:
    """The caveat line of the figures of the sweep in ``db`` (as its report draws them)."""
    data = read_sweep(db)
    return sweep_line(data["info"], data["runs"])


def save_png(fig: Figure, path: str | Path, caveat: str) -> Path:
    """Write ``fig`` as a PNG stamped with ``caveat`` (drawn and as a text chunk), beside and
    renamed (an earlier file is replaced only by a whole one)."""
    path = Path(path)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = png(fig, caveat, dpi=DPI)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent, suffix=".png")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise output_error(path, exc) from None
    return path
