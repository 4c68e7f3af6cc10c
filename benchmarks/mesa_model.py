"""docs/model.md written as a Mesa 3 user would write it, and a speed comparison with scoresim.

This is the yardstick of issue 5 ("10^4 agents x 52 steps >= 200x faster than an idiomatic
Mesa 3 model") and a second, independent implementation of docs/model.md for
``benchmarks/check_agreement.py``. It is written the way the Mesa tutorials write models:

- one ``Citizen`` agent object per person holding the state of docs/model.md section 1;
- a ``mesa.discrete_space.Network`` built from a ``networkx.watts_strogatz_graph`` (no layout);
- the phases of docs/model.md section 2 as agent methods, run for all agents in order by
  ``model.agents.shuffle_do(...)``; where docs/model.md makes a phase synchronous, agents first
  store a snapshot of what their neighbours read (``*_start`` attributes);
- the metrics of docs/model.md section 3 as model reporters of a ``mesa.DataCollector``;
- random draws follow the recipe of docs/model.md literally (a Poisson total split by a multinomial,
  then binomial detection), with ``model.rng`` (numpy) and ``model.random`` (Python).

Every parameter is read from ``scoresim.Scenario`` (the ``seed`` preset plus overrides), so no
number of the model is written twice. Only the Watts-Strogatz graph is supported.

    .venv/bin/python benchmarks/mesa_model.py                 # Mesa vs scoresim at 10^4 x 52
    .venv/bin/python benchmarks/mesa_model.py --agents 2000 --steps 10 --scoresim-reps 1
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from mesa.discrete_space import FixedAgent, Network

from scoresim import Scenario

NAN = float("nan")


class Citizen(FixedAgent):
    """One synthetic citizen sitting on its node of the friendship network."""

    def __init__(self, model: ScoringModel, cell) -> None:
        super().__init__(model)
        self.cell = cell
        p = model.sc.population
        rng = model.rng
        # fixed traits (docs/model.md section 1)
        self.dissent0 = rng.beta(p.dissent.a, p.dissent.b)
        self.fear = rng.beta(p.fear.a, p.fear.b)
        self.import_taste = rng.beta(p.import_taste.a, p.import_taste.b)
        self.post_rate = rng.gamma(p.post_rate_shape, p.post_rate / p.post_rate_shape)
        self.buy_rate = rng.gamma(p.buy_rate_shape, p.buy_rate / p.buy_rate_shape)
        self.income = rng.lognormal(p.income_mu, p.income_sigma)
        # changing state
        self.dissent = self.dissent0
        self.employed = self.random.random() < p.employed
        self.enrolled = self.random.random() < model.sc.adoption.initial
        self.score = model.sc.policy.score.base
        self.censor = 0.0
        self.buy_conform = 0.0
        self.risk = 0.0
        self.gaming = 0.0
        self.has_loan = False
        self.defaulted = False
        self.wealth = 0.0
        self.tier = model.tier_of(self.score) if self.enrolled else model.base_tier
        self.climate = 0.0
        # what this step did
        self.critical_by_topic = [0] * len(model.topic_weights)
        self.loyal = self.neutral = 0
        self.desirable = self.undesirable = self.groceries = 0
        self.detected_critical = self.false_positives = 0
        self.sanctioned = False
        # snapshots read by neighbours in synchronous phases
        self.enrolled_start = self.enrolled
        self.score_start = self.score
        self.expressed_start = self.expressed

    # ------------------------------------------------------------------ helpers
    @property
    def expressed(self) -> float:
        return self.dissent * (1.0 - self.censor)

    def friends(self) -> list[Citizen]:
        return list(self.cell.neighborhood.agents)

    def snapshot(self) -> None:
        self.enrolled_start = self.enrolled
        self.score_start = self.score
        self.expressed_start = self.expressed

    # ------------------------------------------------------------------ 2.1 adoption
    def adopt(self) -> None:
        m = self.model
        if self.enrolled:
            return
        if m.mandatory is not None and m.steps >= m.mandatory:
            self.enrolled = True
            return
        a = m.sc.adoption
        friends = self.friends()
        p = a.innovation
        if friends:
            p += a.imitation * sum(f.enrolled_start for f in friends) / len(friends)
        if self.random.random() < p:
            self.enrolled = True

    # ------------------------------------------------------------------ 2.2 activity
    def act(self) -> None:
        m = self.model
        a = m.sc.activity
        rng = m.rng
        reach = m.tiers[m.tier_of(self.score)].reach if self.enrolled else 1.0
        n_posts = rng.poisson(self.post_rate * reach)
        p_c = a.critical_propensity * self.expressed
        p_l = min(1.0 - p_c, a.loyal_propensity * (1.0 - self.dissent) + self.gaming)
        crit, self.loyal, self.neutral = rng.multinomial(
            n_posts, [p_c, p_l, max(0.0, 1.0 - p_c - p_l)]
        )
        self.critical_by_topic = list(rng.multinomial(crit, m.topic_weights))
        n_buys = rng.poisson(self.buy_rate)
        p_u = self.import_taste * (1.0 - self.buy_conform)
        p_d = min(
            1.0 - p_u, a.desirable_share * (1.0 + a.desirable_conform_gain * self.buy_conform)
        )
        self.undesirable, self.desirable, self.groceries = rng.multinomial(
            n_buys, [p_u, p_d, max(0.0, 1.0 - p_u - p_d)]
        )

    # ------------------------------------------------------------------ 2.3 scoring
    def update_score(self) -> None:
        m = self.model
        pol = m.sc.policy
        rng = m.rng
        default_flag, self.defaulted = self.defaulted, False
        self.detected_critical = self.false_positives = 0
        self.sanctioned = False
        if not self.enrolled:
            return
        detected = [rng.binomial(c, pol.detect.critical) for c in self.critical_by_topic]
        loyal = rng.binomial(self.loyal, pol.detect.loyal)
        false_pos = rng.binomial(self.neutral, pol.detect.false_positive)
        pur = pol.purchases
        events = (
            sum(d * t.delta for d, t in zip(detected, pol.posts.critical_topics, strict=True))
            + pol.posts.loyal_delta * loyal
            + pol.detect.false_positive_delta * false_pos
            + pur.desirable.delta * self.desirable
            + pur.undesirable.delta * self.undesirable
            + pur.neutral.delta * self.groceries
        )
        events = min(pol.max_step_change, max(-pol.max_step_change, events))
        if default_flag:
            events -= pol.default_penalty
        s = self.score_start
        new = s + events
        enrolled_friends = [f for f in self.friends() if f.enrolled]
        if enrolled_friends:
            mean = sum(f.score_start for f in enrolled_friends) / len(enrolled_friends)
            new += pol.friend_weight * (mean - s)
        new -= pol.low_friend_penalty * sum(
            f.score_start < pol.low_threshold for f in enrolled_friends
        )
        new -= pol.decay * (s - pol.score.base)
        self.score = min(pol.score.max, max(pol.score.min, new))
        self.detected_critical = sum(detected)
        self.false_positives = false_pos
        self.sanctioned = self.detected_critical > 0 or false_pos > 0

    # ------------------------------------------------------------------ 2.4 consequences
    def face_consequences(self) -> None:
        m = self.model
        eco = m.sc.economy
        rand = self.random.random
        self.tier = m.tier_of(self.score) if self.enrolled else m.base_tier
        tier = m.tiers[self.tier]
        if self.employed:
            if rand() < eco.job_loss:
                self.employed = False
        elif rand() < eco.hire * tier.hire_multiplier:
            self.employed = True
        if not self.has_loan:
            if rand() < eco.loan_apply:
                if rand() < tier.loan_approval:
                    self.has_loan = True
                else:
                    m.loans_denied += 1
        elif rand() < eco.loan_close:
            self.has_loan = False
        else:
            factor = 1.0 if self.employed else eco.default_unemployed_factor
            if rand() < eco.default * factor:
                self.has_loan = False
                self.defaulted = True
        if rand() < eco.travel and self.enrolled and tier.travel_ban:
            m.travel_denied += 1
        if self.employed:
            self.wealth += self.income * (1.0 + eco.loan_income_bonus * self.has_loan)

    # ------------------------------------------------------------------ 2.5 adaptation
    def adapt(self) -> None:
        m = self.model
        ad = m.sc.adaptation
        friends = self.friends()
        if self.enrolled:
            share_sanctioned = (
                sum(f.sanctioned for f in friends) / len(friends) if friends else 0.0
            )
            self.risk = (1.0 - ad.risk_rate) * self.risk + ad.risk_rate * (
                ad.risk_own_weight * self.sanctioned + ad.risk_friends_weight * share_sanctioned
            )
            target = self.fear * min(1.0, ad.awareness + ad.risk_sensitivity * self.risk)
            self.censor += ad.censor_rate * (target - self.censor)
            pressure = 1.0 if m.purchases_penalised else 0.0
            self.buy_conform += ad.conform_rate * (self.fear * pressure - self.buy_conform)
            if self.tier == len(m.tiers) - 1:
                gap = 0.0
            else:
                gap = m.tiers[self.tier + 1].min_score - self.score
            public = (
                sum(f.enrolled and m.tiers[f.tier].public for f in friends) / len(friends)
                if friends
                else 0.0
            )
            pull = ad.gaming_gap_weight * gap / ad.gaming_gap_scale
            self.gaming = min(ad.gaming_cap, self.fear * (pull + ad.gaming_public_weight * public))
        if friends:
            self.climate = sum(f.expressed_start for f in friends) / len(friends)
        else:
            self.climate = self.dissent
        self.dissent = (1.0 - ad.opinion_rate) * self.dissent + ad.opinion_rate * (
            ad.climate_weight * self.climate + (1.0 - ad.climate_weight) * self.dissent0
        )

    # ------------------------------------------------------------------ 2.6 network
    def ostracise(self) -> None:
        m = self.model
        if not self.enrolled:
            return
        low = m.sc.policy.low_threshold
        net = m.sc.network
        rand = self.random.random
        friends = self.friends()
        for j in friends:
            if j.enrolled and j.score < low and rand() < net.drop_rate * self.fear:
                m.to_drop.add(m.edge(self, j))
                if rand() < net.replace_prob:
                    k = self.random.choice(friends)
                    candidate = self.random.choice(k.friends())
                    if (
                        candidate is not self
                        and candidate not in friends
                        and candidate.score >= low
                    ):
                        m.to_add.add(m.edge(self, candidate))


class ScoringModel(mesa.Model):
    """docs/model.md on Mesa 3: a scenario (seed preset + overrides) on a Watts-Strogatz network."""

    def __init__(self, scenario: Scenario | None = None, seed: int = 1) -> None:
        super().__init__(seed=seed)
        sc = scenario or Scenario.preset("seed")
        if sc.graph.kind != "watts_strogatz":
            raise ValueError("the Mesa model builds Watts-Strogatz graphs only")
        self.sc = sc
        self.mandatory = sc.mandatory_step
        self.tiers = list(sc.tiers)
        self.tier_floors = [t.min_score for t in self.tiers]
        self.base_tier = self.tier_of(sc.policy.score.base)
        weights = [t.weight for t in sc.policy.posts.critical_topics]
        self.topic_weights = [w / sum(weights) for w in weights]
        pur = sc.policy.purchases
        self.purchases_penalised = min(pur.desirable.delta, pur.undesirable.delta,
                                       pur.neutral.delta) < 0  # fmt: skip
        self.ostracism_on = sc.policy.friend_weight > 0 or sc.policy.low_friend_penalty > 0
        n = sc.population.agents
        graph = nx.watts_strogatz_graph(n, sc.graph.degree, sc.graph.rewire, seed=seed)
        self.space = Network(graph, random=self.random)
        for node in range(n):
            Citizen(self, self.space[node])
        self.loans_denied = self.travel_denied = 0
        self.to_drop: set[tuple[int, int]] = set()
        self.to_add: set[tuple[int, int]] = set()
        self.datacollector = mesa.DataCollector(model_reporters=self.reporters())

    # ------------------------------------------------------------------ helpers
    def tier_of(self, score: float) -> int:
        tier = 0
        for k, floor in enumerate(self.tier_floors):
            if score >= floor:
                tier = k
        return tier

    @staticmethod
    def edge(a: Citizen, b: Citizen) -> tuple[int, int]:
        u, v = a.cell.coordinate, b.cell.coordinate
        return (u, v) if u < v else (v, u)

    # ------------------------------------------------------------------ one step
    def step(self) -> None:
        self.agents.do("snapshot")
        self.agents.shuffle_do("adopt")  # 2.1
        self.agents.shuffle_do("act")  # 2.2
        self.agents.do("snapshot")
        self.agents.shuffle_do("update_score")  # 2.3
        self.loans_denied = self.travel_denied = 0
        self.agents.shuffle_do("face_consequences")  # 2.4
        self.agents.do("snapshot")
        self.agents.shuffle_do("adapt")  # 2.5
        if self.ostracism_on:  # 2.6
            self.to_drop, self.to_add = set(), set()
            self.agents.shuffle_do("ostracise")
            for u, v in self.to_drop:
                self.space.remove_connection(self.space[u], self.space[v])
            for u, v in self.to_add:
                self.space.add_connection(self.space[u], self.space[v])
        self.datacollector.collect(self)  # 3

    def metrics(self) -> pd.DataFrame:
        """The collected metrics, one row per step, ``step`` first."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df.insert(0, "step", np.arange(1, len(df) + 1))
        return df

    # ------------------------------------------------------------------ 3. metrics
    def reporters(self) -> dict:
        r = {
            "adoption": lambda m: np.mean(m.agents.get("enrolled")),
            "score_mean": lambda m: _mean(m.enrolled_scores()),
            "score_sd": lambda m: float(np.std(m.enrolled_scores())) if m.n_enrolled() else NAN,
            "score_p10": lambda m: _pct(m.enrolled_scores(), 10),
            "score_p50": lambda m: _pct(m.enrolled_scores(), 50),
            "score_p90": lambda m: _pct(m.enrolled_scores(), 90),
        }
        for k, tier in enumerate(self.tiers):
            r[f"tier_{tier.name}"] = lambda m, k=k: (
                sum(1 for a in m.agents if a.enrolled and a.tier == k) / m.n_enrolled()
                if m.n_enrolled()
                else NAN
            )
        r |= {
            "dissent_mean": lambda m: np.mean(m.agents.get("dissent")),
            "expressed_mean": lambda m: np.mean([a.expressed for a in m.agents]),
            "falsification_gap": lambda m: np.mean([a.dissent - a.expressed for a in m.agents]),
            "pluralistic_ignorance": lambda m: np.mean(m.agents.get("climate"))
            - np.mean(m.agents.get("dissent")),
            "critical_posts": lambda m: np.mean([sum(a.critical_by_topic) for a in m.agents]),
            "loyal_posts": lambda m: np.mean(m.agents.get("loyal")),
            "imports": lambda m: np.mean(m.agents.get("undesirable")),
            "sanctioned": lambda m: np.mean(m.agents.get("sanctioned")),
            "false_positive_only": ScoringModel._false_positive_only,
            "edges": lambda m: m.space.G.number_of_edges(),
            "isolated": lambda m: np.mean([len(a.cell.connections) == 0 for a in m.agents]),
            "score_assortativity": ScoringModel._assortativity,
            "employment": lambda m: np.mean(m.agents.get("employed")),
            "employment_poor": lambda m: _mean(
                [a.employed for a in m.agents if a.enrolled and a.tier == 0]
            ),
            "wealth_gini": lambda m: _gini(m.agents.get("wealth")),
            "score_gini": lambda m: _gini(m.enrolled_scores()),
            "score_dissent_corr": lambda m: _pearson(
                m.enrolled_scores(), [a.dissent for a in m.agents if a.enrolled]
            ),
            "loans_denied": "loans_denied",
            "travel_denied": "travel_denied",
        }
        return r

    def enrolled_scores(self) -> list[float]:
        return [a.score for a in self.agents if a.enrolled]

    def n_enrolled(self) -> int:
        return sum(1 for a in self.agents if a.enrolled)

    def _false_positive_only(self) -> float:
        sanctioned = [a for a in self.agents if a.sanctioned]
        if not sanctioned:
            return NAN
        return sum(1 for a in sanctioned if a.detected_critical == 0) / len(sanctioned)

    def _assortativity(self) -> float:
        x, y = [], []
        for u, v in self.space.G.edges():
            a, b = self.space[u].agents[0], self.space[v].agents[0]
            if a.enrolled and b.enrolled:
                x += [a.score, b.score]
                y += [b.score, a.score]
        return _pearson(x, y)


