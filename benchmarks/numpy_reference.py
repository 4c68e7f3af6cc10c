"""docs/model.md sections 1-5 in plain vectorised numpy: the yardstick of issue 22.

A second implementation of model v1, written as a numpy user who cares for speed would write it
(numpy only): one array per agent variable, ``numpy.random.Generator`` draws (a Poisson count
split multinomially drawn as independent Poisson counts of the split rates, the same law; the
counts and detections that only the enrolled agents' scores read drawn for them alone), the
friends as CSR arrays (``indptr``, ``dst``; a tie is looked up by expanding the few rows asked
about). A neighbour sum is one gather ``np.take(x, dst, mode="clip", out=buffer)`` into a reused
buffer (numpy's documented fast path: no bounds-check copy, no fresh pages) and one
``np.add.reduceat`` along the rows; up to three boolean neighbour counts share one gather,
packed in 21-bit fields of an int64. A change of the network drops ties with a boolean keep mask
and adds the new ones with ``np.insert`` at the ends of their rows (a row need not be sorted),
and updates the degrees by ``np.bincount`` of the few changed rows. Percentiles and Gini
coefficients come from ``np.sort``. Its parameters are read from ``Scenario.preset("seed-v1")``
(plus overrides), so no number of the model is written twice. It does not reproduce scoresim's
bits, only its model: ``--agree`` checks the means of metrics over seeds against scoresim's
(benchmarks/check_agreement.py's test), and ``benchmarks/vs_numpy.py`` times the two as whole
processes.

    .venv/bin/python benchmarks/numpy_reference.py --agents 1e6 --steps 52   # one run, timed
    .venv/bin/python benchmarks/numpy_reference.py --agree                  # statistical check
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from numpy_graph import Friends, watts_strogatz
from scoresim import Scenario

NAN = float("nan")
PRESET = "seed-v1"


def scenario(agents: int, steps: int, **overrides: object) -> Scenario:
    """The ``seed-v1`` preset at ``agents`` x ``steps`` with dotted ``overrides``."""
    return Scenario.preset(PRESET).with_overrides(
        {"population.agents": agents, "steps": steps, **overrides}
    )


class Reference:
    """One run of model v1 on numpy arrays (docs/model.md sections 1-5)."""

    def __init__(self, sc: Scenario, seed: int) -> None:
        self.sc, n = sc, sc.population.agents
        self.n, self.rng = n, np.random.default_rng(seed)
        p, rng = sc.population, self.rng
        self.dissent0 = rng.beta(p.dissent.a, p.dissent.b, n)
        self.fear = rng.beta(p.fear.a, p.fear.b, n)
        self.import_taste = rng.beta(p.import_taste.a, p.import_taste.b, n)
        self.post_rate = rng.gamma(p.post_rate_shape, p.post_rate / p.post_rate_shape, n)
        self.buy_rate = rng.gamma(p.buy_rate_shape, p.buy_rate / p.buy_rate_shape, n)
        self.income = rng.lognormal(p.income_mu, p.income_sigma, n)
        self.employed = rng.random(n) < p.employed
        self.enrolled = rng.random(n) < sc.adoption.initial
        self.dissent = self.dissent0.copy()
        self.score = np.full(n, sc.policy.score.base)
        self.censor, self.buy_conform = np.zeros(n), np.zeros(n)
        self.risk, self.gaming = np.zeros(n), np.zeros(n)
        self.wealth, self.climate = np.zeros(n), np.zeros(n)
        self.has_loan, self.defaulted = np.zeros(n, bool), np.zeros(n, bool)
        tiers = sc.tiers
        self.tier_min = np.array([t.min_score for t in tiers])
        self.reach = np.array([t.reach for t in tiers])
        self.hire_mult = np.array([t.hire_multiplier for t in tiers])
        self.approval = np.array([t.loan_approval for t in tiers])
        self.ban = np.array([t.travel_ban for t in tiers])
        self.public = np.array([t.public for t in tiers])
        self.next_min = np.append(self.tier_min[1:], np.inf)
        self.base_tier = self.tier_of(np.array([sc.policy.score.base]))[0]
        self.tier = np.where(self.enrolled, self.tier_of(self.score), self.base_tier)
        topics = sc.policy.posts.critical_topics
        self.topic_w = [c.weight / sum(c.weight for c in topics) for c in topics]
        self.topic_delta = [c.delta for c in topics]
        keys = watts_strogatz(n, sc.graph.degree, sc.graph.rewire, np.random.default_rng(seed))
        self.g = Friends(keys, n)
        self.t = 0

    # ------------------------------------------------------------------ helpers
    def tier_of(self, score: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.tier_min, score, side="right") - 1

    def poisson(self, rate: np.ndarray, who: np.ndarray | None = None) -> np.ndarray:
        """Poisson(``rate``) counts, or only where ``who`` (0 elsewhere).

        A Poisson count split multinomially is drawn part by part: the parts are independent
        Poisson counts of the split rates (Poisson splitting), so a part only the enrolled
        agents' scores read is drawn for them alone."""
        rate = np.maximum(rate, 0.0)
        if who is None:
            return self.rng.poisson(rate)
        at = np.flatnonzero(who)
        out = np.zeros(self.n, np.int64)
        out[at] = self.rng.poisson(rate[at])
        return out

    def thin(self, count: np.ndarray, p: float, who: np.ndarray) -> np.ndarray:
        """Binomial(``count``, ``p``) where ``who``, 0 elsewhere (drawn where count > 0)."""
        at = np.flatnonzero(who & (count > 0))
        out = np.zeros(self.n, np.int64)
        out[at] = self.rng.binomial(count[at], p)
        return out

    # ------------------------------------------------------------------ one step (section 2)
    def step(self) -> dict[str, float]:
        self.t += 1
        sc, rng, n = self.sc, self.rng, self.n
        ad, act, pol, eco, aa = sc.adoption, sc.activity, sc.policy, sc.economy, sc.adaptation
        # 2.1 adoption
        if sc.mandatory_step is not None and self.t >= sc.mandatory_step:
            self.enrolled[:] = True
        else:
            p = ad.innovation + ad.imitation * self.g.shares(self.enrolled)[0]
            self.enrolled |= rng.random(n) < p
        en = self.enrolled
        # 2.2 activity
        reach = np.where(en, self.reach[self.tier], 1.0)  # the tiers of the scores now
        expressed = self.dissent * (1.0 - self.censor)
        p_c = act.critical_propensity * expressed
        p_l = np.minimum(1.0 - p_c, act.loyal_propensity * (1.0 - self.dissent) + self.gaming)
        posts = self.post_rate * reach  # split: topics of critical, loyal, neutral
        by_topic = [self.poisson(posts * p_c * w) for w in self.topic_w]
        crit, loyal = sum(by_topic), self.poisson(posts * p_l)
        p_u = self.import_taste * (1.0 - self.buy_conform)
        p_d = np.minimum(
            1.0 - p_u, act.desirable_share * (1.0 + act.desirable_conform_gain * self.buy_conform)
        )
        undesirable = self.poisson(self.buy_rate * p_u)  # split: undesirable, desirable, other
        desirable = self.poisson(self.buy_rate * p_d, en)
        groceries = self.poisson(self.buy_rate * (1.0 - p_u - p_d), en)
        # 2.3 scoring (enrolled agents; neighbour scores from the start of the phase)
        det = pol.detect
        detected = [self.thin(c, det.critical, en) for c in by_topic]
        neutral_rate = posts * (1.0 - p_c - p_l) * det.false_positive  # neutral posts, thinned
        false_pos = self.poisson(neutral_rate, en)
        pur = pol.purchases
        events = (
            sum(d * delta for d, delta in zip(detected, self.topic_delta, strict=True))
            + pol.posts.loyal_delta * self.thin(loyal, det.loyal, en)
            + det.false_positive_delta * false_pos
            + pur.desirable.delta * desirable
            + pur.undesirable.delta * undesirable
            + pur.neutral.delta * groceries
        )
        s = self.score
        events = np.clip(events, -pol.max_step_change, pol.max_step_change)
        friends_e, low = self.g.counts(en, en & (s < pol.low_threshold))
        sum_e = self.g.sums(s * en)
        mean_e = np.divide(sum_e, friends_e, out=s.copy(), where=friends_e > 0)
        new = (
            s
            + events
            - pol.default_penalty * self.defaulted
            + pol.friend_weight * (mean_e - s)
            - pol.low_friend_penalty * low
            - pol.decay * (s - pol.score.base)
        )
        self.score = np.where(en, np.clip(new, pol.score.min, pol.score.max), s)
        self.defaulted[:] = False
        n_detected = sum(detected)
        sanctioned = (n_detected > 0) | (false_pos > 0)
        # 2.4 consequences
        self.tier = tier = np.where(en, self.tier_of(self.score), self.base_tier)
        u = rng.random(n)
        employed = self.employed
        self.employed = np.where(employed, u >= eco.job_loss, u < eco.hire * self.hire_mult[tier])
        had = self.has_loan
        apply = ~had & (rng.random(n) < eco.loan_apply)
        approved = apply & (rng.random(n) < self.approval[tier])
        close = had & (rng.random(n) < eco.loan_close)
        factor = np.where(self.employed, 1.0, eco.default_unemployed_factor)
        self.defaulted = had & ~close & (rng.random(n) < eco.default * factor)
        self.has_loan = approved | (had & ~close & ~self.defaulted)
        travel_denied = np.count_nonzero((rng.random(n) < eco.travel) & en & self.ban[tier])
        self.wealth += self.income * self.employed * (1.0 + eco.loan_income_bonus * self.has_loan)
        # 2.5 adaptation (neighbours read at the start of the phase)
        fs, pf = self.g.shares(sanctioned, en & self.public[tier])
        climate = self.g.mean(self.g.sums(expressed))
        risk = (1 - aa.risk_rate) * self.risk + aa.risk_rate * (
            aa.risk_own_weight * sanctioned + aa.risk_friends_weight * fs
        )
        target = self.fear * np.minimum(1.0, aa.awareness + aa.risk_sensitivity * risk)
        pressure = float(min(pur.desirable.delta, pur.undesirable.delta, pur.neutral.delta) < 0)
        gap = np.where(np.isinf(self.next_min[tier]), 0.0, self.next_min[tier] - self.score)
        gaming = np.minimum(
            aa.gaming_cap,
            self.fear
            * (aa.gaming_gap_weight * gap / aa.gaming_gap_scale + aa.gaming_public_weight * pf),
        )
        self.risk = np.where(en, risk, self.risk)
        self.censor = np.where(en, self.censor + aa.censor_rate * (target - self.censor), 0.0)
        self.buy_conform = np.where(
            en, self.buy_conform + aa.conform_rate * (self.fear * pressure - self.buy_conform), 0.0
        )
        self.gaming = np.where(en, gaming, 0.0)
        self.climate = np.where(self.g.empty, self.dissent, climate)
        self.dissent = (1 - aa.opinion_rate) * self.dissent + aa.opinion_rate * (
            aa.climate_weight * self.climate + (1 - aa.climate_weight) * self.dissent0
        )
        # 2.6 network
        if pol.friend_weight > 0 or pol.low_friend_penalty > 0:
            self.network()
        row = self.metrics(crit, loyal, undesirable, sanctioned, n_detected)
        row["loans_denied"] = float(np.count_nonzero(apply & ~approved))
        row["travel_denied"] = float(travel_denied)
        return row

    def network(self) -> None:
        """2.6: drops of ties to enrolled low scorers, friends of friends in their stead."""
        sc, rng, n, en, g = self.sc, self.rng, self.n, self.enrolled, self.g
        low = en & (self.score < sc.policy.low_threshold)
        lows = np.flatnonzero(low)
        index, at = g.rows(lows)  # ties (i, j) to low j: the rows of the j
        i, j = g.dst[at], lows[index]
        i, j = i[en[i]], j[en[i]]
        drop = rng.random(i.size) < sc.network.drop_rate * self.fear[i]
        i, j = i[drop], j[drop]
        a = i[rng.random(i.size) < sc.network.replace_prob]
        k = g.dst[g.indptr[a] + (rng.random(a.size) * g.deg[a]).astype(np.int64)]
        has_k = g.deg[k] > 0
        a, k = a[has_k], k[has_k]
        ll = g.dst[g.indptr[k] + (rng.random(k.size) * g.deg[k]).astype(np.int64)]
        ok = (ll != a) & (g.find(a, ll) < 0) & (self.score[ll] >= sc.policy.low_threshold)
        a, ll = a[ok], ll[ok]
        if i.size == 0 and a.size == 0:
            return
        gone = np.unique(np.concatenate([i * n + j, j * n + i]))
        new = np.unique(np.concatenate([a * n + ll, ll * n + a]))
        g.edit(np.divmod(gone, n), np.divmod(new, n))

    # ------------------------------------------------------------------ section 3
    def metrics(self, crit, loyal, undesirable, sanctioned, n_detected) -> dict[str, float]:
        en, n = self.enrolled, self.n
        s = np.sort(self.score[en])
        row = {"step": float(self.t), "adoption": en.mean()}
        row |= (
            {"score_mean": s.mean(), "score_sd": s.std()}
            if s.size
            else {"score_mean": NAN, "score_sd": NAN}
        )
        for q in (10, 50, 90):
            row[f"score_p{q}"] = _percentile_of_sorted(s, q)
        counts = np.bincount(self.tier[en], minlength=self.tier_min.size)
        for name, c in zip((t.name for t in self.sc.tiers), counts, strict=True):
            row[f"tier_{name}"] = c / s.size if s.size else NAN
        expressed = self.dissent * (1.0 - self.censor)
        row |= {
            "dissent_mean": self.dissent.mean(),
            "expressed_mean": expressed.mean(),
            "falsification_gap": (self.dissent - expressed).mean(),
            "pluralistic_ignorance": self.climate.mean() - self.dissent.mean(),
            "critical_posts": crit.mean(),
            "loyal_posts": loyal.mean(),
            "imports": undesirable.mean(),
            "sanctioned": sanctioned.mean(),
        }
        ns = np.count_nonzero(sanctioned)
        row["false_positive_only"] = (
            np.count_nonzero(sanctioned & (n_detected == 0)) / ns if ns else NAN
        )
        row["edges"] = self.g.dst.size / 2
        row["isolated"] = np.count_nonzero(self.g.empty) / n
        enrolled = np.flatnonzero(en)
        index, at = self.g.rows(enrolled)  # ties between enrolled agents
        i, j = enrolled[index], self.g.dst[at]
        i, j = i[en[j]], j[en[j]]
        row["score_assortativity"] = _pearson(self.score[i], self.score[j])
        row["employment"] = self.employed.mean()
        poor = en & (self.tier == 0)
        row["employment_poor"] = self.employed[poor].mean() if poor.any() else NAN
        row["wealth_gini"] = _gini_of_sorted(np.sort(self.wealth))
        row["score_gini"] = _gini_of_sorted(s)
        row["score_dissent_corr"] = _pearson(self.score[en], self.dissent[en])
        return {k: float(v) for k, v in row.items()}


