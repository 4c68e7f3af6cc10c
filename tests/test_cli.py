"""The ``scoresim`` command line: run, presets, show, validate, and every class of bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from scoresim import __version__
from scoresim.cli import main
from scoresim.scenario import Scenario

SCORESIM = Path(sys.executable).parent / "scoresim"
TINY = ["--set", "population.agents=200", "--set", "steps=5"]
RUN_FILES = {"metrics.parquet", "agents.parquet", "edges.parquet", "scenario.toml", "summary.json"}
METRIC_COLUMNS = [
    "step",
    "adoption",
    "score_mean",
    "score_sd",
    "score_p10",
    "score_p50",
    "score_p90",
    "tier_poor",
    "tier_fair",
    "tier_good",
    "tier_excellent",
    "dissent_mean",
    "expressed_mean",
    "falsification_gap",
    "pluralistic_ignorance",
    "critical_posts",
    "loyal_posts",
    "imports",
    "sanctioned",
    "false_positive_only",
    "edges",
    "isolated",
    "score_assortativity",
    "employment",
    "employment_poor",
    "wealth_gini",
    "score_gini",
    "score_dissent_corr",
    "loans_denied",
    "travel_denied",
    *("listed", "ever_listed", "listings", "delistings", "offences", "offences_registered",
      "deeds_registered", "perk_share", "private_critics", "public_critics",
      "employment_listed"),  # model v2
    *("voice_private", "voice_expressed", "voice_posted", "climate_voice_corr", "bunching",
      "low_tier_income_gap", "perk_income_gap"),  # model v3
]
AGENT_COLUMNS = [
    "id",
    "dissent0",
    "dissent",
    "expressed",
    "fear",
    "censor",
    "buy_conform",
    "score",
    "tier",
    "enrolled",
    "employed",
    "wealth",
    "degree",
    "listed",
    "ever_listed",
]


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "run"
    assert main(["run", *TINY, "--seed", "3", "--out", str(out)]) == 0
    return out


# --------------------------------------------------------------------- run
def test_run_writes_exactly_the_run_files(run_dir: Path) -> None:
    assert {p.name for p in run_dir.iterdir()} == RUN_FILES
    assert not [p for p in run_dir.parent.iterdir() if p.name != "run"]  # no temp leftovers


def test_run_metrics_columns_and_steps(run_dir: Path) -> None:
    m = pd.read_parquet(run_dir / "metrics.parquet")
    assert list(m.columns) == METRIC_COLUMNS
    assert m["step"].tolist() == [1, 2, 3, 4, 5]
    for col in ("step", "edges", "loans_denied", "travel_denied"):
        assert pd.api.types.is_integer_dtype(m[col]), col


def test_run_agents_and_edges(run_dir: Path) -> None:
    a = pd.read_parquet(run_dir / "agents.parquet")
    assert list(a.columns) == AGENT_COLUMNS
    assert a["id"].tolist() == list(range(200))
    e = pd.read_parquet(run_dir / "edges.parquet")
    assert list(e.columns) == ["src", "dst"]
    assert len(e) > 0 and (e["src"] < e["dst"]).all()
    assert not e.duplicated().any()
    assert e["dst"].max() < 200 and e["src"].min() >= 0
    degree = pd.concat([e["src"], e["dst"]]).value_counts().reindex(range(200), fill_value=0)
    assert degree.tolist() == a["degree"].tolist()


def test_run_records_the_resolved_scenario_and_summary(run_dir: Path) -> None:
    s = Scenario.load(run_dir / "scenario.toml")
    assert s == Scenario.preset("seed").with_overrides(
        {"population.agents": 200, "steps": 5, "seed": 3}
    )
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["version"] == __version__
    assert (summary["seed"], summary["agents"], summary["steps"]) == (3, 200, 5)
    assert summary["last"]["step"] == 5


def test_run_in_a_pipe_prints_only_where_the_results_are(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_dir = tmp_path / "piped"
    rc, out, err = _cli(capsys, "run", "control", *TINY, "--out", str(out_dir))
    assert rc == 0
    assert out.count("\n") == 1 and str(out_dir) in out
    assert err == ""
    assert {p.name for p in out_dir.iterdir()} == RUN_FILES
    assert Scenario.load(out_dir / "scenario.toml").name == "control"


def test_run_scenario_file_with_set(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "mine.toml"
    f.write_text('base = "seed"\nsteps = 2\n[population]\nagents = 150\n')
    out_dir = tmp_path / "out"
    rc, out, _ = _cli(
        capsys,
        "run",
        str(f),
        "--set",
        "tiers.0.reach=0.25",
        "--set",
        "graph.kind=sbm",
        "--out",
        str(out_dir),
    )
    assert rc == 0, out
    s = Scenario.load(out_dir / "scenario.toml")
    assert (s.name, s.steps, s.population.agents) == ("mine", 2, 150)
    assert (s.tiers[0].reach, s.graph.kind) == (0.25, "sbm")
    assert len(pd.read_parquet(out_dir / "metrics.parquet")) == 2


# --------------------------------------------------------------------- bad input
def _write(name: str, text: str | None) -> Callable[[Path], str]:
    def make(d: Path) -> str:
        if text is not None:
            (d / name).write_text(text)
        return str(d / name)

    return make


BAD_EDGES = "0 1\n2 999 3\n"

# (id, argv after "run" built from a scratch folder, text the one error line must contain)
BAD_RUNS: list[tuple[str, Callable[[Path], list[str]], str]] = [
    ("unknown-field-set", lambda d: [*TINY, "--set", "population.foo=1"], "population.foo"),
    (
        "unknown-field-file",
        lambda d: [_write("u.toml", "[population]\nfoo = 1\n")(d), *TINY],
        "population.foo",
    ),
    ("wrong-type-set", lambda d: [*TINY, "--set", "steps=abc"], "steps"),
    (
        "wrong-type-file",
        lambda d: [_write("w.toml", "[graph]\nrewire = 'high'\n")(d), *TINY],
        "graph.rewire",
    ),
    (
        "probability-out-of-range",
        lambda d: [*TINY, "--set", "policy.detect.critical=1.5"],
        "policy.detect.critical",
    ),
    (
        "negative-rate",
        lambda d: [*TINY, "--set", "population.post_rate=-1.0"],
        "population.post_rate",
    ),
    ("tiers-not-increasing", lambda d: [*TINY, "--set", "tiers.2.min_score=400.0"], "tiers"),
    ("score-min-ge-max", lambda d: [*TINY, "--set", "policy.score.min=950.0"], "policy.score.min"),
    ("steps-below-1", lambda d: [*TINY, "--set", "steps=0"], "steps"),
    ("agents-below-2", lambda d: [*TINY, "--set", "population.agents=1"], "population.agents"),
    ("unknown-graph-kind", lambda d: [*TINY, "--set", "graph.kind=lattice"], "graph.kind"),
    ("missing-file", lambda d: [_write("missing.toml", None)(d), *TINY], "missing.toml"),
    ("empty-file", lambda d: [_write("empty.toml", "")(d), *TINY], "empty.toml"),
    ("malformed-toml", lambda d: [_write("broken.toml", "steps = [1,\n")(d), *TINY], "broken.toml"),
    ("unknown-preset-name", lambda d: ["no_such_preset", *TINY], "no_such_preset"),
    ("unknown-base", lambda d: [_write("b.toml", 'base = "nope"\n')(d), *TINY], "base"),
    (
        "missing-edgelist",
        lambda d: [
            *TINY,
            "--set",
            "graph.kind=edgelist",
            "--set",
            f"graph.path='{d / 'edges.txt'}'",
        ],
        "edges.txt",
    ),
    (
        "bad-edgelist",
        lambda d: [
            *TINY,
            "--set",
            "graph.kind=edgelist",
            "--set",
            f"graph.path='{_write('e.txt', BAD_EDGES)(d)}'",
        ],
        "graph.path",
    ),
    ("set-without-equals", lambda d: [*TINY, "--set", "steps"], "steps"),
    ("set-malformed-value", lambda d: [*TINY, "--set", "steps=[1,"], "steps"),
    ("set-unknown-index", lambda d: [*TINY, "--set", "tiers.7.reach=1.0"], "tiers.7"),
    ("negative-seed", lambda d: [*TINY, "--seed", "-4"], "seed"),
]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("existing", [False, True], ids=["fresh", "existing"])
@pytest.mark.parametrize(
    ("argv", "needle"), [c[1:] for c in BAD_RUNS], ids=[c[0] for c in BAD_RUNS]
)
def test_bad_input_fails_cleanly(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    argv: Callable[[Path], list[str]],
    needle: str,
    existing: bool,
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    results = tmp_path / "results"
    results.mkdir()
    out = results / "out"
    if existing:
        out.mkdir()
        (out / "summary.json").write_text('{"previous": true}\n')
        (out / "metrics.parquet").write_bytes(b"old")
        before = _snapshot(out)
    rc, stdout, stderr = _cli(capsys, "run", *argv(scratch), "--out", str(out))
    assert rc == 2
    assert stdout == ""
    assert stderr.endswith("\n") and stderr.count("\n") == 1, stderr
    assert needle in stderr
    assert "Traceback" not in stderr
    if existing:
        assert _snapshot(out) == before
        assert [p.name for p in results.iterdir()] == ["out"]
    else:
        assert not out.exists()
        assert list(results.iterdir()) == []


def test_bad_option_value_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", "--seed", "abc", "--out", str(tmp_path / "o")])
    assert exc.value.code == 2
    _, err = capsys.readouterr()
    assert err.count("\n") == 1 and "--seed" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def _subprocess(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [str(SCORESIM), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


@pytest.mark.parametrize(
    ("make_args", "needle"),
    [
        (lambda d: ["run", *TINY, "--set", "graph.kind=lattice", "--out", "o"], "graph.kind"),
        (lambda d: ["run", _write("bad.toml", "steps = \n")(d), "--out", "o"], "bad.toml"),
    ],
    ids=["bad-kind", "malformed-file"],
)
def test_real_command_bad_input(
    tmp_path: Path, make_args: Callable[[Path], list[str]], needle: str
) -> None:
    proc = _subprocess(make_args(tmp_path), tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and needle in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()
    assert not (tmp_path / "results").exists()


# --------------------------------------------------------------------- presets, show, validate
def test_presets_lists_seed_and_control(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = _cli(capsys, "presets")
    assert rc == 0 and err == ""
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert {"seed", "control"} <= lines.keys()
    for name in ("seed", "control"):
        assert Scenario.preset(name).description in lines[name]


@pytest.mark.parametrize("preset", ["seed", "control"])
def test_show_prints_loadable_toml(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, preset: str
) -> None:
    rc, out, err = _cli(capsys, "show", preset)
    assert rc == 0 and err == ""
    f = tmp_path / "shown.toml"
    f.write_text(out)
    assert Scenario.load(f) == Scenario.preset(preset)


def test_show_with_set(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, out, _ = _cli(capsys, "show", "seed", "--set", "graph.rewire=0.5")
    assert rc == 0
    f = tmp_path / "shown.toml"
    f.write_text(out)
    assert Scenario.load(f) == Scenario.preset("seed").with_overrides({"graph.rewire": 0.5})
    rc, out, err = _cli(capsys, "show", "seed", "--set", "graph.rewire=2.0")
    assert rc == 2 and out == "" and err.count("\n") == 1 and "graph.rewire" in err


def test_validate_good_and_bad_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text("steps = 10\n")
    rc, out, err = _cli(capsys, "validate", str(good))
    assert rc == 0 and "good.toml" in out and err == ""
    for name, text, needle in [
        ("bad.toml", "[policy.detect]\ncritical = 2.0\n", "policy.detect.critical"),
        ("empty.toml", "", "empty.toml"),
        ("broken.toml", "x = ", "broken.toml"),
        ("gone.toml", None, "gone.toml"),
    ]:
        if text is not None:
            (tmp_path / name).write_text(text)
        rc, out, err = _cli(capsys, "validate", str(tmp_path / name))
        assert rc == 2 and out == ""
        assert err.count("\n") == 1 and needle in err and "Traceback" not in err
