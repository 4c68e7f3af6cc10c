"""Reading scenario files for the dashboard: uploads and paths inside the scenario folder.

Files are parsed as TOML and validated, never executed. Paths (the file's own, and an edge
list's ``graph.path``) must lie inside the scenario folder given when the server started; the
folder itself must exist (:func:`scenario_folder`). Every refusal is a
:class:`~scoresim.core.errors.ScenarioError` with one line naming the file or field and the reason,
which the page shows as it is.

Examples
--------
>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> read_scenario(b"steps = 5\\n", "short.toml", root).name
'short'
>>> read_scenario(b"steps = = 5", "bad.toml", root)
Traceback (most recent call last):
...
scoresim.core.errors.ScenarioError: bad.toml: malformed TOML (Invalid value (at line 1, column 9))
>>> scenario_folder(root / "missing")
Traceback (most recent call last):
...
scoresim.core.errors.ScenarioError: --scenarios: folder not found: ...missing
"""

from __future__ import annotations

from pathlib import Path

from scoresim.core.errors import ScenarioError
from scoresim.scenario import Scenario
from scoresim.scenario.files import parse_toml

#: Largest scenario file the dashboard reads (an upload or a file under the scenario folder).
MAX_FILE_BYTES = 256 * 1024


def scenario_folder(path: Path | str | None) -> Path:
    """The scenario folder, resolved; refused unless it is an existing folder."""
    folder = Path(path if path is not None else Path.cwd()).expanduser().resolve()
    if not folder.exists():
        raise ScenarioError(f"--scenarios: folder not found: {folder}")
    if not folder.is_dir():
        raise ScenarioError(f"--scenarios: not a folder: {folder}")
    return folder


def read_scenario(data: bytes | str, filename: str, root: Path) -> Scenario:
    """A scenario from TOML text (an upload or a file's bytes)."""
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(f"{filename}: larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise ScenarioError(f"{filename}: not UTF-8 text") from None
    doc = parse_toml(text, filename)  # the one reader of every input file
    graph = doc.get("graph")
    if isinstance(graph, dict) and isinstance(graph.get("path"), str) and graph["path"]:
        resolved = (root / graph["path"]).resolve()
        if not resolved.is_relative_to(root):
            raise ScenarioError(f"graph.path: edge lists are read only from {root}")
        doc = {**doc, "graph": {**graph, "path": str(resolved)}}
    return Scenario.from_file_data(doc, filename, source=filename)


def read_path(relative: str, root: Path) -> tuple[bytes, str]:
    """The bytes and file name of a ``.toml`` file given by its path inside ``root``."""
    relative = relative.strip()
    if not relative:
        raise ScenarioError("give a path to a .toml file")
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise ScenarioError(f"{relative}: scenario files are read only from {root}")
    if path.suffix != ".toml":
        raise ScenarioError(f"{relative}: not a .toml file")
    if not path.is_file():
        raise ScenarioError(f"{relative}: no such file in {root}")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ScenarioError(f"{relative}: larger than {MAX_FILE_BYTES // 1024} KiB")
    return path.read_bytes(), path.name
