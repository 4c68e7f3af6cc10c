"""What each bundled system is, in words, and the colour that stands for it everywhere.

One small table of descriptive data per preset name, for the report's systems table and caveat,
the dashboard and the docs: what the system scores, what follows from a score, who is covered,
whether it is opt-in, and whether the preset models a documented system or a hypothetical one.
``seed`` is the 2015 press account of Sesame Credit, which the fact-checks contradict (no
evidence that political speech costs points; never mandatory): hypothetical. ``zhima-2015``,
``rongcheng`` and ``defaulter-blacklist`` follow the published rules of Sesame Credit (2015),
Rongcheng's municipal points and the Supreme People's Court's list of judgment defaulters
(since 2013); where a source gives no number the preset marks its value as assumed.
``control`` is the counterfactual: the same society with no scoring.

A scenario that is not a bundled preset (a user's file) is described as "a user scenario".

Examples
--------
>>> describe("rongcheng").status
'documented'
>>> describe("my-file").status
'user scenario'
>>> palette(["seed", "control", "mine"])
{'seed': '#d62728', 'control': '#7f7f7f', 'mine': '#ff7f0e'}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scoresim.describe.palette import ARM_COLOURS, arm_colours

HYPOTHETICAL = "hypothetical"
DOCUMENTED = "documented"
COUNTERFACTUAL = "counterfactual"
USER = "user scenario"


@dataclass(frozen=True)
class System:
    """The descriptive data of one system (the columns of the report's systems table)."""

    name: str
    title: str  # what it is, as a phrase ("the 2015 press account of ...")
    status: str  # HYPOTHETICAL, DOCUMENTED, COUNTERFACTUAL or USER
    scored: str  # what is scored
    follows: str  # what follows from a score (or a listing)
    covered: str  # who is covered
    opt_in: str  # opt-in or not
    basis: str  # what the preset follows
    colour: str  # the system's colour in every figure


#: The bundled systems, keyed by preset name.
SYSTEMS: dict[str, System] = {
    s.name: s
    for s in (
        System(
            name="seed",
            title="the 2015 press account of Sesame Credit",
            status=HYPOTHETICAL,
            scored="political posts (critical down, loyal up), purchases (imports down), "
            "friends' scores, loan defaults",
            follows="perks in high tiers (loans, travel paperwork, a public score); in low "
            "tiers throttled reach, worse hiring, travel bans; friends dropped",
            covered="voluntary enrolment, then everyone from year five",
            opt_in="opt-in, then mandatory",
            basis="press coverage of December 2015, contradicted by the fact-checks and by "
            "Ant Financial",
            colour=ARM_COLOURS["seed"],
        ),
        System(
            name="zhima-2015",
            title="Sesame (Zhima) Credit as documented, 2015",
            status=DOCUMENTED,
            scored="loan repayment and defaults, ability to pay (income), purchases mildly, a "
            "small friend term; posts are not scored",
            follows="perks only: higher loan approval, deposit waivers from 600, a public "
            "score in the top bands; no job, reach or travel penalty",
            covered="users who sign up",
            opt_in="opt-in, never mandatory",
            basis="Ant Financial's published bands (350-950) and perk thresholds",
            colour=ARM_COLOURS["zhima-2015"],
        ),
        System(
            name="rongcheng",
            title="Rongcheng's municipal points",
            status=DOCUMENTED,
            scored="registered offences (traffic and administrative penalties, court "
            "judgments) and good deeds (volunteering, donations); no posts, purchases or "
            "friends",
            follows="perks in the A grades; closer inspection in C and D; a low grade by "
            "itself triggers no penalty",
            covered="every resident, registered from the start",
            opt_in="not opt-in",
            basis="the city's published grades (AAA to D, base 1000 points) and point values",
            colour=ARM_COLOURS["rongcheng"],
        ),
        System(
            name="defaulter-blacklist",
            title="the Supreme People's Court's list of judgment defaulters",
            status=DOCUMENTED,
            scored="nobody is scored; a loan default can lead to a court listing",
            follows="while listed: flights, high-speed rail and loans denied, fewer hires "
            "(barred from executive posts), names published; delisted on compliance",
            covered="anyone with an unfulfilled court judgment",
            opt_in="not opt-in",
            basis="the Court's list since 2013 (6.73 M listed by February 2017)",
            colour=ARM_COLOURS["defaulter-blacklist"],
        ),
        System(
            name="control",
            title="no scoring (the counterfactual)",
            status=COUNTERFACTUAL,
            scored="nothing",
            follows="nothing",
            covered="nobody",
            opt_in="(none)",
            basis="the same society as the other arms, with every score term off",
            colour=ARM_COLOURS["control"],
        ),
    )
}

def describe(name: str, preset: bool = True) -> System:
    """The descriptive data of the system ``name``.

    ``preset`` says whether the scenario is the bundled preset of that name (a user's file
    that happens to share the name is not that system). A scenario that is not one of
    :data:`SYSTEMS` is "a user scenario".
    """
    if preset and name in SYSTEMS:
        return SYSTEMS[name]
    see = "as its scenario file sets"
    return System(name=name, title="a user scenario", status=USER, scored=see, follows=see,
                  covered=see, opt_in=see, basis="a scenario file", colour="")  # fmt: skip


def palette(names: Iterable[str]) -> dict[str, str]:
    """A colour per name, the same in the report and the dashboard
    (:func:`scoresim.describe.palette.arm_colours`)."""
    return arm_colours(names)


def caveat(systems: Iterable[System], changed: Iterable[str] = ()) -> str:
    """A plain caveat for a page that shows these systems (the report puts it at the top).

    ``changed`` lists fields an override changed in every arm but the control (so no arm is
    exactly its preset).

    Examples
    --------
    >>> text = caveat([describe("seed"), describe("rongcheng"), describe("control")])
    >>> "Hypothetical: seed" in text, "Documented: rongcheng" in text, "synthetic" in text
    (True, True, True)
    """
    systems = list(systems)

    def names(status: str) -> list[System]:
        return [s for s in systems if s.status == status]

    parts = []
    if hyp := names(HYPOTHETICAL):
        parts.append("Hypothetical: " + "; ".join(f"{s.name} ({s.title})" for s in hyp)
                     + ". A hypothetical arm shows what the system as described would do, not "
                     "what any existing system does.")  # fmt: skip
    if doc := names(DOCUMENTED):
        parts.append("Documented: " + "; ".join(f"{s.name} ({s.title})" for s in doc)
                     + ". Each follows a system's published rules; values the sources do not "
                     "give are assumed, so its results are what those rules would do to this "
                     "society, not measurements of the real system.")  # fmt: skip
    if user := names(USER):
        parts.append("User scenarios: " + ", ".join(s.name for s in user)
                     + " (see their scenario files).")  # fmt: skip
    if ctl := names(COUNTERFACTUAL):
        parts.append(f"The control ({', '.join(s.name for s in ctl)}) is the same society "
                     "with no scoring: every effect is measured against it.")  # fmt: skip
    if changed := list(changed):
        parts.append("Changed from their scenarios by --set in every arm but the control: "
                     + ", ".join(changed) + ".")  # fmt: skip
    parts.append("The citizens are synthetic: no data about real people went in, and no "
                 "result describes a real person.")  # fmt: skip
    return " ".join(parts)
