"""The sizes of each scale and the state the parts of the seed share while they run."""

import datetime as dt
import random
from dataclasses import dataclass, field
from itertools import accumulate

from gvi.models import Confidence, OrganisationKind
from gvi.seed.sink import Sink


@dataclass(frozen=True)
class Scale:
    name: str
    areas: int
    groups: int
    persons: int
    incidents: int
    relations: int
    call_ins: int
    invitations_per_call_in: int
    notifications: int
    enforcement_actions: int
    referrals: int
    exit_cases: int
    concern_reports: int
    risk_assessments: int
    follow_ups: int
    # Months of incident history before the seeded year, for the outcome evaluation (0: none).
    history_months: int = 0


SCALES = {
    "small": Scale("small", 12, 8, 150, 400, 6, 4, 12, 30, 40, 25, 5, 8, 15, 15, history_months=40),
    "city": Scale("city", 30, 40, 800, 3_000, 30, 12, 20, 150, 250, 120, 20, 30, 60, 60, history_months=40),
    "national": Scale(
        "national", 800, 5_000, 100_000, 1_000_000, 4_000, 300, 25, 15_000, 30_000, 10_000, 1_500, 2_000, 5_000, 5_000
    ),
}

# Column lists shared by every TrackedModel / SourcedModel row.
TRACKED = ("created_at", "updated_at", "created_by_id", "updated_by_id")
SOURCED = (*TRACKED, "programme_id", "organisation_id", "source", "confidence")

# How sure partners are, on the whole: most records are probable or confirmed.
CONFIDENCE_WEIGHTS = {
    Confidence.CONFIRMED: 35,
    Confidence.PROBABLE: 35,
    Confidence.POSSIBLE: 20,
    Confidence.UNVERIFIED: 10,
}


@dataclass
class Context:
    """Everything the parts of the seed pass on to the parts after them.

    Groups are kept in rank order: index 0 is the most violent group, so the skew of
    incidents, enforcement and call-ins falls on the first indexes.
    """

    rng: random.Random
    sink: Sink
    scale: Scale
    now: dt.datetime  # aware, whole minutes: the seed's "now"
    today: dt.date  # the local date of `now`
    city: str = ""
    programme_id: int = 0
    orgs: dict[str, int] = field(default_factory=dict)  # OrganisationKind (and "civil_society_2") -> id
    users: dict[tuple[str, str], int] = field(default_factory=dict)  # (org key, role) -> user id
    criteria: dict[str, int] = field(default_factory=dict)  # criterion code -> id
    area_ids: list[int] = field(default_factory=list)
    focus_area_ids: set[int] = field(default_factory=set)
    area_names: dict[int, str] = field(default_factory=dict)
    group_ids: list[int] = field(default_factory=list)
    group_names: list[str] = field(default_factory=list)
    group_areas: list[list[int]] = field(default_factory=list)
    rivals: list[list[int]] = field(default_factory=list)  # group index -> group indexes in conflict
    members: list[list[int]] = field(default_factory=list)  # group index -> person ids (proposed or active)
    active_members: list[list[int]] = field(default_factory=list)  # group index -> person ids (active)
    key_individuals: list[int] = field(default_factory=list)
    non_members: list[int] = field(default_factory=list)
    minors: list[int] = field(default_factory=list)
    supervised: set[int] = field(default_factory=set)  # persons under supervision today
    group_incidents: list[int] = field(default_factory=list)  # group index -> attributed incidents
    flag_id: int | None = None
    flag_confirmed_on: dt.date | None = None

    def __post_init__(self):
        self.random = self.rng.random  # bound once: the hot loops call it millions of times

    def between(self, low: int, high: int) -> int:
        """A random integer in [low, high]; cheaper than rng.randint in hot loops."""
        return low + int(self.random() * (high - low + 1))

    def pick(self, table: tuple):
        """A random item of a table from `weighted_table` (or any sequence)."""
        return table[int(self.random() * len(table))]

    def tracked(self, at: dt.datetime | None = None) -> tuple:
        # The seed is "the system": created_by and updated_by stay empty (see TrackedModel).
        # `at`: when the record was logged, for records whose logging time is read (incidents).
        at = self.now if at is None else min(at, self.now)
        return (at, at, None, None)

    def sourced(self, org: str, source: str, confidence: str | None = None, at: dt.datetime | None = None) -> tuple:
        return (*self.tracked(at), self.programme_id, self.orgs[org], source, confidence or self.confidence())

    @staticmethod
    def logged(occurred_at: dt.datetime, record_id: int) -> dt.datetime:
        """When an incident was logged: 1 to 47 hours after it occurred (from its id, so the
        seed's random draws stay the same), never after the seed's now."""
        return occurred_at + dt.timedelta(hours=1 + record_id % 47)

    def confidence(self) -> str:
        return self.pick(CONFIDENCE_TABLE)

    def days_ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)

    def coordinator(self, org: str = OrganisationKind.POLICE) -> int:
        return self.users[(org, "coordinator")]


def weighted_table(weights: dict) -> tuple:
    """Each key repeated by its (integer) weight: a uniform pick from it is a weighted pick."""
    return tuple(key for key, weight in weights.items() for _ in range(weight))


CONFIDENCE_TABLE = weighted_table(CONFIDENCE_WEIGHTS)


def zipf_cum_weights(n: int, exponent: float) -> list[float]:
    """Cumulative Zipf weights 1/rank^exponent for ranks 1..n (for random.choices)."""
    return list(accumulate(1 / (rank**exponent) for rank in range(1, n + 1)))
