"""Memory: what a run will need, what this machine has, and giving freed memory back.

``scoresim run``, ``compare`` and ``sweep`` refuse up front, with one line, a job whose estimated
peak memory exceeds the memory available (``--force`` runs it anyway): without the check a run
too big for the machine is killed by the kernel minutes later, with no message at all.

The estimate follows the measured cost of a run (docs/scale.md): about 175 MiB of interpreter,
libraries and compiled kernels, then per agent its state, step record and buffers kept between
steps, and per edge its two CSR entries plus what building the graph holds for a moment. At
10^6 agents (6 x 10^6 edges) it gives 0.43 GB against a measured peak of 0.39; at 10^7, 2.4 GB
against 2.2: on the safe side, and close enough that a run is refused only when it could not
fit.

Examples
--------
>>> from scoresim import Scenario
>>> big = Scenario.preset("seed").with_overrides({"population.agents": 10**7})
>>> round(estimate_bytes(big) / 1e9, 1)
2.4
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from collections.abc import Iterable
from pathlib import Path

from scoresim.core.errors import ScenarioError
from scoresim.scenario import Scenario
from scoresim.society.traits import trait_bytes

#: interpreter, numpy, numba, pydantic and the loaded kernels
FIXED_BYTES = 200 * 2**20
#: state (14 float64 and 5 one-byte arrays), step record, buffers kept between steps, a spare
BYTES_PER_AGENT = 160
#: two int32 CSR entries with room to grow, and the edge list the generator hands over
BYTES_PER_EDGE = 10


def expected_edges(scenario: Scenario) -> float:
    """Edges of the initial graph: exact for a ring lattice, expected for the random kinds,
    an upper bound for an edge list (its file has at least 4 bytes a line)."""
    g, n = scenario.graph, scenario.population.agents
    most = n * (n - 1) / 2
    if g.kind == "barabasi_albert":
        return float(min(most, n * g.m))
    if g.kind == "edgelist":
        try:
            size = Path(g.path).stat().st_size
        except OSError:
            size = 0
        return float(min(most, size / 4))
    return float(min(most, n * g.degree / 2))  # watts_strogatz, sbm (mean degree)


def estimate_bytes(scenario: Scenario) -> int:
    """Estimated peak memory of one run of ``scenario`` in its own process, in bytes."""
    agents = scenario.population.agents
    topics = len(scenario.policy.posts.critical_topics)
    per_agent = BYTES_PER_AGENT + max(0, topics - 2)  # one count byte per extra topic
    per_agent += sum(trait_bytes(scenario).values())  # model v3's traits, when drawn
    return int(FIXED_BYTES + agents * per_agent + expected_edges(scenario) * BYTES_PER_EDGE)


def available_bytes() -> int | None:
    """Memory a new job can use now: ``MemAvailable``, or less if a cgroup limit or an address
    space limit leaves less; None where none of them can be read."""
    limits = []
    meminfo = _meminfo_bytes("MemAvailable")
    if meminfo is not None:
        limits.append(meminfo)
    cgroup = _cgroup_room()
    if cgroup is not None:
        limits.append(cgroup)
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            limits.append(int(soft))
    except (ImportError, OSError, ValueError):
        pass
    return min(limits) if limits else None


def check_memory(
    scenarios: Iterable[Scenario], concurrent: int = 1, force: bool = False, what: str = "a run"
) -> None:
    """Refuse a job whose estimated peak memory exceeds what is available.

    Parameters
    ----------
    scenarios : iterable of Scenario
        The runs of the job.
    concurrent : int
        How many of them run at once (each in its own process); the largest are assumed.
    force : bool
        Check nothing (``--force``).
    what : str
        How the message names the job.

    Raises
    ------
    ScenarioError
        Naming ``population.agents``, the estimate and the memory available.
    """
    if force:
        return
    sizes = sorted(((estimate_bytes(s), s.population.agents) for s in scenarios), reverse=True)
    if not sizes:
        return
    at_once = sizes[: max(1, concurrent)]
    need = sum(b for b, _ in at_once)
    have = available_bytes()
    if have is None or need <= have:
        return
    agents = at_once[0][1]
    many = f"{len(at_once)} runs at once of up to" if len(at_once) > 1 else what + " of"
    raise ScenarioError(
        f"population.agents: {many} {agents:,} agents needs about {_gb(need)} of memory "
        f"(estimate), more than the {_gb(have)} available; use fewer agents or workers, "
        "or --force to run anyway"
    )


def give_back_memory() -> None:
    """Return the heap's free pages to the system (glibc ``malloc_trim``; a no-op elsewhere).

    Arrays freed after the step loop stay in the process's resident memory until then, and
    writing the results would come on top of them."""
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)


def _gb(n: float) -> str:
    """Bytes as GB (10^9 bytes), two significant digits at least.

    >>> _gb(2.4e9), _gb(5.1e8), _gb(1.234e11)
    ('2.4 GB', '0.51 GB', '123 GB')
    """
    gb = n / 1e9
    digits = max(0, 1 - math.floor(math.log10(gb))) if gb > 0 else 0
    return f"{gb:.{digits}f} GB"


def _meminfo_bytes(field: str) -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_room() -> int | None:
    """Room left under this process's cgroup v2 memory limit, if it has one."""
    try:
        with open("/proc/self/cgroup") as f:
            entry = next((line for line in f if line.startswith("0::")), None)
        if entry is None:
            return None
        base = Path("/sys/fs/cgroup") / entry.strip()[3:].lstrip("/")
        limit = (base / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return max(0, int(limit) - int((base / "memory.current").read_text()))
    except (OSError, ValueError):
        return None
