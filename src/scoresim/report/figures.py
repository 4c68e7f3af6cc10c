"""Figures of the report, drawn with matplotlib (Agg, no pyplot state) and returned as PNG data
URIs, so the HTML page carries its images inside it.

A figure of several arms draws them on the same axes; ``colours`` maps each arm's label to its
system's colour (:func:`scoresim.describe.systems.system_colours`), so a system keeps one colour
throughout.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from scoresim.describe.palette import tier_colours
from scoresim.experiments.headline_view import estimate_cell
from scoresim.experiments.quantities import metric_quantity
from scoresim.experiments.support import MIN_GROUP
from scoresim.report.network import snowball_sample, spring_layout
from scoresim.report.stamp import png

#: Key metrics of the time-series figure: column -> (title, y-axis label with unit).
KEY_METRICS: dict[str, tuple[str, str]] = {
    "adoption": ("Enrolled", "share of citizens"),
    "critical_posts": ("Critical posts", "posts per capita per week"),
    "loyal_posts": ("Loyal posts", "posts per capita per week"),
    "falsification_gap": ("Falsification gap", "private - expressed dissent (0 to 1)"),
    "pluralistic_ignorance": ("Pluralistic ignorance", "perceived - actual dissent (0 to 1)"),
    "sanctioned": ("Sanctioned", "share of citizens per week"),
    "isolated": ("Isolated (no friends)", "share of citizens"),
    "employment": ("Employment", "share employed"),
    "employment_poor": ("Employment, lowest tier", "share employed"),
    "wealth_gini": ("Wealth inequality", "Gini coefficient (0 to 1)"),
    "score_mean": ("Mean score", "score points (enrolled)"),
    "score_dissent_corr": ("Score-dissent correlation", "Pearson r (enrolled)"),
}
#: Metrics of model v2's mechanisms: drawn only where some arm has a non-zero value.
OPTIONAL_METRICS: dict[str, tuple[str, str]] = {
    "listed": ("Listed (blacklist)", "share of citizens"),
    "ever_listed": ("Ever listed (blacklist)", "share of citizens"),
    "employment_listed": ("Employment, listed", "share employed among the listed"),
    "perk_share": ("Perks", "share of citizens in a tier with perks"),
    "offences_registered": ("Registered offences", "per capita per week"),
    "deeds_registered": ("Registered good deeds", "per capita per week"),
}
ARM_COLOURS = {"treatment": "#c0392b", "control": "#2471a3", "run": "#c0392b"}


def drawn_metrics(runs: pd.DataFrame) -> list[str]:
    """The key metrics present in ``runs``, then the optional ones that are not all zero/NaN.

    Examples
    --------
    >>> drawn_metrics(pd.DataFrame({"adoption": [0.0], "listed": [0.0], "perk_share": [0.2]}))
    ['adoption', 'perk_share']
    """
    keys = [m for m in KEY_METRICS if m in runs.columns]
    for m in OPTIONAL_METRICS:
        if m in runs.columns:
            v = runs[m].to_numpy(dtype=np.float64)
            if np.any(np.isfinite(v) & (v != 0)):
                keys.append(m)
    return keys


def _title(metric: str) -> tuple[str, str]:
    return KEY_METRICS.get(metric) or OPTIONAL_METRICS.get(metric) or (metric, "")


def to_data_uri(fig: Figure, caveat: str) -> str:
    """A figure as a ``data:image/png;base64,...`` URI, stamped with its caveat
    (:func:`scoresim.report.stamp.png`).

    Examples
    --------
    >>> fig = Figure(figsize=(1, 1)); _ = fig.add_subplot().plot([0, 1])
    >>> to_data_uri(fig, "counterfactual").startswith("data:image/png;base64,")
    True
    """
    return "data:image/png;base64," + base64.b64encode(png(fig, caveat)).decode("ascii")


def arm_bands(runs: pd.DataFrame, metric: str, level: float = 0.95) -> pd.DataFrame:
    """Per arm and step: mean over replications and its Student-t interval (NaN-safe), the
    interval clipped to the metric's range (a share's band stays within [0, 1]:
    :func:`~scoresim.experiments.quantities.metric_quantity`).

    Examples
    --------
    >>> runs = pd.DataFrame({"arm": ["t"] * 2, "replication": [0, 1], "step": [1, 1],
    ...                      "x": [1.0, 3.0]})
    >>> arm_bands(runs, "x")[["arm", "step", "mean", "n"]].to_dict("records")
    [{'arm': 't', 'step': 1, 'mean': 2.0, 'n': 2}]
    """
    from scipy import stats

    g = runs.groupby(["arm", "step"])[metric]
    out = pd.DataFrame({"mean": g.mean(), "sd": g.std(ddof=1), "n": g.count()}).reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        df = np.where(out["n"] >= 2, out["n"] - 1, np.nan)
        half = stats.t.ppf(0.5 + level / 2, df) * out["sd"] / np.sqrt(out["n"])
    bounds = metric_quantity(metric)
    out["low"] = (out["mean"] - half).clip(lower=bounds.low, upper=bounds.high)
    out["high"] = (out["mean"] + half).clip(lower=bounds.low, upper=bounds.high)
    return out[["arm", "step", "mean", "low", "high", "n"]]


def timeseries(runs: pd.DataFrame, metrics: Sequence[str] | None = None,
               colours: Mapping[str, str] | None = None) -> Figure:  # fmt: skip
    """Key metrics over time, one panel each; a line per arm with its 95% band.

    ``runs`` has columns ``arm``, ``replication``, ``step`` and the metrics (a single run is
    one arm with one replication: no band). Default metrics: :func:`drawn_metrics`.
    """
    colours = colours or ARM_COLOURS
    metrics = [m for m in (metrics or drawn_metrics(runs)) if m in runs.columns]
    alpha = 0.25 if runs["arm"].nunique() <= 2 else 0.15
    cols = 3
    rows = math.ceil(len(metrics) / cols)
    fig = Figure(figsize=(4.2 * cols, 2.8 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, metric in zip(axes, metrics, strict=False):
        bands = arm_bands(runs, metric)
        for arm in dict.fromkeys(runs["arm"]):  # the arms in their order, not sorted by name
            part = bands[bands["arm"] == arm]
            colour = colours.get(str(arm))
            ax.plot(part["step"], part["mean"], color=colour, lw=1.4, label=str(arm))
            if part["n"].max() >= 2:
                ax.fill_between(part["step"], part["low"], part["high"], color=colour,
                                alpha=alpha, lw=0)  # fmt: skip
        title, unit = _title(metric)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("week")
        ax.set_ylabel(unit, fontsize=8)
        ax.grid(alpha=0.3)
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    if runs["arm"].nunique() > 1:
        axes[0].legend(fontsize=8)
    return fig


def tier_shares(metrics: pd.DataFrame, tiers: Sequence[str], title: str) -> Figure:
    """Stacked shares of the tiers among enrolled citizens over time (mean over replications)."""
    fig = Figure(figsize=(8, 3.6), layout="constrained")
    _stack_tiers(fig.add_subplot(), metrics, tiers, title)
    return fig


def tier_panels(panels: Mapping[str, tuple[pd.DataFrame, Sequence[str]]],
                colours: Mapping[str, str]) -> Figure:  # fmt: skip
    """:func:`tier_shares` of several arms, one panel each (each system has its own tiers),
    the panel titles in the systems' colours."""
    cols = min(2, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig = Figure(figsize=(6.2 * cols, 3.4 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, (label, (metrics, tiers)) in zip(axes, panels.items(), strict=False):
        _stack_tiers(ax, metrics, tiers, label)
        ax.title.set_color(colours.get(label, "black"))
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    return fig


def _stack_tiers(ax: Axes, metrics: pd.DataFrame, tiers: Sequence[str], title: str) -> None:
    frame = metrics.groupby("step")[[f"tier_{t}" for t in tiers]].mean().fillna(0.0)
    colours = _tier_colours(len(tiers))
    ax.stackplot(frame.index, *(frame[f"tier_{t}"] for t in tiers), labels=list(tiers),
                 colors=colours, alpha=0.9)  # fmt: skip
    ax.set_title(title, fontsize=11)
    ax.set_xlabel("week")
    ax.set_ylabel("share of enrolled citizens")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left", fontsize=8, ncol=len(tiers))
    ax.grid(alpha=0.3)


def score_histogram(agents: Mapping[str, pd.DataFrame], bins: int = 40,
                    colours: Mapping[str, str] | None = None) -> Figure:  # fmt: skip
    """Final scores of enrolled citizens, one histogram per labelled agents table (outlines
    on shared bins when more than two are drawn)."""
    fig = Figure(figsize=(8, 3.6), layout="constrained")
    draw_score_histogram(fig.add_subplot(), agents, bins, colours)
    return fig


def draw_score_histogram(ax: Axes, agents: Mapping[str, pd.DataFrame], bins: int = 40,
                         colours: Mapping[str, str] | None = None) -> None:  # fmt: skip
    """:func:`score_histogram` drawn on ``ax``."""
    colours = colours or ARM_COLOURS
    scored = {label: frame.loc[frame["enrolled"].astype(bool), "score"].to_numpy(dtype=float)
              for label, frame in agents.items()}  # fmt: skip
    scored = {label: v for label, v in scored.items() if v.size}
    drawn = bool(scored)
    if len(scored) > 2:
        edges = np.histogram_bin_edges(np.concatenate(list(scored.values())), bins=bins)
        for label, scores in scored.items():
            ax.hist(scores, bins=edges, histtype="step", lw=1.6, color=colours.get(label),
                    label=f"{label} ({scores.size:,} enrolled)")  # fmt: skip
    else:
        for label, scores in scored.items():
            ax.hist(scores, bins=bins, alpha=0.7, label=f"{label} ({scores.size:,} enrolled)",
                    color=colours.get(label))  # fmt: skip
    if not drawn:
        ax.text(0.5, 0.5, "nobody enrolled", ha="center", va="center", transform=ax.transAxes)
    ax.set_title("Final score distribution (enrolled citizens)", fontsize=11)
    ax.set_xlabel("score (points)")
    ax.set_ylabel("citizens")
    if drawn:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)


def lorenz_points(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lorenz curve: cumulative population share and cumulative share of the total.

    Examples
    --------
    >>> x, y = lorenz_points(np.array([1.0, 1.0, 2.0]))
    >>> x.tolist(), y.tolist()
    ([0.0, 0.3333333333333333, 0.6666666666666666, 1.0], [0.0, 0.25, 0.5, 1.0])
    """
    v = np.sort(np.asarray(values, dtype=np.float64))
    total = v.sum()
    y = np.concatenate([[0.0], np.cumsum(v) / (total if total != 0 else 1.0)])
    x = np.linspace(0.0, 1.0, v.size + 1)
    return x, y


def lorenz(agents: Mapping[str, pd.DataFrame], colours: Mapping[str, str] | None = None,
           control: str | None = None) -> Figure:  # fmt: skip
    """Lorenz curves of final wealth, one per labelled agents table, each with its Gini in the
    legend. With a ``control`` among the labels, a second panel shows what differs: each arm's
    curve minus the control's (curves that coincide on the first panel part there)."""
    from scoresim.metrics import gini

    colours = colours or ARM_COLOURS
    others = [label for label in agents if label != control] if control in agents else []
    fig = Figure(figsize=(10 if others else 5, 4.6), layout="constrained")
    axes = fig.subplots(1, 2 if others else 1, squeeze=False).ravel()
    ax = axes[0]
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--", label="perfect equality")
    grid = np.linspace(0.0, 1.0, 201)
    curves = {}
    for label, frame in agents.items():
        wealth = frame["wealth"].to_numpy(dtype=np.float64)
        x, y = lorenz_points(wealth)
        curves[label] = np.interp(grid, x, y)
        ax.plot(x, y, lw=1.6, label=f"{label} (Gini {gini(wealth):.3f})", color=colours.get(label))
    ax.set_title("Lorenz curves of final wealth", fontsize=11)
    ax.set_xlabel("share of citizens, poorest first")
    ax.set_ylabel("share of total wealth")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    if others:
        diff = axes[1]
        diff.axhline(0.0, color=colours.get(control, "grey"), lw=1, ls="--", label=control)
        for label in others:
            diff.plot(grid, 100 * (curves[label] - curves[control]), lw=1.6, label=label,
                      color=colours.get(label))  # fmt: skip
        diff.set_title(f"Difference from {control}'s curve", fontsize=11)
        diff.set_xlabel("share of citizens, poorest first")
        diff.set_ylabel("percentage points of total wealth")
        diff.legend(fontsize=8)
        diff.grid(alpha=0.3)
    return fig


def network(
    panels: Mapping[str, tuple[pd.DataFrame, pd.DataFrame]],
    tiers: Sequence[str] | Mapping[str, Sequence[str]],
    size: int = 300, seed: int = 0, titles: Mapping[str, str] | None = None,
) -> Figure:  # fmt: skip
    """A snowball sample of each final friendship graph, nodes coloured by tier.

    ``panels`` maps a label to (agents, edges) tables of one run; every panel grows its sample
    from the same start nodes, so paired runs show largely the same citizens. Up to three
    panels a row; ``titles`` colours each panel's title (a system's colour). ``tiers`` are the
    tier names from lowest to highest, or a mapping label -> tier names when the systems differ.
    """
    cols = min(3, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig = Figure(figsize=(6 * cols, 6 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    for ax, (label, (agents, edges)) in zip(axes, panels.items(), strict=False):
        n = len(agents)
        nodes, a, b = snowball_sample(n, edges["src"].to_numpy(), edges["dst"].to_numpy(),
                                      size=size, seed=seed)  # fmt: skip
        pos = spring_layout(nodes.size, a, b, seed=seed)
        segments = np.stack([pos[a], pos[b]], axis=1)
        ax.add_collection(LineCollection(segments, colors="#999999", linewidths=0.4, alpha=0.6,
                                         zorder=1))  # fmt: skip
        tier = agents["tier"].to_numpy(dtype=object, na_value=None)[nodes]
        own = list(tiers[label]) if isinstance(tiers, Mapping) else list(tiers)
        colours = dict(zip(own, _tier_colours(len(own)), strict=True))
        groups = [("not enrolled", "#bbbbbb", np.array([v is None for v in tier], dtype=bool))]
        groups += [(t, colours[t], np.array([v == t for v in tier], dtype=bool)) for t in own]
        for name, colour, mask in groups:
            mask = np.asarray(mask, dtype=bool)
            if mask.any():
                ax.scatter(pos[mask, 0], pos[mask, 1], s=18, color=colour, label=name,
                           edgecolors="black", linewidths=0.3, zorder=2)  # fmt: skip
        if "listed" in agents.columns:  # model v2: the blacklist's listed citizens
            listed = agents["listed"].to_numpy(dtype=bool)[nodes]
            if listed.any():
                ax.scatter(pos[listed, 0], pos[listed, 1], s=40, marker="x", color="black",
                           linewidths=1.0, label="listed", zorder=3)  # fmt: skip
        ax.set_title(f"{label}: {nodes.size} of {n:,} citizens, {a.size} friendships",
                     fontsize=10, color=(titles or {}).get(label, "black"))  # fmt: skip
        ax.set_xticks([])
        ax.set_yticks([])
        ax.legend(fontsize=7, loc="lower left")
    return fig


def headline_forest(headline: pd.DataFrame, colours: Mapping[str, str],
                    min_group: int = MIN_GROUP) -> Figure:  # fmt: skip
    """The headline effects of several arms: one panel per effect, a point and its 95% interval
    per arm (the arms in the same order and colour in every panel), a line at no effect; a
    suppressed effect says "too few (n = ...)" in its row."""
    effects = list(dict.fromkeys(headline["effect"]))
    arms = list(dict.fromkeys(headline["arm"]))
    cols = 2
    rows = math.ceil(len(effects) / cols)
    fig = Figure(figsize=(6.2 * cols, 0.5 + (0.38 * len(arms) + 0.9) * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, effect in zip(axes, effects, strict=False):
        part = headline[headline["effect"] == effect].set_index("arm")
        for y, arm in enumerate(arms):
            if arm not in part.index:
                continue
            if not np.isfinite(part.loc[arm, "estimate"]):
                ax.text(0.02, y, estimate_cell(part.loc[arm].to_dict() | {"effect": effect},
                                               min_group),
                        va="center", fontsize=7, color=colours.get(arm),
                        transform=ax.get_yaxis_transform())  # fmt: skip
                continue
            row = part.loc[arm]
            est, low, high = (float(row[k]) for k in ("estimate", "ci_low", "ci_high"))
            err = None if not np.isfinite(low) else [[est - low], [high - est]]
            ax.errorbar([est], [y], xerr=err, fmt="o", color=colours.get(arm), capsize=3,
                        ms=5, lw=1.4)  # fmt: skip
        ax.axvline(0.0, color="grey", lw=0.8, ls="--")
        ax.set_yticks(range(len(arms)), arms, fontsize=8)
        ax.set_ylim(len(arms) - 0.5, -0.5)
        ax.set_title(effect, fontsize=10)
        ax.grid(alpha=0.3, axis="x")
    for ax in axes[len(effects) :]:
        ax.set_visible(False)
    return fig


def _tier_colours(n: int) -> list[str]:
    """The tiers' colours, red (lowest) to green, as the dashboard draws them."""
    return tier_colours(n)
