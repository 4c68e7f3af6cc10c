"""The documentation site builds offline without a single warning, executes its tutorials,
holds the generated references, and loads nothing from outside (no CDN)."""

from __future__ import annotations

import doctest
import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from scoresim import Scenario
from scoresim.cli.parser import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS / "_ext"))
import scoresim_docs  # noqa: E402

PAGES = ("index", "getting-started", "model", "odd", "sources", "glossary", "scenario",
         "experiments", "scale", "tutorials/researcher", "tutorials/chill", "tutorials/educator",
         "tutorials/journalist", "reference/api", "reference/cli",
         "reference/scenario-fields")  # fmt: skip
# a resource the page itself loads (not a hyperlink a reader may follow)
_LOADS = re.compile(r"<(?:script|link|img|iframe|source|embed|object)\b[^>]*?"
                    r"\b(?:src|href|data)\s*=\s*[\"']?((?:https?:)?//[^\"' >]+)", re.I)  # fmt: skip
_CSS_URL = re.compile(r"(?:url\(|@import\s+)[\"']?((?:https?:)?//[^\"')]+)", re.I)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    cmd = [sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-n", "-q", "-b", "html",
           "-d", str(out / "doctrees"), str(DOCS), str(out / "html")]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, f"sphinx-build failed:\n{done.stderr[-6000:]}"
    return out / "html"


def test_every_page_is_built(site: Path) -> None:
    missing = [p for p in PAGES if not (site / f"{p}.html").is_file()]
    assert not missing


def test_nothing_is_loaded_from_outside(site: Path) -> None:
    external = []
    for path in site.rglob("*"):
        if path.suffix in (".html", ".css", ".js") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            pattern = _LOADS if path.suffix == ".html" else _CSS_URL
            external += [f"{path.relative_to(site)}: {url}" for url in pattern.findall(text)]
    assert not external


def test_the_no_cdn_check_would_see_a_cdn(tmp_path: Path) -> None:
    page = '<script src="https://cdn.example/x.js"></script><link rel=stylesheet href=//f.css>'
    assert _LOADS.findall(page) == ["https://cdn.example/x.js", "//f.css"]
    assert _LOADS.findall('<a href="https://example.org">a link</a>') == []


def test_tutorials_ran(site: Path) -> None:
    for name in ("researcher", "chill", "educator", "journalist"):
        text = (site / "tutorials" / f"{name}.html").read_text()
        outputs = text.count('class="cell_output')
        assert outputs >= 3, f"{name}: {outputs} cell outputs"
        assert "Traceback" not in text and "stderr" not in text
    researcher = (site / "tutorials" / "researcher.html").read_text()
    assert "chilling effect" in researcher and "mu_star" in researcher
    chill = (site / "tutorials" / "chill.html").read_text()
    assert "PRCC" in chill and "quasi-p" in chill and "chill &gt; 0.45 in" in chill


def test_cli_reference_lists_every_command_and_option(site: Path) -> None:
    text = (site / "reference" / "cli.html").read_text()
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, child in sub.choices.items():
        assert f"scoresim {name}" in text, name
        for action in child._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert option in text, (name, option)


def _leaf_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every field path of a pydantic model, written independently of the extension."""
    out = []
    for name, info in model.model_fields.items():
        out.append(prefix + name)
        ann = info.annotation
        if typing.get_origin(ann) is list and isinstance(typing.get_args(ann)[0], type):
            item = typing.get_args(ann)[0]
            if issubclass(item, BaseModel):
                out += _leaf_paths(item, f"{prefix}{name}[].")
        elif isinstance(ann, type) and issubclass(ann, BaseModel):
            out += _leaf_paths(ann, f"{prefix}{name}.")
    return out


def test_field_reference_lists_every_scenario_field(site: Path) -> None:
    text = (site / "reference" / "scenario-fields.html").read_text()
    cells = set(re.findall(r'<span class="pre">([^<]+)</span>', text))
    paths = _leaf_paths(Scenario)
    assert len(paths) > 100
    assert not [p for p in paths if p not in cells]
    for path in ("blacklist.shaming_drop", "tiers[].perk_value", "policy.records[].lists"):
        assert path in paths


def test_every_scenario_field_is_documented() -> None:
    text = (DOCS / "scenario.md").read_text(encoding="utf-8")
    rows = scoresim_docs.scenario_rows(scoresim_docs.documented_meanings(text))
    assert [r.path for r in rows] == _leaf_paths(Scenario)
    assert not [r.path for r in rows if not r.meaning]
    by_path = {r.path: r for r in rows}
    assert by_path["policy.detect.critical"].constraints == ">= 0, <= 1"
    assert by_path["policy.detect.critical"].seed == "0.8"
    assert by_path["tiers[].min_score"].seed == "350 / 450 / 600 / 650"
    assert by_path["blacklist.enabled"].default == "false"


def test_extension_doctests() -> None:
    result = doctest.testmod(scoresim_docs)
    assert result.attempted >= 2 and result.failed == 0
