"""The report of a compare folder: one treatment against its control, or several systems
against one control (the two forms of :mod:`scoresim.experiments.comparison`).

Both forms are read into one :class:`CompareFolder`: the arms' labels in ``runs.parquet``
(``treatment``/``control`` in the two-arm form, the scenario names otherwise), the system each
arm is (:mod:`scoresim.describe.systems`) and its colour, which every figure and table uses. The
page opens with a caveat (which arms are hypothetical, which documented; the citizens are synthetic)
and a systems table.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from scoresim.describe.systems import System, caveat, describe, system_colours
from scoresim.experiments.channels import arm_chill, has_voice
from scoresim.experiments.compare import paired_runs
from scoresim.experiments.headline_view import estimate_cell, legend, text_rows
from scoresim.experiments.lift import EFFECT as RECOVERED
from scoresim.experiments.support import MIN_GROUP, support_text, with_support
from scoresim.report import figures, voice
from scoresim.report.page import Page, figure_line, img, scenario_block, swatch, table
from scoresim.report.precision import precision_section
from scoresim.results.run import Run
from scoresim.scenario.versions import code_line


def tier_names(run: Run) -> list[str]:
    """A run's tier names, lowest first."""
    return [t.name for t in run.scenario.tiers]


@dataclass
class CompareFolder:
    """A compare folder of either form, read for the report."""

    folder: Path
    info: dict[str, Any]
    runs: pd.DataFrame
    effects: pd.DataFrame  # with an ``arm`` column (the arm's label)
    headline: pd.DataFrame  # with an ``arm`` column
    arms: list[str]  # the treatment arms' labels in runs.parquet
    control: str  # the control's label
    names: dict[str, str]  # label -> scenario name
    systems: dict[str, System]  # label -> what the system is
    colours: dict[str, str]  # label -> the system's colour
    examples: dict[str, Run]  # label -> replication 0
    files: dict[str, str]  # label -> scenario file, relative to the folder
    figure_caveat: str = ""  # the caveat line every figure of the page carries

    @property
    def multi(self) -> bool:
        return self.info.get("form") == "arms"

    @property
    def labels(self) -> list[str]:
        return [*self.arms, self.control]

    @classmethod
    def read(cls, folder: Path) -> CompareFolder:
        info = json.loads((folder / "compare.json").read_text())
        runs = pd.read_parquet(folder / "runs.parquet")
        effects = pd.read_parquet(folder / "effects.parquet")
        headline = pd.read_csv(folder / "headline.csv")
        if info.get("form") == "arms":
            entries = {a["name"]: a for a in info["arms"]}
            arms, control = list(entries), info["control"]["name"]
            entries[control] = info["control"]
        else:
            entries = {"treatment": info["treatment"], "control": info["control"]}
            arms, control = ["treatment"], "control"
            effects, headline = effects.assign(arm="treatment"), headline.assign(arm="treatment")
        names = {label: e["name"] for label, e in entries.items()}
        # a scenario file named like a preset is not that system: "source" says which it was
        systems = {}
        for label, e in entries.items():
            systems[label] = describe(e["name"], preset=e.get("source", e["name"]) == e["name"])
        by_name = system_colours(names[label] for label in [*arms, control])
        examples = {label: Run.load(folder / rel) for label, rel in info["examples"].items()}
        headline = with_support(headline)
        scenarios = [run.scenario for run in examples.values()]
        line = figure_line([systems[label] for label in [*arms, control]], scenarios)
        return cls(
            folder=folder,
            info=info,
            runs=runs,
            effects=effects,
            headline=headline,
            arms=arms,
            control=control,
            names=names,
            systems=systems,
            colours={label: by_name[name] for label, name in names.items()},
            examples=examples,
            files={label: e["file"] for label, e in entries.items()},
            figure_caveat=line,
        )

    @property
    def min_group(self) -> int:
        """The floor the comparison was made with (30 for a folder older than the floor)."""
        return int(self.info.get("min_group", MIN_GROUP))


