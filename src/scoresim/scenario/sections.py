"""The sections of a scenario: one validated, frozen pydantic model per table of the TOML file.

Each section holds the parameters of one part of the model (docs/model.md); model v2's fields
(records, perks and inspection, the blacklist, the score inputs) default to values that switch
their mechanism off.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Name = Annotated[str, Field(min_length=1)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Beta(_Section):
    """Parameters of a Beta(a, b) distribution."""

    a: Positive
    b: Positive


class Population(_Section):
    """MODEL.md section 1: the agents' initial state."""

    agents: Annotated[int, Field(ge=2)]
    dissent: Beta
    fear: Beta
    import_taste: Beta
    post_rate: NonNegative
    post_rate_shape: Positive
    buy_rate: NonNegative
    buy_rate_shape: Positive
    income_mu: float
    income_sigma: NonNegative
    employed: Probability
    #: model v2 (6.1): shapes of the Gamma(s, 1/s) offence propensity and civic traits (mean 1)
    propensity_shape: Positive = 2.0
    civic_shape: Positive = 2.0


class Graph(_Section):
    """MODEL.md section 1: the initial friendship graph."""

    kind: Literal["watts_strogatz", "barabasi_albert", "sbm", "edgelist"]
    degree: Annotated[int, Field(ge=0)]
    rewire: Probability
    m: Annotated[int, Field(ge=1)]
    blocks: Annotated[int, Field(ge=1)]
    mixing: Probability
    path: str


class Adoption(_Section):
    """MODEL.md section 2.1: Bass diffusion of enrolment, then a mandatory date."""

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
    """MODEL.md section 2.2: what agents post and buy."""

    critical_propensity: Probability
    loyal_propensity: Probability
    desirable_share: Probability
    desirable_conform_gain: NonNegative


class ScoreBounds(_Section):
    base: float
    min: float
    max: float


class Detection(_Section):
    critical: Probability
    loyal: Probability
    false_positive: Probability
    false_positive_delta: float


class CriticalTopic(_Section):
    name: Annotated[str, Field(min_length=1)]
    weight: NonNegative
    delta: float


class Posts(_Section):
    loyal_topic: Annotated[str, Field(min_length=1)]
    loyal_delta: float
    neutral_topic: Annotated[str, Field(min_length=1)]
    critical_topics: Annotated[list[CriticalTopic], Field(min_length=1)]

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
    rate: NonNegative  # mean records per agent per step
    delta: float  # points per registered record (signed, added)
    detect: Probability  # probability a record is registered
    lists: bool = False  # a registered offence of this kind puts the agent on the blacklist

    @model_validator(mode="after")
    def _lists_only_offences(self) -> Record:
        if self.lists and self.kind == "deed":
            raise ValueError("lists: only an offence can put an agent on the blacklist")
        return self


class Purchase(_Section):
    name: Annotated[str, Field(min_length=1)]
    delta: float


class Purchases(_Section):
    desirable: Purchase
    undesirable: Purchase
    neutral: Purchase


class Policy(_Section):
    """MODEL.md section 2.3: what is scored and how much."""

    max_step_change: NonNegative
    default_penalty: NonNegative
    friend_weight: Probability
    low_friend_penalty: NonNegative
    low_threshold: float
    decay: Probability
    score: ScoreBounds
    detect: Detection
    posts: Posts
    purchases: Purchases
    #: model v2 (6.1): offences and good deeds; none by default
    records: list[Record] = Field(default_factory=list)
    deterrence: Probability = 0.0  # offences fall by deterrence * risk
    deed_gaming: NonNegative = 0.0  # deeds rise by deed_gaming * gaming
    #: model v2 (6.4): points per step for holding a loan, and per log unit of income
    repayment_delta: float = 0.0
    income_weight: float = 0.0

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
    """MODEL.md section 2.4: one row of the tier table."""

    name: Annotated[str, Field(min_length=1)]
    min_score: float
    loan_approval: Probability
    hire_multiplier: NonNegative
    reach: NonNegative
    travel_ban: bool
    public: bool
    #: model v2 (6.2): wealth per step for an enrolled agent in this tier (deposit waivers,
    #: bill discounts), and the factor on offence detection ("key supervision" of low grades)
    perk_value: NonNegative = 0.0
    inspection: NonNegative = 1.0


class Economy(_Section):
    """MODEL.md section 2.4: jobs, loans, travel and wealth."""

    job_loss: Probability
    hire: Probability
    loan_apply: Probability
    loan_close: Probability
    default: Probability
    default_unemployed_factor: NonNegative
    travel: Probability
    loan_income_bonus: NonNegative


class Adaptation(_Section):
    """MODEL.md section 2.5: risk, self-censorship, conformity, gaming, spiral of silence."""

    risk_rate: Probability
    risk_own_weight: Probability
    risk_friends_weight: Probability
    censor_rate: Probability
    awareness: Probability
    risk_sensitivity: NonNegative
    conform_rate: Probability
    gaming_cap: Probability
    gaming_gap_weight: NonNegative
    gaming_gap_scale: Positive
    gaming_public_weight: NonNegative
    opinion_rate: Probability
    climate_weight: Probability


class Network(_Section):
    """MODEL.md section 2.6: ostracism of low scorers."""

    drop_rate: Probability
    replace_prob: Probability


class Blacklist(_Section):
    """Model v2 (6.3): a list of judgment defaulters (the Supreme People's Court's list since
    2013), not a score: it applies to every agent, enrolled or not."""

    enabled: bool = False
    from_default: Probability = 0.0  # a defaulter is listed (fails to comply with a judgment)
    score_delta: float = 0.0  # points at the next scoring, if enrolled then
    hire_multiplier: NonNegative = 1.0  # on the tier's hiring chance while listed
    comply: Probability = 0.0  # per step: complies and is delisted
    comply_unemployed_factor: NonNegative = 1.0  # on comply, when unemployed
    shaming_drop: Probability = 0.0  # per listed friend, times fear: the tie is dropped
    default_deterrence: Probability = 0.0  # default chance times (1 - this * fear)


class ScheduleEntry(_Section):
    """Model v2 (6.7): from ``step`` on, the dotted fields of ``set`` take these values."""

    step: Annotated[int, Field(ge=1)]
    set: Annotated[dict[str, object], Field(min_length=1)]
