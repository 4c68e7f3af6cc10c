"""`scoresim sensitivity --method src|prcc [--over-time]` on any sweep: the coefficients of
known functions read back through the database, the default method of each sampler, the one-line
warnings (a low R², Sobol indices from a sample too small), and indices over time that follow a
parameter whose influence starts at a known step."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from tests.experiments.synthetic_sweep import NAMES, make_sweep, values

from scoresim.cli import main
from scoresim.experiments import regression, samplers
from scoresim.experiments.indices import Design, outcome_rows, outcome_warning
from scoresim.experiments.samplers import Parameter
from scoresim.experiments.sensitivity import PRCC_COLUMNS, SRC_COLUMNS, sensitivity

A = np.array([2.0, -3.0, 0.0])


def test_src_of_a_linear_outcome_is_exact_through_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lhs = make_sweep(tmp_path, outcome=lambda X: X @ A + 1.0)
    X = values()
    got = sensitivity(lhs, method="src").to_frame()
    assert list(got.columns) == list(SRC_COLUMNS)
    y_rows = got[got["outcome"] == "y"].set_index("parameter").loc[list(NAMES)]
    y = X @ A
    assert y_rows["SRC"].to_numpy() == pytest.approx(A * X.std(axis=0) / y.std(), abs=1e-9)
    assert np.allclose(y_rows["R2"], 1.0)
    assert (y_rows["SRC_low"] <= y_rows["SRC"] + 1e-9).all()
    assert (y_rows["SRC"] <= y_rows["SRC_high"] + 1e-9).all()
    capsys.readouterr()
    out = tmp_path / "src.csv"
    assert main(["sensitivity", str(lhs), "--method", "src", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "y: SRC (95% bootstrap CI), R2 = 1" in printed.out and "95% CI" in printed.out
    pd.testing.assert_frame_equal(pd.read_csv(out), got, check_dtype=False)


def test_prcc_is_the_default_on_a_latin_hypercube(tmp_path: Path) -> None:
    """A monotone, strongly non-linear outcome: PRCC near 1 for its main driver, clearly
    negative for the second, near 0 for the third, with a significant p-value only for the
    drivers; the same as the function computes on the values applied."""

    def f(X: np.ndarray) -> np.ndarray:
        return np.exp(8 * X[:, 0]) - 100 * X[:, 1]

    lhs = make_sweep(tmp_path, outcome=f)
    X = values()
    result = sensitivity(lhs)
    got = result.to_frame()
    assert result.method == "prcc" and list(got.columns) == list(PRCC_COLUMNS)
    rows = got[got["outcome"] == "y"].set_index("parameter").loc[list(NAMES)]
    expected, _ = regression.prcc(X, f(X))
    assert rows["PRCC"].to_numpy() == pytest.approx(expected)
    assert rows["PRCC"].iloc[0] > 0.95 and rows["PRCC"].iloc[1] < -0.5
    assert abs(rows["PRCC"].iloc[2]) < 0.4
    assert (rows["p_value"].iloc[:2] < 1e-3).all() and rows["p_value"].iloc[2] > 1e-3
    again = sensitivity(lhs).to_frame()  # the bootstrap is seeded
    pd.testing.assert_frame_equal(again, got)


def test_a_non_monotone_outcome_is_flagged_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lhs = make_sweep(tmp_path, outcome=lambda X: (X[:, 0] - 0.6) ** 2)
    result = sensitivity(lhs, method="src")
    assert len(result.warnings) == 1 and result.warnings[0].startswith("y: R2 = ")
    capsys.readouterr()
    assert main(["sensitivity", str(lhs), "--method", "prcc",
                 "--out", str(lhs.with_name("p.csv"))]) == 0  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("scoresim: warning: y: R2 = ") and "not monotone" in err[0]


def test_sobol_indices_from_too_small_a_sample_warn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Noise has no Sobol structure; a base sample of 4 makes the estimators break their
    bounds (S1 > ST, or S1 summing past 1), and the command says so in one line per outcome."""
    rng = np.random.default_rng(5)
    db = make_sweep(tmp_path, "sobol", samples=4, outcome=lambda X: rng.normal(size=len(X)))
    result = sensitivity(db)
    frame = result.to_frame()
    y = frame[frame["outcome"] == "y"]
    broken = (y["S1"] > y["ST"] + 0.05).any() or y["S1"].sum() > 1.05
    assert broken  # the premise: this sample does break the bounds
    assert any(line.startswith("y: ") and "the sample is too small" in line
               for line in result.warnings)  # fmt: skip
    capsys.readouterr()
    assert main(["sensitivity", str(db), "--out", str(tmp_path / "s.csv")]) == 0
    warned = [w for w in capsys.readouterr().err.splitlines() if "y: " in w]
    assert len(warned) == 1 and "samples = 4" in warned[0]


