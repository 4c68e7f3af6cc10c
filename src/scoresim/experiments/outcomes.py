"""The outcome language: checked expressions over a run's per-step metric columns.

Sweep outcomes, compare effects and calibration targets are all written in it:

- a metric column (``critical_posts``), a series over the run's steps;
- ``control.<column>``: the same column of the paired control run (a compare effect, or a
  calibration with a ``control`` scenario);
- numbers, ``+ - * /``, unary minus and parentheses; a division by zero gives NaN at that
  step (or in that run), never an infinity;
- ``cumsum(x)``: the running total over steps from step 1 (published figures are often
  cumulative: "ever listed", "flights blocked so far");
- one number of a series: ``x[52]``, its value at step 52; ``last(x)``, at the last step;
  ``mean(x)``, ``max(x)``, ``min(x)``, ``sum(x)`` over every step, or over a window,
  ``mean(x, 40, 52)`` (steps 40 to 52, both included). Steps count from 1; a negative step
  counts from the end (``-1`` is the last step), and a window counted from the end that
  reaches before step 1 starts at step 1 (``mean(x, -52, -1)``: the last year, or the whole
  of a shorter run). The reductions skip the steps where the series is NaN (NaN if none is
  left); ``x[k]`` and ``last(x)`` do not.

For example ``cumsum(travel_denied) / cumsum(listings)`` (denials so far per listing so far),
``1 - critical_posts / control.critical_posts`` (the chilling effect) or
``mean(employment_listed - employment, -52, -1)``. The text is parsed with Python's
``ast`` module and only these node kinds are accepted; nothing is ever passed to ``eval``.
Every array the expression reads may carry leading axes (replications): the steps are the
last axis, so one evaluation serves every replication at once.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoresim.core.errors import ScenarioError

CONTROL = "control"
#: Functions of a series that give a series.
SERIES_FUNCTIONS = ("cumsum",)
#: Functions of a series that give one number; all but ``last`` take an optional window.
REDUCTIONS = ("mean", "max", "min", "sum", "last")
FUNCTIONS = (*SERIES_FUNCTIONS, *REDUCTIONS)
SYNTAX = ("a column, control.<column>, numbers, + - * /, x[step], cumsum(x), last(x), "
          "mean|max|min|sum(x[, from, to])")  # fmt: skip

#: The values an expression computes: arrays whose last axis is the step (a series), or
#: without it (one number per run).
Value = np.ndarray


@dataclass(frozen=True)
class Expression:
    """A parsed, checked outcome expression.

    ``reduced`` is True when the expression gives one number per run (``mean(x)``,
    ``x[10] - x[1]``), False when it gives a series over steps (``cumsum(a) / cumsum(b)``).

    Examples
    --------
    >>> e = parse("cumsum(a) / cumsum(b)", ["a", "b"])
    >>> sorted(e.columns), e.evaluate({"a": np.array([1.0, 1.0]), "b": np.array([2.0, 0.0])})
    (['a', 'b'], array([0.5, 1. ]))
    >>> parse("1 - x / control.x", ["x"], ["x"]).evaluate(
    ...     {"x": np.array([3.0])}, {"x": np.array([4.0])})
    array([0.25])
    >>> parse("mean(x, 2, 3)", ["x"]).at_end({"x": np.array([[9.0, 1.0, 2.0]])})
    array([1.5])
    """

    text: str
    tree: ast.expr
    columns: frozenset[str]
    control_columns: frozenset[str]
    reduced: bool

    def evaluate(self, series: Mapping[str, np.ndarray],
                 control: Mapping[str, np.ndarray] | None = None) -> np.ndarray:  # fmt: skip
        """The expression's value at every step (for a reduced expression, its one number
        repeated); NaN where undefined."""
        out = self._value(series, control)
        steps = next(iter(series.values())).shape[-1] if series else 1
        shape = (*out.shape[:-1], steps) if out.ndim else (steps,)
        return np.broadcast_to(out, shape).copy()

    def at_end(self, series: Mapping[str, np.ndarray],
               control: Mapping[str, np.ndarray] | None = None) -> np.ndarray:  # fmt: skip
        """One number per run: the expression's value if reduced, else its last step."""
        out = self._value(series, control)
        return out[..., -1] if out.ndim else out

    def _value(self, series: Mapping[str, np.ndarray],
               control: Mapping[str, np.ndarray] | None) -> np.ndarray:  # fmt: skip
        """Steps on the last axis; a reduced value keeps a last axis of one step."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.asarray(_eval(self.tree, series, control or {}), dtype=np.float64)
        return np.where(np.isfinite(out), out, np.nan)


def parse(text: str, columns: Sequence[str], control_columns: Sequence[str] | None = None,
          steps: int | None = None) -> Expression:  # fmt: skip
    """Parse and check an outcome expression against the known column names.

    ``control_columns`` is None where there is no paired control run (``control.x`` is then
    an error); ``steps``, the run's length, if known, checks every step and window. Raises
    :class:`~scoresim.ScenarioError` with the reason (the caller prefixes the field).

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
    scoresim.core.errors.ScenarioError: unknown function '__import__' (known: cumsum, mean, max, min, sum, last)
    >>> parse("mean(adoption, 50, 40)", ["adoption"])
    Traceback (most recent call last):
    ...
    scoresim.core.errors.ScenarioError: mean(): bad window: step 50 comes after step 40
    """  # noqa: E501
    if not isinstance(text, str) or not text.strip():
        raise ScenarioError("must be a metric column or expression (got an empty string)")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise ScenarioError(f"cannot parse {text!r} ({SYNTAX})") from None
    checker = _Checker(
        set(columns) - {"step"},
        None if control_columns is None else set(control_columns) - {"step"},
        steps,
    )
    reduced = checker.check(tree)
    return Expression(text.strip(), tree, frozenset(checker.used),
                      frozenset(checker.used_control), reduced)  # fmt: skip


def split_assignment(text: str, what: str) -> tuple[str, str]:
    """``NAME=EXPR`` as (name, expression text); ``what`` names the option in the message.

    Examples
    --------
    >>> split_assignment("chill = 1 - last(x)", "--effect")
    ('chill', '1 - last(x)')
    """
    name, sep, expression = text.partition("=")
    if not sep or not name.strip() or not expression.strip():
        raise ScenarioError(f"{what}: expected NAME=EXPRESSION, got {text!r}")
    return name.strip(), expression.strip()


# --------------------------------------------------------------------------- checking
class _Checker:
    """Walks a parsed expression, admitting only the documented node kinds; ``check``
    returns whether the node gives one number per run (True) or a series (False)."""

    def __init__(self, known: set[str], known_control: set[str] | None,
                 steps: int | None) -> None:  # fmt: skip
        self.known, self.known_control, self.steps = known, known_control, steps
        self.used: set[str] = set()
        self.used_control: set[str] = set()

    def check(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            if node.id not in self.known:
                raise ScenarioError(f"unknown metric column {node.id!r}")
            self.used.add(node.id)
            return False
        if isinstance(node, ast.Attribute):
            if not (isinstance(node.value, ast.Name) and node.value.id == CONTROL):
                raise ScenarioError(f"{ast.unparse(node)!r}: only control.<column> is allowed")
            if self.known_control is None:
                raise ScenarioError(f"{ast.unparse(node)!r} reads a paired control run, which "
                                    "only a compare effect or a calibration with a control "
                                    "has")  # fmt: skip
            if node.attr not in self.known_control:
                raise ScenarioError(f"unknown metric column {node.attr!r} of the control")
            self.used_control.add(node.attr)
            return False
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Subscript):
            if self.check(node.value):
                raise ScenarioError(f"{ast.unparse(node)!r}: a step of one number")
            self._step(node.slice, f"{ast.unparse(node.value)}[...]")
            return True
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise ScenarioError(f"{node.value!r}: only numbers may appear as constants")
            return True
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _OPS:
                raise ScenarioError(f"operator {type(node.op).__name__} is not allowed "
                                    "(use + - * /)")  # fmt: skip
            left, right = self.check(node.left), self.check(node.right)
            return left and right
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                raise ScenarioError("only unary + and - are allowed")
            return self.check(node.operand)
        raise ScenarioError(f"{type(node).__name__} is not allowed in a metric expression")

    def _call(self, node: ast.Call) -> bool:
        name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        if name not in FUNCTIONS:
            raise ScenarioError(f"unknown function {name!r} (known: {', '.join(FUNCTIONS)})")
        if node.keywords:
            raise ScenarioError(f"{name}() takes no keyword arguments")
        windowed = name in REDUCTIONS and name != "last"
        counts = (1, 3) if windowed else (1,)
        if len(node.args) not in counts:
            shape = f"{name}(x) or {name}(x, from, to)" if windowed else f"{name}(x)"
            raise ScenarioError(f"{name}() takes one series: {shape}")
        if self.check(node.args[0]):
            raise ScenarioError(f"{name}() needs a series over steps, not one number "
                                f"({ast.unparse(node.args[0])!r})")  # fmt: skip
        if len(node.args) == 3:
            low, high = (self._step(a, f"{name}()") for a in node.args[1:])
            _window_order(low, high, f"{name}()")
        return name in REDUCTIONS

    def _step(self, node: ast.expr, where: str) -> int:
        """A step given as an integer constant, checked against the run's length if known."""
        step = _constant_step(node)
        if step is None:
            raise ScenarioError(f"{where}: a step must be a whole number, got "
                                f"{ast.unparse(node)!r}")  # fmt: skip
        if step == 0:
            raise ScenarioError(f"{where}: bad step 0 (steps count from 1, or from -1 at the "
                                "end)")  # fmt: skip
        if self.steps is not None and step > self.steps:
            raise ScenarioError(f"{where}: bad step {step}, beyond the run's {self.steps} steps")
        if self.steps is not None and step < -self.steps and where.endswith("[...]"):
            raise ScenarioError(f"{where}: bad step {step}, before the run's {self.steps} steps")
        return step


