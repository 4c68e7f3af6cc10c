"""The calibration folder: posterior, summaries, predictive check, calibrated scenario.

Files
-----
``posterior.parquet``   one column per parameter, ``weight`` and ``generation`` (history: the
                        last wave's kept points, weight 1, generation = wave)
``summary.csv``         ``parameter, prior_low, prior_high, median, ci_low, ci_high`` (90%)
``targets.csv``         ``target, observed_low, observed_high, sim_median, sim_low, sim_high,
                        held_out, pass``: fresh simulations at posterior draws, 90% predictive
                        intervals; ``pass`` when the predictive interval meets the observed one
``calibrated.toml``     the scenario at the posterior median (it runs as it is)
``diagnostics.parquet`` per wave or generation: epsilon, acceptance, ESS, simulations, kept
                        fraction (history: each target's pass rate, the box sampled)
``calibration.json``    what ran: method, stop reason, counts, priors and targets (the report
                        reads it)
``calibration.toml``    the calibration file as given
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoresim.calibration.abc import AbcResult, weighted_quantile
from scoresim.calibration.evaluate import STAGES, derive
from scoresim.calibration.history import HistoryResult
from scoresim.calibration.spec import CalibrationSpec
from scoresim.core.version import version
from scoresim.results.folders import atomic_folder
from scoresim.scenario.versions import code_identity

CI = (0.05, 0.95)


def posterior_frame(spec: CalibrationSpec, result: AbcResult | HistoryResult) -> pd.DataFrame:
    """The final population (ABC) or the last wave's kept points (history)."""
    names = spec.space.names
    if isinstance(result, AbcResult):
        pop = result.final
        if pop is None:
            return pd.DataFrame(columns=[*names, "weight", "generation"])
        z, w, g = pop.z, pop.weights, pop.generation
    else:
        wave = result.final
        if wave is None or not wave.kept.any():
            return pd.DataFrame(columns=[*names, "weight", "generation"])
        z, g = wave.z[wave.kept], wave.wave
        w = np.ones(len(z))
    rows = [spec.space.values(row) for row in z]
    frame = pd.DataFrame(rows, columns=names).astype("float64")
    return frame.assign(weight=w, generation=np.int64(g))


def summary_frame(spec: CalibrationSpec, posterior: pd.DataFrame) -> pd.DataFrame:
    """Weighted posterior median and 90% credible interval of each parameter."""
    rows = []
    for p in spec.space.priors:
        if len(posterior):
            x, w = posterior[p.name].to_numpy(), posterior["weight"].to_numpy()
            med, lo, hi = (weighted_quantile(x, w, q) for q in (0.5, *CI))
        else:
            med = lo = hi = math.nan
        rows.append({"parameter": p.name, "prior_low": p.low, "prior_high": p.high,
                     "median": med, "ci_low": lo, "ci_high": hi})  # fmt: skip
    return pd.DataFrame(rows)


def check_draws(spec: CalibrationSpec, posterior: pd.DataFrame, n: int,
                round_: int) -> list[dict[str, Any]]:  # fmt: skip
    """``n`` posterior draws by weight for the predictive check; draw i comes from its own
    generator seeded by (seed, check, round, i), so a draw never changes with ``n``."""
    if not len(posterior):
        return []
    cum = np.cumsum(posterior["weight"].to_numpy(dtype=np.float64))
    columns = {p.name: posterior[p.name].to_numpy(dtype=np.float64) for p in spec.space.priors}
    draws = []
    for i in range(n):
        u = np.random.default_rng(derive(spec.seed, STAGES["check"], round_, i)).random()
        j = min(int(np.searchsorted(cum, u * cum[-1])), len(cum) - 1)
        draws.append({p.name: round(columns[p.name][j]) if p.integer else float(columns[p.name][j])
                      for p in spec.space.priors})  # fmt: skip
    return draws


def targets_frame(spec: CalibrationSpec, values: np.ndarray) -> pd.DataFrame:
    """The predictive check: ``values[draw, k]`` from fresh simulations at posterior draws."""
    rows = []
    for k, t in enumerate(spec.targets):
        col = values[:, k] if values.size else np.array([])
        col = col[np.isfinite(col)]
        if col.size:
            lo, med, hi = np.quantile(col, [CI[0], 0.5, CI[1]])
            ok = bool(lo <= t.high and hi >= t.low)
        else:
            lo = med = hi = math.nan
            ok = False
        rows.append({"target": t.name, "observed_low": t.low, "observed_high": t.high,
                     "sim_median": float(med), "sim_low": float(lo), "sim_high": float(hi),
                     "held_out": t.held_out, "pass": ok})  # fmt: skip
    return pd.DataFrame(rows)


