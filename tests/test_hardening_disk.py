"""Disk errors while writing (issue 13): a full disk, a file-size limit, a read-only folder. Each
ends with one line and keeps the earlier result at that place, whole.

The full disk is real: a 4 MB tmpfs mounted in a mount namespace of the test's own (``unshare
--mount``), so nothing outside the test sees it; where namespaces are not allowed the test is
skipped. The file-size limit (``RLIMIT_FSIZE``) needs no privilege and always runs.
"""

from __future__ import annotations

import json
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scoresim.cli import main

SCORESIM = Path(sys.executable).parent / "scoresim"
TINY = ["--set", "population.agents=300", "--set", "steps=3"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def in_private_tmpfs(mount: Path, body: str, size: str = "4M") -> dict:
    """Run ``body`` (Python; it fills ``result``) in a private mount namespace where ``mount``
    is a fresh tmpfs of ``size``; return ``result``."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    mount.mkdir()
    script = (
        textwrap.dedent(f"""
        import json, os, subprocess, sys
        from pathlib import Path
        D = Path({str(mount)!r})
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size={size}", "tmpfs", str(D)], check=True)
        SCORESIM = {str(SCORESIM)!r}
        def fill(leave):
            # the disk full, then ``leave`` bytes given back
            with open(D / "filler", "wb", buffering=0) as f:
                try:
                    while True:
                        f.write(b"\\0" * 4096)
                        f.flush()
                except OSError:
                    pass
            size = os.path.getsize(D / "filler")
            os.truncate(D / "filler", max(0, size - leave))
        result = {{}}
    """)
        + textwrap.dedent(body)
        + "\nprint(json.dumps(result))\n"
    )
    done = subprocess.run(["unshare", "--mount", sys.executable, "-c", script],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    if done.returncode != 0 and ("unshare failed" in done.stderr or "mount:" in done.stderr):
        pytest.skip(f"no private mount namespace here: {done.stderr.strip()[-200:]}")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_full_disk_during_run_keeps_the_earlier_result(tmp_path: Path) -> None:
    result = in_private_tmpfs(
        tmp_path / "disk",
        f"""
        run = D / "run"
        first = subprocess.run([SCORESIM, "run", "seed", *{TINY!r}, "--out", str(run)],
                               capture_output=True, text=True)
        assert first.returncode == 0, first.stderr
        before = {{p.name: p.read_bytes().hex() for p in run.iterdir()}}
        fill(16_000)  # room for the metrics file, not for the agents
        again = subprocess.run([SCORESIM, "run", "seed", *{TINY!r}, "--seed", "5",
                                "--out", str(run)], capture_output=True, text=True)
        result["code"], result["err"] = again.returncode, again.stderr
        result["same"] = before == {{p.name: p.read_bytes().hex() for p in run.iterdir()}}
        result["listing"] = sorted(p.name for p in D.iterdir())
    """,
    )
    assert result["code"] == 1, result["err"]
    err = result["err"]
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.strip().endswith("/run: cannot write the results (No space left on device)"), err
    assert result["same"], "the earlier result was touched"
    assert result["listing"] == ["filler", "run"]  # no temporary folder left


def test_full_disk_during_sweep_keeps_the_committed_runs(tmp_path: Path) -> None:
    result = in_private_tmpfs(
        tmp_path / "disk",
        """
        import scoresim.experiments.console as console
        from scoresim.cli import main
        toml = D / "s.toml"
        toml.write_text('name = "s"\\n[set]\\n"population.agents" = 300\\nsteps = 20\\n'
                        '[parameters]\\n"graph.rewire" = { values = [0.1, 0.3, 0.5, 0.7, 0.9] }'
                        '\\n[outcomes]\\ncrit = { metric = "critical_posts" }\\n')
        real, seen = console.RunProgress.update, []
        def update(self, ok, note=""):  # the disk fills up after the second run is stored
            real(self, ok, note)
            seen.append(note)
            if len(seen) == 2:
                fill(0)
        console.RunProgress.update = update
        import io, contextlib
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            result["code"] = main(["sweep", str(toml), "--db", str(D / "s.duckdb")])
        result["err"] = err.getvalue()
        console.RunProgress.update = real
        os.remove(D / "filler")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            result["resumed"] = main(["sweep", str(toml), "--db", str(D / "s.duckdb")])
        result["out"] = out.getvalue()
        import duckdb
        con = duckdb.connect(str(D / "s.duckdb"), read_only=True)
        result["runs"] = con.execute("SELECT count(*), count(DISTINCT run_key), "
                                     "count(*) FILTER (status = 'done') FROM runs").fetchone()
        result["metrics"] = con.execute("SELECT count(*) FROM metrics").fetchone()[0]
    """,
        size="8M",
    )
    assert result["code"] == 1, result["err"]
    err = result["err"]
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.strip().endswith("s.duckdb: cannot write the database (No space left on device)")
    assert result["resumed"] == 0
    assert "3 runs to do, 2 already done" in result["out"]  # the two stored before it are kept
    assert result["runs"] == [5, 5, 5] and result["metrics"] == 5 * 20


def _file_size_limit(limit: int) -> None:  # runs in the child, before exec
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_file_size_limit_during_run_keeps_the_earlier_result(tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert main(["run", "seed", *TINY, "--out", str(run)]) == 0
    before = snapshot(run)
    done = subprocess.run([SCORESIM, "run", "seed", *TINY, "--seed", "5", "--out", str(run)],
                          capture_output=True, text=True, timeout=300,
                          preexec_fn=lambda: _file_size_limit(8_000))  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert (
        done.stderr.strip() == f"scoresim: error: {run}: cannot write the results (File too large)"
    )
    assert snapshot(run) == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_read_only_folder_keeps_the_earlier_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parent = tmp_path / "locked"
    run = parent / "run"
    assert main(["run", "seed", *TINY, "--out", str(run)]) == 0
    before = snapshot(run)
    locked = subprocess.run(["chattr", "+i", str(parent)], capture_output=True, text=True)
    if locked.returncode != 0:  # root ignores permissions; an immutable folder it cannot write
        pytest.skip(f"cannot make a folder read-only here: {locked.stderr.strip()}")
    try:
        capsys.readouterr()
        assert main(["run", "seed", *TINY, "--seed", "5", "--out", str(run)]) == 2
        err = capsys.readouterr().err
        assert err.strip() == (
            f"scoresim: error: {run}: cannot write the results (Operation not permitted)"
        ), err
        assert snapshot(run) == before
        assert [p.name for p in parent.iterdir()] == ["run"]
    finally:
        subprocess.run(["chattr", "-i", str(parent)], check=True)
