"""``scoresim report DIR --brief``: one page of a comparison that a journalist can quote.

Its parts, in order: the caveat; one sentence per system saying what it does to this society
(the headline effects whose 95% interval excludes no change, at most three, largest first);
the headline effects, each with two significant digits, shares in % and differences of shares
in percentage points, its interval and its support ("too few (n = ...)" where the support is
under the floor); the systems table; one figure (the headline effects, embedded). Like every
report page it is self-contained HTML (no script, nothing fetched).
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

from scoresim.describe.glossary import EFFECTS
from scoresim.experiments.headline_view import estimate_cell, is_withheld
from scoresim.experiments.quantities import effect_quantity
from scoresim.experiments.support import support_text
from scoresim.report import figures
from scoresim.report.compare_page import CompareFolder, systems_table
from scoresim.report.page import Page, img
from scoresim.scenario.versions import code_line

#: Significant digits of the brief's numbers.
DIGITS = 2


def label(effect: str) -> str:
    """An effect as the brief names it (the glossary's label)."""
    entry = EFFECTS.get(effect)
    return entry.label if entry else effect


def quoted(row: dict[str, Any], min_group: int) -> str:
    """An effect's number as the brief prints it: two significant digits and the interval, or
    ``too few (n = ...)``, or ``n/a``."""
    return estimate_cell(row, min_group, significant=DIGITS)


def clear_effects(rows: list[dict[str, Any]], min_group: int) -> list[dict[str, Any]]:
    """The shown effects whose interval excludes zero: changes of shares (% and pp) first,
    then the others, each group largest first."""
    found = []
    for row in rows:
        low, high = float(row["ci_low"]), float(row["ci_high"])
        if is_withheld(row, min_group) or not (math.isfinite(low) and math.isfinite(high)):
            continue
        if row["effect"] == "score-dissent correlation" or low <= 0 <= high:
            continue  # a correlation within the scored, not a change against the control
        found.append(row)
    def order(row: dict[str, Any]) -> tuple[bool, float]:
        quantity = effect_quantity(row["effect"])
        return quantity.scale == 1.0, -abs(float(row["estimate"]) * quantity.scale)

    return sorted(found, key=order)


def sentence(cf: CompareFolder, arm: str) -> str:
    """What one system does to this society, in one sentence."""
    rows = [r for r in cf.headline.to_dict("records") if r["arm"] == arm]
    system = cf.systems[arm]
    name = f"{cf.names[arm]} ({system.status}: {system.title})"
    clear = clear_effects(rows, cf.min_group)[:3]
    if not clear:
        return (f"{name} changed none of the headline effects by more than chance over "
                f"{cf.info['replications']} paired runs.")  # fmt: skip
    parts = [f"{label(r['effect']).lower()}: {quoted(r, cf.min_group)}" for r in clear]
    return f"{name}, against the same society without scoring: " + "; ".join(parts) + "."


def effects_table(cf: CompareFolder) -> str:
    """The headline effects: effect, system, estimate [95% CI], support."""
    rows = []
    for r in cf.headline.to_dict("records"):
        support = ("" if not r["replications"] else
                   support_text(r["replications"], r.get("min_agents", math.nan)))  # fmt: skip
        cells = (label(r["effect"]), cf.names[r["arm"]], quoted(r, cf.min_group), support)
        attrs = f'data-effect="{html.escape(r["effect"])}" data-arm="{html.escape(r["arm"])}"'
        rows.append(f"<tr {attrs}>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells)
                    + "</tr>")  # fmt: skip
    head = "".join(f"<th>{h}</th>" for h in
                   ("effect", "system", "estimate [95% interval]", "support"))  # fmt: skip
    return (f'<table id="brief-effects"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")  # fmt: skip


def brief_page(folder: Path) -> Page:
    """The brief of a compare folder."""
    from scoresim.describe.systems import caveat

    cf = CompareFolder.read(folder)
    first = cf.examples[cf.arms[0]].scenario
    systems = [cf.systems[label] for label in cf.labels]
    warning = caveat(systems, cf.info.get("overrides_treatment_only", []))
    meta = (f"{first.population.agents:,} synthetic citizens · {first.steps} weeks · "
            f"{cf.info['replications']} paired runs of each system and of the control")  # fmt: skip
    names = ", ".join(cf.names[a] for a in cf.arms)
    code = code_line(r.scenario for r in cf.examples.values())
    page = Page(f"What {names} would do to a synthetic society", meta,
                caveat=html.escape(warning), code=code)  # fmt: skip
    said = "".join(f"<li>{html.escape(sentence(cf, arm))}</li>" for arm in cf.arms)
    page.section("What each system does", f"<ul>{said}</ul>")
    note = ("Two significant digits; shares in %, differences of shares in percentage points "
            "(pp); 95% intervals over paired runs. Support: the runs that define a number and the "
            f"fewest citizens it rests on; under 3 runs or {cf.min_group} citizens it is not "
            "given.")  # fmt: skip
    page.section("Headline effects", effects_table(cf) + f'<p class="note">{note}</p>')
    page.section("Systems", systems_table(cf))
    forest = figures.headline_forest(cf.headline, cf.colours, cf.min_group)
    page.section("Figure", img(forest, "headline effects of every system", cf.figure_caveat))
    return page
