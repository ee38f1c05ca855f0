"""The research export (forskningsuttag) as a Frictionless Data Package: `datapackage.json`, one
CSV per table and a generated codebook, in a zip (docs/evaluation.md).

What leaves: pseudonymous ids (an HMAC of the record's id with the export's own key), dates
coarsened to week or month, age bands instead of birth dates, areas by name, organisation
kinds instead of organisations. What never leaves: names, identity numbers, free text, sources,
places, users. Persons are made k-anonymous over (age band, sex, home area, group) by widening
the age band, then removing the home area, then removing age band and sex; cells of the
aggregate table under k are suppressed. The package says what it suppressed.
"""

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import zipfile
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from gvi.models import FollowUpStatus, ResearchExport, TimeGranularity
from gvi.policy import scoped_queryset
from gvi.services.research_exports import research_export_key

# (lowest age, label), checked from the top: the narrow bands, and the wide ones they widen to.
NARROW_BANDS = ((40, "40+"), (30, "30-39"), (25, "25-29"), (21, "21-24"), (18, "18-20"), (15, "15-17"), (0, "0-14"))
WIDE_BANDS = ((40, "40+"), (25, "25-39"), (18, "18-24"), (0, "0-17"))


def age_band(age: int, bands=NARROW_BANDS) -> str:
    return next(label for lowest, label in bands if age >= lowest)


def coarsen(day: dt.date | dt.datetime | None, granularity: str) -> str:
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date()
    if granularity == TimeGranularity.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day:%Y-%m}"


@dataclass
class Table:
    name: str
    description: str
    fields: list[tuple[str, str, str]]  # (name, Frictionless type, description)
    rows: list[list] = field(default_factory=list)


@dataclass
class Suppression:
    widened_age_band: int = 0
    removed_home_area: int = 0
    removed_age_and_sex: int = 0
    suppressed_cells: int = 0

    def as_dict(self) -> dict:
        return {
            "persons_whose_age_band_was_widened": self.widened_age_band,
            "persons_whose_home_area_was_removed": self.removed_home_area,
            "persons_whose_age_band_and_sex_were_removed": self.removed_age_and_sex,
            "aggregate_cells_suppressed": self.suppressed_cells,
        }


class Pseudonyms:
    """Ids from a keyed hash: the same record gets the same id within an export (and in exports
    that share its key), but no id can be traced back without the key, which never leaves."""

    def __init__(self, key: bytes):
        self.key = key

    def __call__(self, kind: str, pk) -> str:
        if pk is None:
            return ""
        return hmac.new(self.key, f"{kind}:{pk}".encode(), hashlib.sha256).hexdigest()[:16]


def k_anonymise(persons: list[dict], k: int, suppression: Suppression) -> None:
    """Generalise, then suppress, until every (age band, sex, home area, group) class has ≥ k."""

    def small_classes(rows):
        sizes = Counter((r["age_band"], r["sex"], r["home_area"], r["group"]) for r in rows)
        return [r for r in rows if sizes[(r["age_band"], r["sex"], r["home_area"], r["group"])] < k]

    for row in small_classes(persons):
        row["age_band"] = age_band(row.pop("_age"), WIDE_BANDS)
        suppression.widened_age_band += 1
    for row in persons:
        row.pop("_age", None)
    for row in small_classes(persons):
        row["home_area"] = ""
        suppression.removed_home_area += 1
    for row in small_classes(persons):
        row["age_band"] = row["sex"] = ""
        suppression.removed_age_and_sex += 1


