"""The colours of scoresim's figures, one definition for the dashboard and the report.

Each system has one colour everywhere (its preset name picks it), tiers run from red (lowest) to
green (highest) without any blue, so that no tier shares a colour with a system or with the new
ties of a network drawing. Colours of the first systems follow matplotlib's ``tab10`` cycle.

Examples
--------
>>> ARM_COLOURS["seed"], ARM_COLOURS["control"]
('#d62728', '#7f7f7f')
>>> arm_colours(["seed", "mine", "control", "theirs"])
{'seed': '#d62728', 'mine': '#ff7f0e', 'control': '#7f7f7f', 'theirs': '#8c564b'}
>>> tier_colours(4)
['#c62828', '#ef6c00', '#9e9d24', '#2e7d32']
"""

from __future__ import annotations

from collections.abc import Iterable

#: The colour of each bundled preset (and of the control, drawn dashed).
ARM_COLOURS: dict[str, str] = {
    "seed": "#d62728",
    "zhima-2015": "#1f77b4",
    "rongcheng": "#2ca02c",
    "defaulter-blacklist": "#9467bd",
    "control": "#7f7f7f",
}

#: Colours for further systems (loaded scenario files), in the order they are handed out.
FURTHER_COLOURS: tuple[str, ...] = ("#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22")

#: Tier colours from the lowest tier to the highest (interpolated for other tier counts).
TIER_ANCHORS: tuple[str, ...] = ("#c62828", "#ef6c00", "#9e9d24", "#2e7d32")

#: Agents who are not enrolled (not scored), in drawings coloured by tier.
NOT_ENROLLED_COLOUR = "#bdbdbd"
#: Ties of a network drawing: kept since the start, new since the start, cut since the start.
KEPT_TIE, NEW_TIE, CUT_TIE = "#9e9e9e", "#283593", "#e53935"
#: Event lines on the time axis (a scheduled change of policy).
EVENT_COLOUR = "#37474f"


def arm_colours(names: Iterable[str]) -> dict[str, str]:
    """One colour per system name: its preset colour, else the next unused further colour.

    Names beyond the further colours reuse them in order (never more than a handful on one page).
    """
    names = list(dict.fromkeys(names))
    taken = {ARM_COLOURS[n] for n in names if n in ARM_COLOURS}
    spare = [c for c in FURTHER_COLOURS if c not in taken] or list(FURTHER_COLOURS)
    out: dict[str, str] = {}
    k = 0
    for name in names:
        if name in ARM_COLOURS:
            out[name] = ARM_COLOURS[name]
        else:
            out[name] = spare[k % len(spare)]
            k += 1
    return out


def tier_colours(n: int) -> list[str]:
    """``n`` colours from red (lowest tier) to green (highest), as ``#rrggbb``.

    Examples
    --------
    >>> tier_colours(2), len(tier_colours(6))
    (['#c62828', '#2e7d32'], 6)
    """
    if n <= len(TIER_ANCHORS):
        picks = [round(i * (len(TIER_ANCHORS) - 1) / max(n - 1, 1)) for i in range(n)]
        return [TIER_ANCHORS[p] for p in picks]
    rgb = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in TIER_ANCHORS]
    out = []
    for i in range(n):
        x = i * (len(rgb) - 1) / (n - 1)
        lo = min(int(x), len(rgb) - 2)
        f = x - lo
        mix = [round(a + (b - a) * f) for a, b in zip(rgb[lo], rgb[lo + 1], strict=True)]
        out.append("#" + "".join(f"{c:02x}" for c in mix))
    return out
