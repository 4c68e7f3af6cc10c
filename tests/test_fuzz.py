"""Fuzzing the input files (issue 13): hypothesis mutates valid scenario and sweep files (wrong
types, out-of-range values, NaN and inf, unknown and missing keys, broken tables, huge numbers,
garbage bytes, truncation, deep nesting) and every case must either validate or be refused with
one line naming what is wrong: never a traceback, a hang or a partial output.

Hundreds of cases go through the in-process validator (what the command does before it runs);
a sample of about 20 goes through the real command line, where a case that validates must also
run to the end. A new kind of input file (calibration files, say) is one more :class:`FileKind`
in :data:`KINDS`.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import math
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoresim import Scenario
from scoresim.cli import main
from scoresim.cli.inputs import load_sweep
from scoresim.core.errors import ScenarioError

SCORESIM = Path(sys.executable).parent / "scoresim"
CALIBRATIONS = Path(__file__).resolve().parent.parent / "calibration"


# --------------------------------------------------------------------------- the kinds of file
def _validate_scenario(path: Path) -> None:
    """``scoresim validate FILE`` in this process: exit 0, or 2 with one error line."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["validate", str(path)])
    if code != 0:
        assert code == 2, (code, err.getvalue())
        raise ScenarioError(err.getvalue().removeprefix("scoresim: error: ").rstrip("\n"))


def _validate_sweep(path: Path) -> None:
    """What ``scoresim sweep FILE`` checks before anything runs or is written."""
    load_sweep(path).points()


def _validate_calibration(path: Path) -> None:
    """What ``scoresim calibrate FILE`` checks before it simulates (the command line turns a
    RecursionError of the TOML reader into one line too)."""
    from scoresim.calibration.spec import CalibrationSpec

    try:
        CalibrationSpec.load(path)
    except RecursionError:
        raise ScenarioError("input nested too deeply") from None


@dataclass(frozen=True)
class FileKind:
    """A kind of input file: a valid document to mutate, the in-process check of a file, and
    the command line that validates and runs one (``{file}`` and ``{out}`` filled in; None for a
    kind whose run is too long for the suite, checked in process only)."""

    name: str
    document: dict[str, Any]
    validate: Callable[[Path], None]
    command: tuple[str, ...] | None
    output: str = ""  # what the command writes under the test's folder


def _scenario_document() -> dict[str, Any]:
    doc = Scenario.preset("seed").with_overrides({"population.agents": 200, "steps": 3}).to_dict()
    doc["schedule"] = [{"step": 2, "set": {"policy.detect.critical": 0.9, "tiers.0.reach": 0.4}}]
    doc["policy"]["records"] = [{"name": "fine", "kind": "offence", "rate": 0.05,
                                 "delta": -10.0, "detect": 0.5, "lists": False}]  # fmt: skip
    return doc


SWEEP_DOCUMENT: dict[str, Any] = {
    "name": "fuzz",
    "scenario": "seed",
    "sampler": "grid",
    "replications": 1,
    "seed": 1,
    "levels": 2,
    "set": {"population.agents": 100, "steps": 2},
    "parameters": {
        "graph.rewire": {"values": [0.1, 1.0]},
        "adoption.imitation": {"low": 0.01, "high": 0.2, "levels": 2},
    },
    "outcomes": {
        "crit": {"metric": "critical_posts", "reduce": "last"},
        "gap": {"metric": "falsification_gap", "reduce": "mean_last", "k": 2},
    },
}

KINDS = (
    FileKind("scenario", _scenario_document(), _validate_scenario,
             ("run", "{file}", "--out", "{out}/run"), "run"),
    FileKind("sweep", SWEEP_DOCUMENT, _validate_sweep,
             ("sweep", "{file}", "--db", "{out}/fuzz.duckdb"), "fuzz.duckdb"),
    FileKind("calibration", tomllib.loads((CALIBRATIONS / "press-account.toml").read_text()),
             _validate_calibration, None),
)  # fmt: skip
RUNNABLE = tuple(k for k in KINDS if k.command is not None)


# --------------------------------------------------------------------------- mutations
HUGE = (1e300, -1e300, 2.0**1023, 2**63, -(2**63), 2**64 + 1, 10**12, 10**30, 2**31, -1, 0)
WRONG = st.one_of(
    st.text(max_size=8), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False),
    st.just(float("nan")), st.just(float("inf")), st.just(float("-inf")),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=4), st.integers(),
                                                         max_size=2),
    st.just(dt.date(2020, 1, 1)), st.just(dt.datetime(2020, 1, 1, 12, 0)),
)  # fmt: skip


#: mutations of a document, and damage to its text, weighted by repetition
MUTATIONS = ("type", "type", "type", "huge", "huge", "nan", "nan", "unknown", "missing", "table",
             "nest")  # fmt: skip
