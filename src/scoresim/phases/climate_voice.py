"""Model v3's ``climate_voice_corr`` (docs/model.md 7.5): the correlation, among the agents
privately critical at the start of adaptation, of the support each sees (7.2's definition,
whatever the expression model) and whether it speaks after the phase; the spiral of silence's
measure in surveys (Glynn, Hayes and Shanahan 1997; Matthes, Knoll and von Sikorski 2018)."""

from __future__ import annotations

import numpy as np
from numba import prange

from scoresim.core.jit import SUM_CHUNKS, kernel
from scoresim.core.moments import COMOMENTS, merge_comoments, pearson_of_comoments


@kernel
def climate_voice_comoments(flags, censor, supports):
    """Centred co-moments of (support, 1 - censor) over the agents that were critical at the
    start of the phase (the flag bit 4), for 7.5's ``climate_voice_corr``: support as the main
    loop counted it from the start-of-phase snapshot, censor after the update.

    Welford's update within each of the fixed chunks of agents, then the chunks merged in
    order (:func:`~scoresim.core.moments.merge_comoments`): no sum of squares cancels when
    speech is nearly constant, and the bits do not depend on the number of threads. The pairs
    are taken relative to the first critic's, so that the chunks' means keep the digits in
    which nearly equal values differ (a mean near 1 would round them away)."""
    n = flags.size
    first = 0
    while first < n and not flags[first] & 4:
        first += 1
    if first == n:  # no critic: a count of 0 (filled by a plain loop: np.zeros would be a
        empty = np.empty(COMOMENTS)  # second parallel region of the kernel)
        for k in range(COMOMENTS):
            empty[k] = 0.0
        return empty
    x0, y0 = supports[first], 1.0 - censor[first]
    size = (n + SUM_CHUNKS - 1) // SUM_CHUNKS
    rows = np.empty((SUM_CHUNKS, COMOMENTS))  # every chunk writes its row
    for c in prange(SUM_CHUNKS):
        count = 0
        mx = my = cxx = cyy = cxy = 0.0
        for i in range(max(first, c * size), min(n, (c + 1) * size)):
            if not flags[i] & 4:
                continue
            x = supports[i] - x0
            y = (1.0 - censor[i]) - y0
            count += 1
            dx, dy = x - mx, y - my
            mx += dx / count
            my += dy / count
            ey = y - my
            cxx += dx * (x - mx)
            cyy += dy * ey
            cxy += dx * ey
        row = rows[c]
        row[0], row[1], row[2], row[3], row[4], row[5] = count, mx, my, cxx, cyy, cxy
    return merge_comoments(rows)


def climate_voice_corr(comoments: np.ndarray) -> float:
    """7.5's ``climate_voice_corr`` from :func:`climate_voice_comoments`'s co-moments: NaN
    when support or speech has no variance among the privately critical (or fewer than two)."""
    count, _, _, cxx, cyy, cxy = comoments
    return pearson_of_comoments(count, cxx, cyy, cxy)