def compare_page(folder: Path) -> Page:
    """The report of a compare folder, either form."""
    cf = CompareFolder.read(folder)
    first = cf.examples[cf.arms[0]].scenario
    info = cf.info
    if cf.multi:
        title = f"{', '.join(cf.arms)} against {cf.control}"
        what = f"{len(cf.arms)} arms against {html.escape(cf.control)} · "
    else:
        title = f"{cf.names['treatment']} against {cf.names['control']}"
        what = ""
    seeds = f"seeds {info['seeds'][0]}&ndash;{info['seeds'][-1]}"
    meta = (
        f"Compare folder <code>{html.escape(str(folder))}</code> · {what}"
        f"{first.population.agents:,} citizens · {first.steps} weeks · "
        f"{info['replications']} paired replications ({seeds})"
    )
    systems = [cf.systems[label] for label in cf.labels]
    warning = caveat(systems, info.get("overrides_treatment_only", []))
    page = Page(f"scoresim report: {title}", meta, caveat=html.escape(warning),
                code=code_line(run.scenario for run in cf.examples.values()))  # fmt: skip
    line = cf.figure_caveat
    page.section("Systems", systems_table(cf) + _note(_SYSTEMS_NOTE))
    if cf.multi:
        forest = figures.headline_forest(cf.headline, cf.colours, cf.min_group)
        body = img(forest, "headline effects of every arm", line) + headline_matrix(cf)
    else:
        body = headline_list(cf)
    page.section("Headline effects", body + _note(_HEADLINE_NOTE + " " + legend(cf.min_group)))
    precision = precision_section(folder, info, line, cf.colours)
    if precision is not None:
        page.section("Replications by precision", precision)
    if has_voice(cf.runs):
        chills = {label: arm_chill(cf.runs, label, cf.control) for label in cf.arms}
        bars = img(voice.chill_bars(chills, cf.colours), "the chill per channel", line)
        page.section("The chill, channel by channel", bars + _note(_CHANNELS_NOTE))
    if "lift" in info:
        page.section("After the lift", _lift_section(cf))
    series = figures.timeseries(cf.runs, colours=cf.colours)
    page.section("Key metrics over time", img(series, "time series", line) + _note(_BANDS_NOTE))
    if all(c in cf.runs.columns for c in voice.CRITICS):
        critics = voice.critics_panels(cf.runs, cf.labels, cf.colours)
        page.section("Speaking and silent critics",
                     img(critics, "critics", line) + _note(_CRITICS))  # fmt: skip
    page.section("Tier shares over time", _tier_section(cf))
    agents = {label: run.agents for label, run in cf.examples.items()}
    tiers = {label: [(t.name, t.min_score) for t in cf.examples[label].scenario.tiers]
             for label in cf.arms}  # fmt: skip
    histogram = voice.scores_and_bunching(agents, tiers, cf.runs, cf.colours)
    page.section(
        "Final score distribution",
        img(histogram, "histogram of final scores", line) + _note(_SCORES_NOTE),
    )
    lorenz = figures.lorenz(agents, colours=cf.colours, control=cf.control)
    page.section("Wealth inequality", img(lorenz, "Lorenz", line) + _note(_LORENZ_NOTE))
    panels = {label: (run.agents, run.edges) for label, run in cf.examples.items()}
    tiers = {label: tier_names(run) for label, run in cf.examples.items()}
    graph = figures.network(panels, tiers, titles=cf.colours)
    page.section("Friendship network",
                 img(graph, "network samples", line) + _note(_NETWORK_NOTE))  # fmt: skip
    page.section("Effects table", _effects_table(cf))
    blocks = []
    for label in cf.labels:
        role = ("control" if label == cf.control else "arm") if cf.multi else label
        text = (folder / cf.files[label]).read_text()
        blocks.append(scenario_block(f"{role}: {cf.names[label]}", text))
    page.section("Scenarios", "".join(blocks))
    return page


def _note(text: str) -> str:
    return f'<p class="note">{text}</p>'


_SYSTEMS_NOTE = "Each system keeps its colour in every figure of this report."
_CHANNELS_NOTE = (
    "From the expected critical voice at the last week (mean over replications): of the "
    "control's voice, the share lost to private drift (views changed), then of what is left the "
    "share kept quiet (self-censorship), then of what is said the share the low tiers' reach "
    "does not carry (throttling). The parts sum to the expected chill (black tick); the three "
    "effects are in the headline table."
)
_CRITICS = (
    "Citizens privately critical (dissent above one half), split into those who say so "
    "(expressed dissent above one half) and those who keep quiet; mean over replications."
)
_SCORES_NOTE = (
    "First replication of each arm; the arms' tier cut-offs dashed. Bunching compares the "
    "citizens just above each cut-off with those just below (0: as many); it also carries the "
    "slope of the score density, so read it as a difference between arms."
)
_BANDS_NOTE = "Lines: mean over replications; bands: 95% Student-t interval of the mean."
_NETWORK_NOTE = (
    "Snowball samples grown from the same start citizens in every arm (first replication), "
    "coloured by tier; the samples differ where ostracism or shaming rewired the graph."
)
_LORENZ_NOTE = (
    "First replication of each arm, each curve's Gini coefficient in the legend. The curves "
    "often lie on top of each other; the right panel shows what differs: each arm's curve "
    "minus the control's, in percentage points of total wealth."
)
_HEADLINE_NOTE = (
    "Estimates are means over paired replications (same seed, same society) at the last week, "
    "with Student-t 95% intervals of the paired values; T = the arm (treatment), C = control."
)