def test_sobol_bounds_warning_follows_the_rule() -> None:
    names = ["a", "b"]
    row = lambda s1, st: [s1, 0.0, s1, s1, st, 0.0, st, st]  # noqa: E731
    assert outcome_warning("sobol", "y", names, [row(0.5, 0.6), row(0.3, 0.4)], 64) is None
    assert outcome_warning("sobol", "y", names, [row(0.52, 0.5), row(0.5, 0.51)], 64) is None
    line = outcome_warning("sobol", "y", names, [row(0.5, 0.3), row(0.3, 0.4)], 8)
    assert line == ("y: S1 > ST for a: the sample is too small for these indices "
                    "(samples = 8; raise it)")  # fmt: skip
    line = outcome_warning("sobol", "y", names, [row(0.7, 0.8), row(0.5, 0.6)], 8)
    assert line is not None and "the S1 sum to 1.20 > 1" in line
    assert outcome_warning("src", "y", names, [[0.1, 0, 0, 0.9]] * 2, 8) is None
    assert "R2 = 0.50 < 0.7" in outcome_warning("src", "y", names, [[0.1, 0, 0, 0.5]] * 2, 8)


def test_a_large_sobol_sample_of_an_additive_model_does_not_warn() -> None:
    """Y = x0 / 0.8 + 2 x1 / 0.5 on uniform inputs: S1 = ST = 0.2, 0.8 and 0 (each term's
    variance over the sum); at 512 base samples the estimates sit within their slack."""
    parameters = [Parameter(n, low=lo, high=hi) for n, lo, hi in
                  zip(NAMES, (0.2, 0.0, 0.0), (1.0, 0.5, 10.0), strict=True)]  # fmt: skip
    X = samplers.sobol(parameters, 512, seed=1)
    design = Design(samplers.problem(parameters), X, X, 4, False, seed=1, samples=512)
    rows = outcome_rows("sobol", design, X[:, 0] / 0.8 + 2 * X[:, 1] / 0.5)
    assert outcome_warning("sobol", "y", list(NAMES), rows, 512) is None
    assert [r[4] for r in rows] == pytest.approx([0.2, 0.8, 0.0], abs=0.03)  # ST


def test_sensitivity_over_time_follows_the_influential_parameter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """critical_posts is the first parameter's value up to step 4, the second's after: SRC (and
    PRCC) are exactly 1 for the one that drives each week and 0 for the others."""
    db = make_sweep(tmp_path, "lhs", samples=30, replications=2, steps=8,
                    metric=lambda X, step: X[:, 0] if step <= 4 else X[:, 1])
    for method in ("src", "prcc"):
        result = sensitivity(db, method=method, over_time=True)
        frame = result.to_frame()
        assert result.over_time and list(frame.columns[:3]) == ["step", "outcome", "parameter"]
        assert sorted(frame["step"].unique()) == list(range(1, 9))
        y = frame[frame["outcome"] == "y"].pivot(index="step", columns="parameter",
                                                 values=method.upper())  # fmt: skip
        drivers = np.where(y.index <= 4, NAMES[0], NAMES[1])
        for step, driver in zip(y.index, drivers, strict=True):
            assert y.loc[step, driver] == pytest.approx(1.0), (method, step)
            others = [n for n in NAMES if n != driver]
            assert np.abs(y.loc[step, others].to_numpy(float)) == pytest.approx(0.0, abs=1e-9) \
                or method == "prcc"  # a rank fit leaves a NaN or tiny residual correlation
    every = sensitivity(db, method="src", over_time=True, every=3).to_frame()
    assert sorted(every["step"].unique()) == [3, 6, 8]  # and the last step
    capsys.readouterr()
    out = tmp_path / "time.csv"
    assert main(["sensitivity", str(db), "--over-time", "--method", "src",
                 "--out", str(out)]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "y: SRC (95% bootstrap CI), R2 = 1, at step 8" in printed
    assert "synthetic citizens" in Image.open(out.with_suffix(".png")).text["Caveat"]
    assert len(pd.read_csv(out)) == 8 * 2 * 3  # steps x outcomes x parameters
    assert main(["sensitivity", str(db), "--every", "2", "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip() == "scoresim: error: --every 2: only with --over-time"


def test_the_sweep_report_draws_prcc_for_a_latin_hypercube(tmp_path: Path) -> None:
    from scoresim.report.html import write_report

    db = make_sweep(tmp_path, outcome=lambda X: (X[:, 0] - 0.6) ** 2)
    text = write_report(db).read_text()
    assert '<h2>Partial rank correlation coefficients</h2>' in text
    assert "<th>PRCC_low</th>" in text and "y: R2 = " in text  # the warning, under the table
