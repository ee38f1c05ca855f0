"""Each kind of import row, through the same services as a form or an API write.

A handler reads a chunk of rows (already parsed into {field: cell}), resolves references
(areas, groups, persons) through the access policy, and creates or changes records:

- groups, persons, memberships and group relations: one service call per row (`create_record` /
  `update_record`, `register_person` / `correct_person`, `propose_membership`), so every policy
  check, validation and history row is the form's own; in a dry run they run inside a savepoint
  that is rolled back;
- incidents, the bulk kind: each row is validated and policy-checked in memory exactly as
  `create_record` does (`validate`, `can`), then a chunk is written with one INSERT per table,
  its history rows included (simple-history's `bulk_history_create`), and the weekly counts and
  the score are refreshed once at the end. A changed incident goes through `correct_incident`.

A row's outcome is one of CREATE, CHANGE, UNCHANGED (its source reference was imported before
with the same content) or SKIP (with a note), or it has errors: (field, message) pairs.
"""

import hashlib
import json
from dataclasses import dataclass, field
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi import personnummer as pnr
from gvi import weekly_counts
from gvi.imports import columns
from gvi.imports.columns import CHOICES, items, parse_bool, parse_choice, parse_date, parse_datetime, parse_int, text
from gvi.models import (
    Confidence,
    Group,
    GroupAlias,
    GroupRelation,
    ImportKey,
    ImportKind,
    Incident,
    InclusionCriterion,
    Involvement,
    InvolvementRole,
    MembershipStatus,
    Person,
)
from gvi.policy import Action, CreateDecisions, scoped_queryset
from gvi.services.bulk_copy import Writer, create_plain, create_with_history
from gvi.services.common import ValuesValidator, acting_organisation, as_changed_by, create_record, update_record
from gvi.services.incident_corrections import correct_incident
from gvi.services.incidents import add_involvement
from gvi.services.memberships import propose_membership
from gvi.services.people import correct_person, register_person
from gvi.services.score_changes import scores_rebuild

CREATE, CHANGE, UNCHANGED, SKIP, ERROR = "create", "change", "unchanged", "skip", "error"
MEMO_LIMIT = 10_000  # distinct cells remembered per kind of reading: memory stays flat


@dataclass
class Row:
    number: int  # the row's number in the file (the header is row 1)
    values: dict  # field -> cell
    reference: str = ""
    row_hash: str = ""
    outcome: str = ""
    errors: list = field(default_factory=list)  # [(field, message)]
    note: str = ""

    def fail(self, name: str, message) -> None:
        self.errors.append((name, str(message)))


def row_hash(values: dict) -> str:
    return hashlib.sha256(json.dumps({k: text(v) for k, v in sorted(values.items())}).encode()).hexdigest()


def messages_of(error: ValidationError, default_field: str) -> list[tuple[str, str]]:
    if hasattr(error, "error_dict"):
        return [(name, message) for name, errors in error.message_dict.items() for message in errors]
    return [(default_field, message) for message in error.messages]


# Service field names -> the import's columns, for errors.
FIELD_TO_COLUMN = {
    "personnummer": "identity_number",
    "home_area": "home_area",
    "__all__": "reference",
    "evidence": "criteria",
    "kind": "relation",
    "group_a": "group",
    "group_b": "other_group",
    "is_key_individual": "key_individual",
}


