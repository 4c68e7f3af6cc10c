"""Scenarios: every parameter of the model as a named, validated, frozen field.

``model`` holds :class:`Scenario`, ``sections`` its tables, ``files`` the presets and the TOML
reader, ``paths`` the dotted field paths, ``schedule`` the policy timeline and ``messages`` the
validation path that scenario, sweep and calibration files share (a strict pydantic base model,
one-line error messages).
"""

from scoresim.scenario.files import preset_names
from scoresim.scenario.model import Scenario, preset_descriptions

__all__ = ["Scenario", "preset_descriptions", "preset_names"]
