"""Errors that the command line reports as one line and exit status 2."""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario, an override or an input file is invalid.

    The message names the dotted field path (or the file) and the reason, on one line.
    """
