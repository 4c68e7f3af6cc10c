"""Dotted field paths into a scenario mapping: ``graph.rewire``, ``tiers.0.reach``.

A list entry is addressed by its index or, where the entries have names, by its ``name``
(``tiers.poor.reach``, ``policy.records.traffic.rate``), as the policy timeline requires
(docs/model.md, section 6.7).
"""

from __future__ import annotations

from typing import Any

from scoresim.core.errors import ScenarioError


def _list_index(node: list[Any], part: str, where: str) -> int:
    if part.isdigit() and int(part) < len(node):
        return int(part)
    for k, item in enumerate(node):
        if isinstance(item, dict) and item.get("name") == part:
            return k
    names = [str(item["name"]) for item in node if isinstance(item, dict) and "name" in item]
    known = f"; names: {', '.join(names)}" if names else ""
    raise ScenarioError(f"{where}: no such list entry (the list has {len(node)} items{known})")


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set the field at the dotted ``path`` of ``data`` in place; an unknown field is refused.

    Examples
    --------
    >>> d = {"tiers": [{"name": "poor", "reach": 0.5}], "graph": {"rewire": 0.1}}
    >>> set_path(d, "tiers.poor.reach", 0.25); set_path(d, "graph.rewire", 1.0); d
    {'tiers': [{'name': 'poor', 'reach': 0.25}], 'graph': {'rewire': 1.0}}
    """
    parts = path.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        where = ".".join(parts[: i + 1])
        if isinstance(node, list):
            idx: int | str = _list_index(node, part, where)
        elif isinstance(node, dict):
            if part not in node:
                raise ScenarioError(f"{where}: unknown field")
            idx = part
        else:
            raise ScenarioError(f"{where}: {'.'.join(parts[:i])} is not a table")
        if i == len(parts) - 1:
            node[idx] = value
        else:
            node = node[idx]