def systems_table(cf: CompareFolder) -> str:
    """For each arm and the control: what is scored, what follows, who is covered, opt-in,
    and whether it is hypothetical or documented."""
    heads = ["system", "what it is", "status", "what is scored", "what follows from a score"]
    heads += ["who is covered", "opt-in", "modelled after"]
    changed = ", ".join(cf.info.get("overrides_treatment_only", []))
    rows = []
    for label in cf.labels:
        s = cf.systems[label]
        status = s.status
        if changed and label != cf.control:
            status += f"; changed by --set {changed}"
        name = cf.names[label] if cf.multi else f"{label}: {cf.names[label]}"
        cells = [swatch(cf.colours[label]) + html.escape(name)]
        words = (s.title, status, s.scored, s.follows, s.covered, s.opt_in, s.basis)
        cells += [html.escape(v) for v in words]
        attrs = f'data-arm="{html.escape(cf.names[label])}" data-colour="{cf.colours[label]}"'
        rows.append(f"<tr {attrs}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in heads)
    body = "".join(rows)
    start = '<table class="systems" id="systems-table">'
    return f"{start}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def headline_list(cf: CompareFolder) -> str:
    """The headline effects of one arm: estimate [95% CI] (or "too few"), support, the arms'
    values and the definition, formatted as in the terminal."""
    cells = text_rows(cf.headline.drop(columns="arm"), cf.min_group)
    cells["definition"] = cf.headline["definition"].astype(str).to_numpy()
    return table(cells)


def headline_matrix(cf: CompareFolder) -> str:
    """The headline effects as one row per effect and one column per arm (each cell the
    estimate, its interval and its support)."""
    cells = {(r["effect"], r["arm"]): r for r in cf.headline.to_dict("records")}
    arms = "".join(f"<th>{swatch(cf.colours[a])}{html.escape(a)}</th>" for a in cf.arms)
    head = f"<th>effect</th>{arms}<th>definition</th>"
    rows = []
    for effect in dict.fromkeys(cf.headline["effect"]):
        tds = [f"<td>{html.escape(effect)}</td>"]
        for arm in cf.arms:
            r = cells.get((effect, arm))
            tds.append(f"<td>{_estimate(r, cf.min_group) if r else ''}</td>")
        definition = next(r["definition"] for (e, _), r in cells.items() if e == effect)
        tds.append(f"<td>{html.escape(str(definition))}</td>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    body = "".join(rows)
    return f'<table id="headline"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _estimate(row: dict[str, Any], min_group: int) -> str:
    """A cell of the matrix: the estimate and interval, then its support on a second line."""
    text = html.escape(estimate_cell(row, min_group))
    reps, fewest = row.get("replications"), row.get("min_agents", math.nan)
    if reps is None or reps != reps or reps == 0:
        return text
    return f'{text}<br><span class="support">{html.escape(support_text(reps, fewest))}</span>'


def _tier_section(cf: CompareFolder) -> str:
    if not cf.multi:
        treatment = cf.runs[cf.runs["arm"] == "treatment"]
        title = f"Tier shares among enrolled citizens ({cf.names['treatment']}, mean over "
        fig = figures.tier_shares(
            treatment, tier_names(cf.examples["treatment"]), title + "replications)"
        )
        return img(fig, "tier shares", cf.figure_caveat)
    panels = {}
    for label in cf.labels:
        part = cf.runs[cf.runs["arm"] == label]
        if (part["adoption"] > 0).any():  # an arm that enrols nobody has no tiers to show
            panels[label] = (part, tier_names(cf.examples[label]))
    if not panels:
        return _note("No arm enrols anyone: there are no tiers to show.")
    fig = figures.tier_panels(panels, cf.colours)
    return img(fig, "tier shares per arm", cf.figure_caveat) + _note(_TIERS_NOTE)


def _lift_section(cf: CompareFolder) -> str:
    """The voice expressed around the lift, each arm against the control, with its voice
    recovered (``compare --lift-step``)."""
    lift = cf.info["lift"]
    cases = {arm: paired_runs(cf.runs, arm, cf.control) for arm in cf.arms}
    found = cf.headline[cf.headline["effect"] == RECOVERED].set_index("arm")["estimate"]
    recovered = {arm: float(found[arm]) for arm in cf.arms if arm in found.index}
    fig = voice.lift_panels(cases, lift["step"], lift["weeks"], recovered)
    return img(fig, "the voice around the lift", cf.figure_caveat) + _note(
        f"The system is lifted at week {lift['step']} (solid line); the voice recovered is "
        f"read {lift['weeks']} weeks later (dotted): the share of the voice lost by the lift "
        "that is back. Mean over replications; dashed: the control."
    )


def _effects_table(cf: CompareFolder) -> str:
    keys = list(figures.KEY_METRICS) + list(figures.OPTIONAL_METRICS)
    last = cf.effects[cf.effects["step"] == cf.effects["step"].max()]
    last = last[last["metric"].isin(keys)].drop(columns=["step"] if cf.multi else ["step", "arm"])
    names = {"difference": "difference (T - C)", "ci_low": "95% CI low", "ci_high": "95% CI high"}
    return table(last.rename(columns=names)) + _note(_EFFECTS_NOTE)


_TIERS_NOTE = (
    "Shares among enrolled citizens, mean over replications; each system has its own tiers. "
    "Arms that enrol nobody are left out."
)
_EFFECTS_NOTE = "Last week; every step and metric is in effects.parquet."
