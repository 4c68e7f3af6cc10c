"""Adaptation's kernel compiled for model v3 off (``model_v3=None``: numba folds section 7's
code away) against the general kernel with every mechanism of section 7 off, and the critics'
support against its definition (docs/model.md 7.2, read by 7.5's ``climate_voice_corr``)."""

from __future__ import annotations

import numpy as np
import pytest

from scoresim import Scenario, Simulation
from scoresim.core import jit
from scoresim.phases import adaptation

#: positions in ``_adapt``'s arguments
INDPTR, INDICES, ENROLLED, FLAGS, EXPRESSED, DISSENT, SUPPORTS, MODEL_V3 = 0, 1, 2, 4, 5, 14, 21, 23


@pytest.fixture(scope="module")
def adapt_calls() -> list[tuple]:
    """Copies of ``_adapt``'s arguments at every step of a small seed run (v3 off), everyone
    enrolled from step 2."""
    calls: list[tuple] = []
    original = jit.Kernel.__call__

    def record(self, parallel, *args):
        if self is adaptation._adapt:
            calls.append(tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args))
        return original(self, parallel, *args)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(jit.Kernel, "__call__", record)
        sc = Scenario.preset("seed").with_overrides(
            {"population.agents": 800, "steps": 5, "adoption.mandatory_step": 2}
        )
        Simulation(sc, seed=3).run()
    return calls


def _run(args: tuple, flavour: str, model_v3: bool | None) -> list:
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    copies[MODEL_V3] = model_v3
    getattr(adaptation._adapt, flavour)(*copies)
    return copies


def test_the_inputs_hold_every_case(adapt_calls):
    assert all(args[MODEL_V3] is None for args in adapt_calls)
    flags = np.concatenate([args[FLAGS] for args in adapt_calls])
    enrolled = np.concatenate([args[ENROLLED] for args in adapt_calls])
    critic = flags & 4 != 0
    assert critic.any() and (~critic).any()
    assert (critic & enrolled).any() and (critic & ~enrolled).any()
    assert (flags & 1).any() and (flags & 2).any()  # sanctioned and shown friends


@pytest.mark.parametrize("flavour", ["serial", "parallel"])
def test_v3_off_kernel_has_the_general_kernels_bits(adapt_calls, flavour):
    for args in adapt_calls:
        off, general = _run(args, flavour, None), _run(args, flavour, True)
        for a, b in zip(off, general, strict=True):
            if isinstance(a, np.ndarray):
                assert a.tobytes() == b.tobytes()


def test_critics_support_is_the_share_of_friends_expressing_a_critical_view(adapt_calls):
    for args in adapt_calls:
        out = _run(args, "serial", None)
        indptr, indices, expressed = args[INDPTR], args[INDICES], args[EXPRESSED]
        for i in np.flatnonzero(args[FLAGS] & 4):
            friends = expressed[indices[indptr[i] : indptr[i + 1]]]
            want = np.count_nonzero(friends > 0.5) / friends.size if friends.size else 0.0
            assert out[SUPPORTS][i] == want
            assert args[DISSENT][i] > 0.5
