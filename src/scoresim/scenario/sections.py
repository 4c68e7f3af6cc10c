"""The sections of a scenario: one validated, frozen pydantic model per table of the TOML file.

Each section holds the parameters of one part of the model (docs/model.md); model v2's fields
(records, perks and inspection, the blacklist, the score inputs) default to values that switch
their mechanism off.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from scoresim.scenario.messages import InputModel

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Name = Annotated[str, Field(min_length=1)]

# Upper bounds (docs/scenario.md, "Bounds"). Each keeps a step finite in time and memory and its
# arithmetic inside float64, far beyond any value a calibration would give.
MAX_AGENTS = 2**31 - 1  # agent ids are int32
MAX_STEPS = 100_000  # weeks (about 1,900 years)
MAX_SEED = 2**63 - 1  # stored as a signed 64-bit integer
MAX_RATE = 1_000.0  # mean posts, purchases or records per agent per step: a step's draws
MAX_REACH = 10.0  # a tier's reach multiplies the post rate
MAX_DEGREE = 10_000  # graph.degree (the CSR holds N x degree entries)
MAX_M = 10_000  # graph.m (mean degree about 2m)
MAX_BLOCKS = 1_000_000  # graph.blocks
MAX_ITEMS = 100  # critical topics, records, tiers (the step record holds topics x N counts)
MAX_SCHEDULE = 10_000  # entries of the policy timeline
MAX_POINTS = 1e12  # any score, threshold or delta, in points
MAX_FACTOR = 1e6  # multipliers, gains, weights, sensitivities
MIN_SHAPE, MAX_SHAPE = 1e-3, 1e6  # Beta and Gamma shape parameters
MAX_LOG_INCOME = 50.0  # |income_mu| (e^50 ~ 5e21) and, up to 10, income_sigma

Rate = Annotated[float, Field(ge=0.0, le=MAX_RATE)]
Points = Annotated[float, Field(ge=-MAX_POINTS, le=MAX_POINTS)]
PointsNonNegative = Annotated[float, Field(ge=0.0, le=MAX_POINTS)]
Factor = Annotated[float, Field(ge=0.0, le=MAX_FACTOR)]
Shape = Annotated[float, Field(ge=MIN_SHAPE, le=MAX_SHAPE)]


class _Section(InputModel):
    """A table of the scenario file."""


class Beta(_Section):
    """Parameters of a Beta(a, b) distribution."""

    a: Shape
    b: Shape


class Susceptibility(_Section):
    """Model v3 (7.1): the Beta(a, b) of each agent's susceptibility to its friends' views
    (Friedkin & Johnsen 1999); ``a = 0`` switches it off (every agent then has the common
    ``adaptation.climate_weight``), which a Beta shape elsewhere may not be."""

    a: Annotated[float, Field(ge=0.0, le=MAX_SHAPE)] = 0.0
    b: Shape = 2.0


class Population(_Section):
    """docs/model.md section 1: the agents' initial state."""

    agents: Annotated[int, Field(ge=2, le=MAX_AGENTS)]
    dissent: Beta
    fear: Beta
    import_taste: Beta
    post_rate: Rate
    post_rate_shape: Shape
    buy_rate: Rate
    buy_rate_shape: Shape
    income_mu: Annotated[float, Field(ge=-MAX_LOG_INCOME, le=MAX_LOG_INCOME)]
    income_sigma: Annotated[float, Field(ge=0.0, le=10.0)]
    employed: Probability
    #: model v2 (6.1): shapes of the Gamma(s, 1/s) offence propensity and civic traits (mean 1)
    propensity_shape: Shape = 2.0
    civic_shape: Shape = 2.0
    #: model v3 (7.1): heterogeneous susceptibility, off by default, and the share of agents
    #: who are not swayed at all (susceptibility 0)
    susceptibility: Susceptibility = Susceptibility()
    stubborn_share: Probability = 0.0
    #: model v3 (7.4): the share of agents who know they are scored (Kostka 2019); 1 = all
    aware_share: Probability = 1.0