def build_tables(user, export: ResearchExport, *, today: dt.date | None = None) -> tuple[list[Table], Suppression]:
    """The package's tables from the programme's records the user may read."""
    today = today or timezone.localdate()
    pid = Pseudonyms(research_export_key(export))
    when = export.granularity
    suppression = Suppression()
    areas = dict(scoped_queryset(user, "area").values_list("id", "name"))

    # A listing under a pending contest (restricted) or removed after an upheld one never leaves.
    memberships = (
        scoped_queryset(user, "membership")
        .filter(is_contested=False, removed_at__isnull=True)
        .order_by("person_id", "start_date", "pk")
    )
    first_group = {}
    membership_rows = []
    for person_id, group_id, start, end, status, key in memberships.values_list(
        "person_id", "group_id", "start_date", "end_date", "status", "is_key_individual"
    ):
        first_group.setdefault(person_id, group_id)
        membership_rows.append(
            [pid("person", person_id), pid("group", group_id), coarsen(start, when), coarsen(end, when), status, key]
        )

    persons = []
    for person_id, born, sex, home_area in scoped_queryset(user, "person").values_list(
        "id", "date_of_birth", "sex", "home_area_id"
    ):
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        persons.append(
            {
                "id": pid("person", person_id),
                "_age": age,
                "age_band": age_band(age),
                "sex": sex,
                "home_area": areas.get(home_area, ""),
                "group": pid("group", first_group.get(person_id)),
            }
        )
    k_anonymise(persons, export.k, suppression)

    tables = [
        Table(
            "persons",
            "Persons in the programme's records (members, suspects, victims, witnesses, invited or notified).",
            [
                ("person_id", "string", "Pseudonymous id of the person."),
                (
                    "age_band",
                    "string",
                    "Age band on the day of the export; widened or empty where k-anonymity needs it.",
                ),
                ("sex", "string", "Sex as recorded (female, male, unknown); empty where k-anonymity needs it."),
                ("home_area", "string", "Area the person lives in; empty where unknown or where k-anonymity needs it."),
                ("group_id", "string", "Pseudonymous id of the person's first group, if any."),
            ],
            [[p["id"], p["age_band"], p["sex"], p["home_area"], p["group"]] for p in persons],
        ),
        Table(
            "groups",
            "Groups (criminal networks) in the programme.",
            [
                ("group_id", "string", "Pseudonymous id of the group."),
                ("status", "string", "active, dormant or dissolved."),
            ],
            [[pid("group", pk), status] for pk, status in scoped_queryset(user, "group").values_list("id", "status")],
        ),
        Table(
            "memberships",
            "A person's membership of a group over a period.",
            [
                ("person_id", "string", "Pseudonymous id of the person."),
                ("group_id", "string", "Pseudonymous id of the group."),
                ("start", "string", "Period the membership started in."),
                ("end", "string", "Period it ended in; empty while it runs."),
                ("status", "string", "Review state: active, proposed, lapsed, ended, rejected, ..."),
                ("key_individual", "boolean", "Whether the member is a key individual of the group."),
            ],
            membership_rows,
        ),
        Table(
            "incidents",
            "Incidents of serious violence.",
            [
                ("incident_id", "string", "Pseudonymous id of the incident."),
                ("type", "string", "shooting, explosion, homicide, attempted_murder, serious_assault, armed_threat."),
                ("period", "string", "Week or month it happened in (local time)."),
                ("area", "string", "Area it happened in; empty where unknown."),
                ("killed", "integer", "Number of persons killed."),
                ("injured", "integer", "Number of persons injured."),
                ("verification", "string", "reported, verified, disputed or unfounded."),
            ],
            [
                [pid("incident", pk), kind, coarsen(at, when), areas.get(area, ""), killed, injured, status]
                for pk, kind, at, area, killed, injured, status in scoped_queryset(user, "incident").values_list(
                    "id", "incident_type", "occurred_at", "area_id", "killed", "injured", "verification_status"
                )
            ],
        ),
        Table(
            "involvements",
            "A person's role in an incident.",
            [
                ("incident_id", "string", "Pseudonymous id of the incident."),
                ("person_id", "string", "Pseudonymous id of the person."),
                ("role", "string", "suspect, victim or witness."),
            ],
            [
                [pid("incident", incident), pid("person", person), role]
                for incident, person, role in scoped_queryset(user, "involvement").values_list(
                    "incident_id", "person_id", "role"
                )
            ],
        ),
        Table(
            "call_ins",
            "Call-ins (meetings to which group members are summoned).",
            [
                ("call_in_id", "string", "Pseudonymous id of the call-in."),
                ("period", "string", "Week or month it was (to be) held."),
                ("status", "string", "planned, held or cancelled."),
            ],
            [
                [pid("call_in", pk), coarsen(at, when), status]
                for pk, at, status in scoped_queryset(user, "call_in").values_list("id", "scheduled_at", "status")
            ],
        ),
        Table(
            "invitations",
            "Persons invited to call-ins and whether they came.",
            [
                ("call_in_id", "string", "Pseudonymous id of the call-in."),
                ("person_id", "string", "Pseudonymous id of the person."),
                ("status", "string", "invited, attended, no_show or excused."),
            ],
            [
                [pid("call_in", call_in), pid("person", person), status]
                for call_in, person, status in scoped_queryset(user, "invitation").values_list(
                    "call_in_id", "person_id", "status"
                )
            ],
        ),
        Table(
            "notifications",
            "Custom notifications: the call-in's message delivered one to one.",
            [
                ("notification_id", "string", "Pseudonymous id of the notification."),
                ("person_id", "string", "Pseudonymous id of the person."),
                ("group_id", "string", "Pseudonymous id of the group it concerned; empty if none."),
                ("period", "string", "Week or month it was delivered."),
                ("delivered", "boolean", "Whether the message was delivered."),
                ("response", "string", "The person's response as recorded."),
            ],
            [
                [pid("notification", pk), pid("person", person), pid("group", group), coarsen(on, when), delivered, r]
                for pk, person, group, on, delivered, r in scoped_queryset(user, "custom_notification").values_list(
                    "id", "person_id", "group_id", "delivered_on", "message_delivered", "response"
                )
            ],
        ),
        Table(
            "enforcement",
            "Focused enforcement actions against a group or one of its members.",
            [
                ("group_id", "string", "Pseudonymous id of the group."),
                ("person_id", "string", "Pseudonymous id of the person; empty for the group as a whole."),
                ("kind", "string", "The kind of action (control, probation check, search, arrest, ...)."),
                ("period", "string", "Week or month it was carried out."),
                ("organisation_kind", "string", "police, probation, municipality, civil_society or other."),
            ],
            [
                [pid("group", group), pid("person", person), kind, coarsen(on, when), org_kind]
                for group, person, kind, on, org_kind in scoped_queryset(user, "enforcement_action").values_list(
                    "group_id", "person_id", "kind", "performed_on", "organisation__kind"
                )
            ],
        ),
        Table(
            "referrals",
            "Help offered to a person and whether it was taken up.",
            [
                ("person_id", "string", "Pseudonymous id of the person."),
                ("service", "string", "The kind of help (exit programme, employment, housing, ...)."),
                ("status", "string", "offered, accepted, declined, in_progress, completed or dropped."),
                ("period", "string", "Week or month it was offered."),
                ("after_notification", "boolean", "Whether it was offered with a custom notification."),
            ],
            [
                [pid("person", person), kind, status, coarsen(on, when), notification is not None]
                for person, kind, status, on, notification in scoped_queryset(user, "service_referral").values_list(
                    "person_id", "kind", "status", "offered_on", "notification_id"
                )
            ],
        ),
        Table(
            "follow_ups",
            "Follow-up tasks of the partners.",
            [
                ("rule", "string", "The rule that made it; empty when made by hand."),
                ("owner_kind", "string", "Kind of the organisation that owns it."),
                ("due", "string", "Week or month it was due."),
                ("status", "string", "open, in_progress, done or cancelled."),
                ("done_on_time", "boolean", "Done on or before its due date."),
            ],
            [
                [
                    rule,
                    owner_kind,
                    coarsen(due, when),
                    status,
                    status == FollowUpStatus.DONE and done is not None and timezone.localtime(done).date() <= due,
                ]
                for rule, owner_kind, due, status, done in scoped_queryset(user, "follow_up").values_list(
                    "rule", "owner_organisation__kind", "due_date", "status", "completed_at"
                )
            ],
        ),
        _incidents_per_area_month(user, export.k, suppression),
    ]
    return tables, suppression


