"""The dashboard's headline cards carry their support (issue 20): the agents behind each
number, and "too few" where the lowest tier holds fewer agents than the floor."""

from __future__ import annotations

from scoresim.dashboard.catalogue import CARDS, card_text, support_line
from scoresim.dashboard.snapshot import ArmView, headline
from scoresim.dashboard.views import card_html


def _arm(name: str, poor_share: float, adoption: float, control: bool = False) -> ArmView:
    row = {"step": 5, "adoption": adoption, "critical_posts": 0.3, "falsification_gap": 0.02,
           "isolated": 0.01, "employment": 0.95, "employment_poor": 0.5,
           "tier_poor": poor_share, "tier_good": 1 - poor_share}  # fmt: skip
    return ArmView(name=name, colour="#d62728", status="hypothetical", control=control,
                   rows=[row], tier_names=("poor", "good"), tier_min_scores=(0.0, 500.0),
                   score_range=(0.0, 1000.0), low_threshold=400.0, listing=False,
                   agents=10_000)  # fmt: skip


def test_the_lowest_tiers_gap_is_withheld_when_it_holds_few_agents() -> None:
    control = _arm("control", 0.0, 0.0, control=True)
    few = headline(_arm("seed", 0.0002, 0.8), control)  # 0.0002 * 0.8 * 10,000 = 1.6 -> 2
    assert few["lowest_tier_agents"] == 2 and few["agents"] == 10_000
    gap = next(c for c in CARDS if c.key == "employment_gap")
    assert card_text(gap, few) == "too few (n = 2 agents)"
    many = headline(_arm("seed", 0.05, 0.8), control)  # 400 agents
    assert card_text(gap, many) == "-45.0 pp"
    page = card_html(_arm("seed", 0.0002, 0.8), few)
    assert "too few (n = 2 agents)" in page and "-45.0 pp" not in page
    assert support_line(few) in page and "one run of 10,000 agents" in page