class Handler:
    kind: str = ""

    def __init__(self, *, user, run, write: bool):
        self.user = user
        self.run = run
        self.write = write
        self.organisation = acting_organisation(user)
        self.programme_id = self.organisation.programme_id
        self.reason = (_("Import: %(file)s") % {"file": run.file_name})[:100]
        self.seen: set[str] = set()
        self.memos: dict[tuple, dict] = {}
        self.areas = {
            columns.fold(area.name): area for area in scoped_queryset(user, "area", Action.READ).only("id", "name")
        }

    # --- shared reading ------------------------------------------------------------------

    def get(self, row: Row, name: str, parse=text, **kwargs):
        try:
            return parse(row.values.get(name, ""), **kwargs)
        except ValidationError as error:
            for message in error.messages:
                row.fail(name, message)
            return None

    def once(self, row: Row, name: str, table: tuple, parse):
        """`get` for a reading that depends on the cell alone (a choice, a number, an area): made
        once per distinct cell and remembered (at most MEMO_LIMIT cells per `table`)."""
        cell = row.values.get(name, "")
        memo = self.memos.setdefault(table, {})
        hit = memo.get(cell)
        if hit is None:
            try:
                hit = (parse(cell), ())
            except ValidationError as error:
                hit = (None, tuple(error.messages))
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            memo[cell] = hit
        for message in hit[1]:
            row.fail(name, message)
        return hit[0]

    def choice(self, row: Row, name: str, default=None):
        return self.once(row, name, ("choice", name, default), partial(parse_choice, CHOICES[name], default=default))

    def number(self, row: Row, name: str):
        return self.once(row, name, ("number",), parse_int)

    def area(self, row: Row, name: str):
        return self.once(row, name, ("area",), self.find_area)

    def find_area(self, cell):
        value = text(cell)
        if not value:
            return None
        area = self.areas.get(columns.fold(value))
        if area is None:
            raise ValidationError(_("Unknown area: %(name)s.") % {"name": value[:100]})
        return area

    def required(self, row: Row, *names: str) -> None:
        for name in names:
            if not text(row.values.get(name, "")):
                row.fail(name, _("This column is required."))

    def keys(self, references) -> dict[str, ImportKey]:
        return {
            key.reference: key
            for key in ImportKey.objects.filter(
                programme_id=self.programme_id, kind=self.kind, reference__in=references
            )
        }

    def begin(self, chunk: list[Row]) -> None:
        """Common checks for every row: the source reference, duplicates within the file."""
        for row in chunk:
            row.reference = text(row.values.get("reference", ""))[:200]
            row.row_hash = row_hash(row.values)
            if not row.reference:
                row.fail("reference", _("Every row needs a source reference."))
            elif row.reference in self.seen:
                row.fail(
                    "reference",
                    _("The source reference %(ref)s is already used by an earlier row of this file.")
                    % {"ref": row.reference[:60]},
                )
            else:
                self.seen.add(row.reference)
            self.required(row, "source")

    def remember(self, row: Row, object_id: int, key: ImportKey | None) -> None:
        if not self.write:
            return
        if key is None:
            ImportKey.objects.create(
                programme_id=self.programme_id,
                kind=self.kind,
                reference=row.reference,
                object_id=object_id,
                row_hash=row.row_hash,
                last_run=self.run,
            )
        else:
            key.object_id, key.row_hash, key.last_run = object_id, row.row_hash, self.run
            key.save(update_fields=["object_id", "row_hash", "last_run"])

    def each_in_savepoint(self, chunk: list[Row], keys: dict) -> None:
        """Run `self.apply(row, key)` per row inside a savepoint: a failed row leaves nothing."""
        for row in chunk:
            if row.errors:
                continue
            key = keys.get(row.reference)
            if key is not None and key.row_hash == row.row_hash:
                row.outcome = UNCHANGED
                continue
            try:
                with transaction.atomic():
                    object_id = self.apply(row, key)
                    if row.errors:
                        raise ValidationError("row has errors")
                    if object_id is not None:
                        self.remember(row, object_id, key)
            except ValidationError as error:
                if not row.errors:
                    for name, message in messages_of(error, "reference"):
                        row.fail(FIELD_TO_COLUMN.get(name, name), message)
            except PermissionDenied as error:
                row.fail("reference", str(error) or _("You may not do this."))

    def process(self, chunk: list[Row]) -> None:
        self.begin(chunk)
        keys = self.keys([row.reference for row in chunk if row.reference])
        self.each_in_savepoint(chunk, keys)

    def finish(self) -> None:
        pass

    def close(self) -> None:
        """Called once the rows are done or abandoned, before the transaction ends."""

    def apply(self, row: Row, key: ImportKey | None):  # pragma: no cover - every kind has its own
        raise NotImplementedError

    # --- references to groups and persons --------------------------------------------------

    def groups_by(self, values) -> dict[str, Group]:
        """Groups named by their import reference or their name (the user's visible ones)."""
        values = {text(value) for value in values if text(value)}
        if not values:
            return {}
        keys = dict(
            ImportKey.objects.filter(
                programme_id=self.programme_id, kind=ImportKind.GROUPS, reference__in=values
            ).values_list("reference", "object_id")
        )
        visible = scoped_queryset(self.user, "group", Action.READ)
        found = {}
        by_id = visible.in_bulk(set(keys.values()))
        for reference, object_id in keys.items():
            if object_id in by_id:
                found[reference] = by_id[object_id]
        for group in visible.filter(name__in=values - set(found)):
            found.setdefault(group.name, group)
        return found

    def persons_by(self, values) -> dict[str, Person]:
        """Persons named by their import reference or their identity number (visible ones)."""
        values = {text(value) for value in values if text(value)}
        if not values:
            return {}
        keys = dict(
            ImportKey.objects.filter(
                programme_id=self.programme_id, kind=ImportKind.PERSONS, reference__in=values
            ).values_list("reference", "object_id")
        )
        hashes = {}
        for value in values - set(keys):
            try:
                hashes[pnr.search_hash(pnr.normalise(value))] = value
            except ValidationError:
                continue
        visible = scoped_queryset(self.user, "person", Action.READ)
        found = {}
        if keys:
            by_id = visible.in_bulk(set(keys.values()))
            found = {reference: by_id[pk] for reference, pk in keys.items() if pk in by_id}
        if hashes:
            for person in visible.filter(personnummer_hash__in=list(hashes)):
                found.setdefault(hashes[person.personnummer_hash], person)
        return found


