"""Figures of the report, drawn with matplotlib (Agg, no pyplot state) and returned as PNG data
URIs, so the HTML page carries its images inside it.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from scoresim.report.network import snowball_sample, spring_layout

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
ARM_COLOURS = {"treatment": "#c0392b", "control": "#2471a3", "run": "#c0392b"}


def to_data_uri(fig: Figure) -> str:
    """A figure as a ``data:image/png;base64,...`` URI.

    Examples
    --------
    >>> fig = Figure(figsize=(1, 1)); _ = fig.add_subplot().plot([0, 1])
    >>> to_data_uri(fig).startswith("data:image/png;base64,")
    True
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def arm_bands(runs: pd.DataFrame, metric: str, level: float = 0.95) -> pd.DataFrame:
    """Per arm and step: mean over replications and its Student-t interval (NaN-safe).

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
    out["low"], out["high"] = out["mean"] - half, out["mean"] + half
    return out[["arm", "step", "mean", "low", "high", "n"]]


def timeseries(runs: pd.DataFrame, metrics: Sequence[str] | None = None) -> Figure:
    """Key metrics over time, one panel each; a line per arm with its 95% band.

    ``runs`` has columns ``arm``, ``replication``, ``step`` and the metrics (a single run is
    one arm with one replication: no band).
    """
    metrics = [m for m in (metrics or KEY_METRICS) if m in runs.columns]
    cols = 3
    rows = math.ceil(len(metrics) / cols)
    fig = Figure(figsize=(4.2 * cols, 2.8 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, metric in zip(axes, metrics, strict=False):
        bands = arm_bands(runs, metric)
        for arm, part in bands.groupby("arm", sort=False):
            colour = ARM_COLOURS.get(str(arm))
            ax.plot(part["step"], part["mean"], color=colour, lw=1.4, label=str(arm))
            if part["n"].max() >= 2:
                ax.fill_between(part["step"], part["low"], part["high"], color=colour,
                                alpha=0.25, lw=0)  # fmt: skip
        title, unit = KEY_METRICS.get(metric, (metric, ""))
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
    frame = metrics.groupby("step")[[f"tier_{t}" for t in tiers]].mean().fillna(0.0)
    fig = Figure(figsize=(8, 3.6), layout="constrained")
    ax = fig.add_subplot()
    colours = _tier_colours(len(tiers))
    ax.stackplot(frame.index, *(frame[f"tier_{t}"] for t in tiers), labels=list(tiers),
                 colors=colours, alpha=0.9)  # fmt: skip
    ax.set_title(title, fontsize=11)
    ax.set_xlabel("week")
    ax.set_ylabel("share of enrolled citizens")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left", fontsize=8, ncol=len(tiers))
    ax.grid(alpha=0.3)
    return fig


def score_histogram(agents: Mapping[str, pd.DataFrame], bins: int = 40) -> Figure:
    """Final scores of enrolled citizens, one histogram per labelled agents table."""
    fig = Figure(figsize=(8, 3.6), layout="constrained")
    ax = fig.add_subplot()
    drawn = False
    for label, frame in agents.items():
        scores = frame.loc[frame["enrolled"].astype(bool), "score"].to_numpy(dtype=float)
        if scores.size:
            ax.hist(scores, bins=bins, alpha=0.7, label=f"{label} ({scores.size:,} enrolled)",
                    color=ARM_COLOURS.get(label))  # fmt: skip
            drawn = True
    if not drawn:
        ax.text(0.5, 0.5, "nobody enrolled", ha="center", va="center", transform=ax.transAxes)
    ax.set_title("Final score distribution (enrolled citizens)", fontsize=11)
    ax.set_xlabel("score (points)")
    ax.set_ylabel("citizens")
    if drawn:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


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


def lorenz(agents: Mapping[str, pd.DataFrame]) -> Figure:
    """Lorenz curves of final wealth, one per labelled agents table, with the equality line."""
    fig = Figure(figsize=(5, 4.6), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--", label="perfect equality")
    for label, frame in agents.items():
        x, y = lorenz_points(frame["wealth"].to_numpy())
        ax.plot(x, y, lw=1.6, label=label, color=ARM_COLOURS.get(label))
    ax.set_title("Lorenz curves of final wealth", fontsize=11)
    ax.set_xlabel("share of citizens, poorest first")
    ax.set_ylabel("share of total wealth")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def network(
    panels: Mapping[str, tuple[pd.DataFrame, pd.DataFrame]], tiers: Sequence[str],
    size: int = 300, seed: int = 0,
) -> Figure:  # fmt: skip
    """A snowball sample of each final friendship graph, nodes coloured by tier.

    ``panels`` maps a label to (agents, edges) tables of one run; every panel grows its sample
    from the same start nodes, so paired runs show largely the same citizens.
    """
    fig = Figure(figsize=(6 * len(panels), 6), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False).ravel()
    colours = dict(zip(tiers, _tier_colours(len(tiers)), strict=True))
    for ax, (label, (agents, edges)) in zip(axes, panels.items(), strict=True):
        n = len(agents)
        nodes, a, b = snowball_sample(n, edges["src"].to_numpy(), edges["dst"].to_numpy(),
                                      size=size, seed=seed)  # fmt: skip
        pos = spring_layout(nodes.size, a, b, seed=seed)
        segments = np.stack([pos[a], pos[b]], axis=1)
        ax.add_collection(LineCollection(segments, colors="#999999", linewidths=0.4, alpha=0.6,
                                         zorder=1))  # fmt: skip
        tier = agents["tier"].to_numpy(dtype=object, na_value=None)[nodes]
        groups = [("not enrolled", "#bbbbbb", np.array([v is None for v in tier], dtype=bool))]
        groups += [(t, colours[t], np.array([v == t for v in tier], dtype=bool)) for t in tiers]
        for name, colour, mask in groups:
            mask = np.asarray(mask, dtype=bool)
            if mask.any():
                ax.scatter(pos[mask, 0], pos[mask, 1], s=18, color=colour, label=name,
                           edgecolors="black", linewidths=0.3, zorder=2)  # fmt: skip
        ax.set_title(f"{label}: {nodes.size} of {n:,} citizens, {a.size} friendships",
                     fontsize=10)  # fmt: skip
        ax.set_xticks([])
        ax.set_yticks([])
        ax.legend(fontsize=7, loc="lower left")
    return fig


def outcome_scatter(runs: pd.DataFrame, parameters: Sequence[str],
                    outcomes: Sequence[str]) -> Figure:  # fmt: skip
    """Each outcome against each varied parameter, one point per finished run."""
    done = runs[runs["status"] == "done"]
    fig = Figure(figsize=(3.6 * len(parameters), 2.9 * len(outcomes)), layout="constrained")
    axes = fig.subplots(len(outcomes), len(parameters), squeeze=False)
    rng = np.random.default_rng(0)
    for i, outcome in enumerate(outcomes):
        for j, param in enumerate(parameters):
            ax = axes[i, j]
            x = done[param]
            if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
                xs = x.to_numpy(dtype=float)
            else:
                levels = sorted(x.astype(str).unique())
                xs = x.astype(str).map({v: k for k, v in enumerate(levels)}).to_numpy(float)
                xs = xs + rng.uniform(-0.08, 0.08, xs.size)
                ax.set_xticks(range(len(levels)), levels, fontsize=8)
            ax.scatter(xs, done[outcome].to_numpy(dtype=float), s=12, alpha=0.7, color="#2471a3")
            ax.set_xlabel(param)
            ax.set_ylabel(outcome)
            ax.grid(alpha=0.3)
    fig.suptitle("Outcomes against parameters (one point per finished run)", fontsize=11)
    return fig


def sensitivity_bars(table: pd.DataFrame, method: str) -> Figure:
    """Sobol S1/ST (or Morris mu*) per parameter with 95% interval half-widths, per outcome."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    fig = Figure(figsize=(8, 2.8 * len(outcomes)), layout="constrained")
    axes = fig.subplots(len(outcomes), 1, squeeze=False).ravel()
    for ax, outcome in zip(axes, outcomes, strict=True):
        part = table[table["outcome"] == outcome]
        y = np.arange(len(part))
        if method == "sobol":
            ax.barh(y - 0.2, part["S1"], 0.4, xerr=part["S1_conf"], label="first order S1",
                    color="#2471a3")  # fmt: skip
            ax.barh(y + 0.2, part["ST"], 0.4, xerr=part["ST_conf"], label="total ST",
                    color="#c0392b")  # fmt: skip
            ax.set_xlabel("Sobol index (share of outcome variance)")
        else:
            ax.barh(y, part["mu_star"], 0.5, xerr=part["mu_star_conf"], label="mu*",
                    color="#2471a3")  # fmt: skip
            ax.set_xlabel(f"Morris mu* (mean |elementary effect|, units of {outcome})")
        ax.set_yticks(y, list(part["parameter"]), fontsize=8)
        ax.set_title(outcome, fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, axis="x")
    return fig


def _tier_colours(n: int) -> list[tuple[float, float, float, float]]:
    from matplotlib import colormaps

    cmap = colormaps["RdYlGn"]
    return [cmap(0.1 + 0.8 * i / max(n - 1, 1)) for i in range(n)]
