"""Fixtures of the dashboard's browser tests (helpers in ``dashboard_pages.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dashboard_pages import HARSH, Server, dashboard_server


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    """One server for a test module, its scenario folder holding ``harsh.toml``."""
    folder = tmp_path_factory.mktemp("scenarios")
    (folder / "harsh.toml").write_text(HARSH)
    with dashboard_server(folder, folder.parent / f"{folder.name}.log") as srv:
        yield srv
