"""What the commands read from their arguments: ``--set`` overrides, scenarios, sweep files."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scoresim.core.errors import ScenarioError
from scoresim.core.streams import with_seed
from scoresim.scenario import Scenario


def parse_override(text: str) -> tuple[str, Any]:
    """``FIELD=VALUE`` with VALUE read as a TOML literal; anything else that does not open a
    TOML array, table or string is a bare string (a file name, a word), which the field's own
    validation refuses if it wants a number.

    Examples
    --------
    >>> parse_override("graph.rewire=1.0"), parse_override("graph.kind=sbm")
    (('graph.rewire', 1.0), ('graph.kind', 'sbm'))
    >>> parse_override("graph.path=data/friends 2.csv")
    ('graph.path', 'data/friends 2.csv')
    """
    field, sep, raw = text.partition("=")
    field = field.strip()
    if not sep or not field:
        raise ScenarioError(f"--set {text!r}: expected FIELD=VALUE")
    try:
        return field, tomllib.loads(f"v = {raw.strip()}")["v"]
    except RecursionError:
        raise ScenarioError(f"{field}: cannot read value (nested too deeply)") from None
    except tomllib.TOMLDecodeError:
        if raw.strip() and raw.strip()[0] not in "[{\"'" and "\n" not in raw:
            return field, raw.strip()
        raise ScenarioError(f"{field}: cannot read value {raw!r} (use a TOML literal)") from None


def load_scenario(
    name_or_path: str, overrides: Sequence[str] = (), seed: int | None = None
) -> Scenario:
    """A preset or file, with ``--set`` overrides and ``--seed`` applied, validated."""
    scenario = Scenario.resolve(name_or_path)
    changes = dict(parse_override(o) for o in overrides)
    return with_seed(scenario.with_overrides(changes) if changes else scenario, seed)


def validate_file(path: str | Path) -> Scenario:
    """What ``scoresim validate`` checks: the scenario file and, for an ``edgelist`` graph, the
    edge list itself, read as ``run`` would read it (a bad line is refused now, not later)."""
    scenario = Scenario.load(path)
    if scenario.graph.kind == "edgelist":
        from scoresim.society.generators import read_edgelist

        g = scenario.graph
        read_edgelist(Path(g.path), scenario.population.agents, g.sha256)
    return scenario


def isolated_note(scenario: Scenario) -> str | None:
    """The note "N isolated agents added" when ``population.agents`` exceeds the nodes."""
    added = scenario.isolated_agents()
    if not added:
        return None
    return (f"graph.path: {added:,} isolated agents added ({scenario.population.agents:,} agents,"
            f" {scenario.population.agents - added:,} nodes in {scenario.graph.path})")  # fmt: skip


def load_sweep(path: str | Path) -> Any:
    """A validated sweep file (``SweepSpec``), its design size checked, as ``sweep`` reads it."""
    from scoresim.experiments.spec import SweepSpec
    from scoresim.experiments.sweep import check_design_size

    spec = SweepSpec.load(path)
    check_design_size(spec)
    return spec