class GroupRows(Handler):
    kind = ImportKind.GROUPS

    def apply(self, row: Row, key):
        self.required(row, "name")
        name = text(row.values.get("name"))[:200]
        aliases = sorted({alias[:200] for alias in items(row.values.get("aliases"))})
        areas = []
        for area_name in items(row.values.get("areas")):
            area = self.areas.get(columns.fold(area_name))
            if area is None:
                row.fail("areas", _("Unknown area: %(name)s.") % {"name": area_name[:100]})
            areas.append(area)
        fields = {
            "name": name,
            "status": self.choice(row, "status", default="active"),
            "description": text(row.values.get("description")),
            "source": text(row.values.get("source"))[:200],
            "confidence": self.choice(row, "confidence", default=Confidence.UNVERIFIED),
        }
        if row.errors:
            return None
        group = None
        if key is not None:
            group = scoped_queryset(self.user, "group", Action.READ).filter(pk=key.object_id).first()
        if group is None:
            group = scoped_queryset(self.user, "group", Action.READ).filter(name=name).first()
        if group is None:
            group = create_record(Group(**fields), user=self.user, kind="group")
            row.outcome = CREATE
        else:
            as_changed_by(group, self.user, self.reason)
            group = update_record(group, user=self.user, kind="group", **fields)
            row.outcome = CHANGE
        group.areas.set(areas)
        group.aliases.exclude(alias__in=aliases).delete()
        GroupAlias.objects.bulk_create(
            [GroupAlias(group=group, alias=alias) for alias in aliases], ignore_conflicts=True
        )
        return group.pk


