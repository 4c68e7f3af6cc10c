"""The outcome language (experiments.outcomes): its values against numpy and pandas, its
errors, and its three users (sweep outcomes, compare effects, calibration targets)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from scoresim.cli import main
from scoresim.core.errors import ScenarioError
from scoresim.experiments.effects import headline_table
from scoresim.experiments.headline_effects import HEADLINE_EFFECTS, user_effect
from scoresim.experiments.outcomes import parse
from scoresim.experiments.spec import SweepSpec

values = st.floats(-1e3, 1e3, allow_nan=False) | st.just(math.nan)
series = arrays(np.float64, st.integers(1, 15), elements=values)


def same(got: float, want: float) -> bool:
    return (math.isnan(got) and math.isnan(want)) or math.isclose(got, want, abs_tol=1e-9)


# --------------------------------------------------------------------------- values
@settings(max_examples=80, deadline=None)
@given(series, st.data())
def test_windows_and_reductions_match_numpy(x: np.ndarray, data: st.DataObject) -> None:
    t = x.size
    low = data.draw(st.integers(1, t))
    high = data.draw(st.integers(low, t))
    part = x[low - 1 : high]
    finite = part[np.isfinite(part)]
    for name, fn in (("mean", np.mean), ("max", np.max), ("min", np.min), ("sum", np.sum)):
        want = float(fn(finite)) if finite.size else math.nan
        got = float(parse(f"{name}(x, {low}, {high})", ["x"], steps=t).at_end({"x": x}))
        assert same(got, want), name
        # the same window counted from the end
        back = f"{name}(x, {low - t - 1}, {high - t - 1})"
        assert same(float(parse(back, ["x"], steps=t).at_end({"x": x})), want), back
    assert same(float(parse(f"x[{low}]", ["x"]).at_end({"x": x})), x[low - 1])
    assert same(float(parse(f"x[-{low}]", ["x"]).at_end({"x": x})), x[-low])
    assert same(float(parse("last(x)", ["x"]).at_end({"x": x})), x[-1])


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 10)), elements=values))
def test_replications_on_a_leading_axis_equal_one_at_a_time(x: np.ndarray) -> None:
    y = x[::-1].copy()
    for text in ("mean(x - y, -3, -1)", "x / y", "1 - last(cumsum(x)) / sum(y)", "x - max(y)"):
        e = parse(text, ["x", "y"])
        together = e.at_end({"x": x, "y": y})
        apart = [e.at_end({"x": x[r], "y": y[r]}) for r in range(x.shape[0])]
        # equal up to rounding: pandas' grouped sums (mean, sum) depend on the grouping
        np.testing.assert_allclose(together, np.array(apart, dtype=np.float64), rtol=1e-12,
                                   atol=1e-9)  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 60)), elements=values))
def test_mean_is_pandas_groupby_mean_bit_for_bit(x: np.ndarray) -> None:
    """The built-in effects kept their bits when they became expressions: ``mean`` and ``sum``
    are pandas' groupby mean and sum over the replications, skipping NaN."""
    frame = pd.DataFrame({"g": np.repeat(np.arange(x.shape[0]), x.shape[1]), "v": x.ravel()})
    got = parse("mean(v)", ["v"]).at_end({"v": x})
    np.testing.assert_array_equal(got, frame.groupby("g")["v"].mean().to_numpy())
    got = parse("sum(v)", ["v"]).at_end({"v": x})
    np.testing.assert_array_equal(got, frame.groupby("g")["v"].sum(min_count=1).to_numpy())


def test_division_by_a_column_that_can_be_zero_gives_nan() -> None:
    a, b = np.array([1.0, 2.0, 0.0]), np.array([2.0, 0.0, 0.0])
    out = parse("a / b", ["a", "b"]).evaluate({"a": a, "b": b})
    assert out[0] == 0.5 and np.isnan(out[1:]).all()
    # never an infinity that a later step would turn into a number: 1 / (1 / 0) is NaN
    assert np.isnan(parse("1 / (1 / b)", ["b"]).evaluate({"b": b})[1])
    assert np.isnan(parse("sum(a) / sum(b, 2, 3)", ["a", "b"]).at_end({"a": a, "b": b}))
    assert np.isnan(parse("mean(b, 1, 1) / x[3]", ["b", "x"]).at_end({"b": b, "x": b}))


