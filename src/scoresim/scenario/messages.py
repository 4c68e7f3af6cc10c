"""One-line messages for validation errors: the dotted field path and the reason."""

from __future__ import annotations

from pydantic import ValidationError

_TYPE_TAGS = {"int", "str", "float", "bool", "list", "dict"}
_TAG_PREFIXES = ("function-", "constrained-", "literal[")


def _field_path(loc: tuple[int | str, ...]) -> str:
    """A dotted field path without pydantic's union and validator tags."""
    return ".".join(
        str(p)
        for p in loc
        if isinstance(p, int) or not (p in _TYPE_TAGS or p.startswith(_TAG_PREFIXES))
    )


def one_line(exc: ValidationError, source: str) -> str:
    """The first validation error as one line: ``field.path: reason (and N more)``."""
    err = exc.errors()[0]
    loc = _field_path(err["loc"])
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
    others = [e for e in exc.errors()[1:] if _field_path(e["loc"]) != _field_path(err["loc"])]
    more = f" (and {len(others)} more)" if others else ""
    text = f"{loc or source}: {msg}{more}"
    return text.replace("\r", "\\r").replace("\n", "\\n")
