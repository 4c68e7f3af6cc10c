"""`scoresim compare A B C --against control`: several arms paired with one control.

Each arm's effects must be those of a two-arm compare of that arm, bit for bit; the control runs
once per seed; the results do not depend on the number of workers; the folder holds one run
folder and one resolved scenario per arm and the control.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scoresim import Run, Scenario
from scoresim.cli import main
from scoresim.experiments.compare import compare
from scoresim.experiments.effects import EFFECT_COLUMNS, HEADLINE_COLUMNS

TINY = {"population.agents": 300, "steps": 12}
TINY_ARGS = ["--set", "population.agents=300", "--set", "steps=12"]

#: Arms as scenario files (the documented systems' presets are not needed to test the plumbing).
ARM_FILES = {
    "nofriends": 'base = "seed"\nname = "nofriends"\n[policy]\nfriend_weight = 0.0\n'
    "low_friend_penalty = 0.0\n",
    "early": 'base = "seed"\nname = "early"\n[adoption]\nmandatory_step = 6\n',
}


@pytest.fixture(scope="module")
def arm_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("arms")
    paths = {}
    for name, text in ARM_FILES.items():
        (folder / f"{name}.toml").write_text(text)
        paths[name] = str(folder / f"{name}.toml")
    return paths


@pytest.fixture(scope="module")
def arms_dir(tmp_path_factory: pytest.TempPathFactory, arm_files: dict[str, str]) -> Path:
    out = tmp_path_factory.mktemp("cmp") / "systems"
    rc = main(["compare", "seed", arm_files["nofriends"], arm_files["early"], "--against",
               "control", "--replications", "3", "--workers", "2", "--seed", "4", *TINY_ARGS,
               "--out", str(out)])  # fmt: skip
    assert rc == 0
    return out


def test_folder_holds_every_arm_and_the_control_once(arms_dir: Path) -> None:
    names = {p.name for p in arms_dir.iterdir()}
    assert names == {"effects.parquet", "runs.parquet", "headline.csv", "compare.json",
                     "scenarios", "runs"}  # fmt: skip
    labels = ["seed", "nofriends", "early"]
    assert sorted(p.name for p in (arms_dir / "runs").iterdir()) == sorted(
        f"{x}-4" for x in [*labels, "control"]
    )
    assert sorted(p.name for p in (arms_dir / "scenarios").iterdir()) == sorted(
        f"{x}.toml" for x in [*labels, "control"]
    )
    early = Scenario.load(arms_dir / "scenarios" / "early.toml")
    assert early.adoption.mandatory_step == 6 and early.population.agents == 300
    assert Scenario.load(arms_dir / "scenarios" / "control.toml").adoption.initial == 0.0
    runs = pd.read_parquet(arms_dir / "runs.parquet")
    # the control's rows appear once per replication, not once per arm
    counts = runs.groupby("arm").size().to_dict()
    assert counts == dict.fromkeys([*labels, "control"], 3 * 12)
    headline = pd.read_csv(arms_dir / "headline.csv")
    assert list(headline.columns) == ["arm", *HEADLINE_COLUMNS]
    assert list(dict.fromkeys(headline["arm"])) == labels
    effects = pd.read_parquet(arms_dir / "effects.parquet")
    assert list(effects.columns) == ["arm", *EFFECT_COLUMNS]
    assert set(effects["arm"]) == set(labels)
    # replication 0 of every arm starts from the same society as the control
    c_run = Run.load(arms_dir / "runs" / "control-4")
    for label in labels:
        run = Run.load(arms_dir / "runs" / f"{label}-4")
        assert np.array_equal(run.agents["dissent0"], c_run.agents["dissent0"])


def test_compare_json_records_arms_seeds_and_override_split(
    arms_dir: Path, arm_files: dict[str, str]
) -> None:
    info = json.loads((arms_dir / "compare.json").read_text())
    assert info["kind"] == "compare" and info["form"] == "arms"
    assert [a["name"] for a in info["arms"]] == ["seed", "nofriends", "early"]
    assert [a["source"] for a in info["arms"]] == ["seed", arm_files["nofriends"],
                                                   arm_files["early"]]  # fmt: skip
    assert info["control"]["name"] == info["control"]["source"] == "control"
    assert info["seeds"] == [4, 5, 6] and info["replications"] == 3 and info["seed"] == 4
    assert info["version"]
    for entry in [*info["arms"], info["control"]]:
        sc = Scenario.load(arms_dir / entry["file"])
        assert sc.key() == entry["key"] and sc.seed == 4
    assert sorted(info["overrides_shared"]) == ["population.agents", "steps"]
    assert info["overrides_treatment_only"] == []
    assert info["examples"]["control"] == "runs/control-4"
    assert len(info["headline"]) == len(pd.read_csv(arms_dir / "headline.csv"))


def test_each_arm_equals_a_two_arm_compare_of_that_arm(
    arms_dir: Path, arm_files: dict[str, str]
) -> None:
    effects = pd.read_parquet(arms_dir / "effects.parquet")
    headline = pd.read_csv(arms_dir / "headline.csv")
    for label, source in (("seed", "seed"), ("nofriends", arm_files["nofriends"]),
                          ("early", arm_files["early"])):  # fmt: skip
        two = compare(source, against="control", overrides=TINY, replications=3, seed=4,
                      workers=1)
        mine = effects[effects["arm"] == label].drop(columns="arm").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, two.effects, check_exact=True)
        # headline.csv goes through CSV text in both forms: compare it the same way
        csv = pd.read_csv(pd.io.common.StringIO(two.headline.to_csv(index=False)))
        mine_h = headline[headline["arm"] == label].drop(columns="arm").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine_h, csv, check_exact=True)


def test_runs_identical_whatever_the_workers_and_control_once_per_seed(
    arms_dir: Path, arm_files: dict[str, str]
) -> None:
    tags: list[tuple[str, int]] = []
    serial = compare("seed", arm_files["nofriends"], arm_files["early"], against="control",
                     overrides=TINY, replications=3, seed=4, workers=1,
                     on_run=lambda o: tags.append(o.tag))  # fmt: skip
    assert len(tags) == len(set(tags)) == 4 * 3
    assert sorted(r for a, r in tags if a == "control") == [0, 1, 2]
    saved = pd.read_parquet(arms_dir / "runs.parquet")
    pd.testing.assert_frame_equal(serial.runs, saved, check_exact=True)
    pd.testing.assert_frame_equal(
        serial.effects, pd.read_parquet(arms_dir / "effects.parquet"), check_exact=True
    )


def test_an_override_that_would_need_two_controls_is_refused(
    tmp_path: Path, arm_files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # seed's friend weight differs from the control's (treatment only), nofriends' equals it
    # (shared): one control cannot be both
    out = tmp_path / "x"
    rc = main(["compare", "seed", arm_files["nofriends"], *TINY_ARGS,
               "--set", "policy.friend_weight=0.1", "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "\n" not in err
    assert err.startswith("scoresim: error: --set policy.friend_weight: the control shares it "
                          "with nofriends but not with seed")  # fmt: skip
    assert not out.exists() and not list(tmp_path.iterdir())


def test_arms_need_distinct_names_and_the_same_horizon(
    tmp_path: Path, arm_files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x"
    early = arm_files["early"]
    assert main(["compare", early, early, *TINY_ARGS, "--out", str(out)]) == 2
    assert "early: an arm named like another arm" in capsys.readouterr().err
    assert main(["compare", "seed", "control", *TINY_ARGS, "--out", str(out)]) == 2
    assert "control: an arm named like the control" in capsys.readouterr().err
    longer = tmp_path / "longer.toml"
    longer.write_text('base = "seed"\nname = "longer"\nsteps = 20\n')
    assert main(["compare", "seed", str(longer), "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith("scoresim: error: steps: the arms differ")
    assert main(["compare", "seed", "nope", "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith("scoresim: error: nope: not a preset")
    assert not out.exists()


def test_default_folder_names(tmp_path: Path, arm_files: dict[str, str],
                              monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    small = ["--replications", "1", "--set", "population.agents=100", "--set", "steps=2"]
    assert main(["compare", arm_files["early"], "seed", *small, "--seed", "7"]) == 0
    assert main(["compare", "seed", arm_files["early"], arm_files["nofriends"], *small]) == 0
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == [
        "compare-early-7", "compare-systems-1"]  # fmt: skip


@pytest.mark.skipif("blacklist" not in Scenario.model_fields, reason="needs model v2")
def test_blacklist_measures_only_for_an_arm_whose_list_is_on(tmp_path: Path) -> None:
    listing = tmp_path / "listing.toml"
    listing.write_text('base = "seed"\nname = "listing"\n[economy]\ndefault = 0.05\n'
                       "[blacklist]\nenabled = true\nfrom_default = 1.0\n")  # fmt: skip
    # a floor of 0 agents shows every number that 3 replications define (the listed are few)
    cmp = compare("seed", listing, against="control", overrides=TINY, replications=3, seed=3,
                  min_group=0)  # fmt: skip
    h = cmp.headline.set_index(["arm", "effect"])
    assert ("seed", "share ever listed") not in h.index
    runs = cmp.runs[cmp.runs["arm"] == "listing"]
    last = runs[runs["step"] == 12]
    assert h.loc[("listing", "share ever listed"), "estimate"] == pytest.approx(
        last["ever_listed"].mean()
    )
    sums = runs.groupby("replication")[["travel_denied", "listings"]].sum()
    ratio = (sums["travel_denied"] / sums["listings"]).mean()
    per_listing = h.loc[("listing", "travel denied per listed person"), "estimate"]
    assert per_listing == pytest.approx(ratio)


@pytest.mark.slow
def test_ray_backend_gives_the_same_runs(arms_dir: Path, arm_files: dict[str, str]) -> None:
    import ray

    remote = compare("seed", arm_files["nofriends"], arm_files["early"], against="control",
                     overrides=TINY, replications=3, seed=4, workers=2, backend="ray")
    assert not ray.is_initialized()  # the local cluster started for the compare is stopped
    saved = pd.read_parquet(arms_dir / "runs.parquet")
    pd.testing.assert_frame_equal(remote.runs, saved, check_exact=True)


def test_console_table_has_a_column_per_arm(arms_dir: Path) -> None:
    from rich.console import Console

    from scoresim.experiments.headline_view import estimate_cell, print_table

    headline = pd.read_csv(arms_dir / "headline.csv")
    extra = headline.iloc[[0]].assign(arm="early", effect="share ever listed")
    console = Console(record=True, width=250)
    print_table(pd.concat([headline, extra], ignore_index=True), "t", console)
    lines = console.export_text().splitlines()
    header = next(line for line in lines if "effect" in line)
    assert header.split() == ["effect", "seed", "runs/agents", "nofriends", "runs/agents",
                              "early", "runs/agents"]  # fmt: skip
    chill = headline[(headline["arm"] == "early") & (headline["effect"] == "chilling effect")]
    row = next(line for line in lines if line.lstrip().startswith("chilling effect"))
    assert estimate_cell(chill.iloc[0].to_dict()) in row and "3/300" in row
    # an effect only one arm has: blank cells for the others, the one arm's cell at the end
    listed = next(line for line in lines if "share ever listed" in line)
    assert listed.split("share ever listed")[1].split() == [
        *estimate_cell(extra.iloc[0].to_dict() | {"effect": "share ever listed"}).split(),
        f"{extra['replications'].iloc[0]}/{int(extra['min_agents'].iloc[0]):,}"]  # fmt: skip
