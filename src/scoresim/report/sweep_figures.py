"""Figures of the sweep report: outcomes against parameters, and sensitivity indices."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from scoresim.describe.glossary import human_name


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
            ax.set_xlabel(param)  # a field path, as the user types it
            ax.set_ylabel(human_name(outcome))
            ax.grid(alpha=0.3)
    fig.suptitle("Outcomes against parameters (one point per finished run)", fontsize=11)
    return fig


def sensitivity_bars(table: pd.DataFrame, method: str) -> Figure:
    """Sobol S1/ST, Morris mu*, SRC or PRCC per parameter with its 95% interval, per outcome."""
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
        elif method == "morris":
            ax.barh(y, part["mu_star"], 0.5, xerr=part["mu_star_conf"], label="mu*",
                    color="#2471a3")  # fmt: skip
            ax.set_xlabel(f"Morris mu* (mean |elementary effect|, units of {human_name(outcome)})")
        else:
            name = method.upper()
            value = part[name].to_numpy(dtype=float)
            error = np.abs([value - part[f"{name}_low"].to_numpy(dtype=float),
                            part[f"{name}_high"].to_numpy(dtype=float) - value])  # fmt: skip
            ax.barh(y, value, 0.5, xerr=error, label=f"{name} (R2 {part['R2'].iloc[0]:.2f})",
                    color="#2471a3")  # fmt: skip
            ax.axvline(0.0, color="grey", lw=0.6)
            ax.set_xlabel("partial rank correlation" if method == "prcc"
                          else "standardised regression coefficient")  # fmt: skip
        ax.set_yticks(y, list(part["parameter"]), fontsize=8)
        ax.set_title(human_name(outcome), fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, axis="x")
    return fig
