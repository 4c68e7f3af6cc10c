"""The report's section on replications chosen by precision (``compare --replications auto``,
:mod:`scoresim.experiments.precision`): each headline effect's 95% half-width against the
replications so far, with the precision asked for, and the replications each effect needed."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from scoresim.report.page import img, table


def precision_figure(history: pd.DataFrame, precision: float,
                     colours: Mapping[str, str] | None = None) -> Figure:  # fmt: skip
    """One panel per arm: each effect's half-width after every batch (log scale), and the
    precision as a dashed line. A zero or undefined half-width is not drawn."""
    arms = list(dict.fromkeys(history["arm"]))
    fig = Figure(figsize=(9.5, 3.2 * len(arms)), layout="constrained")
    axes = fig.subplots(len(arms), 1, squeeze=False).ravel()
    for ax, arm in zip(axes, arms, strict=True):
        part = history[history["arm"] == arm]
        for effect in dict.fromkeys(part["effect"]):
            line = part[part["effect"] == effect].sort_values("replications")
            half = line["half_width"].to_numpy(dtype=np.float64)
            keep = np.isfinite(half) & (half > 0)
            if keep.any():
                ax.plot(line["replications"].to_numpy()[keep], half[keep], marker="o", ms=3,
                        lw=1.2, label=effect)  # fmt: skip
        ax.axhline(precision, color="black", lw=1.0, ls="--", label=f"precision {precision:g}")
        ax.set_yscale("log")
        ax.set_xlabel("paired replications")
        ax.set_ylabel("95% half-width")
        title = arm if arm != "treatment" else "headline effects"
        ax.set_title(title, fontsize=10, color=(colours or {}).get(arm, "black"))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def precision_section(folder: Path, info: dict[str, Any], caveat: str,
                      colours: Mapping[str, str] | None = None) -> str | None:  # fmt: skip
    """The section's HTML (its figure stamped with the page's ``caveat`` line), or None for a
    comparison of a fixed number of replications."""
    rule = info.get("replications_by_precision")
    path = folder / "precision.csv"
    if rule is None or not path.exists():
        return None
    history = pd.read_csv(path)
    needed = pd.DataFrame(rule["needed"])
    if set(needed["arm"]) == {"treatment"}:
        needed = needed.drop(columns="arm")
    needed["needed"] = ["" if n is None or (isinstance(n, float) and math.isnan(n)) else str(n)
                        for n in needed["needed"]]  # fmt: skip
    stopped = html.escape(", ".join(rule["stopped_by"]) or "none")
    why = ("every effect's 95% half-width fell below the precision; the last to get there: "
           if rule["reached"] else "the cap was reached; still above the precision: ")
    note = (f"Batches of {rule['batch']} paired replications until every headline effect's 95% "
            f"half-width is below {rule['precision']:g} (in the effect's units), at most "
            f"{rule['max_replications']}. Stopped at {info['replications']} replications: "
            f"{why}{stopped}. An effect that is not shown (undefined, or resting on too few "
            "agents or replications) does not hold the run.")  # fmt: skip
    figure = img(precision_figure(history, rule["precision"], colours), "half-widths", caveat)
    return figure + table(needed) + f'<p class="note">{note}</p>'
