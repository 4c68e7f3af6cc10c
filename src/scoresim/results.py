"""Results of a run: tables, the resolved scenario, and their files.

A run folder holds ``metrics.parquet``, ``agents.parquet``, ``edges.parquet``, ``scenario.toml``
and ``summary.json``. It is written into a temporary sibling folder and renamed into place at the
end, so an interrupted run never leaves a folder that looks complete, and an earlier result in
the same place is replaced only once the new one is whole.

Two ways lead to the same files: :meth:`Run.save` writes the DataFrames of a :class:`Run`, and
:class:`scoresim.run_files.RunFiles` (what ``scoresim run`` uses) writes a finished simulation
straight from its arrays.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scoresim.scenario import Scenario

# pandas and pyarrow are imported where tables are made: a simulation that is only stepped
# (a benchmark, a dashboard worker) does not carry their ~60 MB.
if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from scoresim.graph import Graph
    from scoresim.society import Society

INTEGER_METRICS = ("step", "edges", "loans_denied", "travel_denied", "listings", "delistings")
AGENT_COLUMNS = ("id", "dissent0", "dissent", "expressed", "fear", "censor", "buy_conform",
                 "score", "tier", "enrolled", "employed", "wealth", "degree",
                 "listed", "ever_listed")  # fmt: skip
RUN_FILES = ("metrics.parquet", "agents.parquet", "edges.parquet", "scenario.toml", "summary.json")


def version() -> str:
    from scoresim import __version__

    return __version__


def metrics_frame(rows: list[dict[str, float]], columns: list[str]) -> pd.DataFrame:
    """Metrics rows as a DataFrame with the given column order (counts as int64)."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=columns).astype("float64")
    for col in INTEGER_METRICS:
        frame[col] = frame[col].astype("int64")
    return frame


def agents_frame(society: Society, tier_names: tuple[str, ...]) -> pd.DataFrame:
    """Final agent state, one row per agent.

    ``tier`` is categorical over the tier names in order, null for agents never enrolled.
    """
    import pandas as pd

    codes = np.where(society.enrolled, society.tier, -1)
    return pd.DataFrame({
        "id": np.arange(society.n, dtype=np.int64),
        "dissent0": society.dissent0,
        "dissent": society.dissent,
        "expressed": society.expressed,
        "fear": society.fear,
        "censor": society.censor,
        "buy_conform": society.buy_conform,
        "score": society.score,
        "tier": pd.Categorical.from_codes(codes, categories=list(tier_names)),
        "enrolled": society.enrolled.copy(),
        "employed": society.employed.copy(),
        "wealth": society.wealth,
        "degree": society.graph.degree.astype(np.int64),
        **_listed_columns(society),
    })  # fmt: skip


def _listed_columns(society: Society) -> dict[str, np.ndarray]:
    """Model v2's blacklist flags (all false in a run without a blacklist)."""
    if society.blacklist_on:
        return {"listed": society.listed.copy(), "ever_listed": society.ever_listed.copy()}
    return {"listed": np.zeros(society.n, bool), "ever_listed": np.zeros(society.n, bool)}


def edges_frame(graph: Graph) -> pd.DataFrame:
    """Final edges, ``src < dst``, sorted."""
    import pandas as pd

    # one (edges, 2) block that pandas takes as it is: no copy of a table of 10^7 edges
    return pd.DataFrame(graph.edge_array().T, columns=["src", "dst"], copy=False)


@dataclass
class Run:
    """A finished (or paused) simulation: tables plus the resolved scenario that made them.

    Examples
    --------
    >>> import tempfile
    >>> from scoresim import Scenario, simulate
    >>> small = Scenario.preset("seed").with_overrides({"population.agents": 100, "steps": 2})
    >>> run = simulate(small)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     folder = run.save(f"{d}/out")
    ...     sorted(p.name for p in folder.iterdir())
    ['agents.parquet', 'edges.parquet', 'metrics.parquet', 'scenario.toml', 'summary.json']
    """

    scenario: Scenario
    metrics: pd.DataFrame
    agents: pd.DataFrame
    edges: pd.DataFrame
    wall_seconds: float = 0.0

    @property
    def seed(self) -> int:
        return self.scenario.seed

    def summary(self) -> dict[str, Any]:
        """Version, seed, wall time, size and the last metrics row."""
        last = {c: self.metrics[c].iloc[-1] for c in self.metrics} if len(self.metrics) else {}
        return summary_dict(self.scenario, self.wall_seconds, len(self.metrics), last)

    def save(self, folder: str | Path) -> Path:
        """Write the run folder atomically and return its path."""
        with atomic_folder(folder) as tmp:
            from scoresim.run_files import write_frames

            write_frames(tmp, self.metrics, self.agents, self.edges, file_metadata(self.scenario))
            (tmp / "scenario.toml").write_text(self.scenario.to_toml())
            (tmp / "summary.json").write_text(json.dumps(self.summary(), indent=2) + "\n")
        return Path(folder)

    def to_networkx(self) -> nx.Graph:
        """The final network as a :class:`networkx.Graph`, the agents' final state on its nodes.

        Node attributes: ``tier`` (absent for agents never enrolled), ``score``, ``dissent``,
        ``expressed``, ``enrolled``, ``listed`` and ``degree``; see :mod:`scoresim.export`.
        """
        from scoresim.export import to_networkx

        return to_networkx(self)

    def _repr_html_(self) -> str:
        """The summary Jupyter shows: scenario, size and the last step's headline metrics."""
        from scoresim.display import run_html

        return run_html(self)

    @classmethod
    def load(cls, folder: str | Path) -> Run:
        """Read a run folder written by :meth:`save`."""
        import pandas as pd

        folder = Path(folder)
        summary = json.loads((folder / "summary.json").read_text())
        return cls(
            scenario=Scenario.load(folder / "scenario.toml"),
            metrics=pd.read_parquet(folder / "metrics.parquet"),
            agents=pd.read_parquet(folder / "agents.parquet"),
            edges=pd.read_parquet(folder / "edges.parquet"),
            wall_seconds=float(summary.get("wall_seconds", 0.0)),
        )


def summary_dict(scenario: Scenario, wall_seconds: float, steps: int,
             last: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """What ``summary.json`` holds."""
    return {
        "version": version(),
        "scenario": scenario.name,
        "run_key": scenario.key(),
        "seed": scenario.seed,
        "wall_seconds": round(wall_seconds, 3),
        "agents": scenario.population.agents,
        "steps": steps,
        "last": {k: _json_number(v) for k, v in last.items()},
    }


def file_metadata(scenario: Scenario) -> dict[str, str]:
    """The key-value metadata every Parquet file of a run carries."""
    return {"scoresim.version": version(), "scoresim.seed": str(scenario.seed),
            "scoresim.scenario": scenario.to_toml()}  # fmt: skip


def _json_number(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        return None if math.isnan(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def dictionary_columns(schema: Any) -> list[str]:
    """Dictionary encoding only where the column is categorical: on floats it is tried, fails
    and costs five times the writing."""
    import pyarrow as pa

    return [f.name for f in schema if pa.types.is_dictionary(f.type)]


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
