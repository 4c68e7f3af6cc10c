"""The HTML report of a calibration folder (``scoresim calibrate``'s output).

Sections: the run (method, stop reason, simulations), epsilon / acceptance / effective sample
size per generation (kept fraction and pass rates per wave for history matching), posterior
marginals against the prior range, posterior pairs, each target's 90% predictive interval
against its observed interval (held-out targets marked as validation), and the tables. The
page is self-contained like the others (:mod:`scoresim.report.html`).
"""

from __future__ import annotations

import html
import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from scoresim.core.errors import ScenarioError
from scoresim.describe.glossary import human_name
from scoresim.describe.systems import describe
from scoresim.report.page import Page, figure_line, img, table, write_atomic

VALIDATION = "#8e44ad"
FITTED = "#c0392b"


def is_calibration(path: Path) -> bool:
    """Whether ``path`` is a calibration folder (it holds ``calibration.json``)."""
    return path.is_dir() and (path / "calibration.json").is_file()


def diagnostics_figure(diag: pd.DataFrame, method: str) -> Figure:
    """Per round: epsilon, acceptance and ESS (abc), or kept fraction and pass rates (history)."""
    fig = Figure(figsize=(12, 3.2), layout="constrained")
    axes = fig.subplots(1, 3)
    x = diag["round"].to_numpy() + 1
    word = "wave" if method == "history" else "generation"
    if method == "abc":
        eps = diag["epsilon"].replace(np.inf, np.nan)
        panels = [("Epsilon (distance threshold)", eps, "RMS standardised error"),
                  ("Acceptance rate", diag["acceptance"], "accepted / proposed"),
                  ("Effective sample size", diag["ess"], "particles")]  # fmt: skip
        for ax, (title, y, unit) in zip(axes, panels, strict=True):
            ax.plot(x, y, "o-", color=FITTED)
            ax.set_title(title, fontsize=10)
            ax.set_ylabel(unit, fontsize=8)
    else:
        axes[0].plot(x, diag["kept_fraction"], "o-", color=FITTED)
        axes[0].set_title("Kept fraction (not ruled out)", fontsize=10)
        axes[0].set_ylim(0, 1.05)
        for col in [c for c in diag.columns if c.startswith("pass:")]:
            axes[1].plot(x, diag[col], "o-", label=human_name(col[5:]))
        axes[1].set_title("Pass rate per target (I < cutoff)", fontsize=10)
        axes[1].set_ylim(0, 1.05)
        axes[1].legend(fontsize=7)
        axes[2].plot(x, diag.get("box_share", pd.Series(np.nan, index=diag.index)), "o-",
                     color=FITTED)  # fmt: skip
        axes[2].set_title("Sampled box, share of the prior box", fontsize=10)
        axes[2].set_yscale("log")
    for ax in axes:
        ax.set_xlabel(word)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    return fig


def _axis(ax: Any, prior: dict[str, Any], which: str = "x") -> None:
    if prior["scale"] == "log":
        getattr(ax, f"set_{which}scale")("log")
    getattr(ax, f"set_{which}lim")(prior["low"], prior["high"])