def _mean(x) -> float:
    return float(np.mean(x)) if len(x) else NAN


def _pct(x, q) -> float:
    return float(np.percentile(x, q)) if len(x) else NAN


def _gini(x) -> float:
    x = np.sort(np.asarray(x, dtype=float))
    n, total = x.size, x.sum()
    if n == 0 or total == 0:
        return NAN
    return float(np.dot(2.0 * np.arange(1, n + 1) - n - 1, x) / (n * total))


def _pearson(x, y) -> float:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size < 2 or x.std() == 0 or y.std() == 0:
        return NAN
    return float(np.corrcoef(x, y)[0, 1])


def run_mesa(scenario: Scenario, seed: int) -> tuple[pd.DataFrame, float, float]:
    """Run the Mesa model to the scenario's horizon: (metrics, setup seconds, step seconds)."""
    t0 = time.perf_counter()
    model = ScoringModel(scenario, seed=seed)
    t1 = time.perf_counter()
    for _ in range(scenario.steps):
        model.step()
    t2 = time.perf_counter()
    return model.metrics(), t1 - t0, t2 - t1


# --------------------------------------------------------------------------- side by side


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Mesa 3 version of docs/model.md vs scoresim")
    ap.add_argument("--agents", type=int, default=10_000)
    ap.add_argument("--steps", type=int, default=52)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scoresim-reps", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = ap.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    from scoresim import Simulation

    scenario = Scenario.preset("seed").with_overrides(
        {"population.agents": args.agents, "steps": args.steps}
    )
    # scoresim: warm up numba, then the median of several runs
    warm = Simulation(scenario.with_overrides({"population.agents": 2000, "steps": 3}), seed=0)
    warm.run()
    walls, cpus = [], []
    for r in range(args.scoresim_reps):
        t0, c0 = time.perf_counter(), time.process_time()
        Simulation(scenario, seed=args.seed + r).run()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    scoresim_wall, scoresim_cpu = statistics.median(walls), statistics.median(cpus)

    print(f"Mesa {mesa.__version__}: {args.agents} agents x {args.steps} steps ...",
          file=sys.stderr, flush=True)  # fmt: skip
    c0 = time.process_time()
    _, mesa_setup, mesa_steps = run_mesa(scenario, args.seed)
    mesa_cpu = time.process_time() - c0
    mesa_wall = mesa_setup + mesa_steps

    t = Table(title=f"{args.agents:,} agents x {args.steps} steps, seed preset")
    for col in ("implementation", "runs", "setup + steps s", "CPU s", "s/step", "agent-steps/s"):
        t.add_column(col, justify="right" if col != "implementation" else "left")
    t.add_row(f"Mesa {mesa.__version__} (benchmarks/mesa_model.py)", "1", f"{mesa_wall:.2f}",
              f"{mesa_cpu:.2f}",
              f"{mesa_steps / args.steps:.4f}",
              f"{args.agents * args.steps / mesa_steps:.3g}")  # fmt: skip
    t.add_row("scoresim (median)", str(len(walls)), f"{scoresim_wall:.3f}", f"{scoresim_cpu:.3f}",
              f"{scoresim_wall / args.steps:.5f}",
              f"{args.agents * args.steps / scoresim_wall:.3g}")  # fmt: skip
    console = Console(width=None if sys.stdout.isatty() else 140)
    console.print(t)
    ratio = mesa_wall / scoresim_wall
    console.print(f"in CPU time (less sensitive to load; scoresim's threads add up): "
                  f"{mesa_cpu / scoresim_cpu:.0f}x")  # fmt: skip
    la = os.getloadavg()
    console.print(f"load average (1, 5, 15 min): {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}; "
                  f"cores {os.cpu_count()}")  # fmt: skip
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "agents": args.agents, "steps": args.steps, "mesa_version": mesa.__version__,
            "mesa_setup_seconds": mesa_setup, "mesa_step_seconds": mesa_steps,
            "mesa_wall_seconds": mesa_wall, "scoresim_wall_seconds": walls,
            "mesa_cpu_seconds": mesa_cpu, "scoresim_cpu_seconds": cpus,
            "ratio": ratio, "cpu_ratio": mesa_cpu / scoresim_cpu, "load": os.getloadavg(),
        }, indent=2) + "\n")  # fmt: skip
    console.print(speed_verdict(ratio), markup=False)  # last, so that it cannot be missed
    return 0


def speed_verdict(ratio: float, target: float = 200.0) -> str:
    """The line the benchmark ends with.

    >>> speed_verdict(257.4)
    'verdict: PASS (scoresim is 257x faster than Mesa in wall time; target >= 200x at 10^4 x 52)'
    """
    verdict = "PASS" if ratio >= target else "FAIL"
    return (f"verdict: {verdict} (scoresim is {ratio:.0f}x faster than Mesa in wall time; "
            f"target >= {target:.0f}x at 10^4 x 52)")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
