"""The dashboard's critical voice (model v3): the chill per channel on the cards, the speaking
share of the critics as a chart."""

from __future__ import annotations

import math

import pytest

from scoresim.dashboard import charts
from scoresim.dashboard.catalogue import CARDS, CHARTS, format_card
from scoresim.dashboard.snapshot import CHANNEL_KEYS, ArmView, Snapshot, headline
from scoresim.dashboard.views import card_html
from scoresim.dashboard.worker import Status

BASE = {"adoption": 1.0, "critical_posts": 0.5, "falsification_gap": 0.1, "isolated": 0.0,
        "tier_poor": 0.1,
        "employment_poor": 0.9, "employment": 0.95}  # fmt: skip


def _arm(name: str, rows: list[dict[str, float]], control: bool = False) -> ArmView:
    return ArmView(name=name, colour="#d62728", status="hypothetical", control=control,
                   rows=rows, tier_names=("poor", "good"), tier_min_scores=(350.0, 600.0),
                   score_range=(350.0, 950.0), low_threshold=450.0, listing=False,
                   agents=1000)  # fmt: skip


def test_the_cards_break_the_chill_down_and_add_up() -> None:
    arm = _arm("seed", [{**BASE, "step": 1, "voice_private": 0.8, "voice_expressed": 0.4,
                         "voice_posted": 0.3}])  # fmt: skip
    voice = {"voice_private": 1.0, "voice_expressed": 1.0, "voice_posted": 1.0}
    control = _arm("control", [{**BASE, "step": 1, **voice}], control=True)
    numbers = headline(arm, control)
    parts = [numbers[k] for k in CHANNEL_KEYS.values()]
    assert parts == pytest.approx([0.2, 0.4, 0.1])
    assert sum(parts) == pytest.approx(numbers["expected_chill"]) == pytest.approx(0.7)
    html = card_html(arm, numbers)
    by_key = {c.key: c for c in CARDS}
    for key, text in (("private_drift", "20.0%"), ("self_censorship", "40.0%"),
                      ("throttling", "10.0%")):  # fmt: skip
        assert f"card-{key}'>{text}<" in html and format_card(by_key[key], numbers[key]) == text
    old = headline(_arm("seed", [{**BASE, "step": 1}]), _arm("c", [{**BASE, "step": 1}], True))
    assert "self_censorship" not in old  # results without the voice: the rows show "-"
    assert "card-self_censorship'>-<" in card_html(arm, old)


def _snapshot(arms: tuple[ArmView, ...], control: ArmView) -> Snapshot:
    return Snapshot(version=0, t=2, latest=2, horizon=10, status=Status.PAUSED, message="",
                    steps_per_second=0.0, pace=None, pending=False, arms=arms, control=control,
                    focus=arms[0], tiers=None, events=(), caveat="", runs_in_use=0,
                    max_runs=4)  # fmt: skip


def test_the_speaking_share_is_public_over_private_critics() -> None:
    rows = [{**BASE, "step": 1, "private_critics": 0.4, "public_critics": 0.1},
            {**BASE, "step": 2, "private_critics": 0.0, "public_critics": 0.0}]  # fmt: skip
    ctl = [{**BASE, "step": s, "private_critics": 0.4, "public_critics": 0.2} for s in (1, 2)]
    option = charts.speaking_chart(_snapshot((_arm("seed", rows),), _arm("control", ctl, True)))
    by_name = {s["name"]: s for s in option["series"]}
    assert by_name["seed"]["data"] == [[1, 25.0], [2, "-"]]  # no critic: undefined, a gap
    assert by_name["control"]["data"] == [[1, 50.0], [2, 50.0]]
    assert by_name["control"]["lineStyle"]["type"] == "dashed"
    assert "speaking" in {c.key for c in CHARTS} and math.isnan(charts.speaking_share({}))