def _percentile_of_sorted(x: np.ndarray, q: float) -> float:
    """Linear interpolation between the order statistics (numpy's default)."""
    if x.size == 0:
        return NAN
    at = q / 100 * (x.size - 1)
    lo = int(np.floor(at))
    hi = min(lo + 1, x.size - 1)
    return float(x[lo] + (at - lo) * (x[hi] - x[lo]))


def _gini_of_sorted(x: np.ndarray) -> float:
    n, total = x.size, x.sum()
    if n == 0 or total == 0:
        return NAN
    return float(np.dot(2.0 * np.arange(1, n + 1) - n - 1, x) / (n * total))


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if x.size < 2 or x.std() == 0 or y.std() == 0:
        return NAN
    return float(np.corrcoef(x, y)[0, 1])


def run_reference(sc: Scenario, seed: int) -> pd.DataFrame:
    """The metrics of one run to the scenario's horizon, one row per step."""
    model = Reference(sc, seed)
    return pd.DataFrame([model.step() for _ in range(sc.steps)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--agents", type=lambda s: int(float(s)), default=10**6)
    ap.add_argument("--steps", type=int, default=52)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--csv", type=Path, default=None, help="write the metrics here")
    ap.add_argument(
        "--agree",
        action="store_true",
        help="check agreement with scoresim instead (benchmarks/vs_numpy.py --agree)",
    )
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--agree" in argv:  # vs_numpy.py --agree, with its options
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from vs_numpy import main as vs_numpy

        return vs_numpy(argv)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    metrics = run_reference(scenario(args.agents, args.steps), args.seed)
    wall = time.perf_counter() - started
    if args.csv:
        metrics.to_csv(args.csv, index=False)
    last = metrics.iloc[-1]
    print(
        f"numpy reference: {args.agents:,} x {args.steps} steps in {wall:.2f} s "
        f"(CPU {time.process_time():.2f} s); adoption {last['adoption']:.4f}, "
        f"score_mean {last['score_mean']:.2f}, critical_posts {last['critical_posts']:.4f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
