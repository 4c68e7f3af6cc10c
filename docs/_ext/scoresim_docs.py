"""Sphinx directives that generate reference pages from the code, so they cannot drift.

``scoresim-fields``
    Every field of :class:`scoresim.Scenario`, found by walking the pydantic models
    recursively: dotted path, type, constraints, value in the ``seed`` preset, the default when
    a file omits it, and its meaning. The meaning is the field's own documentation (a pydantic
    ``description`` or a ``#:`` comment above it), else the row of ``docs/scenario.md`` that
    names it, else that of the nearest documented parent (``population.dissent`` for
    ``population.dissent.a``). A field documented nowhere is a warning, so under ``-W`` a new
    field fails the docs build until it is described.

``scoresim-cli``
    Every command of ``scoresim`` from :func:`scoresim.cli.parser.build_parser`: usage, description,
    and each argument with its help text, choices and default.
"""

from __future__ import annotations

import argparse
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import annotated_types as at
from docutils import nodes
from docutils.statemachine import StringList
from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

SCENARIO_DOC = Path(__file__).resolve().parents[1] / "scenario.md"


# ----------------------------------------------------------------------------- scenario fields
@dataclass
class FieldRow:
    path: str
    type: str
    constraints: str
    seed: str
    default: str
    meaning: str
    source: str  # where the meaning came from: "code", "scenario.md", "parent" or ""


def type_name(annotation: Any) -> str:
    """A reader's name for a field's type: ``float``, ``int or str``, ``one of "a", "b"``."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_name(args[0])
    if origin is typing.Literal:
        return "one of " + ", ".join(f'"{a}"' if isinstance(a, str) else str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_name(a) for a in args)
    if origin is list:
        return f"list of {type_name(args[0])}" if args else "list"
    if origin is dict:
        return "table"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table"
    if annotation is object:
        return "any"
    return getattr(annotation, "__name__", str(annotation))


_BOUNDS = (
    (at.Ge, "ge", ">= {}"),
    (at.Gt, "gt", "> {}"),
    (at.Le, "le", "<= {}"),
    (at.Lt, "lt", "< {}"),
)


def constraints(info: Any) -> str:
    """The constraints pydantic enforces on a field, as text (``>= 0, <= 1``)."""
    out = []
    for item in info.metadata:
        for kind, attr, text in _BOUNDS:
            if isinstance(item, kind):
                out.append(text.format(_show(getattr(item, attr))))
        if isinstance(item, at.MinLen):
            out.append(f"at least {item.min_length} item(s)" if item.min_length > 1 or
                       typing.get_origin(info.annotation) is list else "not empty")  # fmt: skip
    return ", ".join(out)


def _model_of(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model class a field holds, and whether it is a list of them."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item, True
    return None, False


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list) and not value:
        return "none"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value)) if abs(value) >= 1 or value == 0 else repr(value)
    return str(value)


def _seed_value(values: list[Any], width: int = 40) -> str:
    if not values:
        return ""
    shown = [_show(v) for v in values]
    text = shown[0] if len(shown) == 1 else " / ".join(shown)
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def attribute_docs(model: type[BaseModel]) -> dict[str, str]:
    """``#:`` comments above the fields of ``model`` (as autodoc reads them)."""
    try:
        analyzer = ModuleAnalyzer.for_module(model.__module__)
        found = analyzer.find_attr_docs()
    except Exception:  # a model defined outside a readable module
        return {}
    return {name: " ".join(lines).strip() for (cls, name), lines in found.items()
            if cls == model.__name__}  # fmt: skip


def documented_meanings(text: str) -> dict[str, str]:
    """Field path -> meaning from the tables of ``docs/scenario.md``.

    Sections are headed ``## `[population]` ...`` or ``### ...`` (``[[tiers]]`` for lists,
    ``Top level`` for the top); a table row names one or more fields in backticks in its first
    cell, by their names in the section or by their full dotted paths.

    >>> documented_meanings("## `[graph]` (x)\\n| field | seed | meaning |\\n|---|---|---|\\n"
    ...                     "| `kind`, `path` | 1 | what it is |\\n")
    {'[graph]': 'x', 'graph.kind': 'what it is', 'graph.path': 'what it is'}
    """
    out: dict[str, str] = {}
    prefix = ""
    for line in text.splitlines():
        head = re.match(r"^#{2,3}\s+(.*)", line)
        if head:
            section = re.match(r"`\[\[?([\w.]+)\]?\]`\s*(.*)", head.group(1))
            prefix = section.group(1) if section else ""
            if section and section.group(2):
                out[f"[{prefix}]"] = section.group(2).strip().strip("()")
            continue
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or cells[0] == "field":
            continue
        for name in re.findall(r"`\[*([\w.]+)\]*`", cells[0]):
            path = f"{prefix}.{name}" if prefix else name
            out[path] = cells[-1]
    return out


def _meaning(info: Any, name: str, key: str, own: dict[str, str], documented: dict[str, str]
             ) -> tuple[str, str]:  # fmt: skip
    """A field's meaning and where it comes from: the code first, then docs/scenario.md."""
    if info.description:
        return info.description, "code"
    if name in own:
        return own[name], "code"
    if key in documented:
        return documented[key], "scenario.md"
    if f"[{key}]" in documented:  # a table with a section of its own
        return f"the `[{key}]` table ({documented[f'[{key}]']})", "scenario.md"
    return "", ""


