"""`scoresim compare` gives the same bytes as before the one comparison (issue 18).

Two arms are the one-arm case of the N-arm comparison, and its outputs must stay byte-identical:
every file of the compare folder, the terminal table, the report made from the folder and the
notebook summary, for a two-arm and a three-arm compare (``compare_fingerprint.py`` says what is
masked and how ``tests/fingerprints/compare.json`` was made).
"""

from __future__ import annotations

import json

import pytest

from experiments.compare_fingerprint import STORE, capture, libraries

STORED = json.loads(STORE.read_text())


@pytest.fixture(scope="module")
def found() -> dict[str, dict[str, str]]:
    if libraries() != STORED["libraries"]:
        pytest.skip(f"the stored bytes are those of {STORED['libraries']}")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("COLUMNS", raising=False)  # the terminal table at its own width
        return capture()


@pytest.mark.parametrize("case", ["two-arm", "three-arm", "notebook"])
def test_compare_gives_the_stored_bytes(found: dict[str, dict[str, str]], case: str) -> None:
    assert found[case].keys() == STORED[case].keys()
    changed = sorted(k for k, v in STORED[case].items() if found[case][k] != v)
    assert not changed, f"{case}: bytes changed: {changed}"