class Graph(_Section):
    """docs/model.md section 1: the initial friendship graph."""

    kind: Literal["watts_strogatz", "barabasi_albert", "sbm", "edgelist"]
    degree: Annotated[int, Field(ge=0, le=MAX_DEGREE)]
    rewire: Probability
    m: Annotated[int, Field(ge=1, le=MAX_M)]
    blocks: Annotated[int, Field(ge=1, le=MAX_BLOCKS)]
    mixing: Probability
    path: str
    #: the sha256 of the edge list's bytes, recorded by a run (empty: not recorded, not checked)
    sha256: Annotated[str, Field(pattern="^([0-9a-f]{64})?$")] = ""

    @model_serializer(mode="wrap")
    def _recorded_hash_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """``sha256`` is written only when recorded, so scenarios without it keep their bytes."""
        data = handler(self)
        if not self.sha256:
            data.pop("sha256", None)
        return data


class Adoption(_Section):
    """docs/model.md section 2.1: Bass diffusion of enrolment, then a mandatory date."""

    initial: Probability
    innovation: Probability
    imitation: Probability
    mandatory_step: int | str

    @field_validator("mandatory_step")
    @classmethod
    def _step_or_never(cls, value: int | str) -> int | str:
        if (isinstance(value, str) and value != "never") or (isinstance(value, int) and value < 1):
            raise ValueError(f'must be a step number >= 1 or "never" (got {value!r})')
        return value


class Activity(_Section):
    """docs/model.md section 2.2: what agents post and buy."""

    critical_propensity: Probability
    loyal_propensity: Probability
    desirable_share: Probability
    desirable_conform_gain: Factor


class ScoreBounds(_Section):
    base: Points
    min: Points
    max: Points


class Detection(_Section):
    critical: Probability
    loyal: Probability
    false_positive: Probability
    false_positive_delta: Points


class CriticalTopic(_Section):
    name: Annotated[str, Field(min_length=1)]
    weight: Factor
    delta: Points


class Posts(_Section):
    loyal_topic: Annotated[str, Field(min_length=1)]
    loyal_delta: Points
    neutral_topic: Annotated[str, Field(min_length=1)]
    critical_topics: Annotated[list[CriticalTopic], Field(min_length=1, max_length=MAX_ITEMS)]

    @model_validator(mode="after")
    def _weights(self) -> Posts:
        if sum(t.weight for t in self.critical_topics) <= 0:
            raise ValueError("critical_topics: the weights must not all be 0")
        names = [t.name for t in self.critical_topics]
        if len(set(names)) != len(names):
            raise ValueError("critical_topics: topic names must be unique")
        return self


class Record(_Section):
    """Model v2 (6.1): a kind of offence or good deed, drawn and registered every step.

    Offences follow the regulatory and court records of the documented government schemes
    (Rongcheng's deductions, the court-judgment list); deeds their rewarded good deeds.
    """

    name: Name
    kind: Literal["offence", "deed"]
    rate: Rate  # mean records per agent per step
    delta: Points  # points per registered record (signed, added)
    detect: Probability  # probability a record is registered
    lists: bool = False  # a registered offence of this kind puts the agent on the blacklist

    @model_validator(mode="after")
    def _lists_only_offences(self) -> Record:
        if self.lists and self.kind == "deed":
            raise ValueError("lists: only an offence can put an agent on the blacklist")
        return self


class Purchase(_Section):
    name: Annotated[str, Field(min_length=1)]
    delta: Points


class Purchases(_Section):
    desirable: Purchase
    undesirable: Purchase
    neutral: Purchase


class Policy(_Section):
    """docs/model.md section 2.3: what is scored and how much."""

    max_step_change: PointsNonNegative
    default_penalty: PointsNonNegative
    friend_weight: Probability
    low_friend_penalty: PointsNonNegative
    low_threshold: Points
    decay: Probability
    score: ScoreBounds
    detect: Detection
    posts: Posts
    purchases: Purchases
    #: model v2 (6.1): offences and good deeds; none by default
    records: list[Record] = Field(default_factory=list, max_length=MAX_ITEMS)
    deterrence: Probability = 0.0  # offences fall by deterrence * risk
    deed_gaming: Factor = 0.0  # deeds rise by deed_gaming * gaming
    #: model v2 (6.4): points per step for holding a loan, and per log unit of income
    repayment_delta: Points = 0.0
    income_weight: Points = 0.0

    @model_validator(mode="after")
    def _bounds(self) -> Policy:
        s = self.score
        if s.min >= s.max:
            raise ValueError("score.min: must be below score.max")
        if not s.min <= s.base <= s.max:
            raise ValueError("score.base: must lie within [score.min, score.max]")
        names = [r.name for r in self.records]
        if len(set(names)) != len(names):
            raise ValueError("records: record names must be unique")
        return self