def scenario_rows(documented: dict[str, str]) -> list[FieldRow]:
    """Every field of :class:`scoresim.Scenario`, depth first, in declaration order."""
    from scoresim import Scenario

    seed = Scenario.preset("seed").to_dict()
    rows: list[FieldRow] = []

    def walk(model: type[BaseModel], prefix: str, values: list[Any], inherited: str) -> None:
        own_docs = attribute_docs(model)
        for name, info in model.model_fields.items():
            path = f"{prefix}{name}"
            key = path.replace("[]", "")
            sub_values = [v[name] for v in values if isinstance(v, dict) and name in v]
            child, is_list = _model_of(info.annotation)
            meaning, source = _meaning(info, name, key, own_docs, documented)
            if not source and child is not None and not is_list:  # a table: its docstring
                meaning = (child.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
                if not meaning:  # a table without a docstring of its own
                    meaning = "a table of " + ", ".join(f"`{f}`" for f in child.model_fields)
                source = "table"
            if not source and inherited:
                meaning, source = f"see ``{prefix.rstrip('.').replace('[]', '')}``", "parent"
            if info.default is not PydanticUndefined:
                default = "" if isinstance(info.default, BaseModel) else _show(info.default)
            elif info.default_factory is not None:
                default = _show(info.default_factory())
            else:
                default = ""
            seed_value = "" if child is not None else _seed_value(sub_values)
            rows.append(FieldRow(path, type_name(info.annotation), constraints(info), seed_value,
                                 default, meaning, source))  # fmt: skip
            if child is not None:
                items = [x for v in sub_values for x in v] if is_list else sub_values
                walk(child, f"{path}[]." if is_list else f"{path}.", items, meaning or inherited)

    walk(Scenario, "", [seed], "")
    return rows


def md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown pipe table (the directives run inside MyST pages, which parse Markdown).

    >>> md_table(["a", "b"], [["x|y", "z"]])
    ['| a | b |', '|---|---|', '| x\\\\|y | z |']
    """

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"

    return [line(header), "|" + "---|" * len(header), *(line(r) for r in rows)]


def _code(text: str) -> str:
    return f"`{text}`" if text else ""


class _MarkdownDirective(SphinxDirective):
    has_content = False

    def markdown(self, lines: list[str], source: str) -> list[nodes.Node]:
        container = nodes.section()
        self.state.nested_parse(StringList(lines, source=source), 0, container, match_titles=True)
        return container.children


class ScenarioFields(_MarkdownDirective):
    """``{scoresim-fields}``: the scenario field reference."""

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(str(SCENARIO_DOC))
        rows = scenario_rows(documented_meanings(SCENARIO_DOC.read_text(encoding="utf-8")))
        for row in rows:
            if not row.source:
                logger.warning(
                    "scenario field %s has no documentation: add a row to docs/scenario.md "
                    "or a description to the field",
                    row.path,
                    location=self.get_location(),
                )
        table = [[_code(r.path), r.type, r.constraints, _code(r.seed), _code(r.default),
                  r.meaning] for r in rows]  # fmt: skip
        header = ["field", "type", "constraints", "seed", "if omitted", "meaning"]
        return self.markdown(md_table(header, table), "scoresim-fields")


# ----------------------------------------------------------------------------- the CLI
def _argument_rows(parser: argparse.ArgumentParser) -> list[list[str]]:
    rows = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
            continue
        name = ", ".join(action.option_strings) or action.metavar or action.dest
        if action.option_strings and action.nargs != 0:
            name += f" {action.metavar or action.dest.upper()}"
        details = []
        if action.choices:
            details.append("one of " + ", ".join(f"`{c}`" for c in action.choices))
        help_text = action.help if action.help not in (None, argparse.SUPPRESS) else ""
        if (action.default not in (None, argparse.SUPPRESS, [], False) and action.nargs != 0
                and "default" not in help_text):  # fmt: skip
            details.append(f"default `{action.default}`")
        if isinstance(action, argparse._AppendAction):
            details.append("may be given several times")
        help_text = help_text.replace("<", "\\<").replace(">", "\\>")  # not HTML
        rows.append([f"`{name}`", "; ".join(x for x in [help_text, *details] if x)])
    return rows


def _usage(parser: argparse.ArgumentParser) -> list[str]:
    return ["```text", *parser.format_usage().strip().splitlines(), "```", ""]


def cli_lines(parser: argparse.ArgumentParser) -> list[str]:
    """Markdown for the parser and each of its subcommands."""
    out = _usage(parser)
    rows = _argument_rows(parser)
    if rows:
        out += [*md_table(["argument", "meaning"], rows), ""]
    for sub in (a for a in parser._actions if isinstance(a, argparse._SubParsersAction)):
        helps = {c.dest: c.help for c in sub._choices_actions}
        for name, child in sub.choices.items():
            out += [f"## scoresim {name}", ""]
            if helps.get(name):
                out += [helps[name][0].upper() + helps[name][1:] + ".", ""]
            out += _usage(child)
            rows = _argument_rows(child)
            if rows:
                out += [*md_table(["argument", "meaning"], rows), ""]
    return out


class CliReference(_MarkdownDirective):
    """``{scoresim-cli}``: every command of ``scoresim`` from its argument parser."""

    def run(self) -> list[nodes.Node]:
        from scoresim.cli.parser import build_parser

        parser = build_parser()
        parser.prog = "scoresim"
        return self.markdown(cli_lines(parser), "scoresim-cli")


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("scoresim-fields", ScenarioFields)
    app.add_directive("scoresim-cli", CliReference)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
