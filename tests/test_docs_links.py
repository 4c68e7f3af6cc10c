"""The repository stands alone: every relative link of every tracked Markdown file resolves
inside it (the file, and the heading anchor where one is given), and no file points outside."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = "../" + "shared"  # spelled in two parts so that this file does not match itself

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)


def tracked(pattern: str) -> list[Path]:
    """Files under version control matching a git pathspec (all files if git is missing)."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", pattern], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return sorted(p for p in ROOT.rglob(pattern) if ".venv" not in p.parts)
    return [ROOT / name for name in out.split("\0") if name]


def slug(heading: str) -> str:
    """The anchor GitHub (and MyST's heading anchors) give a heading.

    >>> slug("6.6 Presets of the documented systems")
    '66-presets-of-the-documented-systems'
    >>> slug("`[population]` (model.md 1)")
    'population-modelmd-1'
    """
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = text.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    out = set()
    for heading in _HEADING.findall(text):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def links(path: Path) -> list[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    text = _CODE.sub("", text)
    return _LINK.findall(text) + _HTML.findall(text)


MARKDOWN = tracked("*.md")


def test_there_are_markdown_files_to_check() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in MARKDOWN}
    assert {"README.md", "docs/model.md", "docs/odd.md", "docs/sources.md"} <= names


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve_inside_the_repository(path: Path) -> None:
    broken = []
    for target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        if ROOT not in dest.parents and dest != ROOT:
            broken.append(f"{target}: outside the repository")
        elif not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target}: no heading with anchor #{anchor}")
    assert not broken, f"{path.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_checker_sees_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n[a](page.md#title) [b](missing.md) `[c](code.md)`\n")
    assert links(page) == ["page.md#title", "missing.md"]
    assert anchors(page) == {"title"}


def test_no_file_points_outside_the_repository() -> None:
    offenders = []
    for path in tracked("*"):
        if path == Path(__file__).resolve() or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images and other binary files
        if OUTSIDE in text or "/work/" + "shared" in text:
            offenders.append(path.relative_to(ROOT).as_posix())
    assert not offenders, f"files mentioning {OUTSIDE}: {offenders}"


def test_glossary_defines_every_metric_column_and_headline_effect() -> None:
    from scoresim import Scenario
    from scoresim.metrics import metric_columns
    from scoresim.phases.params import Params
    from scoresim.scenario import preset_names

    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    terms = re.findall(r"^(\S[^\n]*)\n: ", glossary, re.M)  # definition-list terms
    names = {n for t in terms for n in re.findall(r"`([^`]+)`", t)}
    names |= {t.strip() for t in terms if "`" not in t}  # effects are plain words
    columns = set()
    for preset in preset_names():
        columns |= set(metric_columns(Params.from_scenario(Scenario.preset(preset))))
    assert "tier_<name>" in names
    missing = sorted(c for c in columns if c not in names and not c.startswith("tier_"))
    assert not missing, f"metric columns missing from the glossary: {missing}"
    from scoresim.experiments.headline_effects import HEADLINE_EFFECTS

    effects = {e.name for e in HEADLINE_EFFECTS}
    assert {"chilling effect", "pluralistic ignorance", "isolated share"} <= effects
    assert "share ever listed" in effects
    missing = sorted(effects - names)
    assert not missing, f"headline effects missing from the glossary: {missing}"
