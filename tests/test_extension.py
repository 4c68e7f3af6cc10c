"""Mechanisms added from Python (scoresim.phases.extension): a phase written in a user's own
file runs at its point of the step with its own parameters and stream, its state is recorded
like the built-in state, and the model's own results stay bit for bit what they were."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scoresim import ExtraPhase, Run, Scenario, Simulation, simulate
from scoresim.cli import main
from scoresim.results.files import RunFiles
from scoresim.results.recording import AgentRecorder

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "word_of_sanctions.py"
SMALL = Scenario.preset("seed").with_overrides(
    {"population.agents": 600, "steps": 12, "adoption.mandatory_step": 4}
)


@pytest.fixture(scope="module")
def users_file():
    """The example, imported as a user imports their own file (not part of the package)."""
    spec = importlib.util.spec_from_file_location("word_of_sanctions", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def noop(society, params, rng, rec) -> None:
    pass


def test_the_users_phase_runs_and_is_recorded(users_file) -> None:
    run = Simulation(SMALL, extra_phases=[users_file.WORD_OF_SANCTIONS]).run()
    share = run.metrics["knows_of_sanctions"]
    assert share.is_monotonic_increasing and 0 < share.iloc[-1] <= 1
    assert run.agents["knows"].dtype == bool
    assert run.agents["knows"].mean() == pytest.approx(share.iloc[-1])
    assert list(run.agents.columns)[-1] == "knows"  # after the built-in columns


def test_the_model_keeps_its_bits_beside_a_users_phase(users_file) -> None:
    """The phase draws from its own stream and writes only its own state: every built-in
    metric and agent column is what the model alone gives."""
    alone = simulate(SMALL)
    with_word = Simulation(SMALL, extra_phases=[users_file.WORD_OF_SANCTIONS]).run()
    pd.testing.assert_frame_equal(alone.metrics, with_word.metrics[alone.metrics.columns])
    pd.testing.assert_frame_equal(alone.agents, with_word.agents[alone.agents.columns])
    pd.testing.assert_frame_equal(alone.edges, with_word.edges)


def test_a_phase_that_writes_the_model_changes_it() -> None:
    """The check above can fail: a phase that writes a built-in array changes the results."""

    def scare(society, params, rng, rec) -> None:
        society.fear[:] = np.minimum(1.0, society.fear + params)

    scared = Simulation(SMALL, extra_phases=[ExtraPhase("scare", scare, "start", 0.5)]).run()
    assert not scared.metrics["critical_posts"].equals(simulate(SMALL).metrics["critical_posts"])


def test_its_draws_depend_on_its_stream_not_its_function(users_file) -> None:
    word = users_file.WORD_OF_SANCTIONS

    def renamed(society, params, rng, rec) -> None:
        users_file.spread_word(society, params, rng, rec)

    runs = [Simulation(SMALL, extra_phases=[p]).run().agents["knows"] for p in (
        word, ExtraPhase(word.name, renamed, word.after, word.params, word.state),
        ExtraPhase("other_name", renamed, word.after, word.params, word.state, stream=word.name),
        ExtraPhase(word.name, renamed, word.after, word.params, word.state, stream="another"),
    )]  # fmt: skip
    assert runs[0].equals(runs[1]) and runs[0].equals(runs[2])
    assert not runs[0].equals(runs[3])


def test_phases_run_at_their_points_in_the_order_given() -> None:
    seen: list[tuple[int, str]] = []

    def note(label):
        return lambda society, params, rng, rec: seen.append((rec.t, label))

    sim = Simulation(SMALL.with_overrides({"steps": 1}), extra_phases=[
        ExtraPhase("late", note("late"), after="network"),
        ExtraPhase("first", note("first"), after="start"),
        ExtraPhase("mid", note("mid"), after="scoring"),
        ExtraPhase("mid2", note("mid2"), after="scoring"),
        ExtraPhase("after_mid", note("after_mid"), after="mid"),
    ])  # fmt: skip
    assert [p.name for p in sim.phases] == [
        "first", "adoption", "activity", "records", "scoring", "mid", "mid2", "after_mid",
        "consequences", "adaptation", "network", "late",
    ]  # fmt: skip
    sim.step()
    assert seen == [(1, "first"), (1, "mid"), (1, "mid2"), (1, "after_mid"), (1, "late")]
    assert set(sim.phase_seconds) >= {"first", "mid", "late", "metrics"}


def test_initial_state_is_drawn_from_the_phases_stream() -> None:
    def draw(society, rng):
        return rng.random(society.n)

    def make(stream):
        return ExtraPhase("x", noop, "start", state={"u": (np.float64, draw)}, stream=stream)

    a, b, c = (Simulation(SMALL, extra_phases=[make(s)]).society.extra["u"] for s in "aab")
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.dtype == np.float64 and a.shape == (SMALL.population.agents,)


@pytest.mark.parametrize(
    ("phase", "message"),
    [
        (ExtraPhase("x", noop, after="nowhere"), "after must be 'start' or a phase before it"),
        (ExtraPhase("scoring", noop, after="start"), "'scoring': the name is taken"),
        (ExtraPhase("metrics", noop, after="start"), "'metrics': the name is taken"),
        (ExtraPhase("x", noop, "start", state={"step": (int, 7)}), "column 'step' is taken"),
        (ExtraPhase("x", noop, after="start", stream="activity"), "stream 'activity' is one"),
        (ExtraPhase("x", noop, "start", state={"score": (float, 0.0)}), "column 'score' is taken"),
        (ExtraPhase("x", noop, "start", state={"propensity": (float, 0.0)}), "is taken"),
        (ExtraPhase("x", noop, "start", metrics={"adoption": len}), "column 'adoption' is taken"),
        (ExtraPhase("x", noop, "start", state={"v": (float, lambda s, r: np.zeros(3))}),
         "state 'v' must have one value per agent (600), got shape (3,)"),
    ],
)  # fmt: skip
def test_bad_phases_are_refused_in_one_line(phase: ExtraPhase, message: str) -> None:
    with pytest.raises(ValueError, match=r"^extra_phases: ") as caught:
        Simulation(SMALL, extra_phases=[phase])
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_two_phases_may_not_keep_one_column() -> None:
    state = {"k": (bool, False)}
    with pytest.raises(ValueError, match="'b': state column 'k' is taken"):
        Simulation(SMALL, extra_phases=[ExtraPhase("a", noop, "start", state=state),
                                        ExtraPhase("b", noop, "start", state=state)])  # fmt: skip


def test_its_state_reaches_every_file(users_file, tmp_path: Path) -> None:
    """agents.parquet (from the arrays and from Run.save) and the recorder's file carry the
    phase's column, as they carry the built-in ones."""
    recorder = AgentRecorder(tmp_path / "rec", every=4)
    sim = Simulation(SMALL, extra_phases=[users_file.WORD_OF_SANCTIONS], observers=[recorder])
    run = sim.run()
    recorder.close()
    from_arrays = Run.load(RunFiles.take(sim).save(tmp_path / "files"))
    from_frames = Run.load(run.save(tmp_path / "frames"))
    for back in (from_arrays, from_frames):
        pd.testing.assert_frame_equal(back.agents, run.agents)
        pd.testing.assert_frame_equal(back.metrics, run.metrics)
    assert "knows_of_sanctions" in from_arrays.metrics
    steps = pd.read_parquet(tmp_path / "rec" / "agent_steps.parquet")
    assert steps["step"].unique().tolist() == [4, 8, 12]
    assert steps.loc[steps["step"] == 12, "knows"].tolist() == run.agents["knows"].tolist()


def test_without_extra_phases_the_files_are_the_models(tmp_path: Path) -> None:
    """The extension costs nothing when unused: the CLI's run folder has exactly the model's
    columns."""
    assert main(["run", "seed", "--set", "population.agents=300", "--set", "steps=3",
                 "--out", str(tmp_path / "r")]) == 0  # fmt: skip
    agents = pd.read_parquet(tmp_path / "r" / "agents.parquet")
    assert list(agents.columns) == list(simulate(SMALL.with_overrides({"steps": 1})).agents)
