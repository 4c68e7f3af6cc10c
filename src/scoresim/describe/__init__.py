"""The words and colours every view uses (the report, the dashboard, the docs):

- :mod:`~scoresim.describe.systems`: the one registry of systems: each preset's title, status
  (hypothetical, documented, counterfactual, or a user scenario), colour and description, and
  the caveat built from them;
- :mod:`~scoresim.describe.glossary`: what each metric and headline effect measures, and how to
  read its sign;
- :mod:`~scoresim.describe.palette`: the colours besides the systems' own (tiers, ties, events);
- :mod:`~scoresim.describe.systems_doc`: ``docs/systems.md``, generated from the registry and
  the presets.
"""

from scoresim.describe.glossary import EFFECTS, GLOSSARY, METRICS, Entry
from scoresim.describe.systems import (
    STATUS_LABELS,
    SYSTEMS,
    System,
    SystemStatus,
    caveat,
    describe,
    system_colours,
)

__all__ = [
    "EFFECTS",
    "GLOSSARY",
    "METRICS",
    "STATUS_LABELS",
    "SYSTEMS",
    "Entry",
    "System",
    "SystemStatus",
    "caveat",
    "describe",
    "system_colours",
]  # fmt: skip
