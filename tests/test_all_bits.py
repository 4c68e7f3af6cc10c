"""Every output of every preset keeps its bits through the performance work (issue 22): the
digests in ``tests/fingerprints/all.json`` were stored at commit 486ed22 by
``tests/all_fingerprint.py``."""

from __future__ import annotations

import json

import pytest

from all_fingerprint import STORE, cases, fingerprint

STORED = json.loads(STORE.read_text())
CASES = cases()


def test_every_case_is_stored() -> None:
    assert sorted(STORED) == sorted(label for label, _, _ in CASES)


@pytest.mark.parametrize(("label", "preset", "overrides"), CASES, ids=[c[0] for c in CASES])
def test_outputs_keep_their_bits(label: str, preset: str, overrides: dict) -> None:
    now = fingerprint(preset, overrides)
    assert sorted(now) == sorted(STORED[label]), f"{label}: columns changed"
    changed = sorted(k for k, v in STORED[label].items() if now[k] != v)
    assert not changed, f"{label}: outputs changed: {changed}"
