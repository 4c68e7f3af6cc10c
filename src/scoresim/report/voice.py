"""Figures of the critical voice (model v3, docs/model.md 7): the chill per channel, the
speaking and silent critics, bunching at the tier cut-offs, and the voice around a lift.

Each figure reads metric columns that results written before model v3 may lack; the page asks
:func:`~scoresim.experiments.channels.has_voice` (or for the column) first and leaves the
figure out where they are absent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from scoresim.describe.palette import CHANNEL_COLOURS, SILENT_COLOUR, SPEAKING_COLOUR
from scoresim.experiments.channels import CHANNELS, Chill
from scoresim.report import figures

#: The columns of the speaking and silent critics (model v2, 6.5).
CRITICS = ("private_critics", "public_critics")


def chill_bars(chills: Mapping[str, Chill], colours: Mapping[str, str]) -> Figure:
    """One stacked bar per arm: its chill split into private drift, self-censorship and
    throttling (:meth:`~scoresim.experiments.channels.Chill.parts`); a black tick marks the
    chill itself. Negative parts (a channel that adds voice) stack below zero."""
    fig = Figure(figsize=(7.5, 0.9 + 0.55 * len(chills)), layout="constrained")
    ax = fig.add_subplot()
    labels = list(chills)
    for y, label in enumerate(labels):
        chill = chills[label]
        right, left = 0.0, 0.0
        for channel, value in chill.parts().items():
            if not math.isfinite(value):
                continue
            start = right if value >= 0 else left
            ax.barh(y, value, left=start, color=CHANNEL_COLOURS[channel], height=0.6,
                    label=channel if y == 0 else None)  # fmt: skip
            right, left = (right + value, left) if value >= 0 else (right, left + value)
        if math.isfinite(chill.total):
            ax.plot([chill.total] * 2, [y - 0.36, y + 0.36], color="black", lw=1.6)
    ax.set_yticks(range(len(labels)), labels, fontsize=9)
    for tick, label in zip(ax.get_yticklabels(), labels, strict=True):
        tick.set_color(colours.get(label, "black"))
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.axvline(0.0, color="grey", lw=0.8)
    ax.set_xlabel("share of the control's critical voice lost (last week)")
    ax.set_title("The chill, channel by channel", fontsize=11)
    handles, names = ax.get_legend_handles_labels()
    order = [names.index(c) for c in CHANNELS if c in names]
    ax.legend([handles[i] for i in order], [names[i] for i in order], fontsize=8,
              loc="lower right")  # fmt: skip
    ax.grid(alpha=0.3, axis="x")
    return fig


def critics_panels(runs: pd.DataFrame, labels: Sequence[str],
                   colours: Mapping[str, str]) -> Figure:  # fmt: skip
    """Per arm, the critics over time (mean over replications): those who say what they think
    (``public_critics``) and those who keep quiet (``private_critics - public_critics``)."""
    cols = min(2, len(labels))
    rows = math.ceil(len(labels) / cols)
    fig = Figure(figsize=(6.2 * cols, 3.0 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharey=True).ravel()
    for ax, label in zip(axes, labels, strict=False):
        part = runs[runs["arm"] == label].groupby("step")[list(CRITICS)].mean()
        speaking = part["public_critics"].to_numpy(dtype=np.float64)
        silent = part["private_critics"].to_numpy(dtype=np.float64) - speaking
        ax.stackplot(part.index, speaking, silent, colors=[SPEAKING_COLOUR, SILENT_COLOUR],
                     labels=["speaking critics", "silent critics"])  # fmt: skip
        ax.set_title(label, fontsize=10, color=colours.get(label, "black"))
        ax.set_xlabel("week")
        ax.set_ylabel("share of citizens")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="upper right")
    for ax in axes[len(labels) :]:
        ax.set_visible(False)
    return fig


def cutoffs(tiers: Sequence[tuple[str, float]]) -> list[float]:
    """The tiers' lower bounds above the lowest: the cut-offs a score can cross.

    >>> cutoffs([("poor", 350.0), ("fair", 450.0), ("good", 600.0)])
    [450.0, 600.0]
    """
    bounds = sorted(float(low) for _, low in tiers)
    return bounds[1:]


def scores_and_bunching(agents: Mapping[str, pd.DataFrame],
                        tiers: Mapping[str, Sequence[tuple[str, float]]],
                        runs: pd.DataFrame | None,
                        colours: Mapping[str, str]) -> Figure:  # fmt: skip
    """The final score distribution with each arm's tier cut-offs marked (dashed, in the arm's
    colour; grey where every arm has the same), and beside it ``bunching`` over time (mean over
    replications) where the runs carry it."""
    with_bunching = runs is not None and "bunching" in runs.columns
    fig = Figure(figsize=(13 if with_bunching else 8, 3.8), layout="constrained")
    axes = fig.subplots(1, 2 if with_bunching else 1, squeeze=False).ravel()
    figures.draw_score_histogram(axes[0], agents, colours=colours)
    marks = {label: cutoffs(t) for label, t in tiers.items()}
    shared = len({tuple(m) for m in marks.values()}) == 1
    drawn: set[float] = set()
    for label, bounds in marks.items():
        for bound in bounds:
            if shared and bound in drawn:
                continue
            drawn.add(bound)
            colour = "#616161" if shared else colours.get(label, "#616161")
            axes[0].axvline(bound, color=colour, ls="--", lw=1.1)
    axes[0].set_title("Final scores, tier cut-offs dashed", fontsize=11)
    if with_bunching:
        assert runs is not None
        ax = axes[1]
        bands = figures.arm_bands(runs, "bunching")
        for arm in dict.fromkeys(runs["arm"]):
            part = bands[bands["arm"] == arm]
            if part["mean"].notna().any():
                ax.plot(part["step"], part["mean"], color=colours.get(str(arm)), lw=1.4,
                        label=str(arm))  # fmt: skip
        ax.axhline(0.0, color="grey", lw=0.8, ls="--")
        ax.set_title("Bunching just above the cut-offs", fontsize=11)
        ax.set_xlabel("week")
        ax.set_ylabel("above / below a cut-off - 1")
        ax.grid(alpha=0.3)
        if ax.get_lines()[:-1]:
            ax.legend(fontsize=8)
    return fig


def lift_panels(runs: Mapping[str, pd.DataFrame], lift_step: int, weeks: int,
                recovered: Mapping[str, float] | None = None) -> Figure:  # fmt: skip
    """The expressed critical voice around a lift, one panel per case: each case's arm (solid)
    and its control (dashed), mean over replications; the lift and the week the voice is read
    marked. ``runs`` maps a case's title to a two-arm runs table (``treatment``/``control``);
    ``recovered`` adds each case's voice recovered to its title."""
    cols = min(3, len(runs))
    rows = math.ceil(len(runs) / cols)
    fig = Figure(figsize=(4.6 * cols, 3.2 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharey=True).ravel()
    for ax, (title, frame) in zip(axes, runs.items(), strict=False):
        mean = frame.groupby(["arm", "step"])["voice_expressed"].mean()
        for arm, style in (("treatment", "-"), ("control", "--")):
            if arm in mean.index.get_level_values("arm"):
                series = mean.loc[arm]
                ax.plot(series.index, series.to_numpy(), ls=style, lw=1.5,
                        color=figures.ARM_COLOURS[arm], label=arm)  # fmt: skip
        ax.axvline(lift_step, color="black", lw=1.0)
        ax.axvline(lift_step + weeks, color="black", lw=0.8, ls=":")
        value = (recovered or {}).get(title)
        suffix = "" if value is None else f"\nvoice recovered {value:.2f}"
        ax.set_title(f"{title}{suffix}", fontsize=10)
        ax.set_xlabel("week (solid line: lift; dotted: read)")
        ax.set_ylabel("voice expressed (per capita)")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    for ax in axes[len(runs) :]:
        ax.set_visible(False)
    return fig
