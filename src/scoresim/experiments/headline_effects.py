"""The headline effects of a comparison as data: each a name, an expression of the outcome
language (:mod:`~scoresim.experiments.outcomes`), how it is paired over replications, and the
group of agents it rests on; :func:`~scoresim.experiments.effects.headline_table` computes
them, ``scoresim effects`` lists them, and ``compare --effect NAME=EXPR`` adds one
(:func:`user_effect`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from scoresim.core.errors import ScenarioError
from scoresim.experiments.outcomes import parse, split_assignment
from scoresim.experiments.support import agents_of

#: Weeks over which the listed share's employment gap is averaged (the last year of a run).
LAST_YEAR = 52

#: One arm's runs: ``column -> [replication, step]`` arrays.
Series = dict[str, np.ndarray]


@dataclass(frozen=True)
class HeadlineEffect:
    """A headline effect as data: its name, its expression in the outcome language
    (:mod:`~scoresim.experiments.outcomes`) and how it is paired over replications.

    - ``paired = "difference"``: the expression is read in each arm, and replication ``r``
      gives ``E(T_r) - E(C_r)``;
    - ``paired = "treatment"``: replication ``r`` gives ``E`` read in the arm, ``control.x``
      reading the control of the same seed (a one-sample interval).

    A per-step expression is read at the last step. ``shown`` gives the expressions whose arm
    means fill the ``treatment`` and ``control`` columns (default: ``E`` read in each arm,
    ``control.x`` in the control reading the control itself). ``only`` names a condition
    (``effects.CONDITIONS``) the arm must meet for the effect to be shown; an effect is also left
    out of runs without its columns. ``support`` names the group of agents each value rests
    on (:data:`GROUPS`; empty: unknown). ``definition`` is the text of ``headline.csv``.
    """

    name: str
    expression: str
    paired: str = "difference"
    definition: str = ""
    shown: tuple[str, str] | None = None
    only: str = ""
    support: str = ""

    @property
    def words(self) -> str:
        """The ``definition`` column: given, or said from the expression."""
        if self.definition:
            return self.definition
        if self.paired == "treatment":
            return self.expression
        e = self.expression if self.expression.isidentifier() else f"[{self.expression}]"
        return f"{e}(T) - {e}(C)"


PAIRINGS = ("difference", "treatment")



def _replications(t: Series) -> int:
    return len(next(iter(t.values())))


def _fewest_listed(t: Series, agents: float, lowest: str | None) -> np.ndarray:
    """The fewest listed agents in a week of the last year where anyone is listed."""
    listed = agents_of(t["listed"][:, -LAST_YEAR:], agents)
    listed = np.where(listed > 0, listed, np.inf)
    fewest = listed.min(axis=1)
    return np.where(np.isfinite(fewest), fewest, np.nan)


def _enrolled(t: Series, agents: float, lowest: str | None) -> np.ndarray:
    return agents_of(t["adoption"][:, -1], agents)


#: The groups of agents an effect's values rest on (its support, ``min_agents``), from the
#: treatment's ``column -> [replication, step]`` arrays, the population size and the lowest
#: tier's name: the last step's counts, unless said otherwise.
GROUPS: dict[str, Callable[[Series, float, str | None], np.ndarray]] = {
    "everyone": lambda t, agents, lowest: np.full(_replications(t), agents),
    "enrolled": _enrolled,
    "lowest tier": lambda t, agents, lowest: np.rint(
        _enrolled(t, agents, lowest) * t[f"tier_{lowest}"][:, -1]),
    "ever listed": lambda t, agents, lowest: agents_of(t["ever_listed"][:, -1], agents),
    "fewest listed": _fewest_listed,
}  # fmt: skip

#: The built-in headline effects, in the order of ``headline.csv``. The press account's
#: outcomes, model v3's three channels of the chilling effect (left out of runs without the
#: voice columns), then, for an arm whose blacklist is on (model v2), the list's own measures.
HEADLINE_EFFECTS: tuple[HeadlineEffect, ...] = (
    HeadlineEffect("chilling effect", "1 - critical_posts / control.critical_posts",
                   "treatment", "1 - critical_posts(T)/critical_posts(C)",
                   shown=("critical_posts", "critical_posts"), support="everyone"),
    HeadlineEffect("falsification gap", "falsification_gap", support="everyone"),
    HeadlineEffect("pluralistic ignorance", "pluralistic_ignorance", support="everyone"),
    HeadlineEffect("isolated share", "isolated", support="everyone"),
    HeadlineEffect("employment gap, poor tier", "employment_poor - control.employment",
                   "treatment", "employment_poor(T) - employment(C)",
                   shown=("employment_poor", "employment"), support="lowest tier"),
    HeadlineEffect("wealth Gini change", "wealth_gini", support="everyone"),
    HeadlineEffect("score-dissent correlation", "score_dissent_corr", "treatment",
                   "score_dissent_corr(T)", support="enrolled"),
    # model v3 (7.5): the chilling effect's three channels, against a control whose reach is 1;
    # replication by replication 1 - voice_posted(T)/voice_posted(C) = 1 - (1-s)(1-t)(1-d)
    HeadlineEffect("self-censorship effect",
                   "1 - (voice_expressed / voice_private)"
                   " / (control.voice_expressed / control.voice_private)", "treatment",
                   "1 - (voice_expressed/voice_private)(T) / (voice_expressed/voice_private)(C)",
                   shown=("voice_expressed / voice_private", "voice_expressed / voice_private"),
                   support="everyone"),
    HeadlineEffect("throttling effect", "1 - voice_posted / voice_expressed", "treatment",
                   "1 - voice_posted(T)/voice_expressed(T)",
                   shown=("voice_posted / voice_expressed", "voice_posted / voice_expressed"),
                   support="everyone"),
    HeadlineEffect("private drift", "1 - voice_private / control.voice_private", "treatment",
                   "1 - voice_private(T)/voice_private(C)",
                   shown=("voice_private", "voice_private"), support="everyone"),
    HeadlineEffect("share ever listed", "ever_listed", "treatment", "ever_listed(T)",
                   only="blacklist", support="everyone"),
    HeadlineEffect("travel denied per listed person", "sum(travel_denied) / sum(listings)",
                   "treatment", "sum travel_denied(T) / sum listings(T), all weeks",
                   only="blacklist", support="ever listed"),
    HeadlineEffect("employment gap, listed",
                   f"mean(employment_listed - employment, -{LAST_YEAR}, -1)", "treatment",
                   f"mean of employment_listed(T) - employment(T), last {LAST_YEAR} weeks",
                   only="blacklist", support="fewest listed"),
)  # fmt: skip


def user_effect(text: str, columns: Sequence[str], steps: int | None = None) -> HeadlineEffect:
    """A headline effect from ``NAME=EXPR`` (``compare --effect``), checked against the metric
    columns: an expression that reads ``control.<column>`` is the effect itself
    (``paired = "treatment"``), any other is read in both arms and differenced.

    Examples
    --------
    >>> user_effect("gap = mean(falsification_gap, -4, -1)", ["falsification_gap"]).paired
    'difference'
    >>> user_effect("ratio = last(listings) / last(control.listings)", ["listings"]).words
    'last(listings) / last(control.listings)'
    """
    name, expression = split_assignment(text, "--effect")
    if name in {e.name for e in HEADLINE_EFFECTS}:
        raise ScenarioError(f"--effect {name}: a built-in effect has that name "
                            "(see 'scoresim effects')")  # fmt: skip
    try:
        parsed = parse(expression, columns, columns, steps)
    except ScenarioError as exc:
        raise ScenarioError(f"--effect {name}: {exc}") from None
    return HeadlineEffect(name, expression, "treatment" if parsed.control_columns else "difference")
