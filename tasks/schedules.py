"""The beat schedule, kept in the database (django-celery-beat) so an administrator can see and
edit it in the admin. `manage.py setup_schedules` creates the rows; it never overwrites an
administrator's edits unless asked to (`--reset`)."""

import json
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    minute: str
    hour: str
    description: str


SCHEDULES = [
    Schedule(
        "gvi: score every programme",
        "tasks.scoring.score_all_programmes",
        "15",
        "*",
        "Hourly violence scores and flag suggestion from the incremental state. A change to an incident, "
        "attribution or membership updates them within seconds.",
    ),
    Schedule(
        "gvi: verify the scores in full",
        "tasks.scoring.verify_scores",
        "50",
        "3",
        "Recompute every score in full, compare with the incremental state, log and repair any drift.",
    ),
    Schedule(
        "gvi: daily follow-up rules",
        "tasks.followups.run_daily_rules",
        "30",
        "5",
        "Supervision ending within 30 days, risk assessment review dates, concern reports for minors.",
    ),
    Schedule(
        "gvi: escalate overdue follow-ups",
        "tasks.followups.escalate_overdue",
        "0",
        "6",
        "Overdue follow-ups escalate to the programme's coordinators.",
    ),
    Schedule(
        "gvi: daily membership review",
        "tasks.memberships.review_memberships",
        "45",
        "5",
        "Remind owners of reviews due within 30 days; lapse memberships past review and tell the coordinators.",
    ),
    Schedule(
        "gvi: nightly retention",
        "tasks.retention.run_retention",
        "0",
        "3",
        "Purge or anonymise what is past its retention rule; statistics are kept and the run is recorded. "
        "Also deletes old scoring runs and digest delivery marks.",
    ),
    Schedule(
        "gvi: prune the access log",
        "tasks.retention.prune_access_log",
        "30",
        "3",
        "Deletes access log entries older than GVI_ACCESS_LOG_KEEP_DAYS, keeping the hash chain checkable. "
        "Nothing else removes access log entries.",
    ),
    Schedule(
        "gvi: verify the weekly review's counts",
        "tasks.weekly_counts.verify_weekly_counts",
        "30",
        "3",
        "Recount the incidents per week, area, type and group from the raw tables and correct any drift "
        "(after retention, which may anonymise or remove what they count).",
    ),
    Schedule(
        "gvi: purge expired API idempotency records",
        "tasks.maintenance.purge_idempotency_records",
        "15",
        "4",
        "Idempotency keys are kept for API_IDEMPOTENCY_TTL_HOURS; then a retry is a new request.",
    ),
    Schedule(
        "gvi: expire unconfirmed imports",
        "tasks.imports.expire_imports",
        "20",
        "*",
        "Uploaded import files not confirmed within GVI_IMPORT_EXPIRE_HOURS are deleted (they hold personal "
        "data) and their runs marked expired.",
    ),
    Schedule(
        "gvi: daily follow-up digest",
        "tasks.followups.send_daily_digest",
        "30",
        "6",
        "One e-mail per owner listing open follow-ups.",
    ),
]


@transaction.atomic
def setup_schedules(*, reset: bool = False) -> dict[str, str]:
    """Create the periodic tasks that are missing (or restore all of them with reset=True).

    Returns {name: "created" | "kept" | "reset"}. Running it twice changes nothing.
    """
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    result = {}
    for item in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=item.minute,
            hour=item.hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=settings.CELERY_TIMEZONE,
        )
        defaults = {
            "task": item.task,
            "crontab": crontab,
            "interval": None,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "enabled": True,
            "description": item.description,
        }
        task = PeriodicTask.objects.filter(name=item.name).first()
        if task is None:
            PeriodicTask.objects.create(name=item.name, **defaults)
            result[item.name] = "created"
        elif reset:
            for field, value in defaults.items():
                setattr(task, field, value)
            task.save()
            result[item.name] = "reset"
        else:
            result[item.name] = "kept"
    return result
