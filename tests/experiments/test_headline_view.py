"""The headline table on a terminal (issue 20): one row per effect with its interval on the
row, fitted to 80 and 120 columns (one block per arm when the arms do not fit side by side),
numbers at the precision their interval supports, % and pp as in the report, "n/a" alike
everywhere; and the Markdown and CSV forms."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from rich.console import Console

from scoresim.experiments.headline_view import markdown, print_table
from scoresim.experiments.quantities import decimals, effect_quantity, format_estimate

NAN = math.nan
EFFECTS = [  # effect, estimate, low, high, replications, min_agents
    ("chilling effect", 0.2098, 0.1793, 0.2403, 5, 10_000),
    ("falsification gap", 0.00122, 0.00075, 0.00169, 5, 10_000),
    ("pluralistic ignorance", 1.5e-05, -3.1e-05, 6.2e-05, 5, 10_000),
    ("isolated share", 0.0, 0.0, 0.0, 5, 10_000),
    ("employment gap, poor tier", NAN, NAN, NAN, 2, 1),  # withheld
    ("wealth Gini change", -4.088e-05, -0.0021, 0.0020, 5, 10_000),
    ("score-dissent correlation", NAN, NAN, NAN, 0, 0),  # nobody enrolled: n/a
    ("travel denied per listed person", 2.34567, 1.9, 2.8, 5, 312),
]


def _headline(arms: list[str]) -> pd.DataFrame:
    rows = [dict(arm=arm, effect=e, estimate=v, ci_low=lo, ci_high=hi, treatment=0.41,
                 control=0.42, replications=r, min_agents=m, definition="d")
            for arm in arms for e, v, lo, hi, r, m in EFFECTS]  # fmt: skip
    return pd.DataFrame(rows)


def _shown(headline: pd.DataFrame, width: int) -> list[str]:
    console = Console(width=width, record=True, force_terminal=False)
    print_table(headline, "three systems against control: effects at week 156", console)
    return console.export_text().splitlines()


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("arms", [["seed"], ["seed", "zhima-2015", "defaulter-blacklist"]])
def test_the_table_fits_the_terminal_with_one_row_per_effect(width: int, arms: list[str]) -> None:
    lines = _shown(_headline(arms), width)
    assert max(map(len, lines)) <= width
    for effect, *_ in EFFECTS:  # once per arm: a row each (side by side: one row for all arms)
        rows = [line for line in lines if line.lstrip().startswith(effect)]
        assert len(rows) in (1, len(arms))
    chill = [line for line in lines if line.lstrip().startswith("chilling effect")]
    assert all("+21.0% [+17.9, +24.0]" in line for line in chill)  # the interval on the row
    text = "\n".join(lines)
    assert not re.search(r"\de-\d", text)  # no scientific notation
    assert "too few (n = 2 runs, 1 agent)" in text and "n/a" in text


def test_narrow_terminals_get_one_block_per_arm_and_wide_ones_side_by_side() -> None:
    arms = ["seed", "zhima-2015", "defaulter-blacklist"]
    narrow = _shown(_headline(arms), 80)
    assert [line.strip() for line in narrow if line.strip() in arms] == arms  # block titles
    wide = _shown(_headline(arms), 250)
    header = next(line for line in wide if "effect" in line and "seed" in line)
    assert all(arm in header for arm in arms)


@pytest.mark.parametrize(("effect", "value", "low", "high", "shown"), [
    ("employment gap, poor tier", 0.0493, 0.035, 0.065, "+4.9 pp [+3.5, +6.5]"),
    ("employment gap, poor tier", -0.0493, -0.06, -0.04, "-4.9 pp [-6.0, -4.0]"),
    ("wealth Gini change", -4.088e-05, -0.0021, 0.0020, "0.0000 [-0.0021, +0.0020]"),
    ("share ever listed", 0.3149, 0.30, 0.33, "31.5% [30.0, 33.0]"),
    ("score-dissent correlation", -0.41177, -0.458, -0.3656, "-0.412 [-0.458, -0.366]"),
    ("chilling effect", NAN, NAN, NAN, "n/a"),
])  # fmt: skip
def test_numbers_at_the_precision_of_their_interval(effect: str, value: float, low: float,
                                                    high: float, shown: str) -> None:  # fmt: skip
    assert format_estimate(value, low, high, effect_quantity(effect)) == shown


def test_decimals_follow_the_interval_half_width() -> None:
    # half-width 0.0153 -> two significant digits (0.015) reach the third decimal
    assert decimals(0.2, 0.1847, 0.2153) == 3
    assert decimals(0.2, 0.19847, 0.20153) == 4  # half-width 0.00153
    assert decimals(12.0, 2.0, 22.0) == 0  # half-width 10: units
    assert decimals(0.5) == 3 and decimals(0.0) == 1


def test_markdown_is_a_pipe_table_of_the_same_cells() -> None:
    text = markdown(_headline(["seed"]).drop(columns="arm"))
    lines = text.splitlines()
    assert lines[0].startswith("| effect | estimate [95% CI] | runs | agents")
    assert lines[1].startswith("| --- | ---: |")
    assert "| chilling effect | +21.0% [+17.9, +24.0] | 5 | 10,000 |" in text
    assert len(lines) == 2 + len(EFFECTS)