def test_a_reduced_value_combines_with_a_series_step_by_step() -> None:
    x = np.array([1.0, 2.0, 6.0])
    e = parse("x - mean(x)", ["x"])
    assert not e.reduced and e.evaluate({"x": x}).tolist() == [-2.0, -1.0, 3.0]
    assert parse("x[3] - x[1]", ["x"]).reduced


def test_a_window_from_the_end_longer_than_the_run_takes_the_whole_run() -> None:
    x = np.array([1.0, 2.0, 3.0])
    assert parse("mean(x, -52, -1)", ["x"], steps=3).at_end({"x": x}) == 2.0


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(("text", "message"), [
    ("adoptoin", "unknown metric column 'adoptoin'"),
    ("mean(adoptoin, 1, 2)", "unknown metric column 'adoptoin'"),
    ("control.nope", "unknown metric column 'nope' of the control"),
    ("mean(x, 5, 3)", "mean(): bad window: step 5 comes after step 3"),
    ("mean(x, 0, 3)", "mean(): bad step 0"),
    ("max(x, 1, 11)", "max(): bad step 11, beyond the run's 10 steps"),
    ("x[11]", "x[...]: bad step 11, beyond the run's 10 steps"),
    ("x[-11]", "x[...]: bad step -11, before the run's 10 steps"),
    ("x[1.5]", "x[...]: a step must be a whole number, got '1.5'"),
    ("x[1:3]", "x[...]: a step must be a whole number"),
    ("mean(x, 1)", "mean() takes one series: mean(x) or mean(x, from, to)"),
    ("last(x, 1, 2)", "last() takes one series: last(x)"),
    ("cumsum(mean(x))", "cumsum() needs a series over steps, not one number"),
    ("mean(x)[1]", "'mean(x)[1]': a step of one number"),
    ("mean(x, a=1)", "mean() takes no keyword arguments"),
    ("x ** 2", "operator Pow is not allowed"),
    ("__import__('os').system('true')", "unknown function"),
    ("'x'", "only numbers may appear as constants"),
    ("x if x else x", "IfExp is not allowed"),
    ("x +", "cannot parse 'x +'"),
    ("", "must be a metric column or expression"),
])  # fmt: skip
def test_errors_name_the_reason(text: str, message: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        parse(text, ["x", "adoption"], ["x"], steps=10)
    assert message in str(exc.value)


def test_control_without_a_paired_run_is_refused() -> None:
    with pytest.raises(ScenarioError, match="reads a paired control run"):
        parse("x / control.x", ["x"])


# --------------------------------------------------------------------------- sweep outcomes
def _sweep(outcomes: dict) -> dict:
    return {"name": "o", "set": {"population.agents": 100, "steps": 6},
            "parameters": {"graph.rewire": {"values": [0.1, 1.0]}},
            "outcomes": outcomes}  # fmt: skip


def test_sweep_outcomes_take_expressions() -> None:
    spec = SweepSpec.from_dict(_sweep({
        "late": "mean(critical_posts, -3, -1)",
        "ratio": {"metric": "critical_posts / loyal_posts", "reduce": "max"},
        "plain": {"metric": "critical_posts", "reduce": "mean_last", "k": 3},
    }))  # fmt: skip
    metrics = pd.DataFrame({"step": [3, 1, 2, 4, 5, 6], "critical_posts": [3.0, 1, 2, 4, 5, 6],
                            "loyal_posts": [1.0, 1, 1, 1, 0, 1]})  # fmt: skip
    got = {o.name: o.reduce(metrics) for o in spec.outcomes}
    assert got == {"late": 5.0, "ratio": 6.0, "plain": 5.0}  # 5 / 0 is NaN, not the max


@pytest.mark.parametrize(("outcomes", "message"), [
    ({"a": "adoptoin"}, "outcomes.a.metric: unknown metric column 'adoptoin'"),
    ({"a": "1 - adoption / control.adoption"}, "outcomes.a.metric: 'control.adoption' reads a "
     "paired control run"),
    ({"a": "mean(adoption, 2, 9)"}, "outcomes.a.metric: mean(): bad step 9, beyond the run's 6"),
    ({"a": {"metric": "mean(adoption)", "reduce": "max"}},
     "outcomes.a.reduce: the metric is already one number of a run"),
])  # fmt: skip
def test_sweep_outcome_errors(outcomes: dict, message: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        SweepSpec.from_dict(_sweep(outcomes))
    assert str(exc.value).startswith(message)


# --------------------------------------------------------------------------- compare effects
def test_built_in_effects_are_data_with_checked_expressions() -> None:
    columns = ["critical_posts", "falsification_gap", "pluralistic_ignorance", "isolated",
               "employment", "employment_poor", "wealth_gini", "score_dissent_corr",
               "ever_listed", "travel_denied", "listings", "employment_listed",
               "voice_private", "voice_expressed", "voice_posted"]  # fmt: skip
    for effect in HEADLINE_EFFECTS:
        e = parse(effect.expression, columns, columns)
        assert effect.paired in ("difference", "treatment")
        assert not (effect.paired == "difference" and e.control_columns), effect.name


def test_an_added_effect_by_hand() -> None:
    """Two replications of two steps: the added effects are paired like the built-in ones."""
    rows = []
    for r in range(2):
        for step, (t, c) in enumerate(((1.0, 1.0), (3.0 + r, 2.0)), start=1):
            rows.append({"arm": "treatment", "replication": r, "step": step, "x": t})
            rows.append({"arm": "control", "replication": r, "step": step, "x": c})
    runs = pd.DataFrame(rows)
    rise = user_effect("rise = x[2] - x[1]", ["x"])  # T: 2, 3; C: 1, 1 -> differences 1, 2
    ratio = user_effect("ratio = last(x) / last(control.x)", ["x"])  # 1.5, 2
    h = headline_table(runs, extra=[rise, ratio]).set_index("effect")
    assert list(h.index) == ["rise", "ratio"]  # the runs lack the built-in effects' columns
    assert h.loc["rise", "estimate"] == 1.5 and h.loc["rise", "treatment"] == 2.5
    assert h.loc["rise", "control"] == 1.0 and h.loc["rise", "definition"] == "[x[2] - x[1]](T)" \
        " - [x[2] - x[1]](C)"
    assert h.loc["ratio", "estimate"] == 1.75 and h.loc["ratio", "control"] == 1.0
    assert ratio.paired == "treatment" and h.loc["ratio", "replications"] == 2
    assert h["min_agents"].isna().all()  # an added effect rests on a group nobody named


@pytest.mark.parametrize(("effect", "message"), [
    ("late=mean(critical_posts, 1, 99)", "--effect late: mean(): bad step 99, beyond the run's "
     "6 steps"),
    ("late=critical_postz", "--effect late: unknown metric column 'critical_postz'"),
    ("late", "--effect: expected NAME=EXPRESSION, got 'late'"),
    ("chilling effect=adoption", "--effect chilling effect: a built-in effect has that name"),
])  # fmt: skip
def test_compare_effect_errors_are_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], effect: str, message: str
) -> None:
    out = tmp_path / "cmp"
    argv = ["compare", "--set", "population.agents=100", "--set", "steps=6", "--effect", effect,
            "--out", str(out)]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not out.exists()


def test_scoresim_effects_lists_every_built_in_effect(capsys: pytest.CaptureFixture[str]) -> None:
    import os

    os.environ["COLUMNS"] = "250"
    try:
        assert main(["effects"]) == 0
    finally:
        del os.environ["COLUMNS"]
    shown = capsys.readouterr().out
    for effect in HEADLINE_EFFECTS:
        assert effect.name in shown and effect.expression in shown, effect.name


def test_sensitivity_over_time_reads_an_outcome_of_one_column_and_refuses_an_expression() -> None:
    from scoresim.experiments.sensitivity_time import metric_of

    outcomes = {"a": "critical_posts", "b": {"metric": "x / y"},
                "c": {"metric": "adoption", "reduce": "mean"}}
    info = {"definition": {"outcomes": outcomes}}
    assert metric_of(info, "a") == "critical_posts" and metric_of(info, "c") == "adoption"
    with pytest.raises(ScenarioError) as exc:
        metric_of(info, "b")
    assert str(exc.value).startswith("outcomes.b: --over-time needs an outcome that reduces one")
