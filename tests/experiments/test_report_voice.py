"""The report's figures of the critical voice (report.voice, experiments.channels): the chill
per channel sums to the chill, the critics split into speaking and silent, the cut-offs are
marked, and a compare folder without the model v3 columns still gets its report."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.colors import to_hex

from scoresim.describe.palette import CHANNEL_COLOURS
from scoresim.experiments.channels import VOICE_COLUMNS, arm_chill, chill_channels, has_voice
from scoresim.experiments.compare import compare
from scoresim.report import voice, write_report

voices = st.floats(0.01, 2.0)


@given(pt=voices, et=voices, qt=voices, pc=voices, ec=voices)
def test_the_parts_sum_to_the_chill_and_the_identity_holds(
    pt: float, et: float, qt: float, pc: float, ec: float
) -> None:
    """docs/model.md 7.5: with a control whose reach is 1 (posted = expressed), the chill is
    1 - (1 - d)(1 - s)(1 - t), and the stacked parts add up to it."""
    c = chill_channels(dict(zip(VOICE_COLUMNS, (pt, et, qt), strict=True)),
                       dict(zip(VOICE_COLUMNS, (pc, ec, ec), strict=True)))  # fmt: skip
    d, s, t = c.private_drift, c.self_censorship, c.throttling
    assert c.total == pytest.approx(1 - (1 - d) * (1 - s) * (1 - t), rel=1e-9, abs=1e-9)
    assert sum(c.parts().values()) == pytest.approx(c.total, rel=1e-9, abs=1e-9)


def test_chill_channels_by_hand_and_undefined() -> None:
    t = {"voice_private": 0.5, "voice_expressed": 0.2, "voice_posted": 0.1}
    c = {"voice_private": 1.0, "voice_expressed": 0.8, "voice_posted": 0.8}
    chill = chill_channels(t, c)
    assert chill.private_drift == pytest.approx(0.5)
    assert chill.self_censorship == pytest.approx(1 - (0.2 / 0.5) / 0.8)
    assert chill.throttling == pytest.approx(0.5) and chill.total == pytest.approx(1 - 0.1 / 0.8)
    silent = chill_channels(t, dict.fromkeys(VOICE_COLUMNS, 0.0))
    assert math.isnan(silent.private_drift) and math.isnan(silent.total)


def test_chill_bars_stack_the_parts_and_mark_the_chill() -> None:
    chill = chill_channels({"voice_private": 0.8, "voice_expressed": 0.4, "voice_posted": 0.3},
                           dict.fromkeys(VOICE_COLUMNS, 1.0))  # fmt: skip
    ax = voice.chill_bars({"seed": chill}, {"seed": "#d62728"}).axes[0]
    bars = {to_hex(p.get_facecolor()): (p.get_x(), p.get_width()) for p in ax.patches}
    parts = chill.parts()
    x = 0.0
    for channel in ("private drift", "self-censorship", "throttling"):
        left, width = bars[CHANNEL_COLOURS[channel]]
        assert (left, width) == pytest.approx((x, parts[channel]))
        x += parts[channel]
    (tick,) = [ln for ln in ax.get_lines() if to_hex(ln.get_color()) == "#000000"]
    assert tick.get_xdata()[0] == pytest.approx(chill.total)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("voice") / "cmp"
    compare(
        "seed",
        replications=2,
        seed=3,
        out=out,
        overrides={"population.agents": 250, "steps": 10, "adoption.mandatory_step": 4},
    )
    return out


def test_critics_split_into_speaking_and_silent(folder: Path) -> None:
    runs = pd.read_parquet(folder / "runs.parquet")
    ax = voice.critics_panels(runs, ["treatment", "control"], {}).axes[0]
    speaking, silent = ax.collections[:2]
    top = silent.get_paths()[0].vertices[:, 1].max()
    mean = runs[runs["arm"] == "treatment"].groupby("step")["private_critics"].mean()
    assert top == pytest.approx(mean.max())
    assert speaking.get_paths()[0].vertices[:, 1].min() >= 0.0


def test_scores_mark_every_cut_off_and_bunching_only_where_it_is(folder: Path) -> None:
    agents = {"treatment": pd.read_parquet(next((folder / "runs").glob("treatment-*"))
                                           / "agents.parquet")}  # fmt: skip
    tiers = {"treatment": [("poor", 350.0), ("fair", 450.0), ("good", 600.0),
                           ("excellent", 650.0)]}  # fmt: skip
    runs = pd.read_parquet(folder / "runs.parquet")
    fig = voice.scores_and_bunching(agents, tiers, runs.drop(columns="bunching", errors="ignore"),
                                    {})  # fmt: skip
    lines = fig.axes[0].get_lines()
    marked = sorted(ln.get_xdata()[0] for ln in lines if ln.get_linestyle() == "--")
    assert marked == [450.0, 600.0, 650.0] and len(fig.axes) == 1
    runs = runs.assign(bunching=np.linspace(0.0, 1.0, len(runs)))
    assert len(voice.scores_and_bunching(agents, tiers, runs, {}).axes) == 2


def _with_voice(folder: Path, target: Path) -> Path:
    """A copy of the compare folder whose runs carry the voice columns (before model v3's
    metrics, made up: the report only reads them)."""
    shutil.copytree(folder, target)
    runs = pd.read_parquet(target / "runs.parquet")
    if not has_voice(runs):
        scale = np.where(runs["arm"] == "treatment", 0.5, 1.0)
        runs = runs.assign(voice_private=0.8 * scale, voice_expressed=0.6 * scale,
                           voice_posted=0.5 * scale)  # fmt: skip
        runs.to_parquet(target / "runs.parquet", index=False)
    return target


def test_the_chill_section_is_drawn_where_the_columns_are(folder: Path, tmp_path: Path) -> None:
    rich = _with_voice(folder, tmp_path / "rich")
    html = write_report(rich).read_text()
    assert "The chill, channel by channel" in html and "Speaking and silent critics" in html
    old = tmp_path / "old"
    shutil.copytree(folder, old)
    runs = pd.read_parquet(old / "runs.parquet")
    dropped = [*VOICE_COLUMNS, "bunching", "private_critics", "public_critics"]
    runs.drop(columns=dropped, errors="ignore").to_parquet(old / "runs.parquet", index=False)
    html = write_report(old).read_text()
    assert "The chill, channel by channel" not in html and "Speaking and silent" not in html
    assert "Final score distribution" in html
    chill = arm_chill(pd.read_parquet(rich / "runs.parquet"), "treatment", "control")
    assert math.isfinite(chill.total)


def test_lift_panels_draw_each_case_and_its_control() -> None:
    steps = np.arange(1, 11)
    cases = (("treatment", steps / 10), ("control", 1.0))
    frame = pd.concat(
        pd.DataFrame({"arm": arm, "replication": 0, "step": steps, "voice_expressed": value})
        for arm, value in cases
    )
    fig = voice.lift_panels({"v1": frame, "v3": frame}, lift_step=4, weeks=3,
                            recovered={"v1": 0.5})  # fmt: skip
    first = fig.axes[0]
    assert "voice recovered 0.50" in first.get_title()
    assert [ln.get_xdata()[0] for ln in first.get_lines()[2:]] == [4, 7]
    assert len([a for a in fig.axes if a.get_visible()]) == 2
