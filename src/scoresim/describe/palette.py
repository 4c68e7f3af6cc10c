"""The colours of scoresim's figures besides the systems' own, one definition for the dashboard
and the report.

A bundled system's colour lives with the system (:data:`scoresim.describe.systems.SYSTEMS`);
further systems (loaded scenario files) take :data:`FURTHER_COLOURS` in turn. Tiers run from red
(lowest) to green (highest) without any blue, so that no tier shares a colour with a system or
with the new ties of a network drawing. Colours of the first systems follow matplotlib's
``tab10`` cycle.

Examples
--------
>>> tier_colours(4)
['#c62828', '#ef6c00', '#9e9d24', '#2e7d32']
"""

from __future__ import annotations

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
#: The channels of the chill (docs/model.md 7.5), in the order the voice passes them.
CHANNEL_COLOURS: dict[str, str] = {"private drift": "#26a69a", "self-censorship": "#5c6bc0",
                                   "throttling": "#ffb300"}  # fmt: skip
#: Critics who say what they think, and critics who keep quiet.
SPEAKING_COLOUR, SILENT_COLOUR = "#5c6bc0", "#b0bec5"


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
