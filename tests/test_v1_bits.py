"""``seed-v1`` and ``control-v1`` keep the model v1 bits through models v2 and v3 (docs/model.md
sections 6 and 7.6).

The digests in ``tests/fingerprints/v1.json`` were stored before model v2 was written, from the
presets then named ``seed`` and ``control``; every v1 metric column, agent column and the edge
list must still hash to them.
"""

from __future__ import annotations

import json

import pytest

from v1_fingerprint import CASES, STORE, fingerprint

STORED = json.loads(STORE.read_text())


@pytest.mark.parametrize(("label", "preset", "overrides"), CASES, ids=[c[0] for c in CASES])
def test_v1_presets_keep_their_bits(label: str, preset: str, overrides: dict) -> None:
    now = fingerprint(preset, overrides)
    changed = sorted(k for k, v in STORED[label].items() if now.get(k) != v)
    assert not changed, f"{label}: v1 outputs changed: {changed}"
