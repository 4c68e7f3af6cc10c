"""Draw seconds per step against N and against mean degree from benchmarks/bench.py JSON.

    .venv/bin/python benchmarks/plot_scaling.py                    # newest JSON in benchmarks/out
    .venv/bin/python benchmarks/plot_scaling.py a.json b.json -o docs/scaling.png

With several files, sizes and degrees are merged (a later file wins for the same point), so a
``make bench-large`` run and a ``bench.py --degree-only`` run can go into one figure.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parent / "docs" / "scaling.png"


def load(paths: list[Path]) -> tuple[dict[int, dict], dict[int, dict], list[str]]:
    by_n: dict[int, dict] = {}
    by_degree: dict[int, dict] = {}
    notes = []
    for p in paths:
        report = json.loads(p.read_text())
        for r in report.get("results", []):
            if not r["overrides"]:
                by_n[r["agents"]] = r
        for r in report.get("degree_sweep", []):
            by_degree[r["overrides"]["graph.degree"]] = r
        la = report.get("load_before", [0.0])[0]
        day = report.get("created", "?")[:10]
        notes.append(f"{day}, load {la:.1f}, {report.get('cores')} cores")
    return by_n, by_degree, notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("json", nargs="*", type=Path, help="bench.py JSON files")
    ap.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    found = sorted((HERE / "out").glob("bench-*.json"), key=lambda p: p.stat().st_mtime)
    paths = args.json or found[-1:]
    if not paths:
        raise SystemExit("no bench JSON found: run benchmarks/bench.py first")
    by_n, by_degree, notes = load(paths)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = 2 if by_degree else 1
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.2), squeeze=False)
    ax = axes[0][0]
    ns = sorted(by_n)
    sps = [by_n[n]["seconds_per_step"] for n in ns]
    ax.loglog(ns, sps, "o-", color="C0", label="scoresim, seed preset (WS, k = 12): wall")
    cpu = [(n, by_n[n]["cpu_seconds_per_step"]) for n in ns if "cpu_seconds_per_step" in by_n[n]]
    if cpu:
        ax.loglog(*zip(*cpu, strict=True), "o--", color="C0", alpha=0.5,
                  label="CPU seconds (all threads)")  # fmt: skip
    if ns:
        ref = sps[-1] / ns[-1]
        ax.loglog(ns, [ref * n for n in ns], ":", color="grey", label="linear in N")
        for n, s in zip(ns, sps, strict=True):
            ax.annotate(f"{s:.3g} s", (n, s), textcoords="offset points", xytext=(4, -12),
                        fontsize=8)  # fmt: skip
    ax.set_xlabel("agents N")
    ax.set_ylabel("seconds per step (median)")
    ax.set_title("time per step against population")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)

    if by_degree:
        ax = axes[0][1]
        ks = sorted(by_degree)
        ax.plot(ks, [by_degree[k]["seconds_per_step"] for k in ks], "s-", color="C1",
                label="wall")  # fmt: skip
        if all("cpu_seconds_per_step" in by_degree[k] for k in ks):
            ax.plot(ks, [by_degree[k]["cpu_seconds_per_step"] for k in ks], "s--", color="C1",
                    alpha=0.5, label="CPU (all threads)")  # fmt: skip
        ax.legend(fontsize=8)
        n = by_degree[ks[0]]["agents"]
        ax.set_xlabel("mean degree (Watts-Strogatz lattice degree)")
        ax.set_ylabel("seconds per step (median)")
        ax.set_title(f"time per step against mean degree, N = {n:,}")
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
    fig.suptitle("scoresim scaling (" + "; ".join(dict.fromkeys(notes)) + ")", fontsize=9)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
