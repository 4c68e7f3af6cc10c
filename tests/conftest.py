"""Shared fixtures.

``chromium_path``: Debian's headless Chromium for browser tests (reports, dashboard). On a fresh
machine it is installed with apt-get, once, under a file lock so parallel test workers do not
race for dpkg. Playwright drives it through ``executable_path``; ``playwright install`` (which
downloads a browser build) is never used.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip


def _install_chromium() -> None:
    if shutil.which("apt-get") is None:
        pytest.fail("Debian's chromium is missing and apt-get is not available to install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1500)
        if done.returncode != 0:
            pytest.fail(f"{' '.join(cmd)} failed: {done.stderr.strip()[-500:]}")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of Debian's ``chromium``, installed with apt-get when missing."""
    if not CHROMIUM.exists():
        with open("/tmp/scoresim-chromium-install.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one installer at a time across xdist workers
            try:
                if not CHROMIUM.exists():
                    _install_chromium()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def chromium_args() -> list[str]:
    """Command-line switches for a quiet headless Chromium that fetches nothing by itself."""
    return list(CHROMIUM_ARGS)