class Tier(_Section):
    """docs/model.md section 2.4: one row of the tier table."""

    name: Annotated[str, Field(min_length=1)]
    min_score: Points
    loan_approval: Probability
    hire_multiplier: Factor
    reach: Annotated[float, Field(ge=0.0, le=MAX_REACH)]
    travel_ban: bool
    public: bool
    #: model v2 (6.2): wealth per step for an enrolled agent in this tier (deposit waivers,
    #: bill discounts), and the factor on offence detection ("key supervision" of low grades)
    perk_value: PointsNonNegative = 0.0
    inspection: Factor = 1.0


class Economy(_Section):
    """docs/model.md section 2.4: jobs, loans, travel and wealth."""

    job_loss: Probability
    hire: Probability
    loan_apply: Probability
    loan_close: Probability
    default: Probability
    default_unemployed_factor: Factor
    travel: Probability
    loan_income_bonus: Factor


class Adaptation(_Section):
    """docs/model.md section 2.5: risk, self-censorship, conformity, gaming, spiral of silence."""

    risk_rate: Probability
    risk_own_weight: Probability
    risk_friends_weight: Probability
    censor_rate: Probability
    awareness: Probability
    risk_sensitivity: Factor
    conform_rate: Probability
    gaming_cap: Probability
    gaming_gap_weight: Factor
    gaming_gap_scale: Annotated[float, Field(ge=1.0 / MAX_FACTOR, le=MAX_POINTS)]
    gaming_public_weight: Factor
    opinion_rate: Probability
    climate_weight: Probability
    #: model v3 (7.1): bounded confidence epsilon; 1 = every friend's view counts
    confidence: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0
    #: model v3 (7.3): how fear scales with what one has to lose (0 = not at all), and how much
    #: sanctions on friends raise one's dissent
    stake_exponent: Factor = 0.0
    backlash: Probability = 0.0
    #: model v3 (7.4): gaming as section 2.5's heuristic or as a best response to the next
    #: threshold, within ``gaming_reach`` points of it
    gaming_model: Literal["heuristic", "threshold"] = "heuristic"
    gaming_reach: Annotated[float, Field(gt=0.0, le=MAX_POINTS)] = 50.0


class Expression(_Section):
    """Model v3 (7.2): how private views become speech. ``linear``: section 2.5's gradual
    self-censorship; ``threshold``: each agent speaks when the support it sees and the strength
    of its view outweigh its threshold and the cost of a sanction (Granovetter 1978; Kuran 1989,
    1995; Noelle-Neumann 1974)."""

    model: Literal["linear", "threshold"] = "linear"
    threshold: Beta = Beta(a=1.0, b=9.0)
    sanction_weight: Factor = 2.0  # kappa: the cost of a sanction, times fear and risk
    conviction: Factor = 0.5  # omega: how much a strongly held view needs less support


class Network(_Section):
    """docs/model.md section 2.6: ostracism of low scorers."""

    drop_rate: Probability
    replace_prob: Probability


class Blacklist(_Section):
    """Model v2 (6.3): a list of judgment defaulters (the Supreme People's Court's list since
    2013), not a score: it applies to every agent, enrolled or not."""

    enabled: bool = False
    from_default: Probability = 0.0  # a defaulter is listed (fails to comply with a judgment)
    score_delta: Points = 0.0  # points at the next scoring, if enrolled then
    hire_multiplier: Factor = 1.0  # on the tier's hiring chance while listed
    comply: Probability = 0.0  # per step: complies and is delisted
    comply_unemployed_factor: Factor = 1.0  # on comply, when unemployed
    shaming_drop: Probability = 0.0  # per listed friend, times fear: the tie is dropped
    default_deterrence: Probability = 0.0  # default chance times (1 - this * fear)


class ScheduleEntry(_Section):
    """Model v2 (6.7): from ``step`` on, the dotted fields of ``set`` take these values."""

    step: Annotated[int, Field(ge=1)]
    set: Annotated[dict[str, object], Field(min_length=1)]
