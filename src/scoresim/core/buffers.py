"""Reusing large arrays from one step to the next, only where nobody else can see it.

A fresh array of hundreds of megabytes costs the kernel a zeroed page for every page written,
which at 10^7 agents takes longer than the work done in it. So a step may write into the memory
of an array from the step before, but only when that array is unshared: referenced by nothing
but the one variable of the code that is about to reuse it (no view, no caller keeping it).
"""

from __future__ import annotations

import sys

import numpy as np


def _references(obj: object) -> int:
    return sys.getrefcount(obj)


def _baseline() -> int:
    probe = np.empty(0)  # held exactly like the argument of unshared: one local, then a call
    return _references(probe)


_BASELINE = _baseline()


def unshared(obj: object, holders: int = 0) -> bool:
    """Whether ``obj`` is referenced only by the one variable (or attribute) passed in, plus
    ``holders`` references the caller knows of (such as a view's ``base``).

    Examples
    --------
    >>> a = np.zeros(3)
    >>> unshared(a)
    True
    >>> view = a[1:]
    >>> unshared(a)
    False
    """
    return _references(obj) == _BASELINE + 1 + holders  # + 1: this function's own parameter


def reuse_or_empty(spares: dict, key: str, shape: int | tuple[int, ...], dtype: type) -> np.ndarray:
    """``spares.pop(key)`` if it has this shape and dtype and nothing else holds it, else a new
    uninitialised array.

    Examples
    --------
    >>> spares = {"x": np.zeros(3)}
    >>> a = reuse_or_empty(spares, "x", 3, np.float64)
    >>> a.tolist(), spares
    ([0.0, 0.0, 0.0], {})
    >>> reuse_or_empty({"x": a}, "x", 3, np.float64) is a  # `a` still holds it here
    False
    """
    old = spares.pop(key, None)
    shape = shape if isinstance(shape, tuple) else (shape,)
    if isinstance(old, np.ndarray) and old.shape == shape and old.dtype == dtype and unshared(old):
        return old
    return np.empty(shape, dtype)


#: ``Society.derived`` key of one float64 per agent that phases borrow in turn: scoring writes
#: the new scores into it and leaves the old ones there; the metrics sort a copy of the wealth
#: in it and leave it for the next step's scoring.
SPARE_FLOATS = "spare.float64"