class PersonRows(Handler):
    kind = ImportKind.PERSONS

    def apply(self, row: Row, key):
        self.required(row, "first_name", "last_name")
        identity = text(row.values.get("identity_number"))
        if identity:
            try:
                number = pnr.parse(identity)
            except ValidationError as error:
                for message in error.messages:
                    row.fail("identity_number", message)
                number = None
            if number is not None:
                hashed = pnr.search_hash(number.normalised)
                if hashed in self.identities:
                    row.fail("identity_number", _("The same identity number is on an earlier row of this file."))
                self.identities.add(hashed)
        born = self.get(row, "date_of_birth", parse_date)
        fields = {
            "first_name": text(row.values.get("first_name"))[:100],
            "last_name": text(row.values.get("last_name"))[:100],
            "sex": self.choice(row, "sex", default="unknown"),
            "home_area": self.area(row, "home_area"),
            "source": text(row.values.get("source"))[:200],
            "confidence": self.choice(row, "confidence", default=Confidence.UNVERIFIED),
        }
        if row.errors:
            return None
        visible = scoped_queryset(self.user, "person", Action.READ)
        person = visible.filter(pk=key.object_id).first() if key is not None else None
        if person is None and identity:
            person = visible.filter(personnummer_hash=pnr.search_hash(pnr.normalise(identity))).first()
        if person is None:
            person = register_person(user=self.user, date_of_birth=born, personnummer=identity, **fields)
            row.outcome = CREATE
        else:
            changes = {**fields}
            if born and not identity:
                changes["date_of_birth"] = born
            person = correct_person(
                user=self.user,
                person=person,
                reason=self.reason,
                personnummer=identity if identity else None,
                **changes,
            )
            row.outcome = CHANGE
        return person.pk

    def process(self, chunk):
        if not hasattr(self, "identities"):
            self.identities = set()
        super().process(chunk)


class MembershipRows(Handler):
    kind = ImportKind.MEMBERSHIPS

    def process(self, chunk):
        self.persons = self.persons_by(row.values.get("person") for row in chunk)
        self.groups = self.groups_by(row.values.get("group") for row in chunk)
        if not hasattr(self, "criteria"):
            self.criteria = {
                columns.fold(criterion.code): criterion
                for criterion in InclusionCriterion.objects.filter(programme_id=self.programme_id, is_active=True)
            }
        super().process(chunk)

    def apply(self, row: Row, key):
        self.required(row, "person", "group", "start_date", "criteria", "evidence")
        person = self.persons.get(text(row.values.get("person")))
        if person is None and text(row.values.get("person")):
            row.fail(
                "person", _("Unknown person: give a source reference from the persons file or an identity number.")
            )
        group = self.groups.get(text(row.values.get("group")))
        if group is None and text(row.values.get("group")):
            row.fail("group", _("Unknown group: %(name)s.") % {"name": text(row.values.get("group"))[:100]})
        criteria = []
        for code in items(row.values.get("criteria")):
            criterion = self.criteria.get(columns.fold(code))
            if criterion is None:
                row.fail("criteria", _("Unknown inclusion criterion: %(code)s.") % {"code": code[:50]})
            criteria.append(criterion)
        fields = {
            "start_date": self.get(row, "start_date", parse_date),
            "end_date": self.get(row, "end_date", parse_date),
            "role": self.choice(row, "role", default="member"),
            "is_key_individual": self.get(row, "key_individual", parse_bool),
            "source": text(row.values.get("source"))[:200],
            "confidence": self.choice(row, "confidence", default=Confidence.UNVERIFIED),
        }
        if row.errors:
            return None
        evidence_reference = text(row.values.get("evidence"))[:200]
        existing = None
        if key is not None:
            existing = scoped_queryset(self.user, "membership", Action.READ).filter(pk=key.object_id).first()
        if existing is None:
            membership = propose_membership(
                user=self.user,
                person=person,
                group=group,
                evidence=[{"criterion": c, "source_reference": evidence_reference} for c in criteria],
                **fields,
            )
            row.outcome = CREATE
            return membership.pk
        if existing.status != MembershipStatus.PROPOSED:
            row.outcome = SKIP
            row.note = _("Already decided (%(status)s): change it in the membership review.") % {
                "status": existing.get_status_display()
            }
            return None
        as_changed_by(existing, self.user, self.reason)
        update_record(existing, user=self.user, kind="membership", person=person, group=group, **fields)
        row.outcome = CHANGE
        return existing.pk


