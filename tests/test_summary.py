"""``scoresim summary`` (issue 20): each number in its unit, with the agents behind a group's
number, "too few" under the floor, and CSV and Markdown forms."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scoresim.cli import main


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("summary") / "run"
    assert main(["run", "seed", "--seed", "2", "--set", "population.agents=400", "--set",
                 "steps=30", "--out", str(out)]) == 0  # fmt: skip
    return out


def test_summary_names_the_groups_agents_and_withholds_small_ones(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["summary", str(run_dir), "--format", "csv"]) == 0
    frame = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out)).set_index("metric")
    last = pd.read_parquet(run_dir / "metrics.parquet").iloc[-1]
    poor = round(last["tier_poor"] * last["adoption"] * 400)
    assert frame.loc["employment_poor", "agents"] == poor
    assert frame.loc["score_dissent_corr", "agents"] == round(last["adoption"] * 400)
    assert frame.loc["isolated", "agents"] == 400
    assert frame.loc["isolated", "value"] == pytest.approx(last["isolated"])
    floor = str(poor + 1)
    assert main(["summary", str(run_dir), "--min-group", floor, "--format", "markdown"]) == 0
    text = capsys.readouterr().out
    line = next(row for row in text.splitlines() if row.startswith("| employment, lowest tier"))
    assert f"too few (n = {poor} agent" in line
    enrolled = next(row for row in text.splitlines() if row.startswith("| enrolled share"))
    assert "%" in enrolled and "too few" not in enrolled
