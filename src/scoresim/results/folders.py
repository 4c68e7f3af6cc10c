"""Run folders written atomically: filled in a temporary sibling and renamed into place, so an
interrupted run never leaves a folder that looks complete, and an earlier result in the same
place is replaced only once the new one is whole.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_folder(folder: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``folder`` to fill; on success it replaces ``folder``.

    On any failure (an exception, Ctrl-C, a full disk) the temporary folder is removed and an
    existing ``folder`` is left as it was, so a folder never looks complete when it is not. An
    ``OSError`` comes out naming ``folder`` itself, never the temporary name.
    """
    folder = Path(folder)
    tmp = _make_sibling(folder)
    try:
        yield tmp
        _replace_folder(tmp, folder)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise output_error(folder, exc) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def check_output_folder(folder: str | Path) -> None:
    """Fail now, not after the run, if ``folder`` cannot be written: a file is in its place, or
    no temporary sibling can be made there (a read-only or pseudo file system)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OSError(errno.EEXIST, "exists and is not a folder", str(folder))
    _make_sibling(folder).rmdir()


def output_error(folder: Path, exc: OSError) -> OSError:
    """``exc`` as an ``OSError`` about ``folder`` (the user's path), with a one-line reason.

    Examples
    --------
    >>> e = output_error(Path("out"), OSError("Failed to open 'x'. Detail: [errno 28] No space"))
    >>> e.errno, e.filename, e.strerror
    (28, 'out', 'cannot write the results (No space left on device)')
    """
    code = exc.errno
    if code is None:  # pyarrow's errors carry the errno in their message only
        found = re.search(r"\[errno (\d+)\]", str(exc))
        code = int(found.group(1)) if found else None
    if code is not None:
        reason = os.strerror(code)
    else:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return OSError(code, f"cannot write the results ({reason})", str(folder))


def _make_sibling(folder: Path) -> Path:
    """A new empty folder ``.<name>.XXXX`` beside ``folder``, with the umask's permissions."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    except OSError as exc:
        raise output_error(folder, exc) from None
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; results are ordinary files
    return tmp


def _replace_folder(tmp: Path, folder: Path) -> None:
    """Rename ``tmp`` to ``folder``, replacing an existing one only after the new one is whole.

    Ctrl-C and SIGTERM wait until the swap is over (in the main thread), so that it is never
    left half done."""
    signals = {signal.SIGINT, signal.SIGTERM}
    main = threading.current_thread() is threading.main_thread()
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, signals) if main else None
    try:
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
            try:
                os.replace(tmp, folder)
            except BaseException:
                os.replace(old, folder)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    finally:
        if blocked is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