def marginals_figure(post: pd.DataFrame, priors: dict[str, dict[str, Any]]) -> Figure:
    """Weighted histograms of each parameter over its prior range."""
    cols = min(3, len(priors))
    rows = math.ceil(len(priors) / cols)
    fig = Figure(figsize=(4.2 * cols, 3.0 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, (name, prior) in zip(axes, priors.items(), strict=False):
        lo, hi = prior["low"], prior["high"]
        bins = np.geomspace(lo, hi, 31) if prior["scale"] == "log" else np.linspace(lo, hi, 31)
        if len(post):
            ax.hist(post[name], bins=bins, weights=post["weight"], density=True, color=FITTED,
                    alpha=0.75)  # fmt: skip
        ax.set_title(name, fontsize=10)
        _axis(ax, prior)
        ax.set_ylabel("posterior density", fontsize=8)
        ax.grid(alpha=0.3)
    for ax in axes[len(priors) :]:
        ax.set_visible(False)
    return fig


def pairs_figure(post: pd.DataFrame, priors: dict[str, dict[str, Any]]) -> Figure:
    """Scatter of every pair of parameters (point size by weight), over the prior box."""
    pairs = list(itertools.combinations(priors, 2))
    cols = min(3, len(pairs))
    rows = math.ceil(len(pairs) / cols)
    fig = Figure(figsize=(4.2 * cols, 3.6 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    w = post["weight"].to_numpy(dtype=float) if len(post) else np.array([])
    size = 8 + 60 * w / w.max() if w.size else w
    for ax, (a, b) in zip(axes, pairs, strict=False):
        ax.scatter(post[a], post[b], s=size, alpha=0.5, color=FITTED, lw=0)
        _axis(ax, priors[a], "x")
        _axis(ax, priors[b], "y")
        ax.set_xlabel(a, fontsize=8)
        ax.set_ylabel(b, fontsize=8)
        ax.grid(alpha=0.3)
    for ax in axes[len(pairs) :]:
        ax.set_visible(False)
    return fig


def targets_figure(targets: pd.DataFrame) -> Figure:
    """Per target: the observed interval (grey bar) and the 90% predictive interval."""
    n = len(targets)
    fig = Figure(figsize=(4.0 * min(n, 3), 2.8 * math.ceil(n / 3)), layout="constrained")
    axes = fig.subplots(math.ceil(n / 3), min(n, 3), squeeze=False).ravel()
    for ax, row in zip(axes, targets.to_dict("records"), strict=False):
        held = bool(row["held_out"])
        colour = VALIDATION if held else FITTED
        ax.axvspan(row["observed_low"], row["observed_high"], color="#aab7b8", alpha=0.5,
                   label="observed")  # fmt: skip
        med, lo, hi = row["sim_median"], row["sim_low"], row["sim_high"]
        if math.isfinite(med):
            ax.errorbar([med], [0.5], xerr=[[med - lo], [hi - med]], fmt="o", color=colour,
                        capsize=5, label="simulated (90%)")  # fmt: skip
        verdict = "pass" if bool(row["pass"]) else "miss"
        name = human_name(row["target"]) + (" [held out: validation]" if held else "")
        ax.set_title(f"{name}: {verdict}", fontsize=9, color=colour)
        ax.set_yticks([])
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3, axis="x")
    for ax in axes[n:]:
        ax.set_visible(False)
    if n:
        axes[0].legend(fontsize=7, loc="upper right")
    return fig


def calibration_page(folder: Path) -> Page:
    """The report of one calibration folder."""
    info = json.loads((folder / "calibration.json").read_text())
    post = pd.read_parquet(folder / "posterior.parquet")
    diag = pd.read_parquet(folder / "diagnostics.parquet")
    summary = pd.read_csv(folder / "summary.csv")
    targets = pd.read_csv(folder / "targets.csv")
    method, priors = info["method"], info["parameters"]
    word = "waves" if method == "history" else "generations"
    names = [info["scenario"], *([info["control"]] if info.get("control") else [])]
    line = figure_line([describe(str(n)) for n in names], model=info.get("model"))
    page = Page(f"scoresim report: calibration {info['name']}",
                f"Calibration folder <code>{html.escape(str(folder))}</code> · method "
                f"{html.escape(method)} · scenario {html.escape(str(info['scenario']))} · "
                f"{info['rounds']} {word} · {info['simulations']} simulations · stopped: "
                f"{html.escape(info['stop'])}")  # fmt: skip
    if info.get("description"):
        page.section("Calibration", f"<p>{html.escape(info['description'])}</p>")
    page.section(
        f"Convergence per {word[:-1]}",
        img(diagnostics_figure(diag, method), "diagnostics", line) + table(diag),
    )
    page.section("Posterior marginals", img(marginals_figure(post, priors), "marginals", line)
                 + table(summary) + '<p class="note">Medians and 90% credible intervals; the '
                 "x-axis spans the prior.</p>")  # fmt: skip
    if len(priors) > 1 and len(post):
        page.section("Posterior pairs", img(pairs_figure(post, priors), "pairs", line))
    held = targets[targets["held_out"].astype(bool)]["target"].tolist()
    note = (
        f"Held out (validation, not fitted): {html.escape(', '.join(held))}."
        if held
        else "No target is held out."
    )
    page.section("Targets: observed against simulated",
                 img(targets_figure(targets), "targets", line) + table(targets)
                 + '<p class="note">Grey: the observed interval. Points and '
                 "bars: median and 90% interval of fresh simulations at posterior draws. A "
                 f"target passes when the two intervals meet. {note}</p>")  # fmt: skip
    sources = pd.DataFrame([{"target": t["name"], "metric": t["metric"],
                             "steps": f"{t['first']}-{t['last']}", "source": t["source"],
                             "note": t["note"]} for t in info["targets"]])  # fmt: skip
    page.section("Target definitions", table(sources))
    source = (folder / "calibration.toml").read_text()
    page.section("Calibration file", f"<pre>{html.escape(source)}</pre>")
    return page


def write_calibration_report(path: str | Path, out: str | Path | None = None) -> Path:
    """Write the HTML report of a calibration folder (default ``<folder>/report.html``),
    atomically (a temporary file renamed into place)."""
    folder = Path(path)
    out = Path(out) if out is not None else folder / "report.html"
    if out.is_dir():
        raise ScenarioError(f"{out}: is a folder; --out names the HTML file to write")
    try:
        text = calibration_page(folder).render()
    except (OSError, ValueError, KeyError) as exc:
        raise ScenarioError(f"{folder}: damaged calibration folder ({exc.__class__.__name__}: "
                            f"{exc})") from None  # fmt: skip
    return write_atomic(out, text)