def _constant_step(node: ast.expr) -> int | None:
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        sign, node = -1, node.operand
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return sign * node.value
    return None


def _window_order(low: int, high: int, where: str) -> None:
    """Refuse a window whose first step follows its last (when both count the same way)."""
    if (low > 0) == (high > 0) and low > high:
        raise ScenarioError(f"{where}: bad window: step {low} comes after step {high}")


# --------------------------------------------------------------------------- evaluating
def _divide(a: Value, b: Value) -> Value:
    """``a / b``, NaN where ``b`` is zero."""
    b = np.asarray(b, dtype=np.float64)
    nonzero = b != 0
    return np.where(nonzero, np.divide(a, np.where(nonzero, b, 1.0)), np.nan)


_OPS: dict[type, Callable[[Value, Value], Value]] = {
    ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: _divide,
}  # fmt: skip


def _reduce(name: str, x: np.ndarray) -> Value:
    """One number of each run, kept on a last axis of one step (so that it combines with a
    series step by step). ``mean`` and ``sum`` are pandas' groupby mean and sum over the runs
    (so that the built-in effects, summed so before they were expressions, keep their bits);
    all skip NaN, and give NaN when nothing is left."""
    if name == "last":
        return x[..., -1:]
    lead = x.shape[:-1]
    if name in ("mean", "sum"):
        runs = np.repeat(np.arange(math.prod(lead)), x.shape[-1])
        grouped = pd.Series(x.reshape(-1)).groupby(runs)
        out = grouped.mean() if name == "mean" else grouped.sum(min_count=1)
        return out.to_numpy(dtype=np.float64).reshape(lead)[..., None]
    finite = np.isfinite(x)
    fill = np.inf if name == "min" else -np.inf
    out = (np.min if name == "min" else np.max)(np.where(finite, x, fill), axis=-1)
    return np.where(finite.any(axis=-1), out, np.nan)[..., None]


