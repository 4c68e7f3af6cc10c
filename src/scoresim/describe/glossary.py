"""Plain-language explanations of every metric and effect, in one place.

The dashboard shows these texts beside its charts and headline cards. Each :class:`Entry` says
what a quantity measures (``what``) and how to read its sign or direction (``sign``). Metric
names are the columns of ``metrics.parquet`` (one row per step, see
:func:`scoresim.metrics.metric_columns`); effect names are the rows of ``headline.csv`` (see
:func:`scoresim.experiments.effects.headline_table`), where an effect compares a scored society
with its control: the same synthetic society, same seed, with no scoring. The documentation's
glossary (``docs/glossary.md``) defines the same names with their formulas; tests hold both to
the metric columns and the headline effects. What each system is, and the caveat that goes with
it, is in :mod:`scoresim.describe.systems`.

Examples
--------
>>> print(EFFECTS["chilling effect"].sign)
Positive: fewer critical posts than without scoring (0.25 = a quarter fewer). Negative: more.
>>> METRICS["falsification_gap"].label
'Falsification gap'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """One glossary entry: a metric or an effect."""

    term: str  # the column or effect name
    label: str  # a short label for a chart or card
    what: str  # what it measures, in plain language
    sign: str  # how to read its sign or direction


def _entries(*rows: tuple[str, str, str, str]) -> dict[str, Entry]:
    return {term: Entry(term, label, what, sign) for term, label, what, sign in rows}


#: Per-step metrics (the columns of ``metrics.parquet``; ``tier_<name>`` stands for each tier).
METRICS: dict[str, Entry] = _entries(
    ("adoption", "Enrolled",
     "Share of all agents who are enrolled, that is scored. Enrolment spreads by word of mouth "
     "and becomes universal at the mandatory step, if there is one.",
     "From 0 (nobody scored) to 1 (everybody). The control is always 0."),
    ("score_mean", "Mean score", "Mean score of enrolled agents.",
     "Higher: enrolled agents score better on average."),
    ("score_sd", "Score spread", "Standard deviation of enrolled agents' scores.",
     "Higher: scores are more spread out."),
    ("score_p10", "Score, 10th percentile", "The score below which a tenth of enrolled agents are.",
     "Higher: the worst-scored tenth does better."),
    ("score_p50", "Median score", "The middle score of enrolled agents.",
     "Higher: the typical enrolled agent scores better."),
    ("score_p90", "Score, 90th percentile", "The score above which a tenth of enrolled agents are.",
     "Higher: the best-scored tenth does better."),
    ("tier_<name>", "Tier share",
     "Share of enrolled agents whose score falls in that tier (the tiers sum to 1).",
     "A growing lowest tier means more enrolled agents face its penalties."),
    ("dissent_mean", "Private dissent",
     "Mean private critical attitude of all agents, between 0 and 1: what people think.",
     "Higher: the society is privately more critical."),
    ("expressed_mean", "Expressed dissent",
     "Mean critical attitude that agents show in public, between 0 and 1: what people say.",
     "Higher: people voice more criticism. Below private dissent when people self-censor."),
    ("falsification_gap", "Falsification gap",
     "Mean of private minus expressed dissent: how much more critical people are than they "
     "admit (preference falsification).",
     "Positive: people say less than they think. 0: they say what they think."),
    ("pluralistic_ignorance", "Pluralistic ignorance",
     "Mean of the dissent each agent sees its friends express, minus the mean private dissent.",
     "Negative when agents see less dissent around them than there privately is (each critic "
     "thinks they are rarer than they are); 0 when what is said matches what is thought."),
    ("critical_posts", "Critical posts", "Critical posts per agent this step.",
     "Lower than the control: people post less criticism (see the chilling effect)."),
    ("loyal_posts", "Loyal posts", "Loyal (praising) posts per agent this step.",
     "Higher than the control: people praise more, partly to raise their scores."),
    ("imports", "Imported purchases", "Imported (score-lowering) purchases per agent this step.",
     "Lower than the control: people avoid purchases that cost points."),
    ("sanctioned", "Sanctioned", "Share of all agents whose score was lowered by a detected event "
     "this step.", "Higher: more people felt the score's stick this step."),
    ("false_positive_only", "Wrongly sanctioned",
     "Share of sanctioned agents whose only sanctions were false positives (a neutral post "
     "flagged as critical).", "Higher: more of the punished did nothing the rules target."),
    ("edges", "Friendships", "Number of friendship ties in the network.",
     "Falling: ties are cut (ostracism) faster than they are replaced."),
    ("isolated", "Isolated", "Share of agents with no friend left.",
     "Higher than the control: scoring has cut people off."),
    ("score_assortativity", "Score assortativity",
     "Correlation of the scores of friends (both enrolled).",
     "Positive: friends have similar scores, the society sorts itself by score. 0: no sorting."),
    ("employment", "Employed", "Share of all agents who have a job.",
     "Lower than the control: scoring costs jobs."),
    ("employment_poor", "Employed, lowest tier",
     "Share employed among enrolled agents in the lowest tier.",
     "Below the control's employment: a low score makes it harder to be hired."),
    ("employment_listed", "Employed, blacklisted",
     "Share employed among the agents on the blacklist now (empty while nobody is listed).",
     "Below overall employment: the list costs its members their jobs."),
    ("wealth_gini", "Wealth inequality", "Gini coefficient of wealth, from 0 (all equal) to 1.",
     "Higher: wealth is more unequal."),
    ("score_gini", "Score inequality", "Gini coefficient of enrolled agents' scores.",
     "Higher: scores are more unequal."),
    ("score_dissent_corr", "Score-dissent correlation",
     "Correlation of score and private dissent among enrolled agents.",
     "Negative: critics have lower scores, the score tracks opinion. 0: it does not."),
    ("loans_denied", "Loans denied", "Loan applications turned down this step (a count).",
     "Higher: more people are refused credit."),
    ("travel_denied", "Travel denied", "Travel requests refused this step (a count).",
     "Higher: more people are kept from travelling."),
    ("listed", "Blacklisted", "Share of all agents currently on the defaulter blacklist.",
     "Higher: more people live under the list's bans. 0 where there is no list."),
    ("ever_listed", "Ever blacklisted", "Share of all agents who have ever been on the blacklist.",
     "Only grows; the gap to the listed share is those delisted."),
    ("listings", "Listings", "Agents put on the blacklist this step (a count).",
     "Higher: the list grows faster."),
    ("delistings", "Delistings", "Agents taken off the blacklist this step (a count).",
     "Higher: more listed people comply and leave the list."),
    ("offences", "Offences", "Offences committed this step, per agent (registered or not).",
     "Lower than the control: deterrence works."),
    ("offences_registered", "Offences registered", "Offences the system registered this step, "
     "per agent.", "Higher: more offences are caught."),
    ("deeds_registered", "Good deeds registered", "Good deeds the system registered this step, "
     "per agent.", "Higher: more rewarded good deeds (some done for the points)."),
    ("perk_share", "With perks", "Share of all agents enrolled in a tier that brings perks.",
     "Higher: more people enjoy the score's carrots."),
    ("private_critics", "Private critics", "Share of agents whose private dissent is above one "
     "half.", "Compare with public critics: the difference is hidden criticism."),
    ("public_critics", "Public critics", "Share of agents whose expressed dissent is above one "
     "half.", "Below private critics when criticism goes underground."),
    ("voice_private", "Voice, private",
     "Critical posts per person to expect this step if everyone posted what they privately "
     "think, at their usual rate.",
     "Lower than the control: people have stopped thinking critically (private drift)."),
    ("voice_expressed", "Voice, expressed",
     "Critical posts per person to expect this step from what people say, before the tiers "
     "change how far their posts reach.",
     "Below voice, private: people keep criticism to themselves (self-censorship)."),
    ("voice_posted", "Voice, posted",
     "Critical posts per person to expect this step, with each tier's reach: the expected "
     "value of critical posts.",
     "Below voice, expressed: the low tiers' throttled reach silences them further."),
    ("climate_voice_corr", "Climate and voice",
     "Among the privately critical, the correlation of the support they see among friends "
     "and whether they speak. Undefined when nobody keeps quiet (always in a control without "
     "the threshold model).",
     "Positive: critics speak where they see support and fall silent where they do not, the "
     "spiral of silence."),
    ("bunching", "Bunching at cut-offs",
     "Enrolled agents just above the tier cut-offs over those just below, minus 1 (windows "
     "of a fiftieth of the score range). It also carries the slope of the score "
     "distribution: compare two arms of one system.",
     "Higher than the other arm: people push their scores just over the thresholds."),
    ("low_tier_income_gap", "Lowest tier, poor minus rich",
     "Share in the lowest tier among enrolled agents of the bottom income fifth, minus the "
     "same among the top fifth.",
     "Positive: the poor end up in the lowest tier more often than the rich."),
    ("perk_income_gap", "Perks, poor minus rich",
     "Share with a perk in the bottom income fifth minus the share in the top fifth.",
     "Negative: the score's perks go to the rich."),
)  # fmt: skip

#: Headline effects: a scored society against its control at one step (T: scored, C: control).
EFFECTS: dict[str, Entry] = _entries(
    ("chilling effect", "Chilling effect",
     "How many fewer critical posts the scored society writes than its control: "
     "1 - critical posts (T) / critical posts (C).",
     "Positive: fewer critical posts than without scoring (0.25 = a quarter fewer). Negative: "
     "more."),
    ("falsification gap", "Falsification gap",
     "The falsification gap of the scored society minus that of its control.",
     "Positive: scoring makes people hide more of what they think."),
    ("pluralistic ignorance", "Pluralistic ignorance",
     "The pluralistic ignorance of the scored society minus that of its control.",
     "Negative: scoring makes critics think they are rarer than they are."),
    ("isolated share", "Isolated",
     "The share of agents with no friend left, scored society minus control.",
     "Positive: scoring has left more people without friends."),
    ("employment gap, poor tier", "Employment gap, lowest tier",
     "Employment in the lowest tier of the scored society minus employment in the control.",
     "Negative: people with the lowest scores work less than in a society without scoring."),
    ("wealth Gini change", "Wealth inequality change",
     "Wealth Gini of the scored society minus that of its control.",
     "Positive: scoring makes wealth more unequal."),
    ("score-dissent correlation", "Score-dissent correlation",
     "Correlation of score and private dissent in the scored society (the control scores "
     "nobody).",
     "Negative: critics end up with lower scores."),
    ("self-censorship effect", "Self-censorship",
     "How much more of their private criticism people keep to themselves than in the control: "
     "1 - (voice expressed / voice private) (T) / (the same) (C).",
     "Positive: scoring makes people hide criticism they hold; what a survey of "
     "self-censorship measures."),
    ("throttling effect", "Throttling",
     "The part of what people say that the tiers' reach keeps from being posted: 1 - voice "
     "posted / voice expressed (T).",
     "Positive: low-tier accounts are throttled; 0 when every tier has full reach."),
    ("private drift", "Private drift",
     "How much less critical people privately are than in the control: 1 - voice private (T) "
     "/ voice private (C).",
     "Positive: scoring changed minds, not just speech. Negative: backlash made people more "
     "critical. With the other two it makes up the expected chilling effect: 1 - (1 - "
     "self-censorship)(1 - throttling)(1 - drift)."),
    ("share ever listed", "Ever blacklisted",
     "Share of agents put on the blacklist at least once by the last week (a system with a "
     "blacklist).",
     "Higher: the list has touched more lives; it never falls."),
    ("travel denied per listed person", "Trips blocked per listed person",
     "Travel requests refused over all weeks, divided by the number of listings.",
     "Higher: each listing blocks more trips."),
    ("employment gap, listed", "Employment gap, blacklisted",
     "Employment of the listed minus everyone's employment in the same society, averaged over "
     "the last year.",
     "Negative: people on the list work less often than everyone else."),
    ("voice recovered", "Voice recovered",
     "Of the critical voice a system had silenced when it was lifted, the share that is back a "
     "year later (compare --lift-step).",
     "1: back to the never-scored society; 0: the silence outlived the sanction."),
)  # fmt: skip

#: Every entry by name.
GLOSSARY: dict[str, Entry] = {**METRICS, **EFFECTS}


def human_name(term: str) -> str:
    """A metric, effect or outcome as a legend or axis label says it: the glossary's label, a
    tier share as ``Tier <name>``, else the name with its underscores as spaces (a user's
    outcome or target ``listed_share_last`` reads "listed share last").

    >>> human_name("employment_poor"), human_name("tier_poor"), human_name("listed_share_last")
    ('Employed, lowest tier', 'Tier poor', 'listed share last')
    """
    if term in GLOSSARY and not term.startswith("tier_<"):
        return GLOSSARY[term].label
    if term.startswith("tier_"):
        return f"Tier {term.removeprefix('tier_')}"
    return term.replace("_", " ")
