"""The one validation path of every input file (scenario, sweep, calibration): a strict, frozen
pydantic model, and one formatter that turns its errors into one line naming the field.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from scoresim.core.errors import ScenarioError


class InputModel(BaseModel):
    """The base of every model read from an input file: frozen, strict (no coercion), no
    unknown field, no NaN or infinity."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


Model = TypeVar("Model", bound=BaseModel)


def validated(model: type[Model], data: Any, source: str) -> Model:
    """``data`` validated as ``model``; a failure is one :class:`ScenarioError` line
    (``source`` names the input where no field is to blame).

    Examples
    --------
    >>> class Point(InputModel):
    ...     x: int
    >>> validated(Point, {"x": 1, "y": 2}, "point.toml")
    Traceback (most recent call last):
    ...
    scoresim.core.errors.ScenarioError: y: unknown field
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(one_line(exc, source, data)) from None


_TYPE_TAGS = {"int", "str", "float", "bool", "list", "dict"}
_TAG_PREFIXES = ("function-", "constrained-", "literal[")
_UNSEEN = object()


def _field_path(loc: tuple[int | str, ...], data: Any = _UNSEEN) -> str:
    """A dotted field path without pydantic's union and validator tags. A key found in the input
    ``data`` is never taken for a tag (a sweep outcome may be called ``int``)."""
    parts, node = [], data
    for p in loc:
        if isinstance(node, dict | list) and _has(node, p):
            parts.append(str(p))
            node = node[p]  # type: ignore[index]
            continue
        node = _UNSEEN
        if isinstance(p, int) or not (p in _TYPE_TAGS or p.startswith(_TAG_PREFIXES)):
            parts.append(str(p))
    return ".".join(parts)


def _has(node: dict[Any, Any] | list[Any], key: int | str) -> bool:
    if isinstance(node, dict):
        return key in node
    return isinstance(key, int) and 0 <= key < len(node)


def one_line(exc: ValidationError, source: str, data: Any = _UNSEEN) -> str:
    """The first validation error as one line: ``field.path: reason (and N more)`` (``data``:
    the validated input, if known, to tell its keys from pydantic's tags)."""
    err = exc.errors()[0]
    loc = _field_path(err["loc"], data)
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown field"
    elif err["type"] == "missing":
        msg = "required field is missing"
    elif (
        "input" in err
        and err["type"] not in ("value_error",)
        and not isinstance(err["input"], dict)
    ):
        msg = f"{msg} (got {err['input']!r})"
    if ":" in msg.split(" ")[0]:  # a model validator already names its field
        field, _, reason = msg.partition(": ")
        loc = f"{loc}.{field}" if loc else field
        msg = reason
    first = _field_path(err["loc"], data)
    others = [e for e in exc.errors()[1:] if _field_path(e["loc"], data) != first]
    more = f" (and {len(others)} more)" if others else ""
    text = f"{loc or source}: {msg}{more}"
    return text.replace("\r", "\\r").replace("\n", "\\n")
