"""`scoresim sweep` and `scoresim sensitivity`: the DuckDB tables, resume after SIGKILL,
failure isolation, local/Ray identity, Sobol and Morris indices."""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from scoresim.cli import main
from scoresim.experiments.sensitivity import MORRIS_COLUMNS, SOBOL_COLUMNS, sensitivity
from scoresim.experiments.spec import SweepSpec
from scoresim.experiments.sweep import run_sweep

SCORESIM = Path(sys.executable).parent / "scoresim"

EXAMPLE = """
name = "mandatory-date"
scenario = "seed"
sampler = "{sampler}"
samples = {samples}
replications = {replications}
seed = 1
[set]
"population.agents" = {agents}
steps = {steps}
[parameters]
"adoption.imitation" = {{ low = 0.01, high = 0.2 }}
"graph.rewire" = {{ values = [0.01, 0.1, 1.0] }}
[outcomes]
critical_last = {{ metric = "critical_posts", reduce = "last" }}
gap_mean = {{ metric = "falsification_gap", reduce = "mean_last", k = 3 }}
"""


def write_sweep(folder: Path, sampler: str = "lhs", samples: int = 4, replications: int = 2,
                agents: int = 200, steps: int = 8, name: str = "sweep") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(EXAMPLE.format(sampler=sampler, samples=samples, replications=replications,
                                   agents=agents, steps=steps))
    return path


