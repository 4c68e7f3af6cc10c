"""Scenario loading, presets, overrides, TOML round trip and up-front validation.

The property tests discover the fields by walking the pydantic models, so a new field is
covered without editing this file.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tomllib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import annotated_types as at
import pytest
import tomli_w
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from scoresim.core.errors import ScenarioError
from scoresim.phases.network import NetworkParams
from scoresim.phases.params import Params
from scoresim.scenario import Scenario, preset_descriptions, preset_names

SEED = Scenario.preset("seed")
CONTROL = Scenario.preset("control")
INT64_MAX = 2**63 - 1
PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


# --------------------------------------------------------------------- field catalogue
@dataclass(frozen=True)
class Leaf:
    """One scalar field of the resolved scenario, by dotted path."""

    path: str
    annotation: Any
    metadata: tuple[Any, ...]
    value: Any

    def bound(self, kind: type) -> Any:
        attr = {at.Ge: "ge", at.Gt: "gt", at.Le: "le", at.Lt: "lt"}[kind]
        for m in self.metadata:
            if isinstance(m, kind):
                return getattr(m, attr)
        return None

    @property
    def is_probability(self) -> bool:
        return self.annotation is float and self.bound(at.Ge) == 0 and self.bound(at.Le) == 1

    @property
    def is_union(self) -> bool:
        return typing.get_origin(self.annotation) in (typing.Union, types.UnionType)

    @property
    def is_literal(self) -> bool:
        return typing.get_origin(self.annotation) is Literal


def _walk(model: type[BaseModel], value: BaseModel, prefix: str = "") -> list[Leaf]:
    leaves = []
    for name, info in model.model_fields.items():
        path, ann, v = f"{prefix}{name}", info.annotation, getattr(value, name)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            leaves += _walk(ann, v, f"{path}.")
        elif typing.get_origin(ann) is list:
            (item,) = typing.get_args(ann)
            for i, element in enumerate(v):
                leaves += _walk(item, element, f"{path}.{i}.")
        else:
            leaves.append(Leaf(path, ann, tuple(info.metadata), v))
    return leaves


def _tables(data: Any, prefix: str = "") -> list[str]:
    """Dotted paths of every table (dict) in a resolved scenario dict, "" for the top."""
    out = []
    if isinstance(data, dict):
        out.append(prefix)
        for k, v in data.items():
            out += _tables(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _tables(v, f"{prefix}.{i}")
    return out


LEAVES = _walk(Scenario, SEED)
BY_PATH = {leaf.path: leaf for leaf in LEAVES}
NUMERIC = [leaf for leaf in LEAVES if leaf.annotation in (int, float)]
PROBABILITIES = [leaf.path for leaf in LEAVES if leaf.is_probability]
TABLES = _tables(SEED.to_dict())


def _get(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def _set(data: Any, path: str, value: Any) -> None:
    *head, last = path.split(".")
    node = _get(data, ".".join(head)) if head else data
    node[int(last) if isinstance(node, list) else last] = value


def _partial_doc(path: str, value: Any) -> dict[str, Any]:
    """The smallest scenario file setting ``path`` (lists are written whole: they replace)."""
    parts = path.split(".")
    idx = next((i for i, p in enumerate(parts) if p.isdigit()), None)
    if idx is None:
        doc: dict[str, Any] = {}
        node = doc
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
        return doc
    full = SEED.to_dict()
    _set(full, path, value)
    list_path = parts[:idx]
    doc = {}
    node = doc
    for p in list_path[:-1]:
        node = node.setdefault(p, {})
    node[list_path[-1]] = _get(full, ".".join(list_path))
    return doc


def _check_message(exc: ScenarioError, prefix: str) -> str:
    msg = str(exc)
    assert "\n" not in msg and "\r" not in msg, msg
    assert msg.startswith(prefix), f"{msg!r} does not start with {prefix!r}"
    return msg


# Cross-field rules of the seed preset: (lowest, highest) valid values of a field when every
# other field keeps its seed value.
CROSS = {
    "population.agents": ("int", 13, 10**9),  # > graph.degree 12, >= blocks 10, > m 6
    "graph.degree": ("even", 0, 9998),  # watts_strogatz: even and below the 10000 agents
    "graph.m": ("int", 1, 9999),
    "graph.blocks": ("int", 1, 10000),
    "tiers.0.min_score": ("float", -1e12, 350.0),  # at or below policy.score.min
    "tiers.1.min_score": ("open", 350.0, 600.0),
    "tiers.2.min_score": ("open", 450.0, 650.0),
    "tiers.3.min_score": ("open", 600.0, 1e12),
    "policy.score.min": ("float", 350.0, 600.0),
    "policy.score.max": ("float", 600.0, 1e12),
    "policy.score.base": ("float", 350.0, 950.0),
}


def _valid_values(leaf: Leaf) -> st.SearchStrategy[Any]:
    if leaf.path in CROSS:
        kind, lo, hi = CROSS[leaf.path]
        if kind == "int":
            return st.integers(lo, hi)
        if kind == "even":
            return st.integers(lo // 2, hi // 2).map(lambda x: 2 * x)
        return st.floats(lo, hi, exclude_min=kind == "open", exclude_max=kind == "open")
    ge, gt, le = leaf.bound(at.Ge), leaf.bound(at.Gt), leaf.bound(at.Le)
    if leaf.annotation is int:
        return st.integers(
            min_value=ge if ge is not None else -INT64_MAX,
            max_value=le if le is not None else INT64_MAX,
        )
    lo = ge if ge is not None else gt
    return st.floats(
        min_value=lo,
        max_value=le,
        exclude_min=gt is not None,
        allow_nan=False,
        allow_infinity=False,
    )


# --------------------------------------------------------------------- catalogue sanity
def test_the_catalogue_covers_every_section() -> None:
    sections = {p.split(".")[0] for p in PROBABILITIES}
    assert sections >= {
        "population",
        "graph",
        "adoption",
        "activity",
        "policy",
        "tiers",
        "economy",
        "adaptation",
        "network",
    }
    for known in (
        "population.employed",
        "graph.rewire",
        "adoption.initial",
        "policy.decay",
        "policy.detect.critical",
        "policy.detect.false_positive",
        "tiers.3.loan_approval",
        "economy.loan_close",
        "adaptation.gaming_cap",
        "network.replace_prob",
    ):
        assert known in PROBABILITIES
    assert "policy.low_threshold" not in PROBABILITIES
    assert len(NUMERIC) > 60


# --------------------------------------------------------------------- presets
def test_preset_names_and_descriptions() -> None:
    assert {"seed", "control"} <= set(preset_names())
    desc = preset_descriptions()
    assert desc["seed"] and desc["control"]
    assert all("\n" not in d for d in desc.values())


def test_seed_preset_matches_model_md_defaults() -> None:
    s = SEED
    assert (s.name, s.steps) == ("seed", 312)
    p = s.population
    assert p.agents == 10000
    assert (p.dissent.a, p.dissent.b) == (2, 5)
    assert (p.fear.a, p.fear.b) == (2, 2)
    assert (p.import_taste.a, p.import_taste.b) == (2, 8)
    assert (p.post_rate, p.post_rate_shape, p.buy_rate, p.buy_rate_shape) == (3, 2, 2, 2)
    assert (p.income_mu, p.income_sigma, p.employed) == (0, 0.5, 0.95)
    g = s.graph
    assert (g.kind, g.degree, g.rewire) == ("watts_strogatz", 12, 0.1)
    assert (g.m, g.blocks, g.mixing) == (6, 10, 0.1)
    a = s.adoption
    assert (a.initial, a.innovation, a.imitation, a.mandatory_step) == (0.05, 0.001, 0.01, 260)
    assert s.mandatory_step == 260
    act = s.activity
    assert (act.critical_propensity, act.loyal_propensity) == (0.5, 0.2)
    assert (act.desirable_share, act.desirable_conform_gain) == (0.1, 1.0)
    pol = s.policy
    assert (pol.max_step_change, pol.default_penalty) == (50, 60)
    assert (pol.friend_weight, pol.low_friend_penalty, pol.low_threshold) == (0.02, 1.0, 450)
    assert pol.decay == 0.02
    assert (pol.score.base, pol.score.min, pol.score.max) == (600, 350, 950)
    d = pol.detect
    assert (d.critical, d.loyal, d.false_positive, d.false_positive_delta) == (0.8, 1.0, 0.01, -20)
    topics = [(t.name, t.weight, t.delta) for t in pol.posts.critical_topics]
    assert topics == [("tiananmen_photo", 0.3, -40), ("market_crash_link", 0.7, -20)]
    assert (pol.posts.loyal_topic, pol.posts.loyal_delta) == ("economy_praise", 5)
    assert pol.posts.neutral_topic == "daily_life"
    pu = pol.purchases
    assert (pu.desirable.name, pu.desirable.delta) == ("work_shoes", 2)
    assert (pu.undesirable.name, pu.undesirable.delta) == ("japanese_import", -5)
    assert (pu.neutral.name, pu.neutral.delta) == ("groceries", 0)
    tiers = [
        (t.name, t.min_score, t.loan_approval, t.hire_multiplier, t.reach, t.travel_ban, t.public)
        for t in s.tiers
    ]
    assert tiers == [
        ("poor", 350, 0.1, 0.3, 0.5, True, False),
        ("fair", 450, 0.4, 0.8, 1.0, False, False),
        ("good", 600, 0.8, 1.0, 1.0, False, False),
        ("excellent", 650, 0.95, 1.2, 1.0, False, True),
    ]
    e = s.economy
    assert (e.job_loss, e.hire, e.loan_apply, e.default) == (0.005, 0.1, 0.02, 0.002)
    assert e.loan_close == pytest.approx(1 / 52, rel=1e-15)
    assert (e.default_unemployed_factor, e.travel, e.loan_income_bonus) == (5, 0.01, 0.1)
    ad = s.adaptation
    assert (ad.risk_rate, ad.risk_own_weight, ad.risk_friends_weight) == (0.2, 0.5, 0.5)
    assert (ad.censor_rate, ad.awareness, ad.risk_sensitivity) == (0.1, 0.1, 5)
    assert ad.conform_rate == 0.05
    assert (ad.gaming_cap, ad.gaming_gap_weight, ad.gaming_gap_scale) == (0.3, 0.5, 100)
    assert ad.gaming_public_weight == 0.2
    assert (ad.opinion_rate, ad.climate_weight) == (0.01, 0.5)
    assert (s.network.drop_rate, s.network.replace_prob) == (0.05, 0.5)
    assert Params.from_scenario(s).bundle(NetworkParams).ostracism


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        return {
            k: v
            for key, val in data.items()
            for k, v in _flat(val, f"{prefix}.{key}" if prefix else key).items()
        }
    if isinstance(data, list):
        return {k: v for i, val in enumerate(data) for k, v in _flat(val, f"{prefix}.{i}").items()}
    return {prefix: data}


def test_control_differs_from_seed_only_in_section_4_fields() -> None:
    seed, control = _flat(SEED.to_dict()), _flat(CONTROL.to_dict())
    assert seed.keys() == control.keys()
    changed = {k for k in seed if seed[k] != control[k]}
    assert changed == {
        "name",
        "description",
        "adoption.initial",
        "adoption.innovation",
        "adoption.imitation",
        "adoption.mandatory_step",
        "policy.friend_weight",
        "policy.low_friend_penalty",
        "policy.default_penalty",
        "policy.detect.false_positive_delta",
        "policy.posts.loyal_delta",
        "policy.posts.critical_topics.0.delta",
        "policy.posts.critical_topics.1.delta",
        "policy.purchases.desirable.delta",
        "policy.purchases.undesirable.delta",
    }
    for key in changed - {"name", "description", "adoption.mandatory_step"}:
        assert control[key] == 0, key
    assert control["policy.purchases.neutral.delta"] == 0
    assert CONTROL.adoption.mandatory_step == "never" and CONTROL.mandatory_step is None
    assert not Params.from_scenario(CONTROL).bundle(NetworkParams).ostracism


# --------------------------------------------------------------------- load / resolve / base
def test_partial_file_resolves_against_seed_by_default(tmp_path: Path) -> None:
    f = tmp_path / "mine.toml"
    f.write_text("steps = 7\n[policy.detect]\ncritical = 0.25\n")
    s = Scenario.load(f)
    assert s.name == "mine"
    assert s.with_overrides(
        {"name": "seed", "description": SEED.description}
    ) == SEED.with_overrides({"steps": 7, "policy.detect.critical": 0.25})
    assert Scenario.resolve(str(f)) == s


def test_partial_file_with_control_base(tmp_path: Path) -> None:
    f = tmp_path / "c.toml"
    f.write_text('base = "control"\nname = "control"\n[graph]\nrewire = 0.3\n')
    s = Scenario.load(f)
    assert s == CONTROL.with_overrides({"graph.rewire": 0.3})
    assert "base" not in s.to_dict()


def test_resolve_prefers_presets() -> None:
    assert Scenario.resolve("seed") == SEED
    assert Scenario.resolve("control") == CONTROL


@pytest.mark.parametrize("preset", ["seed", "control"])
def test_to_toml_round_trips(tmp_path: Path, preset: str) -> None:
    s = Scenario.preset(preset)
    f = tmp_path / "x.toml"
    f.write_text(s.to_toml())
    back = Scenario.load(f)
    assert back == s
    assert back.key() == s.key()
    assert back.to_toml() == s.to_toml()


def test_key_is_a_stable_hash() -> None:
    assert SEED.key() == Scenario.preset("seed").key()
    assert SEED.key() != CONTROL.key()
    assert SEED.key() != SEED.with_overrides({"policy.decay": 0.03}).key()
    assert SEED.key(seed=5) == SEED.with_overrides({"seed": 5}).key()
    assert SEED.key(seed=5) != SEED.key(seed=6)
    # independent of the process (hash randomisation) and of the load path
    code = "from scoresim import Scenario; print(Scenario.preset('seed').key())"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    assert out.stdout.strip() == SEED.key()


def test_with_overrides_by_dotted_path_and_list_index() -> None:
    s = SEED.with_overrides(
        {
            "tiers.0.reach": 0.25,
            "policy.posts.critical_topics.1.delta": -7.0,
            "graph.kind": "sbm",
            "adoption.mandatory_step": "never",
        }
    )
    assert s.tiers[0].reach == 0.25
    assert s.policy.posts.critical_topics[1].delta == -7.0
    assert s.graph.kind == "sbm" and s.mandatory_step is None
    assert SEED.tiers[0].reach == 0.5  # the original is untouched (frozen)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error
        SEED.steps = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("overrides", "prefix"),
    [
        ({"tiers.9.reach": 1.0}, "tiers.9: "),
        ({"tiers.x.reach": 1.0}, "tiers.x: "),
        ({"population.nope": 1}, "population.nope: "),
        ({"nope.deeper": 1}, "nope: "),
        ({"steps.deeper": 1}, "steps.deeper: "),
    ],
)
def test_with_overrides_bad_paths(overrides: dict[str, Any], prefix: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        SEED.with_overrides(overrides)
    _check_message(exc.value, prefix)


# --------------------------------------------------------------------- explicit bad values
@pytest.mark.parametrize(
    ("overrides", "prefix"),
    [
        ({"policy.detect.critical": 1.5}, "policy.detect.critical: "),
        ({"population.employed": -0.1}, "population.employed: "),
        ({"population.post_rate": -1.0}, "population.post_rate: "),
        ({"economy.default_unemployed_factor": -2.0}, "economy.default_unemployed_factor: "),
        ({"tiers.2.min_score": 400.0}, "tiers"),
        ({"tiers.1.min_score": 450.0, "tiers.2.min_score": 450.0}, "tiers"),
        ({"policy.score.min": 950.0}, "policy.score.min: "),
        ({"policy.score.min": 1000.0}, "policy.score.min: "),
        ({"policy.score.base": 2000.0}, "policy.score.base: "),
        ({"steps": 0}, "steps: "),
        ({"steps": -3}, "steps: "),
        ({"population.agents": 1}, "population.agents: "),
        ({"population.agents": 0}, "population.agents: "),
        ({"graph.kind": "lattice"}, "graph.kind: "),
        ({"graph.kind": "edgelist"}, "graph.path: "),
        ({"graph.degree": 7}, "graph.degree: "),
        ({"seed": -1}, "seed: "),
        ({"population.dissent.a": 0.0}, "population.dissent.a: "),
        ({"policy.posts.critical_topics": []}, "policy.posts.critical_topics: "),
        ({"tiers": []}, "tiers: "),
        ({"population.dissent": {"a": 1.0}}, "population.dissent.b: "),
        ({"population": 3}, "population: "),
    ],
)
def test_bad_values_are_reported_on_one_line(overrides: dict[str, Any], prefix: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        SEED.with_overrides(overrides)
    _check_message(exc.value, prefix)


@pytest.mark.parametrize(
    ("text", "prefix"),
    [
        ("[population]\nfoo = 1\n", "population.foo: "),
        ("bogus = 1\n", "bogus: "),
        ("[population]\nagents = 'many'\n", "population.agents: "),
        ("[graph]\nkind = 'lattice'\n", "graph.kind: "),
        ("steps = 0\n", "steps: "),
        ("[[tiers]]\nname='x'\n", "tiers.0."),
        ('base = "nope"\n', "base: "),
        ("base = 3\n", "base: "),
        ("[policy.score]\nmin = 900.0\nmax = 800.0\n", "policy.score.min: "),
    ],
)
def test_bad_files(tmp_path: Path, text: str, prefix: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(ScenarioError) as exc:
        Scenario.load(f)
    _check_message(exc.value, prefix)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "not found"),
        ("", "empty"),
        ("  \n\t\n", "empty"),
        ("steps = [", "malformed"),
        ("[population\nagents=3", "malformed"),
        (b"\xff\xfe\x00", ""),
    ],
)
def test_missing_empty_malformed_files(
    tmp_path: Path, content: str | bytes | None, reason: str
) -> None:
    f = tmp_path / "scen.toml"
    if isinstance(content, bytes):
        f.write_bytes(content)
    elif content is not None:
        f.write_text(content)
    for loader in (Scenario.load, Scenario.resolve):
        with pytest.raises(ScenarioError) as exc:
            loader(str(f))
        msg = _check_message(exc.value, str(f))
        assert reason in msg


def test_resolve_unknown_name_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as exc:
        Scenario.resolve("no_such_preset")
    _check_message(exc.value, "no_such_preset: ")
    with pytest.raises(ScenarioError) as exc:
        Scenario.resolve(str(tmp_path))
    _check_message(exc.value, str(tmp_path))
    with pytest.raises(ScenarioError) as exc:
        Scenario.preset("nope")
    _check_message(exc.value, "base: ")


# --------------------------------------------------------------------- property tests
@PROPERTY
@given(data=st.data())
def test_valid_numeric_values_round_trip(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    leaf = data.draw(st.sampled_from(NUMERIC), label="field")
    value = data.draw(_valid_values(leaf), label="value")
    s = SEED.with_overrides({leaf.path: value})
    assert _get(s.to_dict(), leaf.path) == value
    f = tmp_path_factory.mktemp("rt", numbered=True) / "s.toml"
    f.write_text(s.to_toml())
    back = Scenario.load(f)
    assert back == s
    assert back.key() == s.key()
    if value != leaf.value:
        assert s.key() != SEED.key()
    # the same change written as a partial scenario file resolves to the same scenario
    f.write_text(tomli_w.dumps(_partial_doc(leaf.path, value)))
    assert Scenario.load(f).with_overrides({"name": "seed", "description": SEED.description}) == s


@PROPERTY
@given(
    path=st.sampled_from(PROBABILITIES),
    value=st.one_of(
        st.floats(max_value=0.0, exclude_max=True, allow_nan=False),
        st.floats(min_value=1.0, exclude_min=True, allow_nan=False),
    ),
)
def test_out_of_range_probabilities_are_rejected(
    tmp_path_factory: pytest.TempPathFactory, path: str, value: float
) -> None:
    with pytest.raises(ScenarioError) as exc:
        SEED.with_overrides({path: value})
    _check_message(exc.value, f"{path}: ")
    f = tmp_path_factory.mktemp("prob", numbered=True) / "p.toml"
    f.write_text(tomli_w.dumps(_partial_doc(path, value)))
    with pytest.raises(ScenarioError) as exc:
        Scenario.load(f)
    _check_message(exc.value, f"{path}: ")


_KEY = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
_ANY_VALUE = st.one_of(
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False),
    st.booleans(),
    st.text(max_size=10),
    st.dictionaries(_KEY, st.integers(), max_size=2),
)


@PROPERTY
@given(table=st.sampled_from(TABLES), key=_KEY, value=_ANY_VALUE, via_file=st.booleans())
def test_unknown_keys_at_any_depth_are_rejected(
    tmp_path_factory: pytest.TempPathFactory, table: str, key: str, value: Any, via_file: bool
) -> None:
    data = SEED.to_dict()
    node = _get(data, table) if table else data
    assume(key not in node and not (table == "" and key == "base"))
    node[key] = value
    path = f"{table}.{key}" if table else key
    with pytest.raises(ScenarioError) as exc:
        if via_file:
            f = tmp_path_factory.mktemp("unk", numbered=True) / "u.toml"
            f.write_text(tomli_w.dumps(data))
            Scenario.load(f)
        else:
            Scenario.from_dict(data)
    assert _check_message(exc.value, f"{path}: ").endswith("unknown field")
    with pytest.raises(ScenarioError) as exc:
        SEED.with_overrides({path: value})
    _check_message(exc.value, f"{path}: ")


def _wrong_values(leaf: Leaf) -> st.SearchStrategy[Any]:
    text = st.text(max_size=12)
    lists = st.lists(st.integers(0, 9), max_size=3)
    tables = st.dictionaries(_KEY, st.integers(), max_size=2)
    if leaf.annotation is float:
        return st.one_of(text, st.booleans(), lists, tables)
    if leaf.annotation is int:
        return st.one_of(
            text, st.booleans(), lists, tables, st.floats(allow_nan=False, allow_infinity=False)
        )
    if leaf.annotation is bool:
        return st.one_of(text, st.integers(), st.floats(allow_nan=False), lists)
    if leaf.annotation is str:
        return st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), lists, tables)
    if leaf.is_literal:
        allowed = typing.get_args(leaf.annotation)
        return st.one_of(text.filter(lambda t: t not in allowed), st.integers(), st.booleans())
    raise AssertionError(leaf)


TYPED = [leaf for leaf in LEAVES if not leaf.is_union]  # the union (mandatory_step): see below


@PROPERTY
@given(data=st.data())
def test_wrong_types_are_rejected_naming_the_path(data: st.DataObject) -> None:
    leaf = data.draw(st.sampled_from(TYPED), label="field")
    value = data.draw(_wrong_values(leaf), label="value")
    with pytest.raises(ScenarioError) as exc:
        SEED.with_overrides({leaf.path: value})
    _check_message(exc.value, f"{leaf.path}: ")
    with pytest.raises(ScenarioError) as exc:
        Scenario.from_dict(_partial_doc(leaf.path, value))
    _check_message(exc.value, f"{leaf.path}: ")


@pytest.mark.parametrize(
    "section", ["population", "graph", "policy", "policy.score", "tiers", "tiers.1", "network"]
)
def test_wrong_type_for_a_table(section: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        SEED.with_overrides({section: 5})
    _check_message(exc.value, f"{section}: ")


def test_mandatory_step_accepts_int_or_never() -> None:
    assert SEED.with_overrides({"adoption.mandatory_step": 3}).mandatory_step == 3
    assert SEED.with_overrides({"adoption.mandatory_step": "never"}).mandatory_step is None
    for bad in (0, -1, "sometimes", 2.5, True):
        with pytest.raises(ScenarioError) as exc:
            SEED.with_overrides({"adoption.mandatory_step": bad})
        _check_message(exc.value, "adoption.mandatory_step")


@pytest.mark.parametrize("bad", [0, "sometimes", 2.5])
def test_mandatory_step_error_names_the_real_path(bad: Any) -> None:
    with pytest.raises(ScenarioError) as exc:
        SEED.with_overrides({"adoption.mandatory_step": bad})
    _check_message(exc.value, "adoption.mandatory_step: ")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("tiers.1.min_score", math.nan),
        ("policy.low_threshold", math.nan),
        ("population.post_rate", math.inf),
        ("policy.max_step_change", math.inf),
        ("policy.posts.critical_topics.0.delta", math.nan),
    ],
)
def test_nan_and_infinity_are_rejected(path: str, value: float) -> None:
    with pytest.raises(ScenarioError) as exc:
        SEED.with_overrides({path: value})
    _check_message(exc.value, f"{path}: ")


def test_message_is_one_line_even_for_a_key_with_a_newline(tmp_path: Path) -> None:
    f = tmp_path / "nl.toml"
    f.write_text('[population]\n"a\\nb" = 1\n')
    assert tomllib.loads(f.read_text()) == {"population": {"a\nb": 1}}
    with pytest.raises(ScenarioError) as exc:
        Scenario.load(f)
    _check_message(exc.value, "population.")
