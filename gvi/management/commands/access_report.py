"""`manage.py access_report`: who read what in a period (breach handling, docs/dpia.md)."""

import csv
import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gvi.models import AccessLog


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from error


class Command(BaseCommand):
    help = "Write the access log entries of a period as CSV: who read, searched or exported what, and why."

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="First day (YYYY-MM-DD).")
        parser.add_argument("--until", help="Last day (YYYY-MM-DD); today if left out.")
        parser.add_argument("--person", type=int, help="Only entries about this person id.")
        parser.add_argument("--organisation", type=int, help="Only entries by users of this organisation id.")

    def handle(self, *args, since, until=None, person=None, organisation=None, **options):
        first = _day(since)
        last = _day(until) if until else timezone.localdate()
        if last < first:
            raise CommandError("--until is before --since.")
        start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
        end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
        entries = AccessLog.objects.filter(at__gte=start, at__lt=end).select_related(
            "user", "acting_user", "organisation"
        )
        if person is not None:
            entries = entries.filter(person_id=person)
        if organisation is not None:
            entries = entries.filter(organisation_id=organisation)
        writer = csv.writer(self.stdout if self.stdout else sys.stdout)
        writer.writerow(
            [
                "at",
                "user",
                "acting person",
                "organisation",
                "action",
                "record kind",
                "object id",
                "person id",
                "purpose",
                "purpose text",
                "channel",
                "api key",
                "path",
            ]
        )
        for entry in entries.order_by("at", "id").iterator(chunk_size=2000):
            writer.writerow(
                [
                    entry.at.isoformat(),
                    entry.user.username if entry.user else "",
                    entry.acting_user.username if entry.acting_user else "",
                    entry.organisation.name if entry.organisation else "",
                    entry.action,
                    entry.record_kind,
                    entry.object_id,
                    entry.person_id or "",
                    entry.purpose_kind,
                    entry.reason,
                    entry.channel,
                    entry.api_key_prefix,
                    entry.path,
                ]
            )