def table(db: Path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def expected_keys(toml: Path) -> set[str]:
    return {p.run_key for p in SweepSpec.load(toml).points()}


# --------------------------------------------------------------------------- tables, resume
@pytest.fixture(scope="module")
def example_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("sweep")
    toml = write_sweep(folder)
    db = folder / "example.duckdb"
    assert main(["sweep", str(toml), "--workers", "2", "--db", str(db)]) == 0
    return toml, db


def test_example_sweep_tables(example_db: tuple[Path, Path]) -> None:
    toml, db = example_db
    runs = table(db, "SELECT * FROM runs ORDER BY run_key")
    assert list(runs.columns) == ["run_key", "point", "adoption.imitation", "graph.rewire",
                                  "replication", "seed", "status", "error", "started",
                                  "wall_seconds", "version", "model", "git_commit", "git_dirty",
                                  "critical_last", "gap_mean"]
    assert (runs["version"] == "0.2.0").all() and (runs["model"] == "v1").all()
    assert set(runs["run_key"]) == expected_keys(toml) and len(runs) == 8
    assert (runs["status"] == "done").all() and runs["error"].isna().all()
    assert set(runs["replication"]) == {0, 1} and set(runs["seed"]) == {1, 2}
    assert runs["adoption.imitation"].between(0.01, 0.2).all()
    assert set(runs["graph.rewire"]) <= {0.01, 0.1, 1.0}
    metrics = table(db, "SELECT * FROM metrics ORDER BY run_key, step")
    assert len(metrics) == 8 * 8 and {"critical_posts", "falsification_gap"} <= set(metrics)
    for run in runs.itertuples():
        m = metrics[metrics["run_key"] == run.run_key]
        assert list(m["step"]) == list(range(1, 9))
        assert run.critical_last == m["critical_posts"].iloc[-1]
        assert run.gap_mean == pytest.approx(m["falsification_gap"].iloc[-3:].mean())
    design = table(db, "SELECT * FROM design")
    assert len(design) == 8 and design["point"].nunique() == 4
    sweep = table(db, "SELECT * FROM sweep")
    assert sweep["name"].tolist() == ["mandatory-date"] and sweep["sampler"].tolist() == ["lhs"]


def test_rerun_skips_finished_runs(example_db: tuple[Path, Path]) -> None:
    toml, db = example_db
    done = subprocess.run([SCORESIM, "sweep", str(toml), "--db", str(db)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "0 runs to do, 8 already done" in done.stdout
    assert len(table(db, "SELECT * FROM runs")) == 8


def test_changed_sweep_refuses_the_old_database(example_db: tuple[Path, Path], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    _toml, db = example_db
    other = write_sweep(tmp_path, steps=9)
    assert main(["sweep", str(other), "--db", str(db)]) == 2
    assert "with a different definition" in capsys.readouterr().err


class _Lines:
    """Lines of a subprocess's standard output, read by a thread (no blocking reads)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.all: list[str] = []

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                self.queue.put(line)
            self.queue.put(None)

        threading.Thread(target=pump, daemon=True).start()

    def done_keys(self, want: int, timeout: float = 180.0) -> list[str]:
        keys: list[str] = []
        deadline = time.monotonic() + timeout
        while len(keys) < want:
            line = self.queue.get(timeout=max(deadline - time.monotonic(), 0.01))
            if line is None:
                break
            self.all.append(line)
            if line.startswith("done run "):
                keys.append(line.split()[2])
        return keys


@pytest.mark.slow
def test_resume_after_sigkill_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    toml = tmp_path / "kill.toml"
    toml.write_text(EXAMPLE.format(sampler="grid", samples=1, replications=6, agents=200,
                                   steps=12).replace("samples = 1\n", "levels = 2\n"))
    keys = expected_keys(toml)
    assert len(keys) == 36  # 2 levels x 3 values x 6 replications
    db = tmp_path / "kill.duckdb"
    rng = random.Random(7)
    committed: set[str] = set()
    for round_ in range(2):
        proc = subprocess.Popen([SCORESIM, "sweep", str(toml), "--db", str(db)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines = _Lines(proc)
        printed = lines.done_keys(want=3)
        time.sleep(rng.uniform(0.0, 0.2))  # land anywhere: computing, writing, committing
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL, f"round {round_}: sweep ended on its own"
        runs = table(db, "SELECT run_key, status FROM runs")
        assert runs["run_key"].is_unique
        assert set(printed) <= set(runs["run_key"]), "a run reported done was lost"
        assert committed <= set(runs["run_key"])
        assert len(runs) < len(keys), "the sweep finished before it was killed"
        assert (runs["status"] == "done").all()
        metrics = table(db, "SELECT run_key, count(*) AS n FROM metrics GROUP BY run_key")
        assert set(metrics["run_key"]) == set(runs["run_key"]) and (metrics["n"] == 12).all()
        committed = set(runs["run_key"])
    final = subprocess.run([SCORESIM, "sweep", str(toml), "--db", str(db)], capture_output=True,
                           text=True, timeout=600)
    assert final.returncode == 0, final.stderr
    assert f"{len(keys) - len(committed)} runs to do, {len(committed)} already done" in final.stdout
    runs = table(db, "SELECT run_key, status FROM runs")
    assert runs["run_key"].is_unique and set(runs["run_key"]) == keys
    assert (runs["status"] == "done").all()
    counts = table(db, "SELECT count(*) AS n, count(DISTINCT (run_key, step)) AS d FROM metrics")
    assert counts["n"].item() == counts["d"].item() == 36 * 12


# --------------------------------------------------------------------------- failures
def test_a_failing_run_is_recorded_and_the_sweep_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ring = tmp_path / "ring.txt"
    ring.write_text("\n".join(f"{i} {(i + 1) % 200}" for i in range(200)) + "\n")
    missing = tmp_path / "broken.txt"  # exists (validation passes) but fails when read
    missing.write_text("0 1\n1 2 3\n")  # line 2 is not a pair
    toml = tmp_path / "fail.toml"
    toml.write_text(f"""
name = "fail"
replications = 2
[set]
"population.agents" = 200
steps = 5
"graph.kind" = "edgelist"
"graph.path" = "{ring}"
[parameters]
"graph.path" = {{ values = ["{ring}", "{missing}"] }}
[outcomes]
crit = {{ metric = "critical_posts" }}
""")
    db = tmp_path / "fail.duckdb"
    for attempt in range(2):  # the rerun retries the failed runs, still one row each
        assert main(["sweep", str(toml), "--db", str(db)]) == 1
        captured = capsys.readouterr()
        assert "2 runs failed" in captured.err
        runs = table(db, "SELECT * FROM runs ORDER BY \"graph.path\", replication")
        assert len(runs) == 4 and runs["run_key"].is_unique, attempt
        ok, bad = runs[runs["graph.path"] == str(ring)], runs[runs["graph.path"] == str(missing)]
        assert (ok["status"] == "done").all() and ok["crit"].notna().all()
        assert (bad["status"] == "failed").all() and bad["crit"].isna().all()
        assert bad["error"].str.contains("ScenarioError: graph.path:").all()
        assert bad["error"].str.contains("broken.txt").all()
        metrics = table(db, "SELECT DISTINCT run_key FROM metrics")
        assert set(metrics["run_key"]) == set(ok["run_key"])
    assert "2 runs to do, 2 already done" in captured.out


# --------------------------------------------------------------------------- Ray
@pytest.mark.slow
def test_ray_backend_is_bit_identical_to_local(tmp_path: Path) -> None:
    import ray

    toml = write_sweep(tmp_path, sampler="sobol", samples=2, replications=2)
    spec = SweepSpec.load(toml)
    local = run_sweep(spec, tmp_path / "local.duckdb", workers=1)
    nodes: list[str] = []

    def on_run(point: object, output: object) -> None:
        if not nodes:
            nodes.extend(n["NodeManagerAddress"] for n in ray.nodes())

    remote = run_sweep(spec, tmp_path / "ray.duckdb", workers=2, backend="ray", on_run=on_run)
    assert nodes == ["127.0.0.1"]  # a local cluster on the loopback address only
    assert not ray.is_initialized()  # the cluster started for the sweep is stopped
    assert local.done == remote.done == 16 and local.failed == remote.failed == 0
    cols = "* EXCLUDE (started, wall_seconds)"
    a = table(tmp_path / "local.duckdb", f"SELECT {cols} FROM runs ORDER BY run_key")
    b = table(tmp_path / "ray.duckdb", f"SELECT {cols} FROM runs ORDER BY run_key")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    a = table(tmp_path / "local.duckdb", "SELECT * FROM metrics ORDER BY run_key, step")
    b = table(tmp_path / "ray.duckdb", "SELECT * FROM metrics ORDER BY run_key, step")
    pd.testing.assert_frame_equal(a, b, check_exact=True)


# --------------------------------------------------------------------------- sensitivity
def test_sobol_sensitivity_shape_and_cli(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    toml = write_sweep(tmp_path, sampler="sobol", samples=4, replications=1, steps=6)
    db = tmp_path / "sobol.duckdb"
    assert main(["sweep", str(toml), "--db", str(db)]) == 0
    assert len(table(db, "SELECT * FROM runs")) == 4 * (2 + 2)
    indices = sensitivity(db).to_frame()
    assert list(indices.columns) == list(SOBOL_COLUMNS) and indices.attrs["method"] == "sobol"
    assert len(indices) == 2 * 2
    assert set(indices["parameter"]) == {"adoption.imitation", "graph.rewire"}
    assert set(indices["outcome"]) == {"critical_last", "gap_mean"}
    assert np.isfinite(indices[["S1", "ST", "S1_conf", "ST_conf"]].to_numpy()).all()
    out = tmp_path / "indices.parquet"
    capsys.readouterr()
    assert main(["sensitivity", str(db), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Sobol indices" in printed and "adoption.imitation" in printed
    pd.testing.assert_frame_equal(pd.read_parquet(out), indices)


def test_morris_sensitivity_shape(tmp_path: Path) -> None:
    toml = write_sweep(tmp_path, sampler="morris", samples=3, replications=1, steps=6)
    db = tmp_path / "morris.duckdb"
    assert main(["sweep", str(toml), "--db", str(db)]) == 0
    indices = sensitivity(db).to_frame()
    assert list(indices.columns) == list(MORRIS_COLUMNS) and len(indices) == 4
    assert (indices["mu_star"] >= 0).all() and (indices["sigma"] >= 0).all()
    assert (tmp_path / "morris-sensitivity.csv").exists() is False  # only the CLI writes it
    assert main(["sensitivity", str(db)]) == 0
    assert pd.read_csv(tmp_path / "morris-sensitivity.csv").shape == indices.shape


def test_sensitivity_method_must_fit_the_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = write_sweep(tmp_path, sampler="random", samples=1, replications=1, steps=2)
    db = tmp_path / "random.duckdb"
    assert main(["sweep", str(toml), "--db", str(db)]) == 0
    assert main(["sensitivity", str(db), "--method", "sobol", "--out",
                 str(tmp_path / "x.csv")]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "--method sobol needs a sobol sweep (this one is random" in err
    assert len(err.strip().splitlines()) == 1
    # the default for a random sweep is prcc, which needs more points than parameters + 2
    assert main(["sensitivity", str(db), "--out", str(tmp_path / "x.csv")]) == 2
    assert "--method prcc: needs at least 5 design points for 2 parameters" in (
        capsys.readouterr().err)
    assert not (tmp_path / "x.csv").exists()
    assert main(["sensitivity", str(tmp_path / "none.duckdb")]) == 2
    assert "none.duckdb: file not found" in capsys.readouterr().err


def _known_outcome(spec: SweepSpec, x: np.ndarray) -> np.ndarray:
    """Y = 4 u1 + u2, u the scenario values applied at each design point scaled to [0, 1]
    (the position in the list for a list of values). A function of the values applied, as a
    run's outcome is: design points that map to the same scenario share one run."""
    cols = []
    for k, p in enumerate(spec.parameters):
        if p.values is not None:
            cols.append([p.values.index(p.value(v)) / max(len(p.values) - 1, 1) for v in x[:, k]])
        else:
            lo, hi = p.bounds
            cols.append([(p.value(v) - lo) / (hi - lo) for v in x[:, k]])
    u = np.array(cols, dtype=np.float64).T
    return 4.0 * u[:, 0] + u[:, 1]


@pytest.mark.parametrize("sampler", ["sobol", "morris"])
def test_indices_line_outcomes_up_with_design_points(tmp_path: Path, sampler: str) -> None:
    """Outcomes written for a known function of the design give exactly the indices SALib gives
    for that function on the design in SALib's own order: the database round trip (points,
    replications, joins) neither reorders nor mixes outcomes."""
    from SALib.analyze import morris as salib_morris
    from SALib.analyze import sobol as salib_sobol

    toml = write_sweep(tmp_path, sampler=sampler, samples=8, replications=2, agents=60, steps=2)
    spec = SweepSpec.load(toml)
    db = tmp_path / f"{sampler}.duckdb"
    assert main(["sweep", str(toml), "--db", str(db)]) == 0
    x = spec.design()
    y = _known_outcome(spec, x)
    names = [p.name for p in spec.parameters]
    con = duckdb.connect(str(db))
    try:
        design = con.execute("SELECT point, run_key FROM design").df()
        for point, key in design.itertuples(index=False):
            for outcome in ("critical_last", "gap_mean"):
                con.execute(f'UPDATE runs SET "{outcome}" = ? WHERE run_key = ?',
                            [float(y[point]), key])  # fmt: skip
    finally:
        con.close()
    got = sensitivity(db).to_frame().set_index(["outcome", "parameter"])
    problem = {"num_vars": len(names), "names": names,
               "bounds": [list(p.bounds) for p in spec.parameters]}  # fmt: skip
    for outcome in ("critical_last", "gap_mean"):
        if sampler == "sobol":
            ref = salib_sobol.analyze(problem, y, calc_second_order=False, conf_level=0.95,
                                      print_to_console=False, seed=spec.seed)  # fmt: skip
            keys = ("S1", "ST")
        else:
            ref = salib_morris.analyze(problem, x, y, num_levels=4, conf_level=0.95,
                                       print_to_console=False, seed=spec.seed)  # fmt: skip
            keys = ("mu_star",)
        for i, name in enumerate(names):
            for key in keys:
                assert got.loc[(outcome, name), key] == pytest.approx(float(ref[key][i]))
        # and the function's structure shows: the first parameter dominates
        first, second = (got.loc[(outcome, n), keys[-1]] for n in names)
        assert first > second