DAMAGE = ("none",) * 6 + ("truncate", "garbage", "bytes", "duplicate")


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a document (tables, lists, leaves), the root excluded."""
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(
        node, list) else ()  # fmt: skip
    for key, value in items:
        out.append((*prefix, key))
        out.extend(_paths(value, (*prefix, key)))
    return out


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        doc = doc[key]
    return doc


@st.composite
def mutated(draw: st.DrawFn, kind: FileKind) -> bytes:
    """The bytes of a mutated file of ``kind``: one to three mutations of its document, then,
    sometimes, damage to the text itself."""
    doc = copy.deepcopy(kind.document)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = _parent(doc, path), path[-1]
        how = draw(st.sampled_from(MUTATIONS))
        if how == "type":
            parent[key] = draw(WRONG)
        elif how == "huge":
            parent[key] = draw(st.sampled_from(HUGE))
        elif how == "nan":
            parent[key] = draw(st.sampled_from([math.nan, math.inf, -math.inf]))
        elif how == "unknown":
            target = parent[key] if isinstance(parent[key], dict) else parent
            if isinstance(target, dict):
                target[draw(st.from_regex(r"[a-z_]{1,10}", fullmatch=True))] = draw(WRONG)
        elif how == "missing":
            del parent[key]
        elif how == "table":  # a table where a value goes, or a value where a table goes
            parent[key] = {"x": 1} if not isinstance(parent[key], dict) else [1, 2]
        else:
            depth = draw(st.sampled_from([40, 2000]))
            parent[key] = "[" * depth + "]" * depth  # written raw below
    try:
        text = tomli_w.dumps(doc)
    except (TypeError, ValueError):  # not TOML (e.g. a list mixing tables and values)
        text = tomli_w.dumps(kind.document) + "\n[[broken\n"
    text = text.replace("'" + "[" * 40, "[" * 40).replace("]" * 40 + "'", "]" * 40)
    text = text.replace('"' + "[" * 40, "[" * 40).replace("]" * 40 + '"', "]" * 40)
    data = text.encode()
    damage = draw(st.sampled_from(DAMAGE))
    if damage == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "garbage":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=12)) + data[at:]
    elif damage == "bytes":
        data = draw(st.binary(max_size=200))
    elif damage == "duplicate":
        lines = data.split(b"\n")
        k = draw(st.integers(0, max(0, len(lines) - 1)))
        data = b"\n".join([*lines[: k + 1], lines[k], *lines[k + 1 :]])
    return data


#: fixed examples (the suite must not pass one day and fail the next); no deadline (a shared
#: machine); the tmp_path reused across examples is meant
SETTINGS: dict[str, Any] = {"deadline": None, "derandomize": True, "suppress_health_check": [
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture]}  # fmt: skip


def _check_refusal(message: str) -> None:
    assert message and "\n" not in message and "\r" not in message, repr(message)
    assert "Traceback" not in message, message


# --------------------------------------------------------------------------- in process
@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
@settings(max_examples=180, **SETTINGS)
@given(data=st.data())
def test_every_mutation_validates_or_is_refused_in_one_line(
    kind: FileKind, data: st.DataObject, tmp_path: Path
) -> None:
    content = data.draw(mutated(kind), label="file")
    path = tmp_path / f"case.{kind.name}.toml"
    path.write_bytes(content)
    try:
        kind.validate(path)
    except ScenarioError as exc:  # anything else (a traceback at the command line) fails here
        _check_refusal(str(exc))
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # nothing else written


# --------------------------------------------------------------------------- naming the field
def _fields(kind: str) -> set[str]:
    """The top-level fields of a kind of file, as its pydantic model declares them."""
    from scoresim.calibration.spec_file import FileModel
    from scoresim.experiments.spec_file import SweepFile

    model = {"scenario": Scenario, "sweep": SweepFile, "calibration": FileModel}[kind]
    return {f.alias or name for name, f in model.model_fields.items()} | {"base"}


def _load(kind: str, path: Path) -> None:
    """What each command reads of a file before it runs anything, called directly (no catch)."""
    from scoresim.calibration.spec import CalibrationSpec

    if kind == "scenario":
        Scenario.load(path)
    elif kind == "sweep":
        load_sweep(path).points()
    else:
        CalibrationSpec.load(path)


def _top_keys(content: bytes) -> set[str]:
    try:
        return set(tomllib.loads(content.decode()))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return set()


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
@settings(max_examples=120, **SETTINGS)
@given(data=st.data())
def test_a_refusal_is_one_line_starting_with_the_file_or_a_field(
    kind: FileKind, data: st.DataObject, tmp_path: Path
) -> None:
    """Every malformed file is refused by the one validation path (the TOML reader, the pydantic
    model, the checks against its scenario) in one line that starts with the file or a field
    of the file (one of its model or one it holds: ``bogus: unknown field``)."""
    content = data.draw(mutated(kind), label="file")
    path = tmp_path / f"case.{kind.name}.toml"
    path.write_bytes(content)
    try:
        _load(kind.name, path)
    except ScenarioError as exc:  # anything else, a RecursionError included, fails here
        message = str(exc)
        _check_refusal(message)
        head, sep, reason = message.partition(": ")
        assert sep and reason, message
        named = head == str(path) or head.split(".")[0] in _fields(kind.name) | _top_keys(content)
        assert named, message


# --------------------------------------------------------------------------- the real CLI
@pytest.mark.parametrize("kind", RUNNABLE, ids=lambda k: k.name)
@settings(max_examples=10, **SETTINGS)
@given(data=st.data())
def test_the_command_runs_or_refuses_in_one_line(
    kind: FileKind, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp(f"cli-{kind.name}")
    content = data.draw(mutated(kind), label="file")
    path = folder / "case.toml"
    path.write_bytes(content)
    assert kind.command is not None
    argv = [a.format(file=path, out=folder) for a in kind.command]
    try:
        done = subprocess.run([SCORESIM, *argv], capture_output=True, text=True, timeout=300,
                              cwd=folder)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"scoresim {' '.join(argv)} hung on {content!r}")
    output = folder / kind.output
    if done.returncode == 0:
        assert output.exists(), done.stdout
        if output.is_dir():
            assert {p.name for p in output.iterdir()} >= {"metrics.parquet", "summary.json"}
    else:
        assert done.returncode == 2, (done.returncode, done.stderr)
        assert done.stderr.startswith("scoresim: error: ") and done.stderr.count("\n") == 1, (
            done.stderr
        )
        _check_refusal(done.stderr.strip())
        assert sorted(p.name for p in folder.iterdir()) == ["case.toml"], "partial output"
