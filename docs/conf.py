"""Sphinx configuration of the scoresim documentation site (MyST Markdown, Furo, offline).

``make docs`` builds it with ``sphinx-build -W --keep-going -n``: every warning, broken
reference included, fails the build. Nothing is fetched: no intersphinx inventory, no CDN (the
pages load only files of the site itself; tests/test_docs_build.py checks it).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import scoresim  # noqa: E402

project = "scoresim"
author = "the scoresim developers"
copyright = "2026, the scoresim developers"
release = scoresim.__version__
version = release

extensions = [
    "myst_nb",  # MyST Markdown (myst-parser) and the executed tutorials
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "scoresim_docs",  # the CLI and scenario-field references, generated from the code
]

exclude_patterns = [
    "_build",
    "jupyter_execute",
    "Thumbs.db",
    ".DS_Store",
    "**/.ipynb_checkpoints",
    "tutorials/educator-answers.md",
]  # included by the educator's tutorial
source_suffix = {".md": "myst-nb", ".rst": "restructuredtext"}
root_doc = "index"

# MyST: GitHub-style anchors for headings, so the same links work on GitHub and in the site.
myst_heading_anchors = 4
myst_enable_extensions = ["deflist", "colon_fence"]

# The tutorials run while the site builds; an error in a cell fails the build.
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_show_tb = True  # the failing cell and its traceback in the build log
nb_execution_timeout = 300
nb_execution_in_temp = True
nb_merge_streams = True
nb_output_stderr = "warn"  # a warning printed by a cell fails the build under -W

# API reference: numpydoc-style docstrings; type hints in the descriptions, not the signatures.
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented"
autodoc_class_signature = "separated"
autodoc_member_order = "bysource"
autodoc_default_options: dict[str, object] = {}  # each directive lists its members
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
# the phases list the state they read and write, NetworkX-style, as field lists of their own
napoleon_custom_sections = [("Reads", "params_style"), ("Writes", "params_style")]

# Offline: types from other libraries cannot be linked (no intersphinx), so they are not errors.
nitpick_ignore_regex = [
    ("py:class", r"(numpy|np|pandas|pd|pathlib|pydantic|networkx|nx|collections\.abc|typing)\..*"),
    # numpydoc's plain-word types ("mapping of str to callable", "sequence", "optional")
    ("py:class", r"[a-z][a-z_ -]*"),
    ("py:class", r"(Path|DataFrame|Generator|ndarray|Callable|Iterator|Sequence|Mapping|Any)"),
    ("py:class", r"(RunOutput|Params|StepRecord|Society|Graph|EdgeList|pd|np)"),
    ("py:obj", r"(numpy|pandas|pathlib)\..*"),
]

html_theme = "furo"
html_title = f"scoresim {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