class RelationRows(Handler):
    kind = ImportKind.RELATIONS

    def process(self, chunk):
        self.groups = self.groups_by(
            value for row in chunk for value in (row.values.get("group"), row.values.get("other_group"))
        )
        super().process(chunk)

    def apply(self, row: Row, key):
        self.required(row, "group", "other_group", "relation", "start_date")
        found = {}
        for name in ("group", "other_group"):
            value = text(row.values.get(name))
            found[name] = self.groups.get(value)
            if found[name] is None and value:
                row.fail(name, _("Unknown group: %(name)s.") % {"name": value[:100]})
        fields = {
            "group_a": found["group"],
            "group_b": found["other_group"],
            "kind": self.choice(row, "relation"),
            "start_date": self.get(row, "start_date", parse_date),
            "end_date": self.get(row, "end_date", parse_date),
            "description": text(row.values.get("description")),
            "source": text(row.values.get("source"))[:200],
            "confidence": self.choice(row, "confidence", default=Confidence.UNVERIFIED),
        }
        if row.errors:
            return None
        existing = None
        if key is not None:
            existing = scoped_queryset(self.user, "group_relation", Action.READ).filter(pk=key.object_id).first()
        if existing is None:
            relation = create_record(GroupRelation(**fields), user=self.user, kind="group_relation")
            row.outcome = CREATE
            return relation.pk
        as_changed_by(existing, self.user, self.reason)
        update_record(existing, user=self.user, kind="group_relation", **fields)
        row.outcome = CHANGE
        return existing.pk


ROLES = (
    ("suspects", InvolvementRole.SUSPECT),
    ("victims", InvolvementRole.VICTIM),
    ("witnesses", InvolvementRole.WITNESS),
)
COLUMN_OF_ROLE = {role: name for name, role in ROLES}
INCIDENT_FIELDS = (
    "incident_type",
    "occurred_at",
    "area",
    "place",
    "killed",
    "injured",
    "verification_status",
    "confidence",
    "description",
)


