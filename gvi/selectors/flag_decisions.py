"""How coordinators decide flag suggestions: how often they confirm, how fast, and with what
reasons, so that rubber-stamping shows (docs/dpia.md)."""

import datetime as dt
import statistics
from dataclasses import dataclass, field

from gvi.models import FlagStatus
from gvi.policy import scoped_queryset

# A decision this soon after the suggestion, or with a reason this short, is worth a second look.
QUICK_DECISION = dt.timedelta(minutes=5)
SHORT_REASON_CHARS = 20


@dataclass
class FlagDecisionReport:
    suggested: int = 0
    confirmed: int = 0
    rejected: int = 0
    undecided: int = 0
    median_hours_to_decide: float | None = None
    quick_decisions: int = 0
    short_reasons: int = 0
    reasons: list[dict] = field(default_factory=list)

    @property
    def confirmation_rate(self) -> float | None:
        decided = self.confirmed + self.rejected
        return round(self.confirmed / decided, 3) if decided else None


def flag_decision_report(user, *, since: dt.datetime | None = None) -> FlagDecisionReport:
    """Flag suggestions the user may see (since `since`), and how they were decided. One query."""
    flags = scoped_queryset(user, "flag").select_related("group", "decided_by")
    if since is not None:
        flags = flags.filter(suggested_at__gte=since)
    report = FlagDecisionReport()
    hours = []
    for flag in flags.order_by("suggested_at", "id"):
        report.suggested += 1
        if flag.decided_at is None:
            report.undecided += 1
            continue
        confirmed = flag.status in (FlagStatus.CONFIRMED, FlagStatus.ENDED)
        if confirmed:
            report.confirmed += 1
        elif flag.status == FlagStatus.REJECTED:
            report.rejected += 1
        waited = flag.decided_at - flag.suggested_at
        hours.append(waited.total_seconds() / 3600)
        report.quick_decisions += waited < QUICK_DECISION
        report.short_reasons += len(flag.decision_reason.strip()) < SHORT_REASON_CHARS
        report.reasons.append(
            {
                "group": flag.group.name,
                "decision": "confirmed" if confirmed else flag.status,
                "hours": round(waited.total_seconds() / 3600, 1),
                "decided_by": flag.decided_by.username if flag.decided_by else "",
                "reason": flag.decision_reason,
            }
        )
    report.median_hours_to_decide = round(statistics.median(hours), 1) if hours else None
    return report
