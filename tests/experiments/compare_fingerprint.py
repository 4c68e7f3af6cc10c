"""Digests of everything `scoresim compare` writes and shows, two arms and three.

``tests/fingerprints/compare.json`` was written by this module (``python
tests/experiments/compare_fingerprint.py``) from the code before issue 18 made the two-arm
comparison the one-arm case of the N-arm one; ``test_compare_bytes.py`` checks that the same
commands still give exactly those bytes: every file of the compare folder, the terminal table,
the report made from the folder and the notebook summary (``_repr_html_``).

Only what varies from one run to the next is masked: the wall times (``compare.json``,
``summary.json``, the terminal's last line), the report's time of writing, and the git commit
and dirty flag that name the code (``compare.json``, ``summary.json``, the report's footer;
issue 20), which change with every commit. The folders are
written under a relative path in a scratch directory, so no absolute path enters the bytes.
Parquet files carry the versions of pandas and pyarrow and the report's figures that of
matplotlib: the store records those versions, and the test is skipped where they differ.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import tempfile
from importlib.metadata import version
from pathlib import Path

STORE = Path(__file__).parent.parent / "fingerprints" / "compare.json"

#: Libraries whose versions are written into the bytes (Parquet metadata, PNG figures).
LIBRARIES = ("numpy", "pandas", "pyarrow", "matplotlib", "numba")

SIZE = ["--replications", "2", "--seed", "3", "--workers", "1",
        "--set", "population.agents=200", "--set", "steps=6"]  # fmt: skip

#: A scenario file arm (a relative path: its ``source`` in compare.json is that text).
LISTING = ('base = "seed"\nname = "listing"\n[economy]\ndefault = 0.05\n'
           "[blacklist]\nenabled = true\nfrom_default = 1.0\n")  # fmt: skip

#: name -> compare command line (without ``--out``). Two arms: a treatment and its control;
#: three: two systems (a preset and a file whose blacklist is on) against one control.
CASES = {
    "two-arm": ["compare", "seed", "--against", "control", *SIZE],
    "three-arm": ["compare", "zhima-2015", "listing.toml", "--against", "control", *SIZE],
}

_WALL = re.compile(rb'("wall_seconds": )[0-9.e+-]+')
_WRITTEN = re.compile(rb"report written \d{4}-\d\d-\d\d \d\d:\d\d UTC")
_RESULTS = re.compile(rb"\(\d+\.\d s, (\d+) workers\)")
_GIT = re.compile(rb'("git": )(null|\{[^}]*\})')
_COMMIT = re.compile(rb", commit [0-9a-f]{7}( \(uncommitted changes\))?")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def masked(path: Path) -> bytes:
    """A file's bytes with its wall time and git state masked (JSON files only)."""
    data = path.read_bytes()
    if path.suffix != ".json":
        return data
    return _GIT.sub(rb"\1GIT", _WALL.sub(rb"\1 WALL", data))


def folder_digests(folder: Path) -> dict[str, str]:
    """Digest of every file under ``folder``, by relative path."""
    return {p.relative_to(folder).as_posix(): digest(masked(p))
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def case_digests(name: str, args: list[str]) -> dict[str, str]:
    """Run one compare command in the current directory; the digests of what it gave."""
    from scoresim.cli import main
    from scoresim.report import write_report

    out = f"cmp-{name}"
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        rc = main([*args, "--out", out])
    if rc != 0:
        raise RuntimeError(f"{name}: scoresim compare exited with {rc}")
    found = {f"files/{k}": v for k, v in folder_digests(Path(out)).items()}
    found["terminal"] = digest(_RESULTS.sub(rb"(WALL, \1 workers)", shown.getvalue().encode()))
    page = write_report(Path(out))
    page_bytes = _COMMIT.sub(b", COMMIT", page.read_bytes())
    found["report"] = digest(_WRITTEN.sub(b"report written WHEN", page_bytes))
    return found


def notebook_digests() -> dict[str, str]:
    """The ``_repr_html_`` of the Python API's comparisons of the same arms."""
    import scoresim

    small = {"population.agents": 200, "steps": 6}
    two = scoresim.compare("seed", against="control", replications=2, seed=3, overrides=small)
    three = scoresim.compare("zhima-2015", "listing.toml", against="control", replications=2,
                             seed=3, overrides=small)  # fmt: skip
    return {"two-arm": digest(two._repr_html_().encode()),
            "three-arm": digest(three._repr_html_().encode())}  # fmt: skip


def capture(notebook: bool = True) -> dict[str, dict[str, str]]:
    """Every digest, computed in a scratch directory (the current one is restored)."""
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        try:
            Path("listing.toml").write_text(LISTING)
            found = {name: case_digests(name, args) for name, args in CASES.items()}
            if notebook:
                found["notebook"] = notebook_digests()
        finally:
            os.chdir(here)
    return found


def libraries() -> dict[str, str]:
    return {name: version(name) for name in LIBRARIES}


if __name__ == "__main__":
    os.environ.pop("COLUMNS", None)
    stored = {"libraries": libraries(), **capture()}
    STORE.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
    print(f"wrote {STORE}")
