"""Bad output paths and damaged inputs of the CLI commands: one line, exit 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoresim.cli import main

TINY = ["--set", "population.agents=200", "--set", "steps=3"]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "seed"
    assert main(["run", "seed", *TINY, "--out", str(out)]) == 0
    return out


def _one_error_line(capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("scoresim: error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    return err


def test_run_into_a_path_under_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    assert main(["run", "seed", *TINY, "--out", str(blocker / "sub")]) == 2
    _one_error_line(capsys, "file.txt")
    assert blocker.read_text() == "not a folder"


def test_report_out_is_a_folder(
    run_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(run_folder), "--out", str(tmp_path)]) == 2
    _one_error_line(capsys, str(tmp_path), "folder")


def test_report_of_a_damaged_run_folder(
    run_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in run_folder.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    (broken / "metrics.parquet").write_text("not parquet")
    assert main(["report", str(broken)]) == 2
    _one_error_line(capsys, str(broken), "damaged")
    assert not (broken / "report.html").exists()


@pytest.mark.parametrize("port", ["0", "99999", "http"])
def test_dashboard_port_out_of_range(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["dashboard", "--port", port])
    assert stop.value.code == 2
    _one_error_line(capsys, "--port", port)