def _window(x: np.ndarray, low: int, high: int) -> np.ndarray:
    """Steps ``low`` to ``high`` of ``x`` (from 1, or from -1 at the end); an empty window
    (a run too short for it) leaves a step of NaN."""
    steps = x.shape[-1]
    first = low - 1 if low > 0 else max(steps + low, 0)
    last = high if high > 0 else steps + high + 1
    part = x[..., first : min(last, steps)]
    return part if part.shape[-1] else np.full((*x.shape[:-1], 1), np.nan)


def _eval(node: ast.expr, series: Mapping[str, np.ndarray],
          control: Mapping[str, np.ndarray]) -> Value | float:  # fmt: skip
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return np.asarray(series[node.id], dtype=np.float64)
    if isinstance(node, ast.Attribute):
        return np.asarray(control[node.attr], dtype=np.float64)
    if isinstance(node, ast.Subscript):
        x = np.asarray(_eval(node.value, series, control))
        step = _constant_step(node.slice)
        assert step is not None
        index = step - 1 if step > 0 else x.shape[-1] + step
        if not 0 <= index < x.shape[-1]:  # a run shorter than the step
            return np.full((*x.shape[:-1], 1), np.nan)
        return x[..., index : index + 1]
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        x = np.asarray(_eval(node.args[0], series, control))
        if node.func.id == "cumsum":
            return np.cumsum(x, axis=-1)
        if len(node.args) == 3:
            low, high = (_constant_step(a) for a in node.args[1:])
            assert low is not None and high is not None
            x = _window(x, low, high)
        return _reduce(node.func.id, x)
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, series, control)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        return _OPS[type(node.op)](_eval(node.left, series, control),
                                   _eval(node.right, series, control))  # fmt: skip
    raise AssertionError(f"unchecked node {type(node).__name__}")  # parse() admits no other
