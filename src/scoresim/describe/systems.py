"""The one registry of systems: what each bundled preset is, its status and its colour, and the
words every view uses for them.

One :class:`System` per preset name, for the report's systems table and caveat, the dashboard's
cards and caveat, and ``docs/systems.md`` (:mod:`scoresim.describe.systems_doc`): its title,
its status, its colour in every figure, and what it scores, what follows from a score, who is
covered, whether it is opt-in and what the preset follows. ``seed`` is the 2015 press account
of Sesame Credit, which the fact-checks contradict (no evidence that political speech costs
points; never mandatory): hypothetical. ``zhima-2015``, ``rongcheng`` and
``defaulter-blacklist`` follow the published rules of Sesame Credit (2015), Rongcheng's
municipal points and the Supreme People's Court's list of judgment defaulters (since 2013);
where a source gives no number the preset marks its value as assumed. ``control`` is the
counterfactual: the same society with no scoring. ``seed-v1`` and ``control-v1`` are the press
account and its control on the model v1 society (docs/model.md sections 1-5, the docked
reference), whatever society ``seed`` uses; ``seed-v3`` and ``control-v3`` on the model v3
society (docs/model.md 7.6).

A scenario that is not a bundled preset (a user's file, or a preset the user edited) is "a user
scenario", coloured from :data:`~scoresim.describe.palette.FURTHER_COLOURS`.

Examples
--------
>>> describe("rongcheng").status, describe("my-file").status
('documented', 'user scenario')
>>> STATUS_LABELS[describe("control").status]
'no scoring'
>>> system_colours(["seed", "control", "mine"])
{'seed': '#d62728', 'control': '#7f7f7f', 'mine': '#ff7f0e'}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from scoresim.describe.palette import FURTHER_COLOURS

SystemStatus = Literal["hypothetical", "documented", "counterfactual", "user scenario"]
HYPOTHETICAL: SystemStatus = "hypothetical"
DOCUMENTED: SystemStatus = "documented"
COUNTERFACTUAL: SystemStatus = "counterfactual"
USER: SystemStatus = "user scenario"

#: The societies a bundled preset's citizens live in (docs/model.md 7.6).
V1_SOCIETY = "model v1 (docs/model.md sections 1-5: linear self-censorship, one susceptibility)"
V3_SOCIETY = ("model v3 (docs/model.md section 7: threshold expression, heterogeneous "
              "susceptibility, stake, backlash, threshold gaming)")  # fmt: skip
DEFAULT_SOCIETY = 'seed\'s (base = "seed"), today ' + V1_SOCIETY
#: The presets that put the press account and its control on a named society (7.6).
SOCIETY_PRESETS: tuple[str, ...] = ("seed-v1", "control-v1", "seed-v3", "control-v3")

#: How the dashboard's cards name a status beside a system's name (the report shows the status).
STATUS_LABELS: dict[SystemStatus, str] = {
    HYPOTHETICAL: "hypothetical",
    DOCUMENTED: "documented",
    COUNTERFACTUAL: "no scoring",
    USER: "your own scenario",
}


@dataclass(frozen=True)
class System:
    """One system: its name, what it is, its status and colour, and what the preset models."""

    name: str
    title: str  # what it is, as a phrase ("the 2015 press account of ...")
    status: SystemStatus
    colour: str  # the system's colour in every figure ("" for a user scenario: see palette)
    scored: str  # what is scored
    follows: str  # what follows from a score (or a listing)
    covered: str  # who is covered
    opt_in: str  # opt-in or not
    basis: str  # what the preset follows
    society: str = ""  # whose behaviour its citizens follow (docs/model.md 7.6)


def _press_account_on(name: str, model: str, colour: str, basis: str, society: str) -> System:
    """The press account (``seed``'s system) on a named society."""
    return System(
        name=name, title=f"the 2015 press account on the {model} society", status=HYPOTHETICAL,
        colour=colour, scored="as seed", follows="as seed", covered="as seed", opt_in="as seed",
        basis=f"as seed; {basis}", society=society,
    )  # fmt: skip


def _control(name: str, title: str, colour: str, basis: str, society: str) -> System:
    """No scoring on a named society: the counterfactual arm."""
    return System(
        name=name, title=title, status=COUNTERFACTUAL, colour=colour, scored="nothing",
        follows="nothing", covered="nobody", opt_in="(none)", basis=basis, society=society,
    )  # fmt: skip


#: The bundled systems, keyed by preset name, in the order of the docs' side-by-side table.
SYSTEMS: dict[str, System] = {
    s.name: s
    for s in (
        System(
            name="seed",
            title="the 2015 press account of Sesame Credit",
            status=HYPOTHETICAL,
            colour="#d62728",
            scored="political posts (critical down, loyal up), purchases (imports down), "
            "friends' scores, loan defaults",
            follows="perks in high tiers (loans, travel paperwork, a public score); in low "
            "tiers throttled reach, worse hiring, travel bans; friends dropped",
            covered="voluntary enrolment, then everyone from year five",
            opt_in="opt-in, then mandatory",
            basis="press coverage of December 2015, contradicted by the fact-checks and by "
            "Ant Financial",
            society=DEFAULT_SOCIETY,
        ),
        System(
            name="zhima-2015",
            title="Sesame (Zhima) Credit as documented, 2015",
            status=DOCUMENTED,
            colour="#1f77b4",
            scored="loan repayment and defaults, ability to pay (income), purchases mildly, a "
            "small friend term; posts are not scored",
            follows="perks only: higher loan approval, deposit waivers from 600, a public "
            "score in the top bands; no job, reach or travel penalty",
            covered="users who sign up",
            opt_in="opt-in, never mandatory",
            basis="Ant Financial's published bands (350-950) and perk thresholds",
            society=DEFAULT_SOCIETY,
        ),
        System(
            name="rongcheng",
            title="Rongcheng's municipal points",
            status=DOCUMENTED,
            colour="#2ca02c",
            scored="registered offences (traffic and administrative penalties, court "
            "judgments) and good deeds (volunteering, donations); no posts, purchases or "
            "friends",
            follows="perks in the A grades; closer inspection in C and D; a low grade by "
            "itself triggers no penalty",
            covered="every resident, registered from the start",
            opt_in="not opt-in",
            basis="the city's published grades (AAA to D, base 1000 points) and point values",
            society=DEFAULT_SOCIETY,
        ),
        System(
            name="defaulter-blacklist",
            title="the Supreme People's Court's list of judgment defaulters",
            status=DOCUMENTED,
            colour="#9467bd",
            scored="nobody is scored; a loan default can lead to a court listing",
            follows="while listed: flights, high-speed rail and loans denied, fewer hires "
            "(barred from executive posts), names published; delisted on compliance",
            covered="anyone with an unfulfilled court judgment",
            opt_in="not opt-in",
            basis="the Court's list since 2013 (6.73 M listed by February 2017)",
            society=DEFAULT_SOCIETY,
        ),
        _control(
            "control",
            "no scoring (the counterfactual)",
            "#7f7f7f",
            "the same society as the other arms, with every score term off",
            DEFAULT_SOCIETY,
        ),
        _press_account_on(
            "seed-v1",
            "model v1",
            "#ff9896",
            "the docked reference of docs/model.md sections 1-5",
            V1_SOCIETY,
        ),
        _control(
            "control-v1",
            "no scoring, on the model v1 society (the counterfactual of seed-v1)",
            "#c7c7c7",
            "seed-v1's society with every score term off",
            V1_SOCIETY,
        ),
        _press_account_on(
            "seed-v3",
            "model v3",
            "#a50f15",
            "the society at the closest point of calibration/press-account.toml, "
            "a fit that does not hold (docs/calibration.md)",
            V3_SOCIETY,
        ),
        _control(
            "control-v3",
            "no scoring, on the model v3 society (the counterfactual of seed-v3)",
            "#525252",
            "seed-v3's society with every score term off",
            V3_SOCIETY,
        ),
    )
}


def describe(name: str, preset: bool = True) -> System:
    """The system ``name``: its entry in :data:`SYSTEMS`, else a user scenario.

    ``preset`` says whether the scenario is the bundled preset of that name (a user's file
    that happens to share the name, or a preset the user edited, is not that system).
    """
    if preset and name in SYSTEMS:
        return SYSTEMS[name]
    see = "as its scenario file sets"
    return System(name=name, title="a user scenario", status=USER, colour="", scored=see,
                  follows=see, covered=see, opt_in=see, basis="a scenario file",
                  society=see)  # fmt: skip


def with_status(status: SystemStatus) -> tuple[str, ...]:
    """The names of the bundled systems of one status, in registry order.

    >>> with_status(DOCUMENTED)
    ('zhima-2015', 'rongcheng', 'defaulter-blacklist')
    """
    return tuple(name for name, system in SYSTEMS.items() if system.status == status)


def system_colours(names: Iterable[str]) -> dict[str, str]:
    """One colour per system name, the same in the report and the dashboard: a bundled
    system's own colour, else the next further colour that no bundled system on the page uses.

    Names beyond the further colours reuse them in order (never more than a handful on a page).

    >>> system_colours(["seed", "mine", "control", "theirs"])
    {'seed': '#d62728', 'mine': '#ff7f0e', 'control': '#7f7f7f', 'theirs': '#8c564b'}
    """
    names = list(dict.fromkeys(names))
    taken = {SYSTEMS[n].colour for n in names if n in SYSTEMS}
    spare = [c for c in FURTHER_COLOURS if c not in taken] or list(FURTHER_COLOURS)
    out: dict[str, str] = {}
    k = 0
    for name in names:
        if name in SYSTEMS:
            out[name] = SYSTEMS[name].colour
        else:
            out[name] = spare[k % len(spare)]
            k += 1
    return out


@dataclass(frozen=True)
class _Caveat:
    """A caveat's sentence about the systems of one status: ``brief`` for the dashboard's
    banner, ``full`` for the report (empty: no sentence). ``{names}`` is the systems' names,
    ``{titled}`` each name with its title."""

    brief: str
    full: str


_CAVEATS: dict[SystemStatus, _Caveat] = {
    HYPOTHETICAL: _Caveat(
        "Hypothetical: {names} (the 2015 press account, not a documented system).",
        "Hypothetical: {titled}. A hypothetical arm shows what the system as described would "
        "do, not what any existing system does.",
    ),
    DOCUMENTED: _Caveat(
        "Documented: {names} (modelled on published sources; assumed numbers are marked in "
        "the preset).",
        "Documented: {titled}. Each follows a system's published rules; values the sources do "
        "not give are assumed, so its results are what those rules would do to this society, "
        "not measurements of the real system.",
    ),
    USER: _Caveat(
        "Your own scenario: {names} (hypothetical unless its sources say otherwise).",
        "User scenarios: {names} (see their scenario files).",
    ),
    COUNTERFACTUAL: _Caveat(
        "",
        "The control ({names}) is the same society with no scoring: every effect is measured "
        "against it.",
    ),
}
_SYNTHETIC = _Caveat(
    "Every citizen is synthetic: no real person's data is used.",
    "The citizens are synthetic: no data about real people went in, and no result describes a "
    "real person.",
)


def caveat(systems: Iterable[System], changed: Iterable[str] = (), *, brief: bool = False) -> str:
    """The caveat of a view that shows these systems: which are hypothetical, which documented,
    which the user's own, and that the citizens are synthetic.

    ``brief`` gives the dashboard's banner; otherwise the report's caveat, which also names the
    control and the fields (``changed``) an override changed in every arm but the control.

    Examples
    --------
    >>> print(caveat([describe("seed"), describe("mine"), describe("control")], brief=True))
    Hypothetical: seed (the 2015 press account, not a documented system). Your own scenario: \
mine (hypothetical unless its sources say otherwise). Every citizen is synthetic: no real \
person's data is used.
    >>> text = caveat([describe("seed"), describe("rongcheng"), describe("control")])
    >>> "Hypothetical: seed (the 2015 press account" in text, "Documented: rongcheng" in text
    (True, True)
    """
    systems = list(systems)
    parts = []
    for status, words in _CAVEATS.items():
        group = [s for s in systems if s.status == status]
        sentence = words.brief if brief else words.full
        if group and sentence:
            names = ", ".join(s.name for s in group)
            titled = "; ".join(f"{s.name} ({s.title})" for s in group)
            parts.append(sentence.format(names=names, titled=titled))
    if (changed := list(changed)) and not brief:
        parts.append("Changed from their scenarios by --set in every arm but the control: "
                     + ", ".join(changed) + ".")  # fmt: skip
    parts.append(_SYNTHETIC.brief if brief else _SYNTHETIC.full)
    return " ".join(parts)


#: How a figure's footer names each status (the issue's words: the press account is
#: hypothetical, a documented system has documented rules and assumed values).
FIGURE_WORDS: dict[SystemStatus, str] = {
    HYPOTHETICAL: "hypothetical",
    DOCUMENTED: "documented rules, assumed values",
    COUNTERFACTUAL: "counterfactual",
    USER: "user scenario",
}


def figure_caveat(systems: Iterable[System], code: str) -> str:
    """The one-line caveat every figure carries (drawn in it and in its PNG metadata): the
    statuses shown, "synthetic citizens", the code (``scoresim 0.2.0, model v2``) and each
    system with its status.

    >>> figure_caveat([describe("seed"), describe("control")], "scoresim 0.2.0, model v1")
    'hypothetical; counterfactual · synthetic citizens · scoresim 0.2.0, model v1 · seed \
(hypothetical), control (counterfactual)'
    """
    systems = list(systems)
    statuses = [FIGURE_WORDS[st] for st in FIGURE_WORDS if any(s.status == st for s in systems)]
    arms = ", ".join(f"{s.name} ({FIGURE_WORDS[s.status]})" for s in systems)
    return " · ".join(["; ".join(statuses), "synthetic citizens", code, arms])
