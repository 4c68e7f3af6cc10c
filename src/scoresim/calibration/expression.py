"""Target metrics: a metric column, or a small arithmetic expression of columns.

A target's ``metric`` is read as an expression over the per-step metric columns of a run:

- a column name, e.g. ``adoption``;
- ``control.<column>``: the same column of the paired control run (when the calibration names
  a ``control`` scenario);
- numbers, ``+ - * /``, unary minus and parentheses;
- ``cumsum(x)``: the running total over steps from step 1 (published figures are often
  cumulative: "ever listed", "flights blocked so far").

For example ``cumsum(travel_denied) / cumsum(listings)`` (denials so far per listing so far)
or ``1 - critical_posts / control.critical_posts`` (the chilling effect). The text is parsed
with Python's :mod:`ast` and only these node kinds are accepted; nothing is ever passed to
``eval``. Division by zero and other undefined values give NaN.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from scoresim.core.errors import ScenarioError

FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"cumsum": np.cumsum}
_OPS: dict[type, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide,
}  # fmt: skip
CONTROL = "control"


@dataclass(frozen=True)
class Expression:
    """A parsed target metric.

    Examples
    --------
    >>> e = parse("cumsum(a) / cumsum(b)", ["a", "b"])
    >>> sorted(e.columns), e.evaluate({"a": np.array([1.0, 1.0]), "b": np.array([2.0, 0.0])})
    (['a', 'b'], array([0.5, 1. ]))
    >>> parse("1 - x / control.x", ["x"], ["x"]).evaluate(
    ...     {"x": np.array([3.0])}, {"x": np.array([4.0])})
    array([0.25])
    """

    text: str
    tree: ast.expr
    columns: frozenset[str]
    control_columns: frozenset[str]

    def evaluate(self, series: Mapping[str, np.ndarray],
                 control: Mapping[str, np.ndarray] | None = None) -> np.ndarray:  # fmt: skip
        """The expression's value at every step (an array over steps; NaN where undefined)."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.asarray(_eval(self.tree, series, control or {}), dtype=np.float64)
        out = np.where(np.isfinite(out), out, np.nan)
        if out.ndim == 0:  # a constant expression
            n = len(next(iter(series.values()))) if series else 1
            out = np.full(n, float(out))
        return out


def parse(text: str, columns: Sequence[str], control_columns: Sequence[str] | None = None
          ) -> Expression:  # fmt: skip
    """Parse and check a metric expression against the known column names.

    ``control_columns`` is None when there is no paired control (``control.x`` is then an
    error). Raises :class:`ScenarioError` with the reason (the caller prefixes the field).

    Examples
    --------
    >>> parse("adoption", ["adoption"]).columns
    frozenset({'adoption'})
    >>> parse("adoptoin", ["adoption"])
    Traceback (most recent call last):
    ...
    scoresim.core.errors.ScenarioError: unknown metric column 'adoptoin'
    >>> parse("__import__('os')", ["adoption"])
    Traceback (most recent call last):
    ...
    scoresim.core.errors.ScenarioError: unknown function '__import__' (known: cumsum)
    """
    if not isinstance(text, str) or not text.strip():
        raise ScenarioError("must be a metric column or expression (got an empty string)")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise ScenarioError(f"cannot parse {text!r} (a column, numbers, + - * /, "
                            "cumsum(...), control.<column>)") from None  # fmt: skip
    checker = _Checker(
        set(columns) - {"step"},
        None if control_columns is None else set(control_columns) - {"step"},
    )
    checker.check(tree)
    return Expression(text.strip(), tree, frozenset(checker.used),
                      frozenset(checker.used_control))  # fmt: skip


class _Checker:
    """Walks a parsed expression, admitting only the documented node kinds."""

    def __init__(self, known: set[str], known_control: set[str] | None) -> None:
        self.known, self.known_control = known, known_control
        self.used: set[str] = set()
        self.used_control: set[str] = set()

    def check(self, node: ast.expr) -> None:
        if isinstance(node, ast.Name):
            if node.id not in self.known:
                raise ScenarioError(f"unknown metric column {node.id!r}")
            self.used.add(node.id)
        elif isinstance(node, ast.Attribute):
            if not (isinstance(node.value, ast.Name) and node.value.id == CONTROL):
                raise ScenarioError(f"{ast.unparse(node)!r}: only control.<column> is allowed")
            if self.known_control is None:
                raise ScenarioError(f"{ast.unparse(node)!r} needs a control scenario (give "
                                    "control = ... in the calibration file)")  # fmt: skip
            if node.attr not in self.known_control:
                raise ScenarioError(f"unknown metric column {node.attr!r} of the control")
            self.used_control.add(node.attr)
        elif isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            if name not in FUNCTIONS:
                raise ScenarioError(f"unknown function {name!r} (known: "
                                    f"{', '.join(FUNCTIONS)})")  # fmt: skip
            if len(node.args) != 1 or node.keywords:
                raise ScenarioError(f"{name}() takes one argument")
            self.check(node.args[0])
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise ScenarioError(f"{node.value!r}: only numbers may appear as constants")
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _OPS:
                raise ScenarioError(f"operator {type(node.op).__name__} is not allowed "
                                    "(use + - * /)")  # fmt: skip
            self.check(node.left)
            self.check(node.right)
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                raise ScenarioError("only unary + and - are allowed")
            self.check(node.operand)
        else:
            raise ScenarioError(f"{type(node).__name__} is not allowed in a metric expression")


def _eval(node: ast.expr, series: Mapping[str, np.ndarray],
          control: Mapping[str, np.ndarray]) -> np.ndarray | float:  # fmt: skip
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return np.asarray(series[node.id], dtype=np.float64)
    if isinstance(node, ast.Attribute):
        return np.asarray(control[node.attr], dtype=np.float64)
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        return FUNCTIONS[node.func.id](np.asarray(_eval(node.args[0], series, control)))
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, series, control)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        return _OPS[type(node.op)](_eval(node.left, series, control),
                                   _eval(node.right, series, control))  # fmt: skip
    raise AssertionError(f"unchecked node {type(node).__name__}")  # parse() admits no other