class IncidentRows(Handler):
    """The bulk kind: every row validated and policy-checked as `create_record` does it, from the
    row's plain values (no model objects), then written a chunk at a time with COPY.

    - Validation: `ValuesValidator` runs each model field's own `clean` (choices, lengths, the date
      bounds) and the model's `clean()` on the incident's and each involvement's values, with the
      same messages as `validate` on a model instance.
    - Policy: `CreateDecisions` asks `can(user, kind, CREATE, record)` once per decision key
      (programme, organisation, and whether the person is a minor where the user's minors rule
      cares), on a model instance built for the first record of each key.
    - History: one "+" row per incident and involvement, with the user and the reason, as
      `bulk_history_create` writes them (`gvi.services.bulk_copy`).
    The dry run takes the same path and writes nothing."""

    kind = ImportKind.INCIDENTS
    PERSONS_KEPT = 50_000  # persons kept across chunks (a file names the same persons again and again)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.weeks: set = set()
        self.written = 0
        self.persons: dict[str, Person] = {}
        owner = ("programme", "organisation", "created_by", "updated_by")
        self.incident_rules = ValuesValidator(Incident, known=(*owner, "area"))
        self.involvement_rules = ValuesValidator(Involvement, known=(*owner, "incident", "person"), new=("incident",))
        self.may_create = CreateDecisions(self.user, "incident")
        self.may_involve = CreateDecisions(self.user, "involvement")
        self.tz = timezone.get_current_timezone()
        # The database writes one chunk while the next is read and checked (PostgreSQL).
        self.writer = Writer() if self.write and connection.vendor == "postgresql" else None
        # A programme's first import of incidents (the usual bulk case) has no earlier references to
        # look up chunk by chunk: the file's own duplicates are caught by `begin`.
        self.earlier = ImportKey.objects.filter(programme_id=self.programme_id, kind=self.kind).exists()
        self.owner = {
            "programme_id": self.programme_id,
            "organisation_id": self.organisation.pk,
            "created_by_id": self.user.pk,
            "updated_by_id": self.user.pk,
        }

    def parse(self, row: Row):
        self.required(row, "incident_type", "occurred_at")
        fields = {
            "incident_type": self.choice(row, "incident_type"),
            "occurred_at": self.get(row, "occurred_at", parse_datetime, tz=self.tz),
            "area": self.area(row, "area"),
            "place": text(row.values.get("place"))[:200],
            "killed": self.number(row, "killed"),
            "injured": self.number(row, "injured"),
            "verification_status": self.choice(row, "verification_status", default="reported"),
            "confidence": self.choice(row, "confidence", default=Confidence.UNVERIFIED),
            "description": text(row.values.get("description")),
        }
        people = []
        for name, role in ROLES:
            for value in items(row.values.get(name)):
                person = self.persons.get(value)
                if person is None:
                    row.fail(
                        name,
                        _("Unknown person: %(ref)s.")
                        % {"ref": value[:60] if not pnr.is_valid(value) else pnr.parse(value).masked()},
                    )
                elif (person.pk, role) in {(p.pk, r) for p, r in people}:
                    row.fail(name, _("The same person is named twice in this role."))
                else:
                    people.append((person, role))
        return fields, people

    def load_persons(self, chunk: list[Row]) -> None:
        """The persons the chunk names, added to those of earlier chunks (one query for the new ones)."""
        named = {value for row in chunk for name, _role in ROLES for value in items(row.values.get(name))}
        if len(self.persons) > self.PERSONS_KEPT:
            self.persons = {}
        missing = named - self.persons.keys()
        if missing:
            self.persons.update(self.persons_by(missing))

    def process(self, chunk: list[Row]) -> None:
        self.begin(chunk)
        self.load_persons(chunk)
        keys = self.keys([row.reference for row in chunk if row.reference]) if self.earlier else {}
        new_rows, new_incidents, new_involvements = [], [], []
        for row in chunk:
            fields, people = self.parse(row)
            if row.errors:
                continue
            key = keys.get(row.reference)
            if key is not None:
                if key.row_hash == row.row_hash:
                    row.outcome = UNCHANGED
                else:
                    self.change(row, key, fields, people)
                continue
            area = fields.pop("area")
            incident = {
                **self.owner,
                "source": text(row.values.get("source"))[:200],
                "area_id": area.pk if area is not None else None,
                **fields,
            }
            involvements = [
                {
                    **self.owner,
                    "person_id": person.pk,
                    "role": role,
                    "source": incident["source"],
                    "confidence": incident["confidence"],
                }
                for person, role in people
            ]
            if not self.check(row, incident, people, involvements):
                continue
            row.outcome = CREATE
            new_rows.append(row)
            new_incidents.append(incident)
            new_involvements.append(involvements)
        if self.write and new_incidents:
            self.insert(new_rows, new_incidents, new_involvements)

    def check(self, row: Row, incident: dict, people, involvements: list[dict]) -> bool:
        """The policy and the model's validation, as `create_record` runs them: the policy on the
        new incident, its validation, then each involvement's policy and validation."""
        owned = {"programme_id": self.programme_id, "organisation_id": self.organisation.pk}
        if not self.may_create.allowed(partial(Incident, **incident), **owned):
            row.fail("reference", _("You may not do this."))
            return False
        try:
            self.incident_rules.validate(incident)
        except ValidationError as error:
            for name, message in messages_of(error, "reference"):
                row.fail(FIELD_TO_COLUMN.get(name, name), message)
            return False
        for (person, role), involvement in zip(people, involvements, strict=True):
            column = COLUMN_OF_ROLE[role]
            build = partial(self.involvement_instance, incident, person, involvement)
            if not self.may_involve.allowed(build, person=person, event=incident["occurred_at"], **owned):
                row.fail(column, _("You may not record this person's involvement."))
                return False
            try:
                self.involvement_rules.validate(involvement)
            except ValidationError as error:
                for _name, message in messages_of(error, column):
                    row.fail(column, message)
                return False
        return True

    @staticmethod
    def involvement_instance(incident: dict, person: Person, involvement: dict) -> Involvement:
        """The involvement as a model instance, for the policy's first decision of its key."""
        values = {name: value for name, value in involvement.items() if name != "person_id"}
        return Involvement(incident=Incident(**incident), person=person, **values)

    def insert(self, rows: list[Row], incidents: list[dict], involvements: list[list[dict]]) -> None:
        if self.writer is not None:
            self.writer.wait()  # the previous chunk is in (and any error of its raised here)
        ids = create_with_history(Incident, incidents, user=self.user, reason=self.reason, writer=self.writer)
        for incident_id, those in zip(ids, involvements, strict=True):
            for involvement in those:
                involvement["incident_id"] = incident_id
        create_with_history(
            Involvement,
            [one for those in involvements for one in those],
            user=self.user,
            reason=self.reason,
            writer=self.writer,
        )
        create_plain(
            ImportKey,
            [
                {
                    "programme_id": self.programme_id,
                    "kind": self.kind,
                    "reference": row.reference,
                    "object_id": incident_id,
                    "row_hash": row.row_hash,
                    "last_run_id": self.run.pk,
                }
                for row, incident_id in zip(rows, ids, strict=True)
            ],
            writer=self.writer,
        )
        days = {incident["occurred_at"] for incident in incidents}
        self.weeks.update(weekly_counts.monday_of(day) for day in days)
        self.written += len(incidents)

    def change(self, row: Row, key: ImportKey, fields: dict, people) -> None:
        """A corrected row: the incident is corrected (with the reason and history) and its
        involvements follow the row."""
        incident = scoped_queryset(self.user, "incident", Action.READ).filter(pk=key.object_id).first()
        if incident is None:
            row.fail("reference", _("The incident imported under this reference is gone or not yours to change."))
            return
        row.outcome = CHANGE
        if not self.write:
            return
        try:
            with transaction.atomic():
                correct_incident(user=self.user, incident=incident, reason=self.reason, **fields)
                wanted = {(person.pk, role): person for person, role in people}
                current = {(i.person_id, i.role): i for i in incident.involvements.all()}
                for pair, involvement in current.items():
                    if pair not in wanted:
                        involvement.delete()
                for pair, person in wanted.items():
                    if pair not in current:
                        add_involvement(
                            user=self.user,
                            incident=incident,
                            person=person,
                            role=pair[1],
                            source=incident.source,
                            confidence=incident.confidence,
                        )
                key.row_hash, key.last_run = row.row_hash, self.run
                key.save(update_fields=["row_hash", "last_run"])
        except ValidationError as error:
            for name, message in messages_of(error, "reference"):
                row.fail(FIELD_TO_COLUMN.get(name, name), message)
        except PermissionDenied as error:
            row.fail("reference", str(error))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()

    def finish(self) -> None:
        self.close()
        if self.write and self.written:
            weekly_counts.refresh(programme_id=self.programme_id, weeks=self.weeks, areas=None, groups=None)
            scores_rebuild(self.programme_id)


HANDLERS = {
    ImportKind.GROUPS: GroupRows,
    ImportKind.PERSONS: PersonRows,
    ImportKind.MEMBERSHIPS: MembershipRows,
    ImportKind.RELATIONS: RelationRows,
    ImportKind.INCIDENTS: IncidentRows,
}