def diagnostics_frame(spec: CalibrationSpec, result: AbcResult | HistoryResult) -> pd.DataFrame:
    """Per wave or generation: epsilon, acceptance, ESS, simulations, kept fraction."""
    rows: list[dict[str, Any]] = []
    if isinstance(result, AbcResult):
        for pop in result.populations:
            rows.append({"round": pop.generation, "epsilon": pop.epsilon,
                         "acceptance": pop.acceptance, "ess": pop.ess,
                         "simulations": pop.simulations, "kept_fraction": math.nan})  # fmt: skip
    else:
        cutoff = spec.budget.cutoff
        for wave in result.waves:
            row = {
                "round": wave.wave,
                "epsilon": math.nan,
                "acceptance": wave.kept_fraction,
                "ess": float(wave.kept.sum()),
                "simulations": wave.simulations,
                "kept_fraction": wave.kept_fraction,
                "box_share": float(
                    np.prod((wave.high - wave.low) / (spec.space.z_high - spec.space.z_low))
                ),
            }
            row.update(
                {
                    f"pass:{t.name}": float(r)
                    for t, r in zip(spec.targets, wave.pass_rate(cutoff), strict=True)
                }
            )
            row.update({f"low:{k}": v for k, v in spec.space.values(wave.low).items()})
            row.update({f"high:{k}": v for k, v in spec.space.values(wave.high).items()})
            rows.append(row)  # fmt: skip
    frame = pd.DataFrame(rows)
    if frame.empty:
        frame = pd.DataFrame(columns=["round", "epsilon", "acceptance", "ess", "simulations",
                                      "kept_fraction"])  # fmt: skip
    return frame.astype({"round": "int64", "simulations": "int64"})


def calibrated_toml(spec: CalibrationSpec, summary: pd.DataFrame, method: str) -> str:
    """The scenario at the posterior medians, with a header naming the calibration."""
    values = {}
    for p, med in zip(spec.space.priors, summary["median"], strict=True):
        if math.isfinite(med):
            values[p.name] = round(med) if p.integer else float(med)
    scenario = spec.base.with_overrides(values) if values else spec.base
    lines = [f"# Calibrated by `scoresim calibrate` ({spec.name}, method {method}, seed "
             f"{spec.seed}, scoresim {version()}).",
             "# Posterior medians: " + (", ".join(f"{k} = {v:.6g}" for k, v in values.items())
                                         or "none (no posterior)"),
             "# Runs as it is: scoresim run calibrated.toml", ""]  # fmt: skip
    return "\n".join(lines) + scenario.to_toml()


def write_folder(folder: Path, spec: CalibrationSpec, method: str,
                 result: AbcResult | HistoryResult, checks: np.ndarray,
                 info: dict[str, Any]) -> dict[str, pd.DataFrame]:  # fmt: skip
    """Write the calibration folder atomically; returns the tables written."""
    posterior = posterior_frame(spec, result)
    summary = summary_frame(spec, posterior)
    targets = targets_frame(spec, checks)
    diagnostics = diagnostics_frame(spec, result)
    meta = {
        **code_identity([spec.base, *([spec.control] if spec.control else [])]),
        "kind": "calibration", "name": spec.name, "method": method,
        "description": spec.description, "scenario": spec.base.name,
        "control": spec.control.name if spec.control else None, "seed": spec.seed,
        "replications": spec.replications, "stop": result.stop,
        "rounds": len(diagnostics), "posterior_size": len(posterior), "checks": len(checks),
        "parameters": {p.name: {"low": p.low, "high": p.high,
                                "scale": "log" if p.log else "linear"}
                       for p in spec.space.priors},
        "targets": [{"name": t.name, "metric": t.expression.text, "first": t.first,
                     "last": t.last, "low": t.low, "high": t.high, "source": t.source,
                     "note": t.note, "held_out": t.held_out} for t in spec.targets],
        **info,
    }  # fmt: skip
    with atomic_folder(folder) as tmp:
        posterior.to_parquet(tmp / "posterior.parquet", index=False)
        summary.to_csv(tmp / "summary.csv", index=False)
        targets.to_csv(tmp / "targets.csv", index=False)
        diagnostics.to_parquet(tmp / "diagnostics.parquet", index=False)
        (tmp / "calibrated.toml").write_text(calibrated_toml(spec, summary, method))
        (tmp / "calibration.toml").write_text(spec.text)
        (tmp / "calibration.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    return {"posterior": posterior, "summary": summary, "targets": targets,
            "diagnostics": diagnostics}  # fmt: skip
