"""How many simulations a dashboard server advances at once (``scoresim dashboard --max-runs``).

A classroom opens one URL on many laptops; every viewer's page builds its society, but only
``max_runs`` of them may be running or stepping at a time. A viewer who asks for one more is told
the server is busy and to try again (:data:`BUSY`), instead of slowing everybody down. A run holds
its slot from Run or Step until it pauses, reaches its step target or the horizon, fails, is
reset or its page goes away.

Examples
--------
>>> slots = RunSlots(1)
>>> slots.try_acquire(), slots.try_acquire(), slots.in_use
(True, False, 1)
>>> slots.release(); slots.in_use
0
"""

from __future__ import annotations

import os
import threading

#: Default ``--max-runs``.
DEFAULT_MAX_RUNS = 4
#: What a viewer is told when every slot is taken.
BUSY = "busy: this server runs {n} at most at once, and all are going; try again in a minute"


class RunSlots:
    """A counting cap shared by all sessions of one server (thread-safe)."""

    def __init__(self, limit: int = DEFAULT_MAX_RUNS) -> None:
        if limit < 1:
            raise ValueError(f"max_runs: must be at least 1 (got {limit})")
        self.limit = limit
        self._lock = threading.Lock()
        self._in_use = 0

    @property
    def in_use(self) -> int:
        """Slots held now."""
        return self._in_use

    def try_acquire(self) -> bool:
        """Take a slot if one is free (never waits)."""
        with self._lock:
            if self._in_use >= self.limit:
                return False
            self._in_use += 1
            return True

    def release(self) -> None:
        """Give a slot back."""
        with self._lock:
            if self._in_use <= 0:
                raise RuntimeError("release of a run slot that was not taken")
            self._in_use -= 1

    def busy_message(self) -> str:
        """The refusal shown when no slot is free."""
        return BUSY.format(n=self.limit)


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
