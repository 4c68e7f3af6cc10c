"""Errors that the command line reports as one line and exit status 2."""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario, an override or an input file is invalid.

    The message names the dotted field path (or the file) and the reason, on one line.
    """


def missing_extra(what: str, extra: str, missing: str | None = None) -> ScenarioError:
    """The one message for a feature whose optional dependencies are not installed
    (``missing``: the module found missing, if known).

    Examples
    --------
    >>> msg = str(missing_extra("dashboard", "dashboard"))
    >>> msg.startswith("dashboard: needs the dashboard extra: pip install 'scoresim[dashboard]' ")
    True
    >>> msg.endswith("(from a clone: pip install -e '.[dashboard]')")
    True
    """
    absent = f" ({missing} is not installed)" if missing else ""
    return ScenarioError(
        f"{what}: needs the {extra} extra{absent}: pip install 'scoresim[{extra}]' "
        f"(from a clone: pip install -e '.[{extra}]')"
    )
