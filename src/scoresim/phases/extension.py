"""Mechanisms added from Python, without editing the package: the phase protocol for users.

A mechanism that is not in docs/model.md (a rumour that spreads, a protest that breaks out, a
subsidy for the poor) is an :class:`ExtraPhase`: a function over the society with parameters of
its own and a random stream of its own, run at a named point of every step, whose per-agent
state lives in ``society.extra`` and is recorded with the built-in state. Give a list of them to
:class:`scoresim.Simulation` (``extra_phases=[...]``); docs/architecture.md has a worked example.

The function has the signature of a built-in phase, ``run(society, params, rng, rec)``:

- ``society``: the society (``scoresim.society.agents.Society``); the phase reads any of its
  arrays and writes its own state, ``society.extra[name]`` for each of its ``state``
  columns (it may write built-in arrays too, knowing that it changes the model);
- ``params``: the phase's own ``params``, exactly as given (a ``NamedTuple``
  passes straight into a numba kernel);
- ``rng``: its own ``numpy.random.Generator``, derived from the run's seed and the stream's name
  alone (:func:`scoresim.core.streams.named_stream`), so the phase changes no draw of the model's
  and renaming its function changes none of its own. For draws that do not depend on the
  number of threads, take one key per step (``core.counter_rng.step_key(rng)``) and counter-
  based uniforms per agent inside a kernel, as the built-in phases do;
- ``rec``: this step's :class:`~scoresim.phases.record.StepRecord` (who was sanctioned, the
  posts, the purchases), filled by the phases that ran before.

Speed is the phase's own: a Python loop over agents is as slow here as anywhere. Write the
per-agent work as numpy expressions or a numba kernel (``core.jit.kernel``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoresim.phases.phase import Phase
from scoresim.phases.record import StepRecord
from scoresim.society.agents import Society

#: where an extra phase may run: before the first built-in phase, or after any of them
START = "start"
#: names a phase may not have: the step's start, and the time of the metrics (``phase_seconds``)
RESERVED = (START, "metrics")

#: ``initial(society, rng) -> array`` of a state column, or a number every agent starts with
Initial = float | bool | Callable[[Society, np.random.Generator], np.ndarray]


@dataclass(frozen=True)
class ExtraPhase:
    """A phase added from Python, at a named point of the step.

    Parameters
    ----------
    name : str
        The phase's name: its key in ``Simulation.phase_seconds``; by default also the name of
        its random stream.
    run : callable
        ``run(society, params, rng, rec)``, see the module's docstring.
    after : str
        The phase after which it runs each step: a built-in phase's name (``adoption``,
        ``activity``, ``records``, ``scoring``, ``consequences``, ``adaptation``,
        ``network``), another extra phase's name (listed before it), or ``"start"`` for the
        beginning of the step. Several phases at one point run in the order given.
    params : object, optional
        The phase's own parameters, handed to ``run`` as they are.
    state : mapping of str to (dtype, initial), optional
        Per-agent columns the phase keeps, by name: each becomes ``society.extra[name]``, an
        array of ``dtype`` made at step 0 from ``initial`` (a number, or
        ``initial(society, rng)`` drawn from the phase's stream), and a column of the agents
        table (``Run.agents``, ``agents.parquet``) after the built-in ones.
    metrics : mapping of str to callable, optional
        Metric columns the phase adds, ``metric(society) -> float`` at the end of each step
        (as ``Simulation(reporters=...)``).
    stream : str, optional
        The name of its random stream (default: ``name``). Two extra phases that name the same
        stream share it; a built-in stream's name is refused.

    Examples
    --------
    >>> import numpy as np
    >>> from scoresim import Scenario, Simulation
    >>> def spread(society, params, rng, rec):
    ...     heard = society.extra["heard"]
    ...     told = society.graph.neighbour_sum(heard.astype(float)) > 0
    ...     heard |= told & (rng.random(society.n) < params)
    >>> rumour = ExtraPhase("rumour", spread, after="network", params=0.3,
    ...                     state={"heard": (bool, lambda soc, rng: rng.random(soc.n) < 0.01)},
    ...                     metrics={"heard": lambda soc: soc.extra["heard"].mean()})
    >>> small = Scenario.preset("seed").with_overrides({"population.agents": 500, "steps": 4})
    >>> run = Simulation(small, extra_phases=[rumour]).run()
    >>> bool(run.metrics["heard"].is_monotonic_increasing), "heard" in run.agents
    (True, True)
    """

    name: str
    run: Callable[[Society, Any, np.random.Generator, StepRecord], None]
    after: str
    params: Any = None
    state: Mapping[str, tuple[Any, Initial]] = field(default_factory=dict)
    metrics: Mapping[str, Callable[[Society], float]] = field(default_factory=dict)
    stream: str | None = None

    @property
    def stream_name(self) -> str:
        return self.stream or self.name

    def as_phase(self) -> Phase:
        """The :class:`~scoresim.phases.phase.Phase` the step loop runs: ``run`` with this
        phase's own parameters."""
        own, params = self.run, self.params

        def run(society: Society, _: object, rng: np.random.Generator, rec: StepRecord) -> None:
            own(society, params, rng, rec)

        return Phase(self.name, self.stream_name, run)

    def initial_state(self, society: Society, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """The phase's state columns at step 0, in the order given."""
        out = {}
        for column, (dtype, initial) in self.state.items():
            made = initial(society, rng) if callable(initial) else np.full(society.n, initial)
            array = np.ascontiguousarray(made, dtype=np.dtype(dtype))
            if array.shape != (society.n,):
                raise ValueError(
                    f"extra_phases: {self.name!r}: state {column!r} must have one "
                    f"value per agent ({society.n}), got shape {array.shape}"
                )
            out[column] = array
        return out


def insert_phases(
    phases: Sequence[Phase], extra: Sequence[ExtraPhase], reserved: Sequence[str]
) -> tuple[Phase, ...]:
    """The step's phases with ``extra`` inserted at their points, in the order given.

    Raises ``ValueError`` (one line naming the phase) for a point that is not a phase before
    it, a name taken, or a stream that is a built-in one (``reserved``): sharing it would
    change the model's draws.

    >>> from scoresim.phases import PHASES
    >>> def noop(society, params, rng, rec): pass
    >>> order = insert_phases(PHASES, [ExtraPhase("a", noop, after="start"),
    ...                                ExtraPhase("b", noop, after="scoring"),
    ...                                ExtraPhase("c", noop, after="b")], ["scoring"])
    >>> [p.name for p in order]
    ['a', 'adoption', 'activity', 'records', 'scoring', 'b', 'c', 'consequences', \
'adaptation', 'network']
    """
    out, extra_names = list(phases), {p.name for p in extra}
    for phase in extra:
        taken = [p.name for p in out]
        where = f"extra_phases: {phase.name!r}"
        if phase.name in taken or phase.name in RESERVED:
            raise ValueError(f"{where}: the name is taken")
        if phase.stream_name in reserved:
            raise ValueError(f"{where}: stream {phase.stream_name!r} is one of the model's "
                             "(name another)")  # fmt: skip
        if phase.after != START and phase.after not in taken:
            raise ValueError(f"{where}: after must be 'start' or a phase before it, one of "
                             f"{', '.join(taken)} (got {phase.after!r})")  # fmt: skip
        at = 0 if phase.after == START else taken.index(phase.after) + 1
        while at < len(out) and out[at].name in extra_names:
            at += 1  # after the extra phases already at this point: in the order given
        out.insert(at, phase.as_phase())
    return tuple(out)


def check_columns(extra: Sequence[ExtraPhase], agent_columns: Sequence[str],
                  metric_columns: Sequence[str]) -> None:  # fmt: skip
    """Refuse a state column whose name an agents-table column or another phase's state has,
    or a metric whose name a metric column or another phase's metric has (one line)."""
    agents, metrics = set(agent_columns), set(metric_columns)
    for phase in extra:
        for column, seen, kind in [*((c, agents, "state") for c in phase.state),
                                   *((m, metrics, "metric") for m in phase.metrics)]:  # fmt: skip
            if column in seen:
                raise ValueError(f"extra_phases: {phase.name!r}: {kind} column {column!r} is "
                                 "taken")  # fmt: skip
            seen.add(column)
