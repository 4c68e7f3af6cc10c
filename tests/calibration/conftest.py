"""Helpers of the calibration tests: small calibration files and a quiet progress bar."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import tomli_w

#: A small, valid calibration (500 citizens, 20 weeks): every test varies a copy of it.
BASE: dict[str, Any] = {
    "name": "tiny",
    "scenario": "seed",
    "method": "abc",
    "seed": 1,
    "replications": 1,
    "set": {"population.agents": 500, "steps": 20, "adoption.initial": 0.0},
    "parameters": {
        "adoption.innovation": {"low": 0.0005, "high": 0.02, "scale": "log"},
        "adoption.imitation": {"low": 0.005, "high": 0.5, "scale": "log"},
    },
    "targets": [
        {"name": "early", "metric": "adoption", "step": 7, "value": 0.03, "sd": 0.015},
        {"name": "late", "metric": "adoption", "window": [18, 20], "low": 0.1, "high": 0.2},
        {
            "name": "held",
            "metric": "adoption",
            "step": 14,
            "value": 0.08,
            "sd": 0.02,
            "held_out": True,
        },
    ],
    "budget": {"waves": 2, "points": 8, "generations": 2, "particles": 8, "checks": 4},
}


def calibration(**changes: Any) -> dict[str, Any]:
    """A deep copy of :data:`BASE` with top-level fields replaced."""
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(tomli_w.dumps(data))
    return path


class Quiet:
    """A progress bar that shows nothing (and counts what it is told)."""

    def __init__(self, *args: Any) -> None:
        self.simulations = 0
        self.rounds: list[tuple[str, dict[str, float]]] = []

    def __enter__(self) -> Quiet:
        return self

    def __exit__(self, *args: Any) -> None:
        pass

    def round(self, event: str, info: dict[str, float]) -> None:
        self.rounds.append((event, info))

    def point(self, *args: Any) -> None:
        pass

    def simulation(self, key: Any, new: int) -> None:
        self.simulations = new

    def start(self, *args: Any) -> None:
        pass


@pytest.fixture
def cal_file(tmp_path: Path) -> Path:
    return write(tmp_path / "tiny.toml", calibration())