def _incidents_per_area_month(user, k: int, suppression: Suppression) -> Table:
    rows = (
        scoped_queryset(user, "incident")
        .annotate(month=TruncMonth("occurred_at"))
        .values_list("area__name", "month", "incident_type")
        .annotate(n=Count("id"))
        .order_by("area__name", "month", "incident_type")
    )
    table = Table(
        "incidents_per_area_month",
        "Incidents per area, month and type. Counts under k are suppressed (empty, suppressed true).",
        [
            ("area", "string", "Area; empty where unknown."),
            ("month", "string", "Month (local time)."),
            ("type", "string", "Incident type."),
            ("count", "integer", "Number of incidents; empty where suppressed."),
            ("suppressed", "boolean", "Whether the count was under k and left out."),
        ],
    )
    for area, month, kind, n in rows:
        small = 0 < n < k
        suppression.suppressed_cells += small
        table.rows.append([area or "", coarsen(month, TimeGranularity.MONTH), kind, None if small else n, small])
    return table


def descriptor(export: ResearchExport, tables: list[Table], suppression: Suppression) -> dict:
    """The `datapackage.json` of the package (Frictionless Data Package, v1)."""
    return {
        "profile": "tabular-data-package",
        "name": f"gvi-research-export-{export.pk}",
        "title": "GVI programme research export",
        "description": (
            "Pseudonymised, coarsened and k-anonymised records of a group violence intervention programme. "
            "See codebook.md. Association, not cause: the records show what was logged, not what happened."
        ),
        "created": timezone.now().isoformat(timespec="seconds"),
        "gvi": {
            "export_id": export.pk,
            "granularity": export.granularity,
            "k": export.k,
            "linkable_to_export": export.linked_to_id,
            "suppression": suppression.as_dict(),
        },
        "resources": [
            {
                "name": table.name,
                "path": f"{table.name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": table.description,
                "schema": {
                    "fields": [
                        {"name": name, "type": kind, "description": description}
                        for name, kind, description in table.fields
                    ]
                },
            }
            for table in tables
        ],
    }


