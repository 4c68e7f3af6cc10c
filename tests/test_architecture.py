"""The house shows the flow: the import graph of ``src/scoresim`` has no cycle, and no package
names a package above it in the order of the data (docs/architecture.md).

Every import counts: at module level, inside a function (lazy) and under ``TYPE_CHECKING``.
The graph is read from the source with :mod:`ast`, so nothing is imported to build it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

#: the packages in the order of the data: each may import only itself and those before it
LAYERS = (
    "core", "scenario", "society", "phases", "metrics", "results", "simulation",
    "experiments", "calibration", "describe", "report", "dashboard", "cli",
)  # fmt: skip
#: ``scoresim`` itself (the package face) comes last: it may import anything, nothing imports it
FACE = "scoresim"


def module_names(src: Path = SRC) -> dict[str, Path]:
    """Dotted name -> file, for every module and package under ``src``."""
    names = {}
    for path in (src / "scoresim").rglob("*.py"):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imported_modules(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The scoresim modules that ``name`` imports, eagerly, lazily or for type checking."""

    def resolve(dotted: str) -> str | None:
        while dotted and dotted not in known:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            # ``from package import module`` names the module, else the package face
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]  # fmt: skip
        else:
            continue
        for target in targets:
            if target == FACE or target.startswith(FACE + "."):
                resolved = resolve(target)
                if resolved and resolved != name:
                    found.add(resolved)
    return found


def import_graph(src: Path = SRC) -> nx.DiGraph:
    known = module_names(src)
    graph = nx.DiGraph()
    graph.add_nodes_from(known)
    for name, path in known.items():
        graph.add_edges_from((name, target) for target in imported_modules(name, path, known))
    return graph


def layer(module: str) -> int:
    """The position of ``module``'s package in :data:`LAYERS` (the face after them all)."""
    if module == FACE:
        return len(LAYERS)
    return LAYERS.index(module.split(".")[1])


def test_every_package_has_a_layer() -> None:
    tops = {name.split(".")[1] for name in module_names() if name != FACE}
    assert tops == set(LAYERS)


def test_no_import_cycle() -> None:
    cycles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert cycles == []


def test_no_upward_import() -> None:
    upward = sorted(
        f"{a} -> {b}" for a, b in import_graph().edges if layer(b) > layer(a)
    )
    assert upward == []


def test_core_imports_nothing_of_scoresim() -> None:
    graph = import_graph()
    core = f"{FACE}.core"
    reaching = sorted(
        f"{a} -> {b}" for a, b in graph.edges if a.startswith(core) and not b.startswith(core)
    )
    assert reaching == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from scoresim.society.graph import Graph\n", {"scoresim.society.graph"}),
        ("def f():\n    from scoresim.results import run\n", {"scoresim.results.run"}),
        ("if TYPE_CHECKING:\n    import scoresim.report.html\n", {"scoresim.report.html"}),
        ("from .graph import Graph\n", {"scoresim.society.graph"}),
        ("from scoresim import Run\n", {"scoresim"}),
        ("import numpy\n", set()),
    ],
)
def test_the_reader_sees_every_kind_of_import(tmp_path: Path, source: str, expected: set) -> None:
    """The checks above cannot pass by missing an import: each kind is found."""
    package = tmp_path / "scoresim"
    for sub in ("society", "results", "report"):
        (package / sub).mkdir(parents=True)
        (package / sub / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    for mod in ("society/graph.py", "results/run.py", "report/html.py"):
        (package / mod).write_text("")
    (package / "society" / "agents.py").write_text(source)
    graph = import_graph(tmp_path)
    assert set(graph.successors("scoresim.society.agents")) == expected


def test_an_upward_import_is_caught(tmp_path: Path) -> None:
    """A lazy import of the report from the results is an upward import."""
    package = tmp_path / "scoresim"
    for sub in ("results", "report"):
        (package / sub).mkdir(parents=True)
        (package / sub / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "report" / "html.py").write_text("from scoresim.results.run import Run\n")
    (package / "results" / "run.py").write_text(
        "def _repr_html_(self):\n    from scoresim.report.html import page\n"
    )
    graph = import_graph(tmp_path)
    assert [(a, b) for a, b in graph.edges if layer(b) > layer(a)] == [
        ("scoresim.results.run", "scoresim.report.html")
    ]
    assert len(list(nx.simple_cycles(graph))) == 1
