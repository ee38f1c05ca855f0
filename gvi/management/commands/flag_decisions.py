"""`manage.py flag_decisions --username U [--days N]`: how flag suggestions were decided."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gvi.models import User
from gvi.selectors.flag_decisions import QUICK_DECISION, SHORT_REASON_CHARS, flag_decision_report


class Command(BaseCommand):
    help = "Report how often flag suggestions were confirmed, how fast, and with what reasons."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True, help="Report as this user (an auditor, say).")
        parser.add_argument("--days", type=int, default=365, help="Suggestions of the last N days (365).")

    def handle(self, *args, username, days, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        report = flag_decision_report(user, since=timezone.now() - dt.timedelta(days=days))
        rate = "–" if report.confirmation_rate is None else f"{report.confirmation_rate:.0%}"
        self.stdout.write(
            f"Suggestions: {report.suggested}; confirmed {report.confirmed}, rejected {report.rejected}, "
            f"undecided {report.undecided}; confirmation rate {rate}; median hours to decide "
            f"{report.median_hours_to_decide if report.median_hours_to_decide is not None else '–'}."
        )
        self.stdout.write(
            f"Decided within {int(QUICK_DECISION.total_seconds() // 60)} minutes: {report.quick_decisions}; "
            f"reasons under {SHORT_REASON_CHARS} characters: {report.short_reasons}."
        )
        for row in report.reasons:
            self.stdout.write(
                f"- {row['group']}: {row['decision']} after {row['hours']} h by {row['decided_by']}: {row['reason']}"
            )
