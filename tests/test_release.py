"""Releases: one version everywhere, and a wheel that works outside the source tree.

The wheel test builds the wheel and the sdist with ``python -m build``, installs the wheel
(without its dependencies) into a fresh venv, gives that venv the dependencies already installed
beside this interpreter (a ``.pth`` line: the source tree and its editable install stay out of
it), and runs ``scoresim run seed`` from there, presets included.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

import scoresim
from scoresim.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_version_is_single_sourced() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = { attr = "scoresim.core.version.__version__" }' in pyproject
    assert not re.search(r'^version\s*=\s*"', pyproject, re.M)  # no second copy
    cff = re.search(r'^version:\s*"([^"]+)"', (ROOT / "CITATION.cff").read_text(), re.M)
    assert cff and cff.group(1) == scoresim.__version__
    assert json.loads((ROOT / ".zenodo.json").read_text())["version"] == scoresim.__version__
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(rf"^## {re.escape(scoresim.__version__)} ", changelog, re.M)


def test_license_is_the_mit_text_pyproject_names() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "the scoresim developers" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text()


def test_cli_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"scoresim {scoresim.__version__}"


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=600, **kw)


def test_wheel_installs_and_runs_in_a_fresh_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)])
    version = scoresim.__version__
    wheel = dist / f"scoresim-{version}-py3-none-any.whl"
    sdist = dist / f"scoresim-{version}.tar.gz"
    assert wheel.exists() and sdist.exists(), sorted(p.name for p in dist.iterdir())
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    presets = "scoresim/scenario/presets"
    assert {f"{presets}/seed.toml", f"{presets}/control.toml"} <= names
    assert f"scoresim-{version}.dist-info/licenses/LICENSE" in names
    with tarfile.open(sdist) as t:
        members = {m.name.split("/", 1)[1] for m in t.getmembers() if "/" in m.name}
    assert {"LICENSE", "CHANGELOG.md", "CITATION.cff", "docs/model.md", "docs/odd.md",
            "tests/test_release.py"} <= members  # fmt: skip

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    _run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)])
    purelib = _run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    (Path(purelib.stdout.strip()) / "scoresim-test-deps.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    where = _run([str(py), "-c", "import scoresim; print(scoresim.__file__)"], cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(env_dir), where.stdout  # not the source tree

    exe = str(env_dir / "bin" / "scoresim")
    assert _run([exe, "--version"]).stdout.strip() == f"scoresim {version}"
    presets = _run([exe, "presets"], cwd=tmp_path).stdout
    assert {"seed", "control"} <= {line.split()[0] for line in presets.splitlines()}
    out = tmp_path / "out"
    done = _run([exe, "run", "seed", "--set", "population.agents=500", "--set", "steps=3",
                 "--out", str(out)], cwd=tmp_path)  # fmt: skip
    assert done.stdout.strip() == f"results: {out}"
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["version"], summary["agents"], summary["steps"]) == (version, 500, 3)


def test_missing_extra_message_names_both_ways_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "scoresim.dashboard.server", None)  # import fails
    assert main(["dashboard"]) == 2
    err = capsys.readouterr().err
    expected = (
        "scoresim: error: dashboard: needs the dashboard extra: pip install "
        "'scoresim[dashboard]' (from a clone: pip install -e '.[dashboard]')\n"
    )
    assert err == expected
    readme = (ROOT / "README.md").read_text()
    assert "pip install -e '.[dashboard]'" in readme and ". .venv/bin/activate" in readme
