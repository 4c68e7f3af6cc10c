"""The edge list a run read, kept in its folder, so that ``scoresim run DIR/scenario.toml``
reruns the folder bit for bit wherever it is (README, "Outputs").

The folder holds a byte-for-byte copy of the file (:data:`COPY_STEM` and the file's suffix), its
scenario names that copy (a path relative to the folder) with its sha256 (``graph.sha256``, which
the rerun checks), and, when the file's ids were relabelled, the mapping :data:`IDS_FILE`
(``agent,id``: agent ``k`` had id ``id`` in the file).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from scoresim.core.errors import ScenarioError
from scoresim.scenario import Scenario
from scoresim.scenario.edge_file import read_edge_file

#: the copy's name in the run folder, before the original file's suffix
COPY_STEM = "edgelist"
#: the relabelled ids, beside the copy
IDS_FILE = "edgelist-ids.csv"


def keep_edge_list(scenario: Scenario, folder: Path) -> Scenario:
    """Copy an edge-list scenario's file (and its ids, when relabelled) into ``folder``; return
    the scenario as the folder records it. Any other scenario is returned as it is.

    The copy must be the file the run read: a file changed since (its sha256 differs from
    ``graph.sha256``) is refused with one line.
    """
    g = scenario.graph
    if g.kind != "edgelist":
        return scenario
    source = Path(g.path)
    name = COPY_STEM + (source.suffix or ".txt")
    try:
        shutil.copyfile(source, folder / name)
    except OSError as exc:
        raise ScenarioError(f"graph.path: cannot copy {source}: {exc.strerror or exc}") from None
    edges = read_edge_file(folder / name, g.sha256)
    _, _, labels = edges.pairs(scenario.population.agents)
    if labels is not None:
        rows = "".join(f"{agent},{label}\n" for agent, label in enumerate(labels.tolist()))
        (folder / IDS_FILE).write_text("agent,id\n" + rows, encoding="utf-8")
    graph = g.model_copy(update={"path": name, "sha256": edges.sha256})
    return scenario.model_copy(update={"graph": graph})
