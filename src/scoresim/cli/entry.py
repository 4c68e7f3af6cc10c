"""The ``scoresim`` command line.

Bad input (an unknown field, a wrong type, a value out of range, a missing or malformed file)
ends with one line on standard error naming the field or file and the reason, exit status 2,
no traceback and no output folder. Exit status 1 is a failure that is not the input's fault
(failed runs, a full disk); Ctrl-C (SIGINT) and SIGTERM end with one line and 130 or 143
(128 + the signal's number), leaving no partial output and no worker process behind. Heavy
modules (numba, pandas, pyarrow, rich) are imported only by the commands that need them.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import errno
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any, NoReturn

from scoresim.cli.parser import EXIT_USAGE, build_parser
from scoresim.core.errors import ScenarioError

EXIT_FAILURE = 1


#: write errors that are the device's, not the path's: exit 1 rather than 2
DEVICE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG})


class Interrupted(KeyboardInterrupt):
    """SIGTERM (or SIGINT) as an exception, so that cleanup runs as for Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _interrupt_cause(exc: BaseException) -> KeyboardInterrupt | None:
    """The ``KeyboardInterrupt`` (or :class:`Interrupted`) in ``exc``'s chain of causes."""
    seen = exc.__cause__ or exc.__context__
    while seen is not None and not isinstance(seen, KeyboardInterrupt):
        seen = seen.__cause__ or seen.__context__
    return seen


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``scoresim`` command."""
    previous = _catch_sigterm()
    args: argparse.Namespace | None = None
    try:
        args = build_parser().parse_args(argv)
        try:
            return args.func(args)
        except SystemError as exc:  # Ctrl-C inside a C call (numba loading its cache) comes so
            interrupt = _interrupt_cause(exc)
            if interrupt is None:
                raise
            raise interrupt from None
        except ScenarioError as exc:
            print(f"scoresim: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except OSError as exc:  # an output path that cannot be written, a full disk
            where = exc.filename or "output"
            text = exc.strerror or (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            print(f"scoresim: error: {where}: {text}", file=sys.stderr)
            return EXIT_FAILURE if exc.errno in DEVICE_ERRORS else EXIT_USAGE
        except RecursionError:  # a structure nested deeper than any input needs
            print("scoresim: error: input nested too deeply", file=sys.stderr)
            return EXIT_USAGE
    except KeyboardInterrupt as exc:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C cannot cut this line
        signum = getattr(exc, "signum", None) or (_RECEIVED[-1] if _RECEIVED else signal.SIGINT)
        note = getattr(args, "on_interrupt", "no results written")
        print(f"scoresim: interrupted ({signal.Signals(signum).name}); {note}", file=sys.stderr)
        return 128 + signum
    finally:
        _restore_signals(previous)


#: the signals received during this :func:`main`, in order: a library that turns the exception
#: into one of its own (DuckDB does, mid-query) cannot hide which signal it was
_RECEIVED: list[int] = []


def _catch_sigterm() -> dict[int, Any] | None:
    """Make SIGTERM (and Ctrl-C, unless ignored) raise :class:`Interrupted` (Python's default
    for SIGTERM ends the process at once, leaving temporary folders and worker processes
    behind); the handlers it replaced."""
    if threading.current_thread() is not threading.main_thread():
        return None
    _RECEIVED.clear()
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, _raise_interrupted)
    if previous[signal.SIGINT] is signal.default_int_handler:
        signal.signal(signal.SIGINT, _raise_interrupted)
    return previous


def _raise_interrupted(signum: int, frame: object) -> None:
    _RECEIVED.append(signum)
    raise Interrupted(signum)


def _restore_signals(previous: dict[int, Any] | None) -> None:
    for signum, handler in (previous or {}).items():
        if handler is not None:
            signal.signal(signum, handler)


def program() -> NoReturn:
    """The ``scoresim`` program: :func:`main`, then the process ends without tearing down the
    interpreter's objects (numba's compiler state alone takes 0.2 s to free, a quarter of a small
    run), once the ``atexit`` handlers have run and the standard streams are flushed."""
    code = main()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    program()
