"""Issue 22's targets with their verdicts, read from the newest JSON each benchmark wrote.

``make bench`` ends with this: the benchmarks before it write ``benchmarks/out/<kind>-*.json``
(``profile_phases.py``: profile, ``vs_numpy.py``: vs-numpy, ``bench_calibrate.py --json``:
calibrate, ``bench_ab.py``: ab); a target whose file is missing is reported as not measured.

    .venv/bin/python benchmarks/verdicts.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

from bench import verdict_line  # noqa: E402
from profile_phases import TARGET_METRICS_SHARE, metrics_share  # noqa: E402
from vs_numpy import ISSUE_SIZE, TARGET_RATIO, issue_scaled  # noqa: E402

TARGET_SIMS_PER_MINUTE = 60.0


def newest(kind: str, out: Path = OUT) -> dict | None:
    """The newest ``<kind>-*.json`` in ``out``, read; None if there is none."""
    found = sorted(out.glob(f"{kind}-*.json"), key=lambda p: p.stat().st_mtime)
    return json.loads(found[-1].read_text()) if found else None


def targets(out: Path = OUT) -> list[dict]:
    """One entry per target: its name, the measured figure as text, and pass (None: missing)."""
    rows: list[dict] = []

    def add(name: str, measured: str | None, ok: bool | None, at_size: bool = True) -> None:
        """A row; a figure measured at another size than the target's gets no verdict."""
        if measured and not at_size:
            measured, ok = f"{measured} (not the target's size: no verdict)", None
        rows.append({"target": name, "measured": measured or "not measured", "pass": ok})

    vs = newest("vs-numpy", out)
    if vs and vs.get("scoresim") and vs.get("reference"):
        s, r = (min(x["wall"] for x in vs[k]) for k in ("scoresim", "reference"))
        size = f"{vs['agents']:,} x {vs['steps']}"
        add(
            f"scoresim <= {TARGET_RATIO}x the numpy reference, one thread",
            f"{s / r:.2f}x ({s:.1f} s / {r:.1f} s at {size})",
            s / r <= TARGET_RATIO,
            (vs["agents"], vs["steps"]) == (10**6, 52),
        )
    else:
        add(f"scoresim <= {TARGET_RATIO}x the numpy reference, one thread", None, None)
    name = f"scoresim <= {TARGET_RATIO}x issue 22's reference scaled to this host, one thread"
    if vs and vs.get("scoresim") and vs.get("base"):
        s, b = (min(x["wall"] for x in vs[k]) for k in ("scoresim", "base"))
        r = issue_scaled(b)
        add(
            name,
            f"{s / r:.2f}x ({s:.1f} s / {r:.1f} s; {vs['base_ref']} took {b:.1f} s here)",
            s / r <= TARGET_RATIO,
            (vs["agents"], vs["steps"]) == ISSUE_SIZE,
        )
    else:
        add(name, None, None)
    profile = newest("profile", out)
    for r in (profile or {}).get("results", []) or [None]:
        name = f"metrics <= {100 * TARGET_METRICS_SHARE:.0f}% of the step at 10^6"
        if r is None:
            add(name, None, None)
            continue
        share = metrics_share(r)
        who = "everyone enrolled" if r.get("everyone_enrolled") else "the preset's enrolment"
        add(
            f"{name}, {r['threads']} thread(s), {who}",
            f"{100 * share:.1f}% at {r['agents']:,}",
            share <= TARGET_METRICS_SHARE,
            r["agents"] == 10**6,
        )
    cal = newest("calibrate", out)
    name = f"calibration >= {TARGET_SIMS_PER_MINUTE:g} sims/min, 20,000 x 180, 2 workers"
    if cal:
        add(
            name,
            f"{cal['sims_per_minute']:.1f} at {cal['agents']:,} x {cal['steps']}, "
            f"{cal['workers']} workers",
            cal["sims_per_minute"] >= TARGET_SIMS_PER_MINUTE,
            (cal["agents"], cal["steps"], cal["workers"]) == (20_000, 180, 2),
        )
    else:
        add(name, None, None)
    ab = newest("ab", out)
    if ab:
        for n, r in ab["sizes"].items():
            add(
                f"{ab['threads']} threads no slower than {ab['base']} at {int(n):,}",
                f"{r['ratio']:.3f}x (best of {ab['rounds']})",
                r["pass"],
            )
    else:
        add("two threads no slower than the baseline", None, None)
    return rows


def main() -> int:
    from rich.console import Console
    from rich.table import Table

    rows = targets()
    t = Table(title="targets (issue 22)")
    for col in ("target", "measured", "verdict"):
        t.add_column(col)
    names = {True: "[green]PASS[/green]", False: "[red]FAIL[/red]", None: "-"}
    for r in rows:
        t.add_row(r["target"], r["measured"], names[r["pass"]])
    console = Console(width=None if sys.stdout.isatty() else 140)
    console.print(t)
    console.print(verdict_line([r for r in rows if r["pass"] is not None]), markup=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
