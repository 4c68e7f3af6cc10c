"""Signals and faults (issue 13): Ctrl-C and SIGTERM during ``run``, ``compare`` and ``sweep``;
a sweep worker killed with SIGKILL; a Ray cluster joined by ``--address``. Real processes, real
signals: the commands run as a user runs them, and the tests look at what is left behind."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from scoresim.cli import main

SCORESIM = Path(sys.executable).parent / "scoresim"
RAY = Path(sys.executable).parent / "ray"
EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


# --------------------------------------------------------------------------- process helpers
def children(pid: int) -> list[int]:
    """Live child processes of ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def workers_of(pid: int) -> list[int]:
    """The spawned worker processes among the children of ``pid``."""
    out = []
    for child in children(pid):
        try:
            cmd = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmd:
            out.append(child)
    return out


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def gone(pids: list[int], timeout: float = 15.0) -> None:
    wait_for(lambda: not any(running(p) for p in pids), timeout, f"processes {pids} to end")


def table(db: Path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def sweep_file(folder: Path, values: int, agents: int, steps: int, name: str = "sig") -> Path:
    path = folder / f"{name}.toml"
    rewires = ", ".join(str(round(0.05 + 0.9 * i / max(1, values - 1), 3)) for i in range(values))
    path.write_text(f'name = "{name}"\n[set]\n"population.agents" = {agents}\nsteps = {steps}\n'
                    f'[parameters]\n"graph.rewire" = {{ values = [{rewires}] }}\n'
                    '[outcomes]\ncrit = { metric = "critical_posts" }\n')  # fmt: skip
    return path


class Lines:
    """Standard output of a process, read line by line in a thread."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert proc.stdout is not None
        self.thread = threading.Thread(target=self._read, args=(proc.stdout,), daemon=True)
        self.thread.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.append(line.rstrip("\n"))

    def done(self) -> int:
        return sum(line.startswith("done run ") for line in self.lines)


def _ctrl_c_works() -> None:
    """In the child, before exec: SIGINT as a terminal user has it. A shell starts background
    jobs (a CI runner's, say) with SIGINT ignored, and a process that starts so rightly keeps
    ignoring it; the tests stand in for someone pressing Ctrl-C at a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(autouse=True)
def _ctrl_c_in_process():
    """The same for the tests that signal this process: Python's own Ctrl-C handler."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def check_one_line(err: str, signum: int, note: str) -> None:
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.strip() == f"scoresim: interrupted ({signal.Signals(signum).name}); {note}", err


# --------------------------------------------------------------------------- run and compare
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_run_interrupted_leaves_nothing(tmp_path: Path, signum: int) -> None:
    parent = tmp_path / "results"
    proc = subprocess.Popen([SCORESIM, "run", "seed", "--set", "population.agents=20000",
                             "--set", "steps=5000", "--out", str(parent / "run")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_ctrl_c_works)  # fmt: skip
    wait_for(parent.exists, 120, "the run to start")  # its output folder was checked: stepping
    time.sleep(1.0)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == EXIT[signum], err
    check_one_line(err, signum, "no results written")
    assert list(parent.iterdir()) == []  # no run folder, no temporary one


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_while_writing_keeps_the_earlier_result(
    tmp_path: Path, signum: int, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    import scoresim.results.files as run_files

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are handled in the main thread only")
    out = tmp_path / "run"
    tiny = ["--set", "population.agents=200", "--set", "steps=3"]
    assert main(["run", "seed", *tiny, "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = run_files.edge_table

    def signalled(indptr: object, indices: object, a: int, b: int) -> object:
        if a > 0:  # half way through the edges file: a real signal, handled as it would be
            os.kill(os.getpid(), signum)
        return real(indptr, indices, a, b)

    monkeypatch.setattr(run_files, "edge_table", signalled)
    monkeypatch.setattr(run_files, "CHUNK", 64)
    capsys.readouterr()
    assert main(["run", "seed", *tiny, "--seed", "9", "--out", str(out)]) == EXIT[signum]
    check_one_line(capsys.readouterr().err, signum, "no results written")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


# compare takes Ctrl-C and sweep SIGTERM: both signals go through the one handler that run's
# tests check with each; what differs between the commands is what each leaves behind
@pytest.mark.parametrize("signum", [signal.SIGINT])
def test_compare_interrupted_stops_its_workers(tmp_path: Path, signum: int) -> None:
    out = tmp_path / "cmp"
    proc = subprocess.Popen([SCORESIM, "compare", "seed", "--replications", "3", "--workers", "2",
                             "--set", "population.agents=20000", "--set", "steps=3000",
                             "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_ctrl_c_works)  # fmt: skip
    workers = wait_for(lambda: len(w := workers_of(proc.pid)) == 2 and w, 120, "two workers")
    time.sleep(1.5)  # both are computing a run
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == EXIT[signum], err
    check_one_line(err, signum, "no results written")
    gone(list(workers))  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- sweep
@pytest.mark.parametrize("signum", [signal.SIGTERM])
def test_sweep_interrupted_then_resumed(tmp_path: Path, signum: int) -> None:
    toml = sweep_file(tmp_path, values=6, agents=20000, steps=40)
    db = tmp_path / "sig.duckdb"
    cmd = [SCORESIM, "sweep", str(toml), "--workers", "2", "--db", str(db)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_ctrl_c_works)
    lines = Lines(proc)
    wait_for(lines.done, 180, "a finished run")
    workers = workers_of(proc.pid)
    assert workers
    proc.send_signal(signum)
    proc.wait(timeout=60)
    assert proc.stderr is not None
    err = proc.stderr.read()
    assert proc.returncode == EXIT[signum], err
    check_one_line(err, signum, f"the runs finished so far are kept in {db}; "
                                "rerun the sweep to resume")  # fmt: skip
    gone(workers)
    kept = table(db, "SELECT run_key, status FROM runs")
    assert 1 <= len(kept) < 6 and (kept["status"] == "done").all() and kept["run_key"].is_unique
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"{6 - len(kept)} runs to do, {len(kept)} already done" in again.stdout
    runs = table(db, "SELECT run_key, status FROM runs")
    assert len(runs) == 6 and runs["run_key"].is_unique and (runs["status"] == "done").all()
    counts = table(db, "SELECT count(*) AS n, count(DISTINCT (run_key, step)) AS d FROM metrics")
    assert counts["n"].item() == counts["d"].item() == 6 * 40


def test_a_killed_worker_is_replaced_and_its_run_retried(tmp_path: Path) -> None:
    # runs of a few seconds each: with the kernels cached, a run of 20,000 agents takes about
    # 10 ms a step, and the worker must still hold its run when it is killed
    toml = sweep_file(tmp_path, values=4, agents=20000, steps=300)
    db = tmp_path / "kill.duckdb"
    proc = subprocess.Popen([SCORESIM, "sweep", str(toml), "--workers", "2", "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_ctrl_c_works)  # fmt: skip
    lines = Lines(proc)
    first = wait_for(lambda: len(w := workers_of(proc.pid)) == 2 and w, 120, "two workers")
    time.sleep(0.5)  # mid-run: both workers hold a run (none can be done yet)
    victim = first[0]  # type: ignore[index]
    assert lines.done() == 0 and running(victim)
    os.kill(victim, signal.SIGKILL)
    seen = set(first)  # type: ignore[arg-type]
    while proc.poll() is None:
        seen.update(workers_of(proc.pid))
        time.sleep(0.05)
    assert proc.stderr is not None
    err = proc.stderr.read()
    assert proc.returncode == 0, err
    assert len(seen) >= 3, "no fresh worker replaced the killed one"
    runs = table(db, "SELECT run_key, status, error FROM runs")
    assert len(runs) == 4 and runs["run_key"].is_unique
    assert (runs["status"] == "done").all() and runs["error"].isna().all()
    counts = table(db, "SELECT count(*) AS n, count(DISTINCT (run_key, step)) AS d FROM metrics")
    assert counts["n"].item() == counts["d"].item() == 4 * 300


def test_a_run_whose_worker_dies_twice_is_recorded_failed(tmp_path: Path) -> None:
    toml = sweep_file(tmp_path, values=2, agents=2000, steps=20, name="twice")
    db = tmp_path / "twice.duckdb"
    cmd = [SCORESIM, "sweep", str(toml), "--workers", "2", "--db", str(db)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_ctrl_c_works)
    killed: set[int] = set()
    while proc.poll() is None:  # every worker dies as soon as it is seen
        for worker in workers_of(proc.pid):
            os.kill(worker, signal.SIGKILL)
            killed.add(worker)
        time.sleep(0.02)
    assert proc.stderr is not None
    err = proc.stderr.read()
    assert proc.returncode == 1, err
    assert "2 runs failed" in err and "Traceback" not in err
    assert len(killed) == 4  # each run tried twice, on a fresh worker each time
    runs = table(db, "SELECT run_key, status, error FROM runs")
    assert len(runs) == 2 and (runs["status"] == "failed").all()
    assert (
        runs["error"].str.contains("process died (killed by SIGKILL), 2 times", regex=False).all()
    )
    assert table(db, "SELECT count(*) AS n FROM metrics")["n"].item() == 0
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    runs = table(db, "SELECT status FROM runs")
    assert len(runs) == 2 and (runs["status"] == "done").all()


# --------------------------------------------------------------------------- Ray cluster
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_ray_address_gives_the_local_results(tmp_path: Path) -> None:
    """A cluster of its own (``ray start --head`` on 127.0.0.1, blocking, in a session of its
    own), stopped afterwards by signalling that session only: ``ray stop`` would stop every
    Ray cluster of this machine, other users' included."""
    pytest.importorskip("ray")
    port = _free_port()
    temp = Path(tempfile.mkdtemp(prefix="rh", dir="/tmp"))  # Ray's socket paths must be short
    # on loopback; with a token of its own (~/.ray/auth_token is shared by whoever starts Ray
    # on this machine and may be replaced meanwhile)
    env = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_AUTH_MODE": "token",
           "RAY_AUTH_TOKEN": secrets.token_hex(32)}  # fmt: skip
    log = (tmp_path / "ray.log").open("w")
    head = subprocess.Popen([RAY, "start", "--head", "--node-ip-address=127.0.0.1",
                             f"--port={port}", "--num-cpus=2", "--include-dashboard=false",
                             "--disable-usage-stats", f"--temp-dir={temp}", "--block"],
                            env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    try:

        def listening() -> bool:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            except OSError:
                return head.poll() is not None  # died: stop waiting (asserted below)

        wait_for(listening, 120, "the Ray head node")
        assert head.poll() is None, (tmp_path / "ray.log").read_text()[-2000:]
        toml = sweep_file(tmp_path, values=3, agents=500, steps=6, name="ray")
        done = subprocess.run([SCORESIM, "sweep", str(toml), "--backend", "ray", "--address",
                               f"127.0.0.1:{port}", "--workers", "2",
                               "--db", str(tmp_path / "ray.duckdb")],
                              env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert main(["sweep", str(toml), "--db", str(tmp_path / "local.duckdb")]) == 0
        for sql in ("SELECT * EXCLUDE (started, wall_seconds) FROM runs ORDER BY run_key",
                    "SELECT * FROM metrics ORDER BY run_key, step"):  # fmt: skip
            pd.testing.assert_frame_equal(table(tmp_path / "ray.duckdb", sql),
                                          table(tmp_path / "local.duckdb", sql),
                                          check_exact=True)  # fmt: skip
    finally:
        os.killpg(head.pid, signal.SIGTERM)  # ray start --block stops what it started
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()
        log.close()
        leftovers = [p for p in Path("/proc").iterdir() if p.name.isdigit()
                     and str(temp).encode() in _cmdline(p)]  # fmt: skip
        for p in leftovers:  # only processes of this test's cluster
            os.kill(int(p.name), signal.SIGKILL)
        shutil.rmtree(temp, ignore_errors=True)
        assert not leftovers, "the Ray cluster left processes behind"


def test_an_address_nobody_answers_is_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = sweep_file(tmp_path, values=2, agents=200, steps=2, name="noray")
    started = time.perf_counter()
    argv = ["sweep", str(toml), "--backend", "ray", "--address", f"127.0.0.1:{_free_port()}"]
    assert main([*argv, "--db", str(tmp_path / "x.duckdb")]) == 2
    assert time.perf_counter() - started < 30
    err = capsys.readouterr().err.strip()
    assert err.startswith("scoresim: error: --address: no Ray cluster answers at 127.0.0.1:")
    assert not (tmp_path / "x.duckdb").exists()


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:
        return b""


def test_a_signal_during_a_database_write_stays_an_interrupt(tmp_path: Path) -> None:
    """DuckDB turns a Python exception raised mid-query (the signal's handler runs inside its
    scan of the metrics frame) into an error of its own: that must end the sweep as an
    interrupt, not record the run as failed, and leave nothing of the run half-written."""
    import numpy as np

    from scoresim.cli import entry as cli
    from scoresim.experiments.database import SweepDatabase
    from scoresim.experiments.spec import SweepSpec

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are handled in the main thread only")
    spec = SweepSpec.load(sweep_file(tmp_path, values=2, agents=200, steps=2, name="db"))
    points = spec.points()
    metrics = pd.DataFrame({"step": np.arange(1, 3_000_001), "critical_posts": 0.5})
    db = SweepDatabase.open(tmp_path / "db.duckdb", spec, points, ["step", "critical_posts"])
    previous = cli._catch_sigterm()
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            for _ in range(20):  # each write takes seconds; the signal lands in the first
                db.write(points[0], "done", None, None, 0.0, {"crit": 1.0}, metrics)
    finally:
        timer.cancel()
        cli._restore_signals(previous)
        db.close()
    assert cli._RECEIVED == [signal.SIGTERM]
    runs = table(tmp_path / "db.duckdb", "SELECT count(*) AS n FROM runs")["n"].item()
    rows = table(tmp_path / "db.duckdb", "SELECT count(*) AS n FROM metrics")["n"].item()
    assert runs in (0, 1) and rows == runs * len(
        metrics
    )  # the run whole (an earlier write) or absent
