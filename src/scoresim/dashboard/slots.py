"""How many simulations a dashboard server advances at once (``scoresim dashboard --max-runs``).

A classroom opens one URL on many laptops; every viewer's page builds its society, but only
``max_runs`` of them may be running or stepping at a time. A viewer who asks for one more waits
in line, first come first served, and is told its place ("you are 2nd in line",
:func:`queue_message`); its run starts by itself when a slot is free, instead of asking anyone to
try again. A run holds its slot from Run or Step until it pauses, reaches its step target or
the horizon, fails, is reset or its page goes away; pausing or resetting while in line leaves
the line.

The line is polled, never signalled across pages: a waiting page's own thread asks
:meth:`RunSlots.claim` now and then, and gets a slot when one is free and it is among the first
in line, so no page ever waits on another page's lock.

Examples
--------
>>> slots = RunSlots(1)
>>> slots.claim("a"), slots.claim("b"), slots.in_use, slots.position("b")
(True, False, 1, 1)
>>> slots.claim("c"), slots.position("c"), queue_message(slots.position("c"), slots.limit)
(False, 2, 'waiting for a free run: you are 2nd in line (this server runs 1 at once)')
>>> slots.release(); slots.claim("c"), slots.claim("b"), slots.position("c")
(False, True, 1)
"""

from __future__ import annotations

import os
import threading
from collections.abc import Hashable

#: Default ``--max-runs``.
DEFAULT_MAX_RUNS = 4


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``...

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st', '111th']
    """
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def queue_message(position: int, limit: int) -> str:
    """What a waiting viewer is told: its place in line."""
    return (f"waiting for a free run: you are {ordinal(position)} in line "
            f"(this server runs {limit} at once)")  # fmt: skip


class RunSlots:
    """A counting cap shared by all sessions of one server, with a first-come line (thread-safe).

    A ticket is any hashable that names one page (its worker)."""

    def __init__(self, limit: int = DEFAULT_MAX_RUNS) -> None:
        if limit < 1:
            raise ValueError(f"max_runs: must be at least 1 (got {limit})")
        self.limit = limit
        self._lock = threading.Lock()
        self._in_use = 0
        self._line: list[Hashable] = []
        #: grows with every change of the slots or the line (the pages redraw their counters)
        self.version = 0

    @property
    def in_use(self) -> int:
        """Slots held now."""
        return self._in_use

    @property
    def waiting(self) -> int:
        """Pages in line."""
        return len(self._line)

    def claim(self, ticket: Hashable) -> bool:
        """Take a slot for ``ticket`` if one is free and nobody ahead of it waits; otherwise put
        it in line (once) and return False. Never waits."""
        with self._lock:
            free = self.limit - self._in_use
            ahead = self._line.index(ticket) if ticket in self._line else len(self._line)
            if free > 0 and ahead < free:
                if ticket in self._line:
                    self._line.remove(ticket)
                self._in_use += 1
                self.version += 1
                return True
            if ticket not in self._line:
                self._line.append(ticket)
                self.version += 1
            return False

    def position(self, ticket: Hashable) -> int | None:
        """``ticket``'s place in line (1: next), None if it is not waiting."""
        with self._lock:
            return self._line.index(ticket) + 1 if ticket in self._line else None

    def leave(self, ticket: Hashable) -> None:
        """Take ``ticket`` out of the line (paused, reset or gone)."""
        with self._lock:
            if ticket in self._line:
                self._line.remove(ticket)
                self.version += 1

    def release(self) -> None:
        """Give a slot back (the first in line takes it when its page next asks)."""
        with self._lock:
            if self._in_use <= 0:
                raise RuntimeError("release of a run slot that was not taken")
            self._in_use -= 1
            self.version += 1


_server_slots: RunSlots | None = None
_server_lock = threading.Lock()


def server_slots() -> RunSlots:
    """The server's shared slots, sized by ``SCORESIM_DASHBOARD_MAX_RUNS`` (default 4)."""
    global _server_slots
    with _server_lock:
        if _server_slots is None:
            limit = int(os.environ.get("SCORESIM_DASHBOARD_MAX_RUNS", DEFAULT_MAX_RUNS))
            _server_slots = RunSlots(limit)
        return _server_slots
