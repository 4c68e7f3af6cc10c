"""The ``scoresim`` command: one subcommand per job (run, compare, sweep, sensitivity,
calibrate, report, export, dashboard, presets, estimate)."""

from scoresim.cli.entry import main, program

__all__ = ["main", "program"]