def codebook(export: ResearchExport, tables: list[Table], suppression: Suppression) -> str:
    lines = [
        "# Codebook",
        "",
        f"Research export {export.pk}: dates coarsened to {export.granularity}, k = {export.k}.",
        "Ids are pseudonymous (a keyed hash made for this export); names, identity numbers, free text",
        "and sources are not included.",
        "",
        "## What was suppressed",
        "",
        *(f"- {name.replace('_', ' ')}: {count}" for name, count in suppression.as_dict().items()),
    ]
    for table in tables:
        lines += ["", f"## {table.name}.csv", "", table.description, "", "| column | type | meaning |", "|---|---|---|"]
        lines += [f"| {name} | {kind} | {description} |" for name, kind, description in table.fields]
    return "\n".join(lines) + "\n"


def _csv(table: Table) -> str:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([name for name, _kind, _description in table.fields])
    for row in table.rows:
        writer.writerow(["" if cell is None else str(cell).lower() if isinstance(cell, bool) else cell for cell in row])
    return stream.getvalue()


def write_package(user, export: ResearchExport, stream) -> Suppression:
    """Write the package as a zip to the binary `stream`; return what was suppressed."""
    tables, suppression = build_tables(user, export)
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("datapackage.json", json.dumps(descriptor(export, tables, suppression), indent=2))
        package.writestr("codebook.md", codebook(export, tables, suppression))
        for table in tables:
            package.writestr(f"{table.name}.csv", _csv(table))
    return suppression
